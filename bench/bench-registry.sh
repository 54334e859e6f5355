#!/usr/bin/env bash
# Scan time of an image pulled from a local registry vs read from its docker-archive, cold and
# warm (layer cache), median of RUNS runs; and the HTTP requests of a warm re-scan, counted by
# the client (--debug) and by the registry's access log (should be manifest + config only).
#
#   bench/bench-registry.sh [IMAGE.tar]      # default $TG_IMAGES/debian-bookworm.tar
#
# Needs docker-registry and skopeo (.ci/run installs them) and a release tollgate
# (cargo build --release, or TOLLGATE=...). Output: $TG_BENCH_OUT (/tmp/tg-bench-registry)/bench.md
set -euo pipefail
source "$(dirname "$0")/lib.sh"
IMAGE=${1:-$TG_IMAGES/debian-bookworm.tar}
RUNS=${RUNS:-5}
OUT=${TG_BENCH_OUT:-/tmp/tg-bench-registry}
TOLLGATE=${TOLLGATE:-${CARGO_TARGET_DIR:-$ROOT/target}/release/tollgate}
[ -x "$TOLLGATE" ] || { echo "no tollgate binary at $TOLLGATE (cargo build --release, or set TOLLGATE)" >&2; exit 2; }
[ -f "$IMAGE" ] || { echo "no image $IMAGE (bench/make-images.sh builds it)" >&2; exit 2; }
for t in docker-registry skopeo; do
  command -v "$t" >/dev/null || { echo "$t missing: run the install line of .ci/run" >&2; exit 2; }
done
rm -rf "$OUT" && mkdir -p "$OUT"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$OUT/registry.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $OUT/registry-data
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$OUT/registry.yml" > "$OUT/registry.log" 2>&1 &
reg_pid=$!
trap 'kill "$reg_pid" 2>/dev/null; wait "$reg_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

name=$(basename "$IMAGE" .tar)
ref=127.0.0.1:$port/bench/$name:latest
s=$(date +%s.%N)
skopeo copy -q --dest-tls-verify=false "docker-archive:$IMAGE" "docker://$ref"
push_s=$(echo "$(date +%s.%N) - $s" | bc)
log "pushed $IMAGE to $ref in ${push_s}s"

# A DB from the Debian sources only: the scan, not the DB, is measured here.
"$TOLLGATE" db build --output "$OUT/db" --source debian-tracker="$ADV/debian-security-tracker-2023" \
  --source osv="$ADV/debian-bookworm-changelog-osv" 2> "$OUT/db.log"

secs() { # CMD...: wall seconds of one run
  local s e; s=$(date +%s.%N); "$@" > /dev/null 2> "$OUT/run.err" || { cat "$OUT/run.err" >&2; exit 1; }
  e=$(date +%s.%N); echo "$e - $s" | bc
}
scan() { # CACHE TARGET...
  local c=$1; shift
  "$TOLLGATE" image "$@" --db "$OUT/db" --cache-dir "$c" --format json --list-all-pkgs -q --output "$OUT/report.json"
}
# The OCI layout beside the archive (gzip layers, as in the registry) when make-images.sh made one.
OCI=${IMAGE%.tar}.oci
[ -f "$OCI/index.json" ] || OCI=
for i in $(seq "$RUNS"); do
  rm -rf "$OUT/c-archive" "$OUT/c-registry" "$OUT/c-oci"
  if [ -n "$OCI" ]; then
    secs scan "$OUT/c-oci" --input "$OCI" >> "$OUT/oci.cold"
    secs scan "$OUT/c-oci" --input "$OCI" >> "$OUT/oci.warm"
  fi
  secs scan "$OUT/c-archive" --input "$IMAGE" >> "$OUT/archive.cold"
  secs scan "$OUT/c-archive" --input "$IMAGE" >> "$OUT/archive.warm"
  secs scan "$OUT/c-registry" "$ref" >> "$OUT/registry.cold"
  secs scan "$OUT/c-registry" "$ref" >> "$OUT/registry.warm"
done

# Cold scan: each layer blob is fetched once (a hardlink pass reads the spooled copy).
"$TOLLGATE" image "$ref" --db "$OUT/db" --cache-dir "$OUT/c-cold" --format json -q --output "$OUT/report.json" --debug 2> "$OUT/debug-cold.log"
cold_count=$(awk '/registry request\(s\)/ {print $3}' "$OUT/debug-cold.log")
# Warm re-scan, counted by the client and by the registry's access log.
before=$(grep -cE '"(GET|HEAD|POST|PUT) /v2/[^ ]' "$OUT/registry.log" || true)
"$TOLLGATE" image "$ref" --db "$OUT/db" --cache-dir "$OUT/c-registry" --format json -q --output "$OUT/report.json" --debug 2> "$OUT/debug.log"
sleep 0.2
after=$(grep -cE '"(GET|HEAD|POST|PUT) /v2/[^ ]' "$OUT/registry.log" || true)
client_count=$(awk '/registry request\(s\)/ {print $3}' "$OUT/debug.log")
layers=$(grep -c 'blobs/sha256' "$OUT/debug.log" || true)

m() { median < "$OUT/$1"; }
{
  echo "| $name ($(du -h "$IMAGE" | cut -f1)) | median of $RUNS | ratio registry/archive |"
  echo "|---|---|---|"
  for k in cold warm; do
    printf '| archive %s | %.3f s | |\n' "$k" "$(m archive.$k)"
    [ -n "$OCI" ] && printf '| OCI layout (gzip layers) %s | %.3f s | |\n' "$k" "$(m oci.$k)"
    printf '| registry %s | %.3f s | %.2f |\n' "$k" "$(m registry.$k)" "$(echo "$(m registry.$k) / $(m archive.$k)" | bc -l)"
  done
  echo
  echo "skopeo push: ${push_s} s. Cold scan from the registry: $cold_count HTTP request(s) for $(grep -c . <(grep -o '"sha256:[0-9a-f]*"' <<<"$(skopeo inspect --tls-verify=false --raw "docker://$ref")")) blobs (config + layers)."
  echo "Warm re-scan from the registry: $client_count HTTP request(s) by the client's count,"
  echo "$((after - before)) by the registry's access log; $(grep -c 'registry request [0-9]' "$OUT/debug.log") logged, of them $((layers)) blob GET(s) (the config):"
  echo
  grep 'registry request [0-9]' "$OUT/debug.log" | sed 's/^/    /'
} | tee "$OUT/bench.md"
