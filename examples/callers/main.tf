# Callers of Cloud Run services. Every caller here will fail after apply:
# - the push subscription's identity has no invoker grant on "api" (403);
# - the second subscription sends no token, to another project's internal
#   service (rejected by ingress, then 401/403);
# - the Scheduler job is granted, but its token's audience is not the URL (401).
# Run: cargo run -- check examples/callers   or   cargo run -- graph examples/callers
provider "google" {
  project = "acme"
}
resource "google_service_account" "pusher" {
  account_id = "pusher"
}
resource "google_service_account" "sched" {
  account_id = "sched"
}
resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "us-central1"
  template {
    containers { image = "x" }
  }
}
resource "google_cloud_run_v2_service" "internal" {
  name     = "internal"
  location = "us-central1"
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  project  = "other"
  template {
    containers { image = "x" }
  }
}
resource "google_cloud_run_v2_service_iam_member" "sched" {
  name     = google_cloud_run_v2_service.api.name
  location = "us-central1"
  role     = "roles/run.invoker"
  member   = google_service_account.sched.member
}
resource "google_pubsub_subscription" "push" {
  name  = "push"
  topic = "t"
  push_config {
    push_endpoint = "${google_cloud_run_v2_service.api.uri}/push"
    oidc_token {
      service_account_email = google_service_account.pusher.email
    }
  }
}
resource "google_pubsub_subscription" "noauth" {
  name  = "noauth"
  topic = "t"
  push_config {
    push_endpoint = google_cloud_run_v2_service.internal.uri
  }
}
resource "google_cloud_scheduler_job" "report" {
  name = "ok"
  http_target {
    uri = google_cloud_run_v2_service.api.uri
    oidc_token {
      service_account_email = google_service_account.sched.email
      audience              = "https://example.com"
    }
  }
}
# Viewing does not include invoking: this grant does not help the pusher.
resource "google_project_iam_member" "pusher_viewer" {
  project = "acme"
  role    = "roles/run.viewer"
  member  = "serviceAccount:${google_service_account.pusher.email}"
}
