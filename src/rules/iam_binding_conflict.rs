//! RW402: two `*_iam_binding` for the same role on the same target, or a
//! binding and a member for the same role (same IAM condition).

use super::iam_targets as t;
use super::public_exposure::grant_anchors;
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, Grant, GrantKind};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    name: "iam-binding-conflict",
    id: "RW402",
    severity: Severity::Error,
    category: Category::Drift,
    allow: false,
    summary: "two *_iam_binding for the same role on the same target, or a binding and a member for the same role",
    doc: include_str!("../../rules/iam-binding-conflict.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    let mut involved: BTreeMap<(usize, &str, &str), t::Involved> = BTreeMap::new();
    for ((root, key), grants) in t::groups(model) {
        // role + condition -> distinct resources; bindings with different
        // conditions are different IAM bindings and do not conflict.
        let mut by_role: BTreeMap<(&str, Option<String>), Vec<&Grant>> = BTreeMap::new();
        for g in grants {
            if g.kind == GrantKind::Policy {
                continue;
            }
            let Some(role) = g.role_name() else {
                continue;
            };
            let condition = g.condition.as_ref().map(|c| c.expression.to_string());
            let list = by_role.entry((role, condition)).or_default();
            if !list.iter().any(|x| x.address == g.address) {
                list.push(g);
            }
        }
        let label = t::label(model, &key);
        for ((role, _), list) in by_role {
            let bindings = list.iter().filter(|g| g.kind == GrantKind::Binding).count();
            if bindings == 0 || list.len() < 2 {
                continue;
            }
            for g in &list {
                involved
                    .entry((root, &g.address, role))
                    .or_insert_with(|| t::Involved::new(g))
                    .add(&label, list.iter().map(|x| x.address.as_str()));
            }
        }
    }
    for (
        (root, addr, role),
        t::Involved {
            grant,
            targets,
            others,
        },
    ) in involved
    {
        let why = if grant.kind == GrantKind::Binding {
            "a binding is authoritative for its role and removes members it does not list"
        } else {
            "the binding removes this member on every apply and this member adds it back"
        };
        let mut f = Finding::new(
            &RULE,
            grant.role_span,
            root,
            addr,
            format!(
                "{role} on {} is also managed by {}: {why} (perpetual diff)",
                targets.join(", "),
                others.join(", ")
            ),
        );
        f.key = format!("{role} {}", others.join(","));
        f.related = others.iter().map(|s| s.to_string()).collect();
        f.anchors = grant_anchors(grant, grant.role_span);
        f.help = Some(format!(
            "keep one *_iam_binding for {role} listing every member, or use only *_iam_member resources for it"
        ));
        out.push(f);
    }
}
