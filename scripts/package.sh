#!/usr/bin/env bash
# Packs one release archive, as the release workflow publishes it and the
# Action and `cargo binstall` download it:
#
#   runwarden-VERSION-TARGET.tar.gz   (.zip for Windows)
#     runwarden-VERSION-TARGET/
#       runwarden[.exe]  LICENSE  README.md  docs/  rules/  man/
#   runwarden-VERSION-TARGET.tar.gz.sha256   "HASH  FILE", as sha256sum -c reads it
#
# usage: package.sh VERSION TARGET BINARY OUTDIR [MANDIR]
# VERSION is the tag (v0.1.0); MANDIR holds the pages of `runwarden man --dir`.
set -euo pipefail

[ $# -ge 4 ] || {
  echo "usage: package.sh VERSION TARGET BINARY OUTDIR [MANDIR]" >&2
  exit 2
}
version="$1" target="$2" binary="$3" outdir="$4" mandir="${5:-}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
name="runwarden-$version-$target"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$outdir"
case "$target" in
  *windows*) exe=runwarden.exe ;;
  *) exe=runwarden ;;
esac
cp "$binary" "$stage/$name/$exe"
chmod +x "$stage/$name/$exe"
cp "$repo/LICENSE" "$repo/README.md" "$stage/$name/"
cp -R "$repo/docs" "$repo/rules" "$stage/$name/"
if [ -n "$mandir" ]; then
  mkdir -p "$stage/$name/man"
  cp "$mandir"/*.1 "$stage/$name/man/"
fi

outdir="$(cd "$outdir" && pwd)"
case "$target" in
  *windows*)
    archive="$name.zip"
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bd "$outdir/$archive" "$name" >/dev/null)
    else
      (cd "$stage" && zip -qr "$outdir/$archive" "$name")
    fi
    ;;
  *)
    archive="$name.tar.gz"
    (cd "$stage" && tar -czf "$outdir/$archive" "$name")
    ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  hash="$(sha256sum "$outdir/$archive" | cut -d' ' -f1)"
else
  hash="$(shasum -a 256 "$outdir/$archive" | cut -d' ' -f1)"
fi
echo "$hash  $archive" >"$outdir/$archive.sha256"
echo "$outdir/$archive"
