//! Type conversion functions.

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::Value;

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
        _ => return None,
    })
}

fn tostring(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::Null => Ok(Value::Null),
        v @ (Value::Partial(_) | Value::Ref(_)) => Ok(v.clone()),
        v => v
            .to_known_string()
            .map(Value::String)
            .ok_or_else(|| format!("cannot convert a {} to a string", v.type_name()).into()),
    }
}

fn tonumber(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.known(0)? {
        Value::Null => Ok(Value::Null),
        v => v
            .as_number()
            .map(Value::Number)
            .ok_or_else(|| format!("cannot convert {v:?} to a number").into()),
    }
}

fn tobool(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.known(0)? {
        Value::Null => Ok(Value::Null),
        v => v
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| format!("cannot convert {v:?} to a bool").into()),
    }
}

fn tolist(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::List(a.list(0)?))
}

fn toset(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let items = a.list(0)?;
    // Deduplicating needs every element's value.
    if let Some(v) = items.iter().find(|v| !v.is_wholly_known()) {
        return Err(Stop::Unknown(
            v.not_known(a.span).expect("not wholly known"),
        ));
    }
    Ok(Value::set(items))
}

fn tomap(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => Ok(Value::Map(m.clone())),
        other => Err(format!("cannot convert a {} to a map", other.type_name()).into()),
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::value::{Reference, Value};

    #[test]
    fn documented_examples() {
        assert_eq!(call("tostring", vec![Value::Number(1.0)]), Value::str("1"));
        assert_eq!(
            call("tostring", vec![Value::Bool(true)]),
            Value::str("true")
        );
        assert_eq!(call("tonumber", vec![Value::str("1")]), Value::Number(1.0));
        assert_eq!(call("tobool", vec![Value::str("true")]), Value::Bool(true));
        assert_eq!(call("tostring", vec![Value::Null]), Value::Null);
        assert!(call("tobool", vec![Value::str("no")]).is_unknown());
        assert_eq!(
            call(
                "toset",
                vec![Value::List(vec![
                    Value::str("c"),
                    Value::str("b"),
                    Value::str("b")
                ])]
            ),
            Value::List(vec![Value::str("b"), Value::str("c")])
        );
        // A set of values known only after apply cannot be deduplicated yet.
        let r = Value::Ref(Reference::new("google_service_account.a", "email"));
        assert!(call("toset", vec![Value::List(vec![r])]).is_unknown());
    }
}
