//! pre-commit passes file names, shuffled and split into batches that fit a
//! command line. Whatever batch a file lands in, the findings must be those
//! of `runwarden check .`: on a generated repository of a few thousand files,
//! the union of the findings over batches of file arguments equals the
//! findings of the whole walk. (tests/precommit.sh runs the real hook.)

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const TEAMS: usize = 8;
const SERVICES: usize = 30;
const NETWORKS: usize = 500;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A service module whose invokers default to allUsers: public when
/// analyzed alone, private where its callers pass their members.
fn service_module(root: &Path, team: usize, svc: usize) {
    let dir = format!("modules/team-{team:02}/svc-{svc:02}");
    write(
        root,
        &format!("{dir}/main.tf"),
        &format!(
            r#"resource "google_cloud_run_v2_service" "this" {{
  name     = "t{team}-svc{svc}"
  location = var.region
  template {{
    containers {{
      image = "europe-west1-docker.pkg.dev/acme/apps/t{team}-svc{svc}:1"
    }}
  }}
}}

resource "google_cloud_run_v2_service_iam_member" "invoker" {{
  for_each = toset(var.invokers)
  location = google_cloud_run_v2_service.this.location
  name     = google_cloud_run_v2_service.this.name
  role     = "roles/run.invoker"
  member   = each.value
}}
"#
        ),
    );
    write(
        root,
        &format!("{dir}/variables.tf"),
        "variable \"region\" {\n  default = \"europe-west1\"\n}\n\nvariable \"invokers\" {\n  type    = list(string)\n  default = [\"allUsers\"]\n}\n",
    );
    write(
        root,
        &format!("{dir}/outputs.tf"),
        "output \"uri\" {\n  value = google_cloud_run_v2_service.this.uri\n}\n",
    );
}

/// The repository: many root modules of one file each (`live/ENV/...`), each
/// calling one service module with private invokers (some through a shared
/// wrapper module), a few dev roots keeping the public default (the real
/// findings), and many unrelated network modules. A batch holding a
/// service module's file without its callers' is the common case.
fn generate(root: &Path) {
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for team in 0..TEAMS {
        for svc in 0..SERVICES {
            service_module(root, team, svc);
            let module = format!("modules/team-{team:02}/svc-{svc:02}");
            for env in ["prod", "dev"] {
                let public = env == "dev" && team == 0 && svc < 3;
                let invokers = if public {
                    String::new()
                } else {
                    format!(
                        "  invokers = [\"serviceAccount:t{team}-caller@acme-{env}.iam.gserviceaccount.com\"]\n"
                    )
                };
                // Every fifth service is called through a wrapper module.
                let source = if svc % 5 == 0 {
                    write(
                        root,
                        &format!("wrappers/team-{team:02}/svc-{svc:02}/main.tf"),
                        &format!(
                            "variable \"invokers\" {{\n  default = [\"allUsers\"]\n}}\n\nmodule \"svc\" {{\n  source   = \"../../../{module}\"\n  invokers = var.invokers\n}}\n"
                        ),
                    );
                    format!("../../../../wrappers/team-{team:02}/svc-{svc:02}")
                } else {
                    format!("../../../../{module}")
                };
                write(
                    root,
                    &format!("live/{env}/team-{team:02}/svc-{svc:02}/main.tf"),
                    &format!("module \"svc\" {{\n  source   = \"{source}\"\n{invokers}}}\n"),
                );
            }
        }
    }
    write(
        root,
        "live/dev/team-00/extra/main.tf.json",
        r#"{"module": {"direct": {"source": "../../../../modules/team-00/svc-03"}}}"#,
    );
    write(
        root,
        "live/dev/team-00/extra/terraform.tfvars",
        "region = \"europe-west1\"\n",
    );
    write(
        root,
        "live/dev/team-00/extra/region.auto.tfvars.json",
        "{\"region\": \"europe-west1\"}\n",
    );
    write(
        root,
        "live/dev/team-00/extra/variables.tf",
        "variable \"region\" {}\n",
    );
    for n in 0..NETWORKS {
        let dir = format!("infra/network-{n:03}");
        write(
            root,
            &format!("{dir}/main.tf"),
            &format!(
                "resource \"google_compute_network\" \"vpc\" {{\n  name                    = \"vpc-{n}\"\n  auto_create_subnetworks = var.auto\n}}\n"
            ),
        );
        write(
            root,
            &format!("{dir}/variables.tf"),
            "variable \"auto\" {\n  default = false\n}\n",
        );
        write(
            root,
            &format!("{dir}/outputs.tf"),
            "output \"id\" {\n  value = google_compute_network.vpc.id\n}\n",
        );
        write(root, &format!("{dir}/terraform.tfvars"), "auto = false\n");
    }
}

type Found = BTreeSet<(String, String, u64, String, String, String)>;

fn findings(dir: &Path, args: &[&str]) -> Found {
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                text(&f["rule"]),
                text(&f["file"]),
                f["line"].as_u64().unwrap(),
                text(&f["root"]),
                text(&f["resource"]),
                text(&f["message"]),
            )
        })
        .collect()
}

/// The files the hook passes (its `files` pattern: .tf, .tf.json, .tfvars,
/// .tfvars.json), relative, sorted.
fn hook_files(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| {
            [".tf", ".tf.json", ".tfvars", ".tfvars.json"]
                .iter()
                .any(|x| p.ends_with(x))
        })
        .collect();
    out.sort();
    out
}

/// Shuffled deterministically, then cut into batches of at most `max`
/// bytes of arguments: what pre-commit's xargs does, on a smaller scale.
fn batches(mut files: Vec<String>, max: usize) -> Vec<Vec<String>> {
    let mut seed: u64 = 1542676187;
    for i in (1..files.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        files.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    let mut len = 0;
    for f in files {
        if len + f.len() + 1 > max && !out.last().unwrap().is_empty() {
            out.push(Vec::new());
            len = 0;
        }
        len += f.len() + 1;
        out.last_mut().unwrap().push(f);
    }
    out
}

#[test]
fn batches_of_file_arguments_report_what_check_dot_reports() {
    let d = tempfile::tempdir().unwrap();
    generate(d.path());
    let files = hook_files(d.path());
    assert!(files.len() > 3000, "{} files", files.len());
    let whole = findings(d.path(), &["."]);
    // The generated repository is valid Terraform: nothing fails to parse.
    let broken: Vec<_> = whole.iter().filter(|f| f.0 == "parse-error").collect();
    assert!(broken.is_empty(), "{broken:?}");
    // The real findings: the dev roots that keep the public default.
    let roots: BTreeSet<&str> = whole.iter().map(|f| f.3.as_str()).collect();
    assert_eq!(
        roots,
        BTreeSet::from([
            "live/dev/team-00/extra",
            "live/dev/team-00/svc-00",
            "live/dev/team-00/svc-01",
            "live/dev/team-00/svc-02"
        ]),
        "{whole:?}"
    );
    // A service module alone is public: the false finding a batch without
    // its callers used to report, which this test would catch.
    let alone = findings(d.path(), &["modules/team-03/svc-07"]);
    assert!(alone.iter().any(|f| f.0 == "public-invoker"), "{alone:?}");
    assert!(alone.is_disjoint(&whole));

    let batches = batches(files, 24_000);
    assert!(batches.len() >= 5, "{} batches", batches.len());
    let mut union = Found::new();
    for batch in &batches {
        let args: Vec<&str> = batch.iter().map(String::as_str).collect();
        union.extend(findings(d.path(), &args));
    }
    assert_eq!(union, whole);
}

#[test]
fn the_hook_covers_every_file_runwarden_reads_and_builds_locked() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks = std::fs::read_to_string(repo.join(".pre-commit-hooks.yaml")).unwrap();
    assert!(
        hooks.contains(r"files: '\.(tf|tf\.json|tfvars|tfvars\.json)$'"),
        "{hooks}"
    );
    assert!(hooks.contains("language: script"), "{hooks}");
    let entry = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: "))
        .expect("entry");
    let script = std::fs::read_to_string(repo.join(entry)).unwrap();
    assert!(
        script.contains("cargo build --locked --release"),
        "{script}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo.join(entry))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "{entry} is not executable");
    }
}
