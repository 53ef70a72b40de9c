//! The google provider as runwarden knows it: one registry of the resource
//! kinds the analysis reads, the attributes the provider computes, and the
//! readers that turn resource instances into the access model's facts.
//!
//! The loader asks [`keeps_body`] which bodies to keep, the evaluator asks
//! [`Google`] for computed attributes, and [`build`] reads every root's
//! resources through [`KINDS`]. Adding a resource kind is one line in
//! [`KINDS`] and the reader it names.
//!
//! - `run.rs`: Cloud Run services, jobs, functions; `iam.rs`: grants;
//!   `lb.rs`: load balancers; `iap.rs`: IAP access policies; `org.rs`:
//!   custom roles, hierarchy, policies; `callers/`: one file per caller
//!   kind; `attrs.rs`: computed attributes

mod attrs;
mod callers;
mod deny;
mod iam;
mod iap;
mod lb;
mod org;
pub(crate) mod res;
mod run;

pub use attrs::Google;
pub use iam::is_iam_type;

use crate::eval::{Evaluator, Inputs, UNKNOWN_KEY_SUFFIX};
use crate::load::{Mode, ModuleId, Workspace};
use crate::model::{self, AccessModel, Root, RootFacts, ServiceKind, UnknownNote};
use rayon::prelude::*;
use res::Res;

/// What the model reads from a resource kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    Service(ServiceKind),
    /// `*_iam_member` / `_binding` / `_policy` (see [`is_iam_type`]).
    Grant,
    Caller,
    Neg,
    Backend,
    DomainMapping,
    /// Custom roles, projects, folders, organization policies.
    Org,
    /// IAM deny policies.
    Deny,
    /// IAP access policies (`google_iap_web_*_iam_*`): who passes IAP.
    IapGrant,
    /// A data source reading a service deployed elsewhere.
    DataService(ServiceKind),
}

/// Every managed resource type the model reads (IAM resources aside, which
/// [`is_iam_type`] recognises by family).
pub const KINDS: &[(&str, Reads)] = &[
    (
        "google_cloud_run_service",
        Reads::Service(ServiceKind::V1Service),
    ),
    (
        "google_cloud_run_v2_service",
        Reads::Service(ServiceKind::V2Service),
    ),
    (
        "google_cloud_run_v2_job",
        Reads::Service(ServiceKind::V2Job),
    ),
    (
        "google_cloudfunctions2_function",
        Reads::Service(ServiceKind::Function2),
    ),
    (
        "google_cloudfunctions_function",
        Reads::Service(ServiceKind::Function1),
    ),
    ("google_pubsub_subscription", Reads::Caller),
    ("google_cloud_scheduler_job", Reads::Caller),
    ("google_cloud_tasks_queue", Reads::Caller),
    ("google_eventarc_trigger", Reads::Caller),
    ("google_workflows_workflow", Reads::Caller),
    ("google_api_gateway_api_config", Reads::Caller),
    ("google_firebase_hosting_version", Reads::Caller),
    ("google_bigquery_routine", Reads::Caller),
    ("google_compute_region_network_endpoint_group", Reads::Neg),
    ("google_compute_backend_service", Reads::Backend),
    ("google_compute_region_backend_service", Reads::Backend),
    ("google_cloud_run_domain_mapping", Reads::DomainMapping),
    ("google_project_iam_custom_role", Reads::Org),
    ("google_organization_iam_custom_role", Reads::Org),
    ("google_org_policy_policy", Reads::Org),
    ("google_project_organization_policy", Reads::Org),
    ("google_folder_organization_policy", Reads::Org),
    ("google_organization_policy", Reads::Org),
    ("google_project", Reads::Org),
    ("google_folder", Reads::Org),
    ("google_iam_deny_policy", Reads::Deny),
    ("google_iap_web_iam_member", Reads::IapGrant),
    ("google_iap_web_iam_binding", Reads::IapGrant),
    ("google_iap_web_iam_policy", Reads::IapGrant),
    ("google_iap_web_type_compute_iam_member", Reads::IapGrant),
    ("google_iap_web_type_compute_iam_binding", Reads::IapGrant),
    ("google_iap_web_type_compute_iam_policy", Reads::IapGrant),
    ("google_iap_web_backend_service_iam_member", Reads::IapGrant),
    (
        "google_iap_web_backend_service_iam_binding",
        Reads::IapGrant,
    ),
    ("google_iap_web_backend_service_iam_policy", Reads::IapGrant),
    (
        "google_iap_web_region_backend_service_iam_member",
        Reads::IapGrant,
    ),
    (
        "google_iap_web_region_backend_service_iam_binding",
        Reads::IapGrant,
    ),
    (
        "google_iap_web_region_backend_service_iam_policy",
        Reads::IapGrant,
    ),
    (
        "google_iap_web_cloud_run_service_iam_member",
        Reads::IapGrant,
    ),
    (
        "google_iap_web_cloud_run_service_iam_binding",
        Reads::IapGrant,
    ),
    (
        "google_iap_web_cloud_run_service_iam_policy",
        Reads::IapGrant,
    ),
];

/// Data sources that read a service deployed elsewhere back
/// ([`run::read_data`]).
pub const DATA_SERVICES: &[(&str, ServiceKind)] = &[
    ("google_cloud_run_service", ServiceKind::V1Service),
    ("google_cloud_run_v2_service", ServiceKind::V2Service),
    ("google_cloud_run_v2_job", ServiceKind::V2Job),
    ("google_cloudfunctions_function", ServiceKind::Function1),
    ("google_cloudfunctions2_function", ServiceKind::Function2),
];

/// Resource types read only for attributes other resources refer to
/// (service account emails, service agents, IAP settings).
const REFERENCED: &[&str] = &[
    "google_service_account",
    "google_project_service_identity",
    "google_iap_",
    "google_cloud_run",
    "google_cloudfunctions",
    // A remote function's connection named by its full name.
    "google_bigquery_connection",
];

/// What the model reads from resource type `rtype`, if anything.
pub fn reads(rtype: &str) -> Option<Reads> {
    if is_iam_type(rtype) {
        return Some(Reads::Grant);
    }
    KINDS.iter().find(|(t, _)| *t == rtype).map(|(_, r)| *r)
}

/// Whether the loader keeps the body of managed resources of type `rtype`.
/// Others keep only `count` / `for_each`: a reference to one of their
/// attributes stays a reference, which is what most of them are anyway
/// (ids, self links), and large monorepos of unrelated infrastructure cost
/// little memory.
pub fn keeps_body(rtype: &str) -> bool {
    reads(rtype).is_some() || REFERENCED.iter().any(|p| rtype.starts_with(p))
}

/// Builds the access model of every root module, roots in parallel.
pub fn build(ws: &Workspace, inputs: &Inputs) -> AccessModel {
    let parts: Vec<AccessModel> = ws
        .roots
        .par_iter()
        .enumerate()
        .map(|(i, &root)| read_root(ws, root, i, inputs).link(i))
        .collect();
    let roots = ws
        .roots
        .iter()
        .map(|&m| Root {
            module: m,
            display: ws.modules[m].display.clone(),
        })
        .collect();
    model::merge(roots, parts)
}

fn read_root(ws: &Workspace, root: ModuleId, root_idx: usize, inputs: &Inputs) -> RootFacts {
    let ev = Evaluator::new(ws, root, inputs, &Google);
    let mut facts = RootFacts::default();
    for inst in ev.all_instances() {
        let module = &ws.modules[ev.instance(inst).module];
        facts.resources += module.resources.len();
        for (decl, r) in module.resources.iter().enumerate() {
            let what = match r.mode {
                Mode::Managed => reads(&r.rtype),
                Mode::Data => DATA_SERVICES
                    .iter()
                    .find(|(t, _)| *t == r.rtype)
                    .map(|(_, k)| Reads::DataService(*k)),
            };
            let Some(what) = what else {
                continue;
            };
            let expansion = ev.expansion(inst, decl);
            if let Some(u) = expansion.unknown() {
                // Still analyzed: one instance `[*]` stands for all of them.
                let addr = ev.resource_address(inst, decl, None);
                facts.unknowns.push(UnknownNote::new(
                    root_idx,
                    u.span,
                    format!("instances of {addr} (analyzed as {addr}{UNKNOWN_KEY_SUFFIX})"),
                    u,
                ));
            }
            let call_spans = ev.instance(inst).call_spans.clone();
            for key in expansion.keys() {
                let res = Res {
                    ev: &ev,
                    rtype: &r.rtype,
                    body: &r.block.body,
                    ctx: ev.resource_ctx(inst, decl, key.as_ref()),
                    address: ev.resource_address(inst, decl, key.as_ref()),
                    span: r.block.span,
                    module_spans: call_spans.clone(),
                    inst,
                    decl,
                };
                read(&res, what, root_idx, &mut facts);
            }
        }
    }
    for u in ev.notes.borrow().iter() {
        facts
            .unknowns
            .push(UnknownNote::new(root_idx, u.span, "module call", u));
    }
    facts
}

/// Reads one resource instance into the facts of its root.
fn read(res: &Res, what: Reads, root: usize, facts: &mut RootFacts) {
    match what {
        Reads::DataService(kind) => facts.services.push(run::read_data(res, kind, root)),
        Reads::Service(kind) => {
            let Some(s) = run::read(res, kind, root) else {
                return;
            };
            if let Some(gate) = &s.iap {
                facts.callers.push(callers::iap(
                    res,
                    root,
                    s.project.clone(),
                    &s.address,
                    gate.span,
                ));
            }
            facts.callers.extend(callers::env_urls(res, root, &s));
            facts.callers.extend(callers::event_trigger(res, root, &s));
            facts.services.push(s);
        }
        Reads::Grant => iam::read(res, root, &mut facts.grants),
        Reads::Caller => facts.callers.extend(callers::read(res, root)),
        Reads::DomainMapping => facts.domains.extend(callers::domain_mapping(res)),
        Reads::Org => org::read(res, root, &mut facts.org),
        Reads::Deny => deny::read(res, root, &mut facts.deny),
        Reads::IapGrant => iap::read(res, root, &mut facts.iap_grants),
        Reads::Neg => facts.negs.extend(lb::neg(res)),
        Reads::Backend => facts.backends.push(lb::backend(res, root)),
    }
}
