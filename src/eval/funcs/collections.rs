//! Collection functions. They work on the shape of a value, so elements
//! known only after apply pass through them (`concat`, `merge`, `lookup`,
//! `element`, `flatten`); a decision that needs an element's value
//! (`contains`, `distinct`, `sort`) is made when it can be and is otherwise
//! known only after apply.

use super::{Args, FnResult, Func, Stop, as_list};
use crate::eval::value::Value;
use std::collections::BTreeMap;

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

fn coalesce(a: &Args) -> FnResult {
    for v in &a.vals {
        match v {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            // Might be null or empty: cannot tell which argument wins.
            Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
            _ => return Ok(v.clone()),
        }
    }
    Err("no non-null, non-empty argument".into())
}

fn coalescelist(a: &Args) -> FnResult {
    for i in 0..a.len() {
        let l = a.list(i)?;
        if !l.is_empty() {
            return Ok(Value::List(l));
        }
    }
    Ok(Value::List(vec![]))
}

fn concat(a: &Args) -> FnResult {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(a.list(i)?);
    }
    Ok(Value::List(out))
}

fn flatten(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    fn flat(v: Value, out: &mut Vec<Value>) {
        match v {
            Value::List(items) => items.into_iter().for_each(|i| flat(i, out)),
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    for item in a.list(0)? {
        if let Value::Unknown(u) = &item {
            return Err(Stop::Unknown(u.clone()));
        }
        flat(item, &mut out);
    }
    Ok(Value::List(out))
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
    Ok(Value::List(out))
}

fn merge(a: &Args) -> FnResult {
    let mut out = BTreeMap::new();
    for i in 0..a.len() {
        match a.get(i)? {
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            v @ Value::Ref(_) => return Err(not_known(v, a)),
            other => {
                return Err(format!("arguments must be maps, not {}", other.type_name()).into());
            }
        }
    }
    Ok(Value::Map(out))
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
        Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
        v @ (Value::Partial(_) | Value::Ref(_)) => Err(not_known(v, a)),
        other => Err(format!("cannot take the length of a {}", other.type_name()).into()),
    }
}

fn keys(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::List(
        a.map(0)?.keys().cloned().map(Value::String).collect(),
    ))
}

fn values(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::List(a.map(0)?.values().cloned().collect()))
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

fn element(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let list = a.list(0)?;
    if list.is_empty() {
        return Err("cannot use element on an empty list".into());
    }
    let i = a.int(1)?;
    if i < 0 {
        return Err("the index must not be negative".into());
    }
    Ok(list[(i as usize) % list.len()].clone())
}

fn index(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let list = a.list(0)?;
    let needle = a.get(1)?;
    for (i, item) in list.iter().enumerate() {
        match same(item, needle) {
            Some(true) => return Ok(Value::Number(i as f64)),
            Some(false) => {}
            None => return Err(not_known(item, a)),
        }
    }
    Err("the value is not in the list".into())
}

fn compact(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut out = Vec::new();
    for v in a.list(0)? {
        match &v {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
            _ => out.push(v),
        }
    }
    Ok(Value::List(out))
}

fn known_lists(a: &Args) -> Result<Vec<Vec<Value>>, Stop> {
    (0..a.len())
        .map(|i| {
            let l = a.list(i)?;
            match l.iter().find(|v| !v.is_wholly_known()) {
                Some(v) => Err(not_known(v, a)),
                None => Ok(l),
            }
        })
        .collect()
}

fn setunion(a: &Args) -> FnResult {
    let mut all = Vec::new();
    for i in 0..a.len() {
        all.extend(a.list(i)?);
    }
    Ok(Value::set(all))
}

fn setintersection(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let sets = known_lists(a)?;
    let (first, rest) = sets.split_first().ok_or("needs a set")?;
    Ok(Value::set(
        first
            .iter()
            .filter(|v| rest.iter().all(|s| s.contains(v)))
            .cloned()
            .collect(),
    ))
}

fn setsubtract(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let sets = known_lists(a)?;
    Ok(Value::set(
        sets[0]
            .iter()
            .filter(|v| !sets[1].contains(v))
            .cloned()
            .collect(),
    ))
}

fn setproduct(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let mut acc: Vec<Vec<Value>> = vec![vec![]];
    for i in 0..a.len() {
        let items = a.list(i)?;
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
    Ok(Value::List(acc.into_iter().map(Value::List).collect()))
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
    Ok(Value::Map(out))
}

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
        return Err("the step must not be zero".into());
    }
    if (end - start) / step > crate::eval::MAX_EXPANSION as f64 {
        return Err(Stop::Unknown(crate::eval::Unknown::limit(
            "range(): too many elements",
            a.span,
        )));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        out.push(Value::Number(x));
        x += step;
    }
    Ok(Value::List(out))
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

fn sort(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut l = Vec::new();
    for v in a.list(0)? {
        match v.to_known_string() {
            Some(s) => l.push(s),
            None => return Err(not_known(&v, a)),
        }
    }
    l.sort();
    Ok(Value::List(l.into_iter().map(Value::String).collect()))
}

fn reverse(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let mut l = a.list(0)?;
    l.reverse();
    Ok(Value::List(l))
}

fn slice(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let l = a.list(0)?;
    let (s, e) = (a.int(1)?, a.int(2)?);
    if s < 0 || e < s || e as usize > l.len() {
        return Err("the indices are out of range".into());
    }
    Ok(Value::List(l[s as usize..e as usize].to_vec()))
}

fn chunklist(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let l = a.list(0)?;
    let n = a.int(1)?;
    if n < 0 {
        return Err("the size must not be negative".into());
    }
    if n == 0 {
        return Ok(Value::List(vec![Value::List(l)]));
    }
    Ok(Value::List(
        l.chunks(n as usize)
            .map(|c| Value::List(c.to_vec()))
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
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

fn bools(a: &Args) -> Result<Vec<bool>, Stop> {
    a.arity(1, 1)?;
    a.list(0)?
        .iter()
        .map(|v| match v.as_bool() {
            Some(b) => Ok(b),
            None => Err(not_known(v, a)),
        })
        .collect()
}

fn alltrue(a: &Args) -> FnResult {
    Ok(Value::Bool(bools(a)?.into_iter().all(|b| b)))
}

fn anytrue(a: &Args) -> FnResult {
    Ok(Value::Bool(bools(a)?.into_iter().any(|b| b)))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::value::{Reference, Value};

    fn s(x: &str) -> Value {
        Value::str(x)
    }
    fn l(v: Vec<Value>) -> Value {
        Value::List(v)
    }
    fn n(x: f64) -> Value {
        Value::Number(x)
    }

    #[test]
    fn references_pass_through_shape_functions() {
        let r = Value::Ref(Reference::new("google_service_account.a", "email"));
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
            Value::Bool(true)
        );
        assert!(call("contains", vec![l(vec![r.clone()]), s("a")]).is_unknown());
        assert_eq!(call("coalesce", vec![Value::Null, s(""), r.clone()]), r);
    }

    #[test]
    fn documented_examples() {
        assert_eq!(call("coalesce", vec![s(""), s("b")]), s("b"));
        assert_eq!(
            call(
                "compact",
                vec![l(vec![s("a"), s(""), s("b"), Value::Null, s("c")])]
            ),
            l(vec![s("a"), s("b"), s("c")])
        );
        assert_eq!(
            call(
                "distinct",
                vec![l(vec![s("a"), s("b"), s("a"), s("c"), s("d"), s("b")])]
            ),
            l(vec![s("a"), s("b"), s("c"), s("d")])
        );
        assert_eq!(
            call("element", vec![l(vec![s("a"), s("b"), s("c")]), n(3.0)]),
            s("a")
        );
        assert_eq!(
            call(
                "flatten",
                vec![l(vec![l(vec![s("a"), s("b")]), l(vec![]), l(vec![s("c")])])]
            ),
            l(vec![s("a"), s("b"), s("c")])
        );
        assert_eq!(
            call("index", vec![l(vec![s("a"), s("b"), s("c")]), s("b")]),
            n(1.0)
        );
        assert_eq!(call("range", vec![n(3.0)]), l(vec![n(0.0), n(1.0), n(2.0)]));
        assert_eq!(
            call("range", vec![n(4.0), n(1.0)]),
            l(vec![n(4.0), n(3.0), n(2.0)])
        );
        assert_eq!(
            call("range", vec![n(1.0), n(8.0), n(2.0)]),
            l(vec![n(1.0), n(3.0), n(5.0), n(7.0)])
        );
        assert_eq!(
            call(
                "slice",
                vec![l(vec![s("a"), s("b"), s("c"), s("d")]), n(1.0), n(3.0)]
            ),
            l(vec![s("b"), s("c")])
        );
        assert_eq!(
            call(
                "chunklist",
                vec![l(vec![s("a"), s("b"), s("c"), s("d"), s("e")]), n(2.0)]
            ),
            l(vec![
                l(vec![s("a"), s("b")]),
                l(vec![s("c"), s("d")]),
                l(vec![s("e")])
            ])
        );
        assert_eq!(
            call(
                "setintersection",
                vec![
                    l(vec![s("a"), s("b")]),
                    l(vec![s("b"), s("c")]),
                    l(vec![s("b"), s("d")])
                ]
            ),
            l(vec![s("b")])
        );
        assert_eq!(
            call(
                "setsubtract",
                vec![l(vec![s("a"), s("b"), s("c")]), l(vec![s("a"), s("c")])]
            ),
            l(vec![s("b")])
        );
        assert_eq!(call("one", vec![l(vec![])]), Value::Null);
        assert!(call("one", vec![l(vec![s("a"), s("b")])]).is_unknown());
        assert_eq!(
            call("alltrue", vec![l(vec![s("true"), Value::Bool(true)])]),
            Value::Bool(true)
        );
        assert_eq!(call("anytrue", vec![l(vec![])]), Value::Bool(false));
    }
}
