#!/usr/bin/env bash
# End-to-end test of .pre-commit-hooks.yaml with pre-commit from PyPI (in a
# venv):
#  1. `pre-commit try-repo <this checkout> runwarden --all-files` on a
#     throwaway repository with a public Cloud Run grant must fail and show
#     the finding; with the grant fixed it must pass.
#  2. On a generated repository of several thousand files (more than one
#     command line's worth, so pre-commit splits them into batches),
#     `pre-commit run --all-files` must report exactly the findings of
#     `runwarden check .`.
#
# The hook builds runwarden with `cargo build --locked --release`
# (hooks/pre-commit). CARGO_TARGET_DIR points at target/precommit/ in this
# checkout, so only the first run takes minutes.
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

fail() {
  echo "precommit.sh: $1" >&2
  echo "--- pre-commit output ---" >&2
  cat "$work/out.txt" >&2
  exit 1
}

new_repo() {
  mkdir -p "$1"
  cd "$1"
  git init --quiet
  git config user.email ci@example.invalid
  git config user.name ci
}

# 1. try-repo: the hook as a user adds it, with its default arguments.
new_repo "$work/project"
mkdir -p envs/prod
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

echo "precommit.sh: pre-commit try-repo with a public grant (the first run builds runwarden)"
if "$precommit" try-repo "$repo" runwarden --all-files >"$work/out.txt" 2>&1; then
  fail "the hook passed on a public allUsers grant"
fi
grep -q "public-invoker" "$work/out.txt" || fail "the output does not name public-invoker"
grep -q "envs/prod/main.tf" "$work/out.txt" || fail "the output does not name the file"
grep -q "allUsers can invoke Cloud Run service" "$work/out.txt" || fail "the finding's message is missing"
grep -q "Finished" "$work/out.txt" || fail "the hook did not build runwarden with cargo"

sed -i 's/member   = "allUsers"/member   = "serviceAccount:frontend@acme-prod.iam.gserviceaccount.com"/' envs/prod/main.tf
git add -A
git commit --quiet -m "private grant"

echo "precommit.sh: pre-commit try-repo with the grant fixed"
if ! "$precommit" try-repo "$repo" runwarden --all-files >"$work/out.txt" 2>&1; then
  fail "the hook failed on a private grant"
fi
grep -q "Passed" "$work/out.txt" || fail "pre-commit did not report the hook as passed"

# 2. A large repository: batches must not change the verdict. The hook
# repository is a snapshot of this checkout (committed or not) so that a
# .pre-commit-config.yaml can pin it and pass arguments.
hook="$work/hook"
new_repo "$hook"
git -C "$repo" ls-files -coz --exclude-standard |
  tar -C "$repo" --null --no-recursion --ignore-failed-read -T - -cf - | tar -xf -
git add -A
git commit --quiet -m snapshot
rev="$(git rev-parse HEAD)"

new_repo "$work/large"
python3 - <<'PY'
# Many one-file root modules calling service modules whose invokers
# default to allUsers: a service module's file in a batch without its
# callers is the common case. A few dev roots keep the default (the real
# findings). Unrelated network modules fill the repository.
import os

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

for team in range(12):
    for svc in range(36):
        module = f"modules/team-platform-{team:02}/service-{svc:02}"
        write(f"{module}/main.tf", f'''resource "google_cloud_run_v2_service" "this" {{
  name     = "t{team}-svc{svc}"
  location = "europe-west1"
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
''')
        write(f"{module}/variables.tf", 'variable "invokers" {\n  type    = list(string)\n  default = ["allUsers"]\n}\n')
        write(f"{module}/outputs.tf", 'output "uri" {\n  value = google_cloud_run_v2_service.this.uri\n}\n')
        for env in ("production", "development"):
            public = env == "development" and team == 0 and svc < 3
            invokers = "" if public else f'  invokers = ["serviceAccount:t{team}@acme-{env}.iam.gserviceaccount.com"]\n'
            write(f"live/{env}/team-platform-{team:02}/service-{svc:02}/main.tf",
                  f'module "svc" {{\n  source = "../../../../{module}"\n{invokers}}}\n')
            write(f"live/{env}/team-platform-{team:02}/service-{svc:02}/terraform.tfvars", "")
for n in range(800):
    d = f"infrastructure/networks/network-{n:04}"
    write(f"{d}/main.tf", f'resource "google_compute_network" "vpc" {{\n  name                    = "vpc-{n}"\n  auto_create_subnetworks = var.auto\n}}\n')
    write(f"{d}/variables.tf", 'variable "auto" {\n  default = false\n}\n')
    write(f"{d}/outputs.tf", 'output "id" {\n  value = google_compute_network.vpc.id\n}\n')
    write(f"{d}/network.auto.tfvars.json", '{"auto": false}\n')
PY
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hook
    rev: $rev
    hooks:
      - id: runwarden
        args: [--format, github, --quiet]
YAML
git add -A
git commit --quiet -m "large repository"
files="$(git ls-files | grep -cE '\.(tf|tf\.json|tfvars|tfvars\.json)$')"
bytes="$(git ls-files | grep -E '\.(tf|tf\.json|tfvars|tfvars\.json)$' | wc -c)"
echo "precommit.sh: pre-commit run --all-files on $files Terraform files ($bytes bytes of names, more than one 128 KiB command line)"
[ "$bytes" -gt 140000 ] || { echo "precommit.sh: the generated repository is too small to need batches" >&2; exit 1; }
if "$precommit" run runwarden --all-files >"$work/out.txt" 2>&1; then
  fail "the hook passed on a repository with public grants"
fi
grep '^::' "$work/out.txt" | sort -u >"$work/hook.txt"
set +e
"$CARGO_TARGET_DIR/release/runwarden" check . --format github --quiet >"$work/check.raw"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "precommit.sh: runwarden check . exited $code" >&2; exit 1; }
sort -u "$work/check.raw" >"$work/check.txt"
[ "$(wc -l <"$work/check.txt")" -eq 3 ] || { echo "precommit.sh: expected 3 findings from check ." >&2; cat "$work/check.txt" >&2; exit 1; }
if ! diff -u "$work/check.txt" "$work/hook.txt"; then
  fail "pre-commit run --all-files and runwarden check . report different findings"
fi
echo "precommit.sh: 3 passed, 0 failed"
