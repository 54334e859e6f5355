#!/usr/bin/env bash
# Load on the admission webhook with verdicts cached, over HTTPS on loopback, as the API
# server calls it (keep-alive connections, one AdmissionReview per request):
#   1. hey at a fixed rate (default 1,000 req/s: 10 workers x 100 req/s) for 30 s;
#   2. wrk at full speed (2 threads, 16 connections) for 30 s.
# The review is a Pod running the Alpine 3.7.3 fixture pinned by digest; its scan (one
# CRITICAL) is done before the load starts, so every answer is a cached "denied".
# Needs: hey, wrk (apt-get install hey wrk), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-30s}
WORKERS=${WORKERS:-10}
RATE_PER_WORKER=${RATE_PER_WORKER:-100}
PORT=${PORT:-18443}
TARGET=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q --bin tollgate
tg="$TARGET/release/tollgate"
"$tg" db build --output "$work/db" --source alpine-secdb=testdata/advisories/alpine-secdb \
  --source nvd=testdata/server/nvd 2>/dev/null
mkdir -p "$work/images"
cp testdata/images/alpine/alpine-3.7.3.tar.gz "$work/images/alpine.tar.gz"
printf 'images:\n  - reference: registry.example/team/alpine:3.7.3\n    path: alpine.tar.gz\n' >"$work/images/images.yaml"
printf 'deadline: 3s\nseverity: {threshold: CRITICAL, mode: deny}\nunscanned: {mode: deny}\n' >"$work/policy.yaml"
"$tg" cert --out-dir "$work/certs" --san 127.0.0.1 --san localhost >/dev/null 2>&1

"$tg" server --listen "127.0.0.1:$PORT" --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
  --db "$work/db" --cache-dir "$work/cache" --image-dir "$work/images" --policy "$work/policy.yaml" \
  2>"$work/server.log" &
pid=$!
base="https://127.0.0.1:$PORT"
ca=(--cacert "$work/certs/ca.crt")
for _ in $(seq 100); do curl -fsS "${ca[@]}" "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

digest=$(curl -fsS "${ca[@]}" -o /dev/null -D - -H 'Content-Type: application/json' \
  -d '{"image":"registry.example/team/alpine:3.7.3"}' "$base/v1/scan" |
  tr -d '\r' | awk -F': ' 'tolower($1)=="x-tollgate-digest"{print $2}')
echo "scanned registry.example/team/alpine:3.7.3 -> $digest"

python3 - "$digest" >"$work/review.json" <<'PY'
import json, sys
r = json.load(open("testdata/kubernetes/admissionreview-v1-request.json"))
q = r["request"]
gvk = {"group": "", "version": "v1", "kind": "Pod"}
gvr = {"group": "", "version": "v1", "resource": "pods"}
q.update(kind=gvk, requestKind=gvk, resource=gvr, requestResource=gvr, name="web",
         namespace="prod", operation="CREATE", oldObject=None,
         options={"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"})
q.pop("subResource", None); q.pop("requestSubResource", None)
q["object"] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
               "spec": {"containers": [{"name": "web",
                                        "image": "registry.example/team/alpine@" + sys.argv[1]}]}}
json.dump(r, sys.stdout)
PY
answer=$(curl -fsS "${ca[@]}" -H 'Content-Type: application/json' --data-binary @"$work/review.json" "$base/v1/admit")
echo "verdict: $answer" | cut -c1-300
echo "$answer" | grep -q '"allowed":false' || { echo "expected a cached denial" >&2; exit 1; }

rate=$((WORKERS * RATE_PER_WORKER))
# hey sends the Host header, port included ("127.0.0.1:18443"), as the TLS server name, which
# rustls rightly refuses (ServerNameMustContainOneHostName); `-host localhost` gives it a real
# DNS name, as the API server's Service name is.
echo
echo "== hey: $rate req/s for $DURATION ($WORKERS workers x $RATE_PER_WORKER req/s), HTTPS keep-alive"
hey -z "$DURATION" -c "$WORKERS" -q "$RATE_PER_WORKER" -m POST -T application/json \
  -host localhost -D "$work/review.json" "$base/v1/admit" | sed -n '/Summary/,/Latency distribution/p;/50%/p;/90%/p;/99%/p;/Status code/,$p'

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/review.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA
echo
echo "== wrk: full speed for $DURATION (2 threads, 16 connections), HTTPS keep-alive"
wrk -t2 -c16 -d "$DURATION" --latency -s "$work/post.lua" "$base/v1/admit"

echo
echo "== server counters"
curl -fsS "${ca[@]}" "$base/metrics" | grep -E '^tollgate_(admission_verdicts_total|scans_total|cache_hits_total|admission_duration_seconds_(count|sum))'
echo "decisions logged: $(grep -c 'tollgate: admission' "$work/server.log")"
