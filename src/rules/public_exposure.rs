//! Shared reading of public exposure for RW101/RW102/RW103: which public
//! principal reaches which service through which grant, and what the ingress
//! setting makes of it.

use crate::model::{AccessModel, Grant, Ingress, MemberValue, Scope, Service, roles};
use crate::syntax::Span;

pub enum Exposure<'m> {
    /// A public member holds an invoke-only role on a service (or job).
    Invoke {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
        service: &'m Service,
    },
    /// A public member holds a broader role; `service` is `None` when the
    /// grant's service is not in the configuration.
    Privileged {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
        service: Option<&'m Service>,
        role: &'m str,
    },
    /// A public member may run a job that is not in this configuration.
    InvokeUnlistedJob {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
    },
    /// `invoker_iam_disabled` (or the v1 annotation) on a service.
    IamDisabled { service: &'m Service, span: Span },
}

/// How a service's ingress treats a public caller.
pub enum Reach {
    Internet(String),
    InternalOnly(String),
    Unknown,
}

pub fn reach(s: &Service) -> Reach {
    if s.kind.is_job() {
        return Reach::Internet("jobs run through the Cloud Run API".into());
    }
    match s.ingress {
        Some(Ingress::All) => Reach::Internet("ingress: all".into()),
        Some(Ingress::InternalAndLoadBalancer) if !s.external_lbs.is_empty() => Reach::Internet(format!(
            "ingress: internal-and-cloud-load-balancing, behind external load balancer {}",
            s.external_lbs.join(", ")
        )),
        Some(Ingress::InternalAndLoadBalancer) => Reach::InternalOnly(
            "ingress: internal-and-cloud-load-balancing, no external load balancer in the configuration".into(),
        ),
        Some(Ingress::Internal) => Reach::InternalOnly("ingress: internal".into()),
        None => Reach::Unknown,
    }
}

pub fn exposures(model: &AccessModel) -> Vec<Exposure<'_>> {
    let mut out = Vec::new();
    for grant in &model.grants {
        let Some(role) = grant.role.as_deref() else {
            continue;
        };
        let services: Vec<Option<&Service>> = match &grant.scope {
            Scope::Services(ids) => ids.iter().map(|i| Some(&model.services[*i])).collect(),
            Scope::UnresolvedService(_) => vec![None],
            _ => continue,
        };
        for m in &grant.members {
            let MemberValue::Known(member) = &m.value else {
                continue;
            };
            if !crate::model::is_public(member) {
                continue;
            }
            for service in &services {
                match service {
                    Some(s) if roles::is_invoke_only(role) => out.push(Exposure::Invoke {
                        grant,
                        member,
                        span: m.span,
                        service: s,
                    }),
                    // A job has no ingress: public run rights are public
                    // whether or not the job is in this configuration.
                    None if roles::is_invoke_only(role)
                        && grant
                            .resource_type
                            .starts_with("google_cloud_run_v2_job_iam_") =>
                    {
                        out.push(Exposure::InvokeUnlistedJob {
                            grant,
                            member,
                            span: m.span,
                        })
                    }
                    None if roles::is_invoke_only(role) => {}
                    _ => out.push(Exposure::Privileged {
                        grant,
                        member,
                        span: m.span,
                        service: *service,
                        role,
                    }),
                }
            }
        }
    }
    for s in &model.services {
        if let Some(span) = s.invoker_iam_disabled {
            out.push(Exposure::IamDisabled { service: s, span });
        }
    }
    out
}

/// Addresses related to a grant finding: the service, the data source.
pub fn related(grant: &Grant, service: Option<&Service>) -> Vec<String> {
    let mut r = Vec::new();
    if let Some(s) = service {
        r.push(s.address.clone());
        r.extend(s.external_lbs.iter().cloned());
    }
    if let Some(v) = &grant.via {
        r.push(v.clone());
    }
    r
}

/// Suppression anchors of a grant finding.
pub fn grant_anchors(grant: &Grant, span: Span) -> Vec<Span> {
    let mut a = vec![span, grant.span];
    a.extend(grant.via_span);
    a.extend(grant.module_spans.iter().copied());
    a
}

pub fn service_anchors(s: &Service, span: Span) -> Vec<Span> {
    let mut a = vec![span, s.span];
    a.extend(s.module_spans.iter().copied());
    a
}

pub fn allow_keys(s: &Service) -> Vec<String> {
    let mut k = Vec::new();
    k.extend(s.name.clone());
    k.extend(s.full_name());
    k
}
