//! The rule registry. Each rule is one file: its name, id, default severity,
//! documentation (from `rules/<name>.md`) and a check over the access model.

mod basic_role;
pub mod caller_common;
mod domain_restricted_sharing;
mod iam_binding_conflict;
mod iam_policy_conflict;
mod iam_targets;
mod ingress_blocks_caller;
mod invalid_member;
mod invalid_suppression;
mod invoker_denied;
mod missing_invoker_grant;
mod module_not_loaded;
mod oidc_audience_mismatch;
mod org_policy_conflict;
mod overbroad_invoker_role;
mod overbroad_invoker_scope;
mod parse_error;
mod plan_removes_invoker;
mod public_exposure;
mod public_invoker;
mod public_privileged_role;
mod unauthenticated_caller;
mod unauthenticated_internal;
mod unmanaged_binding;
mod wildcard_role;

use crate::model::AccessModel;
use crate::syntax::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What a rule is about. Reports derive from it what they say of a rule
/// (SARIF tags and GitHub's security-severity); baselines from whether it is
/// a blind spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// runwarden could not see part of the configuration (a file it could
    /// not parse, a module it could not read). A baseline never records or
    /// hides these: accepting one would accept whatever the unseen part
    /// holds, now and later.
    BlindSpot,
    /// runwarden's own input (suppression comments).
    Input,
    /// Anyone on the internet can call a service.
    PublicExposure,
    /// Anyone can act with a privileged role.
    PrivilegedExposure,
    /// A caller that will be refused (a 401/403 in production).
    CallerAccess,
    /// More access than one per-service grant.
    LeastPrivilege,
    /// IAM resources that fight each other or live state no code manages.
    Drift,
    /// Apply fails (an invalid member, a policy the organization forbids).
    Validity,
}

impl Category {
    /// SARIF `properties.tags`.
    pub fn tags(self) -> &'static [&'static str] {
        match self {
            Category::BlindSpot | Category::Input => &["correctness"],
            Category::PublicExposure | Category::PrivilegedExposure => {
                &["security", "public-exposure", "external/cwe/cwe-284"]
            }
            Category::CallerAccess => &["reliability", "authentication"],
            Category::LeastPrivilege => &["security", "least-privilege", "external/cwe/cwe-250"],
            Category::Drift => &["reliability", "drift"],
            Category::Validity => &["correctness", "iam"],
        }
    }

    /// GitHub's `security-severity` (0.1-10; 9+ critical, 7+ high, 4+
    /// medium) of a finding of this category at `severity`. Findings about
    /// runwarden's own input carry none: GitHub lists them as plain problems.
    pub fn security_severity(self, severity: Severity) -> Option<&'static str> {
        match (self, severity) {
            (Category::BlindSpot | Category::Input, _) => None,
            (Category::PrivilegedExposure, Severity::Error) => Some("9.1"),
            (_, Severity::Error) => Some("8.0"),
            (_, Severity::Warning) => Some("5.0"),
            (_, Severity::Note) => Some("2.0"),
        }
    }
}

/// A rule, declared once in its own file: everything the CLI, the config,
/// suppressions and the reports know about it comes from here.
pub struct Rule {
    pub name: &'static str,
    pub id: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// Whether `[rules.<name>] allow = [...]` (service name globs) applies.
    pub allow: bool,
    pub summary: &'static str,
    /// Markdown documentation, `rules/<name>.md`.
    pub doc: &'static str,
    pub check: fn(&AccessModel, &mut Vec<Finding>),
}

/// Every rule, in id order.
pub static RULES: &[&Rule] = &[
    &parse_error::RULE,
    &invalid_suppression::RULE,
    &module_not_loaded::RULE,
    &public_invoker::RULE,
    &public_privileged_role::RULE,
    &unauthenticated_internal::RULE,
    &missing_invoker_grant::RULE,
    &unauthenticated_caller::RULE,
    &oidc_audience_mismatch::RULE,
    &ingress_blocks_caller::RULE,
    &invoker_denied::RULE,
    &basic_role::RULE,
    &wildcard_role::RULE,
    &overbroad_invoker_scope::RULE,
    &overbroad_invoker_role::RULE,
    &iam_policy_conflict::RULE,
    &iam_binding_conflict::RULE,
    &unmanaged_binding::RULE,
    &plan_removes_invoker::RULE,
    &invalid_member::RULE,
    &domain_restricted_sharing::RULE,
    &org_policy_conflict::RULE,
];

/// The rule's name for a rule name or id (any case for the id), if it is one.
pub fn contract_name(name: &str) -> Option<&'static str> {
    by_name(name).map(|r| r.name)
}

pub fn by_name(name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.name == name || r.id.eq_ignore_ascii_case(name))
}

pub fn parse_error() -> &'static Rule {
    &parse_error::RULE
}

pub fn invalid_suppression() -> &'static Rule {
    &invalid_suppression::RULE
}

pub fn module_not_loaded() -> &'static Rule {
    &module_not_loaded::RULE
}

/// Whether findings of `rule` say runwarden could not see part of the
/// configuration (see [`Category::BlindSpot`]).
pub fn is_blind_spot(rule: &Rule) -> bool {
    rule.category == Category::BlindSpot
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Index of the root module in the model.
    pub root: usize,
    pub resource: String,
    pub related: Vec<String>,
    /// Blocks whose suppression comments cover this finding (the resource,
    /// the data source, the module calls leading to it).
    pub anchors: Vec<Span>,
    pub help: Option<String>,
    /// Names that `[rules.<name>] allow` globs are matched against.
    pub allow_keys: Vec<String>,
    /// Why it is suppressed, when it is.
    pub suppressed: Option<String>,
    /// Terraform that would fix it (shown in help, `fix` in JSON).
    pub fix: Option<String>,
    /// What tells this finding apart from others of its rule on the same
    /// resource, in words that do not change when the message is reworded:
    /// the member, the target service, the role. Part of the fingerprint.
    pub key: String,
    /// Identity across runs (baselines, SARIF `partialFingerprints`), set
    /// by the check once every finding is known.
    pub fingerprint: String,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Finding {
    pub fn new(
        rule: &'static Rule,
        span: Span,
        root: usize,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into(),
            span,
            root,
            resource: resource.into(),
            related: Vec::new(),
            anchors: Vec::new(),
            help: None,
            allow_keys: Vec::new(),
            suppressed: None,
            fix: None,
            key: String::new(),
            fingerprint: String::new(),
        }
    }

    /// Sets [`Finding::key`].
    pub fn keyed(mut self, key: impl Into<String>) -> Finding {
        self.key = key.into();
        self
    }
}

/// Findings about a resource whose instances are not known (address `[*]`)
/// describe something that may not exist: never errors.
pub fn cap_unknown_instances(findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        if f.resource.contains(crate::eval::UNKNOWN_KEY_SUFFIX) && f.severity == Severity::Error {
            f.severity = Severity::Warning;
            f.message.push_str(
                " (its count or for_each is not known, so it may not exist; see --explain-unknown)",
            );
        }
    }
}

/// The first paragraph after the title and severity lines of a rule doc.
pub fn doc_summary(doc: &str) -> &str {
    doc.lines()
        .skip(1)
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("**Severity"))
        .unwrap_or("")
}
