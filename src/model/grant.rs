//! Grants: every way Terraform gives a principal a role on a service, job
//! or function (`*_iam_member`, `*_iam_binding`, `*_iam_policy` with
//! `data "google_iam_policy"` or `jsonencode` documents), and on projects,
//! folders and organizations; conditions included.

use super::{Field, ServiceKind};
use crate::eval::{Reference, Unknown};
use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Member,
    Binding,
    Policy,
}

/// Which resources a service-level IAM resource manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Cloud Run services (`google_cloud_run_service_iam_*`,
    /// `google_cloud_run_v2_service_iam_*`): v1 and v2 manage the same
    /// services, and functions (2nd gen) are services too.
    Service { v2: bool },
    /// `google_cloud_run_v2_job_iam_*`.
    Job,
    /// `google_cloudfunctions2_function_iam_*`: the function resource's own
    /// policy (not the Cloud Run service behind it).
    Function2,
    /// `google_cloudfunctions_function_iam_*` (1st gen functions).
    Function1,
}

impl Family {
    /// The kind of a service this family names that the configuration
    /// does not declare.
    pub fn kind(self) -> ServiceKind {
        match self {
            Family::Service { v2: true } => ServiceKind::V2Service,
            Family::Service { v2: false } => ServiceKind::V1Service,
            Family::Job => ServiceKind::V2Job,
            Family::Function2 => ServiceKind::Function2,
            Family::Function1 => ServiceKind::Function1,
        }
    }

    /// Whether a grant of this family is on service kind `k`.
    pub fn manages(self, k: ServiceKind) -> bool {
        match self {
            Family::Service { .. } => !k.is_job() && k != ServiceKind::Function1,
            Family::Job => k.is_job(),
            Family::Function2 => k == ServiceKind::Function2,
            Family::Function1 => k == ServiceKind::Function1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Linked to these services (indexes into `AccessModel::services`).
    Services(Vec<usize>),
    /// A service-level grant whose service could not be resolved.
    Unresolved(Unknown),
    Project(Field),
    Folder(Field),
    Organization(Field),
}

#[derive(Debug, Clone)]
pub struct Member {
    pub value: Field,
    /// The attribute holding it (`member`, `members`, `policy_data`).
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub expression: Field,
    pub title: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub root: usize,
    pub address: String,
    pub resource_type: String,
    pub kind: GrantKind,
    pub scope: Scope,
    pub role: Field,
    pub role_span: Span,
    pub members: Vec<Member>,
    pub condition: Option<Condition>,
    pub span: Span,
    pub module_spans: Vec<Span>,
    /// The `data "google_iam_policy"` that holds this binding, if any.
    pub via: Option<String>,
    /// Span of the data source block, for suppression above it.
    pub via_span: Option<Span>,
    /// How a service-level grant names its service, job or function.
    pub target: Option<Target>,
    /// The attribute naming the target (`name`, `service`, `project`,
    /// `folder`, `org_id`), or the resource block when it is not set.
    pub target_span: Span,
    /// The grant's instances are not known (`[*]`): it may not exist.
    pub maybe: Option<Unknown>,
}

impl Grant {
    /// The role when known in full.
    pub fn role_name(&self) -> Option<&str> {
        self.role.known()
    }
}

/// How a service-level grant names its target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub family: Family,
    /// The resource the name refers to (`google_cloud_run_v2_service.x.name`).
    pub reference: Option<Reference>,
    pub name: Field,
    pub project: Field,
    pub location: Field,
}

impl Target {
    /// The target in words: `"api"`, `projects/p/locations/l/services/api`.
    pub fn describe(&self) -> String {
        match (&self.name, self.project.known(), self.location.known()) {
            (Field::Known(n), Some(p), Some(l)) => {
                let kind = if self.family == Family::Job {
                    "jobs"
                } else {
                    "services"
                };
                format!("projects/{p}/locations/{l}/{kind}/{n}")
            }
            (name, _, _) => format!("{:?}", name.to_string()),
        }
    }
}
