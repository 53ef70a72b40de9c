//! RW403: a binding in a live IAM policy (`--live-policy`) of a service or
//! job in the configuration that no Terraform grant manages; an error when an
//! authoritative `*_iam_policy` / `*_iam_binding` will delete it on apply.

use super::public_exposure::{grant_anchors, service_anchors};
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, Field, Grant, GrantKind};

pub static RULE: Rule = Rule {
    name: "unmanaged-binding",
    id: "RW403",
    severity: Severity::Warning,
    category: Category::Drift,
    allow: false,
    summary: "a live binding no Terraform resource manages; error when an authoritative resource will delete it on apply",
    doc: include_str!("../../rules/unmanaged-binding.md"),
    check,
};

fn list(members: &[&str]) -> String {
    members.join(", ")
}

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for lb in &model.live {
        for (si, s) in model.services.iter().enumerate() {
            if s.full_name().as_deref() != Some(lb.resource.as_str()) {
                continue;
            }
            let grants: Vec<&Grant> = model.grants_on(si).collect();
            // A grant whose role or members could not be resolved might be
            // the one managing it: stay quiet rather than guess.
            let unclear = grants.iter().any(|g| {
                (g.role_name().is_none() && g.kind != GrantKind::Policy)
                    || (g.role_name().is_none() && g.members.is_empty())
                    || (g.role_name() == Some(lb.role.as_str())
                        && g.members
                            .iter()
                            .any(|m| matches!(m.value, Field::Unknown(_))))
            });
            if unclear {
                continue;
            }
            let managed = |member: &str| {
                grants.iter().any(|g| {
                    g.role_name() == Some(lb.role.as_str())
                        && g.members.iter().any(|m| m.value.known() == Some(member))
                })
            };
            let mut unmanaged: Vec<&str> = lb
                .members
                .iter()
                .map(String::as_str)
                .filter(|m| !managed(m))
                .collect();
            unmanaged.sort_unstable();
            unmanaged.dedup();
            if unmanaged.is_empty() {
                continue;
            }
            let noun = format!("{} {:?}", s.kind.noun(), s.display_name());
            // Authoritative over this role: a policy (every role), or a
            // binding of the role without a condition.
            let authoritative = grants
                .iter()
                .filter(|g| {
                    g.kind == GrantKind::Policy
                        || (g.kind == GrantKind::Binding
                            && g.role_name() == Some(lb.role.as_str())
                            && g.condition.is_none())
                })
                .min_by_key(|g| (g.role_name() != Some(lb.role.as_str()), g.address.clone()));
            match authoritative {
                Some(g) => {
                    let span = match g.kind {
                        GrantKind::Binding => g.members.first().map_or(g.role_span, |m| m.span),
                        _ => g.role_span,
                    };
                    let what = if g.kind == GrantKind::Policy {
                        "replaces the whole policy"
                    } else {
                        "is authoritative for the role"
                    };
                    let mut f = Finding::new(
                        &RULE,
                        span,
                        g.root,
                        &g.address,
                        format!(
                            "{} {what}: apply will remove {} from {} on {noun}, which the live policy ({}) holds and no Terraform resource manages",
                            g.address,
                            list(&unmanaged),
                            lb.role,
                            lb.source
                        ),
                    );
                    f.severity = Severity::Error;
                    f.key = format!("{} {}", lb.role, s.address);
                    f.related = vec![s.address.clone()];
                    f.anchors = grant_anchors(g, span);
                    f.help = Some(format!(
                        "add {} to the configuration if they must keep {}, or confirm they should lose it",
                        list(&unmanaged),
                        lb.role
                    ));
                    out.push(f);
                }
                None => {
                    let mut f = Finding::new(
                        &RULE,
                        lb.span,
                        s.root,
                        &s.address,
                        format!(
                            "live binding {} on {noun} holds {} that no Terraform resource manages: import it or remove it",
                            lb.role,
                            list(&unmanaged)
                        ),
                    );
                    f.key = lb.role.clone();
                    f.related = grants
                        .iter()
                        .filter(|g| g.role_name() == Some(lb.role.as_str()))
                        .map(|g| g.address.clone())
                        .collect();
                    f.related.sort();
                    f.related.dedup();
                    f.anchors = service_anchors(s, s.span);
                    f.help = Some(format!(
                        "manage it with a *_iam_member resource (then `terraform import`), or remove it: gcloud run {} remove-iam-policy-binding {} --region {} --member MEMBER --role {}",
                        if s.kind.is_job() { "jobs" } else { "services" },
                        s.display_name(),
                        s.location.known().unwrap_or("REGION"),
                        lb.role
                    ));
                    out.push(f);
                }
            }
        }
    }
}
