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
//! backend address stays a reference to the service. The document (YAML or
//! JSON) is read as text, like workflow definitions.

use super::embedded::{restore, with_placeholders};
use super::{CallerKind, Identity, RawCaller, RawTarget, Token};
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
        let (plain, refs) = with_placeholders(&text);
        let mut seen = Vec::new();
        for b in backends(&plain) {
            let Some(address) = b.address.as_deref().map(|s| restore(s, &refs)) else {
                continue;
            };
            let audience = b.jwt_audience.as_deref().map(|s| restore(s, &refs));
            let key = (address.clone(), audience.clone(), b.disable_auth);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let mut c = caller();
            if b.disable_auth {
                // No token is generated: the client's Authorization header, if any, is passed on.
                c.token = Token::None;
                c.identity = Identity::None;
                c.identity_span = None;
            }
            c.audience = audience.map(|t| (t, a.span));
            c.target_text = address.to_string();
            c.target_url = Some(address.clone());
            out.push(RawCaller {
                caller: c,
                target: RawTarget::Url(address),
            });
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
    if let ExprKind::Call {
        name,
        args,
        expand_final: false,
    } = &a.expr.kind
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

/// One `x-google-backend` entry.
#[derive(Debug, Default, PartialEq)]
struct Backend {
    address: Option<String>,
    jwt_audience: Option<String>,
    disable_auth: bool,
}

impl Backend {
    fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Backend {
        let mut b = Backend::default();
        for (k, v) in pairs {
            match k.as_str() {
                "address" if !v.is_empty() => b.address = Some(v),
                "jwt_audience" if !v.is_empty() => b.jwt_audience = Some(v),
                "disable_auth" => {
                    b.disable_auth =
                        matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on")
                }
                _ => {}
            }
        }
        b
    }
}

/// Every `x-google-backend` of an OpenAPI document (top level and per
/// operation), JSON or YAML.
fn backends(doc: &str) -> Vec<Backend> {
    if doc.trim_start().starts_with('{')
        && let Ok(j) = serde_json::from_str::<serde_json::Value>(doc)
    {
        let mut out = Vec::new();
        json_backends(&j, &mut out);
        return out;
    }
    yaml_backends(doc)
}

fn json_backends(j: &serde_json::Value, out: &mut Vec<Backend>) {
    use serde_json::Value as J;
    match j {
        J::Object(o) => {
            for (k, v) in o {
                match v {
                    J::Object(b) if k == KEY => {
                        out.push(Backend::from_pairs(b.iter().map(|(k, v)| {
                            let v = match v {
                                J::String(s) => s.clone(),
                                J::Bool(_) | J::Number(_) => v.to_string(),
                                _ => String::new(),
                            };
                            (k.clone(), v)
                        })))
                    }
                    _ => json_backends(v, out),
                }
            }
        }
        J::Array(a) => a.iter().for_each(|v| json_backends(v, out)),
        _ => {}
    }
}

/// `x-google-backend:` followed by a block mapping (its keys one level
/// deeper) or a flow mapping (`{ address: ..., ... }`, over one or more lines).
fn yaml_backends(doc: &str) -> Vec<Backend> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut body = line.trim_start();
        let mut indent = line.len() - body.len();
        if let Some(item) = body.strip_prefix("- ") {
            // A key of a block sequence item is indented past its dash.
            let item = item.trim_start();
            indent += body.len() - item.len();
            body = item;
        }
        let Some(rest) = strip_key(body) else {
            continue;
        };
        let rest = strip_comment(rest).trim();
        if let Some(flow) = rest.strip_prefix('{') {
            let mut text = flow.to_string();
            for l in &lines[i + 1..] {
                if text.contains('}') {
                    break;
                }
                text.push(' ');
                text.push_str(strip_comment(l));
            }
            let inner = text.split('}').next().unwrap_or("");
            out.push(Backend::from_pairs(inner.split(',').filter_map(pair)));
        } else if rest.is_empty() {
            let mut pairs = Vec::new();
            let mut child = None;
            for l in &lines[i + 1..] {
                let b = l.trim_start();
                if b.is_empty() || b.starts_with('#') {
                    continue;
                }
                let ind = l.len() - b.len();
                if ind <= indent {
                    break;
                }
                if ind == *child.get_or_insert(ind)
                    && let Some(p) = pair(strip_comment(b))
                {
                    pairs.push(p);
                }
            }
            out.push(Backend::from_pairs(pairs));
        }
    }
    out
}

/// What follows `x-google-backend:` (the key plain or quoted).
fn strip_key(body: &str) -> Option<&str> {
    ["", "\"", "'"].iter().find_map(|q| {
        body.strip_prefix(q)?
            .strip_prefix(KEY)?
            .strip_prefix(q)?
            .trim_start()
            .strip_prefix(':')
    })
}

/// `key: value`, both unquoted.
fn pair(s: &str) -> Option<(String, String)> {
    let (k, v) = s.split_once(':')?;
    Some((unquote(k), unquote(v)))
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        return s[1..s.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\");
    }
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        return s[1..s.len() - 1].replace("''", "'");
    }
    s.to_string()
}

/// The line without its comment: `#` at the start or after a blank, outside quotes.
fn strip_comment(s: &str) -> &str {
    let mut quote = None;
    let mut after_blank = true;
    let mut chars = s.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        match quote {
            // `''` inside single quotes is a quote, not the end.
            Some('\'') if ch == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            Some('"') if ch == '\\' => {
                chars.next();
            }
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if (ch == '"' || ch == '\'') && after_blank => quote = Some(ch),
            None if ch == '#' && after_blank => return &s[..i],
            None => {}
        }
        after_blank = ch.is_whitespace() || matches!(ch, ':' | '{' | ',');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Reference;

    fn backend(address: &str) -> Backend {
        Backend {
            address: Some(address.into()),
            ..Backend::default()
        }
    }

    #[test]
    fn yaml_top_level_and_operations() {
        let doc = "swagger: '2.0'\ninfo:\n  title: orders\nx-google-backend:\n  address: https://orders-abc-ew.a.run.app # the service\n  jwt_audience: \"https://orders-abc-ew.a.run.app\"\npaths:\n  /public:\n    get:\n      operationId: pub\n      x-google-backend:\n\n        address: 'https://web-abc-ew.a.run.app'\n        disable_auth: true\n        path_translation: APPEND_PATH_TO_ADDRESS\n      responses:\n        '200':\n          description: ok\n  /flow:\n    post:\n      x-google-backend: { address: https://flow-abc-ew.a.run.app/x, protocol: h2 }\n";
        assert_eq!(
            yaml_backends(doc),
            vec![
                Backend {
                    jwt_audience: Some("https://orders-abc-ew.a.run.app".into()),
                    ..backend("https://orders-abc-ew.a.run.app")
                },
                Backend {
                    disable_auth: true,
                    ..backend("https://web-abc-ew.a.run.app")
                },
                backend("https://flow-abc-ew.a.run.app/x"),
            ]
        );
    }

    #[test]
    fn json_documents() {
        let doc = r#"{"swagger": "2.0", "paths": {"/a": {"get": {"x-google-backend": {"address": "https://a-x.run.app", "disable_auth": true}}}}}"#;
        assert_eq!(
            backends(doc),
            vec![Backend {
                disable_auth: true,
                ..backend("https://a-x.run.app")
            }]
        );
    }

    #[test]
    fn references_survive_the_scan() {
        let mut t = Text::lit("x-google-backend:\n  address: ");
        t.push_ref(Reference::new("google_cloud_run_v2_service.api", "uri"));
        t.push_str("\npaths: {}\n");
        let (plain, refs) = with_placeholders(&t);
        let found = yaml_backends(&plain);
        let address = restore(found[0].address.as_deref().unwrap(), &refs);
        assert_eq!(
            address.to_string(),
            "${google_cloud_run_v2_service.api.uri}"
        );
        assert_eq!(
            address.as_reference(),
            Some(&Reference::new("google_cloud_run_v2_service.api", "uri"))
        );
    }

    #[test]
    fn comments_and_quotes() {
        assert_eq!(
            strip_comment("address: https://x/#frag # c"),
            "address: https://x/#frag "
        );
        assert_eq!(strip_comment("a: 'it''s # not'"), "a: 'it''s # not'");
        assert_eq!(strip_comment(r#"a: "x \" # y" # z"#), r#"a: "x \" # y" "#);
        assert_eq!(unquote(" 'it''s' "), "it's");
        assert_eq!(strip_key("\"x-google-backend\": {"), Some(" {"));
        assert_eq!(strip_key("x-google-backends:"), None);
    }
}
