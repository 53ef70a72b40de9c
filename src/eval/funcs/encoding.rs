//! Encoding functions. `jsonencode` keeps references inside the JSON text
//! it builds, and `jsondecode` gives them back, so that a policy written
//! with `jsonencode` and read back keeps its members linked.

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::Value;
use base64::Engine as _;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "jsonencode" => jsonencode,
        "jsondecode" => jsondecode,
        "base64encode" => base64encode,
        "base64decode" => base64decode,
        "urlencode" => urlencode,
        _ => return None,
    })
}

fn jsonencode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    a.raw(0)?
        .json_text(a.span)
        .map(|t| t.into_value())
        .map_err(Stop::Unknown)
}

fn jsondecode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let t = a.text(0)?;
    Value::from_json_text(&t, a.span).map_err(|u| match u.kind {
        crate::eval::UnknownKind::Error(msg) => Stop::Invalid(msg.to_string()),
        _ => Stop::Unknown(u),
    })
}

pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64encode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::String(base64_encode(a.str(0)?.as_bytes())))
}

fn base64decode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(a.str(0)?.trim())
        .map_err(|e| Stop::Invalid(format!("invalid base64: {e}")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "the decoded bytes are not UTF-8".into())
}

/// Go's `url.QueryEscape`, which Terraform's `urlencode` uses: letters,
/// digits and `-_.~` stay, a space becomes `+`, the rest `%XX`.
fn urlencode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let s = a.str(0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::value::Value;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            call("base64encode", vec![s("Hello World")]),
            s("SGVsbG8gV29ybGQ=")
        );
        assert_eq!(
            call("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
            s("Hello World")
        );
        assert_eq!(
            call("urlencode", vec![s("Hello World!")]),
            s("Hello+World%21")
        );
        assert_eq!(
            call(
                "urlencode",
                vec![s("cloudresourcemanager.googleapis.com/projects/p")]
            ),
            s("cloudresourcemanager.googleapis.com%2Fprojects%2Fp")
        );
        assert_eq!(
            call(
                "jsonencode",
                vec![Value::Map([("hello".to_string(), s("world"))].into())]
            ),
            s(r#"{"hello":"world"}"#)
        );
        assert_eq!(
            call("jsondecode", vec![s(r#"{"hello": "world"}"#)]),
            Value::Map([("hello".to_string(), s("world"))].into())
        );
        assert!(call("jsondecode", vec![s("{nope")]).is_unknown());
    }
}
