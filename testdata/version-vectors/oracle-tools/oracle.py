import sys, warnings
warnings.simplefilter("ignore")
from packaging.version import parse, Version
import packaging
sys.stderr.write(f"packaging {packaging.__version__}\n")
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t", 1)
    x, y = parse(a), parse(b)
    c = (x > y) - (x < y)
    print(f"{a}\t{b}\t{'<' if c < 0 else '>' if c > 0 else '='}")
