//! Deterministic generator of a large Terraform monorepo for benchmarks:
//! `cargo run --release --example gen_corpus -- --modules N --out DIR`.
//!
//! Most modules are unrelated to Cloud Run (networks, buckets, GKE, SQL);
//! about one in five defines Cloud Run services with IAM in all its forms and
//! callers; environment roots call the modules with `for_each` and tfvars.

use std::fmt::Write as _;
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64: deterministic, good enough for shuffling shapes.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn unrelated(i: usize, rng: &mut Rng) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"variable "project" {{
  type = string
}}

variable "region" {{
  type    = string
  default = "europe-west1"
}}

variable "labels" {{
  type    = map(string)
  default = {{ team = "platform", module = "m{i}" }}
}}

locals {{
  name   = "m{i}-${{var.region}}"
  ranges = [for n in range(4) : cidrsubnet("10.{a}.0.0/16", 8, n)]
}}

resource "google_compute_network" "vpc" {{
  name                    = "${{local.name}}-vpc"
  project                 = var.project
  auto_create_subnetworks = false
}}

resource "google_compute_subnetwork" "subnet" {{
  count         = length(local.ranges)
  name          = "${{local.name}}-subnet-${{count.index}}"
  ip_cidr_range = local.ranges[count.index]
  region        = var.region
  network       = google_compute_network.vpc.id

  secondary_ip_range {{
    range_name    = "pods"
    ip_cidr_range = "172.16.${{count.index}}.0/24"
  }}
}}

resource "google_storage_bucket" "data" {{
  name                        = "${{var.project}}-m{i}-data"
  location                    = "EU"
  uniform_bucket_level_access = true
  labels                      = var.labels

  lifecycle_rule {{
    condition {{
      age = {age}
    }}
    action {{
      type = "Delete"
    }}
  }}
}}

resource "google_storage_bucket_iam_member" "readers" {{
  for_each = toset(["group:data-readers@example.com", "serviceAccount:etl@${{var.project}}.iam.gserviceaccount.com"])
  bucket   = google_storage_bucket.data.name
  role     = "roles/storage.objectViewer"
  member   = each.value
}}

resource "google_sql_database_instance" "db" {{
  name             = "${{local.name}}-db"
  database_version = "POSTGRES_15"
  region           = var.region

  settings {{
    tier = "db-custom-2-7680"
    ip_configuration {{
      ipv4_enabled    = false
      private_network = google_compute_network.vpc.id
    }}
    backup_configuration {{
      enabled    = true
      start_time = "0{h}:00"
    }}
  }}
}}

resource "google_container_cluster" "gke" {{
  name     = "${{local.name}}-gke"
  location = var.region
  network  = google_compute_network.vpc.name

  remove_default_node_pool = true
  initial_node_count       = 1

  workload_identity_config {{
    workload_pool = "${{var.project}}.svc.id.goog"
  }}
}}

output "network" {{
  value = google_compute_network.vpc.id
}}
"#,
        a = rng.below(250),
        age = 30 + rng.below(300),
        h = rng.below(10),
    );
    s
}

fn cloud_run(i: usize, rng: &mut Rng) -> String {
    let ingress = [
        "INGRESS_TRAFFIC_ALL",
        "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
    ][rng.below(3) as usize];
    let mut s = String::new();
    let _ = write!(
        s,
        r#"variable "project" {{
  type = string
}}

variable "region" {{
  type    = string
  default = "europe-west1"
}}

variable "invokers" {{
  type    = list(string)
  default = []
}}

variable "settings" {{
  type = object({{
    public     = optional(bool, false)
    min_scale  = optional(number, 0)
    extra_iam  = optional(map(list(string)), {{}})
  }})
  default = {{}}
}}

resource "google_service_account" "runtime" {{
  account_id = "run-m{i}"
  project    = var.project
}}

resource "google_service_account" "pusher" {{
  account_id = "push-m{i}"
  project    = var.project
}}

resource "google_cloud_run_v2_service" "svc" {{
  name     = "svc-m{i}"
  location = var.region
  project  = var.project
  ingress  = "{ingress}"

  template {{
    service_account = google_service_account.runtime.email
    scaling {{
      min_instance_count = var.settings.min_scale
    }}
    containers {{
      image = "europe-docker.pkg.dev/${{var.project}}/apps/m{i}:1.0.{v}"
      env {{
        name  = "MODE"
        value = "production"
      }}
    }}
  }}
}}

resource "google_cloud_run_v2_service_iam_member" "invokers" {{
  for_each = toset(concat(var.invokers, [google_service_account.pusher.member]))
  project  = google_cloud_run_v2_service.svc.project
  location = google_cloud_run_v2_service.svc.location
  name     = google_cloud_run_v2_service.svc.name
  role     = "roles/run.invoker"
  member   = each.value
}}

resource "google_cloud_run_v2_service_iam_member" "public" {{
  count    = var.settings.public ? 1 : 0
  project  = google_cloud_run_v2_service.svc.project
  location = google_cloud_run_v2_service.svc.location
  name     = google_cloud_run_v2_service.svc.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}}

data "google_iam_policy" "job" {{
  binding {{
    role    = "roles/run.invoker"
    members = [google_service_account.pusher.member]
  }}
  dynamic "binding" {{
    for_each = var.settings.extra_iam
    content {{
      role    = binding.key
      members = binding.value
    }}
  }}
}}

resource "google_cloud_run_v2_job" "job" {{
  name     = "job-m{i}"
  location = var.region
  project  = var.project
  template {{
    template {{
      containers {{
        image = "europe-docker.pkg.dev/${{var.project}}/apps/job-m{i}:1.0.0"
      }}
    }}
  }}
}}

resource "google_cloud_run_v2_job_iam_policy" "job" {{
  project     = google_cloud_run_v2_job.job.project
  location    = google_cloud_run_v2_job.job.location
  name        = google_cloud_run_v2_job.job.name
  policy_data = data.google_iam_policy.job.policy_data
}}

resource "google_pubsub_topic" "events" {{
  name    = "events-m{i}"
  project = var.project
}}

resource "google_pubsub_subscription" "push" {{
  name    = "push-m{i}"
  topic   = google_pubsub_topic.events.id
  project = var.project
  push_config {{
    push_endpoint = "${{google_cloud_run_v2_service.svc.uri}}/events"
    oidc_token {{
      service_account_email = google_service_account.pusher.email
    }}
  }}
}}

resource "google_cloud_scheduler_job" "nightly" {{
  name     = "nightly-m{i}"
  project  = var.project
  region   = var.region
  schedule = "0 {h} * * *"
  http_target {{
    uri         = "https://run.googleapis.com/v2/projects/${{var.project}}/locations/${{var.region}}/jobs/${{google_cloud_run_v2_job.job.name}}:run"
    http_method = "POST"
    oauth_token {{
      service_account_email = google_service_account.pusher.email
    }}
  }}
}}

output "uri" {{
  value = google_cloud_run_v2_service.svc.uri
}}
"#,
        v = rng.below(50),
        h = rng.below(24),
    );
    s
}

fn main() {
    let mut modules = 1000usize;
    let mut out = PathBuf::from("target/corpus");
    let mut seed = 42u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--modules" => modules = args.next().and_then(|v| v.parse().ok()).unwrap_or(modules),
            "--out" => out = args.next().map(PathBuf::from).unwrap_or(out),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            other => {
                eprintln!(
                    "gen_corpus: unknown argument {other}; usage: --modules N --out DIR [--seed S]"
                );
                std::process::exit(2);
            }
        }
    }
    let mut rng = Rng(seed);
    let _ = std::fs::remove_dir_all(&out);
    let mut bytes = 0usize;
    let mut files = 0usize;
    let mut write = |path: PathBuf, text: &str| {
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).expect("create corpus directory");
        }
        std::fs::write(&path, text).expect("write corpus file");
        bytes += text.len();
        files += 1;
    };
    let mut kinds = Vec::with_capacity(modules);
    for i in 0..modules {
        let run = rng.below(5) == 0;
        kinds.push(run);
        let text = if run {
            cloud_run(i, &mut rng)
        } else {
            unrelated(i, &mut rng)
        };
        write(out.join(format!("modules/m{i:05}/main.tf")), &text);
    }
    // One environment root per 10 modules, each calling its modules (Cloud
    // Run ones through for_each over two instances).
    for e in 0..modules.div_ceil(10) {
        let mut main = String::from(
            "provider \"google\" {\n  project = var.project\n}\n\nvariable \"project\" {\n  type = string\n}\n\n",
        );
        for (i, run) in kinds.iter().enumerate().skip(e * 10).take(10) {
            if *run {
                let public = rng.below(10) == 0;
                let _ = write!(
                    main,
                    "module \"m{i}\" {{\n  source   = \"../../modules/m{i:05}\"\n  for_each = {{ blue = \"europe-west1\", green = \"europe-west4\" }}\n  project  = var.project\n  region   = each.value\n  invokers = [\"group:callers@example.com\"]\n  settings = {{ public = {public}, min_scale = 1 }}\n}}\n\n"
                );
            } else {
                let _ = write!(
                    main,
                    "module \"m{i}\" {{\n  source  = \"../../modules/m{i:05}\"\n  project = var.project\n}}\n\n"
                );
            }
        }
        write(out.join(format!("envs/e{e:04}/main.tf")), &main);
        write(
            out.join(format!("envs/e{e:04}/terraform.tfvars")),
            &format!("project = \"acme-e{e}\"\n"),
        );
    }
    println!(
        "{files} files, {:.1} MB in {}",
        bytes as f64 / 1e6,
        out.display()
    );
}
