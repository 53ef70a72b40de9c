//! RW103: a public principal can invoke a service whose ingress is internal:
//! anything in the network may call it without an identity.

use super::public_exposure::{self as pe, Exposure, Reach};
use super::{Category, Finding, Rule, Severity};
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "unauthenticated-internal",
    id: "RW103",
    severity: Severity::Warning,
    category: Category::PublicExposure,
    allow: true,
    summary: "a public principal can invoke a service whose ingress is internal only",
    doc: include_str!("../../rules/unauthenticated-internal.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for e in pe::exposures(model) {
        let (service, index, span, root, address, who, anchors, related) = match &e {
            Exposure::Invoke {
                deny: crate::authz::Deny::Denied { .. },
                ..
            } => continue,
            Exposure::Invoke {
                grant,
                member,
                span,
                service,
                index,
                ..
            } => (
                *service,
                *index,
                *span,
                grant.root,
                grant.address.clone(),
                member.to_string(),
                pe::grant_anchors(grant, *span),
                pe::related(grant, Some(service)),
            ),
            Exposure::IamDisabled {
                service,
                index,
                span,
            } => (
                *service,
                *index,
                *span,
                service.root,
                service.address.clone(),
                "anyone (invoker IAM check disabled)".to_string(),
                pe::service_anchors(service, *span),
                Vec::new(),
            ),
            Exposure::IapPublic {
                grant,
                member,
                span,
                service,
                backend,
                internet: Ok(false),
                agent,
            } => {
                // IAP on an internal-only service admits the public: anything
                // inside the network passes it and IAP calls the service.
                let b = &grant.binding;
                let mut f = Finding::new(
                    &RULE,
                    *span,
                    b.root,
                    &b.address,
                    format!(
                        "{}: anything inside the network can use it {} ({})",
                        pe::iap_public_text(model, grant, member, service, *backend, agent),
                        if member == "allAuthenticatedUsers" {
                            "with any Google account"
                        } else {
                            "without an identity"
                        },
                        pe::ingress_text(service)
                    ),
                );
                f.key = format!("iap {member} {}", service.address);
                f.related = pe::iap_public_related(grant, service, *backend);
                f.anchors = pe::grant_anchors(b, *span);
                f.allow_keys = pe::allow_keys(service);
                f.help = Some(format!(
                    "grant {} to the users or groups that should reach the service instead of {member}",
                    b.role
                ));
                out.push(f);
                continue;
            }
            Exposure::Privileged { .. }
            | Exposure::InvokeUnresolved { .. }
            | Exposure::Ineffective { .. }
            | Exposure::IapPublic { .. } => continue,
        };
        let Reach::InternalOnly(why) = pe::reach(model, index) else {
            continue;
        };
        let mut f = Finding::new(
            &RULE,
            span,
            root,
            address,
            format!(
                "{who} can invoke {} {} from inside the network ({why})",
                pe::service_label(service),
                if who == "allAuthenticatedUsers" {
                    "with any Google account"
                } else {
                    "without an identity"
                },
            ),
        );
        f.key = format!("{who} {}", service.address);
        f.related = related;
        f.anchors = anchors;
        f.allow_keys = pe::allow_keys(service);
        f.help = Some("grant roles/run.invoker to the calling service accounts instead of a public principal; ingress limits the network path, not who may call".into());
        out.push(f);
    }
}
