//! `yamlencode` and `yamldecode`, as Terraform has them.
//!
//! Terraform encodes with libyaml's emitter (through go-cty-yaml): block
//! style, two-space indentation, sequences in mappings not indented, every
//! string double-quoted unless it holds a line break (then a `|` literal
//! block when the emitter allows one), double-quoted strings folded at
//! spaces past column 80, empty collections as `{}` / `[]`, and `...`
//! after a document that ends open (a plain scalar at the top, a `|+`
//! block). [`Emitter`] reproduces that output.
//!
//! Decoding reads events from yaml-rust2's parser and resolves scalars with
//! Terraform's rules (YAML 1.1 booleans such as `yes`/`off`, `~` and empty
//! as null, `0x`/`0o` integers, timestamps as RFC 3339 strings, `<<`
//! merges, aliases but no cycles, one document, only the standard tags).
//!
//! References known only after apply stay references through both: they
//! travel as private-use placeholders. In `yamldecode`, a reference inside
//! a quoted scalar (or after literal text that makes the scalar a string)
//! is kept; a scalar whose type depends on a reference is known only after
//! apply.

use super::{Args, FnResult, Func, Stop, parse_decimal};
use crate::eval::value::{Piece, Reference, Text, Value, format_number};
use crate::eval::{Unknown, UnknownKind};
use crate::syntax::Span;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "yamlencode" => yamlencode,
        "yamldecode" => yamldecode,
        _ => return None,
    })
}

// Private-use characters mark where a reference sits.
const PH_OPEN: char = '\u{E000}';
const PH_CLOSE: char = '\u{E001}';

fn placeholders(t: &Text, refs: &mut Vec<Reference>) -> String {
    let mut s = String::new();
    for p in t.pieces() {
        match p {
            Piece::Lit(l) => s.push_str(l),
            Piece::Ref(r) => {
                refs.push(r.clone());
                s.push(PH_OPEN);
                s.push_str(&(refs.len() - 1).to_string());
                s.push(PH_CLOSE);
            }
        }
    }
    s
}

fn restore(s: &str, refs: &[Reference]) -> Text {
    let mut t = Text::default();
    let mut rest = s;
    while let Some(i) = rest.find(PH_OPEN) {
        t.push_str(&rest[..i]);
        let after = &rest[i + PH_OPEN.len_utf8()..];
        let Some(j) = after.find(PH_CLOSE) else {
            t.push_str(&rest[i..]);
            return t;
        };
        match after[..j].parse::<usize>().ok().and_then(|n| refs.get(n)) {
            Some(r) => t.push_ref(r.clone()),
            None => t.push_str(&rest[i..i + PH_OPEN.len_utf8() + j + PH_CLOSE.len_utf8()]),
        }
        rest = &after[j + PH_CLOSE.len_utf8()..];
    }
    t.push_str(rest);
    t
}

/// The first reference of a placeholder string.
fn first_ref(s: &str, refs: &[Reference]) -> Option<Reference> {
    restore(s, refs).refs().next().cloned()
}

// ---------------------------------------------------------------- encode

/// A value ready to emit: strings carry placeholders for references.
enum Y {
    /// null, a bool or a number: written as it is.
    Plain(String),
    Str(String),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

fn to_y(v: &Value, refs: &mut Vec<Reference>) -> Result<Y, Stop> {
    Ok(match v {
        Value::Null => Y::Plain("null".into()),
        Value::Bool(b) => Y::Plain(b.to_string()),
        Value::Number(n) => Y::Plain(format_number(*n)),
        Value::String(s) => Y::Str(s.clone()),
        Value::Partial(t) => Y::Str(placeholders(t, refs)),
        Value::Ref(r) => Y::Str(placeholders(&Text::reference(r.clone()), refs)),
        Value::Resource(h) => Y::Str(placeholders(
            &Text::reference(Reference::new(h.address.clone(), "")),
            refs,
        )),
        Value::List(items) => Y::Seq(
            items
                .iter()
                .map(|x| to_y(x, refs))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => Y::Map(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), to_y(x, refs)?)))
                .collect::<Result<_, Stop>>()?,
        ),
        Value::Unknown(u) => return Err(Stop::Unknown(u.clone())),
    })
}

fn yamlencode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let v = a.raw(0)?;
    if let Some(u) = v.first_unknown() {
        return Err(Stop::Unknown(u.clone()));
    }
    let mut refs = Vec::new();
    let y = to_y(v, &mut refs)?;
    let text = Emitter::document(&y);
    Ok(restore(&text, &refs).into_value())
}

const BEST_WIDTH: usize = 80;

/// libyaml's block emitter, for the events go-cty-yaml sends it.
struct Emitter {
    out: String,
    column: usize,
    /// The last thing written was white space (or the start of a line).
    whitespace: bool,
    /// Only indentation has been written on this line.
    indention: bool,
    /// The document ended in a way that needs an explicit `...`.
    open_ended: bool,
}

fn is_printable(c: char) -> bool {
    matches!(c as u32,
        0x0A | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

impl Emitter {
    fn document(y: &Y) -> String {
        let mut e = Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
        };
        match y {
            Y::Map(entries) if !entries.is_empty() => e.mapping(entries, 0),
            Y::Seq(items) if !items.is_empty() => e.sequence(items, 0),
            other => e.scalar_or_empty(other, 2, true),
        }
        e.write_indent(0);
        if e.open_ended {
            e.indicator("...", true, false, false);
            e.write_indent(0);
        }
        e.out
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(
        &mut self,
        ind: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    /// A block mapping whose keys start at column `indent`.
    fn mapping(&mut self, entries: &[(String, Y)], indent: usize) {
        for (k, v) in entries {
            self.write_indent(indent);
            let simple = k.len() <= 128 && !k.chars().any(is_break);
            if simple {
                self.double_quoted(k, indent + 2, false);
                self.indicator(":", false, false, false);
                match v {
                    Y::Map(e) if !e.is_empty() => self.mapping(e, indent + 2),
                    // A sequence in a mapping is not indented.
                    Y::Seq(s) if !s.is_empty() => self.sequence(s, indent),
                    other => self.scalar_or_empty(other, indent + 2, false),
                }
            } else {
                self.indicator("?", true, false, true);
                self.item(&Y::Str(k.clone()), indent);
                self.write_indent(indent);
                self.indicator(":", true, false, true);
                self.item(v, indent);
            }
        }
    }

    /// A block sequence whose dashes are at column `indent`.
    fn sequence(&mut self, items: &[Y], indent: usize) {
        for item in items {
            self.write_indent(indent);
            self.indicator("-", true, false, true);
            self.item(item, indent);
        }
    }

    /// A node after `- `, `? ` or `: `: a collection starts on the same line.
    fn item(&mut self, y: &Y, indent: usize) {
        match y {
            Y::Map(e) if !e.is_empty() => self.mapping(e, indent + 2),
            Y::Seq(s) if !s.is_empty() => self.sequence(s, indent + 2),
            other => self.scalar_or_empty(other, indent + 2, false),
        }
    }

    fn scalar_or_empty(&mut self, y: &Y, indent: usize, root: bool) {
        match y {
            Y::Map(_) => {
                self.indicator("{", true, true, false);
                self.indicator("}", false, false, false);
            }
            Y::Seq(_) => {
                self.indicator("[", true, true, false);
                self.indicator("]", false, false, false);
            }
            Y::Plain(s) => {
                if !self.whitespace {
                    self.put(' ');
                }
                for c in s.chars() {
                    self.put(c);
                }
                self.whitespace = false;
                self.indention = false;
                if root {
                    self.open_ended = true;
                }
            }
            Y::Str(s) => {
                if s.contains('\n') && literal_allowed(s) {
                    self.literal(s, indent);
                } else {
                    self.double_quoted(s, indent, true);
                }
            }
        }
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                let esc = match short {
                    Some(x) => x.to_string(),
                    None if (c as u32) <= 0xFF => format!("x{:02X}", c as u32),
                    None if (c as u32) <= 0xFFFF => format!("u{:04X}", c as u32),
                    None => format!("U{:08X}", c as u32),
                };
                for x in esc.chars() {
                    self.put(x);
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                {
                    // Folded: the line break reads back as this space.
                    self.write_indent(indent);
                    if chars[i + 1] == ' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars[0] == ' ' || is_break(chars[0]) {
            self.indicator("2", false, false, false);
        }
        let n = chars.len();
        let keep = is_break(chars[n - 1]) && (n == 1 || is_break(chars[n - 2]));
        if !is_break(chars[n - 1]) {
            self.indicator("-", false, false, false);
        } else if keep {
            self.indicator("+", false, false, false);
            self.open_ended = true;
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if c == '\n' {
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// libyaml allows a block scalar unless the string has a character it
/// must escape, a space before a line break, or a space at its end.
fn literal_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    if chars
        .iter()
        .any(|&c| !is_printable(c) || (is_break(c) && c != '\n'))
    {
        return false;
    }
    if chars.last() == Some(&' ') {
        return false;
    }
    !chars.windows(2).any(|w| w[0] == ' ' && is_break(w[1]))
}

// ---------------------------------------------------------------- decode

fn yamldecode(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let t = a.text(0)?;
    yaml_decode_text(&t, a.span).map_err(|u| match u.kind {
        UnknownKind::Error(msg) => Stop::Invalid(msg.to_string()),
        _ => Stop::Unknown(u),
    })
}

/// `yamldecode` of a text that may hold references (for readers of YAML
/// documents built by a configuration, such as workflow definitions).
/// An invalid document is an [`UnknownKind::Error`].
pub fn yaml_decode_text(t: &Text, span: Span) -> Result<Value, Unknown> {
    let mut refs = Vec::new();
    let src = placeholders(t, &mut refs);
    let mut d = Decoder {
        events: Vec::new(),
        pos: 0,
        anchors: HashMap::new(),
        refs: &refs,
        span,
    };
    let mut parser = Parser::new_from_str(&src);
    loop {
        match parser.next_token() {
            Ok((ev, mark)) => {
                let end = ev == Event::StreamEnd;
                d.events.push((ev, mark));
                if end {
                    break;
                }
            }
            Err(e) if refs.is_empty() => {
                return Err(Unknown::error(format!("yamldecode: {e}"), span));
            }
            // A reference's value might make it valid: not known yet.
            Err(_) => return Err(Unknown::after_apply(refs.first().cloned(), span)),
        }
    }
    d.document().map_err(|e| match e {
        Fail::Invalid(msg) if refs.is_empty() => Unknown::error(format!("yamldecode: {msg}"), span),
        Fail::Invalid(_) => Unknown::after_apply(refs.first().cloned(), span),
        Fail::Symbolic(r) => Unknown::after_apply(r, span),
    })
}

enum Fail {
    Invalid(String),
    /// The result depends on a reference's value.
    Symbolic(Option<Reference>),
}

impl From<String> for Fail {
    fn from(s: String) -> Fail {
        Fail::Invalid(s)
    }
}

struct Decoder<'a> {
    events: Vec<(Event, Marker)>,
    pos: usize,
    /// Anchor id to its value; `None` while it is being defined.
    anchors: HashMap<usize, Option<Value>>,
    refs: &'a [Reference],
    span: Span,
}

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

fn tag_name(tag: &Option<Tag>) -> String {
    match tag {
        None => String::new(),
        Some(t) if t.handle == TAG_PREFIX => format!("!!{}", t.suffix),
        Some(t) => format!("{}{}", t.handle, t.suffix),
    }
}

fn at(mark: &Marker, msg: impl std::fmt::Display) -> Fail {
    Fail::Invalid(format!(
        "on line {}, column {}: {msg}",
        mark.line(),
        mark.col() + 1
    ))
}

impl Decoder<'_> {
    fn next(&mut self) -> (Event, Marker) {
        let ev = self.events[self.pos.min(self.events.len() - 1)].clone();
        self.pos += 1;
        ev
    }

    fn document(&mut self) -> Result<Value, Fail> {
        let (ev, mark) = self.next();
        if ev != Event::StreamStart {
            return Err(at(&mark, "missing stream start token"));
        }
        let (ev, mark) = self.next();
        if ev != Event::DocumentStart {
            return Err(at(&mark, "missing start of document"));
        }
        let (ev, mark) = self.next();
        let v = self.node(ev, mark)?;
        let (ev, mark) = self.next();
        match ev {
            Event::DocumentEnd => {}
            Event::DocumentStart => return Err(at(&mark, "only a single document is allowed")),
            _ => return Err(at(&mark, "unexpected extra content after value")),
        }
        let (ev, mark) = self.next();
        match ev {
            Event::StreamEnd => Ok(v),
            Event::DocumentStart => Err(at(&mark, "only a single document is allowed")),
            _ => Err(at(&mark, "unexpected extra content after value")),
        }
    }

    fn begin(&mut self, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, None);
        }
    }

    fn complete(&mut self, anchor: usize, v: &Value) {
        if anchor > 0 {
            self.anchors.insert(anchor, Some(v.clone()));
        }
    }

    fn node(&mut self, ev: Event, mark: Marker) -> Result<Value, Fail> {
        match ev {
            Event::Scalar(src, style, anchor, tag) => {
                self.begin(anchor);
                let v = match self.scalar(&src, style, &tag, &mark) {
                    // Only this value depends on the reference.
                    Err(Fail::Symbolic(r)) => Value::Unknown(Unknown::after_apply(r, self.span)),
                    other => other?,
                };
                self.complete(anchor, &v);
                Ok(v)
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(Some(v)) => Ok(v.clone()),
                Some(None) => Err(at(
                    &mark,
                    "cannot refer to an anchor from inside its own definition",
                )),
                None => Err(at(&mark, "reference to undefined anchor")),
            },
            Event::SequenceStart(anchor, tag) => {
                let t = tag_name(&tag);
                if !t.is_empty() && t != "!!seq" {
                    return Err(at(&mark, format!("can't interpret sequence as {t}")));
                }
                self.begin(anchor);
                let mut items = Vec::new();
                loop {
                    let (ev, mark) = self.next();
                    if ev == Event::SequenceEnd {
                        break;
                    }
                    items.push(self.node(ev, mark)?);
                }
                let v = Value::list(items);
                self.complete(anchor, &v);
                Ok(v)
            }
            Event::MappingStart(anchor, tag) => {
                let t = tag_name(&tag);
                if !t.is_empty() && t != "!!map" {
                    return Err(at(&mark, format!("can't interpret mapping as {t}")));
                }
                self.begin(anchor);
                let v = self.mapping()?;
                self.complete(anchor, &v);
                Ok(v)
            }
            Event::StreamEnd => Err(at(&mark, "expecting value but found end of stream")),
            Event::MappingEnd => Err(at(&mark, "expecting value but found end of mapping")),
            Event::SequenceEnd => Err(at(&mark, "expecting value but found end of sequence")),
            _ => Err(at(&mark, "unexpected parser event")),
        }
    }

    fn mapping(&mut self) -> Result<Value, Fail> {
        let mut out = BTreeMap::new();
        loop {
            let (ev, mark) = self.next();
            match ev {
                Event::MappingEnd => return Ok(Value::map(out)),
                Event::Scalar(ref src, _, _, ref tag)
                    if (tag.is_none() && src == "<<") || tag_name(tag) == "!!merge" =>
                {
                    let (ev, vmark) = self.next();
                    match self.node(ev, vmark)? {
                        Value::Map(m) => out.extend(Arc::unwrap_or_clone(m)),
                        Value::List(items) => {
                            for item in Arc::unwrap_or_clone(items) {
                                match item {
                                    Value::Map(m) => out.extend(Arc::unwrap_or_clone(m)),
                                    other => {
                                        return Err(at(
                                            &mark,
                                            format!(
                                                "cannot merge {} (from sequence) into mapping",
                                                other.type_name()
                                            ),
                                        ));
                                    }
                                }
                            }
                        }
                        other => {
                            return Err(at(
                                &mark,
                                format!("cannot merge {} into mapping", other.type_name()),
                            ));
                        }
                    }
                }
                Event::Scalar(src, style, _, tag) => {
                    if src.contains(PH_OPEN) {
                        return Err(Fail::Symbolic(first_ref(&src, self.refs)));
                    }
                    let key = match self.scalar(&src, style, &tag, &mark)? {
                        Value::Null => return Err(at(&mark, "mapping key cannot be null")),
                        v => v
                            .to_known_string()
                            .ok_or_else(|| at(&mark, "only strings are allowed as mapping keys"))?,
                    };
                    let (ev, vmark) = self.next();
                    let v = self.node(ev, vmark)?;
                    out.insert(key, v);
                }
                _ => return Err(at(&mark, "only strings are allowed as mapping keys")),
            }
        }
    }

    fn scalar(
        &self,
        src: &str,
        style: TScalarStyle,
        tag: &Option<Tag>,
        mark: &Marker,
    ) -> Result<Value, Fail> {
        let tag = tag_name(tag);
        let quoted = matches!(
            style,
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
        );
        if src.contains(PH_OPEN) {
            if !resolvable(&tag) {
                return Err(at(mark, format!("unsupported tag {tag:?}")));
            }
            let first = src.chars().next().expect("not empty");
            // A string whatever the reference holds: quoted, tagged !!str,
            // or starting with literal text that no other type starts with.
            if quoted || tag == "!!str" || (first != PH_OPEN && hint(first) == 0 && tag.is_empty())
            {
                return Ok(restore(src, self.refs).into_value());
            }
            return Err(Fail::Symbolic(first_ref(src, self.refs)));
        }
        resolve(&tag, src, quoted).map_err(|e| at(mark, e))
    }
}

fn resolvable(tag: &str) -> bool {
    matches!(
        tag,
        "" | "!!str" | "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp" | "!!binary"
    )
}

/// What the first character of a plain scalar says it might be.
fn hint(c: char) -> u8 {
    match c {
        '+' | '-' => b'S',
        '0'..='9' => b'D',
        'y' | 'Y' | 'n' | 'N' | 't' | 'T' | 'f' | 'F' | 'o' | 'O' | '~' => b'M',
        '.' => b'.',
        _ => 0,
    }
}

/// The words with a fixed meaning.
fn word(s: &str) -> Option<Value> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(f64::NEG_INFINITY),
        _ => return None,
    })
}

fn is_int_literal(s: &str) -> bool {
    let digits = |x: &str, ok: fn(char) -> bool| !x.is_empty() && x.chars().all(ok);
    if let Some(h) = s.strip_prefix("0x") {
        return digits(h, |c| c.is_ascii_hexdigit());
    }
    if let Some(o) = s.strip_prefix("0o") {
        return digits(o, |c| ('0'..='7').contains(&c));
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    digits(unsigned, |c| c.is_ascii_digit())
}

/// A number as a YAML int/float: decimal, or Go's base prefixes.
fn parse_yaml_number(src: &str) -> Option<f64> {
    let plain = src.replace('_', "");
    if let Some(n) = parse_decimal(&plain) {
        return Some(n);
    }
    let (neg, body) = match plain.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        return None;
    };
    let n = u64::from_str_radix(digits, radix).ok()? as f64;
    Some(if neg { -n } else { n })
}

fn resolve(tag: &str, src: &str, quoted: bool) -> Result<Value, String> {
    if !resolvable(tag) {
        return Err(format!("unsupported tag {tag:?}"));
    }
    let h = src.chars().next().map_or(b'N', hint);
    let mut tag = tag.to_string();
    if h != 0 && tag != "!!str" && tag != "!!binary" {
        if quoted {
            return Ok(Value::str(src));
        }
        if let Some(v) = word(src) {
            return Ok(v);
        }
        if tag.is_empty() && matches!(src, ".nan" | ".NaN" | ".NAN") {
            return Err("floating point NaN is not supported".into());
        }
        match h {
            b'.' => {
                if let Some(n) = parse_decimal(src) {
                    return Ok(Value::Number(n));
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == "!!timestamp")
                    && let Some(ts) = timestamp(src)
                {
                    return Ok(Value::String(ts));
                }
                if is_int_literal(src) {
                    tag = "!!int".into();
                } else if parse_decimal(src).is_some() {
                    tag = "!!float".into();
                }
            }
            _ => {}
        }
    }
    match tag.as_str() {
        "!!str" => Ok(Value::str(src)),
        "!!binary" => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(src.replace(['\n', '\r'], ""))
                .map_err(|_| format!("cannot parse {src:?} as !!binary: not valid base64"))?;
            Ok(Value::str(src))
        }
        "!!bool" => match word(src) {
            Some(v @ Value::Bool(_)) => Ok(v),
            _ => Err(format!("cannot parse {src:?} as !!bool")),
        },
        "!!int" | "!!float" => parse_yaml_number(src)
            .map(Value::Number)
            .ok_or_else(|| format!("cannot parse {src:?} as {tag}")),
        "!!timestamp" => timestamp(src)
            .map(Value::String)
            .ok_or_else(|| format!("cannot parse {src:?} as !!timestamp")),
        "!!null" => Ok(Value::Null),
        _ => Ok(Value::str(src)),
    }
}

/// A YAML timestamp (`2001-12-14t21:59:43.10-05:00`, `2001-12-14
/// 21:59:43.10`, `2002-12-14`) as the RFC 3339 string Terraform gives
/// (seconds precision, offset kept).
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = 5;
    let mut num = |max_len: usize| -> Option<u32> {
        let start = p;
        while p < b.len() && p - start < max_len && b[p].is_ascii_digit() {
            p += 1;
        }
        (p > start).then(|| s[start..p].parse().ok())?
    };
    let year: i32 = s[..4].parse().ok()?;
    let month = num(2)?;
    let day = {
        if b.get(p) != Some(&b'-') {
            return None;
        }
        p += 1;
        let start = p;
        while p < b.len() && p - start < 2 && b[p].is_ascii_digit() {
            p += 1;
        }
        if p == start {
            return None;
        }
        s[start..p].parse::<u32>().ok()?
    };
    let date = chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    if p == b.len() {
        return Some(format!("{}T00:00:00Z", date.format_ymd()));
    }
    let sep = b[p];
    if !matches!(sep, b'T' | b't' | b' ') {
        return None;
    }
    p += 1;
    let field = |p: &mut usize, lead: Option<u8>| -> Option<u32> {
        if let Some(c) = lead {
            if b.get(*p) != Some(&c) {
                return None;
            }
            *p += 1;
        }
        let start = *p;
        while *p < b.len() && *p - start < 2 && b[*p].is_ascii_digit() {
            *p += 1;
        }
        (*p > start).then(|| s[start..*p].parse().ok())?
    };
    let hour = field(&mut p, None)?;
    let min = field(&mut p, Some(b':'))?;
    let sec = field(&mut p, Some(b':'))?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    if b.get(p) == Some(&b'.') && b.get(p + 1).is_some_and(u8::is_ascii_digit) {
        p += 1;
        while p < b.len() && b[p].is_ascii_digit() {
            p += 1;
        }
    }
    let rest = &s[p..];
    let offset = if sep == b' ' {
        if !rest.is_empty() {
            return None;
        }
        0
    } else if rest == "Z" {
        0
    } else {
        let rb = rest.as_bytes();
        if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
            return None;
        }
        let oh: i32 = rest[1..3].parse().ok()?;
        let om: i32 = rest[4..6].parse().ok()?;
        if oh > 23 || om > 59 {
            return None;
        }
        let secs = oh * 3600 + om * 60;
        if rb[0] == b'-' { -secs } else { secs }
    };
    let time = format!("{hour:02}:{min:02}:{sec:02}");
    Some(format!(
        "{}T{time}{}",
        date.format_ymd(),
        super::datetime::offset_suffix(offset)
    ))
}

trait Ymd {
    fn format_ymd(&self) -> String;
}

impl Ymd for chrono::NaiveDate {
    fn format_ymd(&self) -> String {
        use chrono::Datelike as _;
        format!("{:04}-{:02}-{:02}", self.year(), self.month(), self.day())
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::{Reference, Text, Value};

    #[test]
    fn yamlencode_documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/yamlencode
        assert_eq!(
            call("yamlencode", vec![m(&[("a", s("b")), ("c", s("d"))])]),
            s("\"a\": \"b\"\n\"c\": \"d\"\n")
        );
        assert_eq!(
            call(
                "yamlencode",
                vec![m(&[
                    ("foo", l(vec![n(1.0), n(2.0), n(3.0)])),
                    ("bar", s("baz"))
                ])]
            ),
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n")
        );
        assert_eq!(
            call(
                "yamlencode",
                vec![m(&[
                    (
                        "foo",
                        l(vec![n(1.0), m(&[("a", s("b")), ("c", s("d"))]), n(3.0)])
                    ),
                    ("bar", s("baz"))
                ])]
            ),
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n")
        );
    }

    #[test]
    fn yamlencode_emitter_shapes() {
        let cases: Vec<(Value, &str)> = vec![
            (s("foo"), "\"foo\"\n"),
            (n(1.5), "1.5\n...\n"),
            (b(true), "true\n...\n"),
            (Value::Null, "null\n...\n"),
            (l(vec![]), "[]\n"),
            (m(&[]), "{}\n"),
            (
                m(&[("a", l(vec![])), ("b", m(&[]))]),
                "\"a\": []\n\"b\": {}\n",
            ),
            (
                l(vec![l(vec![n(1.0), n(2.0)]), n(3.0)]),
                "- - 1\n  - 2\n- 3\n",
            ),
            (
                m(&[("a", m(&[("b", m(&[("c", s("d"))]))]))]),
                "\"a\":\n  \"b\":\n    \"c\": \"d\"\n",
            ),
            (m(&[("a", s("x\ny"))]), "\"a\": |-\n  x\n  y\n"),
            (m(&[("a", s("x\ny\n"))]), "\"a\": |\n  x\n  y\n"),
            (m(&[("a", s("x\n\n"))]), "\"a\": |+\n  x\n\n...\n"),
            (l(vec![s(" x\ny")]), "- |2-\n   x\n  y\n"),
            (s("a\nb"), "|-\n  a\n  b\n"),
            // No block scalar with a tab, or a space before a line break.
            (s("a\tb\nc"), "\"a\\tb\\nc\"\n"),
            (s("a \nb"), "\"a \\nb\"\n"),
            (
                s("quote \" and \\ and \u{1}"),
                "\"quote \\\" and \\\\ and \\x01\"\n",
            ),
            (s("héllo ☃"), "\"héllo ☃\"\n"),
            (
                m(&[("multi\nline", n(1.0))]),
                "? |-\n  multi\n  line\n: 1\n",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(call("yamlencode", vec![v.clone()]), s(want), "{v:?}");
        }
        // Long strings fold at a space past column 80.
        let long = "word ".repeat(20) + "end";
        let Value::String(out) = call("yamlencode", vec![m(&[("k", s(&long))])]) else {
            panic!()
        };
        assert!(out.lines().count() > 1, "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 90), "{out}");
        assert_eq!(call("yamldecode", vec![s(&out)]), m(&[("k", s(&long))]));
    }

    #[test]
    fn yamldecode_documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/yamldecode
        assert_eq!(
            call("yamldecode", vec![s("hello: world")]),
            m(&[("hello", s("world"))])
        );
        assert_eq!(call("yamldecode", vec![s("true")]), b(true));
        let one23 = l(vec![n(1.0), n(2.0), n(3.0)]);
        assert_eq!(
            call("yamldecode", vec![s("{a: &foo [1, 2, 3], b: *foo}")]),
            m(&[("a", one23.clone()), ("b", one23)])
        );
        assert!(is_error(&call(
            "yamldecode",
            vec![s("{a: &foo [1, *foo, 3]}")]
        )));
        assert!(is_error(&call(
            "yamldecode",
            vec![s("{a: !not-supported foo}")]
        )));
        assert!(is_error(&call("yamldecode", vec![s("a: 1\n---\nb: 2\n")])));
    }

    #[test]
    fn yamldecode_resolves_as_terraform() {
        let cases: Vec<(&str, Value)> = vec![
            ("yes", b(true)),
            ("Off", b(false)),
            ("~", Value::Null),
            ("---", Value::Null),
            ("'true'", s("true")),
            ("!!str 12", s("12")),
            ("12", n(12.0)),
            ("-1.5e3", n(-1500.0)),
            ("0x1F", n(31.0)),
            ("0o17", n(15.0)),
            ("017", n(17.0)),
            (".5", n(0.5)),
            ("1_000", s("1_000")),
            ("!!int 1_000", n(1000.0)),
            (
                "2001-12-14t21:59:43.10-05:00",
                s("2001-12-14T21:59:43-05:00"),
            ),
            ("2001-12-14 21:59:43.10", s("2001-12-14T21:59:43Z")),
            ("2002-12-14", s("2002-12-14T00:00:00Z")),
            ("\"2002-12-14\"", s("2002-12-14")),
            ("a: 1\nb:\n", m(&[("a", n(1.0)), ("b", Value::Null)])),
            ("1: x\nfalse: z", m(&[("1", s("x")), ("false", s("z"))])),
            (
                "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n",
                m(&[
                    ("base", m(&[("a", n(1.0)), ("b", n(2.0))])),
                    ("x", m(&[("a", n(1.0)), ("b", n(3.0))])),
                ]),
            ),
            ("|\n  line\n", s("line\n")),
            (
                "- a\n- [b, {c: d}]\n",
                l(vec![s("a"), l(vec![s("b"), m(&[("c", s("d"))])])]),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(call("yamldecode", vec![s(src)]), want, "{src:?}");
        }
        for bad in ["", ".nan", "a: [1", "!!bool maybe", "? [a]\n: b"] {
            assert!(is_error(&call("yamldecode", vec![s(bad)])), "{bad:?}");
        }
    }

    #[test]
    fn references_round_trip() {
        // A workflow definition built with yamlencode keeps its target.
        let uri = Reference::new("google_cloud_run_v2_service.api", "uri");
        let mut url = Text::reference(uri.clone());
        url.push_str("/work");
        let workflow = m(&[(
            "main",
            m(&[(
                "steps",
                l(vec![m(&[(
                    "callApi",
                    m(&[
                        ("call", s("http.post")),
                        (
                            "args",
                            m(&[
                                ("url", Value::Partial(url.clone())),
                                ("auth", m(&[("type", s("OIDC"))])),
                            ]),
                        ),
                    ]),
                )])]),
            )]),
        )]);
        let encoded = call("yamlencode", vec![workflow.clone()]);
        let Value::Partial(t) = &encoded else {
            panic!("{encoded:?}")
        };
        assert_eq!(
            t.to_string(),
            "\"main\":\n  \"steps\":\n  - \"callApi\":\n      \"args\":\n        \"auth\":\n          \"type\": \"OIDC\"\n        \"url\": \"${google_cloud_run_v2_service.api.uri}/work\"\n      \"call\": \"http.post\"\n"
        );
        assert_eq!(call("yamldecode", vec![encoded]), workflow);
        // Written by hand: a plain scalar that starts with literal text is
        // a string; one that starts with the reference might be anything.
        let mut doc = Text::lit("member: serviceAccount:");
        doc.push_ref(Reference::new("google_service_account.a", "email"));
        doc.push_str("\nurl: ");
        doc.push_ref(uri.clone());
        let v = call("yamldecode", vec![Value::Partial(doc)]);
        let Value::Map(map) = v else { panic!("{v:?}") };
        assert_eq!(map["member"], member());
        assert!(is_after_apply(&map["url"]));
        // A key known only after apply: the whole document is.
        let mut keyed = Text::reference(uri);
        keyed.push_str(": x");
        assert!(is_after_apply(&call(
            "yamldecode",
            vec![Value::Partial(keyed)]
        )));
        assert!(is_no_value(&call("yamlencode", vec![l(vec![unknown()])])));
        assert!(is_after_apply(&call("yamldecode", vec![email()])));
    }
}
