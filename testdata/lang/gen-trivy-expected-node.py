#!/usr/bin/env python3
"""Regenerates testdata/lang/{node,dotnet}/<case>/ from Trivy's own testdata and the real Trivy binary.

Each case directory holds the input file(s) laid out under the names Trivy's analyzers want
(package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock, node_modules/NAME/package.json, *.deps.json,
packages.lock.json, packages.config, Directory.Packages.props) plus what Trivy 0.76 reported for it:
  trivy-fs.json      `trivy fs`      (lockfile analyzers), default flags (dev deps dropped)
  trivy-fs-dev.json  `trivy fs --include-dev-deps`
  trivy-rootfs.json  `trivy rootfs`  (installed-package analyzers such as node-pkg)
Each holds {"source", "results": [{"target", "type", "packages": [{name, version, relationship, dev,
file_path, licenses, id, depends_on}]}]}, or "error" when Trivy failed.

Usage: python3 gen-trivy-expected-node.py [TRIVY_SRC] [TRIVY_BIN]
(defaults: /work/shared/data/peer-tests/trivy and `bash /work/shared/tools/peer-trivy`).
Python 3 stdlib only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/peer-tests/trivy"
TRIVY = (sys.argv[2] if len(sys.argv) > 2 else
         subprocess.run(["bash", "/work/shared/tools/peer-trivy"], capture_output=True, text=True,
                        check=True).stdout.strip().splitlines()[-1])
CACHE = "/tmp/trivy-oracle/cache"


def cases():
    """Yields (eco, case_name, source_rel, {dest_rel: src_abs})."""
    P = "pkg/dependency/parser/nodejs"
    single = [
        (f"{P}/npm/testdata", "npm", "package-lock.json", ".json"),
        (f"{P}/yarn/testdata", "yarn", "yarn.lock", ".lock"),
        (f"{P}/pnpm/testdata", "pnpm", "pnpm-lock.yaml", ".yaml"),
        (f"{P}/packagejson/testdata", "pkgjson", "node_modules/pkg/package.json", ".json"),
        ("pkg/dependency/parser/dotnet/core_deps/testdata", "deps", None, ".json"),
        ("pkg/dependency/parser/nuget/lock/testdata", "nugetlock", "packages.lock.json", ".json"),
        ("pkg/dependency/parser/nuget/config/testdata", "nugetconfig", "packages.config", ".config"),
        ("pkg/fanal/analyzer/language/nodejs/pkg/testdata", "nodepkg", "node_modules/pkg/package.json", ".json"),
        ("pkg/fanal/analyzer/language/dotnet/deps/testdata", "deps-an", None, ".json"),
    ]
    for d, prefix, dest, ext in single:
        full = os.path.join(SRC, d)
        for f in sorted(os.listdir(full)):
            if not f.endswith(ext):
                continue
            eco = "dotnet" if prefix.startswith(("deps", "nuget")) else "node"
            stem = f[: -len(ext)].replace(".", "_")
            yield eco, f"{prefix}-{stem}", f"{d}/{f}", {dest or f: os.path.join(full, f)}
    # Analyzer testdata: whole directories, copied as they are.
    A = "pkg/fanal/analyzer/language"
    for sub, eco in [("nodejs/npm", "node"), ("nodejs/yarn", "node"), ("nodejs/pnpm", "node"),
                     ("nodejs/license", "node"), ("dotnet/nuget", "dotnet")]:
        full = os.path.join(SRC, A, sub, "testdata")
        for case in sorted(os.listdir(full)):
            cdir = os.path.join(full, case)
            if not os.path.isdir(cdir) or case == "repository":
                continue
            files = {}
            for root, _dirs, fs in os.walk(cdir):
                for f in fs:
                    p = os.path.join(root, f)
                    files[os.path.relpath(p, cdir)] = p
            yield eco, f"an-{sub.split('/')[1]}-{case}", f"{A}/{sub}/testdata/{case}", files
    # .NET central package management: each parser input as Directory.Packages.props, and the
    # analyzer's directory (Packages.props, Directory.Packages.props, a file it must skip).
    d = "pkg/dependency/parser/nuget/packagesprops/testdata"
    for f in sorted(os.listdir(os.path.join(SRC, d))):
        stem = f.replace(".", "_")
        yield "dotnet", f"props-{stem}", f"{d}/{f}", {"Directory.Packages.props": os.path.join(SRC, d, f)}
    # Bun: each parser input as bun.lock.
    d = "pkg/dependency/parser/nodejs/bun/testdata"
    for f in sorted(os.listdir(os.path.join(SRC, d))):
        yield "node", f"bun-{f[:-len('.lock')].replace('.', '_')}", f"{d}/{f}", {"bun.lock": os.path.join(SRC, d, f)}
    for sub, eco in [("dotnet/packagesprops", "dotnet"), ("nodejs/bun", "node")]:
        full = os.path.join(SRC, A, sub, "testdata")
        cases_here = [c for c in sorted(os.listdir(full)) if os.path.isdir(os.path.join(full, c))]
        if not cases_here:  # the files themselves form one case
            cases_here = [""]
        for case in cases_here:
            cdir = os.path.join(full, case)
            files = {}
            for root, _dirs, fs in os.walk(cdir):
                for f in fs:
                    p = os.path.join(root, f)
                    files[os.path.relpath(p, cdir)] = p
            yield eco, f"an-{sub.split('/')[1]}{'-' + case if case else ''}", f"{A}/{sub}/testdata/{case}", files
    # Integration-test repositories: whole directories.
    R = "integration/testdata/fixtures/repo"
    for case, eco in [("npm", "node"), ("yarn", "node"), ("pnpm", "node"), ("nuget", "dotnet"),
                      ("dotnet", "dotnet")]:
        cdir = os.path.join(SRC, R, case)
        files = {}
        for root, _dirs, fs in os.walk(cdir):
            for f in fs:
                p = os.path.join(root, f)
                files[os.path.relpath(p, cdir)] = p
        yield eco, f"it-{case}", f"{R}/{case}", files


def trivy(mode, target, extra):
    with tempfile.TemporaryDirectory() as out:
        o = os.path.join(out, "r.json")
        cmd = [TRIVY, mode, "--cache-dir", CACHE, "--skip-db-update", "--skip-java-db-update",
               "--skip-check-update", "--offline-scan", "--scanners", "vuln", "--list-all-pkgs",
               "--format", "json", "-q", "-o", o] + extra + [target]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(o):
            return {"error": (r.stderr or "").strip()[-400:]}
        rep = json.load(open(o))
    results = []
    for res in rep.get("Results") or []:
        pkgs = []
        for p in res.get("Packages") or []:
            pkgs.append({"name": p.get("Name", ""), "version": p.get("Version", ""),
                         "relationship": p.get("Relationship", ""), "dev": bool(p.get("Dev", False)),
                         "file_path": p.get("FilePath", ""), "licenses": p.get("Licenses") or [],
                         "id": p.get("ID", ""), "depends_on": p.get("DependsOn") or []})
        pkgs.sort(key=lambda p: (p["name"], p["version"], p["file_path"]))
        results.append({"target": res.get("Target", ""), "type": res.get("Type", ""), "packages": pkgs})
    results.sort(key=lambda r: (r["target"], r["type"]))
    return {"results": results}


def dump(res):
    """JSON with one package per line: small files, readable diffs."""
    out = ["{", f' "source": {json.dumps(res["source"])},']
    if "error" in res:
        out.append(f' "error": {json.dumps(res["error"])},')
    out.append(' "results": [')
    rs = res.get("results", [])
    for i, r in enumerate(rs):
        out.append(f'  {{"target": {json.dumps(r["target"])}, "type": {json.dumps(r["type"])}, "packages": [')
        for j, p in enumerate(r["packages"]):
            out.append("   " + json.dumps(p) + ("," if j + 1 < len(r["packages"]) else ""))
        out.append("  ]}" + ("," if i + 1 < len(rs) else ""))
    out.append(" ]")
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    # ONLY=props-,bun- (comma-separated name prefixes) regenerates only those cases.
    only = [x for x in os.environ.get("ONLY", "").split(",") if x]
    for eco, name, source, files in cases():
        if only and not name.startswith(tuple(only)):
            continue
        dest = os.path.join(HERE, eco, name)
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        for rel, src in files.items():
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copyfile(src, os.path.join(dest, rel))
        with tempfile.TemporaryDirectory() as work:
            tgt = os.path.join(work, "t")
            shutil.copytree(dest, tgt)
            runs = {"trivy-fs.json": trivy("fs", tgt, []),
                    "trivy-fs-dev.json": trivy("fs", tgt, ["--include-dev-deps"]),
                    "trivy-rootfs.json": trivy("rootfs", tgt, [])}
        for fname, res in runs.items():
            res = {"source": f"aquasecurity/trivy {source}", **res}
            with open(os.path.join(dest, fname), "w") as fh:
                fh.write(dump(res))
        summary = {k: (v.get("error") and "ERROR") or sum(len(r["packages"]) for r in v["results"])
                   for k, v in runs.items()}
        print(eco, name, summary, flush=True)


if __name__ == "__main__":
    main()
