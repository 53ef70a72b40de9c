//! RW203: the caller's OIDC audience matches neither the service URL nor one
//! of its custom audiences, so Cloud Run rejects the token.

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::path::{TokenCheck, token};
use crate::model::{AccessModel, Action, Token};

pub static RULE: Rule = Rule {
    name: "oidc-audience-mismatch",
    id: "RW203",
    severity: Severity::Warning,
    category: Category::CallerAccess,
    allow: false,
    summary: "the caller's OIDC audience matches neither the service URL nor its custom_audiences",
    doc: include_str!("../../rules/oidc-audience-mismatch.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        if c.token != Token::Oidc || c.action != Action::Invoke {
            continue;
        }
        for &t in &c.targets {
            let s = &model.services[t];
            let TokenCheck::Audience { why, span } = token(model, c, t) else {
                continue;
            };
            let mut f = cc::finding(
                &RULE,
                c,
                span,
                Some(s),
                format!("{} calls {}, but {why}", c.kind.noun(), cc::target_text(s)),
            );
            f.help = Some(match c.kind {
                crate::model::CallerKind::ApiGateway => "remove `jwt_audience` from the x-google-backend (the gateway then uses the backend address), set it to the service URL, or add it to the service's custom_audiences".into(),
                _ => "remove `audience` (it defaults to the endpoint URL), set it to the service URL, or add it to the service's custom_audiences".into(),
            });
            out.push(f);
        }
    }
}
