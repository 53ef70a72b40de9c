//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. One run,
//! every rule described in `tool.driver.rules` (from its `rules/<name>.md`),
//! one result per finding with a physical location relative to `%SRCROOT%`
//! (the directory runwarden ran in, which in CI is the repository root).

use super::{locate, visible};
use crate::check::Analysis;
use crate::rules::{self, Finding, Rule, Severity};
use crate::syntax::Span;
use serde_json::{Value, json};

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The `uriBaseId` of every artifact location.
pub const SRCROOT: &str = "%SRCROOT%";
/// Key of our fingerprint in `partialFingerprints`: the suffix is the
/// recipe's version (`fingerprint::RECIPE`), so a new recipe never matches
/// alerts made with an old one.
pub const FINGERPRINT_KEY: &str = "runwarden/v2";

pub fn render(a: &Analysis, show_suppressed: bool) -> String {
    let driver_rules: Vec<Value> = rules::RULES.iter().map(|r| rule(r)).collect();
    let results: Vec<Value> = visible(a, show_suppressed).map(|f| result(a, f)).collect();
    let mut doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "runwarden",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": crate::HOMEPAGE,
                    "rules": driver_rules,
                }
            },
            // Our columns count Unicode scalar values, not UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    if let Some(notes) = unloaded_notifications(a) {
        doc["runs"][0]["invocations"] = notes;
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Tags (the rule's category's, then the platform's) and GitHub's
/// `security-severity`.
fn classify(r: &Rule) -> (Vec<&'static str>, Option<&'static str>) {
    let mut tags = r.category.tags().to_vec();
    tags.extend(["terraform", "cloud-run"]);
    (tags, r.category.security_severity(r.severity))
}

fn rule(r: &Rule) -> Value {
    let (tags, score) = classify(r);
    let mut properties = json!({ "tags": tags });
    if let (Some(score), Some(obj)) = (score, properties.as_object_mut()) {
        obj.insert("security-severity".into(), json!(score));
    }
    let full = rules::doc_summary(r.doc);
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": if full.is_empty() { r.summary } else { full } },
        // The whole rule doc, so code scanning shows it without a link.
        "help": { "text": crate::markdown::plain(r.doc), "markdown": r.doc },
        "helpUri": format!("{}/blob/main/rules/{}.md", crate::HOMEPAGE, r.name),
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": properties,
    })
}

fn result(a: &Analysis, f: &Finding) -> Value {
    let l = locate(a, f);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact(&l.source),
            "region": {
                "startLine": l.line,
                "startColumn": l.column,
                "endLine": l.end_line,
                "endColumn": l.end_column,
            }
        }
    });
    if !f.resource.is_empty()
        && let Some(obj) = location.as_object_mut()
    {
        obj.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": f.resource, "kind": "resource" }]),
        );
    }
    let mut r = json!({ "ruleId": f.rule.id });
    if let (Some(i), Some(obj)) = (
        rules::RULES.iter().position(|x| x.id == f.rule.id),
        r.as_object_mut(),
    ) {
        obj.insert("ruleIndex".into(), json!(i));
    }
    // A module called from several roots reports once per root: say which.
    let text = if a.model.roots.len() > 1 {
        format!("{} (root {})", f.message, l.root)
    } else {
        f.message.clone()
    };
    let rest = json!({
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
        "properties": {
            "rule": f.rule.name,
            "root": l.root,
            "resource": f.resource,
            "related": f.related,
        },
    });
    let Some(obj) = r.as_object_mut() else {
        return r;
    };
    if let Value::Object(rest) = rest {
        obj.extend(rest);
    }
    // Code scanning rejects locations without a physical location, so only
    // related resources whose block we can point at become relatedLocations;
    // `properties.related` keeps the full list.
    let related: Vec<Value> = f
        .related
        .iter()
        .filter_map(|addr| {
            let span = declaration(a, f.root, addr)?;
            let file = a.ws.files.get(span.file as usize)?;
            let (line, column) = file.line_col(span.start);
            let (end_line, end_column) = file.line_col(span.end.max(span.start));
            Some((addr, file, line, column, end_line, end_column))
        })
        .enumerate()
        .map(|(i, (addr, file, line, column, end_line, end_column))| {
            json!({
                "id": i + 1,
                "message": { "text": addr },
                "physicalLocation": {
                    "artifactLocation": artifact(&a.ws.source_path(file)),
                    "region": {
                        "startLine": line,
                        "startColumn": column,
                        "endLine": end_line,
                        "endColumn": end_column,
                    }
                },
                "logicalLocations": [{ "fullyQualifiedName": addr, "kind": "resource" }],
            })
        })
        .collect();
    if !related.is_empty() {
        obj.insert("relatedLocations".into(), json!(related));
    }
    if let Some(reason) = &f.suppressed {
        // Allow-list entries live in runwarden.toml, outside the source.
        let kind = if reason.starts_with("allowed by runwarden.toml") {
            "external"
        } else {
            "inSource"
        };
        obj.insert(
            "suppressions".into(),
            json!([{ "kind": kind, "status": "accepted", "justification": reason }]),
        );
    }
    r
}

/// Module calls whose module was not read, as tool execution notifications
/// of the run's invocation: the analysis ran, but did not see inside them.
fn unloaded_notifications(a: &Analysis) -> Option<Value> {
    if a.unloaded.is_empty() {
        return None;
    }
    let rule = rules::module_not_loaded();
    let index = rules::RULES.iter().position(|r| r.id == rule.id);
    let notes: Vec<Value> = a
        .unloaded
        .iter()
        .map(|(root, u)| {
            let file = &a.ws.files[u.span.file as usize];
            let (line, column) = file.line_col(u.span.start);
            let (end_line, end_column) = file.line_col(u.span.end.max(u.span.start));
            let mut reference = json!({ "id": rule.id });
            if let (Some(i), Some(obj)) = (index, reference.as_object_mut()) {
                obj.insert("index".into(), json!(i));
            }
            json!({
                "level": "note",
                "message": { "text": format!("{} (root {}) was not loaded: {}", u.address, a.root_display(*root), u.reason) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&a.ws.source_path(file)),
                        "region": {
                            "startLine": line,
                            "startColumn": column,
                            "endLine": end_line,
                            "endColumn": end_column,
                        }
                    },
                    "logicalLocations": [{ "fullyQualifiedName": u.address, "kind": "module" }],
                }],
                "associatedRule": reference,
            })
        })
        .collect();
    Some(json!([{ "executionSuccessful": true, "toolExecutionNotifications": notes }]))
}

/// Where the resource `addr` of root `root` is declared, when the model
/// knows it (services, grants, the data sources feeding grants).
fn declaration(a: &Analysis, root: usize, addr: &str) -> Option<Span> {
    let m = &a.model;
    m.services
        .iter()
        .find(|s| s.root == root && s.address == addr)
        .map(|s| s.span)
        .or_else(|| {
            m.grants
                .iter()
                .find(|g| g.root == root && g.address == addr)
                .map(|g| g.span)
        })
        .or_else(|| {
            m.grants
                .iter()
                .find(|g| g.root == root && g.via.as_deref() == Some(addr))
                .and_then(|g| g.via_span)
        })
}

/// A SARIF artifactLocation for a path as shown to users: relative paths are
/// relative to `%SRCROOT%`, absolute ones (outside the current directory)
/// become `file://` URIs.
pub fn artifact(shown: &str) -> Value {
    if shown.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_path(shown)) })
    } else {
        json!({ "uri": encode_path(shown), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes a `/`-separated path for use in a URI reference.
pub fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("envs/prod/iam.tf"), "envs/prod/iam.tf");
        assert_eq!(encode_path("a b/c%d#e.tf"), "a%20b/c%25d%23e.tf");
        assert_eq!(encode_path("é.tf"), "%C3%A9.tf");
        assert_eq!(encode_path("x:y?.tf"), "x%3Ay%3F.tf");
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            artifact("/tmp/x y/main.tf"),
            json!({ "uri": "file:///tmp/x%20y/main.tf" })
        );
        assert_eq!(
            artifact("main.tf"),
            json!({ "uri": "main.tf", "uriBaseId": "%SRCROOT%" })
        );
    }
}
