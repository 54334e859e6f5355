"""Reduces scancode's rpm.xmlish.expected (rpm -qa --xml output) to name, epoch, version, release, arch."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
rows = []
for hdr in text.split("<rpmHeader>")[1:]:
    def tag(name):
        m = re.search(r'<rpmTag name="%s">\s*<(?:string|integer)>([^<]*)<' % name, hdr)
        return m.group(1) if m else None
    rows.append("\t".join([tag("Name"), tag("Epoch") or "0", tag("Version"), tag("Release"), tag("Arch") or "(none)"]))
print("\n".join(sorted(rows)))
