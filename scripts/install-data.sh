#!/usr/bin/env bash
# Installs the Pang & Lee sentence-polarity CSV (the default `polarity` task) from Debian's python3-pattern
# into ${PETL_DATA:-$HOME/.cache/petl/data}/python3-pattern. Idempotent: does nothing when the file is there.
set -euo pipefail

DATA="${PETL_DATA:-$HOME/.cache/petl/data}"
REL="usr/share/doc/python3-pattern/test/corpora/polarity-en-pang&lee2.csv"
DEST="$DATA/python3-pattern"

if [[ -f "$DEST/$REL" || -f "$DEST/$REL.gz" ]]; then
  echo "polarity data already installed: $DEST/$REL"
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "install-data.sh needs apt-get and dpkg-deb (Debian/Ubuntu); alternatively put polarity-en-pang&lee2.csv under $DEST/${REL%/*}/" >&2
  exit 1
}

mkdir -p "$DATA"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# apt-get download needs current package lists; refresh them once if the first try fails
if ! apt-get download python3-pattern >/dev/null 2>&1; then
  echo "apt-get download failed; running apt-get update once" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get update -q >/dev/null; else sudo apt-get update -q >/dev/null; fi
  apt-get download python3-pattern
fi
# extract into a temp folder first so an interrupted run never leaves a half-extracted package behind
dpkg-deb -x python3-pattern_*.deb "$WORK/extract"
if [[ ! -f "$WORK/extract/$REL" && ! -f "$WORK/extract/$REL.gz" ]]; then
  echo "python3-pattern no longer ships $REL; the polarity task needs it" >&2
  exit 1
fi
rm -rf "$DEST"
mv "$WORK/extract" "$DEST"
echo "installed polarity data: $DEST/$REL"
