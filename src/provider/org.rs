//! Organization facts: custom roles (their permissions), the project /
//! folder / organization hierarchy, and organization policies on the list
//! constraints runwarden models (`iam.allowedPolicyMemberDomains`,
//! `run.allowedIngress`). Sources are cited in model/org.rs and
//! docs/facts.md.

use super::res::Res;
use crate::eval::Value;
use crate::eval::{Blocks, Ctx};
use crate::model::Field;
use crate::model::org::{
    CustomRole, LIST_CONSTRAINTS, ListEffect, ListPolicy, ListRule, Node, OrgFacts, Parentage,
    ValueList, folder_key, list_value, org_key, parse_parent,
};
use crate::syntax::Body;
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
            out.projects
                .push((root, res.address.clone(), key(id.clone())));
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
            // `name` = `{parent}/policies/{constraint}`; the parent part may
            // be known only after apply (a project number).
            let Some((name, _)) = res.field("name") else {
                return;
            };
            let name = name.to_string();
            let Some((prefix, constraint)) = name.rsplit_once("/policies/") else {
                return;
            };
            let Some(constraint) = list_constraint(constraint) else {
                return;
            };
            let parent = text(res, "parent")
                .or_else(|| res.known("name").map(|_| Field::Known(prefix.to_string())));
            let Some(node) = parent.and_then(|p| parse_parent(&p)) else {
                return;
            };
            if let Node::Organization(o) = &node {
                saw_org(o, out);
            }
            let Some(effect) = v2_effect(res) else {
                return;
            };
            out.list_policies.push(ListPolicy {
                root,
                address: res.address.clone(),
                constraint,
                node,
                effect,
                span: res.span,
            });
        }
        "google_project_organization_policy"
        | "google_folder_organization_policy"
        | "google_organization_policy" => {
            let Some(constraint) = res
                .known("constraint")
                .and_then(|c| list_constraint(c.strip_prefix("constraints/").unwrap_or(&c)))
            else {
                return;
            };
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
            let Some(effect) = v1_effect(res) else {
                return;
            };
            out.list_policies.push(ListPolicy {
                root,
                address: res.address.clone(),
                constraint,
                node,
                effect,
                span: res.span,
            });
        }
        _ => {}
    }
}

/// The modelled list constraint of that name.
fn list_constraint(name: &str) -> Option<&'static str> {
    LIST_CONSTRAINTS.iter().copied().find(|c| *c == name)
}

fn unknown_reason(v: &Value, span: Span) -> String {
    v.not_known(span)
        .map(|u| u.reason())
        .unwrap_or_else(|| format!("unexpected {} value", v.type_name()))
}

/// `"TRUE"` / `true` (`allow_all`, `deny_all` are strings in v2, `all` is a
/// bool in v1; Terraform converts either way): `Err` when not known.
fn flag(res: &Res, body: &Body, ctx: &Ctx, name: &str) -> Result<bool, String> {
    let Some(a) = body.attr(name) else {
        return Ok(false);
    };
    match res.ev.eval(&a.expr, ctx) {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        v => Err(format!("{name}: {}", unknown_reason(&v, a.span))),
    }
}

/// A list of values (`allowed_values`, `values`): `None` when not set.
fn values(res: &Res, body: &Body, ctx: &Ctx, name: &str) -> Option<ValueList> {
    let a = body.attr(name)?;
    let v = res.ev.eval(&a.expr, ctx);
    if v.is_null() {
        return None;
    }
    let mut out = ValueList::default();
    let Value::List(items) = v else {
        out.unknown = Some(format!("{name}: {}", unknown_reason(&v, a.span)));
        return Some(out);
    };
    out.listed = !items.is_empty();
    for item in items.iter() {
        match item.as_str().map(list_value) {
            // Value groups are not expanded.
            Some(s) if s.starts_with("in:") => {
                out.unknown
                    .get_or_insert_with(|| format!("{name}: value group {s:?} is not expanded"));
            }
            Some(s) => out.values.push(s.to_string()),
            None => {
                out.unknown
                    .get_or_insert_with(|| format!("{name}: {}", unknown_reason(item, a.span)));
            }
        }
    }
    Some(out)
}

/// The blocks of a kind, or why they are not known (`dynamic` over a value
/// known only after apply).
fn blocks_known<'b>(blocks: Blocks<'b>, kind: &str) -> Result<Vec<(&'b Body, Ctx)>, String> {
    match blocks.unknown {
        Some(u) => Err(format!("{kind}: {}", u.reason())),
        None => Ok(blocks.items),
    }
}

/// `google_org_policy_policy`: `spec { reset, inherit_from_parent, rules {
/// allow_all, deny_all, values { allowed_values, denied_values }, condition
/// } }`. `None` without a `spec` (only `dry_run_spec`, which is not
/// enforced): no policy here.
fn v2_effect(res: &Res) -> Option<ListEffect> {
    let ev = res.ev;
    let specs = match blocks_known(res.blocks("spec"), "spec") {
        Ok(s) => s,
        Err(why) => return Some(ListEffect::Unknown(why)),
    };
    let (spec, ctx) = specs.first()?;
    let read = || -> Result<ListEffect, String> {
        if flag(res, spec, ctx, "reset")? {
            return Ok(ListEffect::Default);
        }
        let inherit = flag(res, spec, ctx, "inherit_from_parent")?;
        let mut rules = ListRule::default();
        let mut conditional = Vec::new();
        for (rule, rctx) in blocks_known(ev.blocks(spec, "rules", ctx), "rules")? {
            let r = v2_rule(res, rule, &rctx).unwrap_or_else(ListRule::unknown);
            // A rule with a condition applies only to resources whose tags
            // match; one whose condition may or may not be there, the same.
            let condition = ev.blocks(rule, "condition", &rctx);
            if condition.unknown.is_some() || !condition.items.is_empty() {
                conditional.push(r);
            } else {
                rules.combine(&r);
            }
        }
        Ok(ListEffect::Rules {
            rules,
            conditional,
            inherit,
        })
    };
    Some(read().unwrap_or_else(ListEffect::Unknown))
}

fn v2_rule(res: &Res, rule: &Body, ctx: &Ctx) -> Result<ListRule, String> {
    let mut r = ListRule {
        allow_all: flag(res, rule, ctx, "allow_all")?,
        deny_all: flag(res, rule, ctx, "deny_all")?,
        ..ListRule::default()
    };
    for (v, vctx) in blocks_known(res.ev.blocks(rule, "values", ctx), "values")? {
        r.combine(&ListRule {
            allowed: values(res, v, &vctx, "allowed_values"),
            denied: values(res, v, &vctx, "denied_values").unwrap_or_default(),
            ..ListRule::default()
        });
    }
    Ok(r)
}

/// v1 `google_*_organization_policy`: `restore_policy { default = true }`
/// or `list_policy { inherit_from_parent, allow { all | values }, deny {
/// all | values } }`. `None` with neither ("the policy for a given
/// constraint will effectively be unset").
fn v1_effect(res: &Res) -> Option<ListEffect> {
    let read = || -> Result<Option<ListEffect>, String> {
        for (b, c) in blocks_known(res.blocks("restore_policy"), "restore_policy")? {
            if flag(res, b, &c, "default")? {
                return Ok(Some(ListEffect::Default));
            }
        }
        let lists = blocks_known(res.blocks("list_policy"), "list_policy")?;
        let Some((list, ctx)) = lists.first() else {
            return Ok(None);
        };
        let mut rules = ListRule::default();
        for (allow, actx) in blocks_known(res.ev.blocks(list, "allow", ctx), "allow")? {
            rules.combine(&ListRule {
                allow_all: flag(res, allow, &actx, "all")?,
                allowed: values(res, allow, &actx, "values"),
                ..ListRule::default()
            });
        }
        for (deny, dctx) in blocks_known(res.ev.blocks(list, "deny", ctx), "deny")? {
            rules.combine(&ListRule {
                deny_all: flag(res, deny, &dctx, "all")?,
                denied: values(res, deny, &dctx, "values").unwrap_or_default(),
                ..ListRule::default()
            });
        }
        Ok(Some(ListEffect::Rules {
            rules,
            conditional: Vec::new(),
            inherit: flag(res, list, ctx, "inherit_from_parent")?,
        }))
    };
    read().unwrap_or_else(|why| Some(ListEffect::Unknown(why)))
}
