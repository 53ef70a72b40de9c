//! `exclude` patterns (runwarden.toml's `exclude` and `--exclude`) with the
//! meaning `.gitignore` gives them, compiled to one glob set over absolute
//! paths:
//!
//! - a pattern names a file or a directory; a directory excludes everything
//!   under it (`examples/callers`, `examples/callers/`);
//! - a pattern with no `/` except a trailing one matches at any depth below
//!   its base (`examples` excludes every directory named `examples`);
//! - any other pattern is relative to its base (`envs/*/legacy`, `/vendor`);
//! - `*` and `?` stay within one path segment, `**` spans segments.
//!
//! The base is the directory of runwarden.toml for the config's patterns and
//! the current directory for `--exclude`.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[error("bad exclude pattern {pattern:?}: {reason}")]
pub struct ExcludeError {
    pub pattern: String,
    pub reason: String,
}

/// One glob set for `(pattern, base directory)` pairs; `base` must be absolute.
pub fn build<'a>(
    patterns: impl IntoIterator<Item = (&'a str, &'a Path)>,
) -> Result<GlobSet, ExcludeError> {
    let mut set = GlobSetBuilder::new();
    for (pattern, base) in patterns {
        let bad = |reason: String| ExcludeError {
            pattern: pattern.to_string(),
            reason,
        };
        if pattern.starts_with('!') {
            return Err(bad("negated patterns (`!`) are not supported".into()));
        }
        let body = pattern.trim_end_matches('/');
        let anchored = body.contains('/');
        let body = body.trim_start_matches('/');
        if body.is_empty() {
            return Err(bad("the pattern is empty".into()));
        }
        let base = globset::escape(&base.to_string_lossy().replace('\\', "/"));
        let base = base.trim_end_matches('/');
        let full = if anchored {
            format!("{base}/{body}")
        } else {
            format!("{base}/**/{body}")
        };
        for glob in [full.clone(), format!("{full}/**")] {
            let g = GlobBuilder::new(&glob)
                .literal_separator(true)
                .build()
                .map_err(|e| bad(e.kind().to_string()))?;
            set.add(g);
        }
    }
    set.build().map_err(|e| ExcludeError {
        pattern: String::new(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        build([(pattern, Path::new("/repo"))])
            .unwrap()
            .is_match(path)
    }

    #[test]
    fn a_directory_excludes_everything_under_it() {
        for p in ["examples/callers", "examples/callers/", "/examples/callers"] {
            assert!(matches(p, "/repo/examples/callers/main.tf"), "{p}");
            assert!(matches(p, "/repo/examples/callers/sub/x.tf"), "{p}");
            assert!(!matches(p, "/repo/examples/callers2/main.tf"), "{p}");
            assert!(!matches(p, "/repo/other/examples/callers/main.tf"), "{p}");
        }
    }

    #[test]
    fn a_bare_name_matches_at_any_depth() {
        assert!(matches("examples", "/repo/examples/a.tf"));
        assert!(matches("examples", "/repo/x/examples/y/a.tf"));
        assert!(!matches("examples", "/repo/examples2/a.tf"));
        assert!(matches("*.tfvars", "/repo/envs/prod/secret.tfvars"));
        assert!(!matches("examples", "/elsewhere/examples/a.tf"));
    }

    #[test]
    fn star_stays_in_one_segment_and_double_star_spans() {
        assert!(matches("envs/*/legacy", "/repo/envs/prod/legacy/main.tf"));
        assert!(!matches("envs/*/legacy", "/repo/envs/a/b/legacy/main.tf"));
        assert!(matches("envs/**/legacy", "/repo/envs/a/b/legacy/main.tf"));
        assert!(matches("**/examples/**", "/repo/x/examples/main.tf"));
        assert!(matches("**/examples/**", "/repo/examples/main.tf"));
    }

    #[test]
    fn base_directories_with_glob_characters_are_literal() {
        let set = build([("a", Path::new("/r[1]"))]).unwrap();
        assert!(set.is_match("/r[1]/a/main.tf"));
        assert!(!set.is_match("/r1/a/main.tf"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(build([("!keep", Path::new("/repo"))]).is_err());
        assert!(build([("/", Path::new("/repo"))]).is_err());
        assert!(build([("a[", Path::new("/repo"))]).is_err());
    }
}
