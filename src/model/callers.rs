//! Callers: resources that send requests to Cloud Run services or run jobs,
//! each with its identity (or none), its token, its target and its span.
//! The provider's readers (`provider/callers/`) build them; this module
//! holds what they are and how their targets are found.

use super::{Field, Service};
use crate::eval::{Reference, Text, Unknown};
use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    PubsubPush,
    Scheduler,
    CloudTasks,
    Eventarc,
    Workflow,
    Iap,
    /// A Cloud Run service whose configuration hands it another service's URL.
    Service,
    /// An API Gateway config whose OpenAPI document routes to a backend
    /// (`x-google-backend`).
    ApiGateway,
    /// A Firebase Hosting rewrite to a Cloud Run service.
    FirebaseHosting,
    /// A BigQuery remote function calling its endpoint.
    BigQueryRemoteFunction,
    /// The Eventarc trigger of a 2nd gen function's `event_trigger`, which
    /// delivers events to the function's own Cloud Run service.
    FunctionTrigger,
}

impl CallerKind {
    pub fn noun(self) -> &'static str {
        match self {
            CallerKind::PubsubPush => "Pub/Sub push subscription",
            CallerKind::Scheduler => "Cloud Scheduler job",
            CallerKind::CloudTasks => "Cloud Tasks queue",
            CallerKind::Eventarc => "Eventarc trigger",
            CallerKind::Workflow => "workflow",
            CallerKind::Iap => "Identity-Aware Proxy",
            CallerKind::Service => "Cloud Run service",
            CallerKind::ApiGateway => "API Gateway",
            CallerKind::FirebaseHosting => "Firebase Hosting rewrite",
            CallerKind::BigQueryRemoteFunction => "BigQuery remote function",
            CallerKind::FunctionTrigger => "2nd gen function event trigger",
        }
    }

    /// Google-managed callers that Cloud Run counts as internal traffic from
    /// the same project (or VPC-SC perimeter) when they use the run.app URL.
    pub fn internal_when_same_project(self) -> bool {
        !matches!(
            self,
            CallerKind::Iap
                | CallerKind::Service
                | CallerKind::ApiGateway
                | CallerKind::FirebaseHosting
        )
    }

    /// Google products whose requests reach the service from outside its
    /// network and through no load balancer of the configuration: ingress
    /// `internal` and `internal-and-cloud-load-balancing` reject them.
    pub fn external(self) -> bool {
        matches!(self, CallerKind::ApiGateway | CallerKind::FirebaseHosting)
    }

    /// Callers whose target is always a Cloud Run service (a name, not a
    /// URL that may point anywhere): a target not found is worth a note.
    pub fn always_cloud_run(self) -> bool {
        matches!(
            self,
            CallerKind::Eventarc
                | CallerKind::Iap
                | CallerKind::FirebaseHosting
                | CallerKind::FunctionTrigger
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Oidc,
    OAuth,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    /// An IAM member, e.g. `serviceAccount:x@p.iam.gserviceaccount.com`,
    /// parts known only after apply kept as references.
    Member(Text),
    /// The Compute Engine default service account of the project
    /// (`PROJECT_NUMBER-compute@developer.gserviceaccount.com`): what a
    /// trigger, workflow or service without a service account runs as.
    ComputeDefault {
        project: Field,
    },
    /// The IAP service agent of the service's project.
    IapAgent,
    /// No identity is sent (what `allUsers` covers).
    None,
    /// Any signed-in Google account (what `allAuthenticatedUsers` covers).
    AnyAccount,
    Unknown(Unknown),
}

impl Identity {
    /// The identity a `service_account` / `service_account_email`
    /// attribute names: an email, `projects/P/serviceAccounts/EMAIL`, or a
    /// reference to a service account's `email`, `id` or `name`.
    pub fn service_account(f: Field) -> Identity {
        let email = match f {
            Field::Known(s) => match s.split_once("/serviceAccounts/") {
                Some((_, email)) if s.starts_with("projects/") => Text::lit(email),
                _ => Text::lit(s),
            },
            Field::Symbolic(t) => match t.as_reference() {
                Some(r) if is_service_account_name(r) => {
                    Text::reference(Reference::new(r.resource.clone(), "email"))
                }
                _ => t,
            },
            Field::Unknown(u) => return Identity::Unknown(u),
        };
        let mut m = Text::lit("serviceAccount:");
        m.append(email);
        Identity::Member(m)
    }

    /// In words, for messages.
    pub fn describe(&self) -> String {
        match self {
            Identity::Member(m) => match connection_account(m) {
                Some(connection) => {
                    format!("the service account of BigQuery connection {connection} ({m})")
                }
                None => m.to_string(),
            },
            Identity::ComputeDefault { project } => match project.known() {
                Some(p) => format!(
                    "the Compute Engine default service account of project {p:?} (PROJECT_NUMBER-compute@developer.gserviceaccount.com)"
                ),
                None => "the Compute Engine default service account (PROJECT_NUMBER-compute@developer.gserviceaccount.com)".into(),
            },
            Identity::IapAgent => {
                "the IAP service agent (service-PROJECT_NUMBER@gcp-sa-iap.iam.gserviceaccount.com)"
                    .into()
            }
            Identity::None => "no identity".into(),
            Identity::AnyAccount => "any Google account".into(),
            Identity::Unknown(u) => format!("an unknown identity ({})", u.reason()),
        }
    }
}

/// The attribute of a `google_bigquery_connection` holding the email of
/// the service account Google creates for a Cloud resource connection.
pub const CONNECTION_ACCOUNT: &str = "cloud_resource[0].service_account_id";

/// `serviceAccount:${CONNECTION.cloud_resource[0].service_account_id}`: the
/// connection's address.
fn connection_account(m: &Text) -> Option<String> {
    let rest = m.strip_prefix("serviceAccount:")?;
    let r = rest.as_reference()?;
    (&*r.path == CONNECTION_ACCOUNT && r.resource.contains("google_bigquery_connection."))
        .then(|| r.resource.to_string())
}

/// `google_service_account.x.id` / `.name` (`projects/P/serviceAccounts/EMAIL`).
fn is_service_account_name(r: &Reference) -> bool {
    (r.resource.contains("google_service_account.")) && matches!(&*r.path, "id" | "name")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// An HTTP request to the service (needs `run.routes.invoke`).
    Invoke,
    /// Runs a job through the Cloud Run Admin API (needs `run.jobs.run`).
    RunJob,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub root: usize,
    pub address: String,
    pub kind: CallerKind,
    pub action: Action,
    pub identity: Identity,
    pub identity_span: Option<Span>,
    pub token: Token,
    pub audience: Option<(Text, Span)>,
    /// Services (or jobs) the caller targets; empty when not linked.
    pub targets: Vec<usize>,
    /// What the caller is configured to call (URL, name), for messages.
    pub target_text: String,
    /// The URL it calls, when it is one (known or not).
    pub target_url: Option<Text>,
    /// Why the target is not known, when it is not.
    pub target_unknown: Option<Unknown>,
    pub target_span: Span,
    /// The target URL is the service's own run.app URL (or a reference to it).
    pub default_url: bool,
    /// The request comes from the internet (IAP on the service, or IAP on an
    /// external load balancer).
    pub from_internet: bool,
    pub project: Field,
    pub span: Span,
    pub module_spans: Vec<Span>,
    /// Other resources every finding about this caller involves (the
    /// BigQuery connection whose service account a remote function uses).
    pub related: Vec<String>,
}

impl Caller {
    /// Why this caller's Cloud Run target is not one the model knows, when it
    /// calls Cloud Run (a run.app URL, a URL known only after apply, a job
    /// run, a caller kind that always calls Cloud Run) and was linked to no
    /// service: what `--explain-unknown` and the caller rules' notes say.
    pub fn unresolved_target(&self) -> Option<String> {
        if !self.targets.is_empty() {
            return None;
        }
        let cloud_run = self.kind.always_cloud_run()
            || self.action == Action::RunJob
            || self.target_text.contains("run.app")
            || self.target_unknown.is_some()
            || self.target_url.as_ref().is_some_and(|u| !u.is_known());
        cloud_run.then(|| match &self.target_unknown {
            Some(u) => u.reason(),
            None => format!(
                "{} is not a service of this configuration",
                self.target_text
            ),
        })
    }
}

/// A caller before its target is linked to services.
pub struct RawCaller {
    pub caller: Caller,
    pub target: RawTarget,
}

pub enum RawTarget {
    Url(Text),
    /// Eventarc: service name and region.
    Named {
        name: Field,
        region: Field,
    },
    /// A job run through the Admin API.
    Job {
        name: String,
        location: Option<String>,
    },
    /// IAP: the service itself.
    Service(String),
    Unresolved(Unknown),
}

/// A `google_cloud_run_domain_mapping`: a custom domain routed to a service.
pub struct DomainMapping {
    pub domain: String,
    pub service: Field,
    pub location: Field,
}

/// URL attributes of services: a reference to one of them is the service's
/// own run.app URL.
fn is_url_attr(r: &Reference) -> bool {
    matches!(
        r.first_attr(),
        "uri" | "urls" | "status" | "service_config" | "url" | "https_trigger_url"
    )
}

/// The host of a URL, when the literal text reaches past it.
fn known_host(url: &Text) -> Option<&str> {
    let rest = url.literal_prefix().split_once("://")?.1;
    match rest.find(['/', ':', '?']) {
        Some(end) => Some(&rest[..end]),
        None if url.is_known() => Some(rest),
        None => None,
    }
}

/// The services a URL points at: a reference to a service's URL attribute
/// (`${google_cloud_run_v2_service.x.uri}/path`), a custom domain mapped to
/// a service, or a run.app host whose first label starts with a service
/// name. Returns the services and whether the URL is the default run.app one.
pub fn services_for_url(
    url: &Text,
    services: &[Service],
    domains: &[DomainMapping],
    root: usize,
) -> (Vec<usize>, bool) {
    let mut found = Vec::new();
    let mut default_url = false;
    for r in url.refs() {
        for (idx, s) in services.iter().enumerate() {
            if s.root == root
                && s.has_address()
                && r.points_into(&s.address)
                && !found.contains(&idx)
            {
                found.push(idx);
                default_url |= is_url_attr(r);
            }
        }
    }
    if !found.is_empty() {
        return (found, default_url);
    }
    let host = known_host(url).unwrap_or("");
    if let Some(d) = domains.iter().find(|d| d.domain == host) {
        // A custom domain: the service is reached, but not via run.app.
        for (i, s) in services.iter().enumerate() {
            if s.root != root || s.kind.is_job() {
                continue;
            }
            let by_ref = d
                .service
                .text()
                .and_then(|t| t.as_reference().cloned())
                .is_some_and(|r| s.has_address() && r.points_into(&s.address));
            let by_name = d.service.same(&s.name) == Some(true) && d.location.agrees(&s.location);
            if by_ref || by_name {
                found.push(i);
            }
        }
        return (found, false);
    }
    if host.ends_with(".run.app") {
        let label = host.split('.').next().unwrap_or("");
        let best = services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.root == root && !s.kind.is_job())
            .filter_map(|(i, s)| s.name.known().map(|n| (i, n)))
            .filter(|(_, n)| label.starts_with(&format!("{n}-")))
            .max_by_key(|(_, n)| n.len());
        if let Some((i, _)) = best {
            found.push(i);
            default_url = true;
        }
    }
    (found, default_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_identities() {
        let member = |f: Field| match Identity::service_account(f) {
            Identity::Member(t) => t.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            member(Field::Known("a@p.iam.gserviceaccount.com".into())),
            "serviceAccount:a@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            member(Field::Known(
                "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com".into()
            )),
            "serviceAccount:a@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            member(Field::Symbolic(Text::reference(Reference::new(
                "module.m.google_service_account.wf",
                "id"
            )))),
            "serviceAccount:${module.m.google_service_account.wf.email}"
        );
    }
}
