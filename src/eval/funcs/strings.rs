//! String functions. A string known only in part keeps its references
//! where the result can still be written (`format`, `join`, `trimprefix`
//! and `trimsuffix` of a literal end) or decided (`startswith`, `endswith`,
//! `strcontains` on the literal pieces); otherwise the result is known only
//! after apply.
//!
//! Lengths and offsets count characters as Terraform does: grapheme
//! clusters (`substr`, `strrev`, `format` widths). Case mapping is Go's
//! (one character to one character).

use super::{Args, FnResult, Func, Stop, to_number};
use crate::eval::value::{Piece, Text, Value};
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "format" => format,
        "formatlist" => formatlist,
        "join" => join,
        "split" => split,
        "lower" => |a| map_str(a, go_lower),
        "upper" => |a| map_str(a, go_upper),
        "title" => |a| map_str(a, title),
        "trimspace" => |a| map_str(a, |s| s.trim().to_string()),
        "chomp" => |a| map_str(a, |s| s.trim_end_matches(['\n', '\r']).to_string()),
        "strrev" => |a| map_str(a, |s| s.graphemes(true).rev().collect()),
        "indent" => indent,
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

/// The number of characters (grapheme clusters) of a string.
pub(super) fn char_count(s: &str) -> usize {
    s.graphemes(true).count()
}

/// Go's `strings.ToLower`: each character mapped on its own.
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

/// Go's `strings.ToUpper`: each character mapped on its own; one without a
/// single-character uppercase (`ß`) stays as it is.
fn go_upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

fn upper_char(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `strings.Title`: the first character after a separator is
/// uppercased. ASCII letters, digits and `_` are not separators, nor are
/// other letters and digits; other characters are separators when they
/// are ASCII or white space.
fn title(s: &str) -> String {
    fn separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if separator(prev) { upper_char(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn indent(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let n = a.int(0)?;
    if n < 0 {
        return Err("the number of spaces must not be negative".into());
    }
    let s = a.str(1)?;
    let pad = " ".repeat(n as usize);
    Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
}

fn not_known_or(v: &Value, a: &Args, msg: &str) -> Stop {
    match v.not_known(a.span) {
        Some(u) => Stop::Unknown(u),
        None => Stop::Invalid(msg.to_string()),
    }
}

// ---------------------------------------------------------------- format

/// `format(spec, values...)`: Terraform's verbs `%v %#v %t %b %d %o %x %X
/// %e %E %f %g %G %s %q %%`, flags `space # 0 + -`, width, precision and
/// `[n]` argument indexes. A value known only after apply is kept in the
/// result by `%s` and `%v` (without width or precision).
fn format(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let spec = a.str(0)?;
    let vals = &a.vals[1..];
    // As in Terraform, an unknown argument makes the result unknown.
    if let Some(u) = vals.iter().find_map(Value::first_unknown) {
        return Err(Stop::Unknown(u.clone()));
    }
    render(&spec, vals, a).map(Text::into_value)
}

#[derive(Default)]
struct Verb {
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
    mode: char,
}

fn render(spec: &str, vals: &[Value], a: &Args) -> Result<Text, Stop> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = Text::default();
    let mut next_arg = 1usize;
    let mut highest = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            let mut buf = [0u8; 4];
            out.push_str(c.encode_utf8(&mut buf));
            continue;
        }
        if chars.get(i) == Some(&'%') {
            out.push_str("%");
            i += 1;
            continue;
        }
        let start = i - 1;
        let mut verb = Verb::default();
        while let Some(&f) = chars.get(i) {
            match f {
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                _ => break,
            }
            i += 1;
        }
        let number = |i: &mut usize, leading_zero: bool| -> Option<usize> {
            let from = *i;
            if !leading_zero && chars.get(*i) == Some(&'0') {
                return None;
            }
            while chars.get(*i).is_some_and(char::is_ascii_digit) {
                *i += 1;
            }
            (*i > from).then(|| chars[from..*i].iter().collect::<String>().parse().ok())?
        };
        verb.width = number(&mut i, false);
        if chars.get(i) == Some(&'.') {
            i += 1;
            verb.prec = Some(number(&mut i, true).unwrap_or(0));
        }
        let mut arg = next_arg;
        if chars.get(i) == Some(&'[') {
            i += 1;
            arg = number(&mut i, false)
                .filter(|_| chars.get(i) == Some(&']'))
                .ok_or_else(|| format!("invalid format string starting at offset {start}"))?;
            i += 1;
        }
        let Some(&mode) = chars.get(i).filter(|c| c.is_ascii_alphabetic()) else {
            return Err(match chars.get(i) {
                Some(c) => format!("unrecognized format character {c:?} at offset {i}"),
                None => format!("invalid format string starting at offset {start}"),
            }
            .into());
        };
        i += 1;
        verb.mode = mode;
        let raw: String = chars[start..i].iter().collect();
        let v = vals.get(arg - 1).ok_or_else(|| {
            format!(
                "not enough arguments for {raw:?} at {start}: need index {arg} but have {} total",
                vals.len()
            )
        })?;
        highest = highest.max(arg);
        next_arg = arg + 1;
        append(&verb, &raw, v, a, &mut out)?;
    }
    if highest < vals.len() {
        return Err(if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        }
        .into());
    }
    Ok(out)
}

fn append(verb: &Verb, raw: &str, v: &Value, a: &Args, out: &mut Text) -> Result<(), Stop> {
    if verb.mode != 'v' && v.is_null() {
        return Err(
            format!("unsupported value for {raw:?}: null value cannot be formatted").into(),
        );
    }
    let plain = verb.width.is_none() && verb.prec.is_none();
    match verb.mode {
        'v' => {
            if !verb.sharp {
                match v {
                    Value::String(s) => return push(out, pad_width(verb, s.clone())),
                    Value::Number(n) => return push(out, pad_width(verb, go_g(*n, None))),
                    Value::Partial(_) | Value::Ref(_) if plain => {
                        out.append(v.text().expect("a string"));
                        return Ok(());
                    }
                    _ => {}
                }
            }
            if !plain && !v.is_wholly_known() {
                return Err(not_known_or(v, a, ""));
            }
            let json = json_text(v, a)?;
            match json.known() {
                Some(s) => push(out, pad_width(verb, s.to_string())),
                None => {
                    out.append(json);
                    Ok(())
                }
            }
        }
        't' => match v.as_bool() {
            Some(b) => push(out, b.to_string()),
            None => Err(not_known_or(
                v,
                a,
                &format!("unsupported value for {raw:?}: a bool is required"),
            )),
        },
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let Some(n) = to_number(v) else {
                return Err(not_known_or(
                    v,
                    a,
                    &format!("unsupported value for {raw:?}: a number is required"),
                ));
            };
            let s = if "bdoxX".contains(verb.mode) {
                format_integer(verb, raw, n)?
            } else {
                format_float(verb, n)
            };
            push(out, s)
        }
        's' | 'q' => {
            let Some(s) = v.to_known_string() else {
                return match v {
                    Value::Partial(_) | Value::Ref(_) if plain && verb.mode == 's' => {
                        out.append(v.text().expect("a string"));
                        Ok(())
                    }
                    _ => Err(not_known_or(
                        v,
                        a,
                        &format!(
                            "unsupported value for {raw:?}: cannot convert {} to string",
                            v.type_name()
                        ),
                    )),
                };
            };
            let s = match verb.prec {
                Some(p) if p > 0 => s.graphemes(true).take(p).collect(),
                _ => s,
            };
            let s = if verb.mode == 'q' { json_quote(&s) } else { s };
            push(out, pad_width(verb, s))
        }
        other => Err(format!("unsupported format verb {other:?} in {raw:?}").into()),
    }
}

fn push(out: &mut Text, s: String) -> Result<(), Stop> {
    out.push_str(&s);
    Ok(())
}

/// Terraform's padding of `%s`, `%q` and `%v`: width in characters, with
/// spaces (or zeros with `0`), on the left (right with `-`).
fn pad_width(verb: &Verb, s: String) -> String {
    let Some(width) = verb.width else { return s };
    let len = char_count(&s);
    if len >= width {
        return s;
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    if verb.minus { s + &pad } else { pad + &s }
}

/// Go's formatting of an integer (`%d %b %o %x %X` with flags, width and
/// precision as minimum digits).
fn format_integer(verb: &Verb, raw: &str, n: f64) -> Result<String, Stop> {
    if n.fract() != 0.0 || !n.is_finite() || n.abs() >= 1.7e38 {
        return Err(format!("unsupported value for {raw:?}: an integer is required").into());
    }
    let i = n as i128;
    let mag = i.unsigned_abs();
    let mut digits = match verb.mode {
        'b' => format!("{mag:b}"),
        'o' => format!("{mag:o}"),
        'x' => format!("{mag:x}"),
        'X' => format!("{mag:X}"),
        _ => mag.to_string(),
    };
    if let Some(p) = verb.prec {
        if p == 0 && mag == 0 {
            digits.clear();
        } else if digits.len() < p {
            digits = "0".repeat(p - digits.len()) + &digits;
        }
    }
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') if !digits.starts_with('0') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let sign = sign(i < 0, verb);
    let body_len = sign.len() + prefix.len() + digits.len();
    let width = verb.width.unwrap_or(0);
    if body_len >= width {
        return Ok(format!("{sign}{prefix}{digits}"));
    }
    let pad = width - body_len;
    Ok(if verb.minus {
        format!("{sign}{prefix}{digits}{}", " ".repeat(pad))
    } else if verb.zero && verb.prec.is_none() {
        format!("{sign}{prefix}{}{digits}", "0".repeat(pad))
    } else {
        format!("{}{sign}{prefix}{digits}", " ".repeat(pad))
    })
}

fn sign(negative: bool, verb: &Verb) -> &'static str {
    if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    }
}

/// Go's formatting of a float (`%e %E %f %g %G`; `0` pads after the sign
/// and wins over `-`, as for Go's big floats).
fn format_float(verb: &Verb, n: f64) -> String {
    let mag = n.abs();
    let mut body = match verb.mode {
        'f' => format!("{:.*}", verb.prec.unwrap_or(6), mag),
        'e' | 'E' => go_e(mag, verb.prec.unwrap_or(6)),
        _ => go_g(mag, verb.prec),
    };
    if verb.mode.is_ascii_uppercase() {
        body = body.to_uppercase();
    }
    let sign = sign(n.is_sign_negative() && n != 0.0, verb);
    let len = sign.len() + body.len();
    let width = verb.width.unwrap_or(0);
    if len >= width {
        return format!("{sign}{body}");
    }
    let pad = width - len;
    if verb.zero {
        format!("{sign}{}{body}", "0".repeat(pad))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(pad))
    } else {
        format!("{}{sign}{body}", " ".repeat(pad))
    }
}

/// The decimal digits of a non-negative number and the position of the
/// decimal point (`123.4` is `("1234", 3)`): the shortest digits that read
/// back the same, or `sig` significant digits.
fn decimal_digits(mag: f64, sig: Option<usize>) -> (String, i32) {
    if mag == 0.0 {
        return (String::new(), 0);
    }
    let e = match sig {
        None => format!("{mag:e}"),
        Some(p) => format!("{:.*e}", p.max(1) - 1, mag),
    };
    let (mant, exp) = e.split_once('e').expect("exponent form");
    let mut digits: String = mant.chars().filter(|c| *c != '.').collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, exp.parse::<i32>().expect("exponent") + 1)
}

fn exponent(e: i32) -> String {
    format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `%e` with `prec` digits after the point.
fn go_e(mag: f64, prec: usize) -> String {
    let (digits, dp) = decimal_digits(mag, Some(prec + 1));
    fmt_e(&digits, dp, prec)
}

fn fmt_e(digits: &str, dp: i32, prec: usize) -> String {
    let d: Vec<char> = digits.chars().collect();
    let mut s = String::new();
    s.push(d.first().copied().unwrap_or('0'));
    if prec > 0 {
        s.push('.');
        for k in 1..=prec {
            s.push(d.get(k).copied().unwrap_or('0'));
        }
    }
    let exp = if d.is_empty() { 0 } else { dp - 1 };
    s + &exponent(exp)
}

fn fmt_f(digits: &str, dp: i32, prec: usize) -> String {
    let d: Vec<char> = digits.chars().collect();
    let mut s = String::new();
    if dp > 0 {
        for k in 0..dp as usize {
            s.push(d.get(k).copied().unwrap_or('0'));
        }
    } else {
        s.push('0');
    }
    if prec > 0 {
        s.push('.');
        for k in 0..prec as i32 {
            let idx = dp + k;
            s.push(if idx >= 0 {
                d.get(idx as usize).copied().unwrap_or('0')
            } else {
                '0'
            });
        }
    }
    s
}

/// Go's `%g` of a non-negative number (`prec` significant digits, or the
/// shortest form): `%e` for exponents below -4 or from the precision on.
fn go_g(n: f64, prec: Option<usize>) -> String {
    let neg = n.is_sign_negative() && n != 0.0;
    let (digits, dp) = decimal_digits(n.abs(), prec);
    let nd = digits.len() as i32;
    let shortest = prec.is_none();
    let mut p = match prec {
        None => nd,
        Some(p) => p.max(1) as i32,
    };
    let mut eprec = p;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    let body = if digits.is_empty() {
        "0".to_string()
    } else if exp < -4 || exp >= eprec {
        if p > nd {
            p = nd;
        }
        fmt_e(&digits, dp, (p - 1).max(0) as usize)
    } else {
        if p > dp {
            p = nd;
        }
        fmt_f(&digits, dp, (p - dp).max(0) as usize)
    };
    if neg { format!("-{body}") } else { body }
}

/// A JSON string as Terraform writes one (`<`, `>`, `&`, U+2028 and
/// U+2029 escaped).
pub(super) fn json_quote(s: &str) -> String {
    json_escape_html(&serde_json::Value::String(s.to_string()).to_string())
}

/// The escapes Terraform's JSON encoder adds to serde_json's output. The
/// characters never occur in JSON syntax outside strings.
pub(super) fn json_escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `jsonencode` of a value: its JSON text, references kept.
pub(super) fn json_text(v: &Value, a: &Args) -> Result<Text, Stop> {
    let t = v.json_text(a.span).map_err(Stop::Unknown)?;
    let mut out = Text::default();
    for p in t.pieces() {
        match p {
            Piece::Lit(s) => out.push_str(&json_escape_html(s)),
            Piece::Ref(r) => out.push_ref(r.clone()),
        }
    }
    Ok(out)
}

fn formatlist(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let spec = a.str(0)?;
    let rest = &a.vals[1..];
    let mut n: Option<(usize, usize)> = None;
    for (i, v) in rest.iter().enumerate() {
        match v {
            Value::List(l) => match n {
                Some((m, j)) if m != l.len() => {
                    return Err(format!(
                        "argument {} has length {}, which is inconsistent with argument {} of length {m}",
                        i + 2,
                        l.len(),
                        j + 2
                    )
                    .into());
                }
                _ => n = Some((l.len(), i)),
            },
            Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
            Value::Ref(_) => return Err(not_known_or(v, a, "")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for i in 0..n.map_or(1, |(m, _)| m) {
        let row: Vec<Value> = rest
            .iter()
            .map(|v| match v {
                Value::List(l) => l[i].clone(),
                other => other.clone(),
            })
            .collect();
        // An unknown element makes only its own result unknown.
        if let Some(u) = row.iter().find_map(Value::first_unknown) {
            out.push(Value::Unknown(u.clone()));
            continue;
        }
        match render(&spec, &row, a) {
            Ok(t) => out.push(t.into_value()),
            Err(Stop::Unknown(u)) => out.push(Value::Unknown(u)),
            Err(Stop::Invalid(e)) => {
                return Err(format!("error on format iteration {i}: {e}").into());
            }
        }
    }
    Ok(Value::list(out))
}

fn join(a: &Args) -> FnResult {
    a.arity(2, usize::MAX)?;
    let sep = a.str(0)?;
    let mut out = Text::default();
    let mut first = true;
    for i in 1..a.len() {
        for (k, item) in a.list(i)?.iter().enumerate() {
            if !first {
                out.push_str(&sep);
            }
            first = false;
            match item {
                Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
                Value::Null => {
                    return Err(format!(
                        "element {k} of list {i} is null; cannot concatenate null values"
                    )
                    .into());
                }
                v => match v.text() {
                    Some(t) => out.append(t),
                    None => {
                        return Err(
                            format!("elements must be strings, not {}", v.type_name()).into()
                        );
                    }
                },
            }
        }
    }
    Ok(out.into_value())
}

/// Go's `strings.Split`: `split(",", "")` is `[""]`; an empty separator
/// splits into characters.
fn split(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let (sep, s) = (a.str(0)?, a.str(1)?);
    if sep.is_empty() {
        return Ok(Value::list(
            s.chars().map(|c| Value::String(c.to_string())).collect(),
        ));
    }
    Ok(Value::list(s.split(sep.as_str()).map(Value::str).collect()))
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
    let suffix = a.str(1)?;
    let t = a.text(0)?;
    if let Some(s) = t.known() {
        return Ok(Value::String(
            s.strip_suffix(suffix.as_str()).unwrap_or(s).to_string(),
        ));
    }
    let last = t.literal_suffix();
    if let Some(kept) = last.strip_suffix(suffix.as_str()) {
        let pieces = t.pieces();
        let mut out = Text::default();
        for p in &pieces[..pieces.len() - usize::from(!last.is_empty())] {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Ref(r) => out.push_ref(r.clone()),
            }
        }
        out.push_str(kept);
        return Ok(out.into_value());
    }
    if !suffix.ends_with(last) {
        // A literal end that cannot be the suffix: nothing is trimmed.
        return Ok(t.into_value());
    }
    Err(not_known_or(a.raw(0)?, a, ""))
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
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        let re = super::regex::compile(&from[1..from.len() - 1])?;
        // Go and the regex crate both write captures as $1 / ${name}.
        return Ok(Value::String(re.replace_all(&s, to.as_str()).into_owned()));
    }
    Ok(Value::String(s.replace(&from, &to)))
}

/// `substr`, in characters: a negative offset counts from the end (and
/// clamps to the start), an offset past the end gives `""`, a length of
/// -1 takes the rest.
fn substr(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let s = a.str(0)?;
    let (mut off, len) = (a.int(1)?, a.int(2)?);
    let chars: Vec<&str> = s.graphemes(true).collect();
    let n = chars.len() as i64;
    if off < 0 {
        off = (off + n).max(0);
    } else if len == 0 {
        return Ok(Value::str(""));
    }
    if off >= n {
        return Ok(Value::str(""));
    }
    // Terraform takes the rest for any negative length (and, from a
    // negative offset, for a length of 0).
    let end = if len <= 0 { n } else { (off + len).min(n) };
    Ok(Value::String(chars[off as usize..end as usize].concat()))
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
    use crate::eval::funcs::testing::*;
    use crate::eval::value::{Reference, Text, Value};

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
                vec![s("%03d|%.2f|%5s|%q"), n(7.0), n(1.23456), s("ab"), s("x")]
            ),
            s("007|1.23|   ab|\"x\"")
        );
        assert!(is_error(&call("format", vec![s("%d"), s("x")])));
        // Width needs the value: known only after apply.
        assert!(is_after_apply(&call("format", vec![s("%10s"), email()])));
        assert!(is_after_apply(&call("format", vec![s("%d"), email()])));
        assert!(is_no_value(&call("format", vec![s("%s"), unknown()])));
    }

    #[test]
    fn format_documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/format
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("Hello, %s!", vec![s("Ander")], "Hello, Ander!"),
            ("There are %d lights", vec![n(4.0)], "There are 4 lights"),
            (
                "%[1]s%[2]s%[1]s%[3]s",
                vec![s("/"), s("path"), s("file.tf")],
                "/path/file.tf",
            ),
            ("%#v", vec![s("hello")], "\"hello\""),
            ("%#v", vec![b(true)], "true"),
            ("%#v", vec![n(1.0)], "1"),
            ("%#v", vec![m(&[("a", n(1.0))])], "{\"a\":1}"),
            ("%#v", vec![l(vec![b(true)])], "[true]"),
            ("%#v", vec![Value::Null], "null"),
            ("%v", vec![Value::Null], "null"),
            ("%f", vec![n(3.5)], "3.500000"),
            ("%9f", vec![n(3.5)], " 3.500000"),
            ("%.2f", vec![n(3.5)], "3.50"),
            ("%9.2f", vec![n(3.5)], "     3.50"),
            ("%e", vec![n(-1.234456e78)], "-1.234456e+78"),
            ("%E", vec![n(1234.5)], "1.234500E+03"),
            ("%g", vec![n(1234.5)], "1234.5"),
            ("%g", vec![n(1e21)], "1e+21"),
            ("%v", vec![n(1234567.0)], "1.234567e+06"),
            ("%v", vec![n(100.0)], "100"),
            ("%v", vec![n(0.000012)], "1.2e-05"),
            (
                "%b|%o|%x|%X",
                vec![n(5.0), n(8.0), n(255.0), n(255.0)],
                "101|10|ff|FF",
            ),
            (
                "%#x|%+d|% d|%-4d|",
                vec![n(255.0), n(3.0), n(3.0), n(7.0)],
                "0xff|+3| 3|7   |",
            ),
            ("%t", vec![s("true")], "true"),
            ("%q", vec![s("a<b")], "\"a\\u003cb\""),
            ("%.3s|%-5s|", vec![s("abcdef"), s("ab")], "abc|ab   |"),
            ("100%%", vec![], "100%"),
        ];
        for (spec, args, want) in cases {
            let mut all = vec![s(spec)];
            all.extend(args.clone());
            assert_eq!(call("format", all), s(want), "format({spec:?}, {args:?})");
        }
        // Impossible conversions, missing and extra arguments are errors.
        assert!(is_error(&call("format", vec![s("%s")])));
        assert!(is_error(&call("format", vec![s("%s"), s("a"), s("b")])));
        assert!(is_error(&call("format", vec![s("x"), s("a")])));
        assert!(is_error(&call("format", vec![s("%s"), Value::Null])));
        assert!(is_error(&call("format", vec![s("%d"), n(1.5)])));
        assert!(is_error(&call("format", vec![s("%z"), n(1.0)])));
        assert!(is_error(&call("format", vec![s("%"), n(1.0)])));
    }

    #[test]
    fn join_and_trims_keep_references() {
        let v = call("join", vec![s(","), l(vec![s("a"), email()])]);
        assert_eq!(
            v.text().unwrap().to_string(),
            "a,${google_service_account.a.email}"
        );
        assert_eq!(
            call("trimprefix", vec![member(), s("serviceAccount:")]),
            email()
        );
        assert_eq!(call("trimprefix", vec![member(), s("user:")]), member());
        let mut url = Text::reference(Reference::new("google_cloud_run_v2_service.a", "uri"));
        url.push_str("/work");
        assert_eq!(
            call("trimsuffix", vec![Value::Partial(url.clone()), s("/work")]),
            Value::Ref(Reference::new("google_cloud_run_v2_service.a", "uri"))
        );
        assert_eq!(
            call("trimsuffix", vec![Value::Partial(url.clone()), s("/x")]),
            Value::Partial(url.clone())
        );
        assert!(is_after_apply(&call(
            "trimsuffix",
            vec![Value::Partial(url), s("xx/work")]
        )));
        assert_eq!(
            call("startswith", vec![member(), s("serviceAccount:")]),
            b(true)
        );
        assert_eq!(call("startswith", vec![member(), s("user:")]), b(false));
        assert_eq!(call("strcontains", vec![member(), s("Account")]), b(true));
        assert!(is_after_apply(&call("strcontains", vec![member(), s("@")])));
        assert!(is_after_apply(&call("endswith", vec![member(), s(".com")])));
        // String functions on a value known after apply are not decided.
        assert!(is_after_apply(&call(
            "substr",
            vec![email(), n(2.0), n(10.0)]
        )));
        for f in ["lower", "upper", "title", "strrev", "chomp", "trimspace"] {
            assert!(is_after_apply(&call(f, vec![email()])), "{f}");
            assert!(is_no_value(&call(f, vec![unknown()])), "{f}");
        }
        assert!(is_after_apply(&call("split", vec![s("@"), email()])));
        assert!(is_after_apply(&call(
            "replace",
            vec![member(), s("a"), s("b")]
        )));
        assert!(is_after_apply(&call("indent", vec![n(2.0), member()])));
    }

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("chomp", vec![s("hello\n")], s("hello")),
            ("chomp", vec![s("hello\r\n")], s("hello")),
            ("chomp", vec![s("hello\n\n")], s("hello")),
            ("endswith", vec![s("hello world"), s("world")], b(true)),
            ("endswith", vec![s("hello world"), s("hello")], b(false)),
            (
                "formatlist",
                vec![
                    s("Hello, %s!"),
                    strs(&["Valentina", "Ander", "Olivia", "Sam"]),
                ],
                strs(&[
                    "Hello, Valentina!",
                    "Hello, Ander!",
                    "Hello, Olivia!",
                    "Hello, Sam!",
                ]),
            ),
            (
                "formatlist",
                vec![
                    s("%s, %s!"),
                    s("Salutations"),
                    strs(&["Valentina", "Ander", "Olivia", "Sam"]),
                ],
                strs(&[
                    "Salutations, Valentina!",
                    "Salutations, Ander!",
                    "Salutations, Olivia!",
                    "Salutations, Sam!",
                ]),
            ),
            (
                "indent",
                vec![n(2.0), s("[\n  foo,\n  bar,\n]\n")],
                s("[\n    foo,\n    bar,\n  ]\n  "),
            ),
            (
                "join",
                vec![s("-"), strs(&["foo", "bar", "baz"])],
                s("foo-bar-baz"),
            ),
            (
                "join",
                vec![s(", "), strs(&["foo", "bar", "baz"])],
                s("foo, bar, baz"),
            ),
            ("join", vec![s(", "), strs(&["foo"])], s("foo")),
            ("join", vec![s(", "), l(vec![])], s("")),
            ("lower", vec![s("HELLO")], s("hello")),
            ("lower", vec![s("ΓΕΙΑ ΣΟΥ")], s("γεια σου")),
            (
                "replace",
                vec![s("1 + 2 + 3"), s("+"), s("-")],
                s("1 - 2 - 3"),
            ),
            (
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")],
                s("hello everybody"),
            ),
            (
                "replace",
                vec![s("a-b"), s("/(\\w)-(\\w)/"), s("$2-$1")],
                s("b-a"),
            ),
            (
                "split",
                vec![s(","), s("foo,bar,baz")],
                strs(&["foo", "bar", "baz"]),
            ),
            ("split", vec![s(","), s("foo")], strs(&["foo"])),
            ("split", vec![s(","), s("")], strs(&[""])),
            ("startswith", vec![s("hello world"), s("hello")], b(true)),
            ("startswith", vec![s("hello world"), s("world")], b(false)),
            ("strcontains", vec![s("hello world"), s("wor")], b(true)),
            ("strcontains", vec![s("hello world"), s("wod")], b(false)),
            ("strrev", vec![s("hello")], s("olleh")),
            ("strrev", vec![s("a ☃")], s("☃ a")),
            ("substr", vec![s("hello world"), n(1.0), n(4.0)], s("ello")),
            ("substr", vec![s("🤔🤷"), n(0.0), n(1.0)], s("🤔")),
            (
                "substr",
                vec![s("hello world"), n(-5.0), n(-1.0)],
                s("world"),
            ),
            (
                "substr",
                vec![s("hello world"), n(6.0), n(10.0)],
                s("world"),
            ),
            ("substr", vec![s("hello"), n(10.0), n(1.0)], s("")),
            ("title", vec![s("hello world")], s("Hello World")),
            ("title", vec![s("hello_world-x")], s("Hello_world-X")),
            ("trim", vec![s("?!hello?!"), s("!?")], s("hello")),
            ("trim", vec![s("foobar"), s("far")], s("oob")),
            (
                "trim",
                vec![s("   hello! world.!  "), s("! ")],
                s("hello! world."),
            ),
            ("trimprefix", vec![s("helloworld"), s("hello")], s("world")),
            (
                "trimprefix",
                vec![s("helloworld"), s("cat")],
                s("helloworld"),
            ),
            ("trimprefix", vec![s("--hello"), s("-")], s("-hello")),
            ("trimsuffix", vec![s("helloworld"), s("world")], s("hello")),
            (
                "trimsuffix",
                vec![s("helloworld"), s("cat")],
                s("helloworld"),
            ),
            ("trimsuffix", vec![s("hello--"), s("-")], s("hello-")),
            ("trimspace", vec![s("  hello\n\n")], s("hello")),
            ("upper", vec![s("hello")], s("HELLO")),
            ("upper", vec![s("алло!")], s("АЛЛО!")),
            ("upper", vec![s("straße")], s("STRAßE")),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), want, "{f}({args:?})");
        }
    }
}
