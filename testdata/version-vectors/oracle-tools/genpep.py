import random, sys
rng = random.Random(int(sys.argv[2])); n = int(sys.argv[1])
num = lambda: rng.choice(["0","1","2","10","00","01","007","999999999999999999999"])
sep = lambda: rng.choice(["",".","-","_"])
def v():
    s = ""
    if rng.random() < 0.15: s += num() + "!"
    s += ".".join(num() for _ in range(rng.randint(1,4)))
    if rng.random() < 0.4: s += sep() + rng.choice(["a","b","c","rc","alpha","beta","pre","preview","A","RC","Alpha"]) + (sep() + num() if rng.random() < 0.8 else "")
    if rng.random() < 0.3:
        if rng.random() < 0.3: s += "-" + num()
        else: s += sep() + rng.choice(["post","rev","r","POST"]) + (sep() + num() if rng.random() < 0.8 else "")
    if rng.random() < 0.3: s += sep() + rng.choice(["dev","DEV"]) + (sep() + num() if rng.random() < 0.8 else "")
    if rng.random() < 0.25: s += "+" + rng.choice([".", "-", "_"]).join(rng.choice(["ubuntu","1","01","abc","Z9","0","local","10"]) for _ in range(rng.randint(1,3)))
    if rng.random() < 0.1: s = "v" + s
    if rng.random() < 0.05: s = " " + s + " "
    if rng.random() < 0.05: s += rng.choice([".","-","x","+","!"])  # sometimes invalid
    return s
seen = set()
while len(seen) < n:
    a = v(); b = v() if rng.random() > 0.1 else a
    seen.add((a, b))
for a, b in sorted(seen): print(f"{a}\t{b}")
