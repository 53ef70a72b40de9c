//! Services: Cloud Run services (v1 and v2 resources), Cloud Run jobs and
//! Cloud Run functions, with their ingress, `invoker_iam_disabled`, custom
//! audiences and runtime identity.

use super::{Field, IapGate, Identity};
use crate::eval::{Text, Unknown};
use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceKind {
    V1Service,
    V2Service,
    V2Job,
    /// A Cloud Run function (2nd gen): a Cloud Run service underneath.
    Function2,
    /// A Cloud Run function (1st gen) with an HTTP trigger: invoked with
    /// `cloudfunctions.functions.invoke`.
    Function1,
}

impl ServiceKind {
    pub fn is_job(self) -> bool {
        self == ServiceKind::V2Job
    }

    pub fn noun(self) -> &'static str {
        match self {
            ServiceKind::V2Job => "Cloud Run job",
            ServiceKind::Function2 => "Cloud Run function (2nd gen)",
            ServiceKind::Function1 => "Cloud Run function (1st gen)",
            _ => "Cloud Run service",
        }
    }

    /// "invoke" a service, "run" a job.
    pub fn verb(self) -> &'static str {
        if self.is_job() { "run" } else { "invoke" }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingress {
    All,
    Internal,
    InternalAndLoadBalancer,
}

impl Ingress {
    pub fn label(self) -> &'static str {
        match self {
            Ingress::All => "all",
            Ingress::Internal => "internal",
            Ingress::InternalAndLoadBalancer => "internal-and-cloud-load-balancing",
        }
    }
}

/// An external load balancer's backend that reaches a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalPath {
    pub backend: String,
    /// IAP is enabled on the backend: only the principals its access policy
    /// admits get through (authz/iap.rs decides who).
    pub iap: Option<IapGate>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub root: usize,
    /// The resource address; empty for a service the configuration does
    /// not declare (named only by grants).
    pub address: String,
    pub kind: ServiceKind,
    pub name: Field,
    pub project: Field,
    pub location: Field,
    /// Jobs have no ingress (`All`); a service not declared here has an
    /// unknown one.
    pub ingress: Result<Ingress, Unknown>,
    pub ingress_span: Option<Span>,
    /// Span of `invoker_iam_disabled = true` (or the v1 annotation).
    pub invoker_iam_disabled: Option<Span>,
    /// Why `invoker_iam_disabled` is not known, when it is set to a value
    /// runwarden cannot see.
    pub invoker_iam_unknown: Option<Unknown>,
    /// Span of `default_uri_disabled = true`: the run.app URL is turned off.
    pub default_uri_disabled: Option<Span>,
    pub span: Span,
    /// Module call blocks from the root down to this resource.
    pub module_spans: Vec<Span>,
    /// External load balancers that reach this service.
    pub external_lbs: Vec<ExternalPath>,
    /// IAP on the service itself (`iap_enabled = true`, v1 annotation
    /// `run.googleapis.com/iap-enabled`): every request passes it first.
    pub iap: Option<IapGate>,
    /// `custom_audiences`: accepted OIDC audiences besides the URL.
    pub custom_audiences: Vec<Text>,
    /// The runtime service account's email as configured; `None` when not
    /// set (it runs as the Compute Engine default service account).
    pub service_account: Option<Field>,
    /// Declared in the configuration (not only named by a grant, nor only
    /// read back by a data source).
    pub declared: bool,
}

impl Service {
    /// Whether the configuration has a block for it (a resource, or a data
    /// source reading it back) that references can point into.
    pub fn has_address(&self) -> bool {
        !self.address.is_empty()
    }

    /// `projects/P/locations/L/services/N` (`jobs/N`, `functions/N`) when
    /// all parts are known.
    pub fn full_name(&self) -> Option<String> {
        let kind = match self.kind {
            ServiceKind::V2Job => "jobs",
            ServiceKind::Function1 => "functions",
            _ => "services",
        };
        Some(format!(
            "projects/{}/locations/{}/{kind}/{}",
            self.project.known()?,
            self.location.known()?,
            self.name.known()?
        ))
    }

    /// The name as written (`api`, `api-${random_id.x.hex}`), else the address.
    pub fn display_name(&self) -> String {
        match &self.name {
            Field::Unknown(_) => self.address.clone(),
            other => other.to_string(),
        }
    }

    /// The identity the service runs as: its service account, else the
    /// Compute Engine default service account (1st gen functions: the App
    /// Engine default service account, `PROJECT_ID@appspot.gserviceaccount.com`).
    pub fn runtime_identity(&self) -> Identity {
        match (&self.service_account, self.kind) {
            (Some(f), _) => Identity::service_account(f.clone()),
            (None, ServiceKind::Function1) => match self.project.text() {
                Some(p) => {
                    let mut email = p;
                    email.push_str("@appspot.gserviceaccount.com");
                    Identity::service_account(Field::Symbolic(email))
                }
                None => Identity::Unknown(
                    self.project
                        .unknown()
                        .cloned()
                        .unwrap_or_else(|| Unknown::not_modelled("project not known", self.span)),
                ),
            },
            (None, _) => Identity::ComputeDefault {
                project: self.project.clone(),
            },
        }
    }

    /// Names that `[rules.X] allow` globs match.
    pub fn allow_keys(&self) -> Vec<String> {
        let mut k = Vec::new();
        k.extend(self.name.known().map(str::to_string));
        k.extend(self.full_name());
        k
    }
}
