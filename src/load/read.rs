//! Reading one input file without trusting it: only regular files (after
//! following symbolic links), never more than a size limit, and never a path
//! whose real location leaves the tree it is allowed to come from. A FIFO, a
//! device or `/proc/kmsg` named `main.tf` must end in a message, not a hang or
//! an exhausted runner.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest Terraform file (`.tf`, `.tf.json`, tfvars, `modules.json`,
/// `runwarden.toml`, baseline) read. Generated `.tf.json` files reach a few
/// MB; anything this large is a mistake or an attack.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Largest `--plan` / `--live-policy` export read (plans of large states are
/// big, and the user names these files on the command line).
pub const MAX_EXPORT_BYTES: u64 = 1 << 30;

/// Why a file was not read. The text names the problem, never the contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The operating system's error (`Permission denied (os error 13)`).
    #[error("{0}")]
    Os(String),
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    #[error("{size} bytes, over the {} MiB limit for one file", limit >> 20)]
    TooLarge { size: u64, limit: u64 },
    #[error("its real path {0} is outside the analysed tree")]
    Outside(String),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        ReadError::Os(e.to_string())
    }
}

/// What a non-regular file is, in words.
pub fn kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Reads the regular file at `path` (symbolic links followed), at most
/// `limit` bytes. Opening never blocks: on Unix the file is opened
/// non-blocking (a FIFO opens at once and is then refused), elsewhere its
/// type is checked before opening. The type is checked on the open handle,
/// and the read itself stops one byte past the limit, so a file that grows
/// or lies about its size (`/proc`) still cannot exhaust memory.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    match open(path, true) {
        Ok(file) => read_open(file, limit),
        Err(e) => Err(refused(path, e)),
    }
}

/// Reads `path` as [`read_regular`] does when it is not a symbolic link:
/// `None` when it is one (or cannot be opened), for the caller to look at
/// where it leads. One `open` and one `fstat`, where an `lstat` first
/// would be a third call per file.
pub fn read_unless_link(path: &Path, limit: u64) -> Option<Result<Vec<u8>, ReadError>> {
    if cfg!(unix) {
        return open(path, false).ok().map(|file| read_open(file, limit));
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_symlink() => Some(read_regular(path, limit)),
        _ => None,
    }
}

/// Opens `path` for reading without waiting on it. On Unix: non-blocking
/// (a FIFO opens at once), never as a controlling terminal, and with
/// `follow` false refusing a symbolic link (`O_NOFOLLOW`). Elsewhere the
/// type is checked first, since opening a pipe could wait for a writer.
fn open(path: &Path, follow: bool) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        if !follow {
            flags |= libc::O_NOFOLLOW;
        }
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags)
            .open(path)
    }
    #[cfg(not(unix))]
    {
        let _ = follow;
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Err(std::io::Error::other(ReadError::NotRegular(kind(
                meta.file_type(),
            ))));
        }
        std::fs::File::open(path)
    }
}

/// Why `path` could not be opened: a special file that refuses to open (a
/// socket) is named as such, like one that opened.
fn refused(path: &Path, e: std::io::Error) -> ReadError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ReadError>()) {
        return inner.clone();
    }
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => ReadError::NotRegular(kind(meta.file_type())),
        _ => e.into(),
    }
}

fn read_open(file: std::fs::File, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// `path` with every symbolic link resolved, when it exists.
pub fn real_path(path: &Path) -> Result<PathBuf, ReadError> {
    Ok(std::fs::canonicalize(path)?)
}

/// Real paths of directories, resolved once per directory: a directory that
/// is not itself a link lies where its parent really is, so one `lstat` per
/// new directory replaces a full resolution (one `readlink` per component)
/// per file. `dir` must be absolute and lexically normalised, as every path
/// of the loader is.
#[derive(Debug, Default)]
pub struct RealDirs {
    known: rustc_hash::FxHashMap<PathBuf, Option<PathBuf>>,
}

impl RealDirs {
    /// Records that `dir` (absolute, normalised) really is `real`, as a walk
    /// that did not follow links found it.
    pub fn seed(&mut self, dir: &Path, real: PathBuf) {
        self.known.insert(dir.to_path_buf(), Some(real));
    }

    pub fn get(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(real) = self.known.get(dir) {
            return real.clone();
        }
        let real = match (dir.parent(), dir.file_name()) {
            (Some(parent), Some(name)) => match std::fs::symlink_metadata(dir) {
                Ok(meta) if !meta.file_type().is_symlink() => {
                    self.get(parent).map(|p| p.join(name))
                }
                Ok(_) => std::fs::canonicalize(dir).ok(),
                Err(_) => None,
            },
            _ => std::fs::canonicalize(dir).ok(),
        };
        self.known.insert(dir.to_path_buf(), real.clone());
        real
    }
}

/// Whether the real path `real` lies in one of the (real) directories `roots`.
pub fn within(real: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|r| real.starts_with(r))
}

/// Reads `path` as [`read_regular`] does, after checking that its real path
/// lies under one of `roots` (real paths too).
pub fn read_within(path: &Path, roots: &[PathBuf], limit: u64) -> Result<Vec<u8>, ReadError> {
    let real = real_path(path)?;
    if !within(&real, roots) {
        return Err(ReadError::Outside(real.to_string_lossy().into_owned()));
    }
    read_regular(&real, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn real_dirs_agree_with_a_full_resolution() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::create_dir_all(root.join("x/y")).unwrap();
        std::os::unix::fs::symlink(root.join("a/b"), root.join("x/y/to_b")).unwrap();
        std::os::unix::fs::symlink("../../a", root.join("x/y/rel_a")).unwrap();
        std::os::unix::fs::symlink(root.join("x/y/to_b"), root.join("chain")).unwrap();
        let mut dirs = RealDirs::default();
        for p in [
            "a/b/c",
            "a/b",
            "x/y/to_b",
            "x/y/to_b/c",
            "x/y/rel_a/b/c",
            "chain/c",
            "missing/c",
            "a/b/c/missing",
            "",
        ] {
            let dir = root.join(p);
            let want = std::fs::canonicalize(&dir).ok();
            assert_eq!(dirs.get(&dir), want, "{p}");
            assert_eq!(dirs.get(&dir), want, "{p}, cached");
        }
        assert_eq!(dirs.get(Path::new("/")), Some(PathBuf::from("/")));
    }

    #[test]
    fn regular_files_are_read_up_to_the_limit() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.tf");
        std::fs::write(&p, "locals {}\n").unwrap();
        assert_eq!(read_regular(&p, 100).unwrap(), b"locals {}\n");
        assert_eq!(
            read_regular(&p, 4),
            Err(ReadError::TooLarge { size: 10, limit: 4 })
        );
    }

    #[test]
    fn directories_and_missing_files_are_refused_with_the_reason() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            read_regular(d.path(), 100),
            Err(ReadError::NotRegular("a directory"))
        );
        let err = read_regular(&d.path().join("missing.tf"), 100).unwrap_err();
        assert!(err.to_string().contains("os error 2"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_before_any_read() {
        assert_eq!(
            read_regular(Path::new("/dev/zero"), MAX_SOURCE_BYTES),
            Err(ReadError::NotRegular("a character device"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_roots_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let root = real_path(d.path()).unwrap();
        let secret = real_path(elsewhere.path()).unwrap().join("secret");
        std::fs::write(&secret, "token").unwrap();
        let inside = root.join("in.json");
        std::fs::write(&inside, "{}").unwrap();
        std::os::unix::fs::symlink(&secret, root.join("out.json")).unwrap();
        std::os::unix::fs::symlink(&inside, root.join("link.json")).unwrap();
        let roots = [root.clone()];
        assert_eq!(
            read_within(&root.join("link.json"), &roots, 100).unwrap(),
            b"{}"
        );
        let refused = read_within(&root.join("out.json"), &roots, 100).unwrap_err();
        assert_eq!(refused, ReadError::Outside(secret.display().to_string()));
        assert!(!refused.to_string().contains("token"));
        let dotdot = root
            .join("..")
            .join(elsewhere.path().file_name().unwrap())
            .join("secret");
        assert!(matches!(
            read_within(&dotdot, &roots, 100),
            Err(ReadError::Outside(_))
        ));
    }
}
