//! Grants: every way Terraform gives a principal a role on a service, job
//! or function (`*_iam_member`, `*_iam_binding`, `*_iam_policy` with
//! `data "google_iam_policy"` or `jsonencode` documents), and on projects,
//! folders and organizations; conditions included.

use super::res::{Res, attr_in};
use super::{Field, ServiceKind};
use crate::eval::{Ctx, Evaluator, Expansion, InstanceKey, Reference, Unknown, Value};
use crate::load::Mode;
use crate::syntax::{Body, Expr, ExprKind, Span, TraversalOp};

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
        }
    }

    /// Whether a grant of this family is on service kind `k`.
    pub fn manages(self, k: ServiceKind) -> bool {
        match self {
            Family::Service { .. } => !k.is_job(),
            Family::Job => k.is_job(),
            Family::Function2 => k == ServiceKind::Function2,
        }
    }

    fn of(rtype: &str) -> Option<(Family, &'static str)> {
        Some(if rtype.starts_with("google_cloud_run_service_iam_") {
            (Family::Service { v2: false }, "service")
        } else if rtype.starts_with("google_cloud_run_v2_service_iam_") {
            (Family::Service { v2: true }, "name")
        } else if rtype.starts_with("google_cloud_run_v2_job_iam_") {
            (Family::Job, "name")
        } else if rtype.starts_with("google_cloudfunctions2_function_iam_") {
            (Family::Function2, "cloud_function")
        } else {
            return None;
        })
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

pub fn is_iam_type(t: &str) -> bool {
    let prefixes = [
        "google_cloud_run_service_iam_",
        "google_cloud_run_v2_service_iam_",
        "google_cloud_run_v2_job_iam_",
        "google_cloudfunctions2_function_iam_",
        "google_project_iam_",
        "google_folder_iam_",
        "google_organization_iam_",
    ];
    prefixes.iter().any(|p| t.starts_with(p))
        && (t.ends_with("_member") || t.ends_with("_binding") || t.ends_with("_policy"))
        && !t.contains("audit_config")
        && !t.contains("custom_role")
}

/// Reads the grants of one IAM resource instance.
pub fn read(res: &Res, root: usize, out: &mut Vec<Grant>) {
    let rtype = res.rtype;
    let kind = if rtype.ends_with("_member") {
        GrantKind::Member
    } else if rtype.ends_with("_binding") {
        GrantKind::Binding
    } else {
        GrantKind::Policy
    };
    let field = |name: &str| -> Field {
        match res.field(name) {
            Some((f, _)) => f,
            None => Field::Unknown(res.not_set(name)),
        }
    };
    let (scope, target, target_span) = if rtype.starts_with("google_project_iam_") {
        (Scope::Project(res.project()), None, res.span_of("project"))
    } else if rtype.starts_with("google_folder_iam_") {
        (Scope::Folder(field("folder")), None, res.span_of("folder"))
    } else if rtype.starts_with("google_organization_iam_") {
        (
            Scope::Organization(field("org_id")),
            None,
            res.span_of("org_id"),
        )
    } else {
        let Some((family, name_attr)) = Family::of(rtype) else {
            return;
        };
        let location_attr = if res.body.attr("location").is_some() {
            "location"
        } else {
            "region"
        };
        let mut t = Target {
            family,
            reference: None,
            name: field(name_attr),
            project: res.project(),
            location: res
                .field(location_attr)
                .map(|f| f.0)
                .unwrap_or_else(|| Field::Unknown(res.not_set("location"))),
        };
        match &t.name {
            Field::Known(s) => {
                // Full names, as the v1 IAM resources' state holds them.
                let parts: Vec<&str> = s.trim_start_matches("v1/").split('/').collect();
                match parts.as_slice() {
                    ["projects", p, "locations", l, _, n]
                    | ["locations", l, "namespaces", p, _, n] => {
                        t.project = Field::Known(p.to_string());
                        t.location = Field::Known(l.to_string());
                        t.name = Field::Known(n.to_string());
                    }
                    _ => {}
                }
            }
            Field::Symbolic(text) => t.reference = text.as_reference().cloned(),
            Field::Unknown(_) => {}
        }
        let scope = match &t.name {
            Field::Unknown(u) => Scope::Unresolved(u.clone()),
            _ => Scope::Services(Vec::new()),
        };
        (scope, Some(t), res.span_of(name_attr))
    };
    let base = Grant {
        root,
        address: res.address.clone(),
        resource_type: rtype.to_string(),
        kind,
        scope,
        role: Field::Unknown(res.not_set("role")),
        role_span: res.span,
        members: Vec::new(),
        condition: None,
        span: res.span,
        module_spans: res.module_spans.clone(),
        via: None,
        via_span: None,
        target,
        target_span,
        maybe: res.instances_unknown(),
    };
    match kind {
        GrantKind::Member | GrantKind::Binding => {
            let mut g = base;
            if let Some((a, v)) = res.attr("role") {
                g.role = Field::from_value(v, a.span);
                g.role_span = a.span;
            }
            let attr = if kind == GrantKind::Member {
                "member"
            } else {
                "members"
            };
            if let Some((a, v)) = res.attr(attr) {
                g.members = members(v, a.span);
            }
            g.condition = condition(res.ev, res.body, &res.ctx);
            out.push(g);
        }
        GrantKind::Policy => policy(res, base, out),
    }
}

/// Bindings of a `*_iam_policy`. A policy whose bindings cannot be read is
/// still authoritative over its target: one grant without role or members.
fn policy(res: &Res, base: Grant, out: &mut Vec<Grant>) {
    let ev = res.ev;
    let Some(a) = res.body.attr("policy_data") else {
        return;
    };
    let before = out.len();
    let mut placeholder = base.clone();
    placeholder.role_span = a.span;
    if let Some(((body, ctx), data_addr, data_span)) = data_policy_ref(res, &a.expr) {
        placeholder.via = Some(data_addr.clone());
        placeholder.via_span = Some(data_span);
        let bindings = ev.blocks(body, "binding", &ctx);
        for (b, c) in &bindings.items {
            let mut g = base.clone();
            g.via = Some(data_addr.clone());
            g.via_span = Some(data_span);
            if let Some((ra, v)) = attr_in(ev, b, c, "role") {
                g.role = Field::from_value(v, ra.span);
                g.role_span = ra.span;
            }
            if let Some((ma, v)) = attr_in(ev, b, c, "members") {
                g.members = members(v, ma.span);
            }
            g.condition = condition(ev, b, c);
            out.push(g);
        }
        if let Some(u) = bindings.unknown {
            placeholder.role = Field::Unknown(u);
            out.push(placeholder);
        } else if out.len() == before {
            out.push(placeholder);
        }
        return;
    }
    let v = ev.eval(&a.expr, &res.ctx);
    let doc = match v.text() {
        Some(t) => Value::from_json_text(&t, a.span).unwrap_or_else(Value::Unknown),
        None => v,
    };
    let bindings = match &doc {
        Value::Map(m) => m.get("bindings").cloned().unwrap_or(Value::List(vec![])),
        other => {
            placeholder.role =
                Field::Unknown(other.not_known(a.span).unwrap_or_else(|| {
                    Unknown::error("policy_data is not a policy document", a.span)
                }));
            out.push(placeholder);
            return;
        }
    };
    for b in bindings.elements().unwrap_or_default() {
        let Value::Map(m) = b else { continue };
        let mut g = base.clone();
        g.role_span = a.span;
        g.role = Field::from_value(m.get("role").cloned().unwrap_or(Value::Null), a.span);
        g.members = members(m.get("members").cloned().unwrap_or(Value::Null), a.span);
        g.condition = match m.get("condition") {
            Some(Value::Map(c)) => Some(Condition {
                expression: Field::from_value(
                    c.get("expression").cloned().unwrap_or(Value::Null),
                    a.span,
                ),
                title: c.get("title").and_then(Value::to_known_string),
                span: a.span,
            }),
            _ => None,
        };
        out.push(g);
    }
    if out.len() == before {
        out.push(placeholder);
    }
}

fn members(v: Value, span: Span) -> Vec<Member> {
    let one = |v: Value| Member {
        value: Field::from_value(v, span),
        span,
    };
    match v {
        Value::List(items) => items.into_iter().map(one).collect(),
        other => vec![one(other)],
    }
}

fn condition(ev: &Evaluator, body: &Body, ctx: &Ctx) -> Option<Condition> {
    let blocks = ev.blocks(body, "condition", ctx);
    let (b, c) = blocks.items.first()?;
    let (span, expression) = match attr_in(ev, b, c, "expression") {
        Some((a, v)) => (a.span, Field::from_value(v, a.span)),
        None => (
            Span::default(),
            Field::Unknown(Unknown::error("no expression", Span::default())),
        ),
    };
    Some(Condition {
        expression,
        title: attr_in(ev, b, c, "title").and_then(|(_, v)| v.to_known_string()),
        span,
    })
}

type DataBody<'a> = (&'a Body, Ctx);

/// `data.google_iam_policy.NAME[KEY].policy_data` written directly: the data
/// source's binding blocks, so findings can point into them.
fn data_policy_ref<'a>(res: &Res<'a, '_>, e: &Expr) -> Option<(DataBody<'a>, String, Span)> {
    let ExprKind::Traversal(root, ops) = &e.kind else {
        return None;
    };
    let ExprKind::Variable(v) = &root.kind else {
        return None;
    };
    if v != "data" {
        return None;
    }
    let (TraversalOp::Attr(t), TraversalOp::Attr(name)) = (ops.first()?, ops.get(1)?) else {
        return None;
    };
    if t != "google_iam_policy" {
        return None;
    }
    let ev = res.ev;
    let module = &ev.ws.modules[ev.instance(res.inst).module];
    let decl = module.resource(Mode::Data, t, name)?;
    let (key, rest) = match ops.get(2)? {
        TraversalOp::Index(ix) => {
            let k = ev.eval(ix, &res.ctx);
            let key = match k {
                Value::Number(n) => InstanceKey::Int(n as i64),
                other => InstanceKey::Str(other.to_known_string()?),
            };
            (Some(key), &ops[3..])
        }
        _ => (None, &ops[2..]),
    };
    if !matches!(rest, [TraversalOp::Attr(a)] if a == "policy_data") {
        return None;
    }
    let known = match (&*ev.expansion(res.inst, decl), &key) {
        (Expansion::Single, None) => true,
        (Expansion::Keys(keys), Some(k)) => keys.iter().any(|(x, _)| x == k),
        _ => false,
    };
    if !known {
        return None;
    }
    let ctx = ev.resource_ctx(res.inst, decl, key.as_ref());
    let data = &module.resources[decl];
    let addr = ev.resource_address(res.inst, decl, key.as_ref());
    Some(((&data.block.body, ctx), addr, data.block.span))
}
