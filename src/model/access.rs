//! "May this identity invoke that service?" answered from every grant the
//! configuration holds: service grants, project/folder/organization grants,
//! public principals, custom roles and `invoker_iam_disabled`.

use super::{AccessModel, Field, Grant, Scope, Service, roles};
use crate::model::callers::{Action, Identity};

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Allowed by these grants (indexes into `AccessModel::grants`); `broad`
    /// is true when every one of them is a role far broader than an invoker role.
    Allowed { grants: Vec<usize>, broad: bool },
    /// Anyone may: a public grant or `invoker_iam_disabled`.
    Public(String),
    /// Could not be decided; says what could not be seen.
    Partial(String),
    /// No grant in the configuration allows it.
    Denied,
}

/// What a role lets its holder do on one service.
enum RoleEffect {
    Allows,
    DoesNot,
    NotKnown(String),
}

impl AccessModel {
    /// Whether `identity` may perform `action` on service `service`.
    pub fn may(&self, service: usize, identity: &Identity, action: &Action) -> Verdict {
        let s = &self.services[service];
        let job = s.kind.is_job() || *action == Action::RunJob;
        if !job && s.invoker_iam_disabled.is_some() {
            return Verdict::Public("invoker_iam_disabled".into());
        }
        let mut allowed = Vec::new();
        let mut partial: Vec<String> = Vec::new();
        let candidates = self.index.by_service[service]
            .iter()
            .chain(self.index.scoped_by_root.get(s.root).into_iter().flatten());
        for &gi in candidates {
            let g = &self.grants[gi];
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
                self.grants[*i].role_name().is_some_and(|r| {
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
        if let Some(c) = self.org.custom_role(g.root, &g.role) {
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
        self.index
            .unresolved_by_root
            .get(s.root)?
            .iter()
            .map(|&gi| &self.grants[gi])
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

#[derive(Debug)]
enum Match {
    Public(String),
    Exact,
    Maybe(String),
}

/// Whether one of the members of `g` is `identity` (or may be).
fn member_matches(g: &Grant, identity: &Identity) -> Option<Match> {
    let mut best = None;
    for m in &g.members {
        let member = match &m.value {
            Field::Unknown(_) => {
                best = best.or(Some(Match::Maybe("a member is not known".into())));
                continue;
            }
            f => f,
        };
        if let Some(p) = member.known().filter(|p| super::is_public(p)) {
            return Some(Match::Public(p.to_string()));
        }
        let text = member.text().expect("known or symbolic");
        match identity {
            Identity::Member(id) if *id == text => return Some(Match::Exact),
            Identity::IapAgent if is_iap_agent(member) => return Some(Match::Exact),
            Identity::ComputeDefault { project } if is_compute_default(member) => {
                if text.refs().any(|r| r.path.as_ref() == "number") {
                    // Written with a project's number, as configurations do.
                    return Some(Match::Exact);
                }
                best = best.or(Some(Match::Maybe(format!(
                    "{member} is a Compute Engine default service account; the project number of {} is not in the configuration",
                    match project.known() {
                        Some(p) => format!("project {p:?}"),
                        None => "the project".into(),
                    }
                ))));
            }
            Identity::Member(_) | Identity::ComputeDefault { .. }
                if text.literal_prefix().starts_with("group:") =>
            {
                best = best.or(Some(Match::Maybe(format!(
                    "{member} may contain the identity"
                ))));
            }
            _ => {}
        }
    }
    best
}

/// `serviceAccount:service-PROJECT_NUMBER@gcp-sa-iap.iam.gserviceaccount.com`.
pub fn is_iap_agent(member: &Field) -> bool {
    member.text().is_some_and(|t| {
        t.literal_prefix().starts_with("serviceAccount:service-")
            && t.literal_suffix()
                .ends_with("@gcp-sa-iap.iam.gserviceaccount.com")
    })
}

/// `serviceAccount:PROJECT_NUMBER-compute@developer.gserviceaccount.com`.
pub fn is_compute_default(member: &Field) -> bool {
    member.text().is_some_and(|t| {
        t.literal_prefix().starts_with("serviceAccount:")
            && t.literal_suffix()
                .ends_with("-compute@developer.gserviceaccount.com")
    })
}
