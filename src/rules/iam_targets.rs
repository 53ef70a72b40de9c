//! Shared reading of IAM targets for RW301/RW303/RW401/RW402/RW502: which
//! resource a grant manages, in words and as an identity that says when two
//! Terraform resources manage the same IAM policy.

use crate::model::org::{folder_key, org_key};
use crate::model::{AccessModel, Grant, Scope, Service};
use std::collections::BTreeMap;

/// One IAM policy that several Terraform resources may manage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetKey {
    /// A service or job of the configuration (index into `services`).
    Service(usize),
    /// A service or job outside the configuration, named the same way.
    Named(String),
    Project(String),
    Folder(String),
    Organization(String),
}

/// The policies a grant manages; empty when its target is not known.
pub fn keys(grant: &Grant) -> Vec<TargetKey> {
    match &grant.scope {
        Scope::Services(ids) => ids.iter().copied().map(TargetKey::Service).collect(),
        Scope::UnresolvedService(_) => {
            let Some(t) = &grant.target else {
                return Vec::new();
            };
            let kind = if t.jobs { "jobs" } else { "services" };
            match (&t.reference, &t.name) {
                (Some(r), _) => vec![TargetKey::Named(format!("{kind} {r}"))],
                (None, Some(n)) => {
                    let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "?".into());
                    vec![TargetKey::Named(format!(
                        "projects/{}/locations/{}/{kind}/{n}",
                        part(&t.project),
                        part(&t.location)
                    ))]
                }
                _ => Vec::new(),
            }
        }
        Scope::Project(Some(p)) => vec![TargetKey::Project(p.clone())],
        Scope::Folder(Some(f)) => vec![TargetKey::Folder(folder_key(f))],
        Scope::Organization(Some(o)) => vec![TargetKey::Organization(org_key(o))],
        _ => Vec::new(),
    }
}

/// Grants grouped by root module and target, in a stable order.
pub fn groups(model: &AccessModel) -> BTreeMap<(usize, TargetKey), Vec<&Grant>> {
    let mut out: BTreeMap<(usize, TargetKey), Vec<&Grant>> = BTreeMap::new();
    for g in &model.grants {
        for k in keys(g) {
            out.entry((g.root, k)).or_default().push(g);
        }
    }
    out
}

/// The target in words: `Cloud Run service "api"`, `project "acme-prod"`.
pub fn label(model: &AccessModel, key: &TargetKey) -> String {
    match key {
        TargetKey::Service(i) => service_label(&model.services[*i]),
        TargetKey::Named(n) => format!("{n} (not in this configuration)"),
        TargetKey::Project(p) => format!("project {p:?}"),
        TargetKey::Folder(f) => format!("folder {f:?}"),
        TargetKey::Organization(o) => format!("organization {o:?}"),
    }
}

pub fn service_label(s: &Service) -> String {
    format!("{} {:?}", s.kind.noun(), s.display_name())
}

/// Where a grant applies, in words.
pub fn grant_label(model: &AccessModel, grant: &Grant) -> String {
    match (&grant.scope, keys(grant).first()) {
        (Scope::UnresolvedService(d), None) => format!("service {d}"),
        (Scope::Project(None), _) => "project not resolved".into(),
        (Scope::Folder(None), _) => "folder not resolved".into(),
        (Scope::Organization(None), _) => "organization not resolved".into(),
        (Scope::Services(ids), _) if ids.len() > 1 => ids
            .iter()
            .map(|i| service_label(&model.services[*i]))
            .collect::<Vec<_>>()
            .join(", "),
        (_, Some(k)) => label(model, k),
        (_, None) => "its target".into(),
    }
}

/// The services a grant is linked to.
pub fn services<'m>(model: &'m AccessModel, grant: &Grant) -> Vec<&'m Service> {
    match &grant.scope {
        Scope::Services(ids) => ids.iter().map(|i| &model.services[*i]).collect(),
        _ => Vec::new(),
    }
}

/// `roles/run.invoker granted to user:a@x.com` -> the members, shortened.
pub fn members_label(grant: &Grant) -> String {
    let known: Vec<&str> = grant
        .members
        .iter()
        .filter_map(|m| match &m.value {
            crate::model::MemberValue::Known(s) => Some(s.as_str()),
            crate::model::MemberValue::Unknown(_) => None,
        })
        .collect();
    match known.as_slice() {
        [] => "its members".into(),
        [one] => one.to_string(),
        [a, b] => format!("{a} and {b}"),
        [a, rest @ ..] => format!("{a} and {} more", rest.len()),
    }
}

/// One resource caught in a conflict: a grant of it, the targets in words,
/// the other resources it fights with.
pub struct Involved<'m> {
    pub grant: &'m Grant,
    pub targets: Vec<String>,
    pub others: Vec<&'m str>,
}

impl<'m> Involved<'m> {
    pub fn new(grant: &'m Grant) -> Self {
        Involved {
            grant,
            targets: Vec::new(),
            others: Vec::new(),
        }
    }

    /// Records a conflict on `target` with the resources `group` (its own
    /// address is skipped).
    pub fn add(&mut self, target: &str, group: impl IntoIterator<Item = &'m str>) {
        if !self.targets.iter().any(|t| t == target) {
            self.targets.push(target.to_string());
        }
        for other in group {
            if other != self.grant.address && !self.others.contains(&other) {
                self.others.push(other);
            }
        }
        self.others.sort_unstable();
    }
}
