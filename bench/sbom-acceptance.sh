#!/usr/bin/env bash
# SBOM acceptance (issue 7): Trivy writes a CycloneDX (and an SPDX JSON) SBOM of an image; `tollgate sbom` on
# that SBOM must list the same packages as `tollgate image --list-all-pkgs` on the image itself (and, with the
# same DB, find the same vulnerabilities). Language packages count as equal only in the same target and type.
# Per image and SBOM format it prints packages equal / only in the
# image scan / only in the SBOM scan, per class (os-pkgs, lang-pkgs), and the same for findings.
#
#   bench/sbom-acceptance.sh [IMAGE ...]      default: debian-bookworm bookworm-app alpine-3.10 ($TG_IMAGES/NAME.tar)
#
# Environment: TOLLGATE (default target/release/tollgate), TG_IMAGES, TG_SBOM_OUT (default /tmp/tg-sbom-acceptance),
# REBUILD_DB=1 to rebuild the Tollgate DB (OS + PyPA + Go + RustSec + NVD sources of lib.sh). Exit 1 on a difference.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
OUT=${TG_SBOM_OUT:-/tmp/tg-sbom-acceptance}
DB=${TG_SBOM_DB:-$OUT/db}
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(debian-bookworm bookworm-app alpine-3.10)
mkdir -p "$OUT"
[ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }
TRIVY=$("$SHARED/tools/peer-trivy" | tail -1)

if [ "${REBUILD_DB:-0}" = 1 ] || [ ! -e "$DB" ]; then
  rm -rf "$DB"
  log "building the Tollgate DB in $DB"
  "$TOLLGATE" db build --output "$DB" "${TG_DB_LANG_SOURCES[@]}" > "$OUT/db-build.log" 2>&1 ||
    { tail -20 "$OUT/db-build.log" >&2; log "tollgate db build failed"; exit 1; }
fi

# Images with .jar files need a Java DB even for an SBOM: the empty one the oracle's build_db.sh makes.
mkdir -p "$OUT/trivy-cache"
if [ ! -f "$OUT/trivy-cache/java-db/trivy-java.db" ]; then
  [ -f "$ORACLE_WORK/cache/java-db/trivy-java.db" ] || bash "$BENCH/oracle-db.sh" > "$OUT/oracle-db.log" 2>&1 ||
    { tail "$OUT/oracle-db.log" >&2; exit 1; }
  cp -r "$ORACLE_WORK/cache/java-db" "$OUT/trivy-cache/java-db"
fi

fail=0
echo "| image | SBOM by | class | packages equal | only image scan | only SBOM scan | findings equal | only image | only SBOM |"
echo "|---|---|---|---|---|---|---|---|---|"
for img in "${IMAGES[@]}"; do
  input=$TG_IMAGES/$img.tar
  [ -f "$input" ] || { log "skip $img: $input missing (bench/make-images.sh, bench/make-lang-images.sh)"; continue; }
  direct=$OUT/$img.image.json
  "$TOLLGATE" image --input "$input" --db "$DB" --no-cache -q --format json --list-all-pkgs --output "$direct"
  for fmt in cyclonedx spdx-json; do
    sbom=$OUT/$img.trivy.$fmt.json
    # Trivy writes the SBOM only (no vulnerability scan, so no DB is needed).
    "$TRIVY" image --input "$input" --format "$fmt" --cache-dir "$OUT/trivy-cache" --skip-db-update --skip-java-db-update \
      --skip-check-update --offline-scan \
      -q -o "$sbom"
    got=$OUT/$img.sbom.$fmt.json
    "$TOLLGATE" sbom "$sbom" --db "$DB" -q --format json --list-all-pkgs --output "$got"
    python3 - "$img" "trivy $fmt" "$direct" "$got" "$OUT/$img.$fmt.diff" <<'PY' || fail=1
import json, sys
img, by, a, b, diff = sys.argv[1:]
def load(p):
    pk, fi = {}, {}
    for r in json.load(open(p)).get("Results", []):
        c = r["Class"]
        # language packages must also land in the same target (file or language) and type
        where = (r["Target"], r["Type"]) if c == "lang-pkgs" else ()
        for x in r.get("Packages", []):
            v = x["Version"] + ("-" + x["Release"] if x.get("Release") else "")
            if x.get("Epoch"): v = f'{x["Epoch"]}:{v}'
            pk.setdefault(c, set()).add(where + (x["Name"], v))
        for x in r.get("Vulnerabilities", []):
            fi.setdefault(c, set()).add((x["VulnerabilityID"], x["PkgName"], x["InstalledVersion"]))
    return pk, fi
(pa, fa), (pb, fb) = load(a), load(b)
bad = False
with open(diff, "w") as d:
    for c in sorted(set(pa) | set(pb)):
        x, y = pa.get(c, set()), pb.get(c, set())
        f, g = fa.get(c, set()), fb.get(c, set())
        print(f"| {img} | {by} | {c} | {len(x & y)} | {len(x - y)} | {len(y - x)} | {len(f & g)} | {len(f - g)} | {len(g - f)} |")
        for t, s in (("only image scan", x - y), ("only SBOM scan", y - x), ("finding only image", f - g), ("finding only SBOM", g - f)):
            for e in sorted(s):
                d.write(f"{c}\t{t}\t{e}\n")
        bad |= bool(x ^ y or f ^ g)
sys.exit(1 if bad else 0)
PY
  done
done
# Tollgate's own CycloneDX beside Trivy's (information, not a gate): the same components (bom-ref = PURL) and
# how many dependency-graph entries (component -> what it depends on) agree; graph differences come from the
# analyzers' DependsOn (dpkg Pre-Depends, Go/Rust binaries), not from the writer.
echo
echo "| image | library bom-refs equal | only Tollgate | only Trivy | graph entries equal / Tollgate / Trivy |"
echo "|---|---|---|---|---|"
for img in "${IMAGES[@]}"; do
  [ -f "$OUT/$img.trivy.cyclonedx.json" ] || continue
  ours=$OUT/$img.tollgate.cyclonedx.json
  "$TOLLGATE" image --input "$TG_IMAGES/$img.tar" --db "$DB" --no-cache -q --format cyclonedx --output "$ours"
  python3 - "$img" "$ours" "$OUT/$img.trivy.cyclonedx.json" <<'PY'
import json, sys
img, a, b = sys.argv[1:]
d, t = json.load(open(a)), json.load(open(b))
A = {c["bom-ref"] for c in d["components"] if c["type"] == "library"}
B = {c["bom-ref"] for c in t["components"] if c["type"] == "library"}
def graph(x):
    name = {c["bom-ref"]: c.get("purl", c["type"] + ":" + c["name"]) for c in x["components"]}
    name[x["metadata"]["component"]["bom-ref"]] = "root"
    return {(name[e["ref"]], tuple(sorted(name[r] for r in e["dependsOn"]))) for e in x["dependencies"]}
ga, gb = graph(d), graph(t)
print(f"| {img} | {len(A & B)} | {len(A - B)} | {len(B - A)} | {len(ga & gb)} / {len(ga)} / {len(gb)} |")
PY
done
[ $fail = 0 ] || log "differences: see $OUT/*.diff"
exit $fail
