//! Shared pieces of the caller rules (RW201-RW204, RW304): anchors, naming,
//! and the grant that would fix a missing one.

use super::{Finding, Rule};
use crate::model::{AccessModel, Caller, Identity, Service, ServiceKind};
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
    f.related.extend(service.map(|s| s.address.clone()));
    f.anchors = anchors(c, span);
    f
}

pub fn anchors(c: &Caller, span: Span) -> Vec<Span> {
    let mut a = vec![span, c.span];
    a.extend(c.module_spans.iter().copied());
    a
}

pub fn identity_text(c: &Caller) -> String {
    match &c.identity {
        Identity::Member(m) => m.clone(),
        Identity::IapAgent => {
            "the IAP service agent (service-PROJECT_NUMBER@gcp-sa-iap.iam.gserviceaccount.com)"
                .into()
        }
        Identity::None => "no identity".into(),
        Identity::Unknown(why) => format!("an unknown identity ({why})"),
    }
}

pub fn target_text(s: &Service) -> String {
    format!("{} {:?}", s.kind.noun(), s.display_name())
}

/// The address of `s` as written inside the caller's module, when both live
/// in the same module instance.
fn local_reference(c: &Caller, s: &Service) -> Option<String> {
    let prefix = |a: &str| -> String {
        // Everything up to the resource type: the module path.
        let parts: Vec<&str> = a.split('.').collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i + 1 < parts.len() && parts[i] == "module" {
            out.push(parts[i]);
            out.push(parts[i + 1]);
            i += 2;
        }
        out.join(".")
    };
    let (cp, sp) = (prefix(&c.address), prefix(&s.address));
    if cp != sp {
        return None;
    }
    let local = if sp.is_empty() {
        s.address.clone()
    } else {
        s.address[sp.len() + 1..].to_string()
    };
    Some(local)
}

/// HCL for the grant that lets the caller invoke (or run) `s`.
pub fn fix(model: &AccessModel, c: &Caller, s: &Service) -> String {
    let _ = model;
    let (rtype, name_attr) = match s.kind {
        ServiceKind::V2Service => ("google_cloud_run_v2_service_iam_member", "name"),
        ServiceKind::V2Job => ("google_cloud_run_v2_job_iam_member", "name"),
        ServiceKind::V1Service | ServiceKind::Function2 => {
            ("google_cloud_run_service_iam_member", "service")
        }
    };
    let own_name = "name";
    let resource_name = c
        .address
        .rsplit('.')
        .next()
        .unwrap_or("caller")
        .split('[')
        .next()
        .unwrap_or("caller")
        .to_string();
    let quoted = |v: &Option<String>| v.as_ref().map(|x| format!("{x:?}"));
    let (project, location, name) = match local_reference(c, s) {
        Some(r) => (
            Some(format!("{r}.project")),
            Some(format!("{r}.location")),
            Some(format!("{r}.{own_name}")),
        ),
        None => (quoted(&s.project), quoted(&s.location), quoted(&s.name)),
    };
    let member = match (&c.identity, &c.identity_source) {
        (Identity::IapAgent, _) => {
            "\"serviceAccount:service-${data.google_project.project.number}@gcp-sa-iap.iam.gserviceaccount.com\"".to_string()
        }
        (_, Some(src)) => {
            let src = src.trim();
            if let Some(inner) = src.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                format!("\"serviceAccount:{inner}\"")
            } else {
                format!("\"serviceAccount:${{{src}}}\"")
            }
        }
        (Identity::Member(m), None) => format!("{m:?}"),
        _ => "\"serviceAccount:CALLER_EMAIL\"".into(),
    };
    let mut out = String::new();
    if c.identity == Identity::IapAgent {
        out.push_str("# with: data \"google_project\" \"project\" {}\n");
    }
    out.push_str(&format!(
        "resource \"{rtype}\" \"{resource_name}_invoker\" {{\n"
    ));
    if let Some(p) = project {
        out.push_str(&format!("  project  = {p}\n"));
    }
    if let Some(l) = location {
        out.push_str(&format!("  location = {l}\n"));
    }
    let pad = " ".repeat(9 - name_attr.len());
    out.push_str(&format!(
        "  {name_attr}{pad}= {}\n",
        name.unwrap_or_else(|| "\"SERVICE\"".into())
    ));
    out.push_str("  role     = \"roles/run.invoker\"\n");
    out.push_str(&format!("  member   = {member}\n}}"));
    out
}
