//! The access decision, one path for every rule and for `runwarden why`.
//!
//! Google Cloud decides a request to a Cloud Run service in this order:
//! `invoker_iam_disabled` skips IAM; otherwise a deny policy attached above
//! the service (organization, folder, project) that denies the principal the
//! permission refuses it whatever the grants say; otherwise a grant of a
//! role carrying the permission, to the principal (or a set holding it), on
//! the service or above it, lets it in if its condition holds.
//!
//! - `deny.rs`: the deny layer; `allow.rs`: the allow layer and roles;
//!   `members.rs`: who a member or principal identifier stands for;
//!   `path.rs`: the network path (ingress, default URL, load balancers,
//!   with `iap.rs`, who passes IAP) and the token

mod allow;
mod conditions;
mod deny;
pub mod iap;
mod members;
pub mod path;

pub use members::{is_compute_default, is_iap_agent};

use crate::model::callers::{Action, Identity};
use crate::model::{AccessModel, ServiceKind};
use crate::syntax::Span;

/// The permission a request needs on a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// `run.routes.invoke`: an HTTP request to a service or 2nd gen function.
    RoutesInvoke,
    /// `run.jobs.run`: running a job through the Cloud Run Admin API.
    JobsRun,
    /// `cloudfunctions.functions.invoke`: an HTTP request to a 1st gen function.
    FunctionsInvoke,
}

impl Permission {
    pub fn of(kind: ServiceKind, action: &Action) -> Permission {
        if kind.is_job() || *action == Action::RunJob {
            Permission::JobsRun
        } else if kind == ServiceKind::Function1 {
            Permission::FunctionsInvoke
        } else {
            Permission::RoutesInvoke
        }
    }

    /// The v1 name, as roles list it.
    pub fn name(self) -> &'static str {
        match self {
            Permission::RoutesInvoke => "run.routes.invoke",
            Permission::JobsRun => "run.jobs.run",
            Permission::FunctionsInvoke => "cloudfunctions.functions.invoke",
        }
    }

    /// The v2 name, as deny policies write it.
    pub fn deny_name(self) -> &'static str {
        match self {
            Permission::RoutesInvoke => "run.googleapis.com/routes.invoke",
            Permission::JobsRun => "run.googleapis.com/jobs.run",
            Permission::FunctionsInvoke => "cloudfunctions.googleapis.com/functions.invoke",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Allowed by these grants (indexes into `AccessModel::grants`); `broad`
    /// is true when every one of them is a role far broader than an invoker role.
    Allowed { grants: Vec<usize>, broad: bool },
    /// Anyone may: a public grant or `invoker_iam_disabled`.
    Public(String),
    /// A deny policy refuses it (indexes into `deny_policies` and its rules).
    DeniedByPolicy { policy: usize, rule: usize },
    /// Could not be decided; says what could not be seen.
    Partial(String),
    /// No grant in the configuration allows it.
    Denied,
}

/// The outcome of one layer of the decision, for `runwarden why`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Pass,
    Fail,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub layer: &'static str,
    pub step: Step,
    pub because: String,
    pub span: Option<Span>,
}

/// What the deny layer says about a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Deny {
    /// No deny rule in the configuration refuses it.
    None,
    /// This rule refuses it (indexes into `deny_policies` and its rules).
    Denied { policy: usize, rule: usize },
    /// A rule may refuse it; says why that cannot be told.
    Maybe {
        policy: usize,
        rule: usize,
        why: String,
    },
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub deny: Deny,
    /// The allow layer's verdict (`invoker_iam_disabled` included).
    pub allow: Verdict,
    /// Grants to the principal that do not let it in although they seem
    /// to: a condition that cannot hold for this request (expired, another
    /// resource), or the 2nd gen function trap. Grant index and why, as a
    /// phrase after "grants ROLE".
    pub refused: Vec<(usize, String)>,
    pub layers: Vec<Layer>,
}

impl Decision {
    /// The outcome of both layers: a deny wins over any grant; a deny that
    /// may apply leaves an allowed request undecided.
    pub fn verdict(&self) -> Verdict {
        match (&self.deny, &self.allow) {
            (_, v @ Verdict::Public(_)) if self.iam_disabled() => v.clone(),
            (Deny::Denied { policy, rule }, _) => Verdict::DeniedByPolicy {
                policy: *policy,
                rule: *rule,
            },
            (Deny::Maybe { why, .. }, Verdict::Allowed { .. } | Verdict::Public(_)) => {
                Verdict::Partial(why.clone())
            }
            (_, v) => v.clone(),
        }
    }

    fn iam_disabled(&self) -> bool {
        self.layers
            .first()
            .is_some_and(|l| l.because.starts_with("invoker_iam_disabled"))
    }
}

struct Decider<'m> {
    model: &'m AccessModel,
}

/// Whether `identity` may perform `action` on service `service`, layer by layer.
pub fn decide(
    model: &AccessModel,
    service: usize,
    identity: &Identity,
    action: &Action,
) -> Decision {
    let d = Decider { model };
    let s = &model.services[service];
    let permission = Permission::of(s.kind, action);
    let mut layers = Vec::new();
    if permission == Permission::RoutesInvoke && s.invoker_iam_disabled.is_some() {
        layers.push(Layer {
            layer: "allow",
            step: Step::Pass,
            because: "invoker_iam_disabled: Cloud Run does not check IAM for invocations".into(),
            span: s.invoker_iam_disabled,
        });
        return Decision {
            deny: Deny::None,
            allow: Verdict::Public("invoker_iam_disabled".into()),
            refused: Vec::new(),
            layers,
        };
    }
    let deny = d.deny(service, identity, permission, &mut layers);
    let mut refused = Vec::new();
    let allow = d.allow(service, identity, permission, &mut refused);
    for (g, why) in &refused {
        let grant = &model.grants[*g];
        layers.push(Layer {
            layer: if grant.condition.is_some() {
                "condition"
            } else {
                "allow"
            },
            step: Step::Fail,
            because: format!("{} grants {} {why}", grant.address, grant.role),
            span: Some(
                grant
                    .condition
                    .as_ref()
                    .map(|c| c.span)
                    .unwrap_or(grant.role_span),
            ),
        });
    }
    layers.push(match &allow {
        Verdict::Allowed { grants, .. } => Layer {
            layer: "allow",
            step: Step::Pass,
            because: format!(
                "{} grants {}",
                model.grants[grants[0]].address, model.grants[grants[0]].role
            ),
            span: Some(model.grants[grants[0]].role_span),
        },
        Verdict::Public(why) => Layer {
            layer: "allow",
            step: Step::Pass,
            because: why.clone(),
            span: None,
        },
        Verdict::Partial(why) => Layer {
            layer: "allow",
            step: Step::Unknown,
            because: why.clone(),
            span: None,
        },
        _ => Layer {
            layer: "allow",
            step: Step::Fail,
            because: format!(
                "no grant in the configuration gives {} to {}",
                permission.name(),
                identity.describe()
            ),
            span: None,
        },
    });
    Decision {
        deny,
        allow,
        refused,
        layers,
    }
}

/// The deny layer alone, for a public principal (`Identity::None` for
/// `allUsers`, `Identity::AnyAccount` for `allAuthenticatedUsers`) or any
/// identity.
pub fn deny_of(model: &AccessModel, service: usize, identity: &Identity, action: &Action) -> Deny {
    let d = Decider { model };
    let s = &model.services[service];
    let permission = Permission::of(s.kind, action);
    if permission == Permission::RoutesInvoke && s.invoker_iam_disabled.is_some() {
        return Deny::None;
    }
    d.deny(service, identity, permission, &mut Vec::new())
}

/// [`decide`], the verdict only.
pub fn may(model: &AccessModel, service: usize, identity: &Identity, action: &Action) -> Verdict {
    decide(model, service, identity, action).verdict()
}
