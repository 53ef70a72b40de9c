//! `--live-policy FILE`: the IAM policies that exist right now on Cloud Run
//! services and jobs, exported with gcloud. Three shapes are read:
//!
//! - `gcloud asset search-all-iam-policies --format=json`: a JSON array of
//!   `{"resource": "//run.googleapis.com/projects/P/locations/L/services/S",
//!   "policy": {"bindings": [...]}}`;
//! - a Cloud Asset Inventory export (`gcloud asset export
//!   --content-type=iam-policy`, newline-delimited JSON): one
//!   `{"name": "//run.googleapis.com/...", "asset_type":
//!   "run.googleapis.com/Service", "iam_policy": {"bindings": [...]}}` per
//!   line (a JSON array of such objects, or camelCase `iamPolicy`, is read too);
//! - `gcloud run services get-iam-policy S --format=json`: one policy
//!   document (`bindings`, `etag`, `version`), given as
//!   `--live-policy projects/P/locations/L/services/S=FILE`.

use crate::load::{display_path, normalize};
use crate::syntax::{FileId, JsonNode, SourceFile, Span, parse_json_document};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot read live policy {0}: {1}")]
    Read(String, String),
    #[error("{0}:{1}: not valid JSON ({2})")]
    Json(String, usize, String),
    #[error(
        "{0}: a single IAM policy document (gcloud ... get-iam-policy) needs its resource: --live-policy projects/P/locations/L/services/S={0}"
    )]
    NeedsResource(String),
    #[error(
        "{0}: not a live IAM policy export (expected search-all-iam-policies JSON, Cloud Asset Inventory NDJSON or a get-iam-policy document)"
    )]
    Shape(String),
    #[error(
        "{0}: {1:?} is not a Cloud Run resource name (projects/P/locations/L/services/S or .../jobs/J)"
    )]
    Resource(String, String),
}

/// One binding of a live policy on a Cloud Run service or job.
#[derive(Debug, Clone)]
pub struct LiveBinding {
    /// `projects/P/locations/L/services/S` (or `jobs/J`).
    pub resource: String,
    pub role: String,
    pub members: Vec<String>,
    /// The binding's `role` in the export.
    pub span: Span,
    /// Where it came from, for messages.
    pub source: String,
}

/// A parsed `--live-policy` argument, before its file joins the workspace.
#[derive(Debug)]
pub struct LiveFile {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
    /// (resource, role, members, start, end) with offsets into `text`.
    bindings: Vec<(String, String, Vec<String>, usize, usize)>,
}

/// `//run.googleapis.com/projects/P/locations/L/services/S` or the bare
/// relative name -> the relative name, when it names a service or job.
pub fn run_resource_name(s: &str) -> Option<String> {
    let rel = s.strip_prefix("//run.googleapis.com/").unwrap_or(s);
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        [
            "projects",
            p,
            "locations",
            l,
            kind @ ("services" | "jobs"),
            n,
        ] if !p.is_empty() && !l.is_empty() && !n.is_empty() => {
            Some(format!("projects/{p}/locations/{l}/{kind}/{n}"))
        }
        _ => None,
    }
}

/// Reads one `--live-policy` argument: `FILE` or `RESOURCE=FILE`.
pub fn read(arg: &str, cwd: &Path) -> Result<LiveFile, LiveError> {
    let (resource, file) = match arg.split_once('=') {
        Some((r, f)) if r.starts_with("projects/") || r.starts_with("//run.googleapis.com/") => {
            let name = run_resource_name(r)
                .ok_or_else(|| LiveError::Resource(f.to_string(), r.to_string()))?;
            (Some(name), f)
        }
        _ => (None, arg),
    };
    let abs = normalize(cwd, Path::new(file));
    let display = display_path(cwd, &abs);
    let bytes = crate::load::read::read_regular(&abs, crate::load::read::MAX_EXPORT_BYTES)
        .map_err(|e| LiveError::Read(file.to_string(), e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| LiveError::Json(display.clone(), 1, "invalid UTF-8".into()))?;
    let mut out = LiveFile {
        path: abs,
        display: display.clone(),
        text: String::new(),
        bindings: Vec::new(),
    };
    let (base, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (3, rest),
        None => (0, text.as_str()),
    };
    let json_err = |(msg, at): (String, usize)| {
        LiveError::Json(display.clone(), crate::syntax::line_of(&text, at), msg)
    };
    match parse_json_document(body, base) {
        Ok(Some(doc)) => match (&doc.kind, &resource) {
            (crate::syntax::JsonKind::Array(entries), _) => {
                for e in entries {
                    entry(e, &mut out.bindings);
                }
            }
            (_, Some(r)) => policy(r, &doc, &mut out.bindings),
            (_, None) if doc.get("bindings").is_some() || doc.get("etag").is_some() => {
                return Err(LiveError::NeedsResource(display));
            }
            (_, None) if doc.is_object() => {
                if !entry(&doc, &mut out.bindings) {
                    return Err(LiveError::Shape(display));
                }
            }
            _ => return Err(LiveError::Shape(display)),
        },
        Ok(None) => {}
        // Not one document: newline-delimited JSON, one asset per line.
        Err(first) => {
            let mut offset = base;
            let mut any = false;
            for line in body.split_inclusive('\n') {
                let trimmed = line.trim();
                if !trimmed.is_empty() {
                    match parse_json_document(line, offset) {
                        Ok(Some(doc)) if doc.is_object() => {
                            any |= entry(&doc, &mut out.bindings) || doc.get("name").is_some();
                        }
                        Ok(_) => return Err(LiveError::Shape(display)),
                        Err(e) => return Err(json_err(if any { e } else { first })),
                    }
                }
                offset += line.len();
            }
            if !any {
                return Err(LiveError::Shape(display));
            }
        }
    }
    out.text = text;
    Ok(out)
}

/// One search result or asset: `resource`/`name` and `policy`/`iam_policy`.
/// Returns whether it had that shape (resources other than Cloud Run
/// services and jobs are skipped).
fn entry(e: &JsonNode, out: &mut Vec<(String, String, Vec<String>, usize, usize)>) -> bool {
    let name = e
        .get("resource")
        .or_else(|| e.get("name"))
        .and_then(JsonNode::as_str);
    let pol = e
        .get("policy")
        .or_else(|| e.get("iam_policy"))
        .or_else(|| e.get("iamPolicy"));
    let (Some(name), Some(pol)) = (name, pol) else {
        return false;
    };
    if let Some(r) = run_resource_name(name) {
        policy(&r, pol, out);
    }
    true
}

fn policy(
    resource: &str,
    pol: &JsonNode,
    out: &mut Vec<(String, String, Vec<String>, usize, usize)>,
) {
    for b in pol
        .get("bindings")
        .and_then(JsonNode::as_array)
        .unwrap_or_default()
    {
        let Some(role) = b.get("role").and_then(JsonNode::as_str) else {
            continue;
        };
        let members = b
            .get("members")
            .and_then(JsonNode::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect();
        let (start, end) = b
            .prop("role")
            .map_or((b.start, b.end), |p| (p.start, p.end));
        out.push((resource.to_string(), role.to_string(), members, start, end));
    }
}

impl LiveFile {
    /// Adds the export to the workspace's files and returns its bindings.
    pub fn install(self, files: &mut Vec<SourceFile>) -> Vec<LiveBinding> {
        let id = files.len() as FileId;
        let display = self.display.clone();
        files.push(SourceFile::synthetic(
            self.path,
            self.display,
            self.text,
            Default::default(),
        ));
        self.bindings
            .into_iter()
            .map(|(resource, role, members, start, end)| LiveBinding {
                resource,
                role,
                members,
                span: Span::new(id, start..end),
                source: display.clone(),
            })
            .collect()
    }
}
