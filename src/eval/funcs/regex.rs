//! `regex` and `regexall`, and the pattern compiler `replace` shares.
//!
//! Terraform uses Go's RE2 syntax; the `regex` crate is close to it but
//! differs in a few places, which [`translate`] rewrites: `\d`, `\w`, `\s`
//! and `\b` are ASCII-only in RE2 (Unicode in the crate), `\Q...\E` quotes
//! a literal, a `[` inside a class is a literal, `&&`/`--`/`~~` inside a
//! class are literal characters (set operations in the crate), `\<`/`\>`
//! are literal, and a `{` that does not start a repetition is a literal.

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::Value;
use std::collections::BTreeMap;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "regex" => regex,
        "regexall" => regexall,
        _ => return None,
    })
}

/// Compiles an RE2 pattern as Terraform would.
pub(super) fn compile(pattern: &str) -> Result<::regex::Regex, Stop> {
    let translated = translate(pattern)?;
    ::regex::RegexBuilder::new(&translated)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| Stop::Invalid(format!("invalid regular expression {pattern:?}: {e}")))
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\f\r ";

/// Rewrites the RE2 constructs the `regex` crate reads differently.
fn translate(p: &str) -> Result<String, Stop> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    // Inside a character class: the index where it started.
    let mut class_start: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&e) = chars.get(i + 1) else {
                return Err("invalid regular expression: trailing backslash".into());
            };
            i += 2;
            let (inside, outside) = match e {
                'd' => (DIGIT.to_string(), format!("[{DIGIT}]")),
                'D' => (format!("[^{DIGIT}]"), format!("[^{DIGIT}]")),
                'w' => (WORD.to_string(), format!("[{WORD}]")),
                'W' => (format!("[^{WORD}]"), format!("[^{WORD}]")),
                's' => (SPACE.to_string(), format!("[{SPACE}]")),
                'S' => (format!("[^{SPACE}]"), format!("[^{SPACE}]")),
                'b' if class_start.is_none() => (String::new(), r"(?-u:\b)".to_string()),
                'B' if class_start.is_none() => (String::new(), r"(?-u:\B)".to_string()),
                '<' | '>' => (e.to_string(), e.to_string()),
                'Q' => {
                    // A literal up to `\E` (or the end).
                    let mut lit = String::new();
                    while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                        lit.push(chars[i]);
                        i += 1;
                    }
                    if i < chars.len() {
                        i += 2;
                    }
                    let escaped = ::regex::escape(&lit);
                    (escaped.clone(), escaped)
                }
                'C' => {
                    return Err("invalid regular expression: \\C is not supported".into());
                }
                other => {
                    let s = format!("\\{other}");
                    (s.clone(), s)
                }
            };
            out.push_str(if class_start.is_some() {
                &inside
            } else {
                &outside
            });
            continue;
        }
        match class_start {
            Some(start) => {
                match c {
                    // `[:alpha:]` inside a class is a POSIX class, as in RE2.
                    '[' if chars.get(i + 1) == Some(&':') => {
                        let close = (i + 2..chars.len().saturating_sub(1))
                            .find(|&j| chars[j] == ':' && chars[j + 1] == ']');
                        match close {
                            Some(j) => {
                                out.extend(&chars[i..j + 2]);
                                i = j + 2;
                                continue;
                            }
                            None => out.push_str(r"\["),
                        }
                    }
                    '[' | '&' | '~' => {
                        out.push('\\');
                        out.push(c);
                    }
                    // `[]a]` and `[^]a]`: a `]` first in the class is a literal.
                    ']' if i == start + 1 || (i == start + 2 && chars[start + 1] == '^') => {
                        out.push_str(r"\]");
                    }
                    ']' => {
                        out.push(']');
                        class_start = None;
                    }
                    '-' if chars.get(i + 1) == Some(&'-') => {
                        out.push_str(r"\-");
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
            None => {
                match c {
                    '[' => {
                        class_start = Some(i);
                        out.push('[');
                    }
                    '{' if !is_repetition(&chars[i..]) => out.push_str(r"\{"),
                    '}' => {
                        // A `}` that closes a repetition was copied with it.
                        out.push_str(r"\}");
                    }
                    '{' => {
                        let end = i + chars[i..].iter().position(|&x| x == '}').unwrap_or(0);
                        out.extend(&chars[i..=end]);
                        i = end + 1;
                        continue;
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
        }
    }
    if class_start.is_some() {
        return Err("invalid regular expression: missing closing ]".into());
    }
    Ok(out)
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `s`.
fn is_repetition(s: &[char]) -> bool {
    let Some(end) = s.iter().position(|&c| c == '}') else {
        return false;
    };
    let body: String = s[1..end].iter().collect();
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body.as_str(), None),
    };
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    digits(lo) && hi.is_none_or(|h| h.is_empty() || digits(h))
}

/// What one match gives: the whole match, the unnamed groups as a list, or
/// the named groups as an object (mixing both is invalid).
enum Shape {
    Whole,
    List,
    Named(Vec<String>),
}

fn shape(re: &::regex::Regex) -> Result<Shape, Stop> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named: Vec<String> = names.iter().flatten().map(|s| s.to_string()).collect();
    let unnamed = names.iter().filter(|n| n.is_none()).count();
    match (unnamed, named.len()) {
        (0, 0) => Ok(Shape::Whole),
        (_, 0) => Ok(Shape::List),
        (0, _) => Ok(Shape::Named(named)),
        _ => Err("invalid regexp pattern: cannot mix both named and unnamed capture groups".into()),
    }
}

fn result(shape: &Shape, caps: &::regex::Captures) -> Value {
    let group = |m: Option<::regex::Match>| match m {
        Some(m) => Value::str(m.as_str()),
        // A group that took no part in the match is null.
        None => Value::Null,
    };
    match shape {
        Shape::Whole => group(caps.get(0)),
        Shape::List => Value::list(caps.iter().skip(1).map(group).collect()),
        Shape::Named(names) => Value::map(
            names
                .iter()
                .map(|n| (n.clone(), group(caps.name(n))))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn regex(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let re = compile(&a.str(0)?)?;
    let shape = shape(&re)?;
    let s = a.str(1)?;
    match re.captures(&s) {
        Some(caps) => Ok(result(&shape, &caps)),
        None => Err("pattern did not match any part of the given string".into()),
    }
}

fn regexall(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let re = compile(&a.str(0)?)?;
    let shape = shape(&re)?;
    let s = a.str(1)?;
    Ok(Value::list(
        re.captures_iter(&s).map(|c| result(&shape, &c)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/regex
        assert_eq!(
            call(
                "regex",
                vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]
            ),
            s("aaabbbccc")
        );
        assert_eq!(
            call(
                "regex",
                vec![s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")]
            ),
            strs(&["2019", "02", "01"])
        );
        assert_eq!(
            call(
                "regex",
                vec![
                    s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                    s("https://terraform.io/docs/")
                ]
            ),
            m(&[("authority", s("terraform.io")), ("scheme", s("https"))])
        );
        assert!(is_error(&call(
            "regex",
            vec![s("[a-z]+"), s("53453453.34534523454")]
        )));
        // developer.hashicorp.com/terraform/language/functions/regexall
        assert_eq!(
            call("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]),
            strs(&["abcd", "efgh"])
        );
        assert_eq!(
            call("regexall", vec![s("[a-z]+"), s("123456789")]),
            l(vec![])
        );
    }

    #[test]
    fn re2_differences() {
        // \d, \w, \s and \b are ASCII in RE2.
        assert_eq!(
            call("regexall", vec![s(r"\d+"), s("12٣4")]),
            strs(&["12", "4"])
        );
        assert_eq!(call("regex", vec![s(r"\w+"), s("héllo")]), s("h"));
        assert_eq!(call("regex", vec![s(r"[\w.]+@"), s("a.b@c")]), s("a.b@"));
        assert_eq!(
            call("regex", vec![s(r"\Q1+1\E=(\d)"), s("1+1=2")]),
            strs(&["2"])
        );
        assert_eq!(call("regex", vec![s("[[]x"), s("a[x")]), s("[x"));
        assert_eq!(call("regex", vec![s("[a&&b]+"), s("x&&ab")]), s("&&ab"));
        assert_eq!(call("regex", vec![s("a{,2}"), s("a{,2}")]), s("a{,2}"));
        assert_eq!(call("regex", vec![s("[[:digit:]]+"), s("ab12")]), s("12"));
        assert_eq!(call("regex", vec![s("(?i)ABC"), s("xabc")]), s("abc"));
        // A group that does not take part is null.
        assert_eq!(
            call("regex", vec![s("(a)|(b)"), s("b")]),
            l(vec![Value::Null, s("b")])
        );
        // Mixing named and unnamed groups is invalid.
        assert!(is_error(&call("regex", vec![s("(?P<x>a)(b)"), s("ab")])));
        assert!(is_error(&call("regex", vec![s("(unclosed"), s("x")])));
    }

    #[test]
    fn module_service_account_email() {
        // The shape that made a module's service account unknown.
        let v = call(
            "regex",
            vec![
                s(
                    "^serviceAccount:(?P<email>[^@]+@(?P<project>[^.]+)\\.iam\\.gserviceaccount\\.com)$",
                ),
                s("serviceAccount:run-sa@my-proj.iam.gserviceaccount.com"),
            ],
        );
        assert_eq!(
            v,
            m(&[
                ("email", s("run-sa@my-proj.iam.gserviceaccount.com")),
                ("project", s("my-proj"))
            ])
        );
    }

    #[test]
    fn symbolic_arguments() {
        assert!(is_after_apply(&call("regex", vec![s("[a-z]+"), email()])));
        assert!(is_after_apply(&call("regexall", vec![s("^s"), member()])));
        assert!(is_no_value(&call("regex", vec![unknown(), s("x")])));
        assert!(is_no_value(&call("regexall", vec![s("x"), unknown()])));
    }
}
