#!/bin/sh
# Regenerates the *_oracle_pairs.tsv files from the tools that define each order. Needs java +
# maven-artifact 3.8.7 (Debian: libmaven3-core-java), php-cli, ruby, node with npm's bundled
# semver, Go (its vendored golang.org/x/mod/semver is copied into a scratch module), and a venv
# with packaging==21.3. Random inputs are seeded, so the inputs are reproducible; labels depend on
# the tool versions named in each file's header.
set -eu
here=$(cd "$(dirname "$0")" && pwd); vv="$here/.."; osv="$vv/osv-scalibr"; tmp=$(mktemp -d)
J=${MAVEN_ARTIFACT_JAR:-/usr/share/maven-repo/org/apache/maven/maven-artifact/3.8.7/maven-artifact-3.8.7.jar}
PY=${PACKAGING_PYTHON:-python3}
cd "$tmp"
javac -d . -cp "$J" "$here/Oracle.java"
python3 "$here/gen.py" maven 4000 1 | java -cp "$J:." Oracle > maven.tsv
python3 "$here/cross.py" "$osv/maven-versions-generated.txt" 6000 11 | java -cp "$J:." Oracle >> maven.tsv
python3 "$here/gen.py" pypi 4000 4 | "$PY" "$here/oracle.py" > pypi.tsv
python3 "$here/genpep.py" 5000 21 | "$PY" "$here/oracle.py" >> pypi.tsv
python3 "$here/cross.py" "$osv/pypi-versions-generated.txt" 6000 12 | "$PY" "$here/oracle.py" >> pypi.tsv
python3 "$here/gen.py" ruby 8000 3 | ruby "$here/oracle.rb" > rubygems.tsv
python3 "$here/cross.py" "$osv/rubygems-versions-generated.txt" 6000 13 | ruby "$here/oracle.rb" >> rubygems.tsv
python3 "$here/gen.py" php 4000 2 | php "$here/oracle.php" > packagist.tsv
python3 "$here/cross.py" "$osv/packagist-versions-generated.txt" 6000 14 | php "$here/oracle.php" >> packagist.tsv
python3 "$here/gensemver.py" 4000 5 | node "$here/semver_oracle.js" > semver_npm.tsv
mkdir -p gosv/semver && cp "$(go env GOROOT)/src/cmd/vendor/golang.org/x/mod/semver/semver.go" gosv/semver/
cp "$here/go_semver_oracle.go" gosv/main.go && printf 'module gosv\ngo 1.19\n' > gosv/go.mod
python3 "$here/gensemver.py" 4000 6 go | (cd gosv && go run .) > semver_go.tsv
echo "labelled pairs are in $tmp; prepend the header comments of the existing files and copy them to $vv"
