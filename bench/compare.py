#!/usr/bin/env python3
"""Compare two Trivy-shaped JSON reports (SchemaVersion 2): Trivy's and Tollgate's, finding by finding.

  compare.py TRIVY.json TOLLGATE.json [--labels trivy,tollgate] [--max N] [--summary OUT.json] [-q]

Results are paired by (Class, Type) for OS packages (their Target embeds the artifact name, which depends
on how the scanner was called) and by (Class, Type, Target) otherwise. Per pair it checks:

  (a) findings: the multiset of (PkgName, InstalledVersion, VulnerabilityID, FixedVersion)
  (b) packages: the multiset of (Name, full version), full version = [Epoch:]Version[-Release]
  (c) layers:   per package the DiffID of the layer that introduced it, and per finding its Layer.DiffID
  (d) severity: per common finding the Severity (reported, never a failure)

Also reported, never a failure: Metadata.OS, Target strings, source package (SrcName, full source version),
and Layer.Digest. Exit status: 0 when (a), (b) and (c) agree, 1 when they do not, 2 on bad input.
Python 3 standard library only.
"""
import argparse
import collections
import json
import sys


def full_version(epoch, version, release):
    v = version or ""
    if release:
        v = f"{v}-{release}"
    if epoch:
        v = f"{epoch}:{v}"
    return v


def pkg_key(p):
    return (p.get("Name", ""), full_version(p.get("Epoch"), p.get("Version"), p.get("Release")))


def src_of(p):
    return (p.get("SrcName", ""), full_version(p.get("SrcEpoch"), p.get("SrcVersion"), p.get("SrcRelease")))


def vuln_key(v):
    return (v.get("PkgName", ""), v.get("InstalledVersion", ""), v.get("VulnerabilityID", ""),
            v.get("FixedVersion", ""))


def diff_id(obj):
    return (obj.get("Layer") or {}).get("DiffID", "")


def result_key(r):
    if r.get("Class") == "os-pkgs":
        return ("os-pkgs", r.get("Type", ""))
    return (r.get("Class", ""), r.get("Type", ""), r.get("Target", ""))


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print(f"cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)
    if not isinstance(d, dict) or d.get("SchemaVersion") != 2:
        print(f"{path}: not a SchemaVersion 2 report", file=sys.stderr)
        sys.exit(2)
    return d


def multiset_diff(a, b):
    """(only in a, only in b) of two Counters, with multiplicity."""
    return sorted((a - b).elements()), sorted((b - a).elements())


def short(d):
    return d.replace("sha256:", "")[:12] if d else "-"


class Comparison:
    def __init__(self, la, lb, max_lines):
        self.la, self.lb, self.max = la, lb, max_lines
        self.lines = []
        self.failed = False
        self.counts = {}

    def section(self, title, a_only, b_only, fmt, fail=True):
        if not a_only and not b_only:
            return 0
        if fail:
            self.failed = True
        tag = "DIFF" if fail else "note"
        self.lines.append(f"    [{tag}] {title}: {len(a_only)} only in {self.la}, {len(b_only)} only in {self.lb}")
        for label, items in ((self.la, a_only), (self.lb, b_only)):
            for it in items[: self.max]:
                self.lines.append(f"      {label:>9}: {fmt(it)}")
            if len(items) > self.max:
                self.lines.append(f"      {label:>9}: ... {len(items) - self.max} more")
        return len(a_only) + len(b_only)

    def pair(self, key, ra, rb):
        pa = (ra or {}).get("Packages") or []
        pb = (rb or {}).get("Packages") or []
        va = (ra or {}).get("Vulnerabilities") or []
        vb = (rb or {}).get("Vulnerabilities") or []
        name = (ra or rb).get("Target", "/".join(key))
        head = (f"  {name} [{'/'.join(key)}]: {self.la} {len(pa)} pkgs {len(va)} findings, "
                f"{self.lb} {len(pb)} pkgs {len(vb)} findings")
        start = len(self.lines)
        self.counts["/".join(key)] = {self.la: [len(pa), len(va)], self.lb: [len(pb), len(vb)]}
        if ra is None or rb is None:
            self.lines.append(f"    [note] result missing in {self.lb if rb is None else self.la}")
        elif ra.get("Target") != rb.get("Target"):
            self.lines.append(f"    [note] Target {ra.get('Target')!r} vs {rb.get('Target')!r}")

        # (a) findings
        ca = collections.Counter(vuln_key(v) for v in va)
        cb = collections.Counter(vuln_key(v) for v in vb)
        self.section("(a) findings (PkgName, InstalledVersion, VulnerabilityID, FixedVersion)",
                     *multiset_diff(ca, cb), fmt=lambda k: " ".join(x or "''" for x in k))

        # (b) packages
        ka = collections.Counter(pkg_key(p) for p in pa)
        kb = collections.Counter(pkg_key(p) for p in pb)
        self.section("(b) packages (Name, full version)", *multiset_diff(ka, kb), fmt=lambda k: f"{k[0]} {k[1]}")

        # (c) introducing layer, for packages present in both
        la = collections.defaultdict(list)
        lb = collections.defaultdict(list)
        for p in pa:
            la[pkg_key(p)].append(diff_id(p))
        for p in pb:
            lb[pkg_key(p)].append(diff_id(p))
        ea, eb = [], []
        for k in sorted(set(la) & set(lb)):
            if sorted(la[k]) != sorted(lb[k]):
                ea.append((k, sorted(la[k])))
                eb.append((k, sorted(lb[k])))
        self.section("(c) package layer DiffID", ea, eb,
                     fmt=lambda t: f"{t[0][0]} {t[0][1]} layer {','.join(short(d) for d in t[1])}")
        fa = collections.defaultdict(list)
        fb = collections.defaultdict(list)
        for v in va:
            fa[vuln_key(v)].append(diff_id(v))
        for v in vb:
            fb[vuln_key(v)].append(diff_id(v))
        ea, eb = [], []
        for k in sorted(set(fa) & set(fb)):
            if sorted(fa[k]) != sorted(fb[k]):
                ea.append((k, sorted(fa[k])))
                eb.append((k, sorted(fb[k])))
        self.section("(c) finding Layer.DiffID", ea, eb,
                     fmt=lambda t: f"{t[0][0]} {t[0][2]} layer {','.join(short(d) for d in t[1])}")

        # (d) severity of common findings (report only)
        sa = {vuln_key(v): (v.get("Severity", ""), v.get("SeveritySource", "")) for v in va}
        sb = {vuln_key(v): (v.get("Severity", ""), v.get("SeveritySource", "")) for v in vb}
        sev_a, sev_b = [], []
        for k in sorted(set(sa) & set(sb)):
            if sa[k][0] != sb[k][0]:
                sev_a.append((k, sa[k]))
                sev_b.append((k, sb[k]))
        self.section("(d) severity", sev_a, sev_b, fail=False,
                     fmt=lambda t: f"{t[0][0]} {t[0][2]} {t[1][0]} (source {t[1][1] or '-'})")

        # source packages and layer digests (report only)
        srca = collections.Counter((pkg_key(p), src_of(p)) for p in pa if pkg_key(p) in kb)
        srcb = collections.Counter((pkg_key(p), src_of(p)) for p in pb if pkg_key(p) in ka)
        self.section("source package (SrcName, full source version)", *multiset_diff(srca, srcb), fail=False,
                     fmt=lambda t: f"{t[0][0]} {t[0][1]} <- {t[1][0]} {t[1][1]}")
        dga = collections.Counter((pkg_key(p), (p.get("Layer") or {}).get("Digest", "")) for p in pa if pkg_key(p) in kb)
        dgb = collections.Counter((pkg_key(p), (p.get("Layer") or {}).get("Digest", "")) for p in pb if pkg_key(p) in ka)
        self.section("package Layer.Digest", *multiset_diff(dga, dgb), fail=False,
                     fmt=lambda t: f"{t[0][0]} {t[0][1]} digest {t[1] or '(none)'}")

        ok = not any(l.startswith("    [DIFF]") for l in self.lines[start:])
        self.lines.insert(start, head + ("  -> equal" if ok else "  -> DIFFERENT"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="reference report (Trivy)")
    ap.add_argument("b", help="report under test (Tollgate)")
    ap.add_argument("--labels", default="trivy,tollgate", help="names of the two reports (default trivy,tollgate)")
    ap.add_argument("--max", type=int, default=20, help="differences listed per section (default 20)")
    ap.add_argument("--summary", help="write counts and the verdict as JSON here")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only the verdict line")
    args = ap.parse_args()
    la, lb = (args.labels.split(",") + ["b"])[:2]
    da, db = load(args.a), load(args.b)

    cmp_ = Comparison(la, lb, args.max)
    osa = (da.get("Metadata") or {}).get("OS") or {}
    osb = (db.get("Metadata") or {}).get("OS") or {}
    os_line = f"OS {la}: {osa.get('Family', '-')} {osa.get('Name', '')}"
    if (osa.get("Family"), osa.get("Name")) != (osb.get("Family"), osb.get("Name")):
        os_line += f"; {lb}: {osb.get('Family', '-')} {osb.get('Name', '')}  [note: OS differs]"
    if bool(osa.get("EOSL")) != bool(osb.get("EOSL")):
        os_line += f"  [note: EOSL {osa.get('EOSL', False)} vs {osb.get('EOSL', False)}]"

    ra = {result_key(r): r for r in da.get("Results") or []}
    rb = {result_key(r): r for r in db.get("Results") or []}
    if len(ra) != len(da.get("Results") or []) or len(rb) != len(db.get("Results") or []):
        cmp_.lines.append("  [note] several Results share a key; only the last of each is compared")
    for k in sorted(set(ra) | set(rb)):
        cmp_.pair(k, ra.get(k), rb.get(k))
    if not ra and not rb:
        cmp_.lines.append("  (no results in either report)")

    verdict = "DIFFERENT" if cmp_.failed else "EQUAL"
    if not args.quiet:
        print(f"{args.a} vs {args.b}")
        print("  " + os_line)
        print("\n".join(cmp_.lines))
    print(f"{verdict}: (a) findings, (b) packages, (c) layers {'differ' if cmp_.failed else 'agree'}")
    if args.summary:
        tot = lambda d, i: sum(len(r.get(("Packages", "Vulnerabilities")[i]) or []) for r in d.get("Results") or [])
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump({"equal": not cmp_.failed, "os": [osa, osb],
                       la: {"pkgs": tot(da, 0), "findings": tot(da, 1)},
                       lb: {"pkgs": tot(db, 0), "findings": tot(db, 1)},
                       "results": cmp_.counts}, f, indent=1)
    sys.exit(1 if cmp_.failed else 0)


if __name__ == "__main__":
    main()
