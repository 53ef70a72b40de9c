//! `runwarden why` reports: the layers of one access decision, human or
//! JSON (`{"outcome", "layers": [{"layer", "verdict", "because", "file",
//! "line"}], "fix"}`).

use crate::authz::Step;
use crate::check::Analysis;
use crate::why::{Outcome, Why};
use serde_json::json;

fn verdict(s: Step) -> &'static str {
    match s {
        Step::Pass => "pass",
        Step::Fail => "fail",
        Step::Unknown => "unknown",
    }
}

fn place(a: &Analysis, span: Option<crate::syntax::Span>) -> Option<(String, usize)> {
    let span = span?;
    let file = a.ws.files.get(span.file as usize)?;
    Some((file.display.clone(), file.line_col(span.start).0))
}

pub fn human(a: &Analysis, w: &Why) -> String {
    let mut out = format!("runwarden why: {}\n", w.subject);
    for l in &w.layers {
        let at = match place(a, l.span) {
            Some((f, line)) => format!("  ({f}:{line})"),
            None => String::new(),
        };
        let v = match l.step {
            Step::Fail => "FAIL",
            other => verdict(other),
        };
        out.push_str(&format!("  {:<9} {:<8} {}{at}\n", l.layer, v, l.because));
    }
    out.push_str(&format!("outcome: {}", w.outcome.label()));
    if let Outcome::CannotTell(why) = &w.outcome {
        out.push_str(&format!(" ({why})"));
    }
    out.push('\n');
    if let Some(fix) = &w.fix {
        out.push_str("fix:\n");
        for line in fix.lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn json(a: &Analysis, w: &Why) -> String {
    let layers: Vec<serde_json::Value> = w
        .layers
        .iter()
        .map(|l| {
            let (file, line) = match place(a, l.span) {
                Some((f, n)) => (json!(f), json!(n)),
                None => (serde_json::Value::Null, serde_json::Value::Null),
            };
            json!({
                "layer": l.layer,
                "verdict": verdict(l.step),
                "because": l.because,
                "file": file,
                "line": line,
            })
        })
        .collect();
    let mut doc = json!({
        "outcome": w.outcome.label(),
        "layers": layers,
        "fix": w.fix,
    });
    if let Outcome::CannotTell(why) = &w.outcome {
        doc["unknown"] = json!(why);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
