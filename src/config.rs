//! `runwarden.toml`: fail-on threshold, excluded paths, per-rule severity and
//! allow-lists. Unknown keys are errors, so typos do not silently disable a gate.

use crate::rules::{self, Severity};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn fails(self, s: Severity) -> bool {
        match self {
            FailOn::Error => s >= Severity::Error,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Note => true,
            FailOn::Never => false,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Only these rules (names or ids); `--select` replaces it.
    pub select: Option<Vec<String>>,
    /// Skip these rules (names or ids); `--ignore` replaces it.
    pub ignore: Option<Vec<String>>,
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    /// Directory of the config file, for relative globs.
    #[serde(skip)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub severity: Option<Severity>,
    pub enabled: Option<bool>,
    #[serde(default)]
    pub allow: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {0}: {1}")]
    Read(String, String),
    #[error("invalid config {0}: {1}")]
    Invalid(String, String),
}

pub const FILE_NAMES: [&str; 2] = ["runwarden.toml", ".runwarden.toml"];

/// The config file for `paths`: searched upward from the first path.
pub fn find(paths: &[PathBuf], cwd: &Path) -> Option<PathBuf> {
    for p in paths {
        let abs = crate::load::normalize(cwd, p);
        let mut dir = if abs.is_file() {
            abs.parent().map(Path::to_path_buf)
        } else {
            Some(abs)
        };
        while let Some(d) = dir {
            for name in FILE_NAMES {
                let c = d.join(name);
                // Whatever it is (a FIFO, a dangling link): reading it says
                // what is wrong, rather than a gate silently unconfigured.
                if std::fs::symlink_metadata(&c).is_ok_and(|m| !m.is_dir()) {
                    return Some(c);
                }
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    None
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let bytes = crate::load::read::read_regular(path, crate::load::read::MAX_SOURCE_BYTES)
        .map_err(|e| ConfigError::Read(shown.clone(), e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| ConfigError::Invalid(shown.clone(), "invalid UTF-8".into()))?;
    let mut c: Config =
        toml::from_str(&text).map_err(|e| ConfigError::Invalid(shown.clone(), e.to_string()))?;
    for name in c.select.iter().chain(&c.ignore).flatten() {
        if rules::contract_name(name).is_none() {
            return Err(ConfigError::Invalid(
                shown,
                format!("unknown rule {name:?} in select/ignore"),
            ));
        }
    }
    for name in c.rules.keys() {
        if rules::contract_name(name).is_none() {
            return Err(ConfigError::Invalid(
                shown,
                format!("unknown rule {name:?} in [rules]"),
            ));
        }
    }
    for (name, rc) in &c.rules {
        if !rc.allow.is_empty() && !rules::by_name(name).is_some_and(|r| r.allow) {
            return Err(ConfigError::Invalid(
                shown,
                format!("[rules.{name}] does not take `allow`"),
            ));
        }
        for g in &rc.allow {
            Glob::new(g)
                .map_err(|e| ConfigError::Invalid(shown.clone(), format!("bad glob {g:?}: {e}")))?;
        }
    }
    c.dir = path.parent().map(Path::to_path_buf);
    Ok(c)
}

impl Config {
    pub fn allow_set(&self, rule: &str) -> Option<GlobSet> {
        let rc = self.rules.get(rule)?;
        if rc.allow.is_empty() {
            return None;
        }
        let mut b = GlobSetBuilder::new();
        for g in &rc.allow {
            if let Ok(glob) = Glob::new(g) {
                b.add(glob);
            }
        }
        b.build().ok()
    }
}
