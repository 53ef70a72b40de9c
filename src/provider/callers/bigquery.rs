//! BigQuery remote functions: `google_bigquery_routine`
//! `remote_function_options { endpoint, connection }`. BigQuery calls the
//! endpoint with an OIDC token of the connection's service account: the
//! account Google creates for a Cloud resource connection, an output of
//! `google_bigquery_connection` (`cloud_resource[0].service_account_id`,
//! an email). The identity is therefore a reference to that attribute,
//! written as grants write it
//! (`serviceAccount:${google_bigquery_connection.x.cloud_resource[0].service_account_id}`).

use super::{CallerKind, Identity, RawCaller, Token, url_target};
use crate::eval::{InstanceKey, Reference, ResourceHandle, Text, Unknown, Value};
use crate::load::Mode;
use crate::model::callers::CONNECTION_ACCOUNT;
use crate::provider::res::{Res, attr_in};
use crate::syntax::Span;

const CONNECTION: &str = "google_bigquery_connection";

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    for (b, ctx) in res.blocks("remote_function_options").items {
        let mut c = res.base_caller(root, CallerKind::BigQueryRemoteFunction);
        c.token = Token::Oidc;
        let target = url_target(attr_in(res.ev, b, &ctx, "endpoint"), &mut c);
        match attr_in(res.ev, b, &ctx, "connection") {
            Some((a, v)) => {
                c.identity_span = Some(a.span);
                match connection(res, &v, a.span) {
                    Ok(address) => {
                        let mut m = Text::lit("serviceAccount:");
                        m.push_ref(Reference::new(address.clone(), CONNECTION_ACCOUNT));
                        c.identity = Identity::Member(m);
                        c.related.push(address);
                    }
                    Err(u) => c.identity = Identity::Unknown(u),
                }
            }
            None => {
                c.identity = Identity::Unknown(Unknown::error(
                    "remote_function_options has no connection",
                    res.span,
                ))
            }
        }
        out.push(RawCaller { caller: c, target });
    }
    out
}

/// The address of the connection `connection` names: a reference to a
/// `google_bigquery_connection` (`.name`, `.id`), or its full name
/// `projects/P/locations/L/connections/C` matched against the connections
/// of the same module.
fn connection(res: &Res, v: &Value, span: Span) -> Result<String, Unknown> {
    if let Some(t) = v.derived_text()
        && let Some(r) = t.refs().find(|r| is_connection(&r.resource))
    {
        return Ok(r.resource.to_string());
    }
    let Some(name) = v.as_str() else {
        return Err(v
            .not_known(span)
            .unwrap_or_else(|| Unknown::error("connection is not a string", span)));
    };
    let parts: Vec<&str> = name.split('/').collect();
    let [
        "projects",
        project,
        "locations",
        location,
        "connections",
        id,
    ] = parts[..]
    else {
        return Err(Unknown::error(
            format!("connection {name:?} is not projects/P/locations/L/connections/C"),
            span,
        ));
    };
    declared(res, project, location, id, span).ok_or_else(|| {
        Unknown::not_modelled(
            format!(
                "connection {name} is not declared in this configuration: its service account is not known"
            ),
            span,
        )
    })
}

fn is_connection(resource: &str) -> bool {
    resource.contains(&format!("{CONNECTION}."))
}

/// The `google_bigquery_connection` of this module instance with that
/// connection id, location (BigQuery locations ignore case) and project.
fn declared(res: &Res, project: &str, location: &str, id: &str, span: Span) -> Option<String> {
    let ev = res.ev;
    let module = &ev.ws.modules[ev.instance(res.inst).module];
    for (decl, r) in module.resources.iter().enumerate() {
        if r.mode != Mode::Managed || r.rtype != CONNECTION {
            continue;
        }
        for key in ev.expansion(res.inst, decl).keys() {
            if key == Some(InstanceKey::Unknown) {
                continue;
            }
            let address = ev.resource_address(res.inst, decl, key.as_ref());
            let h = ResourceHandle {
                instance: res.inst,
                decl: decl as u32,
                key,
                address: address.as_str().into(),
            };
            let attr = |name: &str| ev.resource_attr(&h, name, span);
            let matches = attr("connection_id").as_str() == Some(id)
                && attr("location")
                    .as_str()
                    .is_some_and(|l| l.eq_ignore_ascii_case(location))
                && attr("project").as_str().is_none_or(|p| p == project);
            if matches {
                return Some(address);
            }
        }
    }
    None
}
