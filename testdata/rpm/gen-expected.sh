#!/bin/sh
# Regenerates expected/*.tsv with the real rpm tool as the oracle (Debian: apt-get install rpm zstd).
# Debian's rpm 4.18 reads sqlite and BerkeleyDB (bdb_ro) but has no ndb backend, so the ndb
# fixture's blobs are first copied into a sqlite rpmdb by ndb2sqlite.py (a separate reader).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
qf='%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{SIGMD5}\t%{VENDOR}\t%{LICENSE}\t%{MODULARITYLABEL}\t%{FILENAMES:arraysize}\n'
query() { # dir backend out
    rpm --dbpath "$1" --define "_db_backend $2" -qa --qf "$qf" 2>/dev/null | LC_ALL=C sort >"$3"
}
mkdir "$work/rhel8" "$work/fedora" "$work/mariner" "$work/libuuid" "$work/sle" "$work/blob"
zstd -qd "$here/rhel8-Packages.zst" -o "$work/rhel8/Packages"
zstd -qd "$here/fedora-Packages.zst" -o "$work/fedora/Packages"
zstd -qd "$here/cbl-mariner-2.0-rpmdb.sqlite.zst" -o "$work/mariner/rpmdb.sqlite"
zstd -qd "$here/sle15-bci-Packages.db.zst" -o "$work/sle/Packages.db"
cp "$here/libuuid-Packages" "$work/libuuid/Packages"
query "$work/rhel8" bdb_ro "$here/expected/rhel8-bdb.tsv"
query "$work/fedora" bdb_ro "$here/expected/fedora-bdb.tsv"
query "$work/libuuid" bdb_ro "$here/expected/libuuid-bdb.tsv"
query "$work/mariner" sqlite "$here/expected/cbl-mariner-2.0-sqlite.tsv"
# An empty sqlite rpmdb with rpm's schema, then the blobs.
sqlite3 "$work/mariner/rpmdb.sqlite" .schema | grep -v -e sqlite_sequence -e sqlite_stat >"$work/schema.sql"
sqlite3 "$work/sle/rpmdb.sqlite" <"$work/schema.sql"
python3 "$here/ndb2sqlite.py" "$work/sle/Packages.db" "$work/sle/rpmdb.sqlite"
query "$work/sle" sqlite "$here/expected/sle15-bci-ndb.tsv"
sqlite3 "$work/blob/rpmdb.sqlite" <"$work/schema.sql"
python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute('INSERT INTO Packages(blob) VALUES (?)', (open(sys.argv[2],'rb').read(),)); d.commit()" "$work/blob/rpmdb.sqlite" "$here/blob.bin"
# blob.bin's header digests do not match its content (go-rpmdb's fixture), so skip rpm's checks.
rpm --dbpath "$work/blob" --define '_db_backend sqlite' --nosignature --nodigest -qa --qf "$qf" 2>/dev/null >"$here/expected/blob.tsv"
# scancode's own expected output for the RHEL database (rpm --xml style), reduced to NEVRA.
if [ -n "${SCANCODE_XMLISH:-}" ]; then
    python3 "$here/xmlish2tsv.py" "$SCANCODE_XMLISH" >"$here/expected/rhel8-scancode.tsv"
fi

# File lists of two packages, to check DIRNAMES/BASENAMES/DIRINDEXES joining (the bare
# databases have no Name index, so list all and filter).
files() { # dir backend name out
    rpm --dbpath "$1" --define "_db_backend $2" -qa --qf '[%{=NAME}\t%{FILENAMES}\n]' 2>/dev/null |
        awk -F '\t' -v n="$3" '$1 == n { print $2 }' >"$4"
}
files "$work/libuuid" bdb_ro libuuid "$here/expected/libuuid-files.txt"
files "$work/sle" sqlite bash "$here/expected/sle15-bci-bash-files.txt"
wc -l "$here"/expected/*
