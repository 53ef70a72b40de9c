//! Shared pieces of the caller rules (RW201-RW204, RW304): anchors, naming,
//! and the grant that would fix a missing one, written from the resolved
//! identity and service (never from source text).

use super::{Finding, Rule};
use crate::eval::{Piece, Text};
use crate::model::{AccessModel, Caller, Field, Identity, Service, ServiceKind};
use crate::syntax::Span;

/// A finding about caller `c` at `span`, with the service in `related` and
/// the caller's block and module calls as suppression anchors.
pub fn finding(
    rule: &'static Rule,
    c: &Caller,
    span: Span,
    service: Option<&Service>,
    message: String,
) -> Finding {
    let mut f = Finding::new(rule, span, c.root, &c.address, message)
        .keyed(service.map_or("", |s| s.address.as_str()));
    f.related.extend(
        service
            .filter(|s| s.has_address())
            .map(|s| s.address.clone()),
    );
    f.related.extend(c.related.iter().cloned());
    f.anchors = anchors(c, span);
    f
}

pub fn anchors(c: &Caller, span: Span) -> Vec<Span> {
    let mut a = vec![span, c.span];
    a.extend(c.module_spans.iter().copied());
    a
}

pub fn identity_text(c: &Caller) -> String {
    c.identity.describe()
}

pub fn target_text(s: &Service) -> String {
    super::public_exposure::service_label(s)
}

/// The module path of an address: `module.a["k"].module.b` of
/// `module.a["k"].module.b.google_x.y`, empty at the root.
pub fn module_prefix(address: &str) -> &str {
    let mut end = 0;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let name_len = after.find(['.', '[']).unwrap_or(after.len());
        let mut len = "module.".len() + name_len;
        if after[name_len..].starts_with('[') {
            // The instance key, which may hold dots inside its quotes.
            let mut quoted = false;
            let mut escaped = false;
            let key = &after[name_len..];
            let Some(close) = key.char_indices().find_map(|(i, c)| {
                match c {
                    _ if escaped => escaped = false,
                    '\\' if quoted => escaped = true,
                    '"' => quoted = !quoted,
                    ']' if !quoted => return Some(i),
                    _ => {}
                }
                None
            }) else {
                break;
            };
            len += close + 1;
        }
        if !rest[len..].starts_with('.') {
            break;
        }
        end += len + 1;
        rest = &rest[len + 1..];
    }
    address[..end].trim_end_matches('.')
}

/// `address` as written inside the module instance `prefix`, when it is in it.
fn local(address: &str, prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return (module_prefix(address).is_empty()).then(|| address.to_string());
    }
    let rest = address.strip_prefix(prefix)?.strip_prefix('.')?;
    module_prefix(rest).is_empty().then(|| rest.to_string())
}

/// A text as an HCL string literal written in module instance `prefix`:
/// literal parts escaped, references as interpolations. `None` when a
/// reference points into another module.
fn hcl_string(t: &Text, prefix: &str) -> Option<String> {
    let mut out = String::from("\"");
    for p in t.pieces() {
        match p {
            Piece::Lit(s) => {
                // Literal `${` / `%{` must not become interpolations.
                let s = s.replace("${", "$${").replace("%{", "%%{");
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c => out.push(c),
                    }
                }
            }
            Piece::Ref(r) => {
                let resource = local(&r.resource, prefix)?;
                let mut written = resource;
                if !r.path.is_empty() {
                    if !r.path.starts_with('[') {
                        written.push('.');
                    }
                    written.push_str(&r.path);
                }
                out.push_str(&format!("${{{written}}}"));
            }
        }
    }
    out.push('"');
    Some(out)
}

/// A field as an HCL expression in module instance `prefix`.
fn hcl_field(f: &Field, prefix: &str) -> Option<String> {
    match f {
        Field::Known(s) => Some(format!("{s:?}")),
        Field::Symbolic(t) => hcl_string(t, prefix),
        Field::Unknown(_) => None,
    }
}

/// How the grant is written for each kind: resource type, the attribute
/// naming the target, the location attribute, the role, and the target's
/// attribute to reference.
fn grant_shape(
    kind: ServiceKind,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    match kind {
        ServiceKind::V2Service => (
            "google_cloud_run_v2_service_iam_member",
            "name",
            "location",
            "roles/run.invoker",
            "name",
        ),
        ServiceKind::V2Job => (
            "google_cloud_run_v2_job_iam_member",
            "name",
            "location",
            "roles/run.invoker",
            "name",
        ),
        ServiceKind::V1Service => (
            "google_cloud_run_service_iam_member",
            "service",
            "location",
            "roles/run.invoker",
            "name",
        ),
        // On the Cloud Run service behind the function: a 2nd gen function
        // checks run.routes.invoke there, and its own IAM refuses
        // roles/run.invoker.
        ServiceKind::Function2 => (
            "google_cloud_run_service_iam_member",
            "service",
            "location",
            "roles/run.invoker",
            "service_config[0].service",
        ),
        ServiceKind::Function1 => (
            "google_cloudfunctions_function_iam_member",
            "cloud_function",
            "region",
            "roles/cloudfunctions.invoker",
            "name",
        ),
    }
}

/// HCL for the grant that lets the caller invoke (or run) `s`.
pub fn fix(model: &AccessModel, c: &Caller, s: &Service) -> String {
    let _ = model;
    let (rtype, name_attr, location_attr, role, name_ref) = grant_shape(s.kind);
    let resource_name = c
        .address
        .rsplit('.')
        .next()
        .unwrap_or("caller")
        .split('[')
        .next()
        .unwrap_or("caller")
        .to_string();
    let prefix = module_prefix(&c.address);
    // The service's own attributes when it lives in the caller's module.
    let service_ref = (s.has_address() && module_prefix(&s.address) == prefix)
        .then(|| local(&s.address, prefix))
        .flatten();
    let (project, location, name) = match &service_ref {
        Some(r) => (
            Some(format!("{r}.project")),
            Some(format!("{r}.{location_attr}")),
            Some(format!("{r}.{name_ref}")),
        ),
        None => (
            hcl_field(&s.project, prefix),
            hcl_field(&s.location, prefix),
            hcl_field(&s.name, prefix),
        ),
    };
    let mut needs_project_data = false;
    let member = match &c.identity {
        Identity::IapAgent => {
            needs_project_data = true;
            "\"serviceAccount:service-${data.google_project.project.number}@gcp-sa-iap.iam.gserviceaccount.com\"".to_string()
        }
        Identity::ComputeDefault { .. } => {
            needs_project_data = true;
            "\"serviceAccount:${data.google_project.project.number}-compute@developer.gserviceaccount.com\"".to_string()
        }
        Identity::Member(m) => {
            hcl_string(m, prefix).unwrap_or_else(|| "\"serviceAccount:CALLER_EMAIL\"".into())
        }
        Identity::None | Identity::AnyAccount | Identity::Unknown(_) => {
            "\"serviceAccount:CALLER_EMAIL\"".into()
        }
    };
    let mut out = String::new();
    if needs_project_data {
        out.push_str("# with: data \"google_project\" \"project\" {}\n");
    }
    out.push_str(&format!(
        "resource \"{rtype}\" \"{resource_name}_invoker\" {{\n"
    ));
    let width = name_attr
        .len()
        .max(location_attr.len())
        .max("project".len());
    let line = |out: &mut String, k: &str, v: &str| {
        out.push_str(&format!("  {k:<width$} = {v}\n"));
    };
    if let Some(p) = project {
        line(&mut out, "project", &p);
    }
    if let Some(l) = location {
        line(&mut out, location_attr, &l);
    }
    line(
        &mut out,
        name_attr,
        &name.unwrap_or_else(|| "\"SERVICE\"".into()),
    );
    line(&mut out, "role", &format!("{role:?}"));
    line(&mut out, "member", &member);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Reference;

    #[test]
    fn module_prefixes() {
        assert_eq!(module_prefix("google_x.y"), "");
        assert_eq!(module_prefix("module.a.google_x.y"), "module.a");
        assert_eq!(
            module_prefix("module.a[\"k.1\"].module.b[0].google_x.y[\"z\"]"),
            "module.a[\"k.1\"].module.b[0]"
        );
    }

    #[test]
    fn members_are_written_from_the_resolved_identity() {
        let mut t = Text::lit("serviceAccount:");
        t.push_ref(Reference::new(
            "module.m.google_service_account.wf",
            "email",
        ));
        assert_eq!(
            hcl_string(&t, "module.m").as_deref(),
            Some("\"serviceAccount:${google_service_account.wf.email}\"")
        );
        // A reference into another module cannot be written here.
        assert_eq!(hcl_string(&t, ""), None);
        assert_eq!(
            hcl_string(&Text::lit("a\"b"), "").as_deref(),
            Some("\"a\\\"b\"")
        );
    }

    #[test]
    fn connection_accounts_are_written_as_references() {
        // A BigQuery remote function's identity, inside module "fn".
        let mut t = Text::lit("serviceAccount:");
        t.push_ref(Reference::new(
            "module.fn.google_bigquery_connection.this",
            crate::model::callers::CONNECTION_ACCOUNT,
        ));
        let member = hcl_string(&t, "module.fn").unwrap();
        assert_eq!(
            member,
            "\"serviceAccount:${google_bigquery_connection.this.cloud_resource[0].service_account_id}\""
        );
        let grant = format!("resource \"x\" \"y\" {{\n  member = {member}\n}}\n");
        assert!(hcl_edit::parser::parse_body(&grant).is_ok(), "{grant}");
    }
}
