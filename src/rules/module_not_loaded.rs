//! RW003: a module call whose module runwarden could not read (a registry or
//! git module before `terraform init`, a local source that is missing or
//! empty): nothing inside it was analyzed. Reported by the check stage from
//! the loaded workspace, like RW002 (the access model only holds what was
//! read).

use super::{Category, Finding, Rule, Severity};
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "module-not-loaded",
    id: "RW003",
    severity: Severity::Note,
    category: Category::BlindSpot,
    allow: false,
    summary: "a module call whose module could not be read (not installed by terraform init, or a missing local source): nothing in it was analyzed",
    doc: include_str!("../../rules/module-not-loaded.md"),
    check,
};

fn check(_model: &AccessModel, _out: &mut Vec<Finding>) {}
