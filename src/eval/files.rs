//! `file()` and `templatefile()`: the files a configuration reads beside
//! itself (workflow definitions, policies, OpenAPI documents). Confined to
//! the analysed tree: the check runs on pull requests, and a contributor's
//! `file("/proc/self/environ")` must not copy the runner's secrets into an
//! annotation. A refusal names the path as written, never the contents.

use crate::load::read::{self, ReadError};
use std::path::{Path, PathBuf};

/// Largest file `file()` / `templatefile()` read.
pub const MAX_BYTES: u64 = 2 << 20;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Its real path (after `..` and links) leaves the analysed tree.
    Outside(String),
    /// Missing, not a regular file, unreadable: what Terraform would fail on.
    Unreadable(String, String),
    TooLarge(String),
    NotText(String),
}

impl Refused {
    /// The reason of the unknown value `func(path)` becomes. Only a file that
    /// Terraform itself could not read is an error (`try()` moves past it);
    /// a refused one is unknown: Terraform would have read something.
    pub fn reason(&self, func: &str) -> String {
        match self {
            Refused::Outside(p) => format!(
                "{func}(): {p:?} is outside the analysed tree (absolute path, `..` or link leaving it): not read"
            ),
            Refused::Unreadable(p, why) => format!("error: {func}(): cannot read {p}: {why}"),
            Refused::TooLarge(p) => format!(
                "{func}(): {p} is larger than {} MiB: not read",
                MAX_BYTES >> 20
            ),
            Refused::NotText(p) => format!("error: {func}(): {p} is not UTF-8 text"),
        }
    }
}

/// Reads `path` (relative to `cwd`, as Terraform resolves it) when its real
/// path lies under one of `tree` (real paths).
pub fn read_text(tree: &[PathBuf], cwd: &Path, path: &str) -> Result<String, Refused> {
    let full = cwd.join(path);
    match read::read_within(&full, tree, MAX_BYTES) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| Refused::NotText(path.into())),
        Err(ReadError::Outside(_)) => Err(Refused::Outside(path.into())),
        Err(ReadError::TooLarge { .. }) => Err(Refused::TooLarge(path.into())),
        Err(e) => Err(Refused::Unreadable(path.into(), e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_the_tree_and_refuses_escapes() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        std::fs::create_dir_all(root.join("modules/wf")).unwrap();
        std::fs::write(root.join("modules/wf/flow.yaml"), "main: {}\n").unwrap();
        std::fs::write(outside.path().join("hostname"), "runner-42\n").unwrap();
        let tree = [root.clone()];
        assert_eq!(
            read_text(&tree, &root, "modules/wf/flow.yaml").unwrap(),
            "main: {}\n"
        );
        let abs = root.join("modules/wf/flow.yaml");
        assert!(read_text(&tree, &root, abs.to_str().unwrap()).is_ok());
        let secret = outside.path().join("hostname");
        let escapes = [
            secret.to_string_lossy().into_owned(),
            format!(
                "modules/../../{}/hostname",
                outside.path().file_name().unwrap().to_string_lossy()
            ),
        ];
        for p in &escapes {
            let refused = read_text(&tree, &root, p).unwrap_err();
            assert_eq!(refused, Refused::Outside(p.clone()));
            assert!(!refused.reason("file").contains("runner-42"));
        }
        assert!(matches!(
            read_text(&tree, &root, "missing.json"),
            Err(Refused::Unreadable(..))
        ));
        assert!(
            Refused::Unreadable("x".into(), "y".into())
                .reason("file")
                .starts_with("error: ")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_tree_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        std::fs::write(outside.path().join("event.json"), "{\"token\": 1}").unwrap();
        std::os::unix::fs::symlink(outside.path().join("event.json"), root.join("policy.json"))
            .unwrap();
        assert_eq!(
            read_text(std::slice::from_ref(&root), &root, "policy.json"),
            Err(Refused::Outside("policy.json".into()))
        );
    }
}
