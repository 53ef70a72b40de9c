//! RW303: a role that can invoke services or run jobs, granted at project,
//! folder or organization level.

use super::iam_targets as t;
use super::public_exposure::grant_anchors;
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, Scope, roles};

pub static RULE: Rule = Rule {
    name: "overbroad-invoker-scope",
    id: "RW303",
    severity: Severity::Warning,
    category: Category::LeastPrivilege,
    allow: false,
    summary: "roles/run.invoker (or a role containing its permissions) granted at project, folder or organization level",
    doc: include_str!("../../rules/overbroad-invoker-scope.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for grant in &model.grants {
        let level = match &grant.scope {
            Scope::Project(_) => "project",
            Scope::Folder(_) => "folder",
            Scope::Organization(_) => "organization",
            _ => continue,
        };
        // A condition on `resource.name` / `resource.type` / tags narrows the
        // grant to chosen services: that is the recommended way to scope it.
        if grant.condition.as_ref().is_some_and(|c| {
            let e = c.expression.to_string();
            [
                "resource.name",
                "resource.type",
                "resource.matchTag",
                "resource.hasTagKey",
            ]
            .iter()
            .any(|a| e.contains(a))
        }) {
            continue;
        }
        let custom = model.org.custom_role(grant.root, &grant.role);
        // (role name, how it carries the permissions, invokes services, runs jobs)
        let (role, why, services, jobs) = match (grant.role_name(), custom) {
            (_, Some(c)) => {
                let perms: Vec<&str> = roles::INVOKE_PERMISSIONS
                    .into_iter()
                    .filter(|p| c.has_permission(p))
                    .collect();
                if perms.is_empty() {
                    continue;
                }
                (
                    c.name.clone().unwrap_or_else(|| c.address.clone()),
                    format!(" (custom role with {})", perms.join(", ")),
                    c.has_permission("run.routes.invoke"),
                    c.has_permission("run.jobs.run"),
                )
            }
            (Some(r), None) => match roles::lookup(r) {
                Some(info) if info.invoke_service || info.run_job => (
                    r.to_string(),
                    String::new(),
                    info.invoke_service,
                    info.run_job,
                ),
                _ => continue,
            },
            _ => continue,
        };
        let effect = match (services, jobs) {
            (true, true) => "every Cloud Run service and job in it becomes invocable",
            (true, false) => "every Cloud Run service in it becomes invocable",
            _ => "every Cloud Run job in it can be run",
        };
        let mut f = Finding::new(
            &RULE,
            grant.role_span,
            grant.root,
            &grant.address,
            format!(
                "{role}{why} granted to {} at {level} level ({}): {effect}",
                t::members_label(grant),
                t::grant_label(model, grant)
            ),
        );
        f.key = role.to_string();
        f.related.extend(custom.map(|c| c.address.clone()));
        f.related.extend(grant.via.clone());
        f.anchors = grant_anchors(grant, grant.role_span);
        f.help = Some(
            "grant roles/run.invoker on the services or jobs that need it (google_cloud_run_v2_service_iam_member), or add an IAM condition on resource.name".into(),
        );
        out.push(f);
    }
}
