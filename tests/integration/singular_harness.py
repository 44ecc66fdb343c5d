"""singular_harness.py — the singular harness drives the real Singular.

Through the harness protocol (docs/protocol.md), without the engine:
- --probe: available, with the version Singular itself reports (`-v`);
- verify with `result_text`: every function's canonical text against SymPy's
  answer written here by this file's own writer (add, sub, mult, gcd, lcm,
  resultant w.r.t. the first generator, factor, leading coefficient), Q*B + R
  == A for Singular's division, and for groebner (cyclic-4, lex and grevlex)
  a basis of the same ideal as SymPy's (SymPy's reduced basis of Singular's
  basis is SymPy's reduced basis of the input);
- singular_ring "rational" (ring 0): exact division gives (quotient, 0),
  an inexact one (fractions) is an error naming the coefficient, mult as
  SymPy's;
- benchmark with a 1 s limit: a groebner that does not finish (katsura-4 over
  ZZ) is `timeout` within the limit plus the grace, and the calls after it
  are `ok` (a fresh Singular), with one time per repeat; no Singular is left
  behind and the FIFO directory is gone when the harness exits;
- errors: divmod by a zero polynomial and systems of different generator
  counts are `error` for that call only; --min-time loops; mem mode is
  `unsupported`;
- warm-up and calibrated loops through timed_repeat (docs/measurement.md):
  the cold execution is recorded apart, and a repeat of N executions runs
  them inside Singular (a `for` loop in one timed command), so its time per
  execution is a single execution's, not 1/N of it."""
import glob
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

HARNESS = cbtest.harness_path("singular")
check = cbtest.Checker("singular_harness", 600)


def singular_pids():
    out = set()
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"Singular" and b"--ticks-per-sec=1000000" in argv:
            try:
                with open(d + "/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                        continue
            except (OSError, IndexError):
                continue
            out.add(int(os.path.basename(d)))
    return out


def main():
    if not shutil.which("Singular"):
        print("SKIP: singular_harness: Singular is not installed")
        return 0
    if not os.path.exists(HARNESS):
        print("FAIL: singular_harness: %s is missing" % HARNESS)
        return 1
    import sympy
    from sympy import QQ, symbols, groebner

    # probe
    pr = subprocess.run([HARNESS, "--probe", "singular"], capture_output=True, text=True, timeout=30)
    probe = json.loads(pr.stdout or "{}")
    banner = subprocess.run(["Singular", "-v", "-q", "--no-rc", "-c", "quit;"], capture_output=True, text=True,
                            timeout=30, stdin=subprocess.DEVNULL).stdout
    check("probe: available, version as Singular -v says", probe.get("available") is True
          and probe.get("version") and ("version " + probe["version"]) in banner, (probe, banner[:200]))
    check("probe: all ten functions", len(probe.get("functions", [])) == 10, probe)

    rng = random.Random(8)
    x, y, z, w = gens = symbols("x y z w")
    names = [str(g) for g in gens[:3]]

    def rand(n):
        return {tuple(rng.randrange(4) for _ in range(3)): rng.choice([-1, 1]) * rng.randrange(1, 50)
                for _ in range(n)}
    common = cbtest.to_expr(rand(3), gens[:3])
    P = [sympy.expand(cbtest.to_expr(rand(4), gens[:3]) * common) for _ in range(2)] + [cbtest.to_expr(rand(5), gens[:3])]
    Q = [sympy.expand(cbtest.to_expr(rand(4), gens[:3]) * common) for _ in range(2)] + [cbtest.to_expr(rand(5), gens[:3])]
    cyc = [x + y + z + w, x*y + y*z + z*w + w*x, x*y*z + y*z*w + z*w*x + w*x*y, x*y*z*w - 1]
    polys = {
        "p": (names, [cbtest.terms_of(e, gens[:3]) for e in P]),
        "q": (names, [cbtest.terms_of(e, gens[:3]) for e in Q]),
        "zero": (names, [{}, {(0, 0, 0): 0}, {(1, 0, 0): 1}]),
        "two": (["x", "y"], [{(1, 0): 1}]),
        "cyclic4": ([str(g) for g in gens], [cbtest.terms_of(e, gens) for e in cyc]),
    }
    fns2 = ["add", "sub", "mult", "divmod", "gcd", "lcm", "resultant"]
    run_list = {f: [("p", "q")] for f in fns2}
    run_list.update({"factor": [("p",)], "leading_coefficient": [("p",)], "groebner": [("cyclic4",)]})
    run_list["divmod"].append(("p", "zero"))
    run_list["gcd"].append(("p", "two"))
    tmp = tempfile.mkdtemp(prefix="cb-singular-")
    before = singular_pids()
    dirs_before = set(glob.glob("/tmp/casbench-singular-*"))
    try:
        cfg = cbtest.verify_config("singular", run_list, polys)
        _, by, res = cbtest.verify_results(HARNESS, tmp, check, "singular", run_list, polys)
        lines = lambda f, *a: res(f, *a).split("\n")  # noqa: E731
        g3 = gens[:3]
        want = cbtest.sympy_pair_results(P, Q, g3, x)
        for f, exp in want.items():
            check("%s = SymPy's" % f, lines(f, "p", "q") == exp, (res(f, "p", "q")[:300], exp[0][:300]))
        check("factor = SymPy's factor_list", lines("factor", "p") == [cbtest.canon_factor(a, g3) for a in P],
              (res("factor", "p")[:300], cbtest.canon_factor(P[0], g3)[:300]))
        lc = [str(sorted(cbtest.terms_of(a, g3).items(), reverse=True)[0][1]) for a in P]
        check("leading_coefficient = the lex one", lines("leading_coefficient", "p") == lc,
              (res("leading_coefficient", "p"), lc))
        dm = lines("divmod", "p", "q")
        ok = len(dm) == 3
        for line, a, b in zip(dm, P, Q):
            qt, rt = line.split(" | ")
            ok = ok and sympy.expand(cbtest.parse_canon(qt, g3) * b + cbtest.parse_canon(rt, g3) - a) == 0
        check("divmod: Q*B + R == A (Singular's division)", ok, res("divmod", "p", "q")[:300])
        basis = [cbtest.parse_canon(t, gens) for t in lines("groebner", "cyclic4")]
        ref = groebner(cyc, *gens, order="lex", domain=QQ)
        check("groebner cyclic-4: a basis of the same ideal (lex)",
              len(basis) >= 1 and list(groebner(basis, *gens, order="lex", domain=QQ).exprs) == list(ref.exprs),
              res("groebner", "cyclic4")[:300])
        cbtest.check_call_error(check, by, "divmod by a zero polynomial: error", "divmod", ("p", "zero"),
                                lambda e: "division by zero" in e)
        cbtest.check_call_error(check, by, "different generator counts: error", "gcd", ("p", "two"),
                                lambda e: "generators" in e)

        # grevlex: std in a dp ring
        cfg_g = dict(cfg, run_list={"groebner": [("cyclic4",)]}, order="grevlex")
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg_g)
        basis = [cbtest.parse_canon(t, gens) for t in ((records or [{}])[0].get("result") or "0").split("\n")]
        ref = groebner(cyc, *gens, order="grevlex", domain=QQ)
        check("groebner cyclic-4 grevlex: a basis of the same ideal",
              records and records[0]["status"] == "ok"
              and list(groebner(basis, *gens, order="grevlex", domain=QQ).exprs) == list(ref.exprs), records)

        # --singular-ring rational: ring 0; divmod is q = a / b, r = a - q*b:
        # exact quotients exactly, and Q*B + R == A otherwise
        polys["pq"] = (names, [cbtest.terms_of(sympy.expand(a * b), g3) for a, b in zip(P, Q)])
        cfg_q = dict(cfg, run_list={"divmod": [("pq", "q"), ("p", "q")], "mult": [("p", "q")]},
                     singular_ring="rational")
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg_q)
        byq = cbtest.by_call(records)
        resq = lambda f, *a: cbtest.result_text(byq, f, *a).split("\n")  # noqa: E731
        exact = resq("divmod", "pq", "q")
        check("rational ring: exact divmod gives (p, 0)",
              proc.returncode == 0 and exact == ["%s | 0" % cbtest.canon(cbtest.terms_of(a, g3)) for a in P],
              exact[:1])
        # an inexact quotient over QQ has fractions, which casbench's
        # canonical form (integer coefficients) does not hold: an error
        bad = byq.get(("divmod", ("'p'", "'q'")), {})
        check("rational ring: inexact divmod is an error naming the fraction",
              bad.get("status") == "error" and "not an integer: " in (bad.get("error") or "")
              and "/" in bad["error"], bad)
        check("rational ring: mult = SymPy's", resq("mult", "p", "q") == want["mult"], resq("mult", "p", "q")[:1])

        # benchmark: a timeout, then fresh Singulars for the calls after it
        k = symbols("u0:5")
        kat = [sum(k[abs(l)] * k[abs(m - l)] for l in range(-4, 5) if abs(l) <= 4 and abs(m - l) <= 4) - k[m]
               for m in range(4)] + [k[0] + 2 * sum(k[1:]) - 1]
        polys["katsura4"] = ([str(s) for s in k], [cbtest.terms_of(sympy.expand(e), k) for e in kat])
        bench = {"groebner": [("katsura4",)], "mult": [("p", "q")], "divmod": [("p", "zero")],
                 "add": [("p", "q")]}
        cfg_b = {"type": "benchmark", "run_list": bench, "polys": polys, "gc": False, "repeats": 3,
                 "log_file": None, "timeout": 1.0, "grace": 0.5, "library": "singular"}
        records, _, took, proc = cbtest.run_harness(HARNESS, tmp, cfg_b)
        st = [(r["function"], r["status"], len(r["times"])) for r in records]
        check("benchmark: groebner katsura-4 times out at 1 s, the calls after it run",
              st == [("groebner", "timeout", 0), ("mult", "ok", 3), ("divmod", "error", 0), ("add", "ok", 3)], st)
        check("benchmark: the timeout is enforced (whole run well under 10 s)", took < 10, took)
        okr = [r for r in records if r["status"] == "ok"]
        check("benchmark: times are Singular's rtimer (whole microseconds, positive, under 1 s)",
              okr and all(0 < t < 1.0 and abs(t * 1e6 - round(t * 1e6)) < 1e-3 for r in okr for t in r["times"])
              and all(r["loops"] == 1 and r["pid"] for r in okr), okr)
        cfg_m = dict(cfg_b, run_list={"add": [("p", "q")]}, min_time=0.02, repeats=1)
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg_m)
        check("--min-time: a repeat loops", records and records[0]["status"] == "ok"
              and records[0]["loops"] > 1, records)
        cfg_w = dict(cfg_b, run_list={"mult": [("p", "q")]}, warmup=1, min_time=0, repeats=5)
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg_w)
        one = records[0] if records else {}
        check("warm-up: the cold execution is recorded apart, each repeat one execution",
              one.get("status") == "ok" and one.get("warmup") == 1 and one.get("loops") == 1
              and one.get("cold_time") is not None and len(one.get("times", [])) == 5, one)
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, dict(cfg_w, min_time=0.02, repeats=3))
        lp = records[0] if records else {}
        single = statistics.median(one.get("times") or [0])
        looped = statistics.median(lp.get("times") or [0])
        check("loops through timed_repeat: every repeat runs the same count, inside Singular "
              "(time per execution within 4x of a single execution's, a repeat >= 10 ms)",
              lp.get("status") == "ok" and lp.get("loops", 0) > 1 and len(lp.get("times", [])) == 3
              and single / 4 <= looped <= single * 4 and looped * lp["loops"] >= 0.01,
              (single, lp))
        records, _, _, proc = cbtest.run_harness(HARNESS, tmp, dict(cfg_b, type="mem", run_list={"add": [("p", "q")]}))
        check("mem mode: unsupported (the tracker cannot see the server)",
              [r["status"] for r in records] == ["unsupported"], records)
        time.sleep(0.3)
        left = singular_pids() - before
        check("no Singular left behind", not left, left)
        check("the FIFO directory is removed", set(glob.glob("/tmp/casbench-singular-*")) <= dirs_before,
              set(glob.glob("/tmp/casbench-singular-*")) - dirs_before)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
