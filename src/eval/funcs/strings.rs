//! String functions. A string known only in part keeps its references
//! where the result can still be written (`format`, `join`, `trimprefix`
//! of a literal prefix); otherwise the result is known only after apply.

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::{Text, Value, format_number, quote};

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "format" => format,
        "formatlist" => formatlist,
        "join" => join,
        "split" => split,
        "lower" => |a| map_str(a, |s| s.to_lowercase()),
        "upper" => |a| map_str(a, |s| s.to_uppercase()),
        "title" => |a| map_str(a, title),
        "trimspace" => |a| map_str(a, |s| s.trim().to_string()),
        "chomp" => |a| map_str(a, |s| s.trim_end_matches(['\n', '\r']).to_string()),
        "strrev" => |a| map_str(a, |s| s.chars().rev().collect()),
        "trimprefix" => trimprefix,
        "trimsuffix" => trimsuffix,
        "trim" => trim,
        "replace" => replace,
        "substr" => substr,
        "startswith" => startswith,
        "endswith" => endswith,
        "strcontains" => strcontains,
        _ => return None,
    })
}

fn map_str(a: &Args, f: impl Fn(&str) -> String) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::String(f(&a.str(0)?)))
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// `format` with Terraform's verbs: `%s %v %q %d %f %e %g %t %b %o %x %X %%`
/// (flags, width and precision accepted; width and precision applied to
/// numbers only).
fn format(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let spec = a.str(0)?;
    render(&spec, &a.vals[1..], a).map(Text::into_value)
}

fn render(spec: &str, vals: &[Value], a: &Args) -> Result<Text, Stop> {
    let mut out = Text::default();
    let mut next = 0;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            let mut buf = [0u8; 4];
            out.push_str(c.encode_utf8(&mut buf));
            continue;
        }
        let mut flags = String::new();
        let mut verb = None;
        for d in chars.by_ref() {
            if d.is_ascii_alphabetic() || d == '%' {
                verb = Some(d);
                break;
            }
            flags.push(d);
        }
        let Some(verb) = verb else {
            return Err("incomplete format verb".into());
        };
        if verb == '%' {
            out.push_str("%");
            continue;
        }
        let v = vals.get(next).ok_or("too few arguments for the format")?;
        next += 1;
        if let Value::Unknown(u) = v {
            return Err(Stop::Unknown(u.clone()));
        }
        match verb {
            's' | 'v' => match v {
                Value::Partial(t) => out.append(t.clone()),
                Value::Ref(r) => out.push_ref(r.clone()),
                Value::Null => out.push_str("null"),
                other => match other.to_known_string() {
                    Some(s) => out.push_str(&pad(s, &flags)),
                    None if verb == 'v' => {
                        if let Some(u) = other.not_known(a.span) {
                            return Err(Stop::Unknown(u));
                        }
                        out.push_str(&other.to_json().to_string())
                    }
                    None => {
                        return Err(format!("%s needs a string, not {}", other.type_name()).into());
                    }
                },
            },
            'q' => match v.to_known_string() {
                Some(s) => out.push_str(&quote(&s)),
                None => return Err(not_known_or(v, a, "%q needs a string")),
            },
            't' => match v.as_bool() {
                Some(b) => out.push_str(&b.to_string()),
                None => return Err(not_known_or(v, a, "%t needs a bool")),
            },
            'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
                let Some(n) = v.as_number() else {
                    return Err(not_known_or(v, a, "this verb needs a number"));
                };
                out.push_str(&number(verb, &flags, n)?);
            }
            other => return Err(format!("unsupported format verb %{other}").into()),
        }
    }
    if next < vals.len() {
        return Err("too many arguments for the format".into());
    }
    Ok(out)
}

fn not_known_or(v: &Value, a: &Args, msg: &str) -> Stop {
    match v.not_known(a.span) {
        Some(u) => Stop::Unknown(u),
        None => Stop::Invalid(msg.to_string()),
    }
}

fn number(verb: char, flags: &str, n: f64) -> Result<String, Stop> {
    let precision = flags
        .split_once('.')
        .and_then(|(_, p)| p.parse::<usize>().ok());
    let body = match verb {
        'd' => {
            if n.fract() != 0.0 {
                return Err("%d needs a whole number".into());
            }
            format_number(n)
        }
        'b' => format!("{:b}", n as i64),
        'o' => format!("{:o}", n as i64),
        'x' => format!("{:x}", n as i64),
        'X' => format!("{:X}", n as i64),
        'e' => format!("{:.*e}", precision.unwrap_or(6), n),
        'E' => format!("{:.*E}", precision.unwrap_or(6), n),
        'f' => format!("{:.*}", precision.unwrap_or(6), n),
        _ => format_number(n),
    };
    Ok(pad(body, flags))
}

/// Applies the width of a verb's flags (`%5s`, `%-5s`, `%05d`).
fn pad(body: String, flags: &str) -> String {
    let width: usize = flags
        .split('.')
        .next()
        .unwrap_or("")
        .trim_start_matches(['-', '+', '#', ' ', '0'])
        .parse()
        .unwrap_or(0);
    let len = body.chars().count();
    if len >= width {
        body
    } else if flags.starts_with('-') {
        format!("{body:<width$}")
    } else if flags.starts_with('0') {
        format!("{body:0>width$}")
    } else {
        format!("{body:>width$}")
    }
}

fn formatlist(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let spec = a.str(0)?;
    let rest = &a.vals[1..];
    let mut n: Option<usize> = None;
    for v in rest {
        match v {
            Value::List(l) => match n {
                Some(m) if m != l.len() => return Err("all lists must have the same length".into()),
                _ => n = Some(l.len()),
            },
            Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
            Value::Ref(_) => return Err(not_known_or(v, a, "")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for i in 0..n.unwrap_or(1) {
        let row: Vec<Value> = rest
            .iter()
            .map(|v| match v {
                Value::List(l) => l[i].clone(),
                other => other.clone(),
            })
            .collect();
        out.push(render(&spec, &row, a)?.into_value());
    }
    Ok(Value::List(out))
}

fn join(a: &Args) -> FnResult {
    a.arity(2, usize::MAX)?;
    let sep = a.str(0)?;
    let mut out = Text::default();
    let mut first = true;
    for i in 1..a.len() {
        for item in a.list(i)? {
            if !first {
                out.push_str(&sep);
            }
            first = false;
            match &item {
                Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
                Value::Null => return Err("join: null element".into()),
                v => match v.text() {
                    Some(t) => out.append(t),
                    None => return Err("join: elements must be strings".into()),
                },
            }
        }
    }
    Ok(out.into_value())
}

fn split(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (sep, s) = (a.str(0)?, a.str(1)?);
    if s.is_empty() {
        return Ok(Value::List(vec![]));
    }
    if sep.is_empty() {
        return Ok(Value::List(
            s.chars().map(|c| Value::String(c.to_string())).collect(),
        ));
    }
    Ok(Value::List(s.split(sep.as_str()).map(Value::str).collect()))
}

fn trimprefix(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let prefix = a.str(1)?;
    let t = a.text(0)?;
    if let Some(s) = t.known() {
        return Ok(Value::String(
            s.strip_prefix(prefix.as_str()).unwrap_or(s).to_string(),
        ));
    }
    match t.strip_prefix(&prefix) {
        Some(rest) => Ok(rest.into_value()),
        // A literal start that cannot be the prefix: nothing is trimmed.
        None if !prefix.starts_with(t.literal_prefix()) => Ok(t.into_value()),
        None => Err(not_known_or(a.raw(0)?, a, "")),
    }
}

fn trimsuffix(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (s, p) = (a.str(0)?, a.str(1)?);
    Ok(Value::String(
        s.strip_suffix(p.as_str()).unwrap_or(&s).to_string(),
    ))
}

fn trim(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (s, cut) = (a.str(0)?, a.str(1)?);
    Ok(Value::String(
        s.trim_matches(|c| cut.contains(c)).to_string(),
    ))
}

fn replace(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let (s, from, to) = (a.str(0)?, a.str(1)?, a.str(2)?);
    if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
        let re = regex::Regex::new(&from[1..from.len() - 1])
            .map_err(|e| Stop::Invalid(format!("invalid regular expression: {e}")))?;
        // Terraform (Go) writes capture references as $1 / ${name}, like
        // the regex crate.
        return Ok(Value::String(re.replace_all(&s, to.as_str()).into_owned()));
    }
    Ok(Value::String(s.replace(&from, &to)))
}

fn substr(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let s = a.str(0)?;
    let chars: Vec<char> = s.chars().collect();
    let (off, len) = (a.int(1)?, a.int(2)?);
    let n = chars.len() as i64;
    let start = if off < 0 { n + off } else { off };
    if start < 0 || start > n {
        return Err("offset out of range".into());
    }
    let end = if len < 0 { n } else { (start + len).min(n) };
    Ok(Value::String(
        chars[start as usize..end as usize].iter().collect(),
    ))
}

/// `startswith` on a string known in part: decided when its literal start
/// is long enough to tell.
fn startswith(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let p = a.str(1)?;
    let t = a.text(0)?;
    let lit = t.literal_prefix();
    if t.is_known() || lit.len() >= p.len() {
        return Ok(Value::Bool(lit.starts_with(&p)));
    }
    if !p.starts_with(lit) {
        return Ok(Value::Bool(false));
    }
    Err(not_known_or(a.raw(0)?, a, ""))
}

fn endswith(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let p = a.str(1)?;
    let t = a.text(0)?;
    let lit = t.literal_suffix();
    if t.is_known() || lit.len() >= p.len() {
        return Ok(Value::Bool(lit.ends_with(&p)));
    }
    if !p.ends_with(lit) {
        return Ok(Value::Bool(false));
    }
    Err(not_known_or(a.raw(0)?, a, ""))
}

fn strcontains(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let p = a.str(1)?;
    let t = a.text(0)?;
    if t.literal_parts().any(|l| l.contains(&p)) {
        return Ok(Value::Bool(true));
    }
    match t.known() {
        Some(_) => Ok(Value::Bool(false)),
        None => Err(not_known_or(a.raw(0)?, a, "")),
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::value::{Reference, Text, Value};

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    fn email() -> Value {
        Value::Ref(Reference::new("google_service_account.a", "email"))
    }

    #[test]
    fn format_builds_partial_strings() {
        assert_eq!(
            call(
                "format",
                vec![
                    s("serviceAccount:%s@%s.iam.gserviceaccount.com"),
                    s("a"),
                    s("p")
                ]
            ),
            s("serviceAccount:a@p.iam.gserviceaccount.com")
        );
        let v = call("format", vec![s("serviceAccount:%s"), email()]);
        let Value::Partial(t) = v else {
            panic!("{v:?}")
        };
        assert_eq!(
            t.to_string(),
            "serviceAccount:${google_service_account.a.email}"
        );
        assert_eq!(
            call(
                "format",
                vec![
                    s("%03d|%.2f|%5s|%q"),
                    Value::Number(7.0),
                    Value::Number(1.23456),
                    s("ab"),
                    s("x")
                ]
            ),
            s("007|1.23|   ab|\"x\"")
        );
        assert!(call("format", vec![s("%d"), s("x")]).is_unknown());
    }

    #[test]
    fn join_and_trimprefix_keep_references() {
        let v = call("join", vec![s(","), Value::List(vec![s("a"), email()])]);
        assert_eq!(
            v.text().unwrap().to_string(),
            "a,${google_service_account.a.email}"
        );
        let mut member = Text::lit("serviceAccount:");
        member.push_ref(Reference::new("google_service_account.a", "email"));
        assert_eq!(
            call(
                "trimprefix",
                vec![Value::Partial(member.clone()), s("serviceAccount:")]
            ),
            email()
        );
        assert_eq!(
            call(
                "trimprefix",
                vec![Value::Partial(member.clone()), s("user:")]
            ),
            Value::Partial(member.clone())
        );
        assert_eq!(
            call(
                "startswith",
                vec![Value::Partial(member.clone()), s("serviceAccount:")]
            ),
            Value::Bool(true)
        );
        assert_eq!(
            call("startswith", vec![Value::Partial(member), s("user:")]),
            Value::Bool(false)
        );
        // String functions on a value known after apply are not decided.
        assert!(
            call(
                "substr",
                vec![email(), Value::Number(2.0), Value::Number(10.0)]
            )
            .is_unknown()
        );
        assert!(call("lower", vec![email()]).is_unknown());
    }

    #[test]
    fn documented_examples() {
        // From Terraform's function documentation.
        assert_eq!(call("title", vec![s("hello world")]), s("Hello World"));
        assert_eq!(call("trimspace", vec![s("  hello\n\n")]), s("hello"));
        assert_eq!(call("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
        assert_eq!(
            call("trimsuffix", vec![s("helloworld"), s("world")]),
            s("hello")
        );
        assert_eq!(
            call(
                "substr",
                vec![s("hello world"), Value::Number(1.0), Value::Number(4.0)]
            ),
            s("ello")
        );
        assert_eq!(
            call(
                "substr",
                vec![s("hello world"), Value::Number(-5.0), Value::Number(-1.0)]
            ),
            s("world")
        );
        assert_eq!(
            call("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
            s("1 - 2 - 3")
        );
        assert_eq!(
            call(
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")]
            ),
            s("hello everybody")
        );
        assert_eq!(
            call("split", vec![s(","), s("foo,bar,baz")]),
            Value::List(vec![s("foo"), s("bar"), s("baz")])
        );
        assert_eq!(call("strrev", vec![s("hello")]), s("olleh"));
        assert_eq!(call("chomp", vec![s("hello\n\n")]), s("hello"));
        assert_eq!(
            call(
                "formatlist",
                vec![
                    s("Hello, %s!"),
                    Value::List(vec![s("Valentina"), s("Ander")])
                ]
            ),
            Value::List(vec![s("Hello, Valentina!"), s("Hello, Ander!")])
        );
    }
}
