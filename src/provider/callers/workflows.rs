//! Workflows: the HTTP calls (`call: http.*` with `url:` and
//! `auth: { type: OIDC }`) and Cloud Run job runs (the
//! `googleapis.run.*.jobs.run` connector with `name:`) of a workflow
//! definition, run as `service_account` (unset: the Compute Engine default
//! service account).
//!
//! The definition (YAML or JSON, from a heredoc, `templatefile`,
//! `yamlencode` or `jsonencode`) is decoded and its steps walked, at any
//! depth (`steps`, `switch`, `parallel`, `try`, subworkflows). Values known
//! only after apply (`${google_cloud_run_v2_service.x.uri}` substituted by
//! Terraform) stay references; `${...}` written literally (`$${...}` in
//! Terraform) is a workflow expression, computed when the workflow runs. A
//! definition that does not decode (a template the decoder cannot read) is
//! scanned as text instead.

use super::embedded::{decode, restore, with_placeholders};
use super::{Action, CallerKind, RawCaller, RawTarget, Token, runs_as};
use crate::eval::{Unknown, Value};
use crate::provider::res::Res;

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    let Some((a, v)) = res.attr("source_contents") else {
        return out;
    };
    let Some(text) = v.text() else {
        // Still a caller: what it calls is not known (listed by --explain-unknown).
        let mut c = res.base_caller(root, CallerKind::Workflow);
        c.target_span = a.span;
        let u = v
            .not_known(a.span)
            .unwrap_or_else(|| Unknown::error("source_contents is not a string", a.span));
        c.target_text = format!("a workflow definition that is not known ({})", u.reason());
        runs_as(res, "service_account", &mut c);
        out.push(RawCaller {
            caller: c,
            target: RawTarget::Unresolved(u),
        });
        return out;
    };
    let (calls, refs) = match decode(&text, a.span) {
        Ok((doc, refs)) => {
            let mut calls = Vec::new();
            steps(&doc, &mut calls);
            (calls, refs)
        }
        Err(_) => {
            let (source, refs) = with_placeholders(&text);
            (workflow_calls(&source), refs)
        }
    };
    for call in calls {
        let mut c = res.base_caller(root, CallerKind::Workflow);
        c.target_span = a.span;
        runs_as(res, "service_account", &mut c);
        let target = match call {
            WorkflowCall::Http { url, token } => {
                c.token = token;
                let url = restore(&url, &refs);
                c.target_text = url.to_string();
                c.target_url = Some(url.clone());
                if url.refs().next().is_none() && url.literal_prefix().contains("${") {
                    RawTarget::Unresolved(Unknown::not_modelled(
                        "the URL is computed by the workflow when it runs",
                        a.span,
                    ))
                } else {
                    RawTarget::Url(url)
                }
            }
            WorkflowCall::RunJob { name } => {
                c.token = Token::OAuth;
                c.action = Action::RunJob;
                let name = restore(&name, &refs);
                match name.known() {
                    Some(n) if !n.contains("${") && !n.contains('+') && !n.contains('"') => {
                        c.target_text = format!("job {n}");
                        RawTarget::Job {
                            name: n.to_string(),
                            location: None,
                        }
                    }
                    _ => {
                        c.target_text = format!("job {name}");
                        RawTarget::Unresolved(Unknown::not_modelled(
                            "the job name is computed by the workflow",
                            a.span,
                        ))
                    }
                }
            }
        };
        out.push(RawCaller { caller: c, target });
    }
    out
}

enum WorkflowCall {
    Http { url: String, token: Token },
    RunJob { name: String },
}

/// The calls of a decoded definition: every map with a `call` (an HTTP
/// call with `args.url`, `args.auth.type` OIDC or OAuth2; a Cloud Run job
/// run with `args.name`), wherever it sits.
fn steps(v: &Value, out: &mut Vec<WorkflowCall>) {
    fn field<'v>(v: Option<&'v Value>, name: &str) -> Option<&'v Value> {
        match v {
            Some(Value::Map(m)) => m.get(name),
            _ => None,
        }
    }
    match v {
        Value::Map(m) => {
            let call = m.get("call").and_then(Value::as_str).unwrap_or("");
            let args = m.get("args");
            let arg = |name: &str| {
                field(args, name)
                    .and_then(Value::to_known_string)
                    .filter(|s| !s.is_empty())
            };
            if call.starts_with("http.") {
                if let Some(url) = arg("url") {
                    let auth = field(field(args, "auth"), "type").and_then(Value::as_str);
                    let token = match auth {
                        Some(t) if t.eq_ignore_ascii_case("OIDC") => Token::Oidc,
                        Some(t) if t.eq_ignore_ascii_case("OAuth2") => Token::OAuth,
                        _ => Token::None,
                    };
                    out.push(WorkflowCall::Http { url, token });
                }
            } else if call.starts_with("googleapis.run.")
                && call.contains("jobs.run")
                && let Some(name) = arg("name")
            {
                let short = name.rsplit('/').next().unwrap_or(&name).to_string();
                out.push(WorkflowCall::RunJob { name: short });
            }
            for (k, child) in m.iter() {
                if k != "args" {
                    steps(child, out);
                }
            }
        }
        Value::List(items) => items.iter().for_each(|i| steps(i, out)),
        _ => {}
    }
}

/// Finds HTTP calls and job runs in a workflow definition (YAML or JSON) by
/// reading its steps as text.
fn workflow_calls(text: &str) -> Vec<WorkflowCall> {
    let mut out = Vec::new();
    let norm = text.replace(['"', ','], " ");
    for chunk in norm.split("call:").skip(1) {
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
            let token = if chunk.contains("OIDC") {
                Token::Oidc
            } else {
                Token::None
            };
            out.push(WorkflowCall::Http { url, token });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Reference, Text};

    #[test]
    fn workflow_steps() {
        let yaml = "main:\n  steps:\n    - callApi:\n        call: http.post\n        args:\n          url: https://x/work\n          auth:\n            type: OIDC\n    - runJob:\n        call: googleapis.run.v1.namespaces.jobs.run\n        args:\n          name: namespaces/p/jobs/nightly\n";
        let calls = workflow_calls(yaml);
        assert_eq!(calls.len(), 2);
        assert!(
            matches!(&calls[0], WorkflowCall::Http { url, token: Token::Oidc } if url.ends_with("/work"))
        );
        assert!(matches!(&calls[1], WorkflowCall::RunJob { name } if name == "nightly"));
    }

    #[test]
    fn references_survive_the_text_scan() {
        let mut t = Text::lit("- a:\n    call: http.get\n    args:\n      url: ");
        t.push_ref(Reference::new("google_cloud_run_v2_service.api", "uri"));
        t.push_str("/run\n");
        let (s, refs) = with_placeholders(&t);
        let calls = workflow_calls(&s);
        let WorkflowCall::Http { url, .. } = &calls[0] else {
            panic!()
        };
        assert_eq!(
            restore(url, &refs).to_string(),
            "${google_cloud_run_v2_service.api.uri}/run"
        );
    }
}
