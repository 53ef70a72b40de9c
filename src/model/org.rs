//! What sits above the services: custom roles (their permissions), the
//! project / folder / organization hierarchy, and the organization policies
//! found in it (evaluated in [`super::org_policy`]).
//!
//! Sources:
//! - custom roles: https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_project_iam_custom_role
//!   (`name` = `projects/{project}/roles/{role_id}`) and
//!   https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_organization_iam_custom_role
//!   (`organizations/{org_id}/roles/{role_id}`)
//! - policies: https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/org_policy_policy
//!   (`name` = `{parent}/policies/{constraint}`, `spec { rules { values {
//!   allowed_values, denied_values }, allow_all, deny_all, condition },
//!   inherit_from_parent, reset }`), `google_{project,folder}_organization_policy`
//!   / `google_organization_policy` (`constraint`, `list_policy { allow | deny {
//!   values | all }, inherit_from_parent }`, `restore_policy`)
//! - inheritance: https://cloud.google.com/resource-manager/docs/organization-policy/understanding-hierarchy
//!   and the ListPolicy reference (https://cloud.google.com/dotnet/docs/reference/Google.Cloud.OrgPolicy.V1/latest/Google.Cloud.OrgPolicy.V1):
//!   `is:` values, `inherit_from_parent` merging, denied values winning
//! - docs/facts.md §9

use super::Field;
use crate::eval::Text;
use crate::syntax::Span;

pub use super::org_policy::{
    Forbid, ListEffect, ListPolicy, ListRule, ListVerdict, Probe, ValueList, list_value,
};

pub const DOMAIN_CONSTRAINT: &str = "iam.allowedPolicyMemberDomains";
pub const INGRESS_CONSTRAINT: &str = "run.allowedIngress";

/// The list constraints runwarden reads policies of.
pub const LIST_CONSTRAINTS: &[&str] = &[DOMAIN_CONSTRAINT, INGRESS_CONSTRAINT];

#[derive(Debug, Clone)]
pub struct CustomRole {
    pub root: usize,
    pub address: String,
    /// `projects/P/roles/ID` or `organizations/O/roles/ID`, when known.
    pub name: Option<String>,
    /// The permissions that could be read (symbolic ones as written).
    pub permissions: Vec<String>,
    pub permissions_span: Span,
    pub span: Span,
    pub module_spans: Vec<Span>,
}

impl CustomRole {
    pub fn has_permission(&self, p: &str) -> bool {
        self.permissions.iter().any(|x| x == p)
    }
}

/// Where an organization policy (or a project/folder) sits in the hierarchy.
/// Folder and organization ids are normalised: `folders/123` and `123` are
/// the same folder, `${google_folder.x.name}` and `${google_folder.x.folder_id}`
/// both become `google_folder.x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Project(String),
    Folder(String),
    Organization(String),
}

#[derive(Debug, Clone)]
pub struct Parentage {
    pub root: usize,
    pub node: Node,
    pub parent: Option<Node>,
}

#[derive(Debug, Default)]
pub struct OrgFacts {
    pub custom_roles: Vec<CustomRole>,
    /// Policies on list constraints ([`DOMAIN_CONSTRAINT`],
    /// [`INGRESS_CONSTRAINT`]).
    pub list_policies: Vec<ListPolicy>,
    /// `google_project` (folder_id / org_id) and `google_folder` (parent).
    pub parents: Vec<Parentage>,
    /// Every `google_project`: (root, address, project id as written), so
    /// that a policy on `projects/${google_project.x.number}` is on it.
    pub projects: Vec<(usize, String, String)>,
    /// Every organization id each root module names: (root, id), sorted.
    pub organizations: Vec<(usize, String)>,
}

impl OrgFacts {
    pub fn extend(&mut self, other: OrgFacts) {
        self.custom_roles.extend(other.custom_roles);
        self.list_policies.extend(other.list_policies);
        self.parents.extend(other.parents);
        self.projects.extend(other.projects);
        self.organizations.extend(other.organizations);
        self.organizations.sort();
        self.organizations.dedup();
    }

    /// The custom role a grant's role names: by full name, or by a
    /// reference to the custom role resource (same root module).
    pub fn custom_role(&self, root: usize, role: &Field) -> Option<&CustomRole> {
        let reference = role.text().and_then(|t| t.as_reference().cloned());
        self.custom_roles.iter().find(|c| {
            c.root == root
                && (role.known().is_some() && role.known() == c.name.as_deref()
                    || reference
                        .as_ref()
                        .is_some_and(|r| r.points_into(&c.address)))
        })
    }

    /// The project itself and the folders and organization above it, as
    /// the configuration shows them (nearest first). `complete` is true when
    /// the walk reached an organization.
    pub fn ancestors(&self, root: usize, project: Option<&str>) -> Ancestry {
        let mut nodes = Vec::new();
        let mut node = project.map(|p| Node::Project(p.to_string()));
        // Bounded walk: folder cycles in a broken configuration must not hang.
        for _ in 0..64 {
            let Some(n) = node else { break };
            if nodes.contains(&n) {
                break;
            }
            nodes.push(n.clone());
            node = self
                .parents
                .iter()
                .find(|p| p.root == root && p.node == n)
                .and_then(|p| p.parent.clone());
        }
        let complete = matches!(nodes.last(), Some(Node::Organization(_)));
        Ancestry { nodes, complete }
    }

    /// The only organization the root module names, if it names one.
    pub fn only_organization(&self, root: usize) -> Option<&str> {
        let mut orgs = self.organizations.iter().filter(|(r, _)| *r == root);
        match (orgs.next(), orgs.next()) {
            (Some((_, only)), None) => Some(only),
            _ => None,
        }
    }
}

/// Where a project sits: itself, then its folders, then its organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Ancestry {
    pub nodes: Vec<Node>,
    pub complete: bool,
}

/// A folder's key: `folders/123` and `123` -> `123`; a reference to a
/// folder's `name`, `folder_id` or `id` -> the folder's address.
pub fn folder_key(f: &Field) -> Option<String> {
    match f {
        Field::Known(s) => Some(s.strip_prefix("folders/").unwrap_or(s).to_string()),
        Field::Symbolic(t) => {
            let r = t.as_reference()?;
            (r.resource.contains("google_folder.")
                && matches!(&*r.path, "name" | "folder_id" | "id"))
            .then(|| r.resource.to_string())
        }
        Field::Unknown(_) => None,
    }
}

/// `organizations/123` -> `123`.
pub fn org_key(s: &str) -> String {
    s.strip_prefix("organizations/").unwrap_or(s).to_string()
}

/// `folders/X` / `organizations/Y` / `projects/Z` / a folder reference. A
/// project named through its `google_project` (`projects/${google_project.x.number}`,
/// `google_project.x.id`) is `Project` of that resource's address, which
/// [`OrgFacts::projects`] resolves.
pub fn parse_parent(f: &Field) -> Option<Node> {
    if let Some(s) = f.known() {
        if let Some(o) = s.strip_prefix("organizations/") {
            return Some(Node::Organization(o.to_string()));
        }
        if let Some(p) = s.strip_prefix("projects/") {
            return Some(Node::Project(p.to_string()));
        }
        if !s.starts_with("folders/") {
            return None;
        }
    }
    if let Field::Symbolic(t) = f {
        let project_ref = |t: &Text, paths: &[&str]| {
            t.as_reference()
                .filter(|r| is_project_resource(&r.resource) && paths.contains(&&*r.path))
                .map(|r| Node::Project(r.resource.to_string()))
        };
        if let Some(n) = project_ref(t, &["id"]) {
            return Some(n);
        }
        if let Some(rest) = t.strip_prefix("projects/") {
            return Some(
                project_ref(&rest, &["number", "project_id"])
                    .unwrap_or_else(|| Node::Project(rest.to_string())),
            );
        }
        if let Some(rest) = t.strip_prefix("organizations/") {
            return Some(Node::Organization(rest.to_string()));
        }
        if let Some(rest) = t.strip_prefix("folders/") {
            return folder_key(&Field::Symbolic(rest)).map(Node::Folder);
        }
    }
    folder_key(f).map(Node::Folder)
}

/// `google_project.x`, `module.m.google_project.x["k"]`.
fn is_project_resource(address: &str) -> bool {
    address.starts_with("google_project.") || address.contains(".google_project.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_and_org_keys() {
        use crate::eval::{Reference, Text};
        let k = |s: &str| Field::Known(s.into());
        let r = |res: &str, path: &str| Field::Symbolic(Text::reference(Reference::new(res, path)));
        assert_eq!(folder_key(&k("folders/123")).as_deref(), Some("123"));
        assert_eq!(folder_key(&k("123")).as_deref(), Some("123"));
        assert_eq!(
            folder_key(&r("google_folder.apps", "name")).as_deref(),
            Some("google_folder.apps")
        );
        assert_eq!(
            folder_key(&r("module.f.google_folder.apps", "folder_id")).as_deref(),
            Some("module.f.google_folder.apps")
        );
        assert_eq!(folder_key(&r("google_project.p", "name")), None);
        assert_eq!(org_key("organizations/42"), "42");
        assert_eq!(
            parse_parent(&k("organizations/42")),
            Some(Node::Organization("42".into()))
        );
        assert_eq!(parse_parent(&k("nonsense")), None);
    }
}
