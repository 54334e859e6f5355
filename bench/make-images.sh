#!/usr/bin/env bash
# Build the images that Tollgate and Trivy are compared on (bench/README.md lists them and why).
#
#   bench/make-images.sh [NAME_REGEX]     build what is missing (or stale) into $TG_IMAGES (default /tmp/tg-images)
#   FORCE=1 bench/make-images.sh          rebuild everything
#
# Every image is written as NAME.oci/ (OCI layout, tag "latest") and NAME.tar (docker-archive), by
# ../shared/tools/make-image. An image is rebuilt only when its recipe or its base image changed
# (NAME.done holds the recipe). Per-image build times go to $TG_IMAGES/times.tsv.
# Needs root (debootstrap, umoci); the Debian images need the Debian archive.
set -euo pipefail
. "$(dirname "$0")/lib.sh"   # BENCH, SHARED; log, and build (with up_to_date, record) over OUT, ONLY, FORCE
MI=$SHARED/tools/make-image
ROOTFS=$SHARED/data/images/alpine-rootfs
OUT=${TG_IMAGES:-/tmp/tg-images}
ONLY=${1:-.}
FORCE=${FORCE:-0}
EDIT="python3 $BENCH/pkgdb_edit.py"
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
touch "$OUT/times.tsv"

# make-image with a private TMPDIR: `make-image debian` (without --include) exits 32 from its EXIT trap
# (`umount proc` fails under set -e) and leaves its temp rootfs behind; accept that once the outputs exist.
mi() {
  local tmp rc=0 out=${*: -1}
  tmp=$(mktemp -d "$WORK/mi.XXXXXX")
  [ "$1" = layer ] && out=$4
  TMPDIR=$tmp bash "$MI" "$@" > "$tmp.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 32 ] && [ -f "$out.tar" ] && [ -f "$out.oci/index.json" ]; then
      log "  (make-image exited 32 from its cleanup trap; outputs are complete)"
    else
      tail -20 "$tmp.log" >&2; log "make-image $* failed ($rc)"; exit 1
    fi
  fi
  rm -rf "$tmp"
}

# like `make-image layer`, with extra umoci insert flags (--whiteout / --opaque)
umoci_layer() { # BASE OUT UMOCI_INSERT_ARGS...
  local base=$1 out=$2; shift 2
  rm -rf "$out.oci" "$out.tar"
  skopeo copy -q "oci:$base.oci:latest" "oci:$out.oci:latest"
  umoci insert --image "$out.oci:latest" "$@"
  skopeo copy -q "oci:$out.oci:latest" "docker-archive:$out.tar:$(basename "$out"):latest"
}

# ---------------------------------------------------------------- Alpine 3.6 .. 3.11 (one layer each)
for v in 3.6 3.7 3.8 3.9 3.10 3.11; do
  tgz=$(ls "$ROOTFS"/alpine-minirootfs-$v.*-x86_64.tar.gz)
  build "alpine-$v" "alpine $(basename "$tgz")" "" mi alpine "$tgz" "$OUT/alpine-$v"
done

# image_file ARCHIVE.tar PATH: the content of PATH in the top-most layer of a docker-archive that has it
image_file() {
  python3 - "$@" <<'PY'
import json, sys, tarfile
arc, want = sys.argv[1], sys.argv[2]
with tarfile.open(arc) as t:
    layers = json.load(t.extractfile("manifest.json"))[0]["Layers"]
    data = None
    for l in layers:
        with tarfile.open(fileobj=t.extractfile(l)) as lt:
            for m in lt:
                if m.isfile() and m.name.lstrip("./") == want:
                    data = lt.extractfile(m).read()
    if data is None:
        sys.exit(f"{want} not in {arc}")
    sys.stdout.buffer.write(data)
PY
}

# the base's lib/apk/db/installed, straight from its rootfs tarball
apk_db() { tar -xzOf "$(ls "$ROOTFS"/alpine-minirootfs-$1.*-x86_64.tar.gz)" ./lib/apk/db/installed; }

# (a) upper layer rewrites the apk DB with older musl and busybox: the two downgraded packages come from
#     layer 2, the other 11 stay in layer 1 (same name+version as there); secdb 3.8 has fixes above both.
A_OPS="set musl=1.1.19-r10 set busybox=1.27.2-r3"
a_downgrade() {
  local d=$WORK/a; mkdir -p "$d/lib/apk/db"
  apk_db 3.8 > "$WORK/a.in"
  $EDIT apk "$WORK/a.in" "$d/lib/apk/db/installed" $A_OPS
  mi layer "$OUT/alpine-3.8.oci:latest" "$d" "$OUT/alpine-3.8-downgrade"
}
build alpine-3.8-downgrade "layer apk $A_OPS" alpine-3.8 a_downgrade

# (b) upper layer deletes the apk DB with a whiteout entry (lib/apk/db/.wh.installed): no packages remain,
#     the OS (etc/alpine-release) is still there.
b_whiteout() { umoci_layer "$OUT/alpine-3.8" "$OUT/alpine-3.8-whiteout" --whiteout /lib/apk/db/installed; }
build alpine-3.8-whiteout "umoci --whiteout /lib/apk/db/installed" alpine-3.8 b_whiteout

# (c) opaque lib/apk/db (lib/apk/db/.wh..wh..opq) whose new `installed` keeps 9 of the 14 packages,
#     musl and musl-utils downgraded below the 3.10 secdb fix 1.1.22-r3. The 7 unchanged packages keep
#     layer 1 as their origin although the file they are read from is in layer 2.
C_KEEP=musl,busybox,alpine-baselayout,alpine-keys,zlib,apk-tools,scanelf,musl-utils,libc-utils
C_OPS="keep $C_KEEP set musl=1.1.22-r2 set musl-utils=1.1.22-r2"
c_opaque() {
  local d=$WORK/c; mkdir -p "$d/db"
  apk_db 3.10 > "$WORK/c.in"
  $EDIT apk "$WORK/c.in" "$d/db/installed" $C_OPS
  umoci_layer "$OUT/alpine-3.10" "$OUT/alpine-3.10-opaque" --opaque "$d/db" /lib/apk/db
}
build alpine-3.10-opaque "umoci --opaque /lib/apk/db $C_OPS" alpine-3.10 c_opaque

# (d) upper layer appends two package entries (libbz2 from bzip2, sqlite-libs from sqlite, both below a
#     3.8 secdb fix): those two come from layer 2, the 13 original packages from layer 1.
#     The entries are synthetic (checksums are SHA-1s of made-up strings); no library files are added.
d_addpkg() {
  local d=$WORK/d; mkdir -p "$d/lib/apk/db"
  apk_db 3.8 > "$WORK/d.in"
  python3 - "$WORK/d.add" <<'PY'
import base64, hashlib, sys
q = lambda s: "Q1" + base64.b64encode(hashlib.sha1(s.encode()).digest()).decode()
open(sys.argv[1], "w").write(f"""C:{q("libbz2-1.0.6-r6")}
P:libbz2
V:1.0.6-r6
A:x86_64
S:32180
I:73728
T:Shared library for bz2
U:http://sources.redhat.com/bzip2
L:custom
o:bzip2
m:Natanael Copa <ncopa@alpinelinux.org>
t:1545390010
c:0f2a1b3c4d5e6f708192a3b4c5d6e7f801234567
D:so:libc.musl-x86_64.so.1
p:so:libbz2.so.1=1.0.6
F:usr
F:usr/lib
R:libbz2.so.1
a:0:0:777
Z:{q("libbz2.so.1")}
R:libbz2.so.1.0.6
a:0:0:755
Z:{q("libbz2.so.1.0.6")}

C:{q("sqlite-libs-3.25.3-r0")}
P:sqlite-libs
V:3.25.3-r0
A:x86_64
S:477211
I:987136
T:Sqlite3 library
U:http://www.sqlite.org
L:custom
o:sqlite
m:Carlo Landmeter <clandmeter@gmail.com>
t:1543251010
c:1a2b3c4d5e6f708192a3b4c5d6e7f80123456789
D:so:libc.musl-x86_64.so.1
p:so:libsqlite3.so.0=0.8.6
F:usr
F:usr/lib
R:libsqlite3.so.0
a:0:0:777
Z:{q("libsqlite3.so.0")}
R:libsqlite3.so.0.8.6
a:0:0:755
Z:{q("libsqlite3.so.0.8.6")}
""")
PY
  $EDIT apk "$WORK/d.in" "$d/lib/apk/db/installed" add "$WORK/d.add"
  mi layer "$OUT/alpine-3.8.oci:latest" "$d" "$OUT/alpine-3.8-addpkg"
}
build alpine-3.8-addpkg "layer apk add libbz2=1.0.6-r6 sqlite-libs=3.25.3-r0" alpine-3.8 d_addpkg

# ---------------------------------------------------------------- Debian (debootstrap minbase, live archive)
build debian-bookworm "debian bookworm minbase" "" mi debian bookworm "$OUT/debian-bookworm"
build debian-bullseye "debian bullseye minbase" "" mi debian bullseye "$OUT/debian-bullseye"

# bullseye + an upper layer rewriting var/lib/dpkg/status with older versions whose source packages have
# DSA fixes in the 2023 tracker lists: openssl (libssl1.1), gzip, zlib (epoch 1), dpkg (native version),
# xz-utils (liblzma5; CVE-2022-1271 is fixed by both gzip and xz-utils).
DEB_OPS="set libssl1.1=1.1.1k-1 set gzip=1.10-4 set zlib1g=1:1.2.11.dfsg-2 set dpkg=1.20.9 set liblzma5=5.2.5-2"
deb_downgrade() {
  local d=$WORK/deb; mkdir -p "$d/var/lib/dpkg"
  image_file "$OUT/debian-bullseye.tar" var/lib/dpkg/status > "$WORK/status.in"
  $EDIT dpkg "$WORK/status.in" "$d/var/lib/dpkg/status" $DEB_OPS
  mi layer "$OUT/debian-bullseye.oci:latest" "$d" "$OUT/debian-bullseye-downgrade"
}
build debian-bullseye-downgrade "layer dpkg $DEB_OPS" debian-bullseye deb_downgrade

log "images in $OUT:"
column -t "$OUT/times.tsv" >&2 2>/dev/null || cat "$OUT/times.tsv" >&2
