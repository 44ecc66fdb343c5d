"""harness_flint_verify.py — the flint harness computes the right answers.

Drives build/harness/casbench-harness-flint through the harness protocol in
verify mode with `result_text`, so every record carries the whole canonical
text of the result (docs/protocol.md, "The verify digest"), and compares it
with SymPy's answer computed here, written in the same canonical form by this
file's own writer: p + q, p - q, p * q; (p*q) divided by q gives p with
remainder 0; Q*B + R == A for every divmod; gcd and lcm (up to sign);
resultant w.r.t. the first generator; factor lists; leading coefficients;
the reduced Gröbner bases of cyclic-4 and katsura-3 (lex, and grevlex) once
both are primitive with positive leading coefficients.  Also: the digest is
the SHA-256 of the text, a benchmark run of the same run list is all `ok`,
and systems with different generator counts are an `error`, not a crash."""
import hashlib
import os
import random
import sys

import sympy
from sympy import Poly, ZZ, symbols

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

HARNESS = cbtest.harness_path("flint")
check = cbtest.Checker("harness_flint_verify", 600)


# ---- the canonical text, written independently of the C code ----------------

# ---- data -------------------------------------------------------------------

def random_poly(rng, nvars, nterms, maxexp, maxcoeff):
    t = {}
    for _ in range(nterms):
        t[tuple(rng.randrange(maxexp + 1) for _ in range(nvars))] = rng.choice([-1, 1]) * rng.randrange(1, maxcoeff)
    return t


def cyclic(n, gens):
    polys = [sum(sympy.Mul(*[gens[(i + j) % n] for j in range(d)]) for i in range(n)) for d in range(1, n)]
    polys.append(sympy.Mul(*gens) - 1)
    return polys


def katsura(n, gens):
    u = lambda i: gens[abs(i)] if abs(i) <= n else 0  # noqa: E731
    polys = [sum(u(l) * u(m - l) for l in range(-n, n + 1)) - u(m) for m in range(n)]
    polys.append(u(0) + 2 * sum(u(i) for i in range(1, n + 1)) - 1)
    return polys


def main():
    if cbtest.not_built("harness_flint_verify", HARNESS, "harness"):
        return 1
    return cbtest.run_steps_in_tmp(check, "cbflint.", arithmetic, groebner, lambda tmp: probe())


def arithmetic(tmp):
    rng = random.Random(20261127)
    gens = symbols("x y z")
    names = [str(g) for g in gens]
    P = [random_poly(rng, 3, 5, 3, 30) for _ in range(4)]
    Q = [random_poly(rng, 3, 4, 2, 20) for _ in range(4)]
    # a planted common factor makes gcd, lcm and factor non-trivial
    common = random_poly(rng, 3, 3, 2, 5)
    Pe = [sympy.expand(cbtest.to_expr(p, gens) * cbtest.to_expr(common, gens)) for p in P[:2]] + [cbtest.to_expr(p, gens) for p in P[2:]]
    Qe = [sympy.expand(cbtest.to_expr(q, gens) * cbtest.to_expr(common, gens)) for q in Q[:2]] + [cbtest.to_expr(q, gens) for q in Q[2:]]
    PQe = [sympy.expand(p * q) for p, q in zip(Pe, Qe)]
    big = {(2, 0, 1): "123456789012345678901234567890", (0, 1, 0): -(2 ** 70), (0, 0, 0): 7}
    polys = {
        "p": (names, [cbtest.terms_of(e, gens) for e in Pe]),
        "q": (names, [cbtest.terms_of(e, gens) for e in Qe]),
        "pq": (names, [cbtest.terms_of(e, gens) for e in PQe]),
        "big": (names, [big, {(1, 1, 1): "-5", (0, 0, 0): 3}]),
        "two": (["a", "b"], [{(1, 0): 1}]),
        "bad": (names, [{(1, 0, 0): 2.5}]),   # invalid: its calls fail, the others run
    }
    Be = [cbtest.to_expr({e: int(c) for e, c in big.items()}, gens), -5 * gens[0] * gens[1] * gens[2] + 3]
    run_list = {
        "add": [("p", "q"), ("big", "p")], "sub": [("p", "q")], "mult": [("p", "q"), ("big", "big")],
        "divmod": [("pq", "q"), ("p", "q")], "gcd": [("p", "q")], "lcm": [("p", "q")],
        "resultant": [("p", "q")], "factor": [("pq",), ("big",)], "leading_coefficient": [("p",), ("big",)],
    }
    run_list["gcd"].append(("p", "two"))   # generator counts differ: an error
    run_list["add"].append(("bad", "p"))
    records, by, text = cbtest.verify_results(HARNESS, tmp, check, "flint", run_list, polys)
    lines = lambda f, *a: text(f, *a).split("\n")  # noqa: E731
    ok = [r for r in records if r["status"] == "ok"]
    check("every computable call is ok", len(ok) == len(records) - 2,
          [(r["function"], r["args"], r["status"], r["error"]) for r in records if r["status"] != "ok"])
    check("digest is the SHA-256 of the canonical text",
          all(r["digest"] == hashlib.sha256(r["result"].encode()).hexdigest() for r in ok))
    check("result_head is the first 200 characters", all(r["result_head"] == r["result"][:200] for r in ok))
    cbtest.check_call_error(check, by, "different generator counts: error, not a crash", "gcd", ("p", "two"),
                            lambda e: "generators" in e)
    cbtest.check_call_error(check, by, "a system that cannot be parsed fails its own calls only", "add",
                            ("bad", "p"), lambda e: "'bad'" in e)

    P_, Q_ = polys["p"][1], polys["q"][1]
    check("add = SymPy p + q", lines("add", "p", "q") == [cbtest.canon(cbtest.terms_of(a + b, gens)) for a, b in zip(Pe, Qe)],
          lines("add", "p", "q"))
    check("add with big and string coefficients",
          lines("add", "big", "p") == [cbtest.canon(cbtest.terms_of(a + b, gens)) for a, b in zip(Be, Pe)], lines("add", "big", "p"))
    check("sub = SymPy p - q", lines("sub", "p", "q") == [cbtest.canon(cbtest.terms_of(a - b, gens)) for a, b in zip(Pe, Qe)])
    check("mult = SymPy p * q", lines("mult", "p", "q") == [cbtest.canon(cbtest.terms_of(a * b, gens)) for a, b in zip(Pe, Qe)])
    check("mult of big coefficients", lines("mult", "big", "big") == [cbtest.canon(cbtest.terms_of(a * a, gens)) for a in Be])
    exact = lines("divmod", "pq", "q")
    check("(p*q)/q = p, remainder 0", exact == ["%s | 0" % cbtest.canon(t) for t in P_], (exact, [cbtest.canon(t) for t in P_]))
    dm = lines("divmod", "p", "q")
    good = len(dm) == len(Pe)
    for line, a, b in zip(dm, Pe, Qe):
        qt, rt = line.split(" | ") if " | " in line else ("x", "x")
        try:
            good &= sympy.expand(cbtest.parse_canon(qt, gens) * b + cbtest.parse_canon(rt, gens) - a) == 0
        except Exception:
            good = False
    check("divmod: Q*B + R == A", good, dm)
    check("gcd = SymPy gcd up to sign",
          lines("gcd", "p", "q") == [cbtest.canon(cbtest.terms_of(sympy.gcd(a, b), gens), positive=True) for a, b in zip(Pe, Qe)],
          lines("gcd", "p", "q"))
    check("lcm = SymPy lcm up to sign",
          lines("lcm", "p", "q") == [cbtest.canon(cbtest.terms_of(sympy.lcm(a, b), gens), positive=True) for a, b in zip(Pe, Qe)])
    want = [cbtest.canon(cbtest.terms_of(sympy.resultant(a, b, gens[0]), gens)) for a, b in zip(Pe, Qe)]
    check("resultant w.r.t. the first generator = SymPy's", lines("resultant", "p", "q") == want,
          (lines("resultant", "p", "q"), want))
    want = [cbtest.canon_factor(e, gens) for e in PQe]
    check("factor = SymPy factor_list", lines("factor", "pq") == want, (lines("factor", "pq"), want))
    check("factor with big coefficients", lines("factor", "big") == [cbtest.canon_factor(e, gens) for e in Be],
          (lines("factor", "big"), [cbtest.canon_factor(e, gens) for e in Be]))
    check("leading_coefficient = SymPy LC (lex)",
          lines("leading_coefficient", "p") == [str(Poly(e, *gens).LC()) for e in Pe]
          and lines("leading_coefficient", "big") == [str(Poly(e, *gens).LC()) for e in Be])

    cfg = dict(cbtest.verify_config("flint", run_list, polys), type="benchmark", repeats=2, result_text=False)
    records, results, _, proc = cbtest.run_harness(HARNESS, tmp, cfg)
    check("benchmark run: ok calls with 2 positive times each",
          proc.returncode == 0 and sum(r["status"] == "ok" and len(r["times"]) == 2 and min(r["times"]) > 0
                                       for r in records) == len(records) - 2,
          [(r["function"], r["status"], r["times"]) for r in records])
    check("benchmark results pickle: a time list per call",
          results is not None and all(len(results[k]) == 2 for k in results if k not in (("gcd", ("p", "two")), ("add", ("bad", "p")))),
          results)


def groebner(tmp):
    g4 = symbols("a b c d")
    systems = {"cyclic-4": (g4, cyclic(4, g4)), "katsura-3": (g4, katsura(3, g4))}
    polys = {k: ([str(g) for g in gens], [cbtest.terms_of(p, gens) for p in ps]) for k, (gens, ps) in systems.items()}
    for order in ("lex", "grevlex"):
        cfg = {"type": "verify", "run_list": {"groebner": [(k,) for k in systems]}, "polys": polys,
               "gc": False, "repeats": 1, "log_file": None, "timeout": 60.0, "library": "flint",
               "result_text": True, "order": order}
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg)
        by = {r["args"][0]: r for r in records}
        for key, (gens, ps) in systems.items():
            G = sympy.groebner(ps, *gens, order=order, domain=ZZ)
            want = "\n".join(sorted(cbtest.canon(cbtest.terms_of(g, gens), positive=True, primitive=True) for g in G.exprs))
            got = by.get(repr(key), {}).get("result")
            check("groebner %s (%s) = SymPy's, primitive and positive" % (key, order), got == want, (got, want))


def probe():
    p, o = cbtest.probe_harness(HARNESS, "flint")
    fns = o.get("functions", [])
    check("probe: flint available with its version and all ten functions",
          o.get("available") is True and o.get("version", "").startswith("2.")
          and o.get("versions", {}).get("calcium") and len(fns) == 10 and "groebner" in fns, o)


sys.exit(main())
