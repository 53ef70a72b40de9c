//! Terraform built-in functions that IAM configurations use. Each takes
//! evaluated arguments; an unknown argument makes the result unknown unless
//! the function can decide without it. `try` and `can` are special forms and
//! live in the evaluator.

use super::value::{Value, format_number};
use crate::syntax::Span;
use std::collections::BTreeMap;

pub type FnResult = Result<Value, String>;

/// Calls `name`; `Err` is a message for an invalid call (wrong types or arity),
/// which the evaluator turns into an unknown with the call's span.
pub fn call(name: &str, args: Vec<Value>, span: Span) -> FnResult {
    let name = name.strip_prefix("provider::terraform::").unwrap_or(name);
    // Functions that tolerate unknown arguments.
    match name {
        "coalesce" => return coalesce(args),
        "concat" | "coalescelist" | "merge" | "tolist" | "compact" => {}
        _ => {
            if let Some(u) = args.iter().find(|a| a.is_unknown()) {
                return Ok(u.clone());
            }
        }
    }
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        // concat & co: unknown whole argument means unknown result.
        return Ok(u.clone());
    }
    let unknown_elem = |v: &Value| v.first_unknown().map(|u| Value::Unknown(u.clone()));
    match name {
        "toset" => Ok(Value::set(list_arg(&args, 0)?)),
        "tolist" => Ok(Value::List(list_arg(&args, 0)?)),
        "tomap" => match arg(&args, 0)? {
            Value::Map(m) => Ok(Value::Map(m.clone())),
            Value::Null => Ok(Value::Null),
            other => Err(format!("tomap: expected a map, got {}", other.type_name())),
        },
        "tostring" => match arg(&args, 0)? {
            Value::Null => Ok(Value::Null),
            v => v
                .as_string()
                .map(Value::String)
                .ok_or_else(|| "tostring: not a primitive value".into()),
        },
        "tonumber" => match arg(&args, 0)? {
            Value::Null => Ok(Value::Null),
            v => v
                .as_number()
                .map(Value::Number)
                .ok_or_else(|| "tonumber: not a number".into()),
        },
        "tobool" => match arg(&args, 0)? {
            Value::Null => Ok(Value::Null),
            v => v
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| "tobool: not a bool".into()),
        },
        "concat" => {
            let mut out = Vec::new();
            for a in &args {
                out.extend(as_list(a)?);
            }
            Ok(Value::List(out))
        }
        "coalescelist" => Ok(args
            .into_iter()
            .find(|a| matches!(a, Value::List(l) if !l.is_empty()))
            .unwrap_or(Value::List(vec![]))),
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(items) => items.iter().for_each(|i| flat(i, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            for item in list_arg(&args, 0)? {
                flat(&item, &mut out);
            }
            Ok(Value::List(out))
        }
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for item in list_arg(&args, 0)? {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            Ok(Value::List(out))
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for a in args {
                match a {
                    Value::Map(m) => out.extend(m),
                    Value::Null => {}
                    other => {
                        return Err(format!("merge: expected maps, got {}", other.type_name()));
                    }
                }
            }
            Ok(Value::Map(out))
        }
        "lookup" => {
            let key = string_arg(&args, 1)?;
            match arg(&args, 0)? {
                Value::Map(m) => match m.get(&key) {
                    Some(v) => Ok(v.clone()),
                    None => args
                        .get(2)
                        .cloned()
                        .ok_or_else(|| format!("lookup: no key {key:?} and no default")),
                },
                other => Err(format!("lookup: expected a map, got {}", other.type_name())),
            }
        }
        "format" => format(&args),
        "formatlist" => {
            let n = args
                .iter()
                .filter_map(|a| match a {
                    Value::List(l) => Some(l.len()),
                    _ => None,
                })
                .max()
                .unwrap_or(1);
            let mut out = Vec::new();
            for i in 0..n {
                let row: Vec<Value> = args
                    .iter()
                    .map(|a| match a {
                        Value::List(l) => l.get(i).cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    })
                    .collect();
                out.push(format(&row)?);
            }
            Ok(Value::List(out))
        }
        "join" => {
            let sep = string_arg(&args, 0)?;
            let mut parts = Vec::new();
            for a in &args[1..] {
                for item in as_list(a)? {
                    if let Some(u) = unknown_elem(&item) {
                        return Ok(u);
                    }
                    parts.push(item.as_string().ok_or("join: elements must be strings")?);
                }
            }
            Ok(Value::String(parts.join(&sep)))
        }
        "split" => {
            let sep = string_arg(&args, 0)?;
            let s = string_arg(&args, 1)?;
            if s.is_empty() {
                return Ok(Value::List(vec![]));
            }
            Ok(Value::List(s.split(sep.as_str()).map(Value::str).collect()))
        }
        "lower" => Ok(Value::String(string_arg(&args, 0)?.to_lowercase())),
        "upper" => Ok(Value::String(string_arg(&args, 0)?.to_uppercase())),
        "title" => Ok(Value::String(string_arg(&args, 0)?)),
        "trimspace" => Ok(Value::String(string_arg(&args, 0)?.trim().to_string())),
        "trimprefix" => {
            let (s, p) = (string_arg(&args, 0)?, string_arg(&args, 1)?);
            Ok(Value::String(
                s.strip_prefix(p.as_str()).unwrap_or(&s).to_string(),
            ))
        }
        "trimsuffix" => {
            let (s, p) = (string_arg(&args, 0)?, string_arg(&args, 1)?);
            Ok(Value::String(
                s.strip_suffix(p.as_str()).unwrap_or(&s).to_string(),
            ))
        }
        "trim" => {
            let (s, cut) = (string_arg(&args, 0)?, string_arg(&args, 1)?);
            Ok(Value::String(
                s.trim_matches(|c| cut.contains(c)).to_string(),
            ))
        }
        "replace" => {
            let (s, from, to) = (
                string_arg(&args, 0)?,
                string_arg(&args, 1)?,
                string_arg(&args, 2)?,
            );
            if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                return Err("replace: regular expressions are not evaluated".into());
            }
            Ok(Value::String(s.replace(&from, &to)))
        }
        "substr" => {
            let s = string_arg(&args, 0)?;
            let chars: Vec<char> = s.chars().collect();
            let off = num_arg(&args, 1)? as i64;
            let len = num_arg(&args, 2)? as i64;
            let start = if off < 0 {
                chars.len() as i64 + off
            } else {
                off
            }
            .clamp(0, chars.len() as i64) as usize;
            let end = if len < 0 {
                chars.len()
            } else {
                (start + len as usize).min(chars.len())
            };
            Ok(Value::String(chars[start..end].iter().collect()))
        }
        "startswith" => Ok(Value::Bool(
            string_arg(&args, 0)?.starts_with(&string_arg(&args, 1)?),
        )),
        "endswith" => Ok(Value::Bool(
            string_arg(&args, 0)?.ends_with(&string_arg(&args, 1)?),
        )),
        "strcontains" => Ok(Value::Bool(
            string_arg(&args, 0)?.contains(&string_arg(&args, 1)?),
        )),
        "jsonencode" => {
            let v = arg(&args, 0)?;
            if let Some(u) = unknown_elem(v) {
                return Ok(u);
            }
            Ok(Value::String(v.to_json().to_string()))
        }
        "jsondecode" => {
            let s = string_arg(&args, 0)?;
            serde_json::from_str::<serde_json::Value>(&s)
                .map(|j| Value::from_json(&j))
                .map_err(|e| format!("jsondecode: {e}"))
        }
        "length" => match arg(&args, 0)? {
            Value::List(l) => Ok(Value::Number(l.len() as f64)),
            Value::Map(m) => Ok(Value::Number(m.len() as f64)),
            Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
            other => Err(format!(
                "length: cannot take the length of {}",
                other.type_name()
            )),
        },
        "keys" => match arg(&args, 0)? {
            Value::Map(m) => Ok(Value::List(m.keys().cloned().map(Value::String).collect())),
            other => Err(format!("keys: expected a map, got {}", other.type_name())),
        },
        "values" => match arg(&args, 0)? {
            Value::Map(m) => Ok(Value::List(m.values().cloned().collect())),
            other => Err(format!("values: expected a map, got {}", other.type_name())),
        },
        "contains" => {
            let list = list_arg(&args, 0)?;
            let needle = arg(&args, 1)?;
            if list.contains(needle) {
                return Ok(Value::Bool(true));
            }
            if let Some(u) = list.iter().find_map(unknown_elem) {
                return Ok(u);
            }
            Ok(Value::Bool(false))
        }
        "element" => {
            let list = list_arg(&args, 0)?;
            if list.is_empty() {
                return Err("element: empty list".into());
            }
            let i = num_arg(&args, 1)? as i64;
            Ok(list[i.rem_euclid(list.len() as i64) as usize].clone())
        }
        "index" => {
            let list = list_arg(&args, 0)?;
            let needle = arg(&args, 1)?;
            list.iter()
                .position(|v| v == needle)
                .map(|i| Value::Number(i as f64))
                .ok_or_else(|| "index: value not found".into())
        }
        "compact" => {
            let mut out = Vec::new();
            for v in list_arg(&args, 0)? {
                match &v {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    _ => out.push(v),
                }
            }
            Ok(Value::List(out))
        }
        "setunion" => {
            let mut all = Vec::new();
            for a in &args {
                all.extend(as_list(a)?);
            }
            Ok(Value::set(all))
        }
        "setintersection" => {
            let mut sets = args
                .iter()
                .map(as_list)
                .collect::<Result<Vec<_>, _>>()?
                .into_iter();
            let first = sets.next().unwrap_or_default();
            let rest: Vec<Vec<Value>> = sets.collect();
            Ok(Value::set(
                first
                    .into_iter()
                    .filter(|v| rest.iter().all(|s| s.contains(v)))
                    .collect(),
            ))
        }
        "setsubtract" => {
            let a = list_arg(&args, 0)?;
            let b = list_arg(&args, 1)?;
            Ok(Value::set(
                a.into_iter().filter(|v| !b.contains(v)).collect(),
            ))
        }
        "setproduct" => {
            let mut acc: Vec<Vec<Value>> = vec![vec![]];
            for a in &args {
                let items = as_list(a)?;
                let mut next = Vec::new();
                for prefix in &acc {
                    for item in &items {
                        let mut p = prefix.clone();
                        p.push(item.clone());
                        next.push(p);
                    }
                }
                if next.len() > 100_000 {
                    return Err("setproduct: result too large".into());
                }
                acc = next;
            }
            Ok(Value::List(acc.into_iter().map(Value::List).collect()))
        }
        "zipmap" => {
            let k = list_arg(&args, 0)?;
            let v = list_arg(&args, 1)?;
            let mut out = BTreeMap::new();
            for (key, val) in k.iter().zip(v) {
                out.insert(key.as_string().ok_or("zipmap: keys must be strings")?, val);
            }
            Ok(Value::Map(out))
        }
        "range" => {
            let nums: Vec<f64> = (0..args.len())
                .map(|i| num_arg(&args, i))
                .collect::<Result<_, _>>()?;
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => return Err("range: 1 to 3 arguments".into()),
            };
            if step == 0.0 || ((end - start) / step) > 10_000.0 {
                return Err("range: too many elements (more than 10000)".into());
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
            }
            Ok(Value::List(out))
        }
        "one" => {
            let l = list_arg(&args, 0)?;
            match l.len() {
                0 => Ok(Value::Null),
                1 => Ok(l[0].clone()),
                _ => Err("one: more than one element".into()),
            }
        }
        "sort" => {
            let mut l: Vec<String> = list_arg(&args, 0)?
                .iter()
                .map(|v| v.as_string().ok_or("sort: strings only"))
                .collect::<Result<_, _>>()?;
            l.sort();
            Ok(Value::List(l.into_iter().map(Value::String).collect()))
        }
        "reverse" => {
            let mut l = list_arg(&args, 0)?;
            l.reverse();
            Ok(Value::List(l))
        }
        "slice" => {
            let l = list_arg(&args, 0)?;
            let (s, e) = (num_arg(&args, 1)? as usize, num_arg(&args, 2)? as usize);
            l.get(s..e)
                .map(|x| Value::List(x.to_vec()))
                .ok_or_else(|| "slice: out of range".into())
        }
        "max" | "min" => {
            let nums: Vec<f64> = (0..args.len())
                .map(|i| num_arg(&args, i))
                .collect::<Result<_, _>>()?;
            let r = if name == "max" {
                nums.iter().cloned().fold(f64::MIN, f64::max)
            } else {
                nums.iter().cloned().fold(f64::MAX, f64::min)
            };
            Ok(Value::Number(r))
        }
        "abs" => Ok(Value::Number(num_arg(&args, 0)?.abs())),
        "ceil" => Ok(Value::Number(num_arg(&args, 0)?.ceil())),
        "floor" => Ok(Value::Number(num_arg(&args, 0)?.floor())),
        "sum" => Ok(Value::Number(
            list_arg(&args, 0)?
                .iter()
                .filter_map(Value::as_number)
                .sum(),
        )),
        "alltrue" => Ok(Value::Bool(
            list_arg(&args, 0)?
                .iter()
                .all(|v| v.as_bool() == Some(true)),
        )),
        "anytrue" => Ok(Value::Bool(
            list_arg(&args, 0)?
                .iter()
                .any(|v| v.as_bool() == Some(true)),
        )),
        "transpose" => {
            let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            if let Value::Map(m) = arg(&args, 0)? {
                for (k, v) in m {
                    for item in as_list(v)? {
                        let s = item.as_string().ok_or("transpose: strings only")?;
                        out.entry(s).or_default().push(Value::String(k.clone()));
                    }
                }
            }
            Ok(Value::Map(
                out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
            ))
        }
        "sensitive" | "nonsensitive" => Ok(arg(&args, 0)?.clone()),
        "type" | "timestamp" | "uuid" | "filemd5" | "fileset" | "base64encode" | "base64decode"
        | "md5" | "sha256" | "sha1" | "regex" | "regexall" | "yamldecode" | "yamlencode"
        | "cidrsubnet" | "timeadd" | "formatdate" | "abspath" | "pathexpand" | "bcrypt"
        | "uuidv5" | "filebase64" | "urlencode" | "base64sha256" => Ok(Value::unknown(
            format!("function {name}() is not evaluated"),
            span,
        )),
        _ => Ok(Value::unknown(format!("unknown function {name}()"), span)),
    }
}

fn coalesce(args: Vec<Value>) -> FnResult {
    for a in args {
        match &a {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            _ => return Ok(a),
        }
    }
    Err("coalesce: no non-null, non-empty argument".into())
}

fn arg(args: &[Value], i: usize) -> Result<&Value, String> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

fn as_list(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.clone()),
        Value::Null => Ok(vec![]),
        other => Err(format!("expected a list, got {}", other.type_name())),
    }
}

fn list_arg(args: &[Value], i: usize) -> Result<Vec<Value>, String> {
    match arg(args, i)? {
        Value::Map(m) => Ok(m.values().cloned().collect()),
        v => as_list(v),
    }
}

fn string_arg(args: &[Value], i: usize) -> Result<String, String> {
    arg(args, i)?
        .as_string()
        .ok_or_else(|| format!("argument {} must be a string", i + 1))
}

fn num_arg(args: &[Value], i: usize) -> Result<f64, String> {
    arg(args, i)?
        .as_number()
        .ok_or_else(|| format!("argument {} must be a number", i + 1))
}

/// `format` with the verbs configurations use: %s %d %v %q %f %%.
fn format(args: &[Value]) -> FnResult {
    let spec = string_arg(args, 0)?;
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags/width/precision.
        let mut verb = None;
        for d in chars.by_ref() {
            if d.is_ascii_alphabetic() || d == '%' {
                verb = Some(d);
                break;
            }
        }
        match verb {
            Some('%') => out.push('%'),
            Some(v) => {
                let a = args.get(next).ok_or("format: too few arguments")?;
                next += 1;
                match v {
                    'q' => out.push_str(&super::value::quote(
                        &a.as_string().ok_or("format: %q needs a string")?,
                    )),
                    'd' => out.push_str(&format_number(
                        a.as_number().ok_or("format: %d needs a number")?.trunc(),
                    )),
                    'v' | 's' | 'f' | 'g' | 'e' => match a {
                        Value::Null => out.push_str("null"),
                        other => out.push_str(
                            &other
                                .as_string()
                                .unwrap_or_else(|| other.to_json().to_string()),
                        ),
                    },
                    _ => return Err(format!("format: unsupported verb %{v}")),
                }
            }
            None => return Err("format: incomplete verb".into()),
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn common_functions() {
        let sp = Span::default();
        assert_eq!(
            call(
                "format",
                vec![
                    s("serviceAccount:%s@%s.iam.gserviceaccount.com"),
                    s("a"),
                    s("p")
                ],
                sp
            )
            .unwrap(),
            s("serviceAccount:a@p.iam.gserviceaccount.com")
        );
        assert_eq!(
            call("coalesce", vec![Value::Null, s(""), s("x")], sp).unwrap(),
            s("x")
        );
        assert_eq!(
            call("toset", vec![Value::List(vec![s("b"), s("a"), s("b")])], sp).unwrap(),
            Value::List(vec![s("a"), s("b")])
        );
        assert_eq!(
            call(
                "element",
                vec![Value::List(vec![s("a"), s("b")]), Value::Number(3.0)],
                sp
            )
            .unwrap(),
            s("b")
        );
        let u = Value::unknown("x", sp);
        assert!(call("join", vec![s(","), u], sp).unwrap().is_unknown());
    }
}
