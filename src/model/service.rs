//! Services: Cloud Run services (v1 and v2 resources), Cloud Run jobs and
//! Cloud Run functions (2nd gen), with their ingress, `invoker_iam_disabled`,
//! custom audiences and runtime identity. An argument set to `null` is not
//! set: the provider default applies.

use super::res::{Res, attr_in};
use super::{Field, Identity};
use crate::eval::{Text, Unknown, Value};
use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceKind {
    V1Service,
    V2Service,
    V2Job,
    /// A Cloud Run function (2nd gen): a Cloud Run service underneath.
    Function2,
}

impl ServiceKind {
    pub fn of(rtype: &str) -> Option<ServiceKind> {
        Some(match rtype {
            "google_cloud_run_service" => ServiceKind::V1Service,
            "google_cloud_run_v2_service" => ServiceKind::V2Service,
            "google_cloud_run_v2_job" => ServiceKind::V2Job,
            "google_cloudfunctions2_function" => ServiceKind::Function2,
            _ => return None,
        })
    }

    pub fn is_job(self) -> bool {
        self == ServiceKind::V2Job
    }

    pub fn noun(self) -> &'static str {
        match self {
            ServiceKind::V2Job => "Cloud Run job",
            ServiceKind::Function2 => "Cloud Run function (2nd gen)",
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
    /// IAP is enabled on the backend: every request through it is authenticated.
    pub iap: bool,
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
    pub span: Span,
    /// Module call blocks from the root down to this resource.
    pub module_spans: Vec<Span>,
    /// External load balancers that reach this service.
    pub external_lbs: Vec<ExternalPath>,
    /// `custom_audiences`: accepted OIDC audiences besides the URL.
    pub custom_audiences: Vec<Text>,
    /// The runtime service account's email as configured; `None` when not
    /// set (it runs as the Compute Engine default service account).
    pub service_account: Option<Field>,
    /// Declared in the configuration (not only named by a grant).
    pub declared: bool,
}

impl Service {
    /// `projects/P/locations/L/services/N` when all parts are known.
    pub fn full_name(&self) -> Option<String> {
        let kind = if self.kind.is_job() {
            "jobs"
        } else {
            "services"
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

    /// The identity the service runs as.
    pub fn runtime_identity(&self) -> Identity {
        match &self.service_account {
            Some(f) => Identity::service_account(f.clone()),
            None => Identity::ComputeDefault {
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

/// Reads a declared service, job or function.
pub fn read(res: &Res, kind: ServiceKind, root: usize) -> Service {
    let name = field_or_unknown(res, "name");
    let location = field_or_unknown(res, "location");
    let mut s = Service {
        root,
        address: res.address.clone(),
        kind,
        name,
        project: res.project(),
        location,
        ingress: Ok(Ingress::All),
        ingress_span: None,
        invoker_iam_disabled: None,
        invoker_iam_unknown: None,
        span: res.span,
        module_spans: res.module_spans.clone(),
        external_lbs: Vec::new(),
        custom_audiences: Vec::new(),
        service_account: None,
        declared: true,
    };
    let ingress = |s: &mut Service, span: Span, v: &Value, table: &[(&str, Ingress)]| {
        s.ingress_span = Some(span);
        s.ingress = match v.as_str().and_then(|x| table.iter().find(|(k, _)| *k == x)) {
            Some((_, i)) => Ok(*i),
            None => {
                let u = v.not_known(span).unwrap_or_else(|| {
                    Unknown::error(format!("unexpected ingress value {v:?}"), span)
                });
                Err(u)
            }
        };
    };
    match kind {
        ServiceKind::V2Service => {
            if let Some((a, v)) = res.attr("ingress") {
                ingress(&mut s, a.span, &v, V2_INGRESS);
            }
            if let Some((a, v)) = res.attr("invoker_iam_disabled") {
                match v.as_bool() {
                    Some(true) => s.invoker_iam_disabled = Some(a.span),
                    Some(false) => {}
                    // Not known: no finding of its own (--explain-unknown lists it).
                    None => s.invoker_iam_unknown = v.not_known(a.span),
                }
            }
            s.custom_audiences = res
                .attr("custom_audiences")
                .and_then(|(_, v)| v.elements())
                .unwrap_or_default()
                .iter()
                .filter_map(Value::text)
                .collect();
        }
        ServiceKind::V1Service => {
            for (body, ctx) in res.nested(&["metadata"]) {
                let Some((a, v)) = attr_in(res.ev, body, &ctx, "annotations") else {
                    continue;
                };
                let Value::Map(m) = v else {
                    s.ingress_span = Some(a.span);
                    s.ingress = Err(v
                        .not_known(a.span)
                        .unwrap_or_else(|| Unknown::error("annotations is not a map", a.span)));
                    continue;
                };
                if let Some(v) = m.get("run.googleapis.com/ingress").filter(|v| !v.is_null()) {
                    ingress(&mut s, a.span, v, V1_INGRESS);
                }
                if let Some(list) = m
                    .get("run.googleapis.com/custom-audiences")
                    .and_then(Value::as_str)
                    .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
                {
                    s.custom_audiences = list.into_iter().map(Text::lit).collect();
                }
                if m.get("run.googleapis.com/invoker-iam-disabled")
                    .and_then(Value::as_bool)
                    == Some(true)
                {
                    s.invoker_iam_disabled = Some(a.span);
                }
            }
        }
        ServiceKind::Function2 => {
            for (body, ctx) in res.nested(&["service_config"]) {
                if let Some((a, v)) = attr_in(res.ev, body, &ctx, "ingress_settings") {
                    ingress(&mut s, a.span, &v, FUNCTION_INGRESS);
                }
            }
        }
        ServiceKind::V2Job => {}
    }
    s.service_account = runtime_service_account(res, kind);
    s
}

/// `ingress` of `google_cloud_run_v2_service` (default `INGRESS_TRAFFIC_ALL`).
const V2_INGRESS: &[(&str, Ingress)] = &[
    ("INGRESS_TRAFFIC_ALL", Ingress::All),
    ("INGRESS_TRAFFIC_INTERNAL_ONLY", Ingress::Internal),
    (
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
        Ingress::InternalAndLoadBalancer,
    ),
];

/// The `run.googleapis.com/ingress` annotation of v1 services (default `all`).
const V1_INGRESS: &[(&str, Ingress)] = &[
    ("all", Ingress::All),
    ("internal", Ingress::Internal),
    (
        "internal-and-cloud-load-balancing",
        Ingress::InternalAndLoadBalancer,
    ),
];

/// `service_config.ingress_settings` of functions (default `ALLOW_ALL`).
const FUNCTION_INGRESS: &[(&str, Ingress)] = &[
    ("ALLOW_ALL", Ingress::All),
    ("ALLOW_INTERNAL_ONLY", Ingress::Internal),
    ("ALLOW_INTERNAL_AND_GCLB", Ingress::InternalAndLoadBalancer),
];

fn field_or_unknown(res: &Res, name: &str) -> Field {
    match res.field(name) {
        Some((f, _)) => f,
        None => Field::Unknown(res.not_set(name)),
    }
}

/// The runtime service account: v2 `template { service_account }`, v1
/// `template { spec { service_account_name } }`, job `template { template {
/// service_account } }`, function `service_config { service_account_email }`.
fn runtime_service_account(res: &Res, kind: ServiceKind) -> Option<Field> {
    let (path, attr): (&[&str], &str) = match kind {
        ServiceKind::V2Service => (&["template"], "service_account"),
        ServiceKind::V1Service => (&["template", "spec"], "service_account_name"),
        ServiceKind::V2Job => (&["template", "template"], "service_account"),
        ServiceKind::Function2 => (&["service_config"], "service_account_email"),
    };
    let level = res.nested(path);
    let (body, ctx) = level.first()?;
    let (a, v) = attr_in(res.ev, body, ctx, attr)?;
    Some(Field::from_value(v, a.span))
}
