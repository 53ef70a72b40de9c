//! RW205: a deny policy above the service refuses the caller's identity the
//! permission the call needs: 403 whatever the grants say.

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::{self, Deny, Permission};
use crate::model::{AccessModel, Action, Identity, Token};

pub static RULE: Rule = Rule {
    name: "invoker-denied",
    id: "RW205",
    severity: Severity::Error,
    category: Category::CallerAccess,
    allow: false,
    summary: "an IAM deny policy above the service denies the caller the permission the call needs",
    doc: include_str!("../../rules/invoker-denied.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        let sends_identity = c.token == Token::Oidc || c.action == Action::RunJob;
        if !sends_identity || matches!(c.identity, Identity::Unknown(_)) {
            continue;
        }
        for &t in &c.targets {
            let s = &model.services[t];
            let d = authz::decide(model, t, &c.identity, &c.action);
            let permission = Permission::of(s.kind, &c.action);
            let (policy, rule, note) = match &d.deny {
                Deny::None => continue,
                Deny::Denied { policy, rule } => (*policy, *rule, None),
                Deny::Maybe { policy, rule, why } => (*policy, *rule, Some(why.clone())),
            };
            let p = &model.deny_policies[policy];
            let span = c.identity_span.unwrap_or(c.span);
            let message = match &note {
                None => format!(
                    "{} calls {} as {}, but deny policy {} denies it {}: requests fail with 403 whatever the grants say",
                    c.kind.noun(),
                    cc::target_text(s),
                    cc::identity_text(c),
                    p.address,
                    permission.deny_name()
                ),
                Some(why) => format!(
                    "{} calls {} as {}, and a deny policy may refuse it: {why}",
                    c.kind.noun(),
                    cc::target_text(s),
                    cc::identity_text(c)
                ),
            };
            let mut f = cc::finding(&RULE, c, span, Some(s), message);
            if note.is_some() {
                f.severity = Severity::Note;
            }
            f.related.push(p.address.clone());
            f.anchors.push(p.rules[rule].span);
            f.anchors.push(p.span);
            f.help = Some(format!(
                "add the caller's identity to exception_principals of {} (or remove {} from its denied_permissions); grants cannot override a deny",
                p.address,
                permission.deny_name()
            ));
            out.push(f);
        }
    }
}
