"""pickle_dataset.py — writes a generated polynomial dataset for bench/pickle_load.sh.

Mirrors docs/design.md §3.1 and the original generator's layout: a dict keyed by
(generators, terms, exp_range, coeff_range) whose values are (gens, polys),
each polynomial a dict from an exponent tuple (one int per generator) to an
int coefficient.  Half the systems have small coefficients and exponents,
half 66-bit coefficients and exponents up to 1000, so the file exercises
BININT1/BININT2/BININT/LONG1 and dicts past their small-size fast path.
Usage: python3 pickle_dataset.py OUT [MEGABYTES]   (default 40)
"""
import pickle
import random
import sys

out = sys.argv[1]
target = int(sys.argv[2] if len(sys.argv) > 2 else 40) * 1_000_000
rng = random.Random(2024)
gens = [f"x{i}" for i in range(10)]
polys = {}
size = 0
n = 0
while size < target:
    terms = rng.choice([10, 100, 1000])
    big = n % 2 == 1
    exp_range = range(0, 1001) if big else range(0, 11)
    coeff_range = range(2**65, 2**66) if big else range(-100, 101)
    key = (len(gens), terms, exp_range, coeff_range)
    system = []
    for _ in range(2):
        p = {}
        for _ in range(terms):
            e = tuple(rng.randrange(exp_range.start, exp_range.stop) for _ in gens)
            p[e] = rng.randrange(coeff_range.start, coeff_range.stop)
        system.append(p)
        size += terms * (46 if big else 26)
    # several systems share a key shape in the original; keep keys unique here
    polys[key + (n,)] = (list(gens), system)
    n += 1
with open(out, "wb") as f:
    pickle.dump(polys, f, protocol=4)
