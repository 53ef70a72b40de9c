//! Type conversion functions, and the two conversions collection functions
//! share: [`unify`] (a list or map of mixed primitives becomes one of
//! strings, as Terraform's type unification does) and [`set_of`] (sets are
//! deduplicated and ordered as Terraform orders them).
//!
//! runwarden does not track which values are sensitive: `sensitive` and
//! `nonsensitive` return their argument, `issensitive` is not decided.

use super::{Args, FnResult, Func, Stop, parse_decimal};
use crate::eval::value::{Value, quote};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "tostring" => tostring,
        "tonumber" => tonumber,
        "tobool" => tobool,
        "tolist" => tolist,
        "toset" => toset,
        "tomap" => tomap,
        "sensitive" | "nonsensitive" => |a| {
            a.arity(1, 1)?;
            Ok(a.raw(0)?.clone())
        },
        "issensitive" => |a| {
            a.arity(1, 1)?;
            Err(Stop::Unknown(crate::eval::Unknown::not_modelled(
                "issensitive(): runwarden does not track which values are sensitive",
                a.span,
            )))
        },
        _ => return None,
    })
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Str,
    Num,
    Bool,
    Other,
}

fn kind(v: &Value) -> Option<Kind> {
    match v {
        Value::Null | Value::Ref(_) | Value::Unknown(_) => None,
        Value::String(_) | Value::Partial(_) => Some(Kind::Str),
        Value::Number(_) => Some(Kind::Num),
        Value::Bool(_) => Some(Kind::Bool),
        _ => Some(Kind::Other),
    }
}

/// Elements of mixed primitive types become strings (`["a", 3]` is
/// `["a", "3"]`); primitives mixed with collections cannot be unified.
pub(super) fn unify(items: Vec<Value>) -> Result<Vec<Value>, Stop> {
    let kinds: Vec<Kind> = items.iter().filter_map(kind).collect();
    let Some(&first) = kinds.first() else {
        return Ok(items);
    };
    if kinds.iter().all(|k| *k == first) {
        return Ok(items);
    }
    if kinds.contains(&Kind::Other) {
        return Err("all elements must have the same type".into());
    }
    Ok(items
        .into_iter()
        .map(|v| match v.to_known_string() {
            Some(s) => Value::String(s),
            None => v,
        })
        .collect())
}

/// A set: duplicates removed, numbers in numeric order, strings in lexical
/// order, `false` before `true`. Every element must be known in full
/// (deduplicating needs the values).
pub(super) fn set_of(items: Vec<Value>, a: &Args) -> FnResult {
    if let Some(v) = items.iter().find(|v| !v.is_wholly_known()) {
        return Err(Stop::Unknown(
            v.not_known(a.span).expect("not wholly known"),
        ));
    }
    let mut items = unify(items)?;
    if items.iter().all(|v| matches!(v, Value::Number(_))) {
        items.sort_by(|x, y| {
            let (Value::Number(x), Value::Number(y)) = (x, y) else {
                unreachable!("numbers")
            };
            x.total_cmp(y)
        });
        items.dedup();
        return Ok(Value::list(items));
    }
    if items.iter().all(|v| matches!(v, Value::Bool(_))) {
        items.sort_by_key(|v| matches!(v, Value::Bool(true)));
        items.dedup();
        return Ok(Value::list(items));
    }
    let Value::List(mut out) = Value::set(items) else {
        unreachable!("a set is a list")
    };
    // Value::set deduplicates neighbours; equal elements need not be
    // neighbours when they are collections.
    let mut seen: Vec<Value> = Vec::new();
    Arc::make_mut(&mut out).retain(|v| {
        if seen.contains(v) {
            false
        } else {
            seen.push(v.clone());
            true
        }
    });
    Ok(Value::List(out))
}

fn tostring(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::Null => Ok(Value::Null),
        v @ (Value::Partial(_) | Value::Ref(_)) => Ok(v.clone()),
        v => v
            .to_known_string()
            .map(Value::String)
            .ok_or_else(|| format!("cannot convert {} to string", v.type_name()).into()),
    }
}

fn tonumber(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.known(0)? {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => parse_decimal(s).map(Value::Number).ok_or_else(|| {
            format!(
                "cannot convert {} to number: string must be a decimal representation of a number",
                quote(s)
            )
            .into()
        }),
        v => Err(format!("cannot convert {} to number", v.type_name()).into()),
    }
}

fn tobool(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.known(0)? {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) => match s.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!(
                "cannot convert {} to bool: only the strings \"true\" or \"false\" are allowed",
                quote(s)
            )
            .into()),
        },
        v => Err(format!("cannot convert {} to bool", v.type_name()).into()),
    }
}

fn tolist(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::Null => Ok(Value::Null),
        Value::List(items) => Ok(Value::list(unify(items.to_vec())?)),
        v @ Value::Ref(_) => Err(Stop::Unknown(v.not_known(a.span).expect("a reference"))),
        v => Err(format!("cannot convert {} to list", v.type_name()).into()),
    }
}

fn toset(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::Null => Ok(Value::Null),
        Value::List(items) => set_of(items.to_vec(), a),
        v @ Value::Ref(_) => Err(Stop::Unknown(v.not_known(a.span).expect("a reference"))),
        v => Err(format!("cannot convert {} to set", v.type_name()).into()),
    }
}

fn tomap(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => {
            let (keys, vals): (Vec<String>, Vec<Value>) =
                m.iter().map(|(k, v)| (k.clone(), v.clone())).unzip();
            let vals = unify(vals)?;
            Ok(Value::map(
                keys.into_iter().zip(vals).collect::<BTreeMap<_, _>>(),
            ))
        }
        v @ Value::Ref(_) => Err(Stop::Unknown(v.not_known(a.span).expect("a reference"))),
        other => Err(format!("cannot convert {} to map", other.type_name()).into()),
    }
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
            ("tobool", vec![b(true)], b(true)),
            ("tobool", vec![s("true")], b(true)),
            ("tobool", vec![Value::Null], Value::Null),
            (
                "tolist",
                vec![strs(&["a", "b", "c"])],
                strs(&["a", "b", "c"]),
            ),
            (
                "tolist",
                vec![l(vec![s("a"), s("b"), n(3.0)])],
                strs(&["a", "b", "3"]),
            ),
            (
                "tomap",
                vec![m(&[("a", n(1.0)), ("b", n(2.0))])],
                m(&[("a", n(1.0)), ("b", n(2.0))]),
            ),
            (
                "tomap",
                vec![m(&[("a", s("foo")), ("b", b(true))])],
                m(&[("a", s("foo")), ("b", s("true"))]),
            ),
            ("tonumber", vec![n(1.0)], n(1.0)),
            ("tonumber", vec![s("1")], n(1.0)),
            ("tonumber", vec![Value::Null], Value::Null),
            (
                "toset",
                vec![strs(&["a", "b", "c"])],
                strs(&["a", "b", "c"]),
            ),
            (
                "toset",
                vec![l(vec![s("a"), s("b"), n(3.0)])],
                strs(&["3", "a", "b"]),
            ),
            ("toset", vec![strs(&["c", "b", "b"])], strs(&["b", "c"])),
            ("tostring", vec![s("hello")], s("hello")),
            ("tostring", vec![n(1.0)], s("1")),
            ("tostring", vec![b(true)], s("true")),
            ("tostring", vec![Value::Null], Value::Null),
            ("sensitive", vec![n(1.0)], n(1.0)),
            ("nonsensitive", vec![s("zqb")], s("zqb")),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), want, "{f}({args:?})");
        }
        for (f, arg) in [
            ("tobool", s("no")),
            ("tobool", n(1.0)),
            ("tonumber", s("no")),
            ("tonumber", s(" 1")),
            ("tonumber", s("inf")),
            ("tostring", l(vec![])),
        ] {
            assert!(is_error(&call(f, vec![arg.clone()])), "{f}({arg:?})");
        }
        // Numbers in a set are ordered as numbers.
        assert_eq!(
            call("toset", vec![l(vec![n(10.0), n(9.0), n(10.0)])]),
            l(vec![n(9.0), n(10.0)])
        );
    }

    #[test]
    fn symbolic_arguments() {
        // A set of values known only after apply cannot be deduplicated yet.
        assert!(is_after_apply(&call("toset", vec![l(vec![email()])])));
        assert!(is_after_apply(&call("tonumber", vec![email()])));
        assert!(is_after_apply(&call("tobool", vec![email()])));
        assert!(is_after_apply(&call("tolist", vec![email()])));
        // Shape conversions keep references.
        assert_eq!(call("tostring", vec![member()]), member());
        assert_eq!(call("tolist", vec![l(vec![email()])]), l(vec![email()]));
        assert_eq!(call("sensitive", vec![email()]), email());
        assert!(matches!(
            call("issensitive", vec![s("x")]),
            Value::Unknown(crate::eval::Unknown {
                kind: crate::eval::UnknownKind::NotModelled(_),
                ..
            })
        ));
        assert!(is_no_value(&call("tonumber", vec![unknown()])));
    }
}
