//! The `check` pipeline: config -> load -> model -> rules -> suppressions,
//! producing sorted findings ready for any report format.

use crate::config::{self, Config, FailOn};
use crate::eval::Inputs;
use crate::load::{self, LoadOptions, Workspace};
use crate::model::{AccessModel, FileProblem};
use crate::rules::{self, Finding, Rule, Severity};
use crate::suppress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub var_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
    /// Read `TF_VAR_*` from the environment.
    pub env_vars: Vec<(String, String)>,
    /// Stop after discovery and parsing (benchmarks measure this floor).
    pub parse_only: bool,
    /// `--plan`: a `terraform show -json` plan or state.
    pub plan: Option<PathBuf>,
    /// `--live-policy`: `FILE` or `projects/P/locations/L/services/S=FILE`.
    pub live_policies: Vec<String>,
    /// The time the check stands for (seconds since the Unix epoch): IAM
    /// conditions and suppression expiry dates are judged against it.
    /// `None`: now.
    pub now: Option<i64>,
    /// `--exclude`: .gitignore-style patterns relative to the current
    /// directory, on top of the config's `exclude`.
    pub exclude: Vec<String>,
    /// The directory the check runs in (paths are relative to it and shown
    /// relative to it). `None`: the process's current directory.
    pub cwd: Option<PathBuf>,
    /// `$GITHUB_WORKSPACE`: the repository root SARIF and GitHub annotation
    /// paths are relative to. `None`: the nearest `.git` at or above `cwd`.
    pub github_workspace: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    #[error(transparent)]
    Live(#[from] crate::live::LiveError),
    #[error("{0}")]
    Exclude(#[from] crate::exclude::ExcludeError),
    #[error("unknown rule {0:?} in --select/--ignore (see `runwarden rules`)")]
    UnknownRule(String),
}

pub struct Analysis {
    pub ws: Workspace,
    pub model: AccessModel,
    /// Sorted; suppressed ones included (marked).
    pub findings: Vec<Finding>,
    pub fail_on: FailOn,
    /// Wall time of each phase, for `--timings`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// The rules that ran, in id order (reports list what was checked).
    pub rules_run: Vec<&'static Rule>,
    /// Findings left out because a `--baseline` accounts for them.
    pub baselined: usize,
    /// Module calls whose module was not read, by root index (whatever rules
    /// are selected: reports list what was not seen).
    pub unloaded: Vec<(usize, load::UnloadedCall)>,
}

impl Analysis {
    pub fn failed(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.suppressed.is_none() && self.fail_on.fails(f.severity))
    }

    pub fn count(&self, s: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == s)
            .count()
    }

    pub fn root_display(&self, root: usize) -> &str {
        self.model
            .roots
            .get(root)
            .map(|r| r.display.as_str())
            .unwrap_or(".")
    }
}

pub fn run(opts: &Options) -> Result<Analysis, CheckError> {
    let cwd = match &opts.cwd {
        Some(d) => load::normalize(&std::env::current_dir().unwrap_or_default(), d),
        None => std::env::current_dir().unwrap_or_default(),
    };
    let source_root = load::source_root(&cwd, opts.github_workspace.as_deref());
    let now = opts.now.unwrap_or_else(suppress::now);
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let config_path = match &opts.config {
        Some(p) => Some(load::normalize(&cwd, p)),
        None => config::find(&paths, &cwd),
    };
    let cfg = match &config_path {
        Some(p) => config::load(p)?,
        None => Config::default(),
    };
    for name in opts.select.iter().chain(&opts.ignore) {
        if rules::contract_name(name).is_none() {
            return Err(CheckError::UnknownRule(name.clone()));
        }
    }
    // Each of select / ignore: the command line's list replaces the config's.
    let select = if opts.select.is_empty() {
        cfg.select.clone().unwrap_or_default()
    } else {
        opts.select.clone()
    };
    let ignore = if opts.ignore.is_empty() {
        cfg.ignore.clone().unwrap_or_default()
    } else {
        opts.ignore.clone()
    };
    // The config's patterns are relative to its directory, --exclude's to
    // the current one.
    let cfg_dir = load::normalize(&cwd, cfg.dir.as_deref().unwrap_or(Path::new(".")));
    let exclude = crate::exclude::build(
        cfg.exclude
            .iter()
            .map(|p| (p.as_str(), cfg_dir.as_path()))
            .chain(opts.exclude.iter().map(|p| (p.as_str(), cwd.as_path()))),
    )?;
    let mut timings = Vec::new();
    let started = std::time::Instant::now();
    // Inputs beside the configuration are read first: a broken one stops
    // the run (exit 2) before any analysis.
    let plan = match &opts.plan {
        Some(p) => Some(crate::plan::read(p, &cwd)?),
        None => None,
    };
    let live_files = opts
        .live_policies
        .iter()
        .map(|arg| crate::live::read(arg, &cwd))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ws = load::load(
        &paths,
        &LoadOptions {
            cwd: &cwd,
            source_root: &source_root,
            exclude: &exclude,
            var_files: &opts.var_files,
            keep_body: crate::provider::keeps_body,
        },
    )?;
    // A plan alone is the configuration: paths holding no .tf file are normal.
    if plan.is_some() && ws.roots.is_empty() {
        ws.nothing_to_check.clear();
    }
    // With Terraform sources, the plan supplies their variables (and its
    // changes); alone, its resource instances are the configuration.
    let plan_file = plan.as_ref().map(|p| {
        if ws.roots.is_empty() {
            crate::plan::install(&mut ws, p)
        } else {
            crate::plan::add_file(&mut ws, p)
        }
    });
    let mut live = Vec::new();
    for f in live_files {
        live.extend(f.install(&mut ws.files));
    }
    timings.push(("load+parse", started.elapsed()));
    let fail_on = opts.fail_on.or(cfg.fail_on).unwrap_or(FailOn::Warning);
    if opts.parse_only {
        let mut model = AccessModel::default();
        model.file_problems = file_problems(&ws, &model);
        return Ok(Analysis {
            ws,
            model,
            findings: Vec::new(),
            fail_on,
            timings,
            rules_run: Vec::new(),
            baselined: 0,
            unloaded: Vec::new(),
        });
    }
    let started = std::time::Instant::now();
    let inputs = Inputs {
        vars: opts.vars.clone(),
        env: opts.env_vars.clone(),
        plan: plan
            .as_ref()
            .map(|p| p.variable_values())
            .unwrap_or_default(),
    };
    let mut model = crate::provider::build(&ws, &inputs);
    model.now = now;
    model.file_problems = file_problems(&ws, &model);
    if let Some(p) = plan {
        model.plan_changes = p.changes;
    }
    model.plan_file = plan_file;
    model.live = live;

    let names =
        |list: &[String], name: &str| list.iter().any(|s| rules::contract_name(s) == Some(name));
    let enabled = |name: &str| -> bool {
        let selected = select.is_empty() || names(&select, name);
        // `[rules.X] enabled = false` yields to `--select X` on the command line.
        let cfg_on = cfg.rules.get(name).and_then(|r| r.enabled).unwrap_or(true)
            || names(&opts.select, name);
        selected && !names(&ignore, name) && cfg_on
    };
    timings.push(("model", started.elapsed()));
    let started = std::time::Instant::now();
    let rules_run: Vec<_> = rules::RULES
        .iter()
        .filter(|r| enabled(r.name))
        .copied()
        .collect();
    // Rules are independent readers of the model: run in parallel, their
    // findings concatenated in rule order as if run one after the other.
    let mut findings: Vec<Finding> = rules_run
        .par_iter()
        .flat_map_iter(|rule| {
            let mut found = Vec::new();
            (rule.check)(&model, &mut found);
            found
        })
        .collect();
    rules::cap_unknown_instances(&mut findings);
    // Suppression comments, and the notes about broken ones.
    let today = suppress::date_of(now);
    let sups: Vec<_> = ws
        .files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, f)| suppress::scan(f, i as u32, today))
        .collect();
    if enabled("invalid-suppression") {
        for s in sups.iter().filter(|s| s.problem.is_some()) {
            let root = root_of_file(&ws, &model, s.file);
            let mut f = Finding::new(
                rules::invalid_suppression(),
                s.span,
                root,
                "",
                format!("suppression {}", s.problem.clone().unwrap_or_default()),
            );
            f.help =
                Some("format: # runwarden:ignore RULE[,RULE] [until=YYYY-MM-DD] -- reason".into());
            findings.push(f);
        }
    }
    let unloaded: Vec<(usize, load::UnloadedCall)> = model
        .roots
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            load::unloaded_calls(&ws, r.module)
                .into_iter()
                .map(move |u| (i, u))
        })
        // Only the calls the evaluator instantiated (it notes each one it
        // could not load): a call with zero instances (`count = 0`, an empty
        // `for_each`), or inside one, creates nothing.
        .filter(|(i, u)| {
            let call = u.call_spans.last().copied().unwrap_or(u.span);
            model
                .unknowns
                .iter()
                .any(|n| n.root == *i && n.span == call)
        })
        .collect();
    if enabled("module-not-loaded") {
        for (root, u) in &unloaded {
            let mut f = Finding::new(
                rules::module_not_loaded(),
                u.span,
                *root,
                &u.address,
                format!(
                    "{} was not loaded, so nothing in it was analyzed: {}",
                    u.address, u.reason
                ),
            )
            .keyed(&u.source);
            f.anchors = u.call_spans.clone();
            f.help = Some(
                if load::local_source(std::path::Path::new(""), &u.source).is_some() {
                    "a local source is a directory of .tf files, relative to the calling module"
                        .into()
                } else {
                    "`terraform init -backend=false` installs modules without credentials or state; runwarden then reads them from .terraform/modules".into()
                },
            );
            findings.push(f);
        }
    }
    suppress::apply(&mut findings, &sups, &ws.files);
    for f in findings.iter_mut() {
        if let Some(sev) = cfg.rules.get(f.rule.name).and_then(|r| r.severity) {
            f.severity = sev;
        }
        if f.suppressed.is_none()
            && let Some(allow) = cfg.allow_set(f.rule.name)
            && let Some(k) = f.allow_keys.iter().find(|k| allow.is_match(k.as_str()))
        {
            f.suppressed = Some(format!(
                "allowed by runwarden.toml ([rules.{}] allow matches {k:?})",
                f.rule.name
            ));
        }
    }
    let key = |f: &Finding| {
        let file = &ws.files[f.span.file as usize];
        let (line, col) = file.line_col(f.span.start);
        // SPEC §2: by file, line, rule; then column and address for ties.
        (
            file.display.clone(),
            line,
            f.rule.name,
            col,
            f.resource.clone(),
            f.message.clone(),
            f.root,
        )
    };
    findings.sort_by_cached_key(key);
    findings.dedup_by(|a, b| key(a) == key(b));
    crate::fingerprint::assign(
        &mut findings,
        |r| model.roots.get(r).map_or(".", |r| r.display.as_str()),
        |f| ws.files[f as usize].display.as_str(),
    );
    timings.push(("rules+suppressions", started.elapsed()));
    Ok(Analysis {
        ws,
        model,
        findings,
        fail_on,
        timings,
        rules_run,
        baselined: 0,
        unloaded,
    })
}

fn root_of_file(ws: &Workspace, model: &AccessModel, file: u32) -> usize {
    let path = &ws.files[file as usize].path;
    model
        .roots
        .iter()
        .enumerate()
        .filter(|(_, r)| path.starts_with(&ws.modules[r.module].dir))
        .max_by_key(|(_, r)| ws.modules[r.module].dir.as_os_str().len())
        .map(|(i, _)| i)
        .unwrap_or(0)
}

fn file_problems(ws: &Workspace, model: &AccessModel) -> Vec<FileProblem> {
    let mut out = Vec::new();
    for (i, f) in ws.files.iter().enumerate() {
        if let Some(e) = &f.error {
            out.push(FileProblem {
                root: root_of_file(ws, model, i as u32),
                span: e.span,
                message: format!("cannot parse {}: {}", f.display, e.message),
            });
        }
    }
    out
}
