//! The layers around IAM for a request: the network path (ingress, the
//! default `run.app` URL, load balancers and the IAP in front of them or of
//! the service) and the token (identity token, audience).
//! `ingress-blocks-caller`, `unauthenticated-caller`,
//! `oidc-audience-mismatch`, the public exposure rules and `runwarden why`
//! all read them from here.

use super::Verdict;
use super::iap::{IapVerdict, admits};
use crate::eval::Text;
use crate::model::{
    AccessModel, Action, Caller, CallerKind, ExternalPath, IapGate, Identity, Ingress, Service,
    Token,
};
use crate::syntax::Span;

/// How a request from the internet gets past the service's ingress, when
/// a principal sends it itself (no caller of the configuration).
#[derive(Debug, Clone)]
pub enum Entry<'m> {
    /// A job: run through the Cloud Run Admin API, which has no ingress.
    Api,
    /// Ingress `all`: the `run.app` URL takes it.
    Direct,
    /// Ingress `all`, but `default_uri_disabled` turns the `run.app` URL off.
    UrlOff(Span),
    /// Ingress `internal-and-cloud-load-balancing` behind external load
    /// balancers: `open` are those without IAP, `iap` those with it.
    Balancers {
        open: Vec<&'m str>,
        iap: Vec<&'m ExternalPath>,
    },
    /// The ingress setting refuses requests from the internet.
    Refused(Ingress),
    /// The ingress is not known.
    Unknown(String),
}

/// IAP on the way in, and what its access policy makes of the request.
#[derive(Debug, Clone)]
pub struct IapStep<'m> {
    /// The backend service it is on; `None`: on the service itself
    /// (`iap_enabled`), which every request passes, internal ones too.
    pub backend: Option<&'m str>,
    pub gate: &'m IapGate,
    pub verdict: IapVerdict,
}

impl IapStep<'_> {
    /// `IAP on the backend B` / `IAP on the service`.
    pub fn place(&self) -> String {
        match self.backend {
            Some(b) => format!("IAP on the backend {b}"),
            None => "IAP on the service (iap_enabled)".into(),
        }
    }
}

/// The way in from the internet for a principal's own request.
#[derive(Debug, Clone)]
pub struct FromInternet<'m> {
    pub entry: Entry<'m>,
    /// IAP in front: on the service, or on the load balancers when every
    /// external path has it. A request it admits reaches Cloud Run's IAM
    /// check as IAP's service agent.
    pub iap: Option<IapStep<'m>>,
}

/// How a request that `identity` sends from the internet reaches service
/// `service`: the ingress, then IAP. `Identity::None` is an anonymous
/// request; `Identity::AnyAccount` stands for the public principals (the
/// public exposure rules ask with it: IAP admitting any Google account
/// makes a service public).
pub fn from_internet<'m>(
    model: &'m AccessModel,
    service: usize,
    identity: &Identity,
) -> FromInternet<'m> {
    let s = &model.services[service];
    if s.kind.is_job() {
        return FromInternet {
            entry: Entry::Api,
            iap: None,
        };
    }
    let entry = match &s.ingress {
        Ok(Ingress::All) => match s.default_uri_disabled {
            Some(span) => Entry::UrlOff(span),
            None => Entry::Direct,
        },
        Ok(Ingress::InternalAndLoadBalancer) if !s.external_lbs.is_empty() => Entry::Balancers {
            open: s
                .external_lbs
                .iter()
                .filter(|p| p.iap.is_none())
                .map(|p| p.backend.as_str())
                .collect(),
            iap: s.external_lbs.iter().filter(|p| p.iap.is_some()).collect(),
        },
        Ok(i) => Entry::Refused(*i),
        Err(u) => Entry::Unknown(u.reason()),
    };
    // IAP cannot be on both the service and its load balancer.
    let iap = if let Some(gate) = &s.iap {
        Some(IapStep {
            backend: None,
            gate,
            verdict: admits(model, gate, identity),
        })
    } else if let Entry::Balancers { open, iap } = &entry
        && open.is_empty()
    {
        // Every external path has IAP: the widest of them is the way in.
        iap.iter()
            .filter_map(|p| p.iap.as_ref().map(|g| (p.backend.as_str(), g)))
            .map(|(backend, gate)| IapStep {
                backend: Some(backend),
                gate,
                verdict: admits(model, gate, identity),
            })
            .reduce(|a, b| {
                if b.verdict.rank() < a.verdict.rank() {
                    b
                } else {
                    a
                }
            })
    } else {
        None
    };
    FromInternet { entry, iap }
}

/// What the network path does to a request.
#[derive(Debug, Clone)]
pub enum Network {
    Pass(String),
    /// Refused before IAM; `anchor` is the setting that refuses it.
    Blocked {
        why: String,
        anchor: Option<Span>,
    },
    Unknown(String),
}

/// Whether `c`'s requests reach `s` through its ingress and URL.
pub fn network(c: &Caller, s: &Service) -> Network {
    if s.kind.is_job() {
        return Network::Pass(
            "a job is run through the Cloud Run Admin API, not its ingress".into(),
        );
    }
    // The run.app URL is turned off: only load balancers and domain
    // mappings reach the service.
    if let Some(disabled) = s.default_uri_disabled
        && c.default_url
        && !matches!(c.kind, CallerKind::Iap | CallerKind::Eventarc)
    {
        return Network::Blocked {
            why: "it uses the run.app URL, which default_uri_disabled turns off: the requests never reach the service".into(),
            anchor: Some(disabled),
        };
    }
    let ingress = match &s.ingress {
        Ok(i) => *i,
        Err(u) => return Network::Unknown(format!("ingress not known ({})", u.reason())),
    };
    if ingress == Ingress::All {
        return Network::Pass("ingress all admits it".into());
    }
    let blocked = |why: String| Network::Blocked {
        why: format!("ingress {:?} rejects it: {why}", ingress.label()),
        anchor: s.ingress_span,
    };
    let internal = || {
        Network::Pass(format!(
            "ingress {:?} admits it as internal traffic (same project, run.app URL)",
            ingress.label()
        ))
    };
    if c.kind.external() {
        // API Gateway, Firebase Hosting: neither on the ingress page's list
        // of internal Google products, nor behind a load balancer of the project.
        return blocked(format!(
            "{} requests come from outside the project's network{}",
            c.kind.noun(),
            match ingress {
                Ingress::Internal => "",
                _ => " and through no Cloud Load Balancer",
            }
        ));
    }
    if c.kind == CallerKind::Iap {
        return if ingress == Ingress::Internal && c.from_internet {
            blocked("IAP users come from the internet".into())
        } else {
            Network::Pass(format!(
                "ingress {:?} admits the load balancer",
                ingress.label()
            ))
        };
    }
    match (c.project.known(), s.project.known()) {
        (Some(cp), Some(sp)) if cp != sp => blocked(format!(
            "requests from project {cp:?} are not internal to project {sp:?} (unless both are in one VPC Service Controls perimeter)"
        )),
        (Some(_), Some(_)) if !c.default_url => {
            blocked("only requests to the default run.app URL count as internal".into())
        }
        (Some(_), Some(_)) => internal(),
        _ if !c.default_url && !c.target_text.contains("run.app") => {
            blocked("only requests to the default run.app URL count as internal".into())
        }
        _ => internal(),
    }
}

/// What the token does to a request that IAM judged `iam`.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    Pass(String),
    /// No usable token for a service that is not public, or an OIDC token
    /// to the Admin API.
    Missing {
        why: String,
    },
    /// An OIDC token whose audience the service rejects.
    Audience {
        why: String,
        span: Span,
    },
    Unknown(String),
}

/// Whether `c`'s token gets its request to `s` (service `t`) past Cloud Run's
/// authentication.
pub fn token(model: &AccessModel, c: &Caller, t: usize) -> TokenCheck {
    let s = &model.services[t];
    if c.action == Action::RunJob {
        // The Cloud Run Admin API takes OAuth access tokens; an OIDC
        // identity token, or none, is rejected.
        return match c.token {
            Token::OAuth => TokenCheck::Pass("an OAuth access token, as the Admin API needs".into()),
            Token::Oidc => TokenCheck::Missing {
                why: "sends an OIDC identity token to the Cloud Run Admin API, which needs an OAuth access token: every run will fail with 401".into(),
            },
            Token::None => TokenCheck::Missing {
                why: "sends no token to the Cloud Run Admin API, which needs an OAuth access token: every run will fail with 401".into(),
            },
        };
    }
    if c.token != Token::Oidc {
        let what = if c.token == Token::OAuth {
            "an OAuth access token (Cloud Run accepts only OIDC identity tokens)"
        } else {
            "no identity token"
        };
        return match super::may(model, t, &Identity::None, &c.action) {
            Verdict::Public(why) => TokenCheck::Pass(format!("no token is needed: {why}")),
            Verdict::Partial(why) => TokenCheck::Unknown(format!(
                "sends {what}; whether the service lets anyone in could not be verified: {why}"
            )),
            _ => TokenCheck::Missing {
                why: format!(
                    "sends {what} to a service that is not public: requests will fail with 401/403"
                ),
            },
        };
    }
    let Some((audience, span)) = &c.audience else {
        return TokenCheck::Pass("an OIDC identity token for the endpoint URL".into());
    };
    match accepted(audience, s) {
        Some(true) => TokenCheck::Pass(format!("an OIDC identity token with audience {audience}")),
        Some(false) => TokenCheck::Audience {
            why: format!(
                "its OIDC audience {:?} is neither the service URL nor one of its custom_audiences: Cloud Run will reject the token (401)",
                audience.to_string()
            ),
            span: *span,
        },
        None => TokenCheck::Unknown(format!(
            "the OIDC audience {audience} is known only after apply"
        )),
    }
}

/// Whether `s` accepts OIDC tokens with `audience`; `None` when it cannot
/// be told (parts known only after apply).
fn accepted(audience: &Text, s: &Service) -> Option<bool> {
    if s.custom_audiences.iter().any(|a| a == audience) {
        return Some(true);
    }
    if let Some(r) = audience.refs().next() {
        let url_attr = matches!(
            r.first_attr(),
            "uri" | "url" | "urls" | "status" | "service_config" | "https_trigger_url"
        );
        if r.points_into(&s.address) && url_attr {
            return Some(true);
        }
        // The URL of another Cloud Run service: certainly not this one's.
        let service_type = [
            "google_cloud_run_v2_service.",
            "google_cloud_run_service.",
            "google_cloudfunctions2_function.",
            "google_cloudfunctions_function.",
        ]
        .iter()
        .any(|t| r.resource.contains(t));
        return if service_type && url_attr && audience.literal_prefix().is_empty() {
            Some(false)
        } else {
            None
        };
    }
    let audience = audience.known()?;
    let host = audience
        .split("://")
        .nth(1)?
        .split(['/', ':', '?'])
        .next()?;
    if host.ends_with(".run.app") {
        let label = host.split('.').next().unwrap_or("");
        return Some(
            s.name
                .known()
                .is_some_and(|n| label.starts_with(&format!("{n}-"))),
        );
    }
    // Any other literal: accepted only as a custom audience (checked above).
    Some(false)
}
