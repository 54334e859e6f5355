#!/usr/bin/env bash
# Build the language-package comparison images (issue 5; bench/README.md, "Language packages").
#
#   bench/make-lang-images.sh [NAME_REGEX]     build what is missing (or stale) into $TG_IMAGES (default /tmp/tg-images)
#   FORCE=1 bench/make-lang-images.sh          rebuild everything
#
# Images (each as NAME.oci/ and NAME.tar, by ../shared/tools/make-image):
#   bookworm-pip   make-image debian bookworm --include python3-pip (base of bookworm-app)
#   bookworm-app   bookworm-pip + ONE layer (make-image layer) holding
#                    /usr/local/bin/goapp       Go 1.19 binary (Debian golang-go), module mode with -mod=vendor; the
#                                               vendored sources are Debian's golang-*-dev packages (no module proxy)
#                    /usr/local/bin/rustapp     `cargo auditable build` of a tiny crate using old vulnerable crates
#                    /opt/java/lib/*.jar        Debian's liblog4j2-java jars (META-INF/maven/.../pom.properties)
#                    /opt/node/node_modules     `npm install` of old npm packages
#                    /usr/local/lib/python3.11/dist-packages   `pip install --target` of old PyPI releases
#   bookworm-big   make-image debian bookworm --include default-jre-headless,nodejs,npm,python3 (the bench image;
#                  its jars and node modules belong to dpkg packages, so both scanners report them as OS packages only)
#   bookworm-big-app  bookworm-big + the app layer of bookworm-app
#   bookworm-big-lang bookworm-big-app + a layer copying bookworm-big's jars, node modules and Python packages
#                  to /opt/bulk (not owned by dpkg there, so analysed as language packages)
# Network: the Debian archive, crates.io, npm and PyPI only. Needs root.
# Per-image build times go to $TG_IMAGES/times.tsv (shared with make-images.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"   # BENCH, SHARED; log, and build (with up_to_date, record) over OUT, ONLY, FORCE
MI=$SHARED/tools/make-image
OUT=${TG_IMAGES:-/tmp/tg-images}
ONLY=${1:-.}
FORCE=${FORCE:-0}
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
touch "$OUT/times.tsv"

# The recipes. Changing one rebuilds the image (NAME.done holds the recipe).
PIP_PKGS="requests==2.19.0 urllib3==1.24.1 jinja2==2.10 django==2.2.0"
NPM_PKGS="lodash@4.17.15 minimist@1.2.0 ms@2.0.0"
CRATES='smallvec = "=1.6.0"; time = "=0.1.43"; lock_api = "=0.4.1"'
# Go module requirements recorded in the binary's build info. The vendored code is Debian's source package
# for each path; the version string is what go.mod declares (bbolt and x/sys: Debian's own versions;
# yaml.v3: declared as the pre-3.0.0 pseudo-version Debian bullseye shipped, which CVE-2022-28948 affects).
GO_MODS="go.etcd.io/bbolt=v1.3.6=golang-github-coreos-bbolt-dev golang.org/x/sys=v0.3.0=golang-golang-x-sys-dev gopkg.in/yaml.v3=v3.0.0-20200121175148-a6ecf24a6d71=golang-gopkg-yaml.v3-dev"
JAR_DEB=liblog4j2-java
APP_RECIPE="layer go[$GO_MODS] rust[$CRATES] jar[$JAR_DEB] npm[$NPM_PKGS] pip[$PIP_PKGS]"

# make-image, working around two of its problems:
# - `make-image debian` may exit 32 from its EXIT trap (`umount proc` under set -e) after writing both outputs:
#   accept that once the outputs exist. That trap then also leaves its temp dir (the debootstrap rootfs) behind.
# - make-images.sh gives make-image a private TMPDIR to catch that temp dir, but with --include the TMPDIR
#   variable leaks into `chroot apt-get install`, where that path does not exist: ca-certificates' postinst
#   (update-ca-certificates -> mktemp) fails and so does every package depending on it (python3-pip, npm, java).
#   So here TMPDIR is /tmp (which exists in the chroot too), and afterwards the new /tmp/tmp.* dirs that hold
#   make-image's signature (rootfs/ and log, nothing else) and that no running command names are removed.
mi() {
  local rc=0 out=${*: -1} logf d
  [ "$1" = layer ] && out=$4
  [ "$1" = debian ] && out=$3
  logf=$(mktemp "$WORK/mi.XXXXXX.log")
  local before; before=$(ls -d /tmp/tmp.* 2>/dev/null | sort || true)
  TMPDIR=/tmp bash "$MI" "$@" > "$logf" 2>&1 || rc=$?
  [ "$1" = debian ] || before=all   # only `make-image debian` makes such a dir
  for d in $( [ "$before" = all ] || comm -13 <(echo "$before") <(ls -d /tmp/tmp.* 2>/dev/null | sort || true)); do
    [ -d "$d/rootfs" ] && [ -f "$d/log" ] && [ "$(ls -A "$d" | wc -l)" = 2 ] || continue
    pgrep -f "$d/" >/dev/null && continue   # still in use by a concurrent make-image
    umount "$d/rootfs/proc" 2>/dev/null || true
    mountpoint -q "$d/rootfs/proc" || rm -rf "$d"
  done
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 32 ] && [ -f "$out.tar" ] && [ -f "$out.oci/index.json" ]; then
      log "  (make-image exited 32 from its cleanup trap; outputs are complete)"
    else
      cp "$logf" "$out.make-image.log"
      tail -20 "$logf" >&2; log "make-image $* failed ($rc); its output: $out.make-image.log"; exit 1
    fi
  fi
}

# ---------------------------------------------------------------- app layer pieces
go_app() { # DEST_ROOT
  command -v go >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  local src=$WORK/goapp spec mod ver deb
  mkdir -p "$src/vendor"
  {
    echo "module example.com/tollgate/goapp"
    echo
    echo "go 1.19"
    echo
    echo "require ("
    for spec in $GO_MODS; do IFS== read -r mod ver deb <<<"$spec"; echo "	$mod $ver"; done
    echo ")"
  } > "$src/go.mod"
  : > "$src/vendor/modules.txt"
  for spec in $GO_MODS; do
    IFS== read -r mod ver deb <<<"$spec"
    dpkg -s "$deb" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
    [ -d "/usr/share/gocode/src/$mod" ] || { log "$deb does not provide /usr/share/gocode/src/$mod"; exit 1; }
    mkdir -p "$src/vendor/$(dirname "$mod")"
    cp -rL "/usr/share/gocode/src/$mod" "$src/vendor/$mod"
    find "$src/vendor/$mod" -name go.mod -delete
    printf '# %s %s\n## explicit; go 1.17\n' "$mod" "$ver" >> "$src/vendor/modules.txt"
  done
  # every package the program imports must be listed under its module in modules.txt
  python3 - "$src/vendor/modules.txt" <<'PY'
import sys
p = sys.argv[1]
pk = {"go.etcd.io/bbolt": ["go.etcd.io/bbolt"], "golang.org/x/sys": ["golang.org/x/sys/unix"],
      "gopkg.in/yaml.v3": ["gopkg.in/yaml.v3"]}
out = []
for line in open(p).read().splitlines():
    out.append(line)
    if line.startswith("## explicit"):
        mod = out[-2].split()[1]
        out.extend(pk.get(mod, [mod]))
open(p, "w").write("\n".join(out) + "\n")
PY
  cat > "$src/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"
)

func main() {
	var v map[string]int
	_ = yaml.Unmarshal([]byte("a: 1"), &v)
	fmt.Println(v, unix.Getpid(), bolt.DefaultOptions != nil, len(os.Args))
}
EOF
  (cd "$src" && GOFLAGS=-mod=vendor GOPROXY=off GO111MODULE=on GOCACHE=$WORK/gocache CGO_ENABLED=0 \
     go build -trimpath -o "$1/usr/local/bin/goapp" .) || { log "go build failed"; exit 1; }
}

rust_app() { # DEST_ROOT
  command -v cargo-auditable >/dev/null || cargo install cargo-auditable --locked >&2
  local src=$WORK/rustapp dep
  mkdir -p "$src/src"
  { printf '[package]\nname = "rustapp"\nversion = "0.1.0"\nedition = "2018"\n\n[dependencies]\n'
    IFS=';' read -ra deps <<<"$CRATES"; for dep in "${deps[@]}"; do echo "${dep# }"; done; } > "$src/Cargo.toml"
  cat > "$src/src/main.rs" <<'EOF'
fn main() {
    let mut v: smallvec::SmallVec<[u8; 4]> = smallvec::SmallVec::new();
    v.push(1);
    println!("{} {}", v.len(), time::now().tm_year);
}
EOF
  (cd "$src" && CARGO_TARGET_DIR=$WORK/rust-target cargo auditable build --release -q) >&2 ||
    { log "cargo auditable build failed"; exit 1; }
  install -m 755 "$WORK/rust-target/release/rustapp" "$1/usr/local/bin/rustapp"
}

jar_app() { # DEST_ROOT: the jars of a Debian package (apt-get download, no install)
  local d=$WORK/jar
  mkdir -p "$d" "$1/opt/java/lib"
  (cd "$d" && apt-get download -q "$JAR_DEB" >/dev/null 2>&1) ||
    { apt-get update -qq >/dev/null; (cd "$d" && apt-get download -q "$JAR_DEB" >/dev/null); }
  dpkg-deb -x "$d"/*.deb "$d/x"
  find "$d/x" -name '*.jar' -type f -exec cp {} "$1/opt/java/lib/" \;
  ls "$1/opt/java/lib/"*.jar >/dev/null
}

npm_app() { # DEST_ROOT
  mkdir -p "$1/opt/node"
  (cd "$1/opt/node" && echo '{"name":"nodeapp","version":"1.0.0","private":true}' > package.json &&
   npm install --no-audit --no-fund --no-save --no-package-lock --ignore-scripts $NPM_PKGS >/dev/null 2>"$WORK/npm.log") ||
    { cat "$WORK/npm.log" >&2; log "npm install failed"; exit 1; }
}

pip_app() { # DEST_ROOT
  local t=$1/usr/local/lib/python3.11/dist-packages
  mkdir -p "$t"
  PIP_FIND_LINKS= pip3 install -q --no-deps --no-compile --only-binary=:all: --target "$t" $PIP_PKGS >&2 ||
    { log "pip install failed"; exit 1; }
  rm -rf "$t/bin"
}

app_layer() { # BASE OUT: BASE + the app layer
  local d=$WORK/app
  rm -rf "$d"; mkdir -p "$d/usr/local/bin"
  go_app "$d"; rust_app "$d"; jar_app "$d"; npm_app "$d"; pip_app "$d"
  find "$d" -name __pycache__ -prune -exec rm -rf {} +
  mi layer "$OUT/$1.oci:latest" "$d" "$OUT/$2"
}

# debugging: TG_LANG_PIECES="go rust jar npm pip" TG_LANG_DEST=DIR bench/make-lang-images.sh builds only those pieces into DIR
if [ -n "${TG_LANG_PIECES:-}" ]; then
  mkdir -p "${TG_LANG_DEST:?}/usr/local/bin"
  for p in $TG_LANG_PIECES; do "${p}_app" "$TG_LANG_DEST"; log "$p: ok"; done
  exit 0
fi

# ---------------------------------------------------------------- images
build bookworm-pip "debian bookworm --include python3-pip" "" mi debian bookworm "$OUT/bookworm-pip" --include python3-pip
build bookworm-app "$APP_RECIPE" bookworm-pip app_layer bookworm-pip bookworm-app
build bookworm-big "debian bookworm --include default-jre-headless,nodejs,npm,python3" "" \
  mi debian bookworm "$OUT/bookworm-big" --include default-jre-headless,nodejs,npm,python3
build bookworm-big-app "$APP_RECIPE" bookworm-big app_layer bookworm-big bookworm-big-app

# bookworm-big-lang: bookworm-big-app + a layer with copies of bookworm-big's Debian jars, node modules and
# Python dist-packages outside dpkg's file lists, so that both scanners analyse all of them as language packages
# (the originals belong to dpkg packages and are skipped). The lang analyzers at scale, for the bench.
# OpenJDK 17 itself ships almost no jars, so the jars are those of the Debian packages in the Java dependency
# closure of JAVA_ROOTS (apt-get download + dpkg-deb -x: /usr/share/java, /usr/share/maven-repo, ... under opt/bulk/java).
JAVA_ROOTS="maven libtomcat9-java libjetty9-java libnetty-java libjackson2-databind-java libbcprov-java libspring-core-java gradle"
BULK_RECIPE="layer bulk: java closure of [$JAVA_ROOTS] -> opt/bulk/java, usr/share/nodejs -> opt/bulk/node_modules, usr/lib/python3/dist-packages -> opt/bulk/python"
bulk_layer() {
  local r=$WORK/big-rootfs d=$WORK/bulk j=$WORK/debs f
  rm -rf "$r" "$d" "$j"
  umoci raw unpack --image "$OUT/bookworm-big.oci:latest" "$r" >/dev/null 2>&1
  mkdir -p "$d/opt/bulk/java" "$j"
  # shellcheck disable=SC2046
  (cd "$j" && apt-get download -q $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances $JAVA_ROOTS 2>/dev/null | grep -E '^lib[a-z0-9.+-]*-java$' | sort -u) >/dev/null 2>&1)
  for f in "$j"/*.deb; do dpkg-deb -x "$f" "$j/x"; done
  cp -a "$j/x/usr/share/." "$d/opt/bulk/java/"
  rm -rf "$d/opt/bulk/java/doc" "$d/opt/bulk/java/man" "$d/opt/bulk/java/lintian" "$j"
  cp -a "$r/usr/share/nodejs" "$d/opt/bulk/node_modules"
  cp -a "$r/usr/lib/python3/dist-packages" "$d/opt/bulk/python"
  find "$d" -name __pycache__ -prune -exec rm -rf {} +
  rm -rf "$r"
  mi layer "$OUT/bookworm-big-app.oci:latest" "$d" "$OUT/bookworm-big-lang"
}
build bookworm-big-lang "$BULK_RECIPE" bookworm-big-app bulk_layer

log "images in $OUT:"
column -t "$OUT/times.tsv" >&2 2>/dev/null || cat "$OUT/times.tsv" >&2
