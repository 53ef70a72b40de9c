//! RW404: a `--plan` deletes or replaces a grant, or updates an
//! authoritative binding or policy so that it drops a member, while a caller
//! in the configuration still relies on that grant to invoke a service.

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::{Verdict, is_compute_default, is_iap_agent};
use crate::model::{AccessModel, Action, Caller, Field, Identity, Service, roles};
use crate::plan::PlanChange;
use crate::provider::is_iam_type;
use crate::syntax::Span;
use serde_json::Value as J;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    name: "plan-removes-invoker",
    id: "RW404",
    severity: Severity::Error,
    category: Category::Drift,
    allow: false,
    summary: "the plan deletes or replaces a grant that a caller in the configuration still relies on",
    doc: include_str!("../../rules/plan-removes-invoker.md"),
    check,
};

/// What a removed grant applied to, read from its `before` values.
enum Target {
    Service {
        jobs: bool,
        name: String,
        project: Option<String>,
        location: Option<String>,
    },
    Project(Option<String>),
    /// Folder or organization: every service below it.
    Everything,
}

impl Target {
    fn covers(&self, s: &Service) -> bool {
        let agree = |a: &Option<String>, b: &Field| match (a, b.known()) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        match self {
            Target::Service {
                jobs,
                name,
                project,
                location,
            } => {
                s.kind.is_job() == *jobs
                    && s.name.known() == Some(name.as_str())
                    && agree(project, &s.project)
                    && agree(location, &s.location)
            }
            Target::Project(p) => agree(p, &s.project),
            Target::Everything => true,
        }
    }
}

fn text(v: &J, key: &str) -> Option<String> {
    v.get(key).and_then(J::as_str).map(str::to_string)
}

fn target(rtype: &str, before: &J) -> Option<Target> {
    if rtype.starts_with("google_project_iam_") {
        return Some(Target::Project(text(before, "project")));
    }
    if rtype.starts_with("google_folder_iam_") || rtype.starts_with("google_organization_iam_") {
        return Some(Target::Everything);
    }
    let attr = if rtype.starts_with("google_cloud_run_service_iam_") {
        "service"
    } else {
        "name"
    };
    let written = text(before, attr)?;
    let mut project = text(before, "project");
    let mut location = text(before, "location");
    let parts: Vec<&str> = written.trim_start_matches("v1/").split('/').collect();
    let name = match parts.as_slice() {
        ["projects", p, "locations", l, _, n] | ["locations", l, "namespaces", p, _, n] => {
            project = Some(p.to_string());
            location = Some(l.to_string());
            n.to_string()
        }
        _ => written,
    };
    Some(Target::Service {
        jobs: rtype.starts_with("google_cloud_run_v2_job_iam_"),
        name,
        project,
        location,
    })
}

/// (role, member) pairs a grant's values hold.
fn pairs(rtype: &str, v: &J) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let members = |b: &J| -> Vec<String> {
        b.get("members")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    if rtype.ends_with("_member") {
        if let (Some(r), Some(m)) = (text(v, "role"), text(v, "member")) {
            out.insert((r, m));
        }
    } else if rtype.ends_with("_binding") {
        if let Some(r) = text(v, "role") {
            out.extend(members(v).into_iter().map(|m| (r.clone(), m)));
        }
    } else if let Some(doc) =
        text(v, "policy_data").and_then(|d| serde_json::from_str::<J>(&d).ok())
    {
        for b in doc
            .get("bindings")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = text(b, "role") {
                out.extend(members(b).into_iter().map(|m| (r.clone(), m)));
            }
        }
    }
    out
}

/// The (role, member) pairs the change takes away, or `None` when it takes
/// nothing away or cannot be told (values known only after apply).
fn removed(c: &PlanChange) -> Option<(BTreeSet<(String, String)>, &'static str)> {
    let actions: Vec<&str> = c.actions.iter().map(String::as_str).collect();
    let before = pairs(&c.rtype, &c.before);
    let (after, verb) = match actions.as_slice() {
        ["delete"] => (BTreeSet::new(), "deletes"),
        ["delete", "create"] | ["create", "delete"] | ["update"] => {
            let unknown = ["role", "member", "members", "policy_data"]
                .iter()
                .any(|k| {
                    c.after_unknown
                        .get(k)
                        .is_some_and(|u| u.as_bool() == Some(true))
                });
            if unknown {
                return None;
            }
            let verb = if actions == ["update"] {
                "updates"
            } else {
                "replaces"
            };
            (pairs(&c.rtype, &c.after), verb)
        }
        _ => return None,
    };
    let gone: BTreeSet<(String, String)> = before.difference(&after).cloned().collect();
    (!gone.is_empty()).then_some((gone, verb))
}

/// Whether a grant to `member` is one `caller` may be using.
fn relies(caller: &Caller, member: &str) -> bool {
    let public = crate::model::is_public(member);
    match &caller.identity {
        Identity::Member(m) => m.known() == Some(member) || public,
        Identity::IapAgent => is_iap_agent(&Field::Known(member.to_string())) || public,
        Identity::ComputeDefault { .. } => {
            is_compute_default(&Field::Known(member.to_string())) || public
        }
        Identity::None => member == "allUsers",
        Identity::AnyAccount => public,
        Identity::Unknown(_) => false,
    }
}

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    let Some(file) = model.plan_file else {
        return;
    };
    for change in &model.plan_changes {
        if !is_iam_type(&change.rtype) {
            continue;
        }
        let Some((gone, verb)) = removed(change) else {
            continue;
        };
        let Some(target) = target(&change.rtype, &change.before) else {
            continue;
        };
        let span = Span::new(file, change.start..change.end);
        let mut seen = BTreeSet::new();
        for (role, member) in &gone {
            let Some(info) = roles::lookup(role) else {
                continue;
            };
            for c in &model.callers {
                if !relies(c, member) {
                    continue;
                }
                for &t in &c.targets {
                    let s = &model.services[t];
                    let needs_run = c.action == Action::RunJob || s.kind.is_job();
                    let carries = if needs_run {
                        info.run_job
                    } else {
                        info.invoke_service
                    };
                    if !carries || !target.covers(s) {
                        continue;
                    }
                    // Still allowed by what remains after apply: nothing breaks.
                    if crate::authz::may(model, t, &c.identity, &c.action) != Verdict::Denied {
                        continue;
                    }
                    if !seen.insert((c.address.clone(), t)) {
                        continue;
                    }
                    let how = match c.identity {
                        Identity::None => "without an identity token".to_string(),
                        _ => format!("as {}", cc::identity_text(c)),
                    };
                    let mut f = Finding::new(
                        &RULE,
                        span,
                        c.root,
                        &change.address,
                        format!(
                            "the plan {verb} {} and removes {role} from {member}: {} {} calls {} {how} and will fail with 403 after apply",
                            change.address,
                            c.kind.noun(),
                            c.address,
                            cc::target_text(s),
                        ),
                    );
                    f.key = format!("{} {}", c.address, s.address);
                    f.related = vec![c.address.clone(), s.address.clone()];
                    f.anchors = cc::anchors(c, c.identity_span.unwrap_or(c.span));
                    f.help = Some(format!(
                        "keep a grant of {role} to {member} on it (or give the caller another route) before applying this plan"
                    ));
                    out.push(f);
                }
            }
        }
    }
}
