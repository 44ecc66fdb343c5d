"""gen_python.py — `casbench gen` against a Python reference generator.

The reference below is the original tool's generator as reconstructed in
lib/gen.h, written with Python's own random.Random; it reproduces the
documented outputs of tests/fixtures/describe/ (checked here too).  For many seeds (0, negative, above 2**32 and 2**64)
and option shapes (steps, negative steps, negative and huge coefficients,
0 generators, 0 terms, duplicate values, Python-equal ranges, exponents near
2**63), casbench's polys.pickle must load in Python as exactly the
reference's dict: same keys in the same order, same types (range objects in
the keys), same dict order inside each polynomial; run_list.pickle must be
the reference run list, and --append must merge as dict.update does.
"""
import itertools
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, CB = cbtest.ROOT, cbtest.CB
TMP = tempfile.mkdtemp(prefix="cbgen.")
check = cbtest.Checker("gen_python.py", 2000, sep=": ", only_given=True)


# ---------------------------------------------------------------- reference

def ref_gen(seed, G, T, E, C, number):
    rng = random.Random(seed)
    d = {}
    for g, t, er, cr in itertools.product(itertools.chain(*G), itertools.chain(*T), E, C):
        polys = []
        for _ in range(number):
            p = {}
            for _ in range(t):
                e = tuple(rng.randrange(er.start, er.stop, er.step) for _ in range(g))
                p[e] = rng.randrange(cr.start, cr.stop, cr.step)
            polys.append(p)
        d[(g, t, er, cr)] = ([f"x{i}" for i in range(g)], polys)
    return d


FIELDS = {"gens": 0, "terms": 1, "exp_range": 2, "coeff_range": 3}


def ref_run_list(keys, groupby=("gens", "terms"), old=None):
    groups = {}
    for k in keys:
        if isinstance(k, tuple):
            groups.setdefault(tuple(k[FIELDS[f]] for f in groupby), []).append(k)
    pairs = [p for g in groups.values() for p in itertools.combinations_with_replacement(g, 2)]
    singles = [(k,) for g in groups.values() for k in g]
    rl = dict(old or {})
    for f in ("add", "mult", "divmod", "resultant", "gcd"):
        rl[f] = list(pairs)
    rl["leading_coefficient"] = singles
    return rl


# ---------------------------------------------------------------- compare

def same_value(a, b):
    """== plus types and orders all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(
            same_value(ka, kb) and same_value(a[ka], b[kb]) for ka, kb in zip(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, range):
        return (a.start, a.stop, a.step) == (b.start, b.stop, b.step)
    return a == b


def first_difference(a, b, path="dataset"):
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)[:5]}... vs {list(b)[:5]}..."
        for k in a:
            d = first_difference(a[k], b[k], f"{path}[{k!r}]")
            if d:
                return d
    elif isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
    elif not same_value(a, b):
        return f"{path}: {a!r} vs {b!r}"
    return None


def run_gen(out, args, check=True):
    p = subprocess.run([CB, "gen", out] + args, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"casbench gen {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def load(out):
    with open(os.path.join(out, "polys.pickle"), "rb") as f:
        polys = pickle.load(f)
    with open(os.path.join(out, "run_list.pickle"), "rb") as f:
        rl = pickle.load(f)
    return polys, rl


# option text for casbench, and the Python ranges it means
SHAPES = {
    "small": dict(generators=("1-4", [range(1, 4)]), terms=("5", [range(5, 6)]),
                  exponents=("0-10", [range(0, 10)]), coefficients=("1-100", [range(1, 100)]), number=3),
    "collisions-negative-coeffs": dict(generators=("2", [range(2, 3)]), terms=("1-20:6", [range(1, 20, 6)]),
                                       exponents=("0-3", [range(0, 3)]),
                                       coefficients=("-50-50", [range(-50, 50)]), number=4),
    "big-coeffs": dict(generators=("3", [range(3, 4)]), terms=("10", [range(10, 11)]),
                       exponents=("0-2**40", [range(0, 2**40)]),
                       coefficients=("2**65-2**66", [range(2**65, 2**66)]), number=2),
    "steps": dict(generators=("1,2", [range(1, 2), range(2, 3)]), terms=("3", [range(3, 4)]),
                  exponents=("5-0:-1, 0-10:2", [range(5, 0, -1), range(0, 10, 2)]),
                  coefficients=("-(2**100)-2**100:7, 0-1", [range(-(2**100), 2**100, 7), range(0, 1)]),
                  number=2),
    "zero-gens-zero-terms": dict(generators=("0-2", [range(0, 2)]), terms=("0-3", [range(0, 3)]),
                                 exponents=("0-5", [range(0, 5)]),
                                 coefficients=("2**127-2**127+3", [range(2**127, 2**127 + 3)]), number=2),
    "duplicates": dict(generators=("2, 2", [range(2, 3), range(2, 3)]), terms=("3", [range(3, 4)]),
                       exponents=("0-10:2, 0-9:2", [range(0, 10, 2), range(0, 9, 2)]),
                       coefficients=("1-10", [range(1, 10)]), number=2),
    "word-boundaries": dict(generators=("2", [range(2, 3)]), terms=("4", [range(4, 5)]),
                            exponents=("2**62-2**63", [range(2**62, 2**63)]),
                            coefficients=("2**63-2**64, -(2**300)-2**300, -(2**64)-(-(2**63))",
                                          [range(2**63, 2**64), range(-(2**300), 2**300),
                                           range(-(2**64), -(2**63))]), number=2),
    "no-polys": dict(generators=("1", [range(1, 2)]), terms=("2", [range(2, 3)]),
                     exponents=("0-3", [range(0, 3)]), coefficients=("1-3", [range(1, 3)]), number=0),
}
SEEDS = [0, 1, -1, 12, 1234, -12345, 2**32 - 1, 2**32, 2**32 + 1, 2**64 + 7, -(2**70), 3**50]


def gen_args(shape, seed, extra=()):
    return ["--generators", shape["generators"][0], "--terms", shape["terms"][0],
            "--exponents", shape["exponents"][0], "--coefficients", shape["coefficients"][0],
            "--number", str(shape["number"]), "--seed", str(seed)] + list(extra)


def ref_of(shape, seed):
    return ref_gen(seed, shape["generators"][1], shape["terms"][1], shape["exponents"][1],
                   shape["coefficients"][1], shape["number"])


def test_shapes():
    for name, shape in SHAPES.items():
        seeds = SEEDS if name in ("small", "big-coeffs") else SEEDS[::3]
        bad = None
        for seed in seeds:
            out = os.path.join(TMP, f"{name}-{seed}")
            run_gen(out, gen_args(shape, seed))
            polys, rl = load(out)
            want = ref_of(shape, seed)
            d = first_difference(polys, want)
            if d is None and not same_value(rl, ref_run_list(list(want))):
                d = f"run list differs: {first_difference(rl, ref_run_list(list(want)), 'run_list')}"
            if d:
                bad = f"seed {seed}: {d}"
                break
        check(f"shape {name} over {len(seeds)} seeds", bad is None, bad)


def test_groupby():
    shape = dict(SHAPES["steps"], generators=("1-3", [range(1, 3)]), terms=("2-4", [range(2, 4)]))
    for groupby in (["gens"], ["terms", "exp_range"], ["exp_range", "coeff_range"],
                    ["coeff_range", "terms", "gens", "exp_range"]):
        out = os.path.join(TMP, "groupby-" + "-".join(groupby))
        run_gen(out, gen_args(shape, 99, ["--groupby"] + groupby))
        polys, rl = load(out)
        want = ref_run_list(list(ref_of(shape, 99)), groupby)
        check(f"--groupby {' '.join(groupby)}", same_value(rl, want), first_difference(rl, want, "run_list"))


def test_append():
    # the README's second example, with overlapping keys added on top
    out = os.path.join(TMP, "append")
    steps = [
        (["--generators", "1-5, 6-13:2", "--terms", "10", "--coefficients", "1-1000",
          "--exponents", "0-1000", "--number", "1", "--seed", "12"],
         ([range(1, 5), range(6, 13, 2)], [range(10, 11)], [range(0, 1000)], [range(1, 1000)], 1, 12)),
        (["--generators", "1-5, 6-13:2", "--terms", "10", "--coefficients", "2**65-2**66",
          "--exponents", "0-1000", "--number", "1", "--seed", "34", "--append"],
         ([range(1, 5), range(6, 13, 2)], [range(10, 11)], [range(0, 1000)], [range(2**65, 2**66)], 1, 34)),
        (["--generators", "5", "--terms", "4-33:4", "--coefficients", "1-1000",
          "--exponents", "0-1000", "--number", "1", "--seed", "45", "--append"],
         ([range(5, 6)], [range(4, 33, 4)], [range(0, 1000)], [range(1, 1000)], 1, 45)),
        # overwrites (3, 10, range(0, 1000), ...) in place, adds a step-2 system
        (["--generators", "3", "--terms", "10", "--coefficients", "1-1000",
          "--exponents", "0-1000:1, 0-999:2", "--number", "2", "--seed", "-7", "--append"],
         ([range(3, 4)], [range(10, 11)], [range(0, 1000, 1), range(0, 999, 2)], [range(1, 1000)], 2, -7)),
        # range(0, 1000, 2) == range(0, 999, 2): Python keeps the old key object
        (["--generators", "3", "--terms", "10", "--coefficients", "1-1000",
          "--exponents", "0-1000:2", "--number", "1", "--seed", "2**33", "--append"],
         ([range(3, 4)], [range(10, 11)], [range(0, 1000, 2)], [range(1, 1000)], 1, 2**33)),
    ]
    want = {}
    bad = None
    for args, (G, T, E, C, number, seed) in steps:
        run_gen(out, args)
        want.update(ref_gen(seed, G, T, E, C, number))
        polys, rl = load(out)
        d = first_difference(polys, want) or first_difference(rl, ref_run_list(list(want)), "run_list")
        if d:
            bad = f"after {' '.join(args)}: {d}"
            break
    check("--append merges as dict.update, run list over all systems", bad is None, bad)
    with open(os.path.join(out, "dataset.json")) as f:
        meta = json.load(f)
    runs = meta.get("runs", [])
    check("dataset.json records every run's seed and options", [r.get("seed") for r in runs] == [12, 34, 45, -7, 2**33] and runs[1].get("coefficients") == "2**65-2**66"
           and runs[3].get("number") == 2 and runs[3].get("append") is True, json.dumps(meta)[:300])


def test_append_to_named_systems():
    out = os.path.join(TMP, "named")
    os.makedirs(out)
    named = {"mickey": (["x", "y"], [{(2, 0): 1, (0, 2): "4", (0, 0): -4}]),
             "line": (["t"], [{(1,): 1}, {(0,): 2}])}
    rl = {"groebner": [("mickey",), ("line",)], "add": [("mickey", "mickey")]}
    with open(os.path.join(out, "polys.pickle"), "wb") as f:
        pickle.dump(named, f)
    with open(os.path.join(out, "run_list.pickle"), "wb") as f:
        pickle.dump(rl, f)
    shape = SHAPES["small"]
    run_gen(out, gen_args(shape, 5, ["--append"]))
    polys, got_rl = load(out)
    want = dict(named)
    want.update(ref_of(shape, 5))
    want_rl = ref_run_list(list(want), old=rl)
    d = first_difference(polys, want) or first_difference(got_rl, want_rl, "run_list")
    check("--append onto named systems keeps them and their other functions", d is None, d)


def test_drawn_seed():
    out = os.path.join(TMP, "noseed")
    shape = SHAPES["small"]
    args = gen_args(shape, 0)[:-2]   # without --seed
    p = run_gen(out, args)
    seed_lines = [l for l in p.stdout.splitlines() if l.startswith("seed: ")]
    ok = len(seed_lines) == 1
    seed = int(seed_lines[0].split()[1]) if ok else None
    with open(os.path.join(out, "dataset.json")) as f:
        meta = json.load(f)
    ok = ok and meta["runs"][0]["seed"] == seed
    polys, _ = load(out)
    ok = ok and same_value(polys, ref_of(shape, seed))
    again = os.path.join(TMP, "noseed-again")
    run_gen(again, gen_args(shape, seed))
    with open(os.path.join(out, "polys.pickle"), "rb") as a, open(os.path.join(again, "polys.pickle"), "rb") as b:
        ok = ok and a.read() == b.read()
    p2 = run_gen(os.path.join(TMP, "noseed-2"), args)
    ok = ok and p2.stdout.split("\n")[0] != p.stdout.split("\n")[0]
    check("without --seed: a fresh seed is printed, stored, and reproduces the dataset", ok, f"{p.stdout!r} {meta}")


def test_goldens_reference():
    """The reference itself reproduces the original's documented table prefixes."""
    golden = os.path.join(ROOT, "tests", "fixtures", "describe", "seed-example-1.txt")
    if not os.path.exists(golden):
        print("FAIL: gen_python.py: reference vs goldens: tests/fixtures/describe is missing")
        return
    with open(golden) as f:
        lines = f.read().splitlines()[1:]
    d = ref_gen(1234, [range(1, 2)], [range(5, 6)], [range(0, 10)], [range(1, 100)], 10)
    prefixes = [str(p)[:16] for _, ps in d.values() for p in ps]
    check("reference generator reproduces the documented seed 1234 table", all(l.endswith(pre + "...") for l, pre in zip(lines, prefixes)) and len(lines) == 10)


try:
    test_goldens_reference()
    test_shapes()
    test_groupby()
    test_append()
    test_append_to_named_systems()
    test_drawn_seed()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(1 if check.failed else 0)
