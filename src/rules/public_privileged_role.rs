//! RW102: a public principal holds a role beyond invoking on a service or job.

use super::public_exposure::{self as pe, Exposure};
use super::{Category, Finding, Rule, Severity};
use crate::model::{AccessModel, Scope};

pub static RULE: Rule = Rule {
    name: "public-privileged-role",
    id: "RW102",
    severity: Severity::Error,
    category: Category::PrivilegedExposure,
    allow: true,
    summary: "a public principal holds a role other than roles/run.invoker on a service or job",
    doc: include_str!("../../rules/public-privileged-role.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for e in pe::exposures(model) {
        let Exposure::Privileged {
            grant,
            member,
            span,
            service,
            role,
        } = e
        else {
            continue;
        };
        let target = match service {
            Some(s) => pe::service_label(s),
            None => match &grant.scope {
                Scope::Unresolved(u) => {
                    format!("a service whose name is not known ({})", u.reason())
                }
                _ => "a service".into(),
            },
        };
        let mut f = Finding::new(
            &RULE,
            span,
            grant.root,
            &grant.address,
            format!("{member} holds {role} on {target}"),
        );
        f.key = format!("{member} {role} {}", service.map_or("", |s| &s.address));
        f.related = pe::related(grant, service);
        f.anchors = pe::grant_anchors(grant, span);
        if let Some(s) = service {
            f.allow_keys = pe::allow_keys(s);
        }
        f.help = Some(format!(
            "never grant {role} to {member}; grant it to named users, groups or service accounts"
        ));
        out.push(f);
    }
}
