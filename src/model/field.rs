//! A string attribute as the model holds it: known, known only in part
//! (written with references to values known after apply), or unknown with
//! the reason.

use crate::eval::{Text, Unknown, Value};
use crate::syntax::Span;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Known(String),
    /// Known only after apply; compares by how it is written.
    Symbolic(Text),
    Unknown(Unknown),
}

impl Field {
    /// The field a value gives: strings (and numbers, bools) are known,
    /// partial strings and references symbolic, anything else unknown.
    pub fn from_value(v: Value, span: Span) -> Field {
        match v {
            Value::String(s) => Field::Known(s),
            Value::Unknown(u) => Field::Unknown(u),
            v @ (Value::Partial(_) | Value::Ref(_)) => Field::Symbolic(v.text().expect("textual")),
            v => match v.to_known_string() {
                Some(s) => Field::Known(s),
                None => Field::Unknown(Unknown::error(
                    format!("expected a string, found a {}", v.type_name()),
                    span,
                )),
            },
        }
    }

    pub fn known(&self) -> Option<&str> {
        match self {
            Field::Known(s) => Some(s),
            _ => None,
        }
    }

    /// The field as text (known or symbolic).
    pub fn text(&self) -> Option<Text> {
        match self {
            Field::Known(s) => Some(Text::lit(s.as_str())),
            Field::Symbolic(t) => Some(t.clone()),
            Field::Unknown(_) => None,
        }
    }

    pub fn unknown(&self) -> Option<&Unknown> {
        match self {
            Field::Unknown(u) => Some(u),
            _ => None,
        }
    }

    /// Whether two fields hold the same string: `None` when it cannot be
    /// told (an unknown side; a known and a symbolic side).
    pub fn same(&self, other: &Field) -> Option<bool> {
        match (self, other) {
            (Field::Known(a), Field::Known(b)) => Some(a == b),
            (Field::Symbolic(a), Field::Symbolic(b)) if a == b => Some(true),
            _ => None,
        }
    }

    /// True unless the two fields are known to differ.
    pub fn agrees(&self, other: &Field) -> bool {
        self.same(other) != Some(false)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Known(s) => f.write_str(s),
            Field::Symbolic(t) => write!(f, "{t}"),
            Field::Unknown(_) => f.write_str("(not known)"),
        }
    }
}
