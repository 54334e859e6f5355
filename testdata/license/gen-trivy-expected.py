#!/usr/bin/env python3
"""Regenerates testdata/license/trivy-normalized.json: how Trivy 0.76 normalizes license names.

Each name below becomes the `license` of one node_modules package in a scratch root filesystem;
`trivy rootfs --list-all-pkgs --format json` then lists each package with its Licenses as Trivy
normalizes them (language.toApplication calls licensing.Normalize on every language package).
The names: every key of crates/tollgate-analyze/src/license/aliases.txt in upper, lower and
title case, plus declared names seen in real packages and names that must stay as they are.
Usage: python3 testdata/license/gen-trivy-expected.py [--trivy PATH] [--cache DIR]
Python 3 standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
ALIASES = os.path.join(ROOT, "crates", "tollgate-analyze", "src", "license", "aliases.txt")

EXTRA = [
    "Apache 2.0", "Apache License 2.0", "Apache License, Version 2.0", "The Apache Software License, Version 2.0",
    "Apache-2.0", "APACHE-2", "Apache Software License", "apache", "ASL 2.0", "Apache License v2.0",
    "MIT License", "MIT", "mit", "The MIT License", "MIT license (MIT)", "Expat", "X11",
    "BSD", "BSD License", "BSD 3-Clause", "BSD-3-Clause", "New BSD License", "Simplified BSD", "BSD 2-Clause License",
    "3-Clause BSD License", "BSD-2-Clause",
    "GPL", "GPLv2", "GPLv2+", "GPL-2.0", "GPL-2.0+", "GPL-2.0-only", "GPL-2.0-or-later", "GPL v3", "GPLv3+",
    "GNU General Public License v2 or later (GPLv2+)", "GNU General Public License v3 (GPLv3)",
    "GNU GPL v3", "GPL-3.0-only", "GNU General Public License, version 2",
    "LGPL", "LGPLv2.1", "LGPL-2.1+", "LGPL-2.1-or-later", "LGPLv3", "LGPL 3.0",
    "GNU Lesser General Public License v2 or later (LGPLv2+)", "GNU Library or Lesser General Public License (LGPL)",
    "GNU Lesser General Public License v3 (LGPLv3)",
    "AGPLv3", "AGPL-3.0", "AGPL-3.0-or-later", "GNU Affero General Public License v3",
    "MPL 2.0", "MPL-2.0", "Mozilla Public License 2.0 (MPL 2.0)", "MPL 1.1",
    "EPL-1.0", "Eclipse Public License 1.0", "Eclipse Public License - v 1.0", "Eclipse Public License v2.0",
    "EPL 2.0", "Eclipse Distribution License - v 1.0",
    "CDDL", "CDDL 1.1", "CDDL+GPL License", "CDDL + GPLv2 with classpath exception",
    "ISC", "ISC License", "ISC License (ISCL)", "0BSD", "Unlicense", "The Unlicense", "UNLICENSED", "CC0",
    "CC0 1.0 Universal", "CC0-1.0", "Public Domain", "WTFPL", "Zlib", "zlib/libpng", "Python Software Foundation License",
    "PSF", "PSF-2.0", "Python-2.0", "Ruby", "Artistic", "Artistic-2.0", "Perl Artistic-2",
    "Boost Software License 1.0", "BSL-1.0", "Unicode-DFS-2016", "OpenSSL", "Historical Permission Notice and Disclaimer (HPND)",
    "Dual License", "Other/Proprietary License", "Proprietary", "UNKNOWN", "Custom", "LicenseRef-Foo",
    "Bouncy Castle Licence", "The Go license", "Licence", "License", "The License", "Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0)",
    "http://www.apache.org/licenses/LICENSE-2.0.txt", "https://www.apache.org/licenses/LICENSE-2.0",
    "http://www.apache.org/licenses/LICENSE-2.0.html", "https://opensource.org/licenses/MIT",
    "https://www.eclipse.org/legal/epl-v20.html", "http://www.eclipse.org/legal/epl-v10.html",
    "GPL-2+ with Autoconf exception", "GPL2 w/ CPE", "GPLv2 with classpath exception",
    "  spaced   name  ", "Apache\n2.0", "MIT-0", "Zope Public License", "ZPL 2.1", "Sleepycat",
    "Creative Commons Attribution 4.0 International", "CC-BY-4.0", "CC BY-SA 4.0", "CC-BY-NC-4.0",
    "Academic Free License (AFL)", "AFL-2.1", "OSL 3.0", "Open Software License 3.0 (OSL-3.0)",
    "Universal Permissive License v1.0", "UPL-1.0", "PostgreSQL License", "NCSA License", "W3C License",
    "Version 2.0", "GPL (>= 2)", "GPL (≥ 3)", "gpl-2.0-with-classpath-exception", "v2", "2.0",
]


def names():
    out = []
    for line in open(ALIASES, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        key = line.split("|")[0]
        out += [key, key.lower(), key.title()]
    out += EXTRA
    return list(dict.fromkeys(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trivy", default="/tmp/trivy-oracle/bin/trivy")
    ap.add_argument("--cache", default="/tmp/trivy-oracle/cache")
    a = ap.parse_args()
    ver = subprocess.run([a.trivy, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    work = tempfile.mkdtemp(prefix="gen-license-")
    all_names = names()
    for i, n in enumerate(all_names):
        d = os.path.join(work, "rootfs", "app", "node_modules", f"p{i}")
        os.makedirs(d)
        with open(os.path.join(d, "package.json"), "w", encoding="utf-8") as f:
            json.dump({"name": f"p{i}", "version": "1.0.0", "license": n}, f)
    cmd = [a.trivy, "rootfs", "--cache-dir", a.cache, "--skip-db-update", "--skip-java-db-update",
           "--skip-check-update", "--offline-scan", "--scanners", "vuln", "--list-all-pkgs",
           "--format", "json", "-q", os.path.join(work, "rootfs")]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, HOME=work), timeout=600)
    r.check_returncode()
    got = {}
    for res in json.loads(r.stdout).get("Results") or []:
        for p in res.get("Packages") or []:
            got[int(p["Name"][1:])] = p.get("Licenses") or []
    shutil.rmtree(work)
    cases = [{"declared": n, "trivy": got.get(i, [])} for i, n in enumerate(all_names)]
    with open(os.path.join(HERE, "trivy-normalized.json"), "w", encoding="utf-8") as f:
        json.dump({"trivy": ver, "how": "node_modules/*/package.json `license`, trivy rootfs --list-all-pkgs",
                   "cases": cases}, f, indent=0, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} names", flush=True)


if __name__ == "__main__":
    main()
