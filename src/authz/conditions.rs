//! IAM conditions, decided where they can be: a CEL expression (parsed by
//! `cel-parser`) evaluated with three values — true, false, or not known —
//! over what a request to one service carries: `request.time` (the time of
//! the check), `resource.name`, `resource.type` and `resource.service`.
//! Anything else (`resource.matchTag`, `request.auth`, date parts, `api.*`)
//! is not known. `false && x` is false and `true || x` is true whatever `x`
//! is, as CEL defines them.

use cel_parser::ast::{Atom, Expression, Member, RelationOp, UnaryOp};
use chrono::{DateTime, Utc};

/// What a request carries that a condition may test.
pub struct Request {
    /// Seconds since the Unix epoch.
    pub now: i64,
    /// `projects/P/locations/L/services/S` (or `jobs/J`), when known.
    pub resource_name: Option<String>,
    /// `run.googleapis.com/Service`, `run.googleapis.com/Job`.
    pub resource_type: &'static str,
    /// `run.googleapis.com`.
    pub resource_service: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
enum V {
    Bool(bool),
    Str(String),
    /// `resource.name`: compared with text only where the project is
    /// written in the same form (IAM may give the project's id or number;
    /// which one it uses for Cloud Run is not documented).
    Name(String),
    Int(i64),
    Time(i64),
    Unknown,
}

/// Whether `expression` holds for the request: `None` when it cannot be told.
pub fn holds(expression: &str, req: &Request) -> Option<bool> {
    let e = cel_parser::parse(expression).ok()?;
    match eval(&e, req) {
        V::Bool(b) => Some(b),
        _ => None,
    }
}

fn path(e: &Expression) -> Option<String> {
    match e {
        Expression::Ident(s) => Some(s.to_string()),
        Expression::Member(base, m) => match &**m {
            Member::Attribute(a) => Some(format!("{}.{a}", path(base)?)),
            _ => None,
        },
        _ => None,
    }
}

fn eval(e: &Expression, req: &Request) -> V {
    match e {
        Expression::Atom(a) => match a {
            Atom::Bool(b) => V::Bool(*b),
            Atom::String(s) => V::Str(s.to_string()),
            Atom::Int(i) => V::Int(*i),
            Atom::UInt(u) => i64::try_from(*u).map(V::Int).unwrap_or(V::Unknown),
            _ => V::Unknown,
        },
        Expression::Ident(_) | Expression::Member(..) => match path(e).as_deref() {
            Some("request.time") => V::Time(req.now),
            Some("resource.name") => match &req.resource_name {
                Some(n) => V::Name(n.clone()),
                None => V::Unknown,
            },
            Some("resource.type") => V::Str(req.resource_type.into()),
            Some("resource.service") => V::Str(req.resource_service.into()),
            _ => V::Unknown,
        },
        Expression::And(a, b) => match (eval(a, req), eval(b, req)) {
            (V::Bool(false), _) | (_, V::Bool(false)) => V::Bool(false),
            (V::Bool(true), V::Bool(true)) => V::Bool(true),
            _ => V::Unknown,
        },
        Expression::Or(a, b) => match (eval(a, req), eval(b, req)) {
            (V::Bool(true), _) | (_, V::Bool(true)) => V::Bool(true),
            (V::Bool(false), V::Bool(false)) => V::Bool(false),
            _ => V::Unknown,
        },
        Expression::Unary(UnaryOp::Not, x) => match eval(x, req) {
            V::Bool(b) => V::Bool(!b),
            _ => V::Unknown,
        },
        Expression::Unary(UnaryOp::DoubleNot, x) => eval(x, req),
        Expression::Ternary(c, t, f) => match eval(c, req) {
            V::Bool(true) => eval(t, req),
            V::Bool(false) => eval(f, req),
            _ => V::Unknown,
        },
        Expression::Relation(a, op, b) => relation(eval(a, req), op, eval(b, req)),
        Expression::FunctionCall(f, target, args) => {
            let Expression::Ident(name) = &**f else {
                return V::Unknown;
            };
            let args: Vec<V> = args.iter().map(|a| eval(a, req)).collect();
            let target = target.as_ref().map(|t| eval(t, req));
            call(name, target, &args)
        }
        _ => V::Unknown,
    }
}

/// The project segment of `projects/P/...`.
fn project_of(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("projects/")?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// `resource.name` as text to compare with `other`, or `None` when `other`
/// names the project in the other form (a number against an id): the
/// comparison cannot be told.
fn name_against(name: String, other: &str) -> Option<V> {
    let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match (project_of(&name), project_of(other)) {
        (Some(a), Some(b)) if a != b && numeric(a) != numeric(b) && !a.starts_with(b) => None,
        _ => Some(V::Str(name)),
    }
}

/// Both sides as plain values, `resource.name` resolved against the other.
fn plain(a: V, b: V) -> Option<(V, V)> {
    Some(match (a, b) {
        (V::Name(n), V::Str(s)) => (name_against(n, &s)?, V::Str(s)),
        (V::Str(s), V::Name(n)) => (V::Str(s.clone()), name_against(n, &s)?),
        (V::Name(n), other) => (V::Str(n), other),
        (other, V::Name(n)) => (other, V::Str(n)),
        pair => pair,
    })
}

fn relation(a: V, op: &RelationOp, b: V) -> V {
    use std::cmp::Ordering;
    let Some((a, b)) = plain(a, b) else {
        return V::Unknown;
    };
    let ord = match (&a, &b) {
        (V::Time(x), V::Time(y)) | (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Str(x), V::Str(y)) => x.cmp(y),
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        _ => return V::Unknown,
    };
    V::Bool(match op {
        RelationOp::Equals => ord == Ordering::Equal,
        RelationOp::NotEquals => ord != Ordering::Equal,
        RelationOp::LessThan => ord == Ordering::Less,
        RelationOp::LessThanEq => ord != Ordering::Greater,
        RelationOp::GreaterThan => ord == Ordering::Greater,
        RelationOp::GreaterThanEq => ord != Ordering::Less,
        RelationOp::In => return V::Unknown,
    })
}

fn call(name: &str, target: Option<V>, args: &[V]) -> V {
    let target = match (target, args) {
        (Some(V::Name(n)), [V::Str(p)]) => match name_against(n, p) {
            Some(t) => Some(t),
            None => return V::Unknown,
        },
        (Some(V::Name(n)), _) => Some(V::Str(n)),
        (t, _) => t,
    };
    match (name, target, args) {
        ("timestamp", None, [V::Str(s)]) => DateTime::parse_from_rfc3339(s)
            .map(|t| V::Time(t.with_timezone(&Utc).timestamp()))
            .unwrap_or(V::Unknown),
        ("startsWith", Some(V::Str(s)), [V::Str(p)]) => V::Bool(s.starts_with(p.as_str())),
        ("endsWith", Some(V::Str(s)), [V::Str(p)]) => V::Bool(s.ends_with(p.as_str())),
        ("contains", Some(V::Str(s)), [V::Str(p)]) => V::Bool(s.contains(p.as_str())),
        _ => V::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request {
            // 2026-12-01T00:00:00Z
            now: 1_796_083_200,
            resource_name: Some("projects/acme/locations/us-central1/services/api".into()),
            resource_type: "run.googleapis.com/Service",
            resource_service: "run.googleapis.com",
        }
    }

    #[test]
    fn decides_what_it_can() {
        let r = req();
        for (e, want) in [
            (
                r#"request.time < timestamp("2025-01-01T00:00:00Z")"#,
                Some(false),
            ),
            (
                r#"request.time < timestamp("2030-01-01T00:00:00Z")"#,
                Some(true),
            ),
            (
                r#"resource.name.startsWith("projects/acme/locations/us-central1/services/api")"#,
                Some(true),
            ),
            (
                r#"resource.name == "projects/acme/locations/us-central1/services/web""#,
                Some(false),
            ),
            (
                r#"resource.type == "run.googleapis.com/Service" && resource.service == "run.googleapis.com""#,
                Some(true),
            ),
            (r#"!(resource.name.endsWith("/api"))"#, Some(false)),
            // The project by number against a service known by project id:
            // which form IAM uses is not documented, so not known.
            (
                r#"resource.name.startsWith("projects/123456789/locations/")"#,
                None,
            ),
            (
                r#"resource.name == "projects/123456789/locations/us-central1/services/api""#,
                None,
            ),
            // Another project by id: decided.
            (
                r#"resource.name.startsWith("projects/other/")"#,
                Some(false),
            ),
            (
                r#"resource.name.endsWith("/web") || request.time < timestamp("2020-01-01T00:00:00Z")"#,
                Some(false),
            ),
            // Not known: tags, auth claims; but false && anything is false.
            (r#"resource.matchTag("123/env", "prod")"#, None),
            (
                r#"resource.matchTag("123/env", "prod") && resource.name.endsWith("/web")"#,
                Some(false),
            ),
            (
                r#"resource.matchTag("123/env", "prod") || resource.name.endsWith("/api")"#,
                Some(true),
            ),
            (r#"request.time.getHours("Europe/Berlin") < 17"#, None),
            ("not ( valid", None),
        ] {
            assert_eq!(holds(e, &r), want, "{e}");
        }
        let unknown_name = Request {
            resource_name: None,
            ..req()
        };
        assert_eq!(
            holds(
                r#"resource.name.startsWith("projects/acme")"#,
                &unknown_name
            ),
            None
        );
    }
}
