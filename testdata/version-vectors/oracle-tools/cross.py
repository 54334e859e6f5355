import random, sys
f, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vs = set()
for l in open(f):
    l = l.rstrip("\n")
    if not l or l.startswith("# ") or l.startswith("// "): continue
    p = l.split(" ")
    if len(p) == 3: vs.add(p[0]); vs.add(p[2])
vs = sorted(vs); rng = random.Random(seed)
out = set()
while len(out) < n: out.add((rng.choice(vs), rng.choice(vs)))
for a, b in sorted(out): print(f"{a}\t{b}")
