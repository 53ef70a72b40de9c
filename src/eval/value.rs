//! Values produced by evaluation.
//!
//! A value is known, known in part, or unknown, and says which:
//! - a string known only in part (`"api-${random_id.x.hex}"`) is a [`Text`]:
//!   literal pieces and typed [`Reference`]s to attributes known after
//!   apply. It compares, prints and links reliably (a literal `$${` in the
//!   source is just a literal);
//! - a whole attribute known after apply (`google_cloud_run_v2_service.x.uri`)
//!   is a [`Value::Ref`], so that the same reference matches itself wherever
//!   it is written;
//! - anything else runwarden cannot know is a [`Value::Unknown`] whose
//!   [`UnknownKind`] says why (known after apply, no value for a variable,
//!   not modelled, a limit, a cycle, an evaluation error) and whose span
//!   says where.
//!
//! `${...}` is only ever produced by `Display`, at the report boundary.

use crate::syntax::Span;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    /// A string known in full.
    String(String),
    /// A string known only in part: at least one piece is a reference.
    Partial(Text),
    /// A list, tuple or set (sets are kept sorted and deduplicated). Shared:
    /// a cached value handed out again is not copied.
    List(Arc<Vec<Value>>),
    /// A map or object, shared like lists.
    Map(Arc<BTreeMap<String, Value>>),
    /// A whole resource instance, kept symbolic so attribute access can be
    /// resolved against its configuration later.
    Resource(ResourceHandle),
    /// A value of any type known only after apply, e.g.
    /// `google_cloud_run_v2_service.api.uri`.
    Ref(Reference),
    Unknown(Unknown),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceHandle {
    /// Module instance index in the evaluator.
    pub instance: u32,
    /// Declaration index in the module.
    pub decl: u32,
    pub key: Option<InstanceKey>,
    pub address: Arc<str>,
}

/// An attribute of a resource known only after apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// The resource or data source address, with module path and instance
    /// key when known (`module.a.google_x.y["k"]`). When the resource's
    /// instances are not known the key is absent and `path` may start with
    /// an index (`["k"].name`).
    pub resource: Arc<str>,
    /// What follows the address: `uri`, `status[0].url`; empty for the
    /// resource itself.
    pub path: Arc<str>,
}

impl Reference {
    pub fn new(resource: impl Into<Arc<str>>, path: impl Into<Arc<str>>) -> Reference {
        Reference {
            resource: resource.into(),
            path: path.into(),
        }
    }

    /// The reference one attribute further: `x.status` -> `x.status.url`.
    pub fn attr(&self, name: &str) -> Reference {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Reference::new(self.resource.clone(), path)
    }

    /// The reference one index further: `x.status` -> `x.status[0]`.
    pub fn index(&self, key: &Value) -> Reference {
        let suffix = match key {
            Value::Number(n) => format!("[{}]", format_number(*n)),
            other => format!("[{}]", quote(&other.to_known_string().unwrap_or_default())),
        };
        Reference::new(self.resource.clone(), format!("{}{suffix}", self.path))
    }

    /// The first attribute of the path (`uri` of `uri`, `status` of `status[0].url`).
    pub fn first_attr(&self) -> &str {
        let mut p: &str = &self.path;
        // Skip the instance key of a reference whose instances are not known.
        while p.starts_with('[') {
            match p.find(']') {
                Some(i) => p = &p[i + 1..],
                None => return "",
            }
        }
        p.trim_start_matches('.')
            .split(['.', '['])
            .next()
            .unwrap_or("")
    }

    /// True when this reference points into the resource instance at
    /// `address`. An address ending in `[*]` (instances not known) is
    /// pointed into by any reference to the resource.
    pub fn points_into(&self, address: &str) -> bool {
        if *self.resource == *address {
            return true;
        }
        match address.strip_suffix("[*]") {
            Some(base) => {
                *self.resource == *base
                    || self
                        .resource
                        .strip_prefix(base)
                        .is_some_and(|rest| rest.starts_with('['))
            }
            None => false,
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource)?;
        if !self.path.is_empty() {
            if !self.path.starts_with('[') {
                f.write_char('.')?;
            }
            f.write_str(&self.path)?;
        }
        Ok(())
    }
}

/// A string made of literal pieces and references known after apply.
/// Always canonical: adjacent literals merged, no empty literal, so that
/// two texts are equal exactly when they are written the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Text {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Piece {
    Lit(String),
    Ref(Reference),
}

impl Text {
    pub fn lit(s: impl Into<String>) -> Text {
        let mut t = Text::default();
        t.push_str(&s.into());
        t
    }

    pub fn reference(r: Reference) -> Text {
        Text {
            pieces: vec![Piece::Ref(r)],
        }
    }

    pub fn push_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Piece::Lit(last)) = self.pieces.last_mut() {
            last.push_str(s);
        } else {
            self.pieces.push(Piece::Lit(s.to_string()));
        }
    }

    pub fn push_ref(&mut self, r: Reference) {
        self.pieces.push(Piece::Ref(r));
    }

    pub fn append(&mut self, other: Text) {
        for p in other.pieces {
            match p {
                Piece::Lit(s) => self.push_str(&s),
                Piece::Ref(r) => self.push_ref(r),
            }
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// The whole string, when no piece is a reference.
    pub fn known(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Lit(s)] => Some(s),
            _ => None,
        }
    }

    pub fn is_known(&self) -> bool {
        self.known().is_some()
    }

    pub fn refs(&self) -> impl Iterator<Item = &Reference> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Ref(r) => Some(r),
            Piece::Lit(_) => None,
        })
    }

    /// The text is exactly one reference.
    pub fn as_reference(&self) -> Option<&Reference> {
        match self.pieces.as_slice() {
            [Piece::Ref(r)] => Some(r),
            _ => None,
        }
    }

    /// The literal text before the first reference.
    pub fn literal_prefix(&self) -> &str {
        match self.pieces.first() {
            Some(Piece::Lit(s)) => s,
            _ => "",
        }
    }

    /// The literal text after the last reference.
    pub fn literal_suffix(&self) -> &str {
        match self.pieces.last() {
            Some(Piece::Lit(s)) => s,
            _ => "",
        }
    }

    /// The text without a literal prefix, when it starts with it.
    pub fn strip_prefix(&self, prefix: &str) -> Option<Text> {
        let first = self.literal_prefix();
        let rest = first.strip_prefix(prefix)?;
        let mut t = Text::lit(rest);
        for p in self.pieces.iter().skip(usize::from(!first.is_empty())) {
            match p {
                Piece::Lit(s) => t.push_str(s),
                Piece::Ref(r) => t.push_ref(r.clone()),
            }
        }
        Some(t)
    }

    /// The literal pieces joined, references left out (for judging what
    /// is written: wildcards, member types).
    pub fn literal_parts(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Lit(s) => Some(s.as_str()),
            Piece::Ref(_) => None,
        })
    }

    /// The value this text stands for: a string when fully known, the
    /// reference itself when it is one, else a partial string.
    pub fn into_value(self) -> Value {
        if let Some(s) = self.known() {
            return Value::String(s.to_string());
        }
        if let Some(r) = self.as_reference() {
            return Value::Ref(r.clone());
        }
        Value::Partial(self)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => f.write_str(s)?,
                Piece::Ref(r) => write!(f, "${{{r}}}")?,
            }
        }
        Ok(())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::lit(s)
    }
}

/// Why a value is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownKind {
    /// Depends on a value known only after apply (the reference, when one).
    AfterApply(Option<Reference>),
    /// A root module variable without a value (no default, tfvars, `--var`).
    NoValue(Arc<str>),
    /// Something runwarden does not read: a module that is not installed,
    /// `self`, an attribute of a resource type it does not model, a file
    /// outside the analysed tree.
    NotModelled(Arc<str>),
    /// An expansion or depth limit was reached.
    Limit(Arc<str>),
    /// Part of a reference cycle.
    Cycle,
    /// The expression is invalid (a type error, a missing attribute, a
    /// failed function call): Terraform would reject it too. `try()` and
    /// `can()` catch only these.
    Error(Arc<str>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    pub kind: UnknownKind,
    pub span: Span,
}

impl Unknown {
    pub fn new(kind: UnknownKind, span: Span) -> Unknown {
        Unknown { kind, span }
    }

    pub fn error(msg: impl Into<Arc<str>>, span: Span) -> Unknown {
        Unknown::new(UnknownKind::Error(msg.into()), span)
    }

    pub fn not_modelled(msg: impl Into<Arc<str>>, span: Span) -> Unknown {
        Unknown::new(UnknownKind::NotModelled(msg.into()), span)
    }

    pub fn limit(msg: impl Into<Arc<str>>, span: Span) -> Unknown {
        Unknown::new(UnknownKind::Limit(msg.into()), span)
    }

    pub fn after_apply(r: Option<Reference>, span: Span) -> Unknown {
        Unknown::new(UnknownKind::AfterApply(r), span)
    }

    pub fn is_error(&self) -> bool {
        matches!(self.kind, UnknownKind::Error(_))
    }

    /// One sentence for humans.
    pub fn reason(&self) -> String {
        match &self.kind {
            UnknownKind::AfterApply(Some(r)) => format!("known only after apply ({r})"),
            UnknownKind::AfterApply(None) => "known only after apply".into(),
            UnknownKind::NoValue(v) => {
                format!("var.{v} has no value (no default, no tfvars, no --var)")
            }
            UnknownKind::NotModelled(why) => why.to_string(),
            UnknownKind::Limit(why) => why.to_string(),
            UnknownKind::Cycle => "reference cycle".into(),
            UnknownKind::Error(why) => format!("invalid expression: {why}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    Int(i64),
    Str(String),
    /// The one instance that stands for all instances of a resource or
    /// module call whose `count` / `for_each` is not known (address `[*]`).
    Unknown,
}

impl InstanceKey {
    pub fn address_suffix(&self) -> String {
        match self {
            InstanceKey::Int(i) => format!("[{i}]"),
            InstanceKey::Str(s) => format!("[{}]", quote(s)),
            InstanceKey::Unknown => UNKNOWN_KEY_SUFFIX.to_string(),
        }
    }

    /// `each.key` / `count.index` of this instance, when known.
    pub fn value(&self) -> Option<Value> {
        match self {
            InstanceKey::Int(i) => Some(Value::Number(*i as f64)),
            InstanceKey::Str(s) => Some(Value::String(s.clone())),
            InstanceKey::Unknown => None,
        }
    }
}

/// The address suffix of a resource or module whose instance keys are not
/// known: one representative instance stands for all of them.
pub const UNKNOWN_KEY_SUFFIX: &str = "[*]";

/// A Go/Terraform-style quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Value {
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Arc::new(entries))
    }

    pub fn unknown(kind: UnknownKind, span: Span) -> Value {
        Value::Unknown(Unknown::new(kind, span))
    }

    pub fn error(msg: impl Into<Arc<str>>, span: Span) -> Value {
        Value::Unknown(Unknown::error(msg, span))
    }

    pub fn not_modelled(msg: impl Into<Arc<str>>, span: Span) -> Value {
        Value::Unknown(Unknown::not_modelled(msg, span))
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The first unknown found anywhere inside this value.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            Value::List(items) => items.iter().find_map(Value::first_unknown),
            Value::Map(m) => m.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    /// The first part known only after apply (a reference, a partial
    /// string, a whole resource) anywhere inside this value.
    pub fn first_symbolic(&self) -> Option<Reference> {
        match self {
            Value::Ref(r) => Some(r.clone()),
            Value::Partial(t) => t.refs().next().cloned(),
            Value::Resource(h) => Some(Reference::new(h.address.clone(), "")),
            Value::List(items) => items.iter().find_map(Value::first_symbolic),
            Value::Map(m) => m.values().find_map(Value::first_symbolic),
            _ => None,
        }
    }

    /// Known in full: no unknown, reference or partial string inside.
    pub fn is_wholly_known(&self) -> bool {
        self.first_unknown().is_none() && self.first_symbolic().is_none()
    }

    /// Why this value cannot be used where a known one is needed: its
    /// first unknown, or "known only after apply" for a symbolic part.
    pub fn not_known(&self, span: Span) -> Option<Unknown> {
        if let Some(u) = self.first_unknown() {
            return Some(u.clone());
        }
        self.first_symbolic()
            .map(|r| Unknown::after_apply(Some(r), span))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) | Value::Partial(_) => "string",
            Value::Ref(_) => "value known after apply",
            Value::List(_) => "list",
            Value::Map(_) => "object",
            Value::Resource(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// A string known in full.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Terraform's automatic conversion of a known primitive to string.
    pub fn to_known_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value as a string that may be known only in part: known
    /// primitives, partial strings and references.
    pub fn text(&self) -> Option<Text> {
        match self {
            Value::Partial(t) => Some(t.clone()),
            Value::Ref(r) => Some(Text::reference(r.clone())),
            other => other.to_known_string().map(Text::lit),
        }
    }

    /// Like [`Value::text`], but a value computed from a reference by a
    /// function (`trimprefix(svc.uri, "https://")`) stands for that
    /// reference: what a caller's target is derived from links it.
    pub fn derived_text(&self) -> Option<Text> {
        match self {
            Value::Unknown(Unknown {
                kind: UnknownKind::AfterApply(Some(r)),
                ..
            }) => Some(Text::reference(r.clone())),
            other => other.text(),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => parse_decimal(s),
            _ => None,
        }
    }

    /// Elements of a list, or the values of a map (Terraform's iteration order).
    pub fn elements(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(v) => Some(v.to_vec()),
            Value::Map(m) => Some(m.values().cloned().collect()),
            _ => None,
        }
    }

    /// (key, value) pairs of a collection as `for` sees them: list index or
    /// map key. `Err` gives the value back when it is not a collection.
    pub fn into_pairs(self) -> Result<Vec<(Value, Value)>, Value> {
        match self {
            Value::List(items) => Ok(Arc::unwrap_or_clone(items)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect()),
            Value::Map(m) => Ok(Arc::unwrap_or_clone(m)
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect()),
            other => Err(other),
        }
    }

    /// Builds a set: sorted (strings lexically), duplicates removed.
    pub fn set(mut items: Vec<Value>) -> Value {
        // A set of numbers is ordered by value, others by their text
        // (Terraform's set order: `toset([10, 9])` is `[9, 10]`).
        if items.iter().all(|v| matches!(v, Value::Number(_))) {
            items.sort_by(|a, b| match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
                _ => std::cmp::Ordering::Equal,
            });
        } else {
            items.sort_by_cached_key(|a| a.sort_key());
        }
        items.dedup();
        Value::list(items)
    }

    fn sort_key(&self) -> String {
        match self {
            Value::Partial(t) => t.to_string(),
            Value::Ref(r) => format!("${{{r}}}"),
            other => other
                .to_known_string()
                .unwrap_or_else(|| other.to_json().to_string()),
        }
    }

    /// JSON form of a known value; unknown and symbolic parts become `null`
    /// (use [`Value::json_text`] where they matter).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Unknown(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => json_number(*n),
            Value::String(s) => J::String(s.clone()),
            Value::Partial(_) | Value::Ref(_) | Value::Resource(_) => J::Null,
            Value::List(v) => J::Array(v.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// `jsonencode`: the JSON text, with references kept as references
    /// (inside the JSON strings that hold them). Unknown parts make it
    /// unknown.
    pub fn json_text(&self, span: Span) -> Result<Text, Unknown> {
        if let Some(u) = self.first_unknown() {
            return Err(u.clone());
        }
        let mut refs = Vec::new();
        let json = self.to_json_with_placeholders(&mut refs);
        let encoded = escape_like_jsonencode(&json.to_string());
        if refs.is_empty() {
            return Ok(Text::lit(encoded));
        }
        let _ = span;
        Ok(fill_placeholders(&encoded, &refs))
    }

    fn to_json_with_placeholders(&self, refs: &mut Vec<Reference>) -> serde_json::Value {
        use serde_json::Value as J;
        let mut placeholder = |r: &Reference| {
            refs.push(r.clone());
            format!("{PH_OPEN}{}{PH_CLOSE}", refs.len() - 1)
        };
        match self {
            Value::Partial(t) => {
                let mut s = String::new();
                for p in t.pieces() {
                    match p {
                        Piece::Lit(l) => s.push_str(l),
                        Piece::Ref(r) => s.push_str(&placeholder(r)),
                    }
                }
                J::String(s)
            }
            Value::Ref(r) => J::String(placeholder(r)),
            Value::Resource(h) => J::String(placeholder(&Reference::new(h.address.clone(), ""))),
            Value::List(v) => J::Array(
                v.iter()
                    .map(|x| x.to_json_with_placeholders(refs))
                    .collect(),
            ),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_json_with_placeholders(refs)))
                    .collect(),
            ),
            other => other.to_json(),
        }
    }

    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// `jsondecode` of a text that may hold references: each reference
    /// must sit inside a JSON string; it comes back as a reference (or a
    /// partial string) at that place.
    pub fn from_json_text(t: &Text, span: Span) -> Result<Value, Unknown> {
        if let Some(s) = t.known() {
            return serde_json::from_str::<serde_json::Value>(s)
                .map(|j| Value::from_json(&j))
                .map_err(|e| Unknown::error(format!("jsondecode: {e}"), span));
        }
        let mut refs = Vec::new();
        let mut s = String::new();
        for p in t.pieces() {
            match p {
                Piece::Lit(l) => s.push_str(l),
                Piece::Ref(r) => {
                    refs.push(r.clone());
                    let _ = write!(s, "{PH_OPEN}{}{PH_CLOSE}", refs.len() - 1);
                }
            }
        }
        let j: serde_json::Value = serde_json::from_str(&s)
            .map_err(|_| Unknown::after_apply(t.refs().next().cloned(), span))?;
        fn restore(j: &serde_json::Value, refs: &[Reference]) -> Value {
            use serde_json::Value as J;
            match j {
                J::String(s) if s.contains(PH_OPEN) => fill_placeholders(s, refs).into_value(),
                J::Array(a) => Value::list(a.iter().map(|x| restore(x, refs)).collect()),
                J::Object(o) => Value::map(
                    o.iter()
                        .map(|(k, v)| (k.clone(), restore(v, refs)))
                        .collect(),
                ),
                other => Value::from_json(other),
            }
        }
        Ok(restore(&j, &refs))
    }
}

// Private-use characters mark where a reference sits while JSON is
// encoded or decoded; serde_json leaves them unescaped.
const PH_OPEN: char = '\u{E000}';
const PH_CLOSE: char = '\u{E001}';

fn fill_placeholders(s: &str, refs: &[Reference]) -> Text {
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

/// `jsonencode` escapes `<`, `>`, `&`, U+2028 and U+2029 in strings (Go's
/// JSON encoder does); outside strings these never occur in JSON.
fn escape_like_jsonencode(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
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

/// A decimal number as Terraform reads one from a string: an optional
/// sign, digits with an optional fraction, an optional exponent.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let whole = digits(&mut i);
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = digits(&mut i);
    }
    if whole + frac == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

fn json_number(n: f64) -> serde_json::Value {
    use serde_json::Value as J;
    // Integers print in full, as Terraform's jsonencode does (1e15 is
    // 1000000000000000, not 1e15).
    if n.fract() == 0.0 && n.abs() < 9.2e18 {
        J::Number((n as i64).into())
    } else {
        serde_json::Number::from_f64(n)
            .map(J::Number)
            .unwrap_or(J::Null)
    }
}

/// A number as Terraform prints it: in full, never with an exponent
/// (`1e20` is `100000000000000000000`), `-0` as `0`.
pub fn format_number(n: f64) -> String {
    if n == 0.0 {
        "0".to_string()
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(res: &str, path: &str) -> Reference {
        Reference::new(res, path)
    }

    #[test]
    fn text_is_canonical_and_prints_references_once() {
        let mut t = Text::lit("api-");
        t.push_ref(r("random_id.suffix", "hex"));
        t.push_str("");
        t.push_str("-x");
        t.push_str("y");
        assert_eq!(t.to_string(), "api-${random_id.suffix.hex}-xy");
        assert_eq!(t.pieces().len(), 3);
        assert_eq!(t.literal_prefix(), "api-");
        assert_eq!(t.literal_suffix(), "-xy");
        // A literal `${` is just text.
        let lit = Text::lit("${not.a.ref}");
        assert_eq!(lit.known(), Some("${not.a.ref}"));
        assert_ne!(lit, Text::reference(r("not.a", "ref")));
    }

    #[test]
    fn into_value_picks_the_narrowest_form() {
        assert_eq!(Text::lit("a").into_value(), Value::str("a"));
        let one = Text::reference(r("x.y", "uri"));
        assert_eq!(one.into_value(), Value::Ref(r("x.y", "uri")));
        let mut p = Text::lit("serviceAccount:");
        p.push_ref(r("google_service_account.a", "email"));
        assert!(matches!(p.clone().into_value(), Value::Partial(_)));
        assert_eq!(
            p.strip_prefix("serviceAccount:").map(Text::into_value),
            Some(Value::Ref(r("google_service_account.a", "email")))
        );
    }

    #[test]
    fn references_point_into_their_resource() {
        let x = r("module.a.google_cloud_run_v2_service.api", "uri");
        assert!(x.points_into("module.a.google_cloud_run_v2_service.api"));
        assert!(!x.points_into("module.a.google_cloud_run_v2_service.ap"));
        let keyed = r("google_cloud_run_v2_service.api[\"eu\"]", "name");
        assert!(keyed.points_into("google_cloud_run_v2_service.api[*]"));
        assert!(!keyed.points_into("google_cloud_run_v2_service.api"));
        let unkeyed = r("google_cloud_run_v2_service.api", "[\"eu\"].name");
        assert!(unkeyed.points_into("google_cloud_run_v2_service.api[*]"));
        assert_eq!(r("a.b", "status[0].url").to_string(), "a.b.status[0].url");
        assert_eq!(r("a.b", "[\"k\"].name").to_string(), "a.b[\"k\"].name");
        assert_eq!(r("a.b", "status[0].url").first_attr(), "status");
        assert_eq!(r("a.b", "[\"k\"].name").first_attr(), "name");
    }

    #[test]
    fn json_keeps_references() {
        let mut member = Text::lit("serviceAccount:");
        member.push_ref(r("google_service_account.a", "email"));
        let doc = Value::map(BTreeMap::from([(
            "members".to_string(),
            Value::list(vec![Value::Partial(member.clone()), Value::str("a\"b")]),
        )]));
        let span = Span::default();
        let text = doc.json_text(span).unwrap();
        assert_eq!(
            text.to_string(),
            r#"{"members":["serviceAccount:${google_service_account.a.email}","a\"b"]}"#
        );
        assert_eq!(Value::from_json_text(&text, span).unwrap(), doc);
        let bare = Text::reference(r("x.y", "policy"));
        assert!(matches!(
            Value::from_json_text(&bare, span),
            Err(Unknown {
                kind: UnknownKind::AfterApply(_),
                ..
            })
        ));
    }
}
