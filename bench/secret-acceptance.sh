#!/usr/bin/env bash
# Secret-scanning acceptance (issue 6): Trivy 0.76 and Tollgate scan every sample of Trivy's secret
# test data (../shared/data/peer-tests/trivy/pkg/fanal/secret/testdata) with the default rules, and the
# samples paired with the configs there the way Trivy's scanner tests pair them; per file the
# (RuleID, StartLine) multisets are compared.
#
#   bench/secret-acceptance.sh
#
# Environment: TOLLGATE (default target/release/tollgate), TG_SECRET_OUT (default /tmp/tg-secret-acceptance).
# Each sample is copied alone into a directory and that directory is scanned (`fs DIR`), so both tools
# see the same relative path. Prints equal/differ counts and every difference; exit 1 when any differ.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOLLGATE=${TOLLGATE:-$ROOT/target/release/tollgate}
OUT=${TG_SECRET_OUT:-/tmp/tg-secret-acceptance}
DATA=$SHARED/data/peer-tests/trivy/pkg/fanal/secret/testdata
[ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }
TRIVY=$("$SHARED/tools/peer-trivy" | tail -1)
rm -rf "$OUT"; mkdir -p "$OUT/cases" "$OUT/trivy" "$OUT/tollgate" "$OUT/trivy-cache"

# NAME SAMPLE [CONFIG]: scan SAMPLE alone with both tools
run_case() {
  local name=$1 sample=$2 cfg=${3:-} dir=$OUT/cases/$1 extra=()
  mkdir -p "$dir"; cp "$DATA/$sample" "$dir/"
  [ -n "$cfg" ] && extra=(--secret-config "$DATA/$cfg")
  "$TRIVY" fs --scanners secret --format json --quiet --cache-dir "$OUT/trivy-cache" \
    "${extra[@]}" --output "$OUT/trivy/$name.json" "$dir" 2> "$OUT/trivy/$name.err" ||
    echo '{"error": true}' > "$OUT/trivy/$name.json"
  "$TOLLGATE" fs --scanners secret --format json --quiet --no-cache \
    "${extra[@]}" --output "$OUT/tollgate/$name.json" "$dir" 2> "$OUT/tollgate/$name.err" ||
    echo '{"error": true}' > "$OUT/tollgate/$name.json"
}

n=0
for f in "$DATA"/*; do
  b=$(basename "$f")
  case $b in
    # configs, except the one sample that is YAML
    *.yaml) [ "$b" = symfony-secret.yaml ] || continue ;;
  esac
  run_case "default--$b" "$b"; n=$((n+1))
done
# CONFIG:SAMPLE pairs as in Trivy's pkg/fanal/secret/scanner_test.go
for p in config:secret.txt exclude-block:secret.txt global-exclude-block:secret.txt allow-regex:secret.txt \
         global-allow-regex:secret.txt allow-regex-outside-group:secret.txt multiple-secret-groups:secret.txt \
         multi-line-on:multi-line.txt multi-line-off:multi-line.txt config-enable-ghp:builtin-rule-secret.txt \
         config-disable-ghp:builtin-rule-secret.txt config-disable-rule1:secret.txt \
         config-with-incorrect-severity:secret.txt config-with-non-uppercase-severity:secret.txt \
         config-without-severity:secret.txt config-happy-keywords:secret.txt config-sad-keywords:secret.txt \
         allow-path:secret.txt global-allow-path:secret.txt config-disable-allow-rule-md:secret.md \
         skip-test:secret.txt; do
  c=${p%%:*}; s=${p#*:}
  run_case "$c--$s" "$s" "$c.yaml"; n=$((n+1))
done
log "$n cases scanned"

python3 - "$OUT" <<'PY'
import json, os, sys
from collections import Counter
out = sys.argv[1]
def load(p):
    r = json.load(open(p))
    if r.get("error"):
        return None
    c = Counter()
    for res in r.get("Results") or []:
        if res.get("Class") != "secret":
            continue
        for s in res.get("Secrets") or []:
            c[(res["Target"], s["RuleID"], s["StartLine"], s.get("Severity"))] += 1
    return c
eq, diff = 0, []
for name in sorted(os.listdir(os.path.join(out, "trivy"))):
    if not name.endswith(".json"):
        continue
    t = load(os.path.join(out, "trivy", name))
    g = load(os.path.join(out, "tollgate", name))
    if t == g:
        eq += 1
    else:
        diff.append((name[:-5], t, g))
print(f"secret acceptance: {eq} equal, {len(diff)} differ (of {eq + len(diff)} cases)")
for name, t, g in diff:
    print(f"- {name}")
    if t is None or g is None:
        print(f"    trivy {'failed' if t is None else dict(t)}, tollgate {'failed' if g is None else dict(g)}")
        continue
    for k in sorted(set(t) | set(g)):
        if t[k] != g[k]:
            print(f"    {k[0]} {k[1]} line {k[2]} {k[3]}: trivy {t[k]}, tollgate {g[k]}")
sys.exit(1 if diff else 0)
PY
