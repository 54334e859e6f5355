#!/usr/bin/env python3
"""Check how each layer of a docker-archive ends (stdlib only).

  tarcheck.py IMAGE.tar[.gz] ...

Per layer: member count and whether the tar ends with the end-of-archive marker (two zero blocks), ends
unterminated on a block boundary, or stops inside the last entry's padding. umoci 0.4.7 (used by
../shared/tools/make-image) writes the last two kinds (umoci issue #436). GNU tar and Python's tarfile
reject the last kind, Go's archive/tar accepts it, and Tollgate has to accept it too.
"""
import json
import sys
import tarfile


def check(b):
    off, n, last = 0, 0, None
    while off + 512 <= len(b):
        h = b[off:off + 512]
        if h == b"\0" * 512:
            two = b[off:off + 1024] == b"\0" * 1024
            return f"{n} members, end-of-archive marker at {off} ({'2 zero blocks' if two else '1 zero block only'})"
        last = h[:100].rstrip(b"\0").decode(errors="replace")
        size = int(h[124:136].rstrip(b"\0 ").decode() or "0", 8)
        n += 1
        off += 512 + (size + 511) // 512 * 512
    how = "stops inside the last entry's padding" if off > len(b) else "unterminated, on a block boundary"
    return f"{n} members, no end-of-archive marker; last {last!r} needs {off} bytes, layer has {len(b)}: {how}"


for arc in sys.argv[1:]:
    with tarfile.open(arc) as t:
        for i, layer in enumerate(json.load(t.extractfile("manifest.json"))[0]["Layers"]):
            print(f"{arc} layer {i}: {check(t.extractfile(layer).read())}")
