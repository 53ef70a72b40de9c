//! RW202: a caller targets a service that is not public but sends no
//! identity token (or an OAuth access token, which Cloud Run does not accept).

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::path::{TokenCheck, token};
use crate::model::{AccessModel, Action, CallerKind, Token};

pub static RULE: Rule = Rule {
    name: "unauthenticated-caller",
    id: "RW202",
    severity: Severity::Error,
    category: Category::CallerAccess,
    allow: false,
    summary: "a caller targets a service that is not public but sends no identity token",
    doc: include_str!("../../rules/unauthenticated-caller.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        let help = || match (c.action == Action::RunJob, c.kind) {
            (true, _) => {
                "use oauth_token { service_account_email = ... } instead of oidc_token, and grant that account roles/run.invoker on the job"
            }
            (false, CallerKind::Workflow) => {
                "add `auth: { type: OIDC }` to the http call and grant roles/run.invoker to the workflow's service account"
            }
            (false, CallerKind::ApiGateway) => {
                "remove `disable_auth: true` from the x-google-backend, so that the gateway sends an identity token of gateway_config.backend_config.google_service_account, and grant that account roles/run.invoker on the service"
            }
            (false, CallerKind::FirebaseHosting) => {
                "Firebase Hosting never sends an identity token: a service behind a Hosting rewrite must admit unauthenticated requests (allUsers with roles/run.invoker, or invoker_iam_disabled = true), so serve only public content through the rewrite, or call the service another way"
            }
            _ => {
                "add an oidc_token { service_account_email = ... } block and grant that service account roles/run.invoker on the service"
            }
        };
        // A job run through the Admin API with the wrong token fails
        // whether or not the job is in the configuration.
        if c.action == Action::RunJob && c.token != Token::OAuth && c.targets.is_empty() {
            let sent = if c.token == Token::Oidc {
                "an OIDC identity token"
            } else {
                "no token"
            };
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                None,
                format!(
                    "{} runs {} through the Cloud Run Admin API with {sent}: Google APIs need an OAuth access token, so every run will fail with 401",
                    c.kind.noun(),
                    c.target_text
                ),
            );
            f.help = Some(help().into());
            out.push(f);
            continue;
        }
        if c.targets.is_empty()
            && c.kind.always_cloud_run()
            && c.action == Action::Invoke
            && c.token != Token::Oidc
        {
            // A Cloud Run service it names, but not one of this configuration.
            let why = match &c.target_unknown {
                Some(u) => u.reason(),
                None => format!("{} is not a service of this configuration", c.target_text),
            };
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                None,
                format!(
                    "cannot tell which Cloud Run service {} {} sends requests to ({why}): whether it admits requests without an identity token was not checked",
                    c.kind.noun(),
                    c.address
                ),
            );
            f.severity = Severity::Note;
            out.push(f);
            continue;
        }
        for &t in &c.targets {
            let s = &model.services[t];
            let (severity, why) = match token(model, c, t) {
                TokenCheck::Missing { why } => (Severity::Error, why),
                TokenCheck::Unknown(why) if c.token != Token::Oidc => (Severity::Note, why),
                _ => continue,
            };
            // Each task may carry its own OIDC token, set by the code that
            // creates it.
            let (severity, why) = match c.kind {
                CallerKind::CloudTasks if c.token == Token::None => (
                    Severity::Note,
                    format!("{why}, unless every task sets its own oidc_token"),
                ),
                CallerKind::ApiGateway if c.token == Token::None => (
                    severity,
                    format!("{why} (its x-google-backend sets disable_auth: true)"),
                ),
                _ => (severity, why),
            };
            let verb = if c.action == Action::RunJob {
                "runs"
            } else {
                "calls"
            };
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                Some(s),
                format!("{} {verb} {} and {why}", c.kind.noun(), cc::target_text(s)),
            );
            f.severity = severity;
            f.help = Some(help().into());
            out.push(f);
        }
    }
}
