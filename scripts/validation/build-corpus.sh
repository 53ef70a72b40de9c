#!/usr/bin/env bash
# Materialize the real-world validation corpus listed in corpus.tsv.
#
# Every row names a public GitHub repository, the commit it is pinned at, the
# directories used from it and, for some, a derived step. The script needs a
# bare git mirror of each repository:
#   - on the project's machines the mirrors come from the search tool's
#     `fetch` (it leaves a bare git directory under /work/.mirror/OWNER+NAME/);
#   - elsewhere, where the network allows it, the script clones them itself:
#     `git clone --bare https://github.com/OWNER/NAME` into $CORPUS/mirrors/.
# It then extracts the pinned commit's directories into
# $CORPUS/src/OWNER__NAME/ with `git archive`. Nothing fetched is ever written
# inside this repository: the corpus is third-party code, kept on the machine.
#
# Derived step `readme-examples:M1,M2`: the ```hcl examples of the README of
# each module modules/Mi (cloud-foundation-fabric documents and tests its
# modules that way) become one root module each, under
# $CORPUS/src/OWNER__NAME/_readme_examples/Mi/NN/, with the module source
# rewritten to the extracted copy and the test harness' variables and fixtures
# copied beside it. Nothing of those examples is executed.
#
# Usage: scripts/validation/build-corpus.sh        (idempotent; rebuilds src/)
# Environment: CORPUS (default /work/corpus), MIRRORS (default /work/.mirror).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CORPUS="${CORPUS:-/work/corpus}"
MIRRORS="${MIRRORS:-/work/.mirror}"
TSV="$HERE/corpus.tsv"

mkdir -p "$CORPUS/src" "$CORPUS/mirrors"

gitdir_for() { # owner/name -> bare git dir (fetched or cloned), or nothing
  local repo="$1" key="${1/\//+}" d
  for d in "$MIRRORS/$key/repo/.git" "$MIRRORS/$key/repo" "$CORPUS/mirrors/${1/\//__}.git"; do
    if [ -d "$d" ] && git --git-dir="$d" rev-parse --git-dir >/dev/null 2>&1; then
      echo "$d"; return 0
    fi
  done
  if git clone --quiet --bare "https://github.com/$repo" "$CORPUS/mirrors/${1/\//__}.git" 2>/dev/null; then
    echo "$CORPUS/mirrors/${1/\//__}.git"; return 0
  fi
  return 1
}

n=0; missing=0
while IFS=$'\t' read -r repo commit dirs derived why; do
  case "$repo" in ''|'#'*) continue ;; esac
  dest="$CORPUS/src/${repo/\//__}"
  if ! gd="$(gitdir_for "$repo")"; then
    echo "build-corpus: no mirror for $repo (fetch it, or allow git clone)" >&2
    missing=$((missing + 1)); continue
  fi
  if ! git --git-dir="$gd" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "build-corpus: $repo: commit $commit not in $gd" >&2
    missing=$((missing + 1)); continue
  fi
  rm -rf "$dest"; mkdir -p "$dest"
  # Snapshots from the search tool's fetch lack files of 4 MiB and more (and
  # Git LFS content), which `git archive` cannot skip: extract blob by blob,
  # leaving out those the mirror does not hold, symlinks and submodules.
  python3 - "$gd" "$commit" "$dirs" "$dest" <<'PY'
import os, subprocess, sys
gd, commit, dirs, dest = sys.argv[1:]
paths = [] if dirs == "." else dirs.split(",")
ls = subprocess.run(["git", "--git-dir", gd, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths],
                    check=True, capture_output=True).stdout.split(b"\0")
entries = []
for e in ls:
    if not e:
        continue
    meta, path = e.split(b"\t", 1)
    mode, kind, oid = meta.split()
    if kind == b"blob" and mode in (b"100644", b"100755"):
        entries.append((oid, path.decode("utf-8", "surrogateescape")))
cat = subprocess.Popen(["git", "--git-dir", gd, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
skipped = 0
for oid, path in entries:
    cat.stdin.write(oid + b"\n"); cat.stdin.flush()
    header = cat.stdout.readline().split()
    if len(header) < 3 or header[1] != b"blob":
        skipped += 1
        continue
    data = cat.stdout.read(int(header[2])); cat.stdout.read(1)
    target = os.path.join(dest, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
cat.stdin.close(); cat.wait()
if skipped:
    print(f"build-corpus: {dest}: {skipped} file(s) absent from the snapshot, skipped", file=sys.stderr)
PY
  if [ "$derived" != "-" ] && [ -n "$derived" ]; then
    python3 - "$dest" "$derived" <<'PY'
import os, re, shutil, sys
dest, derived = sys.argv[1], sys.argv[2]
kind, _, mods = derived.partition(":")
assert kind == "readme-examples", derived
out_root = os.path.join(dest, "_readme_examples")
for mod in mods.split(","):
    readme = os.path.join(dest, "modules", mod, "README.md")
    if not os.path.exists(readme):
        continue
    text = open(readme, encoding="utf-8").read()
    blocks = re.findall(r"^```hcl\n(.*?)^```", text, flags=re.S | re.M)
    for i, body in enumerate(blocks, 1):
        d = os.path.join(out_root, mod, f"{i:02d}")
        os.makedirs(d, exist_ok=True)
        up = os.path.relpath(dest, d)
        fix = lambda s: s.replace('"./fabric/', f'"{up}/')
        with open(os.path.join(d, "main.tf"), "w", encoding="utf-8") as f:
            f.write(fix(body))
        shutil.copy(os.path.join(dest, "tests/examples/variables.tf"), os.path.join(d, "variables.tf"))
        m = re.search(r"# tftest .*?fixtures=(\S+)", body)
        for fx in (m.group(1).split(",") if m else []):
            src = os.path.join(dest, "tests", fx)
            if os.path.exists(src):
                with open(src, encoding="utf-8") as s, open(os.path.join(d, "fixture_" + os.path.basename(fx)), "w", encoding="utf-8") as t:
                    t.write(fix(s.read()))
# the harness itself is not part of the corpus once copied into each example
shutil.rmtree(os.path.join(dest, "tests"), ignore_errors=True)
PY
  fi
  n=$((n + 1))
done <"$TSV"

tf=$(find "$CORPUS/src" -name '*.tf' -o -name '*.tf.json' | wc -l)
echo "build-corpus: $n repositories in $CORPUS/src ($tf Terraform files); $missing missing"
[ "$missing" -eq 0 ]
