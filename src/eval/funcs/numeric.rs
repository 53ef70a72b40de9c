//! Numeric functions.

use super::{Args, FnResult, Func, Stop};
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
        match v.as_number() {
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
    use crate::eval::value::Value;

    fn n(x: f64) -> Value {
        Value::Number(x)
    }

    #[test]
    fn documented_examples() {
        assert_eq!(call("max", vec![n(12.0), n(54.0), n(3.0)]), n(54.0));
        assert_eq!(call("min", vec![n(12.0), n(54.0), n(3.0)]), n(3.0));
        assert_eq!(call("abs", vec![n(-12.4)]), n(12.4));
        assert_eq!(call("ceil", vec![n(4.1)]), n(5.0));
        assert_eq!(call("floor", vec![n(4.9)]), n(4.0));
        assert_eq!(call("signum", vec![n(-13.0)]), n(-1.0));
        assert_eq!(call("pow", vec![n(3.0), n(2.0)]), n(9.0));
        assert_eq!(call("log", vec![n(16.0), n(2.0)]), n(4.0));
        assert_eq!(call("parseint", vec![Value::str("100"), n(10.0)]), n(100.0));
        assert_eq!(call("parseint", vec![Value::str("FF"), n(16.0)]), n(255.0));
        assert_eq!(call("parseint", vec![Value::str("-10"), n(16.0)]), n(-16.0));
        assert_eq!(
            call("parseint", vec![Value::str("1011111011101111"), n(2.0)]),
            n(48879.0)
        );
        assert_eq!(call("parseint", vec![Value::str("aA"), n(62.0)]), n(656.0));
        assert!(call("parseint", vec![Value::str("12"), n(2.0)]).is_unknown());
        assert_eq!(
            call(
                "sum",
                vec![Value::List(vec![n(10.0), n(13.0), n(6.0), n(4.5)])]
            ),
            n(33.5)
        );
    }
}
