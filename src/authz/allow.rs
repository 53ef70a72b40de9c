//! The allow layer: every grant the configuration holds on the service and
//! above it (project, folder, organization), public principals, custom
//! roles, and the conditions of the bindings that would let the principal in.

use super::Verdict;
use super::conditions;
use super::members::{Match, member_matches};
use crate::model::callers::Identity;
use crate::model::{Family, Field, Grant, Scope, Service, roles};

/// What a role lets its holder do on one service.
enum RoleEffect {
    Allows,
    DoesNot,
    NotKnown(String),
}

impl super::Decider<'_> {
    /// Whether a grant lets `identity` in; the grants that would but for a
    /// condition that cannot hold are added to `refused`.
    pub(super) fn allow(
        &self,
        service: usize,
        identity: &Identity,
        permission: super::Permission,
        refused: &mut Vec<(usize, String)>,
    ) -> Verdict {
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
            match self.role_effect(g, permission) {
                RoleEffect::DoesNot => {
                    // The 2nd gen trap: the function's own policy, with the
                    // 1st gen invoker role.
                    let trap = g.role_name() == Some("roles/cloudfunctions.invoker")
                        && g.target
                            .as_ref()
                            .is_some_and(|t| t.family == Family::Function2);
                    if trap && matches!(m, Match::Exact) {
                        refused.push((
                            gi,
                            "on the function's own policy, which a 2nd gen function does not check (it checks run.routes.invoke on its Cloud Run service)".into(),
                        ));
                    }
                    continue;
                }
                RoleEffect::NotKnown(why) => {
                    partial.push(why);
                    continue;
                }
                RoleEffect::Allows => {}
            }
            // The binding's condition, decided for this service and now.
            let condition = g.condition.as_ref().map(|c| {
                let holds = c
                    .expression
                    .known()
                    .and_then(|e| conditions::holds(e, &self.request(s)));
                (holds, c.expression.to_string())
            });
            if let Some((Some(false), expr)) = &condition {
                if !matches!(m, Match::Maybe(_)) {
                    refused.push((
                        gi,
                        format!("only under the condition {expr:?}, which can never hold for this request"),
                    ));
                }
                continue;
            }
            let undecided = matches!(condition, Some((None, _)));
            match m {
                // A caller without a token only gets through with allUsers.
                Match::Public(p) if *identity == Identity::None && p != "allUsers" => {}
                Match::Public(p) if !undecided => {
                    return Verdict::Public(format!("{p} holds {role} ({})", g.address));
                }
                Match::Public(p) => partial.push(format!(
                    "{} grants {role} to {p} under a condition that cannot be decided here",
                    g.address
                )),
                Match::Exact if undecided => partial.push(format!(
                    "{} grants {role} only under an IAM condition that cannot be decided here",
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
                    !roles::is_invoke_only_for(s.kind, r)
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

    /// What a request to `s` carries for conditions to test.
    fn request(&self, s: &Service) -> conditions::Request {
        conditions::Request {
            now: self.model.now,
            resource_name: s.full_name(),
            resource_type: if s.kind.is_job() {
                "run.googleapis.com/Job"
            } else {
                "run.googleapis.com/Service"
            },
            resource_service: "run.googleapis.com",
        }
    }

    /// Whether the role of `g` carries the permission a call needs.
    fn role_effect(&self, g: &Grant, permission: super::Permission) -> RoleEffect {
        use super::Permission;
        let model = self.model;
        let needs = permission.name();
        if let Some(r) = g.role_name().and_then(roles::lookup) {
            let ok = match permission {
                Permission::RoutesInvoke => r.invoke_service,
                Permission::JobsRun => r.run_job,
                Permission::FunctionsInvoke => r.invoke_function,
            };
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
