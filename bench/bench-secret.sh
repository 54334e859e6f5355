#!/usr/bin/env bash
# Secret scanning speed (issue 6): `image --scanners secret` on one image, Tollgate vs Trivy 0.76, cold
# (a fresh cache dir per run), median of RUNS runs of each, wall time and peak RSS from GNU time.
#
#   bench/bench-secret.sh [IMAGE.tar]         default: $TG_IMAGES/debian-bookworm.tar (bench/make-images.sh)
#
# Environment: TOLLGATE (default target/release/tollgate), RUNS (default 3), TG_BENCH_OUT (default
# /tmp/tg-bench-secret). Prints a markdown table and writes it to $OUT/bench.md; also prints how many
# secret findings each tool reported.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
RUNS=${RUNS:-3}
OUT=${TG_BENCH_OUT:-/tmp/tg-bench-secret}
IMAGE=${1:-$TG_IMAGES/debian-bookworm.tar}
[ -f "$IMAGE" ] || { echo "no image at $IMAGE (bench/make-images.sh builds debian-bookworm)" >&2; exit 2; }
bench_init
TRIVY=$("$SHARED/tools/peer-trivy" | tail -1)
REC=$OUT/secret
rm -f "$REC".trivy "$REC".tollgate

run_trivy_secret() {
  local c; c=$(mktemp -d "$OUT/cache-trivy.XXXXXX")
  timed "$REC.trivy" "$TRIVY" image --cache-dir "$c" --skip-db-update --skip-check-update --offline-scan \
    --scanners secret --format json -o "$OUT/trivy.json" --quiet --input "$IMAGE"
  rm -rf "$c"
}
run_tollgate_secret() {
  local c; c=$(mktemp -d "$OUT/cache-tollgate.XXXXXX")
  timed "$REC.tollgate" "$TOLLGATE" image --cache-dir "$c" --scanners secret --format json \
    --output "$OUT/tollgate.json" --quiet --input "$IMAGE"
  rm -rf "$c"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$RUNS"); do
  log "run $i/$RUNS"
  if [ $((i % 2)) = 1 ]; then run_trivy_secret; run_tollgate_secret
  else run_tollgate_secret; run_trivy_secret; fi
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

nsec() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1])).get("Results") or []
s = [x for x in r if x.get("Class") == "secret"]
n = sum(len(x.get("Secrets") or []) for x in s)
print(n, "in", len(s), "targets")' "$1"; }
ts=$(col "$REC.trivy" 1); gs=$(col "$REC.tollgate" 1)
tm=$(col "$REC.trivy" 2); gm=$(col "$REC.tollgate" 2)
{
  echo "Secret scan of $(basename "$IMAGE"), cold, median of $RUNS runs, $(nproc) CPUs, load average $load0 before / $load1 after, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "| tool | wall s | peak RSS MB | secrets |"
  echo "|---|---|---|---|"
  echo "| trivy $("$TRIVY" --version 2>/dev/null | head -1 | sed 's/Version: //') | $ts | $(mb "$tm") | $(nsec "$OUT/trivy.json") |"
  echo "| tollgate | $gs | $(mb "$gm") | $(nsec "$OUT/tollgate.json") |"
  echo "| ratio tollgate/trivy | $(ratio "$gs" "$ts") | $(ratio "$gm" "$tm") | |"
} | tee "$OUT/bench.md"
rm -f "$OUT/.time" "$OUT/.run.log"
