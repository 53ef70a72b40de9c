//! RW101: a public principal can invoke a service (or run a job) that
//! accepts internet traffic, or IAM invoker checks are disabled on one.

use super::public_exposure::{self as pe, Exposure, Reach};
use super::{Category, Finding, Rule, Severity};
use crate::authz::{self, Deny};
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "public-invoker",
    id: "RW101",
    severity: Severity::Error,
    category: Category::PublicExposure,
    allow: true,
    summary: "a public principal can invoke a service or run a job that accepts internet traffic",
    doc: include_str!("../../rules/public-invoker.md"),
    check,
};

fn help(role: &str, member: &str, what: &str) -> String {
    format!(
        "grant {role} to the identities that {what} instead of {member}; if it is public by design, add `# runwarden:ignore public-invoker -- <why>` or allow it in runwarden.toml"
    )
}

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for e in pe::exposures(model) {
        match e {
            Exposure::Invoke {
                grant,
                member,
                span,
                service,
                index,
                deny,
            } => {
                // Ingress not known: the public grant is certain, the
                // exposure to the internet is not; a warning, never an error.
                let (mut why, mut severity, iap_related) = match pe::reach(model, index) {
                    Reach::Internet { why, related } => (why, RULE.severity, related),
                    Reach::Unknown(why) => (why, Severity::Warning, Vec::new()),
                    Reach::InternalOnly(_) | Reach::BehindServiceIap => continue,
                };
                // Deny policies are checked first; `principalSet://goog/public:all`
                // covers callers that are not signed in too.
                let mut refused_by = None;
                match &deny {
                    Deny::Denied { policy, .. } => {
                        refused_by = Some(&model.deny_policies[*policy].address);
                        severity = Severity::Note;
                    }
                    Deny::Maybe { why: w, .. } => {
                        why.push_str(&format!("; a deny policy may refuse it: {w}"));
                        severity = severity.min(Severity::Warning);
                    }
                    Deny::None => {}
                }
                if service.kind.is_job() {
                    why.push_str(
                        "; IAM rejects public principals on jobs, so apply fails (invalid-member)",
                    );
                }
                let message = match refused_by {
                    None => format!(
                        "{member} can {} {} ({why})",
                        service.kind.verb(),
                        pe::plain_label(service)
                    ),
                    Some(policy) => format!(
                        "{member} is granted {} on {}, but deny policy {policy} refuses the permission to everyone on the internet: public requests get 403",
                        grant.role,
                        pe::plain_label(service)
                    ),
                };
                let mut f = Finding::new(&RULE, span, grant.root, &grant.address, message);
                f.severity = severity;
                f.key = format!("{member} {}", service.address);
                f.related = pe::related(grant, Some(service));
                f.related.extend(iap_related);
                f.anchors = pe::grant_anchors(grant, span);
                f.allow_keys = pe::allow_keys(service);
                let what = if service.kind.is_job() {
                    "run it"
                } else {
                    "call it"
                };
                f.help = Some(help(grant.role_name().unwrap_or("the role"), member, what));
                out.push(f);
            }
            Exposure::InvokeUnresolved {
                grant,
                member,
                span,
                why,
            } => {
                let noun = match grant.target.as_ref().map(|t| t.family.kind()) {
                    Some(k) => k.noun(),
                    None => "Cloud Run service",
                };
                let mut f = Finding::new(
                    &RULE,
                    span,
                    grant.root,
                    &grant.address,
                    format!(
                        "{member} can {} the {noun} this grant names, whose name is not known ({why}): public from the internet unless its ingress is internal",
                        if noun.contains("job") {
                            "run"
                        } else {
                            "invoke"
                        }
                    ),
                );
                f.severity = Severity::Warning;
                f.key = member.to_string();
                f.related = pe::related(grant, None);
                f.anchors = pe::grant_anchors(grant, span);
                f.help = Some(help(
                    grant.role_name().unwrap_or("the role"),
                    member,
                    "call it",
                ));
                out.push(f);
            }
            Exposure::IamDisabled {
                service,
                index,
                span,
            } => {
                let (mut why, severity, iap_related) = match pe::reach(model, index) {
                    Reach::Internet { why, related } => (why, RULE.severity, related),
                    Reach::Unknown(why) => (why, Severity::Warning, Vec::new()),
                    Reach::InternalOnly(_) | Reach::BehindServiceIap => continue,
                };
                if service.kind.is_job() {
                    why.push_str(
                        "; IAM rejects public principals on jobs, so apply fails (invalid-member)",
                    );
                }
                let mut f = Finding::new(
                    &RULE,
                    span,
                    service.root,
                    &service.address,
                    format!(
                        "invoker IAM check is disabled: anyone can invoke {} ({why})",
                        pe::service_label(service)
                    ),
                );
                f.severity = severity;
                f.related = iap_related;
                f.anchors = pe::service_anchors(service, span);
                f.allow_keys = pe::allow_keys(service);
                f.help = Some("remove invoker_iam_disabled and grant roles/run.invoker to the callers, or record that it is public by design with a suppression".into());
                out.push(f);
            }
            Exposure::Ineffective {
                grant,
                member,
                span,
                service,
            } => {
                let mut f = Finding::new(
                    &RULE,
                    span,
                    grant.root,
                    &grant.address,
                    format!(
                        "{member} holds roles/cloudfunctions.invoker on {}, which does not make it public: a 2nd gen function checks run.routes.invoke on the Cloud Run service behind it",
                        pe::plain_label(service)
                    ),
                );
                f.severity = Severity::Note;
                f.related = pe::related(grant, Some(service));
                f.anchors = pe::grant_anchors(grant, span);
                f.allow_keys = pe::allow_keys(service);
                f.help = Some(format!(
                    "if it is meant to be public, grant roles/run.invoker to {member} on the function's service (google_cloud_run_service_iam_member with service = google_cloudfunctions2_function.NAME.service_config[0].service); otherwise remove this grant"
                ));
                out.push(f);
            }
            Exposure::IapPublic {
                grant,
                member,
                span,
                service,
                backend,
                internet,
                agent,
            } => {
                let mut severity = RULE.severity;
                let ingress = match &internet {
                    Ok(true) => pe::ingress_text(service),
                    Ok(false) => continue,
                    Err(why) => {
                        severity = Severity::Warning;
                        format!("ingress not known ({why}): public unless ingress is internal")
                    }
                };
                if let authz::Verdict::Partial(_) = agent {
                    severity = severity.min(Severity::Warning);
                }
                let who = if member == "allAuthenticatedUsers" {
                    "anyone with a Google account"
                } else {
                    "anyone on the internet"
                };
                let message = format!(
                    "{}: {who} can use it ({ingress})",
                    pe::iap_public_text(model, grant, &member, service, backend, &agent)
                );
                let b = &grant.binding;
                let mut f = Finding::new(&RULE, span, b.root, &b.address, message);
                f.severity = severity;
                f.key = format!("iap {member} {}", service.address);
                f.related = pe::iap_public_related(grant, service, backend);
                f.anchors = pe::grant_anchors(b, span);
                f.allow_keys = pe::allow_keys(service);
                f.help = Some(format!(
                    "grant {} to the users or groups that should reach the service instead of {member}; if it is public by design, add `# runwarden:ignore public-invoker -- <why>` or allow it in runwarden.toml",
                    b.role
                ));
                out.push(f);
            }
            Exposure::Privileged { .. } => {}
        }
    }
}
