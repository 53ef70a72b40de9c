//! Runs every fixture case (`fixtures/<rule>/<case>/`) through the binary and
//! compares the findings with the case's `expected.txt`; snapshots the human
//! and JSON reports. See fixtures/README.md for the format.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).unwrap().flatten() {
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

fn run(case: &Path, format: &str) -> (String, i32) {
    let mut args: Vec<String> = vec![
        "check".into(),
        ".".into(),
        "--show-suppressed".into(),
        "--format".into(),
        format.into(),
        // Conditions and suppression expiry are judged as of a fixed day.
        "--now".into(),
        "2026-12-01".into(),
    ];
    if let Ok(extra) = std::fs::read_to_string(case.join("args")) {
        args.extend(
            extra
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(case)
        .env("NO_COLOR", "1")
        .env_remove("TF_VAR_public")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}: exit {:?}\n{}",
        case.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

fn finding_lines(json: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let resource = f["resource"].as_str().unwrap();
            let mut l = format!(
                "{} {}:{} {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                if resource.is_empty() { "-" } else { resource }
            );
            let rule = runwarden::rules::by_name(f["rule"].as_str().unwrap()).unwrap();
            let severity = f["severity"].as_str().unwrap();
            if severity != rule.severity.as_str() {
                l.push_str(&format!(" [{severity}]"));
            }
            if f["suppressed"].as_bool().unwrap() {
                l.push_str(" (suppressed)");
            }
            l
        })
        .collect()
}

#[test]
fn fixture_cases_report_exactly_the_expected_findings() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() > 10, "fixtures not found");
    for case in &all {
        let expected: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
            .unwrap()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        let (json, code) = run(case, "json");
        let got = finding_lines(&json);
        if got != expected {
            failures.push(format!(
                "{}:\n  expected:\n    {}\n  got:\n    {}",
                case.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap()
                    .display(),
                expected.join("\n    "),
                got.join("\n    ")
            ));
        }
        // Exit 1 exactly when an unsuppressed error or warning is reported
        // (the default --fail-on).
        let expect_fail = got.iter().any(|l| {
            let rule = runwarden::rules::by_name(l.split(' ').next().unwrap()).unwrap();
            let default = rule.severity.as_str();
            !l.ends_with("(suppressed)")
                && !l.contains("[note]")
                && (default != "note" || l.contains("[warning]") || l.contains("[error]"))
        });
        if (code == 1) != expect_fail
            && !case.join("args").exists()
            && !case.join("runwarden.toml").exists()
        {
            failures.push(format!("{}: exit code {code}", case.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_reports_match_snapshots() {
    for case in cases() {
        let rel = case
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .unwrap();
        let name = rel.to_string_lossy().replace(['/', '\\'], "__");
        let (json, code) = run(&case, "json");
        let (human, human_code) = run(&case, "human");
        assert_eq!(
            code, human_code,
            "{name}: exit code differs between formats"
        );
        insta::with_settings!({snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("{name}.human"), human);
            insta::assert_snapshot!(format!("{name}.json"), json);
        });
    }
}
