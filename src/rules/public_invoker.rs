//! RW101: a public principal can invoke a service (or run a job) that
//! accepts internet traffic, or IAM invoker checks are disabled on one.

use super::public_exposure::{self as pe, Exposure, Reach};
use super::{Finding, Rule, Severity};
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "public-invoker",
    id: "RW101",
    severity: Severity::Error,
    summary: "a public principal can invoke a service or run a job that accepts internet traffic",
    doc: include_str!("../../rules/public-invoker.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for e in pe::exposures(model) {
        match e {
            Exposure::Invoke {
                grant,
                member,
                span,
                service,
            } => {
                // Ingress not known: the public grant is certain, the
                // exposure to the internet is not; a warning, never an error.
                let (why, severity) = match pe::reach(service) {
                    Reach::Internet(why) => (why, RULE.severity),
                    Reach::Unknown => (
                        "ingress not known: public from the internet unless ingress is internal"
                            .to_string(),
                        Severity::Warning,
                    ),
                    Reach::InternalOnly(_) => continue,
                };
                let verb = if service.kind.is_job() {
                    "run"
                } else {
                    "invoke"
                };
                let mut f = Finding::new(
                    &RULE,
                    span,
                    grant.root,
                    &grant.address,
                    format!(
                        "{member} can {verb} {} {:?} ({why})",
                        service.kind.noun(),
                        service.display_name()
                    ),
                );
                f.severity = severity;
                f.key = format!("{member} {}", service.address);
                f.related = pe::related(grant, Some(service));
                f.anchors = pe::grant_anchors(grant, span);
                f.allow_keys = pe::allow_keys(service);
                f.help = Some(format!(
                    "grant {} to the identities that call it instead of {member}; if it is public by design, add `# runwarden:ignore public-invoker -- <why>` or allow it in runwarden.toml",
                    grant.role.as_deref().unwrap_or("the role")
                ));
                out.push(f);
            }
            Exposure::IamDisabled { service, span } => {
                let Reach::Internet(why) = pe::reach(service) else {
                    continue;
                };
                let mut f = Finding::new(
                    &RULE,
                    span,
                    service.root,
                    &service.address,
                    format!(
                        "invoker IAM check is disabled: anyone can invoke {} {:?} ({why})",
                        service.kind.noun(),
                        service.display_name()
                    ),
                );
                f.anchors = pe::service_anchors(service, span);
                f.allow_keys = pe::allow_keys(service);
                f.help = Some("remove invoker_iam_disabled and grant roles/run.invoker to the callers, or record that it is public by design with a suppression".into());
                out.push(f);
            }
            Exposure::InvokeUnlistedJob {
                grant,
                member,
                span,
            } => {
                let target = match &grant.scope {
                    crate::model::Scope::UnresolvedService(d) => d.clone(),
                    _ => "a job".into(),
                };
                let mut f = Finding::new(
                    &RULE,
                    span,
                    grant.root,
                    &grant.address,
                    format!(
                        "{member} can run Cloud Run job {target} (not in this configuration; jobs run through the Cloud Run API)"
                    ),
                );
                f.key = member.to_string();
                f.related = pe::related(grant, None);
                f.anchors = pe::grant_anchors(grant, span);
                f.help = Some(format!(
                    "grant {} to the identities that run the job instead of {member}",
                    grant.role.as_deref().unwrap_or("the role")
                ));
                out.push(f);
            }
            Exposure::Privileged { .. } => {}
        }
    }
}
