//! Collection functions. They work on the shape of a value, so elements
//! known only after apply pass through them (`concat`, `merge`, `lookup`,
//! `element`, `flatten`); a decision that needs an element's value
//! (`contains`, `distinct`, `sort`) is made when it can be and is otherwise
//! known only after apply.

use super::conversion::set_of;
use super::{Args, FnResult, Func, Stop, as_list};
use crate::eval::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "coalesce" => coalesce,
        "coalescelist" => coalescelist,
        "concat" => concat,
        "flatten" => flatten,
        "distinct" => distinct,
        "merge" => merge,
        "lookup" => lookup_fn,
        "length" => length,
        "keys" => keys,
        "values" => values,
        "contains" => contains,
        "element" => element,
        "index" => index,
        "compact" => compact,
        "setunion" => setunion,
        "setintersection" => setintersection,
        "setsubtract" => setsubtract,
        "setproduct" => setproduct,
        "zipmap" => zipmap,
        "range" => range,
        "one" => one,
        "sort" => sort,
        "reverse" => reverse,
        "slice" => slice,
        "chunklist" => chunklist,
        "transpose" => transpose,
        "alltrue" => alltrue,
        "anytrue" => anytrue,
        "matchkeys" => matchkeys,
        "list" => |_| {
            Err("the \"list\" function was deprecated in Terraform v0.12 and is no longer available; use tolist([ ... ]) syntax to write a literal list".into())
        },
        "map" => |_| {
            Err("the \"map\" function was deprecated in Terraform v0.12 and is no longer available; use tomap({ ... }) syntax to write a literal map".into())
        },
        _ => return None,
    })
}

/// Equality of two values when it can be decided: `None` when a symbolic
/// or unknown part decides it.
fn same(a: &Value, b: &Value) -> Option<bool> {
    if a == b {
        return Some(true);
    }
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return None;
    }
    Some(match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        _ => false,
    })
}

fn not_known(v: &Value, a: &Args) -> Stop {
    match v.not_known(a.span) {
        Some(u) => Stop::Unknown(u),
        None => Stop::Invalid("value not known".into()),
    }
}

/// Whether a value is null or `""`, when that can be told: a reference or
/// a string made only of references might be either.
fn null_or_empty(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(true),
        Value::String(s) => Some(s.is_empty()),
        Value::Ref(_) | Value::Unknown(_) => None,
        Value::Partial(t) => t.literal_parts().next().is_some().then_some(false),
        _ => Some(false),
    }
}

fn coalesce(a: &Args) -> FnResult {
    for (i, v) in a.vals.iter().enumerate() {
        match null_or_empty(v) {
            Some(true) => continue,
            Some(false) => return Ok(unify_one(v, &a.vals)),
            None => {
                if let Value::Unknown(u) = v {
                    return Err(Stop::Unknown(u.clone()));
                }
                // A value known after apply wins unless it is null or
                // empty; with no other candidate it is the result either way.
                let rest = &a.vals[i + 1..];
                if rest.iter().all(|r| null_or_empty(r) == Some(true)) {
                    return Ok(v.clone());
                }
                return Err(not_known(v, a));
            }
        }
    }
    Err("no non-null, non-empty-string arguments".into())
}

/// `coalesce(1, "hello")` is `"1"`: mixed primitive arguments are strings.
fn unify_one(v: &Value, all: &[Value]) -> Value {
    let mut kinds = all.iter().filter_map(|x| match x {
        Value::String(_) | Value::Partial(_) => Some(0),
        Value::Number(_) => Some(1),
        Value::Bool(_) => Some(2),
        _ => None,
    });
    let first = kinds.next();
    if kinds.any(|k| Some(k) != first)
        && let Some(s) = v.to_known_string()
    {
        return Value::String(s);
    }
    v.clone()
}

fn coalescelist(a: &Args) -> FnResult {
    for i in 0..a.len() {
        let l = a.list(i)?;
        if !l.is_empty() {
            return Ok(Value::list(l));
        }
    }
    Ok(Value::list(vec![]))
}

fn concat(a: &Args) -> FnResult {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(a.list(i)?);
    }
    Ok(Value::list(out))
}

fn flatten(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    fn flat(v: Value, out: &mut Vec<Value>) {
        match v {
            Value::List(items) => Arc::unwrap_or_clone(items)
                .into_iter()
                .for_each(|i| flat(i, out)),
            other => out.push(other),
        }
    }
    // A value known after apply may be a list, which would be flattened.
    fn check(v: &Value, a: &Args) -> Result<(), Stop> {
        match v {
            Value::Unknown(u) => Err(Stop::Unknown(u.clone())),
            Value::Ref(_) => Err(not_known(v, a)),
            Value::List(items) => items.iter().try_for_each(|i| check(i, a)),
            _ => Ok(()),
        }
    }
    let mut out = Vec::new();
    for item in a.list(0)? {
        check(&item, a)?;
        flat(item, &mut out);
    }
    Ok(Value::list(out))
}

fn distinct(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut out: Vec<Value> = Vec::new();
    for item in a.list(0)? {
        let mut dup = false;
        for o in &out {
            match same(o, &item) {
                Some(true) => dup = true,
                Some(false) => {}
                None => return Err(not_known(&item, a)),
            }
        }
        if !dup {
            out.push(item);
        }
    }
    Ok(Value::list(out))
}

fn merge(a: &Args) -> FnResult {
    let mut out = BTreeMap::new();
    for i in 0..a.len() {
        match a.get(i)? {
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            v @ (Value::Ref(_) | Value::Resource(_)) => return Err(not_known(v, a)),
            other => {
                return Err(format!("arguments must be maps, not {}", other.type_name()).into());
            }
        }
    }
    Ok(Value::map(out))
}

fn lookup_fn(a: &Args) -> FnResult {
    a.arity(2, 3)?;
    let key = a.str(1)?;
    match a.map(0)?.get(&key) {
        Some(v) => Ok(v.clone()),
        None => a
            .vals
            .get(2)
            .cloned()
            .ok_or_else(|| format!("no key {key:?} and no default").into()),
    }
}

fn length(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    match a.get(0)? {
        Value::List(l) => Ok(Value::Number(l.len() as f64)),
        Value::Map(m) => Ok(Value::Number(m.len() as f64)),
        Value::String(s) => Ok(Value::Number(super::strings::char_count(s) as f64)),
        v @ (Value::Partial(_) | Value::Ref(_) | Value::Resource(_)) => Err(not_known(v, a)),
        other => Err(format!("cannot take the length of a {}", other.type_name()).into()),
    }
}

fn keys(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::list(
        a.map(0)?.keys().cloned().map(Value::String).collect(),
    ))
}

fn values(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::list(a.map(0)?.values().cloned().collect()))
}

fn contains(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let list = a.list(0)?;
    let needle = a.get(1)?;
    let mut undecided = None;
    for item in &list {
        match same(item, needle) {
            Some(true) => return Ok(Value::Bool(true)),
            Some(false) => {}
            None => {
                undecided = undecided.or(Some(if item.is_wholly_known() { needle } else { item }))
            }
        }
    }
    match undecided {
        Some(v) => Err(not_known(v, a)),
        None => Ok(Value::Bool(false)),
    }
}

/// `element` wraps around in both directions: -1 is the last element.
fn element(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let list = a.list(0)?;
    let i = a.int(1)?;
    if list.is_empty() {
        return Err("cannot use element function with an empty list".into());
    }
    Ok(list[i.rem_euclid(list.len() as i64) as usize].clone())
}

fn index(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let list = a.list(0)?;
    let needle = a.get(1)?;
    if list.is_empty() {
        return Err("cannot search an empty list".into());
    }
    for (i, item) in list.iter().enumerate() {
        match same(item, needle) {
            Some(true) => return Ok(Value::Number(i as f64)),
            Some(false) => {}
            None => return Err(not_known(item, a)),
        }
    }
    Err("item not found".into())
}

fn compact(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut out = Vec::new();
    for v in a.list(0)? {
        match null_or_empty(&v) {
            Some(true) => {}
            Some(false) => out.push(v),
            None => {
                return Err(match &v {
                    Value::Unknown(u) => Stop::Unknown(u.clone()),
                    other => not_known(other, a),
                });
            }
        }
    }
    Ok(Value::list(out))
}

/// Each argument as a set (its elements known in full, unified).
fn known_sets(a: &Args) -> Result<Vec<Vec<Value>>, Stop> {
    (0..a.len())
        .map(|i| match set_of(a.list(i)?, a)? {
            Value::List(l) => Ok(Arc::unwrap_or_clone(l)),
            _ => unreachable!("a set is a list"),
        })
        .collect()
}

fn setunion(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let mut all = Vec::new();
    for i in 0..a.len() {
        all.extend(a.list(i)?);
    }
    set_of(all, a)
}

fn setintersection(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let sets = known_sets(a)?;
    let (first, rest) = sets.split_first().ok_or("needs a set")?;
    set_of(
        first
            .iter()
            .filter(|v| rest.iter().all(|s| s.contains(v)))
            .cloned()
            .collect(),
        a,
    )
}

fn setsubtract(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let sets = known_sets(a)?;
    set_of(
        sets[0]
            .iter()
            .filter(|v| !sets[1].contains(v))
            .cloned()
            .collect(),
        a,
    )
}

fn setproduct(a: &Args) -> FnResult {
    if a.len() < 2 {
        return Err("at least two arguments are required".into());
    }
    let mut acc: Vec<Vec<Value>> = vec![vec![]];
    for i in 0..a.len() {
        let items = super::conversion::unify(a.list(i)?)?;
        let mut next = Vec::new();
        for prefix in &acc {
            for item in &items {
                let mut p = prefix.clone();
                p.push(item.clone());
                next.push(p);
            }
        }
        if next.len() > crate::eval::MAX_EXPANSION * 10 {
            return Err("the product is too large".into());
        }
        acc = next;
    }
    Ok(Value::list(acc.into_iter().map(Value::list).collect()))
}

fn zipmap(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (k, v) = (a.list(0)?, a.list(1)?);
    if k.len() != v.len() {
        return Err("the lists must have the same length".into());
    }
    let mut out = BTreeMap::new();
    for (key, val) in k.iter().zip(v) {
        let key = match key.to_known_string() {
            Some(s) => s,
            None => return Err(not_known(key, a)),
        };
        out.insert(key, val);
    }
    Ok(Value::map(out))
}

/// `range`: at most 1024 numbers, as in Terraform.
fn range(a: &Args) -> FnResult {
    a.arity(1, 3)?;
    let nums: Vec<f64> = (0..a.len()).map(|i| a.num(i)).collect::<Result<_, _>>()?;
    let (start, end, step) = match nums.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
        [s, e, st] => (*s, *e, *st),
        _ => unreachable!("arity checked"),
    };
    if step == 0.0 {
        return Err("step must not be zero".into());
    }
    let mut out = Vec::new();
    let mut k = 0.0;
    loop {
        // start + k*step rather than repeated addition: range(1, 4, 0.1)
        // gives 1.1, not 1.1000000000000001.
        let x = start + k * step;
        if !((step > 0.0 && x < end) || (step < 0.0 && x > end)) {
            break;
        }
        if out.len() == 1024 {
            return Err("too many elements: more than 1024 values were generated; either decrease the difference between start and end or use a smaller step".into());
        }
        out.push(Value::Number(x));
        k += 1.0;
    }
    Ok(Value::list(out))
}

fn one(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let l = a.list(0)?;
    match l.len() {
        0 => Ok(Value::Null),
        1 => Ok(l[0].clone()),
        _ => Err("more than one element".into()),
    }
}

/// `sort` is lexical, on strings (numbers are converted first).
fn sort(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut l = Vec::new();
    for v in a.list(0)? {
        match v.to_known_string() {
            Some(s) => l.push(s),
            None if v.is_null() => return Err("given list element is null".into()),
            None => return Err(not_known(&v, a)),
        }
    }
    l.sort();
    Ok(Value::list(l.into_iter().map(Value::String).collect()))
}

fn reverse(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut l = a.list(0)?;
    l.reverse();
    Ok(Value::list(l))
}

fn slice(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let l = a.list(0)?;
    let (s, e) = (a.int(1)?, a.int(2)?);
    if s < 0 {
        return Err("the start index must not be less than zero".into());
    }
    if e as usize > l.len() {
        return Err("the end index must not be greater than the length of the list".into());
    }
    if e < s {
        return Err("the start index must not be greater than the end index".into());
    }
    Ok(Value::list(l[s as usize..e as usize].to_vec()))
}

fn chunklist(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let l = a.list(0)?;
    let n = a.int(1)?;
    if n < 0 {
        return Err("the size argument must be positive".into());
    }
    if l.is_empty() {
        return Ok(Value::list(vec![]));
    }
    if n == 0 {
        return Ok(Value::list(vec![Value::list(l)]));
    }
    Ok(Value::list(
        l.chunks(n as usize)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}

fn transpose(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in a.map(0)? {
        for item in as_list(v, a.span)? {
            let s = match item.to_known_string() {
                Some(s) => s,
                None => return Err(not_known(&item, a)),
            };
            out.entry(s).or_default().push(Value::String(k.clone()));
        }
    }
    Ok(Value::map(
        out.into_iter().map(|(k, v)| (k, Value::list(v))).collect(),
    ))
}

/// `alltrue` (`all` true) and `anytrue`: decided by one known element
/// (`false` for alltrue, `true` for anytrue) even if others are not known;
/// null counts as false.
fn truth(a: &Args, all: bool) -> FnResult {
    a.arity(1, 1)?;
    let mut undecided = None;
    for v in a.list(0)? {
        let b = match &v {
            Value::Null => false,
            other => match other.as_bool() {
                Some(b) => b,
                None if other.is_wholly_known() => {
                    return Err(format!("elements must be bools, not {}", other.type_name()).into());
                }
                None => {
                    undecided = undecided.or(Some(v));
                    continue;
                }
            },
        };
        if b != all {
            return Ok(Value::Bool(!all));
        }
    }
    match undecided {
        Some(v) => Err(not_known(&v, a)),
        None => Ok(Value::Bool(all)),
    }
}

fn alltrue(a: &Args) -> FnResult {
    truth(a, true)
}

fn anytrue(a: &Args) -> FnResult {
    truth(a, false)
}

/// `matchkeys(values, keys, searchset)`: the values whose key is in the
/// search set, in order.
fn matchkeys(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let (values, keys, search) = (a.list(0)?, a.list(1)?, a.list(2)?);
    if values.len() != keys.len() {
        return Err("length of keys and values should be equal".into());
    }
    let mut out = Vec::new();
    for (v, k) in values.into_iter().zip(&keys) {
        let mut hit = false;
        for s in &search {
            match same(k, s) {
                Some(true) => hit = true,
                Some(false) => {}
                None => return Err(not_known(if k.is_wholly_known() { s } else { k }, a)),
            }
        }
        if hit {
            out.push(v);
        }
    }
    Ok(Value::list(out))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn references_pass_through_shape_functions() {
        let r = email();
        assert_eq!(
            call("concat", vec![l(vec![s("a")]), l(vec![r.clone()])]),
            l(vec![s("a"), r.clone()])
        );
        assert_eq!(call("length", vec![l(vec![r.clone(), s("b")])]), n(2.0));
        assert_eq!(
            call("element", vec![l(vec![s("a"), r.clone()]), n(3.0)]),
            r.clone()
        );
        assert_eq!(
            call("contains", vec![l(vec![s("a"), r.clone()]), s("a")]),
            b(true)
        );
        assert!(is_after_apply(&call(
            "contains",
            vec![l(vec![r.clone()]), s("a")]
        )));
        // The last candidate wins whatever it is; before another, not known.
        assert_eq!(call("coalesce", vec![Value::Null, s(""), r.clone()]), r);
        assert!(is_after_apply(&call("coalesce", vec![r.clone(), s("x")])));
        assert_eq!(call("coalesce", vec![member(), s("x")]), member());
        // A reference might be null or empty, or a list to flatten.
        assert!(is_after_apply(&call(
            "compact",
            vec![l(vec![s("a"), r.clone()])]
        )));
        assert_eq!(
            call("compact", vec![l(vec![member(), s("")])]),
            l(vec![member()])
        );
        assert!(is_after_apply(&call("flatten", vec![l(vec![r.clone()])])));
        assert_eq!(
            call("flatten", vec![l(vec![l(vec![member()]), s("a")])]),
            l(vec![member(), s("a")])
        );
        assert_eq!(
            call("merge", vec![m(&[("a", r.clone())]), m(&[("b", s("x"))])]),
            m(&[("a", r.clone()), ("b", s("x"))])
        );
        assert_eq!(
            call("lookup", vec![m(&[("a", r.clone())]), s("a"), s("d")]),
            r.clone()
        );
        assert!(is_after_apply(&call("lookup", vec![r.clone(), s("a")])));
        assert!(is_after_apply(&call("keys", vec![r.clone()])));
        let res = Value::Resource(crate::eval::value::ResourceHandle {
            instance: 0,
            decl: 0,
            key: None,
            address: "google_cloud_run_v2_service.api".into(),
        });
        for f in ["keys", "values", "length"] {
            assert!(is_after_apply(&call(f, vec![res.clone()])), "{f}");
        }
        assert!(is_after_apply(&call("merge", vec![res.clone(), m(&[])])));
        assert!(is_after_apply(&call(
            "lookup",
            vec![res, s("name"), s("x")]
        )));
        assert!(is_after_apply(&call("length", vec![r.clone()])));
        assert!(is_after_apply(&call("length", vec![member()])));
        assert!(is_after_apply(&call("sort", vec![l(vec![r.clone()])])));
        assert!(is_after_apply(&call(
            "distinct",
            vec![l(vec![s("a"), r.clone()])]
        )));
        assert!(is_after_apply(&call(
            "index",
            vec![l(vec![r.clone()]), s("a")]
        )));
        assert!(is_after_apply(&call(
            "setintersection",
            vec![l(vec![r.clone()]), l(vec![])]
        )));
        assert!(is_after_apply(&call(
            "zipmap",
            vec![l(vec![r.clone()]), l(vec![s("a")])]
        )));
        assert!(is_after_apply(&call(
            "alltrue",
            vec![l(vec![b(true), r.clone()])]
        )));
        // ... unless a known element decides.
        assert_eq!(
            call("alltrue", vec![l(vec![r.clone(), b(false)])]),
            b(false)
        );
        assert_eq!(
            call("anytrue", vec![l(vec![r.clone(), s("true")])]),
            b(true)
        );
        assert!(is_no_value(&call("length", vec![unknown()])));
        assert!(is_no_value(&call("concat", vec![l(vec![]), unknown()])));
        assert!(is_no_value(&call(
            "element",
            vec![l(vec![s("a")]), unknown()]
        )));
        assert!(is_no_value(&call("range", vec![unknown()])));
    }

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let abc = || strs(&["a", "b", "c"]);
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("alltrue", vec![l(vec![s("true"), b(true)])], b(true)),
            ("alltrue", vec![l(vec![b(true), b(false)])], b(false)),
            ("alltrue", vec![l(vec![])], b(true)),
            ("anytrue", vec![strs(&["true"])], b(true)),
            ("anytrue", vec![l(vec![b(true)])], b(true)),
            ("anytrue", vec![l(vec![b(true), b(false)])], b(true)),
            ("anytrue", vec![l(vec![])], b(false)),
            (
                "chunklist",
                vec![strs(&["a", "b", "c", "d", "e"]), n(2.0)],
                l(vec![strs(&["a", "b"]), strs(&["c", "d"]), strs(&["e"])]),
            ),
            (
                "chunklist",
                vec![strs(&["a", "b", "c", "d", "e"]), n(1.0)],
                l(vec![
                    strs(&["a"]),
                    strs(&["b"]),
                    strs(&["c"]),
                    strs(&["d"]),
                    strs(&["e"]),
                ]),
            ),
            ("coalesce", vec![s("a"), s("b")], s("a")),
            ("coalesce", vec![s(""), s("b")], s("b")),
            ("coalesce", vec![n(1.0), n(2.0)], n(1.0)),
            ("coalesce", vec![n(1.0), s("hello")], s("1")),
            ("coalesce", vec![b(true), s("hello")], s("true")),
            (
                "coalescelist",
                vec![strs(&["a", "b"]), strs(&["c", "d"])],
                strs(&["a", "b"]),
            ),
            (
                "coalescelist",
                vec![l(vec![]), strs(&["c", "d"])],
                strs(&["c", "d"]),
            ),
            (
                "compact",
                vec![l(vec![s("a"), s(""), s("b"), Value::Null, s("c")])],
                abc(),
            ),
            (
                "concat",
                vec![strs(&["a", ""]), strs(&["b", "c"])],
                strs(&["a", "", "b", "c"]),
            ),
            (
                "concat",
                vec![
                    l(vec![]),
                    l(vec![n(1.0), s("a")]),
                    l(vec![l(vec![n(3.0)]), s("c")]),
                ],
                l(vec![n(1.0), s("a"), l(vec![n(3.0)]), s("c")]),
            ),
            ("contains", vec![abc(), s("a")], b(true)),
            ("contains", vec![abc(), s("d")], b(false)),
            (
                "distinct",
                vec![strs(&["a", "b", "a", "c", "d", "b"])],
                strs(&["a", "b", "c", "d"]),
            ),
            ("element", vec![abc(), n(1.0)], s("b")),
            ("element", vec![abc(), n(3.0)], s("a")),
            ("element", vec![abc(), n(-1.0)], s("c")),
            ("element", vec![abc(), n(-4.0)], s("c")),
            (
                "flatten",
                vec![l(vec![strs(&["a", "b"]), l(vec![]), strs(&["c"])])],
                abc(),
            ),
            (
                "flatten",
                vec![l(vec![l(vec![strs(&["a", "b"]), l(vec![])]), strs(&["c"])])],
                abc(),
            ),
            ("index", vec![abc(), s("b")], n(1.0)),
            (
                "index",
                vec![strs(&["one", "two", "two"]), s("two")],
                n(1.0),
            ),
            (
                "keys",
                vec![m(&[("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))])],
                strs(&["a", "c", "d"]),
            ),
            ("length", vec![l(vec![])], n(0.0)),
            ("length", vec![strs(&["a", "b"])], n(2.0)),
            ("length", vec![m(&[("a", s("b"))])], n(1.0)),
            ("length", vec![s("hello")], n(5.0)),
            ("length", vec![s("👾🕹️")], n(2.0)),
            (
                "lookup",
                vec![m(&[("a", s("ay")), ("b", s("bee"))]), s("a"), s("what?")],
                s("ay"),
            ),
            (
                "lookup",
                vec![m(&[("a", s("ay")), ("b", s("bee"))]), s("c"), s("what?")],
                s("what?"),
            ),
            (
                "matchkeys",
                vec![
                    strs(&["i-123", "i-abc", "i-def"]),
                    strs(&["us-west", "us-east", "us-east"]),
                    strs(&["us-east"]),
                ],
                strs(&["i-abc", "i-def"]),
            ),
            (
                "merge",
                vec![
                    m(&[("a", s("b")), ("c", s("d"))]),
                    m(&[("e", s("f")), ("c", s("z"))]),
                ],
                m(&[("a", s("b")), ("c", s("z")), ("e", s("f"))]),
            ),
            (
                "merge",
                vec![
                    m(&[("a", s("b"))]),
                    m(&[("a", l(vec![n(1.0), n(2.0)])), ("c", s("z"))]),
                    m(&[("d", n(3.0))]),
                ],
                m(&[("a", l(vec![n(1.0), n(2.0)])), ("c", s("z")), ("d", n(3.0))]),
            ),
            (
                "merge",
                vec![
                    m(&[("a", s("b")), ("c", s("d"))]),
                    m(&[]),
                    m(&[("e", s("f")), ("c", s("z"))]),
                ],
                m(&[("a", s("b")), ("c", s("z")), ("e", s("f"))]),
            ),
            ("one", vec![l(vec![])], Value::Null),
            ("one", vec![strs(&["hello"])], s("hello")),
            ("range", vec![n(3.0)], l(vec![n(0.0), n(1.0), n(2.0)])),
            (
                "range",
                vec![n(1.0), n(4.0)],
                l(vec![n(1.0), n(2.0), n(3.0)]),
            ),
            (
                "range",
                vec![n(1.0), n(8.0), n(2.0)],
                l(vec![n(1.0), n(3.0), n(5.0), n(7.0)]),
            ),
            (
                "range",
                vec![n(1.0), n(4.0), n(0.5)],
                l(vec![n(1.0), n(1.5), n(2.0), n(2.5), n(3.0), n(3.5)]),
            ),
            (
                "range",
                vec![n(4.0), n(1.0)],
                l(vec![n(4.0), n(3.0), n(2.0)]),
            ),
            (
                "range",
                vec![n(10.0), n(5.0), n(-2.0)],
                l(vec![n(10.0), n(8.0), n(6.0)]),
            ),
            (
                "reverse",
                vec![l(vec![n(1.0), n(2.0), n(3.0)])],
                l(vec![n(3.0), n(2.0), n(1.0)]),
            ),
            (
                "setintersection",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])],
                strs(&["b"]),
            ),
            (
                "setintersection",
                vec![
                    l(vec![n(3.0), n(3.3), n(4.0)]),
                    l(vec![n(4.0), n(3.3), n(65.0), n(99.0)]),
                    l(vec![n(4.0), n(3.3)]),
                ],
                l(vec![n(3.3), n(4.0)]),
            ),
            (
                "setintersection",
                vec![
                    l(vec![s("bob"), s("jane"), n(3.0)]),
                    l(vec![s("jane"), n(3.0), s("ajax"), n(10.0)]),
                    l(vec![s("3"), s("jane"), n(26.0), s("nomad")]),
                ],
                strs(&["3", "jane"]),
            ),
            (
                "setproduct",
                vec![
                    strs(&["development", "staging", "production"]),
                    strs(&["app1", "app2"]),
                ],
                l(vec![
                    strs(&["development", "app1"]),
                    strs(&["development", "app2"]),
                    strs(&["staging", "app1"]),
                    strs(&["staging", "app2"]),
                    strs(&["production", "app1"]),
                    strs(&["production", "app2"]),
                ]),
            ),
            (
                "setproduct",
                vec![strs(&["development", "staging", "production"]), l(vec![])],
                l(vec![]),
            ),
            (
                "setproduct",
                vec![strs(&["a"]), strs(&["b"])],
                l(vec![strs(&["a", "b"])]),
            ),
            (
                "setproduct",
                vec![strs(&["staging", "production"]), l(vec![s("a"), n(2.0)])],
                l(vec![
                    strs(&["staging", "a"]),
                    strs(&["staging", "2"]),
                    strs(&["production", "a"]),
                    strs(&["production", "2"]),
                ]),
            ),
            ("setsubtract", vec![abc(), strs(&["a", "c"])], strs(&["b"])),
            (
                "setunion",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["d"])],
                strs(&["a", "b", "c", "d"]),
            ),
            (
                "slice",
                vec![strs(&["a", "b", "c", "d"]), n(1.0), n(3.0)],
                strs(&["b", "c"]),
            ),
            (
                "sort",
                vec![strs(&["e", "d", "a", "x"])],
                strs(&["a", "d", "e", "x"]),
            ),
            ("sort", vec![l(vec![n(10.0), n(9.0)])], strs(&["10", "9"])),
            (
                "transpose",
                vec![m(&[("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))])],
                m(&[
                    ("1", strs(&["a"])),
                    ("2", strs(&["a", "b"])),
                    ("3", strs(&["b"])),
                ]),
            ),
            (
                "values",
                vec![m(&[("a", n(3.0)), ("c", n(2.0)), ("d", n(1.0))])],
                l(vec![n(3.0), n(2.0), n(1.0)]),
            ),
            (
                "zipmap",
                vec![strs(&["a", "b"]), l(vec![n(1.0), n(2.0)])],
                m(&[("a", n(1.0)), ("b", n(2.0))]),
            ),
            (
                "zipmap",
                vec![strs(&["a", "a"]), l(vec![n(1.0), n(2.0)])],
                m(&[("a", n(2.0))]),
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), want, "{f}({args:?})");
        }
        // Setunion of setsubtracts: the symmetric difference.
        let d1 = call("setsubtract", vec![abc(), strs(&["a", "c", "d"])]);
        let d2 = call("setsubtract", vec![strs(&["a", "c", "d"]), abc()]);
        assert_eq!(call("setunion", vec![d1, d2]), strs(&["b", "d"]));
        // Documented errors.
        for (f, args) in [
            ("coalesce", vec![Value::Null, s("")]),
            ("element", vec![l(vec![]), n(0.0)]),
            ("index", vec![abc(), s("d")]),
            ("lookup", vec![m(&[("a", s("ay"))]), s("c")]),
            ("one", vec![strs(&["hello", "goodbye"])]),
            ("range", vec![n(2000.0)]),
            ("range", vec![n(1.0), n(2.0), n(0.0)]),
            ("slice", vec![abc(), n(2.0), n(4.0)]),
            ("setproduct", vec![abc()]),
            ("sum", vec![l(vec![])]),
            ("list", vec![s("a")]),
            ("map", vec![s("a"), s("b")]),
        ] {
            assert!(is_error(&call(f, args.clone())), "{f}({args:?})");
        }
    }
}
