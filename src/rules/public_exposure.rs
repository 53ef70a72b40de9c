//! Shared reading of public exposure for RW101/RW102/RW103: which public
//! principal reaches which service through which grant, and what the ingress
//! setting makes of it.

use crate::authz::iap::IapVerdict;
use crate::authz::path::{self, Entry};
use crate::authz::{self, Deny, Verdict};
use crate::model::{
    AccessModel, Action, Family, Grant, IapGrant, Identity, Ingress, Scope, Service, roles,
};
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
        /// The service's index in the model.
        index: usize,
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
    IamDisabled {
        service: &'m Service,
        index: usize,
        span: Span,
    },
    /// IAP in front of a service admits a public principal (`member`,
    /// written at `span` in binding `grant` of its access policy) and IAP's
    /// service agent may invoke the service: anyone passes IAP and IAP
    /// calls the service. Made when no public grant on the service already
    /// reports it (IAP on the service, or on a backend when only the agent
    /// is granted).
    IapPublic {
        grant: &'m IapGrant,
        member: String,
        span: Span,
        service: &'m Service,
        /// The backend service IAP is on; `None`: on the service.
        backend: Option<&'m str>,
        /// The ingress admits requests from the internet (else only internal
        /// ones); `Err`: the ingress is not known.
        internet: Result<bool, String>,
        /// What the IAP agent's grants say: `Allowed`, `Public` or `Partial`.
        agent: Verdict,
    },
}

/// How the network path treats a public caller: [`path::from_internet`]
/// (the one decision `runwarden why` shows too) in the words of a finding.
pub enum Reach {
    /// Reachable from the internet; `related` names the IAP policy binding
    /// that lets the public through, if that is how.
    Internet {
        why: String,
        related: Vec<String>,
    },
    InternalOnly(String),
    Unknown(String),
    /// IAP on the service checks every request first and admits no public
    /// principal, or admits one and is reported at its policy binding
    /// ([`Exposure::IapPublic`]): the service's own grants do not decide.
    BehindServiceIap,
}

/// `G grants roles/iap.httpsResourceAccessor to M` and what that means.
fn admitted_text(model: &AccessModel, grant: usize, member: &str) -> String {
    let g = &model.iap_grants[grant].binding;
    let who = if member == "allAuthenticatedUsers" {
        "any Google account passes IAP"
    } else {
        "anyone passes IAP"
    };
    format!("{} grants {} to {member}: {who}", g.address, g.role)
}

/// The IAP policy binding and its data source, for `related`.
fn iap_related(model: &AccessModel, grant: usize) -> Vec<String> {
    let g = &model.iap_grants[grant].binding;
    let mut r = vec![g.address.clone()];
    r.extend(g.via.clone());
    r
}

/// Why IAP's policy admits no public principal, in words.
fn refused_text(model: &AccessModel, gate: &crate::model::IapGate) -> String {
    if gate.policy.is_empty() {
        return "no IAP access policy in the configuration admits a public principal".into();
    }
    let mut names: Vec<&str> = gate
        .policy
        .iter()
        .map(|&i| model.iap_grants[i].binding.address.as_str())
        .collect();
    names.dedup();
    format!(
        "its IAP access policy ({}) admits no public principal",
        names.join(", ")
    )
}

pub fn reach(model: &AccessModel, service: usize) -> Reach {
    let s = &model.services[service];
    let way = path::from_internet(model, service, &Identity::AnyAccount);
    if let Some(step) = way.iap.as_ref().filter(|st| st.backend.is_none()) {
        let IapVerdict::Maybe { why, .. } = &step.verdict else {
            return Reach::BehindServiceIap;
        };
        let unresolved = format!(
            "IAP is enabled on the service, but whether its access policy admits a public principal is not known ({why})"
        );
        return match &way.entry {
            Entry::Refused(i) => {
                Reach::InternalOnly(format!("ingress: {}; {unresolved}", i.label()))
            }
            _ => Reach::Unknown(format!(
                "{}; {unresolved}: public from the internet if it admits allUsers or allAuthenticatedUsers",
                ingress_text(s)
            )),
        };
    }
    match way.entry {
        Entry::Api => Reach::Internet {
            why: match s.declared {
                true => "jobs run through the Cloud Run API".into(),
                false => {
                    "not declared in this configuration; jobs run through the Cloud Run API".into()
                }
            },
            related: Vec::new(),
        },
        Entry::Direct | Entry::UrlOff(_) => Reach::Internet {
            why: "ingress: all".into(),
            related: Vec::new(),
        },
        Entry::Balancers { open, .. } if !open.is_empty() => Reach::Internet {
            why: format!(
                "ingress: internal-and-cloud-load-balancing, behind external load balancer {}",
                open.join(", ")
            ),
            related: Vec::new(),
        },
        Entry::Balancers { iap, .. } => {
            let backends: Vec<&str> = iap.iter().map(|p| p.backend.as_str()).collect();
            let paths = match backends.as_slice() {
                [one] => format!("the only external path, {one}, has IAP"),
                more => format!("the only external paths, {}, have IAP", more.join(", ")),
            };
            let Some(step) = &way.iap else {
                return Reach::InternalOnly(format!(
                    "ingress: internal-and-cloud-load-balancing; {paths}"
                ));
            };
            match &step.verdict {
                IapVerdict::Admitted { grant, member, .. } => Reach::Internet {
                    why: format!(
                        "ingress: internal-and-cloud-load-balancing, behind external load balancer {}, whose IAP admits {member}: {}",
                        step.backend.unwrap_or_default(),
                        admitted_text(model, *grant, member)
                    ),
                    related: iap_related(model, *grant),
                },
                IapVerdict::Refused => Reach::InternalOnly(format!(
                    "ingress: internal-and-cloud-load-balancing; {paths}, and {}",
                    refused_text(model, step.gate)
                )),
                IapVerdict::Maybe { why, .. } => Reach::InternalOnly(format!(
                    "ingress: internal-and-cloud-load-balancing; {paths}, whose access policy was not resolved ({why}): public if it admits allUsers or allAuthenticatedUsers"
                )),
            }
        }
        Entry::Refused(Ingress::InternalAndLoadBalancer) => Reach::InternalOnly(
            "ingress: internal-and-cloud-load-balancing, no external load balancer in the configuration".into(),
        ),
        Entry::Refused(i) => Reach::InternalOnly(format!("ingress: {}", i.label())),
        Entry::Unknown(_) if s.has_address() && !s.declared => Reach::Unknown(format!(
            "deployed elsewhere, read by {}, so its ingress is not known: public from the internet unless ingress is internal",
            s.address
        )),
        Entry::Unknown(_) if !s.declared => Reach::Unknown(
            "not declared in this configuration, so its ingress is not known: public from the internet unless ingress is internal".into(),
        ),
        Entry::Unknown(reason) => Reach::Unknown(format!(
            "ingress not known ({reason}): public from the internet unless ingress is internal"
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
                        index: si,
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
    for (index, s) in model.services.iter().enumerate() {
        if let Some(span) = s.invoker_iam_disabled {
            out.push(Exposure::IamDisabled {
                service: s,
                index,
                span,
            });
        }
    }
    for index in 0..model.services.len() {
        if let Some(e) = iap_public(model, index, &out) {
            out.push(e);
        }
    }
    out
}

/// The [`Exposure::IapPublic`] of service `index`, if IAP in front of it
/// admits the public and no exposure in `found` already reports that.
fn iap_public<'m>(
    model: &'m AccessModel,
    index: usize,
    found: &[Exposure<'m>],
) -> Option<Exposure<'m>> {
    let s = &model.services[index];
    if !s.declared {
        return None;
    }
    let way = path::from_internet(model, index, &Identity::AnyAccount);
    let step = way.iap?;
    let IapVerdict::Admitted {
        grant,
        member,
        span,
    } = step.verdict
    else {
        return None;
    };
    // On a backend, a public grant on the service lets IAP's agent in and is
    // reported itself, naming IAP's policy.
    let reported = found.iter().any(|e| match e {
        Exposure::Invoke { index: i, .. } | Exposure::IamDisabled { index: i, .. } => *i == index,
        _ => false,
    });
    if step.backend.is_some() && reported {
        return None;
    }
    let agent = authz::may(model, index, &Identity::IapAgent, &Action::Invoke);
    if !matches!(
        agent,
        Verdict::Allowed { .. } | Verdict::Public(_) | Verdict::Partial(_)
    ) {
        // IAP's requests get 403: missing-invoker-grant or invoker-denied say so.
        return None;
    }
    let internet = match &way.entry {
        Entry::Refused(_) => Ok(false),
        Entry::Unknown(why) => Err(why.clone()),
        _ => Ok(true),
    };
    Some(Exposure::IapPublic {
        grant: &model.iap_grants[grant],
        member,
        span,
        service: s,
        backend: step.backend,
        internet,
        agent,
    })
}

/// `ingress: all` (the service's setting, its default when not set).
pub fn ingress_text(s: &Service) -> String {
    match &s.ingress {
        Ok(i) => format!("ingress: {}", i.label()),
        Err(u) => format!("ingress not known ({})", u.reason()),
    }
}

/// An [`Exposure::IapPublic`] in words: who passes which IAP, by which
/// binding, and what the IAP agent's grants let it do.
pub fn iap_public_text(
    model: &AccessModel,
    grant: &IapGrant,
    member: &str,
    service: &Service,
    backend: Option<&str>,
    agent: &Verdict,
) -> String {
    let place = match backend {
        Some(b) => format!("IAP on {b}, in front of {}", plain_label(service)),
        None => format!("IAP on {} (iap_enabled)", plain_label(service)),
    };
    let agent = match agent {
        Verdict::Allowed { grants, .. } => {
            let g = &model.grants[grants[0]];
            format!("which holds {} ({})", g.role, g.address)
        }
        Verdict::Public(why) => format!("which is let in: {why}"),
        Verdict::Partial(why) => format!("which may be let in ({why})"),
        _ => "which no grant lets in".into(),
    };
    format!(
        "{member} passes {place}: {} grants {} to {member}, and IAP then calls the service as its service agent, {agent}",
        grant.binding.address, grant.binding.role
    )
}

/// Addresses related to an [`Exposure::IapPublic`] finding.
pub fn iap_public_related(
    grant: &IapGrant,
    service: &Service,
    backend: Option<&str>,
) -> Vec<String> {
    let mut r = vec![service.address.clone()];
    r.extend(backend.map(str::to_string));
    r.extend(grant.binding.via.clone());
    r
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
