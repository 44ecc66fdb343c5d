"""pari_harness.py — the pari harness computes with the real libpari.

Through the harness protocol (docs/protocol.md), without the engine:
- --probe: available, with the version gp itself reports (`version()`);
- verify with `result_text`: every function's canonical text against SymPy's
  answer written here by this file's own writer (add, sub, mult, gcd, lcm,
  resultant w.r.t. the first generator, factor with its integer content,
  leading coefficient in lex order) and divmod against SymPy's pseudo-
  division in the first generator (Poly.pdiv), which is what PARI's
  RgX_pseudodivrem computes; groebner is `unsupported`;
- benchmark with a 1 s limit: a factorisation PARI does not finish (four
  generators; gp takes over 10 s) is `timeout`, and the calls after it are
  `ok`, one time per repeat;
- errors: divmod by a zero polynomial is PARI's own error, caught (`error`
  with PARI's message), and systems of different generator counts are
  `error`, for that call only; a call after them is `ok`."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

HARNESS = cbtest.harness_path("pari")
check = cbtest.Checker("pari_harness", 600)


def main():
    if not os.path.exists(HARNESS):
        print("FAIL: pari_harness: %s is missing" % HARNESS)
        return 1
    import sympy
    from sympy import Poly, ZZ, symbols

    pr = subprocess.run([HARNESS, "--probe", "pari"], capture_output=True, text=True, timeout=30)
    probe = json.loads(pr.stdout or "{}")
    gp = shutil.which("gp")
    if gp:
        v = subprocess.run([gp, "-q", "-f"], input='print(strjoin(apply(x->Str(x), version()[1..3]), "."))',
                           capture_output=True, text=True, timeout=30).stdout.strip()
        check("probe: available, version as gp says", probe.get("available") is True
              and probe.get("version") == v, (probe, v))
    else:
        print("SKIP: pari_harness: probe version (gp not installed)")
    check("probe: groebner not offered", "groebner" not in probe.get("functions", ["groebner"])
          and "factor" in probe.get("functions", []), probe)

    rng = random.Random(8)
    x, y, z = gens = symbols("x y z")
    names = [str(g) for g in gens]

    def rand(n, k=3, e=4, c=50):
        return {tuple(rng.randrange(e) for _ in range(k)): rng.choice([-1, 1]) * rng.randrange(1, c)
                for _ in range(n)}
    common = cbtest.to_expr(rand(3), gens)
    P = [sympy.expand(cbtest.to_expr(rand(4), gens) * common) for _ in range(2)] + [cbtest.to_expr(rand(5), gens)]
    Q = [sympy.expand(cbtest.to_expr(rand(4), gens) * common) for _ in range(2)] + [cbtest.to_expr(rand(5), gens)]
    P.append(sympy.expand(6 * (x * y - 1) * (x + z) ** 2))   # content and a repeated factor
    Q.append(sympy.expand(-4 * y * z + 2))
    # factor inputs kept small: PARI's multivariate factoring takes seconds
    # on the products above
    F = [P[2], P[3], sympy.expand((3 * x * z - 2 * y + 1) * (x ** 2 - y * z) * (z - 5) * -2), sympy.Integer(-12)]
    polys = {
        "p": (names, [cbtest.terms_of(e, gens) for e in P]),
        "q": (names, [cbtest.terms_of(e, gens) for e in Q]),
        "zero": (names, [{}]),
        "f": (names, [cbtest.terms_of(e, gens) for e in F]),
        "two": (["x", "y"], [{(1, 0): 1}]),
    }
    fns2 = ["add", "sub", "mult", "divmod", "gcd", "lcm", "resultant"]
    run_list = {f: [("p", "q")] for f in fns2}
    run_list.update({"factor": [("f",)], "leading_coefficient": [("p",)], "groebner": [("p",)]})
    run_list["divmod"].append(("p", "zero"))
    run_list["gcd"].append(("p", "two"))
    run_list["mult"].append(("q", "p"))
    tmp = tempfile.mkdtemp(prefix="cb-pari-")
    try:
        _, by, res = cbtest.verify_results(HARNESS, tmp, check, "pari", run_list, polys)
        lines = lambda f, *a: res(f, *a).split("\n")  # noqa: E731
        want = cbtest.sympy_pair_results(P, Q, gens, x)
        for f, exp in want.items():
            check("%s = SymPy's" % f, lines(f, "p", "q") == exp, (res(f, "p", "q")[:300], exp[0][:300]))
        check("mult of the swapped pair: same products", lines("mult", "q", "p") == want["mult"])
        pd = []
        for a, b in zip(P, Q):
            qq, rr = Poly(a, *gens, domain=ZZ).pdiv(Poly(b, *gens, domain=ZZ))
            pd.append(cbtest.canon(cbtest.terms_of(qq.as_expr(), gens)) + " | " + cbtest.canon(cbtest.terms_of(rr.as_expr(), gens)))
        check("divmod = SymPy's pseudo-division in the first generator", lines("divmod", "p", "q") == pd,
              (res("divmod", "p", "q")[:300], pd[0][:300]))
        check("factor = SymPy's factor_list (content included)",
              lines("factor", "f") == [cbtest.canon_factor(a, gens) for a in F],
              (res("factor", "f")[:400], [cbtest.canon_factor(a, gens) for a in F]))
        lc = [str(sorted(cbtest.terms_of(a, gens).items(), reverse=True)[0][1]) for a in P]
        check("leading_coefficient = the lex one", lines("leading_coefficient", "p") == lc,
              (res("leading_coefficient", "p"), lc))
        g = by.get(("groebner", ("'p'",)), {})
        check("groebner: unsupported", g.get("status") == "unsupported", g)
        cbtest.check_call_error(check, by, "divmod by a zero polynomial: PARI's error, caught", "divmod",
                                ("p", "zero"), lambda e: e.startswith("PARI: "))
        cbtest.check_call_error(check, by, "different generator counts: error", "gcd", ("p", "two"),
                                lambda e: "generators" in e)

        # benchmark: a factorisation that does not finish in 1 s, then more calls
        k = symbols("a b c d")
        rng2 = random.Random(20)
        hard = {}
        for _ in range(10):
            c = rng2.choice([-1, 1]) * rng2.randrange(1, 1000)
            hard[tuple(rng2.randrange(5) for _ in range(4))] = c
        polys["hard"] = ([str(s) for s in k], [hard])
        bench = {"factor": [("hard",)], "divmod": [("p", "zero")], "mult": [("p", "q")]}
        cfg_b = {"type": "benchmark", "run_list": bench, "polys": polys, "gc": False, "repeats": 3,
                 "log_file": None, "timeout": 1.0, "grace": 0.5, "library": "pari"}
        records, _, took, proc = cbtest.run_harness(HARNESS, tmp, cfg_b)
        st = [(r["function"], r["status"], len(r["times"])) for r in records]
        check("benchmark: a 4-generator factor times out at 1 s, the calls after it run",
              st == [("factor", "timeout", 0), ("divmod", "error", 0), ("mult", "ok", 3)], st)
        check("benchmark: the limit is enforced (run well under 10 s)", took < 10, took)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
