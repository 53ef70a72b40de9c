//! Attributes of resource instances: what the configuration sets, what the
//! google provider computes from it (service account emails, ids, custom
//! role names, `data "google_iam_policy"` documents), or a reference known
//! only after apply.
//!
//! Provider semantics are read from its documentation and source; each is
//! cited in docs/facts.md.

use super::value::Text;
use super::{Evaluator, Reference, ResourceHandle, Value};
use crate::load::Mode;
use crate::syntax::Span;
use std::collections::BTreeMap;

impl Evaluator<'_> {
    /// An attribute of a resource instance.
    ///
    /// - Set in the configuration to a known value (lists and maps may hold
    ///   references): that value. Set to `null`: not set.
    /// - Set to a string known only in part (`"api-${random_id.x.hex}"`) or
    ///   to an unknown: a reference to this attribute, so that whatever
    ///   names this resource through it stays linked to it.
    /// - Not set: what the provider computes, or a reference.
    /// - A resource type whose body the loader does not keep: a reference,
    ///   never a default.
    pub fn resource_attr(&self, h: &ResourceHandle, attr: &str, span: Span) -> Value {
        let key = super::Key::ResAttr(h.instance, h.decl as usize, h.key.clone(), attr.to_string());
        self.memo(key, span, || {
            let inst = self.instance(h.instance);
            let r = &self.ws.modules[inst.module].resources[h.decl as usize];
            let symbolic = || Value::Ref(Reference::new(h.address.clone(), attr));
            if r.mode == Mode::Managed && r.address.is_none() && !crate::load::models_body(&r.rtype)
            {
                return symbolic();
            }
            let ctx = self.resource_ctx(h.instance, h.decl as usize, h.key.as_ref());
            if attr != "count"
                && attr != "for_each"
                && let Some(a) = r.block.body.attr(attr)
            {
                match self.eval(&a.expr, &ctx) {
                    Value::Null => {}
                    Value::Partial(_) | Value::Unknown(_) => return symbolic(),
                    v => return v,
                }
            } else {
                let blocks = self.blocks(&r.block.body, attr, &ctx);
                if !blocks.items.is_empty() {
                    return Value::List(
                        blocks
                            .items
                            .iter()
                            .map(|(b, c)| self.body_value(b, c))
                            .collect(),
                    );
                }
            }
            let known = |name: &str| -> Option<String> {
                match self.resource_attr(h, name, span) {
                    Value::String(s) => Some(s),
                    _ => None,
                }
            };
            let project = || -> Option<String> {
                match r.block.body.attr("project") {
                    Some(_) => known("project"),
                    None => self.provider_project(),
                }
            };
            match (r.rtype.as_str(), attr) {
                ("google_service_account", "email") => {
                    match (known("account_id"), project(), r.mode) {
                        // The data source takes an account id, an email or a
                        // full name, as the provider's serviceAccountFQN does.
                        (Some(id), _, Mode::Data) if id.contains('@') => {
                            Value::String(id.rsplit('/').next().unwrap_or(&id).to_string())
                        }
                        (Some(id), _, Mode::Data) if id.chars().all(|c| c.is_ascii_digit()) => {
                            symbolic()
                        }
                        (Some(id), Some(p), _) => {
                            Value::String(format!("{id}@{p}.iam.gserviceaccount.com"))
                        }
                        _ => symbolic(),
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
                    None => symbolic(),
                },
                ("google_service_account", "member") => {
                    match self.resource_attr(h, "email", span).text() {
                        Some(email) => {
                            let mut t = Text::lit("serviceAccount:");
                            t.append(email);
                            t.into_value()
                        }
                        None => symbolic(),
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
                        None => symbolic(),
                    }
                }
                (_, "project") | ("google_project", "project_id") => {
                    match self.provider_project() {
                        Some(p) => Value::String(p),
                        None => symbolic(),
                    }
                }
                ("google_cloud_run_v2_service" | "google_cloud_run_v2_job", "id") => {
                    let kind = if r.rtype.ends_with("job") {
                        "jobs"
                    } else {
                        "services"
                    };
                    match (known("project"), known("location"), known("name")) {
                        (Some(p), Some(l), Some(n)) => {
                            Value::String(format!("projects/{p}/locations/{l}/{kind}/{n}"))
                        }
                        _ => symbolic(),
                    }
                }
                ("google_cloud_run_service", "id") => {
                    match (known("project"), known("location"), known("name")) {
                        (Some(p), Some(l), Some(n)) => {
                            Value::String(format!("locations/{l}/namespaces/{p}/services/{n}"))
                        }
                        _ => symbolic(),
                    }
                }
                ("google_iam_policy", "policy_data") => {
                    // The policy as a structured document (what jsondecode of
                    // the real JSON string would give), so it survives being
                    // passed through variables and outputs.
                    let bindings = self.blocks(&r.block.body, "binding", &ctx);
                    if let Some(u) = bindings.unknown {
                        return Value::Unknown(u);
                    }
                    let list = bindings
                        .items
                        .iter()
                        .map(|(b, c)| self.body_value(b, c))
                        .collect();
                    Value::Map(BTreeMap::from([(
                        "bindings".to_string(),
                        Value::List(list),
                    )]))
                }
                ("google_project_iam_custom_role", "name" | "id") => {
                    match (project(), known("role_id")) {
                        (Some(p), Some(id)) => Value::String(format!("projects/{p}/roles/{id}")),
                        _ => symbolic(),
                    }
                }
                ("google_organization_iam_custom_role", "name" | "id") => {
                    match (known("org_id"), known("role_id")) {
                        (Some(o), Some(id)) => Value::String(format!(
                            "organizations/{}/roles/{id}",
                            o.trim_start_matches("organizations/")
                        )),
                        _ => symbolic(),
                    }
                }
                _ => symbolic(),
            }
        })
    }
}
