//! RW001: files that cannot be parsed. Produced by the loading stage; the
//! check reads the problems recorded in the model.

use super::{Category, Finding, Rule, Severity};
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "parse-error",
    id: "RW001",
    severity: Severity::Error,
    category: Category::BlindSpot,
    allow: false,
    summary: "a Terraform file that cannot be parsed; the rest is still analyzed",
    doc: include_str!("../../rules/parse-error.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for p in &model.file_problems {
        let mut f = Finding::new(&RULE, p.span, p.root, "", p.message.clone());
        f.help = Some("fix the syntax; `terraform validate` shows the same problem".into());
        out.push(f);
    }
}
