//! Numeric functions. Strings holding decimal numbers convert, as in
//! Terraform; a value known only after apply gives a result known only
//! after apply.

use super::{Args, FnResult, Func, Stop, to_number};
use crate::eval::value::Value;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "max" => |a| fold(a, f64::max),
        "min" => |a| fold(a, f64::min),
        "abs" => |a| one(a, f64::abs),
        "ceil" => |a| one(a, f64::ceil),
        "floor" => |a| one(a, f64::floor),
        "signum" => |a| one(a, |n| if n == 0.0 { 0.0 } else { n.signum() }),
        "sum" => sum,
        "pow" => |a| {
            a.arity(2, 2)?;
            Ok(Value::Number(a.num(0)?.powf(a.num(1)?)))
        },
        "log" => |a| {
            a.arity(2, 2)?;
            Ok(Value::Number(a.num(0)?.log(a.num(1)?)))
        },
        "parseint" => parseint,
        _ => return None,
    })
}

fn one(a: &Args, f: fn(f64) -> f64) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::Number(f(a.num(0)?)))
}

fn fold(a: &Args, f: fn(f64, f64) -> f64) -> FnResult {
    a.arity(1, usize::MAX)?;
    let mut acc = a.num(0)?;
    for i in 1..a.len() {
        acc = f(acc, a.num(i)?);
    }
    Ok(Value::Number(acc))
}

fn sum(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let l = a.list(0)?;
    if l.is_empty() {
        return Err("cannot sum an empty list".into());
    }
    let mut total = 0.0;
    for v in &l {
        match to_number(v) {
            Some(n) => total += n,
            None => {
                return Err(match v.not_known(a.span) {
                    Some(u) => Stop::Unknown(u),
                    None => "elements must be numbers".into(),
                });
            }
        }
    }
    Ok(Value::Number(total))
}

fn parseint(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (s, base) = (a.str(0)?, a.int(1)?);
    if !(2..=62).contains(&base) {
        return Err("the base must be between 2 and 62".into());
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    if digits.is_empty() {
        return Err(format!("cannot parse {s:?} as a base {base} integer").into());
    }
    let mut n: f64 = 0.0;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base <= 36 => c as i64 - 'A' as i64 + 10,
            'A'..='Z' => c as i64 - 'A' as i64 + 36,
            _ => -1,
        };
        if d < 0 || d >= base {
            return Err(format!("cannot parse {s:?} as a base {base} integer").into());
        }
        n = n * base as f64 + d as f64;
    }
    Ok(Value::Number(if neg { -n } else { n }))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let cases: Vec<(&str, Vec<Value>, f64)> = vec![
            ("abs", vec![n(23.0)], 23.0),
            ("abs", vec![n(0.0)], 0.0),
            ("abs", vec![n(-12.4)], 12.4),
            ("ceil", vec![n(5.0)], 5.0),
            ("ceil", vec![n(5.1)], 6.0),
            ("floor", vec![n(5.0)], 5.0),
            ("floor", vec![n(4.9)], 4.0),
            ("log", vec![n(50.0), n(10.0)], 1.6989700043360185),
            ("log", vec![n(16.0), n(2.0)], 4.0),
            ("max", vec![n(12.0), n(54.0), n(3.0)], 54.0),
            ("min", vec![n(12.0), n(54.0), n(3.0)], 3.0),
            ("max", vec![s("12"), n(3.0)], 12.0),
            ("parseint", vec![s("100"), n(10.0)], 100.0),
            ("parseint", vec![s("FF"), n(16.0)], 255.0),
            ("parseint", vec![s("-10"), n(16.0)], -16.0),
            ("parseint", vec![s("1011111011101111"), n(2.0)], 48879.0),
            ("parseint", vec![s("aA"), n(62.0)], 656.0),
            ("pow", vec![n(3.0), n(2.0)], 9.0),
            ("pow", vec![n(4.0), n(0.0)], 1.0),
            ("signum", vec![n(-13.0)], -1.0),
            ("signum", vec![n(0.0)], 0.0),
            ("signum", vec![n(344.0)], 1.0),
            ("sum", vec![l(vec![n(10.0), n(13.0), n(6.0), n(4.5)])], 33.5),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), n(want), "{f}({args:?})");
        }
        // ceil(log(x, 2)): the bits needed for x values.
        for (x, bits) in [(15.0, 4.0), (16.0, 4.0), (17.0, 5.0)] {
            let log = call("log", vec![n(x), n(2.0)]);
            assert_eq!(call("ceil", vec![log]), n(bits), "{x}");
        }
        for (f, args) in [
            ("parseint", vec![s("12"), n(2.0)]),
            ("parseint", vec![s("1"), n(63.0)]),
            ("max", vec![]),
            ("abs", vec![s("x")]),
            ("sum", vec![l(vec![])]),
        ] {
            assert!(is_error(&call(f, args.clone())), "{f}({args:?})");
        }
    }

    #[test]
    fn symbolic_arguments() {
        for f in ["abs", "ceil", "floor", "signum"] {
            assert!(is_after_apply(&call(f, vec![email()])), "{f}");
            assert!(is_no_value(&call(f, vec![unknown()])), "{f}");
        }
        assert!(is_after_apply(&call("max", vec![n(1.0), email()])));
        assert!(is_after_apply(&call("sum", vec![l(vec![n(1.0), email()])])));
        assert!(is_after_apply(&call("parseint", vec![email(), n(10.0)])));
    }
}
