#!/usr/bin/env python3
"""Re-records Trivy 0.76's answers for the sibling-file cases whose inputs live here rather than
in Trivy's source tree: go/sib-*, rust/sib-* (written here) and rust/newer-txtar-*
(Trivy testdata newer than 0.76, rebuilt from the txtar). Each case directory holds the
lockfile (go.mod / Cargo.lock) and its siblings; `<lockfile>.trivy.json` gets `alone` (the
lockfile alone) and `whole_tree` (the whole directory), like ../gen-trivy-expected-go-rust.py
does for Trivy's txtar cases (same TRIVY / TRIVY_CACHE settings, GOPATH = the temp dir).
"""
import json
import os
import shutil
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen-trivy-expected-go-rust.py")
ns = {"__file__": GEN}
exec(open(GEN).read().split("\ndef main():")[0], ns)


def files_of(case):
    out = []
    for d, _, fs in os.walk(case):
        for f in fs:
            if not f.endswith(".trivy.json"):
                out.append(os.path.relpath(os.path.join(d, f), case))
    return sorted(out)


def run(case, files):
    with tempfile.TemporaryDirectory() as tmp:
        for rel in files:
            p = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            shutil.copyfile(os.path.join(case, rel), p)
        return ns["scan"]("fs", tmp, {"GOPATH": tmp})


for kind, lock, prefixes in (("go", "go.mod", ("sib-",)),
                             ("rust", "Cargo.lock", ("sib-", "newer-txtar-"))):
    base = os.path.join(HERE, "..", kind)
    for c in sorted(os.listdir(base)):
        if not c.startswith(prefixes):
            continue
        case = os.path.join(base, c)
        exp = os.path.join(case, lock + ".trivy.json")
        old = json.load(open(exp)) if os.path.exists(exp) else {}
        files = files_of(case)
        data = {"source": old.get("source", "written here"),
                "alone": run(case, [lock]).get(lock),
                "whole_tree": run(case, files), "files": files}
        ns["write_expected"](os.path.join(case, lock), data)
        print(kind, c, len((data["alone"] or {}).get("packages", [])),
              len((data["whole_tree"].get(lock) or {}).get("packages", [])))
