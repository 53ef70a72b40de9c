//! Command-line behaviour around the report: the binary against the library
//! it wraps, rule selection from the config and the command line, file
//! arguments (pre-commit), completions, man page.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const PUBLIC_WITH_BAD_MEMBER: &str = r#"resource "google_cloud_run_v2_service" "api" {
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

resource "google_cloud_run_v2_service_iam_member" "typo" {
  location = google_cloud_run_v2_service.api.location
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:ci"
}
"#;

fn run(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn rules_found(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let (out, err, code) = run(dir, &all);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let mut rules: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

fn project(config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), PUBLIC_WITH_BAD_MEMBER).unwrap();
    if let Some(c) = config {
        std::fs::write(dir.path().join("runwarden.toml"), c).unwrap();
    }
    dir
}

#[test]
fn select_and_ignore_come_from_the_config_unless_given_on_the_command_line() {
    let both = ["invalid-member", "public-invoker"];
    let dir = project(None);
    assert_eq!(rules_found(dir.path(), &[]), both);

    let dir = project(Some("ignore = [\"public-invoker\"]\n"));
    assert_eq!(rules_found(dir.path(), &[]), ["invalid-member"]);
    // The command line's --ignore replaces the config's list.
    assert_eq!(
        rules_found(dir.path(), &["--ignore", "invalid-member"]),
        ["public-invoker"]
    );

    let dir = project(Some("select = [\"RW501\"]\n"));
    assert_eq!(rules_found(dir.path(), &[]), ["invalid-member"]);
    assert_eq!(
        rules_found(dir.path(), &["--select", "public-invoker"]),
        ["public-invoker"]
    );

    // A rule disabled in the config runs when the command line selects it.
    let dir = project(Some("[rules.public-invoker]\nenabled = false\n"));
    assert_eq!(rules_found(dir.path(), &[]), ["invalid-member"]);
    assert_eq!(
        rules_found(dir.path(), &["--select", "public-invoker,invalid-member"]),
        both
    );
}

#[test]
fn unknown_rules_in_config_select_are_a_configuration_error() {
    let dir = project(Some("select = [\"public-invokers\"]\n"));
    let (_, err, code) = run(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert!(err.contains("public-invokers"), "{err}");
}

#[test]
fn file_arguments_analyze_the_modules_they_belong_to() {
    // Two root modules; naming a file of one analyzes that module only
    // (this is what pre-commit passes).
    let dir = tempfile::tempdir().unwrap();
    for env in ["prod", "dev"] {
        let d = dir.path().join("envs").join(env);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("main.tf"), PUBLIC_WITH_BAD_MEMBER).unwrap();
        std::fs::write(d.join("variables.tf"), "variable \"x\" {}\n").unwrap();
    }
    let (out, err, code) = run(
        dir.path(),
        &["check", "--format", "json", "envs/prod/variables.tf"],
    );
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["root"], "envs/prod");
        // The other files of the module are analyzed too.
        assert_eq!(f["file"], "envs/prod/main.tf");
    }
    // Several files of one module: the module once.
    let (out2, _, _) = run(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "envs/prod/variables.tf",
            "envs/prod/main.tf",
        ],
    );
    let doc2: Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(doc2["findings"], doc["findings"]);
}

#[test]
fn completions_are_generated_for_common_shells() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (out, err, code) = run(dir.path(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("runwarden"), "{shell}");
        assert!(out.contains("write-baseline"), "{shell}");
    }
    let (_, _, code) = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn man_page_is_roff() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = run(dir.path(), &["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".TH runwarden"));
}

#[test]
fn version_is_the_crate_version() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, code) = run(dir.path(), &["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("runwarden {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_child_module_file_is_analyzed_from_the_root_modules_that_call_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let write = |rel: &str, text: &str| {
        let p = repo.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write("modules/run/main.tf", PUBLIC_WITH_BAD_MEMBER);
    // Called through an intermediate module, and directly.
    write(
        "envs/prod/main.tf",
        "module \"stack\" {\n  source = \"../../modules/stack\"\n}\n",
    );
    write(
        "modules/stack/main.tf",
        "module \"run\" {\n  source = \"../run\"\n}\n",
    );
    write(
        "envs/dev/main.tf.json",
        r#"{"module": {"run": {"source": "../../modules/run"}}}"#,
    );
    write("standalone/main.tf", PUBLIC_WITH_BAD_MEMBER);
    // Outside the repository: not a caller the hook knows about.
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    std::fs::write(
        dir.path().join("elsewhere/main.tf"),
        "module \"run\" {\n  source = \"../repo/modules/run\"\n}\n",
    )
    .unwrap();
    let roots = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args);
        let (out, err, code) = run(&repo, &all);
        assert_eq!(code, 1, "{err}");
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
    };
    let everything = roots(&["."]);
    assert_eq!(everything, ["envs/dev", "envs/prod", "standalone"]);
    // Only the child changed (or it arrives in a batch without its
    // callers): it is analyzed from the roots that call it, as `check .`.
    assert_eq!(roots(&["modules/run/main.tf"]), ["envs/dev", "envs/prod"]);
    assert_eq!(roots(&["modules/stack/main.tf"]), ["envs/prod"]);
    // A module nobody calls is its own root.
    assert_eq!(roots(&["standalone/main.tf"]), ["standalone"]);
    // Every file at once: what `check .` reports.
    assert_eq!(
        roots(&[
            "envs/prod/main.tf",
            "envs/dev/main.tf.json",
            "modules/run/main.tf",
            "modules/stack/main.tf",
            "standalone/main.tf"
        ]),
        everything
    );
}

#[test]
fn config_exclude_applies_to_file_arguments() {
    let dir = project(Some("exclude = [\"**/examples/**\"]\n"));
    let ex = dir.path().join("examples/demo");
    std::fs::create_dir_all(&ex).unwrap();
    std::fs::write(ex.join("main.tf"), PUBLIC_WITH_BAD_MEMBER).unwrap();
    let (out, err, code) = run(
        dir.path(),
        &["check", "--format", "json", "examples/demo/main.tf"],
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    // Not excluded: analyzed.
    let (_, _, code) = run(dir.path(), &["check", "main.tf"]);
    assert_eq!(code, 1);
}

#[test]
fn broken_plan_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "truncated.json",
            "{\"format_version\": \"1.2\", \"planned_values\": {",
            "not valid JSON",
        ),
        (
            "noversion.json",
            "{\"planned_values\": {\"root_module\": {}}}",
            "no format_version",
        ),
        (
            "v2.json",
            "{\"format_version\": \"2.0\", \"planned_values\": {}}",
            "unsupported format_version \"2.0\"",
        ),
        (
            "novalues.json",
            "{\"format_version\": \"1.0\"}",
            "neither planned_values",
        ),
        ("array.json", "[]", "expected one JSON object"),
    ];
    for (name, text, message) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let (stdout, stderr, code) = run(dir.path(), &["check", "--plan", name]);
        assert_eq!(code, 2, "{name}: {stdout}{stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    let (_, stderr, code) = run(dir.path(), &["check", "--plan", "missing.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read plan missing.json"), "{stderr}");
}

#[test]
fn broken_live_policy_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), PUBLIC_WITH_BAD_MEMBER).unwrap();
    std::fs::write(
        dir.path().join("policy.json"),
        "{\"bindings\": [], \"etag\": \"BwYx\"}",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.ndjson"), "{\"name\": \"x\"\n").unwrap();
    std::fs::write(dir.path().join("other.json"), "{\"kind\": \"x\"}").unwrap();
    for (arg, message) in [
        ("policy.json", "needs its resource"),
        ("bad.ndjson", "not valid JSON"),
        ("other.json", "not a live IAM policy export"),
        (
            "projects/p/services/s=policy.json",
            "not a Cloud Run resource name",
        ),
    ] {
        let (_, stderr, code) = run(dir.path(), &["check", "--live-policy", arg]);
        assert_eq!(code, 2, "{arg}: {stderr}");
        assert!(stderr.contains(message), "{arg}: {stderr}");
    }
}

/// `file()` and `templatefile()` paths are relative to the root module's
/// directory, as Terraform runs there: checking the fixture from the
/// repository root reads the same definition as checking it from inside.
#[test]
fn file_paths_are_relative_to_the_root_module_wherever_the_check_runs() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let case = "fixtures/missing-invoker-grant/workflow-file-relative-to-root";
    let from_inside = rules_found(&repo.join(case), &["."]);
    let from_top = rules_found(repo, &[case]);
    assert_eq!(from_inside, ["missing-invoker-grant"]);
    assert_eq!(from_top, from_inside);
}

/// The binary's report and exit code on a fixture case equal what the
/// library gives for the same command line in the same surroundings (the
/// fixture harness runs every case in process; this keeps main.rs honest).
#[test]
fn the_binary_reports_what_the_library_renders_for_the_same_command_line() {
    use runwarden::cli::{self, Context};
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    // Arguments from the command line, and a variable from the environment.
    type Case<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: [Case; 2] = [
        (
            "public-invoker/count-toggle-var-arg",
            &["--var", "public=true"],
            &[],
        ),
        (
            "public-invoker/count-toggle-tf-var-env",
            &["--fail-on", "error"],
            &[("TF_VAR_public", "true")],
        ),
    ];
    for (case, extra, vars) in cases {
        let dir = fixtures.join(case);
        let mut env: Vec<(String, String)> = vec![(
            "GITHUB_WORKSPACE".into(),
            dir.to_string_lossy().into_owned(),
        )];
        env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        for format in ["human", "json", "sarif"] {
            let mut args = vec![".", "--format", format, "--now", "2026-12-01"];
            args.extend(extra);
            let out = Command::cargo_bin("runwarden")
                .unwrap()
                .current_dir(&dir)
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .arg("check")
                .args(&args)
                .output()
                .unwrap();
            let parsed = cli::parse_check(&args).unwrap();
            let ctx = Context {
                cwd: dir.clone(),
                env: env.clone(),
                now: None,
            };
            let analysis = runwarden::check::run(&parsed.options(&ctx).unwrap()).unwrap();
            let text = parsed.render(&analysis, false).unwrap();
            assert!(!analysis.findings.is_empty(), "{case}");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                text,
                "{case} {format}"
            );
            assert_eq!(
                out.status.code(),
                Some(i32::from(analysis.failed())),
                "{case} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A root calling a module above it (`../../modules/flow`) in a checkout
/// without `.git`: the module's own template is part of the analysed tree
/// like its `.tf` files, so the workflow it defines is read.
#[test]
fn a_module_above_the_path_reads_its_own_files_without_a_repository() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("envs/prod");
    let module = d.path().join("modules/flow");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        root.join("main.tf"),
        r#"provider "google" {
  project = "acme-flow"
  region  = "europe-west1"
}

resource "google_cloud_run_v2_service" "sink" {
  name     = "sink"
  location = "europe-west1"
  template {}
}

module "flow" {
  source = "../../modules/flow"
  url    = google_cloud_run_v2_service.sink.uri
}
"#,
    )
    .unwrap();
    std::fs::write(
        module.join("main.tf"),
        r#"variable "url" {
  type = string
}

resource "google_service_account" "flow" {
  account_id = "flow-runner"
}

resource "google_workflows_workflow" "flow" {
  name            = "flow"
  region          = "europe-west1"
  service_account = google_service_account.flow.email
  source_contents = templatefile("${path.module}/flow.yaml", { url = var.url })
}
"#,
    )
    .unwrap();
    std::fs::write(
        module.join("flow.yaml"),
        "main:\n  steps:\n    - send:\n        call: http.post\n        args:\n          url: ${url}\n          auth:\n            type: OIDC\n",
    )
    .unwrap();
    assert!(!d.path().join(".git").exists());
    assert_eq!(
        rules_found(d.path(), &["envs/prod"]),
        ["missing-invoker-grant"]
    );
}
