"""gen_python.py — `casbench gen` against a Python reference generator.

The reference below loops exactly as the original tool's generator
(PolynomialGenerator.generate in its gen_polys.py, written here anew with
Python's own random.Random): over itertools.product of the options' parts
(generators, terms, coefficients, exponents — coefficients before
exponents), and within each element over its generators and terms values;
run-list pairs are formed per element, by groupby and
combinations_with_replacement, singles per element; --append merges the
datasets with dict.update and the run lists function by function (old
entries, then new).  It reproduces the documented outputs of
tests/fixtures/describe/ (checked here too).  For many seeds (0, negative,
above 2**32 and 2**64) and option shapes (several parts in one option,
steps, negative steps, negative and huge coefficients, 0 generators, 0
terms, duplicate values, Python-equal ranges, exponents near 2**63),
casbench's polys.pickle must load in Python as exactly the reference's dict:
same keys in the same order, same types (range objects in the keys), same
dict order inside each polynomial; run_list.pickle must be the reference run
list (the original ordered --append's functions by a set, i.e. by the hash
seed: only there is the functions' order not compared).
"""
import itertools
import json
import os
import pickle
import pickletools
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

def ref_generate(seed, G, T, E, C, number, groupby=("gens", "terms")):
    """(dataset, run list) as the original's generate() made them."""
    rng = random.Random(seed)
    results, singles, combos = {}, [], []
    for gen_part, terms_part, cr, er in itertools.product(G, T, C, E):
        res = {}
        for g in gen_part:
            for t in terms_part:
                polys = cbtest.original_polys(rng, number, t, g, er, cr)
                res[(g, t, er, cr)] = ([f"x{i}" for i in range(g)], polys)
        groups = {}
        for k in res:
            groups.setdefault(tuple(k[FIELDS[f]] for f in groupby), []).append(k)
        singles.extend((k,) for k in res)
        combos.extend(itertools.chain.from_iterable(
            itertools.combinations_with_replacement(v, 2) for v in groups.values()))
        results.update(res)
    run_list = {"add": combos, "mult": combos, "divmod": combos, "resultant": combos, "gcd": combos,
                "leading_coefficient": singles}
    return results, run_list


def ref_gen(seed, G, T, E, C, number):
    return ref_generate(seed, G, T, E, C, number)[0]


FIELDS = {"gens": 0, "terms": 1, "exp_range": 2, "coeff_range": 3}


def ref_merge_run_lists(old, new):
    """The original's --append: functions in one run list keep their entries,
    functions in both get the old ones then the new ones."""
    merged = {k: old.get(k, new.get(k)) for k in old.keys() ^ new.keys()}
    merged.update({k: old[k] + new[k] for k in old.keys() & new.keys()})
    return merged


def same_run_list(a, b):
    """Equal run lists, the functions' order aside (the original's comes from a set)."""
    return set(a) == set(b) and all(same_value(a[k], b[k]) for k in a)


def run_list_difference(got, want):
    if set(got) != set(want):
        return f"functions {sorted(got)} vs {sorted(want)}"
    return next(filter(None, (first_difference(got[k], want[k], f"run_list[{k!r}]") for k in want)), None)


# ---------------------------------------------------------------- compare

def same_value(a, b):
    """== plus types and orders all the way down."""
    return cbtest.value_difference(a, b) is None


def first_difference(a, b, path="dataset"):
    return cbtest.value_difference(a, b, path)


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


def ref_of(shape, seed, groupby=("gens", "terms")):
    """The reference's (dataset, run list) for a shape."""
    return ref_generate(seed, shape["generators"][1], shape["terms"][1], shape["exponents"][1],
                        shape["coefficients"][1], shape["number"], groupby)


def test_shapes():
    for name, shape in SHAPES.items():
        seeds = SEEDS if name in ("small", "big-coeffs") else SEEDS[::3]
        bad = None
        for seed in seeds:
            out = os.path.join(TMP, f"{name}-{seed}")
            run_gen(out, gen_args(shape, seed))
            polys, rl = load(out)
            want, want_rl = ref_of(shape, seed)
            d = first_difference(polys, want) or first_difference(rl, want_rl, "run_list")
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
        want, want_rl = ref_of(shape, 99, groupby)
        d = first_difference(polys, want) or first_difference(rl, want_rl, "run_list")
        check(f"--groupby {' '.join(groupby)}", d is None, d)


# several parts in every option: the product of the parts, pairs per element
MULTI = dict(generators=("1-3, 5", [range(1, 3), range(5, 6)]), terms=("2, 4-7:2", [range(2, 3), range(4, 7, 2)]),
             exponents=("1-9:3, 100-1000:101", [range(1, 9, 3), range(100, 1000, 101)]),
             coefficients=("0-1000, -5-5", [range(0, 1000), range(-5, 5)]), number=2)


def test_multi_part():
    for groupby in (["gens", "terms"], ["gens"], ["exp_range"], ["coeff_range", "exp_range"], ["terms"]):
        bad = None
        for seed in (0, 7, -3, 2**40):
            out = os.path.join(TMP, "multi-%s-%s" % ("-".join(groupby), seed))
            run_gen(out, gen_args(MULTI, seed, ["--groupby"] + groupby))
            polys, rl = load(out)
            want, want_rl = ref_of(MULTI, seed, groupby)
            bad = first_difference(polys, want) or first_difference(rl, want_rl, "run_list")
            if bad:
                bad = f"seed {seed}: {bad}"
                break
        check(f"multi-part options, --groupby {' '.join(groupby)}: dataset and run list as the original's",
              bad is None, bad)
    # the example: one generator and one terms value, two exponent
    # parts: each forms its own pair (the original's 2 pairs, not 3)
    out = os.path.join(TMP, "two-exp-parts")
    run_gen(out, ["--generators", "2", "--terms", "3", "--exponents", "1-9:3,100-1000:101", "--coefficients",
                  "0-1000", "--number", "1", "--seed", "1"])
    _, rl = load(out)
    check("two exponent parts: one pair each, none across", len(rl["add"]) == 2 and
          all(a[2] == b[2] for a, b in rl["add"]), rl["add"])


def test_defaults():
    """Without options, gen draws the original's defaults (its cli.py)."""
    out = os.path.join(TMP, "defaults")
    run_gen(out, ["--seed", "5"])
    polys, rl = load(out)
    want, want_rl = ref_generate(5, [range(1, 10)], [range(50, 51)], [range(0, 10), range(100, 1000, 101)],
                                 [range(0, 1000)], 10)
    d = first_difference(polys, want) or first_difference(rl, want_rl, "run_list")
    check("defaults: --generators 1-10 --terms 50 --coefficients 0-1000 --exponents 0-10,100-1000:101 --number 10",
          d is None, d)


def test_append():
    # the README's second example, with overlapping keys and multi-part options added on top
    out = os.path.join(TMP, "append")
    steps = [
        (["--generators", "1-5, 6-13:2", "--terms", "10", "--coefficients", "1-1000",
          "--exponents", "0-1000", "--number", "1", "--seed", "12"],
         ([range(1, 5), range(6, 13, 2)], [range(10, 11)], [range(0, 1000)], [range(1, 1000)], 1, 12), None),
        (["--generators", "1-5, 6-13:2", "--terms", "10", "--coefficients", "2**65-2**66",
          "--exponents", "0-1000", "--number", "1", "--seed", "34", "--append"],
         ([range(1, 5), range(6, 13, 2)], [range(10, 11)], [range(0, 1000)], [range(2**65, 2**66)], 1, 34), None),
        (["--generators", "5", "--terms", "4-33:4", "--coefficients", "1-1000",
          "--exponents", "0-1000", "--number", "1", "--seed", "45", "--append"],
         ([range(5, 6)], [range(4, 33, 4)], [range(0, 1000)], [range(1, 1000)], 1, 45), None),
        # overwrites (3, 10, range(0, 1000), ...) in place, adds a step-2 system
        (["--generators", "3", "--terms", "10", "--coefficients", "1-1000",
          "--exponents", "0-1000:1, 0-999:2", "--number", "2", "--seed", "-7", "--append"],
         ([range(3, 4)], [range(10, 11)], [range(0, 1000, 1), range(0, 999, 2)], [range(1, 1000)], 2, -7), None),
        # range(0, 1000, 2) == range(0, 999, 2): Python keeps the old key object
        (["--generators", "3", "--terms", "10", "--coefficients", "1-1000",
          "--exponents", "0-1000:2", "--number", "1", "--seed", "2**33", "--append"],
         ([range(3, 4)], [range(10, 11)], [range(0, 1000, 2)], [range(1, 1000)], 1, 2**33), None),
        # several parts and another --groupby on top
        (["--generators", "2-4", "--terms", "3, 5", "--coefficients", "1-10, -3-3",
          "--exponents", "0-4, 10-20:5", "--number", "1", "--seed", "77", "--groupby", "exp_range", "--append"],
         ([range(2, 4)], [range(3, 4), range(5, 6)], [range(0, 4), range(10, 20, 5)], [range(1, 10), range(-3, 3)],
          1, 77), ("exp_range",)),
    ]
    want, want_rl = {}, {}
    bad = None
    for args, (G, T, E, C, number, seed), groupby in steps:
        run_gen(out, args)
        polys_add, rl_add = ref_generate(seed, G, T, E, C, number, groupby or ("gens", "terms"))
        want = want | polys_add
        want_rl = ref_merge_run_lists(want_rl, rl_add)
        polys, rl = load(out)
        d = first_difference(polys, want) or run_list_difference(rl, want_rl)
        if d:
            bad = f"after {' '.join(args)}: {d}"
            break
    check("--append merges as the original (dict union; run lists old + new per function)", bad is None, bad)
    with open(os.path.join(out, "dataset.json")) as f:
        meta = json.load(f)
    runs = meta.get("runs", [])
    check("dataset.json records every run's seed and options", [r.get("seed") for r in runs] == [12, 34, 45, -7, 2**33, 77] and runs[1].get("coefficients") == "2**65-2**66"
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
    add, add_rl = ref_of(shape, 5)
    want = named | add
    want_rl = ref_merge_run_lists(rl, add_rl)
    d = first_difference(polys, want) or run_list_difference(got_rl, want_rl)
    check("--append onto named systems keeps them and their functions' entries", d is None, d)
    check("--append keeps the old run list's functions first, in their order",
          list(got_rl)[:2] == ["groebner", "add"], list(got_rl))


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
    ok = ok and same_value(polys, ref_of(shape, seed)[0])
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


INT_OPS = ("BININT1", "BININT2", "BININT", "LONG1", "LONG4")


def int_encodings(data):
    """(value, the bytes of its opcode and argument) of every int in a pickle."""
    ops = list(pickletools.genops(data))
    return [(arg, data[pos:ops[i + 1][2]]) for i, (op, arg, pos) in enumerate(ops) if op.name in INT_OPS]


def test_int_encoding():
    """Every int in polys.pickle is encoded as CPython's pickler encodes it
    (fewest two's-complement bytes): the same dataset has the same bytes
    whichever tool wrote it.  casbench before issue 17 wrote -2**(8k-1),
    k >= 15, with one byte too many (a redundant 0xff sign byte)."""
    parts = ["(-2**(8*%d-1))-(-2**(8*%d-1)+2)" % (k, k) for k in (15, 16, 17, 32, 255, 256)]
    parts += ["(2**(8*%d-1)-1)-(2**(8*%d-1)+1)" % (k, k) for k in (15, 16, 256)]
    parts += ["-2**130--2**100", "-2**64--2**62", "-70000-70000"]
    out = os.path.join(TMP, "int-encoding")
    run_gen(out, ["--generators", "2", "--terms", "20", "--exponents", "0-3, (2**63-2**31)-(2**63-1), 60000-70000",
                  "--coefficients", ", ".join(parts), "--number", "1", "--seed", "17"])
    with open(os.path.join(out, "polys.pickle"), "rb") as f:
        data = f.read()
    bad, seen = [], 0
    for value, got in int_encodings(data):
        seen += 1
        want = int_encodings(pickle.dumps(value, 4))[0][1]
        if got != want:
            bad.append(f"{value}: {got.hex()} vs Python's {want.hex()}")
    check(f"gen encodes all {seen} ints of polys.pickle as CPython's pickler does", seen > 500 and not bad,
          "; ".join(bad[:3]))


try:
    test_goldens_reference()
    test_int_encoding()
    test_shapes()
    test_groupby()
    test_multi_part()
    test_defaults()
    test_append()
    test_append_to_named_systems()
    test_drawn_seed()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(1 if check.failed else 0)
