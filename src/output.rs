//! Writing the files runwarden produces (`--output`, `--write-baseline`,
//! man pages). A file is written beside its destination and renamed over
//! it: a symbolic link planted at the destination (say, by a pull request,
//! pointing at a file of the CI runner) is replaced, never followed, and a
//! reader never sees half a report. A destination that is not a file to
//! replace (`/dev/null`, `/dev/stdout` and the pipe or terminal behind it,
//! a FIFO, a socket) is written in place: renaming over it would put a
//! regular file where a device was (as root, `--output /dev/null` would
//! have replaced the machine's `/dev/null`).

use std::io::Write;
use std::path::Path;

pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if written_in_place(path) {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        return f.write_all(bytes);
    }
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

/// A character device, FIFO or socket (after links); block devices,
/// directories and regular files are not.
fn written_in_place(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| {
            let t = m.file_type();
            t.is_char_device() || t.is_fifo() || t.is_socket()
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
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

    #[test]
    #[cfg(unix)]
    fn devices_and_pipes_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write(Path::new("/dev/null"), b"{}").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("report.pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            let reader = {
                let fifo = fifo.clone();
                std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
            };
            write(&fifo, b"[1]").unwrap();
            assert_eq!(reader.join().unwrap(), "[1]");
            let meta = std::fs::symlink_metadata(&fifo).unwrap();
            assert!(meta.file_type().is_fifo());
        }
    }
}
