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
ADV=$SHARED/data/advisories
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(bookworm-big bookworm-big-lang)
[ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }
if ! /usr/bin/time -f '%e %M' true 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
mkdir -p "$OUT"
log() { printf '%s\n' "$*" >&2; }

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
  "$TOLLGATE" db build --output "$TDB" \
    --source alpine-secdb="$ADV/alpine-secdb-legacy" \
    --source debian-tracker="$ADV/debian-security-tracker-2023" \
    --source osv="$ADV/debian-bookworm-changelog-osv" \
    --source osv="$ADV/pypa-advisory-database/vulns" \
    --source osv="$ADV/golang-vulndb/data/osv" \
    --source osv="$ADV/rustsec-osv/crates" \
    --source nvd="$ADV/nvd-json-1.1-feeds" > "$OUT/tollgate-db-build.log" 2>&1 ||
    { tail "$OUT/tollgate-db-build.log" >&2; exit 1; }
fi

# timed OUTFILE CMD...: append "seconds kB" to OUTFILE
timed() {
  local rec=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/.time" "$@" > "$OUT/.run.log" 2>&1 ||
    { cat "$OUT/.run.log" >&2; log "failed: $*"; exit 1; }
  cat "$OUT/.time" >> "$rec"
}

run_trivy() { # IMAGE REPORT
  local c; c=$(mktemp -d "$OUT/cache-trivy.XXXXXX")
  mkdir -p "$c/db" && cp "$BW/cache/db/trivy.db" "$BW/cache/db/metadata.json" "$c/db/" && cp -r "$BW/cache/java-db" "$c/java-db"
  local args=(image --cache-dir "$c" --skip-db-update --skip-java-db-update --skip-check-update --offline-scan
              --scanners vuln --list-all-pkgs --format json -o "$2" --quiet --input "$1")
  timed "$REC.trivy.cold" "$TRIVY" "${args[@]}"
  timed "$REC.trivy.warm" "$TRIVY" "${args[@]}"
  rm -rf "$c"
}

run_tollgate() { # IMAGE REPORT
  local c; c=$(mktemp -d "$OUT/cache-tollgate.XXXXXX")
  local args=(image --input "$1" --db "$TDB" --cache-dir "$c" --format json --list-all-pkgs --output "$2")
  timed "$REC.tollgate.cold" "$TOLLGATE" "${args[@]}"
  timed "$REC.tollgate.warm" "$TOLLGATE" "${args[@]}"
  rm -rf "$c"
}

counts() { python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])).get("Results") or []
print(sum(len(x.get("Packages") or []) for x in r), sum(len(x.get("Vulnerabilities") or []) for x in r), sep="/")
PY
}

col() { cut -d' ' -f"$2" "$1" | median; }
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('NA' if 'NA' in (a,b) or float(b)==0 else f'{float(a)/float(b):.2f}')" "$1" "$2"; }
mb() { python3 -c "import sys; print('NA' if sys.argv[1]=='NA' else f'{float(sys.argv[1])/1024:.1f}')" "$1"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for img in "${IMAGES[@]}"; do
  input=$TG_IMAGES/$img.tar
  REC=$OUT/$img
  rm -f "$REC".*.cold "$REC".*.warm
  for i in $(seq "$RUNS"); do
    log "$img run $i/$RUNS"
    if [ $((i % 2)) = 1 ]; then
      run_trivy "$input" "$REC.trivy.json"; run_tollgate "$input" "$REC.tollgate.json"
    else
      run_tollgate "$input" "$REC.tollgate.json"; run_trivy "$input" "$REC.trivy.json"
    fi
  done
  ct=$(counts "$REC.trivy.json"); cg=$(counts "$REC.tollgate.json")
  for mode in cold warm; do
    ts=$(col "$REC.trivy.$mode" 1); gs=$(col "$REC.tollgate.$mode" 1)
    tm=$(col "$REC.trivy.$mode" 2); gm=$(col "$REC.tollgate.$mode" 2)
    rows+=("| $img | $mode | $ts | $gs | $(ratio "$gs" "$ts") | $(mb "$tm") | $(mb "$gm") | $(ratio "$gm" "$tm") | $ct | $cg |")
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Tollgate vs Trivy $("$TRIVY" --version 2>/dev/null | head -1 | sed 's/Version: //'), median of $RUNS runs, $(nproc) CPUs, load average $load0 before / $load1 after, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "| image | cache | trivy s | tollgate s | time ratio | trivy MB | tollgate MB | RSS ratio | trivy pkgs/findings | tollgate pkgs/findings |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Ratios are tollgate/trivy (below 1: Tollgate is faster / smaller). Wall time and peak RSS from GNU time (%e, %M)."
} | tee "$OUT/bench.md"
rm -f "$OUT/.time" "$OUT/.run.log"
