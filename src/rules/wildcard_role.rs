//! RW302: a role name or a custom role permission written with a wildcard.

use super::public_exposure::grant_anchors;
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, roles};

pub static RULE: Rule = Rule {
    name: "wildcard-role",
    id: "RW302",
    severity: Severity::Error,
    category: Category::LeastPrivilege,
    allow: false,
    summary: "a role or custom-role permission with a wildcard, which IAM rejects at apply",
    doc: include_str!("../../rules/wildcard-role.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for grant in &model.grants {
        let Some(text) = grant.role.text() else {
            continue;
        };
        // Only what is written counts: parts known after apply are values.
        if !text.literal_parts().any(|l| l.contains('*')) {
            continue;
        }
        let role = text.to_string();
        let mut f = Finding::new(
            &RULE,
            grant.role_span,
            grant.root,
            &grant.address,
            format!("role {role:?} has a wildcard: IAM only accepts exact role names"),
        );
        f.key = role.to_string();
        f.related.extend(grant.via.clone());
        f.anchors = grant_anchors(grant, grant.role_span);
        f.help = Some(
            "name one predefined role (roles/run.invoker, roles/run.developer, ...) or a custom role with the exact permissions needed".into(),
        );
        out.push(f);
    }
    for c in &model.org.custom_roles {
        let wild: Vec<&str> = c
            .permissions
            .iter()
            .filter(|p| roles::has_wildcard(p))
            .map(String::as_str)
            .collect();
        if wild.is_empty() {
            continue;
        }
        let mut f = Finding::new(
            &RULE,
            c.permissions_span,
            c.root,
            &c.address,
            format!(
                "custom role permission{} {} {} a wildcard: IAM rejects the role (\"Permission ... is not valid\")",
                if wild.len() == 1 { "" } else { "s" },
                wild.iter()
                    .map(|p| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if wild.len() == 1 { "has" } else { "have" },
            ),
        )
        .keyed(wild.join(","));
        f.anchors = vec![c.permissions_span, c.span];
        f.anchors.extend(c.module_spans.iter().copied());
        f.help = Some(
            "list each permission (run.routes.invoke, run.services.get, ...), or grant a predefined role".into(),
        );
        out.push(f);
    }
}
