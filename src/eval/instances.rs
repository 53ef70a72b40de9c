//! Module instances and resource instances: `count` / `for_each`
//! expansion, instance keys and addresses.
//!
//! When `count` or `for_each` is not known (a variable without a value,
//! keys known only after apply), the resource or module call still exists:
//! one representative instance, keyed [`InstanceKey::Unknown`] and shown as
//! `[*]`, stands for all of them, with `each` / `count.index` unknown.

use super::value::{ResourceHandle, format_number};
use super::{
    Children, Ctx, Evaluator, InstId, InstanceKey, MAX_EXPANSION, MAX_MODULE_DEPTH,
    MAX_MODULE_INSTANCES, Unknown, Value,
};
use crate::load::{Mode, ModuleId};
use crate::syntax::{Body, Expr, ExprKind, Span, TraversalOp};
use std::rc::Rc;

#[derive(Debug)]
pub struct Instance {
    pub module: ModuleId,
    /// Address prefix, e.g. `module.a["x"].module.b` (empty for the root).
    pub address: String,
    pub parent: Option<InstId>,
    /// The calling `module` block index in the parent, and this instance's key.
    pub call: Option<(usize, Option<InstanceKey>)>,
    /// `each`/`count.index` of this instance's call, evaluated in the parent.
    pub(super) call_each: Option<Rc<(Value, Value)>>,
    pub(super) call_count: Option<Value>,
    /// Why this instance stands for instances that are not known.
    pub unknown_keys: Option<Unknown>,
    /// Spans of the `module` blocks from the root down to this instance.
    pub call_spans: Vec<Span>,
}

impl Instance {
    pub(super) fn root(module: ModuleId) -> Instance {
        Instance {
            module,
            address: String::new(),
            parent: None,
            call: None,
            call_each: None,
            call_count: None,
            unknown_keys: None,
            call_spans: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Expansion {
    Single,
    /// Instance keys with `each.value` (for `for_each`) or nothing (`count`).
    Keys(Vec<(InstanceKey, Option<Value>)>),
    /// Not known: one instance keyed [`InstanceKey::Unknown`] stands for all.
    Unknown {
        why: Unknown,
        for_each: bool,
        /// What `each.value` is for every instance, when that much is known:
        /// `for_each = google_cloud_run_v2_service.x` over a resource whose
        /// own instances are not known gives its representative instance.
        each_value: Option<Value>,
    },
}

impl Expansion {
    /// The instance keys to analyze: `None` for a single instance.
    pub fn keys(&self) -> Vec<Option<InstanceKey>> {
        match self {
            Expansion::Single => vec![None],
            Expansion::Keys(k) => k.iter().map(|(k, _)| Some(k.clone())).collect(),
            Expansion::Unknown { .. } => vec![Some(InstanceKey::Unknown)],
        }
    }

    pub fn unknown(&self) -> Option<&Unknown> {
        match self {
            Expansion::Unknown { why, .. } => Some(why),
            _ => None,
        }
    }
}

impl Evaluator<'_> {
    /// Every module instance reachable from the root, depth first, in
    /// declaration order.
    pub fn all_instances(&self) -> Vec<InstId> {
        let mut out = Vec::new();
        let mut stack = vec![0u32];
        while let Some(id) = stack.pop() {
            out.push(id);
            let module = self.instance(id).module;
            let n = self.ws.modules[module].calls.len();
            let mut kids = Vec::new();
            for c in 0..n {
                if let Ok(ids) = self.children(id, c).as_ref() {
                    kids.extend(ids.iter().copied());
                }
            }
            stack.extend(kids.into_iter().rev());
        }
        out
    }

    /// Instances created by call `call` of instance `inst`.
    pub fn children(&self, inst: InstId, call: usize) -> Children {
        if let Some(c) = self.children.borrow().get(&(inst, call)) {
            return c.clone();
        }
        // `count = length(module.a.x)` inside module "a" itself: a cycle.
        if !self.children_in_progress.borrow_mut().insert((inst, call)) {
            let span = self.ws.modules[self.instance(inst).module].calls[call]
                .block
                .span;
            return Rc::new(Err(Unknown::limit(
                "the module call depends on its own outputs (cycle)",
                span,
            )));
        }
        let result = Rc::new(self.instantiate(inst, call));
        self.children_in_progress.borrow_mut().remove(&(inst, call));
        self.children
            .borrow_mut()
            .insert((inst, call), result.clone());
        result
    }

    fn instantiate(&self, inst: InstId, call_idx: usize) -> Result<Vec<InstId>, Unknown> {
        let parent = self.instance(inst);
        let module = &self.ws.modules[parent.module];
        let call = &module.calls[call_idx];
        let span = call.block.span;
        let fail = |u: Unknown| {
            self.note(&u);
            Err(u)
        };
        let target = match call.target {
            Some(t) => Some(t),
            None => self.installed_target(&parent, &call.name),
        };
        let empty = target.is_some_and(|t| self.ws.modules[t].files.is_empty());
        let Some(target) = target.filter(|_| !empty) else {
            // Instantiated zero times (`count = 0`, an empty `for_each`):
            // nothing of it exists, whether it was installed or not.
            if self
                .expand_body(&call.block.body, &self.ctx(inst))
                .keys()
                .is_empty()
            {
                return Ok(Vec::new());
            }
            let why = if empty {
                format!(
                    "module {:?}: source {:?} holds no Terraform files",
                    call.name, call.source
                )
            } else if call.source.starts_with("./") || call.source.starts_with("../") {
                format!("module {:?}: source {:?} not found", call.name, call.source)
            } else {
                format!(
                    "module {:?}: source {:?} is not local and not installed (run terraform init to resolve it)",
                    call.name, call.source
                )
            };
            return fail(Unknown::not_modelled(why, span));
        };
        // Recursion guard: a module that (indirectly) calls itself.
        let mut depth = 0;
        let mut p = Some(inst);
        while let Some(id) = p {
            let i = self.instance(id);
            if i.module == target {
                return fail(Unknown::limit(
                    format!("module {:?} calls itself (cycle)", call.name),
                    span,
                ));
            }
            depth += 1;
            p = i.parent;
        }
        if depth > MAX_MODULE_DEPTH {
            return fail(Unknown::limit("modules nested too deeply", span));
        }
        let expansion = self.expand_body(&call.block.body, &self.ctx(inst));
        if let Some(why) = expansion.unknown() {
            self.note(why);
        }
        let keys = expansion.keys();
        if self.instances.borrow().len() + keys.len() > MAX_MODULE_INSTANCES {
            return fail(Unknown::limit("too many module instances", span));
        }
        let mut ids = Vec::new();
        for key in keys {
            let mut address = parent.address.clone();
            if !address.is_empty() {
                address.push('.');
            }
            address.push_str("module.");
            address.push_str(&call.name);
            if let Some(k) = &key {
                address.push_str(&k.address_suffix());
            }
            let (call_each, call_count) = instance_bindings(&expansion, key.as_ref());
            let mut call_spans = parent.call_spans.clone();
            call_spans.push(span);
            let mut instances = self.instances.borrow_mut();
            let id = instances.len() as InstId;
            instances.push(Rc::new(Instance {
                module: target,
                address,
                parent: Some(inst),
                call: Some((call_idx, key)),
                call_each,
                call_count,
                unknown_keys: expansion.unknown().cloned().or(parent.unknown_keys.clone()),
                call_spans,
            }));
            ids.push(id);
        }
        Ok(ids)
    }

    /// A registry/git module installed by `terraform init` (root manifest,
    /// keyed by the dotted call path such as `a.b`).
    fn installed_target(&self, parent: &Instance, name: &str) -> Option<ModuleId> {
        let mut names = vec![name.to_string()];
        let mut cur_call = parent.call.as_ref().map(|c| c.0);
        let mut cur_parent = parent.parent;
        while let (Some(call), Some(pid)) = (cur_call, cur_parent) {
            let p = self.instance(pid);
            names.push(self.ws.modules[p.module].calls[call].name.to_string());
            cur_call = p.call.as_ref().map(|c| c.0);
            cur_parent = p.parent;
        }
        names.reverse();
        let dir = self.ws.modules[self.root].installed.get(&names.join("."))?;
        self.ws.module_by_dir.get(dir).copied()
    }

    /// `count` / `for_each` of a resource or module block.
    pub fn expand_body(&self, body: &Body, ctx: &Ctx) -> Expansion {
        if let Some(attr) = body.attr("count") {
            let unknown = |why: Unknown| Expansion::Unknown {
                why,
                for_each: false,
                each_value: None,
            };
            let v = self.eval(&attr.expr, ctx);
            if let Some(u) = v.not_known(attr.span) {
                return unknown(u);
            }
            return match v.as_number() {
                Some(n) if n >= 0.0 && n.fract() == 0.0 && (n as usize) <= MAX_EXPANSION => {
                    Expansion::Keys((0..n as i64).map(|i| (InstanceKey::Int(i), None)).collect())
                }
                Some(n) if n >= 0.0 && n.fract() == 0.0 => unknown(Unknown::limit(
                    format!(
                        "count = {} exceeds the expansion limit of {MAX_EXPANSION}",
                        format_number(n)
                    ),
                    attr.span,
                )),
                _ => unknown(Unknown::error(
                    format!("count must be a whole number, not {}", v.type_name()),
                    attr.span,
                )),
            };
        }
        if let Some(attr) = body.attr("for_each") {
            let unknown = |why: Unknown| Expansion::Unknown {
                why,
                for_each: true,
                each_value: None,
            };
            let v = self.eval(&attr.expr, ctx);
            return match v {
                Value::Unknown(u) => unknown(u),
                Value::Ref(r) => Expansion::Unknown {
                    why: Unknown::after_apply(Some(r), attr.span),
                    for_each: true,
                    each_value: self.representative_instance(&attr.expr, ctx),
                },
                Value::Map(m) if m.len() > MAX_EXPANSION => unknown(Unknown::limit(
                    format!("for_each exceeds the expansion limit of {MAX_EXPANSION}"),
                    attr.span,
                )),
                Value::Map(m) => Expansion::Keys(
                    m.iter()
                        .map(|(k, v)| (InstanceKey::Str(k.clone()), Some(v.clone())))
                        .collect(),
                ),
                Value::List(items) if items.len() > MAX_EXPANSION => unknown(Unknown::limit(
                    format!("for_each exceeds the expansion limit of {MAX_EXPANSION}"),
                    attr.span,
                )),
                Value::List(items) => {
                    let mut keys = Vec::new();
                    let Value::List(set) = Value::set(items.to_vec()) else {
                        unreachable!("Value::set builds a list")
                    };
                    for item in set.iter() {
                        if let Some(u) = item.not_known(attr.span) {
                            // A key known only after apply: Terraform cannot
                            // plan it either; the resource still exists.
                            return unknown(u);
                        }
                        match item.to_known_string() {
                            Some(s) if !item.is_null() => {
                                keys.push((InstanceKey::Str(s), Some(item.clone())))
                            }
                            _ => {
                                return unknown(Unknown::error(
                                    format!(
                                        "for_each set holds a {}, not a string",
                                        item.type_name()
                                    ),
                                    attr.span,
                                ));
                            }
                        }
                    }
                    Expansion::Keys(keys)
                }
                Value::Null => unknown(Unknown::error("for_each is null", attr.span)),
                other => unknown(Unknown::error(
                    format!(
                        "for_each must be a map or set of strings, not {}",
                        other.type_name()
                    ),
                    attr.span,
                )),
            };
        }
        Expansion::Single
    }

    /// For `for_each = type.name` (or `data.type.name`) naming a resource of
    /// this module whose instances are not known: its representative
    /// instance, whose configured attributes are known whatever the key.
    fn representative_instance(&self, expr: &Expr, ctx: &Ctx) -> Option<Value> {
        let ExprKind::Traversal(root, ops) = &expr.kind else {
            return None;
        };
        let ExprKind::Variable(first) = &root.kind else {
            return None;
        };
        let names: Vec<&str> = ops
            .iter()
            .map(|op| match op {
                TraversalOp::Attr(a) => Some(a.as_str()),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let (mode, rtype, name) = match (first.as_str(), names.as_slice()) {
            ("data", [t, n]) => (Mode::Data, *t, *n),
            (t, [n]) => (Mode::Managed, t, *n),
            _ => return None,
        };
        let module = self.instance(ctx.inst).module;
        let decl = self.ws.modules[module].resource(mode, rtype, name)?;
        if !matches!(&*self.expansion(ctx.inst, decl), Expansion::Unknown { .. }) {
            return None;
        }
        let key = InstanceKey::Unknown;
        Some(Value::Resource(ResourceHandle {
            instance: ctx.inst,
            decl: decl as u32,
            address: self.resource_address(ctx.inst, decl, Some(&key)).into(),
            key: Some(key),
        }))
    }

    /// Instances of resource `decl` in module instance `inst`.
    pub fn expansion(&self, inst: InstId, decl: usize) -> Rc<Expansion> {
        if let Some(e) = self.expansions.borrow().get(&(inst, decl)) {
            return e.clone();
        }
        let module = self.instance(inst).module;
        let r = &self.ws.modules[module].resources[decl];
        let e = if r.address.is_some() {
            Rc::new(Expansion::Single)
        } else {
            Rc::new(self.expand_body(&r.block.body, &self.ctx(inst)))
        };
        self.expansions.borrow_mut().insert((inst, decl), e.clone());
        e
    }

    pub fn resource_address(&self, inst: InstId, decl: usize, key: Option<&InstanceKey>) -> String {
        let i = self.instance(inst);
        let r = &self.ws.modules[i.module].resources[decl];
        if let Some(a) = &r.address {
            return a.clone();
        }
        let mut a = i.address.clone();
        if !a.is_empty() {
            a.push('.');
        }
        if r.mode == Mode::Data {
            a.push_str("data.");
        }
        a.push_str(&r.rtype);
        a.push('.');
        a.push_str(&r.name);
        if let Some(k) = key {
            a.push_str(&k.address_suffix());
        }
        a
    }

    /// The context in which instance `key` of resource `decl` is evaluated.
    pub fn resource_ctx(&self, inst: InstId, decl: usize, key: Option<&InstanceKey>) -> Ctx {
        let mut ctx = self.ctx(inst);
        let (each, count) = instance_bindings(&self.expansion(inst, decl), key);
        ctx.each = each;
        ctx.count = count;
        ctx
    }
}

/// `each` / `count.index` of instance `key` of an expansion.
fn instance_bindings(
    expansion: &Expansion,
    key: Option<&InstanceKey>,
) -> (Option<Rc<(Value, Value)>>, Option<Value>) {
    match (expansion, key) {
        (Expansion::Keys(keys), Some(k)) => match keys.iter().find(|(x, _)| x == k) {
            Some((_, Some(v))) => (
                Some(Rc::new((k.value().unwrap_or(Value::Null), v.clone()))),
                None,
            ),
            Some((_, None)) => (None, k.value()),
            None => (None, None),
        },
        (
            Expansion::Unknown {
                why,
                for_each,
                each_value,
            },
            _,
        ) => {
            let u = Value::Unknown(why.clone());
            if *for_each {
                let value = each_value.clone().unwrap_or_else(|| u.clone());
                (Some(Rc::new((u, value))), None)
            } else {
                (None, Some(u))
            }
        }
        _ => (None, None),
    }
}
