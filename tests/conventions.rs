//! The conventions users of tflint, Trivy and ruff expect: `--format
//! compact`, `--statistics`, `--color` with NO_COLOR / FORCE_COLOR /
//! TERM=dumb, `--exclude` and gitignore-style `exclude`, `explain` for a
//! terminal, man pages for every subcommand, SARIF rule help.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs runwarden in `dir` with a colour-neutral environment plus `env`.
fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = Command::cargo_bin("runwarden").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("TERM")
        .env_remove("CLICOLOR_FORCE")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn run(dir: &Path, args: &[&str]) -> (String, String, i32) {
    run_env(dir, args, &[])
}

/// Snapshots `text` with the tool's version as `[version]`: a release
/// changes no snapshot.
fn snapshot(name: &str, text: &str) {
    let text = text.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::with_settings!({snapshot_path => "snapshots/conventions", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

const PUBLIC: &str = r#"resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "europe-west1"
  template {
    containers {
      image = "europe-west1-docker.pkg.dev/acme/apps/api:1"
    }
  }
}

resource "google_cloud_run_v2_service_iam_member" "public" {
  location = google_cloud_run_v2_service.api.location
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
"#;

/// A tree with the same public service in `keep/`, `examples/callers/`,
/// `examples/other/` and `nested/examples/`; returns the root modules found.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for d in [
        "keep",
        "examples/callers",
        "examples/other",
        "nested/examples",
    ] {
        let p = dir.path().join(d);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("main.tf"), PUBLIC).unwrap();
    }
    dir
}

fn roots(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
    all.extend(args);
    let (out, err, code) = run(dir, &all);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let mut r: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["root"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn compact_is_one_line_per_finding() {
    let (out, err, code) = run(
        &repo(),
        &["check", "examples/quickstart", "--format", "compact"],
    );
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let (summary, findings) = lines.split_last().unwrap();
    assert!(summary.starts_with("runwarden: "), "{summary}");
    assert!(!findings.is_empty());
    for l in findings {
        // file:line:col: severity rule message
        let (loc, rest) = l.split_once(": ").unwrap();
        let parts: Vec<&str> = loc.rsplitn(3, ':').collect();
        assert_eq!(parts.len(), 3, "{l}");
        assert!(parts[0].parse::<usize>().is_ok() && parts[1].parse::<usize>().is_ok());
        let mut words = rest.splitn(3, ' ');
        assert!(matches!(words.next(), Some("error" | "warning" | "note")));
        assert!(
            runwarden::rules::by_name(words.next().unwrap()).is_some(),
            "{l}"
        );
        assert!(!words.next().unwrap().is_empty());
    }
    snapshot("compact", &out);
    let (quiet, _, _) = run(
        &repo(),
        &["check", "examples/quickstart", "--format", "compact", "-q"],
    );
    assert_eq!(quiet.lines().count(), findings.len());
}

#[test]
fn compact_shows_suppressed_findings_marked() {
    let (out, _, _) = run(
        &repo(),
        &[
            "check",
            "examples/quickstart",
            "--format",
            "compact",
            "--show-suppressed",
            "-q",
        ],
    );
    assert!(
        out.lines()
            .any(|l| l.contains("public-invoker") && l.contains("(suppressed: ")),
        "{out}"
    );
}

#[test]
fn statistics_count_findings_per_rule() {
    let (text, err, code) = run(&repo(), &["check", "examples", "--statistics"]);
    assert_eq!(code, 1, "{err}");
    snapshot("statistics.txt", &text);
    let (json, _, code) = run(
        &repo(),
        &["check", "examples", "--statistics", "--format", "json"],
    );
    assert_eq!(code, 1);
    snapshot("statistics.json", &json);
    // The counts add up to the report's.
    let stats: Value = serde_json::from_str(&json).unwrap();
    let (report, _, _) = run(&repo(), &["check", "examples", "--format", "json"]);
    let report: Value = serde_json::from_str(&report).unwrap();
    let total: u64 = stats["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, report["findings"].as_array().unwrap().len());
    assert_eq!(stats["summary"], report["summary"]);
    // With the suppressed column.
    let (text, _, _) = run(
        &repo(),
        &[
            "check",
            "examples",
            "--statistics",
            "--show-suppressed",
            "-q",
        ],
    );
    snapshot("statistics-suppressed.txt", &text);
    // Formats that have no statistics form are a usage error.
    let (_, err, code) = run(
        &repo(),
        &["check", "examples", "--statistics", "--format", "sarif"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--statistics"), "{err}");
}

#[test]
fn statistics_of_a_clean_tree_is_just_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), "variable \"x\" {}\n").unwrap();
    let (out, _, code) = run(dir.path(), &["check", "--statistics"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn color_follows_flag_and_environment() {
    let args = ["check", "examples/quickstart", "--format", "compact", "-q"];
    let has_ansi = |env: &[(&str, &str)], extra: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(extra);
        let (out, _, _) = run_env(&repo(), &a, env);
        out.contains('\x1b')
    };
    // Piped (not a terminal): no colour unless forced.
    assert!(!has_ansi(&[], &[]));
    assert!(has_ansi(&[("FORCE_COLOR", "1")], &[]));
    assert!(!has_ansi(&[("FORCE_COLOR", "")], &[]));
    assert!(!has_ansi(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &[]));
    assert!(has_ansi(&[], &["--color", "always"]));
    assert!(has_ansi(&[("NO_COLOR", "1")], &["--color", "always"]));
    assert!(!has_ansi(&[("FORCE_COLOR", "1")], &["--color", "never"]));
    assert!(has_ansi(
        &[("TERM", "dumb"), ("FORCE_COLOR", "1")],
        &["--color", "auto"]
    ));
    let (out, _, _) = run(
        &repo(),
        &[
            "check",
            "examples/quickstart",
            "--format",
            "compact",
            "--color",
            "always",
        ],
    );
    snapshot("compact-color", &out.replace('\x1b', "<ESC>"));
    // The human report too; machine formats never.
    let (human, _, _) = run(
        &repo(),
        &["check", "examples/quickstart", "--color", "always"],
    );
    assert!(human.contains('\x1b'));
    let (json, _, _) = run(
        &repo(),
        &[
            "check",
            "examples/quickstart",
            "--format",
            "json",
            "--color",
            "always",
        ],
    );
    assert!(!json.contains('\x1b'));
    let (_, err, code) = run(&repo(), &["check", "--color", "sometimes"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn exclude_on_the_command_line_is_gitignore_style_and_repeatable() {
    let dir = tree();
    let all = [
        "examples/callers",
        "examples/other",
        "keep",
        "nested/examples",
    ];
    assert_eq!(roots(dir.path(), &[]), all);
    // A directory pattern excludes everything under it.
    assert_eq!(
        roots(dir.path(), &["--exclude", "examples/callers"]),
        ["examples/other", "keep", "nested/examples"]
    );
    assert_eq!(
        roots(dir.path(), &["--exclude", "examples/callers/"]),
        ["examples/other", "keep", "nested/examples"]
    );
    // A bare name matches at any depth.
    assert_eq!(roots(dir.path(), &["--exclude", "examples"]), ["keep"]);
    // An anchored pattern only below the base.
    assert_eq!(
        roots(dir.path(), &["--exclude", "/examples"]),
        ["keep", "nested/examples"]
    );
    assert_eq!(
        roots(
            dir.path(),
            &["--exclude", "examples/callers", "--exclude", "keep"]
        ),
        ["examples/other", "nested/examples"]
    );
    // Relative to the current directory: from examples/, `callers` is examples/callers.
    let (out, err, code) = run(
        &dir.path().join("examples"),
        &["check", "--format", "json", "--exclude", "callers/"],
    );
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.iter().all(|f| f.starts_with("other/")), "{files:?}");
    // A file argument that is excluded is skipped (pre-commit passes it).
    assert_eq!(
        roots(
            dir.path(),
            &[
                "--exclude",
                "examples",
                "examples/other/main.tf",
                "keep/main.tf"
            ]
        ),
        ["keep"]
    );
    let (_, err, code) = run(dir.path(), &["check", "--exclude", "!keep"]);
    assert_eq!(code, 2);
    assert!(err.contains("not supported"), "{err}");
}

#[test]
fn config_exclude_names_a_directory_like_gitignore_and_merges_with_the_flag() {
    let dir = tree();
    std::fs::write(
        dir.path().join("runwarden.toml"),
        "exclude = [\"examples/callers\"]\n",
    )
    .unwrap();
    assert_eq!(
        roots(dir.path(), &[]),
        ["examples/other", "keep", "nested/examples"]
    );
    // Relative to the config's directory, wherever runwarden runs.
    let (out, err, code) = run(
        &dir.path().join("examples"),
        &["check", "--format", "json", "."],
    );
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains("callers"), "{out}");
    // --exclude adds to the config's list.
    assert_eq!(
        roots(dir.path(), &["--exclude", "nested"]),
        ["examples/other", "keep"]
    );
}

#[test]
fn explain_is_markdown_when_piped_and_styled_for_a_terminal() {
    let doc = std::fs::read_to_string(repo().join("rules/public-invoker.md")).unwrap();
    let (out, _, code) = run(&repo(), &["explain", "public-invoker"]);
    assert_eq!(code, 0);
    assert_eq!(out, doc);
    let (styled, _, code) = run(&repo(), &["explain", "RW101", "--color", "always"]);
    assert_eq!(code, 0);
    assert!(styled.starts_with("\x1b[1;4mpublic-invoker (RW101)\x1b[0m\n"));
    assert!(!styled.contains("**") && !styled.contains("```"));
    assert!(styled.contains("member   = \"allUsers\""));
    let (forced, _, _) = run_env(&repo(), &["explain", "RW101"], &[("FORCE_COLOR", "1")]);
    assert_eq!(forced, styled);
}

#[test]
fn every_subcommand_has_a_man_page_with_options_and_exit_status() {
    let tmp = tempfile::tempdir().unwrap();
    // The directory is created when missing.
    let pages = tmp.path().join("share/man/man1");
    let (_, err, code) = run(tmp.path(), &["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(pages.as_path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "runwarden-check.1",
            "runwarden-completions.1",
            "runwarden-explain.1",
            "runwarden-graph.1",
            "runwarden-man.1",
            "runwarden-rules.1",
            "runwarden-why.1",
            "runwarden.1",
        ]
    );
    for name in &names {
        let page = std::fs::read_to_string(pages.as_path().join(name)).unwrap();
        assert!(
            page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH"),
            "{name}"
        );
        assert!(page.contains(".SH \"EXIT STATUS\""), "{name}");
        assert!(page.contains(".SH NAME"), "{name}");
        // Printed one at a time, a page is the same as written to the directory.
        let sub = name.trim_end_matches(".1").strip_prefix("runwarden-");
        let mut args = vec!["man"];
        args.extend(sub);
        let (out, _, code) = run(tmp.path(), &args);
        assert_eq!(code, 0);
        assert_eq!(out, page, "{name}");
    }
    let check = std::fs::read_to_string(pages.as_path().join("runwarden-check.1")).unwrap();
    for option in ["fail\\-on", "statistics", "exclude", "compact", "color"] {
        assert!(check.contains(option), "{option}");
    }
    snapshot("man-runwarden-check.1", &check);
    snapshot(
        "man-runwarden.1",
        &std::fs::read_to_string(pages.as_path().join("runwarden.1")).unwrap(),
    );
    let (_, err, code) = run(tmp.path(), &["man", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn sarif_rule_help_is_the_whole_rule_doc() {
    let (out, _, _) = run(
        &repo(),
        &["check", "examples/quickstart", "--format", "sarif"],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["informationUri"], runwarden::HOMEPAGE);
    assert_eq!(runwarden::HOMEPAGE, env!("CARGO_PKG_REPOSITORY"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), runwarden::rules::RULES.len());
    for r in rules {
        let name = r["name"].as_str().unwrap();
        let md = std::fs::read_to_string(repo().join(format!("rules/{name}.md"))).unwrap();
        assert_eq!(r["help"]["markdown"], md.as_str());
        let text = r["help"]["text"].as_str().unwrap();
        assert!(!text.contains("**Severity:**"), "{name}");
        assert!(!text.lines().any(|l| l.starts_with("```")), "{name}");
        for heading in md.lines().filter_map(|l| l.strip_prefix("## ")) {
            assert!(text.contains(&format!("{heading}\n")), "{name}: {heading}");
        }
        assert!(
            r["helpUri"]
                .as_str()
                .unwrap()
                .starts_with(runwarden::HOMEPAGE)
        );
    }
}

/// The rules that take `allow` are declared once, on the rule; the
/// reference and each rule's doc say the same.
#[test]
fn the_rules_that_take_allow_are_the_ones_the_docs_name() {
    let reference = std::fs::read_to_string(repo().join("docs/reference.md")).unwrap();
    let start = reference
        .find("- `allow` (for ")
        .expect("docs/reference.md says which rules take allow");
    let rest = &reference[start..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    let line = rest[..end].replace('\n', " ");
    for r in runwarden::rules::RULES {
        assert_eq!(
            line.contains(&format!("`{}`", r.name)),
            r.allow,
            "{}: allow = {}, but docs/reference.md says otherwise",
            r.name,
            r.allow
        );
        let doc_mentions =
            r.doc.contains(&format!("[rules.{}]", r.name)) && r.doc.contains("allow");
        if r.allow {
            assert!(
                doc_mentions,
                "rules/{}.md shows no [rules.{}] allow",
                r.name, r.name
            );
        }
    }
}

/// Ids are unique and in order.
#[test]
fn rule_ids_are_unique_and_ordered() {
    let ids: Vec<&str> = runwarden::rules::RULES.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
}
