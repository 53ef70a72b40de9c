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
    // A PATH among the arguments replaces the default ".".
    let paths = if extra.first().is_some_and(|a| !a.starts_with('-')) {
        vec![]
    } else {
        vec!["."]
    };
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("check")
        .args(paths)
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

/// The rule of each finding in a JSON report, in order.
fn rules_in(json: &str) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `runwarden ARGS` in `dir` as hostile input must be run: the harness
/// kills it after a deadline and, where `prlimit` exists, caps its address
/// space at 1 GiB, so a regression fails this test instead of hanging CI
/// or exhausting the machine. `as_nobody` drops root privileges with
/// `setpriv` (None when that is not possible here).
fn bounded(dir: &Path, args: &[&str], as_nobody: bool) -> Option<(i32, String, String)> {
    let bin = assert_cmd::cargo::cargo_bin("runwarden");
    let mut argv: Vec<String> = Vec::new();
    if has("prlimit") {
        argv.extend(["prlimit".into(), "--as=1073741824".into(), "--".into()]);
    }
    if as_nobody {
        if !has("setpriv") {
            return None;
        }
        argv.extend(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
            ]
            .map(String::from),
        );
    }
    argv.push(bin.to_string_lossy().into_owned());
    argv.extend(args.iter().map(|a| a.to_string()));
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed: past the deadline or the memory cap; {stderr}"));
    Some((
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    ))
}

fn has(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
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
    // Valid Terraform: the big file parses (no parse-error), the grant is seen.
    assert_eq!(rules_in(&out), ["public-invoker"]);
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
fn a_dangling_link_is_an_io_error_naming_the_path() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    std::os::unix::fs::symlink(
        d.path().join("missing-target.tf"),
        d.path().join("broken.tf"),
    )
    .unwrap();
    let (code, out, err) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(
            "runwarden: error: cannot read broken.tf: No such file or directory (os error 2)"
        ),
        "{err}"
    );
    // No partial report: a SARIF upload of it would close alerts in the
    // file that was not read.
    assert_eq!(out, "");
}

/// Environment variables need not be UTF-8 (`std::env::vars` panics on
/// them); a `TF_VAR_` one is read lossily.
#[cfg(unix)]
#[test]
fn an_environment_that_is_not_utf8_is_read_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(d.path())
        .env(OsStr::from_bytes(b"JUNK_\xff"), OsStr::from_bytes(b"\xfe"))
        .env("TF_VAR_x", OsStr::from_bytes(b"caf\xe9"))
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        rules_in(&String::from_utf8_lossy(&out.stdout)),
        ["public-invoker"]
    );
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
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1, "{out}");
    // Exit 1 from the grant alone: a parse error in big.tf would fail too.
    assert_eq!(rules_in(&out), ["public-invoker"]);
}

#[test]
fn nothing_to_check_is_said_not_passed_off_as_clean() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = check(d.path(), &[]);
    assert_eq!(code, 0);
    assert!(out.contains("in 0 files"), "{out}");
    let said = "nothing to check in .: no Terraform files (.tf, .tf.json) in it or below";
    assert!(
        err.contains(&format!("runwarden: warning: {said}")),
        "{err}"
    );
    assert!(out.contains(&format!("runwarden: {said}")), "{out}");
    write(d.path(), "README.md", "# nothing here");
    write(d.path(), "vars/terraform.tfvars", "x = 1\n");
    let (code, out, err) = check(
        d.path(),
        &["README.md", "vars/terraform.tfvars", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("nothing to check in README.md: not a Terraform file"),
        "{err}"
    );
    assert!(
        err.contains(
            "nothing to check in vars/terraform.tfvars: no .tf or .tf.json file in its directory"
        ),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let listed: Vec<&str> = doc["summary"]["nothing_to_check"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["README.md", "vars/terraform.tfvars"]);
    // Terraform among other files: checked, and nothing said.
    write(d.path(), "dir with spaces/ünïcode.tf", PUBLIC);
    let (code, out, err) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    assert!(out.contains("dir with spaces/ünïcode.tf"), "{out}");
    assert!(!out.contains("nothing_to_check"), "{out}");
    assert!(!err.contains("nothing to check"), "{err}");
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

#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_not_waited_on() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    if !mkfifo(&d.path().join("pipe.tf")) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let refused = "cannot read pipe.tf: not a regular file (a FIFO)";
    let (code, out, err) = bounded(d.path(), &["check", "."], false).unwrap();
    assert_eq!(code, 2, "{out}");
    assert!(err.contains(refused), "{err}");
    // Named as a file argument (pre-commit), it is refused the same way.
    let (code, _, err) = bounded(d.path(), &["check", "main.tf"], false).unwrap();
    assert_eq!(code, 2);
    assert!(err.contains(refused), "{err}");
    let (code, _, err) = bounded(d.path(), &["check", "pipe.tf"], false).unwrap();
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read pipe.tf: not a regular file"),
        "{err}"
    );
    // Beside the configuration: a FIFO config file, var file or baseline.
    std::fs::remove_file(d.path().join("pipe.tf")).unwrap();
    for (name, args) in [
        ("vars.tfvars", vec!["--var-file", "vars.tfvars"]),
        ("baseline.json", vec!["--baseline", "baseline.json"]),
        ("plan.json", vec!["--plan", "plan.json"]),
        ("runwarden.toml", vec![]),
    ] {
        assert!(mkfifo(&d.path().join(name)));
        let mut all = vec!["check", "."];
        all.extend(args);
        let (code, _, err) = bounded(d.path(), &all, false).unwrap();
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains(name) && err.contains("not a regular file (a FIFO)"),
            "{err}"
        );
        std::fs::remove_file(d.path().join(name)).unwrap();
    }
}

// A socket cannot be opened at all (the non-blocking open fails): it is
// still named as a socket, in the tree and as a file argument.
#[cfg(unix)]
#[test]
fn a_socket_is_named_as_one() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    let _listener = std::os::unix::net::UnixListener::bind(d.path().join("sock.tf")).unwrap();
    for args in [&["check", "."][..], &["check", "sock.tf"][..]] {
        let (code, _, err) = bounded(d.path(), args, false).unwrap();
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("sock.tf: not a regular file (a socket)"),
            "{args:?}: {err}"
        );
    }
}
#[cfg(unix)]
#[test]
fn a_link_to_dev_zero_or_out_of_the_tree_is_refused_and_never_echoed() {
    let d = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    std::os::unix::fs::symlink("/dev/zero", d.path().join("zero.tf")).unwrap();
    let (code, out, err) = bounded(d.path(), &["check", "."], false).unwrap();
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("cannot read zero.tf: its real path /dev/zero is outside the analysed tree"),
        "{err}"
    );
    std::fs::remove_file(d.path().join("zero.tf")).unwrap();
    // A runner file behind a link: named, never printed.
    let secret = elsewhere.path().join("environ");
    std::fs::write(&secret, "GITHUB_TOKEN=ghs_secret_value\n").unwrap();
    std::os::unix::fs::symlink(&secret, d.path().join("env.tf")).unwrap();
    let (code, out, err) = bounded(d.path(), &["check", ".", "--format", "github"], false).unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("cannot read env.tf: its real path"), "{err}");
    assert!(
        !out.contains("ghs_secret") && !err.contains("ghs_secret"),
        "{out}{err}"
    );
    // A link inside the tree is read like the file it names.
    std::fs::remove_file(d.path().join("env.tf")).unwrap();
    write(
        d.path(),
        "shared/public.tf",
        PUBLIC
            .replace("\"api\"", "\"web\"")
            .replace("\"p\"", "\"q\""),
    );
    std::os::unix::fs::symlink(
        d.path().join("shared/public.tf"),
        d.path().join("linked.tf"),
    )
    .unwrap();
    let (code, out, err) = bounded(d.path(), &["check", ".", "--format", "json"], false).unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("\"file\": \"linked.tf\""), "{out}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    // Sparse: 100 MiB that takes no disk space.
    let f = std::fs::File::create(d.path().join("huge.tf")).unwrap();
    f.set_len(100 << 20).unwrap();
    let (code, _, err) = bounded(d.path(), &["check", "."], false).unwrap();
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read huge.tf: 104857600 bytes, over the 64 MiB limit for one file"),
        "{err}"
    );
}

/// Makes `dir` and everything in it readable by everyone (tempdirs are
/// 0700), so that an unprivileged run can reach what it should.
#[cfg(unix)]
fn open_up(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        let mode = if e.file_type().is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// Runs `args` unprivileged when permission bits would not stop this
/// process (root): `setpriv` to nobody. None (skip) when neither works.
#[cfg(unix)]
fn without_access(dir: &Path, locked: &Path, args: &[&str]) -> Option<(i32, String, String)> {
    let blocked = if locked.is_dir() {
        std::fs::read_dir(locked).is_err()
    } else {
        std::fs::read(locked).is_err()
    };
    let result = bounded(dir, args, !blocked);
    if result.is_none() {
        eprintln!(
            "skipped: running as root without setpriv, permission bits cannot make {} unreadable",
            locked.display()
        );
    }
    result
}

#[cfg(unix)]
#[test]
fn unreadable_directories_and_files_stop_the_run_with_the_os_error() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    write(d.path(), "envs/prod/main.tf", PUBLIC);
    write(d.path(), "envs/dev/iam.tf", PUBLIC);
    open_up(d.path());
    let none = std::fs::Permissions::from_mode(0o000);
    let prod = d.path().join("envs/prod");
    std::fs::set_permissions(&prod, none.clone()).unwrap();
    let denied = "Permission denied (os error 13)";
    if let Some((code, out, err)) =
        without_access(d.path(), &prod, &["check", ".", "--format", "json"])
    {
        assert_eq!(code, 2, "{out}");
        assert!(
            err.contains(&format!(
                "runwarden: error: cannot read envs/prod: {denied}"
            )),
            "{err}"
        );
        assert_eq!(out, "");
    }
    std::fs::set_permissions(&prod, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = d.path().join("envs/dev/iam.tf");
    std::fs::set_permissions(&file, none).unwrap();
    for args in [&["check", "."][..], &["check", "envs/dev/iam.tf"][..]] {
        if let Some((code, _, err)) = without_access(d.path(), &file, args) {
            assert_eq!(code, 2);
            assert!(
                err.contains(&format!("cannot read envs/dev/iam.tf: {denied}")),
                "{err}"
            );
            assert!(!err.contains("fix the syntax"), "{err}");
        }
    }
}

/// Runs `runwarden ARGS` with standard output a pipe nobody reads (what
/// `| head` leaves once it has its lines): exit code and standard error.
fn into_closed_pipe(dir: &Path, args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("runwarden"))
        .args(args)
        .current_dir(dir)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{args:?} did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status.code().expect("killed by a signal"), err)
}

#[test]
fn a_closed_pipe_ends_the_output_quietly_with_the_verdict() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    for (args, code) in [
        (&["check", "."][..], 1),
        (&["check", ".", "--format", "sarif"][..], 1),
        (&["check", ".", "--fail-on", "never"][..], 0),
        (&["graph", "."][..], 0),
        (&["rules"][..], 0),
        (&["explain", "public-invoker"][..], 0),
        (&["completions", "bash"][..], 0),
        (&["man"][..], 0),
    ] {
        let (got, err) = into_closed_pipe(d.path(), args);
        assert_eq!((got, err.as_str()), (code, ""), "{args:?}");
    }
}

/// Bytes a terminal or CI log would obey rather than show.
fn control_bytes(out: &str) -> Vec<char> {
    out.chars()
        .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}')
        .collect()
}

#[test]
fn control_characters_from_the_input_are_never_printed() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.tf", PUBLIC);
    // A binary file: a parse error whose snippet shows the bytes.
    write(
        d.path(),
        "blob.tf",
        b"locals {\x1b[2J\x1b]0;owned\x07 \r x = \x00 }\r\n",
    );
    // Control characters in a value, through HCL escapes, and in a comment.
    write(
        d.path(),
        "iam.tf",
        "# \u{202e} reversed\nresource \"google_cloud_run_v2_service_iam_member\" \"esc\" {\n  name   = google_cloud_run_v2_service.api.name\n  location = \"us-central1\"\n  role   = \"roles/run.invoker\"\n  member = \"serviceAccount:\\u001b[31mx\\r\\n::error::fake\"\n}\n",
    );
    for format in ["human", "github", "junit"] {
        let (code, out, _) = check(d.path(), &["--format", format]);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(out.contains("parse-error"), "{format}: {out}");
        assert!(out.contains("invalid-member"), "{format}: {out}");
        assert_eq!(control_bytes(&out), Vec::<char>::new(), "{format}: {out}");
        // No annotation can be forged from a value.
        assert!(
            !out.lines().any(|l| l.starts_with("::error::fake")),
            "{out}"
        );
    }
    // JSON keeps the message as it is, escaped as JSON.
    let (_, out, _) = check(d.path(), &["--format", "json"]);
    assert!(
        out.contains(r#"serviceAccount:\\u{1b}[31mx\\r\\n::error::fake"#),
        "{out}"
    );
}

#[test]
fn github_format_says_what_could_not_be_resolved() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "main.tf",
        "variable \"who\" {}\nresource \"google_cloud_run_v2_service_iam_member\" \"m\" {\n  name     = \"api\"\n  location = \"us-central1\"\n  role     = \"roles/run.invoker\"\n  member   = var.who\n}\n",
    );
    let (code, out, _) = check(d.path(), &["--format", "github"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("could not be resolved; --explain-unknown lists them"),
        "{out}"
    );
    let (_, out, _) = check(d.path(), &["--format", "github", "--explain-unknown"]);
    let lines: Vec<&str> = out.lines().collect();
    let group = lines
        .iter()
        .position(|l| l.starts_with("::group::runwarden: "))
        .expect(&out);
    assert!(
        lines[group + 1].starts_with("::stop-commands::runwarden-"),
        "{out}"
    );
    let token = lines[group + 1].trim_start_matches("::stop-commands::");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  main.tf:6: ") && l.contains("var.who")),
        "{out}"
    );
    assert!(lines.contains(&format!("::{token}::").as_str()), "{out}");
    assert_eq!(lines.last(), Some(&"::endgroup::"), "{out}");
    let (_, quiet, _) = check(d.path(), &["--format", "github", "--quiet"]);
    assert!(!quiet.contains("could not be resolved"), "{quiet}");
}

#[test]
fn file_and_templatefile_never_read_outside_the_analysed_tree() {
    let d = tempfile::tempdir().unwrap();
    let runner = tempfile::tempdir().unwrap();
    std::fs::write(runner.path().join("hostname"), "runner-secret-42\n").unwrap();
    let abs = runner.path().join("hostname");
    let up = format!(
        "../{}/hostname",
        runner.path().file_name().unwrap().to_string_lossy()
    );
    // What the analysed tree holds is read: a member kept beside the module.
    write(d.path(), "member.txt", "allUsers\n");
    write(
        d.path(),
        "main.tf",
        format!(
            r#"{PUBLIC}
resource "google_cloud_run_v2_service_iam_member" "abs" {{
  name     = google_cloud_run_v2_service.api.name
  location = "us-central1"
  role     = "roles/run.invoker"
  member   = trimspace(file("{}"))
}}
resource "google_cloud_run_v2_service_iam_member" "up" {{
  name     = google_cloud_run_v2_service.api.name
  location = "us-central1"
  role     = "roles/run.invoker"
  member   = "user:${{trimspace(templatefile("{up}", {{}}))}}"
}}
resource "google_cloud_run_v2_service_iam_member" "beside" {{
  name     = google_cloud_run_v2_service.api.name
  location = "us-central1"
  role     = "roles/run.invoker"
  member   = trimspace(file("${{path.module}}/member.txt"))
}}
resource "google_cloud_run_v2_service_iam_member" "encoded" {{
  name     = google_cloud_run_v2_service.api.name
  location = "us-central1"
  role     = "roles/run.invoker"
  member   = fileexists("{abs}") ? "user:${{filebase64("{abs}")}}" : "user:none"
}}
"#,
            abs.display(),
            abs = abs.display()
        )
        .replace("\"p\" {", "\"direct\" {"),
    );
    for format in ["human", "github", "json", "sarif", "junit"] {
        let (code, out, err) = check(d.path(), &["--format", format, "--explain-unknown"]);
        assert_eq!(code, 1, "{format}: {err}");
        // Neither the text, nor its base64 ("cnVubmVyLXNlY3JldC00Mgo="),
        // nor whether the file exists.
        for leak in ["runner-secret", "cnVubmVyLXNlY3JldC00Mgo", "user:none"] {
            assert!(
                !out.contains(leak) && !err.contains(leak),
                "{format}: {out}"
            );
        }
    }
    let (_, out, _) = check(d.path(), &["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let public: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "public-invoker")
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        public,
        [
            "google_cloud_run_v2_service_iam_member.direct",
            "google_cloud_run_v2_service_iam_member.beside"
        ]
    );
    let (_, out, _) = check(d.path(), &["--explain-unknown"]);
    assert!(
        out.contains(&format!(
            "file(): {:?} is outside the analysed tree",
            abs.display().to_string()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "templatefile(): {up:?} is outside the analysed tree"
        )),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn a_linked_directory_is_walked_when_it_stays_in_the_tree() {
    let repo = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(repo.path(), "shared/prod/main.tf", PUBLIC);
    std::fs::create_dir_all(repo.path().join("envs")).unwrap();
    // envs/prod is a link to a directory elsewhere in the repository: the
    // public grant in it is found when envs/ is checked.
    std::os::unix::fs::symlink(
        repo.path().join("shared/prod"),
        repo.path().join("envs/prod"),
    )
    .unwrap();
    let (code, out, err) =
        bounded(repo.path(), &["check", "envs", "--format", "json"], false).unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("\"file\": \"envs/prod/main.tf\""), "{out}");
    // A link back into the walked directory is not walked twice.
    std::os::unix::fs::symlink(
        repo.path().join("envs"),
        repo.path().join("envs/prod-again"),
    )
    .unwrap();
    let (code, out, _) =
        bounded(repo.path(), &["check", "envs", "--format", "json"], false).unwrap();
    assert_eq!(code, 1);
    assert_eq!(out.matches("\"public-invoker\"").count(), 1, "{out}");
    // Out of the tree: an error, not a silent skip.
    write(outside.path(), "main.tf", PUBLIC);
    std::os::unix::fs::symlink(outside.path(), repo.path().join("envs/vendor")).unwrap();
    let (code, out, err) = bounded(repo.path(), &["check", "envs"], false).unwrap();
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("cannot read envs/vendor: its real path"),
        "{err}"
    );
    assert!(err.contains("is outside the analysed tree"), "{err}");
    // A link named like a Terraform file is read as one: a directory is refused.
    std::fs::remove_file(repo.path().join("envs/vendor")).unwrap();
    std::os::unix::fs::symlink(repo.path().join("shared"), repo.path().join("envs/iam.tf"))
        .unwrap();
    let (code, _, err) = bounded(repo.path(), &["check", "envs"], false).unwrap();
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read envs/iam.tf: not a regular file (a directory)"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn the_module_manifest_is_read_like_any_input() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "main.tf",
        "module \"api\" {\n  source = \"acme/api/google\"\n}\n",
    );
    std::fs::create_dir_all(d.path().join(".terraform/modules")).unwrap();
    let manifest = d.path().join(".terraform/modules/modules.json");
    if mkfifo(&manifest) {
        let (code, _, err) = bounded(d.path(), &["check", "."], false).unwrap();
        assert_eq!(code, 2);
        assert!(
            err.contains(
                "cannot read .terraform/modules/modules.json: not a regular file (a FIFO)"
            ),
            "{err}"
        );
        std::fs::remove_file(&manifest).unwrap();
    }
    // Not valid JSON: its modules are not loaded, and the note says why.
    std::fs::write(&manifest, "{\"Modules\": [").unwrap();
    let (code, out, _) = check(d.path(), &["--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains("modules.json is not valid JSON"), "{out}");
}
