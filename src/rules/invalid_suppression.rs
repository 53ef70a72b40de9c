//! RW002: `runwarden:ignore` comments that do not work: no reason, an
//! unknown rule, a bad or past `until=` date. Reported by the suppression
//! stage (it needs comments, which the access model does not hold).

use super::{Category, Finding, Rule, Severity};
use crate::model::AccessModel;

pub static RULE: Rule = Rule {
    name: "invalid-suppression",
    id: "RW002",
    severity: Severity::Note,
    category: Category::Input,
    allow: false,
    summary: "a runwarden:ignore comment without a reason, naming an unknown rule, or past its until= date",
    doc: include_str!("../../rules/invalid-suppression.md"),
    check,
};

fn check(_model: &AccessModel, _out: &mut Vec<Finding>) {}
