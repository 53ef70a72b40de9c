//! RW203: the caller's OIDC audience matches neither the service URL nor one
//! of its custom audiences, so Cloud Run rejects the token.

use super::caller_common as cc;
use super::{Finding, Rule, Severity};
use crate::eval::Text;
use crate::model::{AccessModel, Action, Service, Token};

pub static RULE: Rule = Rule {
    name: "oidc-audience-mismatch",
    id: "RW203",
    severity: Severity::Warning,
    summary: "the caller's OIDC audience matches neither the service URL nor its custom_audiences",
    doc: include_str!("../../rules/oidc-audience-mismatch.md"),
    check,
};

/// `None` when it cannot be told (parts known only after apply).
fn accepted(audience: &Text, s: &Service) -> Option<bool> {
    if s.custom_audiences.iter().any(|a| a == audience) {
        return Some(true);
    }
    if let Some(r) = audience.refs().next() {
        let url_attr = matches!(
            r.first_attr(),
            "uri" | "url" | "urls" | "status" | "service_config"
        );
        if r.points_into(&s.address) && url_attr {
            return Some(true);
        }
        // The URL of another Cloud Run service: certainly not this one's.
        let service_type = [
            "google_cloud_run_v2_service.",
            "google_cloud_run_service.",
            "google_cloudfunctions2_function.",
        ]
        .iter()
        .any(|t| r.resource.contains(t));
        return if service_type && url_attr && audience.literal_prefix().is_empty() {
            Some(false)
        } else {
            None
        };
    }
    let audience = audience.known()?;
    let host = audience
        .split("://")
        .nth(1)?
        .split(['/', ':', '?'])
        .next()?;
    if host.ends_with(".run.app") {
        let label = host.split('.').next().unwrap_or("");
        return Some(
            s.name
                .known()
                .is_some_and(|n| label.starts_with(&format!("{n}-"))),
        );
    }
    // Any other literal: accepted only as a custom audience (checked above).
    Some(false)
}

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        if c.token != Token::Oidc || c.action != Action::Invoke {
            continue;
        }
        let Some((audience, span)) = &c.audience else {
            continue;
        };
        for &t in &c.targets {
            let s = &model.services[t];
            if accepted(audience, s) != Some(false) {
                continue;
            }
            let mut f = cc::finding(
                &RULE,
                c,
                *span,
                Some(s),
                format!(
                    "OIDC audience {:?} of {} is neither the URL of {} nor one of its custom_audiences: Cloud Run will reject the token (401)",
                    audience.to_string(),
                    c.kind.noun(),
                    cc::target_text(s)
                ),
            );
            f.help = Some(match c.kind {
                crate::model::CallerKind::ApiGateway => "remove `jwt_audience` from the x-google-backend (the gateway then uses the backend address), set it to the service URL, or add it to the service's custom_audiences".into(),
                _ => "remove `audience` (it defaults to the endpoint URL), set it to the service URL, or add it to the service's custom_audiences".into(),
            });
            out.push(f);
        }
    }
}
