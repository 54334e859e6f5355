# Shared by the bench scripts (source it). Paths are overridable through the environment.
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
SHARED=${TG_SHARED:-$(cd "$ROOT/../shared" && pwd)}
TG_IMAGES=${TG_IMAGES:-/tmp/tg-images}
TG_ORACLE_OUT=${TG_ORACLE_OUT:-/tmp/tg-oracle}
export ORACLE_WORK=${ORACLE_WORK:-/tmp/trivy-oracle}
ORACLE=$SHARED/tools/trivy-oracle
TRIVY_FIXTURES=$SHARED/data/peer-tests/trivy/pkg/fanal/test/testdata

# tg_targets: the comparison set, one "NAME<TAB>INPUT" per line. INPUT is a docker-archive (.tar / .tar.gz)
# or an OCI layout directory. Images that make-images.sh has not built are skipped with a note on stderr.
tg_targets() {
  local n
  for n in alpine-3.6 alpine-3.7 alpine-3.8 alpine-3.9 alpine-3.10 alpine-3.11 \
           alpine-3.8-downgrade alpine-3.8-whiteout alpine-3.10-opaque alpine-3.8-addpkg \
           debian-bookworm debian-bullseye debian-bullseye-downgrade; do
    if [ -f "$TG_IMAGES/$n.tar" ]; then printf '%s\t%s\n' "$n" "$TG_IMAGES/$n.tar"
    else echo "skip $n: $TG_IMAGES/$n.tar missing (run bench/make-images.sh)" >&2; fi
  done
  # the same images as OCI layouts (gzip layers: here Trivy's Layer objects also carry a Digest)
  for n in alpine-3.8-downgrade alpine-3.10-opaque debian-bullseye-downgrade; do
    [ -f "$TG_IMAGES/$n.oci/index.json" ] && printf '%s\t%s\n' "$n.oci" "$TG_IMAGES/$n.oci"
  done
  # docker-save archives from Trivy's own test data (gzip-compressed tar, real `docker save` output)
  for n in alpine-310 alpine-311; do
    [ -f "$TRIVY_FIXTURES/$n.tar.gz" ] && printf '%s\t%s\n' "trivy-fixture-$n" "$TRIVY_FIXTURES/$n.tar.gz"
  done
  return 0
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

log() { printf '%s\n' "$*" >&2; }

# `tollgate db build` --source arguments. OS: alpine secdb, Debian DSA/DLA lists, the bookworm changelog OSV
# records, NVD (the sources of the matched Trivy DB, oracle-db.sh --sources alpine,debian,debian-osv,nvd).
# LANG: the same plus PyPA, Go vulndb and RustSec (the full oracle DB).
ADV=$SHARED/data/advisories
tg_os_sources=(--source alpine-secdb="$ADV/alpine-secdb-legacy"
               --source debian-tracker="$ADV/debian-security-tracker-2023"
               --source osv="$ADV/debian-bookworm-changelog-osv")
tg_lang_sources=(--source osv="$ADV/pypa-advisory-database/vulns"
                 --source osv="$ADV/golang-vulndb/data/osv"
                 --source osv="$ADV/rustsec-osv/crates")
tg_nvd_source=(--source nvd="$ADV/nvd-json-1.1-feeds")
TG_DB_OS_SOURCES=("${tg_os_sources[@]}" "${tg_nvd_source[@]}")
TG_DB_LANG_SOURCES=("${tg_os_sources[@]}" "${tg_lang_sources[@]}" "${tg_nvd_source[@]}")
unset tg_os_sources tg_lang_sources tg_nvd_source

# ---- bench.sh / bench-lang.sh: Tollgate vs Trivy, wall time and peak RSS, cold and warm ----
# The caller sets TOLLGATE, RUNS, OUT (results), BW (Trivy work dir: cache/db, cache/java-db), and before
# bench_compare also TRIVY and TDB (the Tollgate DB).

# bench_init: the tollgate binary exists, GNU time is installed, $OUT exists
bench_init() {
  [ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }
  if ! /usr/bin/time -f '%e %M' true 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  fi
  mkdir -p "$OUT"
}

# timed OUTFILE CMD...: append "seconds kB" to OUTFILE
timed() {
  local rec=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/.time" "$@" > "$OUT/.run.log" 2>&1 ||
    { cat "$OUT/.run.log" >&2; log "failed: $*"; exit 1; }
  cat "$OUT/.time" >> "$rec"
}

run_trivy() { # IMAGE REPORT: a cold and a warm run, records in $REC.trivy.{cold,warm}
  local c; c=$(mktemp -d "$OUT/cache-trivy.XXXXXX")
  mkdir -p "$c/db" && cp "$BW/cache/db/trivy.db" "$BW/cache/db/metadata.json" "$c/db/" && cp -r "$BW/cache/java-db" "$c/java-db"
  local args=(image --cache-dir "$c" --skip-db-update --skip-java-db-update --skip-check-update --offline-scan
              --scanners vuln --list-all-pkgs --format json -o "$2" --quiet --input "$1")
  timed "$REC.trivy.cold" "$TRIVY" "${args[@]}"
  timed "$REC.trivy.warm" "$TRIVY" "${args[@]}"
  rm -rf "$c"
}

run_tollgate() { # IMAGE REPORT: a cold and a warm run, records in $REC.tollgate.{cold,warm}
  local c; c=$(mktemp -d "$OUT/cache-tollgate.XXXXXX")
  local args=(image --input "$1" --db "$TDB" --scanners vuln --cache-dir "$c" --format json --list-all-pkgs --output "$2")
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

# bench_compare IMAGE...: $RUNS repetitions per image ($TG_IMAGES/IMAGE.tar), each running both tools cold and
# warm and alternating which goes first; prints the markdown table of the medians and writes it to $OUT/bench.md
bench_compare() {
  local load0 load1 rows=() img input REC i mode ct cg ts gs tm gm
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  for img in "$@"; do
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
}

# ---- make-images.sh / make-lang-images.sh: incremental image builds into $OUT (with FORCE, ONLY) ----

# up_to_date NAME RECIPE [BASE]: outputs exist, were built from RECIPE, and are newer than BASE's
up_to_date() {
  local name=$1 recipe=$2 base=${3:-}
  [ "$FORCE" = 1 ] && return 1
  [ -f "$OUT/$name.done" ] && [ -f "$OUT/$name.tar" ] && [ -f "$OUT/$name.oci/index.json" ] || return 1
  [ "$(cat "$OUT/$name.done")" = "$recipe" ] || return 1
  [ -z "$base" ] || [ "$OUT/$name.done" -nt "$OUT/$base.done" ] || return 1
}

# record NAME SECONDS: keep one line per image in times.tsv
record() {
  { grep -v "^$1	" "$OUT/times.tsv" || true; printf '%s\t%s\n' "$1" "$2"; } > "$OUT/times.tsv.new"
  sort -o "$OUT/times.tsv" "$OUT/times.tsv.new" && rm -f "$OUT/times.tsv.new"
}

# build NAME RECIPE BASE FUNCTION ARGS...: run FUNCTION unless up to date, time it, stamp it
build() {
  local name=$1 recipe=$2 base=$3; shift 3
  [[ $name =~ $ONLY ]] || return 0
  if up_to_date "$name" "$recipe" "$base"; then log "= $name (up to date)"; return 0; fi
  log "+ $name"
  rm -f "$OUT/$name.done"
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  [ -f "$OUT/$name.tar" ] && [ -f "$OUT/$name.oci/index.json" ] || { log "no output for $name"; exit 1; }
  printf '%s' "$recipe" > "$OUT/$name.done"
  record "$name" "$(python3 -c "print(round($t1-$t0,1))")"
  log "  $name: $(du -sh "$OUT/$name.tar" | cut -f1) tar, $(python3 -c "print(round($t1-$t0,1))") s"
}
