import random, sys
rng = random.Random(int(sys.argv[2])); n = int(sys.argv[1]); go = len(sys.argv) > 3
nums = ["0","1","2","3","9","10","11","99","100","999999999999999999999"]
ids = ["alpha","beta","rc","0","1","2","10","11","01","a","b","B","x-y","--","a1","1a","rc1","0a","pre","dev","z","Z","9"]
def ver():
    k = rng.random()
    if go and k < 0.15:
        parts = rng.randint(1,2)
        s = "v" + ".".join(rng.choice(nums[:8]) for _ in range(parts))
        return s
    s = ".".join(rng.choice(nums) for _ in range(3))
    if go and rng.random() < 0.3:
        ts = "2019%02d%02d%06d" % (rng.randint(1,12), rng.randint(1,28), rng.randint(0,235959))
        h = "".join(rng.choice("0123456789abcdef") for _ in range(12))
        form = rng.randint(0,2)
        if form == 0: return f"v0.0.0-{ts}-{h}"
        if form == 1: return f"v{s}-{ts}-{h}" if False else f"v1.2.{rng.randint(3,5)}-0.{ts}-{h}"
        return f"v1.2.3-pre.0.{ts}-{h}"
    if rng.random() < 0.6:
        s += "-" + ".".join(rng.choice(ids) for _ in range(rng.randint(1,3)))
    if rng.random() < 0.2:
        s += "+" + rng.choice(["build","b.1","001","x-y","incompatible"])
    if go: s = "v" + s
    elif rng.random() < 0.2: s = rng.choice(["v","=","V","=v"]) + s
    return s
seen = set()
while len(seen) < n:
    a = ver(); b = ver() if rng.random() > 0.1 else a
    seen.add((a,b))
for a,b in sorted(seen): print(f"{a}\t{b}")
