//! Variable type constraints, as far as they change values: `optional(T, d)`
//! object attributes receive their defaults, sets are deduplicated, and
//! numbers/bools given as strings are converted.

use super::value::Value;
use crate::syntax::{Expr, ExprKind};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Attr>),
    Tuple(Vec<Type>),
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub ty: Type,
    pub optional: bool,
    /// Default for an optional attribute; evaluated as a constant.
    pub default: Option<Value>,
}

impl Type {
    /// Reads a type expression; unknown shapes are `Any` (no conversion).
    pub fn parse(e: &Expr, constant: &dyn Fn(&Expr) -> Value) -> Type {
        match &e.kind {
            ExprKind::Variable(name) => match name.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                _ => Type::Any,
            },
            ExprKind::Call(call) => {
                let crate::syntax::Call { name, args, .. } = &**call;
                let inner = || {
                    args.first()
                        .map(|a| Type::parse(a, constant))
                        .unwrap_or(Type::Any)
                };
                match name.as_str() {
                    "list" => Type::List(Box::new(inner())),
                    "set" => Type::Set(Box::new(inner())),
                    "map" => Type::Map(Box::new(inner())),
                    "tuple" => match args.first().map(|a| &a.kind) {
                        Some(ExprKind::Array(items)) => {
                            Type::Tuple(items.iter().map(|i| Type::parse(i, constant)).collect())
                        }
                        _ => Type::Any,
                    },
                    "object" => match args.first().map(|a| &a.kind) {
                        Some(ExprKind::Object(items)) => {
                            let mut attrs = BTreeMap::new();
                            for (k, v) in items {
                                let key = match k {
                                    crate::syntax::ObjectKey::Ident(s) => s.clone(),
                                    crate::syntax::ObjectKey::Expr(e) => match &e.kind {
                                        ExprKind::Str(s) => s.clone(),
                                        ExprKind::Variable(s) => s.clone(),
                                        _ => continue,
                                    },
                                };
                                attrs.insert(key.to_string(), Attr::parse(v, constant));
                            }
                            Type::Object(attrs)
                        }
                        _ => Type::Any,
                    },
                    _ => Type::Any,
                }
            }
            _ => Type::Any,
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Type::String)
    }

    /// Converts `v` to this type the way Terraform does for variable values.
    pub fn convert(&self, v: Value) -> Value {
        if matches!(
            v,
            Value::Unknown(_)
                | Value::Null
                | Value::Ref(_)
                | Value::Resource(_)
                | Value::Partial(_)
        ) {
            return v;
        }
        match self {
            Type::Any => v,
            Type::String => match &v {
                Value::Number(_) | Value::Bool(_) => {
                    v.to_known_string().map(Value::String).unwrap_or(v)
                }
                _ => v,
            },
            Type::Number => v.as_number().map(Value::Number).unwrap_or(v),
            Type::Bool => v.as_bool().map(Value::Bool).unwrap_or(v),
            Type::List(t) => match v {
                Value::List(items) => Value::list(
                    Arc::unwrap_or_clone(items)
                        .into_iter()
                        .map(|i| t.convert(i))
                        .collect(),
                ),
                other => other,
            },
            Type::Set(t) => match v {
                Value::List(items) => Value::set(
                    Arc::unwrap_or_clone(items)
                        .into_iter()
                        .map(|i| t.convert(i))
                        .collect(),
                ),
                other => other,
            },
            Type::Tuple(ts) => match v {
                Value::List(items) => Value::list(
                    Arc::unwrap_or_clone(items)
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| ts.get(i).map(|t| t.convert(x.clone())).unwrap_or(x))
                        .collect(),
                ),
                other => other,
            },
            Type::Map(t) => match v {
                Value::Map(m) => Value::map(
                    Arc::unwrap_or_clone(m)
                        .into_iter()
                        .map(|(k, x)| (k, t.convert(x)))
                        .collect(),
                ),
                other => other,
            },
            Type::Object(attrs) => match v {
                Value::Map(m) => {
                    let mut m = Arc::unwrap_or_clone(m);
                    for (name, attr) in attrs {
                        match m.remove(name) {
                            Some(Value::Null) | None if attr.optional => {
                                let d = attr.default.clone().unwrap_or(Value::Null);
                                m.insert(name.clone(), attr.ty.convert(d));
                            }
                            Some(x) => {
                                m.insert(name.clone(), attr.ty.convert(x));
                            }
                            None => {
                                m.insert(name.clone(), Value::Null);
                            }
                        }
                    }
                    // Terraform drops attributes the type does not declare.
                    m.retain(|k, _| attrs.contains_key(k));
                    Value::map(m)
                }
                other => other,
            },
        }
    }
}

impl Attr {
    fn parse(e: &Expr, constant: &dyn Fn(&Expr) -> Value) -> Attr {
        if let ExprKind::Call(call) = &e.kind
            && let crate::syntax::Call { name, args, .. } = &**call
            && name == "optional"
        {
            let ty = args
                .first()
                .map(|a| Type::parse(a, constant))
                .unwrap_or(Type::Any);
            let default = args.get(1).map(constant);
            return Attr {
                ty,
                optional: true,
                default,
            };
        }
        Attr {
            ty: Type::parse(e, constant),
            optional: false,
            default: None,
        }
    }
}
