//! The deny layer: deny policies attached to the service's project, a
//! folder above it or its organization, as the configuration shows the
//! hierarchy. A deny rule refuses the request when it denies the permission
//! (exactly or by a wildcard), covers the principal and lists neither in its
//! exceptions; a denial condition (resource tags) cannot be decided here.

use super::members::{Match, principal_matches};
use super::{Decider, Deny, Layer, Permission, Step};
use crate::model::callers::Identity;
use crate::model::org::Node;
use crate::model::{Field, deny::DenyRule};

/// `pattern` (a v2 permission, `*` matching any run of characters) covers `name`.
fn permission_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, rest @ ..] = parts.as_slice() else {
        return false;
    };
    let Some(mut s) = name.strip_prefix(first) else {
        return false;
    };
    if rest.is_empty() {
        return s.is_empty();
    }
    for (i, part) in rest.iter().enumerate() {
        if i == rest.len() - 1 {
            return s.ends_with(part);
        }
        match s.find(part) {
            Some(j) => s = &s[j + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the rule's permissions cover `p`: `Some(true)` yes, `None`
/// when a permission is not known.
fn denies_permission(rule: &DenyRule, p: Permission) -> Option<bool> {
    let any = |list: &[Field]| -> Option<bool> {
        let mut unknown = false;
        for f in list {
            match f.known() {
                Some(x) if permission_matches(x, p.deny_name()) => return Some(true),
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    };
    match any(&rule.denied_permissions)? {
        false => Some(false),
        true => any(&rule.exception_permissions).map(|e| !e),
    }
}

impl Decider<'_> {
    pub(super) fn deny(
        &self,
        service: usize,
        identity: &Identity,
        permission: Permission,
        layers: &mut Vec<Layer>,
    ) -> Deny {
        let model = self.model;
        let s = &model.services[service];
        // Where the service sits, worked out once a policy of its root is met.
        let mut ancestry = None;
        let mut maybe: Option<Deny> = None;
        for (pi, policy) in model.deny_policies.iter().enumerate() {
            if policy.root != s.root {
                continue;
            }
            let ancestry = ancestry.get_or_insert_with(|| {
                let project = match &s.project {
                    Field::Unknown(_) => None,
                    f => Some(f.to_string()),
                };
                model.org.ancestors(s.root, project.as_deref())
            });
            let applies = match &policy.attached {
                Ok(node) if ancestry.nodes.contains(node) => Some(true),
                // Above the project, but the configuration does not show
                // whether the project sits under it.
                Ok(Node::Organization(_) | Node::Folder(_)) if !ancestry.complete => None,
                Ok(_) => Some(false),
                Err(_) => None,
            };
            if applies == Some(false) {
                continue;
            }
            for (ri, rule) in policy.rules.iter().enumerate() {
                let perm = denies_permission(rule, permission);
                if perm == Some(false) {
                    continue;
                }
                let who = rule
                    .denied_principals
                    .iter()
                    .filter_map(|p| principal_matches(p, identity))
                    .fold(None, |acc: Option<Match>, m| match (acc, m) {
                        (Some(Match::Exact), _) | (_, Match::Exact) => Some(Match::Exact),
                        (_, m) => Some(m),
                    });
                let Some(who) = who else { continue };
                let excepted = rule
                    .exception_principals
                    .iter()
                    .filter_map(|p| principal_matches(p, identity))
                    .any(|m| matches!(m, Match::Exact));
                if excepted {
                    layers.push(Layer {
                        layer: "deny",
                        step: Step::Pass,
                        because: format!(
                            "{} denies {} but lists the principal in exception_principals",
                            policy.address,
                            permission.deny_name()
                        ),
                        span: Some(rule.span),
                    });
                    continue;
                }
                let certain = applies == Some(true)
                    && perm == Some(true)
                    && matches!(who, Match::Exact)
                    && rule.condition.is_none();
                if certain {
                    layers.push(Layer {
                        layer: "deny",
                        step: Step::Fail,
                        because: format!(
                            "{} denies {} to {}",
                            policy.address,
                            permission.deny_name(),
                            identity.describe()
                        ),
                        span: Some(rule.span),
                    });
                    return Deny::Denied {
                        policy: pi,
                        rule: ri,
                    };
                }
                let why = if rule.condition.is_some() {
                    format!(
                        "{} denies {} under a denial_condition that cannot be decided here",
                        policy.address,
                        permission.deny_name()
                    )
                } else if applies.is_none() {
                    format!(
                        "{} may be attached above the service's project (the hierarchy is not fully in the configuration)",
                        policy.address
                    )
                } else if let Match::Maybe(m) = &who {
                    format!("{} may deny it: {m}", policy.address)
                } else {
                    format!(
                        "{} may deny {}: a permission is not known",
                        policy.address,
                        permission.deny_name()
                    )
                };
                layers.push(Layer {
                    layer: "deny",
                    step: Step::Unknown,
                    because: why.clone(),
                    span: Some(rule.span),
                });
                maybe.get_or_insert(Deny::Maybe {
                    policy: pi,
                    rule: ri,
                    why,
                });
            }
        }
        if layers.iter().all(|l| l.layer != "deny") {
            layers.push(Layer {
                layer: "deny",
                step: Step::Pass,
                because: "no deny policy in the configuration applies".into(),
                span: None,
            });
        }
        maybe.unwrap_or(Deny::None)
    }
}

#[cfg(test)]
mod tests {
    use super::permission_matches;

    #[test]
    fn permission_patterns() {
        let p = "run.googleapis.com/routes.invoke";
        assert!(permission_matches(p, p));
        assert!(permission_matches("run.googleapis.com/*", p));
        assert!(permission_matches("run.googleapis.com/routes.*", p));
        assert!(permission_matches("*", p));
        assert!(!permission_matches("run.googleapis.com/jobs.*", p));
        assert!(!permission_matches("run.googleapis.com/routes.invoke2", p));
        assert!(!permission_matches("cloudfunctions.googleapis.com/*", p));
    }
}
