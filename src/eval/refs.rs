//! References: `var.x`, `local.x`, `each.*`, `count.index`, `path.*`,
//! `module.m.out`, `data.t.n.attr`, `t.n[k].attr`, and the attribute,
//! index and splat operators applied after them.

use super::{Ctx, Evaluator, Expansion, InstId, InstanceKey, Reference, ResourceHandle, Unknown};
use super::{UnknownKind, Value};
use crate::load::Mode;
use crate::syntax::{Span, TraversalOp};
use std::sync::Arc;

impl Evaluator<'_> {
    /// Resolves a reference rooted at `name` and applies the remaining operators.
    pub(super) fn traverse(&self, name: &str, span: Span, ops: &[TraversalOp], ctx: &Ctx) -> Value {
        if let Some(v) = ctx.lookup(name) {
            return self.apply_ops(v.clone(), ops, ctx, span);
        }
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOp::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        let inst = self.instance(ctx.inst);
        let module = &self.ws.modules[inst.module];
        let (base, used) = match name {
            "var" => match attr(0) {
                Some(n) => (self.variable(ctx.inst, n, span), 1),
                None => (Value::error("var needs an attribute", span), ops.len()),
            },
            "local" => match attr(0) {
                Some(n) => (self.local(ctx.inst, n, span), 1),
                None => (Value::error("local needs an attribute", span), ops.len()),
            },
            "each" => match (&ctx.each, attr(0)) {
                (Some(e), Some("key")) => (e.0.clone(), 1),
                (Some(e), Some("value")) => (e.1.clone(), 1),
                _ => (
                    Value::error("each is only available with for_each", span),
                    ops.len(),
                ),
            },
            "count" => match (&ctx.count, attr(0)) {
                (Some(i), Some("index")) => (i.clone(), 1),
                _ => (
                    Value::error("count.index is only available with count", span),
                    ops.len(),
                ),
            },
            "path" => {
                // As Terraform, which runs in the root module's directory:
                // path.module relative to it, path.root ".", path.cwd absolute.
                let root_dir = &self.ws.modules[self.root].dir;
                let dir = match attr(0) {
                    Some("module") => crate::load::display_path(root_dir, &module.dir),
                    Some("cwd") => root_dir.to_string_lossy().replace('\\', "/"),
                    _ => ".".to_string(),
                };
                (Value::String(dir), 1)
            }
            "terraform" => (Value::str("default"), 1),
            "self" => (
                Value::not_modelled("self is not evaluated", span),
                ops.len(),
            ),
            "module" => return self.module_ref(ctx.inst, ops, span, ctx),
            "data" => match (attr(0), attr(1)) {
                (Some(t), Some(n)) => match module.resource(Mode::Data, t, n) {
                    Some(decl) => return self.resource_ref(ctx.inst, decl, &ops[2..], span, ctx),
                    None => (
                        Value::error(format!("undeclared data.{t}.{n}"), span),
                        ops.len(),
                    ),
                },
                _ => (Value::error("bad data reference", span), ops.len()),
            },
            rtype => match attr(0).and_then(|n| module.resource(Mode::Managed, rtype, n)) {
                Some(decl) => return self.resource_ref(ctx.inst, decl, &ops[1..], span, ctx),
                None => (
                    Value::error(format!("undeclared reference {rtype}"), span),
                    ops.len(),
                ),
            },
        };
        self.apply_ops(base, &ops[used.min(ops.len())..], ctx, span)
    }

    fn resource_ref(
        &self,
        inst: InstId,
        decl: usize,
        ops: &[TraversalOp],
        span: Span,
        ctx: &Ctx,
    ) -> Value {
        let handle = |key: Option<InstanceKey>| {
            Value::Resource(ResourceHandle {
                instance: inst,
                decl: decl as u32,
                address: self.resource_address(inst, decl, key.as_ref()).into(),
                key,
            })
        };
        match &*self.expansion(inst, decl) {
            Expansion::Single => self.apply_ops(handle(None), ops, ctx, span),
            Expansion::Keys(keys) => {
                if let Some(TraversalOp::Index(ix)) = ops.first() {
                    let k = self.eval(ix, ctx);
                    if let Some(u) = k.not_known(ix.span) {
                        return Value::Unknown(u);
                    }
                    let key = match keys.first().map(|x| &x.0) {
                        Some(InstanceKey::Int(_)) => {
                            k.as_number().map(|n| InstanceKey::Int(n as i64))
                        }
                        _ => k.to_known_string().map(InstanceKey::Str),
                    };
                    return match key {
                        Some(key) if keys.iter().any(|(x, _)| *x == key) => {
                            self.apply_ops(handle(Some(key)), &ops[1..], ctx, span)
                        }
                        _ => Value::error("no such resource instance", ix.span),
                    };
                }
                let whole = if matches!(keys.first(), Some((InstanceKey::Int(_), _))) {
                    Value::list(keys.iter().map(|(k, _)| handle(Some(k.clone()))).collect())
                } else {
                    Value::map(
                        keys.iter()
                            .map(|(k, _)| match k {
                                InstanceKey::Str(s) => (s.clone(), handle(Some(k.clone()))),
                                other => (
                                    other
                                        .value()
                                        .and_then(|v| v.to_known_string())
                                        .unwrap_or_default(),
                                    handle(Some(other.clone())),
                                ),
                            })
                            .collect(),
                    )
                };
                self.apply_ops(whole, ops, ctx, span)
            }
            Expansion::Unknown { .. } => {
                // `res[key]` with the instances not known: the representative
                // instance (configured attributes are known whatever the key).
                if let Some(TraversalOp::Index(_)) = ops.first() {
                    return self.apply_ops(
                        handle(Some(InstanceKey::Unknown)),
                        &ops[1..],
                        ctx,
                        span,
                    );
                }
                // The whole collection: known only after apply, a reference
                // to this resource.
                let addr = self.resource_address(inst, decl, None);
                self.apply_ops(Value::Ref(Reference::new(addr, "")), ops, ctx, span)
            }
        }
    }

    fn module_ref(&self, inst: InstId, ops: &[TraversalOp], span: Span, ctx: &Ctx) -> Value {
        let Some(TraversalOp::Attr(name)) = ops.first() else {
            return Value::error("module needs a name", span);
        };
        let module = self.instance(inst).module;
        let Some(call_idx) = self.ws.modules[module]
            .calls
            .iter()
            .position(|c| c.name == name)
        else {
            return Value::error(format!("undeclared module.{name}"), span);
        };
        let kids = match self.children(inst, call_idx).as_ref() {
            Ok(k) => k.clone(),
            Err(u) => return Value::Unknown(u.clone()),
        };
        let outputs_of = |id: InstId| -> Value {
            let m = self.instance(id).module;
            Value::map(
                self.ws.modules[m]
                    .outputs
                    .keys()
                    .map(|n| (n.to_string(), self.output(id, n, span)))
                    .collect(),
            )
        };
        let body = &self.ws.modules[module].calls[call_idx].block.body;
        let counted = body.attr("count").is_some();
        let keyed = counted || body.attr("for_each").is_some();
        let key_of = |id: InstId| self.instance(id).call.as_ref().and_then(|c| c.1.clone());
        let representative = kids
            .first()
            .copied()
            .filter(|id| key_of(*id) == Some(InstanceKey::Unknown));
        let output_ops = |child: InstId, rest: &[TraversalOp]| match rest.first() {
            Some(TraversalOp::Attr(out)) => {
                let v = self.output(child, out, span);
                self.apply_ops(v, &rest[1..], ctx, span)
            }
            _ => self.apply_ops(outputs_of(child), rest, ctx, span),
        };
        if !keyed {
            let Some(&child) = kids.first() else {
                return Value::Null;
            };
            return output_ops(child, &ops[1..]);
        }
        if let Some(TraversalOp::Index(ix)) = ops.get(1) {
            let k = self.eval(ix, ctx);
            if let Some(u) = k.not_known(ix.span) {
                return Value::Unknown(u);
            }
            if let Some(child) = representative {
                // Instances not known: any key stands for the one we analyze.
                return output_ops(child, &ops[2..]);
            }
            let found = kids.iter().copied().find(|id| match key_of(*id) {
                Some(InstanceKey::Int(i)) => k.as_number() == Some(i as f64),
                Some(InstanceKey::Str(s)) => k.to_known_string().as_deref() == Some(s.as_str()),
                _ => false,
            });
            let Some(child) = found else {
                return Value::error("no such module instance", ix.span);
            };
            return output_ops(child, &ops[2..]);
        }
        if let Some(child) = representative {
            let why = self
                .instance(child)
                .unknown_keys
                .clone()
                .unwrap_or_else(|| Unknown::new(UnknownKind::AfterApply(None), span));
            return Value::Unknown(why);
        }
        let whole = if counted {
            Value::list(kids.iter().map(|id| outputs_of(*id)).collect())
        } else {
            Value::map(
                kids.iter()
                    .map(|id| {
                        let key = match key_of(*id) {
                            Some(InstanceKey::Str(s)) => s,
                            Some(InstanceKey::Int(i)) => i.to_string(),
                            _ => String::new(),
                        };
                        (key, outputs_of(*id))
                    })
                    .collect(),
            )
        };
        self.apply_ops(whole, &ops[1..], ctx, span)
    }

    pub(super) fn apply_ops(
        &self,
        mut v: Value,
        ops: &[TraversalOp],
        ctx: &Ctx,
        span: Span,
    ) -> Value {
        // Inside a resource's own blocks, an attribute the configuration
        // does not set is one the provider computes: known after apply
        // (`google_cloudfunctions2_function.f.service_config[0].service`).
        let mut origin = match &v {
            Value::Resource(h) => Some(Reference::new(h.address.clone(), "")),
            _ => None,
        };
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                TraversalOp::Attr(a) => {
                    origin = origin.map(|o| o.attr(a));
                    v = match (v, &origin) {
                        (Value::Map(m), Some(o)) if !m.contains_key(a.as_str()) => {
                            Value::Ref(o.clone())
                        }
                        (v, _) => self.get_attr(v, a, span),
                    };
                }
                TraversalOp::Index(ix) => {
                    let k = self.eval(ix, ctx);
                    origin = origin.filter(|_| k.is_wholly_known()).map(|o| o.index(&k));
                    v = index(v, &k, ix.span);
                }
                TraversalOp::AttrSplat | TraversalOp::FullSplat => {
                    let full = matches!(ops[i], TraversalOp::FullSplat);
                    let rest_end = if full {
                        ops.len()
                    } else {
                        ops[i + 1..]
                            .iter()
                            .position(|o| !matches!(o, TraversalOp::Attr(_)))
                            .map(|p| i + 1 + p)
                            .unwrap_or(ops.len())
                    };
                    let rest = &ops[i + 1..rest_end];
                    let items = match v {
                        Value::List(items) => items,
                        Value::Null => Arc::default(),
                        Value::Unknown(u) => return Value::Unknown(u),
                        Value::Ref(r) => {
                            // A list known only after apply: so is its splat.
                            let splat =
                                Reference::new(r.resource.clone(), format!("{}[*]", r.path));
                            v = self.apply_ops(Value::Ref(splat), rest, ctx, span);
                            i = rest_end;
                            continue;
                        }
                        other => Arc::new(vec![other]),
                    };
                    v = Value::list(
                        Arc::unwrap_or_clone(items)
                            .into_iter()
                            .map(|x| self.apply_ops(x, rest, ctx, span))
                            .collect(),
                    );
                    i = rest_end;
                    continue;
                }
            }
            i += 1;
        }
        v
    }

    fn get_attr(&self, v: Value, a: &str, span: Span) -> Value {
        match v {
            Value::Map(m) => m
                .get(a)
                .cloned()
                .unwrap_or_else(|| Value::error(format!("no attribute {a:?}"), span)),
            Value::Resource(h) => self.resource_attr(&h, a, span),
            Value::Ref(r) => Value::Ref(r.attr(a)),
            Value::Unknown(u) => Value::Unknown(u),
            Value::Null => Value::error(format!("attribute {a:?} of null"), span),
            other => Value::error(
                format!("a {} has no attribute {a:?}", other.type_name()),
                span,
            ),
        }
    }
}

fn index(v: Value, k: &Value, span: Span) -> Value {
    if let Value::Unknown(u) = k {
        return Value::Unknown(u.clone());
    }
    if let Value::Ref(r) = &v {
        return match k.not_known(span) {
            Some(_) => Value::Ref(Reference::new(r.resource.clone(), format!("{}[*]", r.path))),
            None => Value::Ref(r.index(k)),
        };
    }
    if let Some(u) = k.not_known(span) {
        return Value::Unknown(u);
    }
    match v {
        Value::List(items) => match k.as_number() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && (n as usize) < items.len() => {
                items[n as usize].clone()
            }
            _ => Value::error("index out of range", span),
        },
        Value::Map(m) => match k.to_known_string() {
            Some(s) => m
                .get(&s)
                .cloned()
                .unwrap_or_else(|| Value::error(format!("no key {s:?}"), span)),
            None => Value::error("a map key must be a string", span),
        },
        Value::Unknown(u) => Value::Unknown(u),
        other => Value::error(format!("cannot index a {}", other.type_name()), span),
    }
}
