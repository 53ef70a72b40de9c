//! `file()` and `templatefile()`: the files a configuration reads beside
//! itself (workflow definitions, policies, OpenAPI documents). Confined to
//! the analysed tree: the check runs on pull requests, and a contributor's
//! `file("/proc/self/environ")` must not copy the runner's secrets into an
//! annotation. A refusal names the path as written, never the contents.

use super::Unknown;
use crate::load::read::{self, ReadError};
use crate::syntax::Span;
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
    /// The unknown value `func(path)` becomes. Only a file that Terraform
    /// itself could not read is an error (`try()` moves past it); a refused
    /// one is not modelled: Terraform would have read something.
    pub fn unknown(&self, func: &str, span: Span) -> Unknown {
        match self {
            Refused::Outside(p) => Unknown::not_modelled(
                format!(
                    "{func}(): {p:?} is outside the analysed tree (absolute path, `..` or link leaving it): not read"
                ),
                span,
            ),
            Refused::Unreadable(p, why) => {
                Unknown::error(format!("{func}(): cannot read {p}: {why}"), span)
            }
            Refused::TooLarge(p) => Unknown::not_modelled(
                format!(
                    "{func}(): {p} is larger than {} MiB: not read",
                    MAX_BYTES >> 20
                ),
                span,
            ),
            Refused::NotText(p) => Unknown::error(format!("{func}(): {p} is not UTF-8 text"), span),
        }
    }
}

/// The file `path` (relative to `cwd`, as Terraform resolves it) names,
/// when its real path lies under one of `tree` (real paths).
pub fn read(tree: &[PathBuf], cwd: &Path, path: &str) -> Result<Vec<u8>, Refused> {
    match read::read_within(&cwd.join(path), tree, MAX_BYTES) {
        Ok(bytes) => Ok(bytes),
        Err(ReadError::Outside(_)) => Err(Refused::Outside(path.into())),
        Err(ReadError::TooLarge { .. }) => Err(Refused::TooLarge(path.into())),
        Err(e) => Err(Refused::Unreadable(path.into(), e.to_string())),
    }
}

/// `fileexists(path)`: whether a regular file is there. Outside the tree
/// the answer is refused too: even one bit about the runner's files is not
/// the configuration's to know.
pub fn exists(tree: &[PathBuf], cwd: &Path, path: &str) -> Result<bool, Refused> {
    let full = cwd.join(path);
    match read::real_path(&full) {
        Ok(real) if read::within(&real, tree) => Ok(real.is_file()),
        Ok(_) => Err(Refused::Outside(path.into())),
        // Missing: does the path it would have lead out of the tree?
        Err(_) => {
            let lexical = crate::load::normalize(cwd, Path::new(path));
            let parent = lexical.parent().and_then(|p| read::real_path(p).ok());
            match parent {
                Some(p) if !read::within(&p, tree) => Err(Refused::Outside(path.into())),
                _ => Ok(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Span;

    fn text(tree: &[PathBuf], cwd: &Path, path: &str) -> Result<String, Refused> {
        String::from_utf8(read(tree, cwd, path)?).map_err(|_| Refused::NotText(path.into()))
    }

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
            text(&tree, &root, "modules/wf/flow.yaml").unwrap(),
            "main: {}\n"
        );
        let abs = root.join("modules/wf/flow.yaml");
        assert!(text(&tree, &root, abs.to_str().unwrap()).is_ok());
        let secret = outside.path().join("hostname");
        let escapes = [
            secret.to_string_lossy().into_owned(),
            format!(
                "modules/../../{}/hostname",
                outside.path().file_name().unwrap().to_string_lossy()
            ),
        ];
        for p in &escapes {
            let refused = text(&tree, &root, p).unwrap_err();
            assert_eq!(refused, Refused::Outside(p.clone()));
            assert!(
                !format!("{:?}", refused.unknown("file", Span::default())).contains("runner-42")
            );
        }
        assert!(matches!(
            text(&tree, &root, "missing.json"),
            Err(Refused::Unreadable(..))
        ));
        assert!(
            Refused::Unreadable("x".into(), "y".into())
                .unknown("file", Span::default())
                .is_error()
        );
        assert!(
            !Refused::Outside("x".into())
                .unknown("file", Span::default())
                .is_error()
        );
        assert_eq!(exists(&tree, &root, "modules/wf/flow.yaml"), Ok(true));
        assert_eq!(exists(&tree, &root, "modules/wf/none.yaml"), Ok(false));
        assert_eq!(
            exists(&tree, &root, secret.to_str().unwrap()),
            Err(Refused::Outside(secret.to_string_lossy().into_owned()))
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
            text(std::slice::from_ref(&root), &root, "policy.json"),
            Err(Refused::Outside("policy.json".into()))
        );
    }
}
