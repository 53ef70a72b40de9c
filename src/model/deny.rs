//! IAM deny policies (`google_iam_deny_policy`): attached to an
//! organization, a folder or a project, they refuse permissions to
//! principals whatever the allow policies grant. Formats are cited in
//! docs/facts.md.

use super::Field;
use super::org::Node;
use crate::eval::Unknown;
use crate::syntax::Span;

#[derive(Debug, Clone)]
pub struct DenyPolicy {
    pub root: usize,
    pub address: String,
    /// Where it is attached (`parent`), or why that is not known.
    pub attached: Result<Node, Unknown>,
    pub rules: Vec<DenyRule>,
    pub span: Span,
    pub module_spans: Vec<Span>,
}

#[derive(Debug, Clone)]
pub struct DenyRule {
    /// v2 principal identifiers (`principal://...`, `principalSet://...`).
    pub denied_principals: Vec<Field>,
    pub exception_principals: Vec<Field>,
    /// v2 permission names (`run.googleapis.com/routes.invoke`), wildcards
    /// allowed.
    pub denied_permissions: Vec<Field>,
    pub exception_permissions: Vec<Field>,
    /// `denial_condition.expression`, when set.
    pub condition: Option<Field>,
    /// The `denied_principals` attribute (or the rule block).
    pub span: Span,
}
