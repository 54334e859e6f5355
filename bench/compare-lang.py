#!/usr/bin/env python3
"""Compare the language-package results (Class "lang-pkgs") of a Trivy and a Tollgate JSON report.

    bench/compare-lang.py TRIVY.json TOLLGATE.json [--advisories DIR] [--summary OUT.json] [--types pip,gobinary,...]

Per result (matched by Type and Target), compares
  (a) packages: (Name, Version), plus the FilePath of each package as a note,
  (b) findings: (PkgName, InstalledVersion, VulnerabilityID, FixedVersion).
Notes (never a failure) on common packages: FilePath, PURL, Layer.DiffID, Licenses (also counted per target:
common packages with equal Licenses); on common findings: Severity,
SeveritySource, Status, PkgPath, DataSource.ID, VendorIDs, Layer.DiffID.
Findings only Tollgate has are classified "alias only" when the OSV record behind them has another CVE alias
that Trivy reports for the same package and version: trivy-db keeps an OSV record under its FIRST CVE alias only
(shared/tools/trivy-oracle/README.md), Tollgate reports one finding per alias. The alias map is read from
--advisories (default ../shared/data/advisories: pypa-advisory-database/vulns, golang-vulndb/data/osv,
rustsec-osv/crates); VendorIDs shared by the two findings count as well.
Exit status 1 when anything other than alias-only findings or notes differs. Python 3 stdlib only.
"""
import argparse
import json
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ADV = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "advisories"))
CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def lang_results(report):
    """{(Type, Target): result} for the lang-pkgs results of a report."""
    out = {}
    for r in report.get("Results") or []:
        if r.get("Class") != "lang-pkgs":
            continue
        out[(r.get("Type", ""), r.get("Target", ""))] = r
    return out


# fields compared on common packages / findings: reported as notes, never a failure
PKG_FIELDS = [
    ("FilePath", lambda p: p.get("FilePath", "")),
    ("PURL", lambda p: (p.get("Identifier") or {}).get("PURL", "")),
    ("Layer.DiffID", lambda p: (p.get("Layer") or {}).get("DiffID", "")),
    ("Licenses", lambda p: p.get("Licenses") or []),
]
VULN_FIELDS = [
    ("Severity", lambda v: v.get("Severity", "")),
    ("SeveritySource", lambda v: v.get("SeveritySource", "")),
    ("Status", lambda v: v.get("Status", "")),
    ("PkgPath", lambda v: v.get("PkgPath", "")),
    ("DataSource.ID", lambda v: (v.get("DataSource") or {}).get("ID", "")),
    ("VendorIDs", lambda v: sorted(v.get("VendorIDs") or [])),
    ("Layer.DiffID", lambda v: (v.get("Layer") or {}).get("DiffID", "")),
]


def pkg_key(p):
    return (p.get("Name", ""), p.get("Version", ""))


def vuln_key(v):
    return (v.get("PkgName", ""), v.get("InstalledVersion", ""), v.get("VulnerabilityID", ""), v.get("FixedVersion", ""))


def load_aliases(adv):
    """id -> list of alias groups (each the ordered CVE aliases of one OSV record, plus the record id)."""
    groups = defaultdict(list)

    def add(rid, aliases):
        ids = [rid] + [a for a in aliases if a != rid]
        ids = list(dict.fromkeys(ids))
        cves = [a for a in ids if CVE.fullmatch(a)]
        grp = {"id": rid, "ids": ids, "cves": cves}
        for a in ids:
            groups[a].append(grp)

    for sub in ("golang-vulndb/data/osv", "rustsec-osv/crates"):
        d = os.path.join(adv, sub)
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            if not f.endswith(".json"):
                continue
            try:
                j = json.load(open(os.path.join(d, f), encoding="utf-8"))
            except (OSError, ValueError):
                continue
            add(j.get("id", f[:-5]), j.get("aliases") or [])
    d = os.path.join(adv, "pypa-advisory-database", "vulns")
    if os.path.isdir(d):
        for base, _, files in os.walk(d):
            for f in files:
                if not f.endswith((".yaml", ".yml")):
                    continue
                try:
                    text = open(os.path.join(base, f), encoding="utf-8").read()
                except OSError:
                    continue
                m = re.search(r"^id:\s*(\S+)", text, re.M)
                rid = m.group(1).strip("'\"") if m else f.rsplit(".", 1)[0]
                aliases = []
                m = re.search(r"^aliases:\s*\n((?:[ \t]*-[^\n]*\n?)+)", text, re.M)
                if m:
                    aliases = [x.strip().lstrip("-").strip().strip("'\"") for x in m.group(1).splitlines() if x.strip()]
                else:
                    m = re.search(r"^aliases:\s*\[([^\]]*)\]", text, re.M)
                    if m:
                        aliases = [x.strip().strip("'\"") for x in m.group(1).split(",") if x.strip()]
                add(rid, aliases)
    return groups


def classify_extra(v, trivy_vulns, aliases):
    """Why a finding only Tollgate reports may be expected: 'alias only' or None."""
    pkg, ver, vid, _ = vuln_key(v)
    same_pkg = [t for t in trivy_vulns if t.get("PkgName") == pkg and t.get("InstalledVersion") == ver]
    t_ids = {t.get("VulnerabilityID") for t in same_pkg}
    for grp in aliases.get(vid, []):
        others = set(grp["ids"]) - {vid}
        if others & t_ids:
            return "alias only", sorted(others & t_ids)[0], grp["id"]
    mine = set(v.get("VendorIDs") or [])
    for t in same_pkg:
        if mine & set(t.get("VendorIDs") or []):
            return "alias only", t.get("VulnerabilityID"), sorted(mine & set(t.get("VendorIDs") or []))[0]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trivy")
    ap.add_argument("tollgate")
    ap.add_argument("--advisories", default=DEFAULT_ADV)
    ap.add_argument("--summary")
    ap.add_argument("--types", help="only these result Types (comma-separated)")
    a = ap.parse_args()

    tr = lang_results(json.load(open(a.trivy)))
    tg = lang_results(json.load(open(a.tollgate)))
    if a.types:
        keep = set(a.types.split(","))
        tr = {k: v for k, v in tr.items() if k[0] in keep}
        tg = {k: v for k, v in tg.items() if k[0] in keep}
    aliases = load_aliases(a.advisories)

    bad = 0
    summary = {"targets": [], "differences": 0, "alias_only": 0}
    rows = []
    for key in sorted(set(tr) | set(tg)):
        typ, target = key
        rt, rg = tr.get(key), tg.get(key)
        # packages: a multiset of (Name, Version); the same package can sit at several FilePaths
        pt, pg = defaultdict(list), defaultdict(list)
        for p in (rt or {}).get("Packages") or []:
            pt[pkg_key(p)].append(p)
        for p in (rg or {}).get("Packages") or []:
            pg[pkg_key(p)].append(p)
        vt_list = (rt or {}).get("Vulnerabilities") or []
        vg_list = (rg or {}).get("Vulnerabilities") or []
        vt = {vuln_key(v): v for v in vt_list}
        vg = {vuln_key(v): v for v in vg_list}
        n_pt, n_pg = sum(map(len, pt.values())), sum(map(len, pg.values()))
        ent = {"type": typ, "target": target,
               "trivy": [n_pt, len(vt_list)] if rt else None, "tollgate": [n_pg, len(vg_list)] if rg else None,
               "pkgs_only_trivy": [], "pkgs_only_tollgate": [], "vulns_only_trivy": [],
               "vulns_only_tollgate": [], "alias_only": [], "notes": [], "licenses_equal": [0, 0]}
        print(f"== {typ}  {target}")
        if rt is None or rg is None:
            who = "Trivy" if rt is None else "Tollgate"
            print(f"   [diff] result missing in {who}")
            bad += 1
        for k in sorted(set(pt) | set(pg)):
            xa, xb = pt.get(k, []), pg.get(k, [])
            fa = sorted(p.get("FilePath", "") for p in xa)
            fb = sorted(p.get("FilePath", "") for p in xb)
            for f in sorted(set(fa) - set(fb)) if len(xa) > len(xb) else []:
                ent["pkgs_only_trivy"].append(list(k) + [f]); print(f"   [diff] package only in Trivy:    {k[0]} {k[1]}  ({f})")
            for f in sorted(set(fb) - set(fa)) if len(xb) > len(xa) else []:
                ent["pkgs_only_tollgate"].append(list(k) + [f]); print(f"   [diff] package only in Tollgate: {k[0]} {k[1]}  ({f})")
            if len(xa) != len(xb) and set(fa) == set(fb):
                side = "pkgs_only_trivy" if len(xa) > len(xb) else "pkgs_only_tollgate"
                ent[side].append(list(k) + ["(multiplicity)"])
                print(f"   [diff] {k[0]} {k[1]}: {len(xa)} times in Trivy, {len(xb)} in Tollgate")
            if len(xa) == len(xb) and fa != fb:
                ent["notes"].append(f"package FilePath {k[0]} {k[1]}: {fa} vs {fb}")
            if len(xa) == len(xb):
                by_path = {p.get("FilePath", ""): p for p in xb}
                for p in xa:
                    q = by_path.get(p.get("FilePath", ""))
                    if q is None:
                        continue
                    ent["licenses_equal"][1] += 1
                    ent["licenses_equal"][0] += (p.get("Licenses") or []) == (q.get("Licenses") or [])
                    for field, get in PKG_FIELDS[1:]:
                        ft, fg = get(p), get(q)
                        if ft != fg:
                            ent["notes"].append(f"package {field} {k[0]} {k[1]}: {ft!r} vs {fg!r}")
        if len(vt) != len(vt_list) or len(vg) != len(vg_list):
            ent["notes"].append(f"duplicate finding keys: Trivy {len(vt_list) - len(vt)}, Tollgate {len(vg_list) - len(vg)}")
        for k in sorted(set(vt) - set(vg)):
            ent["vulns_only_trivy"].append(list(k)); print(f"   [diff] finding only in Trivy:    {' '.join(k)}")
        for k in sorted(set(vg) - set(vt)):
            c = classify_extra(vg[k], vt_list, aliases)
            if c:
                ent["alias_only"].append(list(k) + [c[1], c[2]])
                print(f"   [alias only] finding only in Tollgate: {' '.join(k)}  (Trivy: {c[1]}, record {c[2]})")
            else:
                ent["vulns_only_tollgate"].append(list(k)); print(f"   [diff] finding only in Tollgate: {' '.join(k)}")
        for k in sorted(set(vt) & set(vg)):
            for field, get in VULN_FIELDS:
                ft, fg = get(vt[k]), get(vg[k])
                if ft != fg:
                    ent["notes"].append(f"finding {field} {k[0]} {k[2]}: {ft!r} vs {fg!r}")
        for n in ent["notes"]:
            print(f"   [note] {n}")
        d = sum(len(ent[x]) for x in ("pkgs_only_trivy", "pkgs_only_tollgate", "vulns_only_trivy", "vulns_only_tollgate"))
        bad += d
        summary["alias_only"] += len(ent["alias_only"])
        summary["targets"].append(ent)
        t = f"{n_pt}/{len(vt_list)}" if rt else "-"
        g = f"{n_pg}/{len(vg_list)}" if rg else "-"
        le = ent["licenses_equal"]
        rows.append(f"| {typ} | {target} | {t} | {g} | {len(ent['alias_only'])} | {d if (rt and rg) else 'missing'} "
                    f"| {le[0]}/{le[1]} |")
    summary["differences"] = bad
    print()
    print("| type | target | trivy pkgs/findings | tollgate pkgs/findings | alias-only | other differences "
          "| licenses equal |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if a.summary:
        json.dump(summary, open(a.summary, "w"), indent=1)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
