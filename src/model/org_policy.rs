//! Organization policies on list constraints runwarden models
//! (`iam.allowedPolicyMemberDomains` for domain restricted sharing,
//! `run.allowedIngress` for Cloud Run ingress), and the one evaluation of
//! them over the hierarchy the configuration shows
//! ([`OrgFacts::list_verdict`]). Sources: see [`super::org`] and
//! docs/facts.md §9.

use super::org::{Node, OrgFacts};
use crate::syntax::Span;

/// The values one list of a policy names (`allowed_values`,
/// `denied_values`, `allow { values }`, `deny { values }`): those that could
/// be read, `is:` removed ("values prefixed with `is:` are treated the same
/// as values with no prefix"), and why the others could not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueList {
    pub values: Vec<String>,
    /// Why some elements, or the whole list, are not known.
    pub unknown: Option<String>,
    /// The list is known to name at least one value.
    pub listed: bool,
}

impl ValueList {
    /// Names nothing, as far as can be told: an empty or absent list.
    pub fn is_empty(&self) -> bool {
        !self.listed && self.unknown.is_none()
    }

    fn extend(&mut self, other: &ValueList) {
        for v in &other.values {
            if !self.values.contains(v) {
                self.values.push(v.clone());
            }
        }
        self.unknown = self.unknown.take().or_else(|| other.unknown.clone());
        self.listed |= other.listed;
    }
}

/// A list value as a policy names it: `is:internal` and `internal` are the
/// same value.
pub fn list_value(s: &str) -> &str {
    s.strip_prefix("is:").unwrap_or(s)
}

/// What a list rule says: a v1 `list_policy`, or v2 `rules` (several
/// unconditional rules of one policy are combined).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRule {
    /// Only these values are allowed; `None`: the rule lists none.
    pub allowed: Option<ValueList>,
    pub denied: ValueList,
    pub allow_all: bool,
    pub deny_all: bool,
}

impl ListRule {
    /// A rule that could not be read: it may allow or deny anything.
    pub fn unknown(why: impl Into<String>) -> ListRule {
        let why = Some(why.into());
        ListRule {
            allowed: Some(ValueList {
                unknown: why.clone(),
                ..ValueList::default()
            }),
            denied: ValueList {
                unknown: why,
                ..ValueList::default()
            },
            ..ListRule::default()
        }
    }

    /// Both rules apply: their values add up.
    pub fn combine(&mut self, other: &ListRule) {
        match (&mut self.allowed, &other.allowed) {
            (Some(a), Some(b)) => a.extend(b),
            (a @ None, b) => a.clone_from(b),
            (Some(_), None) => {}
        }
        self.denied.extend(&other.denied);
        self.allow_all |= other.allow_all;
        self.deny_all |= other.deny_all;
    }
}

/// What a policy on a list constraint does at the node it is set on.
#[derive(Debug, Clone, PartialEq)]
pub enum ListEffect {
    /// `rules` apply to every resource below the node; each of
    /// `conditional` only to resources whose tags match its `condition`
    /// (not evaluated: runwarden does not model tags). `inherit`
    /// (`inherit_from_parent`): merged with the parent's effective policy;
    /// otherwise this policy is the new root of evaluation.
    Rules {
        rules: ListRule,
        conditional: Vec<ListRule>,
        inherit: bool,
    },
    /// `reset = true`, `restore_policy { default = true }`: the constraint's
    /// default (every constraint modelled here allows all values by default).
    Default,
    /// Could not tell (the spec is not known).
    Unknown(String),
}

/// An organization policy on a list constraint, set on a project, folder or
/// organization: `google_org_policy_policy` or a legacy
/// `google_*_organization_policy`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPolicy {
    pub root: usize,
    pub address: String,
    /// The constraint, without `constraints/` ([`DOMAIN_CONSTRAINT`],
    /// [`INGRESS_CONSTRAINT`]).
    pub constraint: &'static str,
    pub node: Node,
    pub effect: ListEffect,
    pub span: Span,
}

impl ListPolicy {
    fn inherits(&self) -> bool {
        matches!(self.effect, ListEffect::Rules { inherit: true, .. })
    }

    /// The effective states this policy alone can give a resource: one per
    /// combination of its conditional rules that may apply.
    fn possible(&self, idx: usize) -> Vec<State> {
        match &self.effect {
            ListEffect::Default => vec![State::default()],
            ListEffect::Unknown(why) => vec![State::unknown(why, idx)],
            ListEffect::Rules {
                rules, conditional, ..
            } => {
                if conditional.len() > MAX_CONDITIONAL {
                    return vec![State::unknown(
                        &format!("{} has too many conditional rules", self.address),
                        idx,
                    )];
                }
                let mut out = Vec::new();
                for mask in 0..1usize << conditional.len() {
                    let mut r = rules.clone();
                    for (i, c) in conditional.iter().enumerate() {
                        if mask & (1 << i) != 0 {
                            r.combine(c);
                        }
                    }
                    let s = State::from_rule(&r, idx);
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                out
            }
        }
    }
}

const MAX_CONDITIONAL: usize = 6;
const MAX_STATES: usize = 64;

/// A value asked about: a constraint value (`all`), or a value that no
/// list can name (a public principal under domain restricted sharing,
/// whose lists hold customer ids).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Probe<'a> {
    Value(&'a str),
    Unlisted,
}

/// Why a value is forbidden.
#[derive(Debug, Clone, PartialEq)]
pub enum Forbid {
    /// `deny_all = "TRUE"`, `deny { all = true }`.
    DenyAll,
    /// The value is in a denied list.
    Denied,
    /// The value is not among the allowed ones (all of them, merged).
    NotAllowed(Vec<String>),
}

/// What the effective policy of a constraint says about a value.
#[derive(Debug, Clone, PartialEq)]
pub enum ListVerdict<'a> {
    Allowed,
    /// `policy` is the nearest policy that forbids it.
    Forbidden {
        policy: &'a ListPolicy,
        why: Forbid,
    },
    Unknown(String),
}

/// The effective policy at a node: Google's hierarchy evaluation, with
/// policy indices for the message.
#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    allowed: Allowed,
    /// Nearest first.
    denied: Vec<(String, usize)>,
    denied_unknown: Option<String>,
    deny_all: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq)]
enum Allowed {
    /// No allowed list: any value not denied (the constraint default).
    #[default]
    Any,
    /// `allow_all`.
    All,
    Only {
        list: ValueList,
        /// The nearest policy that lists allowed values.
        by: usize,
    },
}

enum Decided {
    Allowed,
    Forbidden(usize, Forbid),
    Unknown(String),
}

/// A listed value that differs from `v` only in case: whether the API
/// compares values as written is not documented.
fn case<'x>(mut list: impl Iterator<Item = &'x String>, v: &str) -> Option<String> {
    list.find(|x| x.eq_ignore_ascii_case(v))
        .map(|x| format!("the policy names {x:?}, which differs from {v:?} only in case"))
}

impl State {
    fn unknown(why: &str, idx: usize) -> State {
        State::from_rule(&ListRule::unknown(why), idx)
    }

    fn from_rule(r: &ListRule, idx: usize) -> State {
        State {
            allowed: match &r.allowed {
                _ if r.allow_all => Allowed::All,
                Some(list) if !list.is_empty() => Allowed::Only {
                    list: list.clone(),
                    by: idx,
                },
                _ => Allowed::Any,
            },
            denied: r.denied.values.iter().map(|v| (v.clone(), idx)).collect(),
            denied_unknown: r.denied.unknown.clone(),
            deny_all: r.deny_all.then_some(idx),
        }
    }

    /// `child` with `inherit_from_parent`: the values add up, and denied
    /// values win.
    fn merge(&self, child: &State) -> State {
        let allowed = match (&self.allowed, &child.allowed) {
            (Allowed::All, _) | (_, Allowed::All) => Allowed::All,
            (Allowed::Any, x) | (x, Allowed::Any) => x.clone(),
            (Allowed::Only { list: a, .. }, Allowed::Only { list: b, by }) => {
                let mut list = b.clone();
                list.extend(a);
                Allowed::Only { list, by: *by }
            }
        };
        let mut denied = child.denied.clone();
        denied.extend(self.denied.iter().cloned());
        State {
            allowed,
            denied,
            denied_unknown: child
                .denied_unknown
                .clone()
                .or_else(|| self.denied_unknown.clone()),
            deny_all: child.deny_all.or(self.deny_all),
        }
    }

    fn decide(&self, probe: Probe) -> Decided {
        if let Some(by) = self.deny_all {
            return Decided::Forbidden(by, Forbid::DenyAll);
        }
        let value = match probe {
            Probe::Value(v) => Some(v),
            Probe::Unlisted => None,
        };
        if let Some(v) = value
            && let Some((_, by)) = self.denied.iter().find(|(d, _)| d == v)
        {
            return Decided::Forbidden(*by, Forbid::Denied);
        }
        let mut unsure = None;
        if let Allowed::Only { list, by } = &self.allowed {
            let allowed = match value {
                Some(v) => list.values.iter().any(|x| x == v),
                None => false,
            };
            if !allowed {
                unsure = value.and_then(|v| case(list.values.iter(), v));
                if unsure.is_none() {
                    unsure = list
                        .unknown
                        .clone()
                        .filter(|_| value.is_some() || !list.listed);
                }
                if unsure.is_none() {
                    return Decided::Forbidden(*by, Forbid::NotAllowed(list.values.clone()));
                }
            }
        }
        if let Some(v) = value {
            unsure = unsure.or_else(|| case(self.denied.iter().map(|(d, _)| d), v));
        }
        match unsure.or_else(|| self.denied_unknown.clone()) {
            Some(why) => Decided::Unknown(why),
            None => Decided::Allowed,
        }
    }
}

impl OrgFacts {
    /// What the effective policy of `constraint` for `project` says about
    /// `probe`, or `None` when no policy of the root module applies.
    ///
    /// Google's hierarchy evaluation, over the hierarchy the configuration
    /// shows: the policy on the project, else on the nearest folder above
    /// it, else on its organization; a policy with `inherit_from_parent`
    /// adds its values to its parent's effective policy (denied values
    /// win), one without it is a new root, and `reset` / `restore_policy`
    /// return to the constraint default. When the project's organization is
    /// not known (no `google_project` with `folder_id` / `org_id` leads to
    /// one) and the root module names exactly one organization, that
    /// organization's policy sits above. An inheriting policy at the top of
    /// what the configuration shows inherits the constraint default.
    pub fn list_verdict(
        &self,
        root: usize,
        project: Option<&str>,
        constraint: &str,
        probe: Probe,
    ) -> Option<ListVerdict<'_>> {
        let ancestry = self.ancestors(root, project);
        let mut nodes = ancestry.nodes;
        if !ancestry.complete
            && let Some(o) = self.only_organization(root)
        {
            let org = Node::Organization(o.to_string());
            if !nodes.contains(&org) {
                nodes.push(org);
            }
        }
        // Nearest first, up to the first policy that does not inherit.
        let mut chain = Vec::new();
        for n in &nodes {
            let at: Vec<usize> = (0..self.list_policies.len())
                .filter(|&i| {
                    let p = &self.list_policies[i];
                    p.root == root && p.constraint == constraint && self.is_node(root, &p.node, n)
                })
                .collect();
            let Some(&first) = at.first() else { continue };
            let policy = &self.list_policies[first];
            if let Some(&other) = at
                .iter()
                .find(|&&i| self.list_policies[i].effect != policy.effect)
            {
                return Some(ListVerdict::Unknown(format!(
                    "{} and {} both set {constraint} on the same node",
                    policy.address, self.list_policies[other].address
                )));
            }
            chain.push(first);
            if !policy.inherits() {
                break;
            }
        }
        if chain.is_empty() {
            return None;
        }
        // Top down, every combination of conditional rules that may apply.
        let mut states = vec![State::default()];
        let mut conditional = None;
        for &idx in chain.iter().rev() {
            let policy = &self.list_policies[idx];
            let own = policy.possible(idx);
            if own.len() > 1 {
                conditional = Some(idx);
            }
            let mut next = Vec::new();
            for s in &states {
                for o in &own {
                    let m = if policy.inherits() {
                        s.merge(o)
                    } else {
                        o.clone()
                    };
                    if !next.contains(&m) {
                        next.push(m);
                    }
                }
            }
            if next.len() > MAX_STATES {
                return Some(ListVerdict::Unknown(format!(
                    "too many conditional rules in the policies on {constraint}"
                )));
            }
            states = next;
        }
        let decided: Vec<Decided> = states.iter().map(|s| s.decide(probe)).collect();
        let verdict = match &decided[..] {
            [Decided::Forbidden(idx, why), rest @ ..]
                if rest.iter().all(|d| matches!(d, Decided::Forbidden(..))) =>
            {
                ListVerdict::Forbidden {
                    policy: &self.list_policies[*idx],
                    why: why.clone(),
                }
            }
            all if all.iter().all(|d| matches!(d, Decided::Allowed)) => ListVerdict::Allowed,
            all => ListVerdict::Unknown(
                all.iter()
                    .find_map(|d| match d {
                        Decided::Unknown(why) => Some(why.clone()),
                        _ => None,
                    })
                    .or_else(|| {
                        conditional.map(|i| {
                            format!(
                                "it depends on the tags of the resource: {} has rules with a condition",
                                self.list_policies[i].address
                            )
                        })
                    })
                    .unwrap_or_else(|| "not known".into()),
            ),
        };
        Some(verdict)
    }

    /// Whether a policy set on `policy_node` is set on `n`: the same node,
    /// or the same project named by a reference to its `google_project`.
    fn is_node(&self, root: usize, policy_node: &Node, n: &Node) -> bool {
        if policy_node == n {
            return true;
        }
        match (policy_node, n) {
            (Node::Project(address), Node::Project(id)) => self
                .projects
                .iter()
                .any(|(r, a, i)| *r == root && a == address && i == id),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Text;
    use crate::model::Field;
    use crate::model::org::{
        DOMAIN_CONSTRAINT, INGRESS_CONSTRAINT, Node, OrgFacts, Parentage, parse_parent,
    };

    const SPAN: Span = Span {
        file: 0,
        start: 0,
        end: 0,
    };

    fn list(values: &[&str]) -> ValueList {
        ValueList {
            values: values.iter().map(|v| v.to_string()).collect(),
            unknown: None,
            listed: !values.is_empty(),
        }
    }

    fn allow(values: &[&str]) -> ListRule {
        ListRule {
            allowed: Some(list(values)),
            ..ListRule::default()
        }
    }

    fn deny(values: &[&str]) -> ListRule {
        ListRule {
            denied: list(values),
            ..ListRule::default()
        }
    }

    fn rules(rules: ListRule, inherit: bool) -> ListEffect {
        ListEffect::Rules {
            rules,
            conditional: Vec::new(),
            inherit,
        }
    }

    fn policy(constraint: &'static str, node: Node, effect: ListEffect) -> ListPolicy {
        ListPolicy {
            root: 0,
            address: format!("{node:?}"),
            constraint,
            node,
            effect,
            span: SPAN,
        }
    }

    /// project p -> folder f -> organization 1.
    fn hierarchy(list_policies: Vec<ListPolicy>) -> OrgFacts {
        OrgFacts {
            list_policies,
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
        }
    }

    /// "allowed", "forbidden by ADDRESS", "unknown" or "none".
    fn ingress(facts: &OrgFacts, project: Option<&str>, value: &str) -> String {
        match facts.list_verdict(0, project, INGRESS_CONSTRAINT, Probe::Value(value)) {
            None => "none".into(),
            Some(ListVerdict::Allowed) => "allowed".into(),
            Some(ListVerdict::Forbidden { policy, .. }) => {
                format!("forbidden by {}", policy.address)
            }
            Some(ListVerdict::Unknown(_)) => "unknown".into(),
        }
    }

    #[test]
    fn nearest_policy_wins_and_single_org_fallback() {
        let d = |node: Node, rule: ListRule| policy(DOMAIN_CONSTRAINT, node, rules(rule, false));
        let mut facts = hierarchy(vec![
            d(Node::Organization("1".into()), allow(&["C03xyz"])),
            d(
                Node::Project("open".into()),
                ListRule {
                    allow_all: true,
                    ..ListRule::default()
                },
            ),
        ]);
        let forbidden = |f: &OrgFacts, p: Option<&str>| {
            f.list_verdict(0, p, DOMAIN_CONSTRAINT, Probe::Unlisted)
                .map(|v| matches!(v, ListVerdict::Forbidden { .. }))
        };
        assert_eq!(forbidden(&facts, Some("p")), Some(true));
        assert_eq!(forbidden(&facts, Some("open")), Some(false));
        assert_eq!(forbidden(&facts, None), Some(true));
        assert_eq!(
            facts.list_verdict(1, Some("p"), DOMAIN_CONSTRAINT, Probe::Unlisted),
            None
        );
        // Another constraint's policies do not count.
        assert_eq!(ingress(&facts, Some("p"), "all"), "none");
        facts.organizations.push((0, "2".into()));
        assert_eq!(forbidden(&facts, Some("unknown")), None);
        // Known ancestry still reaches its organization.
        assert_eq!(forbidden(&facts, Some("p")), Some(true));
    }

    #[test]
    fn ingress_values_inheritance_and_reset() {
        let i = |node: Node, effect: ListEffect| policy(INGRESS_CONSTRAINT, node, effect);
        let org = Node::Organization("1".into());
        let folder = Node::Folder("f".into());
        let project = Node::Project("p".into());
        // Org allows only internal; the folder adds the load balancer value.
        let facts = hierarchy(vec![
            i(org.clone(), rules(allow(&["internal"]), false)),
            i(
                folder.clone(),
                rules(allow(&["internal-and-cloud-load-balancing"]), true),
            ),
        ]);
        assert_eq!(ingress(&facts, Some("p"), "internal"), "allowed");
        assert_eq!(
            ingress(&facts, Some("p"), "internal-and-cloud-load-balancing"),
            "allowed"
        );
        assert_eq!(
            ingress(&facts, Some("p"), "all"),
            "forbidden by Folder(\"f\")"
        );
        // Without inheritance the folder's list replaces the org's.
        let facts = hierarchy(vec![
            i(org.clone(), rules(allow(&["internal"]), false)),
            i(
                folder.clone(),
                rules(allow(&["internal-and-cloud-load-balancing"]), false),
            ),
        ]);
        assert_eq!(
            ingress(&facts, Some("p"), "internal"),
            "forbidden by Folder(\"f\")"
        );
        // Denied values win over an inherited allow; reset lifts everything.
        let facts = hierarchy(vec![
            i(org.clone(), rules(deny(&["all"]), false)),
            i(
                folder.clone(),
                rules(
                    ListRule {
                        allow_all: true,
                        ..ListRule::default()
                    },
                    true,
                ),
            ),
        ]);
        assert_eq!(
            ingress(&facts, Some("p"), "all"),
            "forbidden by Organization(\"1\")"
        );
        assert_eq!(ingress(&facts, Some("p"), "internal"), "allowed");
        let mut facts = facts;
        facts
            .list_policies
            .push(i(project.clone(), ListEffect::Default));
        assert_eq!(ingress(&facts, Some("p"), "all"), "allowed");
        // A project in another folder is not under the folder's policy.
        assert_eq!(
            ingress(&facts, Some("elsewhere"), "all"),
            "forbidden by Organization(\"1\")"
        );
        // Case differences and unknown elements are not decided.
        let facts = hierarchy(vec![i(org.clone(), rules(allow(&["INTERNAL"]), false))]);
        assert_eq!(ingress(&facts, Some("p"), "internal"), "unknown");
        assert_eq!(
            ingress(&facts, Some("p"), "all"),
            "forbidden by Organization(\"1\")"
        );
        let mut partial = allow(&["internal"]);
        partial.allowed.as_mut().unwrap().unknown = Some("var.x".into());
        let facts = hierarchy(vec![i(org.clone(), rules(partial, false))]);
        assert_eq!(ingress(&facts, Some("p"), "internal"), "allowed");
        assert_eq!(ingress(&facts, Some("p"), "all"), "unknown");
        // An unknown parent under an inheriting child: only a denial decides.
        let facts = hierarchy(vec![
            i(org.clone(), ListEffect::Unknown("spec".into())),
            i(project.clone(), rules(deny(&["all"]), true)),
        ]);
        assert_eq!(
            ingress(&facts, Some("p"), "all"),
            "forbidden by Project(\"p\")"
        );
        assert_eq!(ingress(&facts, Some("p"), "internal"), "unknown");
    }

    #[test]
    fn conditional_rules_decide_only_when_every_case_agrees() {
        let conditional = |rules: ListRule, conditional: Vec<ListRule>| ListEffect::Rules {
            rules,
            conditional,
            inherit: false,
        };
        let org = Node::Organization("1".into());
        let allow_all = ListRule {
            allow_all: true,
            ..ListRule::default()
        };
        // Tagged services may use any ingress: `all` is not decided.
        let facts = hierarchy(vec![policy(
            INGRESS_CONSTRAINT,
            org.clone(),
            conditional(allow(&["internal"]), vec![allow_all]),
        )]);
        assert_eq!(ingress(&facts, Some("p"), "internal"), "allowed");
        assert_eq!(ingress(&facts, Some("p"), "all"), "unknown");
        // Only a conditional rule: untagged services are free.
        let facts = hierarchy(vec![policy(
            INGRESS_CONSTRAINT,
            org.clone(),
            conditional(ListRule::default(), vec![allow(&["internal"])]),
        )]);
        assert_eq!(ingress(&facts, Some("p"), "all"), "unknown");
        // Denied whatever the tags.
        let facts = hierarchy(vec![policy(
            INGRESS_CONSTRAINT,
            org,
            conditional(deny(&["all"]), vec![allow(&["internal"])]),
        )]);
        assert_eq!(
            ingress(&facts, Some("p"), "all"),
            "forbidden by Organization(\"1\")"
        );
    }

    #[test]
    fn project_named_through_its_resource() {
        use crate::eval::Reference;
        let number = Field::Symbolic(Text::reference(Reference::new(
            "google_project.app",
            "number",
        )));
        let mut with_prefix = Text::lit("projects/");
        with_prefix.append(Text::reference(Reference::new(
            "google_project.app",
            "number",
        )));
        let node = parse_parent(&Field::Symbolic(with_prefix)).unwrap();
        assert_eq!(node, Node::Project("google_project.app".into()));
        assert_eq!(parse_parent(&number), None);
        let id = Field::Symbolic(Text::reference(Reference::new("google_project.app", "id")));
        assert_eq!(parse_parent(&id), Some(node.clone()));
        let mut facts = hierarchy(vec![policy(
            INGRESS_CONSTRAINT,
            node,
            rules(allow(&["internal"]), false),
        )]);
        assert_eq!(ingress(&facts, Some("acme-app"), "all"), "none");
        facts
            .projects
            .push((0, "google_project.app".into(), "acme-app".into()));
        assert_eq!(
            ingress(&facts, Some("acme-app"), "all"),
            "forbidden by Project(\"google_project.app\")"
        );
    }
}
