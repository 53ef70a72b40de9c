# A small deployment with three typical Cloud Run access mistakes.
# Run: cargo run --release -- check examples/quickstart

provider "google" {
  project = "acme-prod"
  region  = "europe-west1"
}

variable "public_members" {
  type    = list(string)
  default = ["allUsers"]
}

resource "google_service_account" "frontend" {
  account_id = "frontend"
}

resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "europe-west1"

  template {
    containers {
      image = "europe-west1-docker.pkg.dev/acme-prod/apps/api:1.4.2"
    }
  }
}

# Meant for the frontend only, but the variable's default makes it public.
resource "google_cloud_run_v2_service_iam_binding" "api_invokers" {
  name     = google_cloud_run_v2_service.api.name
  location = google_cloud_run_v2_service.api.location
  role     = "roles/run.invoker"
  members  = concat([google_service_account.frontend.member], var.public_members)
}

resource "google_cloud_run_service" "reports" {
  name     = "reports"
  location = "europe-west1"

  metadata {
    annotations = {
      "run.googleapis.com/ingress" = "internal"
    }
  }

  template {
    spec {
      containers {
        image = "europe-west1-docker.pkg.dev/acme-prod/apps/reports:2.0.0"
      }
    }
  }
}

# Internal ingress does not authenticate anyone: every VPC workload can call it.
resource "google_cloud_run_service_iam_member" "reports_any_google_account" {
  service  = google_cloud_run_service.reports.name
  location = google_cloud_run_service.reports.location
  role     = "roles/run.invoker"
  member   = "allAuthenticatedUsers"
}

# A typo IAM rejects at apply time.
resource "google_cloud_run_service_iam_member" "reports_ops" {
  service  = google_cloud_run_service.reports.name
  location = google_cloud_run_service.reports.location
  role     = "roles/run.invoker"
  member   = "serviceAccount:ops-runner"
}

resource "google_cloud_run_v2_service" "site" {
  name     = "marketing-site"
  location = "europe-west1"

  template {
    containers {
      image = "europe-west1-docker.pkg.dev/acme-prod/apps/site:7.1.0"
    }
  }
}

# runwarden:ignore public-invoker -- the marketing site is public by design
resource "google_cloud_run_v2_service_iam_member" "site_public" {
  name     = google_cloud_run_v2_service.site.name
  location = google_cloud_run_v2_service.site.location
  role     = "roles/run.invoker"
  member   = "allUsers"
}
