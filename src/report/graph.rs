//! `runwarden graph`: who can invoke what, as Graphviz DOT or Mermaid.
//! Nodes: services and jobs, principals holding an invoking role, callers.
//! Edges: grants (public ones highlighted), caller -> identity, caller ->
//! service (missing grants highlighted). Output is sorted and deterministic.

use crate::authz::Verdict;
use crate::check::Analysis;
use crate::model::{AccessModel, Identity, Scope, Token, is_public, roles};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NodeKind {
    Service,
    Principal,
    Public,
    Caller,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    Grant,
    PublicGrant,
    Uses,
    Calls,
    MissingGrant,
    Unverified,
}

struct Graph {
    nodes: BTreeMap<String, (NodeKind, String)>,
    edges: Vec<(String, String, EdgeKind, String)>,
}

fn build(model: &AccessModel) -> Graph {
    let mut g = Graph {
        nodes: BTreeMap::new(),
        edges: Vec::new(),
    };
    let service_key = |i: usize| {
        let s = &model.services[i];
        match s.declared {
            true => format!("s:{}:{}", s.root, s.address),
            false => format!("s:{}:{}:{}", s.root, s.kind.noun(), s.display_name()),
        }
    };
    for (i, s) in model.services.iter().enumerate() {
        let ingress = if s.kind.is_job() {
            "job".to_string()
        } else {
            s.ingress
                .as_ref()
                .map(|x| x.label().to_string())
                .unwrap_or_else(|_| "unknown".into())
        };
        let address = if s.declared {
            s.address.as_str()
        } else {
            "(not declared here)"
        };
        g.nodes.insert(
            service_key(i),
            (
                NodeKind::Service,
                format!("{}\n{address}\ningress: {ingress}", s.display_name()),
            ),
        );
    }
    for grant in &model.grants {
        let Some(role) = grant.role_name() else {
            continue;
        };
        let Some(info) = roles::lookup(role) else {
            continue;
        };
        let Scope::Services(ids) = &grant.scope else {
            continue;
        };
        for m in &grant.members {
            let Some(member) = m.value.text().map(|t| t.to_string()) else {
                continue;
            };
            let public = is_public(&member);
            let key = format!("p:{member}");
            g.nodes.entry(key.clone()).or_insert((
                if public {
                    NodeKind::Public
                } else {
                    NodeKind::Principal
                },
                member.clone(),
            ));
            for &i in ids {
                let s = &model.services[i];
                if (s.kind.is_job() && !info.run_job) || (!s.kind.is_job() && !info.invoke_service)
                {
                    continue;
                }
                let kind = if public {
                    EdgeKind::PublicGrant
                } else {
                    EdgeKind::Grant
                };
                g.edges
                    .push((key.clone(), service_key(i), kind, role.to_string()));
            }
        }
    }
    for c in &model.callers {
        // One node per caller resource (a workflow may call many services).
        let key = format!("c:{}:{}", c.root, c.address);
        g.nodes.insert(
            key.clone(),
            (
                NodeKind::Caller,
                format!("{}\n{}", c.kind.noun(), c.address),
            ),
        );
        let identity = match &c.identity {
            Identity::Member(m) => Some(m.to_string()),
            Identity::IapAgent => Some("IAP service agent".to_string()),
            Identity::ComputeDefault { .. } => {
                Some("Compute Engine default service account".to_string())
            }
            _ => None,
        };
        if let Some(id) = &identity {
            let pk = format!("p:{id}");
            g.nodes
                .entry(pk.clone())
                .or_insert((NodeKind::Principal, id.clone()));
            g.edges.push((key.clone(), pk, EdgeKind::Uses, "as".into()));
        }
        for &t in &c.targets {
            let verdict = if c.token == Token::Oidc || c.action == crate::model::Action::RunJob {
                crate::authz::may(model, t, &c.identity, &c.action)
            } else {
                crate::authz::may(model, t, &Identity::None, &c.action)
            };
            let (kind, label) = match verdict {
                Verdict::Allowed { .. } | Verdict::Public(_) => (EdgeKind::Calls, "calls"),
                Verdict::Partial(_) => (EdgeKind::Unverified, "calls (unverified)"),
                Verdict::Denied
                    if c.token == Token::Oidc || c.action == crate::model::Action::RunJob =>
                {
                    (EdgeKind::MissingGrant, "calls: MISSING GRANT")
                }
                Verdict::Denied => (EdgeKind::MissingGrant, "calls WITHOUT IDENTITY TOKEN"),
                Verdict::DeniedByPolicy { .. } => {
                    (EdgeKind::MissingGrant, "calls: DENIED BY POLICY")
                }
            };
            g.edges
                .push((key.clone(), service_key(t), kind, label.into()));
        }
    }
    g.edges.sort();
    g.edges.dedup();
    g
}

fn ids(g: &Graph) -> BTreeMap<&str, String> {
    g.nodes
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), format!("n{i}")))
        .collect()
}

pub fn dot(a: &Analysis) -> String {
    let g = build(&a.model);
    let ids = ids(&g);
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut out = String::from(
        "digraph runwarden {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (k, (kind, label)) in &g.nodes {
        let attrs = match kind {
            NodeKind::Service => "shape=box, style=filled, fillcolor=\"#e8f0fe\"",
            NodeKind::Principal => "shape=ellipse",
            NodeKind::Public => "shape=ellipse, style=filled, fillcolor=\"#fce8e6\", color=red",
            NodeKind::Caller => "shape=hexagon",
        };
        out.push_str(&format!(
            "  {} [label=\"{}\", {attrs}];\n",
            ids[k.as_str()],
            esc(label)
        ));
    }
    for (from, to, kind, label) in &g.edges {
        let attrs = match kind {
            EdgeKind::Grant => "",
            EdgeKind::PublicGrant => ", color=red, penwidth=2",
            EdgeKind::Uses => ", style=dashed",
            EdgeKind::Calls => "",
            EdgeKind::MissingGrant => ", color=red, penwidth=2, style=bold",
            EdgeKind::Unverified => ", color=orange, style=dashed",
        };
        out.push_str(&format!(
            "  {} -> {} [label=\"{}\"{attrs}];\n",
            ids[from.as_str()],
            ids[to.as_str()],
            esc(label)
        ));
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(a: &Analysis) -> String {
    let g = build(&a.model);
    let ids = ids(&g);
    let esc = |s: &str| s.replace('"', "#quot;").replace('\n', "<br/>");
    let mut out = String::from("flowchart LR\n");
    for (k, (kind, label)) in &g.nodes {
        let id = &ids[k.as_str()];
        let l = esc(label);
        let shape = match kind {
            NodeKind::Service => format!("{id}[\"{l}\"]"),
            NodeKind::Principal | NodeKind::Public => format!("{id}([\"{l}\"])"),
            NodeKind::Caller => format!("{id}{{{{\"{l}\"}}}}"),
        };
        out.push_str(&format!("  {shape}\n"));
    }
    let mut red = Vec::new();
    for (i, (from, to, kind, label)) in g.edges.iter().enumerate() {
        let arrow = match kind {
            EdgeKind::Uses | EdgeKind::Unverified => "-.->",
            EdgeKind::MissingGrant | EdgeKind::PublicGrant => "==>",
            _ => "-->",
        };
        out.push_str(&format!(
            "  {} {arrow}|\"{}\"| {}\n",
            ids[from.as_str()],
            esc(label),
            ids[to.as_str()]
        ));
        if matches!(kind, EdgeKind::MissingGrant | EdgeKind::PublicGrant) {
            red.push(i.to_string());
        }
    }
    for (k, (kind, _)) in &g.nodes {
        if *kind == NodeKind::Public {
            out.push_str(&format!(
                "  style {} fill:#fce8e6,stroke:#d93025\n",
                ids[k.as_str()]
            ));
        }
    }
    if !red.is_empty() {
        out.push_str(&format!(
            "  linkStyle {} stroke:#d93025,stroke-width:2px\n",
            red.join(",")
        ));
    }
    out
}
