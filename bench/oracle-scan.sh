#!/usr/bin/env bash
# Scan every comparison image (bench/lib.sh: tg_targets) with the Trivy oracle
# (../shared/tools/trivy-oracle: Trivy 0.76 + a DB built from ../shared/data/advisories).
#
#   bench/oracle-scan.sh [NAME_REGEX]       writes $TG_ORACLE_OUT/NAME.json (default /tmp/tg-oracle)
#
# Sets the oracle up first if $ORACLE_WORK (default /tmp/trivy-oracle) has no DB. A report is redone only
# when it is older than its input or FORCE=1. Prints one line per target and writes summary.tsv:
# name, seconds, OS, packages, findings, targets.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ONLY=${1:-.}
mkdir -p "$TG_ORACLE_OUT"

if [ ! -f "$ORACLE_WORK/cache/db/trivy.db" ]; then
  bash "$ORACLE/setup.sh"
  bash "$BENCH/oracle-db.sh"
fi

summary() { # REPORT.json -> "OS<TAB>pkgs<TAB>findings<TAB>targets"
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
os_ = d.get("Metadata", {}).get("OS") or {}
res = d.get("Results") or []
pk = sum(len(r.get("Packages") or []) for r in res)
fi = sum(len(r.get("Vulnerabilities") or []) for r in res)
print(f"{os_.get('Family', '-')} {os_.get('Name', '')}".strip(), pk, fi,
      "; ".join(r.get("Target", "") for r in res) or "(no results)", sep="\t")
PY
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf 'name\tseconds\tos\tpkgs\tfindings\ttargets\n' > "$tmp"
while IFS=$'\t' read -r name input; do
  [[ $name =~ $ONLY ]] || continue
  out=$TG_ORACLE_OUT/$name.json
  stamp=$input; [ -d "$input" ] && stamp=$input/index.json
  if [ "${FORCE:-0}" != 1 ] && [ -f "$out" ] && [ "$out" -nt "$stamp" ] && [ -f "$out.seconds" ]; then
    secs=$(cat "$out.seconds")
  else
    # scan.sh decides "image or rootfs tarball" with `tar -t | grep -q` under pipefail: when grep exits first,
    # tar dies of SIGPIPE and the archive is scanned as a rootfs (an empty "filesystem" report, exit 0).
    # Every input here is an image, so check the ArtifactType and retry.
    for try in 1 2 3 4 5 6; do
      t0=$(date +%s.%N)
      bash "$ORACLE/scan.sh" "$input" "$out" 2> "$TG_ORACLE_OUT/$name.log" ||
        { cat "$TG_ORACLE_OUT/$name.log" >&2; echo "oracle scan failed: $name" >&2; exit 1; }
      t1=$(date +%s.%N)
      kind=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("ArtifactType"))' "$out")
      [ "$kind" = container_image ] && break
      echo "  $name: scan.sh misdetected the image as a rootfs ($kind), retry $try" >&2
    done
    [ "$kind" = container_image ] || { echo "oracle scan of $name never ran in image mode" >&2; exit 1; }
    secs=$(python3 -c "print(round($t1-$t0,2))")
    echo "$secs" > "$out.seconds"
  fi
  line=$(summary "$out")
  printf '%s\t%s\t%s\n' "$name" "$secs" "$line" >> "$tmp"
  printf '%-32s %6ss  %s\n' "$name" "$secs" "$(cut -f1-3 <<<"$line" | tr '\t' ' ')" >&2
done < <(tg_targets)
if [ "$ONLY" = . ]; then cp "$tmp" "$TG_ORACLE_OUT/summary.tsv"; fi
column -t -s $'\t' "$tmp"
