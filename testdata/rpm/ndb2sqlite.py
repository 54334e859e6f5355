"""Copies every blob of an rpm ndb Packages.db into an existing sqlite rpmdb (oracle helper)."""
import sqlite3
import struct
import sys

data = open(sys.argv[1], "rb").read()
assert data[:4] == b"RpmP", "not an ndb file"
_, _, _, npages = struct.unpack_from("<4I", data, 0)
db = sqlite3.connect(sys.argv[2])
n = 0
for i in range(2, npages * 4096 // 16):
    magic, pkgidx, blkoff, _ = struct.unpack_from("<4s3I", data, i * 16)
    assert magic == b"Slot"
    if pkgidx == 0:
        continue
    off = blkoff * 16
    bmagic, bidx, _, blen = struct.unpack_from("<4s3I", data, off)
    assert bmagic == b"BlbS" and bidx == pkgidx
    db.execute("INSERT INTO Packages(hnum, blob) VALUES (?, ?)", (pkgidx, data[off + 16 : off + 16 + blen]))
    n += 1
db.commit()
print(n, "blobs", file=sys.stderr)
