//! RW201: a caller that sends an identity token to a service with an identity
//! no grant lets invoke it: the INVOKER_PERMISSION_DENIED predictor.

use super::caller_common as cc;
use super::{Category, Finding, Rule, Severity};
use crate::authz::Verdict;
use crate::model::{AccessModel, Action, Identity, Token};

pub static RULE: Rule = Rule {
    name: "missing-invoker-grant",
    id: "RW201",
    severity: Severity::Error,
    category: Category::CallerAccess,
    allow: false,
    summary: "a caller sends an identity token with an identity no grant lets invoke the service",
    doc: include_str!("../../rules/missing-invoker-grant.md"),
    check,
};

fn check(model: &AccessModel, out: &mut Vec<Finding>) {
    for c in &model.callers {
        let sends_identity = c.token == Token::Oidc || c.action == Action::RunJob;
        if !sends_identity {
            continue;
        }
        let span = c.identity_span.unwrap_or(c.span);
        if c.targets.is_empty() {
            if let Some(why) = c.unresolved_target() {
                let mut f = cc::finding(
                    &RULE,
                    c,
                    c.target_span,
                    None,
                    format!(
                        "cannot tell which Cloud Run {} {} {} calls ({why}): its grants were not checked",
                        if c.action == Action::RunJob {
                            "job"
                        } else {
                            "service"
                        },
                        c.kind.noun(),
                        c.address,
                    ),
                );
                f.severity = Severity::Note;
                out.push(f);
            }
            continue;
        }
        for &t in &c.targets {
            let s = &model.services[t];
            let verb = if c.action == Action::RunJob {
                "run"
            } else {
                "invoke"
            };
            if let Identity::Unknown(u) = &c.identity {
                let why = u.reason();
                let mut f = cc::finding(
                    &RULE,
                    c,
                    span,
                    Some(s),
                    format!(
                        "{} calls {} with an identity that is not known ({why}); make sure it may {verb} it",
                        c.kind.noun(),
                        cc::target_text(s)
                    ),
                );
                f.severity = Severity::Note;
                out.push(f);
                continue;
            }
            // A deny policy that refuses (or may refuse) the call is
            // invoker-denied's to report.
            let d = crate::authz::decide(model, t, &c.identity, &c.action);
            if d.deny != crate::authz::Deny::None && !matches!(d.allow, Verdict::Denied) {
                continue;
            }
            if matches!(d.deny, crate::authz::Deny::Denied { .. }) {
                continue;
            }
            match d.allow {
                Verdict::Allowed { .. } | Verdict::Public(_) | Verdict::DeniedByPolicy { .. } => {}
                Verdict::Partial(why) => {
                    let mut f = cc::finding(
                        &RULE,
                        c,
                        span,
                        Some(s),
                        format!(
                            "could not verify that {} may {verb} {}: {why}",
                            cc::identity_text(c),
                            cc::target_text(s)
                        ),
                    );
                    f.severity = Severity::Note;
                    out.push(f);
                }
                Verdict::Denied if matches!(c.identity, Identity::ComputeDefault { .. }) => {
                    // Google grants this account roles/editor on its project
                    // unless the organization disabled automatic grants: the
                    // call may work, through a role far broader than needed.
                    let mut f = cc::finding(
                        &RULE,
                        c,
                        span,
                        Some(s),
                        format!(
                            "{} sets no service account, so it calls {} as {}, which no grant here lets {verb} it: it works only while that account keeps the Editor role Google may have granted it on the project",
                            c.kind.noun(),
                            cc::target_text(s),
                            cc::identity_text(c)
                        ),
                    );
                    f.severity = Severity::Note;
                    f.help = Some(
                        "give the caller a dedicated service account and grant it roles/run.invoker on the service, or grant the default account roles/run.invoker explicitly (fix below)".into(),
                    );
                    f.fix = Some(cc::fix(model, c, s));
                    out.push(f);
                }
                Verdict::Denied => {
                    let permission = crate::authz::Permission::of(s.kind, &c.action).name();
                    let mut f = cc::finding(
                        &RULE,
                        c,
                        span,
                        Some(s),
                        match d.refused.first() {
                            None => format!(
                                "{} calls {} as {}, which holds no role with {permission} on it: requests will fail with 403 (INVOKER_PERMISSION_DENIED)",
                                c.kind.noun(),
                                cc::target_text(s),
                                cc::identity_text(c)
                            ),
                            Some((g, why)) => format!(
                                "{} calls {} as {}: {} grants {} {why}, so requests will fail with 403 (INVOKER_PERMISSION_DENIED)",
                                c.kind.noun(),
                                cc::target_text(s),
                                cc::identity_text(c),
                                model.grants[*g].address,
                                model.grants[*g].role
                            ),
                        },
                    );
                    f.related.extend(
                        d.refused
                            .iter()
                            .map(|(g, _)| model.grants[*g].address.clone()),
                    );
                    let role = match s.kind {
                        crate::model::ServiceKind::Function1 => "roles/cloudfunctions.invoker",
                        _ => "roles/run.invoker",
                    };
                    f.help = Some(match d.refused.first() {
                        None => format!("grant {role} on the service to the caller's identity (fix below)"),
                        Some((g, _)) if model.grants[*g].condition.is_some() => format!(
                            "the condition expired or names another resource: fix it, or grant {role} without it (fix below)"
                        ),
                        Some(_) => "grant roles/run.invoker on the Cloud Run service behind the function (fix below); the function's own IAM refuses roles/run.invoker".into(),
                    });
                    f.fix = Some(cc::fix(model, c, s));
                    out.push(f);
                }
            }
        }
    }
}
