//! Baselines (`--write-baseline FILE`, `--baseline FILE`): the findings a team
//! has accepted for now, recorded by rule + resource address + fingerprint so
//! that moving code or rewording a message does not bring them back, and
//! matched by count so that fixing one finding does not hide a new one with
//! the same key.
//!
//! The fingerprint is SARIF's `partialFingerprints` too (`crate::fingerprint`):
//! one notion of "the same finding" across formats. Findings that say part of
//! the configuration was not seen (parse errors, modules not loaded) are never
//! recorded nor hidden.
//!
//! Version 1 files (fingerprints that hashed the message) are still read, and
//! matched with that recipe, for one release.

use crate::check::Analysis;
use crate::rules::{Finding, is_blind_spot};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the baseline file format written.
pub const FORMAT_VERSION: u32 = 2;

/// The version-1 fingerprint: rule id, root module, resource address and
/// message (and the file, for findings without an address).
fn fingerprint_v1(a: &Analysis, f: &Finding) -> String {
    let file = match a.ws.files.get(f.span.file as usize) {
        Some(file) if f.resource.is_empty() => file.display.as_str(),
        _ => "",
    };
    let mut parts = vec![f.rule.id, a.root_display(f.root), &f.resource, &f.message];
    if f.resource.is_empty() && !file.is_empty() {
        parts.push(file);
    }
    crate::fingerprint::digest(&parts)
}

/// One accepted finding. `rule`, `resource` and `fingerprint` are the key;
/// the rest is there for the humans who review the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub resource: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub root: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    #[serde(default)]
    pub tool: String,
    pub findings: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {0}: {1}")]
    Read(String, String),
    #[error("invalid baseline {0}: {1}")]
    Invalid(String, String),
    #[error("cannot write baseline {0}: {1}")]
    Write(String, String),
}

type Key = (String, String, String);

fn key_of(a: &Analysis, f: &Finding, version: u32) -> Key {
    let fingerprint = if version == 1 {
        fingerprint_v1(a, f)
    } else {
        f.fingerprint.clone()
    };
    (f.rule.name.to_string(), f.resource.clone(), fingerprint)
}

/// The baseline recording every finding of `a` that is not suppressed.
pub fn build(a: &Analysis) -> Baseline {
    let mut findings: Vec<Entry> = a
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && !is_blind_spot(f.rule))
        .map(|f| {
            let loc = crate::report::locate(a, f);
            Entry {
                rule: f.rule.name.to_string(),
                resource: f.resource.clone(),
                fingerprint: f.fingerprint.clone(),
                id: f.rule.id.to_string(),
                root: loc.root.to_string(),
                message: f.message.clone(),
                file: loc.file.to_string(),
                line: Some(loc.line),
            }
        })
        .collect();
    findings.sort_by(|x, y| {
        (
            &x.rule,
            &x.root,
            &x.resource,
            &x.fingerprint,
            &x.file,
            x.line,
        )
            .cmp(&(
                &y.rule,
                &y.root,
                &y.resource,
                &y.fingerprint,
                &y.file,
                y.line,
            ))
    });
    Baseline {
        version: FORMAT_VERSION,
        tool: format!("runwarden {}", env!("CARGO_PKG_VERSION")),
        findings,
    }
}

pub fn to_json(b: &Baseline) -> String {
    let mut s = serde_json::to_string_pretty(b).unwrap_or_default();
    s.push('\n');
    s
}

pub fn write(path: &Path, b: &Baseline) -> Result<(), BaselineError> {
    crate::output::write(path, to_json(b).as_bytes())
        .map_err(|e| BaselineError::Write(path.display().to_string(), e.to_string()))
}

pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
    let shown = path.display().to_string();
    let bytes = crate::load::read::read_regular(path, crate::load::read::MAX_SOURCE_BYTES)
        .map_err(|e| BaselineError::Read(shown.clone(), e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| BaselineError::Invalid(shown.clone(), "invalid UTF-8".into()))?;
    parse(&text).map_err(|e| BaselineError::Invalid(shown, e))
}

pub fn parse(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if b.version != FORMAT_VERSION && b.version != 1 {
        return Err(format!(
            "version {} is not supported (this runwarden reads versions 1 and {FORMAT_VERSION})",
            b.version
        ));
    }
    for e in &b.findings {
        if crate::rules::contract_name(&e.rule).is_none() {
            return Err(format!("unknown rule {:?}", e.rule));
        }
    }
    Ok(b)
}

/// Drops the findings the baseline accounts for from `a.findings` and returns
/// how many were dropped. Each baseline entry absorbs at most one finding, so
/// two findings with one entry's key leave one of them reported. Parse
/// errors and unloaded modules are always reported, whatever the file says.
pub fn apply(a: &mut Analysis, b: &Baseline) -> usize {
    let mut budget: BTreeMap<Key, usize> = BTreeMap::new();
    for e in &b.findings {
        // Entries name rules by name; accept ids too, for hand-written files.
        let rule = crate::rules::contract_name(&e.rule).unwrap_or(&e.rule);
        *budget
            .entry((rule.to_string(), e.resource.clone(), e.fingerprint.clone()))
            .or_default() += 1;
    }
    let keep: Vec<bool> = a
        .findings
        .iter()
        .map(|f| {
            if f.suppressed.is_some() || is_blind_spot(f.rule) {
                return true;
            }
            match budget.get_mut(&key_of(a, f, b.version)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        })
        .collect();
    let before = a.findings.len();
    let mut it = keep.into_iter();
    a.findings.retain(|_| it.next().unwrap_or(true));
    before - a.findings.len()
}
