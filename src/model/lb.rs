//! Load balancers in front of services: serverless network endpoint groups
//! (`cloud_run { service }`) and the backend services that use them, with
//! their scheme (external or internal) and IAP.

use super::res::{Res, attr_in};
use super::{ExternalPath, Field, Service, callers};
use crate::eval::Value;

pub struct Neg {
    address: String,
    service: Field,
    region: Field,
}

pub struct Backend {
    address: String,
    external: bool,
    groups: Vec<Field>,
    /// The IAP caller of an IAP-enabled backend, when IAP is on.
    iap_caller: Option<callers::RawCaller>,
}

pub fn neg(res: &Res) -> Option<Neg> {
    let blocks = res.nested(&["cloud_run"]);
    let (body, ctx) = blocks.first()?;
    let (a, v) = attr_in(res.ev, body, ctx, "service")?;
    Some(Neg {
        address: res.address.clone(),
        service: Field::from_value(v, a.span),
        region: res
            .field("region")
            .map(|f| f.0)
            .unwrap_or_else(|| Field::Unknown(res.not_set("region"))),
    })
}

/// `google_compute_backend_service` (global: external unless the scheme
/// says otherwise) and `google_compute_region_backend_service`.
pub fn backend(res: &Res, root: usize) -> Backend {
    let regional = res.rtype == "google_compute_region_backend_service";
    let external = match res.known("load_balancing_scheme").as_deref() {
        None => !regional && res.attr("load_balancing_scheme").is_none(),
        Some("EXTERNAL_MANAGED" | "EXTERNAL") => true,
        Some(_) => false,
    };
    let groups = res
        .blocks("backend")
        .items
        .iter()
        .filter_map(|(b, c)| attr_in(res.ev, b, c, "group"))
        .map(|(a, v)| Field::from_value(v, a.span))
        .collect();
    let iap_caller = res.blocks("iap").items.first().and_then(|(b, c)| {
        let enabled = attr_in(res.ev, b, c, "enabled");
        let on = enabled
            .as_ref()
            .map(|(_, v)| v.as_bool() != Some(false) && !matches!(v, Value::Unknown(_)))
            .unwrap_or(true);
        // The finding points at the `iap` block itself.
        let span = b
            .attributes
            .iter()
            .map(|a| a.span)
            .reduce(|x, y| crate::syntax::Span {
                file: x.file,
                start: x.start.min(y.start),
                end: x.end.max(y.end),
            })
            .unwrap_or(res.span);
        let span = enabled.map(|(a, _)| a.span).unwrap_or(span);
        on.then(|| callers::iap(res, root, res.project(), "", span))
    });
    Backend {
        address: res.address.clone(),
        external,
        groups,
        iap_caller,
    }
}

fn points_into(f: &Field, address: &str) -> bool {
    f.text()
        .is_some_and(|t| t.refs().any(|r| r.points_into(address)))
}

/// Links backends to services through NEGs: marks the external paths of
/// each service and returns the IAP callers of IAP-enabled backends.
pub fn link(
    backends: &[Backend],
    negs: &[Neg],
    services: &mut [Service],
) -> Vec<callers::RawCaller> {
    let mut iap = Vec::new();
    for b in backends {
        for g in &b.groups {
            for neg in negs.iter().filter(|n| points_into(g, &n.address)) {
                for s in services.iter_mut().filter(|s| s.declared) {
                    let by_ref = points_into(&neg.service, &s.address);
                    let by_name =
                        neg.service.same(&s.name) == Some(true) && neg.region.agrees(&s.location);
                    if !(by_ref || by_name) {
                        continue;
                    }
                    if b.external && !s.external_lbs.iter().any(|p| p.backend == b.address) {
                        s.external_lbs.push(ExternalPath {
                            backend: b.address.clone(),
                            iap: b.iap_caller.is_some(),
                        });
                    }
                    if let Some(raw) = &b.iap_caller {
                        let mut c = raw.caller.clone();
                        c.project = s.project.clone();
                        c.from_internet = b.external;
                        c.target_text = s.address.clone();
                        iap.push(callers::RawCaller {
                            caller: c,
                            target: callers::RawTarget::Service(s.address.clone()),
                        });
                    }
                }
            }
        }
    }
    iap
}
