//! Callers: resources that send requests to Cloud Run services or run jobs,
//! each with its identity (or none), its token, its target and its span.
//!
//! Pub/Sub push subscriptions, Cloud Scheduler jobs, Cloud Tasks queues,
//! Eventarc triggers, Workflows, and IAP in front of a service (on the
//! service itself or on a backend service with a serverless NEG).

use super::{Res, Service, concrete, refers_to};
use crate::eval::Value;
use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    PubsubPush,
    Scheduler,
    CloudTasks,
    Eventarc,
    Workflow,
    Iap,
    /// A Cloud Run service whose configuration hands it another service's URL.
    Service,
}

impl CallerKind {
    pub fn noun(self) -> &'static str {
        match self {
            CallerKind::PubsubPush => "Pub/Sub push subscription",
            CallerKind::Scheduler => "Cloud Scheduler job",
            CallerKind::CloudTasks => "Cloud Tasks queue",
            CallerKind::Eventarc => "Eventarc trigger",
            CallerKind::Workflow => "workflow",
            CallerKind::Iap => "Identity-Aware Proxy",
            CallerKind::Service => "Cloud Run service",
        }
    }
    /// Google-managed callers that Cloud Run counts as internal traffic from
    /// the same project (or VPC-SC perimeter) when they use the run.app URL.
    pub fn internal_when_same_project(self) -> bool {
        !matches!(self, CallerKind::Iap | CallerKind::Service)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Oidc,
    OAuth,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// An IAM member string, e.g. `serviceAccount:x@p.iam.gserviceaccount.com`
    /// (symbolic parts as `${...}`).
    Member(String),
    /// The IAP service agent of the service's project.
    IapAgent,
    /// No identity is sent.
    None,
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// An HTTP request to the service (needs `run.routes.invoke`).
    Invoke,
    /// Runs a job through the Cloud Run Admin API (needs `run.jobs.run`).
    RunJob,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub root: usize,
    pub address: String,
    pub kind: CallerKind,
    pub action: Action,
    pub identity: Identity,
    /// How the identity is written in the configuration (for fix suggestions).
    pub identity_source: Option<String>,
    pub identity_span: Option<Span>,
    pub token: Token,
    pub audience: Option<(String, Span)>,
    /// Services (or jobs) the caller targets; empty when unresolved.
    pub targets: Vec<usize>,
    /// The URL or name as configured, for messages.
    pub target_text: String,
    pub target_span: Span,
    /// The target URL is the service's own run.app URL (or a reference to it).
    pub default_url: bool,
    /// The request comes from the internet (IAP on the service, or IAP on an
    /// external load balancer).
    pub from_internet: bool,
    pub project: Option<String>,
    pub span: Span,
    pub module_spans: Vec<Span>,
}

/// A caller before its target is linked to services.
pub(super) struct RawCaller {
    pub caller: Caller,
    pub target: RawTarget,
}

pub(super) enum RawTarget {
    Url(String),
    /// Eventarc: service name and region.
    Named {
        name: Option<String>,
        reference: Option<String>,
        region: Option<String>,
    },
    /// A job run through the Admin API.
    Job {
        name: String,
        location: Option<String>,
    },
    /// IAP: the service itself.
    Service(String),
    Unresolved,
}

fn source(res: &Res, span: Span) -> String {
    let f = &res.ev.ws.files[span.file as usize];
    f.text
        .get(span.start as usize..span.end as usize)
        .unwrap_or("")
        .to_string()
}

impl Res<'_, '_> {
    fn base_caller(&self, root: usize, kind: CallerKind, project: Option<String>) -> Caller {
        Caller {
            root,
            address: self.address.clone(),
            kind,
            action: Action::Invoke,
            identity: Identity::None,
            identity_source: None,
            identity_span: None,
            token: Token::None,
            audience: None,
            targets: Vec::new(),
            target_text: String::new(),
            target_span: self.span,
            default_url: false,
            from_internet: false,
            project,
            span: self.span,
            module_spans: self.module_spans.clone(),
        }
    }
}

/// Reads the token blocks (`oidc_token`, `oauth_token`) of a body.
fn tokens(res: &Res, body: &crate::syntax::Body, ctx: &crate::eval::Ctx, c: &mut Caller) {
    let ev = res.ev;
    for (kind, token) in [("oidc_token", Token::Oidc), ("oauth_token", Token::OAuth)] {
        let blocks = ev.blocks(body, kind, ctx);
        let Some((b, bc)) = blocks.items.first() else {
            continue;
        };
        c.token = token;
        match b.attr("service_account_email") {
            Some(a) => {
                let v = ev.eval(&a.expr, bc);
                c.identity = identity_of(&v);
                c.identity_span = Some(a.span);
                c.identity_source = Some(source(res, a.expr.span));
            }
            None => c.identity = Identity::Unknown("no service_account_email".into()),
        }
        if let Some(a) = b.attr("audience")
            && let Some(s) = ev.eval(&a.expr, bc).as_string()
        {
            c.audience = Some((s, a.span));
        }
    }
}

fn identity_of(v: &Value) -> Identity {
    // `google_service_account.x.id` / `.name` is `projects/P/serviceAccounts/EMAIL`.
    if let Some(s) = v.as_string() {
        if s.starts_with("${")
            && s.contains("google_service_account.")
            && (s.ends_with(".id}") || s.ends_with(".name}"))
        {
            let base = s
                .trim_end_matches('}')
                .rsplit_once('.')
                .map(|x| x.0)
                .unwrap_or(&s);
            return Identity::Member(format!("serviceAccount:{base}.email}}"));
        }
        if s.starts_with("projects/") && s.contains("/serviceAccounts/") {
            return Identity::Member(format!(
                "serviceAccount:{}",
                s.rsplit('/').next().unwrap_or(&s)
            ));
        }
    }
    match v {
        Value::String(s) => Identity::Member(format!("serviceAccount:{s}")),
        Value::Ref(_) | Value::Resource(_) => Identity::Member(format!(
            "serviceAccount:{}",
            v.as_string().unwrap_or_default()
        )),
        Value::Unknown(u) => Identity::Unknown(u.reason.to_string()),
        other => Identity::Unknown(format!("unexpected {} value", other.type_name())),
    }
}

fn url_target(attr: Option<(&crate::syntax::Attribute, Value)>, c: &mut Caller) -> RawTarget {
    let Some((a, v)) = attr else {
        return RawTarget::Unresolved;
    };
    c.target_span = a.span;
    match v.as_string() {
        Some(s) => {
            c.target_text = s.clone();
            RawTarget::Url(s)
        }
        None => {
            c.target_text = format!("unresolved URL ({})", super::describe_unknown(&v));
            RawTarget::Unresolved
        }
    }
}

pub(super) fn read(
    res: &Res,
    rtype: &str,
    root: usize,
    default_project: &Option<String>,
) -> Vec<RawCaller> {
    let ev = res.ev;
    let project = res.string("project").or_else(|| default_project.clone());
    let mut out = Vec::new();
    match rtype {
        "google_pubsub_subscription" => {
            for (b, ctx) in ev.blocks(res.body, "push_config", &res.ctx).items {
                let mut c = res.base_caller(root, CallerKind::PubsubPush, project.clone());
                let attr = b.attr("push_endpoint").map(|a| (a, ev.eval(&a.expr, &ctx)));
                let target = url_target(attr, &mut c);
                tokens(res, b, &ctx, &mut c);
                out.push(RawCaller { caller: c, target });
            }
        }
        "google_cloud_scheduler_job" => {
            for (b, ctx) in ev.blocks(res.body, "http_target", &res.ctx).items {
                let mut c = res.base_caller(root, CallerKind::Scheduler, project.clone());
                let attr = b.attr("uri").map(|a| (a, ev.eval(&a.expr, &ctx)));
                let mut target = url_target(attr, &mut c);
                tokens(res, b, &ctx, &mut c);
                if let RawTarget::Url(u) = &target
                    && let Some((name, location)) = job_run_url(u)
                {
                    c.action = Action::RunJob;
                    target = RawTarget::Job { name, location };
                }
                out.push(RawCaller { caller: c, target });
            }
        }
        "google_cloud_tasks_queue" => {
            for (b, ctx) in ev.blocks(res.body, "http_target", &res.ctx).items {
                let mut c = res.base_caller(root, CallerKind::CloudTasks, project.clone());
                let mut target = RawTarget::Unresolved;
                if let Some((o, octx)) = ev.blocks(b, "uri_override", &ctx).items.first()
                    && let Some(h) = o.attr("host")
                {
                    let v = ev.eval(&h.expr, octx);
                    c.target_span = h.span;
                    if let Some(host) = v.as_string() {
                        c.target_text = host.clone();
                        let url = if host.contains("://") {
                            host
                        } else {
                            format!("https://{host}")
                        };
                        target = RawTarget::Url(url);
                    }
                }
                tokens(res, b, &ctx, &mut c);
                if matches!(target, RawTarget::Unresolved) {
                    // Without a URI override the task's own URL decides: unknown here.
                    c.target_text = "the URL of each task (no uri_override)".into();
                }
                out.push(RawCaller { caller: c, target });
            }
        }
        "google_eventarc_trigger" => {
            for (d, dctx) in ev.blocks(res.body, "destination", &res.ctx).items {
                for (b, ctx) in ev.blocks(d, "cloud_run_service", &dctx).items {
                    let mut c = res.base_caller(root, CallerKind::Eventarc, project.clone());
                    c.token = Token::Oidc;
                    let (mut name, mut reference) = (None, None);
                    if let Some(a) = b.attr("service") {
                        c.target_span = a.span;
                        let v = ev.eval(&a.expr, &ctx);
                        name = concrete(&v);
                        reference = match &name {
                            Some(_) => None,
                            None => v.as_string(),
                        };
                        c.target_text =
                            v.as_string().unwrap_or_else(|| "unresolved service".into());
                    }
                    let region = b
                        .attr("region")
                        .and_then(|a| concrete(&ev.eval(&a.expr, &ctx)));
                    c.default_url = true;
                    match res.attr("service_account") {
                        Some((a, v)) => {
                            c.identity = identity_of(&v);
                            c.identity_span = Some(a.span);
                            c.identity_source = Some(source(res, a.expr.span));
                        }
                        None => {
                            c.identity =
                                Identity::Unknown("no service_account is set on the trigger".into())
                        }
                    }
                    out.push(RawCaller {
                        caller: c,
                        target: RawTarget::Named {
                            name,
                            reference,
                            region,
                        },
                    });
                }
            }
        }
        "google_workflows_workflow" => {
            let Some((a, v)) = res.attr("source_contents") else {
                return out;
            };
            let Some(text) = v.as_string() else {
                // Still a caller: what it calls is not known (listed by --explain-unknown).
                let mut c = res.base_caller(root, CallerKind::Workflow, project);
                c.target_span = a.span;
                c.target_text = format!(
                    "unresolved workflow definition ({})",
                    super::describe_unknown(&v)
                );
                out.push(RawCaller {
                    caller: c,
                    target: RawTarget::Unresolved,
                });
                return out;
            };
            let (identity, identity_span, identity_source) = match res.attr("service_account") {
                Some((sa, sv)) => {
                    // `service_account` may be an email or a full resource name.
                    let id = identity_of(&sv);
                    (id, Some(sa.span), Some(source(res, sa.expr.span)))
                }
                None => (
                    Identity::Unknown("no service_account: the workflow runs as the Compute Engine default service account".into()),
                    None,
                    None,
                ),
            };
            for call in workflow_calls(&text) {
                let mut c = res.base_caller(root, CallerKind::Workflow, project.clone());
                c.target_span = a.span;
                c.identity = identity.clone();
                c.identity_span = identity_span;
                c.identity_source = identity_source.clone();
                let target = match call {
                    WorkflowCall::Http { url, oidc } => {
                        c.token = if oidc { Token::Oidc } else { Token::None };
                        c.target_text = url.clone();
                        RawTarget::Url(url)
                    }
                    WorkflowCall::RunJob { name } => {
                        c.token = Token::OAuth;
                        c.action = Action::RunJob;
                        if name.contains("${") || name.contains('+') || name.contains('"') {
                            // A workflow expression: the job is chosen at run time.
                            c.target_text =
                                "unresolved: the job name is computed by the workflow".into();
                            RawTarget::Unresolved
                        } else {
                            c.target_text = format!("job {name}");
                            RawTarget::Job {
                                name,
                                location: None,
                            }
                        }
                    }
                };
                out.push(RawCaller { caller: c, target });
            }
        }
        _ => {}
    }
    out
}

/// Service-to-service calls the configuration states: an environment
/// variable of a container holding another service's URL
/// (`value = google_cloud_run_v2_service.b.uri`). The caller's identity is
/// the service's runtime service account; the code is assumed to send an
/// identity token (that is how Cloud Run services call private services).
pub(super) fn env_urls(res: &Res, root: usize, service: &Service) -> Vec<RawCaller> {
    let ev = res.ev;
    let container_paths: &[&[&str]] = match service.kind {
        super::ServiceKind::V2Service => &[&["template", "containers"]],
        super::ServiceKind::V1Service => &[&["template", "spec", "containers"]],
        super::ServiceKind::V2Job => &[&["template", "template", "containers"]],
        super::ServiceKind::Function2 => &[],
    };
    let mut out = Vec::new();
    for path in container_paths {
        let mut level = vec![(res.body, res.ctx.clone())];
        for kind in path.iter() {
            level = level
                .iter()
                .flat_map(|(b, c)| ev.blocks(b, kind, c).items)
                .collect();
        }
        for (container, cctx) in &level {
            for (env, ectx) in ev.blocks(container, "env", cctx).items {
                let Some(a) = env.attr("value") else { continue };
                let Some(url) = ev.eval(&a.expr, &ectx).as_string() else {
                    continue;
                };
                if !url.contains("${") && !url.contains(".run.app") {
                    continue;
                }
                let mut c = res.base_caller(root, CallerKind::Service, service.project.clone());
                c.address = service.address.clone();
                c.token = Token::Oidc;
                c.target_span = a.span;
                c.target_text = url.clone();
                match service.runtime_member() {
                    Some(m) => c.identity = Identity::Member(m),
                    None => {
                        c.identity = Identity::Unknown(
                            "no runtime service_account: it runs as the Compute Engine default service account".into(),
                        )
                    }
                }
                c.identity_span = Some(a.span);
                c.identity_source = service.service_account.as_ref().map(|e| {
                    match e.strip_prefix("${").and_then(|x| x.strip_suffix('}')) {
                        Some(reference) => reference.to_string(),
                        None => format!("{e:?}"),
                    }
                });
                out.push(RawCaller {
                    caller: c,
                    target: RawTarget::Url(url),
                });
            }
        }
    }
    out
}

/// An IAP caller for a service with `iap_enabled` or behind an IAP backend.
pub(super) fn iap(
    res: &Res,
    root: usize,
    project: Option<String>,
    service_address: &str,
    span: Span,
) -> RawCaller {
    let mut c = res.base_caller(root, CallerKind::Iap, project);
    c.token = Token::Oidc;
    c.identity = Identity::IapAgent;
    c.identity_span = Some(span);
    c.target_span = span;
    c.default_url = true;
    c.from_internet = true;
    c.target_text = service_address.to_string();
    RawCaller {
        caller: c,
        target: RawTarget::Service(service_address.to_string()),
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

enum WorkflowCall {
    Http { url: String, oidc: bool },
    RunJob { name: String },
}

/// Finds HTTP calls and job runs in a workflow definition (YAML or JSON) by
/// reading its steps as text: `call: http.*` with `url:` and `auth: type: OIDC`,
/// and the Cloud Run connector `googleapis.run.*.jobs.run` with `name:`.
fn workflow_calls(text: &str) -> Vec<WorkflowCall> {
    let mut out = Vec::new();
    let norm = text.replace(['"', ','], " ");
    let chunks: Vec<&str> = norm.split("call:").skip(1).collect();
    for chunk in chunks {
        let target = chunk.split_whitespace().next().unwrap_or("");
        let field = |key: &str| -> Option<String> {
            chunk
                .lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
                .filter(|v| !v.is_empty())
        };
        if target.starts_with("http.") {
            let Some(url) = field("url:") else { continue };
            let oidc = chunk.contains("OIDC");
            out.push(WorkflowCall::Http { url, oidc });
        } else if target.starts_with("googleapis.run.")
            && target.contains("jobs.run")
            && let Some(name) = field("name:")
        {
            let short = name.rsplit('/').next().unwrap_or(&name).to_string();
            out.push(WorkflowCall::RunJob { name: short });
        }
    }
    out
}

/// The service a URL points at: a reference to a service's URL attribute
/// (`${google_cloud_run_v2_service.x.uri}`), or a run.app host whose first
/// label starts with a known service name.
/// A `google_cloud_run_domain_mapping`: a custom domain routed to a service.
pub(super) struct DomainMapping {
    domain: String,
    service_name: Option<String>,
    service_ref: Option<String>,
    location: Option<String>,
}

pub(super) fn domain_mapping(res: &Res) -> Option<DomainMapping> {
    let ev = res.ev;
    let domain = res.string("name")?;
    let blocks = ev.blocks(res.body, "spec", &res.ctx);
    let (spec, ctx) = blocks.items.first()?;
    let v = ev.eval(&spec.attr("route_name")?.expr, ctx);
    Some(DomainMapping {
        domain,
        service_name: concrete(&v),
        service_ref: match concrete(&v) {
            Some(_) => None,
            None => v.as_string(),
        },
        location: res.string("location"),
    })
}

pub(super) fn services_for_url(
    url: &str,
    services: &[Service],
    domains: &[DomainMapping],
    root: usize,
) -> (Vec<usize>, bool) {
    let mut found = Vec::new();
    let mut default_url = false;
    let mut rest = url;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let end = after.find('}').unwrap_or(after.len());
        let r = &after[..end];
        for (idx, s) in services.iter().enumerate() {
            if s.root == root && refers_to(r, &s.address) && !found.contains(&idx) {
                found.push(idx);
                let attr = &r[s.address.len()..];
                if attr.starts_with(".uri")
                    || attr.starts_with(".urls")
                    || attr.starts_with(".status")
                    || attr.starts_with(".service_config")
                    || attr.starts_with(".url")
                {
                    default_url = true;
                }
            }
        }
        rest = &after[end.min(after.len())..];
    }
    let host = url
        .split("://")
        .nth(1)
        .and_then(|h| h.split(['/', ':', '?']).next())
        .unwrap_or("");
    if found.is_empty()
        && let Some(d) = domains.iter().find(|d| d.domain == host)
    {
        // A custom domain: the service is reached, but not via run.app.
        for (i, s) in services.iter().enumerate() {
            if s.root != root || s.kind.is_job() {
                continue;
            }
            let by_ref = d
                .service_ref
                .as_deref()
                .is_some_and(|r| refers_to(r.trim_start_matches("${"), &s.address));
            let by_name = d.service_name.is_some()
                && d.service_name == s.name
                && (d.location.is_none() || s.location.is_none() || d.location == s.location);
            if by_ref || by_name {
                found.push(i);
            }
        }
    }
    if found.is_empty() && host.ends_with(".run.app") {
        let label = host.split('.').next().unwrap_or("");
        let best = services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.root == root && !s.kind.is_job())
            .filter_map(|(i, s)| s.name.as_ref().map(|n| (i, n)))
            .filter(|(_, n)| label.starts_with(&format!("{n}-")))
            .max_by_key(|(_, n)| n.len());
        if let Some((i, _)) = best {
            found.push(i);
            default_url = true;
        }
    }
    (found, default_url)
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

    #[test]
    fn workflow_steps() {
        let yaml = "main:\n  steps:\n    - callApi:\n        call: http.post\n        args:\n          url: ${google_cloud_run_v2_service.api.uri}/work\n          auth:\n            type: OIDC\n    - runJob:\n        call: googleapis.run.v1.namespaces.jobs.run\n        args:\n          name: namespaces/p/jobs/nightly\n";
        let calls = workflow_calls(yaml);
        assert_eq!(calls.len(), 2);
        assert!(
            matches!(&calls[0], WorkflowCall::Http { url, oidc: true } if url.ends_with("/work"))
        );
        assert!(matches!(&calls[1], WorkflowCall::RunJob { name } if name == "nightly"));
    }
}
