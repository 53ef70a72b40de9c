//! Nested blocks of a body, `dynamic` blocks expanded, and block bodies as
//! object values.

use super::{Ctx, Evaluator, Unknown, Value};
use crate::syntax::{Body, ExprKind};
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Blocks<'b> {
    pub items: Vec<(&'b Body, Ctx)>,
    /// Set when a `dynamic` block's `for_each` was not known.
    pub unknown: Option<Unknown>,
}

impl Evaluator<'_> {
    /// A block body as an object value (attributes and nested blocks).
    pub fn body_value(&self, body: &Body, ctx: &Ctx) -> Value {
        let mut m = BTreeMap::new();
        for a in &body.attributes {
            m.insert(a.name.to_string(), self.eval(&a.expr, ctx));
        }
        let mut kinds: Vec<&str> = body
            .blocks
            .iter()
            .map(|b| {
                if b.kind == "dynamic" {
                    b.labels.first().map(|l| l.as_str()).unwrap_or("")
                } else {
                    b.kind.as_str()
                }
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        for k in kinds {
            if m.contains_key(k) {
                continue;
            }
            let blocks = self.blocks(body, k, ctx);
            let v = match blocks.unknown {
                Some(u) if blocks.items.is_empty() => Value::Unknown(u),
                _ => Value::list(
                    blocks
                        .items
                        .iter()
                        .map(|(b, c)| self.body_value(b, c))
                        .collect(),
                ),
            };
            m.insert(k.to_string(), v);
        }
        Value::map(m)
    }

    /// Blocks of `kind` in `body`, `dynamic` blocks expanded with their
    /// iterator bound.
    pub fn blocks<'b>(&self, body: &'b Body, kind: &str, ctx: &Ctx) -> Blocks<'b> {
        let mut out = Blocks::default();
        for b in &body.blocks {
            if b.kind == kind {
                out.items.push((&b.body, ctx.clone()));
            } else if b.kind == "dynamic" && b.labels.first().map(|l| l.as_str()) == Some(kind) {
                let Some(content) = b.body.block("content") else {
                    continue;
                };
                let iterator = b
                    .body
                    .attr("iterator")
                    .and_then(|a| match &a.expr.kind {
                        ExprKind::Variable(v) => Some(v.to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| kind.to_string());
                let Some(a) = b.body.attr("for_each") else {
                    continue;
                };
                let coll = self.eval(&a.expr, ctx);
                if let Some(u) = match &coll {
                    Value::Unknown(u) => Some(u.clone()),
                    Value::Ref(_) => coll.not_known(a.span),
                    _ => None,
                } {
                    out.unknown = Some(u);
                    continue;
                }
                let Ok(pairs) = coll.into_pairs() else {
                    continue;
                };
                for (k, v) in pairs {
                    let mut obj = BTreeMap::new();
                    obj.insert("key".to_string(), k);
                    obj.insert("value".to_string(), v);
                    out.items
                        .push((&content.body, ctx.with_var(&iterator, Value::map(obj))));
                }
            }
        }
        out
    }
}
