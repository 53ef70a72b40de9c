//! RW204: the service's ingress setting, or its disabled default URL,
//! rejects the caller's traffic.

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::path::{Network, network};
use crate::model::{AccessModel, CallerKind};

pub static RULE: Rule = Rule {
    name: "ingress-blocks-caller",
    id: "RW204",
    severity: Severity::Warning,
    category: Category::CallerAccess,
    allow: false,
    summary: "the service's ingress will reject the caller",
    doc: include_str!("../../rules/ingress-blocks-caller.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        for &t in &c.targets {
            let s = &model.services[t];
            let Network::Blocked { why, anchor } = network(c, s) else {
                continue;
            };
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                Some(s),
                format!("{} calls {}, but {why}", c.kind.noun(), cc::target_text(s)),
            );
            f.anchors.extend(anchor);
            f.help = Some(if s.default_uri_disabled.is_some() && c.default_url {
                "call the service through its load balancer or custom domain, or remove default_uri_disabled".into()
            } else if c.kind == CallerKind::ApiGateway {
                "set the service's ingress to all (INGRESS_TRAFFIC_ALL): the gateway's identity token and a roles/run.invoker grant to its service account keep the service private".into()
            } else if c.kind == CallerKind::FirebaseHosting {
                "a service behind a Firebase Hosting rewrite needs ingress all (INGRESS_TRAFFIC_ALL)".into()
            } else {
                "call the service from the same project through its run.app URL, or allow the traffic path (ingress all, or internal-and-cloud-load-balancing behind a load balancer)".into()
            });
            out.push(f);
        }
    }
}
