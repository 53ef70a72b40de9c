//! `--plan FILE`: the JSON that `terraform show -json` prints for a saved
//! plan (or for a state). Read into resource instances with their values
//! (each becomes a synthetic resource declaration, so the whole model reads
//! it like HCL), the root variables the plan was made with, and the planned
//! changes of IAM resources (for plan-removes-invoker).
//!
//! Format: <https://developer.hashicorp.com/terraform/internals/json-format>.

use crate::load::{Mode, ModuleConfig, ResourceDecl, Workspace, display_path, normalize};
use crate::syntax::{Block, FileId, JsonNode, SourceFile, Span, parse_json_document, values_body};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read plan {0}: {1}")]
    Read(String, String),
    #[error("{0}:{1}: not valid JSON ({2}); --plan expects the output of `terraform show -json`")]
    Json(String, usize, String),
    #[error(
        "{0}: no format_version: not the output of `terraform show -json` (run `terraform show -json tf.plan > plan.json`)"
    )]
    NoVersion(String),
    #[error("{0}: unsupported format_version {1:?} (runwarden reads 1.x)")]
    Version(String, String),
    #[error(
        "{0}: neither planned_values (a plan) nor values (a state): nothing to analyze in this file"
    )]
    NoValues(String),
}

/// One resource instance of a plan's `planned_values` or a state's `values`.
#[derive(Debug)]
pub struct PlanResource {
    pub address: String,
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    pub values: JsonNode,
    /// `after_unknown` of the matching `resource_changes` entry.
    pub unknown: Option<JsonNode>,
    pub start: usize,
    pub end: usize,
}

/// One `resource_changes` entry.
#[derive(Debug, Clone)]
pub struct PlanChange {
    pub address: String,
    pub rtype: String,
    pub mode: Mode,
    pub actions: Vec<String>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub after_unknown: serde_json::Value,
    /// Range of the entry's `"address"` property.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct Plan {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
    /// A state (`values`) rather than a plan (`planned_values`).
    pub is_state: bool,
    pub variables: Vec<(String, serde_json::Value)>,
    pub resources: Vec<PlanResource>,
    pub changes: Vec<PlanChange>,
}

pub fn read(path: &Path, cwd: &Path) -> Result<Plan, PlanError> {
    let abs = normalize(cwd, path);
    let display = display_path(cwd, &abs);
    let bytes = crate::load::read::read_regular(&abs, crate::load::read::MAX_EXPORT_BYTES)
        .map_err(|e| PlanError::Read(path.display().to_string(), e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| PlanError::Json(display.clone(), 1, "invalid UTF-8".into()))?;
    let (base, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (3, rest),
        None => (0, text.as_str()),
    };
    let root = match parse_json_document(body, base) {
        Ok(Some(root)) if root.is_object() => root,
        Ok(_) => {
            return Err(PlanError::Json(
                display,
                1,
                "expected one JSON object".into(),
            ));
        }
        Err((msg, at)) => {
            return Err(PlanError::Json(
                display.clone(),
                crate::syntax::line_of(&text, at),
                msg,
            ));
        }
    };
    let version = root
        .get("format_version")
        .and_then(JsonNode::as_str)
        .ok_or_else(|| PlanError::NoVersion(display.clone()))?;
    if version.split('.').next() != Some("1") {
        return Err(PlanError::Version(display, version.to_string()));
    }
    let (values, is_state) = match (root.get("planned_values"), root.get("values")) {
        (Some(v), _) => (v, false),
        (None, Some(v)) => (v, true),
        (None, None) => return Err(PlanError::NoValues(display)),
    };
    let mut changes = Vec::new();
    let mut unknown_by_address: BTreeMap<String, JsonNode> = BTreeMap::new();
    for rc in root
        .get("resource_changes")
        .and_then(JsonNode::as_array)
        .unwrap_or_default()
    {
        let Some(address) = rc.get("address").and_then(JsonNode::as_str) else {
            continue;
        };
        let Some(change) = rc.get("change") else {
            continue;
        };
        if let Some(u) = change.get("after_unknown") {
            unknown_by_address.insert(address.to_string(), u.clone());
        }
        let prop = rc.prop("address");
        let serde = |n: &str| {
            change
                .get(n)
                .map_or(serde_json::Value::Null, JsonNode::to_serde)
        };
        changes.push(PlanChange {
            address: address.to_string(),
            rtype: rc
                .get("type")
                .and_then(JsonNode::as_str)
                .unwrap_or_default()
                .to_string(),
            mode: mode_of(rc),
            actions: change
                .get("actions")
                .and_then(JsonNode::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
            before: serde("before"),
            after: serde("after"),
            after_unknown: serde("after_unknown"),
            start: prop.map_or(rc.start, |p| p.start),
            end: prop.map_or(rc.end, |p| p.end),
        });
    }
    let mut resources = Vec::new();
    if let Some(module) = values.get("root_module") {
        collect(module, &mut unknown_by_address, &mut resources, 0);
    }
    let variables = root
        .get("variables")
        .map(|v| match &v.kind {
            crate::syntax::JsonKind::Object(props) => props
                .iter()
                .filter_map(|p| Some((p.name.clone(), p.value.get("value")?.to_serde())))
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    Ok(Plan {
        path: abs,
        display,
        text,
        is_state,
        variables,
        resources,
        changes,
    })
}

fn mode_of(n: &JsonNode) -> Mode {
    match n.get("mode").and_then(JsonNode::as_str) {
        Some("data") => Mode::Data,
        _ => Mode::Managed,
    }
}

/// Resources of a module and (recursively) its `child_modules`.
fn collect(
    module: &JsonNode,
    unknown: &mut BTreeMap<String, JsonNode>,
    out: &mut Vec<PlanResource>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(JsonNode::as_array)
        .unwrap_or_default()
    {
        let text = |k: &str| r.get(k).and_then(JsonNode::as_str).map(str::to_string);
        let (Some(address), Some(rtype), Some(name)) =
            (text("address"), text("type"), text("name"))
        else {
            continue;
        };
        let Some(values) = r.get("values") else {
            continue;
        };
        out.push(PlanResource {
            unknown: unknown.remove(&address),
            address,
            mode: mode_of(r),
            rtype,
            name,
            values: values.clone(),
            start: r.start,
            end: r.end,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(JsonNode::as_array)
        .unwrap_or_default()
    {
        collect(child, unknown, out, depth + 1);
    }
}

impl Plan {
    /// The plan's root variables as evaluator values.
    pub fn variable_values(&self) -> Vec<(String, crate::eval::Value)> {
        self.variables
            .iter()
            .map(|(k, v)| (k.clone(), crate::eval::Value::from_json(v)))
            .collect()
    }
}

/// Adds the plan file to the workspace (for findings that point into it)
/// and returns its id.
pub fn add_file(ws: &mut Workspace, plan: &Plan) -> FileId {
    let id = ws.files.len() as FileId;
    ws.files.push(SourceFile::synthetic(
        plan.path.clone(),
        plan.display.clone(),
        plan.text.clone(),
        Default::default(),
    ));
    id
}

/// Plan-only analysis: the plan's resource instances become one synthetic
/// root module, each instance a declaration addressed as in the plan.
pub fn install(ws: &mut Workspace, plan: &Plan) -> FileId {
    let file = add_file(ws, plan);
    let dir = plan
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ws.cwd.clone());
    let mut m = ModuleConfig {
        display: display_path(&ws.cwd, &dir),
        dir: dir.clone(),
        files: vec![file],
        ..Default::default()
    };
    for r in &plan.resources {
        m.add_resource(ResourceDecl {
            mode: r.mode,
            rtype: r.rtype.as_str().into(),
            name: r.name.as_str().into(),
            block: Block {
                kind: if r.mode == Mode::Data {
                    "data"
                } else {
                    "resource"
                }
                .into(),
                labels: vec![r.rtype.as_str().into(), r.name.as_str().into()],
                body: values_body(file, &r.values, r.unknown.as_ref()),
                span: Span::new(file, r.start..r.start + 1),
            },
            address: Some(r.address.clone()),
        });
    }
    let id = ws.modules.len();
    ws.module_by_dir.entry(dir).or_insert(id);
    ws.modules.push(m);
    ws.roots = vec![id];
    file
}
