//! Terraform's built-in functions, one file per family. `try` and `can`
//! are special forms and live in the evaluator, as do the functions that
//! read files (`file`, `filebase64`, `fileexists`, `templatefile`).
//! docs/functions.md lists what is evaluated and what is not, and why.
//!
//! Every function reads its arguments through [`Args`], which turns a
//! value that is not known into the right outcome: an unknown argument
//! makes the result unknown (with its reason), a string or list known only
//! after apply makes it "known only after apply", and a value of the wrong
//! type is an evaluation error (which `try()` catches). Functions that can
//! decide without a value (`coalesce`, `concat`, `length` of a list of
//! references, `format` building a partial string) look at the values
//! themselves.

mod collections;
mod conversion;
mod datetime;
mod encoding;
mod filesystem;
mod hash;
mod ipnet;
mod numeric;
mod regex;
mod strings;
mod yaml;

pub use crate::eval::value::parse_decimal;
pub use encoding::base64_encode;
pub use hash::hash_bytes;
pub use yaml::yaml_decode_text;

use super::value::{Text, quote};
use super::{Unknown, Value};
use crate::syntax::Span;

/// Why a function produced no value.
pub enum Stop {
    /// An argument is not known: so is the result.
    Unknown(Unknown),
    /// The call is invalid (wrong type, arity or value).
    Invalid(String),
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Invalid(s)
    }
}

impl From<&str> for Stop {
    fn from(s: &str) -> Stop {
        Stop::Invalid(s.to_string())
    }
}

pub type FnResult = Result<Value, Stop>;

type Func = fn(&Args) -> FnResult;

/// The evaluated arguments of one call, with the call's span.
pub struct Args {
    pub vals: Vec<Value>,
    pub span: Span,
}

impl Args {
    pub fn len(&self) -> usize {
        self.vals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }

    /// Argument `i` as given, unknown or not.
    pub fn raw(&self, i: usize) -> Result<&Value, Stop> {
        self.vals
            .get(i)
            .ok_or_else(|| Stop::Invalid(format!("missing argument {}", i + 1)))
    }

    /// Argument `i`, which must not be unknown itself (its elements may be).
    pub fn get(&self, i: usize) -> Result<&Value, Stop> {
        match self.raw(i)? {
            Value::Unknown(u) => Err(Stop::Unknown(u.clone())),
            v => Ok(v),
        }
    }

    /// Argument `i` known in full (no unknown or reference inside).
    pub fn known(&self, i: usize) -> Result<&Value, Stop> {
        let v = self.raw(i)?;
        match v.not_known(self.span) {
            Some(u) => Err(Stop::Unknown(u)),
            None => Ok(v),
        }
    }

    /// A string known in full (numbers and bools converted, as Terraform does).
    pub fn str(&self, i: usize) -> Result<String, Stop> {
        let v = self.get(i)?;
        if let Some(s) = v.to_known_string() {
            return Ok(s);
        }
        match v {
            Value::Partial(_) | Value::Ref(_) => Err(Stop::Unknown(
                v.not_known(self.span)
                    .expect("symbolic values are not known"),
            )),
            other => Err(Stop::Invalid(format!(
                "argument {} must be a string, not {}",
                i + 1,
                other.type_name()
            ))),
        }
    }

    /// A string that may be known only in part.
    pub fn text(&self, i: usize) -> Result<Text, Stop> {
        let v = self.get(i)?;
        v.text().ok_or_else(|| {
            Stop::Invalid(format!(
                "argument {} must be a string, not {}",
                i + 1,
                v.type_name()
            ))
        })
    }

    /// A number; a string converts when it is a decimal number, as in
    /// Terraform (`"12"`, `"-1.5e3"`, never `" 12"` or `"inf"`).
    pub fn num(&self, i: usize) -> Result<f64, Stop> {
        let v = self.known(i)?;
        to_number(v).ok_or_else(|| {
            Stop::Invalid(match v {
                Value::String(s) => format!(
                    "argument {}: cannot convert {} to a number",
                    i + 1,
                    quote(s)
                ),
                other => format!(
                    "argument {} must be a number, not {}",
                    i + 1,
                    other.type_name()
                ),
            })
        })
    }

    /// A whole number.
    pub fn int(&self, i: usize) -> Result<i64, Stop> {
        let n = self.num(i)?;
        if n.fract() != 0.0 {
            return Err(Stop::Invalid(format!(
                "argument {} must be a whole number",
                i + 1
            )));
        }
        Ok(n as i64)
    }

    pub fn bool(&self, i: usize) -> Result<bool, Stop> {
        let v = self.known(i)?;
        v.as_bool().ok_or_else(|| {
            Stop::Invalid(format!(
                "argument {} must be a bool, not {}",
                i + 1,
                v.type_name()
            ))
        })
    }

    /// A list, set or tuple (its elements may be unknown); `null` is empty.
    pub fn list(&self, i: usize) -> Result<Vec<Value>, Stop> {
        as_list(self.get(i)?, self.span)
    }

    /// A map or object (its values may be unknown).
    pub fn map(&self, i: usize) -> Result<&std::collections::BTreeMap<String, Value>, Stop> {
        match self.get(i)? {
            Value::Map(m) => Ok(m),
            // A whole resource is an object whose attributes are known
            // only after apply.
            v @ (Value::Ref(_) | Value::Resource(_)) => Err(Stop::Unknown(
                v.not_known(self.span).expect("references are not known"),
            )),
            other => Err(Stop::Invalid(format!(
                "argument {} must be a map, not {}",
                i + 1,
                other.type_name()
            ))),
        }
    }

    pub fn arity(&self, min: usize, max: usize) -> Result<(), Stop> {
        if self.len() < min || self.len() > max {
            let want = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(Stop::Invalid(format!(
                "takes {want} argument(s), got {}",
                self.len()
            )));
        }
        Ok(())
    }
}

/// A collection value as a list of elements; a reference is known only
/// after apply.
pub fn as_list(v: &Value, span: Span) -> Result<Vec<Value>, Stop> {
    match v {
        Value::List(l) => Ok(l.to_vec()),
        Value::Null => Ok(Vec::new()),
        Value::Unknown(u) => Err(Stop::Unknown(u.clone())),
        Value::Ref(_) => Err(Stop::Unknown(
            v.not_known(span).expect("references are not known"),
        )),
        other => Err(Stop::Invalid(format!(
            "expected a list, not {}",
            other.type_name()
        ))),
    }
}

/// Terraform's conversion of a value to a number: numbers, and strings
/// holding a decimal number.
pub fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => parse_decimal(s),
        _ => None,
    }
}

/// Every function runwarden evaluates, by name.
fn lookup(name: &str) -> Option<Func> {
    strings::lookup(name)
        .or_else(|| regex::lookup(name))
        .or_else(|| collections::lookup(name))
        .or_else(|| encoding::lookup(name))
        .or_else(|| yaml::lookup(name))
        .or_else(|| numeric::lookup(name))
        .or_else(|| conversion::lookup(name))
        .or_else(|| filesystem::lookup(name))
        .or_else(|| datetime::lookup(name))
        .or_else(|| hash::lookup(name))
        .or_else(|| ipnet::lookup(name))
}

/// Functions whose value depends on the machine, the clock or randomness:
/// never evaluated (their value at apply time is not this run's).
const IMPURE: &[&str] = &[
    "timestamp",
    "plantimestamp",
    "uuid",
    "bcrypt",
    "abspath",
    "pathexpand",
];

/// Functions that read files or evaluate templates: the evaluator handles
/// the ones it models (`file`, `filebase64`, `fileexists`, `templatefile`);
/// the others are not evaluated.
const SPECIAL: &[&str] = &[
    "file",
    "filebase64",
    "fileexists",
    "templatefile",
    "fileset",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "filebase64sha256",
    "filebase64sha512",
    "templatestring",
];

/// Calls `name` on evaluated arguments.
pub fn call(name: &str, vals: Vec<Value>, span: Span) -> Value {
    let name = name.strip_prefix("provider::terraform::").unwrap_or(name);
    if IMPURE.contains(&name) {
        return Value::not_modelled(
            format!("{name}() depends on when and where Terraform runs"),
            span,
        );
    }
    let Some(f) = lookup(name) else {
        let why = if SPECIAL.contains(&name) {
            format!("{name}() reads files or templates and is not evaluated here")
        } else {
            format!("function {name}() is not evaluated")
        };
        return Value::not_modelled(why, span);
    };
    match f(&Args { vals, span }) {
        Ok(v) => v,
        Err(Stop::Unknown(u)) => Value::Unknown(u),
        Err(Stop::Invalid(msg)) => Value::error(format!("{name}(): {msg}"), span),
    }
}

#[cfg(test)]
pub(crate) fn call_test(name: &str, vals: Vec<Value>) -> Value {
    call(name, vals, Span::default())
}

/// Helpers shared by the families' tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::eval::value::{Reference, Text, Value};
    use crate::eval::{Unknown, UnknownKind};

    pub fn s(x: &str) -> Value {
        Value::str(x)
    }
    pub fn n(x: f64) -> Value {
        Value::Number(x)
    }
    pub fn b(x: bool) -> Value {
        Value::Bool(x)
    }
    pub fn l(v: Vec<Value>) -> Value {
        Value::list(v)
    }
    pub fn m(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    pub fn strs(v: &[&str]) -> Value {
        Value::list(v.iter().map(|x| s(x)).collect())
    }
    /// `google_service_account.a.email`, a value known only after apply.
    pub fn email() -> Value {
        Value::Ref(Reference::new("google_service_account.a", "email"))
    }
    /// `"serviceAccount:${google_service_account.a.email}"`.
    pub fn member() -> Value {
        let mut t = Text::lit("serviceAccount:");
        t.push_ref(Reference::new("google_service_account.a", "email"));
        Value::Partial(t)
    }
    pub fn unknown() -> Value {
        Value::Unknown(Unknown::new(
            UnknownKind::NoValue("x".into()),
            Default::default(),
        ))
    }
    /// The result is "known only after apply" (not an error, not decided).
    pub fn is_after_apply(v: &Value) -> bool {
        matches!(
            v,
            Value::Unknown(Unknown {
                kind: UnknownKind::AfterApply(_),
                ..
            })
        )
    }
    /// The result is an evaluation error (which `try()` catches).
    pub fn is_error(v: &Value) -> bool {
        matches!(v, Value::Unknown(u) if u.is_error())
    }
    /// The result is the unknown of [`unknown`] (its reason kept).
    pub fn is_no_value(v: &Value) -> bool {
        matches!(
            v,
            Value::Unknown(Unknown {
                kind: UnknownKind::NoValue(_),
                ..
            })
        )
    }
}
