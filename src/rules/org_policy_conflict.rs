//! RW503: a service setting that an organization policy of the
//! configuration forbids in the service's project: `run.allowedIngress`
//! against the service's ingress, the default `all` included. The Cloud Run
//! API refuses the service at apply.

use super::public_exposure::service_anchors;
use super::{Category, Finding, Rule, Severity};
use crate::model::org::{Forbid, INGRESS_CONSTRAINT, ListVerdict, Node, Probe};
use crate::model::{AccessModel, Field, Ingress, Service, ServiceKind};

pub static RULE: Rule = Rule {
    name: "org-policy-conflict",
    id: "RW503",
    severity: Severity::Error,
    category: Category::Validity,
    allow: false,
    summary: "a service setting is forbidden by an organization policy in the configuration (run.allowedIngress): apply of the service fails",
    doc: include_str!("../../rules/org-policy-conflict.md"),
    check,
};

/// Ingress values in the order a fix prefers them (least open first after
/// the load balancer one, which keeps an external load balancer working).
const PREFERRED: [Ingress; 3] = [
    Ingress::InternalAndLoadBalancer,
    Ingress::Internal,
    Ingress::All,
];

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for s in &model.services {
        // Cloud Run services and 2nd gen functions only: jobs have no
        // ingress, and any other kind (1st gen functions) answers to another
        // constraint. A service only named by a grant has an ingress
        // runwarden cannot see.
        let cloud_run = matches!(
            s.kind,
            ServiceKind::V1Service | ServiceKind::V2Service | ServiceKind::Function2
        );
        if !s.declared || !cloud_run {
            continue;
        }
        let Ok(ingress) = s.ingress else { continue };
        let project = match &s.project {
            Field::Unknown(_) => None,
            f => Some(f.to_string()),
        };
        let verdict = |i: Ingress| {
            model.org.list_verdict(
                s.root,
                project.as_deref(),
                INGRESS_CONSTRAINT,
                Probe::Value(i.label()),
            )
        };
        let Some(ListVerdict::Forbidden { policy, why }) = verdict(ingress) else {
            continue;
        };
        let value = ingress.label();
        let setting = match s.ingress_span {
            Some(_) if written(s.kind, ingress) != value => {
                format!("has ingress {} (`{value}`)", written(s.kind, ingress))
            }
            Some(_) => format!("has ingress `{value}`"),
            None => format!("sets no ingress, so it has the default `{value}`"),
        };
        let rule = match &why {
            Forbid::DenyAll => "denies every value".to_string(),
            Forbid::Denied => format!("denies `{value}`"),
            Forbid::NotAllowed(values) if values.is_empty() => "allows no value".to_string(),
            Forbid::NotAllowed(values) => format!(
                "allows only {}",
                values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut f = Finding::new(
            &RULE,
            s.ingress_span.unwrap_or(s.span),
            s.root,
            &s.address,
            format!(
                "{} {} {setting}, which {} (on {}) forbids: it {rule} for constraints/{INGRESS_CONSTRAINT}. Apply of the service fails (users report `Error 400: Precondition check failed.`)",
                s.kind.noun(),
                s.display_name(),
                policy.address,
                node_label(&policy.node),
            ),
        );
        if policy.address.contains(crate::eval::UNKNOWN_KEY_SUFFIX) {
            f.severity = Severity::Warning;
            f.message.push_str(
                " (the policy's count or for_each is not known, so it may not exist; see --explain-unknown)",
            );
        }
        f.related.push(policy.address.clone());
        f.anchors = service_anchors(s, f.span);
        let allowed = PREFERRED
            .into_iter()
            .find(|&i| matches!(verdict(i), Some(ListVerdict::Allowed)));
        match allowed {
            Some(i) => {
                f.help = Some(format!(
                    "set the service's ingress to a value the policy allows (`{}`), or have the organization administrators allow `{value}` for this project (a project-level policy on {INGRESS_CONSTRAINT})",
                    i.label()
                ));
                f.fix = Some(fix(s, i));
            }
            None => {
                f.help = Some(format!(
                    "no ingress value is certainly allowed in this project; ask the organization administrators for an exception (a project-level policy on {INGRESS_CONSTRAINT} that allows `{value}`)"
                ));
            }
        }
        out.push(f);
    }
}

/// The ingress as the service's resource spells it.
fn written(kind: ServiceKind, i: Ingress) -> &'static str {
    match (kind, i) {
        (ServiceKind::V2Service, Ingress::All) => "INGRESS_TRAFFIC_ALL",
        (ServiceKind::V2Service, Ingress::Internal) => "INGRESS_TRAFFIC_INTERNAL_ONLY",
        (ServiceKind::V2Service, Ingress::InternalAndLoadBalancer) => {
            "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
        }
        (ServiceKind::Function2, Ingress::All) => "ALLOW_ALL",
        (ServiceKind::Function2, Ingress::Internal) => "ALLOW_INTERNAL_ONLY",
        (ServiceKind::Function2, Ingress::InternalAndLoadBalancer) => "ALLOW_INTERNAL_AND_GCLB",
        (_, i) => i.label(),
    }
}

/// The Terraform that sets ingress `i` on the service.
fn fix(s: &Service, i: Ingress) -> String {
    let v = written(s.kind, i);
    match s.kind {
        ServiceKind::V1Service => format!(
            "metadata {{\n  annotations = {{\n    \"run.googleapis.com/ingress\" = \"{v}\"\n  }}\n}}"
        ),
        ServiceKind::Function2 => format!("service_config {{\n  ingress_settings = \"{v}\"\n}}"),
        _ => format!("ingress = \"{v}\""),
    }
}

fn node_label(n: &Node) -> String {
    match n {
        Node::Project(p) => format!("project {p}"),
        Node::Folder(f) if f.chars().all(|c| c.is_ascii_digit()) => format!("folders/{f}"),
        Node::Folder(f) => format!("folder {f}"),
        Node::Organization(o) => format!("organizations/{o}"),
    }
}
