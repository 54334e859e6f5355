#!/usr/bin/env bash
# Tollgate vs Trivy, side by side: wall time and peak RSS, cold and warm, median of $RUNS runs.
#
#   bench/bench.sh [IMAGE_NAME ...]          default: debian-bookworm alpine-3.8-downgrade (from make-images.sh)
#
# Environment: TOLLGATE (default target/release/tollgate), RUNS (default 5), TG_BENCH_OUT (default
# /tmp/tg-bench), TG_BENCH_ORACLE (default /tmp/trivy-oracle-bench: Trivy work dir holding the DB below).
#
# Same advisories: Trivy gets an oracle DB built from only the sources Tollgate's DB is built from
# (alpine secdb, Debian DSA/DLA lists, the bookworm changelog OSV records, NVD), not the oracle's default
# DB, which also carries pip/Go/cargo advisories.
#
# Cold = a fresh cache dir: no layer/analysis cache. For Trivy the cache dir holds a copy of the DB
# (made before the clock starts, as scan.sh does); for Tollgate it is empty and the DB is read from
# --db. The clock covers process start, DB open, reading the image archive, analysis, matching and
# writing the JSON report. The OS page cache is not dropped: the image and DB files are usually in
# memory already, so "cold" means cold scanner caches, not a cold disk.
# Warm = the second run with the same cache dir (each tool may reuse the layer results it cached).
# Each repetition runs both tools, alternating which goes first; all runs are timed with GNU time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
RUNS=${RUNS:-5}
OUT=${TG_BENCH_OUT:-/tmp/tg-bench}
BW=${TG_BENCH_ORACLE:-/tmp/trivy-oracle-bench}
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(debian-bookworm alpine-3.8-downgrade)
bench_init

# images
re=$(IFS='|'; echo "^(${IMAGES[*]})\$")
bash "$BENCH/make-images.sh" "$re" >/dev/null 2>&1 || bash "$BENCH/make-images.sh" "$re"

# Trivy DB from the same sources as Tollgate's
if [ ! -f "$BW/cache/db/trivy.db" ]; then
  [ -x "$ORACLE_WORK/bin/trivy" ] || bash "$ORACLE/setup.sh"
  mkdir -p "$BW/bin"
  ln -sf "$ORACLE_WORK/bin/trivy" "$ORACLE_WORK/bin/boltfix" "$BW/bin/"
  log "building the matched Trivy DB in $BW"
  ORACLE_WORK=$BW bash "$BENCH/oracle-db.sh" --sources alpine,debian,debian-osv,nvd > "$OUT/trivy-db-build.log" 2>&1 ||
    { tail "$OUT/trivy-db-build.log" >&2; exit 1; }
fi
TRIVY=$BW/bin/trivy

# Tollgate DB
TDB=$OUT/tollgate-db
if [ ! -e "$TDB" ] || [ "$TOLLGATE" -nt "$TDB" ]; then
  rm -rf "$TDB"
  log "building the Tollgate DB in $TDB"
  "$TOLLGATE" db build --output "$TDB" "${TG_DB_OS_SOURCES[@]}" > "$OUT/tollgate-db-build.log" 2>&1 ||
    { tail "$OUT/tollgate-db-build.log" >&2; exit 1; }
fi

bench_compare "${IMAGES[@]}"
