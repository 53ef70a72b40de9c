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
use super::res::Res;
use crate::eval::Value;
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
        let mut node = project.map(|p| Node::Project(p.to_string()));
        let mut org_known = false;
        // Bounded walk: folder cycles in a broken configuration must not hang.
        for _ in 0..64 {
            let Some(n) = node else { break };
            if let Some(p) = at(&n) {
                return Some(p);
            }
            org_known |= matches!(n, Node::Organization(_));
            node = self
                .parents
                .iter()
                .find(|p| p.root == root && p.node == n)
                .and_then(|p| p.parent.clone());
        }
        if org_known {
            return None;
        }
        let mut orgs = self.organizations.iter().filter(|(r, _)| *r == root);
        match (orgs.next(), orgs.next()) {
            (Some((_, only)), None) => at(&Node::Organization(only.clone())),
            _ => None,
        }
    }
}

pub fn is_org_type(t: &str) -> bool {
    matches!(
        t,
        "google_project_iam_custom_role"
            | "google_organization_iam_custom_role"
            | "google_org_policy_policy"
            | "google_project_organization_policy"
            | "google_folder_organization_policy"
            | "google_organization_policy"
            | "google_project"
            | "google_folder"
    )
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
fn parse_parent(f: &Field) -> Option<Node> {
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

/// A string attribute that is set, known or symbolic.
fn text(res: &Res, name: &str) -> Option<Field> {
    match res.field(name)?.0 {
        Field::Unknown(_) => None,
        f => Some(f),
    }
}

pub(super) fn read(res: &Res, root: usize, out: &mut OrgFacts) {
    let saw_org = |o: &str, out: &mut OrgFacts| {
        let o = (root, org_key(o));
        if !out.organizations.contains(&o) {
            out.organizations.push(o);
            out.organizations.sort();
        }
    };
    // Hierarchy keys: a known id, or a symbolic one as written.
    let key = |f: Field| f.to_string();
    match res.rtype {
        "google_project_iam_custom_role" | "google_organization_iam_custom_role" => {
            let name = if res.rtype == "google_project_iam_custom_role" {
                res.known("role_id")
                    .zip(res.project().known().map(str::to_string))
                    .map(|(id, p)| format!("projects/{p}/roles/{id}"))
            } else {
                if let Some(o) = res.known("org_id") {
                    saw_org(&o, out);
                }
                res.known("role_id")
                    .zip(res.known("org_id"))
                    .map(|(id, o)| format!("organizations/{}/roles/{id}", org_key(&o)))
            };
            let (permissions, permissions_span) = match res.attr("permissions") {
                Some((a, v)) => (
                    v.elements()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Value::text)
                        .map(|t| t.to_string())
                        .collect(),
                    a.span,
                ),
                None => (Vec::new(), res.span),
            };
            out.custom_roles.push(CustomRole {
                root,
                address: res.address.clone(),
                name,
                permissions,
                permissions_span,
                span: res.span,
                module_spans: res.module_spans.clone(),
            });
        }
        "google_project" => {
            let Some(id) = text(res, "project_id") else {
                return;
            };
            let parent = if let Some(f) = text(res, "folder_id") {
                folder_key(&f).map(Node::Folder)
            } else if let Some(o) = text(res, "org_id") {
                let o = org_key(&o.to_string());
                saw_org(&o, out);
                Some(Node::Organization(o))
            } else {
                None
            };
            out.parents.push(Parentage {
                root,
                node: Node::Project(key(id)),
                parent,
            });
        }
        "google_folder" => {
            let parent = text(res, "parent").and_then(|p| parse_parent(&p));
            if let Some(Node::Organization(o)) = &parent {
                saw_org(o, out);
            }
            out.parents.push(Parentage {
                root,
                node: Node::Folder(res.address.clone()),
                parent,
            });
        }
        "google_org_policy_policy" => {
            let Some(name) = res.known("name") else {
                return;
            };
            let Some((parent, constraint)) = name.split_once("/policies/") else {
                return;
            };
            if constraint != DOMAIN_CONSTRAINT {
                return;
            }
            let parent = text(res, "parent").unwrap_or_else(|| Field::Known(parent.to_string()));
            let Some(node) = parse_parent(&parent) else {
                return;
            };
            if let Node::Organization(o) = &node {
                saw_org(o, out);
            }
            let (effect, span) = v2_effect(res);
            out.domain_policies.push(DomainPolicy {
                root,
                address: res.address.clone(),
                node,
                effect,
                span,
            });
        }
        "google_project_organization_policy"
        | "google_folder_organization_policy"
        | "google_organization_policy" => {
            let Some(c) = res.known("constraint") else {
                return;
            };
            if c.strip_prefix("constraints/").unwrap_or(&c) != DOMAIN_CONSTRAINT {
                return;
            }
            let node = match res.rtype {
                "google_project_organization_policy" => match res.project() {
                    Field::Unknown(_) => return,
                    p => Node::Project(key(p)),
                },
                "google_folder_organization_policy" => {
                    let Some(f) = text(res, "folder").and_then(|f| folder_key(&f)) else {
                        return;
                    };
                    Node::Folder(f)
                }
                _ => {
                    let Some(o) = text(res, "org_id") else { return };
                    let o = org_key(&o.to_string());
                    saw_org(&o, out);
                    Node::Organization(o)
                }
            };
            let (effect, span) = v1_effect(res);
            out.domain_policies.push(DomainPolicy {
                root,
                address: res.address.clone(),
                node,
                effect,
                span,
            });
        }
        _ => {}
    }
}

fn unknown_reason(v: &Value, span: Span) -> String {
    v.not_known(span)
        .map(|u| u.reason())
        .unwrap_or_else(|| format!("unexpected {} value", v.type_name()))
}

fn truthy(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
        || v.and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

fn list_len(v: Option<&Value>) -> Option<usize> {
    match v? {
        Value::List(l) => Some(l.len()),
        Value::Null => Some(0),
        _ => None,
    }
}

/// `google_org_policy_policy`: `spec { reset, rules { allow_all, deny_all,
/// values { allowed_values }, condition } }`.
fn v2_effect(res: &Res) -> (DomainEffect, Span) {
    let ev = res.ev;
    let specs = res.blocks("spec");
    let Some((spec, ctx)) = specs.items.first() else {
        return (DomainEffect::Unknown("no spec".into()), res.span);
    };
    if let Some(a) = spec.attr("reset")
        && truthy(Some(&ev.eval(&a.expr, ctx)))
    {
        return (DomainEffect::AllowAll, a.span);
    }
    let mut decided = None;
    for (rule, rctx) in ev.blocks(spec, "rules", ctx).items {
        // Rules with a condition only apply to tagged resources.
        if !ev.blocks(rule, "condition", &rctx).items.is_empty() {
            continue;
        }
        if let Some(a) = rule.attr("allow_all")
            && truthy(Some(&ev.eval(&a.expr, &rctx)))
        {
            return (DomainEffect::AllowAll, a.span);
        }
        if let Some(a) = rule.attr("deny_all")
            && truthy(Some(&ev.eval(&a.expr, &rctx)))
        {
            decided.get_or_insert((DomainEffect::Restricted, a.span));
        }
        for (values, vctx) in ev.blocks(rule, "values", &rctx).items {
            if let Some(a) = values.attr("allowed_values") {
                let v = ev.eval(&a.expr, &vctx);
                match list_len(Some(&v)) {
                    Some(n) if n > 0 => {
                        decided.get_or_insert((DomainEffect::Restricted, a.span));
                    }
                    Some(_) => {}
                    None => {
                        decided.get_or_insert((
                            DomainEffect::Unknown(unknown_reason(&v, a.span)),
                            a.span,
                        ));
                    }
                }
            }
        }
    }
    decided.unwrap_or((
        DomainEffect::Unknown("no unconditional rule restricts members".into()),
        res.span,
    ))
}

/// v1 `google_*_organization_policy`: `restore_policy { default = true }` or
/// `list_policy { allow { all | values } deny { all | values } }`.
fn v1_effect(res: &Res) -> (DomainEffect, Span) {
    let ev = res.ev;
    for (b, c) in ev.blocks(res.body, "restore_policy", &res.ctx).items {
        if let Some(a) = b.attr("default")
            && truthy(Some(&ev.eval(&a.expr, &c)))
        {
            return (DomainEffect::AllowAll, a.span);
        }
    }
    let lists = ev.blocks(res.body, "list_policy", &res.ctx);
    let Some((list, ctx)) = lists.items.first() else {
        return (DomainEffect::Unknown("no list_policy".into()), res.span);
    };
    for (allow, actx) in ev.blocks(list, "allow", ctx).items {
        if let Some(a) = allow.attr("all")
            && truthy(Some(&ev.eval(&a.expr, &actx)))
        {
            return (DomainEffect::AllowAll, a.span);
        }
        if let Some(a) = allow.attr("values") {
            let v = ev.eval(&a.expr, &actx);
            return match list_len(Some(&v)) {
                Some(n) if n > 0 => (DomainEffect::Restricted, a.span),
                Some(_) => (DomainEffect::Unknown("empty allow values".into()), a.span),
                None => (DomainEffect::Unknown(unknown_reason(&v, a.span)), a.span),
            };
        }
    }
    for (deny, dctx) in ev.blocks(list, "deny", ctx).items {
        if let Some(a) = deny.attr("all")
            && truthy(Some(&ev.eval(&a.expr, &dctx)))
        {
            return (DomainEffect::Restricted, a.span);
        }
    }
    (
        DomainEffect::Unknown("list_policy neither allows nor restricts".into()),
        res.span,
    )
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
