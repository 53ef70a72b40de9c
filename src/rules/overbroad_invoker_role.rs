//! RW304: a caller's only route to invoke a service is a role far broader
//! than roles/run.invoker.

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::Verdict;
use crate::model::{AccessModel, Action, Identity, Token};

pub static RULE: Rule = Rule {
    name: "overbroad-invoker-role",
    id: "RW304",
    severity: Severity::Warning,
    category: Category::LeastPrivilege,
    allow: false,
    summary: "a caller's only route to invoke a service is a role far broader than roles/run.invoker",
    doc: include_str!("../../rules/overbroad-invoker-role.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        if !(c.token == Token::Oidc || c.action == Action::RunJob)
            || matches!(c.identity, Identity::Unknown(_) | Identity::None)
        {
            continue;
        }
        for &t in &c.targets {
            let Verdict::Allowed {
                grants,
                broad: true,
            } = crate::authz::may(model, t, &c.identity, &c.action)
            else {
                continue;
            };
            let s = &model.services[t];
            let via: Vec<String> = grants
                .iter()
                .map(|g| format!("{} ({})", model.grants[*g].role, model.grants[*g].address))
                .collect();
            let span = c.identity_span.unwrap_or(c.span);
            let mut f = cc::finding(
                &RULE,
                c,
                span,
                Some(s),
                format!(
                    "{} may call {} only through {}: far more than it needs",
                    cc::identity_text(c),
                    cc::target_text(s),
                    via.join(", ")
                ),
            );
            f.related
                .extend(grants.iter().map(|g| model.grants[*g].address.clone()));
            f.help = Some(
                "grant roles/run.invoker on this service instead and drop the broad role (fix below)".into(),
            );
            f.fix = Some(cc::fix(model, c, s));
            out.push(f);
        }
    }
}
