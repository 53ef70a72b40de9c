//! The CI formats (`sarif`, `junit`, `github`): snapshots on a few fixture
//! cases, SARIF validated against the official schema on every case, and the
//! properties CI systems rely on (stable fingerprints, escaping, counts).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SNAPSHOT_CASES: &[&str] = &[
    "public-invoker/v2-member-allusers",
    "public-invoker/module-called-twice",
    "public-invoker/v2-binding-two-public-members",
    "invalid-member/binding-bad-members",
    "parse-error/unclosed-block",
    "suppression/above-resource",
    "suppression/config-allow-glob",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn all_cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for rule in std::fs::read_dir(fixtures()).unwrap().flatten() {
        if !rule.path().is_dir() {
            continue;
        }
        for case in std::fs::read_dir(rule.path()).unwrap().flatten() {
            if case.path().join("expected.txt").is_file() {
                out.push(case.path());
            }
        }
    }
    out.sort();
    out
}

fn case_args(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("args"))
        .map(|extra| {
            extra
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `runwarden check .` in `dir` with `args`; returns (stdout, stderr, code).
fn run_in(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // SARIF and annotation paths are relative to the repository root:
        // the case directory stands for it, wherever the checkout is.
        .env("GITHUB_WORKSPACE", dir)
        .env_remove("TF_VAR_public")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn run_case(case: &Path, format: &str) -> (String, i32) {
    let extra = case_args(case);
    let mut args = vec!["check", ".", "--show-suppressed", "--format", format];
    args.extend(extra.iter().map(String::as_str));
    let (out, err, code) = run_in(case, &args);
    assert!(
        code == 0 || code == 1,
        "{}: exit {code}\n{err}",
        case.display()
    );
    (out, code)
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn ci_formats_match_snapshots() {
    for rel in SNAPSHOT_CASES {
        let case = fixtures().join(rel);
        let name = rel.replace('/', "__");
        let (_, json_code) = run_case(&case, "json");
        let mut outputs = Vec::new();
        for format in ["sarif", "junit", "github"] {
            let (out, code) = run_case(&case, format);
            assert_eq!(code, json_code, "{name}: exit code differs for {format}");
            outputs.push((format, out));
        }
        insta::with_settings!({snapshot_path => "snapshots/formats", prepend_module_to_snapshot => false}, {
            for (format, out) in outputs {
                let out = if format == "sarif" {
                    // The rule catalogue is the same in every report and long:
                    // snapshot it once (below), and the results per case.
                    let doc: Value = serde_json::from_str(&out).unwrap();
                    serde_json::to_string_pretty(&doc["runs"][0]["results"]).unwrap()
                } else {
                    out
                };
                insta::assert_snapshot!(format!("{name}.{format}"), out);
            }
        });
    }
}

#[test]
fn sarif_rule_catalogue_matches_snapshot() {
    let case = fixtures().join("public-invoker/v2-member-allusers");
    let (out, _) = run_case(&case, "sarif");
    let mut doc: Value = serde_json::from_str(&out).unwrap();
    // Shorten the embedded docs; their text is rules/<name>.md.
    for r in doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let markdown = r["help"]["markdown"].as_str().unwrap().to_string();
        let name = r["name"].as_str().unwrap();
        let doc_file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{name}.md"));
        let doc_text = std::fs::read_to_string(doc_file).unwrap();
        assert_eq!(doc_text, markdown);
        // The text form is the same document without Markdown markers.
        assert_eq!(
            r["help"]["text"].as_str(),
            Some(runwarden::markdown::plain(&doc_text).as_str())
        );
        r["help"] = Value::String(format!("<rules/{name}.md>"));
    }
    doc["runs"][0]["results"] = Value::Array(Vec::new());
    // The tool's version as `[version]`: a release changes no snapshot.
    let driver = &mut doc["runs"][0]["tool"]["driver"];
    for key in ["version", "semanticVersion"] {
        assert_eq!(driver[key], env!("CARGO_PKG_VERSION"), "{key}");
        driver[key] = Value::String("[version]".into());
    }
    insta::with_settings!({snapshot_path => "snapshots/formats", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("sarif-run-without-results", serde_json::to_string_pretty(&doc).unwrap());
    });
}

#[test]
fn sarif_is_valid_against_the_official_schema_on_every_fixture() {
    let validator = sarif_validator();
    let mut failures = Vec::new();
    for case in all_cases() {
        let (out, _) = run_case(&case, "sarif");
        let doc: Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{}: {}", case.display(), errors.join("; ")));
        }
        // What GitHub code scanning needs beyond the schema.
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in run["results"].as_array().unwrap() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"], "{}", case.display());
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.is_empty() && !uri.starts_with('/'), "{uri}");
            assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(r["partialFingerprints"]["runwarden/v2"].is_string());
            for rel in r["relatedLocations"].as_array().into_iter().flatten() {
                assert!(rel["physicalLocation"]["artifactLocation"]["uri"].is_string());
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sarif_validator_rejects_a_broken_report() {
    // Guards against a validator that accepts everything.
    let validator = sarif_validator();
    let case = fixtures().join("public-invoker/v2-member-allusers");
    let (out, _) = run_case(&case, "sarif");
    let mut doc: Value = serde_json::from_str(&out).unwrap();
    assert!(validator.is_valid(&doc));
    doc["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    assert!(!validator.is_valid(&doc));
}

#[test]
fn sarif_marks_suppressed_findings_with_their_reason() {
    let case = fixtures().join("suppression/above-resource");
    let (out, _) = run_case(&case, "sarif");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let suppressed: Vec<&Value> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert!(!suppressed.is_empty());
    for r in suppressed {
        let s = &r["suppressions"][0];
        assert_eq!(s["kind"], "inSource");
        assert!(!s["justification"].as_str().unwrap().is_empty());
    }
    // Without --show-suppressed they are left out.
    let (plain, _, _) = run_in(&case, &["check", ".", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&plain).unwrap();
    assert!(
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("suppressions").is_none())
    );
}

const SERVICE: &str = r#"resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "europe-west1"
  template {
    containers {
      image = "europe-west1-docker.pkg.dev/acme/apps/api:1"
    }
  }
}
"#;

fn grant(name: &str, member: &str) -> String {
    format!(
        r#"resource "google_cloud_run_v2_service_iam_member" "{name}" {{
  location = google_cloud_run_v2_service.api.location
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = "{member}"
}}
"#
    )
}

fn fingerprints(dir: &Path) -> Vec<(String, u64)> {
    let (out, _, _) = run_in(dir, &["check", ".", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["partialFingerprints"]["runwarden/v2"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_unrelated_lines_moving() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.tf");
    std::fs::write(&main, format!("{SERVICE}\n{}", grant("public", "allUsers"))).unwrap();
    let before = fingerprints(dir.path());
    assert_eq!(before.len(), 1);
    std::fs::write(
        &main,
        format!(
            "# a comment\n\nlocals {{\n  team = \"web\"\n}}\n\n{SERVICE}\n\n\n{}",
            grant("public", "allUsers")
        ),
    )
    .unwrap();
    let after = fingerprints(dir.path());
    assert_eq!(after.len(), 1);
    assert_eq!(before[0].0, after[0].0, "fingerprint changed");
    assert_ne!(before[0].1, after[0].1, "the finding should have moved");
    // A different resource is a different finding.
    std::fs::write(&main, format!("{SERVICE}\n{}", grant("open", "allUsers"))).unwrap();
    assert_ne!(fingerprints(dir.path())[0].0, before[0].0);
}

fn finding_count(dir: &Path, extra: &[&str]) -> (usize, i32) {
    let mut args = vec!["check", ".", "--format", "json"];
    args.extend(extra);
    let (out, err, code) = run_in(dir, &args);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    (doc["findings"].as_array().unwrap().len(), code)
}

#[test]
fn baseline_hides_recorded_findings_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.tf");
    std::fs::write(&main, format!("{SERVICE}\n{}", grant("public", "allUsers"))).unwrap();
    assert_eq!(finding_count(dir.path(), &[]), (1, 1));

    // Writing a baseline records the finding and reports nothing.
    let (_, err, code) = run_in(
        dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, 0, "{err}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(written["version"], 2);
    assert_eq!(written["findings"][0]["rule"], "public-invoker");
    assert_eq!(
        written["findings"][0]["resource"],
        "google_cloud_run_v2_service_iam_member.public"
    );
    assert!(written["findings"][0]["fingerprint"].is_string());
    let b = ["--baseline", "baseline.json"];
    assert_eq!(finding_count(dir.path(), &b), (0, 0));

    // Moving code does not bring it back.
    std::fs::write(
        &main,
        format!("\n\n# moved\n{}\n\n{SERVICE}", grant("public", "allUsers")),
    )
    .unwrap();
    assert_eq!(finding_count(dir.path(), &b), (0, 0));

    // A new finding is reported; the recorded one stays hidden.
    std::fs::write(
        &main,
        format!(
            "{SERVICE}\n{}\n{}",
            grant("public", "allUsers"),
            grant("open", "allAuthenticatedUsers")
        ),
    )
    .unwrap();
    let (out, _, code) = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0]["resource"],
        "google_cloud_run_v2_service_iam_member.open"
    );

    // Fixing the recorded one does not hide another one elsewhere.
    std::fs::write(
        &main,
        format!("{SERVICE}\n{}", grant("open", "allAuthenticatedUsers")),
    )
    .unwrap();
    assert_eq!(finding_count(dir.path(), &b), (1, 1));

    // The human summary says how many the baseline hid.
    std::fs::write(&main, format!("{SERVICE}\n{}", grant("public", "allUsers"))).unwrap();
    let (human, _, _) = run_in(dir.path(), &["check", ".", "--baseline", "baseline.json"]);
    assert!(human.contains("1 in the baseline"), "{human}");
}

#[test]
fn baseline_matching_counts_findings_with_the_same_key() {
    // Two reason-less suppression comments in one file share rule, resource
    // (none), file and message: one key. A baseline holding one of them
    // absorbs one finding, not both.
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.tf");
    let bare = "# runwarden:ignore public-invoker\n";
    std::fs::write(
        &main,
        format!("{SERVICE}\n{bare}{}", grant("public", "allUsers")),
    )
    .unwrap();
    let (_, err, code) = run_in(dir.path(), &["check", ".", "--write-baseline", "b.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(finding_count(dir.path(), &["--baseline", "b.json"]), (0, 0));
    std::fs::write(
        &main,
        format!("{bare}{SERVICE}\n{bare}{}", grant("public", "allUsers")),
    )
    .unwrap();
    let (out, _, _) = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--baseline", "b.json"],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["invalid-suppression"]);
}

#[test]
fn a_broken_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), SERVICE).unwrap();
    std::fs::write(dir.path().join("b.json"), "{ not json").unwrap();
    let (_, err, code) = run_in(dir.path(), &["check", ".", "--baseline", "b.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid baseline"), "{err}");
    let (_, err, code) = run_in(dir.path(), &["check", ".", "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read baseline"), "{err}");
}

#[test]
fn junit_has_a_suite_per_root_and_a_case_per_rule_or_finding() {
    let case = fixtures().join("public-invoker/module-called-twice");
    let (out, _) = run_case(&case, "junit");
    let report = quick_junit::Report::deserialize_from_str(&out).unwrap();
    let (json, _) = run_case(&case, "json");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let mut roots: Vec<&str> = findings
        .iter()
        .map(|f| f["root"].as_str().unwrap())
        .collect();
    roots.sort();
    roots.dedup();
    assert!(report.test_suites.len() >= roots.len());
    let failures: usize = report.test_suites.iter().map(|s| s.failures).sum();
    assert_eq!(failures, findings.len());
    assert_eq!(report.failures, findings.len());
    for suite in &report.test_suites {
        assert_eq!(suite.tests, suite.test_cases.len());
        assert!(suite.test_cases.iter().all(|c| c.classname.is_some()));
        // Every rule that ran appears: as failures, or as one passing case.
        let classes: std::collections::BTreeSet<&str> = suite
            .test_cases
            .iter()
            .filter_map(|c| c.classname.as_ref().map(|c| c.as_str()))
            .collect();
        assert!(classes.contains("public-invoker"));
        assert!(classes.contains("invalid-member"));
    }
}

#[test]
fn junit_lists_only_the_rules_that_ran() {
    let case = fixtures().join("public-invoker/v2-member-allusers");
    let (out, _, _) = run_in(
        &case,
        &[
            "check",
            ".",
            "--format",
            "junit",
            "--select",
            "invalid-member",
        ],
    );
    let report = quick_junit::Report::deserialize_from_str(&out).unwrap();
    let names: Vec<&str> = report.test_suites[0]
        .test_cases
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["invalid-member (RW501): no finding"]);
    assert_eq!(report.failures, 0);
}

#[test]
fn github_annotations_are_one_escaped_line_per_finding() {
    let case = fixtures().join("invalid-member/binding-bad-members");
    let (out, _) = run_case(&case, "github");
    let (json, _) = run_case(&case, "json");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(lines.len(), findings.len());
    for (line, f) in lines.iter().zip(findings) {
        let level = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        let expected_head = format!(
            "::{level} file={},line={},endLine={},col={},endColumn={},title={} ({})::",
            f["file"].as_str().unwrap(),
            f["line"],
            f["end_line"],
            f["column"],
            f["end_column"],
            f["rule"].as_str().unwrap(),
            f["id"].as_str().unwrap(),
        );
        assert!(line.starts_with(&expected_head), "{line}\n{expected_head}");
        assert!(!line.contains('\r'));
    }
    assert!(out.lines().last().unwrap().starts_with("runwarden: "));
    // --quiet: the annotations only.
    let (quiet, _, _) = run_in(&case, &["check", ".", "--format", "github", "--quiet"]);
    assert!(quiet.lines().all(|l| l.starts_with("::")), "{quiet}");
}

#[test]
fn quiet_drops_the_summary_but_not_the_findings() {
    let case = fixtures().join("public-invoker/v2-member-allusers");
    let (loud, _, code) = run_in(&case, &["check", "."]);
    let (quiet, _, quiet_code) = run_in(&case, &["check", ".", "-q"]);
    assert_eq!(code, quiet_code);
    assert!(loud.contains("runwarden: 1 error"));
    assert!(!quiet.contains("runwarden: 1 error"));
    assert!(quiet.contains("public-invoker"));
    for format in ["json", "sarif", "junit"] {
        let (a, _, _) = run_in(&case, &["check", ".", "--format", format]);
        let (b, _, _) = run_in(&case, &["check", ".", "--format", format, "--quiet"]);
        assert_eq!(a, b, "--quiet changed {format}");
    }
}

#[test]
fn output_writes_any_format_to_a_file() {
    let case = fixtures().join("public-invoker/v2-member-allusers");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.sarif");
    let (stdout, _, code) = run_in(
        &case,
        &[
            "check",
            ".",
            "--format",
            "sarif",
            "--output",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert!(sarif_validator().is_valid(&doc));
}

fn editor_grant_and_services(names: &[&str]) -> String {
    let mut tf = String::from(
        "resource \"google_project_iam_member\" \"editor\" {\n  project = \"acme\"\n  role    = \"roles/editor\"\n  member  = \"serviceAccount:run@acme.iam.gserviceaccount.com\"\n}\n",
    );
    for n in names {
        tf.push_str(&format!(
            "\nresource \"google_cloud_run_v2_service\" \"{n}\" {{\n  name     = \"{n}\"\n  location = \"europe-west1\"\n  template {{\n    service_account = \"run@acme.iam.gserviceaccount.com\"\n    containers {{\n      image = \"x\"\n    }}\n  }}\n}}\n"
        ));
    }
    tf
}

fn sarif_results(dir: &Path) -> Vec<(String, String, String)> {
    let (out, _, _) = run_in(dir, &["check", ".", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["rule"].as_str().unwrap().to_string(),
                r["message"]["text"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["runwarden/v2"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_a_message_changed_by_something_else() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("main.tf");
    std::fs::write(&main, editor_grant_and_services(&["a"])).unwrap();
    let before = sarif_results(dir.path());
    let (_, err, code) = run_in(dir.path(), &["check", ".", "--write-baseline", "b.json"]);
    assert_eq!(code, 0, "{err}");
    // A second service run by the same account rewords the finding
    // ("... (and 1 more) ..."): same finding, same fingerprint, still in
    // the baseline.
    std::fs::write(&main, editor_grant_and_services(&["a", "b"])).unwrap();
    let after = sarif_results(dir.path());
    let basic = |v: &[(String, String, String)]| {
        v.iter()
            .find(|r| r.0 == "basic-role")
            .cloned()
            .expect("basic-role finding")
    };
    let (b, a) = (basic(&before), basic(&after));
    assert_ne!(b.1, a.1, "the message should have changed");
    assert!(a.1.contains("(and 1 more)"), "{}", a.1);
    assert_eq!(b.2, a.2, "fingerprint changed with the message");
    assert_eq!(finding_count(dir.path(), &["--baseline", "b.json"]), (0, 0));
    // Another member is another finding.
    std::fs::write(
        &main,
        editor_grant_and_services(&["a"]).replace("run@", "api@"),
    )
    .unwrap();
    let other = sarif_results(dir.path());
    assert!(other.iter().all(|r| r.2 != b.2));
}

#[test]
fn a_version_1_baseline_is_still_honoured() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!("{SERVICE}\n{}", grant("public", "allUsers")),
    )
    .unwrap();
    let (out, _, _) = run_in(dir.path(), &["check", ".", "--format", "json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let f = &doc["findings"][0];
    // The version-1 recipe: rule id, root, resource and message.
    let mut h = Sha256::new();
    for part in [
        "RW101",
        ".",
        f["resource"].as_str().unwrap(),
        f["message"].as_str().unwrap(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let v1: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let baseline = serde_json::json!({
        "version": 1,
        "tool": "runwarden 0.1.0",
        "findings": [{"rule": "public-invoker", "resource": f["resource"], "fingerprint": v1}],
    });
    std::fs::write(dir.path().join("v1.json"), baseline.to_string()).unwrap();
    let (out, err, code) = run_in(dir.path(), &["check", ".", "--baseline", "v1.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 in the baseline"), "{out}");
    assert!(
        err.contains("baseline v1.json is format version 1"),
        "{err}"
    );
    // Rewriting it gives version 2.
    let (_, _, code) = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--baseline",
            "v1.json",
            "--write-baseline",
            "v1.json",
        ],
    );
    assert_eq!(code, 0);
    let rewritten: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("v1.json")).unwrap())
            .unwrap();
    assert_eq!(rewritten["version"], 2);
    let (_, err, code) = run_in(dir.path(), &["check", ".", "--baseline", "v1.json"]);
    assert_eq!(code, 0);
    assert!(!err.contains("format version"), "{err}");
}

#[test]
fn a_baseline_never_accepts_a_file_it_could_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), SERVICE).unwrap();
    std::fs::write(dir.path().join("broken.tf"), "resource \"x\" \"y\" {\n").unwrap();
    let (_, err, code) = run_in(dir.path(), &["check", ".", "--write-baseline", "b.json"]);
    assert_eq!(code, 1, "the parse error still fails the run: {err}");
    assert!(err.contains("1 finding(s) not recorded"), "{err}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(written["findings"], serde_json::json!([]));
    // Whatever is added to the broken file, the run keeps failing.
    std::fs::write(
        dir.path().join("broken.tf"),
        format!("{}\nresource \"x\" \"y\" {{\n", grant("public", "allUsers")),
    )
    .unwrap();
    let (out, _, code) = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--baseline", "b.json"],
    );
    assert_eq!(code, 1);
    assert!(out.contains("\"parse-error\""), "{out}");
    // A hand-written (or old) entry for the parse error hides nothing.
    let (out, _, _) = run_in(dir.path(), &["check", ".", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let fp = doc["runs"][0]["results"][0]["partialFingerprints"]["runwarden/v2"].clone();
    let forged = serde_json::json!({
        "version": 2,
        "findings": [{"rule": "parse-error", "resource": "", "fingerprint": fp}],
    });
    std::fs::write(dir.path().join("forged.json"), forged.to_string()).unwrap();
    assert_eq!(
        finding_count(dir.path(), &["--baseline", "forged.json"]),
        (1, 1)
    );
}

#[test]
fn modules_not_loaded_are_in_every_format() {
    let case = fixtures().join("module-not-loaded/registry-not-installed");
    let (json, code) = run_case(&case, "json");
    assert_eq!(code, 0, "notes do not fail the default gate");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["summary"]["modules_not_loaded"], 2);
    assert_eq!(doc["summary"]["notes"], 2);
    let listed = &doc["modules_not_loaded"];
    assert_eq!(listed[0]["module"], "module.api");
    assert_eq!(listed[0]["root"], ".");
    assert_eq!(listed[0]["file"], "main.tf");
    assert_eq!(listed[0]["line"], 4);
    assert_eq!(
        listed[0]["source"],
        "GoogleCloudPlatform/cloud-run/google//modules/v2"
    );
    assert!(
        listed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("terraform init")
    );

    let (sarif, _) = run_case(&case, "sarif");
    let doc: Value = serde_json::from_str(&sarif).unwrap();
    let run = &doc["runs"][0];
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(notes[0]["level"], "note");
    assert_eq!(notes[0]["associatedRule"]["id"], "RW003");
    let index = notes[0]["associatedRule"]["index"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "RW003");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&doc)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(run["results"].as_array().unwrap().len(), 2);

    let (github, _) = run_case(&case, "github");
    assert!(
        github.contains("::notice file=main.tf,line=4,endLine=4,col=3,endColumn="),
        "{github}"
    );
    assert!(github.contains("title=module-not-loaded (RW003)::module.api was not loaded"));

    // The rule turned off: no finding, but the reports still say what was
    // not seen.
    let (json, _, _) = run_in(
        &case,
        &["check", ".", "--format", "json", "--ignore", "RW003"],
    );
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["summary"]["modules_not_loaded"], 2);
    // A note can fail the gate when asked to.
    let (_, _, code) = run_in(&case, &["check", ".", "--fail-on", "note"]);
    assert_eq!(code, 1);
    // A baseline never accepts what was not seen.
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("b.json");
    let (_, err, _) = run_in(
        &case,
        &["check", ".", "--write-baseline", written.to_str().unwrap()],
    );
    assert!(err.contains("2 finding(s) not recorded"), "{err}");
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(b["findings"], serde_json::json!([]));
}

/// A root in `envs/prod` calling `../../modules/run`, checked from the root's
/// directory: JSON and human reports name the module's file relative to the
/// current directory (`../../`), SARIF and GitHub annotations relative to the
/// repository root, whether that is found by `.git` or `$GITHUB_WORKSPACE`.
#[test]
fn paths_are_relative_to_the_current_directory_and_the_repository_root() {
    let repo = tempfile::tempdir().unwrap();
    let prod = repo.path().join("envs/prod");
    let module = repo.path().join("modules/run");
    std::fs::create_dir_all(&prod).unwrap();
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        prod.join("main.tf"),
        "module \"api\" {\n  source = \"../../modules/run\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        module.join("main.tf"),
        r#"resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "europe-west1"
  template {}
}

resource "google_cloud_run_v2_service_iam_member" "public" {
  name     = google_cloud_run_v2_service.api.name
  location = google_cloud_run_v2_service.api.location
  role     = "roles/run.invoker"
  member   = "allUsers"
}
"#,
    )
    .unwrap();
    let run = |format: &str, workspace: Option<&Path>| {
        let mut cmd = Command::cargo_bin("runwarden").unwrap();
        cmd.current_dir(&prod)
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_WORKSPACE");
        if let Some(w) = workspace {
            cmd.env("GITHUB_WORKSPACE", w);
        }
        let out = cmd
            .args(["check", ".", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let sarif_uri = |text: &str| {
        let doc: Value = serde_json::from_str(text).unwrap();
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"].clone()
    };

    // No repository: the current directory is the root of SARIF paths, and
    // the module's file lies outside it (an absolute file URI).
    let json: Value = serde_json::from_str(&run("json", None)).unwrap();
    assert_eq!(json["findings"][0]["file"], "../../modules/run/main.tf");
    assert_eq!(json["findings"][0]["root"], ".");
    assert!(run("human", None).contains("../../modules/run/main.tf:"));
    let outside = sarif_uri(&run("sarif", None));
    assert!(
        outside["uri"].as_str().unwrap().starts_with("file:///"),
        "{outside}"
    );
    assert!(outside.get("uriBaseId").is_none());

    // $GITHUB_WORKSPACE at the top: paths from there.
    let uri = sarif_uri(&run("sarif", Some(repo.path())));
    assert_eq!(uri["uri"], "modules/run/main.tf");
    assert_eq!(uri["uriBaseId"], "%SRCROOT%");
    assert!(run("github", Some(repo.path())).contains("::error file=modules/run/main.tf,line=11,"),);
    // A workspace the current directory is not in is ignored.
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(
        sarif_uri(&run("sarif", Some(elsewhere.path())))["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );

    // A checkout (.git) at the top: the same paths without the variable.
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    assert_eq!(sarif_uri(&run("sarif", None))["uri"], "modules/run/main.tf");
    assert!(run("github", None).contains("::error file=modules/run/main.tf,line=11,"));
    let json: Value = serde_json::from_str(&run("json", None)).unwrap();
    assert_eq!(json["findings"][0]["file"], "../../modules/run/main.tf");
}

/// A module called from two roots reports once per root; every format that
/// does not otherwise show the root says which one.
#[test]
fn findings_of_a_shared_module_name_their_root() {
    let case = fixtures().join("public-invoker/shared-module-two-roots");
    let (compact, _) = run_case(&case, "compact");
    let lines: Vec<&str> = compact
        .lines()
        .filter(|l| l.contains("public-invoker"))
        .collect();
    assert!(lines.len() >= 2, "{compact}");
    assert!(lines.iter().all(|l| l.contains(" (root ")), "{compact}");
    let (github, _) = run_case(&case, "github");
    assert!(github.contains("%0Aroot: "), "{github}");
    let (sarif, _) = run_case(&case, "sarif");
    let doc: Value = serde_json::from_str(&sarif).unwrap();
    for r in doc["runs"][0]["results"].as_array().unwrap() {
        let text = r["message"]["text"].as_str().unwrap();
        assert!(
            text.ends_with(&format!(
                "(root {})",
                r["properties"]["root"].as_str().unwrap()
            )),
            "{text}"
        );
    }
    // --explain-unknown works in the compact format too.
    let unknown = fixtures().join("public-invoker/for-each-keys-not-known");
    let (out, _, _) = run_in(
        &unknown,
        &["check", ".", "--format", "compact", "--explain-unknown"],
    );
    assert!(out.contains("Could not resolve:"), "{out}");
}
