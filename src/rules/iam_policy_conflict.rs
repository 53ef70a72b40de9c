//! RW401: an authoritative `*_iam_policy` and other IAM resources (another
//! policy, a binding, a member) manage the same service, job, project,
//! folder or organization.

use super::iam_targets as t;
use super::public_exposure::grant_anchors;
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, Grant, GrantKind};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    name: "iam-policy-conflict",
    id: "RW401",
    severity: Severity::Error,
    category: Category::Drift,
    allow: false,
    summary: "an authoritative *_iam_policy and other *_iam_* resources manage the same service or job",
    doc: include_str!("../../rules/iam-policy-conflict.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    let mut involved: BTreeMap<(usize, &str), t::Involved> = BTreeMap::new();
    for ((root, key), grants) in t::groups(model) {
        let mut addresses: Vec<(&str, &Grant)> = Vec::new();
        for g in grants {
            if !addresses.iter().any(|(a, _)| *a == g.address) {
                addresses.push((&g.address, g));
            }
        }
        let policies = addresses
            .iter()
            .filter(|(_, g)| g.kind == GrantKind::Policy)
            .count();
        if policies == 0 || addresses.len() < 2 {
            continue;
        }
        let label = t::label(model, &key);
        for (addr, g) in &addresses {
            involved
                .entry((root, addr))
                .or_insert_with(|| t::Involved::new(g))
                .add(&label, addresses.iter().map(|(a, _)| *a));
        }
    }
    for (
        (root, addr),
        t::Involved {
            grant,
            targets,
            others,
        },
    ) in involved
    {
        let what = if grant.kind == GrantKind::Policy {
            "authoritative IAM policy"
        } else {
            "IAM resource"
        };
        let mut f = Finding::new(
            &RULE,
            grant.target_span,
            root,
            addr,
            format!(
                "{what} on {} conflicts with {}: an *_iam_policy replaces the whole policy, so they overwrite each other on every apply",
                targets.join(", "),
                others.join(", ")
            ),
        );
        f.key = others.join(",");
        f.related = others.iter().map(|s| s.to_string()).collect();
        f.anchors = grant_anchors(grant, grant.target_span);
        f.help = Some(
            "manage this IAM policy one way: either a single *_iam_policy holding every binding, or only *_iam_binding / *_iam_member resources".into(),
        );
        out.push(f);
    }
}
