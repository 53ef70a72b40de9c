//! `--statistics`: how many findings each rule produced, instead of the
//! findings themselves (like ruff's `--statistics`). A table for people
//! (`human`, `compact`), a JSON document for scripts (`json`).

use crate::check::Analysis;
use crate::color::{Style, paint};
use crate::rules::{Rule, Severity};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One rule's counts: findings that count (not suppressed), and suppressed ones.
pub struct RuleCount {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub count: usize,
    pub suppressed: usize,
}

/// Rules with at least one finding, most findings first, then by id.
pub fn counts(a: &Analysis) -> Vec<RuleCount> {
    let mut by_id: BTreeMap<&str, RuleCount> = BTreeMap::new();
    for f in &a.findings {
        let c = by_id.entry(f.rule.id).or_insert(RuleCount {
            rule: f.rule,
            severity: f.severity,
            count: 0,
            suppressed: 0,
        });
        if f.suppressed.is_some() {
            c.suppressed += 1;
        } else {
            c.count += 1;
            // Severity after runwarden.toml; the highest if it varies.
            c.severity = if c.count == 1 {
                f.severity
            } else {
                c.severity.max(f.severity)
            };
        }
    }
    let mut v: Vec<RuleCount> = by_id.into_values().collect();
    v.sort_by(|x, y| y.count.cmp(&x.count).then(x.rule.id.cmp(y.rule.id)));
    v
}

pub fn text(a: &Analysis, color: bool, show_suppressed: bool, quiet: bool) -> String {
    let rows: Vec<RuleCount> = counts(a)
        .into_iter()
        .filter(|c| c.count > 0 || show_suppressed)
        .collect();
    let mut out = String::new();
    let name_width = rows
        .iter()
        .map(|c| c.rule.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    if !rows.is_empty() {
        let mut head = format!(
            "{:>5}  {:<6} {:<name_width$}  SEVERITY",
            "COUNT", "ID", "RULE"
        );
        if show_suppressed {
            head.push_str("  SUPPRESSED");
        }
        out.push_str(&paint(color, Style::Bold, &head));
        out.push('\n');
    }
    for c in &rows {
        let style = match c.severity {
            Severity::Error => Style::Red,
            Severity::Warning => Style::Yellow,
            Severity::Note => Style::Cyan,
        };
        let severity = c.severity.as_str();
        let mut line = format!(
            "{:>5}  {:<6} {:<name_width$}  {}",
            c.count,
            c.rule.id,
            c.rule.name,
            paint(color, style, severity)
        );
        if show_suppressed {
            let pad = " ".repeat(8 - severity.len());
            line.push_str(&format!("{pad}  {:>10}", c.suppressed));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !quiet {
        out.push_str(&super::human::summary(a));
    }
    out
}

pub fn json(a: &Analysis) -> String {
    let rules: Vec<Value> = counts(a)
        .into_iter()
        .map(|c| {
            json!({
                "rule": c.rule.name,
                "id": c.rule.id,
                "severity": c.severity.as_str(),
                "count": c.count,
                "suppressed": c.suppressed,
            })
        })
        .collect();
    let doc = json!({
        "version": 1,
        "tool": {"name": "runwarden", "version": env!("CARGO_PKG_VERSION")},
        "statistics": rules,
        "summary": super::json::summary(a),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
