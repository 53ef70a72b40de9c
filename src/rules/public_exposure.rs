//! Shared reading of public exposure for RW101/RW102/RW103: which public
//! principal reaches which service through which grant, and what the ingress
//! setting makes of it.

use crate::authz::{self, Deny};
use crate::model::{AccessModel, Action, Family, Grant, Identity, Ingress, Scope, Service, roles};
use crate::syntax::Span;

pub enum Exposure<'m> {
    /// A public member holds an invoke-only role on a service or job
    /// (declared in the configuration or only named by the grant).
    /// `deny` is what deny policies make of it.
    Invoke {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
        service: &'m Service,
        deny: Deny,
    },
    /// A public member holds an invoke-only role on a service whose name is
    /// not known.
    InvokeUnresolved {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
        why: String,
    },
    /// A public member holds `roles/cloudfunctions.invoker` on a 2nd gen
    /// function's own policy, which does not let anyone call it.
    Ineffective {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
        service: &'m Service,
    },
    /// A public member holds a broader role; `service` is `None` when the
    /// grant's service is not known.
    Privileged {
        grant: &'m Grant,
        member: &'m str,
        span: Span,
        service: Option<&'m Service>,
        role: &'m str,
    },
    /// `invoker_iam_disabled` (or the v1 annotation) on a service.
    IamDisabled { service: &'m Service, span: Span },
}

/// How a service's ingress treats a public caller.
pub enum Reach {
    Internet(String),
    InternalOnly(String),
    Unknown(String),
}

pub fn reach(s: &Service) -> Reach {
    if s.kind.is_job() {
        return Reach::Internet(match s.declared {
            true => "jobs run through the Cloud Run API".into(),
            false => {
                "not declared in this configuration; jobs run through the Cloud Run API".into()
            }
        });
    }
    match &s.ingress {
        Ok(Ingress::All) => Reach::Internet("ingress: all".into()),
        Ok(Ingress::InternalAndLoadBalancer) => {
            let open: Vec<&str> = s
                .external_lbs
                .iter()
                .filter(|p| !p.iap)
                .map(|p| p.backend.as_str())
                .collect();
            let iap: Vec<&str> = s
                .external_lbs
                .iter()
                .filter(|p| p.iap)
                .map(|p| p.backend.as_str())
                .collect();
            if !open.is_empty() {
                Reach::Internet(format!(
                    "ingress: internal-and-cloud-load-balancing, behind external load balancer {}",
                    open.join(", ")
                ))
            } else if !iap.is_empty() {
                Reach::InternalOnly(format!(
                    "ingress: internal-and-cloud-load-balancing; the only external path, {}, has IAP, which authenticates every request",
                    iap.join(", ")
                ))
            } else {
                Reach::InternalOnly(
                    "ingress: internal-and-cloud-load-balancing, no external load balancer in the configuration".into(),
                )
            }
        }
        Ok(Ingress::Internal) => Reach::InternalOnly("ingress: internal".into()),
        Err(_) if s.has_address() && !s.declared => Reach::Unknown(format!(
            "deployed elsewhere, read by {}, so its ingress is not known: public from the internet unless ingress is internal",
            s.address
        )),
        Err(_) if !s.declared => Reach::Unknown(
            "not declared in this configuration, so its ingress is not known: public from the internet unless ingress is internal".into(),
        ),
        Err(u) => Reach::Unknown(format!(
            "ingress not known ({}): public from the internet unless ingress is internal",
            u.reason()
        )),
    }
}

pub fn exposures(model: &AccessModel) -> Vec<Exposure<'_>> {
    let mut out = Vec::new();
    for grant in &model.grants {
        let Some(role) = grant.role_name() else {
            continue;
        };
        // IAM refuses conditions on public bindings (invalid-member says
        // so): such a binding never exists.
        if grant.condition.is_some() {
            continue;
        }
        let services: Vec<usize> = match &grant.scope {
            Scope::Services(ids) => ids.clone(),
            Scope::Unresolved(_) => Vec::new(),
            _ => continue,
        };
        for m in &grant.members {
            let Some(member) = m.value.known().filter(|p| crate::model::is_public(p)) else {
                continue;
            };
            if let Scope::Unresolved(u) = &grant.scope {
                let kind = grant.target.as_ref().map(|t| t.family.kind());
                out.push(match kind {
                    Some(k) if roles::is_invoke_only_for(k, role) => Exposure::InvokeUnresolved {
                        grant,
                        member,
                        span: m.span,
                        why: u.reason(),
                    },
                    _ => Exposure::Privileged {
                        grant,
                        member,
                        span: m.span,
                        service: None,
                        role,
                    },
                });
                continue;
            }
            for &si in &services {
                let service = &model.services[si];
                let on_function_policy = grant
                    .target
                    .as_ref()
                    .is_some_and(|t| t.family == Family::Function2);
                if on_function_policy && role == "roles/cloudfunctions.invoker" {
                    out.push(Exposure::Ineffective {
                        grant,
                        member,
                        span: m.span,
                        service,
                    });
                } else if roles::is_invoke_only_for(service.kind, role) {
                    let who = if member == "allUsers" {
                        Identity::None
                    } else {
                        Identity::AnyAccount
                    };
                    let deny = authz::deny_of(model, si, &who, &Action::Invoke);
                    out.push(Exposure::Invoke {
                        grant,
                        member,
                        span: m.span,
                        service,
                        deny,
                    });
                } else {
                    out.push(Exposure::Privileged {
                        grant,
                        member,
                        span: m.span,
                        service: Some(service),
                        role,
                    });
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

/// The service in words: `Cloud Run service "api"`, with a note when the
/// configuration does not declare it.
pub fn service_label(s: &Service) -> String {
    let mut l = plain_label(s);
    if s.has_address() && !s.declared {
        l.push_str(&format!(" (deployed elsewhere, read by {})", s.address));
    } else if !s.declared {
        l.push_str(" (not declared in this configuration)");
    }
    l
}

/// `Cloud Run service "api"`.
pub fn plain_label(s: &Service) -> String {
    format!("{} {:?}", s.kind.noun(), s.display_name())
}

/// Addresses related to a grant finding: the service, its load balancers,
/// the data source.
pub fn related(grant: &Grant, service: Option<&Service>) -> Vec<String> {
    let mut r = Vec::new();
    if let Some(s) = service.filter(|s| s.has_address()) {
        r.push(s.address.clone());
        r.extend(s.external_lbs.iter().map(|p| p.backend.clone()));
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
    s.allow_keys()
}
