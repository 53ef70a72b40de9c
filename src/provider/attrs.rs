//! Attributes the google provider computes from what is configured:
//! service account emails, ids and members, service agents, Cloud Run ids,
//! custom role names, `data "google_iam_policy"` documents, the provider's
//! default project. Each is read from the provider's documentation and
//! source, cited in docs/facts.md.

use crate::eval::{Evaluator, Provider, Reference, ResourceHandle, Text, Value};
use crate::load::Mode;
use crate::syntax::Span;
use std::collections::BTreeMap;

/// The google provider (and google-beta, which computes the same).
pub struct Google;

impl Provider for Google {
    fn keeps_body(&self, rtype: &str) -> bool {
        super::keeps_body(rtype)
    }

    fn computed(
        &self,
        ev: &Evaluator,
        h: &ResourceHandle,
        attr: &str,
        span: Span,
    ) -> Option<Value> {
        let decl = ev.resource_decl(h);
        let ctx = ev.resource_ctx(h.instance, h.decl as usize, h.key.as_ref());
        let known = |name: &str| -> Option<String> {
            match ev.resource_attr(h, name, span) {
                Value::String(s) => Some(s),
                _ => None,
            }
        };
        let project = || -> Option<String> {
            match decl.block.body.attr("project") {
                Some(_) => known("project"),
                None => ev.provider_project(),
            }
        };
        let v = match (decl.rtype.as_str(), attr) {
            ("google_service_account", "email") => {
                match (known("account_id"), project(), decl.mode) {
                    // The data source takes an account id, an email or a
                    // full name, as the provider's serviceAccountFQN does.
                    (Some(id), _, Mode::Data) if id.contains('@') => {
                        Value::String(id.rsplit('/').next().unwrap_or(&id).to_string())
                    }
                    (Some(id), _, Mode::Data) if id.chars().all(|c| c.is_ascii_digit()) => {
                        return None;
                    }
                    (Some(id), Some(p), _) => {
                        Value::String(format!("{id}@{p}.iam.gserviceaccount.com"))
                    }
                    _ => return None,
                }
            }
            ("google_service_account", "id" | "name") => match known("email") {
                Some(e) => {
                    let p = project().or_else(|| {
                        e.split('@')
                            .nth(1)
                            .and_then(|d| d.strip_suffix(".iam.gserviceaccount.com"))
                            .map(str::to_string)
                    });
                    Value::String(format!(
                        "projects/{}/serviceAccounts/{e}",
                        p.unwrap_or_else(|| "-".into())
                    ))
                }
                None => return None,
            },
            ("google_service_account", "member") => {
                match ev.resource_attr(h, "email", span).text() {
                    Some(email) => {
                        let mut t = Text::lit("serviceAccount:");
                        t.append(email);
                        t.into_value()
                    }
                    None => return None,
                }
            }
            // Google-managed service agents:
            // service-PROJECT_NUMBER@gcp-sa-SERVICE.iam.gserviceaccount.com,
            // the project number known only after apply.
            ("google_project_service_identity", "email" | "member") => {
                match known("service")
                    .as_deref()
                    .and_then(|s| s.strip_suffix(".googleapis.com"))
                {
                    Some(svc) => {
                        let mut t = Text::lit(if attr == "member" {
                            "serviceAccount:service-"
                        } else {
                            "service-"
                        });
                        t.push_ref(Reference::new(h.address.clone(), "project_number"));
                        t.push_str(&format!("@gcp-sa-{svc}.iam.gserviceaccount.com"));
                        Value::Partial(t)
                    }
                    None => return None,
                }
            }
            (_, "project") | ("google_project", "project_id") => match ev.provider_project() {
                Some(p) => Value::String(p),
                None => return None,
            },
            ("google_cloud_run_v2_service" | "google_cloud_run_v2_job", "id") => {
                let kind = if decl.rtype.ends_with("job") {
                    "jobs"
                } else {
                    "services"
                };
                match (known("project"), known("location"), known("name")) {
                    (Some(p), Some(l), Some(n)) => {
                        Value::String(format!("projects/{p}/locations/{l}/{kind}/{n}"))
                    }
                    _ => return None,
                }
            }
            ("google_cloud_run_service", "id") => {
                match (known("project"), known("location"), known("name")) {
                    (Some(p), Some(l), Some(n)) => {
                        Value::String(format!("locations/{l}/namespaces/{p}/services/{n}"))
                    }
                    _ => return None,
                }
            }
            ("google_iam_policy", "policy_data") => {
                // The policy as a structured document (what jsondecode of
                // the real JSON string would give), so it survives being
                // passed through variables and outputs.
                let bindings = ev.blocks(&decl.block.body, "binding", &ctx);
                if let Some(u) = bindings.unknown {
                    return Some(Value::Unknown(u));
                }
                let list = bindings
                    .items
                    .iter()
                    .map(|(b, c)| ev.body_value(b, c))
                    .collect();
                Value::map(BTreeMap::from([(
                    "bindings".to_string(),
                    Value::list(list),
                )]))
            }
            ("google_project_iam_custom_role", "name" | "id") => {
                match (project(), known("role_id")) {
                    (Some(p), Some(id)) => Value::String(format!("projects/{p}/roles/{id}")),
                    _ => return None,
                }
            }
            ("google_organization_iam_custom_role", "name" | "id") => {
                match (known("org_id"), known("role_id")) {
                    (Some(o), Some(id)) => Value::String(format!(
                        "organizations/{}/roles/{id}",
                        o.trim_start_matches("organizations/")
                    )),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(v)
    }
}
