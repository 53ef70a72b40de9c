//! Load balancers in front of services: serverless network endpoint groups
//! (`cloud_run { service }`) and the backend services that use them, with
//! their scheme (external or internal) and IAP.

use super::iap::{BackendName, IapGrant, gate_of_backend};
use super::{ExternalPath, Field, Service, callers};

pub struct Neg {
    pub address: String,
    pub service: Field,
    pub region: Field,
}

pub struct Backend {
    pub address: String,
    pub name: Field,
    pub project: Field,
    /// `google_compute_region_backend_service`: its region.
    pub region: Option<Field>,
    pub external: bool,
    pub groups: Vec<Field>,
    /// The IAP caller of an IAP-enabled backend, when IAP is on (its
    /// `target_span` is the setting that turns IAP on).
    pub iap_caller: Option<callers::RawCaller>,
}

fn points_into(f: &Field, address: &str) -> bool {
    f.text()
        .is_some_and(|t| t.refs().any(|r| r.points_into(address)))
}

/// Links backends to services through NEGs: marks the external paths of
/// each service (with the IAP policy bindings that guard them) and returns
/// the IAP callers of IAP-enabled backends.
pub fn link(
    backends: &[Backend],
    negs: &[Neg],
    iap_grants: &[IapGrant],
    services: &mut [Service],
) -> Vec<callers::RawCaller> {
    let mut iap = Vec::new();
    for b in backends {
        let gate = b.iap_caller.as_ref().map(|raw| {
            let name = BackendName {
                address: &b.address,
                name: &b.name,
                project: &b.project,
                region: b.region.as_ref(),
            };
            gate_of_backend(iap_grants, &name, raw.caller.target_span)
        });
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
                            iap: gate.clone(),
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
