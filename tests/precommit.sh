#!/usr/bin/env bash
# End-to-end test of .pre-commit-hooks.yaml: a throwaway git repository with a
# public Cloud Run grant, pre-commit from PyPI in a venv, and
# `pre-commit try-repo <this checkout> runwarden --all-files`: it must fail and
# show the finding; with the grant fixed it must pass.
#
# pre-commit builds the crate with `cargo install` (a release build). It reuses
# target/precommit/ in this checkout, so only the first run takes minutes.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==${PRE_COMMIT_VERSION:-4.7.0}"
precommit="$work/venv/bin/pre-commit"
export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="$repo/target/precommit"
export NO_COLOR=1

project="$work/project"
mkdir -p "$project/envs/prod"
cd "$project"
git init --quiet
git config user.email ci@example.invalid
git config user.name ci

cat > envs/prod/main.tf <<'TF'
resource "google_cloud_run_v2_service" "api" {
  name     = "orders-api"
  location = "europe-west1"
  template {
    containers {
      image = "europe-west1-docker.pkg.dev/acme-prod/apps/orders:1.4.2"
    }
  }
}

resource "google_cloud_run_v2_service_iam_member" "public" {
  project  = google_cloud_run_v2_service.api.project
  location = google_cloud_run_v2_service.api.location
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
TF
git add -A
git commit --quiet -m "public grant"

fail() {
  echo "precommit.sh: $1" >&2
  echo "--- pre-commit output ---" >&2
  cat "$work/out.txt" >&2
  exit 1
}

echo "precommit.sh: pre-commit try-repo with a public grant (the first run builds runwarden)"
if "$precommit" try-repo "$repo" runwarden --all-files >"$work/out.txt" 2>&1; then
  fail "the hook passed on a public allUsers grant"
fi
grep -q "public-invoker" "$work/out.txt" || fail "the output does not name public-invoker"
grep -q "envs/prod/main.tf" "$work/out.txt" || fail "the output does not name the file"
grep -q "allUsers can invoke Cloud Run service" "$work/out.txt" || fail "the finding's message is missing"

sed -i 's/member   = "allUsers"/member   = "serviceAccount:frontend@acme-prod.iam.gserviceaccount.com"/' envs/prod/main.tf
git add -A
git commit --quiet -m "private grant"

echo "precommit.sh: pre-commit try-repo with the grant fixed"
if ! "$precommit" try-repo "$repo" runwarden --all-files >"$work/out.txt" 2>&1; then
  fail "the hook failed on a private grant"
fi
grep -q "Passed" "$work/out.txt" || fail "pre-commit did not report the hook as passed"
echo "precommit.sh: 2 passed, 0 failed"
