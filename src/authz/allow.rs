//! The allow layer: every grant the configuration holds on the service and
//! above it (project, folder, organization), public principals, custom
//! roles, and the conditions of the bindings that would let the principal in.

use super::Verdict;
use super::members::{Match, member_matches};
use crate::model::callers::Identity;
use crate::model::{Field, Grant, Scope, Service, roles};

/// What a role lets its holder do on one service.
enum RoleEffect {
    Allows,
    DoesNot,
    NotKnown(String),
}

impl super::Decider<'_> {
    /// Whether a grant lets `identity` in.
    pub(super) fn allow(&self, service: usize, identity: &Identity, job: bool) -> Verdict {
        let s = &self.model.services[service];
        let mut allowed = Vec::new();
        let mut partial: Vec<String> = Vec::new();
        let model = self.model;
        let candidates = model.index.by_service[service]
            .iter()
            .chain(model.index.scoped_by_root.get(s.root).into_iter().flatten());
        for &gi in candidates {
            let g = &model.grants[gi];
            if !self.covers(g, s, service) {
                continue;
            }
            let Some(m) = member_matches(g, identity) else {
                continue;
            };
            let role = g.role.to_string();
            match self.role_effect(g, job) {
                RoleEffect::DoesNot => continue,
                RoleEffect::NotKnown(why) => {
                    partial.push(why);
                    continue;
                }
                RoleEffect::Allows => {}
            }
            match m {
                // A caller without a token only gets through with allUsers.
                Match::Public(p) if *identity == Identity::None && p != "allUsers" => {}
                Match::Public(p) if g.condition.is_none() => {
                    return Verdict::Public(format!("{p} holds {role} ({})", g.address));
                }
                Match::Public(p) => partial.push(format!(
                    "{} grants {role} to {p} under a condition",
                    g.address
                )),
                Match::Exact if g.condition.is_some() => partial.push(format!(
                    "{} grants {role} only under an IAM condition",
                    g.address
                )),
                Match::Exact if g.maybe.is_some() => partial.push(format!(
                    "{} grants {role}, but whether it exists is not known ({})",
                    g.address,
                    g.maybe.as_ref().map(|u| u.reason()).unwrap_or_default()
                )),
                Match::Exact => allowed.push(gi),
                Match::Maybe(why) => partial.push(format!("{} ({why})", g.address)),
            }
        }
        if !allowed.is_empty() {
            let broad = allowed.iter().all(|i| {
                model.grants[*i].role_name().is_some_and(|r| {
                    !roles::is_invoke_only(r)
                        && !matches!(
                            r,
                            "roles/run.jobsExecutor" | "roles/run.jobsExecutorWithOverrides"
                        )
                })
            });
            return Verdict::Allowed {
                grants: allowed,
                broad,
            };
        }
        if let Some(p) = partial.into_iter().next() {
            return Verdict::Partial(p);
        }
        if let Some(why) = self.unseen_grants(s) {
            return Verdict::Partial(why);
        }
        Verdict::Denied
    }

    /// Whether the role of `g` carries the permission a call needs.
    fn role_effect(&self, g: &Grant, job: bool) -> RoleEffect {
        let model = self.model;
        let needs = if job {
            "run.jobs.run"
        } else {
            "run.routes.invoke"
        };
        if let Some(r) = g.role_name().and_then(roles::lookup) {
            let ok = if job { r.run_job } else { r.invoke_service };
            return if ok {
                RoleEffect::Allows
            } else {
                RoleEffect::DoesNot
            };
        }
        if let Some(c) = model.org.custom_role(g.root, &g.role) {
            return if c.has_permission(needs) {
                RoleEffect::Allows
            } else if c.permissions.iter().any(|p| p.contains("${")) {
                RoleEffect::NotKnown(format!(
                    "custom role {} has permissions known only after apply",
                    c.address
                ))
            } else {
                RoleEffect::DoesNot
            };
        }
        match &g.role {
            Field::Known(r) if r.starts_with("projects/") || r.starts_with("organizations/") => {
                RoleEffect::NotKnown(format!(
                    "custom role {r} in {} is not in this configuration",
                    g.address
                ))
            }
            // A predefined role runwarden does not list carries neither.
            Field::Known(_) => RoleEffect::DoesNot,
            other => {
                RoleEffect::NotKnown(format!("the role of {} is not known ({other})", g.address))
            }
        }
    }

    /// Does grant `g` apply to service `s`?
    fn covers(&self, g: &Grant, s: &Service, index: usize) -> bool {
        match &g.scope {
            Scope::Services(ids) => ids.contains(&index),
            Scope::Project(p) => g.root == s.root && p.agrees(&s.project),
            Scope::Folder(_) | Scope::Organization(_) => g.root == s.root,
            Scope::Unresolved(_) => false,
        }
    }

    /// Grants that might apply to `s` but whose target is not known.
    fn unseen_grants(&self, s: &Service) -> Option<String> {
        let model = self.model;
        model
            .index
            .unresolved_by_root
            .get(s.root)?
            .iter()
            .map(|&gi| &model.grants[gi])
            .find_map(|g| match &g.scope {
                Scope::Unresolved(u) => Some(format!(
                    "{} may grant it, but its target is not known ({})",
                    g.address,
                    u.reason()
                )),
                _ => None,
            })
    }
}
