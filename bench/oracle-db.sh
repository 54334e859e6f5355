#!/usr/bin/env bash
# Build the Trivy oracle DB ($ORACLE_WORK/cache/db/trivy.db) from ../shared/data/advisories.
#
#   bench/oracle-db.sh [extra to_fixtures.py args, e.g. --sources alpine,debian,debian-osv,nvd]
#
# Why not plain build_db.sh: to_fixtures.py reads RustSec from rustsec-advisory-db/osv-branch/crates,
# but the shared data holds it at rustsec-osv/crates, so a plain build has no cargo bucket (and loses
# the RustSec CVSS that some CVEs take their generic severity from, e.g. CVE-2021-3711). We pass a
# --data folder of symlinks that adds the expected path. With it the build gives the counts the oracle
# README lists (16,512 referenced ids, 15,964 vulnerability records, cargo 1186).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
A=${TG_ADVISORY_LINKS:-/tmp/tg-advisories}
rm -rf "$A"
mkdir -p "$A/rustsec-advisory-db/osv-branch"
for d in "$SHARED"/data/advisories/*; do ln -s "$d" "$A/"; done
ln -s "$SHARED/data/advisories/rustsec-osv/crates" "$A/rustsec-advisory-db/osv-branch/crates"
[ -x "$ORACLE_WORK/bin/trivy" ] && [ -x "$ORACLE_WORK/bin/boltfix" ] || bash "$ORACLE/setup.sh"
bash "$ORACLE/build_db.sh" --data "$A" "$@"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: d[k] for k in ("referenced_ids","vulnerability_records","severity_known")}, d["buckets"])' \
  "$ORACLE_WORK/fixtures/summary.json"
