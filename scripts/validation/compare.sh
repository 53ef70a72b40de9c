#!/usr/bin/env bash
# One command for the differential oracle: builds the corpus if needed,
# installs Checkov 3.3.30 into a venv if needed, runs runwarden and Checkov on
# every corpus repository and writes the markdown report.
#
#   scripts/validation/compare.sh            # report in $CORPUS/report.md
#
# Environment: RUNWARDEN (default target/release/runwarden, relative to the
# repository root), CORPUS (default /work/corpus), MIRRORS (see build-corpus.sh).
# Extra arguments go to compare.py (--only OWNER/NAME,..., --out FILE).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CORPUS="${CORPUS:-/work/corpus}"
RUNWARDEN="${RUNWARDEN:-target/release/runwarden}"
case "$RUNWARDEN" in /*) ;; *) RUNWARDEN="$ROOT/$RUNWARDEN" ;; esac
CHECKOV_VERSION=3.3.30
VENV="$CORPUS/venv"
export CORPUS

[ -x "$RUNWARDEN" ] || { echo "compare: no runwarden at $RUNWARDEN (cargo build --release first)" >&2; exit 2; }
if ! "$VENV/bin/checkov" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "checkov==$CHECKOV_VERSION"
fi
[ -d "$CORPUS/src" ] && [ -n "$(ls -A "$CORPUS/src" 2>/dev/null)" ] || "$HERE/build-corpus.sh"
exec python3 "$HERE/compare.py" --corpus "$CORPUS" --runwarden "$RUNWARDEN" --checkov "$VENV/bin/checkov" "$@"
