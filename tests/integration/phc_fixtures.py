#!/usr/bin/env python3
"""phc_fixtures.py — `casbench import-phc` on every PHCpack file of
tests/fixtures/phc, checked against an independent parse by SymPy.

What must hold (issue 2, docs/systems.md):
- default mode: a system is kept exactly when SymPy finds all coefficients of
  its count-line-many polynomials to be integers (and no imaginary unit);
  generators are sorted by name; every exponent tuple follows that generator
  list; coefficients are Python ints; one skip line per dropped system;
- --first-paragraph: exactly the systems of the original tool's
  polys.pickle (but cyclic11, which is not among the fixtures), with its
  generator lists and polynomial counts, and polynomials that equal the
  original's once each of its systems' exponent positions is permuted back
  (the original wrote exponents in Python's set order of the generators).
"""
import os
import pickle
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, BUILD = cbtest.ROOT, cbtest.BUILD
CB = cbtest.CB
PHC = os.path.join(cbtest.FIXTURES, "phc")
ORIGINAL = os.path.join(cbtest.FIXTURES, "original-tool", "polys.pickle")
check = cbtest.Checker(None, 800, sep=": ")


def skip(name, why):
    print("SKIP: %s: %s" % (name, why))


if not os.path.isdir(PHC) or not os.path.exists(ORIGINAL):
    print("FAIL: phc_fixtures: tests/fixtures/phc or original-tool is missing")
    sys.exit(1)
try:
    import sympy
    from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations
except ImportError:
    skip("phc_fixtures", "SymPy is not installed")
    sys.exit(0)

FILES = sorted(f for f in os.listdir(PHC) if f not in ("READ_ME", "poly_list"))
PATHS = [os.path.join(PHC, f) for f in FILES]


CACHE = {}


def sympy_system(pieces):
    key = tuple(pieces)
    if key not in CACHE:
        CACHE[key] = sympy_system_uncached(pieces)
    return CACHE[key]


def sympy_system_uncached(pieces):
    """SymPy's reading of polynomial texts: (gens, [dict]) or None when a
    coefficient is not an integer or the imaginary unit appears."""
    idents = set()
    for p in pieces:
        idents |= set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", p))
    if idents & {"i", "I"}:
        return None
    # Every name is a plain Symbol (so E, S, N, beta... are not SymPy's
    # constants), decimals are read exactly (rationalize), ^ is a power;
    # unevaluated parsing, then Poly, keeps this fast on long sums.
    gens = sorted(idents)
    names = {n: sympy.Symbol(n) for n in gens}
    polys = []
    for p in pieces:
        e = parse_expr(p.replace("\n", " ").replace("^", "**"), local_dict=names,
                       transformations=standard_transformations + (rationalize,), evaluate=False)
        d = sympy.Poly(e, *[names[n] for n in gens]).as_dict() if gens else {(): sympy.Rational(e)}
        if not all(c.is_integer for c in d.values()):
            return None
        polys.append({m: int(c) for m, c in d.items() if c != 0})
    return gens, polys


def full_pieces(text):
    lines = text.split("\n")
    n = int(lines[0].split()[0])
    return "\n".join(lines[1:]).split(";")[:n]


def paragraph_pieces(text):
    block = []
    for line in text.split("\n")[1:]:
        if not line.strip():
            if block:
                break
            continue
        block.append(line)
    return [p for p in "\n".join(block).split(";") if p.strip()]


def run_import(extra):
    out = tempfile.mkdtemp(prefix="cbphc.")
    p = subprocess.run([CB, "import-phc", out] + extra + PATHS, capture_output=True, text=True)
    data = rl = None
    if p.returncode == 0:
        with open(os.path.join(out, "polys.pickle"), "rb") as f:
            data = pickle.load(f)
        with open(os.path.join(out, "run_list.pickle"), "rb") as f:
            rl = pickle.load(f)
    subprocess.run(["rm", "-rf", out])
    return p, data, rl


def check_types(tag, data):
    bad = [k for k, (g, ps) in data.items()
           if not all(type(x) is str for x in g)
           or not all(type(e) is tuple and len(e) == len(g) and all(type(x) is int and x >= 0 for x in e)
                      and type(c) is int for p in ps for e, c in p.items())]
    check(tag + ": exponent tuples of ints over the generators, int coefficients", not bad, bad)


def check_against(tag, data, pieces_of):
    expected = {}
    for f in FILES:
        with open(os.path.join(PHC, f)) as fh:
            s = sympy_system(pieces_of(fh.read()))
        if s is not None:
            expected[f] = s
    check(tag + ": keeps exactly the systems SymPy reads with integer coefficients",
          sorted(data) == sorted(expected),
          "extra %s, missing %s" % (sorted(set(data) - set(expected)), sorted(set(expected) - set(data))))
    wrong_gens = [k for k in expected if k in data and data[k][0] != expected[k][0]]
    check(tag + ": generators are the identifiers, sorted by name", not wrong_gens, wrong_gens)
    wrong = [k for k in expected if k in data and data[k][1] != expected[k][1]]
    check(tag + ": every polynomial equals SymPy's, exponents in generator order", not wrong, wrong)
    return expected


def find_permutation(ours, theirs):
    """A permutation pi with theirs[e] == ours[pi(e)] for every polynomial,
    found by backtracking over positions whose exponent columns agree."""
    n = len(next(iter(ours[0]))) if ours and ours[0] else 0
    if n == 0:
        return [] if ours == theirs else None
    cols = lambda ps, j: [sorted(e[j] for e in p) for p in ps]
    cand = [[k for k in range(n) if cols(theirs, j) == cols(ours, k)] for j in range(n)]

    def go(j, used, perm):
        if j == n:
            mapped = [{tuple(e[perm.index(k)] for k in range(n)): c for e, c in p.items()} for p in theirs]
            return perm if mapped == ours else None
        for k in cand[j]:
            if k not in used:
                r = go(j + 1, used | {k}, perm + [k])
                if r is not None:
                    return r
        return None
    return go(0, frozenset(), [])


if not os.access(CB, os.X_OK):
    print("FAIL: phc_fixtures: casbench is not built")
    sys.exit(1)

# ---- default mode: count-line-many polynomials ----
p, data, rl = run_import([])
check("import-phc on every fixture exits 0", p.returncode == 0, p.stderr)
if data is not None:
    check_types("default", data)
    check_against("default", data, full_pieces)
    check("default: run list is groebner on each system, in order",
          rl == {"groebner": [(k,) for k in data]}, rl)
    skips = [l for l in p.stderr.splitlines() if l]
    names = [re.match(r"casbench: skipping ([^:]+): .+", l) for l in skips]
    check("default: one 'skipping NAME: reason' line per dropped file",
          all(names) and sorted(m.group(1) for m in names) == sorted(set(FILES) - set(data)), skips[:5])
    check("default: mickey reads x^2 + 4y^2 - 4",
          data.get("mickey", [None, [None]])[1][0] == {(2, 0): 1, (0, 2): 4, (0, 0): -4}, data.get("mickey"))

# ---- --first-paragraph: the original tool's reading ----
with open(ORIGINAL, "rb") as f:
    orig = pickle.load(f)
p, data, rl = run_import(["--first-paragraph"])
check("import-phc --first-paragraph exits 0", p.returncode == 0, p.stderr)
if data is not None:
    check_types("first-paragraph", data)
    check_against("first-paragraph", data, paragraph_pieces)
    want = sorted(k for k in orig if k != "cyclic11")
    check("first-paragraph: exactly the original's systems (but cyclic11)", sorted(data) == want,
          "extra %s, missing %s" % (sorted(set(data) - set(want)), sorted(set(want) - set(data))))
    check("first-paragraph: the original's generator lists",
          all(data[k][0] == orig[k][0] for k in want if k in data),
          [k for k in want if k in data and data[k][0] != orig[k][0]])
    check("first-paragraph: the original's polynomial counts",
          all(len(data[k][1]) == len(orig[k][1]) for k in want if k in data))
    unperm, permuted = [], []
    for k in want:
        if k not in data:
            continue
        theirs = [{e: int(c) for e, c in q.items()} for q in orig[k][1]]
        perm = find_permutation(data[k][1], theirs)
        if perm is None:
            unperm.append(k)
        elif perm != sorted(perm):
            permuted.append(k)
    check("first-paragraph: each original system is ours with its exponent positions permuted",
          not unperm, unperm)
    check("the original's mickey is permuted (4x^2 + y^2 - 4)", "mickey" in permuted, permuted)
    print("# systems the original stored permuted: %d of %d" % (len(permuted), len(want)))

sys.exit(1 if check.failed else 0)
