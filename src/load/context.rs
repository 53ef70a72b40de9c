//! The context of a file argument. pre-commit passes changed files, and
//! splits long lists into batches: a child module's file may arrive without
//! the root module that calls it. Analysed alone, the child would use its
//! variables' defaults and report what `runwarden check .` does not (and miss
//! what it does). So a file's module is analysed with the modules that call
//! it, directly or not, found in the repository that holds it (the nearest
//! directory with `.git`; else the current directory): the root modules of
//! `check .` above it, whatever batch the file arrives in.
//!
//! Finding the callers reads every configuration file of the repository, but
//! only scans it for `source = "./..."` strings (the form Terraform requires
//! of a local module source), without parsing. The scan may over-match (a
//! comment, another resource's `source` argument): that only adds a
//! directory to load, and loading decides what calls what.

use super::{LoadOptions, display_path, is_config_file, normalize, walk_tree};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A file or directory that could not be read: (path shown, why).
type Unreadable = (String, String);
/// Module directory -> the directories naming it as a local source.
type CallIndex = BTreeMap<PathBuf, BTreeSet<PathBuf>>;

/// The repository holding `dir`: the nearest directory at or above it with
/// `.git`; else the current directory when `dir` is under it.
fn repository(dir: &Path, cwd: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .or_else(|| dir.starts_with(cwd).then(|| cwd.to_path_buf()))
}

/// Directories of the modules that call the modules in `dirs`, directly or
/// through other modules, in their repositories (`dirs` themselves left
/// out). Files that cannot be read are errors, as in a walk of the
/// repository: (path shown, why).
pub fn callers(
    dirs: &BTreeSet<PathBuf>,
    cwd: &Path,
    opts: &LoadOptions,
    tree: &[PathBuf],
) -> Result<BTreeSet<PathBuf>, Vec<Unreadable>> {
    let mut by_repo: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for d in dirs {
        if let Some(repo) = repository(d, cwd) {
            by_repo.entry(repo).or_default().push(d);
        }
    }
    let mut found = BTreeSet::new();
    let mut errors = Vec::new();
    for (repo, targets) in by_repo {
        let called_by = match call_index(&repo, cwd, opts, tree) {
            Ok(index) => index,
            Err(e) => {
                errors.extend(e);
                continue;
            }
        };
        let mut stack: Vec<PathBuf> = targets.into_iter().cloned().collect();
        let mut seen: BTreeSet<PathBuf> = stack.iter().cloned().collect();
        while let Some(d) = stack.pop() {
            for caller in called_by.get(&d).into_iter().flatten() {
                if seen.insert(caller.clone()) {
                    stack.push(caller.clone());
                }
            }
        }
        found.extend(seen.into_iter().filter(|d| !dirs.contains(d)));
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// For every module directory of the repository, the directories whose
/// files name it as a local source. The repository is walked as a directory
/// argument is (hidden and excluded paths skipped, links followed the same
/// way).
fn call_index(
    repo: &Path,
    cwd: &Path,
    opts: &LoadOptions,
    tree: &[PathBuf],
) -> Result<CallIndex, Vec<Unreadable>> {
    let mut errors = Vec::new();
    let files: Vec<PathBuf> = walk_tree(repo, cwd, opts, tree, &mut errors, &mut |_| {})
        .files
        .into_iter()
        .filter(|f| is_config_file(&f.file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    let scanned: Vec<Result<(PathBuf, Vec<PathBuf>), Unreadable>> = files
        .into_par_iter()
        .map(|path| {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let real_dir = std::fs::canonicalize(&dir).ok();
            let bytes = super::read_source(&path, real_dir.as_deref(), tree)
                .map_err(|e| (display_path(cwd, &path), e.to_string()))?;
            let text = String::from_utf8_lossy(&bytes);
            let targets = local_sources(&text)
                .into_iter()
                .map(|s| normalize(&dir, Path::new(s)))
                .collect();
            Ok((dir, targets))
        })
        .collect();
    let mut index = CallIndex::new();
    for r in scanned {
        match r {
            Ok((dir, targets)) => {
                for t in targets {
                    if t != dir {
                        index.entry(t).or_default().insert(dir.clone());
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(index)
    } else {
        Err(errors)
    }
}

/// Every `source = "./..."` / `"source": "../..."` string value in `text`.
fn local_sources(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let skip_blanks = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
        i
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("source") {
        let mut i = from + at + "source".len();
        from = i;
        if bytes.get(i) == Some(&b'"') {
            i += 1; // the end of a JSON key
        }
        i = skip_blanks(i);
        if !matches!(bytes.get(i), Some(b'=' | b':')) {
            continue;
        }
        i = skip_blanks(i + 1);
        if bytes.get(i) != Some(&b'"') {
            continue;
        }
        let start = i + 1;
        let Some(len) = text[start..].find(['"', '\n']) else {
            continue;
        };
        let value = &text[start..start + len];
        if value.starts_with("./") || value.starts_with("../") || value == "." || value == ".." {
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_sources;

    #[test]
    fn finds_local_sources_in_both_syntaxes() {
        let hcl = "module \"a\" {\n  source  = \"../../modules/run\"\n}\nmodule \"b\" {\n  source=\"./b\"\n  version = \"1\"\n}\nmodule \"r\" {\n  source = \"acme/run/google\"\n}\n";
        assert_eq!(local_sources(hcl), ["../../modules/run", "./b"]);
        let json = r#"{"module": {"a": {"source": "../common", "x": 1}, "b": {"source" : "hashicorp/x"}}}"#;
        assert_eq!(local_sources(json), ["../common"]);
        assert_eq!(
            local_sources("sources = [\"./x\"]\nsource = var.x\n"),
            Vec::<&str>::new()
        );
        assert_eq!(local_sources("ünï = 1 # source = \"./é\""), ["./é"]);
    }
}
