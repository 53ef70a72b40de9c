//! IAP access policies: `google_iap_web_backend_service_iam_*`,
//! `google_iap_web_region_backend_service_iam_*`,
//! `google_iap_web_cloud_run_service_iam_*`, and the project levels
//! `google_iap_web_type_compute_iam_*` and `google_iap_web_iam_*`
//! (`_member`, `_binding`, `_policy` with `data "google_iam_policy"` or
//! `jsonencode`, read as grants are). Sources in docs/facts.md §15.

use super::iam;
use super::res::Res;
use crate::model::{Field, IapGrant, IapResource, Scope};

/// Reads the bindings of one IAP IAM resource instance.
pub fn read(res: &Res, root: usize, out: &mut Vec<IapGrant>) {
    let rtype = res.rtype;
    let field = |name: &str| -> Field {
        match res.field(name) {
            Some((f, _)) => f,
            None => Field::Unknown(res.not_set(name)),
        }
    };
    let reference = |f: &Field| match f {
        Field::Symbolic(t) => t.as_reference().cloned(),
        _ => None,
    };
    let project = res.project();
    let (resource, name_attr) = if rtype.starts_with("google_iap_web_backend_service_iam_") {
        let name = field("web_backend_service");
        let resource = IapResource::BackendService {
            reference: reference(&name),
            name,
            region: None,
            project,
        };
        (resource, "web_backend_service")
    } else if rtype.starts_with("google_iap_web_region_backend_service_iam_") {
        let name = field("web_region_backend_service");
        let resource = IapResource::BackendService {
            reference: reference(&name),
            name,
            region: Some(field("region")),
            project,
        };
        (resource, "web_region_backend_service")
    } else if rtype.starts_with("google_iap_web_cloud_run_service_iam_") {
        let name = field("cloud_run_service_name");
        let resource = IapResource::CloudRunService {
            reference: reference(&name),
            name,
            location: field("location"),
            project,
        };
        (resource, "cloud_run_service_name")
    } else if rtype.starts_with("google_iap_web_type_compute_iam_") {
        (IapResource::Compute { project }, "project")
    } else if rtype.starts_with("google_iap_web_iam_") {
        (IapResource::Web { project }, "project")
    } else {
        return;
    };
    let scope = match res.field(name_attr) {
        None if name_attr != "project" => Scope::Unresolved(res.not_set(name_attr)),
        Some((Field::Unknown(u), _)) => Scope::Unresolved(u),
        _ => Scope::Services(Vec::new()),
    };
    let base = iam::blank(res, root, scope, res.span_of(name_attr));
    let mut bindings = Vec::new();
    iam::bindings(res, base, &mut bindings);
    out.extend(bindings.into_iter().map(|binding| IapGrant {
        resource: resource.clone(),
        binding,
    }));
}
