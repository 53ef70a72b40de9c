//! RW204: the service's ingress setting rejects the caller's traffic.

use super::caller_common as cc;
use super::{Finding, Rule, Severity};
use crate::model::{AccessModel, CallerKind, Ingress};

pub static RULE: Rule = Rule {
    name: "ingress-blocks-caller",
    id: "RW204",
    severity: Severity::Warning,
    summary: "the service's ingress will reject the caller",
    doc: include_str!("../../rules/ingress-blocks-caller.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        for &t in &c.targets {
            let s = &model.services[t];
            if s.kind.is_job() {
                continue;
            }
            let Ok(ingress) = s.ingress else { continue };
            if ingress == Ingress::All {
                continue;
            }
            let why = if c.kind == CallerKind::Iap {
                if ingress == Ingress::Internal && c.from_internet {
                    "IAP users come from the internet, which ingress `internal` rejects".to_string()
                } else {
                    continue;
                }
            } else if c.kind.external() {
                match ingress {
                    Ingress::Internal => format!(
                        "its requests come from outside the project's network, and {} is not among the Google products that ingress counts as internal",
                        c.kind.noun()
                    ),
                    _ => "its requests come neither from the project's network nor through a Cloud Load Balancer".to_string(),
                }
            } else if let (Some(cp), Some(sp)) = (c.project.known(), s.project.known()) {
                if cp != sp {
                    format!(
                        "requests from project {cp:?} are not internal to project {sp:?} (unless both are in one VPC Service Controls perimeter)"
                    )
                } else if !c.default_url {
                    "only requests to the default run.app URL count as internal".to_string()
                } else {
                    continue;
                }
            } else if !c.default_url && !c.target_text.contains("run.app") {
                "only requests to the default run.app URL count as internal".to_string()
            } else {
                continue;
            };
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                Some(s),
                format!(
                    "ingress {:?} of {} will reject {}: {why}",
                    ingress.label(),
                    cc::target_text(s),
                    c.kind.noun()
                ),
            );
            f.help = Some(match c.kind {
                CallerKind::ApiGateway => "set the service's ingress to all (INGRESS_TRAFFIC_ALL): the gateway's identity token and a roles/run.invoker grant to its service account keep the service private".into(),
                CallerKind::FirebaseHosting => "a service behind a Firebase Hosting rewrite needs ingress all (INGRESS_TRAFFIC_ALL)".into(),
                _ => "call the service from the same project through its run.app URL, or allow the traffic path (ingress all, or internal-and-cloud-load-balancing behind a load balancer)".into(),
            });
            out.push(f);
        }
    }
}
