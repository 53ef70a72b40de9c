//! Shared reading of IAM targets for RW301/RW303/RW401/RW402/RW502: which
//! resource a grant manages, in words and as an identity that says when two
//! Terraform resources manage the same IAM policy.

use crate::model::org::{folder_key, org_key};
use crate::model::{AccessModel, Field, Grant, Scope, Service};
use std::collections::BTreeMap;

/// One IAM policy that several Terraform resources may manage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetKey {
    /// A service, job or function (declared or only named by grants):
    /// index into `services`; `true` for the function resource's own policy
    /// (`google_cloudfunctions2_function_iam_*`), which is not the policy of
    /// the Cloud Run service behind it.
    Service(usize, bool),
    Project(String),
    Folder(String),
    Organization(String),
}

/// The policies a grant manages; empty when its target is not known.
pub fn keys(grant: &Grant) -> Vec<TargetKey> {
    let shown = |f: &Field| match f {
        Field::Unknown(_) => None,
        other => Some(other.to_string()),
    };
    match &grant.scope {
        Scope::Services(ids) => {
            let function = grant
                .target
                .as_ref()
                .is_some_and(|t| t.family == crate::model::Family::Function2);
            ids.iter()
                .map(|&i| TargetKey::Service(i, function))
                .collect()
        }
        Scope::Unresolved(_) => Vec::new(),
        Scope::Project(p) => shown(p).map(TargetKey::Project).into_iter().collect(),
        Scope::Folder(f) => folder_key(f).map(TargetKey::Folder).into_iter().collect(),
        Scope::Organization(o) => shown(o)
            .map(|o| TargetKey::Organization(org_key(&o)))
            .into_iter()
            .collect(),
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
        TargetKey::Service(i, _) => service_label(&model.services[*i]),
        TargetKey::Project(p) => format!("project {p:?}"),
        TargetKey::Folder(f) => format!("folder {f:?}"),
        TargetKey::Organization(o) => format!("organization {o:?}"),
    }
}

pub fn service_label(s: &Service) -> String {
    super::public_exposure::service_label(s)
}

/// Where a grant applies, in words.
pub fn grant_label(model: &AccessModel, grant: &Grant) -> String {
    match (&grant.scope, keys(grant).first()) {
        (Scope::Unresolved(u), _) => format!("a service whose name is not known ({})", u.reason()),
        (Scope::Project(_), None) => "a project that is not known".into(),
        (Scope::Folder(_), None) => "a folder that is not known".into(),
        (Scope::Organization(_), None) => "an organization that is not known".into(),
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
    let known: Vec<String> = grant
        .members
        .iter()
        .filter(|m| m.value.unknown().is_none())
        .map(|m| m.value.to_string())
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
