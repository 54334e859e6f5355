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
