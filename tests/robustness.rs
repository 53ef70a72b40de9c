//! Odd and hostile input: every case ends with a diagnostic and a defined
//! exit code, never a panic or a hang.

use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("check")
        .arg(".")
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (
        out.status.code().expect("killed (timeout?)"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

const PUBLIC: &str = r#"
resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "us-central1"
  template {
    containers { image = "x" }
  }
}
resource "google_cloud_run_v2_service_iam_member" "p" {
  name     = google_cloud_run_v2_service.api.name
  location = "us-central1"
  role     = "roles/run.invoker"
  member   = "allUsers"
}
"#;

#[test]
fn binary_and_invalid_utf8_files_are_parse_errors_and_the_rest_is_analyzed() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    write(d.path(), "blob.tf", [0u8, 1, 2, 255, 254, 0, 7]);
    write(d.path(), "latin1.tf", b"locals { a = \"caf\xe9\" }\n");
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("binary file"), "{out}");
    assert!(out.contains("invalid UTF-8"), "{out}");
    assert!(out.contains("public-invoker"), "{out}");
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    let d = tempfile::tempdir().unwrap();
    for (name, open, close) in [("a.tf", "[", "]"), ("b.tf", "(", ")"), ("c.tf", "{x=", "}")] {
        write(
            d.path(),
            name,
            format!(
                "locals {{\n  v = {}1{}\n}}\n",
                open.repeat(10_000),
                close.repeat(10_000)
            ),
        );
    }
    write(
        d.path(),
        "d.tf",
        format!("{}{}", "a {\n".repeat(10_000), "}\n".repeat(10_000)),
    );
    write(
        d.path(),
        "e.tf.json",
        format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
    );
    write(
        d.path(),
        "f.tf",
        format!("locals {{\n  v = \"{}\"\n}}\n", "${\"".repeat(5_000)),
    );
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out.matches("\"parse-error\"").count(), 6, "{out}");
}

#[test]
fn reference_cycles_and_expansion_bombs_end_in_unknowns() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "main.tf",
        r#"
locals {
  a = local.b
  b = [local.a]
  big = toset([for i in range(1000000) : tostring(i)])
}
variable "v" { default = "x" }
resource "google_cloud_run_v2_service_iam_member" "cycle" {
  name   = "api"
  role   = "roles/run.invoker"
  member = local.a
}
resource "google_cloud_run_v2_service_iam_member" "count_bomb" {
  count  = 100000000
  name   = "api"
  role   = "roles/run.invoker"
  member = "allUsers"
}
resource "google_cloud_run_v2_service_iam_member" "for_each_bomb" {
  for_each = local.big
  name     = "api"
  role     = "roles/run.invoker"
  member   = "allUsers"
}
"#,
    );
    // The bombs still exist (one `[*]` instance each, public: warnings).
    let (code, out, _) = check(d.path(), &["--explain-unknown", "--fail-on", "error"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("count_bomb[*]"), "{out}");
    assert!(out.contains("reference cycle"), "{out}");
    assert!(out.contains("expansion limit"), "{out}");
    assert!(out.contains("range(): too many elements"), "{out}");
}

#[test]
fn module_cycles_and_missing_sources_are_reported_as_unknown() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "main.tf",
        "module \"a\" {\n  source = \"./a\"\n}\nmodule \"gone\" {\n  source = \"./missing\"\n}\nmodule \"file\" {\n  source = \"./main.tf\"\n}\nmodule \"outside\" {\n  source = \"../../../../../../../../nowhere\"\n}\n",
    );
    write(
        d.path(),
        "a/main.tf",
        "module \"b\" {\n  source = \"../b\"\n}\n",
    );
    write(
        d.path(),
        "b/main.tf",
        "module \"a\" {\n  source = \"../a\"\n}\n",
    );
    write(
        d.path(),
        "self/main.tf",
        "module \"s\" {\n  source = \"../leaf\"\n  count  = length(module.s)\n}\n",
    );
    write(d.path(), "leaf/main.tf", "output \"x\" {\n  value = 1\n}\n");
    let (code, out, _) = check(d.path(), &["--explain-unknown"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("calls itself (cycle)"), "{out}");
    assert!(out.contains("depends on its own outputs (cycle)"), "{out}");
    assert!(out.contains("not found"), "{out}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    std::os::unix::fs::symlink(d.path(), d.path().join("loop")).unwrap();
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out.matches("\"public-invoker\"").count(), 1, "{out}");
}

#[test]
fn ten_megabyte_file_with_a_million_element_list() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(10_500_000);
    text.push_str("locals {\n  big = [\n");
    for i in 0..1_000_000 {
        text.push_str(&format!("    {i},\n"));
    }
    text.push_str("  ]\n}\n");
    assert!(text.len() > 7_000_000);
    // Pad with a comment to pass 10 MB.
    text.push_str(&format!(
        "# {}\n",
        "x".repeat(10_500_000 - text.len().min(10_500_000))
    ));
    write(d.path(), "big.tf", text);
    write(d.path(), "main.tf", PUBLIC);
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("public-invoker"));
}

#[test]
fn output_does_not_depend_on_file_creation_order() {
    let make = |order: &[usize]| {
        let d = tempfile::tempdir().unwrap();
        for &i in order {
            write(
                d.path(),
                &format!("m{i}/main.tf"),
                PUBLIC.replace("\"api\"", &format!("\"api{i}\"")),
            );
            write(
                d.path(),
                &format!("m{i}/extra.tf"),
                format!("locals {{\n  n = {i}\n}}\n"),
            );
        }
        let out = Command::cargo_bin("runwarden")
            .unwrap()
            .current_dir(d.path())
            .args(["check", ".", "--format", "json"])
            .output()
            .unwrap()
            .stdout;
        // Temporary directory names differ; findings are relative to it.
        String::from_utf8(out).unwrap()
    };
    let forward: Vec<usize> = (0..12).collect();
    let shuffled = [7, 2, 11, 0, 5, 9, 1, 10, 3, 8, 6, 4];
    assert_eq!(make(&forward), make(&shuffled));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_not_skipped() {
    // Root reads any file whatever its mode, so a dangling link stands in
    // for a file that cannot be read.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    std::os::unix::fs::symlink(
        d.path().join("missing-target.tf"),
        d.path().join("broken.tf"),
    )
    .unwrap();
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("cannot read broken.tf"), "{out}");
}

#[test]
fn large_files_parse() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::from("locals {\n");
    while text.len() < 1_000_000 {
        text.push_str(&format!(
            "  k{} = [\"serviceAccount:a{}@p.iam.gserviceaccount.com\", {{ x = 1 }}]\n",
            text.len(),
            text.len()
        ));
    }
    text.push_str("}\n");
    write(d.path(), "big.tf", text);
    write(d.path(), "main.tf", PUBLIC);
    let (code, _, _) = check(d.path(), &[]);
    assert_eq!(code, 1);
}

#[test]
fn empty_and_terraform_free_directories_pass() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, _) = check(d.path(), &[]);
    assert_eq!(code, 0);
    assert!(out.contains("0 errors"), "{out}");
    write(d.path(), "README.md", "# nothing here");
    write(d.path(), "dir with spaces/ünïcode.tf", PUBLIC);
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("dir with spaces/ünïcode.tf"), "{out}");
}

#[test]
fn usage_and_config_errors_exit_2_with_a_message() {
    let d = tempfile::tempdir().unwrap();
    let (code, _, err) = check(d.path(), &["no-such-dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-dir"), "{err}");
    write(d.path(), "runwarden.toml", "fail_on = \"error\"\n");
    let (code, _, err) = check(d.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("runwarden.toml"), "{err}");
    write(
        d.path(),
        "runwarden.toml",
        "[rules.no-such-rule]\nseverity = \"note\"\n",
    );
    let (code, _, err) = check(d.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rule"), "{err}");
    let (code, _, err) = check(d.path(), &["--config", "/nonexistent/runwarden.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read config"), "{err}");
    let (code, _, err) = check(d.path(), &["--var", "novalue"]);
    assert_eq!(code, 2);
    assert!(err.contains("NAME=VALUE"), "{err}");
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..20 {
        write(
            d.path(),
            &format!("m{i}/main.tf"),
            PUBLIC.replace("\"api\"", &format!("\"api{i}\"")),
        );
    }
    for format in ["human", "json", "sarif", "junit", "github"] {
        let run = |threads: &str| {
            Command::cargo_bin("runwarden")
                .unwrap()
                .current_dir(d.path())
                .env("RAYON_NUM_THREADS", threads)
                .env("NO_COLOR", "1")
                .args(["check", ".", "--format", format])
                .output()
                .unwrap()
                .stdout
        };
        let one = run("1");
        assert!(!one.is_empty(), "{format}");
        assert_eq!(one, run("4"), "{format} differs with 4 threads");
        assert_eq!(one, run("2"), "{format} differs with 2 threads");
    }
}
