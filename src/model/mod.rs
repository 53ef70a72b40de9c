//! The Cloud Run access model: services and jobs with their ingress, the
//! grants that name them (service-level and project/folder/organization
//! level), and the load balancers in front of them. Rules ask this model
//! questions and never see syntax or evaluation.

pub mod access;
pub mod callers;
pub mod org;
pub mod roles;

pub use callers::{Action, Caller, CallerKind, Identity, Token};

use crate::eval::{Ctx, Evaluator, Expansion, Inputs, InstId, InstanceKey, ResourceHandle, Value};
use crate::load::{Mode, ModuleId, Workspace};
use crate::syntax::{Attribute, Body, ExprKind, Span, TraversalOp};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    V1Service,
    V2Service,
    V2Job,
    /// A Cloud Functions (2nd gen) function: a Cloud Run service underneath.
    Function2,
}

impl ServiceKind {
    pub fn is_job(self) -> bool {
        self == ServiceKind::V2Job
    }
    pub fn noun(self) -> &'static str {
        match self {
            ServiceKind::V2Job => "Cloud Run job",
            ServiceKind::Function2 => "Cloud Function (2nd gen)",
            _ => "Cloud Run service",
        }
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

#[derive(Debug, Clone)]
pub struct Root {
    pub module: ModuleId,
    pub display: String,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub root: usize,
    pub address: String,
    pub kind: ServiceKind,
    pub name: Option<String>,
    pub project: Option<String>,
    pub location: Option<String>,
    /// `None` when it could not be resolved. Jobs have no ingress: `All`.
    pub ingress: Option<Ingress>,
    pub ingress_span: Option<Span>,
    /// Span of `invoker_iam_disabled = true` (or the v1 annotation).
    pub invoker_iam_disabled: Option<Span>,
    pub span: Span,
    /// Module call blocks from the root down to this resource.
    pub module_spans: Vec<Span>,
    /// Backend services of external load balancers that reach this service.
    pub external_lbs: Vec<String>,
    /// `custom_audiences` (v2 services): accepted OIDC audiences besides the URL.
    pub custom_audiences: Vec<String>,
    /// The runtime service account's email as written (symbolic values kept
    /// as `${addr.attr}` strings); `None` when not set or not resolved.
    pub service_account: Option<String>,
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
            self.project.as_ref()?,
            self.location.as_ref()?,
            self.name.as_ref()?
        ))
    }
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.address.clone())
    }
    /// The IAM member string of the identity the service runs as.
    pub fn runtime_member(&self) -> Option<String> {
        self.service_account
            .as_ref()
            .map(|e| format!("serviceAccount:{e}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Member,
    Binding,
    Policy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Linked to these services/jobs (indexes into `AccessModel::services`).
    Services(Vec<usize>),
    /// Service-level grant whose service is not in the configuration.
    UnresolvedService(String),
    Project(Option<String>),
    Folder(Option<String>),
    Organization(Option<String>),
}

#[derive(Debug, Clone)]
pub enum MemberValue {
    Known(String),
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct Member {
    pub value: MemberValue,
    /// The attribute holding it (`member`, `members`, `policy_data`).
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub root: usize,
    pub address: String,
    pub resource_type: String,
    pub kind: GrantKind,
    pub scope: Scope,
    /// `None` when the role could not be resolved.
    pub role: Option<String>,
    pub role_span: Span,
    pub members: Vec<Member>,
    pub condition: Option<String>,
    pub span: Span,
    pub module_spans: Vec<Span>,
    /// The `data "google_iam_policy"` that holds this binding, if any.
    pub via: Option<String>,
    /// Span of the data source block, for suppression above it.
    pub via_span: Option<Span>,
    /// How a service-level grant names its service or job, as written.
    pub target: Option<Target>,
    /// The attribute naming the target (`name`, `service`, `project`,
    /// `folder`, `org_id`), or the resource block when it is not set.
    pub target_span: Span,
    /// The role as written when it is symbolic (`${google_project_iam_custom_role.x.name}`).
    pub role_ref: Option<String>,
}

/// Something the analysis could not see, for `--explain-unknown`.
#[derive(Debug, Clone)]
pub struct UnknownNote {
    pub root: usize,
    pub span: Span,
    pub subject: String,
    pub reason: String,
}

/// A file that could not be read or parsed.
#[derive(Debug, Clone)]
pub struct FileProblem {
    pub root: usize,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct AccessModel {
    pub roots: Vec<Root>,
    pub file_problems: Vec<FileProblem>,
    pub services: Vec<Service>,
    pub grants: Vec<Grant>,
    pub callers: Vec<Caller>,
    /// Custom roles, domain-restricted-sharing policies, the resource hierarchy.
    pub org: org::OrgFacts,
    pub unknowns: Vec<UnknownNote>,
    pub resources: usize,
    pub index: GrantIndex,
    /// `resource_changes` of a `--plan` file (empty without one).
    pub plan_changes: Vec<crate::plan::PlanChange>,
    /// The `--plan` file, for findings that point into it.
    pub plan_file: Option<crate::syntax::FileId>,
    /// Bindings of `--live-policy` exports on Cloud Run services and jobs.
    pub live: Vec<crate::live::LiveBinding>,
}

impl AccessModel {
    pub fn grants_on(&self, service: usize) -> impl Iterator<Item = &Grant> {
        self.index.by_service[service]
            .iter()
            .map(|&g| &self.grants[g])
    }

    /// Indexes grants by service and by root so that questions about one
    /// service never scan every grant (the model can hold tens of thousands).
    fn build_index(&mut self) {
        let mut idx = GrantIndex {
            by_service: vec![Vec::new(); self.services.len()],
            scoped_by_root: vec![Vec::new(); self.roots.len()],
            unresolved_by_root: vec![Vec::new(); self.roots.len()],
        };
        for (gi, g) in self.grants.iter().enumerate() {
            match &g.scope {
                Scope::Services(ids) => ids.iter().for_each(|&s| idx.by_service[s].push(gi)),
                Scope::UnresolvedService(_) => {
                    if let Some(v) = idx.unresolved_by_root.get_mut(g.root) {
                        v.push(gi)
                    }
                }
                _ => {
                    if let Some(v) = idx.scoped_by_root.get_mut(g.root) {
                        v.push(gi)
                    }
                }
            }
        }
        self.index = idx;
    }
}

/// Grant indexes of an [`AccessModel`].
#[derive(Debug, Default)]
pub struct GrantIndex {
    pub by_service: Vec<Vec<usize>>,
    /// Project, folder and organization grants per root.
    pub scoped_by_root: Vec<Vec<usize>>,
    /// Service-level grants whose service was not found, per root.
    pub unresolved_by_root: Vec<Vec<usize>>,
}

pub const PUBLIC_PRINCIPALS: [&str; 2] = ["allUsers", "allAuthenticatedUsers"];

pub fn is_public(member: &str) -> bool {
    PUBLIC_PRINCIPALS.contains(&member)
}

const SERVICE_TYPES: &[(&str, ServiceKind)] = &[
    ("google_cloud_run_service", ServiceKind::V1Service),
    ("google_cloud_run_v2_service", ServiceKind::V2Service),
    ("google_cloud_run_v2_job", ServiceKind::V2Job),
    ("google_cloudfunctions2_function", ServiceKind::Function2),
];

/// Builds the model for every root module, roots in parallel.
pub fn build(ws: &Workspace, inputs: &Inputs) -> AccessModel {
    let parts: Vec<AccessModel> = ws
        .roots
        .par_iter()
        .enumerate()
        .map(|(i, &root)| build_root(ws, root, i, inputs))
        .collect();
    let mut model = AccessModel::default();
    for (i, &root) in ws.roots.iter().enumerate() {
        model.roots.push(Root {
            module: root,
            display: ws.modules[root].display.clone(),
        });
        let _ = i;
    }
    for part in parts {
        let offset = model.services.len();
        model.services.extend(part.services);
        for mut g in part.grants {
            if let Scope::Services(s) = &mut g.scope {
                s.iter_mut().for_each(|x| *x += offset);
            }
            model.grants.push(g);
        }
        for mut c in part.callers {
            c.targets.iter_mut().for_each(|x| *x += offset);
            model.callers.push(c);
        }
        model.org.extend(part.org);
        model.unknowns.extend(part.unknowns);
        model.resources += part.resources;
    }
    model.build_index();
    model
}

/// How a service-level grant names its service or job.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub jobs: bool,
    /// Address of a resource the name refers to symbolically.
    pub reference: Option<String>,
    pub name: Option<String>,
    pub project: Option<String>,
    pub location: Option<String>,
    pub described: String,
}

struct Neg {
    address: String,
    service_name: Option<String>,
    service_ref: Option<String>,
    region: Option<String>,
}

fn build_root(ws: &Workspace, root: ModuleId, root_idx: usize, inputs: &Inputs) -> AccessModel {
    let ev = Evaluator::new(ws, root, inputs);
    let mut out = AccessModel::default();
    let mut raw_grants: Vec<Grant> = Vec::new();
    let mut negs: Vec<Neg> = Vec::new();
    let mut backends: Vec<Backend> = Vec::new();
    let mut raw_callers: Vec<callers::RawCaller> = Vec::new();
    let mut domains: Vec<callers::DomainMapping> = Vec::new();
    let default_project = ev.provider_project();
    let unknown = |out: &mut AccessModel, span: Span, subject: &str, reason: &str| {
        out.unknowns.push(UnknownNote {
            root: root_idx,
            span,
            subject: subject.to_string(),
            reason: reason.to_string(),
        })
    };
    for inst in ev.all_instances() {
        let module = &ws.modules[ev.instance(inst).module];
        out.resources += module.resources.len();
        for (decl, r) in module.resources.iter().enumerate() {
            let relevant = SERVICE_TYPES.iter().any(|(t, _)| *t == r.rtype)
                || (r.mode == Mode::Managed && is_iam_type(&r.rtype))
                || OTHER_TYPES.contains(&r.rtype.as_str())
                || CALLER_TYPES.contains(&r.rtype.as_str())
                || org::is_org_type(&r.rtype);
            if !relevant || r.mode != Mode::Managed {
                continue;
            }
            let keys: Vec<(Option<InstanceKey>, Option<Value>)> = match &*ev.expansion(inst, decl) {
                Expansion::Single => vec![(None, None)],
                Expansion::Keys(k) => k
                    .iter()
                    .map(|(k, v)| (Some(k.clone()), v.clone()))
                    .collect(),
                Expansion::Unknown(u) => {
                    let addr = ev.resource_address(inst, decl, None);
                    unknown(&mut out, u.span, &format!("instances of {addr}"), &u.reason);
                    if is_iam_type(&r.rtype) {
                        // A grant that may or may not exist: callers that
                        // might rely on it cannot be judged missing.
                        raw_grants.push(Grant {
                            root: root_idx,
                            address: addr,
                            resource_type: r.rtype.clone(),
                            kind: GrantKind::Member,
                            scope: Scope::UnresolvedService(format!(
                                "unresolved: instances not known ({})",
                                u.reason
                            )),
                            role: None,
                            role_span: r.block.span,
                            members: Vec::new(),
                            condition: None,
                            span: r.block.span,
                            module_spans: ev.instance(inst).call_spans.clone(),
                            via: None,
                            via_span: None,
                            target: None,
                            target_span: r.block.span,
                            role_ref: None,
                        });
                    }
                    continue;
                }
            };
            let inst_rc = ev.instance(inst);
            for (key, each) in keys {
                let ctx = ev.resource_ctx(inst, key.as_ref(), each.as_ref());
                let address = ev.resource_address(inst, decl, key.as_ref());
                let res = Res {
                    ev: &ev,
                    body: &r.block.body,
                    ctx,
                    address,
                    span: r.block.span,
                    module_spans: inst_rc.call_spans.clone(),
                    inst,
                    decl,
                    key,
                };
                if let Some((_, kind)) = SERVICE_TYPES.iter().find(|(t, _)| *t == r.rtype) {
                    let s = service(&res, *kind, root_idx, &default_project, &mut out.unknowns);
                    if let Some((a, v)) = res.attr("iap_enabled")
                        && v.as_bool() == Some(true)
                    {
                        raw_callers.push(callers::iap(
                            &res,
                            root_idx,
                            s.project.clone(),
                            &s.address,
                            a.span,
                        ));
                    }
                    raw_callers.extend(callers::env_urls(&res, root_idx, &s));
                    out.services.push(s);
                } else if CALLER_TYPES.contains(&r.rtype.as_str()) {
                    raw_callers.extend(callers::read(&res, &r.rtype, root_idx, &default_project));
                } else if r.rtype == "google_cloud_run_domain_mapping" {
                    domains.extend(callers::domain_mapping(&res));
                } else if is_iam_type(&r.rtype) {
                    grants(
                        &res,
                        &r.rtype,
                        root_idx,
                        &default_project,
                        &mut raw_grants,
                        &mut out.unknowns,
                    );
                } else if org::is_org_type(&r.rtype) {
                    org::read(&res, &r.rtype, root_idx, &default_project, &mut out.org);
                } else if r.rtype == "google_compute_region_network_endpoint_group" {
                    if let Some(neg) = neg(&res) {
                        negs.push(neg);
                    }
                } else {
                    let regional = r.rtype == "google_compute_region_backend_service";
                    let scheme = res.string("load_balancing_scheme");
                    let external = match scheme.as_deref() {
                        None => !regional && res.body.attr("load_balancing_scheme").is_none(),
                        Some("EXTERNAL_MANAGED") => true,
                        Some("EXTERNAL") => true,
                        Some(_) => false,
                    };
                    let groups: Vec<String> = ev
                        .blocks(res.body, "backend", &res.ctx)
                        .items
                        .iter()
                        .filter_map(|(b, c)| b.attr("group").map(|a| ev.eval(&a.expr, c)))
                        .filter_map(|v| v.as_string())
                        .collect();
                    let iap = ev
                        .blocks(res.body, "iap", &res.ctx)
                        .items
                        .first()
                        .map(|(b, c)| {
                            let on = b
                                .attr("enabled")
                                .map(|a| ev.eval(&a.expr, c).as_bool() != Some(false))
                                .unwrap_or(true);
                            (on, b.attr("enabled").map(|a| a.span).unwrap_or(res.span))
                        });
                    let iap_caller = match iap {
                        Some((true, span)) => Some(callers::iap(
                            &res,
                            root_idx,
                            default_project.clone(),
                            "",
                            span,
                        )),
                        _ => None,
                    };
                    backends.push(Backend {
                        address: res.address.clone(),
                        external,
                        groups,
                        iap_caller,
                    });
                }
            }
        }
    }
    for (span, why) in ev.notes.borrow().iter() {
        unknown(&mut out, *span, "module call", why);
    }
    // Load balancers: backend -> NEG (by symbolic reference) -> service.
    for b in &backends {
        for g in &b.groups {
            for neg in &negs {
                if !refers_to(g, &neg.address) {
                    continue;
                }
                for s in out.services.iter_mut() {
                    let by_ref = neg
                        .service_ref
                        .as_deref()
                        .is_some_and(|r| refers_to(r, &s.address));
                    let by_name = neg.service_name.is_some()
                        && neg.service_name == s.name
                        && (neg.region.is_none()
                            || s.location.is_none()
                            || neg.region == s.location);
                    if !(by_ref || by_name) {
                        continue;
                    }
                    if b.external && !s.external_lbs.contains(&b.address) {
                        s.external_lbs.push(b.address.clone());
                    }
                    if let Some(iap) = &b.iap_caller {
                        let mut c = iap.caller.clone();
                        c.project = s.project.clone().or(c.project);
                        c.from_internet = b.external;
                        c.target_text = s.address.clone();
                        raw_callers.push(callers::RawCaller {
                            caller: c,
                            target: callers::RawTarget::Service(s.address.clone()),
                        });
                    }
                }
            }
        }
    }
    // Link service-level grants to services.
    for mut g in raw_grants {
        if let (Scope::UnresolvedService(_), Some(t)) = (&g.scope, &g.target) {
            let found: Vec<usize> = out
                .services
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind.is_job() == t.jobs)
                .filter(|(_, s)| match &t.reference {
                    Some(r) => refers_to(r, &s.address),
                    None => {
                        t.name.is_some()
                            && t.name == s.name
                            && agree(&t.location, &s.location)
                            && agree(&t.project, &s.project)
                    }
                })
                .map(|(i, _)| i)
                .collect();
            g.scope = if found.is_empty() {
                Scope::UnresolvedService(t.described.clone())
            } else {
                Scope::Services(found)
            };
        }
        out.grants.push(g);
    }
    for raw in raw_callers {
        let mut c = link_caller(raw, &out.services, &domains, root_idx);
        if c.kind == CallerKind::Service {
            // Only environment values that are another service's URL count.
            c.targets.retain(|&t| out.services[t].address != c.address);
            if c.targets.is_empty() {
                continue;
            }
        }
        if c.targets.is_empty() && c.target_text.starts_with("unresolved") {
            out.unknowns.push(UnknownNote {
                root: root_idx,
                span: c.target_span,
                subject: format!("target of {}", c.address),
                reason: c.target_text.clone(),
            });
        }
        out.callers.push(c);
    }
    out
}

const CALLER_TYPES: &[&str] = &[
    "google_pubsub_subscription",
    "google_cloud_scheduler_job",
    "google_cloud_tasks_queue",
    "google_eventarc_trigger",
    "google_workflows_workflow",
];

/// Resource types read for the model beyond services, IAM and callers.
const OTHER_TYPES: &[&str] = &[
    "google_compute_region_network_endpoint_group",
    "google_compute_backend_service",
    "google_compute_region_backend_service",
    "google_cloud_run_domain_mapping",
];

struct Backend {
    address: String,
    external: bool,
    groups: Vec<String>,
    iap_caller: Option<callers::RawCaller>,
}

fn link_caller(
    raw: callers::RawCaller,
    services: &[Service],
    domains: &[callers::DomainMapping],
    root: usize,
) -> Caller {
    use callers::RawTarget;
    let mut c = raw.caller;
    match raw.target {
        RawTarget::Url(url) => {
            let (found, default_url) = callers::services_for_url(&url, services, domains, root);
            c.targets = found;
            c.default_url = default_url;
        }
        RawTarget::Named {
            name,
            reference,
            region,
        } => {
            c.targets = services
                .iter()
                .enumerate()
                .filter(|(_, s)| s.root == root && !s.kind.is_job())
                .filter(|(_, s)| match (&reference, &name) {
                    (Some(r), _) => {
                        refers_to(r.trim_start_matches("${").trim_end_matches('}'), &s.address)
                    }
                    (None, Some(n)) => s.name.as_ref() == Some(n) && agree(&region, &s.location),
                    _ => false,
                })
                .map(|(i, _)| i)
                .collect();
        }
        RawTarget::Job { name, location } => {
            c.targets = services
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.root == root
                        && s.kind.is_job()
                        && s.name.as_ref() == Some(&name)
                        && agree(&location, &s.location)
                })
                .map(|(i, _)| i)
                .collect();
        }
        RawTarget::Service(address) => {
            c.targets = services
                .iter()
                .enumerate()
                .filter(|(_, s)| s.root == root && s.address == address)
                .map(|(i, _)| i)
                .collect();
        }
        RawTarget::Unresolved => {}
    }
    c
}

fn agree(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// True when the symbolic string `s` (`${addr.attr}` or `addr.attr`) points into resource `address`.
pub(crate) fn refers_to(s: &str, address: &str) -> bool {
    let s = s.trim_start_matches("${");
    s.strip_prefix(address)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('}'))
}

pub(crate) fn is_iam_type(t: &str) -> bool {
    let prefixes = [
        "google_cloud_run_service_iam_",
        "google_cloud_run_v2_service_iam_",
        "google_cloud_run_v2_job_iam_",
        "google_project_iam_",
        "google_folder_iam_",
        "google_organization_iam_",
    ];
    prefixes.iter().any(|p| t.starts_with(p))
        && (t.ends_with("_member") || t.ends_with("_binding") || t.ends_with("_policy"))
        && !t.contains("audit_config")
        && !t.contains("custom_role")
}

/// One resource instance being read.
struct Res<'a, 'w> {
    ev: &'a Evaluator<'w>,
    body: &'a Body,
    ctx: Ctx,
    address: String,
    span: Span,
    module_spans: Vec<Span>,
    inst: InstId,
    decl: usize,
    key: Option<InstanceKey>,
}

impl Res<'_, '_> {
    fn attr(&self, name: &str) -> Option<(&Attribute, Value)> {
        let a = self.body.attr(name)?;
        Some((a, self.ev.eval(&a.expr, &self.ctx)))
    }
    /// A concrete string attribute.
    fn string(&self, name: &str) -> Option<String> {
        match self.attr(name)?.1 {
            Value::String(s) if crate::eval::value::is_concrete(&s) => Some(s),
            _ => None,
        }
    }
}

pub(crate) fn concrete(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if crate::eval::value::is_concrete(s) => Some(s.clone()),
        _ => None,
    }
}

fn service(
    res: &Res,
    kind: ServiceKind,
    root: usize,
    default_project: &Option<String>,
    unknowns: &mut Vec<UnknownNote>,
) -> Service {
    let ev = res.ev;
    let mut note = |span: Span, subject: String, reason: String| {
        unknowns.push(UnknownNote {
            root,
            span,
            subject,
            reason,
        })
    };
    let name = res.string("name");
    let project = res.string("project").or_else(|| {
        if res.body.attr("project").is_none() {
            default_project.clone()
        } else {
            None
        }
    });
    let location = res.string("location");
    let mut ingress = Some(Ingress::All);
    let mut ingress_span = None;
    let mut invoker_iam_disabled = None;
    let mut v1_audiences: Vec<String> = Vec::new();
    match kind {
        ServiceKind::V2Service => {
            if let Some((a, v)) = res.attr("ingress") {
                ingress_span = Some(a.span);
                ingress = match v.as_str() {
                    Some("INGRESS_TRAFFIC_ALL") => Some(Ingress::All),
                    Some("INGRESS_TRAFFIC_INTERNAL_ONLY") => Some(Ingress::Internal),
                    Some("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER") => {
                        Some(Ingress::InternalAndLoadBalancer)
                    }
                    Some("INGRESS_TRAFFIC_NONE") => Some(Ingress::Internal),
                    _ => {
                        note(
                            a.span,
                            format!("ingress of {}", res.address),
                            describe_unknown(&v),
                        );
                        None
                    }
                };
            }
            if let Some((a, v)) = res.attr("invoker_iam_disabled") {
                match v.as_bool() {
                    Some(true) => invoker_iam_disabled = Some(a.span),
                    Some(false) => {}
                    None => note(
                        a.span,
                        format!("invoker_iam_disabled of {}", res.address),
                        describe_unknown(&v),
                    ),
                }
            }
        }
        ServiceKind::V1Service => {
            for (body, ctx) in ev.blocks(res.body, "metadata", &res.ctx).items {
                let Some(a) = body.attr("annotations") else {
                    continue;
                };
                match ev.eval(&a.expr, &ctx) {
                    Value::Map(m) => {
                        if let Some(v) = m.get("run.googleapis.com/ingress") {
                            ingress_span = Some(a.span);
                            ingress = match v.as_str() {
                                Some("all") => Some(Ingress::All),
                                Some("internal") => Some(Ingress::Internal),
                                Some("internal-and-cloud-load-balancing") => {
                                    Some(Ingress::InternalAndLoadBalancer)
                                }
                                _ => {
                                    note(
                                        a.span,
                                        format!("ingress of {}", res.address),
                                        describe_unknown(v),
                                    );
                                    None
                                }
                            };
                        }
                        if let Some(list) = m
                            .get("run.googleapis.com/custom-audiences")
                            .and_then(Value::as_str)
                            .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
                        {
                            v1_audiences = list;
                        }
                        if let Some(v) = m.get("run.googleapis.com/invoker-iam-disabled")
                            && v.as_bool() == Some(true)
                        {
                            invoker_iam_disabled = Some(a.span);
                        }
                    }
                    other => {
                        ingress = None;
                        note(
                            a.span,
                            format!("annotations of {}", res.address),
                            describe_unknown(&other),
                        );
                    }
                }
            }
        }
        ServiceKind::Function2 => {
            for (body, ctx) in ev.blocks(res.body, "service_config", &res.ctx).items {
                if let Some(a) = body.attr("ingress_settings") {
                    ingress_span = Some(a.span);
                    let v = ev.eval(&a.expr, &ctx);
                    ingress = match v.as_str() {
                        Some("ALLOW_ALL") => Some(Ingress::All),
                        Some("ALLOW_INTERNAL_ONLY") => Some(Ingress::Internal),
                        Some("ALLOW_INTERNAL_AND_GCLB") => Some(Ingress::InternalAndLoadBalancer),
                        _ => {
                            note(
                                a.span,
                                format!("ingress_settings of {}", res.address),
                                describe_unknown(&v),
                            );
                            None
                        }
                    };
                }
            }
        }
        ServiceKind::V2Job => {}
    }
    let service_account = runtime_service_account(res, kind, &mut note);
    let _ = (res.inst, res.decl, &res.key);
    Service {
        root,
        address: res.address.clone(),
        kind,
        name,
        project,
        location,
        ingress,
        ingress_span,
        invoker_iam_disabled,
        span: res.span,
        module_spans: res.module_spans.clone(),
        external_lbs: Vec::new(),
        custom_audiences: res
            .attr("custom_audiences")
            .and_then(|(_, v)| v.elements())
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_string)
            .chain(v1_audiences)
            .collect(),
        service_account,
    }
}

/// The runtime service account: v2 `template { service_account }`, v1
/// `template { spec { service_account_name } }`, job `template { template {
/// service_account } }`, function `service_config { service_account_email }`.
fn runtime_service_account(
    res: &Res,
    kind: ServiceKind,
    note: &mut impl FnMut(Span, String, String),
) -> Option<String> {
    let path: &[&str] = match kind {
        ServiceKind::V2Service => &["template", "service_account"],
        ServiceKind::V1Service => &["template", "spec", "service_account_name"],
        ServiceKind::V2Job => &["template", "template", "service_account"],
        ServiceKind::Function2 => &["service_config", "service_account_email"],
    };
    let ev = res.ev;
    let (blocks, attr) = path.split_at(path.len() - 1);
    let mut level = vec![(res.body, res.ctx.clone())];
    for kind in blocks {
        level = level
            .iter()
            .flat_map(|(b, c)| ev.blocks(b, kind, c).items)
            .collect();
    }
    let (body, ctx) = level.first()?;
    let a = body.attr(attr.first()?)?;
    match ev.eval(&a.expr, ctx) {
        Value::Null => None,
        v @ (Value::String(_) | Value::Ref(_) | Value::Resource(_)) => v.as_string(),
        other => {
            note(
                a.span,
                format!("service account of {}", res.address),
                describe_unknown(&other),
            );
            None
        }
    }
}

fn neg(res: &Res) -> Option<Neg> {
    let ev = res.ev;
    let blocks = ev.blocks(res.body, "cloud_run", &res.ctx);
    let (body, ctx) = blocks.items.first()?;
    let a = body.attr("service")?;
    let v = ev.eval(&a.expr, ctx);
    let (service_name, service_ref) = match &v {
        Value::String(s) if crate::eval::value::is_concrete(s) => (Some(s.clone()), None),
        other => (None, other.as_string()),
    };
    Some(Neg {
        address: res.address.clone(),
        service_name,
        service_ref,
        region: res.string("region"),
    })
}

pub(crate) fn describe_unknown(v: &Value) -> String {
    match v {
        Value::Unknown(u) => u.reason.to_string(),
        Value::Ref(r) => format!("known only after apply ({r})"),
        other => format!("unexpected {} value", other.type_name()),
    }
}

fn member_values(v: &Value, span: Span) -> Vec<Member> {
    let one = |v: &Value| Member {
        value: match v {
            Value::String(s) => MemberValue::Known(s.clone()),
            Value::Ref(_) | Value::Resource(_) => {
                MemberValue::Known(v.as_string().unwrap_or_default())
            }
            other => MemberValue::Unknown(describe_unknown(other)),
        },
        span,
    };
    match v {
        Value::List(items) => items.iter().map(one).collect(),
        Value::Null => Vec::new(),
        other => vec![one(other)],
    }
}

fn condition_of(ev: &Evaluator, body: &Body, ctx: &Ctx) -> Option<String> {
    let blocks = ev.blocks(body, "condition", ctx);
    let (b, c) = blocks.items.first()?;
    let expr = b.attr("expression").map(|a| ev.eval(&a.expr, c));
    let title = b.attr("title").map(|a| ev.eval(&a.expr, c));
    Some(
        expr.and_then(|v| v.as_string())
            .or_else(|| title.and_then(|v| v.as_string()))
            .unwrap_or_else(|| "condition".into()),
    )
}

fn grants(
    res: &Res,
    rtype: &str,
    root: usize,
    default_project: &Option<String>,
    out: &mut Vec<Grant>,
    unknowns: &mut Vec<UnknownNote>,
) {
    let ev = res.ev;
    let kind = if rtype.ends_with("_member") {
        GrantKind::Member
    } else if rtype.ends_with("_binding") {
        GrantKind::Binding
    } else {
        GrantKind::Policy
    };
    let span_of = |attr: &str| res.body.attr(attr).map_or(res.span, |a| a.span);
    let (scope, target, target_span) = if rtype.starts_with("google_project_iam_") {
        let p = res.string("project").or_else(|| default_project.clone());
        (Scope::Project(p), None, span_of("project"))
    } else if rtype.starts_with("google_folder_iam_") {
        (Scope::Folder(res.string("folder")), None, span_of("folder"))
    } else if rtype.starts_with("google_organization_iam_") {
        (
            Scope::Organization(res.string("org_id")),
            None,
            span_of("org_id"),
        )
    } else {
        let name_attr = if rtype.starts_with("google_cloud_run_service_iam_") {
            "service"
        } else {
            "name"
        };
        let jobs = rtype.starts_with("google_cloud_run_v2_job_iam_");
        let mut t = Target {
            jobs,
            reference: None,
            name: None,
            project: res.string("project"),
            location: res.string("location"),
            described: String::new(),
        };
        match res.attr(name_attr) {
            Some((a, v)) => match &v {
                Value::String(s) if crate::eval::value::is_concrete(s) => {
                    // The v1 IAM resources' state holds `v1/projects/...`.
                    let parts: Vec<&str> = s.trim_start_matches("v1/").split('/').collect();
                    match parts.as_slice() {
                        ["projects", p, "locations", l, _, n] => {
                            t.project = Some(p.to_string());
                            t.location = Some(l.to_string());
                            t.name = Some(n.to_string());
                        }
                        ["locations", l, "namespaces", p, _, n] => {
                            t.project = Some(p.to_string());
                            t.location = Some(l.to_string());
                            t.name = Some(n.to_string());
                        }
                        _ => t.name = Some(s.clone()),
                    }
                    t.described = format!("{:?}", s);
                }
                Value::Unknown(u) => {
                    t.described = format!("unresolved ({})", u.reason);
                    unknowns.push(UnknownNote {
                        root,
                        span: a.span,
                        subject: format!("target of {}", res.address),
                        reason: u.reason.to_string(),
                    });
                }
                other => {
                    let s = other.as_string().unwrap_or_default();
                    t.reference =
                        Some(s.trim_start_matches("${").trim_end_matches('}').to_string());
                    t.described = s;
                }
            },
            None => t.described = "not set".into(),
        }
        if t.project.is_none() && res.body.attr("project").is_none() {
            t.project = default_project.clone();
        }
        (
            Scope::UnresolvedService(String::new()),
            Some(t),
            span_of(name_attr),
        )
    };
    let push = |out: &mut Vec<Grant>, grant: Grant| out.push(grant);
    let base = Grant {
        root,
        address: res.address.clone(),
        resource_type: rtype.to_string(),
        kind,
        scope: scope.clone(),
        role: None,
        role_span: res.span,
        members: Vec::new(),
        condition: None,
        span: res.span,
        module_spans: res.module_spans.clone(),
        via: None,
        via_span: None,
        target,
        target_span,
        role_ref: None,
    };
    // The role, or (when symbolic, e.g. a custom role's computed name) the
    // reference as written.
    let role_of = |g: &mut Grant, v: Value, span: Span, unknowns: &mut Vec<UnknownNote>| {
        g.role_span = span;
        g.role = concrete(&v);
        if g.role.is_none() {
            if matches!(v, Value::String(_) | Value::Ref(_)) {
                g.role_ref = v.as_string();
            }
            unknowns.push(UnknownNote {
                root,
                span,
                subject: format!("role of {}", res.address),
                reason: describe_unknown(&v),
            });
        }
    };
    match kind {
        GrantKind::Member | GrantKind::Binding => {
            let mut g = base;
            if let Some((a, v)) = res.attr("role") {
                role_of(&mut g, v, a.span, unknowns);
            }
            let attr = if kind == GrantKind::Member {
                "member"
            } else {
                "members"
            };
            if let Some((a, v)) = res.attr(attr) {
                g.members = member_values(&v, a.span);
                note_unknown_members(&g.members, root, &res.address, unknowns);
            }
            g.condition = condition_of(ev, res.body, &res.ctx);
            push(out, g);
        }
        GrantKind::Policy => {
            let Some(a) = res.body.attr("policy_data") else {
                return;
            };
            // A policy without a binding we can read is still authoritative
            // over its target: keep it as one grant without role or members.
            let before = out.len();
            let mut placeholder = base.clone();
            placeholder.role_span = a.span;
            if let Some((data_res, data_addr, data_span)) = data_policy_ref(res, &a.expr) {
                placeholder.via = Some(data_addr.clone());
                placeholder.via_span = Some(data_span);
                for (b, c) in ev.blocks(data_res.0, "binding", &data_res.1).items {
                    let mut g = base.clone();
                    g.via = Some(data_addr.clone());
                    g.via_span = Some(data_span);
                    if let Some(ra) = b.attr("role") {
                        role_of(&mut g, ev.eval(&ra.expr, &c), ra.span, unknowns);
                    }
                    if let Some(ma) = b.attr("members") {
                        g.members = member_values(&ev.eval(&ma.expr, &c), ma.span);
                        note_unknown_members(&g.members, root, &res.address, unknowns);
                    }
                    g.condition = condition_of(ev, b, &c);
                    push(out, g);
                }
                if out.len() == before {
                    push(out, placeholder);
                }
                return;
            }
            let v = ev.eval(&a.expr, &res.ctx);
            let doc = match &v {
                Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
                    Ok(j) => Value::from_json(&j),
                    Err(_) => Value::unknown("policy_data is not JSON", a.span),
                },
                other => other.clone(),
            };
            let bindings = match &doc {
                Value::Map(m) => m.get("bindings").cloned().unwrap_or(Value::List(vec![])),
                other => {
                    unknowns.push(UnknownNote {
                        root,
                        span: a.span,
                        subject: format!("policy_data of {}", res.address),
                        reason: describe_unknown(other),
                    });
                    push(out, placeholder);
                    return;
                }
            };
            for b in bindings.elements().unwrap_or_default() {
                let Value::Map(m) = b else { continue };
                let mut g = base.clone();
                g.role_span = a.span;
                g.role = m.get("role").and_then(concrete);
                if g.role.is_none() {
                    g.role_ref = m.get("role").and_then(Value::as_string);
                }
                g.members = member_values(m.get("members").unwrap_or(&Value::Null), a.span);
                note_unknown_members(&g.members, root, &res.address, unknowns);
                g.condition = match m.get("condition") {
                    Some(Value::Map(c)) => c
                        .get("expression")
                        .and_then(|v| v.as_string())
                        .or(Some("condition".into())),
                    Some(Value::List(l)) if !l.is_empty() => Some("condition".into()),
                    _ => None,
                };
                push(out, g);
            }
            if out.len() == before {
                push(out, placeholder);
            }
        }
    }
}

fn note_unknown_members(
    members: &[Member],
    root: usize,
    address: &str,
    unknowns: &mut Vec<UnknownNote>,
) {
    for m in members {
        if let MemberValue::Unknown(reason) = &m.value {
            unknowns.push(UnknownNote {
                root,
                span: m.span,
                subject: format!("member of {address}"),
                reason: reason.clone(),
            });
        }
    }
}

type DataBody<'a> = (&'a Body, Ctx);

/// `data.google_iam_policy.NAME[KEY].policy_data` written directly: the data
/// source's binding blocks, so findings can point into them.
fn data_policy_ref<'a>(
    res: &Res<'a, '_>,
    e: &crate::syntax::Expr,
) -> Option<(DataBody<'a>, String, Span)> {
    let ExprKind::Traversal(root, ops) = &e.kind else {
        return None;
    };
    let ExprKind::Variable(v) = &root.kind else {
        return None;
    };
    if v != "data" {
        return None;
    }
    let (TraversalOp::Attr(t), TraversalOp::Attr(name)) = (ops.first()?, ops.get(1)?) else {
        return None;
    };
    if t != "google_iam_policy" {
        return None;
    }
    let ev = res.ev;
    let module = &ev.ws.modules[ev.instance(res.inst).module];
    let decl = module.resource(Mode::Data, t, name)?;
    let (key, rest) = match ops.get(2)? {
        TraversalOp::Index(ix) => {
            let k = ev.eval(ix, &res.ctx);
            let key = match k {
                Value::Number(n) => InstanceKey::Int(n as i64),
                other => InstanceKey::Str(other.as_string()?),
            };
            (Some(key), &ops[3..])
        }
        _ => (None, &ops[2..]),
    };
    if !matches!(rest, [TraversalOp::Attr(a)] if a == "policy_data") {
        return None;
    }
    let each = match (&*ev.expansion(res.inst, decl), &key) {
        (Expansion::Single, None) => None,
        (Expansion::Keys(keys), Some(k)) => keys.iter().find(|(x, _)| x == k)?.1.clone(),
        _ => return None,
    };
    let ctx = ev.resource_ctx(res.inst, key.as_ref(), each.as_ref());
    let data = &module.resources[decl];
    let addr = ev.resource_address(res.inst, decl, key.as_ref());
    let _ = ResourceHandle {
        instance: 0,
        decl: 0,
        key: None,
        address: "".into(),
    };
    Some(((&data.block.body, ctx), addr, data.block.span))
}
