//! `runwarden why`: the access decision for one request, layer by layer, in
//! the order Google Cloud applies them — network path (ingress, default URL,
//! load balancer), deny policies, allow grants and their conditions, token
//! and audience — from the same decision path the rules use.

use crate::authz::path::{Network, TokenCheck, network, token};
use crate::authz::{self, Deny, Step};
use crate::check::Analysis;
use crate::eval::Text;
use crate::model::{Action, Caller, Identity, Ingress, Service, Token};
use crate::rules::caller_common;
use crate::syntax::Span;

/// What to explain.
pub enum Query {
    /// A caller of the configuration, by address; `service` picks one of
    /// its targets when it has several.
    Caller {
        address: String,
        service: Option<String>,
    },
    /// A principal calling a service directly.
    Member { service: String, member: String },
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub layer: &'static str,
    pub step: Step,
    pub because: String,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Allowed,
    DeniedAt(&'static str),
    CannotTell(String),
}

impl Outcome {
    pub fn label(&self) -> String {
        match self {
            Outcome::Allowed => "allowed".into(),
            Outcome::DeniedAt(l) => format!("denied at {l}"),
            Outcome::CannotTell(_) => "cannot tell".into(),
        }
    }
}

pub struct Why {
    /// `CALLER -> SERVICE` in words.
    pub subject: String,
    pub layers: Vec<Layer>,
    pub outcome: Outcome,
    /// The change that would let the request in, when it is denied.
    pub fix: Option<String>,
}

/// Explains `q` against an analysis; `Err` is a usage error (nothing or
/// more than one request matches).
pub fn explain(a: &Analysis, q: &Query) -> Result<Why, String> {
    match q {
        Query::Caller { address, service } => caller(a, address, service.as_deref()),
        Query::Member { service, member } => member_call(a, service, member),
    }
}

/// Services matching a name, full name or address (declared ones first).
fn find_services(a: &Analysis, wanted: &str) -> Vec<usize> {
    let m = &a.model;
    let mut found: Vec<usize> = m
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            (s.has_address() && s.address == wanted)
                || s.name.known() == Some(wanted)
                || s.full_name().as_deref() == Some(wanted)
        })
        .map(|(i, _)| i)
        .collect();
    found.sort_by_key(|&i| !m.services[i].declared);
    found
}

fn caller(a: &Analysis, address: &str, service: Option<&str>) -> Result<Why, String> {
    let m = &a.model;
    let wanted: Option<Vec<usize>> = service.map(|s| find_services(a, s));
    let mut pairs: Vec<(&Caller, usize)> = Vec::new();
    for c in m.callers.iter().filter(|c| c.address == address) {
        for &t in &c.targets {
            if wanted.as_ref().is_none_or(|w| w.contains(&t)) && !pairs.iter().any(|(_, x)| *x == t)
            {
                pairs.push((c, t));
            }
        }
    }
    if pairs.is_empty() {
        let known = m.callers.iter().any(|c| c.address == address);
        return Err(if known {
            format!(
                "caller {address} calls no service of the configuration that matches (it calls: {})",
                m.callers
                    .iter()
                    .filter(|c| c.address == address)
                    .map(|c| c.target_text.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("no caller at address {address} (runwarden graph lists the callers)")
        });
    }
    if pairs.len() > 1 {
        let names: Vec<String> = pairs
            .iter()
            .map(|(_, t)| caller_common::target_text(&m.services[*t]))
            .collect();
        return Err(format!(
            "{address} calls {} services ({}); choose one with --service",
            names.len(),
            names.join(", ")
        ));
    }
    let (c, t) = pairs[0];
    let s = &m.services[t];
    let mut layers = Vec::new();
    layers.push(match network(c, s) {
        Network::Pass(why) => layer("network", Step::Pass, why, c.target_span.into()),
        Network::Blocked { why, anchor } => {
            layer("network", Step::Fail, why, anchor.or(Some(c.target_span)))
        }
        Network::Unknown(why) => layer("network", Step::Unknown, why, s.ingress_span),
    });
    // The identity IAM sees: none without an identity token.
    let identity = if c.token == Token::Oidc || c.action == Action::RunJob {
        c.identity.clone()
    } else {
        Identity::None
    };
    let d = authz::decide(m, t, &identity, &c.action);
    iam_layers(&mut layers, &d, &identity);
    layers.push(match token(m, c, t) {
        TokenCheck::Pass(why) => layer("token", Step::Pass, why, c.identity_span),
        TokenCheck::Missing { why } => layer("token", Step::Fail, why, Some(c.target_span)),
        TokenCheck::Audience { why, span } => layer("token", Step::Fail, why, Some(span)),
        TokenCheck::Unknown(why) => layer("token", Step::Unknown, why, c.identity_span),
    });
    let outcome = outcome(&layers);
    let fix = match &outcome {
        Outcome::DeniedAt("allow" | "condition") => Some(caller_common::fix(m, c, s)),
        Outcome::DeniedAt("deny") => deny_fix(a, &d),
        Outcome::DeniedAt("token") => Some(match c.action {
            Action::RunJob => "use oauth_token { service_account_email = ... } to run the job through the Admin API".into(),
            Action::Invoke => "send an OIDC identity token: oidc_token { service_account_email = ... } (workflows: auth: { type: OIDC }), with the service URL or one of its custom_audiences as audience".into(),
        }),
        Outcome::DeniedAt(_) => Some("call the service through a path its ingress admits: from the same project through its run.app URL, or through an external load balancer with ingress internal-and-cloud-load-balancing".into()),
        _ => None,
    };
    Ok(Why {
        subject: format!(
            "{} {} -> {}",
            c.kind.noun(),
            c.address,
            caller_common::target_text(s)
        ),
        layers,
        outcome,
        fix,
    })
}

fn member_call(a: &Analysis, service: &str, member: &str) -> Result<Why, String> {
    let m = &a.model;
    let found = find_services(a, service);
    let Some(&t) = found.first() else {
        return Err(format!(
            "no service {service:?} in the configuration or named by its grants"
        ));
    };
    let s = &m.services[t];
    let identity = match member {
        "allUsers" => Identity::None,
        "allAuthenticatedUsers" => Identity::AnyAccount,
        other if other.contains(':') => Identity::Member(Text::lit(other)),
        other => {
            return Err(format!(
                "--member {other:?}: expected allUsers, allAuthenticatedUsers or TYPE:ID (serviceAccount:EMAIL, user:EMAIL)"
            ));
        }
    };
    let mut layers = vec![direct_network(s)];
    let action = Action::Invoke;
    let d = authz::decide(m, t, &identity, &action);
    iam_layers(&mut layers, &d, &identity);
    layers.push(match identity {
        Identity::None => layer(
            "token",
            Step::Pass,
            "no token: the request is anonymous".into(),
            None,
        ),
        _ => layer(
            "token",
            Step::Pass,
            format!("an identity token of {member} for the service URL is assumed"),
            None,
        ),
    });
    let outcome = outcome(&layers);
    let fix = match &outcome {
        Outcome::DeniedAt("allow" | "condition") => Some(format!(
            "grant roles/run.invoker on {} to {member}",
            caller_common::target_text(s)
        )),
        Outcome::DeniedAt("deny") => deny_fix(a, &d),
        Outcome::DeniedAt(_) => Some("reach the service through a path its ingress admits".into()),
        _ => None,
    };
    Ok(Why {
        subject: format!("{member} -> {}", caller_common::target_text(s)),
        layers,
        outcome,
        fix,
    })
}

/// A request straight to the service's URL from the internet.
fn direct_network(s: &Service) -> Layer {
    if s.kind.is_job() {
        return layer(
            "network",
            Step::Pass,
            "a job is run through the Cloud Run Admin API".into(),
            None,
        );
    }
    match &s.ingress {
        Ok(Ingress::All) if s.default_uri_disabled.is_some() => layer(
            "network",
            Step::Fail,
            "the run.app URL is turned off (default_uri_disabled)".into(),
            s.default_uri_disabled,
        ),
        Ok(Ingress::All) => layer(
            "network",
            Step::Pass,
            "ingress all admits requests from the internet".into(),
            s.ingress_span,
        ),
        Ok(Ingress::InternalAndLoadBalancer) if !s.external_lbs.is_empty() => layer(
            "network",
            Step::Pass,
            format!(
                "ingress internal-and-cloud-load-balancing admits requests through the external load balancer {}",
                s.external_lbs[0].backend
            ),
            s.ingress_span,
        ),
        Ok(i) => layer(
            "network",
            Step::Fail,
            format!("ingress {:?} refuses requests from the internet", i.label()),
            s.ingress_span,
        ),
        Err(u) => layer(
            "network",
            Step::Unknown,
            format!("ingress not known ({})", u.reason()),
            s.ingress_span,
        ),
    }
}

fn iam_layers(layers: &mut Vec<Layer>, d: &authz::Decision, identity: &Identity) {
    for l in &d.layers {
        let mut l = layer(l.layer, l.step, l.because.clone(), l.span);
        if l.layer == "allow" && l.step == Step::Fail && d.refused.is_empty() {
            match identity {
                Identity::Unknown(u) => {
                    l.step = Step::Unknown;
                    l.because = format!("the identity is not known ({})", u.reason());
                }
                // Google may have granted this account roles/editor.
                Identity::ComputeDefault { .. } => {
                    l.step = Step::Unknown;
                    l.because.push_str(
                        "; it gets in only if it kept the Editor role Google may have granted it on the project",
                    );
                }
                _ => {}
            }
        }
        layers.push(l);
    }
}

fn deny_fix(a: &Analysis, d: &authz::Decision) -> Option<String> {
    match &d.deny {
        Deny::Denied { policy, .. } => Some(format!(
            "add the principal to exception_principals of {} (a grant cannot override a deny)",
            a.model.deny_policies[*policy].address
        )),
        _ => None,
    }
}

fn layer(name: &'static str, step: Step, because: String, span: Option<Span>) -> Layer {
    Layer {
        layer: name,
        step,
        because,
        span,
    }
}

/// The first layer that refuses decides; else anything not known makes
/// it "cannot tell".
fn outcome(layers: &[Layer]) -> Outcome {
    if let Some(l) = layers.iter().find(|l| l.step == Step::Fail) {
        return Outcome::DeniedAt(l.layer);
    }
    let unknown: Vec<&str> = layers
        .iter()
        .filter(|l| l.step == Step::Unknown)
        .map(|l| l.because.as_str())
        .collect();
    if unknown.is_empty() {
        Outcome::Allowed
    } else {
        Outcome::CannotTell(unknown.join("; "))
    }
}
