//! Who a member or principal identifier stands for: allow-policy members
//! (`serviceAccount:EMAIL`, `group:EMAIL`, public principals) and deny-policy
//! v2 identifiers (`principal://...`, `principalSet://...`), matched against
//! the identity a request carries.

use crate::eval::Text;
use crate::model::callers::Identity;
use crate::model::{Field, Grant};

#[derive(Debug)]
pub(super) enum Match {
    Public(String),
    Exact,
    Maybe(String),
}

/// Whether one of the members of `g` is `identity` (or may be).
pub(super) fn member_matches(g: &Grant, identity: &Identity) -> Option<Match> {
    let mut best = None;
    for m in &g.members {
        let member = match &m.value {
            Field::Unknown(_) => {
                best = best.or(Some(Match::Maybe("a member is not known".into())));
                continue;
            }
            f => f,
        };
        if let Some(p) = member.known().filter(|p| crate::model::is_public(p)) {
            return Some(Match::Public(p.to_string()));
        }
        // Compared as written, without building a text per member.
        let (known, symbolic) = match member {
            Field::Known(s) => (Some(s.as_str()), None),
            Field::Symbolic(t) => (None, Some(t)),
            Field::Unknown(_) => unreachable!("skipped above"),
        };
        let same_as = |id: &Text| match (known, symbolic) {
            (Some(s), _) => id.known() == Some(s),
            (_, Some(t)) => id == t,
            _ => false,
        };
        let prefix = known.unwrap_or_else(|| symbolic.map_or("", |t| t.literal_prefix()));
        match identity {
            Identity::Member(id) if same_as(id) => return Some(Match::Exact),
            Identity::IapAgent if is_iap_agent(member) => return Some(Match::Exact),
            Identity::ComputeDefault { project } if is_compute_default(member) => {
                if symbolic.is_some_and(|t| t.refs().any(|r| r.path.as_ref() == "number")) {
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
                if prefix.starts_with("group:") =>
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

/// Whether a deny policy's v2 principal identifier covers `identity`.
pub(super) fn principal_matches(principal: &Field, identity: &Identity) -> Option<Match> {
    let Some(p) = principal.text() else {
        return Some(Match::Maybe("a principal is not known".into()));
    };
    let lit = p.literal_prefix();
    if p.known() == Some("principalSet://goog/public:all") {
        return Some(Match::Exact);
    }
    let member = match identity {
        Identity::Member(m) => m,
        Identity::ComputeDefault { .. } | Identity::IapAgent => {
            // Google-made accounts: their number is not in the configuration.
            let suffix = p.literal_suffix();
            let agent = match identity {
                Identity::IapAgent => suffix.ends_with("@gcp-sa-iap.iam.gserviceaccount.com"),
                _ => suffix.ends_with("-compute@developer.gserviceaccount.com"),
            };
            return (agent || lit.starts_with("principalSet://"))
                .then(|| Match::Maybe(format!("{p} may be {}", identity.describe())));
        }
        Identity::None | Identity::AnyAccount | Identity::Unknown(_) => return None,
    };
    // principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL and
    // principal://goog/subject/EMAIL, against serviceAccount:EMAIL / user:EMAIL.
    let as_v2 = |prefix: &str, v2: &str| {
        member.strip_prefix(prefix).map(|rest| {
            let mut t = crate::eval::Text::lit(v2);
            t.append(rest);
            t
        })
    };
    let sa = as_v2(
        "serviceAccount:",
        "principal://iam.googleapis.com/projects/-/serviceAccounts/",
    );
    let user = as_v2("user:", "principal://goog/subject/");
    if sa.as_ref() == Some(&p) || user.as_ref() == Some(&p) {
        return Some(Match::Exact);
    }
    // A service account written with its project instead of `-`.
    if let (Some(_), Some(rest)) = (
        &sa,
        lit.strip_prefix("principal://iam.googleapis.com/projects/"),
    ) && let Some((_, email)) = rest.split_once("/serviceAccounts/")
        && member.known() == Some(&format!("serviceAccount:{email}"))
    {
        return Some(Match::Exact);
    }
    // Every service account of a project, folder or organization.
    if let Some(rest) = lit.strip_prefix("principalSet://cloudresourcemanager.googleapis.com/")
        && rest.ends_with("/type/ServiceAccount")
        && sa.is_some()
    {
        if let Some(project) = rest
            .strip_prefix("projects/")
            .and_then(|r| r.strip_suffix("/type/ServiceAccount"))
            && let Some(email) = member
                .known()
                .and_then(|m| m.strip_prefix("serviceAccount:"))
        {
            return email
                .ends_with(&format!("@{project}.iam.gserviceaccount.com"))
                .then_some(Match::Exact);
        }
        return Some(Match::Maybe(format!("{p} may hold {member}")));
    }
    if lit.starts_with("principalSet://goog/group/")
        || lit.starts_with("principalSet://goog/cloudIdentityCustomerId/")
    {
        return Some(Match::Maybe(format!("{p} may contain {member}")));
    }
    None
}
