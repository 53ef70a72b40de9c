//! Expressions: literals, templates, collections, conditionals, operators,
//! `for` expressions and function calls.
//!
//! Anything decided on a value known only after apply (a comparison, an
//! arithmetic operation, a condition, a `for` key) is itself known only
//! after apply: never a decided value, never an error.

use super::value::Text;
use super::{Ctx, Evaluator, MAX_EVAL_DEPTH, Unknown, UnknownKind, Value, files, funcs};
use crate::syntax::{
    BinaryOp, Expr, ExprKind, ForExpr, ObjectKey, Span, TemplateFor, TemplateIf, TemplatePart,
    UnaryOp,
};
use std::collections::BTreeMap;
use std::sync::Arc;

impl Evaluator<'_> {
    pub fn eval(&self, e: &Expr, ctx: &Ctx) -> Value {
        let d = self.depth.get();
        if d > MAX_EVAL_DEPTH {
            return Value::unknown(
                UnknownKind::Limit("evaluation too deep (recursive values?)".into()),
                e.span,
            );
        }
        self.depth.set(d + 1);
        let v = self.eval_inner(e, ctx);
        self.depth.set(d);
        v
    }

    fn eval_inner(&self, e: &Expr, ctx: &Ctx) -> Value {
        match &e.kind {
            ExprKind::Null => Value::Null,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Number(n) => Value::Number(*n),
            ExprKind::Str(s) => Value::String(s.to_string()),
            ExprKind::Template(parts) => {
                // `"${x}"` is `x` itself, whatever its type.
                if let [TemplatePart::Interp(inner)] = parts.as_slice() {
                    return self.eval(inner, ctx);
                }
                let mut out = Text::default();
                match self.template(parts, ctx, &mut out) {
                    Err(u) => Value::Unknown(u),
                    Ok(()) => out.into_value(),
                }
            }
            ExprKind::Array(items) => {
                Value::list(items.iter().map(|i| self.eval(i, ctx)).collect())
            }
            ExprKind::Object(items) => self.object(items, ctx),
            ExprKind::Variable(name) => self.traverse(name, e.span, &[], ctx),
            ExprKind::Traversal(root, ops) => match &root.kind {
                ExprKind::Variable(name) => self.traverse(name, e.span, ops, ctx),
                _ => {
                    let base = self.eval(root, ctx);
                    self.apply_ops(base, ops, ctx, e.span)
                }
            },
            ExprKind::Call(c) => self.call(&c.name, &c.args, c.expand_final, ctx, e.span),
            ExprKind::Conditional(c, t, f) => {
                let cond = self.eval(c, ctx);
                match decide_bool(&cond, c.span) {
                    Ok(true) => self.eval(t, ctx),
                    Ok(false) => self.eval(f, ctx),
                    Err(u) => {
                        // Both branches agree: the condition does not matter.
                        let (a, b) = (self.eval(t, ctx), self.eval(f, ctx));
                        if a == b && !a.is_unknown() {
                            a
                        } else {
                            Value::Unknown(u)
                        }
                    }
                }
            }
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner, ctx);
                if let Some(u) = v.not_known(e.span) {
                    return Value::Unknown(u);
                }
                match op {
                    UnaryOp::Not => v
                        .as_bool()
                        .map(|b| Value::Bool(!b))
                        .unwrap_or_else(|| Value::error("! needs a bool", e.span)),
                    UnaryOp::Neg => v
                        .as_number()
                        .map(|n| Value::Number(-n))
                        .unwrap_or_else(|| Value::error("- needs a number", e.span)),
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, ctx, e.span),
            ExprKind::For(f) => self.for_expr(f, ctx, e.span),
            // A plan's `after_unknown`.
            ExprKind::Unknown(_) => Value::unknown(UnknownKind::AfterApply(None), e.span),
        }
    }

    fn object(&self, items: &[(ObjectKey, Expr)], ctx: &Ctx) -> Value {
        let mut m = BTreeMap::new();
        for (k, v) in items {
            let key = match k {
                ObjectKey::Ident(s) => s.to_string(),
                ObjectKey::Expr(ke) => match &ke.kind {
                    // A bare identifier parsed as an expression is a name;
                    // `(a) = 1` style keys are references.
                    ExprKind::Variable(name)
                        if ctx.lookup(name).is_none() && !is_reference_root(name) =>
                    {
                        name.to_string()
                    }
                    _ => {
                        let kv = self.eval(ke, ctx);
                        if let Some(u) = kv.not_known(ke.span) {
                            return Value::Unknown(u);
                        }
                        match kv.to_known_string() {
                            Some(s) => s,
                            None => return Value::error("an object key must be a string", ke.span),
                        }
                    }
                },
            };
            m.insert(key, self.eval(v, ctx));
        }
        Value::map(m)
    }

    fn template(&self, parts: &[TemplatePart], ctx: &Ctx, out: &mut Text) -> Result<(), Unknown> {
        for p in parts {
            match p {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interp(x) => match self.eval(x, ctx) {
                    Value::Unknown(u) => return Err(u),
                    Value::Null => {
                        return Err(Unknown::error("a null value in a string template", x.span));
                    }
                    Value::Partial(t) => out.append(t),
                    Value::Ref(r) => out.push_ref(r),
                    v => match v.to_known_string() {
                        Some(s) => out.push_str(&s),
                        None => {
                            return Err(Unknown::error(
                                format!("cannot put a {} in a string template", v.type_name()),
                                x.span,
                            ));
                        }
                    },
                },
                TemplatePart::If(d) => {
                    let TemplateIf {
                        cond,
                        then,
                        otherwise,
                    } = &**d;
                    if decide_bool(&self.eval(cond, ctx), cond.span)? {
                        self.template(then, ctx, out)?;
                    } else {
                        self.template(otherwise, ctx, out)?;
                    }
                }
                TemplatePart::For(d) => {
                    let TemplateFor {
                        key_var,
                        value_var,
                        collection,
                        body,
                    } = &**d;
                    let coll = self.eval(collection, ctx);
                    if let Some(u) = coll.not_known(collection.span).filter(|_| {
                        matches!(coll, Value::Unknown(_) | Value::Ref(_) | Value::Partial(_))
                    }) {
                        return Err(u);
                    }
                    let pairs = coll.into_pairs().map_err(|_| {
                        Unknown::error("a template for needs a collection", collection.span)
                    })?;
                    for (k, v) in pairs {
                        let mut c = ctx.with_var(value_var, v);
                        if let Some(kv) = key_var {
                            c = c.with_var(kv, k);
                        }
                        self.template(body, &c, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn binary(&self, op: BinaryOp, l: &Expr, r: &Expr, ctx: &Ctx, span: Span) -> Value {
        let a = self.eval(l, ctx);
        // `&&` and `||` decide on a known operand whatever the other one is.
        if op == BinaryOp::And && a.as_bool() == Some(false) {
            return Value::Bool(false);
        }
        if op == BinaryOp::Or && a.as_bool() == Some(true) {
            return Value::Bool(true);
        }
        let b = self.eval(r, ctx);
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let and = op == BinaryOp::And;
                if b.as_bool() == Some(!and) {
                    return Value::Bool(!and);
                }
                match (decide_bool(&a, l.span), decide_bool(&b, r.span)) {
                    (Ok(x), Ok(y)) => Value::Bool(if and { x && y } else { x || y }),
                    (Err(u), _) | (_, Err(u)) => Value::Unknown(u),
                }
            }
            _ => {
                if let Some(u) = a.not_known(l.span).or_else(|| b.not_known(r.span)) {
                    return Value::Unknown(u);
                }
                match op {
                    BinaryOp::Eq => Value::Bool(loosely_equal(&a, &b)),
                    BinaryOp::NotEq => Value::Bool(!loosely_equal(&a, &b)),
                    _ => arithmetic(op, &a, &b, span),
                }
            }
        }
    }

    fn for_expr(&self, f: &ForExpr, ctx: &Ctx, span: Span) -> Value {
        let coll = self.eval(&f.collection, ctx);
        let pairs = match coll {
            Value::Unknown(u) => return Value::Unknown(u),
            Value::Ref(r) => return Value::unknown(UnknownKind::AfterApply(Some(r)), span),
            Value::Null => return Value::error("for over null", f.collection.span),
            other => match other.into_pairs() {
                Ok(pairs) => pairs,
                Err(other) => {
                    return Value::error(
                        format!("cannot iterate over a {}", other.type_name()),
                        f.collection.span,
                    );
                }
            },
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in pairs {
            let mut c = ctx.clone();
            if let Some(kv) = &f.key_var {
                c = c.with_var(kv, k);
            }
            c = c.with_var(&f.value_var, v);
            if let Some(cond) = &f.cond {
                match decide_bool(&self.eval(cond, &c), cond.span) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(u) => return Value::Unknown(u),
                }
            }
            let val = self.eval(&f.value_expr, &c);
            let Some(ke) = &f.key_expr else {
                list.push(val);
                continue;
            };
            let kv = self.eval(ke, &c);
            if let Some(u) = kv.not_known(ke.span) {
                return Value::Unknown(u);
            }
            let Some(key) = kv.to_known_string() else {
                return Value::error("a for key must be a string", ke.span);
            };
            if f.grouping {
                groups.entry(key).or_default().push(val);
                continue;
            }
            match map.entry(key) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    return Value::error(
                        format!(
                            "duplicate key {:?} in a for expression (use ... to group)",
                            e.key()
                        ),
                        ke.span,
                    );
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(val);
                }
            }
        }
        match (&f.key_expr, f.grouping) {
            (None, _) => Value::list(list),
            (Some(_), false) => Value::map(map),
            (Some(_), true) => Value::map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::list(v)))
                    .collect(),
            ),
        }
    }

    fn call(&self, name: &str, args: &[Expr], expand_final: bool, ctx: &Ctx, span: Span) -> Value {
        let name = name.strip_prefix("provider::terraform::").unwrap_or(name);
        match name {
            "file" | "templatefile" | "filebase64" | "fileexists" | "filemd5" | "filesha1"
            | "filesha256" | "filesha512" | "filebase64sha256" | "filebase64sha512" => {
                return self.read_file(name, args, ctx, span);
            }
            // Only evaluation errors are caught: a value known after apply
            // is a success whose value is not known yet.
            "try" => {
                let mut last = Value::error("try: no argument succeeded", span);
                for a in args {
                    let v = self.eval(a, ctx);
                    match &v {
                        Value::Unknown(u) if u.is_error() => last = v,
                        _ => return v,
                    }
                }
                return last;
            }
            "can" => {
                return match args.first().map(|a| self.eval(a, ctx)) {
                    Some(Value::Unknown(u)) if u.is_error() => Value::Bool(false),
                    Some(Value::Unknown(u)) => Value::Unknown(u),
                    Some(_) => Value::Bool(true),
                    None => Value::error("can needs an argument", span),
                };
            }
            _ => {}
        }
        let mut vals: Vec<Value> = args.iter().map(|a| self.eval(a, ctx)).collect();
        if expand_final {
            match vals.pop() {
                Some(Value::List(items)) => vals.extend(Arc::unwrap_or_clone(items)),
                Some(Value::Unknown(u)) => return Value::Unknown(u),
                Some(v @ Value::Ref(_)) => {
                    return Value::Unknown(v.not_known(span).expect("a reference is not known"));
                }
                Some(_) => return Value::error("... needs a list", span),
                None => {}
            }
        }
        funcs::call(name, vals, span)
    }

    /// `file(path)`, `filebase64(path)`, `fileexists(path)`, the `file*sha*`
    /// / `filemd5` digests and `templatefile(path, vars)`: the file is read (workflow definitions,
    /// OpenAPI documents and policies often live beside the module); paths
    /// are relative to the root module's directory (where Terraform runs,
    /// whatever directory runwarden runs in) and confined to the analysed
    /// tree.
    fn read_file(&self, name: &str, args: &[Expr], ctx: &Ctx, span: Span) -> Value {
        let Some(path_expr) = args.first() else {
            return Value::error(format!("{name}() needs a path"), span);
        };
        let path = match self.eval(path_expr, ctx) {
            Value::String(p) => p,
            v => {
                return Value::Unknown(v.not_known(span).unwrap_or_else(|| {
                    Unknown::error(format!("{name}(): the path is a {}", v.type_name()), span)
                }));
            }
        };
        // Confined to the analysed tree (files.rs).
        let (tree, cwd) = (&self.ws.tree, &self.ws.modules[self.root].dir);
        if name == "fileexists" {
            return match files::exists(tree, cwd, &path) {
                Ok(b) => Value::Bool(b),
                Err(refused) => Value::Unknown(refused.unknown(name, span)),
            };
        }
        let bytes = match files::read(tree, cwd, &path) {
            Ok(b) => b,
            Err(refused) => return Value::Unknown(refused.unknown(name, span)),
        };
        // filemd5(path) is md5(file(path)) on the raw bytes, and so on.
        if let Some(digest) = name
            .strip_prefix("file")
            .and_then(|h| funcs::hash_bytes(h, &bytes))
        {
            return Value::String(digest);
        }
        if name == "filebase64" {
            return Value::String(funcs::base64_encode(&bytes));
        }
        let Ok(text) = String::from_utf8(bytes) else {
            return Value::Unknown(files::Refused::NotText(path).unknown(name, span));
        };
        if name == "file" {
            return Value::String(text);
        }
        let vars = match args.get(1).map(|a| self.eval(a, ctx)) {
            Some(Value::Map(m)) => m,
            None | Some(Value::Null) => Arc::default(),
            Some(v) => {
                return Value::Unknown(v.not_known(span).unwrap_or_else(|| {
                    Unknown::error("templatefile(): vars must be an object", span)
                }));
            }
        };
        let Some(template) = crate::syntax::parse_template(&text, span) else {
            return Value::error(
                format!("templatefile(): {path} is not a valid template"),
                span,
            );
        };
        // Only the given variables are in scope inside the template.
        let mut tctx = Ctx::new(ctx.inst);
        for (k, v) in vars.iter() {
            tctx = tctx.with_var(k, v.clone());
        }
        self.eval(&template, &tctx)
    }
}

/// A condition as a bool: known, or why it is not.
fn decide_bool(v: &Value, span: Span) -> Result<bool, Unknown> {
    if let Some(u) = v.not_known(span) {
        return Err(u);
    }
    v.as_bool().ok_or_else(|| {
        Unknown::error(
            format!("a condition must be a bool, not {}", v.type_name()),
            span,
        )
    })
}

fn arithmetic(op: BinaryOp, a: &Value, b: &Value, span: Span) -> Value {
    let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
        return Value::error(
            format!(
                "arithmetic needs numbers, not {} and {}",
                a.type_name(),
                b.type_name()
            ),
            span,
        );
    };
    match op {
        BinaryOp::Add => Value::Number(x + y),
        BinaryOp::Sub => Value::Number(x - y),
        BinaryOp::Mul => Value::Number(x * y),
        BinaryOp::Div if y != 0.0 => Value::Number(x / y),
        BinaryOp::Mod if y != 0.0 => Value::Number(x % y),
        BinaryOp::Div | BinaryOp::Mod => Value::error("division by zero", span),
        BinaryOp::Lt => Value::Bool(x < y),
        BinaryOp::Le => Value::Bool(x <= y),
        BinaryOp::Gt => Value::Bool(x > y),
        BinaryOp::Ge => Value::Bool(x >= y),
        _ => Value::error("bad operator", span),
    }
}

fn is_reference_root(name: &str) -> bool {
    matches!(
        name,
        "var" | "local" | "each" | "count" | "module" | "data" | "path" | "self" | "terraform"
    )
}

fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        _ => a == b,
    }
}
