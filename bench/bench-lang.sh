#!/usr/bin/env bash
# Tollgate vs Trivy on the language-package images: wall time and peak RSS, cold and warm, median of $RUNS runs.
#
#   bench/bench-lang.sh [IMAGE_NAME ...]       default: bookworm-big bookworm-big-lang (from make-lang-images.sh)
#
# Environment: TOLLGATE (default target/release/tollgate), RUNS (default 5), TG_BENCH_OUT (default
# /tmp/tg-bench-lang), TG_LANG_DB (default /tmp/tg-lang-acceptance/db, built here when missing).
#
# Same advisories on both sides: OS (alpine secdb, Debian DSA/DLA lists, bookworm changelog OSV), PyPA, Go vulndb,
# RustSec and NVD. Trivy uses the full oracle DB ($ORACLE_WORK, built by oracle-db.sh when missing), Tollgate a DB
# built from the same files. Cold/warm and the timing are as in bench.sh (see its header).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
RUNS=${RUNS:-5}
OUT=${TG_BENCH_OUT:-/tmp/tg-bench-lang}
BW=$ORACLE_WORK
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(bookworm-big bookworm-big-lang)
bench_init

# images
re=$(IFS='|'; echo "^(${IMAGES[*]})\$")
bash "$BENCH/make-lang-images.sh" "$re" >/dev/null 2>&1 || bash "$BENCH/make-lang-images.sh" "$re"

# Trivy: the full oracle DB (with pip, go and cargo)
if [ ! -f "$BW/cache/db/trivy.db" ]; then
  log "building the oracle DB in $BW"
  bash "$BENCH/oracle-db.sh" > "$OUT/trivy-db-build.log" 2>&1 || { tail "$OUT/trivy-db-build.log" >&2; exit 1; }
fi
TRIVY=$BW/bin/trivy

# Tollgate DB from the same advisory files
TDB=${TG_LANG_DB:-/tmp/tg-lang-acceptance/db}
if [ ! -e "$TDB" ]; then
  log "building the Tollgate DB in $TDB"
  mkdir -p "$(dirname "$TDB")"
  "$TOLLGATE" db build --output "$TDB" "${TG_DB_LANG_SOURCES[@]}" > "$OUT/tollgate-db-build.log" 2>&1 ||
    { tail "$OUT/tollgate-db-build.log" >&2; exit 1; }
fi

bench_compare "${IMAGES[@]}"
