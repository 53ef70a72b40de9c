//! RW502: a public principal granted in a project under a
//! `constraints/iam.allowedPolicyMemberDomains` policy of the configuration.

use super::iam_targets as t;
use super::public_exposure::{allow_keys, grant_anchors};
use super::{Category, Finding, Rule, Severity};
use crate::model::org::{DOMAIN_CONSTRAINT, ListPolicy, ListVerdict, Probe};
use crate::model::{AccessModel, Field, Scope, is_public};

pub static RULE: Rule = Rule {
    name: "domain-restricted-sharing",
    id: "RW502",
    severity: Severity::Error,
    category: Category::Validity,
    allow: false,
    summary: "a public principal is granted in a project under a domain restricted sharing policy: apply fails",
    doc: include_str!("../../rules/domain-restricted-sharing.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for grant in &model.grants {
        let services = t::services(model, grant);
        let key = |f: &Field| match f {
            Field::Unknown(_) => None,
            other => Some(other.to_string()),
        };
        let projects: Vec<Option<String>> = match &grant.scope {
            Scope::Services(_) => {
                let mut p: Vec<Option<String>> = services.iter().map(|s| key(&s.project)).collect();
                p.sort_unstable();
                p.dedup();
                p
            }
            Scope::Unresolved(_) => vec![grant.target.as_ref().and_then(|t| key(&t.project))],
            Scope::Project(p) => vec![key(p)],
            _ => continue,
        };
        // A public principal is never among the allowed customer ids.
        let policies: Vec<(Option<&str>, &ListPolicy)> = projects
            .iter()
            .filter_map(|p| {
                match model.org.list_verdict(
                    grant.root,
                    p.as_deref(),
                    DOMAIN_CONSTRAINT,
                    Probe::Unlisted,
                )? {
                    ListVerdict::Forbidden { policy, .. } => Some((p.as_deref(), policy)),
                    _ => None,
                }
            })
            .collect();
        if policies.is_empty() {
            continue;
        }
        for m in &grant.members {
            let Some(member) = m.value.known().filter(|m| is_public(m)) else {
                continue;
            };
            for (project, policy) in &policies {
                let place = match (&grant.scope, project) {
                    (Scope::Project(_), _) => String::new(),
                    (_, Some(p)) => format!(" in project {p:?}"),
                    (_, None) => " in its project".into(),
                };
                let mut f = Finding::new(
                    &RULE,
                    m.span,
                    grant.root,
                    &grant.address,
                    format!(
                        "{member} granted on {}{place}, which {} restricts to allowed domains (constraints/iam.allowedPolicyMemberDomains): IAM rejects the update at apply",
                        t::grant_label(model, grant),
                        policy.address
                    ),
                );
                f.key = format!("{member} {}", policy.address);
                f.related = services
                    .iter()
                    .filter(|s| s.declared)
                    .map(|s| s.address.clone())
                    .collect();
                f.related.push(policy.address.clone());
                f.related.extend(grant.via.clone());
                f.anchors = grant_anchors(grant, m.span);
                f.allow_keys = services.iter().flat_map(|s| allow_keys(s)).collect();
                f.help = Some(format!(
                    "domain restricted sharing rejects {member}; for a public Cloud Run service Google's alternative is `invoker_iam_disabled = true` on the service (v1: annotation run.googleapis.com/invoker-iam-disabled) instead of this grant, or an exception to the policy for this project"
                ));
                out.push(f);
            }
        }
    }
}
