//! Evaluation of one root module: variables (defaults, tfvars, `--var`,
//! `TF_VAR_*`), locals, outputs, module calls with `count`/`for_each`, and
//! resource attributes, all lazily and memoised so that only what the access
//! model asks for is computed. Cycles and expansion bombs end in unknown
//! values, never in a hang.
//!
//! - `instances.rs`: module instances, `count`/`for_each` expansion, addresses
//! - `names.rs`: variables, locals, outputs, the provider's project
//! - `refs.rs`: references (`var.x`, `module.m.o`, `google_x.y[0].attr`)
//! - `attrs.rs`: resource attributes, configured or computed by the provider
//! - `blocks.rs`: nested and `dynamic` blocks
//! - `expr.rs`: expressions, templates, operators, `for`
//! - `files.rs`: `file()` and its kin, confined to the analysed tree
//! - `funcs.rs`: built-in functions; `types.rs`: variable type constraints

mod attrs;
mod blocks;
mod expr;
mod files;
pub mod funcs;
mod instances;
mod names;
mod refs;
pub mod types;
pub mod value;

pub use blocks::Blocks;
pub use instances::{Expansion, Instance};
pub use value::{
    InstanceKey, Piece, Reference, ResourceHandle, Text, UNKNOWN_KEY_SUFFIX, Unknown, UnknownKind,
    Value,
};

use crate::load::{ModuleId, Workspace};
use crate::syntax::{Attribute, Expr, Span};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Most instances one `count`/`for_each` may create before we stop expanding.
pub const MAX_EXPANSION: usize = 10_000;
/// Most module instances in one root.
const MAX_MODULE_INSTANCES: usize = 20_000;
const MAX_MODULE_DEPTH: usize = 32;
const MAX_EVAL_DEPTH: u32 = 200;

pub type InstId = u32;

/// Instances created by one module call, or why they could not be created.
pub type Children = Rc<Result<Vec<InstId>, Unknown>>;

/// A name bound by `for`, a `dynamic` iterator or a template: a persistent
/// list, so that binding one name never copies the scope.
struct Binding {
    name: Rc<str>,
    value: Value,
    parent: Option<Rc<Binding>>,
}

/// Where an expression is evaluated: the module instance, `each` /
/// `count` of the resource or module call, and the names bound around it.
#[derive(Clone)]
pub struct Ctx {
    pub inst: InstId,
    each: Option<Rc<(Value, Value)>>,
    count: Option<Value>,
    scope: Option<Rc<Binding>>,
}

impl Ctx {
    fn new(inst: InstId) -> Ctx {
        Ctx {
            inst,
            each: None,
            count: None,
            scope: None,
        }
    }

    fn with_var(&self, name: &str, value: Value) -> Ctx {
        Ctx {
            scope: Some(Rc::new(Binding {
                name: name.into(),
                value,
                parent: self.scope.clone(),
            })),
            ..self.clone()
        }
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        let mut b = self.scope.as_deref();
        while let Some(x) = b {
            if &*x.name == name {
                return Some(&x.value);
            }
            b = x.parent.as_deref();
        }
        None
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Var(InstId, String),
    Local(InstId, String),
    Output(InstId, String),
    ResAttr(InstId, usize, Option<InstanceKey>, String),
}

/// What the provider computes: attributes a resource does not set
/// (service account emails, ids), and which resource bodies the loader kept.
pub trait Provider: Sync {
    /// `attr` of resource instance `h` when the configuration does not set
    /// it; `None` leaves it a reference known after apply.
    fn computed(&self, ev: &Evaluator, h: &ResourceHandle, attr: &str, span: Span)
    -> Option<Value>;
    /// Whether bodies of managed resources of this type were kept; the
    /// attributes of the others are references, never defaults.
    fn keeps_body(&self, rtype: &str) -> bool;
}

/// No provider: every attribute not set is a reference (for tests of the
/// evaluator alone).
pub struct NoProvider;

impl Provider for NoProvider {
    fn computed(&self, _: &Evaluator, _: &ResourceHandle, _: &str, _: Span) -> Option<Value> {
        None
    }
    fn keeps_body(&self, _: &str) -> bool {
        true
    }
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

enum RootInput {
    /// Raw text from `--var` or `TF_VAR_*`: a string, or HCL for complex types.
    Raw(String),
    Expr(Expr),
    /// A value taken from a plan file.
    Value(Value),
}

pub struct Evaluator<'w> {
    pub ws: &'w Workspace,
    pub root: ModuleId,
    provider: &'w dyn Provider,
    instances: RefCell<Vec<Rc<Instance>>>,
    children: RefCell<HashMap<(InstId, usize), Children>>,
    children_in_progress: RefCell<HashSet<(InstId, usize)>>,
    expansions: RefCell<HashMap<(InstId, usize), Rc<Expansion>>>,
    cache: RefCell<HashMap<Key, Value>>,
    /// Memoised keys being computed, innermost last (cycle detection).
    stack: RefCell<Vec<Key>>,
    /// Keys found to be part of a cycle: whatever they compute, they end
    /// unknown, so that the result never depends on which key was asked first.
    cyclic: RefCell<HashSet<Key>>,
    depth: Cell<u32>,
    root_inputs: HashMap<String, RootInput>,
    /// Problems met while instantiating modules.
    pub notes: RefCell<Vec<Unknown>>,
}

impl<'w> Evaluator<'w> {
    pub fn new(
        ws: &'w Workspace,
        root: ModuleId,
        inputs: &Inputs,
        provider: &'w dyn Provider,
    ) -> Evaluator<'w> {
        let mut root_inputs = HashMap::default();
        // Terraform's precedence, lowest first: env, terraform.tfvars,
        // *.auto.tfvars, then -var-file and -var in command-line order.
        for (k, v) in &inputs.env {
            root_inputs.insert(k.clone(), RootInput::Raw(v.clone()));
        }
        let tfvars = ws.modules[root].tfvars.iter().chain(ws.var_files.iter());
        for f in tfvars {
            for attr in tfvars_attributes(&ws.files[*f as usize]) {
                root_inputs.insert(attr.name.to_string(), RootInput::Expr(attr.expr.clone()));
            }
        }
        for (k, v) in &inputs.vars {
            root_inputs.insert(k.clone(), RootInput::Raw(v.clone()));
        }
        for (k, v) in &inputs.plan {
            root_inputs.insert(k.clone(), RootInput::Value(v.clone()));
        }
        Evaluator {
            ws,
            root,
            provider,
            instances: RefCell::new(vec![Rc::new(Instance::root(root))]),
            children: RefCell::default(),
            children_in_progress: RefCell::default(),
            expansions: RefCell::default(),
            cache: RefCell::default(),
            stack: RefCell::default(),
            cyclic: RefCell::default(),
            depth: Cell::new(0),
            root_inputs,
            notes: RefCell::default(),
        }
    }

    pub fn instance(&self, id: InstId) -> Rc<Instance> {
        self.instances.borrow()[id as usize].clone()
    }

    pub fn root_ctx(&self) -> Ctx {
        Ctx::new(0)
    }

    pub fn ctx(&self, inst: InstId) -> Ctx {
        Ctx::new(inst)
    }

    fn note(&self, u: &Unknown) {
        self.notes.borrow_mut().push(u.clone());
    }

    /// Computes `f` once per key. A key met again while it is being
    /// computed is a cycle: every key of the cycle ends unknown.
    fn memo(&self, key: Key, span: Span, f: impl FnOnce() -> Value) -> Value {
        if let Some(v) = self.cache.borrow().get(&key) {
            return v.clone();
        }
        {
            let stack = self.stack.borrow();
            if let Some(pos) = stack.iter().position(|k| *k == key) {
                let mut cyclic = self.cyclic.borrow_mut();
                cyclic.extend(stack[pos..].iter().cloned());
                return Value::unknown(UnknownKind::Cycle, span);
            }
        }
        self.stack.borrow_mut().push(key.clone());
        let mut v = f();
        self.stack.borrow_mut().pop();
        if self.cyclic.borrow_mut().remove(&key) {
            v = Value::unknown(UnknownKind::Cycle, span);
        }
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }
}

/// Attributes of a tfvars file (HCL or JSON). JSON tfvars are plain values.
fn tfvars_attributes(f: &crate::syntax::SourceFile) -> &[Attribute] {
    &f.body.attributes
}
