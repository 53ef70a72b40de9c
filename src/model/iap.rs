//! IAP access policies: who may pass Identity-Aware Proxy in front of a
//! service. A binding of `roles/iap.httpsResourceAccessor` on the IAP
//! resource of a load balancer backend, of a Cloud Run service with
//! `iap_enabled`, or on every IAP-secured web resource of a project
//! (`google_iap_web_*_iam_*`, sources in docs/facts.md §15).

use super::{Field, Grant};
use crate::eval::Reference;
use crate::syntax::Span;

/// What an IAP IAM resource guards.
#[derive(Debug, Clone, PartialEq)]
pub enum IapResource {
    /// `google_iap_web_iam_*`: every IAP-secured web resource of the project.
    Web { project: Field },
    /// `google_iap_web_type_compute_iam_*`: every IAP-secured (global)
    /// backend service of the project.
    Compute { project: Field },
    /// `google_iap_web_backend_service_iam_*` (`web_backend_service`), and
    /// `google_iap_web_region_backend_service_iam_*`
    /// (`web_region_backend_service`, `region`: `Some`).
    BackendService {
        name: Field,
        region: Option<Field>,
        project: Field,
        reference: Option<Reference>,
    },
    /// `google_iap_web_cloud_run_service_iam_*` (`cloud_run_service_name`,
    /// `location`): IAP on the service itself.
    CloudRunService {
        name: Field,
        location: Field,
        project: Field,
        reference: Option<Reference>,
    },
}

/// One binding of an IAP access policy. `binding` carries the role,
/// members, condition, data source and spans as any grant does; its
/// `scope` and `target` are not used (`resource` says what it guards), and
/// it is never one of `AccessModel::grants`.
#[derive(Debug, Clone)]
pub struct IapGrant {
    pub resource: IapResource,
    pub binding: Grant,
}

/// IAP in front of a service: the `iap` block of a backend service or
/// `iap_enabled` on the service, and the bindings that decide who passes it.
#[derive(Debug, Clone, PartialEq)]
pub struct IapGate {
    /// The setting that turns IAP on.
    pub span: Span,
    /// Indexes into `AccessModel::iap_grants` of the bindings on this IAP
    /// resource and on the project levels above it.
    pub policy: Vec<usize>,
}

/// A load balancer backend as IAP policies name it.
pub struct BackendName<'a> {
    pub address: &'a str,
    pub name: &'a Field,
    pub project: &'a Field,
    /// `Some` for `google_compute_region_backend_service`.
    pub region: Option<&'a Field>,
}

fn refers(reference: &Option<Reference>, address: &str) -> bool {
    reference.as_ref().is_some_and(|r| r.points_into(address))
}

impl IapResource {
    /// Whether this resource's policy applies to IAP on backend `b`.
    pub fn guards_backend(&self, b: &BackendName) -> bool {
        match self {
            IapResource::Web { project } => project.agrees(b.project),
            IapResource::Compute { project } => b.region.is_none() && project.agrees(b.project),
            IapResource::BackendService {
                name,
                region,
                project,
                reference,
            } => {
                region.is_some() == b.region.is_some()
                    && (refers(reference, b.address)
                        || (name.same(b.name) == Some(true)
                            && project.agrees(b.project)
                            && match (region, b.region) {
                                (Some(r), Some(br)) => r.agrees(br),
                                _ => true,
                            }))
            }
            IapResource::CloudRunService { .. } => false,
        }
    }

    /// Whether this resource's policy applies to IAP on service `s`
    /// (`iap_enabled`).
    pub fn guards_service(&self, s: &super::Service) -> bool {
        match self {
            IapResource::Web { project } => project.agrees(&s.project),
            IapResource::CloudRunService {
                name,
                location,
                project,
                reference,
            } => {
                refers(reference, &s.address)
                    || (name.same(&s.name) == Some(true)
                        && project.agrees(&s.project)
                        && location.agrees(&s.location))
            }
            IapResource::Compute { .. } | IapResource::BackendService { .. } => false,
        }
    }
}

/// The gate of IAP on backend `b`: the policy bindings that guard it.
pub fn gate_of_backend(grants: &[IapGrant], b: &BackendName, span: Span) -> IapGate {
    IapGate {
        span,
        policy: (0..grants.len())
            .filter(|&i| grants[i].resource.guards_backend(b))
            .collect(),
    }
}

/// Fills the gates of IAP on services with `iap_enabled`.
pub fn link_services(grants: &[IapGrant], services: &mut [super::Service]) {
    for s in services.iter_mut() {
        let Some(mut gate) = s.iap.take() else {
            continue;
        };
        gate.policy = (0..grants.len())
            .filter(|&i| grants[i].resource.guards_service(s))
            .collect();
        s.iap = Some(gate);
    }
}
