//! Writing the files runwarden produces (`--output`, `--write-baseline`,
//! man pages). A file is written beside its destination and renamed over
//! it: a symbolic link planted at the destination (say, by a pull request,
//! pointing at a file of the CI runner) is replaced, never followed, and a
//! reader never sees half a report.

use std::io::Write;
use std::path::Path;

pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".runwarden-");
    // Readable like any file the user creates (a temporary file is private).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn a_link_at_the_destination_is_replaced_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("runner-secret");
        std::fs::write(&target, "keep").unwrap();
        let out = d.path().join("runwarden.sarif");
        std::os::unix::fs::symlink(&target, &out).unwrap();
        write(&out, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{}");
        let meta = std::fs::symlink_metadata(&out).unwrap();
        assert!(!meta.file_type().is_symlink());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o600, 0o600);
        // A plain relative name in the current directory works too.
        let nested = d.path().join("report.json");
        write(&nested, b"[]").unwrap();
        assert_eq!(std::fs::read_to_string(&nested).unwrap(), "[]");
    }
}
