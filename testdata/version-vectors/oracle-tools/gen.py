import random, sys
eco = sys.argv[1]; n = int(sys.argv[2]); seed = int(sys.argv[3])
rng = random.Random(seed)
common = ["0","1","2","3","9","10","01","007","123"]
extra = {
 "maven": [".",".",".","-","-","_","alpha","beta","milestone","rc","cr","snapshot","SNAPSHOT","ga","final","FINAL","release","sp","a","b","m","foo","jre","Final","RC","M"],
 "php": [".",".",".","-","_","+","dev","alpha","a","beta","b","RC","rc","pl","p","patch","stable","x","v","~"],
 "ruby": [".",".",".","-","a","b","pre","rc","alpha","beta","x","Z"],
 "pypi": [".",".",".","-","_","+","!","a","b","c","rc","alpha","beta","pre","preview","post","rev","r","dev","local","v","x","ubuntu"," "],
}[eco]
pieces = common*2 + extra
def one():
    if rng.random() < 0.5:
        # version-like: numbers then optional suffix
        s = ".".join(rng.choice(common) for _ in range(rng.randint(1,4)))
        for _ in range(rng.randint(0,3)):
            s += rng.choice(extra) + (rng.choice(common) if rng.random()<0.5 else "")
        return s
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1,7)))
seen=set()
while len(seen) < n:
    a, b = one(), one()
    if rng.random() < 0.1: b = a
    seen.add((a,b))
for a,b in sorted(seen):
    print(f"{a}\t{b}")
