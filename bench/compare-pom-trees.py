#!/usr/bin/env python3
"""`tollgate fs` on each of Trivy's pom.xml case directories, scanned as a whole (parents and
<modules> resolved), against what Trivy 0.76 `fs --offline-scan` listed for the same directory
(testdata/lang/java/pom-tree-expected.json, made by testdata/lang/gen-trivy-expected-java.py).

    bench/compare-pom-trees.py [--tollgate BIN] [--db DB_DIR]

Compares (Name, Version, Relationship) per pom.xml target. Exit 1 on any difference.
Python 3 stdlib only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
JAVA = os.path.join(ROOT, "testdata", "lang", "java")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tollgate", default=os.path.join(ROOT, "target", "release", "tollgate"))
    ap.add_argument("--db", default="/tmp/tg-lang-acceptance/db")
    a = ap.parse_args()
    data = json.load(open(os.path.join(JAVA, "pom-tree-expected.json")))
    equal = differ = 0
    for case in data["cases"]:
        src = os.path.join(JAVA, case["case"])
        if not os.path.isdir(src):  # a case without any pom.xml: nothing was copied
            continue
        with tempfile.TemporaryDirectory() as tmp:
            dst = os.path.join(tmp, os.path.basename(src))
            shutil.copytree(src, dst)
            out = os.path.join(tmp, "report.json")
            r = subprocess.run([a.tollgate, "fs", dst, "--db", a.db, "--format", "json", "--list-all-pkgs",
                                "--quiet", "--output", out], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{case['case']}: tollgate failed: {r.stderr.strip()[-300:]}")
                differ += 1
                continue
            report = json.load(open(out))
        ours = {res["Target"]: sorted([p["Name"], p.get("Version", ""), p.get("Relationship", "")]
                                      for p in res.get("Packages") or [])
                for res in report.get("Results") or [] if res.get("Type") == "pom"}
        theirs = {t: sorted(row[:3] for row in rows) for t, rows in case["targets"].items()}
        if ours == theirs:
            equal += 1
        else:
            differ += 1
            print(f"DIFF {case['case']}\n  tollgate: {ours}\n  trivy:    {theirs}")
    print(f"pom case directories: {equal} equal, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
