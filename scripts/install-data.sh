#!/usr/bin/env bash
# Installs petl's real data sets under ${PETL_DATA:-$HOME/.cache/petl/data}. Idempotent: installed sets are skipped.
#
#   bash scripts/install-data.sh                        # polarity only (what the default test suite needs; CI runs this)
#   bash scripts/install-data.sh debsum l10n-en-ro      # the seq2seq stand-ins (add polarity to get all three)
#
# polarity    the Pang & Lee sentence-polarity CSV from Debian's python3-pattern  -> python3-pattern/
# debsum      apt's Translation-en index (package descriptions; `apt-get update -o Acquire::Languages=en`) and a
#             binary->source package map from apt's Packages index                 -> debsum/Translation-en.gz, sources.tsv
# l10n-en-ro  the Romanian LibreOffice UI catalogues (.mo) from libreoffice-l10n-ro -> l10n-en-ro/*.mo
# Each set's folder gets a SOURCES.txt naming the Debian files it came from and their SHA-256.
set -euo pipefail

DATA="${PETL_DATA:-$HOME/.cache/petl/data}"
REL="usr/share/doc/python3-pattern/test/corpora/polarity-en-pang&lee2.csv"

need() {
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "install-data.sh needs $c (Debian/Ubuntu)" >&2; exit 1; }
  done
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# apt-get download needs current package lists; refresh them once if the first try fails
download_deb() {
  if ! apt-get download "$1" >/dev/null 2>&1; then
    echo "apt-get download $1 failed; running apt-get update once" >&2
    as_root apt-get update -q >/dev/null
    apt-get download "$1"
  fi
}

install_polarity() {
  local dest="$DATA/python3-pattern"
  if [[ -f "$dest/$REL" || -f "$dest/$REL.gz" ]]; then
    echo "polarity data already installed: $dest/$REL"
    return
  fi
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
    echo "install-data.sh needs apt-get and dpkg-deb (Debian/Ubuntu); alternatively put polarity-en-pang&lee2.csv under $dest/${REL%/*}/" >&2
    exit 1
  }
  local work; work="$(mktemp -d)"
  (
    cd "$work"
    download_deb python3-pattern
    # extract into a temp folder first so an interrupted run never leaves a half-extracted package behind
    dpkg-deb -x python3-pattern_*.deb "$work/extract"
    if [[ ! -f "$work/extract/$REL" && ! -f "$work/extract/$REL.gz" ]]; then
      echo "python3-pattern no longer ships $REL; the polarity task needs it" >&2
      exit 1
    fi
    rm -rf "$dest"
    mv "$work/extract" "$dest"
  )
  rm -rf "$work"
  echo "installed polarity data: $dest/$REL"
}

# the main suite's list (e.g. deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en.lz4), not -updates/-security
main_list() {
  local kind="$1"
  ls /var/lib/apt/lists/ 2>/dev/null | grep -E "_dists_[A-Za-z0-9.]+_main_${kind}" | grep -v -E '(-updates|-security|-backports|-proposed)_' | head -1
}

install_debsum() {
  local dest="$DATA/debsum"
  if [[ -f "$dest/Translation-en.gz" && -f "$dest/sources.tsv" ]]; then
    echo "debsum data already installed: $dest"
    return
  fi
  need apt-get /usr/lib/apt/apt-helper
  if [[ -z "$(main_list i18n_Translation-en)" || -z "$(main_list binary-[a-z0-9]+_Packages)" ]]; then
    echo "fetching apt's English descriptions: apt-get update -o Acquire::Languages=en" >&2
    as_root apt-get update -q -o Acquire::Languages=en >/dev/null
  fi
  local tr pk
  tr="$(main_list i18n_Translation-en)"
  pk="$(main_list 'binary-[a-z0-9]+_Packages')"
  [[ -n "$tr" ]] || { echo "no main Translation-en list under /var/lib/apt/lists after apt-get update -o Acquire::Languages=en" >&2; exit 1; }
  [[ -n "$pk" ]] || { echo "no main Packages list under /var/lib/apt/lists" >&2; exit 1; }
  local work; work="$(mktemp -d)"
  /usr/lib/apt/apt-helper cat-file "/var/lib/apt/lists/$tr" | gzip -6 -n > "$work/Translation-en.gz"
  # binary<TAB>source ("Source: foo (1.2)" -> foo); packages without a Source field are their own source
  /usr/lib/apt/apt-helper cat-file "/var/lib/apt/lists/$pk" | awk '
    /^Package: / { p = $2; s = $2 }
    /^Source: /  { s = $2 }
    /^$/         { if (p != "") print p "\t" s; p = "" }
    END          { if (p != "") print p "\t" s }' | sort -u > "$work/sources.tsv"
  {
    echo "debsum: source lists (apt, $(date -u +%Y-%m-%d))"
    for f in "$tr" "$pk"; do echo "$(sha256sum "/var/lib/apt/lists/$f" | cut -d' ' -f1)  $f"; done
    echo "installed files"
    (cd "$work" && sha256sum Translation-en.gz sources.tsv)
  } > "$work/SOURCES.txt"
  rm -rf "$dest"
  mv "$work" "$dest"
  chmod 755 "$dest"
  echo "installed debsum data: $dest ($(zcat "$dest/Translation-en.gz" | grep -c '^Package: ') package descriptions)"
}

install_l10n() {
  local dest="$DATA/l10n-en-ro"
  if compgen -G "$dest/*.mo" >/dev/null; then
    echo "l10n-en-ro data already installed: $dest"
    return
  fi
  need apt-get dpkg-deb
  local work; work="$(mktemp -d)"
  (
    cd "$work"
    download_deb libreoffice-l10n-ro
    dpkg-deb -x libreoffice-l10n-ro_*.deb extract
    mkdir out
    find extract -path '*/ro/LC_MESSAGES/*.mo' -exec cp {} out/ \;
    compgen -G "out/*.mo" >/dev/null || { echo "libreoffice-l10n-ro ships no ro/LC_MESSAGES/*.mo files" >&2; exit 1; }
    {
      echo "l10n-en-ro: $(ls libreoffice-l10n-ro_*.deb) sha256 $(sha256sum libreoffice-l10n-ro_*.deb | cut -d' ' -f1)"
      (cd out && sha256sum *.mo)
    } > out/SOURCES.txt
    rm -rf "$dest"
    mv out "$dest"
  )
  rm -rf "$work"
  echo "installed l10n-en-ro data: $dest ($(ls "$dest"/*.mo | wc -l) .mo files)"
}

[[ $# -eq 0 ]] && set -- polarity
mkdir -p "$DATA"   # once, for every set: a fresh machine has no cache folder yet
for set in "$@"; do
  case "$set" in
    polarity) install_polarity ;;
    debsum) install_debsum ;;
    l10n-en-ro) install_l10n ;;
    *) echo "unknown data set '$set' (known: polarity, debsum, l10n-en-ro)" >&2; exit 1 ;;
  esac
done
