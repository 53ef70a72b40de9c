//! API Gateway: `google_api_gateway_api_config` routes requests to the
//! backends its OpenAPI documents name in `x-google-backend` (`address`,
//! `jwt_audience`, `disable_auth`), calling them with an OIDC token of
//! `gateway_config { backend_config { google_service_account } }` (unset:
//! the Compute Engine default service account), or with no token of its
//! own when the backend sets `disable_auth: true`.
//!
//! `openapi_documents { document { contents } }` is base64: a known
//! string (`filebase64("openapi.yaml")`, `base64encode(file(...))`) is
//! decoded; `base64encode(TEXT)` where TEXT holds values known only after
//! apply (`templatefile` substituting `google_cloud_run_v2_service.x.uri`,
//! a heredoc with an interpolation) is read from TEXT itself, so that the
//! backend address stays a reference to the service. The document (YAML, or
//! JSON) is decoded as `yamldecode` / `jsondecode` do, each reference read
//! as the string it is (a URL), then restored.

use super::embedded::{decode, restore};
use super::{CallerKind, Identity, RawCaller, RawTarget, Token};
use crate::eval::Reference;
use crate::eval::{Ctx, Text, Unknown, Value, funcs};
use crate::model::Field;
use crate::provider::res::{Res, attr_in};
use crate::syntax::{Attribute, ExprKind, Span};

const KEY: &str = "x-google-backend";

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let (identity, identity_span) = backend_identity(res);
    let mut out = Vec::new();
    for (doc, ctx) in res.nested(&["openapi_documents", "document"]) {
        let Some((a, v)) = attr_in(res.ev, doc, &ctx, "contents") else {
            continue;
        };
        let caller = || {
            let mut c = res.base_caller(root, CallerKind::ApiGateway);
            c.from_internet = true;
            c.target_span = a.span;
            c.token = Token::Oidc;
            c.identity = identity.clone();
            c.identity_span = identity_span;
            c
        };
        let text = match contents(res, a, v, &ctx) {
            Ok(t) => t,
            Err(u) => {
                // Still a caller: what it calls is not known (listed by --explain-unknown).
                let mut c = caller();
                c.target_text = format!("an OpenAPI document that is not known ({})", u.reason());
                out.push(RawCaller {
                    caller: c,
                    target: RawTarget::Unresolved(u),
                });
                continue;
            }
        };
        let found = match backends(&text, a.span) {
            Ok(found) => found,
            // Not YAML nor JSON, and naming no Cloud Run service: nothing to check.
            Err(u)
                if u.is_error()
                    && text.refs().next().is_none()
                    && !text.literal_parts().any(|l| l.contains(".run.app")) =>
            {
                continue;
            }
            Err(u) => {
                let mut c = caller();
                c.target_text = format!("an OpenAPI document that cannot be read ({})", u.reason());
                out.push(RawCaller {
                    caller: c,
                    target: RawTarget::Unresolved(u),
                });
                continue;
            }
        };
        let mut seen = Vec::new();
        for b in found {
            if seen.contains(&b) {
                continue;
            }
            let mut c = caller();
            if b.disable_auth {
                // No token is generated: the client's Authorization header, if any, is passed on.
                c.token = Token::None;
                c.identity = Identity::None;
                c.identity_span = None;
            }
            c.audience = b.jwt_audience.clone().map(|t| (t, a.span));
            c.target_text = b.address.to_string();
            c.target_url = Some(b.address.clone());
            let target = RawTarget::Url(b.address.clone());
            seen.push(b);
            out.push(RawCaller { caller: c, target });
        }
    }
    out
}

/// `gateway_config.backend_config.google_service_account`, or the Compute
/// Engine default service account.
fn backend_identity(res: &Res) -> (Identity, Option<Span>) {
    let level = res.nested(&["gateway_config", "backend_config"]);
    if let Some((b, ctx)) = level.first()
        && let Some((a, v)) = attr_in(res.ev, b, ctx, "google_service_account")
    {
        return (
            Identity::service_account(Field::from_value(v, a.span)),
            Some(a.span),
        );
    }
    (
        Identity::ComputeDefault {
            project: res.project(),
        },
        None,
    )
}

/// The document `contents` holds (base64 in the configuration).
fn contents(res: &Res, a: &Attribute, v: Value, ctx: &Ctx) -> Result<Text, Unknown> {
    if let Value::String(_) = v {
        return match funcs::call("base64decode", vec![v], a.span) {
            Value::String(doc) => Ok(Text::lit(doc)),
            other => Err(other
                .not_known(a.span)
                .unwrap_or_else(|| Unknown::error("contents is not base64 text", a.span))),
        };
    }
    if let ExprKind::Call(call) = &a.expr.kind
        && let crate::syntax::Call {
            name,
            args,
            expand_final: false,
        } = &**call
        && name.trim_start_matches("provider::terraform::") == "base64encode"
        && let [arg] = args.as_slice()
        && let Some(t) = res.ev.eval(arg, ctx).text()
    {
        return Ok(t);
    }
    Err(v.not_known(a.span).unwrap_or_else(|| {
        Unknown::error(
            format!("contents is a {}, not base64 text", v.type_name()),
            a.span,
        )
    }))
}

/// One `x-google-backend` entry with an address.
#[derive(Debug, PartialEq)]
struct Backend {
    address: Text,
    jwt_audience: Option<Text>,
    disable_auth: bool,
}

/// Every `x-google-backend` of an OpenAPI document (top level and per
/// operation), YAML or JSON, with the values known after apply that
/// Terraform substituted into it kept as references.
fn backends(doc: &Text, span: Span) -> Result<Vec<Backend>, Unknown> {
    let (value, refs) = decode(doc, span)?;
    let mut out = Vec::new();
    collect(&value, &refs, &mut out);
    Ok(out)
}

fn collect(v: &Value, refs: &[Reference], out: &mut Vec<Backend>) {
    match v {
        Value::Map(m) => {
            for (k, v) in m.iter() {
                match v {
                    Value::Map(b) if k == KEY => {
                        let text = |name: &str| {
                            b.get(name)
                                .and_then(Value::to_known_string)
                                .map(|s| restore(&s, refs))
                        };
                        let Some(address) = text("address").filter(|t| t.known() != Some(""))
                        else {
                            continue;
                        };
                        out.push(Backend {
                            address,
                            jwt_audience: text("jwt_audience").filter(|t| t.known() != Some("")),
                            disable_auth: b.get("disable_auth").is_some_and(|d| {
                                d.as_bool() == Some(true)
                                    || d.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
                            }),
                        });
                    }
                    _ => collect(v, refs, out),
                }
            }
        }
        Value::List(items) => items.iter().for_each(|v| collect(v, refs, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Reference;

    fn backend(address: &str) -> Backend {
        Backend {
            address: Text::lit(address),
            jwt_audience: None,
            disable_auth: false,
        }
    }

    fn read(doc: &str) -> Vec<Backend> {
        backends(&Text::lit(doc), Span::default()).unwrap()
    }

    #[test]
    fn yaml_top_level_and_operations() {
        let doc = "swagger: '2.0'\ninfo:\n  title: orders\nx-google-backend:\n  address: https://orders-abc-ew.a.run.app # the service\n  jwt_audience: \"https://orders-abc-ew.a.run.app\"\npaths:\n  /public:\n    get:\n      operationId: pub\n      x-google-backend:\n\n        address: 'https://web-abc-ew.a.run.app'\n        disable_auth: true\n        path_translation: APPEND_PATH_TO_ADDRESS\n      responses:\n        '200':\n          description: ok\n  /flow:\n    post:\n      x-google-backend: { address: https://flow-abc-ew.a.run.app/x, protocol: h2 }\n";
        let mut found = read(doc);
        found.sort_by_key(|b| b.address.to_string());
        assert_eq!(
            found,
            vec![
                backend("https://flow-abc-ew.a.run.app/x"),
                Backend {
                    jwt_audience: Some(Text::lit("https://orders-abc-ew.a.run.app")),
                    ..backend("https://orders-abc-ew.a.run.app")
                },
                Backend {
                    disable_auth: true,
                    ..backend("https://web-abc-ew.a.run.app")
                },
            ]
        );
    }

    #[test]
    fn json_documents() {
        let doc = r#"{"swagger": "2.0", "paths": {"/a": {"get": {"x-google-backend": {"address": "https://a-x.run.app", "disable_auth": true}}}}}"#;
        assert_eq!(
            read(doc),
            vec![Backend {
                disable_auth: true,
                ..backend("https://a-x.run.app")
            }]
        );
    }

    #[test]
    fn references_are_kept() {
        let mut t = Text::lit("x-google-backend:\n  address: ");
        t.push_ref(Reference::new("google_cloud_run_v2_service.api", "uri"));
        t.push_str("\n  jwt_audience: ");
        t.push_ref(Reference::new("google_cloud_run_v2_service.api", "uri"));
        t.push_str("/\npaths:\n  /a:\n    get:\n      x-google-backend:\n        address: \"");
        t.push_ref(Reference::new("google_cloud_run_v2_service.api", "uri"));
        t.push_str("/a\"\n");
        let found = backends(&t, Span::default()).unwrap();
        let uri = Reference::new("google_cloud_run_v2_service.api", "uri");
        // Mappings are read in key order: `paths` before `x-google-backend`.
        assert_eq!(
            found[0].address.to_string(),
            "${google_cloud_run_v2_service.api.uri}/a"
        );
        assert_eq!(found[1].address.as_reference(), Some(&uri));
        assert_eq!(
            found[1]
                .jwt_audience
                .as_ref()
                .map(Text::to_string)
                .as_deref(),
            Some("${google_cloud_run_v2_service.api.uri}/")
        );
    }

    #[test]
    fn an_invalid_document_is_not_known() {
        assert!(backends(&Text::lit("a: [b"), Span::default()).is_err());
    }
}
