//! RW301: a basic role (`roles/owner`, `roles/editor`, `roles/viewer`) on a
//! service or job, or held at project, folder or organization level by the
//! identity a service runs as.

use super::iam_targets as t;
use super::public_exposure::{allow_keys, grant_anchors};
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, Field, Identity, Scope, roles};

pub static RULE: Rule = Rule {
    name: "basic-role",
    id: "RW301",
    severity: Severity::Error,
    category: Category::LeastPrivilege,
    allow: false,
    summary: "roles/owner, roles/editor or roles/viewer granted on a service or job, or to an identity that runs or calls a service",
    doc: include_str!("../../rules/basic-role.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for grant in &model.grants {
        let Some(role) = grant.role_name() else {
            continue;
        };
        if !roles::is_basic(role) {
            continue;
        }
        match &grant.scope {
            Scope::Services(_) | Scope::Unresolved(_) => {
                let services = t::services(model, grant);
                let mut f = Finding::new(
                    &RULE,
                    grant.role_span,
                    grant.root,
                    &grant.address,
                    format!(
                        "basic role {role} granted to {} on {}",
                        t::members_label(grant),
                        t::grant_label(model, grant)
                    ),
                );
                f.key = role.to_string();
                f.related = services
                    .iter()
                    .filter(|s| s.declared)
                    .map(|s| s.address.clone())
                    .collect();
                f.related.extend(grant.via.clone());
                f.anchors = grant_anchors(grant, grant.role_span);
                f.allow_keys = services.iter().flat_map(|s| allow_keys(s)).collect();
                f.help = Some(help(role));
                out.push(f);
            }
            Scope::Project(_) | Scope::Folder(_) | Scope::Organization(_) => {
                for m in &grant.members {
                    let Some(text) = m.value.text() else {
                        continue;
                    };
                    let member = m.value.to_string();
                    let member = member.as_str();
                    // A resolved email is the same identity anywhere; a
                    // symbolic one only within its root module.
                    let same =
                        |root: usize| root == grant.root || matches!(m.value, Field::Known(_));
                    let runs: Vec<_> = model
                        .services
                        .iter()
                        .filter(|s| {
                            s.declared
                                && matches!(s.runtime_identity(), Identity::Member(id) if id == text)
                                && same(s.root)
                        })
                        .collect();
                    let Some(first) = runs.first() else {
                        caller_identity(model, grant, role, &m.value, m.span, out);
                        continue;
                    };
                    let more = match runs.len() {
                        1 => String::new(),
                        n => format!(" (and {} more)", n - 1),
                    };
                    let mut f = Finding::new(
                        &RULE,
                        m.span,
                        grant.root,
                        &grant.address,
                        format!(
                            "{member} runs {}{more} and holds basic role {role} on {}",
                            t::service_label(first),
                            t::grant_label(model, grant)
                        ),
                    );
                    f.key = format!("{member} {role}");
                    f.related = runs
                        .iter()
                        .filter(|s| s.root == grant.root)
                        .map(|s| s.address.clone())
                        .collect();
                    f.related.extend(grant.via.clone());
                    f.anchors = grant_anchors(grant, m.span);
                    f.help = Some(format!(
                        "anyone who can run code in the service can use its identity; grant that identity only the predefined roles for the APIs it calls (roles/datastore.user, roles/cloudsql.client, ...) instead of {role}"
                    ));
                    out.push(f);
                }
            }
        }
    }
}

/// A basic role held by an identity that calls a service (a caller's token
/// identity), when no service runs as it.
fn caller_identity(
    model: &AccessModel,
    grant: &crate::model::Grant,
    role: &str,
    value: &Field,
    span: crate::syntax::Span,
    out: &mut Vec<Finding>,
) {
    let Some(text) = value.text() else { return };
    let member = value.to_string();
    let calls: Vec<_> = model
        .callers
        .iter()
        .filter(|c| {
            matches!(&c.identity, Identity::Member(id) if *id == text)
                && (c.root == grant.root || matches!(value, Field::Known(_)))
        })
        .collect();
    let Some(first) = calls.first() else {
        return;
    };
    let more = match calls.len() {
        1 => String::new(),
        n => format!(" (and {} more callers)", n - 1),
    };
    let mut f = Finding::new(
        &RULE,
        span,
        grant.root,
        &grant.address,
        format!(
            "{member} is the identity of {} {}{more} and holds basic role {role} on {}",
            first.kind.noun(),
            first.address,
            t::grant_label(model, grant)
        ),
    );
    f.key = format!("{member} {role}");
    f.related = calls
        .iter()
        .filter(|c| c.root == grant.root)
        .map(|c| c.address.clone())
        .collect();
    f.anchors = grant_anchors(grant, span);
    f.help = Some(format!(
        "a caller's identity needs roles/run.invoker on the services it calls, not {role}"
    ));
    out.push(f);
}

fn help(role: &str) -> String {
    let instead = if role == "roles/viewer" {
        "roles/run.viewer, or a narrower predefined role for the data it reads"
    } else {
        "roles/run.invoker, roles/run.developer or a narrower predefined role"
    };
    format!(
        "{role} reaches every service in the project and far beyond Cloud Run; grant {instead} instead"
    )
}
