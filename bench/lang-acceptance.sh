#!/usr/bin/env bash
# Language-package acceptance (issue 5): Tollgate and the Trivy oracle scan bookworm-app (bench/make-lang-images.sh)
# with the same advisories (OS + PyPA + Go vulndb + RustSec + NVD); bench/compare-lang.py compares the
# lang-pkgs results (packages and findings), and bench/compare.py the OS result.
#
#   bench/lang-acceptance.sh [IMAGE ...]          default: bookworm-app bookworm-app.oci (NAME.oci = the OCI layout)
#
# Environment: TOLLGATE (default target/release/tollgate), TG_IMAGES, TG_LANG_OUT (default /tmp/tg-lang-acceptance:
# DB, reports, compare logs), REBUILD_DB=1 to rebuild the Tollgate DB, FORCE_ORACLE=1 to rescan with Trivy.
# The oracle DB ($ORACLE_WORK, default /tmp/trivy-oracle) must hold the pip/go/cargo buckets: it is built by
# bench/oracle-db.sh when missing. Exit 1 when a difference other than "alias only" remains.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
OUT=${TG_LANG_OUT:-/tmp/tg-lang-acceptance}
DB=${TG_LANG_DB:-$OUT/db}
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(bookworm-app bookworm-app.oci)
mkdir -p "$OUT"
[ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }

re=$(IFS='|'; echo "^(${IMAGES[*]%.oci})\$")
bash "$BENCH/make-lang-images.sh" "$re"

# oracle DB with the language buckets (oracle-db.sh also adds RustSec, which plain build_db.sh misses)
if [ ! -f "$ORACLE_WORK/cache/db/trivy.db" ] ||
   ! python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["buckets"]; sys.exit(0 if any(k.startswith("cargo::") for k in b) else 1)' \
     "$ORACLE_WORK/fixtures/summary.json" 2>/dev/null; then
  log "building the oracle DB (with pip, go and cargo) in $ORACLE_WORK"
  bash "$BENCH/oracle-db.sh" > "$OUT/oracle-db.log" 2>&1 || { tail "$OUT/oracle-db.log" >&2; exit 1; }
fi

if [ "${REBUILD_DB:-0}" = 1 ] || [ ! -e "$DB" ] || [ "$TOLLGATE" -nt "$DB" ]; then
  rm -rf "$DB"
  log "building the Tollgate DB in $DB"
  t0=$(date +%s.%N)
  "$TOLLGATE" db build --output "$DB" "${TG_DB_LANG_SOURCES[@]}" > "$OUT/db-build.log" 2>&1 ||
    { tail -20 "$OUT/db-build.log" >&2; log "tollgate db build failed"; exit 1; }
  log "  $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s"
fi

fail=0
for img in "${IMAGES[@]}"; do
  input=$TG_IMAGES/$img.tar; stamp=$input
  case $img in *.oci) input=$TG_IMAGES/$img; stamp=$input/index.json ;; esac   # the OCI layout of the same image
  ref=$OUT/$img.trivy.json got=$OUT/$img.tollgate.json
  if [ "${FORCE_ORACLE:-0}" = 1 ] || [ ! -f "$ref" ] || [ "$stamp" -nt "$ref" ]; then
    # scan.sh may misdetect a docker-archive as a rootfs (bench/README.md, problem 3): check and retry
    for try in 1 2 3 4 5 6; do
      t0=$(date +%s.%N)
      bash "$ORACLE/scan.sh" "$input" "$ref" 2> "$OUT/$img.trivy.log" || { tail "$OUT/$img.trivy.log" >&2; exit 1; }
      kind=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("ArtifactType"))' "$ref")
      [ "$kind" = container_image ] && break
      log "  $img: scan.sh scanned the archive as a rootfs ($kind), retry $try"
    done
    [ "$kind" = container_image ] || { log "oracle never ran in image mode on $img"; exit 1; }
    log "  trivy $img: $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s"
  fi
  rm -f "$got"
  rm -rf "$OUT/cache.$img"   # a fresh layer cache: every layer is analysed
  t0=$(date +%s.%N)
  "$TOLLGATE" image --input "$input" --db "$DB" --scanners vuln --cache-dir "$OUT/cache.$img" --format json --list-all-pkgs --output "$got" \
    > "$OUT/$img.tollgate.log" 2>&1 || { tail "$OUT/$img.tollgate.log" >&2; log "tollgate scan of $img failed"; fail=1; continue; }
  log "  tollgate $img: $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s"
  echo "### $img: language packages"
  python3 "$BENCH/compare-lang.py" "$ref" "$got" --summary "$OUT/$img.lang-summary.json" > "$OUT/$img.compare-lang.txt" || fail=1
  sed -n '/^| type/,$p' "$OUT/$img.compare-lang.txt"
  echo
  echo "### $img: OS packages (compare.py)"
  for f in "$ref" "$got"; do  # the os-pkgs result only (compare-lang.py covers the rest)
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["Results"]=[r for r in d.get("Results") or [] if r.get("Class")=="os-pkgs"]; json.dump(d,open(sys.argv[2],"w"))' "$f" "${f%.json}.os.json"
  done
  if python3 "$BENCH/compare.py" "${ref%.json}.os.json" "${got%.json}.os.json" > "$OUT/$img.compare-os.txt" 2>&1; then echo "equal"; else echo "**differs** (see $OUT/$img.compare-os.txt)"; fail=1; fi
  echo
done
log "details: $OUT/NAME.compare-lang.txt and NAME.compare-os.txt"
exit $fail
