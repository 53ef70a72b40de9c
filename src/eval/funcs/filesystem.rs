//! The pure path functions `basename` and `dirname`, with Go's Unix rules
//! (Terraform on Linux and macOS). The functions that read files are
//! special forms of the evaluator; `abspath` and `pathexpand` depend on the
//! machine and are not evaluated.

use super::{Args, FnResult, Func};
use crate::eval::value::Value;

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "basename" => |a| one(a, basename),
        "dirname" => |a| one(a, dirname),
        _ => return None,
    })
}

fn one(a: &Args, f: fn(&str) -> String) -> FnResult {
    a.arity(1, 1)?;
    Ok(Value::String(f(&a.str(0)?)))
}

/// Go's `filepath.Base`.
fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `filepath.Dir`: everything before the last element, cleaned.
fn dirname(path: &str) -> String {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    clean(&path[..cut])
}

/// Go's `filepath.Clean`: no repeated or trailing `/`, no `.` element, `..`
/// resolved where it can be.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for el in path.split('/') {
        match el {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/basename, dirname
        // (and Go's filepath rules, which they follow)
        let cases: Vec<(&str, &str, &str)> = vec![
            ("basename", "foo/bar/baz.txt", "baz.txt"),
            ("basename", "", "."),
            ("basename", "foo/bar/", "bar"),
            ("basename", "///", "/"),
            ("basename", "baz.txt", "baz.txt"),
            ("dirname", "foo/bar/baz.txt", "foo/bar"),
            ("dirname", "", "."),
            ("dirname", "baz.txt", "."),
            ("dirname", "/baz.txt", "/"),
            ("dirname", "foo/bar/", "foo/bar"),
            ("dirname", "a//b/./c/../d", "a/b"),
            ("dirname", "../../x", "../.."),
            ("dirname", "/../x", "/"),
        ];
        for (f, arg, want) in cases {
            assert_eq!(call(f, vec![s(arg)]), s(want), "{f}({arg:?})");
        }
    }

    #[test]
    fn symbolic_arguments() {
        assert!(is_after_apply(&call("basename", vec![member()])));
        assert!(is_no_value(&call("dirname", vec![unknown()])));
        for f in ["abspath", "pathexpand"] {
            assert!(matches!(
                call(f, vec![s("x")]),
                Value::Unknown(crate::eval::Unknown {
                    kind: crate::eval::UnknownKind::NotModelled(_),
                    ..
                })
            ));
        }
    }
}
