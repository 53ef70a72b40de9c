//! Discovery and loading: walk the given paths, read and parse every
//! Terraform file (in parallel), group files into modules, load the local and
//! installed child modules they call, and pick the root modules.

mod context;
mod overrides;
pub mod read;
mod unloaded;

pub use unloaded::{UnloadedCall, unloaded_calls};

use crate::syntax::scan::{Deferred, DeferredKind};
use crate::syntax::{Attribute, Block, Body, FileId, Lazy, Name, SourceFile, Staged};
use globset::GlobSet;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

pub type ModuleId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Debug)]
pub struct ResourceDecl {
    pub mode: Mode,
    pub rtype: Name,
    pub name: Name,
    pub block: Block,
    /// The instance's full address when it comes from a plan or state file
    /// (one declaration per instance, no `count`/`for_each` left to expand).
    pub address: Option<String>,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: Name,
    pub block: Block,
    pub source: String,
    /// Resolved local (or installed) module directory.
    pub target: Option<ModuleId>,
}

#[derive(Debug, Default)]
pub struct ModuleConfig {
    pub dir: PathBuf,
    pub display: String,
    pub files: Vec<FileId>,
    /// Parsed when first read: most are never read ([`Lazy`]).
    pub variables: BTreeMap<Name, Lazy<Block>>,
    pub locals: BTreeMap<Name, Lazy<Attribute>>,
    /// Filed with [`ModuleConfig::add_resource`], which keeps the index.
    pub resources: Vec<ResourceDecl>,
    pub(crate) resource_index: ResourceIndex,
    pub calls: Vec<ModuleCall>,
    pub outputs: BTreeMap<Name, Lazy<Block>>,
    /// `provider "google"` blocks without alias (first wins).
    pub provider: Option<Block>,
    /// terraform.tfvars(.json) then *.auto.tfvars(.json), in Terraform's order.
    pub tfvars: Vec<FileId>,
    /// `.terraform/modules/modules.json` of this directory: call key -> dir.
    pub installed: BTreeMap<String, PathBuf>,
    /// Why that manifest exists but could not be used.
    pub manifest_problem: Option<String>,
}

/// Where each resource of a module is in its `resources`, by mode, type
/// and name: a table of positions hashed from the resources' own fields, so
/// no key is copied and a lookup builds nothing.
#[derive(Default)]
pub(crate) struct ResourceIndex(hashbrown::HashTable<usize>);

impl std::fmt::Debug for ResourceIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResourceIndex({} resources)", self.0.len())
    }
}

fn resource_hash(mode: Mode, rtype: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (mode, rtype, name).hash(&mut h);
    h.finish()
}

impl ResourceDecl {
    /// The name it is looked up by: its plan address when it comes from a
    /// plan (one declaration per instance), else its name.
    fn key_name(&self) -> &str {
        self.address.as_deref().unwrap_or(&self.name)
    }

    fn hash(&self) -> u64 {
        resource_hash(self.mode, &self.rtype, self.key_name())
    }
}

impl ModuleConfig {
    pub fn resource(&self, mode: Mode, rtype: &str, name: &str) -> Option<usize> {
        let resources = &self.resources;
        let same = |&i: &usize| {
            let r = &resources[i];
            r.mode == mode && r.rtype == rtype && r.key_name() == name
        };
        let found = self
            .resource_index
            .0
            .find(resource_hash(mode, rtype, name), same);
        found.copied()
    }

    /// Files `decl` unless the module has a resource of the same mode, type
    /// and name already (Terraform rejects the second; the first is kept).
    /// Whether it was filed.
    pub fn add_resource(&mut self, decl: ResourceDecl) -> bool {
        if self
            .resource(decl.mode, &decl.rtype, decl.key_name())
            .is_some()
        {
            return false;
        }
        let resources = &self.resources;
        let rehash = |&i: &usize| resources[i].hash();
        self.resource_index
            .0
            .insert_unique(decl.hash(), resources.len(), rehash);
        self.resources.push(decl);
        true
    }

    /// Room for `n` more resources, in the list and its index.
    pub fn reserve_resources(&mut self, n: usize) {
        self.resources.reserve_exact(n);
        let resources = &self.resources;
        self.resource_index.0.reserve(n, |&i| resources[i].hash());
    }

    /// The list and its index at their exact sizes.
    pub fn shrink_resources(&mut self) {
        self.resources.shrink_to_fit();
        let resources = &self.resources;
        self.resource_index
            .0
            .shrink_to_fit(|&i| resources[i].hash());
    }

    pub fn call(&self, name: &str) -> Option<&ModuleCall> {
        self.calls.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Default)]
pub struct Workspace {
    pub cwd: PathBuf,
    /// The repository root: SARIF and GitHub annotations name files
    /// relative to it, whatever directory the check ran in.
    pub source_root: PathBuf,
    pub files: Vec<SourceFile>,
    pub modules: Vec<ModuleConfig>,
    pub module_by_dir: HashMap<PathBuf, ModuleId>,
    pub roots: Vec<ModuleId>,
    /// Paths given that hold nothing to check: (path shown, why).
    pub nothing_to_check: Vec<(String, String)>,
    /// Real paths of the analysed tree (the PATH arguments and the
    /// repositories holding them): what `file()` may read.
    pub tree: Vec<PathBuf>,
    /// Extra var files (`--var-file`) parsed like tfvars, in command-line order.
    pub var_files: Vec<FileId>,
}

pub struct LoadOptions<'a> {
    /// The directory paths are relative to (and shown relative to).
    pub cwd: &'a Path,
    /// Where SARIF and GitHub annotation paths are relative to (the
    /// repository root).
    pub source_root: &'a Path,
    pub exclude: &'a GlobSet,
    pub var_files: &'a [PathBuf],
    /// Whether the analysis reads the bodies of managed resources of a
    /// type; the others keep only `count` / `for_each` (less memory).
    pub keep_body: fn(&str) -> bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: {1}")]
    Missing(String, String),
    #[error("cannot read var file {0}: {1}")]
    VarFile(String, String),
    /// Files or directories that could not be read: (path shown, why). The
    /// analysis would be incomplete, so there is none.
    #[error("{}", unreadable_lines(.0))]
    Unreadable(Vec<(String, String)>),
}

fn unreadable_lines(list: &[(String, String)]) -> String {
    list.iter()
        .map(|(path, why)| format!("cannot read {path}: {why}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `p` is absolute and written as [`normalize`] writes it: one `/`
/// between components, none at the end, no `.` or `..` component. Unix
/// only (elsewhere the slow path decides).
fn is_normal(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    cfg!(unix)
        && b.first() == Some(&b'/')
        && (b.len() == 1
            || (b.last() != Some(&b'/')
                && b.split(|&c| c == b'/')
                    .skip(1)
                    .all(|c| !c.is_empty() && c != b"." && c != b"..")))
}

/// Lexically normalised absolute path (no symlink resolution).
pub fn normalize(cwd: &Path, p: &Path) -> PathBuf {
    // Most paths are normal already (the walk's, under a normal root).
    if is_normal(p) {
        return p.to_path_buf();
    }
    if p.is_absolute() {
        rebuilt(p)
    } else {
        rebuilt(&cwd.join(p))
    }
}

/// `p` rebuilt component by component: `.` dropped, `..` popped.
fn rebuilt(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Path as shown to users: relative to `cwd` when under it, else absolute.
/// `p` as shown to users: relative to `cwd`, with `../` segments when it
/// lies outside it; absolute only when no relative path leads there (another
/// drive). Both paths are absolute and normalised.
pub fn display_path(cwd: &Path, p: &Path) -> String {
    let shown = match pathdiff::diff_paths(p, cwd) {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Some(rel) if rel.is_relative() => rel.to_string_lossy().into_owned(),
        _ => p.to_string_lossy().into_owned(),
    };
    shown.replace('\\', "/")
}

/// The repository root for `cwd`: `github_workspace` (GitHub Actions'
/// checkout) when given and `cwd` lies in it, else the nearest directory at
/// or above `cwd` that holds `.git`, else `cwd`.
pub fn source_root(cwd: &Path, github_workspace: Option<&Path>) -> PathBuf {
    if let Some(w) = github_workspace.filter(|w| !w.as_os_str().is_empty()) {
        let w = normalize(cwd, w);
        if cwd.starts_with(&w) {
            return w;
        }
    }
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

impl Workspace {
    /// A file's path relative to the repository root (SARIF, GitHub
    /// annotations); absolute when the file lies outside the repository.
    pub fn source_path(&self, file: &SourceFile) -> String {
        let rel = display_path(&self.source_root, &file.path);
        if rel.starts_with("../") || rel == ".." {
            file.path.to_string_lossy().replace('\\', "/")
        } else {
            rel
        }
    }
}

fn is_config_file(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

fn is_tfvars_file(name: &str) -> bool {
    matches!(name, "terraform.tfvars" | "terraform.tfvars.json")
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') && name != "." && name != ".."
}

/// Names runwarden accepts as a file argument: configuration, and variable
/// files (a `prod.tfvars` belongs to its module even when only `--var-file`
/// reads it).
fn is_terraform_name(name: &str) -> bool {
    is_config_file(name) || name.ends_with(".tfvars") || name.ends_with(".tfvars.json")
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn excluded(opts: &LoadOptions, cwd: &Path, path: &Path) -> bool {
    !opts.exclude.is_empty()
        && (opts.exclude.is_match(display_path(cwd, path)) || opts.exclude.is_match(path))
}

/// The Terraform files of one directory (not recursive), sorted. Links are
/// listed like files: reading them checks where they lead.
fn dir_files(dir: &Path, cwd: &Path, seen: &mut Seen) -> Result<Vec<PathBuf>, (String, String)> {
    let unreadable = |e: std::io::Error| (display_path(cwd, dir), e.to_string());
    let mut v = Vec::new();
    let mut dot_terraform = false;
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        dot_terraform |= entry.file_name() == ".terraform";
        if entry.file_type().map_err(unreadable)?.is_dir() {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if is_config_file(&name) || is_tfvars_file(&name) {
            v.push(entry.path());
        }
    }
    v.sort();
    seen.dot_terraform.insert(dir.to_path_buf(), dot_terraform);
    Ok(v)
}

/// What listing directories taught, so that later steps need not ask the
/// file system again.
#[derive(Default)]
struct Seen {
    real: read::RealDirs,
    /// Directories listed whole, and whether each holds an entry named
    /// `.terraform` (where an installed-module manifest would be).
    dot_terraform: HashMap<PathBuf, bool>,
    /// Files read and skimmed during the walk ([`stage`]), until parsed.
    staged: HashMap<PathBuf, Result<Staged, read::ReadError>>,
}

/// Reads and skims a file found by the walk, before it has an id: what
/// [`read_source`] and [`SourceFile::parse_reading`] would do first. `None`
/// for a link, or a path that does not open: those are read when parsed.
fn stage(path: &Path, keep_body: fn(&str) -> bool) -> Option<Result<Staged, read::ReadError>> {
    let read = read::read_unless_link(path, read::MAX_SOURCE_BYTES)?;
    Some(read.map(|bytes| checked(path, bytes, keep_body)))
}

/// The bytes of the configuration file `path`, checked and skimmed.
fn checked(path: &Path, bytes: Vec<u8>, keep_body: fn(&str) -> bool) -> Staged {
    // An override file's declarations are merged as blocks.
    let defer = !overrides::is_override(&file_name(path));
    Staged::new(path, bytes, keep_body, defer)
}

impl Seen {
    fn walked(&mut self, walked: &mut Walked) {
        for (dir, real) in walked.dirs.drain(..) {
            if let Some(real) = real {
                self.real.seed(&dir, real);
            }
            self.dot_terraform.insert(dir, false);
        }
        for dir in walked.dot_terraform.drain(..) {
            self.dot_terraform.insert(dir, true);
        }
    }
}

/// The real directory of a PATH argument and the repository holding it (the
/// nearest directory at or above it with `.git`): where `file()` may read.
fn tree_of(dir: &Path) -> Vec<PathBuf> {
    let Ok(real) = std::fs::canonicalize(dir) else {
        return Vec::new();
    };
    let mut out = vec![real.clone()];
    if let Some(repo) = real.ancestors().find(|d| d.join(".git").exists()) {
        out.push(repo.to_path_buf());
    }
    out
}

/// Module directories and their files found from the PATH arguments.
#[derive(Default)]
struct Discovered {
    dirs: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// Directories of file arguments (pre-commit): their callers are looked up.
    file_dirs: BTreeSet<PathBuf>,
    errors: Vec<(String, String)>,
}

/// What a walk of a directory found.
#[derive(Default)]
pub(crate) struct Walked {
    /// Configuration and auto-loaded variable files, in walk order.
    pub files: Vec<PathBuf>,
    /// Configuration files kept, and removed by `exclude`.
    pub configs: usize,
    pub dropped: usize,
    /// Directories walked that are not links, with their real paths (when
    /// the walk's start has one).
    pub dirs: Vec<(PathBuf, Option<PathBuf>)>,
    /// Directories walked that hold an entry named `.terraform`.
    pub dot_terraform: Vec<PathBuf>,
}

/// Walks `root` for Terraform files, skipping hidden directories. A link to
/// a directory is followed when it leads out of `root` into the analysed
/// tree; into `root` it is walked there already (a loop, or a second name);
/// out of the tree it is an error, like any input that cannot be read.
/// Errors are (path shown, why).
pub(crate) fn walk_tree(
    root: &Path,
    cwd: &Path,
    opts: &LoadOptions,
    tree: &[PathBuf],
    errors: &mut Vec<(String, String)>,
    found: &mut dyn FnMut(&Path),
) -> Walked {
    let mut out = Walked::default();
    let real_root = std::fs::canonicalize(root).ok();
    let mut followed: BTreeSet<PathBuf> = BTreeSet::new();
    let mut queue = vec![root.to_path_buf()];
    while let Some(start) = queue.pop() {
        let real_start = if start == root {
            real_root.clone()
        } else {
            std::fs::canonicalize(&start).ok()
        };
        let dot_terraform = &mut out.dot_terraform;
        let walker = walkdir::WalkDir::new(&start)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let name = e.file_name();
                if name == ".terraform"
                    && let Some(parent) = e.path().parent()
                {
                    dot_terraform.push(normalize(cwd, parent));
                }
                !(e.file_type().is_dir() && skipped_dir(&name.to_string_lossy()))
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().unwrap_or(&start);
                    let why = err
                        .io_error()
                        .map_or_else(|| err.to_string(), |e| e.to_string());
                    errors.push((display_path(cwd, path), why));
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                // Not a link (links are not followed here): it lies where
                // the start really is.
                let real = real_start.as_ref().and_then(|r| {
                    let rel = entry.path().strip_prefix(&start).ok()?;
                    Some(if rel.as_os_str().is_empty() {
                        r.clone()
                    } else {
                        r.join(rel)
                    })
                });
                out.dirs.push((normalize(cwd, entry.path()), real));
                continue;
            }
            let path = normalize(cwd, entry.path());
            let name = entry.file_name().to_string_lossy();
            let terraform = is_config_file(&name) || is_tfvars_file(&name);
            // A link named like a Terraform file is read as one (and refused
            // if it is a directory), as Terraform would.
            if !terraform
                && entry.path_is_symlink()
                && std::fs::metadata(&path).is_ok_and(|m| m.is_dir())
            {
                let Ok(real) = std::fs::canonicalize(&path) else {
                    continue;
                };
                if real_root.as_ref().is_some_and(|r| real.starts_with(r)) {
                    continue;
                }
                if !read::within(&real, tree) {
                    let why = read::ReadError::Outside(real.to_string_lossy().into_owned());
                    errors.push((display_path(cwd, &path), why.to_string()));
                } else if followed.insert(real) && !skipped_dir(&file_name(&path)) {
                    queue.push(path);
                }
                continue;
            }
            if !terraform {
                continue;
            }
            let config = is_config_file(&name);
            if excluded(opts, cwd, &path) {
                out.dropped += usize::from(config);
                continue;
            }
            out.configs += usize::from(config);
            found(&path);
            out.files.push(path);
        }
    }
    out
}

/// Files `walked.files` under their directories in `dirs`. The walk lists
/// directories in path order (each directory's entries sorted by name,
/// depth first), so the map is built from a sorted list rather than by one
/// search per file.
fn by_dir(dirs: &mut BTreeMap<PathBuf, Vec<PathBuf>>, walked: &mut Walked) {
    let index: HashMap<&Path, usize> = walked
        .dirs
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (d.as_path(), i))
        .collect();
    let mut files: Vec<Vec<PathBuf>> = vec![Vec::new(); walked.dirs.len()];
    let mut elsewhere = Vec::new();
    for f in walked.files.drain(..) {
        match f.parent().and_then(|p| index.get(p)) {
            Some(&i) => files[i].push(f),
            None => elsewhere.push(f),
        }
    }
    let listed = walked
        .dirs
        .iter()
        .zip(files)
        .filter(|(_, files)| !files.is_empty())
        .map(|((d, _), files)| (d.clone(), files));
    if dirs.is_empty() {
        *dirs = listed.collect();
    } else {
        for (d, files) in listed {
            dirs.entry(d).or_default().extend(files);
        }
    }
    for f in elsewhere {
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        dirs.entry(dir).or_default().push(f);
    }
}

/// Finds the modules named by `paths`. A directory is walked; a file stands
/// for the module (directory) it belongs to.
fn discover(
    ws: &mut Workspace,
    paths: &[PathBuf],
    opts: &LoadOptions,
    seen: &mut Seen,
) -> Result<Discovered, LoadError> {
    let cwd = ws.cwd.clone();
    let mut found = Discovered::default();
    for p in paths {
        let abs = normalize(&cwd, p);
        let shown = display_path(&cwd, &abs);
        let meta = std::fs::metadata(&abs)
            .map_err(|e| LoadError::Missing(p.display().to_string(), e.to_string()))?;
        if meta.is_dir() {
            ws.tree.extend(tree_of(&abs));
            // Each file is read and skimmed as soon as the walk finds it,
            // on the pool's threads, while the walk goes on.
            let staged = std::sync::Mutex::new(std::mem::take(&mut seen.staged));
            let tree = &ws.tree;
            let errors = &mut found.errors;
            let mut walked = rayon::scope(|scope| {
                walk_tree(&abs, &cwd, opts, tree, errors, &mut |path| {
                    let path = path.to_path_buf();
                    let staged = &staged;
                    let keep_body = opts.keep_body;
                    scope.spawn(move |_| {
                        if let Some(r) = stage(&path, keep_body) {
                            staged.lock().expect("no task panics").insert(path, r);
                        }
                    });
                })
            });
            seen.staged = staged.into_inner().expect("no task panics");
            let (configs, dropped) = (walked.configs, walked.dropped);
            by_dir(&mut found.dirs, &mut walked);
            seen.walked(&mut walked);
            match (configs, dropped) {
                (0, 0) => ws.nothing_to_check.push((
                    shown,
                    "no Terraform files (.tf, .tf.json) in it or below".into(),
                )),
                (0, n) => ws.nothing_to_check.push((
                    shown,
                    format!("its {n} Terraform files are all excluded by the configuration"),
                )),
                _ => {}
            }
            continue;
        }
        // `exclude` applies to file arguments too: pre-commit passes every
        // changed file, excluded ones included.
        if excluded(opts, &cwd, &abs) {
            continue;
        }
        if !meta.is_file() {
            let why = read::ReadError::NotRegular(read::kind(meta.file_type()));
            found.errors.push((shown, why.to_string()));
            continue;
        }
        if !is_terraform_name(&file_name(&abs)) {
            ws.nothing_to_check.push((
                shown,
                "not a Terraform file (.tf, .tf.json, .tfvars, .tfvars.json)".into(),
            ));
            continue;
        }
        let dir = abs
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.clone());
        ws.tree.extend(tree_of(&dir));
        if found.dirs.contains_key(&dir) {
            found.file_dirs.insert(dir);
            continue;
        }
        match dir_files(&dir, &cwd, seen) {
            Ok(files) => {
                let files: Vec<PathBuf> = files
                    .into_iter()
                    .filter(|f| !excluded(opts, &cwd, f))
                    .collect();
                if !files.iter().any(|f| is_config_file(&file_name(f))) {
                    ws.nothing_to_check.push((
                        shown,
                        "no .tf or .tf.json file in its directory: it belongs to no module".into(),
                    ));
                }
                found.dirs.insert(dir.clone(), files);
                found.file_dirs.insert(dir);
            }
            Err(e) => found.errors.push(e),
        }
    }
    for files in found.dirs.values_mut() {
        files.sort();
        files.dedup();
    }
    ws.tree.sort();
    ws.tree.dedup();
    Ok(found)
}

/// Reads one configuration file of the module in (real) directory
/// `real_dir`. A link may lead anywhere in the analysed tree or the module's
/// own directory, never elsewhere (`/proc/kmsg` named `main.tf` blocks
/// forever; `/proc/self/environ` would be printed in a snippet).
fn read_source(
    path: &Path,
    real_dir: Option<&Path>,
    tree: &[PathBuf],
) -> Result<Vec<u8>, read::ReadError> {
    if let Some(read) = read::read_unless_link(path, read::MAX_SOURCE_BYTES) {
        return read;
    }
    // A link, or a path that does not open: the error names it.
    if !std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return read::read_regular(path, read::MAX_SOURCE_BYTES);
    }
    let real = read::real_path(path)?;
    if !real_dir.is_some_and(|d| real.starts_with(d)) && !read::within(&real, tree) {
        return Err(read::ReadError::Outside(
            real.to_string_lossy().into_owned(),
        ));
    }
    read::read_regular(&real, read::MAX_SOURCE_BYTES)
}

pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Workspace, LoadError> {
    let cwd = opts.cwd.to_path_buf();
    let mut ws = Workspace {
        cwd: cwd.clone(),
        source_root: opts.source_root.to_path_buf(),
        ..Default::default()
    };
    let mut seen = Seen::default();
    // 1. Discover module directories and their files.
    let Discovered {
        mut dirs,
        file_dirs,
        mut errors,
    } = discover(&mut ws, paths, opts, &mut seen)?;
    // A file argument's module is analysed with the modules calling it.
    if !file_dirs.is_empty() {
        match context::callers(&file_dirs, &cwd, opts, &ws.tree) {
            Ok(callers) => {
                for dir in callers {
                    if dirs.contains_key(&dir) {
                        continue;
                    }
                    match dir_files(&dir, &cwd, &mut seen) {
                        Ok(files) => {
                            let files = files
                                .into_iter()
                                .filter(|f| !excluded(opts, &cwd, f))
                                .collect();
                            dirs.insert(dir, files);
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(e) => errors.extend(e),
        }
    }
    // Only directories holding configuration files are modules.
    dirs.retain(|_, files| files.iter().any(|f| is_config_file(&file_name(f))));

    // 2. Parse, then load child modules until closed.
    let mut pending: Vec<(PathBuf, Vec<PathBuf>)> = dirs.into_iter().collect();
    // (module, call, directory) of every call with a local source.
    let mut local_targets: Vec<(ModuleId, usize, PathBuf)> = Vec::new();
    while !pending.is_empty() {
        let batch = std::mem::take(&mut pending);
        parse_batch(&mut ws, &batch, opts, &mut seen, &mut errors);
        // Resolve calls; queue directories not loaded yet.
        let mut queued: BTreeSet<PathBuf> = BTreeSet::new();
        for (dir, _) in &batch {
            let id = ws.module_by_dir[dir];
            let mut targets = Vec::new();
            for (c, call) in ws.modules[id].calls.iter().enumerate() {
                if let Some(t) = local_source(dir, &call.source) {
                    targets.push(t.clone());
                    local_targets.push((id, c, t));
                }
            }
            let installed = ws.modules[id].installed.values().cloned();
            for t in targets.into_iter().chain(installed) {
                if !ws.module_by_dir.contains_key(&t) && t.is_dir() && queued.insert(t.clone()) {
                    match dir_files(&t, &cwd, &mut seen) {
                        Ok(files) => {
                            let files = files
                                .into_iter()
                                .filter(|f| !excluded(opts, &cwd, f))
                                .collect();
                            pending.push((t, files));
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Err(LoadError::Unreadable(errors));
    }
    for (id, c, t) in local_targets {
        ws.modules[id].calls[c].target = ws.module_by_dir.get(&t).copied();
    }
    // A module read from outside the PATH arguments (`../../modules/run`
    // in a checkout without `.git`) is part of the analysed tree: its own
    // files (`templatefile("${path.module}/...")`) may be read like its
    // configuration.
    let module_dirs: Vec<PathBuf> = ws
        .modules
        .iter()
        .filter(|m| !m.files.is_empty())
        .filter_map(|m| seen.real.get(&m.dir))
        .collect();
    ws.tree.extend(module_dirs);
    ws.tree.sort();
    ws.tree.dedup();
    // 3. Roots; 4. --var-file files.
    ws.roots = pick_roots(&ws);
    for vf in opts.var_files {
        let abs = normalize(&cwd, vf);
        let bytes = read::read_regular(&abs, read::MAX_SOURCE_BYTES)
            .map_err(|e| LoadError::VarFile(vf.display().to_string(), e.to_string()))?;
        let id = ws.files.len() as FileId;
        ws.files.push(SourceFile::parse(
            id,
            abs.clone(),
            display_path(&cwd, &abs),
            bytes,
        ));
        ws.var_files.push(id);
    }
    Ok(ws)
}

/// Reads and parses the files of a batch of module directories (in
/// parallel) and files their blocks into new modules.
fn parse_batch(
    ws: &mut Workspace,
    batch: &[(PathBuf, Vec<PathBuf>)],
    opts: &LoadOptions,
    seen: &mut Seen,
    errors: &mut Vec<(String, String)>,
) {
    let cwd = ws.cwd.clone();
    ws.modules.reserve_exact(batch.len());
    ws.files
        .reserve_exact(batch.iter().map(|(_, files)| files.len()).sum());
    let first = ws.modules.len();
    let displays: Vec<String> = batch
        .par_iter()
        .map(|(dir, _)| display_path(&cwd, dir))
        .collect();
    for ((dir, _), display) in batch.iter().zip(displays) {
        let id = ws.modules.len();
        ws.module_by_dir.insert(dir.clone(), id);
        ws.modules.push(ModuleConfig {
            dir: dir.clone(),
            display,
            ..Default::default()
        });
    }
    type Item = (ModuleId, PathBuf, Option<PathBuf>, Option<Staging>);
    type Staging = Result<Staged, read::ReadError>;
    let mut all: Vec<Item> = Vec::with_capacity(batch.iter().map(|(_, f)| f.len()).sum());
    for (dir, files) in batch {
        let id = ws.module_by_dir[dir];
        let real_dir = seen.real.get(dir);
        for f in files {
            let staged = seen.staged.remove(f);
            all.push((id, f.clone(), real_dir.clone(), staged));
        }
    }
    let base = ws.files.len() as FileId;
    let tree = &ws.tree;
    type Parsed = (ModuleId, Result<SourceFile, (String, String)>);
    let parsed: Vec<Parsed> = all
        .into_par_iter()
        .enumerate()
        .map(|(i, (module, path, real_dir, staged))| {
            let display = display_path(&cwd, &path);
            let staged = match staged {
                Some(staged) => staged,
                None => read_source(&path, real_dir.as_deref(), tree)
                    .map(|bytes| checked(&path, bytes, opts.keep_body)),
            };
            let r = match staged {
                Ok(staged) => {
                    let mut file =
                        SourceFile::from_staged(base + i as FileId, path, display, staged);
                    // Drop what the model never reads while still in parallel,
                    // before every file of the batch is held at once.
                    for block in &mut file.body.blocks {
                        if block.kind == "resource"
                            && block.labels.first().is_some_and(|t| !(opts.keep_body)(t))
                        {
                            slim(block);
                        }
                    }
                    Ok(file)
                }
                Err(e) => Err((display, e.to_string())),
            };
            (module, r)
        })
        .collect();
    let mut overriding: Vec<(ModuleId, String, FileId)> = Vec::new();
    // Per module of the batch, its files' blocks and deferred declarations
    // in file order, to file into it.
    type Part = (FileId, Body, Vec<Deferred>);
    let mut parts: Vec<Vec<Part>> = (0..batch.len()).map(|_| Vec::new()).collect();
    for (module, r) in parsed {
        let mut file = match r {
            Ok(f) => f,
            Err((display, msg)) => {
                errors.push((display.clone(), msg));
                // Keep file ids dense: an empty placeholder.
                SourceFile::parse(
                    ws.files.len() as FileId,
                    display.clone().into(),
                    display,
                    Vec::new(),
                )
            }
        };
        let id = ws.files.len() as FileId;
        let name = file_name(&file.path);
        if is_tfvars_file(&name) {
            ws.modules[module].tfvars.push(id);
        } else if overrides::is_override(&name) {
            ws.modules[module].files.push(id);
            overriding.push((module, name, id));
        } else {
            ws.modules[module].files.push(id);
            let body = std::mem::take(&mut file.body);
            parts[module - first].push((id, body, std::mem::take(&mut file.deferred)));
        }
        ws.files.push(file);
    }
    // Modules are independent: their files are filed in parallel.
    let files = &ws.files;
    ws.modules[first..]
        .par_iter_mut()
        .zip(parts)
        .for_each(|(m, parts)| {
            // Room for every resource at once: no growth, no copies.
            let resources = parts
                .iter()
                .flat_map(|(_, body, _)| &body.blocks)
                .filter(|b| matches!(b.kind.as_str(), "resource" | "data") && b.labels.len() == 2)
                .count();
            m.reserve_resources(resources);
            for (id, body, deferred) in parts {
                absorb(m, id, body, deferred);
            }
            m.shrink_resources();
            m.calls.shrink_to_fit();
            order_tfvars(files, m);
        });
    // Override files after every other file of their module, by name.
    overriding.sort();
    for (module, _, id) in overriding {
        overrides::merge(ws, module, id);
    }
    for (i, (dir, _)) in batch.iter().enumerate() {
        // Listed without a `.terraform` entry: no manifest to read.
        if seen.dot_terraform.get(dir) == Some(&false) {
            continue;
        }
        if let Err(e) = read_manifest(&cwd, &mut ws.modules[first + i]) {
            errors.push(e);
        }
    }
}

/// Roots: modules not called by another module. A file argument's
/// directory is a root like any other: pre-commit passes every changed
/// file, and a child module's file must not make the child a second root
/// when its caller is in the same run (that would report its findings
/// twice); when the caller is not, nothing calls it and it is a root.
fn pick_roots(ws: &Workspace) -> Vec<ModuleId> {
    let mut called: BTreeSet<ModuleId> = BTreeSet::new();
    for m in &ws.modules {
        for c in &m.calls {
            if let Some(t) = c.target
                && ws.modules[t].dir != m.dir
            {
                called.insert(t);
            }
        }
        for d in m.installed.values() {
            if let Some(&t) = ws.module_by_dir.get(d) {
                called.insert(t);
            }
        }
    }
    let walked: BTreeSet<ModuleId> = ws
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.files.is_empty())
        .map(|(i, _)| i)
        .collect();
    let mut roots: Vec<ModuleId> = walked
        .iter()
        .copied()
        .filter(|id| !called.contains(id))
        .collect();
    // Modules only reachable through a cycle of calls still get analyzed.
    let reachable = reachable_from(ws, &roots);
    for id in walked {
        if !reachable.contains(&id) && !roots.contains(&id) {
            roots.push(id);
        }
    }
    roots.sort_by(|a, b| ws.modules[*a].dir.cmp(&ws.modules[*b].dir));
    roots
}

fn reachable_from(ws: &Workspace, roots: &[ModuleId]) -> BTreeSet<ModuleId> {
    let mut seen: BTreeSet<ModuleId> = roots.iter().copied().collect();
    let mut stack: Vec<ModuleId> = roots.to_vec();
    while let Some(m) = stack.pop() {
        let mut next: Vec<ModuleId> = ws.modules[m]
            .calls
            .iter()
            .filter_map(|c| c.target)
            .collect();
        next.extend(
            ws.modules[m]
                .installed
                .values()
                .filter_map(|d| ws.module_by_dir.get(d).copied()),
        );
        for t in next {
            if seen.insert(t) {
                stack.push(t);
            }
        }
    }
    seen
}

/// `./x` and `../x` sources, resolved against the calling module's directory.
pub fn local_source(dir: &Path, source: &str) -> Option<PathBuf> {
    if source.starts_with("./") || source.starts_with("../") || source == "." || source == ".." {
        Some(normalize(dir, Path::new(source)))
    } else {
        None
    }
}

fn order_tfvars(files: &[SourceFile], m: &mut ModuleConfig) {
    m.tfvars.sort_by_key(|f| {
        let name = files[*f as usize]
            .path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let rank = match name.as_str() {
            "terraform.tfvars" => 0,
            "terraform.tfvars.json" => 1,
            _ => 2,
        };
        (rank, name)
    });
}

/// Reads the `.terraform/modules/modules.json` of `m` (installed modules),
/// if there is one. One that cannot be read stops the run like any input;
/// one that is not valid JSON leaves its modules not loaded, and says why.
fn read_manifest(cwd: &Path, m: &mut ModuleConfig) -> Result<(), (String, String)> {
    let path = m.dir.join(".terraform/modules/modules.json");
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(());
    }
    let text = match read::read_regular(&path, read::MAX_SOURCE_BYTES) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return Err((display_path(cwd, &path), e.to_string())),
    };
    let json = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(j) => j,
        Err(e) => {
            m.manifest_problem = Some(format!(
                ".terraform/modules/modules.json is not valid JSON: {e}"
            ));
            return Ok(());
        }
    };
    for entry in json["Modules"].as_array().into_iter().flatten() {
        let (Some(key), Some(dir)) = (entry["Key"].as_str(), entry["Dir"].as_str()) else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        m.installed
            .insert(key.to_string(), normalize(&m.dir, Path::new(dir)));
    }
    Ok(())
}

fn slim(block: &mut Block) {
    block.body.blocks = Vec::new();
    block
        .body
        .attributes
        .retain(|a| matches!(a.name.as_str(), "count" | "for_each"));
    block.body.attributes.shrink_to_fit();
}

/// Moves the top-level blocks and deferred declarations of a parsed file
/// into its module.
fn absorb(m: &mut ModuleConfig, file: FileId, body: Body, deferred: Vec<Deferred>) {
    // In file order, like the blocks: the first declaration of a name wins.
    for d in &deferred {
        let name = d.name.clone();
        match d.kind {
            DeferredKind::Variable => {
                m.variables
                    .entry(name)
                    .or_insert_with(|| Lazy::deferred(file, d));
            }
            DeferredKind::Output => {
                m.outputs
                    .entry(name)
                    .or_insert_with(|| Lazy::deferred(file, d));
            }
            DeferredKind::Local => {
                m.locals
                    .entry(name)
                    .or_insert_with(|| Lazy::deferred(file, d));
            }
        }
    }
    // Top-level attributes are not valid Terraform: ignored.
    for block in body.blocks {
        match (block.kind.as_str(), block.labels.len()) {
            ("resource", 2) | ("data", 2) => {
                let mode = if block.kind == "resource" {
                    Mode::Managed
                } else {
                    Mode::Data
                };
                let (rtype, name) = (block.labels[0].clone(), block.labels[1].clone());
                m.add_resource(ResourceDecl {
                    mode,
                    rtype,
                    name,
                    block,
                    address: None,
                });
            }
            ("variable", 1) => {
                m.variables
                    .entry(block.labels[0].clone())
                    .or_insert_with(|| Lazy::ready(block));
            }
            ("output", 1) => {
                m.outputs
                    .entry(block.labels[0].clone())
                    .or_insert_with(|| Lazy::ready(block));
            }
            ("locals", 0) => {
                for attr in block.body.attributes {
                    m.locals
                        .entry(attr.name.clone())
                        .or_insert_with(|| Lazy::ready(attr));
                }
            }
            ("module", 1) => {
                let source = block
                    .body
                    .attr("source")
                    .and_then(|a| match &a.expr.kind {
                        crate::syntax::ExprKind::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                if m.calls.iter().any(|c| c.name == block.labels[0]) {
                    continue;
                }
                m.calls.push(ModuleCall {
                    name: block.labels[0].clone(),
                    block,
                    source: source.to_string(),
                    target: None,
                });
            }
            ("provider", 1)
                if (block.labels[0] == "google" || block.labels[0] == "google-beta")
                    && block.body.attr("alias").is_none()
                    && m.provider.is_none() =>
            {
                m.provider = Some(block);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path of `normalize` takes a path as it is only when the
    /// component-wise rebuild would give the same path.
    #[test]
    fn normal_paths_are_those_normalize_keeps() {
        let cwd = Path::new("/cwd");
        let cases = [
            ("/", true),
            ("/a", true),
            ("/a/b.tf", true),
            ("/a/.hidden/..b/...", true),
            ("/a//b", false),
            ("/a/./b", false),
            ("/a/../b", false),
            ("/a/b/", false),
            ("/a/.", false),
            ("/a/..", false),
            ("//a", false),
            ("a/b", false),
            ("", false),
        ];
        for (p, normal) in cases {
            let p = Path::new(p);
            assert_eq!(is_normal(p), normal && cfg!(unix), "{p:?}");
            if is_normal(p) {
                assert_eq!(rebuilt(p), p, "{p:?}");
            }
            assert_eq!(normalize(cwd, p), rebuilt(&cwd.join(p)), "{p:?}");
        }
    }
}
