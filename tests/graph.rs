//! `runwarden graph`: deterministic DOT and Mermaid that parse.

use assert_cmd::Command;
use std::path::Path;

fn graph(dir: &Path, format: &str) -> String {
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(dir)
        .args(["graph", ".", "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/callers")
}

#[test]
fn dot_graph_renders_with_graphviz_when_installed() {
    let text = graph(&example(), "dot");
    assert!(text.starts_with("digraph runwarden {"));
    assert!(text.contains("MISSING GRANT"), "{text}");
    assert_eq!(text, graph(&example(), "dot"), "not deterministic");
    insta::assert_snapshot!("callers.dot", text);
    // CI installs graphviz (.ci/run); locally the render check runs when `dot` exists.
    let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "graphviz `dot` must be installed in CI"
        );
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

#[test]
fn mermaid_graph_is_well_formed() {
    let text = graph(&example(), "mermaid");
    insta::assert_snapshot!("callers.mermaid", text);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut declared = std::collections::BTreeSet::new();
    let mut edges = 0;
    for l in lines {
        let l = l.trim();
        let id: String = l
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if l.contains("-->") || l.contains("==>") || l.contains("-.->") {
            edges += 1;
            let target = l.rsplit(' ').next().unwrap();
            assert!(
                declared.contains(&id) && declared.contains(target),
                "edge to undeclared node: {l}"
            );
        } else if l.starts_with("style ") || l.starts_with("linkStyle ") {
            continue;
        } else {
            assert!(id.starts_with('n'), "unexpected line {l}");
            // Labels are quoted and balanced.
            assert_eq!(l.matches('"').count() % 2, 0, "{l}");
            declared.insert(id);
        }
    }
    assert!(edges > 0);
}

/// The callers of issue 13 (API Gateway, Firebase Hosting, a BigQuery remote
/// function in a module, a 2nd gen function's event trigger): one node each,
/// one node per principal (the connection's service account is the same
/// node as the grant's member), and every caller reaches its service.
#[test]
fn issue13_callers_appear_once_each() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/missing-invoker-grant/negative-issue13-callers-granted");
    let text = graph(&dir, "dot");
    insta::assert_snapshot!("issue13-callers.dot", text);
    let labels: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("[label=") && !l.contains("->"))
        .map(|l| {
            l.split("label=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        })
        .collect();
    let unique: std::collections::BTreeSet<&&str> = labels.iter().collect();
    assert_eq!(unique.len(), labels.len(), "duplicate nodes:\n{text}");
    for noun in [
        "API Gateway",
        "Firebase Hosting rewrite",
        "BigQuery remote function",
        "2nd gen function event trigger",
    ] {
        assert_eq!(
            labels.iter().filter(|l| l.starts_with(noun)).count(),
            1,
            "{noun}:\n{text}"
        );
    }
    assert_eq!(text.matches("[label=\"calls\"]").count(), 4, "{text}");
    assert!(!text.contains("MISSING GRANT"), "{text}");
    let connection = "serviceAccount:${module.enrich.google_bigquery_connection.this.cloud_resource[0].service_account_id}";
    assert_eq!(labels.iter().filter(|l| **l == connection).count(), 1);
}
