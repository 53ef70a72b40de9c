//! RW501: member strings IAM rejects at apply time.

use super::{Category, Finding, Rule, Severity};
use crate::eval::Text;
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "invalid-member",
    id: "RW501",
    severity: Severity::Error,
    category: Category::Validity,
    allow: false,
    summary: "a member string IAM will reject",
    doc: include_str!("../../rules/invalid-member.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for grant in &model.grants {
        for m in &grant.members {
            let Some(text) = m.value.text() else {
                continue;
            };
            let member = text.to_string();
            let member = member.as_str();
            // Resource Manager: "Project does not support allUsers and
            // allAuthenticatedUsers as members in a Binding of a Policy."
            let public = crate::model::is_public(member);
            let on_job = grant
                .target
                .as_ref()
                .is_some_and(|t| t.family == crate::model::Family::Job);
            let problem = if public && matches!(grant.scope, crate::model::Scope::Project(_)) {
                "projects do not accept public principals in their IAM policy: apply fails"
                    .to_string()
            } else if public && grant.condition.is_some() {
                // "you cannot use conditions when you grant roles to all
                // users or all authenticated users"
                "IAM refuses conditions on bindings for allUsers and allAuthenticatedUsers: apply fails"
                    .to_string()
            } else if public && on_job {
                // Cloud Run API: "Member allUsers is invalid due to membership
                // type restrictions on the resource".
                "Cloud Run jobs do not accept public principals in their IAM policy: apply fails"
                    .to_string()
            } else {
                let Some(problem) = member_problem(&text) else {
                    continue;
                };
                problem
            };
            let mut f = Finding::new(
                &RULE,
                m.span,
                grant.root,
                &grant.address,
                format!("invalid IAM member {member:?}: {problem}"),
            );
            f.key = member.to_string();
            f.anchors = super::public_exposure::grant_anchors(grant, m.span);
            f.related.extend(grant.via.clone());
            f.help = Some("members look like user:EMAIL, group:EMAIL, serviceAccount:EMAIL, domain:DOMAIN, allUsers, allAuthenticatedUsers, principal://... or principalSet://...".into());
            out.push(f);
        }
    }
}

/// Why IAM would reject `t`, or `None` when it is (or may be) valid.
pub fn member_problem(t: &Text) -> Option<String> {
    let m = t.to_string();
    let m = m.as_str();
    if t.is_known() && m.trim().is_empty() {
        return Some("empty member".into());
    }
    // Only the literal part before a value known after apply can be judged.
    let literal = t.literal_prefix();
    let symbolic = !t.is_known();
    if literal.is_empty() {
        return None;
    }
    if m == "allUsers" || m == "allAuthenticatedUsers" {
        return None;
    }
    if !symbolic
        && (m.eq_ignore_ascii_case("allUsers") || m.eq_ignore_ascii_case("allAuthenticatedUsers"))
    {
        let right = if m.eq_ignore_ascii_case("allUsers") {
            "allUsers"
        } else {
            "allAuthenticatedUsers"
        };
        return Some(format!("member types are case-sensitive: write {right}"));
    }
    if m != m.trim() {
        return Some("leading or trailing whitespace".into());
    }
    if literal.starts_with("principal://") || literal.starts_with("principalSet://") {
        return None;
    }
    let Some((kind, rest)) = literal.split_once(':') else {
        if symbolic {
            return None;
        }
        return Some(
            "no member type: expected TYPE:ID such as user:EMAIL or serviceAccount:EMAIL".into(),
        );
    };
    let complete = !symbolic;
    // IAM: "... is of type serviceAccount": a service account is never a user.
    let service_account_email = if complete {
        rest.ends_with(".gserviceaccount.com")
    } else {
        t.refs()
            .next()
            .is_some_and(|r| r.resource.contains("google_service_account.") && &*r.path == "email")
            && rest.is_empty()
    };
    match kind {
        "user" if service_account_email => Some(
            "a service account is not a user: write serviceAccount:EMAIL (IAM rejects it as \"of type serviceAccount\")"
                .into(),
        ),
        "user" | "group" => {
            (complete && !valid_email(rest)).then(|| format!("{kind}: needs an email address"))
        }
        "serviceAccount" => (complete && !valid_email(rest) && !rest.contains(".svc.id.goog["))
            .then(|| {
                "serviceAccount: needs the account's email (NAME@PROJECT.iam.gserviceaccount.com)"
                    .into()
            }),
        "domain" => (complete && (rest.is_empty() || rest.contains('@')))
            .then(|| "domain: needs a domain name such as example.com".into()),
        "deleted" => {
            (complete && !rest.contains("?uid=")).then(|| "deleted: members need ?uid=".into())
        }
        "projectOwner" | "projectEditor" | "projectViewer" => {
            (complete && rest.is_empty()).then(|| format!("{kind}: needs a project id"))
        }
        "principal" | "principalSet" => Some(format!("{kind} identifiers start with {kind}://")),
        _ => {
            let lower = kind.to_ascii_lowercase();
            let known = ["user", "group", "serviceaccount", "domain", "deleted"];
            if known.contains(&lower.as_str()) {
                Some(format!(
                    "member types are case-sensitive: {kind:?} is not a member type"
                ))
            } else {
                Some(format!("unknown member type {kind:?}"))
            }
        }
    }
}

fn valid_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::member_problem;
    use crate::eval::{Reference, Text};

    /// `${a.b.attr}` as a reference, the rest literal.
    fn parse(s: &str) -> Text {
        let mut t = Text::default();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            t.push_str(&rest[..i]);
            let end = rest[i..].find('}').map(|j| i + j).unwrap_or(rest.len());
            let inner = &rest[i + 2..end];
            let (res, attr) = inner.rsplit_once('.').unwrap();
            t.push_ref(Reference::new(res, attr));
            rest = &rest[(end + 1).min(rest.len())..];
        }
        t.push_str(rest);
        t
    }

    #[test]
    fn members() {
        for ok in [
            "allUsers",
            "allAuthenticatedUsers",
            "user:a@b.com",
            "serviceAccount:x@p.iam.gserviceaccount.com",
            "serviceAccount:p.svc.id.goog[ns/ksa]",
            "group:g@b.com",
            "domain:example.com",
            "principal://iam.googleapis.com/x",
            "principalSet://iam.googleapis.com/x",
            "deleted:serviceAccount:x@y.iam.gserviceaccount.com?uid=123",
            "projectOwner:my-project",
            "serviceAccount:${google_service_account.a.email}",
            "${google_service_account.a.member}",
        ] {
            assert_eq!(member_problem(&parse(ok)), None, "{ok}");
        }
        for bad in [
            "",
            "allusers",
            "serviceAccount:name",
            "user:bob",
            "sa:foo@x.com",
            "group:",
            "ServiceAccount:a@b.c",
            "domain:a@b.com",
            "user:ci@acme-prod.iam.gserviceaccount.com",
            "user:${google_service_account.a.email}",
        ] {
            assert!(member_problem(&parse(bad)).is_some(), "{bad}");
        }
    }
}
