//! Grants: every way Terraform gives a principal a role on a service, job
//! or function (`*_iam_member`, `*_iam_binding`, `*_iam_policy` with
//! `data "google_iam_policy"` or `jsonencode` documents), and on projects,
//! folders and organizations; conditions included.

use super::res::{Res, attr_in};
use crate::eval::{Ctx, Evaluator, Expansion, InstanceKey, Unknown, Value};
use crate::load::Mode;
use crate::model::{Condition, Family, Field, Grant, GrantKind, Member, Scope, Target};
use crate::syntax::{Body, Expr, ExprKind, Span, TraversalOp};
use std::sync::Arc;

/// The family of a service-level IAM resource type, and the attribute
/// naming its target.
pub fn family(rtype: &str) -> Option<(Family, &'static str)> {
    Some(if rtype.starts_with("google_cloud_run_service_iam_") {
        (Family::Service { v2: false }, "service")
    } else if rtype.starts_with("google_cloud_run_v2_service_iam_") {
        (Family::Service { v2: true }, "name")
    } else if rtype.starts_with("google_cloud_run_v2_job_iam_") {
        (Family::Job, "name")
    } else if rtype.starts_with("google_cloudfunctions2_function_iam_") {
        (Family::Function2, "cloud_function")
    } else if rtype.starts_with("google_cloudfunctions_function_iam_") {
        (Family::Function1, "cloud_function")
    } else {
        return None;
    })
}

pub fn is_iam_type(t: &str) -> bool {
    let prefixes = [
        "google_cloud_run_service_iam_",
        "google_cloud_run_v2_service_iam_",
        "google_cloud_run_v2_job_iam_",
        "google_cloudfunctions2_function_iam_",
        "google_cloudfunctions_function_iam_",
        "google_project_iam_",
        "google_folder_iam_",
        "google_organization_iam_",
    ];
    prefixes.iter().any(|p| t.starts_with(p))
        && (t.ends_with("_member") || t.ends_with("_binding") || t.ends_with("_policy"))
        && !t.contains("audit_config")
        && !t.contains("custom_role")
}

/// Reads the grants of one IAM resource instance.
pub fn read(res: &Res, root: usize, out: &mut Vec<Grant>) {
    let rtype = res.rtype;
    let field = |name: &str| -> Field {
        match res.field(name) {
            Some((f, _)) => f,
            None => Field::Unknown(res.not_set(name)),
        }
    };
    let (scope, target, target_span) = if rtype.starts_with("google_project_iam_") {
        (Scope::Project(res.project()), None, res.span_of("project"))
    } else if rtype.starts_with("google_folder_iam_") {
        (Scope::Folder(field("folder")), None, res.span_of("folder"))
    } else if rtype.starts_with("google_organization_iam_") {
        (
            Scope::Organization(field("org_id")),
            None,
            res.span_of("org_id"),
        )
    } else {
        let Some((family, name_attr)) = family(rtype) else {
            return;
        };
        let location_attr = if res.body.attr("location").is_some() {
            "location"
        } else {
            "region"
        };
        let mut t = Target {
            family,
            reference: None,
            name: field(name_attr),
            project: res.project(),
            location: res
                .field(location_attr)
                .map(|f| f.0)
                .unwrap_or_else(|| Field::Unknown(res.not_set("location"))),
        };
        match &t.name {
            Field::Known(s) => {
                // Full names, as the v1 IAM resources' state holds them.
                let parts: Vec<&str> = s.trim_start_matches("v1/").split('/').collect();
                match parts.as_slice() {
                    ["projects", p, "locations", l, _, n]
                    | ["locations", l, "namespaces", p, _, n] => {
                        t.project = Field::Known(p.to_string());
                        t.location = Field::Known(l.to_string());
                        t.name = Field::Known(n.to_string());
                    }
                    _ => {}
                }
            }
            Field::Symbolic(text) => t.reference = text.as_reference().cloned(),
            Field::Unknown(_) => {}
        }
        let scope = match &t.name {
            Field::Unknown(u) => Scope::Unresolved(u.clone()),
            _ => Scope::Services(Vec::new()),
        };
        (scope, Some(t), res.span_of(name_attr))
    };
    let mut base = blank(res, root, scope, target_span);
    base.target = target;
    bindings(res, base, out);
}

/// A grant of `res` without role or members yet.
pub fn blank(res: &Res, root: usize, scope: Scope, target_span: Span) -> Grant {
    let rtype = res.rtype;
    Grant {
        root,
        address: res.address.clone(),
        resource_type: rtype.to_string(),
        kind: if rtype.ends_with("_member") {
            GrantKind::Member
        } else if rtype.ends_with("_binding") {
            GrantKind::Binding
        } else {
            GrantKind::Policy
        },
        scope,
        role: Field::Unknown(res.not_set("role")),
        role_span: res.span,
        members: Vec::new(),
        condition: None,
        span: res.span,
        module_spans: res.module_spans.clone(),
        via: None,
        via_span: None,
        target: None,
        target_span,
        maybe: res.instances_unknown(),
    }
}

/// The bindings of one `*_iam_member` / `_binding` / `_policy` instance:
/// `base` with each role, members and condition it holds.
pub fn bindings(res: &Res, base: Grant, out: &mut Vec<Grant>) {
    let kind = base.kind;
    match kind {
        GrantKind::Member | GrantKind::Binding => {
            let mut g = base;
            if let Some((a, v)) = res.attr("role") {
                g.role = Field::from_value(v, a.span);
                g.role_span = a.span;
            }
            let attr = if kind == GrantKind::Member {
                "member"
            } else {
                "members"
            };
            if let Some((a, v)) = res.attr(attr) {
                g.members = members(v, a.span);
            }
            g.condition = condition(res.ev, res.body, &res.ctx);
            out.push(g);
        }
        GrantKind::Policy => policy(res, base, out),
    }
}

/// Bindings of a `*_iam_policy`. A policy whose bindings cannot be read is
/// still authoritative over its target: one grant without role or members.
fn policy(res: &Res, base: Grant, out: &mut Vec<Grant>) {
    let ev = res.ev;
    let Some(a) = res.body.attr("policy_data") else {
        return;
    };
    let before = out.len();
    let mut placeholder = base.clone();
    placeholder.role_span = a.span;
    if let Some(((body, ctx), data_addr, data_span)) = data_policy_ref(res, &a.expr) {
        placeholder.via = Some(data_addr.clone());
        placeholder.via_span = Some(data_span);
        let bindings = ev.blocks(body, "binding", &ctx);
        for (b, c) in &bindings.items {
            let mut g = base.clone();
            g.via = Some(data_addr.clone());
            g.via_span = Some(data_span);
            if let Some((ra, v)) = attr_in(ev, b, c, "role") {
                g.role = Field::from_value(v, ra.span);
                g.role_span = ra.span;
            }
            if let Some((ma, v)) = attr_in(ev, b, c, "members") {
                g.members = members(v, ma.span);
            }
            g.condition = condition(ev, b, c);
            out.push(g);
        }
        if let Some(u) = bindings.unknown {
            placeholder.role = Field::Unknown(u);
            out.push(placeholder);
        } else if out.len() == before {
            out.push(placeholder);
        }
        return;
    }
    let v = ev.eval(&a.expr, &res.ctx);
    let doc = match v.text() {
        Some(t) => Value::from_json_text(&t, a.span).unwrap_or_else(Value::Unknown),
        None => v,
    };
    let bindings = match &doc {
        Value::Map(m) => m.get("bindings").cloned().unwrap_or(Value::list(vec![])),
        other => {
            placeholder.role =
                Field::Unknown(other.not_known(a.span).unwrap_or_else(|| {
                    Unknown::error("policy_data is not a policy document", a.span)
                }));
            out.push(placeholder);
            return;
        }
    };
    for b in bindings.elements().unwrap_or_default() {
        let Value::Map(m) = b else { continue };
        let mut g = base.clone();
        g.role_span = a.span;
        g.role = Field::from_value(m.get("role").cloned().unwrap_or(Value::Null), a.span);
        g.members = members(m.get("members").cloned().unwrap_or(Value::Null), a.span);
        g.condition = match m.get("condition") {
            Some(Value::Map(c)) => Some(Condition {
                expression: Field::from_value(
                    c.get("expression").cloned().unwrap_or(Value::Null),
                    a.span,
                ),
                title: c.get("title").and_then(Value::to_known_string),
                span: a.span,
            }),
            _ => None,
        };
        out.push(g);
    }
    if out.len() == before {
        out.push(placeholder);
    }
}

fn members(v: Value, span: Span) -> Vec<Member> {
    let one = |v: Value| Member {
        value: Field::from_value(v, span),
        span,
    };
    match v {
        Value::List(items) => Arc::unwrap_or_clone(items).into_iter().map(one).collect(),
        other => vec![one(other)],
    }
}

fn condition(ev: &Evaluator, body: &Body, ctx: &Ctx) -> Option<Condition> {
    let blocks = ev.blocks(body, "condition", ctx);
    let (b, c) = blocks.items.first()?;
    let (span, expression) = match attr_in(ev, b, c, "expression") {
        Some((a, v)) => (a.span, Field::from_value(v, a.span)),
        None => (
            Span::default(),
            Field::Unknown(Unknown::error("no expression", Span::default())),
        ),
    };
    Some(Condition {
        expression,
        title: attr_in(ev, b, c, "title").and_then(|(_, v)| v.to_known_string()),
        span,
    })
}

type DataBody<'a> = (&'a Body, Ctx);

/// `data.google_iam_policy.NAME[KEY].policy_data` written directly: the data
/// source's binding blocks, so findings can point into them.
fn data_policy_ref<'a>(res: &Res<'a, '_>, e: &Expr) -> Option<(DataBody<'a>, String, Span)> {
    let ExprKind::Traversal(root, ops) = &e.kind else {
        return None;
    };
    let ExprKind::Variable(v) = &root.kind else {
        return None;
    };
    if v != "data" {
        return None;
    }
    let (TraversalOp::Attr(t), TraversalOp::Attr(name)) = (ops.first()?, ops.get(1)?) else {
        return None;
    };
    if t != "google_iam_policy" {
        return None;
    }
    let ev = res.ev;
    let module = &ev.ws.modules[ev.instance(res.inst).module];
    let decl = module.resource(Mode::Data, t, name)?;
    let (key, rest) = match ops.get(2)? {
        TraversalOp::Index(ix) => {
            let k = ev.eval(ix, &res.ctx);
            let key = match k {
                Value::Number(n) => InstanceKey::Int(n as i64),
                other => InstanceKey::Str(other.to_known_string()?),
            };
            (Some(key), &ops[3..])
        }
        _ => (None, &ops[2..]),
    };
    if !matches!(rest, [TraversalOp::Attr(a)] if a == "policy_data") {
        return None;
    }
    let known = match (&*ev.expansion(res.inst, decl), &key) {
        (Expansion::Single, None) => true,
        (Expansion::Keys(keys), Some(k)) => keys.iter().any(|(x, _)| x == k),
        _ => false,
    };
    if !known {
        return None;
    }
    let ctx = ev.resource_ctx(res.inst, decl, key.as_ref());
    let data = &module.resources[decl];
    let addr = ev.resource_address(res.inst, decl, key.as_ref());
    Some(((&data.block.body, ctx), addr, data.block.span))
}
