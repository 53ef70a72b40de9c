//! "May this identity invoke that service?" answered from every grant the
//! configuration holds: service grants, project/folder/organization grants,
//! public principals and `invoker_iam_disabled`.

use super::{AccessModel, Grant, MemberValue, Scope, Service, roles};
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

impl AccessModel {
    /// Whether `identity` may perform `action` on service `service`.
    pub fn may(&self, service: usize, identity: &Identity, action: &Action) -> Verdict {
        let s = &self.services[service];
        let needs_job = s.kind.is_job() && *action == Action::RunJob;
        if !needs_job && s.invoker_iam_disabled.is_some() {
            return Verdict::Public("invoker_iam_disabled".into());
        }
        let carries = |role: &str| -> Option<bool> {
            let r = roles::lookup(role)?;
            Some(if needs_job || s.kind.is_job() {
                r.run_job
            } else {
                r.invoke_service
            })
        };
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
            let Some(role) = g.role.as_deref() else {
                if self.member_matches(g, identity).is_some() {
                    partial.push(format!("the role of {} is not known", g.address));
                }
                continue;
            };
            let role_ok = match carries(role) {
                Some(ok) => ok,
                None if role.starts_with("projects/") || role.starts_with("organizations/") => {
                    if self.member_matches(g, identity).is_some() {
                        partial.push(format!("custom role {role} in {}", g.address));
                    }
                    continue;
                }
                None => false,
            };
            if !role_ok {
                continue;
            }
            match self.member_matches(g, identity) {
                // A caller without a token only gets through with allUsers.
                Some(Match::Public(p)) if *identity == Identity::None && p != "allUsers" => {}
                Some(Match::Public(p)) => {
                    if g.condition.is_none() {
                        return Verdict::Public(format!("{p} holds {role} ({})", g.address));
                    }
                    partial.push(format!(
                        "{} grants {role} to {p} under a condition",
                        g.address
                    ));
                }
                Some(Match::Exact) if g.condition.is_some() => partial.push(format!(
                    "{} grants {role} only under an IAM condition",
                    g.address
                )),
                Some(Match::Exact) => allowed.push(gi),
                Some(Match::Maybe(why)) => partial.push(format!("{} ({why})", g.address)),
                None => {}
            }
        }
        if !allowed.is_empty() {
            let broad = allowed.iter().all(|i| {
                self.grants[*i].role.as_deref().is_some_and(|r| {
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

    /// Does grant `g` apply to service `s`?
    fn covers(&self, g: &Grant, s: &Service, index: usize) -> bool {
        match &g.scope {
            Scope::Services(ids) => ids.contains(&index),
            Scope::Project(p) => {
                g.root == s.root && (p.is_none() || s.project.is_none() || *p == s.project)
            }
            Scope::Folder(_) | Scope::Organization(_) => g.root == s.root,
            Scope::UnresolvedService(_) => false,
        }
    }

    fn member_matches(&self, g: &Grant, identity: &Identity) -> Option<Match> {
        let mut best = None;
        for m in &g.members {
            let MemberValue::Known(member) = &m.value else {
                best = best.or(Some(Match::Maybe("a member is not known".into())));
                continue;
            };
            if super::is_public(member) {
                return Some(Match::Public(member.clone()));
            }
            let exact = match identity {
                Identity::Member(id) => member == id,
                Identity::IapAgent => is_iap_agent(member),
                _ => false,
            };
            if exact {
                return Some(Match::Exact);
            }
            if member.starts_with("group:") && matches!(identity, Identity::Member(_)) {
                best = best.or(Some(Match::Maybe(format!(
                    "{member} may contain the identity"
                ))));
            }
        }
        best
    }

    /// Grants that might apply to `s` but whose target could not be resolved.
    fn unseen_grants(&self, s: &Service) -> Option<String> {
        self.index
            .unresolved_by_root
            .get(s.root)?
            .iter()
            .map(|&gi| &self.grants[gi])
            .find_map(|g| match &g.scope {
                Scope::UnresolvedService(d) if d.starts_with("unresolved") => {
                    Some(format!("{} may grant it, but {}", g.address, {
                        let d = d
                            .trim_start_matches("unresolved")
                            .trim_start_matches(':')
                            .trim();
                        match d.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
                            Some(inner) => format!("its target is not known ({inner})"),
                            None => d.to_string(),
                        }
                    }))
                }
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

/// `serviceAccount:service-PROJECT_NUMBER@gcp-sa-iap.iam.gserviceaccount.com`.
pub fn is_iap_agent(member: &str) -> bool {
    member.starts_with("serviceAccount:service-")
        && member.ends_with("@gcp-sa-iap.iam.gserviceaccount.com")
}
