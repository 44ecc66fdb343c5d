#!/usr/bin/env python3
"""literature_families.py — the classic benchmark problems of
`casbench systems` (lib/data/literature.c, docs/literature.md).

Checked independently of casbench's FLINT code:
- every input polynomial at small sizes equals the definition expanded by
  SymPy from its textbook form (exponents and coefficients, not only the
  number of terms), for every family and every gcd pair;
- products that casbench expands with FLINT (the division families' p, the
  Monagan-Pearce p, the factor input) equal SymPy's product at small sizes;
- the term counts published for the stated sizes: Fateman n = 20 (f 10,626,
  p 135,751), the 3-variable form (f 1,771, p 12,341), Pearce 12x12 (6,188
  per factor), and the count of the factor input at i = 20 (C(44, 4), every
  monomial of degree <= 40, derived below);
- the run list holds the call each problem is about;
- bad sizes are one-line errors, exit 2, and nothing is written.
"""
import math
import os
import pickle
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, BUILD = cbtest.ROOT, cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker(None, 600, sep=": ")

cbtest.exit_unless_casbench_built("literature_families")
try:
    import sympy
    from sympy import symbols
except ImportError:
    print("SKIP: literature_families: SymPy is not importable")
    sys.exit(0)


def build(specs):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "o")
        p = subprocess.run([CB, "systems", out] + specs, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        with open(os.path.join(out, "polys.pickle"), "rb") as f:
            polys = pickle.load(f)
        with open(os.path.join(out, "run_list.pickle"), "rb") as f:
            run_list = pickle.load(f)
    return polys, run_list


def sympy_dict(expr, gens):
    """The expansion of expr (SymPy syntax) by SymPy's sparse polynomial
    arithmetic (PolyElement of ZZ[gens]): exponent tuple -> int."""
    R, *syms = sympy.ring(",".join(gens), sympy.ZZ)
    value = eval(expr, {"__builtins__": {}}, dict(zip(gens, syms)))
    return {tuple(int(e) for e in k): int(v) for k, v in (R(value)).items()}


def only_poly(polys, key):
    gens, ps = polys[key]
    assert len(ps) == 1, key
    return list(gens), dict(ps[0])


X4, X5 = ["x", "y", "z", "t"], ["x", "y", "z", "t", "u"]
FATEMAN = "(1 + x + y + z + t)"
PF, PG = "(1 + x + y + 2*z**2 + 3*t**3 + 5*u**5)", "(1 + u + t + 2*z**2 + 3*y**3 + 5*x**5)"

# ---- small sizes against SymPy ----
small = {  # spec -> {suffix: (gens, SymPy text)}
    "fateman-3": {"f": (X4, f"{FATEMAN}**3"), "g": (X4, f"{FATEMAN}**3 + 1")},
    "fateman3-4": {"f": (X4[:3], "(x + y + z + 1)**4"), "g": (X4[:3], "(x + y + z + 1)**4 + 1")},
    "pearce-2-3": {"f": (X5, f"{PF}**2"), "g": (X5, f"{PG}**3")},
    "pearcediv-2-2": {"p": (X5, f"{PF}**2 * {PG}**2"), "g": (X5, f"{PG}**2")},
    "dense-2-3": {"f": (X4, f"{FATEMAN}**2"), "g": (X4, f"{FATEMAN}**3")},
    "densediv-3-2": {"p": (X4, f"{FATEMAN}**5"), "g": (X4, f"{FATEMAN}**2")},
    "factor-2": {"p": (X4, f"(x + {FATEMAN}**2) * (y + {FATEMAN}**2)")},
    "mp-5": {"f": (["u", "v", "w", "x", "y"], "(1 + u**2 + v + w**2 + x - y)**10 + 1"),
             "g": (["u", "v", "w", "x", "y"], "(1 + u + v**2 + w + x**2 - y)**10 + 1")},
    "mp-6-3": {"f": (["x", "y", "z"], "((1 + x) * (1 + y) * (1 + z))**3 + 1"),
               "g": (["x", "y", "z"], "((1 - x) * (1 - y) * (1 - z))**3 + 1")},
}
# FLINT's p-gcd.c pairs, written here in SymPy syntax from that file.
GCD_PAIRS = {
    "sparse": (5, "1 + x + y**5 + z**4 + t**40 + u**50", "1 + x**9 + y**2 + z**11 + t**7 + u**27"),
    "sparse3": (3, "1 + x**2 + y**20 + z**33", "1 + x**21 + y**11 + z**7"),
    "dense2": (2, "1 + x + 2*y + x*y", "1 + 2*x + y + x*y"),
    "dense3": (3, "1 + x + y + z + x*y + x*z", "1 + x + y + z + 2*y*z"),
    "semisparse2": (2, "1 + x + 2*y", "1 + x + y"),
    "semisparse3": (3, "1 + 2*x + 3*y - z", "1 + x + y + z"),
    "semisparse4": (4, "1 + 2*x + 3*y - z - 2*t", "1 + x + y + z + t"),
    "semisparse5": (5, "1 + 2*x + 3*y - z - 2*t - 3*u", "1 + x + y + z + t + u"),
    "boldsparse4": (4, "1 + x + y**2 + z**3 + t**4", "1 + x**4 + y**3 + z**2 + t"),
    "boldsparse5": (5, "1 + x + y**2 + z**3 + t**4 + u**5", "1 + x**5 + y**4 + z**3 + t**2 + u"),
    "heavysparse5": (5, "1 + x + y**2 + z**6 + t**4 + u**9", "1 + x**9 + y**4 + z**3 + t**7 + u"),
}


def liao_fateman(case, n):
    """The Liao-Fateman inputs as SymPy itself defines them
    (sympy.polys.specialpolys.fateman_poly_F_1..3, "Fateman's GCD
    benchmark") in n variables, renamed y_0 -> x, y_(i+1) -> y(i) as in
    casbench: {suffix: (gens, SymPy text)}."""
    from sympy.polys import specialpolys
    F, G = getattr(specialpolys, f"fateman_poly_F_{case}")(n - 1)[:2]
    gens = ["x"] + [f"y{i}" for i in range(n - 1)]
    rename = dict(zip(F.gens, symbols(gens)))
    return {s: (gens, str(P.as_expr().xreplace(rename))) for s, P in (("f", F), ("g", G))}


for case in (1, 2, 3):
    for n in (3, 4):
        small[f"lfgcd-{case}-{n}"] = liao_fateman(case, n)
M1, N1, M2, N2 = 2, 1, 1, 2
for name, (n, a, b) in GCD_PAIRS.items():
    small[f"gcd-{name}-{M1}-{N1}-{M2}-{N2}"] = {
        "a": (X5[:n], f"({a})**{M1} * ({b})**{N1}"), "b": (X5[:n], f"({a})**{M2} * ({b})**{N2}")}

polys, run_list = build(list(small))
for spec, parts in small.items():
    for suffix, (gens, text) in parts.items():
        key = f"{spec}:{suffix}"
        if key not in polys:
            check(f"{key} built", False, sorted(polys)[:5])
            continue
        got_gens, got = only_poly(polys, key)
        want = sympy_dict(text, gens)
        check(f"{key} = SymPy's expansion of {text[:60]}", got_gens == gens and got == want,
              (got_gens, len(got), len(want)))

# Monagan-Pearce p = f*g and its run list
mp_polys, mp_rl = build(["mp-1"])
gens, f = only_poly(mp_polys, "mp-1:f")
_, g = only_poly(mp_polys, "mp-1:g")
_, p = only_poly(mp_polys, "mp-1:p")
check("mp-1:f = (1+x+y+z)^20 + 1 (SymPy)", f == sympy_dict("(1 + x + y + z)**20 + 1", gens))
check("mp-1:g = f + 1", g == {e: c + (2 if e == (0, 0, 0) else 0) - (1 if e == (0, 0, 0) else 0) for e, c in f.items()})
check("mp-1 run list: mult(f, g), factor(p)",
      mp_rl == {"mult": [("mp-1:f", "mp-1:g")], "factor": [("mp-1:p",)]}, mp_rl)
# published: the product has 12,341 terms; it is every monomial of degree
# <= 40 in 3 variables, C(43, 3), and SymPy's f*g agrees
check("mp-1:p has the published 12,341 terms = C(43,3)", len(p) == 12341 == math.comb(43, 3), len(p))

# ---- run lists ----
want_rl = {
    "mult": [("fateman-3:f", "fateman-3:g"), ("fateman3-4:f", "fateman3-4:g"),
             ("pearce-2-3:f", "pearce-2-3:g"), ("dense-2-3:f", "dense-2-3:g"), ("mp-5:f", "mp-5:g"),
             ("mp-6-3:f", "mp-6-3:g")],
    "divmod": [("pearcediv-2-2:p", "pearcediv-2-2:g"), ("densediv-3-2:p", "densediv-3-2:g")],
    "factor": [("factor-2:p",), ("mp-5:p",), ("mp-6-3:p",)],
}
for fn, entries in want_rl.items():
    check(f"run list {fn}", run_list.get(fn) == entries, run_list.get(fn))
check("run list gcd: one pair per gcd problem",
      run_list.get("gcd") == [(f"{s}:a", f"{s}:b") if s.startswith("gcd-") else (f"{s}:f", f"{s}:g")
                              for s in small if s.startswith(("gcd-", "lfgcd-"))], run_list.get("gcd"))

# ---- products against SymPy's multiplication (Pearce 3x3: the product
# count cross-checked at a size SymPy multiplies quickly) ----
pp, _ = build(["pearcediv-3-3"])
_, prod = only_poly(pp, "pearcediv-3-3:p")
check("pearcediv-3-3:p = SymPy's product", prod == sympy_dict(f"{PF}**3 * {PG}**3", X5), len(prod))

# ---- published counts at the stated sizes ----
big, big_rl = build(["fateman-20", "fateman3-20", "pearce-12-12", "densediv-20-20", "factor-20"])
count = lambda k: len(only_poly(big, k)[1])
check("fateman-20:f has 10,626 terms", count("fateman-20:f") == 10626 == math.comb(24, 4))
check("fateman-20:g has 10,626 terms", count("fateman-20:g") == 10626)
check("fateman3-20:f has 1,771 terms", count("fateman3-20:f") == 1771 == math.comb(23, 3))
check("pearce-12-12:f and :g have 6,188 terms each",
      count("pearce-12-12:f") == count("pearce-12-12:g") == 6188 == math.comb(17, 5))
# Fateman's p = f(f+1) has the support of (1+x+y+z+t)^40 (positive
# coefficients, no cancellation), which is densediv-20-20's p = f^2.
check("densediv-20-20:p (= Fateman n=20 support) has the published 135,751 terms",
      count("densediv-20-20:p") == 135751 == math.comb(44, 4), count("densediv-20-20:p"))
check("factor-20:p has C(44,4) terms (all monomials of degree <= 40)",
      count("factor-20:p") == math.comb(44, 4), count("factor-20:p"))
_, f20 = only_poly(big, "fateman-20:f")
check("fateman-20:f coefficients are the multinomials of 20",
      all(c == math.factorial(20) // math.prod(math.factorial(e) for e in k + (20 - sum(k),))
          for k, c in f20.items()))

# ---- 3-colouring ideals ----
def colouring(n, edges):
    gens = [f"x{i}" for i in range(n)]
    texts = [f"x{i}**3 - 1" for i in range(n)] + [f"x{i}**2 + x{i}*x{j} + x{j}**2" for i, j in edges]
    return gens, [sympy_dict(t, gens) for t in texts]


cp, crl = build(["color3-cycle-5", "color3-complete-4", "color3-petersen"])
for key, (n, edges) in {
    "color3-cycle-5": (5, [(i, (i + 1) % 5) for i in range(5)]),
    "color3-complete-4": (4, [(i, j) for i in range(4) for j in range(i + 1, 4)]),
}.items():
    gens, want = colouring(n, edges)
    check(f"{key} = vertex and edge polynomials", list(cp[key][0]) == gens and [dict(q) for q in cp[key][1]] == want)
gens, ps = cp["color3-petersen"]
edges = []
for q in ps[10:]:
    (e, _), = [(k, c) for k, c in q.items() if max(k) == 1]  # the x_i*x_j term
    edges.append(tuple(i for i, v in enumerate(e) if v))
degrees = [sum(v in e for e in edges) for v in range(10)]
check("color3-petersen: 10 vertices, 15 distinct edges, 3-regular",
      len(gens) == 10 and len(set(edges)) == 15 and degrees == [3] * 10, (len(gens), edges))
# Petersen: girth 5 (no triangle, no 4-cycle) and diameter 2 identify it
adj = {v: {w for e in edges for w in e if v in e and w != v} for v in range(10)}
no_short = all(not (adj[a] & adj[b]) for a, b in edges) and \
    all(len(adj[a] & adj[b]) <= 1 for a in range(10) for b in range(a + 1, 10))
diam2 = all(b in adj[a] or adj[a] & adj[b] for a in range(10) for b in range(10) if a != b)
check("color3-petersen: girth 5 and diameter 2 (the Petersen graph)", no_short and diam2)
check("color3 run list: groebner on each",
      crl == {"groebner": [("color3-cycle-5",), ("color3-complete-4",), ("color3-petersen",)]}, crl)
# K4 has no proper 3-colouring: its ideal is the unit ideal (SymPy)
gens, ps = cp["color3-complete-4"]
syms = symbols(gens)
exprs = [sum(c * sympy.prod(s ** e for s, e in zip(syms, k)) for k, c in q.items()) for q in ps]
check("color3-complete-4: SymPy's Groebner basis is [1]",
      list(sympy.groebner(exprs, *syms, order="grevlex").exprs) == [1])

# ---- end to end: the real harnesses agree on the problems ----
# (casbench run --verify: FLINT, Singular and SymPy compute every call; the
# digests must agree, except where they differ by design: SymPy's divmod by
# a divisor whose leading coefficient is not a unit is pseudo-division, and
# Singular's groebner over ZZ is a strong basis over ZZ, not QQ's reduced one)
HARNESS = os.path.join(BUILD, "harness", "casbench-harness-%s")
libs = [l for l, h in [("flint", "flint"), ("singular", "singular")] if os.access(HARNESS % h, os.X_OK)]
if len(libs) < 2:
    print("FAIL: literature verify: the flint and singular harnesses are not both built")
else:
    import glob
    import json
    with tempfile.TemporaryDirectory() as d:
        specs = ["fateman-3", "pearce-2-2", "pearcediv-2-2", "densediv-3-2", "gcd-dense2-2-1-1-2",
                 "lfgcd-2-3", "factor-1", "color3-complete-3"]
        subprocess.run([CB, "systems", os.path.join(d, "in")] + specs, check=True, capture_output=True)
        p = subprocess.run([CB, "run", os.path.join(d, "in", "polys.pickle"), os.path.join(d, "in", "run_list.pickle"),
                            os.path.join(d, "out"), "--verify", "--libraries"] + libs + ["sympy-domains"],
                           capture_output=True, text=True, timeout=300)
        check("verify run exits 0", p.returncode == 0, p.stderr[-400:])
        by_call = {}
        for path in glob.glob(os.path.join(d, "out", "results_*", "calls.jsonl")):
            for line in open(path):
                r = json.loads(line)
                by_call.setdefault((r["function"], tuple(r["args"])), {})[r["library"]] = (r["status"], r.get("digest"))
        check("verify: every problem ran in every library",
              len(by_call) == 8 and all(len(v) == 3 for v in by_call.values()), by_call)
        for (fn, args), res in sorted(by_call.items()):
            pseudo = args[0].startswith("'pearcediv")
            agree = {lib: res[lib] for lib in res if not (pseudo and lib == "sympy-domains")
                     and not (fn == "groebner" and lib == "singular")}
            ok = all(st == "ok" for st, _ in res.values()) and len({dg for _, dg in agree.values()}) == 1
            check(f"verify {fn}{args}: {', '.join(sorted(agree))} give the same result", ok, res)

        # --singular-ring rational (the paper table's ring): the exact
        # divisions agree with FLINT's, the records say QQ, run.json the ring
        p = subprocess.run([CB, "run", os.path.join(d, "in", "polys.pickle"), os.path.join(d, "in", "run_list.pickle"),
                            os.path.join(d, "qq"), "--verify", "--libraries"] + libs +
                           ["--singular-ring", "rational", "--run-list-filter", "divmod", "mult"],
                           capture_output=True, text=True, timeout=300)
        check("verify --singular-ring rational exits 0", p.returncode == 0, p.stderr[-400:])
        recs = [json.loads(line) for path in glob.glob(os.path.join(d, "qq", "results_*", "calls.jsonl"))
                for line in open(path)]
        qq = {}
        for r in recs:
            qq.setdefault((r["function"], tuple(r["args"])), {})[(r["library"], r["env"])] = (r["status"], r["digest"])
        check("rational: divmod and mult of every problem agree with FLINT, Singular's env is QQ",
              len(qq) == 4 and all(set(v) == {("flint", None), ("singular", "QQ")} and
                                   len({x for x in v.values()}) == 1 and all(st == "ok" for st, _ in v.values())
                                   for v in qq.values()), qq)
        with open(glob.glob(os.path.join(d, "qq", "results_*", "run.json"))[0]) as f:
            check("rational: run.json records the ring", json.load(f)["options"].get("singular_ring") == "rational")

# ---- errors ----
for bad, why in [("pearce-0-3", "parameter 1"), ("gcd-sparse-1-2", "expected"),
                 ("fateman-41", "between"), ("lfgcd-4-3", "between"), ("color3-petersen-3", "expected")]:
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([CB, "systems", os.path.join(d, "o"), bad], capture_output=True, text=True)
        check(f"{bad}: exit 2, one line naming it, nothing written",
              p.returncode == 2 and p.stderr.count("\n") == 1 and bad in p.stderr and why in p.stderr
              and not os.path.exists(os.path.join(d, "o")), (p.returncode, p.stderr))

sys.exit(1 if check.failed else 0)
