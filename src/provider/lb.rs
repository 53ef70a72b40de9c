//! Load balancers: serverless network endpoint groups (`cloud_run {
//! service }`) and the backend services that use them, with their scheme
//! (external or internal) and IAP.

use super::res::{Res, attr_in};
use crate::eval::Value;
use crate::model::Field;
use crate::model::lb::{Backend, Neg};

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
        on.then(|| super::callers::iap(res, root, res.project(), "", span))
    });
    Backend {
        address: res.address.clone(),
        name: res
            .field("name")
            .map(|f| f.0)
            .unwrap_or_else(|| Field::Unknown(res.not_set("name"))),
        project: res.project(),
        region: regional.then(|| {
            res.field("region")
                .map(|f| f.0)
                .unwrap_or_else(|| Field::Unknown(res.not_set("region")))
        }),
        external,
        groups,
        iap_caller,
    }
}
