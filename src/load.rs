//! Discovery and loading: walk the given paths, read and parse every
//! Terraform file (in parallel), group files into modules, load the local and
//! installed child modules they call, and pick the root modules.

use crate::syntax::{Attribute, Block, FileId, SourceFile};
use globset::GlobSet;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    pub rtype: String,
    pub name: String,
    pub block: Block,
    /// The instance's full address when it comes from a plan or state file
    /// (one declaration per instance, no `count`/`for_each` left to expand).
    pub address: Option<String>,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
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
    pub variables: BTreeMap<String, Block>,
    pub locals: BTreeMap<String, Attribute>,
    pub resources: Vec<ResourceDecl>,
    pub resource_index: HashMap<(Mode, String, String), usize>,
    pub calls: Vec<ModuleCall>,
    pub outputs: BTreeMap<String, Block>,
    /// `provider "google"` blocks without alias (first wins).
    pub provider: Option<Block>,
    /// terraform.tfvars(.json) then *.auto.tfvars(.json), in Terraform's order.
    pub tfvars: Vec<FileId>,
    /// `.terraform/modules/modules.json` of this directory: call key -> dir.
    pub installed: BTreeMap<String, PathBuf>,
}

impl ModuleConfig {
    pub fn resource(&self, mode: Mode, rtype: &str, name: &str) -> Option<usize> {
        self.resource_index
            .get(&(mode, rtype.to_string(), name.to_string()))
            .copied()
    }
    pub fn call(&self, name: &str) -> Option<&ModuleCall> {
        self.calls.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Default)]
pub struct Workspace {
    pub cwd: PathBuf,
    pub files: Vec<SourceFile>,
    pub modules: Vec<ModuleConfig>,
    pub module_by_dir: HashMap<PathBuf, ModuleId>,
    pub roots: Vec<ModuleId>,
    /// Files that could not be read: (path shown, message).
    pub unreadable: Vec<(String, String)>,
    /// Extra var files (`--var-file`) parsed like tfvars, in command-line order.
    pub var_files: Vec<FileId>,
}

pub struct LoadOptions<'a> {
    pub exclude: &'a GlobSet,
    pub var_files: &'a [PathBuf],
    /// Whether the analysis reads the bodies of managed resources of a
    /// type; the others keep only `count` / `for_each` (less memory).
    pub keep_body: fn(&str) -> bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such file or directory")]
    Missing(String),
    #[error("cannot read var file {0}: {1}")]
    VarFile(String, String),
}

/// Lexically normalised absolute path (no symlink resolution).
pub fn normalize(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
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
pub fn display_path(cwd: &Path, p: &Path) -> String {
    let shown = match p.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => p.to_string_lossy().into_owned(),
    };
    shown.replace('\\', "/")
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

/// Lists the Terraform files of one directory (not recursive), sorted.
fn dir_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            is_config_file(&n) || is_tfvars_file(&n)
        })
        .collect();
    v.sort();
    v
}

pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Result<Workspace, LoadError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut ws = Workspace {
        cwd: cwd.clone(),
        ..Default::default()
    };
    // 1. Discover module directories and their files.
    let mut dirs: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        let abs = normalize(&cwd, p);
        let meta =
            std::fs::metadata(&abs).map_err(|_| LoadError::Missing(p.display().to_string()))?;
        if meta.is_file() {
            // `exclude` applies to file arguments too: pre-commit passes every
            // changed file, excluded ones included.
            if opts.exclude.is_match(display_path(&cwd, &abs)) || opts.exclude.is_match(&abs) {
                continue;
            }
            let dir = abs
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.clone());
            dirs.entry(dir.clone()).or_insert_with(|| dir_files(&dir));
            continue;
        }
        let walker = walkdir::WalkDir::new(&abs)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                !(e.file_type().is_dir() && skipped_dir(&name))
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    if let Some(path) = err.path() {
                        ws.unreadable
                            .push((display_path(&cwd, path), err.to_string()));
                    }
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if !(is_config_file(&name) || is_tfvars_file(&name)) {
                continue;
            }
            let path = normalize(&cwd, entry.path());
            let rel = display_path(&cwd, &path);
            if opts.exclude.is_match(&rel) || opts.exclude.is_match(&path) {
                continue;
            }
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            dirs.entry(dir).or_default().push(path);
        }
    }
    // Only directories holding configuration files are modules.
    dirs.retain(|_, files| {
        files
            .iter()
            .any(|f| is_config_file(&f.file_name().unwrap_or_default().to_string_lossy()))
    });

    // 2. Parse, then load child modules until closed.
    let mut pending: Vec<(PathBuf, Vec<PathBuf>)> = dirs.into_iter().collect();
    while !pending.is_empty() {
        let batch = std::mem::take(&mut pending);
        for (dir, _) in &batch {
            let id = ws.modules.len();
            ws.module_by_dir.insert(dir.clone(), id);
            ws.modules.push(ModuleConfig {
                dir: dir.clone(),
                display: display_path(&cwd, dir),
                ..Default::default()
            });
        }
        let all: Vec<(ModuleId, PathBuf)> = batch
            .iter()
            .flat_map(|(dir, files)| {
                let id = ws.module_by_dir[dir];
                files.iter().map(move |f| (id, f.clone()))
            })
            .collect();
        let base = ws.files.len() as FileId;
        type Parsed = (ModuleId, Result<SourceFile, (String, String)>);
        let parsed: Vec<Parsed> = all
            .into_par_iter()
            .enumerate()
            .map(|(i, (module, path))| {
                let display = display_path(&cwd, &path);
                let r = match std::fs::read(&path) {
                    Ok(bytes) => {
                        let mut file = SourceFile::parse(base + i as FileId, path, display, bytes);
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
        for (module, r) in parsed {
            let file = match r {
                Ok(f) => f,
                Err((display, msg)) => {
                    ws.unreadable.push((display.clone(), msg));
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
            let name = file
                .path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            ws.files.push(file);
            if is_tfvars_file(&name) {
                ws.modules[module].tfvars.push(id);
            } else {
                ws.modules[module].files.push(id);
                absorb(&mut ws, module, id);
            }
        }
        for (dir, _) in &batch {
            let id = ws.module_by_dir[dir];
            order_tfvars(&mut ws, id);
            read_manifest(&mut ws.modules[id]);
        }
        // Resolve calls; queue directories not loaded yet.
        let mut queued: BTreeSet<PathBuf> = BTreeSet::new();
        for (dir, _) in &batch {
            let id = ws.module_by_dir[dir];
            let targets: Vec<Option<PathBuf>> = ws.modules[id]
                .calls
                .iter()
                .map(|c| local_source(dir, &c.source))
                .collect();
            let installed: Vec<PathBuf> = ws.modules[id].installed.values().cloned().collect();
            for t in targets.into_iter().flatten().chain(installed) {
                if !ws.module_by_dir.contains_key(&t) && t.is_dir() && queued.insert(t.clone()) {
                    let files: Vec<PathBuf> = dir_files(&t)
                        .into_iter()
                        .filter(|f| {
                            !opts.exclude.is_match(display_path(&cwd, f))
                                && !opts.exclude.is_match(f)
                        })
                        .collect();
                    pending.push((t, files));
                }
            }
        }
    }
    for id in 0..ws.modules.len() {
        let dir = ws.modules[id].dir.clone();
        for c in 0..ws.modules[id].calls.len() {
            let target = local_source(&dir, &ws.modules[id].calls[c].source)
                .and_then(|t| ws.module_by_dir.get(&t).copied());
            ws.modules[id].calls[c].target = target;
        }
    }
    // 3. Roots: modules not called by another module. A file argument's
    // directory is a root like any other: pre-commit passes every changed
    // file, and a child module's file must not make the child a second root
    // when its caller is in the same run (that would report its findings
    // twice); when the caller is not, nothing calls it and it is a root.
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
    let reachable = reachable_from(&ws, &roots);
    for id in walked {
        if !reachable.contains(&id) && !roots.contains(&id) {
            roots.push(id);
        }
    }
    roots.sort_by(|a, b| ws.modules[*a].dir.cmp(&ws.modules[*b].dir));
    ws.roots = roots;
    // 4. --var-file files.
    for vf in opts.var_files {
        let abs = normalize(&cwd, vf);
        let bytes = std::fs::read(&abs)
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

fn order_tfvars(ws: &mut Workspace, id: ModuleId) {
    let files = &ws.files;
    ws.modules[id].tfvars.sort_by_key(|f| {
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

fn read_manifest(m: &mut ModuleConfig) {
    let path = m.dir.join(".terraform/modules/modules.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
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
}

fn slim(block: &mut Block) {
    block.body.blocks.clear();
    block
        .body
        .attributes
        .retain(|a| matches!(a.name.as_str(), "count" | "for_each"));
    block.body.attributes.shrink_to_fit();
}

/// Moves the top-level blocks of a parsed file into its module.
fn absorb(ws: &mut Workspace, module: ModuleId, file: FileId) {
    let body = std::mem::take(&mut ws.files[file as usize].body);
    let m = &mut ws.modules[module];
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
                let key = (mode, rtype.clone(), name.clone());
                if m.resource_index.contains_key(&key) {
                    continue; // duplicate: Terraform rejects; keep the first
                }
                m.resource_index.insert(key, m.resources.len());
                m.resources.push(ResourceDecl {
                    mode,
                    rtype,
                    name,
                    block,
                    address: None,
                });
            }
            ("variable", 1) => {
                m.variables.entry(block.labels[0].clone()).or_insert(block);
            }
            ("output", 1) => {
                m.outputs.entry(block.labels[0].clone()).or_insert(block);
            }
            ("locals", 0) => {
                for attr in block.body.attributes {
                    m.locals.entry(attr.name.clone()).or_insert(attr);
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
                    source,
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
