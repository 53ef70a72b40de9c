//! What sits above the services: custom roles (their permissions), the
//! domain-restricted-sharing organization policies
//! (`constraints/iam.allowedPolicyMemberDomains`), and the project / folder /
//! organization hierarchy that decides which of those policies applies to a
//! project.
//!
//! Sources:
//! - custom roles: https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_project_iam_custom_role
//!   (`name` = `projects/{project}/roles/{role_id}`) and
//!   https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/google_organization_iam_custom_role
//!   (`organizations/{org_id}/roles/{role_id}`)
//! - policies: https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/org_policy_policy
//!   (`name` = `{parent}/policies/{constraint}`, `spec { rules { values { allowed_values } } }`),
//!   `google_{project,folder}_organization_policy` / `google_organization_policy`
//!   (`constraint`, `list_policy { allow { values | all } }`, `restore_policy`)
//! - inheritance: https://cloud.google.com/resource-manager/docs/organization-policy/understanding-hierarchy

use super::Field;
use crate::syntax::Span;

pub const DOMAIN_CONSTRAINT: &str = "iam.allowedPolicyMemberDomains";

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

/// What a domain-restricted-sharing policy does to public principals.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEffect {
    /// Only listed customer ids / domains may be granted: `allUsers` and
    /// `allAuthenticatedUsers` are rejected.
    Restricted,
    /// `allow { all = true }`, `allow_all = "TRUE"`, `reset = true`,
    /// `restore_policy { default = true }`: the constraint is lifted here.
    AllowAll,
    /// Could not tell (values not resolved, only conditional rules).
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct DomainPolicy {
    pub root: usize,
    pub address: String,
    pub node: Node,
    pub effect: DomainEffect,
    /// The attribute that decides the effect (or the block).
    pub span: Span,
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
    pub domain_policies: Vec<DomainPolicy>,
    /// `google_project` (folder_id / org_id) and `google_folder` (parent).
    pub parents: Vec<Parentage>,
    /// Every organization id each root module names: (root, id), sorted.
    pub organizations: Vec<(usize, String)>,
}

impl OrgFacts {
    pub fn extend(&mut self, other: OrgFacts) {
        self.custom_roles.extend(other.custom_roles);
        self.domain_policies.extend(other.domain_policies);
        self.parents.extend(other.parents);
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

    /// The domain-restricted-sharing policy of root module `root` that
    /// governs `project`: the one on the project itself, else on the nearest
    /// folder above it, else on its organization. When the project's
    /// organization is not known (no `google_project` with `folder_id` /
    /// `org_id` leads to one) and the root module names exactly one
    /// organization, that organization's policy is taken.
    pub fn domain_policy_for(&self, root: usize, project: Option<&str>) -> Option<&DomainPolicy> {
        let at = |n: &Node| {
            self.domain_policies
                .iter()
                .find(|p| p.root == root && &p.node == n)
        };
        let ancestry = self.ancestors(root, project);
        if let Some(p) = ancestry.nodes.iter().find_map(at) {
            return Some(p);
        }
        if ancestry.complete {
            return None;
        }
        at(&Node::Organization(
            self.only_organization(root)?.to_string(),
        ))
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

/// `folders/X` / `organizations/Y` / `projects/Z` / a folder reference.
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
    folder_key(f).map(Node::Folder)
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

    #[test]
    fn nearest_policy_wins_and_single_org_fallback() {
        let span = Span {
            file: 0,
            start: 0,
            end: 0,
        };
        let policy = |node: Node, effect: DomainEffect| DomainPolicy {
            root: 0,
            address: format!("{node:?}"),
            node,
            effect,
            span,
        };
        let mut facts = OrgFacts {
            domain_policies: vec![
                policy(Node::Organization("1".into()), DomainEffect::Restricted),
                policy(Node::Project("open".into()), DomainEffect::AllowAll),
            ],
            parents: vec![
                Parentage {
                    root: 0,
                    node: Node::Project("p".into()),
                    parent: Some(Node::Folder("f".into())),
                },
                Parentage {
                    root: 0,
                    node: Node::Folder("f".into()),
                    parent: Some(Node::Organization("1".into())),
                },
            ],
            organizations: vec![(0, "1".into())],
            ..OrgFacts::default()
        };
        let effect =
            |f: &OrgFacts, p: Option<&str>| f.domain_policy_for(0, p).map(|d| d.effect.clone());
        assert_eq!(effect(&facts, Some("p")), Some(DomainEffect::Restricted));
        assert_eq!(effect(&facts, Some("open")), Some(DomainEffect::AllowAll));
        assert_eq!(effect(&facts, None), Some(DomainEffect::Restricted));
        assert_eq!(facts.domain_policy_for(1, Some("p")).map(|d| d.root), None);
        facts.organizations.push((0, "2".into()));
        assert_eq!(effect(&facts, Some("unknown")), None);
        // Known ancestry still reaches its organization.
        assert_eq!(effect(&facts, Some("p")), Some(DomainEffect::Restricted));
    }
}
