#!/usr/bin/env bash
# Benchmark runwarden on a generated monorepo and print the SPEC §5 ratios.
#   bench/run.sh [MODULES] [RUNS]     (defaults: 4000 modules, 5 runs each)
# Needs: cargo; GNU time (/usr/bin/time); ripgrep (installed with apt-get when
# missing and possible); checkov is measured on a subset only when installed.
set -euo pipefail
# Bash 5 or later: the wall clock is read from $EPOCHREALTIME.
if [ -z "${EPOCHREALTIME:-}" ]; then
  echo "bench/run.sh needs bash 5 or later (EPOCHREALTIME)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
MODULES=${1:-4000}
RUNS=${2:-5}
WORK=${BENCH_DIR:-target/bench}
mkdir -p "$WORK"

if ! command -v rg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq ripgrep >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null 2>&1) || true
fi
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq time >/dev/null 2>&1 || true
fi

cargo build --release --quiet
cargo build --release --quiet --example gen_corpus
BIN=target/release/runwarden
GEN=target/release/examples/gen_corpus

# median of the first field of each line of a file
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2==1) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# measure NAME CMD...: RUNS runs; writes wall, cpu (user+sys) and max RSS (KB)
# medians. Wall time is read from bash's clock around the run (GNU time's own
# wall figure has 10 ms steps, too coarse at 0.05 s); the same /usr/bin/time
# wrapper is inside it for every tool measured.
# One unmeasured warm-up run first (WARMUP=0 skips it), as hyperfine's
# --warmup does: the page cache and the CPU caches then hold what every
# measured run finds, whatever ran before.
measure() {
  local name=$1; shift
  : > "$WORK/$name.wall"; : > "$WORK/$name.cpu"; : > "$WORK/$name.rss"
  if [ "${WARMUP:-1}" = 1 ]; then
    "$@" >/dev/null 2>&1 || true
  fi
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$EPOCHREALTIME
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/$name.t" "$@" >/dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    # GNU time puts "Command exited with non-zero status" first when exit != 0.
    read -r _ u s m <<< "$(tail -n 1 "$WORK/$name.t")"
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}' >> "$WORK/$name.wall"
    echo "$u $s" | awk '{print $1+$2}' >> "$WORK/$name.cpu"
    echo "$m" >> "$WORK/$name.rss"
  done
  echo "$(median "$WORK/$name.wall") $(median "$WORK/$name.cpu") $(median "$WORK/$name.rss")"
}

echo "# runwarden benchmark: $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
echo "# $RUNS runs each, medians; wall and CPU in seconds, RSS in MB"
echo
echo "| corpus | files | MB | check wall | check CPU | peak RSS | parse-only wall | rg -c google_ | check/rg | check/parse | RSS/bytes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A WALL
for scale in ${SCALES:-1 2 4}; do
  n=$((MODULES * scale))
  dir="$WORK/corpus-$scale"
  "$GEN" --modules "$n" --out "$dir" >/dev/null
  files=$(find "$dir" -type f | wc -l)
  bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  read -r cw cc cr <<< "$(measure check-$scale "$BIN" check "$dir" --format json --output /dev/null)"
  read -r pw _ _ <<< "$(measure parse-$scale "$BIN" check "$dir" --parse-only --output /dev/null)"
  if command -v rg >/dev/null 2>&1; then
    read -r rw _ _ <<< "$(measure rg-$scale rg -c google_ "$dir")"
  else
    rw=NA
  fi
  WALL[$scale]=$cw
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "NA" || b == 0) print "NA"; else printf "%.1fx", a / b }'; }
  mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}')
  rss_mb=$(awk -v k="$cr" 'BEGIN {printf "%.0f", k/1024}')
  rss_ratio=$(awk -v k="$cr" -v b="$bytes" 'BEGIN {printf "%.1fx", k*1024/b}')
  echo "| ${scale}x ($n modules) | $files | $mb | $cw | $cc | $rss_mb | $pw | $rw | $(ratio "$cw" "$rw") | $(ratio "$cw" "$pw") | $rss_ratio |"
done
echo
if [ -n "${WALL[2]:-}" ] && [ -n "${WALL[4]:-}" ]; then
  awk -v a="${WALL[1]}" -v b="${WALL[2]}" -v c="${WALL[4]}" 'BEGIN {printf "Scaling: 2x input -> %.2fx time, 4x input -> %.2fx time\n", b/a, c/a}'
fi

# Pre-commit mode: one changed file of one module. The tree is made a
# repository of its own: a file's callers are looked for up to the
# repository root, which would otherwise be this checkout.
[ -d "$WORK/corpus-1/.git" ] || git -C "$WORK/corpus-1" init -q
one=$(find "$WORK/corpus-1/modules" -name main.tf | sort | sed -n 1p)
read -r pw _ pr <<< "$(measure precommit "$BIN" check "$one" --format json --output /dev/null)"
echo "Pre-commit (one file: $one): wall $pw s, RSS $((pr / 1024)) MB"

# The human report on one large file with thousands of findings (one public
# grant on an undeclared service every 60 lines, 3,000 of them).
many="$WORK/many-findings"
mkdir -p "$many"
awk 'BEGIN { for (i = 0; i < 3000; i++) {
  printf "resource \"google_cloud_run_v2_service_iam_member\" \"p%d\" {\n  location = \"europe-west1\"\n  name     = \"svc-%d\"\n  role     = \"roles/run.invoker\"\n  member   = \"allUsers\"\n}\n\n", i, i
  printf "resource \"google_storage_bucket\" \"b%d\" {\n  name     = \"bucket-%d\"\n  location = \"EU\"\n  labels = {\n", i, i
  for (j = 0; j < 16; j++) printf "    label_%d = \"value-%d-%d-padding-padding-padding\"\n", j, i, j
  printf "  }\n}\n\n" } }' > "$many/main.tf"
manykb=$(( $(stat -c %s "$many/main.tf") / 1000 ))
read -r jw _ _ <<< "$(measure many-json "$BIN" check "$many" --format json --output /dev/null)"
read -r hw _ _ <<< "$(measure many-human "$BIN" check "$many" --format human --output /dev/null)"
echo "Human report, 3000 findings in one ${manykb} kB file: json $jw s, human $hw s, human/json $(awk -v a="$hw" -v b="$jw" 'BEGIN {printf "%.1fx", a/b}')"

# A large local map read once per for_each instance (3,000 entries): values
# are shared, so this is linear; a copy per read made it quadratic.
bigmap="$WORK/large-local"
mkdir -p "$bigmap"
awk 'BEGIN { print "locals {\n  grants = {"
  for (i = 0; i < 3000; i++) printf "    g%d = { service = \"svc-%d\", member = \"serviceAccount:sa%d@p.iam.gserviceaccount.com\", tags = [\"a\", \"b\"] }\n", i, i, i
  print "  }\n}\nresource \"google_cloud_run_v2_service_iam_member\" \"m\" {\n  for_each = local.grants\n  location = \"europe-west1\"\n  name     = local.grants[each.key].service\n  role     = \"roles/run.invoker\"\n  member   = local.grants[each.key].member\n}" }' > "$bigmap/main.tf"
read -r bw _ br <<< "$(measure large-local "$BIN" check "$bigmap" --format json --output /dev/null)"
echo "Large local map (3000 entries, read per for_each instance): wall $bw s, RSS $((br / 1024)) MB"

if command -v checkov >/dev/null 2>&1; then
  sub="$WORK/checkov-subset"
  rm -rf "$sub"; mkdir -p "$sub"
  find "$WORK/corpus-1/modules" -maxdepth 1 -mindepth 1 -type d | sort | sed -n "1,${CHECKOV_MODULES:-1000}p" | xargs -I{} cp -r {} "$sub/"
  subbytes=$(find "$sub" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  # runwarden first: Checkov's long run leaves the caches cold for whatever
  # follows it.
  read -r ow _ _ <<< "$(measure ours-subset "$BIN" check "$sub" --format json --output /dev/null)"
  read -r kw _ _ <<< "$(WARMUP=0 RUNS=1 measure checkov checkov -d "$sub" --quiet --compact --framework terraform)"
  echo "Checkov on a ${CHECKOV_MODULES:-1000}-module subset ($((subbytes / 1000)) kB): checkov ${kw} s, runwarden ${ow} s, ratio $(awk -v a="$kw" -v b="$ow" 'BEGIN {printf "%.0fx", a/b}')"
else
  echo "Checkov: not installed (pip install checkov) - not measured"
fi
