//! Evaluation of one root module: variables (defaults, tfvars, `--var`,
//! `TF_VAR_*`), locals, outputs, module calls with `count`/`for_each`, and
//! resource attributes, all lazily and memoised so that only what the access
//! model asks for is computed. Cycles and expansion bombs end in unknown
//! values, never in a hang.

mod files;
pub mod funcs;
pub mod types;
pub mod value;

use crate::load::{Mode, ModuleId, Workspace};
use crate::syntax::{
    Attribute, BinaryOp, Body, Expr, ExprKind, ObjectKey, Span, TemplatePart, TraversalOp, UnaryOp,
};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use types::Type;
pub use value::{InstanceKey, ResourceHandle, Unknown, Value};

/// Most instances one `count`/`for_each` may create before we stop expanding.
pub const MAX_EXPANSION: usize = 10_000;
/// Most module instances in one root.
const MAX_MODULE_INSTANCES: usize = 20_000;
const MAX_MODULE_DEPTH: usize = 32;
const MAX_EVAL_DEPTH: u32 = 200;

pub type InstId = u32;

/// Instances created by one module call, or why they are unknown.
pub type Children = Rc<Result<Vec<InstId>, Unknown>>;

#[derive(Debug)]
pub struct Instance {
    pub module: ModuleId,
    /// Address prefix, e.g. `module.a["x"].module.b` (empty for the root).
    pub address: String,
    pub parent: Option<InstId>,
    /// The calling `module` block index in the parent, and this instance's key.
    pub call: Option<(usize, Option<InstanceKey>)>,
    /// `each`/`count` of this instance's call, evaluated in the parent.
    call_each: Option<Rc<(Value, Value)>>,
    call_count: Option<i64>,
    /// Spans of the `module` blocks from the root down to this instance.
    pub call_spans: Vec<Span>,
}

#[derive(Debug, Clone)]
pub enum Expansion {
    Single,
    /// Instance keys with `each.value` (for `for_each`) or nothing (`count`).
    Keys(Vec<(InstanceKey, Option<Value>)>),
    Unknown(Unknown),
}

#[derive(Clone)]
pub struct Ctx {
    pub inst: InstId,
    each: Option<Rc<(Value, Value)>>,
    count: Option<i64>,
    scope: Rc<Vec<(String, Value)>>,
}

impl Ctx {
    fn with_var(&self, name: &str, v: Value) -> Ctx {
        let mut scope = (*self.scope).clone();
        scope.push((name.to_string(), v));
        Ctx {
            scope: Rc::new(scope),
            ..self.clone()
        }
    }
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Var(InstId, String),
    Local(InstId, String),
    Output(InstId, String),
    ResAttr(InstId, usize, Option<InstanceKey>, String),
    Children(InstId, usize),
}

/// Values given to the root module from outside its `.tf` files.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `--var NAME=VALUE` in order.
    pub vars: Vec<(String, String)>,
    /// `TF_VAR_name` environment variables.
    pub env: Vec<(String, String)>,
    /// The `variables` of a `--plan` file: the values the plan was made
    /// with, so they win over everything else.
    pub plan: Vec<(String, Value)>,
}

pub struct Evaluator<'w> {
    pub ws: &'w Workspace,
    pub root: ModuleId,
    instances: RefCell<Vec<Rc<Instance>>>,
    children: RefCell<HashMap<(InstId, usize), Children>>,
    expansions: RefCell<HashMap<(InstId, usize), Rc<Expansion>>>,
    cache: RefCell<HashMap<Key, Value>>,
    in_progress: RefCell<HashSet<Key>>,
    depth: Cell<u32>,
    root_inputs: HashMap<String, RootInput>,
    /// Problems met while instantiating modules (span, reason).
    pub notes: RefCell<Vec<(Span, String)>>,
}

enum RootInput {
    /// Raw text from `--var` or `TF_VAR_*`: a string, or HCL for complex types.
    Raw(String),
    Expr(Expr),
    /// A value taken from a plan file.
    Value(Value),
}

impl<'w> Evaluator<'w> {
    pub fn new(ws: &'w Workspace, root: ModuleId, inputs: &Inputs) -> Evaluator<'w> {
        let mut root_inputs = HashMap::new();
        // Terraform's precedence, lowest first: env, terraform.tfvars,
        // *.auto.tfvars, then -var-file and -var in command-line order.
        for (k, v) in &inputs.env {
            root_inputs.insert(k.clone(), RootInput::Raw(v.clone()));
        }
        let tfvars = ws.modules[root].tfvars.iter().chain(ws.var_files.iter());
        for f in tfvars {
            for attr in tfvars_attributes(&ws.files[*f as usize]) {
                root_inputs.insert(attr.name.clone(), RootInput::Expr(attr.expr.clone()));
            }
        }
        for (k, v) in &inputs.vars {
            root_inputs.insert(k.clone(), RootInput::Raw(v.clone()));
        }
        for (k, v) in &inputs.plan {
            root_inputs.insert(k.clone(), RootInput::Value(v.clone()));
        }
        let root_inst = Rc::new(Instance {
            module: root,
            address: String::new(),
            parent: None,
            call: None,
            call_each: None,
            call_count: None,
            call_spans: Vec::new(),
        });
        Evaluator {
            ws,
            root,
            instances: RefCell::new(vec![root_inst]),
            children: RefCell::default(),
            expansions: RefCell::default(),
            cache: RefCell::default(),
            in_progress: RefCell::default(),
            depth: Cell::new(0),
            root_inputs,
            notes: RefCell::default(),
        }
    }

    pub fn instance(&self, id: InstId) -> Rc<Instance> {
        self.instances.borrow()[id as usize].clone()
    }

    pub fn root_ctx(&self) -> Ctx {
        self.ctx(0)
    }

    pub fn ctx(&self, inst: InstId) -> Ctx {
        Ctx {
            inst,
            each: None,
            count: None,
            scope: Rc::new(Vec::new()),
        }
    }

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
        let key = Key::Children(inst, call);
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            let span = self.ws.modules[self.instance(inst).module].calls[call]
                .block
                .span;
            return Rc::new(Err(Unknown {
                reason: "module call depends on its own outputs (cycle)".into(),
                span,
            }));
        }
        let result = Rc::new(self.instantiate(inst, call));
        self.in_progress.borrow_mut().remove(&key);
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
        let target = match call.target {
            Some(t) => Some(t),
            None => self.installed_target(&parent, &call.name),
        };
        let Some(target) = target else {
            let why = if call.source.starts_with("./") || call.source.starts_with("../") {
                format!("module {:?}: source {:?} not found", call.name, call.source)
            } else {
                format!(
                    "module {:?}: source {:?} is not local and not installed (run terraform init to resolve it)",
                    call.name, call.source
                )
            };
            self.note(span, &why);
            return Err(Unknown {
                reason: why.into(),
                span,
            });
        };
        // Recursion guard: a module that (indirectly) calls itself.
        let mut depth = 0;
        let mut p = Some(inst);
        while let Some(id) = p {
            let i = self.instance(id);
            if i.module == target {
                let why = format!("module {:?} calls itself (cycle)", call.name);
                self.note(span, &why);
                return Err(Unknown {
                    reason: why.into(),
                    span,
                });
            }
            depth += 1;
            p = i.parent;
        }
        if depth > MAX_MODULE_DEPTH {
            let why = "modules nested too deeply".to_string();
            self.note(span, &why);
            return Err(Unknown {
                reason: why.into(),
                span,
            });
        }
        let ctx = self.ctx(inst);
        let expansion = self.expand_body(&call.block.body, &ctx, span);
        let keys: Vec<(Option<InstanceKey>, Option<Value>)> = match expansion {
            Expansion::Single => vec![(None, None)],
            Expansion::Keys(k) => k.into_iter().map(|(k, v)| (Some(k), v)).collect(),
            Expansion::Unknown(u) => {
                self.note(u.span, &format!("module {:?}: {}", call.name, u.reason));
                return Err(u);
            }
        };
        if self.instances.borrow().len() + keys.len() > MAX_MODULE_INSTANCES {
            let why = "too many module instances".to_string();
            self.note(span, &why);
            return Err(Unknown {
                reason: why.into(),
                span,
            });
        }
        let mut ids = Vec::new();
        for (key, each_value) in keys {
            let mut address = parent.address.clone();
            if !address.is_empty() {
                address.push('.');
            }
            address.push_str("module.");
            address.push_str(&call.name);
            if let Some(k) = &key {
                address.push_str(&k.address_suffix());
            }
            let (call_each, call_count) = match (&key, each_value) {
                (Some(k), Some(v)) => (Some(Rc::new((key_value(k), v))), None),
                (Some(InstanceKey::Int(i)), None) => (None, Some(*i)),
                _ => (None, None),
            };
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
            names.push(self.ws.modules[p.module].calls[call].name.clone());
            cur_call = p.call.as_ref().map(|c| c.0);
            cur_parent = p.parent;
        }
        names.reverse();
        let dir = self.ws.modules[self.root].installed.get(&names.join("."))?;
        self.ws.module_by_dir.get(dir).copied()
    }

    fn note(&self, span: Span, why: &str) {
        self.notes.borrow_mut().push((span, why.to_string()));
    }

    /// `count` / `for_each` of a resource or module block.
    pub fn expand_body(&self, body: &Body, ctx: &Ctx, span: Span) -> Expansion {
        if let Some(attr) = body.attr("count") {
            let v = self.eval(&attr.expr, ctx);
            return match v {
                Value::Unknown(u) => Expansion::Unknown(u),
                other => match other.as_number() {
                    Some(n) if n >= 0.0 && (n as usize) <= MAX_EXPANSION => Expansion::Keys(
                        (0..n as i64).map(|i| (InstanceKey::Int(i), None)).collect(),
                    ),
                    Some(n) if n >= 0.0 => Expansion::Unknown(Unknown {
                        reason: format!(
                            "count = {} exceeds the expansion limit of {MAX_EXPANSION}",
                            value::format_number(n)
                        )
                        .into(),
                        span: attr.span,
                    }),
                    _ => Expansion::Unknown(Unknown {
                        reason: format!("count is not a whole number ({})", other.type_name())
                            .into(),
                        span: attr.span,
                    }),
                },
            };
        }
        if let Some(attr) = body.attr("for_each") {
            let v = self.eval(&attr.expr, ctx);
            let _ = span;
            return match v {
                Value::Unknown(u) => Expansion::Unknown(u),
                Value::Map(m) if m.len() <= MAX_EXPANSION => Expansion::Keys(
                    m.into_iter()
                        .map(|(k, v)| (InstanceKey::Str(k), Some(v)))
                        .collect(),
                ),
                Value::List(items) if items.len() <= MAX_EXPANSION => {
                    let mut keys = Vec::new();
                    for item in Value::set(items).elements().unwrap_or_default() {
                        match item.as_string() {
                            Some(s) if !matches!(item, Value::Unknown(_)) => {
                                keys.push((InstanceKey::Str(s.clone()), Some(item.clone())))
                            }
                            _ => {
                                return Expansion::Unknown(Unknown {
                                    reason: "for_each set holds values that are not known strings"
                                        .into(),
                                    span: attr.span,
                                });
                            }
                        }
                    }
                    Expansion::Keys(keys)
                }
                Value::Null => Expansion::Unknown(Unknown {
                    reason: "for_each is null".into(),
                    span: attr.span,
                }),
                Value::Map(_) | Value::List(_) => Expansion::Unknown(Unknown {
                    reason: format!("for_each exceeds the expansion limit of {MAX_EXPANSION}")
                        .into(),
                    span: attr.span,
                }),
                other => Expansion::Unknown(Unknown {
                    reason: format!(
                        "for_each must be a map or set of strings, not {}",
                        other.type_name()
                    )
                    .into(),
                    span: attr.span,
                }),
            };
        }
        Expansion::Single
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
            Rc::new(self.expand_body(&r.block.body, &self.ctx(inst), r.block.span))
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

    /// The context in which a resource instance's body is evaluated.
    pub fn resource_ctx(
        &self,
        inst: InstId,
        key: Option<&InstanceKey>,
        each_value: Option<&Value>,
    ) -> Ctx {
        let mut ctx = self.ctx(inst);
        match (key, each_value) {
            (Some(k), Some(v)) => ctx.each = Some(Rc::new((key_value(k), v.clone()))),
            (Some(InstanceKey::Int(i)), None) => ctx.count = Some(*i),
            _ => {}
        }
        ctx
    }

    fn each_value_of(&self, inst: InstId, decl: usize, key: &InstanceKey) -> Option<Option<Value>> {
        match &*self.expansion(inst, decl) {
            Expansion::Keys(keys) => keys.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    // ---- memoised named values -------------------------------------------

    fn memo(&self, key: Key, span: Span, f: impl FnOnce() -> Value) -> Value {
        if let Some(v) = self.cache.borrow().get(&key) {
            return v.clone();
        }
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            return Value::unknown("reference cycle", span);
        }
        let v = f();
        self.in_progress.borrow_mut().remove(&key);
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }

    pub fn variable(&self, inst: InstId, name: &str, span: Span) -> Value {
        self.memo(Key::Var(inst, name.to_string()), span, || {
            let i = self.instance(inst);
            let module = &self.ws.modules[i.module];
            let Some(decl) = module.variables.get(name) else {
                return Value::unknown(format!("undeclared variable var.{name}"), span);
            };
            let constant = |e: &Expr| self.eval(e, &self.ctx(inst));
            let ty = decl
                .body
                .attr("type")
                .map(|t| Type::parse(&t.expr, &constant))
                .unwrap_or(Type::Any);
            let given: Option<Value> = match (&i.call, i.parent) {
                (Some((call, _)), Some(parent)) => {
                    let p = self.instance(parent);
                    let call = &self.ws.modules[p.module].calls[*call];
                    call.block.body.attr(name).map(|a| {
                        let ctx = Ctx {
                            inst: parent,
                            each: i.call_each.clone(),
                            count: i.call_count,
                            scope: Rc::new(Vec::new()),
                        };
                        self.eval(&a.expr, &ctx)
                    })
                }
                _ => self.root_inputs.get(name).map(|input| match input {
                    RootInput::Expr(e) => self.eval(e, &self.ctx(inst)),
                    RootInput::Value(v) => v.clone(),
                    RootInput::Raw(s) if ty.is_string() || matches!(ty, Type::Any) => {
                        Value::String(s.clone())
                    }
                    RootInput::Raw(s) => match crate::syntax::parse_expression(s) {
                        Some(e) => self.eval(&e, &self.ctx(inst)),
                        None => Value::unknown(format!("cannot parse value of var.{name}"), span),
                    },
                }),
            };
            let nullable = decl
                .body
                .attr("nullable")
                .map(|a| !matches!(a.expr.kind, ExprKind::Bool(false)))
                .unwrap_or(true);
            let v = match given {
                Some(Value::Null) if !nullable => None,
                other => other,
            };
            let v = match v {
                Some(v) => v,
                None => match decl.body.attr("default") {
                    Some(d) => self.eval(&d.expr, &self.ctx(inst)),
                    None => {
                        return Value::unknown(
                            format!("var.{name} has no value (no default, no tfvars, no --var)"),
                            decl.span,
                        );
                    }
                },
            };
            ty.convert(v)
        })
    }

    pub fn local(&self, inst: InstId, name: &str, span: Span) -> Value {
        self.memo(Key::Local(inst, name.to_string()), span, || {
            let module = &self.ws.modules[self.instance(inst).module];
            match module.locals.get(name) {
                Some(a) => self.eval(&a.expr, &self.ctx(inst)),
                None => Value::unknown(format!("undeclared local.{name}"), span),
            }
        })
    }

    pub fn output(&self, inst: InstId, name: &str, span: Span) -> Value {
        self.memo(Key::Output(inst, name.to_string()), span, || {
            let module = &self.ws.modules[self.instance(inst).module];
            match module.outputs.get(name).and_then(|b| b.body.attr("value")) {
                Some(a) => self.eval(&a.expr, &self.ctx(inst)),
                None => Value::unknown(format!("module has no output {name:?}"), span),
            }
        })
    }

    /// The default project of the `google` provider of this root, when known.
    pub fn provider_project(&self) -> Option<String> {
        let p = self.ws.modules[self.root].provider.as_ref()?;
        let a = p.body.attr("project")?;
        match self.eval(&a.expr, &self.root_ctx()) {
            Value::String(s) if value::is_concrete(&s) => Some(s),
            _ => None,
        }
    }

    /// An attribute of a resource instance: configured, computed from what is
    /// configured (service account emails), or kept symbolic.
    pub fn resource_attr(&self, h: &ResourceHandle, attr: &str, span: Span) -> Value {
        let key = Key::ResAttr(h.instance, h.decl as usize, h.key.clone(), attr.to_string());
        self.memo(key, span, || {
            let inst = self.instance(h.instance);
            let r = &self.ws.modules[inst.module].resources[h.decl as usize];
            let each_value = match &h.key {
                Some(k) => match self.each_value_of(h.instance, h.decl as usize, k) {
                    Some(v) => v,
                    None => return Value::Ref(format!("{}.{attr}", h.address).into()),
                },
                None => None,
            };
            let ctx = self.resource_ctx(h.instance, h.key.as_ref(), each_value.as_ref());
            let symbolic = || Value::Ref(format!("{}.{attr}", h.address).into());
            if let Some(a) = r.block.body.attr(attr)
                && attr != "count"
                && attr != "for_each"
            {
                return match self.eval(&a.expr, &ctx) {
                    Value::Unknown(_) => symbolic(),
                    v => v,
                };
            }
            let blocks = self.blocks(&r.block.body, attr, &ctx);
            if !blocks.items.is_empty() {
                return Value::List(
                    blocks
                        .items
                        .iter()
                        .map(|(b, c)| self.body_value(b, c))
                        .collect(),
                );
            }
            let known = |name: &str| -> Option<String> {
                match self.resource_attr(h, name, span) {
                    Value::String(s) if value::is_concrete(&s) => Some(s),
                    _ => None,
                }
            };
            match (r.rtype.as_str(), attr) {
                ("google_service_account", "email") => {
                    let id = r
                        .block
                        .body
                        .attr("account_id")
                        .map(|a| self.eval(&a.expr, &ctx));
                    let project = match r.block.body.attr("project") {
                        Some(a) => self.eval(&a.expr, &ctx).as_str().map(str::to_string),
                        None => self.provider_project(),
                    };
                    match (id.as_ref().and_then(Value::as_str), project) {
                        (Some(id), Some(p)) if value::is_concrete(id) && value::is_concrete(&p) => {
                            Value::String(format!("{id}@{p}.iam.gserviceaccount.com"))
                        }
                        _ => symbolic(),
                    }
                }
                ("google_service_account", "id" | "name") => {
                    match self.resource_attr(h, "email", span) {
                        Value::String(e) if value::is_concrete(&e) => {
                            let project = e
                                .split('@')
                                .nth(1)
                                .and_then(|d| d.split('.').next())
                                .unwrap_or("-")
                                .to_string();
                            Value::String(format!("projects/{project}/serviceAccounts/{e}"))
                        }
                        _ => symbolic(),
                    }
                }
                // Google-managed service agents: service-NUMBER@gcp-sa-SVC.iam...
                // (the project number stays symbolic).
                ("google_project_service_identity", "email" | "member") => {
                    let service = r.block.body.attr("service").map(|a| self.eval(&a.expr, &ctx));
                    match service.as_ref().and_then(Value::as_str).and_then(|s| s.strip_suffix(".googleapis.com")) {
                        Some(svc) if value::is_concrete(svc) => {
                            let email = format!(
                                "service-${{{}.project_number}}@gcp-sa-{svc}.iam.gserviceaccount.com",
                                h.address
                            );
                            if attr == "member" {
                                Value::String(format!("serviceAccount:{email}"))
                            } else {
                                Value::String(email)
                            }
                        }
                        _ => symbolic(),
                    }
                }
                ("google_service_account", "member") => {
                    match self.resource_attr(h, "email", span) {
                        v @ (Value::String(_) | Value::Ref(_)) => Value::String(format!(
                            "serviceAccount:{}",
                            v.as_string().unwrap_or_default()
                        )),
                        _ => symbolic(),
                    }
                }
                (_, "project") => match self.provider_project() {
                    Some(p) => Value::String(p),
                    None => symbolic(),
                },
                ("google_cloud_run_v2_service" | "google_cloud_run_v2_job", "id") => {
                    let kind = if r.rtype.ends_with("job") {
                        "jobs"
                    } else {
                        "services"
                    };
                    match (known("project"), known("location"), known("name")) {
                        (Some(p), Some(l), Some(n)) => {
                            Value::String(format!("projects/{p}/locations/{l}/{kind}/{n}"))
                        }
                        _ => symbolic(),
                    }
                }
                ("google_iam_policy", "policy_data") => {
                    // The policy as a structured document (what jsondecode of
                    // the real JSON string would give), so it survives being
                    // passed through variables and outputs.
                    let bindings = self.blocks(&r.block.body, "binding", &ctx);
                    if let Some(u) = bindings.unknown {
                        return Value::Unknown(u);
                    }
                    let list = bindings
                        .items
                        .iter()
                        .map(|(b, c)| self.body_value(b, c))
                        .collect();
                    Value::Map(BTreeMap::from([(
                        "bindings".to_string(),
                        Value::List(list),
                    )]))
                }
                ("google_project_iam_custom_role", "name" | "id") => {
                    match (known("project"), known("role_id")) {
                        (Some(p), Some(id)) => Value::String(format!("projects/{p}/roles/{id}")),
                        _ => symbolic(),
                    }
                }
                ("google_organization_iam_custom_role", "name" | "id") => {
                    match (known("org_id"), known("role_id")) {
                        (Some(o), Some(id)) => Value::String(format!(
                            "organizations/{}/roles/{id}",
                            o.trim_start_matches("organizations/")
                        )),
                        _ => symbolic(),
                    }
                }
                _ => symbolic(),
            }
        })
    }

    /// A block body as an object value (attributes and nested blocks).
    pub fn body_value(&self, body: &Body, ctx: &Ctx) -> Value {
        let mut m = BTreeMap::new();
        for a in &body.attributes {
            m.insert(a.name.clone(), self.eval(&a.expr, ctx));
        }
        let mut kinds: Vec<&str> = body
            .blocks
            .iter()
            .map(|b| {
                if b.kind == "dynamic" {
                    b.labels.first().map(String::as_str).unwrap_or("")
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
            m.insert(
                k.to_string(),
                Value::List(
                    blocks
                        .items
                        .iter()
                        .map(|(b, c)| self.body_value(b, c))
                        .collect(),
                ),
            );
        }
        Value::Map(m)
    }

    /// Blocks of `kind` in `body`, `dynamic` blocks expanded with their
    /// iterator bound.
    pub fn blocks<'b>(&self, body: &'b Body, kind: &str, ctx: &Ctx) -> Blocks<'b> {
        let mut out = Blocks::default();
        for b in &body.blocks {
            if b.kind == kind {
                out.items.push((&b.body, ctx.clone()));
            } else if b.kind == "dynamic" && b.labels.first().map(String::as_str) == Some(kind) {
                let Some(content) = b.body.block("content") else {
                    continue;
                };
                let iterator = b
                    .body
                    .attr("iterator")
                    .and_then(|a| match &a.expr.kind {
                        ExprKind::Variable(v) => Some(v.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| kind.to_string());
                let coll = match b.body.attr("for_each") {
                    Some(a) => self.eval(&a.expr, ctx),
                    None => continue,
                };
                let pairs = match coll.into_pairs() {
                    Ok(pairs) => pairs,
                    Err(Value::Unknown(u)) => {
                        out.unknown = Some(u);
                        continue;
                    }
                    Err(_) => continue,
                };
                for (k, v) in pairs {
                    let mut obj = BTreeMap::new();
                    obj.insert("key".to_string(), k);
                    obj.insert("value".to_string(), v);
                    out.items
                        .push((&content.body, ctx.with_var(&iterator, Value::Map(obj))));
                }
            }
        }
        out
    }

    // ---- expressions --------------------------------------------------------

    pub fn eval(&self, e: &Expr, ctx: &Ctx) -> Value {
        let d = self.depth.get();
        if d > MAX_EVAL_DEPTH {
            return Value::unknown("evaluation too deep (recursive values?)", e.span);
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
            ExprKind::Str(s) => Value::String(s.clone()),
            ExprKind::Template(parts) => {
                if let [TemplatePart::Interp(inner)] = parts.as_slice() {
                    return self.eval(inner, ctx);
                }
                let mut out = String::new();
                match self.template(parts, ctx, &mut out) {
                    Some(u) => Value::Unknown(u),
                    None => Value::String(out),
                }
            }
            ExprKind::Array(items) => {
                Value::List(items.iter().map(|i| self.eval(i, ctx)).collect())
            }
            ExprKind::Object(items) => {
                let mut m = BTreeMap::new();
                for (k, v) in items {
                    let key = match k {
                        ObjectKey::Ident(s) => s.clone(),
                        ObjectKey::Expr(ke) => match &ke.kind {
                            // `(a) = 1` style keys are references; a bare
                            // identifier parsed as expression is a name.
                            ExprKind::Variable(name)
                                if ctx.lookup(name).is_none() && !is_reference_root(name) =>
                            {
                                name.clone()
                            }
                            _ => match self.eval(ke, ctx) {
                                Value::Unknown(u) => return Value::Unknown(u),
                                kv => match kv.as_string() {
                                    Some(s) => s,
                                    None => {
                                        return Value::unknown(
                                            "error: object key is not a string",
                                            ke.span,
                                        );
                                    }
                                },
                            },
                        },
                    };
                    m.insert(key, self.eval(v, ctx));
                }
                Value::Map(m)
            }
            ExprKind::Variable(name) => self.traverse(name, e.span, &[], ctx),
            ExprKind::Traversal(root, ops) => match &root.kind {
                ExprKind::Variable(name) => self.traverse(name, e.span, ops, ctx),
                _ => {
                    let base = self.eval(root, ctx);
                    self.apply_ops(base, ops, ctx, e.span)
                }
            },
            ExprKind::Call {
                name,
                args,
                expand_final,
            } => self.call(name, args, *expand_final, ctx, e.span),
            ExprKind::Conditional(c, t, f) => match self.eval(c, ctx) {
                Value::Bool(true) => self.eval(t, ctx),
                Value::Bool(false) => self.eval(f, ctx),
                Value::Unknown(u) => {
                    let (a, b) = (self.eval(t, ctx), self.eval(f, ctx));
                    if a == b { a } else { Value::Unknown(u) }
                }
                other => match other.as_bool() {
                    Some(true) => self.eval(t, ctx),
                    Some(false) => self.eval(f, ctx),
                    None => Value::unknown("error: condition is not a bool", c.span),
                },
            },
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner, ctx);
                match (op, &v) {
                    (_, Value::Unknown(_)) => v,
                    (UnaryOp::Not, _) => v
                        .as_bool()
                        .map(|b| Value::Bool(!b))
                        .unwrap_or_else(|| Value::unknown("error: ! needs a bool", e.span)),
                    (UnaryOp::Neg, _) => v
                        .as_number()
                        .map(|n| Value::Number(-n))
                        .unwrap_or_else(|| Value::unknown("error: - needs a number", e.span)),
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, ctx, e.span),
            ExprKind::For(f) => self.for_expr(f, ctx, e.span),
            ExprKind::Unknown(why) => Value::unknown(why.as_str(), e.span),
        }
    }

    fn template(&self, parts: &[TemplatePart], ctx: &Ctx, out: &mut String) -> Option<Unknown> {
        for p in parts {
            match p {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interp(x) => match self.eval(x, ctx) {
                    Value::Unknown(u) => return Some(u),
                    Value::Null => {
                        return Some(Unknown {
                            reason: "error: null value in string template".into(),
                            span: x.span,
                        });
                    }
                    v => match v.as_string() {
                        Some(s) => out.push_str(&s),
                        None => {
                            return Some(Unknown {
                                reason: format!(
                                    "error: cannot put a {} in a string template",
                                    v.type_name()
                                )
                                .into(),
                                span: x.span,
                            });
                        }
                    },
                },
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => match self.eval(cond, ctx).as_bool() {
                    Some(true) => {
                        if let Some(u) = self.template(then, ctx, out) {
                            return Some(u);
                        }
                    }
                    Some(false) => {
                        if let Some(u) = self.template(otherwise, ctx, out) {
                            return Some(u);
                        }
                    }
                    None => {
                        return Some(Unknown {
                            reason: "template condition not known".into(),
                            span: cond.span,
                        });
                    }
                },
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                } => {
                    let pairs = match self.eval(collection, ctx).into_pairs() {
                        Ok(pairs) => pairs,
                        Err(Value::Unknown(u)) => return Some(u),
                        Err(_) => {
                            return Some(Unknown {
                                reason: "error: template for needs a collection".into(),
                                span: collection.span,
                            });
                        }
                    };
                    for (k, v) in pairs {
                        let mut c = ctx.with_var(value_var, v);
                        if let Some(kv) = key_var {
                            c = c.with_var(kv, k);
                        }
                        if let Some(u) = self.template(body, &c, out) {
                            return Some(u);
                        }
                    }
                }
            }
        }
        None
    }

    fn binary(&self, op: BinaryOp, l: &Expr, r: &Expr, ctx: &Ctx, span: Span) -> Value {
        let a = self.eval(l, ctx);
        if op == BinaryOp::And && a.as_bool() == Some(false) {
            return Value::Bool(false);
        }
        if op == BinaryOp::Or && a.as_bool() == Some(true) {
            return Value::Bool(true);
        }
        let b = self.eval(r, ctx);
        match op {
            BinaryOp::And | BinaryOp::Or => match (a.as_bool(), b.as_bool()) {
                (Some(x), Some(y)) => {
                    Value::Bool(if op == BinaryOp::And { x && y } else { x || y })
                }
                _ if op == BinaryOp::And && b.as_bool() == Some(false) => Value::Bool(false),
                _ if op == BinaryOp::Or && b.as_bool() == Some(true) => Value::Bool(true),
                _ => unknown_of(&a, &b, span),
            },
            _ if a.is_unknown() || b.is_unknown() => unknown_of(&a, &b, span),
            BinaryOp::Eq => Value::Bool(loosely_equal(&a, &b)),
            BinaryOp::NotEq => Value::Bool(!loosely_equal(&a, &b)),
            _ => {
                let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
                    return Value::unknown("error: arithmetic needs numbers", span);
                };
                match op {
                    BinaryOp::Add => Value::Number(x + y),
                    BinaryOp::Sub => Value::Number(x - y),
                    BinaryOp::Mul => Value::Number(x * y),
                    BinaryOp::Div if y != 0.0 => Value::Number(x / y),
                    BinaryOp::Mod if y != 0.0 => Value::Number(x % y),
                    BinaryOp::Div | BinaryOp::Mod => {
                        Value::unknown("error: division by zero", span)
                    }
                    BinaryOp::Lt => Value::Bool(x < y),
                    BinaryOp::Le => Value::Bool(x <= y),
                    BinaryOp::Gt => Value::Bool(x > y),
                    BinaryOp::Ge => Value::Bool(x >= y),
                    _ => Value::unknown("error: bad operator", span),
                }
            }
        }
    }

    fn for_expr(&self, f: &crate::syntax::ForExpr, ctx: &Ctx, span: Span) -> Value {
        let pairs = match self.eval(&f.collection, ctx).into_pairs() {
            Ok(pairs) => pairs,
            Err(Value::Unknown(u)) => return Value::Unknown(u),
            Err(Value::Null) => return Value::unknown("error: for over null", f.collection.span),
            Err(other) => {
                return Value::unknown(
                    format!("error: cannot iterate over {}", other.type_name()),
                    span,
                );
            }
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
                match self.eval(cond, &c) {
                    Value::Unknown(u) => return Value::Unknown(u),
                    x => match x.as_bool() {
                        Some(true) => {}
                        Some(false) => continue,
                        None => {
                            return Value::unknown("error: for condition is not a bool", cond.span);
                        }
                    },
                }
            }
            let val = self.eval(&f.value_expr, &c);
            match &f.key_expr {
                None => list.push(val),
                Some(ke) => {
                    let key = match self.eval(ke, &c) {
                        Value::Unknown(u) => return Value::Unknown(u),
                        kv => match kv.as_string() {
                            Some(s) => s,
                            None => {
                                return Value::unknown("error: for key is not a string", ke.span);
                            }
                        },
                    };
                    if f.grouping {
                        groups.entry(key).or_default().push(val);
                    } else {
                        if map.contains_key(&key) {
                            return Value::unknown(
                                format!(
                                    "error: duplicate key {key:?} in for expression (use ... to group)"
                                ),
                                ke.span,
                            );
                        }
                        map.insert(key, val);
                    }
                }
            }
        }
        match (&f.key_expr, f.grouping) {
            (None, _) => Value::List(list),
            (Some(_), false) => Value::Map(map),
            (Some(_), true) => Value::Map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            ),
        }
    }

    fn call(&self, name: &str, args: &[Expr], expand_final: bool, ctx: &Ctx, span: Span) -> Value {
        match name {
            "file" | "templatefile" => return self.read_file(name, args, ctx, span),
            "try" => {
                let mut last = Value::unknown("error: try: no argument succeeded", span);
                for a in args {
                    let v = self.eval(a, ctx);
                    match &v {
                        Value::Unknown(u) if is_error(u) => last = v,
                        _ => return v,
                    }
                }
                return last;
            }
            "can" => {
                return match args.first().map(|a| self.eval(a, ctx)) {
                    Some(Value::Unknown(u)) if is_error(&u) => Value::Bool(false),
                    Some(Value::Unknown(u)) => Value::Unknown(u),
                    Some(_) => Value::Bool(true),
                    None => Value::unknown("error: can needs an argument", span),
                };
            }
            _ => {}
        }
        let mut vals: Vec<Value> = args.iter().map(|a| self.eval(a, ctx)).collect();
        if expand_final {
            match vals.pop() {
                Some(Value::List(items)) => vals.extend(items),
                Some(Value::Unknown(u)) => return Value::Unknown(u),
                Some(_) => return Value::unknown("error: ... needs a list", span),
                None => {}
            }
        }
        match funcs::call(name, vals, span) {
            Ok(v) => v,
            Err(msg) => Value::unknown(format!("error: {name}(): {msg}"), span),
        }
    }

    /// `file(path)` and `templatefile(path, vars)`: the file is read (workflow
    /// definitions and policies often live beside the module); paths are
    /// relative to the working directory, as in Terraform, and confined to
    /// the analysed tree.
    fn read_file(&self, name: &str, args: &[Expr], ctx: &Ctx, span: Span) -> Value {
        let Some(path_expr) = args.first() else {
            return Value::unknown(format!("error: {name}() needs a path"), span);
        };
        let path = match self.eval(path_expr, ctx) {
            Value::String(p) if value::is_concrete(&p) => p,
            Value::Unknown(u) => return Value::Unknown(u),
            _ => return Value::unknown(format!("{name}(): path not known"), span),
        };
        // Confined to the analysed tree (files.rs).
        let text = match files::read_text(&self.ws.tree, &self.ws.cwd, &path) {
            Ok(t) => t,
            Err(refused) => return Value::unknown(refused.reason(name), span),
        };
        if name == "file" {
            return Value::String(text);
        }
        let vars = match args.get(1).map(|a| self.eval(a, ctx)) {
            Some(Value::Map(m)) => m,
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Unknown(u)) => return Value::Unknown(u),
            Some(_) => {
                return Value::unknown("error: templatefile(): vars must be an object", span);
            }
        };
        let Some(template) = crate::syntax::parse_template(&text, span) else {
            return Value::unknown(
                format!("error: templatefile(): {path} is not a valid template"),
                span,
            );
        };
        // Only the given variables are in scope inside the template.
        let mut tctx = Ctx {
            inst: ctx.inst,
            each: None,
            count: None,
            scope: Rc::new(Vec::new()),
        };
        for (k, v) in vars {
            tctx = tctx.with_var(&k, v);
        }
        self.eval(&template, &tctx)
    }

    /// Resolves a reference rooted at `name` and applies the remaining operators.
    fn traverse(&self, name: &str, span: Span, ops: &[TraversalOp], ctx: &Ctx) -> Value {
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
                None => (
                    Value::unknown("error: var needs an attribute", span),
                    ops.len(),
                ),
            },
            "local" => match attr(0) {
                Some(n) => (self.local(ctx.inst, n, span), 1),
                None => (
                    Value::unknown("error: local needs an attribute", span),
                    ops.len(),
                ),
            },
            "each" => match (&ctx.each, attr(0)) {
                (Some(e), Some("key")) => (e.0.clone(), 1),
                (Some(e), Some("value")) => (e.1.clone(), 1),
                _ => (
                    Value::unknown("error: each used outside for_each", span),
                    ops.len(),
                ),
            },
            "count" => match (ctx.count, attr(0)) {
                (Some(i), Some("index")) => (Value::Number(i as f64), 1),
                _ => (
                    Value::unknown("error: count.index used outside count", span),
                    ops.len(),
                ),
            },
            "path" => {
                let dir = match attr(0) {
                    Some("module") => crate::load::display_path(&self.ws.cwd, &module.dir),
                    Some("root") => self.ws.modules[self.root].display.clone(),
                    _ => ".".to_string(),
                };
                (Value::String(dir), 1)
            }
            "terraform" => (Value::str("default"), 1),
            "self" => (Value::unknown("self is not evaluated", span), ops.len()),
            "module" => return self.module_ref(ctx.inst, ops, span, ctx),
            "data" => match (attr(0), attr(1)) {
                (Some(t), Some(n)) => match module.resource(Mode::Data, t, n) {
                    Some(decl) => return self.resource_ref(ctx.inst, decl, &ops[2..], span, ctx),
                    None => (
                        Value::unknown(format!("undeclared data.{t}.{n}"), span),
                        ops.len(),
                    ),
                },
                _ => (Value::unknown("error: bad data reference", span), ops.len()),
            },
            rtype => match attr(0).and_then(|n| module.resource(Mode::Managed, rtype, n)) {
                Some(decl) => return self.resource_ref(ctx.inst, decl, &ops[1..], span, ctx),
                None => (
                    Value::unknown(format!("undeclared reference {rtype}"), span),
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
                    let key = match (&k, keys.first().map(|x| &x.0)) {
                        (Value::Unknown(u), _) => return Value::Unknown(u.clone()),
                        (_, Some(InstanceKey::Int(_))) => {
                            k.as_number().map(|n| InstanceKey::Int(n as i64))
                        }
                        _ => k.as_string().map(InstanceKey::Str),
                    };
                    return match key {
                        Some(key) if keys.iter().any(|(x, _)| *x == key) => {
                            self.apply_ops(handle(Some(key)), &ops[1..], ctx, span)
                        }
                        _ => Value::unknown("error: no such resource instance", ix.span),
                    };
                }
                let whole = if matches!(keys.first(), Some((InstanceKey::Int(_), _))) {
                    Value::List(keys.iter().map(|(k, _)| handle(Some(k.clone()))).collect())
                } else {
                    Value::Map(
                        keys.iter()
                            .map(|(k, _)| match k {
                                InstanceKey::Str(s) => (s.clone(), handle(Some(k.clone()))),
                                InstanceKey::Int(i) => (i.to_string(), handle(Some(k.clone()))),
                            })
                            .collect(),
                    )
                };
                self.apply_ops(whole, ops, ctx, span)
            }
            Expansion::Unknown(_) => {
                let addr = self.resource_address(inst, decl, None);
                self.apply_ops(Value::Ref(addr.into()), ops, ctx, span)
            }
        }
    }

    fn module_ref(&self, inst: InstId, ops: &[TraversalOp], span: Span, ctx: &Ctx) -> Value {
        let Some(TraversalOp::Attr(name)) = ops.first() else {
            return Value::unknown("error: module needs a name", span);
        };
        let module = self.instance(inst).module;
        let Some(call_idx) = self.ws.modules[module]
            .calls
            .iter()
            .position(|c| &c.name == name)
        else {
            return Value::unknown(format!("undeclared module.{name}"), span);
        };
        let kids = self.children(inst, call_idx);
        let kids = match kids.as_ref() {
            Ok(k) => k.clone(),
            Err(u) => return Value::Unknown(u.clone()),
        };
        let outputs_of = |id: InstId| -> Value {
            let m = self.instance(id).module;
            let names: Vec<String> = self.ws.modules[m].outputs.keys().cloned().collect();
            Value::Map(
                names
                    .into_iter()
                    .map(|n| {
                        let v = self.output(id, &n, span);
                        (n, v)
                    })
                    .collect(),
            )
        };
        let keyed = self
            .instance(kids.first().copied().unwrap_or(0))
            .call
            .as_ref()
            .and_then(|c| c.1.clone())
            .is_some()
            || self.ws.modules[module].calls[call_idx]
                .block
                .body
                .attr("count")
                .is_some()
            || self.ws.modules[module].calls[call_idx]
                .block
                .body
                .attr("for_each")
                .is_some();
        if !keyed {
            let Some(&child) = kids.first() else {
                return Value::Null;
            };
            return match ops.get(1) {
                Some(TraversalOp::Attr(out)) => {
                    let v = self.output(child, out, span);
                    self.apply_ops(v, &ops[2..], ctx, span)
                }
                _ => self.apply_ops(outputs_of(child), &ops[1..], ctx, span),
            };
        }
        if let Some(TraversalOp::Index(ix)) = ops.get(1) {
            let k = self.eval(ix, ctx);
            if let Value::Unknown(u) = k {
                return Value::Unknown(u);
            }
            let found = kids.iter().copied().find(|id| {
                match self.instance(*id).call.as_ref().and_then(|c| c.1.clone()) {
                    Some(InstanceKey::Int(i)) => k.as_number() == Some(i as f64),
                    Some(InstanceKey::Str(s)) => k.as_string().as_deref() == Some(s.as_str()),
                    None => false,
                }
            });
            let Some(child) = found else {
                return Value::unknown("error: no such module instance", ix.span);
            };
            return match ops.get(2) {
                Some(TraversalOp::Attr(out)) => {
                    let v = self.output(child, out, span);
                    self.apply_ops(v, &ops[3..], ctx, span)
                }
                _ => self.apply_ops(outputs_of(child), &ops[2..], ctx, span),
            };
        }
        let counted = self.ws.modules[module].calls[call_idx]
            .block
            .body
            .attr("count")
            .is_some();
        let whole = if counted {
            Value::List(kids.iter().map(|id| outputs_of(*id)).collect())
        } else {
            Value::Map(
                kids.iter()
                    .map(|id| {
                        let key = match self.instance(*id).call.as_ref().and_then(|c| c.1.clone()) {
                            Some(InstanceKey::Str(s)) => s,
                            Some(InstanceKey::Int(i)) => i.to_string(),
                            None => String::new(),
                        };
                        (key, outputs_of(*id))
                    })
                    .collect(),
            )
        };
        self.apply_ops(whole, &ops[1..], ctx, span)
    }

    fn apply_ops(&self, mut v: Value, ops: &[TraversalOp], ctx: &Ctx, span: Span) -> Value {
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                TraversalOp::Attr(a) => v = self.get_attr(v, a, span),
                TraversalOp::Index(ix) => {
                    let k = self.eval(ix, ctx);
                    v = self.index(v, &k, ix.span);
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
                        Value::Null => vec![],
                        Value::Unknown(u) => return Value::Unknown(u),
                        other => vec![other],
                    };
                    v = Value::List(
                        items
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
            Value::Map(mut m) => m
                .remove(a)
                .unwrap_or_else(|| Value::unknown(format!("error: no attribute {a:?}"), span)),
            Value::Resource(h) => self.resource_attr(&h, a, span),
            Value::Ref(r) => Value::Ref(format!("{r}.{a}").into()),
            Value::Unknown(u) => Value::Unknown(u),
            Value::Null => Value::unknown(format!("error: attribute {a:?} of null"), span),
            other => Value::unknown(
                format!("error: {} has no attribute {a:?}", other.type_name()),
                span,
            ),
        }
    }

    fn index(&self, v: Value, k: &Value, span: Span) -> Value {
        if let Value::Unknown(u) = k {
            return Value::Unknown(u.clone());
        }
        match v {
            Value::List(items) => match k.as_number() {
                Some(n) if n >= 0.0 && (n as usize) < items.len() => items[n as usize].clone(),
                _ => Value::unknown("error: index out of range", span),
            },
            Value::Map(mut m) => match k.as_string() {
                Some(s) => m
                    .remove(&s)
                    .unwrap_or_else(|| Value::unknown(format!("error: no key {s:?}"), span)),
                None => Value::unknown("error: bad map key", span),
            },
            Value::Ref(r) => {
                let suffix = match k {
                    Value::Number(n) => format!("[{}]", value::format_number(*n)),
                    other => format!("[{}]", value::quote(&other.as_string().unwrap_or_default())),
                };
                Value::Ref(format!("{r}{suffix}").into())
            }
            Value::Unknown(u) => Value::Unknown(u),
            other => Value::unknown(format!("error: cannot index {}", other.type_name()), span),
        }
    }
}

#[derive(Default)]
pub struct Blocks<'b> {
    pub items: Vec<(&'b Body, Ctx)>,
    /// Set when a `dynamic` block's `for_each` was unknown.
    pub unknown: Option<Unknown>,
}

fn is_reference_root(name: &str) -> bool {
    matches!(
        name,
        "var" | "local" | "each" | "count" | "module" | "data" | "path" | "self" | "terraform"
    )
}

fn is_error(u: &Unknown) -> bool {
    u.reason.starts_with("error:")
}

fn unknown_of(a: &Value, b: &Value, span: Span) -> Value {
    match (a, b) {
        (Value::Unknown(u), _) | (_, Value::Unknown(u)) => Value::Unknown(u.clone()),
        _ => Value::unknown("error: operands of the wrong type", span),
    }
}

fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        _ => a == b,
    }
}

fn key_value(k: &InstanceKey) -> Value {
    match k {
        InstanceKey::Int(i) => Value::Number(*i as f64),
        InstanceKey::Str(s) => Value::String(s.clone()),
    }
}

/// Attributes of a tfvars file (HCL or JSON). JSON tfvars are plain values.
fn tfvars_attributes(f: &crate::syntax::SourceFile) -> &[Attribute] {
    &f.body.attributes
}
