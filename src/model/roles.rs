//! What each IAM role lets its holder do to Cloud Run, in one table.
//!
//! Sources (see docs/facts.md for the full table with citations):
//! - Cloud Run IAM roles: https://cloud.google.com/run/docs/reference/iam/roles
//! - Roles and permissions index: https://cloud.google.com/iam/docs/roles-permissions/run
//! - Basic roles and Cloud Run: https://cloud.google.com/run/docs/securing/managing-access

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleInfo {
    pub name: &'static str,
    /// Carries `run.routes.invoke`.
    pub invoke_service: bool,
    /// Carries `run.jobs.run`.
    pub run_job: bool,
    /// Carries `cloudfunctions.functions.invoke` (1st gen functions).
    pub invoke_function: bool,
    /// Carries `run.services.setIamPolicy` / `run.jobs.setIamPolicy`.
    pub set_iam: bool,
    /// Grants nothing beyond invoking (services) or running (jobs).
    pub invoke_only: bool,
    /// `roles/owner`, `roles/editor`, `roles/viewer`.
    pub basic: bool,
}

const fn role(
    name: &'static str,
    invoke_service: bool,
    run_job: bool,
    set_iam: bool,
    invoke_only: bool,
    basic: bool,
) -> RoleInfo {
    RoleInfo {
        name,
        invoke_service,
        run_job,
        invoke_function: false,
        set_iam,
        invoke_only,
        basic,
    }
}

/// A role that carries `cloudfunctions.functions.invoke` too.
const fn invokes_functions(r: RoleInfo) -> RoleInfo {
    RoleInfo {
        invoke_function: true,
        ..r
    }
}

pub const ROLES: &[RoleInfo] = &[
    role("roles/run.invoker", true, true, false, true, false),
    role("roles/run.servicesInvoker", true, false, false, true, false),
    role("roles/run.jobsExecutor", false, true, false, false, false),
    role(
        "roles/run.jobsExecutorWithOverrides",
        false,
        true,
        false,
        false,
        false,
    ),
    role("roles/run.developer", true, true, false, false, false),
    role("roles/run.admin", true, true, true, false, false),
    role("roles/run.viewer", false, false, false, false, false),
    role(
        "roles/run.sourceDeveloper",
        false,
        false,
        false,
        false,
        false,
    ),
    invokes_functions(role(
        "roles/cloudfunctions.admin",
        true,
        true,
        true,
        false,
        false,
    )),
    // The iam-dataset snapshot lists run.routes.invoke and
    // cloudfunctions.functions.invoke, not run.jobs.run.
    invokes_functions(role(
        "roles/cloudfunctions.developer",
        true,
        false,
        false,
        false,
        false,
    )),
    invokes_functions(role(
        "roles/cloudfunctions.invoker",
        false,
        false,
        false,
        false,
        false,
    )),
    invokes_functions(role("roles/owner", true, true, true, false, true)),
    invokes_functions(role("roles/editor", true, true, false, false, true)),
    role("roles/viewer", false, false, false, false, true),
];

pub fn lookup(name: &str) -> Option<&'static RoleInfo> {
    ROLES.iter().find(|r| r.name == name)
}

/// True when `role` only lets its holder invoke (services) or run (jobs).
pub fn is_invoke_only(role: &str) -> bool {
    lookup(role).is_some_and(|r| r.invoke_only)
}

/// True when `role` only lets its holder invoke a service of kind `kind`:
/// `roles/cloudfunctions.invoker` for 1st gen functions, the Cloud Run
/// invoker roles otherwise.
pub fn is_invoke_only_for(kind: crate::model::ServiceKind, role: &str) -> bool {
    match kind {
        crate::model::ServiceKind::Function1 => role == "roles/cloudfunctions.invoker",
        _ => is_invoke_only(role),
    }
}

/// `roles/owner`, `roles/editor`, `roles/viewer`.
pub fn is_basic(role: &str) -> bool {
    lookup(role).is_some_and(|r| r.basic)
}

/// The permissions that let a principal invoke a service or run a job
/// (https://cloud.google.com/run/docs/reference/iam/permissions).
pub const INVOKE_PERMISSIONS: [&str; 2] = ["run.routes.invoke", "run.jobs.run"];

/// True when a predefined role carries `run.routes.invoke` or `run.jobs.run`.
pub fn carries_invoke(role: &str) -> bool {
    lookup(role).is_some_and(|r| r.invoke_service || r.run_job)
}

/// A role or permission written with a wildcard (`roles/run.*`, `run.*`).
/// IAM accepts neither: roles are named exactly and custom-role permissions
/// must be listed one by one (terraform-provider-google#6762:
/// "Permission automl.* is not valid").
pub fn has_wildcard(s: &str) -> bool {
    // Only the literal text counts: `${...}` parts are unresolved values.
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        if rest[..i].contains('*') {
            return true;
        }
        match rest[i..].find('}') {
            Some(j) => rest = &rest[i + j + 1..],
            None => return false,
        }
    }
    rest.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_invoke() {
        assert!(has_wildcard("roles/run.*"));
        assert!(has_wildcard("run.routes.*"));
        assert!(!has_wildcard("roles/run.invoker"));
        assert!(!has_wildcard("roles/${var.x}"));
        assert!(has_wildcard("roles/*${var.x}"));
        assert!(carries_invoke("roles/run.invoker"));
        assert!(carries_invoke("roles/editor"));
        assert!(!carries_invoke("roles/viewer"));
        assert!(is_basic("roles/viewer") && !is_basic("roles/run.viewer"));
    }
}
