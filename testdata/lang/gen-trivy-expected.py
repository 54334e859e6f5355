#!/usr/bin/env python3
"""Copies Trivy's Python/Ruby/PHP/conda testdata into testdata/lang/<eco>/<case>/ under the file
names Trivy's analyzers want, runs the real Trivy 0.76 over each case directory and stores
its package list as <case>/trivy.json.

Usage: python3 testdata/lang/gen-trivy-expected.py [TRIVY_SRC] [TRIVY_BIN] [CACHE_DIR]
  TRIVY_SRC  default /work/shared/data/peer-tests/trivy   (aquasecurity/trivy checkout)
  TRIVY_BIN  default: output of `bash /work/shared/tools/peer-trivy`
  CACHE_DIR  default /tmp/tgt-langpy-tc (a private copy of a Trivy DB cache; Trivy's BoltDB
             lock blocks parallel scans sharing one cache)

Installed-package cases (python-pkg, gemspec, composer-vendor) are scanned with
`trivy rootfs`, lockfile cases with `trivy fs` (each mode skips the other kind).
ECOS=conda (comma-separated) regenerates only those ecosystems.
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/peer-tests/trivy"
TRIVY = sys.argv[2] if len(sys.argv) > 2 else subprocess.run(
    ["bash", "/work/shared/tools/peer-trivy"], check=True, capture_output=True, text=True
).stdout.strip().splitlines()[-1]
CACHE = sys.argv[3] if len(sys.argv) > 3 else "/tmp/tgt-langpy-tc"

PARSER = os.path.join(SRC, "pkg/dependency/parser")
FANAL = os.path.join(SRC, "pkg/fanal/analyzer/language")
SITE = "usr/lib/python3.9/site-packages"
GEMS = "usr/local/bundle/specifications"

# (eco, case, mode, [(source relative to SRC/pkg, destination in case dir)])
CASES = []


def case(eco, name, mode, files):
    CASES.append((eco, name, mode, files))


def single(eco, prefix, subdir, mode, dest):
    """One case per file of a parser testdata dir, copied to `dest`(base name)."""
    d = os.path.join(PARSER, subdir, "testdata")
    for f in sorted(os.listdir(d)):
        base = os.path.splitext(f)[0]
        case(eco, f"{prefix}-{base}", mode, [(os.path.join(d, f), dest(f))])


def fanal_dir(eco, prefix, subdir, mode, dest=lambda rel: rel):
    """One case per sub-directory of an analyzer testdata dir, layout kept."""
    d = os.path.join(FANAL, subdir, "testdata")
    for c in sorted(os.listdir(d)):
        files = []
        for root, _, names in os.walk(os.path.join(d, c)):
            for n in names:
                p = os.path.join(root, n)
                files.append((p, dest(os.path.relpath(p, os.path.join(d, c)))))
        case(eco, f"{prefix}-{c}", mode, files)


def packaging_dest(f):
    if f.endswith(".METADATA"):
        return f"{SITE}/{f[: -len('.METADATA')]}.dist-info/METADATA"
    if f.endswith(".PKG-INFO"):
        stem = f[: -len(".PKG-INFO")]
        stem = stem if stem.endswith(".egg-info") else stem + ".egg-info"
        return f"{SITE}/{stem}/PKG-INFO"
    if f.endswith(".json"):  # parser-only bad input: scan it as a METADATA file
        return f"{SITE}/{f[: -len('.json')]}.dist-info/METADATA"
    return f"{SITE}/{f}"


# ---- Python
single("python", "packaging", "python/packaging", "rootfs", packaging_dest)
fanal_dir("python", "packaging-fanal", "python/packaging", "rootfs", lambda r: f"{SITE}/{r}")
single("python", "pip", "python/pip", "fs", lambda f: "requirements.txt")
case("python", "pip-fanal-happy", "fs",
     [(os.path.join(FANAL, "python/pip/testdata/happy/requirements.txt"), "requirements.txt")])
case("python", "pip-fanal-empty", "fs",
     [(os.path.join(FANAL, "python/pip/testdata/empty/requirements.txt"), "requirements.txt")])
single("python", "pipenv", "python/pipenv", "fs", lambda f: "Pipfile.lock")
single("python", "poetry", "python/poetry", "fs", lambda f: "poetry.lock")
fanal_dir("python", "poetry-fanal", "python/poetry", "fs")
single("python", "uv", "python/uv", "fs", lambda f: "uv.lock")
fanal_dir("python", "uv-fanal", "python/uv", "fs")
single("python", "pylock", "python/pylock", "fs", lambda f: "pylock.toml")
fanal_dir("python", "pylock-fanal", "python/pylock", "fs")

# ---- Ruby
single("ruby", "bundler", "ruby/bundler", "fs", lambda f: "Gemfile.lock")
single("ruby", "gemspec", "ruby/gemspec", "rootfs", lambda f: f"{GEMS}/{f}")
for f in sorted(os.listdir(os.path.join(FANAL, "ruby/gemspec/testdata"))):
    case("ruby", "gemspec-fanal-" + os.path.splitext(f)[0], "rootfs",
         [(os.path.join(FANAL, "ruby/gemspec/testdata", f), f"{GEMS}/{f}")])

# ---- PHP
single("php", "composer", "php/composer", "fs", lambda f: "composer.lock")
for c in sorted(os.listdir(os.path.join(FANAL, "php/composer/testdata/composer"))):
    d = os.path.join(FANAL, "php/composer/testdata/composer", c)
    case("php", f"composer-fanal-{c}", "fs",
         [(os.path.join(d, n), n) for n in sorted(os.listdir(d))])
for c in sorted(os.listdir(os.path.join(FANAL, "php/composer/testdata/composer-vendor"))):
    d = os.path.join(FANAL, "php/composer/testdata/composer-vendor", c)
    case("php", f"composer-vendor-fanal-{c}", "rootfs",
         [(os.path.join(d, "installed.json"), "app/vendor/composer/installed.json")])

# ---- conda
def conda_meta_dest(f):
    # The analyzer takes only `envs/<env>/conda-meta/<name>-<version>-<build>.json`; bad-input
    # files without that shape are given it so that they are read at all.
    name = f if f.count("-") >= 2 else f"bad-0-{f}"
    return f"opt/conda/envs/app/conda-meta/{name}"


for f in sorted(os.listdir(os.path.join(PARSER, "conda/meta/testdata"))):
    if f.endswith(".json"):
        case("conda", "meta-" + os.path.splitext(f)[0], "rootfs",
             [(os.path.join(PARSER, "conda/meta/testdata", f), conda_meta_dest(f))])
for f in sorted(os.listdir(os.path.join(FANAL, "conda/meta/testdata"))):
    case("conda", "meta-fanal-" + os.path.splitext(f)[0], "rootfs",
         [(os.path.join(FANAL, "conda/meta/testdata", f), conda_meta_dest(f))])
single("conda", "environment", "conda/environment", "fs", lambda f: "environment.yaml")
for f in sorted(os.listdir(os.path.join(FANAL, "conda/environment/testdata"))):
    if f.endswith((".yaml", ".yml")):
        case("conda", "environment-fanal-" + os.path.splitext(f)[0], "fs",
             [(os.path.join(FANAL, "conda/environment/testdata", f), "environment.yml")])

ECOS = os.environ.get("ECOS", "python,ruby,php,conda").split(",")
CASES = [c for c in CASES if c[0] in ECOS]

KEEP = ["Name", "Version", "Relationship", "Dev", "Licenses", "FilePath", "DependsOn"]


def run(mode, d, extra):
    cmd = [TRIVY, mode, "--cache-dir", CACHE, "--skip-db-update", "--skip-java-db-update",
           "--offline-scan", "--skip-check-update", "--scanners", "vuln", "--list-all-pkgs",
           "--format", "json", "-q", *extra, d]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode}
    rep = json.loads(p.stdout)
    out = []
    for r in rep.get("Results") or []:
        out.append({
            "Target": r["Target"],
            "Type": r.get("Type", ""),
            "Packages": [{k: pkg[k] for k in KEEP if k in pkg} for pkg in r.get("Packages") or []],
        })
    return {"results": out}


def main():
    for eco in ECOS:
        for name in os.listdir(os.path.join(HERE, eco)) if os.path.isdir(os.path.join(HERE, eco)) else []:
            if os.path.isdir(os.path.join(HERE, eco, name)):
                shutil.rmtree(os.path.join(HERE, eco, name))
    for eco, name, mode, files in CASES:
        d = os.path.join(HERE, eco, name)
        for src, dst in files:
            os.makedirs(os.path.dirname(os.path.join(d, dst)), exist_ok=True)
            shutil.copyfile(src, os.path.join(d, dst))
        tmp = d + ".out"
        os.rename(d, tmp)  # keep trivy.json itself out of the scanned tree
        res = {"mode": mode,
               "source": [os.path.relpath(s, SRC) for s, _ in files],
               "default": run(mode, tmp, []),
               # `trivy rootfs` has no --include-dev-deps: installed packages have no dev flag
               "include_dev_deps": run(mode, tmp, ["--include-dev-deps"]) if mode == "fs" else None}
        os.rename(tmp, d)
        with open(os.path.join(d, "trivy.json"), "w") as fh:
            json.dump(res, fh, indent=1, sort_keys=True)
            fh.write("\n")
        n = sum(len(r["Packages"]) for r in res["default"].get("results", []))
        print(f"{eco}/{name}: {mode} {n} pkgs {res['default'].get('error', '')}")

    for eco in ECOS:
        write_readme(eco)


def write_readme(eco):
    rows = []
    for c in sorted(os.listdir(os.path.join(HERE, eco))):
        if not os.path.isdir(os.path.join(HERE, eco, c)):
            continue
        j = json.load(open(os.path.join(HERE, eco, c, "trivy.json")))
        n = sum(len(r["Packages"]) for r in j["default"].get("results", []))
        nd = sum(len(r["Packages"]) for r in (j["include_dev_deps"] or j["default"]).get("results", []))
        srcs = ", ".join("`" + s.replace("pkg/", "", 1) + "`" for s in j["source"])
        rows.append(f"| `{c}` | {j['mode']} | {n} | {nd} | {srcs} |")
    commit = open(os.path.join(SRC, "SOURCE_COMMIT")).read().split()[0]
    title = {"python": "Python", "ruby": "Ruby", "php": "PHP", "conda": "Conda"}[eco]
    with open(os.path.join(HERE, eco, "README.md"), "w") as fh:
        fh.write(README.format(title=title, commit=commit, eco=eco) + "\n".join(rows) + "\n")


README = """# {title} analyzer fixtures and Trivy's answers

Inputs are copies of Trivy's own testdata, from **aquasecurity/trivy** at commit `{commit}`
(Apache-2.0, see `/work/shared/data/peer-tests/trivy/LICENSE`), paths under `pkg/` as listed below.
Each `<case>/` holds the input under the file name and directory layout Trivy's analyzer wants
(installed packages under `usr/lib/python3.9/site-packages/`, `usr/local/bundle/specifications/`,
`app/vendor/composer/`, `opt/conda/envs/app/conda-meta/`), and `trivy.json`: the package list the real **Trivy 0.76.0** printed for that
directory (`trivy fs|rootfs --list-all-pkgs --format json --scanners vuln`, once as is (`default`) and once
with `--include-dev-deps` (`include_dev_deps`; `null` for `rootfs`, which has no such flag)). Only Name,
Version, Relationship, Dev, Licenses, FilePath and DependsOn are kept.

Regenerate everything (inputs, `trivy.json`, this README) with
`python3 testdata/lang/gen-trivy-expected.py`; `bash /work/shared/tools/peer-trivy` installs Trivy.
`crates/tollgate-analyze/tests/lang_{eco}.rs` runs our analyzers over each case and asserts the same
(type, file, name, version, relationship, depends_on, licenses) rows, dev packages dropped for `default`; deliberate
differences are listed in the test with their reason.

Lockfiles are scanned with `trivy fs` and installed packages with `trivy rootfs`: each mode skips the other
kind. Where Trivy lists nothing because it could not parse the file, our analyzer returns an `AnalyzeError`
(Trivy logs the error and goes on).

| case | Trivy mode | packages (default) | with dev | source (under `pkg/`) |
|---|---|---|---|---|
"""


main()
