#!/usr/bin/env bash
# Acceptance: Tollgate and the Trivy oracle scan the same images (bench/lib.sh: tg_targets) with the same
# advisories; bench/compare.py must find the same findings, packages and layers for every image.
#
#   bench/acceptance.sh [NAME_REGEX]
#
# Environment: TOLLGATE (default target/release/tollgate), TG_IMAGES, TG_ORACLE_OUT, TG_ACCEPT_OUT
# (default /tmp/tg-acceptance: DB, reports, compare logs), REBUILD_DB=1 to rebuild the Tollgate DB.
# Builds missing images (make-images.sh) and oracle reports (oracle-scan.sh) first.
# Prints a markdown table; exits 1 if any image differs or a scan fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ONLY=${1:-.}
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
OUT=${TG_ACCEPT_OUT:-/tmp/tg-acceptance}
DB=${TG_DB:-$OUT/db}
mkdir -p "$OUT"
[ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }

bash "$BENCH/make-images.sh" >&2
bash "$BENCH/oracle-scan.sh" "$ONLY" >/dev/null

if [ "${REBUILD_DB:-0}" = 1 ] || [ ! -e "$DB" ] || [ "$TOLLGATE" -nt "$DB" ]; then
  rm -rf "$DB"
  echo "building the Tollgate DB in $DB" >&2
  t0=$(date +%s.%N)
  "$TOLLGATE" db build --output "$DB" "${TG_DB_OS_SOURCES[@]}" > "$OUT/db-build.log" 2>&1 ||
    { tail -20 "$OUT/db-build.log" >&2; echo "tollgate db build failed" >&2; exit 1; }
  echo "  $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s" >&2
fi

counts() { # REPORT -> "pkgs/findings"
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])).get("Results") or []
print(sum(len(x.get("Packages") or []) for x in r), sum(len(x.get("Vulnerabilities") or []) for x in r), sep="/")
PY
}

fail=0
rows=()
while IFS=$'\t' read -r name input; do
  [[ $name =~ $ONLY ]] || continue
  ref=$TG_ORACLE_OUT/$name.json
  got=$OUT/$name.json
  rm -f "$got"
  # same --input string as the oracle got, so the Target strings can match too
  if ! "$TOLLGATE" image --input "$input" --db "$DB" --scanners vuln --format json --list-all-pkgs --output "$got" \
       > "$OUT/$name.scan.log" 2>&1 || [ ! -s "$got" ]; then
    rows+=("| $name | $(counts "$ref") | scan failed (see $OUT/$name.scan.log) | no |")
    fail=1; continue
  fi
  if python3 "$BENCH/compare.py" "$ref" "$got" > "$OUT/$name.compare.txt" 2>&1; then eq=yes; else eq="**no**"; fail=1; fi
  notes=$(grep -c '\[note\]' "$OUT/$name.compare.txt" || true)
  [ "$notes" = 0 ] || eq="$eq ($notes notes)"
  rows+=("| $name | $(counts "$ref") | $(counts "$got") | $eq |")
done < <(tg_targets)

{
  echo "| image | trivy pkgs/findings | tollgate pkgs/findings | equal? |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/acceptance.md"
echo >&2
echo "details: $OUT/NAME.compare.txt (differences first, then notes: Target, severity, source package, Layer.Digest)" >&2
exit $fail
