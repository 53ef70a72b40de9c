//! Cloud Run services (v1 and v2 resources), jobs and Cloud Run functions
//! (2nd gen, and 1st gen with an HTTP trigger): ingress,
//! `invoker_iam_disabled`, `default_uri_disabled`, `iap_enabled`, custom audiences and
//! runtime identity. An argument set to `null` is not set: the provider
//! default applies (sources in docs/facts.md).

use super::res::{Res, attr_in};
use crate::eval::{Text, Unknown, Value};
use crate::model::{Field, IapGate, Ingress, Service, ServiceKind};
use crate::syntax::Span;

/// Reads a declared service, job or function; `None` for a 1st gen
/// function without an HTTP trigger (events reach it, not requests).
/// A service read back with a data source (`data "google_cloud_run_service"`,
/// `_v2_service`, `_v2_job`, `google_cloudfunctions_function`,
/// `google_cloudfunctions2_function`): deployed elsewhere, so not declared
/// here and its ingress not known, but callers and grants that refer to the
/// data source link to it.
pub fn read_data(res: &Res, kind: ServiceKind, root: usize) -> Service {
    let name = field_or_unknown(res, "name");
    let location = match kind {
        ServiceKind::Function1 => res
            .field("region")
            .map(|f| f.0)
            .unwrap_or_else(|| Field::Unknown(res.not_set("region"))),
        _ => field_or_unknown(res, "location"),
    };
    Service {
        root,
        address: res.address.clone(),
        kind,
        name,
        project: res.project(),
        location,
        ingress: if kind.is_job() {
            Ok(Ingress::All)
        } else {
            Err(Unknown::not_modelled(
                format!("{} reads a service deployed elsewhere", res.address),
                res.span,
            ))
        },
        ingress_span: None,
        invoker_iam_disabled: None,
        invoker_iam_unknown: None,
        default_uri_disabled: None,
        span: res.span,
        module_spans: res.module_spans.clone(),
        external_lbs: Vec::new(),
        iap: None,
        custom_audiences: Vec::new(),
        service_account: None,
        declared: false,
    }
}

pub fn read(res: &Res, kind: ServiceKind, root: usize) -> Option<Service> {
    if kind == ServiceKind::Function1
        && res.attr("trigger_http").and_then(|(_, v)| v.as_bool()) != Some(true)
    {
        return None;
    }
    let name = field_or_unknown(res, "name");
    let location = match kind {
        // 1st gen functions take `region` (default: the provider's region).
        ServiceKind::Function1 => res
            .field("region")
            .map(|f| f.0)
            .unwrap_or_else(|| Field::Unknown(res.not_set("region"))),
        _ => field_or_unknown(res, "location"),
    };
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
        default_uri_disabled: None,
        span: res.span,
        module_spans: res.module_spans.clone(),
        external_lbs: Vec::new(),
        iap: None,
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
            if let Some((a, v)) = res.attr("default_uri_disabled")
                && v.as_bool() == Some(true)
            {
                s.default_uri_disabled = Some(a.span);
            }
            if let Some((a, v)) = res.attr("iap_enabled")
                && v.as_bool() == Some(true)
            {
                s.iap = Some(iap_gate(a.span));
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
                if m.get("run.googleapis.com/iap-enabled")
                    .and_then(Value::as_bool)
                    == Some(true)
                {
                    s.iap = Some(iap_gate(a.span));
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
        ServiceKind::Function1 => {
            if let Some((a, v)) = res.attr("ingress_settings") {
                // The provider accepts these in any case.
                let upper = match &v {
                    Value::String(x) => Value::String(x.to_ascii_uppercase()),
                    other => other.clone(),
                };
                ingress(&mut s, a.span, &upper, FUNCTION_INGRESS);
            }
        }
        ServiceKind::V2Job => {}
    }
    s.service_account = runtime_service_account(res, kind);
    Some(s)
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

/// IAP turned on by the setting at `span`; its policy is linked later.
fn iap_gate(span: Span) -> IapGate {
    IapGate {
        span,
        policy: Vec::new(),
    }
}

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
        ServiceKind::Function1 => (&[], "service_account_email"),
    };
    let level = res.nested(path);
    let (body, ctx) = level.first()?;
    let (a, v) = attr_in(res.ev, body, ctx, attr)?;
    Some(Field::from_value(v, a.span))
}
