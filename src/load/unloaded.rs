//! Module calls whose module was not loaded: a registry or git module without
//! `terraform init`, a local source that does not exist or holds no
//! Terraform files. Nothing inside them is analyzed, so every report says
//! which ones they are (rule `module-not-loaded`).

use super::{ModuleId, Workspace, local_source};
use crate::syntax::Span;
use std::path::Path;

/// Deeper call chains are not followed (Terraform configurations seldom pass
/// five; the evaluator stops at 32 too).
const MAX_DEPTH: usize = 32;

/// One module call, reached from a root, whose module is not in the workspace.
#[derive(Debug, Clone)]
pub struct UnloadedCall {
    /// Address of the call from the root (`module.app.module.vpc`), without
    /// instance keys.
    pub address: String,
    pub source: String,
    /// The `source` attribute (the block when it has none).
    pub span: Span,
    /// The module blocks leading to it, outermost first, itself last.
    pub call_spans: Vec<Span>,
    pub reason: String,
}

/// Every call reachable from `root` whose module was not loaded, in
/// declaration order (depth first).
pub fn unloaded_calls(ws: &Workspace, root: ModuleId) -> Vec<UnloadedCall> {
    let mut out = Vec::new();
    walk(ws, root, root, &mut Vec::new(), &mut Vec::new(), &mut out);
    out
}

fn walk(
    ws: &Workspace,
    root: ModuleId,
    module: ModuleId,
    path: &mut Vec<(ModuleId, String, Span)>,
    on_path: &mut Vec<ModuleId>,
    out: &mut Vec<UnloadedCall>,
) {
    if path.len() >= MAX_DEPTH || on_path.contains(&module) {
        return; // a cycle, or too deep: the evaluator reports those
    }
    on_path.push(module);
    for call in &ws.modules[module].calls {
        let names: Vec<&str> = path
            .iter()
            .map(|(_, n, _)| n.as_str())
            .chain([call.name.as_str()])
            .collect();
        let installed = ws.modules[root].installed.get(&names.join("."));
        let target = call
            .target
            .or_else(|| installed.and_then(|d| ws.module_by_dir.get(d).copied()));
        let mut call_spans: Vec<Span> = path.iter().map(|(_, _, s)| *s).collect();
        call_spans.push(call.block.span);
        let reason = match target {
            Some(t) if !ws.modules[t].files.is_empty() => {
                path.push((module, call.name.to_string(), call.block.span));
                walk(ws, root, t, path, on_path, out);
                path.pop();
                continue;
            }
            Some(_) => format!("{:?} holds no .tf or .tf.json file", call.source),
            None => why_not_loaded(ws, root, module, &call.source, installed.map(|d| &**d)),
        };
        let address = names
            .iter()
            .map(|n| format!("module.{n}"))
            .collect::<Vec<_>>()
            .join(".");
        out.push(UnloadedCall {
            address,
            source: call.source.clone(),
            span: call
                .block
                .body
                .attr("source")
                .map_or(call.block.span, |a| a.span),
            call_spans,
            reason,
        });
    }
    on_path.pop();
}

fn why_not_loaded(
    ws: &Workspace,
    root: ModuleId,
    module: ModuleId,
    source: &str,
    installed: Option<&Path>,
) -> String {
    let init = "run `terraform init -backend=false` before runwarden";
    let root_module = &ws.modules[root];
    if source.is_empty() {
        return "its source is not a literal string (Terraform requires one)".into();
    }
    if let Some(dir) = local_source(&ws.modules[module].dir, source) {
        return if dir.is_file() {
            format!("{source:?} is a file, not a module directory")
        } else {
            format!("{source:?} does not exist")
        };
    }
    if let Some(problem) = &root_module.manifest_problem {
        return format!("{problem}; {init}");
    }
    match installed {
        Some(dir) => format!(
            "its installed copy {} is missing; {init}",
            super::display_path(&ws.cwd, dir)
        ),
        None if root_module.installed.is_empty() => {
            format!("a registry or remote module, not installed; {init}")
        }
        None => format!(
            "not in .terraform/modules/modules.json (added or renamed since the last init); {init}"
        ),
    }
}
