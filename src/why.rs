//! `runwarden why`: the access decision for one request, layer by layer, in
//! the order Google Cloud applies them — network path (ingress, default URL,
//! load balancer), deny policies, allow grants and their conditions, token
//! and audience — from the same decision path the rules use.

use crate::authz::iap::{ACCESSOR_ROLE, IapVerdict};
use crate::authz::path::{Entry, IapStep, Network, TokenCheck, from_internet, network, token};
use crate::authz::{self, Deny, Step};
use crate::check::Analysis;
use crate::eval::Text;
use crate::model::{Action, Caller, Identity, Service, Token};
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
    let way = from_internet(m, t, &identity);
    let mut layers = vec![entry_layer(s, &way.entry)];
    let entered = layers[0].step != Step::Fail;
    // Through IAP, Cloud Run's IAM check sees IAP's service agent.
    let mut iap_admitted = false;
    let mut iap_refused = None;
    if let Some(step) = way.iap.as_ref().filter(|_| entered) {
        let (l, admitted) = iap_layer(a, s, &way.entry, step, member);
        iap_admitted = admitted;
        if l.step == Step::Fail {
            iap_refused = Some(step.clone());
        }
        layers.push(l);
    }
    let action = Action::Invoke;
    let iam_identity = if iap_admitted {
        Identity::IapAgent
    } else {
        identity.clone()
    };
    let d = authz::decide(m, t, &iam_identity, &action);
    let first_iam = layers.len();
    iam_layers(&mut layers, &d, &iam_identity);
    if iap_admitted {
        for l in layers[first_iam..]
            .iter_mut()
            .filter(|l| l.layer == "allow")
        {
            l.because = format!("IAP calls the service as its service agent: {}", l.because);
        }
    }
    layers.push(match identity {
        _ if iap_admitted => layer(
            "token",
            Step::Pass,
            "IAP sends an OIDC identity token of its service agent".into(),
            None,
        ),
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
        Outcome::DeniedAt("allow" | "condition") if iap_admitted => Some(format!(
            "grant roles/run.invoker on {} to IAP's service agent: member = \"serviceAccount:service-${{data.google_project.project.number}}@gcp-sa-iap.iam.gserviceaccount.com\"",
            caller_common::target_text(s)
        )),
        Outcome::DeniedAt("allow" | "condition") => Some(format!(
            "grant roles/run.invoker on {} to {member}",
            caller_common::target_text(s)
        )),
        Outcome::DeniedAt("deny") => deny_fix(a, &d),
        Outcome::DeniedAt("network") if iap_refused.is_some() && layers[0].step == Step::Pass => {
            iap_refused.as_ref().map(|step| iap_fix(s, step, member))
        }
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

/// The ingress (and default URL) for a request straight from the internet.
fn entry_layer(s: &Service, entry: &Entry) -> Layer {
    match entry {
        Entry::Api => layer(
            "network",
            Step::Pass,
            "a job is run through the Cloud Run Admin API".into(),
            None,
        ),
        Entry::UrlOff(span) => layer(
            "network",
            Step::Fail,
            "the run.app URL is turned off (default_uri_disabled)".into(),
            Some(*span),
        ),
        Entry::Direct => layer(
            "network",
            Step::Pass,
            "ingress all admits requests from the internet".into(),
            s.ingress_span,
        ),
        Entry::Balancers { open, iap } => layer(
            "network",
            Step::Pass,
            format!(
                "ingress internal-and-cloud-load-balancing admits requests through the external load balancer {}",
                open.first()
                    .copied()
                    .or(iap.first().map(|p| p.backend.as_str()))
                    .unwrap_or_default()
            ),
            s.ingress_span,
        ),
        Entry::Refused(i) => layer(
            "network",
            Step::Fail,
            format!("ingress {:?} refuses requests from the internet", i.label()),
            s.ingress_span,
        ),
        Entry::Unknown(why) => layer(
            "network",
            Step::Unknown,
            format!("ingress not known ({why})"),
            s.ingress_span,
        ),
    }
}

/// IAP on the way in, as a second `network` layer (IAP is part of the load
/// balancer, or of the service's own front door), and whether it admits
/// the request.
fn iap_layer(
    a: &Analysis,
    s: &Service,
    entry: &Entry,
    step: &IapStep,
    member: &str,
) -> (Layer, bool) {
    let m = &a.model;
    let place = step.place();
    match &step.verdict {
        IapVerdict::Admitted {
            grant,
            member: who,
            span,
        } => {
            let g = &m.iap_grants[*grant].binding;
            (
                layer(
                    "network",
                    Step::Pass,
                    format!(
                        "{place} admits {who}: {} grants {} to {who}",
                        g.address, g.role
                    ),
                    Some(*span),
                ),
                true,
            )
        }
        IapVerdict::Refused => {
            let who = match member {
                "allUsers" => "an anonymous request is refused (IAP asks it to sign in)",
                "allAuthenticatedUsers" => "a Google account it does not name is refused",
                _ => "its requests are refused",
            };
            let mut because = format!(
                "{place} admits only the principals its access policy grants {ACCESSOR_ROLE}, and no binding in the configuration grants it to {member}: {who}"
            );
            // IAP on a backend guards the load balancer only.
            if step.backend.is_some() && matches!(entry, Entry::Balancers { .. }) {
                because.push_str(&format!(
                    "; from inside the network the request does not pass through IAP: ingress {:?} admits it and IAM decides (the layers below)",
                    s.ingress.as_ref().map(|i| i.label()).unwrap_or("not known")
                ));
            }
            (
                layer("network", Step::Fail, because, Some(step.gate.span)),
                false,
            )
        }
        IapVerdict::Maybe { why, .. } => (
            layer(
                "network",
                Step::Unknown,
                format!("{place}: whether its access policy admits {member} is not known ({why})"),
                Some(step.gate.span),
            ),
            false,
        ),
    }
}

/// The binding that would let `member` through IAP.
fn iap_fix(s: &Service, step: &IapStep, member: &str) -> String {
    let regional = |b: &str| {
        b.split('.')
            .any(|p| p == "google_compute_region_backend_service")
    };
    let (rtype, mut args) = match step.backend {
        Some(b) if regional(b) => (
            "google_iap_web_region_backend_service_iam_member",
            vec![
                ("web_region_backend_service", format!("{b}.name")),
                ("region", format!("{b}.region")),
            ],
        ),
        Some(b) => (
            "google_iap_web_backend_service_iam_member",
            vec![("web_backend_service", format!("{b}.name"))],
        ),
        None => (
            "google_iap_web_cloud_run_service_iam_member",
            vec![
                ("cloud_run_service_name", format!("{}.name", s.address)),
                ("location", format!("{}.location", s.address)),
            ],
        ),
    };
    args.push(("role", format!("{ACCESSOR_ROLE:?}")));
    args.push(("member", format!("{member:?}")));
    let width = args.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let body: String = args
        .iter()
        .map(|(k, v)| format!("  {k:<width$} = {v}\n"))
        .collect();
    let lead = if member == "allUsers" {
        "an anonymous request passes IAP only if its policy admits allUsers; if the service is meant to be public, grant that on purpose (otherwise sign in with an account the policy admits):"
    } else {
        "let the principal through IAP:"
    };
    format!("{lead}\nresource \"{rtype}\" \"iap_access\" {{\n{body}}}")
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
