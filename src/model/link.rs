//! Linking: grants to the services they name, callers to the services they
//! call.
//!
//! A grant that refers to a service (`service = google_cloud_run_service.x.name`)
//! is linked by that reference, whatever the name holds. Otherwise it is
//! linked by project + location + name, across the v1 and v2 APIs. A grant
//! naming a service the configuration does not declare (deployed with
//! gcloud or by another repository) gets that service: one per distinct
//! name, with an unknown ingress.

use super::callers::{DomainMapping, RawCaller, RawTarget, services_for_url};
use super::grant::{Grant, Scope, Target};
use super::{Caller, Field, Service};
use crate::eval::Unknown;

/// Links service-level grants to `services`, adding the services they name
/// that are not declared.
pub fn grants(grants: &mut [Grant], services: &mut Vec<Service>, root: usize) {
    for g in grants.iter_mut() {
        let (Scope::Services(ids), Some(t)) = (&mut g.scope, &g.target) else {
            continue;
        };
        *ids = services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.declared && t.family.manages(s.kind))
            .filter(|(_, s)| names(t, s))
            .map(|(i, _)| i)
            .collect();
        if !ids.is_empty() {
            continue;
        }
        // Not declared here: the service this grant names, shared by every
        // grant that names it the same way.
        let found = services
            .iter()
            .position(|s| !s.declared && t.family.manages(s.kind) && same_undeclared(t, s));
        let id = found.unwrap_or_else(|| {
            services.push(undeclared(t, root, g.target_span));
            services.len() - 1
        });
        ids.push(id);
    }
}

/// Does target `t` name declared service `s`?
fn names(t: &Target, s: &Service) -> bool {
    if let Some(r) = &t.reference
        && r.points_into(&s.address)
    {
        return true;
    }
    t.name.same(&s.name) == Some(true)
        && t.project.agrees(&s.project)
        && t.location.agrees(&s.location)
}

fn same_undeclared(t: &Target, s: &Service) -> bool {
    t.name.same(&s.name) == Some(true)
        && t.project.same(&s.project).unwrap_or(t.project == s.project)
        && t.location
            .same(&s.location)
            .unwrap_or(t.location == s.location)
}

fn undeclared(t: &Target, root: usize, span: crate::syntax::Span) -> Service {
    let kind = t.family.kind();
    Service {
        root,
        address: String::new(),
        kind,
        name: t.name.clone(),
        project: t.project.clone(),
        location: t.location.clone(),
        ingress: if kind.is_job() {
            Ok(super::Ingress::All)
        } else {
            Err(Unknown::not_modelled(
                "the service is not declared in this configuration",
                span,
            ))
        },
        ingress_span: None,
        invoker_iam_disabled: None,
        invoker_iam_unknown: None,
        default_uri_disabled: None,
        span,
        module_spans: Vec::new(),
        external_lbs: Vec::new(),
        iap: None,
        custom_audiences: Vec::new(),
        service_account: None,
        declared: false,
    }
}

/// Links a caller's target to services.
pub fn caller(
    raw: RawCaller,
    services: &[Service],
    domains: &[DomainMapping],
    root: usize,
) -> Caller {
    let mut c = raw.caller;
    let in_root = |s: &Service| s.root == root;
    match raw.target {
        RawTarget::Url(url) => {
            let (found, default_url) = services_for_url(&url, services, domains, root);
            c.targets = found;
            c.default_url = default_url;
        }
        RawTarget::Named { name, region } => {
            let reference = name.text().and_then(|t| t.as_reference().cloned());
            c.targets = services
                .iter()
                .enumerate()
                .filter(|(_, s)| in_root(s) && !s.kind.is_job())
                .filter(|(_, s)| match &reference {
                    Some(r) => s.has_address() && r.points_into(&s.address),
                    None => name.same(&s.name) == Some(true) && region.agrees(&s.location),
                })
                .map(|(i, _)| i)
                .collect();
            if let Field::Unknown(u) = name {
                c.target_unknown = Some(u);
            }
        }
        RawTarget::Job { name, location } => {
            let location = location.map(Field::Known);
            c.targets = services
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    in_root(s)
                        && s.kind.is_job()
                        && s.name.known() == Some(name.as_str())
                        && location.as_ref().is_none_or(|l| l.agrees(&s.location))
                })
                .map(|(i, _)| i)
                .collect();
        }
        RawTarget::Service(address) => {
            c.targets = services
                .iter()
                .enumerate()
                .filter(|(_, s)| in_root(s) && s.address == address)
                .map(|(i, _)| i)
                .collect();
        }
        RawTarget::Unresolved(u) => c.target_unknown = Some(u),
    }
    c
}
