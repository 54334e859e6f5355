#!/usr/bin/env bash
# Misconfiguration checks against Trivy 0.76 on the same inputs: `trivy config` and
# `tollgate config` on each fixture directory; per file, the check ids both fail, the ids only
# one fails, and same-id failures whose line or message differ.
#   bench/misconfig-acceptance.sh [DIR...]   (default: the fixtures in testdata/config)
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
TRIVY=${TRIVY:-$("$SHARED/tools/peer-trivy" | tail -1)}
cargo build --release -q -p tollgate-cli || exit 1
TG=${CARGO_TARGET_DIR:-target}/release/tollgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(testdata/config/own testdata/config/trivy/k8s testdata/config/trivy/dockerfile testdata/config/trivy/custom-policy)
for d in "${dirs[@]}"; do
    echo "== $d"
    "$TRIVY" config --skip-check-update --cache-dir "$work/trivy-cache" --format json \
        --output "$work/trivy.json" "$d" 2>/dev/null || { echo "trivy failed on $d"; continue; }
    "$TG" config -q -f json -o "$work/tollgate.json" "$d" || { echo "tollgate failed on $d"; continue; }
    python3 - "$work/trivy.json" "$work/tollgate.json" <<'PY'
import json, sys
def load(p):
    out = {}
    for r in json.load(open(p)).get("Results", []):
        for m in r.get("Misconfigurations") or []:
            if m.get("Status") == "FAIL":
                out.setdefault(r["Target"], set()).add(
                    (m["ID"], m["CauseMetadata"].get("StartLine", 0), m["Message"]))
    return out
t, g = load(sys.argv[1]), load(sys.argv[2])
for tgt in sorted(set(t) | set(g)):
    ti = {x[0] for x in t.get(tgt, ())}
    gi = {x[0] for x in g.get(tgt, ())}
    print(f"{tgt}: both {len(ti & gi)}, Trivy only {sorted(ti - gi)}, Tollgate only {sorted(gi - ti)}")
    for x in sorted(t.get(tgt, ())):
        if x[0] in gi and x not in g[tgt]:
            ours = sorted(y for y in g[tgt] if y[0] == x[0])
            print(f"   {x[0]}: Trivy line {x[1]} {x[2]!r}; Tollgate {[(y[1], y[2]) for y in ours]}")
PY
done
