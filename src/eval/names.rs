//! Named values of a module instance: input variables, locals, outputs,
//! and the default project of the `google` provider.

use super::types::Type;
use super::{Ctx, Evaluator, InstId, Key, RootInput, Unknown, UnknownKind, Value};
use crate::syntax::{Expr, ExprKind, Span};

impl Evaluator<'_> {
    /// `var.NAME` in instance `inst`, exactly as Terraform resolves it: the
    /// caller's argument (root: `--var`, tfvars, `TF_VAR_`), else the
    /// default; `null` passes through unless `nullable = false`, which
    /// turns it into the default.
    pub fn variable(&self, inst: InstId, name: &str, span: Span) -> Value {
        self.memo(Key::Var(inst, name.to_string()), span, || {
            let i = self.instance(inst);
            let module = &self.ws.modules[i.module];
            let Some(decl) = module.variables.get(name).map(|d| d.get(&self.ws.files)) else {
                return Value::error(format!("undeclared variable var.{name}"), span);
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
                            each: i.call_each.clone(),
                            count: i.call_count.clone(),
                            ..Ctx::new(parent)
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
                        None => Value::error(format!("cannot parse the value of var.{name}"), span),
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
                    None if i.parent.is_none() => {
                        return Value::unknown(UnknownKind::NoValue(name.into()), decl.span);
                    }
                    None => {
                        return Value::error(
                            format!("the module call does not set the required variable {name:?}"),
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
            match module.locals.get(name).map(|d| d.get(&self.ws.files)) {
                Some(a) => self.eval(&a.expr, &self.ctx(inst)),
                None => Value::error(format!("undeclared local.{name}"), span),
            }
        })
    }

    pub fn output(&self, inst: InstId, name: &str, span: Span) -> Value {
        self.memo(Key::Output(inst, name.to_string()), span, || {
            let module = &self.ws.modules[self.instance(inst).module];
            match module
                .outputs
                .get(name)
                .and_then(|b| b.get(&self.ws.files).body.attr("value"))
            {
                Some(a) => self.eval(&a.expr, &self.ctx(inst)),
                None => Value::error(format!("the module has no output {name:?}"), span),
            }
        })
    }

    /// The default project of the `google` provider of this root: known,
    /// or why not (`None` when the provider block does not set it).
    pub fn provider_project_value(&self) -> Option<Value> {
        let p = self.ws.modules[self.root].provider.as_ref()?;
        let a = p.body.attr("project")?;
        match self.eval(&a.expr, &self.root_ctx()) {
            Value::Null => None,
            v => Some(v),
        }
    }

    /// The provider's default project, when known in full.
    pub fn provider_project(&self) -> Option<String> {
        match self.provider_project_value()? {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Why the provider's project is not known, for messages.
    pub fn provider_project_unknown(&self, span: Span) -> Unknown {
        match self.provider_project_value() {
            Some(v) => v
                .not_known(span)
                .unwrap_or_else(|| Unknown::error(format!("project is a {}", v.type_name()), span)),
            None => Unknown::not_modelled(
                "no project set here and no project in the google provider block (it comes from the environment)",
                span,
            ),
        }
    }
}
