//! One resource instance being read by the provider's readers: its body, evaluation
//! context and address, and the reading helpers every reader uses. An
//! attribute set to `null` is an attribute not set, as in Terraform.

use crate::eval::{Blocks, Ctx, Evaluator, InstId, Unknown, Value};
use crate::model::Field;
use crate::syntax::{Attribute, Body, Span};

pub struct Res<'a, 'w> {
    pub ev: &'a Evaluator<'w>,
    pub rtype: &'a str,
    pub body: &'a Body,
    pub ctx: Ctx,
    pub address: String,
    pub span: Span,
    pub module_spans: Vec<Span>,
    pub inst: InstId,
    pub decl: usize,
}

impl<'a> Res<'a, '_> {
    /// An attribute that is set: its syntax and value; `None` when it is
    /// absent or `null`.
    pub fn attr(&self, name: &str) -> Option<(&'a Attribute, Value)> {
        attr_in(self.ev, self.body, &self.ctx, name)
    }

    /// A string attribute that is set, as a field, with its span.
    pub fn field(&self, name: &str) -> Option<(Field, Span)> {
        self.attr(name)
            .map(|(a, v)| (Field::from_value(v, a.span), a.span))
    }

    /// A string attribute known in full.
    pub fn known(&self, name: &str) -> Option<String> {
        match self.attr(name)?.1 {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn blocks(&self, kind: &str) -> Blocks<'a> {
        self.ev.blocks(self.body, kind, &self.ctx)
    }

    /// The blocks reached by following `path` (`["template", "spec"]`).
    pub fn nested(&self, path: &[&str]) -> Vec<(&'a Body, Ctx)> {
        let mut level = vec![(self.body, self.ctx.clone())];
        for kind in path {
            level = level
                .iter()
                .flat_map(|(b, c)| self.ev.blocks(b, kind, c).items)
                .collect();
        }
        level
    }

    /// `project`, or the provider's default project when it is not set.
    pub fn project(&self) -> Field {
        self.project_attr("project")
    }

    /// A project attribute, defaulting to the provider's project.
    pub fn project_attr(&self, name: &str) -> Field {
        match self.field(name) {
            Some((f, _)) => f,
            None => match self.ev.provider_project_value() {
                Some(v) => Field::from_value(v, self.span),
                None => Field::Unknown(self.ev.provider_project_unknown(self.span)),
            },
        }
    }

    /// Why this instance stands for instances that are not known (its own
    /// `count` / `for_each`, or a module call's above it).
    pub fn instances_unknown(&self) -> Option<Unknown> {
        if let Some(u) = self.ev.expansion(self.inst, self.decl).unknown() {
            return Some(u.clone());
        }
        self.ev.instance(self.inst).unknown_keys.clone()
    }

    /// The span of an attribute, or of the block when it is not set.
    pub fn span_of(&self, name: &str) -> Span {
        self.body.attr(name).map_or(self.span, |a| a.span)
    }

    pub fn not_set(&self, what: &str) -> Unknown {
        Unknown::not_modelled(format!("{what} is not set"), self.span)
    }
}

/// An attribute of `body` that is set (absent or `null`: `None`).
pub fn attr_in<'a>(
    ev: &Evaluator,
    body: &'a Body,
    ctx: &Ctx,
    name: &str,
) -> Option<(&'a Attribute, Value)> {
    let a = body.attr(name)?;
    match ev.eval(&a.expr, ctx) {
        Value::Null => None,
        v => Some((a, v)),
    }
}
