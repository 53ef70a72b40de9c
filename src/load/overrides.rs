//! Override files (`override.tf`, `*_override.tf`, and their `.tf.json`
//! forms), merged into their module after every other file as Terraform does
//! (https://developer.hashicorp.com/terraform/language/files/override):
//!
//! - a top-level block merges into the block of the other files with the
//!   same type and labels; override files in lexical order of their names,
//!   then in order within each file, each applied on the result so far;
//! - an argument replaces the argument of the same name;
//! - nested blocks replace *all* nested blocks of the same type; block types
//!   the override does not name are kept; nested contents are not merged;
//! - `lifecycle` in `resource` and `data` is the exception: merged argument
//!   by argument;
//! - `locals` are overridden value by value, whichever block holds them.
//!
//! An override block with nothing to merge into is an error in Terraform;
//! it is reported as the file's parse error.

use super::{ModuleId, Workspace};
use crate::syntax::{Block, Body, ExprKind, FileId, ParseError};

pub fn is_override(name: &str) -> bool {
    ["override.tf", "override.tf.json"].contains(&name)
        || name.ends_with("_override.tf")
        || name.ends_with("_override.tf.json")
}

/// Merges the top-level blocks of override file `file` into `module`.
pub fn merge(ws: &mut Workspace, module: ModuleId, file: FileId) {
    let body = std::mem::take(&mut ws.files[file as usize].body);
    let mut missing = None;
    for block in body.blocks {
        let header = std::iter::once(block.kind.clone())
            .chain(
                block
                    .labels
                    .iter()
                    .map(|l| compact_str::format_compact!("{l:?}")),
            )
            .collect::<Vec<_>>()
            .join(" ");
        let span = block.span;
        if !merge_block(ws, module, block) && missing.is_none() {
            missing = Some((header, span));
        }
    }
    let source = &mut ws.files[file as usize];
    if let Some((header, span)) = missing
        && source.error.is_none()
    {
        source.error = Some(ParseError {
            message: format!(
                "override of {header}: no such block in the module's other files (Terraform rejects an override without one)"
            ),
            span,
        });
    }
}

/// Merges one override block; false when there was nothing to merge into.
/// Blocks runwarden does not model (`terraform`, other providers) count as
/// merged.
fn merge_block(ws: &mut Workspace, module: ModuleId, over: Block) -> bool {
    let (files, m) = (&ws.files, &mut ws.modules[module]);
    match (over.kind.as_str(), over.labels.len()) {
        ("resource" | "data", 2) => {
            let mode = if over.kind == "resource" {
                super::Mode::Managed
            } else {
                super::Mode::Data
            };
            match m.resource(mode, &over.labels[0], &over.labels[1]) {
                Some(i) => {
                    merge_body(&mut m.resources[i].block.body, over.body, true);
                    true
                }
                None => false,
            }
        }
        ("variable", 1) => match m.variables.get_mut(&over.labels[0]) {
            Some(base) => {
                merge_body(&mut base.get_mut(files).body, over.body, false);
                true
            }
            None => false,
        },
        ("output", 1) => match m.outputs.get_mut(&over.labels[0]) {
            Some(base) => {
                merge_body(&mut base.get_mut(files).body, over.body, false);
                true
            }
            None => false,
        },
        ("locals", 0) => {
            let mut all = true;
            for attr in over.body.attributes {
                match m.locals.get_mut(&attr.name) {
                    Some(base) => *base.get_mut(files) = attr,
                    None => all = false,
                }
            }
            all
        }
        ("module", 1) => match m.calls.iter_mut().find(|c| c.name == over.labels[0]) {
            Some(call) => {
                merge_body(&mut call.block.body, over.body, false);
                if let Some(a) = call.block.body.attr("source") {
                    call.source = match &a.expr.kind {
                        ExprKind::Str(s) => s.to_string(),
                        _ => String::new(),
                    };
                }
                true
            }
            None => false,
        },
        ("provider", 1) if over.labels[0] == "google" || over.labels[0] == "google-beta" => {
            if over.body.attr("alias").is_some() {
                return true; // aliased providers are not modelled
            }
            match &mut m.provider {
                Some(base) if base.labels == over.labels => {
                    merge_body(&mut base.body, over.body, false);
                    true
                }
                // The first unaliased google provider is the one modelled.
                Some(_) => true,
                None => false,
            }
        }
        _ => true,
    }
}

/// Terraform's merge of an override body into a base body. `resource`
/// bodies merge `lifecycle` argument by argument.
fn merge_body(base: &mut Body, over: Body, resource: bool) {
    for attr in over.attributes {
        match base.attributes.iter_mut().find(|a| a.name == attr.name) {
            Some(a) => *a = attr,
            None => base.attributes.push(attr),
        }
    }
    let mut replaced: Vec<crate::syntax::Name> = Vec::new();
    for block in over.blocks {
        if resource && block.kind == "lifecycle" {
            match base.blocks.iter_mut().find(|b| b.kind == "lifecycle") {
                Some(l) => merge_body(&mut l.body, block.body, false),
                None => base.blocks.push(block),
            }
            continue;
        }
        if !replaced.contains(&block.kind) {
            base.blocks.retain(|b| b.kind != block.kind);
            replaced.push(block.kind.clone());
        }
        base.blocks.push(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::SourceFile;

    fn body(text: &str) -> Body {
        let f = SourceFile::parse(0, "a.tf".into(), "a.tf".into(), text.as_bytes().to_vec());
        assert!(f.error.is_none(), "{:?}", f.error);
        f.body.blocks.into_iter().next().unwrap().body
    }

    fn attrs(b: &Body) -> Vec<&str> {
        b.attributes.iter().map(|a| a.name.as_str()).collect()
    }

    #[test]
    fn names() {
        for yes in [
            "override.tf",
            "override.tf.json",
            "iam_override.tf",
            "x_override.tf.json",
        ] {
            assert!(is_override(yes), "{yes}");
        }
        for no in [
            "overrides.tf",
            "myoverride.tf",
            "override.tfvars",
            "main.tf",
        ] {
            assert!(!is_override(no), "{no}");
        }
    }

    #[test]
    fn arguments_replace_nested_blocks_replace_by_type_lifecycle_merges() {
        let mut base = body(
            "resource \"r\" \"x\" {\n  a = 1\n  b = 2\n  template {\n    one = 1\n  }\n  template {\n    two = 2\n  }\n  scaling {\n    max = 3\n  }\n  lifecycle {\n    ignore_changes = [a]\n  }\n}\n",
        );
        let over = body(
            "resource \"r\" \"x\" {\n  b = 20\n  c = 30\n  template {\n    three = 3\n  }\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n",
        );
        merge_body(&mut base, over, true);
        assert_eq!(attrs(&base), ["a", "b", "c"]);
        let templates: Vec<&Body> = base.blocks("template").map(|b| &b.body).collect();
        assert_eq!(templates.len(), 1);
        assert_eq!(attrs(templates[0]), ["three"]);
        assert!(base.block("scaling").is_some());
        let lifecycle = base.block("lifecycle").unwrap();
        assert_eq!(
            attrs(&lifecycle.body),
            ["ignore_changes", "create_before_destroy"]
        );
    }

    #[test]
    fn outside_resources_lifecycle_is_an_ordinary_nested_block() {
        let mut base = body("module \"m\" {\n  lifecycle {\n    a = 1\n  }\n}\n");
        merge_body(
            &mut base,
            body("module \"m\" {\n  lifecycle {\n    b = 1\n  }\n}\n"),
            false,
        );
        assert_eq!(attrs(&base.block("lifecycle").unwrap().body), ["b"]);
    }
}
