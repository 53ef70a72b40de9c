//! Callers: the resources that call Cloud Run, one file per kind, each
//! turning a resource instance into [`RawCaller`]s. The shared parts
//! (token blocks, identities, URL targets) live here.

mod api_gateway;
mod bigquery;
mod embedded;
mod eventarc;
mod firebase;
mod function_trigger;
mod iap;
mod pubsub;
mod scheduler;
mod service_env;
mod tasks;
mod workflows;

pub use function_trigger::event_trigger;
pub use iap::iap;
pub use service_env::env_urls;

use crate::eval::{Ctx, Unknown, Value};
use crate::model::Field;
use crate::model::callers::{
    Action, Caller, CallerKind, DomainMapping, Identity, RawCaller, RawTarget, Token,
};
use crate::provider::res::{Res, attr_in};
use crate::syntax::Body;

/// Reads the callers a resource of type `rtype` defines.
pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    match res.rtype {
        "google_pubsub_subscription" => pubsub::read(res, root),
        "google_cloud_scheduler_job" => scheduler::read(res, root),
        "google_cloud_tasks_queue" => tasks::read(res, root),
        "google_eventarc_trigger" => eventarc::read(res, root),
        "google_workflows_workflow" => workflows::read(res, root),
        "google_api_gateway_api_config" => api_gateway::read(res, root),
        "google_firebase_hosting_version" => firebase::read(res, root),
        "google_bigquery_routine" => bigquery::read(res, root),
        _ => Vec::new(),
    }
}

impl Res<'_, '_> {
    pub(super) fn base_caller(&self, root: usize, kind: CallerKind) -> Caller {
        Caller {
            root,
            address: self.address.clone(),
            kind,
            action: Action::Invoke,
            identity: Identity::None,
            identity_span: None,
            token: Token::None,
            audience: None,
            targets: Vec::new(),
            target_text: String::new(),
            target_url: None,
            target_unknown: None,
            target_span: self.span,
            default_url: false,
            from_internet: false,
            project: self.project(),
            span: self.span,
            module_spans: self.module_spans.clone(),
            related: Vec::new(),
        }
    }
}

/// Reads the token blocks (`oidc_token`, `oauth_token`) of a body.
fn tokens(res: &Res, body: &Body, ctx: &Ctx, c: &mut Caller) {
    let ev = res.ev;
    for (kind, token) in [("oidc_token", Token::Oidc), ("oauth_token", Token::OAuth)] {
        let blocks = ev.blocks(body, kind, ctx);
        let Some((b, bc)) = blocks.items.first() else {
            continue;
        };
        c.token = token;
        match attr_in(ev, b, bc, "service_account_email") {
            Some((a, v)) => {
                c.identity = Identity::service_account(Field::from_value(v, a.span));
                c.identity_span = Some(a.span);
            }
            None => {
                c.identity = Identity::Unknown(Unknown::error(
                    format!("{kind} has no service_account_email"),
                    res.span,
                ))
            }
        }
        if let Some((a, v)) = attr_in(ev, b, bc, "audience")
            && let Some(t) = v.text()
        {
            c.audience = Some((t, a.span));
        }
    }
}

/// The identity of a trigger or workflow's `service_account`; unset: the
/// Compute Engine default service account of its project.
fn runs_as(res: &Res, attr: &str, c: &mut Caller) {
    match res.field(attr) {
        Some((f, span)) => {
            c.identity = Identity::service_account(f);
            c.identity_span = Some(span);
        }
        None => {
            c.identity = Identity::ComputeDefault {
                project: c.project.clone(),
            }
        }
    }
}

/// A URL attribute as a target.
fn url_target(attr: Option<(&crate::syntax::Attribute, Value)>, c: &mut Caller) -> RawTarget {
    let Some((a, v)) = attr else {
        return RawTarget::Unresolved(Unknown::not_modelled("no URL is set", c.span));
    };
    c.target_span = a.span;
    match v.derived_text() {
        Some(t) => {
            c.target_text = match v.text() {
                Some(_) => t.to_string(),
                None => format!("a URL derived from {t}"),
            };
            c.target_url = Some(t.clone());
            RawTarget::Url(t)
        }
        None => {
            let u = v
                .not_known(a.span)
                .unwrap_or_else(|| Unknown::error("the URL is not a string", a.span));
            c.target_text = format!("a URL that is not known ({})", u.reason());
            RawTarget::Unresolved(u)
        }
    }
}

/// `https://run.googleapis.com/v2/projects/P/locations/L/jobs/NAME:run` and the
/// v1 form `https://REGION-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/P/jobs/NAME:run`.
fn job_run_url(url: &str) -> Option<(String, Option<String>)> {
    if !url.contains("run.googleapis.com") {
        return None;
    }
    let path = url.split("/jobs/").nth(1)?;
    let name = path.strip_suffix(":run")?;
    let location = url
        .split("/locations/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .map(str::to_string);
    Some((name.to_string(), location))
}

pub fn domain_mapping(res: &Res) -> Option<DomainMapping> {
    let domain = res.known("name")?;
    let spec = res.nested(&["spec"]);
    let (body, ctx) = spec.first()?;
    let (a, v) = attr_in(res.ev, body, ctx, "route_name")?;
    Some(DomainMapping {
        domain,
        service: Field::from_value(v, a.span),
        location: res
            .field("location")
            .map(|f| f.0)
            .unwrap_or(Field::Unknown(res.not_set("location"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_urls() {
        assert_eq!(
            job_run_url(
                "https://run.googleapis.com/v2/projects/p/locations/us-central1/jobs/nightly:run"
            ),
            Some(("nightly".into(), Some("us-central1".into())))
        );
        assert_eq!(
            job_run_url(
                "https://us-central1-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/p/jobs/nightly:run"
            ),
            Some(("nightly".into(), None))
        );
        assert_eq!(job_run_url("https://api-xyz.a.run.app/jobs/x"), None);
    }
}
