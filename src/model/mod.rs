//! The Cloud Run access model: services, jobs and functions with their
//! ingress, the grants that name them (service-level and project / folder /
//! organization level), the callers that call them, the load balancers in
//! front of them and the organization facts above them. Rules ask this
//! model questions and never see syntax or evaluation.
//!
//! - `service.rs`, `grant.rs`, `lb.rs`, `iap.rs`, `callers.rs`, `org.rs`:
//!   the facts (the provider layer reads them from resource instances)
//! - `link.rs`: grants and callers linked to services
//! - `access.rs`: "may this identity invoke that service?"
//! - `field.rs`: string attributes known, symbolic or unknown

pub mod callers;
pub mod deny;
mod field;
pub mod grant;
pub mod iap;
pub mod lb;
mod link;
pub mod org;
pub mod org_policy;
pub mod roles;
mod service;

pub use callers::{Action, Caller, CallerKind, Identity, Token};
pub use field::Field;
pub use grant::{Condition, Family, Grant, GrantKind, Member, Scope, Target};
pub use iap::{IapGate, IapGrant, IapResource};
pub use service::{ExternalPath, Ingress, Service, ServiceKind};

use crate::eval::Unknown;
use crate::load::ModuleId;
use crate::syntax::Span;

#[derive(Debug, Clone)]
pub struct Root {
    pub module: ModuleId,
    pub display: String,
}

/// Something the analysis could not see, for `--explain-unknown`.
#[derive(Debug, Clone)]
pub struct UnknownNote {
    pub root: usize,
    pub span: Span,
    pub subject: String,
    pub reason: String,
}

impl UnknownNote {
    pub fn new(root: usize, span: Span, subject: impl Into<String>, u: &Unknown) -> UnknownNote {
        UnknownNote {
            root,
            span,
            subject: subject.into(),
            reason: u.reason(),
        }
    }
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
    /// Bindings of IAP access policies (who may pass IAP), apart from
    /// `grants`: they let no one invoke anything by themselves.
    pub iap_grants: Vec<IapGrant>,
    pub callers: Vec<Caller>,
    /// Custom roles, domain-restricted-sharing policies, the resource hierarchy.
    pub org: org::OrgFacts,
    /// IAM deny policies.
    pub deny_policies: Vec<deny::DenyPolicy>,
    /// When the check runs (seconds since the Unix epoch): IAM conditions on
    /// `request.time` are decided against it.
    pub now: i64,
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
            let list = match &g.scope {
                Scope::Services(ids) => {
                    ids.iter().for_each(|&s| idx.by_service[s].push(gi));
                    continue;
                }
                Scope::Unresolved(_) => &mut idx.unresolved_by_root,
                _ => &mut idx.scoped_by_root,
            };
            if let Some(v) = list.get_mut(g.root) {
                v.push(gi)
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
    /// Service-level grants whose service is not known, per root.
    pub unresolved_by_root: Vec<Vec<usize>>,
}

pub const PUBLIC_PRINCIPALS: [&str; 2] = ["allUsers", "allAuthenticatedUsers"];

pub fn is_public(member: &str) -> bool {
    PUBLIC_PRINCIPALS.contains(&member)
}

/// Facts read from one root module, before they are linked.
#[derive(Default)]
pub struct RootFacts {
    pub services: Vec<Service>,
    pub grants: Vec<Grant>,
    pub iap_grants: Vec<IapGrant>,
    pub callers: Vec<callers::RawCaller>,
    pub negs: Vec<lb::Neg>,
    pub backends: Vec<lb::Backend>,
    pub domains: Vec<callers::DomainMapping>,
    pub org: org::OrgFacts,
    pub deny: Vec<deny::DenyPolicy>,
    pub unknowns: Vec<UnknownNote>,
    pub resources: usize,
}

impl RootFacts {
    /// Links the facts of root `root`: load balancers to services, grants
    /// and callers to the services they name.
    pub fn link(mut self, root: usize) -> AccessModel {
        let mut out = AccessModel {
            services: self.services,
            org: self.org,
            deny_policies: self.deny,
            unknowns: self.unknowns,
            resources: self.resources,
            ..AccessModel::default()
        };
        self.callers.extend(lb::link(
            &self.backends,
            &self.negs,
            &self.iap_grants,
            &mut out.services,
        ));
        iap::link_services(&self.iap_grants, &mut out.services);
        link::grants(&mut self.grants, &mut out.services, root);
        out.grants = self.grants;
        out.iap_grants = self.iap_grants;
        for raw in self.callers {
            let mut c = link::caller(raw, &out.services, &self.domains, root);
            if c.kind == CallerKind::Service {
                // Only environment values that are another service's URL count.
                c.targets.retain(|&t| out.services[t].address != c.address);
                if c.targets.is_empty() {
                    continue;
                }
            }
            out.callers.push(c);
        }
        collect_unknowns(&mut out, root);
        out
    }
}

/// One model from the linked parts of every root.
pub fn merge(roots: Vec<Root>, parts: Vec<AccessModel>) -> AccessModel {
    let mut model = AccessModel {
        roots,
        ..AccessModel::default()
    };
    // Exact sizes: the parts and the whole are held at once, at the peak.
    let total = |f: fn(&AccessModel) -> usize| parts.iter().map(f).sum::<usize>();
    model.services.reserve_exact(total(|p| p.services.len()));
    model
        .iap_grants
        .reserve_exact(total(|p| p.iap_grants.len()));
    model.grants.reserve_exact(total(|p| p.grants.len()));
    model.callers.reserve_exact(total(|p| p.callers.len()));
    for part in parts {
        let offset = model.services.len();
        let iap_offset = model.iap_grants.len();
        for mut s in part.services {
            let gates = s.external_lbs.iter_mut().filter_map(|p| p.iap.as_mut());
            for g in gates.chain(s.iap.as_mut()) {
                g.policy.iter_mut().for_each(|i| *i += iap_offset);
            }
            model.services.push(s);
        }
        model.iap_grants.extend(part.iap_grants);
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
        model.deny_policies.extend(part.deny_policies);
        model.unknowns.extend(part.unknowns);
        model.resources += part.resources;
    }
    model.build_index();
    model
}

/// `--explain-unknown` lists every unknown the model holds: derived from
/// the facts themselves, so nothing the rules consult can be dropped
/// silently.
fn collect_unknowns(out: &mut AccessModel, root: usize) {
    let mut notes = Vec::new();
    for s in out.services.iter().filter(|s| s.declared) {
        let at = |span: Option<Span>| span.unwrap_or(s.span);
        if let Err(u) = &s.ingress {
            notes.push(UnknownNote::new(
                root,
                at(s.ingress_span),
                format!("ingress of {}", s.address),
                u,
            ));
        }
        if let Some(u) = &s.invoker_iam_unknown {
            notes.push(UnknownNote::new(
                root,
                u.span,
                format!("invoker_iam_disabled of {}", s.address),
                u,
            ));
        }
        if let Some(Field::Unknown(u)) = &s.service_account {
            notes.push(UnknownNote::new(
                root,
                s.span,
                format!("service account of {}", s.address),
                u,
            ));
        }
        if let Field::Unknown(u) = &s.name {
            notes.push(UnknownNote::new(
                root,
                s.span,
                format!("name of {}", s.address),
                u,
            ));
        }
    }
    let iap_bindings = out.iap_grants.iter().map(|g| &g.binding);
    for g in out.grants.iter().chain(iap_bindings) {
        if let Scope::Unresolved(u) = &g.scope {
            notes.push(UnknownNote::new(
                root,
                g.target_span,
                format!("target of {}", g.address),
                u,
            ));
        }
        if let Field::Unknown(u) = &g.role {
            notes.push(UnknownNote::new(
                root,
                g.role_span,
                format!("role of {}", g.address),
                u,
            ));
        } else if let Field::Symbolic(t) = &g.role
            && out.org.custom_role(root, &g.role).is_none()
        {
            notes.push(UnknownNote {
                root,
                span: g.role_span,
                subject: format!("role of {}", g.address),
                reason: format!("known only after apply ({t})"),
            });
        }
        for m in &g.members {
            if let Field::Unknown(u) = &m.value {
                notes.push(UnknownNote::new(
                    root,
                    m.span,
                    format!("member of {}", g.address),
                    u,
                ));
            }
        }
    }
    for c in &out.callers {
        if let Identity::Unknown(u) = &c.identity {
            notes.push(UnknownNote::new(
                root,
                c.identity_span.unwrap_or(c.span),
                format!("identity of {}", c.address),
                u,
            ));
        }
        if let Some(reason) = c.unresolved_target() {
            notes.push(UnknownNote {
                root,
                span: c.target_span,
                subject: format!("target of {}", c.address),
                reason,
            });
        }
    }
    out.unknowns.extend(notes);
}
