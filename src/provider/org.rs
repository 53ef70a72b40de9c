//! Organization facts: custom roles (their permissions), the project /
//! folder / organization hierarchy, and organization policies
//! (`constraints/iam.allowedPolicyMemberDomains`). Sources are cited in
//! model/org.rs and docs/facts.md.

use super::res::Res;
use crate::eval::Value;
use crate::model::Field;
use crate::model::org::{
    CustomRole, DOMAIN_CONSTRAINT, DomainEffect, DomainPolicy, Node, OrgFacts, Parentage,
    folder_key, org_key, parse_parent,
};
use crate::syntax::Span;

/// A string attribute that is set, known or symbolic.
fn text(res: &Res, name: &str) -> Option<Field> {
    match res.field(name)?.0 {
        Field::Unknown(_) => None,
        f => Some(f),
    }
}

pub fn read(res: &Res, root: usize, out: &mut OrgFacts) {
    let saw_org = |o: &str, out: &mut OrgFacts| {
        let o = (root, org_key(o));
        if !out.organizations.contains(&o) {
            out.organizations.push(o);
            out.organizations.sort();
        }
    };
    // Hierarchy keys: a known id, or a symbolic one as written.
    let key = |f: Field| f.to_string();
    match res.rtype {
        "google_project_iam_custom_role" | "google_organization_iam_custom_role" => {
            let name = if res.rtype == "google_project_iam_custom_role" {
                res.known("role_id")
                    .zip(res.project().known().map(str::to_string))
                    .map(|(id, p)| format!("projects/{p}/roles/{id}"))
            } else {
                if let Some(o) = res.known("org_id") {
                    saw_org(&o, out);
                }
                res.known("role_id")
                    .zip(res.known("org_id"))
                    .map(|(id, o)| format!("organizations/{}/roles/{id}", org_key(&o)))
            };
            let (permissions, permissions_span) = match res.attr("permissions") {
                Some((a, v)) => (
                    v.elements()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Value::text)
                        .map(|t| t.to_string())
                        .collect(),
                    a.span,
                ),
                None => (Vec::new(), res.span),
            };
            out.custom_roles.push(CustomRole {
                root,
                address: res.address.clone(),
                name,
                permissions,
                permissions_span,
                span: res.span,
                module_spans: res.module_spans.clone(),
            });
        }
        "google_project" => {
            let Some(id) = text(res, "project_id") else {
                return;
            };
            let parent = if let Some(f) = text(res, "folder_id") {
                folder_key(&f).map(Node::Folder)
            } else if let Some(o) = text(res, "org_id") {
                let o = org_key(&o.to_string());
                saw_org(&o, out);
                Some(Node::Organization(o))
            } else {
                None
            };
            out.parents.push(Parentage {
                root,
                node: Node::Project(key(id)),
                parent,
            });
        }
        "google_folder" => {
            let parent = text(res, "parent").and_then(|p| parse_parent(&p));
            if let Some(Node::Organization(o)) = &parent {
                saw_org(o, out);
            }
            out.parents.push(Parentage {
                root,
                node: Node::Folder(res.address.clone()),
                parent,
            });
        }
        "google_org_policy_policy" => {
            let Some(name) = res.known("name") else {
                return;
            };
            let Some((parent, constraint)) = name.split_once("/policies/") else {
                return;
            };
            if constraint != DOMAIN_CONSTRAINT {
                return;
            }
            let parent = text(res, "parent").unwrap_or_else(|| Field::Known(parent.to_string()));
            let Some(node) = parse_parent(&parent) else {
                return;
            };
            if let Node::Organization(o) = &node {
                saw_org(o, out);
            }
            let (effect, span) = v2_effect(res);
            out.domain_policies.push(DomainPolicy {
                root,
                address: res.address.clone(),
                node,
                effect,
                span,
            });
        }
        "google_project_organization_policy"
        | "google_folder_organization_policy"
        | "google_organization_policy" => {
            let Some(c) = res.known("constraint") else {
                return;
            };
            if c.strip_prefix("constraints/").unwrap_or(&c) != DOMAIN_CONSTRAINT {
                return;
            }
            let node = match res.rtype {
                "google_project_organization_policy" => match res.project() {
                    Field::Unknown(_) => return,
                    p => Node::Project(key(p)),
                },
                "google_folder_organization_policy" => {
                    let Some(f) = text(res, "folder").and_then(|f| folder_key(&f)) else {
                        return;
                    };
                    Node::Folder(f)
                }
                _ => {
                    let Some(o) = text(res, "org_id") else { return };
                    let o = org_key(&o.to_string());
                    saw_org(&o, out);
                    Node::Organization(o)
                }
            };
            let (effect, span) = v1_effect(res);
            out.domain_policies.push(DomainPolicy {
                root,
                address: res.address.clone(),
                node,
                effect,
                span,
            });
        }
        _ => {}
    }
}

fn unknown_reason(v: &Value, span: Span) -> String {
    v.not_known(span)
        .map(|u| u.reason())
        .unwrap_or_else(|| format!("unexpected {} value", v.type_name()))
}

fn truthy(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
        || v.and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

fn list_len(v: Option<&Value>) -> Option<usize> {
    match v? {
        Value::List(l) => Some(l.len()),
        Value::Null => Some(0),
        _ => None,
    }
}

/// `google_org_policy_policy`: `spec { reset, rules { allow_all, deny_all,
/// values { allowed_values }, condition } }`.
fn v2_effect(res: &Res) -> (DomainEffect, Span) {
    let ev = res.ev;
    let specs = res.blocks("spec");
    let Some((spec, ctx)) = specs.items.first() else {
        return (DomainEffect::Unknown("no spec".into()), res.span);
    };
    if let Some(a) = spec.attr("reset")
        && truthy(Some(&ev.eval(&a.expr, ctx)))
    {
        return (DomainEffect::AllowAll, a.span);
    }
    let mut decided = None;
    for (rule, rctx) in ev.blocks(spec, "rules", ctx).items {
        // Rules with a condition only apply to tagged resources.
        if !ev.blocks(rule, "condition", &rctx).items.is_empty() {
            continue;
        }
        if let Some(a) = rule.attr("allow_all")
            && truthy(Some(&ev.eval(&a.expr, &rctx)))
        {
            return (DomainEffect::AllowAll, a.span);
        }
        if let Some(a) = rule.attr("deny_all")
            && truthy(Some(&ev.eval(&a.expr, &rctx)))
        {
            decided.get_or_insert((DomainEffect::Restricted, a.span));
        }
        for (values, vctx) in ev.blocks(rule, "values", &rctx).items {
            if let Some(a) = values.attr("allowed_values") {
                let v = ev.eval(&a.expr, &vctx);
                match list_len(Some(&v)) {
                    Some(n) if n > 0 => {
                        decided.get_or_insert((DomainEffect::Restricted, a.span));
                    }
                    Some(_) => {}
                    None => {
                        decided.get_or_insert((
                            DomainEffect::Unknown(unknown_reason(&v, a.span)),
                            a.span,
                        ));
                    }
                }
            }
        }
    }
    decided.unwrap_or((
        DomainEffect::Unknown("no unconditional rule restricts members".into()),
        res.span,
    ))
}

/// v1 `google_*_organization_policy`: `restore_policy { default = true }` or
/// `list_policy { allow { all | values } deny { all | values } }`.
fn v1_effect(res: &Res) -> (DomainEffect, Span) {
    let ev = res.ev;
    for (b, c) in ev.blocks(res.body, "restore_policy", &res.ctx).items {
        if let Some(a) = b.attr("default")
            && truthy(Some(&ev.eval(&a.expr, &c)))
        {
            return (DomainEffect::AllowAll, a.span);
        }
    }
    let lists = ev.blocks(res.body, "list_policy", &res.ctx);
    let Some((list, ctx)) = lists.items.first() else {
        return (DomainEffect::Unknown("no list_policy".into()), res.span);
    };
    for (allow, actx) in ev.blocks(list, "allow", ctx).items {
        if let Some(a) = allow.attr("all")
            && truthy(Some(&ev.eval(&a.expr, &actx)))
        {
            return (DomainEffect::AllowAll, a.span);
        }
        if let Some(a) = allow.attr("values") {
            let v = ev.eval(&a.expr, &actx);
            return match list_len(Some(&v)) {
                Some(n) if n > 0 => (DomainEffect::Restricted, a.span),
                Some(_) => (DomainEffect::Unknown("empty allow values".into()), a.span),
                None => (DomainEffect::Unknown(unknown_reason(&v, a.span)), a.span),
            };
        }
    }
    for (deny, dctx) in ev.blocks(list, "deny", ctx).items {
        if let Some(a) = deny.attr("all")
            && truthy(Some(&ev.eval(&a.expr, &dctx)))
        {
            return (DomainEffect::Restricted, a.span);
        }
    }
    (
        DomainEffect::Unknown("list_policy neither allows nor restricts".into()),
        res.span,
    )
}
