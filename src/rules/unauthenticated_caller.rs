//! RW202: a caller targets a service that is not public but sends no
//! identity token (or an OAuth access token, which Cloud Run does not accept).

use super::caller_common as cc;
use super::{Finding, Rule, Severity};
use crate::authz::Verdict;
use crate::model::{AccessModel, Action, CallerKind, Identity, Token};

pub static RULE: Rule = Rule {
    name: "unauthenticated-caller",
    id: "RW202",
    severity: Severity::Error,
    summary: "a caller targets a service that is not public but sends no identity token",
    doc: include_str!("../../rules/unauthenticated-caller.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        if c.action == Action::RunJob && c.token != Token::OAuth {
            // The Cloud Run Admin API (run.googleapis.com) takes OAuth access
            // tokens; an OIDC identity token, or none, is rejected.
            let sent = if c.token == Token::Oidc {
                "an OIDC identity token"
            } else {
                "no token"
            };
            let service = c.targets.first().map(|&t| &model.services[t]);
            let job = service
                .map(cc::target_text)
                .unwrap_or_else(|| c.target_text.clone());
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                service,
                format!(
                    "{} runs {job} through the Cloud Run Admin API with {sent}: Google APIs need an OAuth access token, so every run will fail with 401",
                    c.kind.noun()
                ),
            );
            f.help = Some("use oauth_token { service_account_email = ... } instead of oidc_token, and grant that account roles/run.invoker on the job".into());
            out.push(f);
            continue;
        }
        if c.action != Action::Invoke || c.token == Token::Oidc {
            continue;
        }
        if c.targets.is_empty() && c.kind.always_cloud_run() {
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
            let what = match (c.token, c.kind) {
                (Token::OAuth, _) => {
                    "an OAuth access token (Cloud Run accepts only OIDC identity tokens)"
                }
                (_, CallerKind::ApiGateway) => {
                    "no identity token (its x-google-backend sets disable_auth: true)"
                }
                _ => "no identity token",
            };
            let (mut severity, mut why) =
                match crate::authz::may(model, t, &Identity::None, &c.action) {
                    Verdict::Public(_) => continue,
                    Verdict::Partial(why) => {
                        (Severity::Note, format!(" (could not verify: {why})"))
                    }
                    Verdict::Allowed { .. } | Verdict::Denied | Verdict::DeniedByPolicy { .. } => {
                        (Severity::Error, String::new())
                    }
                };
            if c.kind == CallerKind::CloudTasks && c.token == Token::None {
                // Each task may carry its own OIDC token, set by the code that creates it.
                severity = Severity::Note;
                why = " unless every task sets its own oidc_token".into();
            }
            let mut f = cc::finding(
                &RULE,
                c,
                c.target_span,
                Some(s),
                format!(
                    "{} sends {what} to {}, which is not public: requests will fail with 401/403{why}",
                    c.kind.noun(),
                    cc::target_text(s)
                ),
            );
            f.severity = severity;
            f.help = Some(match c.kind {
                CallerKind::Workflow => "add `auth: { type: OIDC }` to the http call and grant roles/run.invoker to the workflow's service account".into(),
                CallerKind::ApiGateway => "remove `disable_auth: true` from the x-google-backend, so that the gateway sends an identity token of gateway_config.backend_config.google_service_account, and grant that account roles/run.invoker on the service".into(),
                CallerKind::FirebaseHosting => "Firebase Hosting never sends an identity token: a service behind a Hosting rewrite must admit unauthenticated requests (allUsers with roles/run.invoker, or invoker_iam_disabled = true), so serve only public content through the rewrite, or call the service another way".into(),
                _ => "add an oidc_token { service_account_email = ... } block and grant that service account roles/run.invoker on the service".into(),
            });
            out.push(f);
        }
    }
}
