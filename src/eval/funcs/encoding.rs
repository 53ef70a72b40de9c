//! Encoding functions. `jsonencode` keeps references inside the JSON text
//! it builds, and `jsondecode` gives them back, so that a policy written
//! with `jsonencode` and read back keeps its members linked. The YAML pair
//! is in yaml.rs.
//!
//! `base64gzip` compresses with flate2: the result decompresses to the same
//! bytes as Terraform's, but the compressed bytes (and so the string) may
//! differ from Go's encoder. `textencodebase64` / `textdecodebase64`
//! support UTF-8, UTF-16LE, UTF-16BE and ISO-8859-1; other encodings are
//! not evaluated.

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::Value;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::io::Write as _;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "jsonencode" => jsonencode,
        "jsondecode" => jsondecode,
        "base64encode" => base64encode,
        "base64decode" => base64decode,
        "base64gzip" => base64gzip,
        "textencodebase64" => textencodebase64,
        "textdecodebase64" => textdecodebase64,
        "csvdecode" => csvdecode,
        "urlencode" => urlencode,
        _ => return None,
    })
}

/// `<`, `>`, `&`, U+2028 and U+2029 are escaped, as Terraform does.
fn jsonencode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    super::strings::json_text(a.raw(0)?, a).map(|t| t.into_value())
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

/// Go's standard Base64 decoding: padding required, line breaks ignored,
/// stray bits after the last character allowed.
fn base64_decode(s: &str) -> Result<Vec<u8>, Stop> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    engine
        .decode(s.replace(['\r', '\n'], ""))
        .map_err(|_| Stop::Invalid(format!("failed to decode base64 data {s:?}")))
}

fn base64encode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::String(base64_encode(a.str(0)?.as_bytes())))
}

fn base64decode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    String::from_utf8(base64_decode(&a.str(0)?)?)
        .map(Value::String)
        .map_err(|_| "the result of decoding the provided string is not valid UTF-8".into())
}

fn base64gzip(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let s = a.str(0)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(s.as_bytes())
        .and_then(|_| gz.finish())
        .map(|bytes| Value::String(base64_encode(&bytes)))
        .map_err(|e| Stop::Invalid(format!("failed to write gzip raw data: {e}")))
}

#[derive(Clone, Copy)]
enum Charset {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
}

/// An IANA character set name or alias (case-insensitive).
fn charset(name: &str, a: &Args) -> Result<Charset, Stop> {
    let n = name.to_ascii_lowercase();
    Ok(match n.as_str() {
        "utf-8" | "utf8" | "csutf8" => Charset::Utf8,
        "utf-16le" | "csutf16le" => Charset::Utf16Le,
        "utf-16be" | "csutf16be" => Charset::Utf16Be,
        "iso-8859-1" | "iso_8859-1" | "iso_8859-1:1987" | "iso-ir-100" | "latin1" | "l1"
        | "ibm819" | "cp819" | "csisolatin1" => Charset::Latin1,
        _ => {
            return Err(Stop::Unknown(crate::eval::Unknown::not_modelled(
                format!("the character encoding {name:?} is not modelled"),
                a.span,
            )));
        }
    })
}

fn textencodebase64(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let s = a.str(0)?;
    let bytes: Vec<u8> = match charset(&a.str(1)?, a)? {
        Charset::Utf8 => s.into_bytes(),
        Charset::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Charset::Utf16Be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Charset::Latin1 => s
            .chars()
            .map(|c| u8::try_from(c as u32).ok())
            .collect::<Option<_>>()
            .ok_or(
                "the given string contains characters that cannot be represented in ISO-8859-1",
            )?,
    };
    Ok(Value::String(base64_encode(&bytes)))
}

fn textdecodebase64(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let cs = charset(&a.str(1)?, a)?;
    let bytes = base64_decode(&a.str(0)?)?;
    let units = |be: bool| -> Vec<u16> {
        bytes
            .chunks(2)
            .map(|c| match (c, be) {
                ([x, y], false) => u16::from_le_bytes([*x, *y]),
                ([x, y], true) => u16::from_be_bytes([*x, *y]),
                _ => 0xFFFD,
            })
            .collect()
    };
    Ok(Value::String(match cs {
        Charset::Utf8 => String::from_utf8(bytes)
            .map_err(|_| "the given string contains symbols that are not defined for UTF-8")?,
        Charset::Utf16Le => String::from_utf16_lossy(&units(false)),
        Charset::Utf16Be => String::from_utf16_lossy(&units(true)),
        Charset::Latin1 => bytes.iter().map(|&b| b as char).collect(),
    }))
}

/// `csvdecode`: RFC 4180, the first row naming the columns; every row
/// must have as many fields.
fn csvdecode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let s = a.str(0)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(s.as_bytes());
    let mut records = r.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(format!("{e}").into()),
        None => return Err("missing header line".into()),
    };
    let names: Vec<String> = header.iter().map(str::to_string).collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(format!("duplicate column name {n:?}").into());
        }
    }
    let mut rows = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| Stop::Invalid(format!("{e}")))?;
        rows.push(Value::map(
            names
                .iter()
                .cloned()
                .zip(rec.iter().map(Value::str))
                .collect::<BTreeMap<_, _>>(),
        ));
    }
    Ok(Value::list(rows))
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
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            (
                "base64encode",
                vec![s("Hello World")],
                s("SGVsbG8gV29ybGQ="),
            ),
            (
                "base64decode",
                vec![s("SGVsbG8gV29ybGQ=")],
                s("Hello World"),
            ),
            (
                "textencodebase64",
                vec![s("Hello World"), s("UTF-16LE")],
                s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
            ),
            (
                "textdecodebase64",
                vec![s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="), s("UTF-16LE")],
                s("Hello World"),
            ),
            (
                "textencodebase64",
                vec![s("Hello World"), s("UTF-8")],
                s("SGVsbG8gV29ybGQ="),
            ),
            ("textencodebase64", vec![s("é"), s("latin1")], s("6Q==")),
            ("urlencode", vec![s("Hello World!")], s("Hello+World%21")),
            ("urlencode", vec![s("☃")], s("%E2%98%83")),
            (
                "urlencode",
                vec![s("terraform urlencode")],
                s("terraform+urlencode"),
            ),
            (
                "jsonencode",
                vec![m(&[("hello", s("world"))])],
                s(r#"{"hello":"world"}"#),
            ),
            (
                "jsonencode",
                vec![s("<a&b>\u{2028}")],
                s(r#""\u003ca\u0026b\u003e\u2028""#),
            ),
            (
                "jsondecode",
                vec![s(r#"{"hello": "world"}"#)],
                m(&[("hello", s("world"))]),
            ),
            ("jsondecode", vec![s("true")], b(true)),
            (
                "csvdecode",
                vec![s("a,b,c\n1,2,3\n4,5,6")],
                l(vec![
                    m(&[("a", s("1")), ("b", s("2")), ("c", s("3"))]),
                    m(&[("a", s("4")), ("b", s("5")), ("c", s("6"))]),
                ]),
            ),
            (
                "csvdecode",
                vec![s("id,name\n\"x,1\",\"say \"\"hi\"\"\"\n")],
                l(vec![m(&[("id", s("x,1")), ("name", s("say \"hi\""))])]),
            ),
            ("csvdecode", vec![s("a,b\n")], l(vec![])),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), want, "{f}({args:?})");
        }
        for (f, args) in [
            ("base64decode", vec![s("SGVsbG8gV29ybGQ")]),
            ("base64decode", vec![s("/w==")]),
            ("jsondecode", vec![s("{nope")]),
            ("csvdecode", vec![s("a,b\n1,2,3\n")]),
            ("csvdecode", vec![s("")]),
            ("textencodebase64", vec![s("☃"), s("ISO-8859-1")]),
        ] {
            assert!(is_error(&call(f, args.clone())), "{f}({args:?})");
        }
        // base64gzip: what it gives decompresses to the input.
        let Value::String(gz) = call("base64gzip", vec![s("test")]) else {
            panic!()
        };
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(gz)
            .unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .unwrap();
        assert_eq!(out, "test");
        assert!(matches!(
            call("textencodebase64", vec![s("x"), s("Shift_JIS")]),
            Value::Unknown(crate::eval::Unknown {
                kind: crate::eval::UnknownKind::NotModelled(_),
                ..
            })
        ));
    }

    #[test]
    fn references_survive_json() {
        let policy = m(&[("members", l(vec![member()]))]);
        let encoded = call("jsonencode", vec![policy.clone()]);
        assert!(matches!(encoded, Value::Partial(_)));
        assert_eq!(call("jsondecode", vec![encoded]), policy);
        for f in [
            "base64encode",
            "base64decode",
            "base64gzip",
            "csvdecode",
            "urlencode",
        ] {
            assert!(is_after_apply(&call(f, vec![member()])), "{f}");
            assert!(is_no_value(&call(f, vec![unknown()])), "{f}");
        }
        assert!(is_no_value(&call("jsonencode", vec![l(vec![unknown()])])));
        assert!(is_after_apply(&call("jsondecode", vec![email()])));
    }
}
