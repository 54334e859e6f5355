#!/usr/bin/env bash
# Trivy (the oracle) behind Tollgate's command line, to test acceptance.sh and bench.sh before a tollgate
# binary exists, e.g.  TOLLGATE=bench/trivy-shim.sh bench/acceptance.sh   (every row must then be equal).
#
#   trivy-shim.sh db build --output DIR [--source NAME=PATH ...]   copies the oracle DB into DIR (sources ignored)
#   trivy-shim.sh image --input IMG --db DIR --format json [--list-all-pkgs] --output OUT [--cache-dir C]
#
# Without --cache-dir each scan gets a fresh temp cache (like scan.sh); with it, C is Trivy's cache dir
# (the DB is copied in on first use), so a second run is warm.
set -euo pipefail
W=${ORACLE_WORK:-/tmp/trivy-oracle}
cmd=${1:-}; shift || true
case "$cmd" in
  db)
    [ "${1:-}" = build ] && shift
    out=""
    while [ $# -gt 0 ]; do case "$1" in --output) out=$2; shift 2 ;; *) shift ;; esac; done
    [ -n "$out" ] || { echo "db build: --output DIR needed" >&2; exit 2; }
    mkdir -p "$out/db" "$out/java-db"
    cp "$W/cache/db/trivy.db" "$W/cache/db/metadata.json" "$out/db/"
    cp "$W/cache/java-db/"* "$out/java-db/"
    ;;
  image)
    input="" db="" out="" cache="" fmt=json
    while [ $# -gt 0 ]; do
      case "$1" in
        --input) input=$2; shift 2 ;; --db) db=$2; shift 2 ;; --output) out=$2; shift 2 ;;
        --cache-dir) cache=$2; shift 2 ;; --format) fmt=$2; shift 2 ;; --list-all-pkgs) shift ;;
        *) echo "trivy-shim: unknown flag $1" >&2; exit 2 ;;
      esac
    done
    tmp=""
    if [ -z "$cache" ]; then tmp=$(mktemp -d); cache=$tmp; fi
    trap '[ -n "$tmp" ] && rm -rf "$tmp"; true' EXIT
    if [ ! -f "$cache/db/trivy.db" ]; then
      mkdir -p "$cache/db" && cp "$db/db/"* "$cache/db/" && cp -r "$db/java-db" "$cache/java-db"
    fi
    "$W/bin/trivy" image --cache-dir "$cache" --skip-db-update --skip-java-db-update --skip-check-update \
      --offline-scan --scanners vuln --list-all-pkgs --format "$fmt" -o "$out" --quiet --input "$input"
    ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
