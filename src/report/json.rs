//! `--format json`, exactly as SPEC §2.

use super::{locate, visible};
use crate::check::Analysis;
use crate::rules::Severity;
use serde_json::{Value, json};

pub fn render(a: &Analysis, show_suppressed: bool) -> String {
    let findings: Vec<Value> = visible(a, show_suppressed)
        .map(|f| {
            let l = locate(a, f);
            let mut v = json!({
                "rule": f.rule.name,
                "id": f.rule.id,
                "severity": f.severity.as_str(),
                "message": f.message,
                "file": l.file,
                "line": l.line,
                "column": l.column,
                "end_line": l.end_line,
                "end_column": l.end_column,
                "root": l.root,
                "resource": f.resource,
                "related": f.related,
                "suppressed": f.suppressed.is_some(),
            });
            if let Some(obj) = v.as_object_mut() {
                if let Some(reason) = &f.suppressed {
                    obj.insert("suppression_reason".into(), json!(reason));
                }
                if let Some(fix) = &f.fix {
                    obj.insert("fix".into(), json!(fix));
                }
            }
            v
        })
        .collect();
    let mut doc = json!({
        "version": 1,
        "tool": {"name": "runwarden", "version": env!("CARGO_PKG_VERSION")},
        "findings": findings,
        "summary": summary(a),
    });
    // Additive: module calls whose module was not read (rule
    // module-not-loaded), listed whatever rules ran.
    if !a.unloaded.is_empty() {
        let unloaded: Vec<Value> = a
            .unloaded
            .iter()
            .map(|(root, u)| {
                let file = &a.ws.files[u.span.file as usize];
                json!({
                    "root": a.root_display(*root),
                    "module": u.address,
                    "source": u.source,
                    "file": file.display,
                    "line": file.line_col(u.span.start).0,
                    "reason": u.reason,
                })
            })
            .collect();
        doc["modules_not_loaded"] = json!(unloaded);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The `summary` object (also in `--statistics --format json`).
pub fn summary(a: &Analysis) -> Value {
    let modules = a.ws.modules.iter().filter(|m| !m.files.is_empty()).count();
    let mut summary = json!({
        "files": a.ws.files.len(),
        "modules": modules,
        "resources": a.model.resources,
        "errors": a.count(Severity::Error),
        "warnings": a.count(Severity::Warning),
        "notes": a.count(Severity::Note),
    });
    // Additive, when there is something to say: module calls not read (the
    // top-level `modules_not_loaded` lists them), paths with nothing to check.
    if !a.unloaded.is_empty() {
        summary["modules_not_loaded"] = json!(a.unloaded.len());
    }
    if !a.ws.nothing_to_check.is_empty() {
        let empty: Vec<Value> =
            a.ws.nothing_to_check
                .iter()
                .map(|(path, why)| json!({"path": path, "reason": why}))
                .collect();
        summary["nothing_to_check"] = json!(empty);
    }
    summary
}
