//! Values produced by evaluation. Unknown values say why and where; references
//! to resources stay symbolic so they compare equal wherever they are written.

use crate::syntax::Span;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    /// A string; parts known only after apply are embedded as `${address}`.
    String(String),
    /// A list, tuple or set (sets are kept sorted and deduplicated).
    List(Vec<Value>),
    /// A map or object.
    Map(BTreeMap<String, Value>),
    /// A whole resource instance, kept symbolic so attribute access can be
    /// resolved against its configuration later.
    Resource(ResourceHandle),
    /// An attribute only known after apply, e.g. `google_cloud_run_v2_service.api.uri`.
    Ref(Arc<str>),
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

#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    pub reason: Arc<str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    Int(i64),
    Str(String),
}

impl InstanceKey {
    pub fn address_suffix(&self) -> String {
        match self {
            InstanceKey::Int(i) => format!("[{i}]"),
            InstanceKey::Str(s) => format!("[{}]", quote(s)),
        }
    }
}

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
    pub fn unknown(reason: impl Into<Arc<str>>, span: Span) -> Value {
        Value::Unknown(Unknown {
            reason: reason.into(),
            span,
        })
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
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

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) | Value::Ref(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "object",
            Value::Resource(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// Terraform's automatic conversion to string; `None` when not a primitive.
    pub fn as_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            Value::Ref(r) => Some(format!("${{{r}}}")),
            Value::Resource(h) => Some(format!("${{{}}}", h.address)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
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
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Elements of a list, or the values of a map (Terraform's iteration order).
    pub fn elements(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(v) => Some(v.clone()),
            Value::Map(m) => Some(m.values().cloned().collect()),
            _ => None,
        }
    }

    /// (key, value) pairs of a collection as `for` sees them: list index or
    /// map key. `Err` gives the value back when it is not a collection.
    pub fn into_pairs(self) -> Result<Vec<(Value, Value)>, Value> {
        match self {
            Value::List(items) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect()),
            Value::Map(m) => Ok(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()),
            other => Err(other),
        }
    }

    /// Builds a set: sorted (strings lexically), duplicates removed.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by_key(|a| a.sort_key());
        items.dedup();
        Value::List(items)
    }

    fn sort_key(&self) -> String {
        self.as_string()
            .unwrap_or_else(|| self.to_json().to_string())
    }

    /// JSON form as `jsonencode` produces it; unknown parts become `null`
    /// (callers check `first_unknown` first when that matters).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Unknown(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(|x| {
                    if n.fract() == 0.0 && n.abs() < 1e15 {
                        J::Number((*n as i64).into())
                    } else {
                        J::Number(x)
                    }
                })
                .unwrap_or(J::Null),
            Value::String(_) | Value::Ref(_) | Value::Resource(_) => {
                J::String(self.as_string().unwrap_or_default())
            }
            Value::List(v) => J::Array(v.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// True when a string holds no `${...}` symbolic part.
pub fn is_concrete(s: &str) -> bool {
    !s.contains("${")
}
