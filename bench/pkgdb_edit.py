#!/usr/bin/env python3
"""Edit an apk `installed` DB or a dpkg `status` file to make synthetic test layers (stdlib only).

  pkgdb_edit.py apk  IN OUT [set NAME=VERSION ...] [drop NAME ...] [add STANZA_FILE ...] [keep NAME,NAME,...]
  pkgdb_edit.py dpkg IN OUT [set NAME=VERSION ...] [drop NAME ...]

Both formats are blank-line separated stanzas. apk stanzas name the package with `P:` and the version
with `V:`; dpkg stanzas use `Package:` and `Version:`. For dpkg, a `Source: src (ver)` line that carries an
explicit source version is rewritten to the new version as well, so the source version the scanners
match on moves with the binary version. Every named package must exist (no silent no-ops).
"""
import sys


def stanzas(text):
    out, cur = [], []
    for line in text.split("\n"):
        if line.strip() == "":
            if cur:
                out.append(cur)
                cur = []
        else:
            cur.append(line)
    if cur:
        out.append(cur)
    return out


def field(st, key):
    for line in st:
        if line.startswith(key):
            return line[len(key):].strip()
    return None


def main(argv):
    if len(argv) < 3 or argv[0] not in ("apk", "dpkg"):
        sys.exit(__doc__)
    kind, src, dst, ops = argv[0], argv[1], argv[2], argv[3:]
    name_key, ver_key = ("P:", "V:") if kind == "apk" else ("Package:", "Version:")
    with open(src, encoding="utf-8") as f:
        sts = stanzas(f.read())
    names = [field(s, name_key) for s in sts]
    i = 0
    while i < len(ops):
        op, arg = ops[i], ops[i + 1]
        i += 2
        if op == "set":
            name, ver = arg.split("=", 1)
            if name not in names:
                sys.exit(f"set: no package {name} in {src}")
            st = sts[names.index(name)]
            for j, line in enumerate(st):
                if line.startswith(ver_key):
                    st[j] = f"{ver_key} {ver}" if kind == "dpkg" else f"V:{ver}"
                elif kind == "dpkg" and line.startswith("Source:") and "(" in line:
                    st[j] = line[: line.index("(")] + f"({ver})"
        elif op == "drop":
            if arg not in names:
                sys.exit(f"drop: no package {arg} in {src}")
            k = names.index(arg)
            del sts[k], names[k]
        elif op == "keep":
            want = set(arg.split(","))
            missing = want - set(names)
            if missing:
                sys.exit(f"keep: no package {sorted(missing)} in {src}")
            pairs = [(n, s) for n, s in zip(names, sts) if n in want]
            names, sts = [p[0] for p in pairs], [p[1] for p in pairs]
        elif op == "add" and kind == "apk":
            with open(arg, encoding="utf-8") as f:
                for st in stanzas(f.read()):
                    sts.append(st)
                    names.append(field(st, name_key))
        else:
            sys.exit(f"unknown op {op} for {kind}")
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n\n".join("\n".join(s) for s in sts) + "\n\n")


if __name__ == "__main__":
    main(sys.argv[1:])
