//! The IAP layer: whether Identity-Aware Proxy lets a request through. IAP
//! admits the principals its access policy grants
//! `roles/iap.httpsResourceAccessor` (or a custom role holding
//! `iap.webServiceVersions.accessViaIAP`), on the IAP resource in front of
//! the service or on the project levels above it; `allUsers` there admits
//! anyone, `allAuthenticatedUsers` any Google account (docs/facts.md §15).
//! A request IAP admits reaches Cloud Run as IAP's service agent.

use super::members::{Match, member_matches};
use crate::model::callers::Identity;
use crate::model::{AccessModel, Field, IapGate};
use crate::syntax::Span;

/// The predefined role that lets its holders through IAP.
pub const ACCESSOR_ROLE: &str = "roles/iap.httpsResourceAccessor";
const ACCESS_PERMISSION: &str = "iap.webServiceVersions.accessViaIAP";

#[derive(Debug, Clone, PartialEq)]
pub enum IapVerdict {
    /// Binding `grant` (an index into `AccessModel::iap_grants`) admits the
    /// request: `member` (a public principal or the identity itself) holds
    /// the role, written at `span`.
    Admitted {
        grant: usize,
        member: String,
        span: Span,
    },
    /// No binding in the configuration admits it.
    Refused,
    /// Binding `grant` may admit it; says why that cannot be told.
    Maybe { grant: usize, why: String },
}

impl IapVerdict {
    /// Admitted before maybe before refused; `allUsers` before any other
    /// member (the widest door is the one to report).
    pub fn rank(&self) -> u8 {
        match self {
            IapVerdict::Admitted { member, .. } if member == "allUsers" => 0,
            IapVerdict::Admitted { .. } => 1,
            IapVerdict::Maybe { .. } => 2,
            IapVerdict::Refused => 3,
        }
    }
}

/// Whether the role of a binding lets its holders through IAP.
enum RoleEffect {
    Admits,
    DoesNot,
    NotKnown(String),
}

fn role_effect(model: &AccessModel, root: usize, role: &Field) -> RoleEffect {
    if role.known() == Some(ACCESSOR_ROLE) {
        return RoleEffect::Admits;
    }
    if let Some(c) = model.org.custom_role(root, role) {
        return match c.has_permission(ACCESS_PERMISSION) {
            true => RoleEffect::Admits,
            false => RoleEffect::DoesNot,
        };
    }
    match role {
        Field::Known(r) if r.starts_with("roles/") => RoleEffect::DoesNot,
        Field::Known(r) => {
            RoleEffect::NotKnown(format!("custom role {r} is not in the configuration"))
        }
        Field::Symbolic(t) => {
            RoleEffect::NotKnown(format!("the role {t} is known only after apply"))
        }
        Field::Unknown(u) => {
            RoleEffect::NotKnown(format!("the role is not known ({})", u.reason()))
        }
    }
}

/// What IAP behind `gate` makes of a request carrying `identity`
/// (`Identity::None`: anonymous; `Identity::AnyAccount`: any Google account).
pub fn admits(model: &AccessModel, gate: &IapGate, identity: &Identity) -> IapVerdict {
    let mut best = IapVerdict::Refused;
    for &gi in &gate.policy {
        let g = &model.iap_grants[gi].binding;
        let Some(m) = member_matches(g, identity) else {
            continue;
        };
        let verdict = match (role_effect(model, g.root, &g.role), m) {
            (RoleEffect::DoesNot, _) => continue,
            // An anonymous request passes only with allUsers.
            (_, Match::Public(p)) if *identity == Identity::None && p != "allUsers" => continue,
            // IAM refuses conditions on public bindings: this one never exists.
            (_, Match::Public(_)) if g.condition.is_some() => continue,
            (RoleEffect::NotKnown(why), _) => IapVerdict::Maybe {
                grant: gi,
                why: format!("{}: {why}", g.address),
            },
            (RoleEffect::Admits, _) if g.maybe.is_some() => IapVerdict::Maybe {
                grant: gi,
                why: format!(
                    "whether {} exists is not known ({})",
                    g.address,
                    g.maybe.as_ref().map(|u| u.reason()).unwrap_or_default()
                ),
            },
            (RoleEffect::Admits, Match::Public(p)) => IapVerdict::Admitted {
                grant: gi,
                span: member_span(g, &p),
                member: p,
            },
            (RoleEffect::Admits, Match::Exact) if g.condition.is_some() => IapVerdict::Maybe {
                grant: gi,
                why: format!(
                    "{} grants {} only under an IAM condition that cannot be decided here",
                    g.address, g.role
                ),
            },
            (RoleEffect::Admits, Match::Exact) => IapVerdict::Admitted {
                grant: gi,
                member: identity.describe(),
                span: g.members.first().map_or(g.span, |m| m.span),
            },
            (RoleEffect::Admits, Match::Maybe(why)) => IapVerdict::Maybe {
                grant: gi,
                why: match g.members.iter().find_map(|m| m.value.unknown()) {
                    Some(u) => format!("{}: {}", g.address, u.reason()),
                    None => format!("{}: {why}", g.address),
                },
            },
        };
        if verdict.rank() < best.rank() {
            best = verdict;
        }
    }
    best
}

/// Where member `p` of binding `g` is written.
fn member_span(g: &crate::model::Grant, p: &str) -> Span {
    g.members
        .iter()
        .find(|m| m.value.known() == Some(p))
        .map_or(g.span, |m| m.span)
}
