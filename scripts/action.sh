#!/usr/bin/env bash
# The GitHub Action's logic (action.yml calls it; .ci/run tests it against a
# locally served fake release). Inputs arrive as environment variables, never
# spliced into a script.
#
#   action.sh resolve   version, target, archive name and install directory
#   action.sh install   download the release archive and its .sha256, verify,
#                       unpack into the install directory (kept when the cache
#                       already restored the right version)
#   action.sh build     cargo install from the action's checkout instead
#   action.sh run       runwarden check, then the finding counts as outputs;
#                       exits 0 and records the check's exit code (the gate
#                       is a later step, after an optional SARIF upload)
#
# Environment: RW_VERSION (a tag such as v0.1.0; empty: the action's own tag,
# else its Cargo.toml version), RW_ACTION_REF, RW_ACTION_PATH, RW_RELEASE_URL
# (base of the release downloads), RW_INSTALL_DIR, RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH; for `run`: RW_PATHS, RW_FORMAT,
# RW_FAIL_ON, RW_OUTPUT, RW_ARGS, RW_UPLOAD_SARIF, RW_BIN.
set -euo pipefail

RELEASES_DEFAULT="https://github.com/runwarden/runwarden/releases/download"

die() {
  echo "::error title=runwarden action::$*"
  echo "runwarden action: $*" >&2
  exit 1
}

output() {
  # name=value for a later step; printed too, so logs and tests see it.
  echo "$1=$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >>"$GITHUB_OUTPUT"
  fi
}

version() {
  local v="${RW_VERSION:-}"
  if [ -z "$v" ]; then
    # The action's own tag (uses: runwarden/runwarden@v0.1.0) ...
    if [[ "${RW_ACTION_REF:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
      v="$RW_ACTION_REF"
    # ... else (a branch or a commit) the version its Cargo.toml declares.
    elif [ -n "${RW_ACTION_PATH:-}" ] && [ -f "$RW_ACTION_PATH/Cargo.toml" ]; then
      v="$(sed -n 's/^version = "\(.*\)"/\1/p' "$RW_ACTION_PATH/Cargo.toml" | head -n 1)"
    fi
  fi
  [ -n "$v" ] || die "cannot tell which runwarden version to install: set the version input (for example v0.1.0)"
  v="v${v#v}"
  [[ "$v" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || die "version must look like v1.2.3, got ${RW_VERSION:-$v}"
  echo "$v"
}

target() {
  local os="${RUNNER_OS:-$(uname -s)}" arch="${RUNNER_ARCH:-$(uname -m)}"
  case "$os/$arch" in
    Linux/X64 | Linux/x86_64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-musl ;;
    macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
    Windows/X64 | MINGW*/x86_64 | MSYS*/x86_64) echo x86_64-pc-windows-msvc ;;
    *) die "no prebuilt runwarden for $os/$arch: set build-from-source: true" ;;
  esac
}

exe() {
  case "$1" in *windows*) echo runwarden.exe ;; *) echo runwarden ;; esac
}

archive() {
  case "$2" in
    *windows*) echo "runwarden-$1-$2.zip" ;;
    *) echo "runwarden-$1-$2.tar.gz" ;;
  esac
}

install_dir() {
  echo "${RW_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/runwarden/$1/$2}"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

fetch() {
  # curl: fail on HTTP errors, follow redirects (release assets redirect), retry.
  curl --fail --silent --show-error --location --retry 3 --retry-delay 2 --output "$2" "$1"
}

cmd_resolve() {
  local v t
  v="$(version)"
  t="$(target)"
  output version "$v"
  output target "$t"
  output archive "$(archive "$v" "$t")"
  output dir "$(install_dir "$v" "$t")"
}

installed_version() {
  "$1" --version 2>/dev/null | sed -n 's/^runwarden \(.*\)$/v\1/p'
}

cmd_install() {
  local v t dir bin name base tmp expected actual
  v="$(version)"
  t="$(target)"
  dir="$(install_dir "$v" "$t")"
  bin="$dir/$(exe "$t")"
  if [ -x "$bin" ] && [ "$(installed_version "$bin")" = "$v" ]; then
    echo "runwarden $v already in $dir (cache)"
  else
    name="$(archive "$v" "$t")"
    base="${RW_RELEASE_URL:-$RELEASES_DEFAULT}"
    tmp="$(mktemp -d)"
    echo "Downloading $base/$v/$name"
    fetch "$base/$v/$name" "$tmp/$name" || die "cannot download $base/$v/$name (is $v released?)"
    fetch "$base/$v/$name.sha256" "$tmp/$name.sha256" || die "cannot download the checksum $base/$v/$name.sha256"
    expected="$(cut -d' ' -f1 <"$tmp/$name.sha256" | tr -d '\r\n' | tr 'A-F' 'a-f')"
    actual="$(sha256 "$tmp/$name")"
    [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$name.sha256 holds no SHA-256 checksum"
    [ "$expected" = "$actual" ] || die "checksum mismatch for $name: expected $expected, got $actual"
    echo "SHA-256 verified: $actual"
    mkdir -p "$tmp/unpacked"
    case "$name" in
      *.zip)
        if command -v unzip >/dev/null 2>&1; then
          unzip -q "$tmp/$name" -d "$tmp/unpacked"
        else
          powershell -NoProfile -Command "Expand-Archive -LiteralPath '$tmp/$name' -DestinationPath '$tmp/unpacked'"
        fi
        ;;
      *) tar -xzf "$tmp/$name" -C "$tmp/unpacked" ;;
    esac
    local inner
    inner="$tmp/unpacked/runwarden-$v-$t/$(exe "$t")"
    [ -f "$inner" ] || die "$name does not hold runwarden-$v-$t/$(exe "$t")"
    mkdir -p "$dir"
    cp "$inner" "$bin"
    chmod +x "$bin"
    rm -rf "$tmp"
    [ "$(installed_version "$bin")" = "$v" ] || die "the downloaded binary does not report version $v"
  fi
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir" >>"$GITHUB_PATH"
  fi
  output path "$bin"
}

cmd_build() {
  [ -n "${RW_ACTION_PATH:-}" ] || die "RW_ACTION_PATH is not set"
  command -v cargo >/dev/null 2>&1 || die "build-from-source needs cargo on the runner (a Rust toolchain)"
  local root="${RW_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/runwarden/source}"
  cargo install --locked --quiet --path "$RW_ACTION_PATH" --root "$root"
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$root/bin" >>"$GITHUB_PATH"
  fi
  output path "$root/bin/runwarden"
}

count() {
  sed -n "s/^    \"$1\": \([0-9]*\).*/\1/p" "$2" | head -n 1
}

cmd_run() {
  local bin="${RW_BIN:-runwarden}" format="${RW_FORMAT:-github}" report="${RW_OUTPUT:-}"
  if [ "${RW_UPLOAD_SARIF:-false}" = "true" ]; then
    # Code scanning reads SARIF: the default format gives way, another does not.
    case "$format" in
      github | sarif) format=sarif ;;
      *) die "upload-sarif needs format: sarif (got $format)" ;;
    esac
    report="${report:-runwarden.sarif}"
  fi
  set -f # word-split the lists below, but never glob them
  local args=(--format "$format")
  if [ -n "${RW_FAIL_ON:-}" ]; then args+=(--fail-on "$RW_FAIL_ON"); fi
  if [ -n "$report" ]; then args+=(--output "$report"); fi
  # shellcheck disable=SC2206
  local extra=(${RW_ARGS:-})
  # shellcheck disable=SC2206
  local paths=(${RW_PATHS:-.})
  set +f
  local code=0
  "$bin" check "${args[@]}" "${extra[@]}" -- "${paths[@]}" || code=$?
  # The counts: the same analysis, as statistics (never fails, never writes
  # a baseline other than the one the check above just wrote).
  local stats
  stats="$(mktemp)"
  if [ "$code" -le 1 ] && "$bin" check "${extra[@]}" --statistics --format json --fail-on never --quiet -- "${paths[@]}" >"$stats"; then
    local e w n
    e="$(count errors "$stats")"
    w="$(count warnings "$stats")"
    n="$(count notes "$stats")"
    output errors "$e"
    output warnings "$w"
    output notes "$n"
    output findings "$((e + w + n))"
  fi
  rm -f "$stats"
  output report "$report"
  output exit-code "$code"
  if [ "$code" -ge 2 ]; then
    die "runwarden check could not run (exit $code)"
  fi
}

case "${1:-}" in
  resolve) cmd_resolve ;;
  install) cmd_install ;;
  build) cmd_build ;;
  run) cmd_run ;;
  *)
    echo "usage: action.sh resolve|install|build|run" >&2
    exit 2
    ;;
esac
