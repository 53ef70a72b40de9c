#!/usr/bin/env bash
# The Action's shell logic (scripts/action.sh) against a fake release served
# on loopback by python3 -m http.server: archives packed by
# scripts/package.sh from the debug binary, as the release workflow packs
# them. Checks version resolution, the target for each runner, download and
# SHA-256 verification (a tampered archive is refused), the cache, and the
# outputs of a check run.
#
# usage: tests/action.sh [BINARY]   (default: target/debug/runwarden)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-$repo/target/debug/runwarden}"
[ -x "$binary" ] || {
  echo "action.sh: build runwarden first ($binary is missing)" >&2
  exit 1
}
action="$repo/scripts/action.sh"
version="v$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok - $1"
}
not_ok() {
  failed=$((failed + 1))
  echo "not ok - $1"
  if [ -f "$work/log" ]; then sed 's/^/    /' "$work/log"; fi
}
check() { # check NAME COMMAND...: COMMAND must succeed
  local name="$1"
  shift
  if "$@" >"$work/log" 2>&1; then ok "$name"; else not_ok "$name"; fi
}
refuse() { # refuse NAME PATTERN COMMAND...: COMMAND must fail, saying PATTERN
  local name="$1" pattern="$2"
  shift 2
  if "$@" >"$work/log" 2>&1; then
    not_ok "$name (it succeeded)"
  elif grep -q -- "$pattern" "$work/log"; then
    ok "$name"
  else
    not_ok "$name (no \"$pattern\" in the output)"
  fi
}

# The fake release: Linux x86_64 and Windows archives of the debug binary.
releases="$work/releases"
mkdir -p "$releases/$version" "$work/man"
"$binary" man --dir "$work/man"
for t in x86_64-unknown-linux-musl x86_64-pc-windows-msvc; do
  bash "$repo/scripts/package.sh" "$version" "$t" "$binary" "$releases/$version" "$work/man" >/dev/null
done
# A release whose archive does not match its checksum.
mkdir -p "$releases/v0.0.1"
bash "$repo/scripts/package.sh" v0.0.1 x86_64-unknown-linux-musl "$binary" "$releases/v0.0.1" >/dev/null
echo "0000000000000000000000000000000000000000000000000000000000000000  runwarden-v0.0.1-x86_64-unknown-linux-musl.tar.gz" \
  >"$releases/v0.0.1/runwarden-v0.0.1-x86_64-unknown-linux-musl.tar.gz.sha256"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$releases" >"$work/server.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || {
  echo "action.sh: the release server did not start" >&2
  cat "$work/server.log" >&2
  exit 1
}

# Every call runs in a clean environment, as on a runner.
run_action() { # run_action MODE VAR=VALUE...
  local mode="$1"
  shift
  env -i PATH="$PATH" HOME="$work" RUNNER_TEMP="$work/runner-temp" \
    RW_RELEASE_URL="http://127.0.0.1:$port" RUNNER_OS=Linux RUNNER_ARCH=X64 \
    "$@" bash "$action" "$mode"
}
out="$work/github-output"

# 1. Version and target resolution.
resolves() { # resolves NAME LINE VAR=VALUE...: `resolve` prints LINE
  local name="$1" line="$2"
  shift 2
  if run_action resolve "$@" >"$work/log" 2>&1 && grep -qx -- "$line" "$work/log"; then
    ok "$name"
  else
    not_ok "$name"
  fi
}
resolves "the version defaults to the action's own tag" version=v1.2.3 RW_ACTION_REF=v1.2.3
resolves "a branch or commit ref falls back to Cargo.toml's version" "version=$version" \
  RW_ACTION_REF=main RW_ACTION_PATH="$repo"
resolves "the version input wins, with or without its v" version=v0.3.0 RW_ACTION_REF=v9.9.9 RW_VERSION=0.3.0
for pair in Linux/X64=x86_64-unknown-linux-musl Linux/ARM64=aarch64-unknown-linux-musl \
  macOS/X64=x86_64-apple-darwin macOS/ARM64=aarch64-apple-darwin Windows/X64=x86_64-pc-windows-msvc; do
  osarch="${pair%%=*}"
  resolves "$osarch runners get ${pair#*=}" "target=${pair#*=}" \
    RW_VERSION="$version" RUNNER_OS="${osarch%/*}" RUNNER_ARCH="${osarch#*/}"
done
refuse "an unsupported runner asks for build-from-source" "build-from-source" \
  run_action resolve RW_VERSION="$version" RUNNER_OS=Linux RUNNER_ARCH=ARM
refuse "a malformed version is refused" "must look like" \
  run_action resolve RW_VERSION=latest

# 2. Download, verification, install.
dir="$work/runner-temp/runwarden/$version/x86_64-unknown-linux-musl"
check "install downloads, verifies and unpacks the release" \
  run_action install RW_VERSION="$version" GITHUB_OUTPUT="$out" GITHUB_PATH="$work/github-path"
cp "$work/log" "$work/install.log"
check "the binary is installed and on GITHUB_PATH" \
  bash -c "[ -x '$dir/runwarden' ] && grep -qx '$dir' '$work/github-path' && grep -qx 'path=$dir/runwarden' '$out'"
check "the log shows the verified checksum" grep -q "SHA-256 verified" "$work/install.log"
check "the installed binary reports the version" \
  bash -c "'$dir/runwarden' --version | grep -qx 'runwarden ${version#v}'"
check "the archive holds the licence, rule docs and man pages" \
  bash -c "tar -tzf '$releases/$version/runwarden-$version-x86_64-unknown-linux-musl.tar.gz' | grep -q 'runwarden-$version-x86_64-unknown-linux-musl/LICENSE' && tar -tzf '$releases/$version/runwarden-$version-x86_64-unknown-linux-musl.tar.gz' | grep -q '/rules/public-invoker.md' && tar -tzf '$releases/$version/runwarden-$version-x86_64-unknown-linux-musl.tar.gz' | grep -q '/man/runwarden-check.1'"
check "the .sha256 file is what sha256sum -c reads" \
  bash -c "cd '$releases/$version' && sha256sum -c runwarden-$version-x86_64-unknown-linux-musl.tar.gz.sha256"
# cargo binstall reads Cargo.toml's templates: they must name these archives.
binstall_path() { # binstall_path KEY TARGET EXT: the template of KEY (the override for Windows), expanded
  local key="$1" t="$2" ext="$3" template
  template="$(sed -n "/^\[package.metadata.binstall\]/,/^\[/s/^$key = \"\(.*\)\"/\1/p" "$repo/Cargo.toml")"
  if [ "$ext" = ".exe" ]; then
    template="$(sed -n "/^\[package.metadata.binstall.overrides.$t\]/,/^\[/s/^$key = \"\(.*\)\"/\1/p" "$repo/Cargo.toml" | grep . || echo "$template")"
  fi
  echo "$template" | sed -e "s|{ repo }/releases/download|$releases|" -e "s|{ version }|${version#v}|g" \
    -e "s|{ name }|runwarden|g" -e "s|{ target }|$t|g" -e "s|{ bin }|runwarden|g" -e "s|{ binary-ext }|$ext|g"
}
for te in x86_64-unknown-linux-musl: x86_64-pc-windows-msvc:.exe; do
  t="${te%%:*}" ext="${te#*:}"
  url="$(binstall_path pkg-url "$t" "$ext")"
  bin="$(binstall_path bin-dir "$t" "$ext")"
  if [ -f "$url" ]; then
    case "$url" in
      *.zip) listing="$(unzip -Z1 "$url" 2>/dev/null || true)" ;;
      *) listing="$(tar -tzf "$url")" ;;
    esac
    if printf '%s\n' "$listing" | grep -qx -- "$bin"; then
      ok "cargo binstall metadata matches the $t archive ($bin)"
    else
      not_ok "the $t archive has no $bin (binstall bin-dir)"
    fi
  else
    not_ok "binstall pkg-url for $t names no release archive: $url"
  fi
done
if command -v unzip >/dev/null 2>&1; then
  check "the Windows archive installs too" \
    run_action install RW_VERSION="$version" RUNNER_OS=Windows RUNNER_ARCH=X64
fi
refuse "a tampered archive is refused" "checksum mismatch" \
  run_action install RW_VERSION=v0.0.1
check "and nothing is installed from it" \
  test ! -e "$work/runner-temp/runwarden/v0.0.1/x86_64-unknown-linux-musl/runwarden"
refuse "a version that was not released says so" "is v9.9.9 released" \
  run_action install RW_VERSION=v9.9.9

# 3. The cache: with the binary in place, no download (the server is gone).
kill "$server"
wait "$server" 2>/dev/null || true
server=""
check "a cached binary of the right version is reused without a download" \
  run_action install RW_VERSION="$version"
cp "$work/log" "$work/cache.log"
check "and the log says so" grep -q "already in" "$work/cache.log"

# 4. A check run: outputs and the recorded exit code.
project="$work/project"
mkdir -p "$project"
cat >"$project/main.tf" <<'TF'
resource "google_cloud_run_v2_service" "api" {
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
TF
run_in_project() {
  (cd "$project" && env -i PATH="$PATH" HOME="$work" RW_BIN="$dir/runwarden" GITHUB_OUTPUT="$work/run-output" \
    "$@" bash "$action" run)
}
rm -f "$work/run-output"
check "run records the findings without failing the step" \
  run_in_project RW_FORMAT=sarif RW_OUTPUT=runwarden.sarif RW_PATHS=.
check "run outputs the counts, the report and the exit code" \
  bash -c "grep -qx 'errors=2' '$work/run-output' && grep -qx 'warnings=0' '$work/run-output' && grep -qx 'findings=2' '$work/run-output' && grep -qx 'report=runwarden.sarif' '$work/run-output' && grep -qx 'exit-code=1' '$work/run-output'"
check "the SARIF report is written" grep -q '"version": "2.1.0"' "$project/runwarden.sarif"
rm -f "$work/run-output"
check "github format: annotations in the log" \
  run_in_project RW_FORMAT=github RW_ARGS="--select public-invoker"
cp "$work/log" "$work/annotations.log"
check "the annotation is there" grep -q '^::error file=main.tf' "$work/annotations.log"
check "args are passed through (--select leaves one finding)" \
  grep -qx 'findings=1' "$work/run-output"
rm -f "$work/run-output"
check "fail-on never records exit code 0" \
  run_in_project RW_FORMAT=json RW_FAIL_ON=never
check "with the counts all the same" \
  bash -c "grep -qx 'exit-code=0' '$work/run-output' && grep -qx 'errors=2' '$work/run-output'"
rm -f "$work/run-output" "$project/runwarden.sarif"
check "upload-sarif switches the default format to SARIF in runwarden.sarif" \
  run_in_project RW_FORMAT=github RW_UPLOAD_SARIF=true
check "whose path is the report output" \
  bash -c "grep -qx 'report=runwarden.sarif' '$work/run-output' && grep -q '\"version\": \"2.1.0\"' '$project/runwarden.sarif'"
refuse "upload-sarif with another format is refused" "upload-sarif needs format: sarif" \
  run_in_project RW_FORMAT=junit RW_UPLOAD_SARIF=true
refuse "a usage error fails the step" "could not run" \
  run_in_project RW_FORMAT=json RW_ARGS=--no-such-flag

echo "action.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
