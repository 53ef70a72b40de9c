//! `google_iam_deny_policy`: `parent` is the URL-encoded attachment point
//! (`cloudresourcemanager.googleapis.com/projects/P`, `.../folders/F`,
//! `.../organizations/O`); `rules { deny_rule { denied_principals,
//! exception_principals, denied_permissions, exception_permissions,
//! denial_condition { expression } } }`.

use super::res::{Res, attr_in};
use crate::eval::{Unknown, UnknownKind, Value};
use crate::model::Field;
use crate::model::deny::{DenyPolicy, DenyRule};
use crate::model::org::{Node, folder_key};
use crate::syntax::Span;
use std::sync::Arc;

pub fn read(res: &Res, root: usize, out: &mut Vec<DenyPolicy>) {
    let attached = match res.field("parent") {
        Some((Field::Known(p), span)) => attachment(&p)
            .ok_or_else(|| Unknown::error(format!("unexpected deny policy parent {p:?}"), span)),
        Some((Field::Symbolic(t), span)) => {
            // `urlencode("cloudresourcemanager.googleapis.com/projects/${...}")`
            // is known only after apply when its project is.
            match attachment(&t.to_string()) {
                Some(n) => Ok(n),
                None => Err(Unknown::after_apply(t.refs().next().cloned(), span)),
            }
        }
        // `urlencode(".../${google_folder.f.name}")` is known after apply,
        // but it is that folder.
        Some((Field::Unknown(u), _)) => match &u.kind {
            UnknownKind::AfterApply(Some(r))
                if r.resource.contains("google_folder.")
                    && matches!(&*r.path, "name" | "folder_id" | "id") =>
            {
                Ok(Node::Folder(r.resource.to_string()))
            }
            _ => Err(u),
        },
        None => Err(res.not_set("parent")),
    };
    let mut rules = Vec::new();
    for (rb, rc) in res.blocks("rules").items {
        for (b, c) in res.ev.blocks(rb, "deny_rule", &rc).items {
            let list = |name: &str| -> (Vec<Field>, Option<Span>) {
                match attr_in(res.ev, b, &c, name) {
                    Some((a, v)) => (fields(v, a.span), Some(a.span)),
                    None => (Vec::new(), None),
                }
            };
            let (denied_principals, span) = list("denied_principals");
            let condition = res.ev.blocks(b, "denial_condition", &c).items.first().map(
                |(cb, cc)| match attr_in(res.ev, cb, cc, "expression") {
                    Some((a, v)) => Field::from_value(v, a.span),
                    None => Field::Unknown(Unknown::error(
                        "denial_condition has no expression",
                        res.span,
                    )),
                },
            );
            rules.push(DenyRule {
                denied_principals,
                exception_principals: list("exception_principals").0,
                denied_permissions: list("denied_permissions").0,
                exception_permissions: list("exception_permissions").0,
                condition,
                span: span.unwrap_or(res.span),
            });
        }
    }
    out.push(DenyPolicy {
        root,
        address: res.address.clone(),
        attached,
        rules,
        span: res.span,
        module_spans: res.module_spans.clone(),
    });
}

fn fields(v: Value, span: Span) -> Vec<Field> {
    match v {
        Value::List(items) => Arc::unwrap_or_clone(items)
            .into_iter()
            .map(|x| Field::from_value(x, span))
            .collect(),
        other => vec![Field::from_value(other, span)],
    }
}

/// The node a deny policy's `parent` names, URL-encoded or not.
fn attachment(parent: &str) -> Option<Node> {
    let decoded = parent.replace("%2F", "/").replace("%2f", "/");
    let path = decoded
        .strip_prefix("cloudresourcemanager.googleapis.com/")
        .unwrap_or(&decoded);
    if let Some(p) = path.strip_prefix("projects/") {
        return Some(Node::Project(p.to_string()));
    }
    if let Some(o) = path.strip_prefix("organizations/") {
        return Some(Node::Organization(o.to_string()));
    }
    if path.starts_with("folders/") {
        return folder_key(&Field::Known(path.to_string())).map(Node::Folder);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents() {
        assert_eq!(
            attachment("cloudresourcemanager.googleapis.com%2Fprojects%2Facme-prod"),
            Some(Node::Project("acme-prod".into()))
        );
        assert_eq!(
            attachment("cloudresourcemanager.googleapis.com/organizations/123"),
            Some(Node::Organization("123".into()))
        );
        assert_eq!(
            attachment("cloudresourcemanager.googleapis.com%2Ffolders%2F456"),
            Some(Node::Folder("456".into()))
        );
        assert_eq!(attachment("nonsense"), None);
    }
}
