#!/usr/bin/env python3
"""python_harness.py -- the Python harness with real SymPy, through the protocol.

For each real environment on this machine (the `python3` on PATH and
Debian's /usr/bin/python3, when they differ and have SymPy), this starts
build/harness/python/casbench_harness.py exactly as the engine does -- the
config pickle's path and the results path on stdin -- and checks:
- the probe: each variant is available exactly when its library (SymPy,
  gmpy2, python-flint, Sage) imports in that interpreter, otherwise
  unavailable with the reason, and SymPy's variants offer all ten functions;
- a benchmark run of all ten functions per available SymPy variant (gc on
  and off): one well-formed record per call, in order, the results pickle;
- verify mode: every variant in every environment computes the same digest
  for every call, and add, sub, mult, gcd, lcm, resultant, factor and
  leading_coefficient equal results computed here independently (plain
  dict arithmetic and the canonical-text rules of docs/protocol.md);
- robustness: groebner of cyclic-7 is stopped at a 1 s limit and the calls
  after it run; a ZeroDivisionError inside SymPy is `error` with its message;
  an unavailable library or a bad config is exit 2 with a message.
Independent harness runs go two at a time (the machine has two cores).
"""

import json
import os
import pickle
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, BUILD = cbtest.ROOT, cbtest.BUILD
HARNESS = os.path.join(BUILD, "harness", "python", "casbench_harness.py")
NAME = "python_harness.py"
SYMPY_VARIANTS = ("sympy-dmp", "sympy-domains", "sympy-dmp-gmpy", "sympy-domains-gmpy")
ALL_FUNCTIONS = ["add", "sub", "mult", "divmod", "resultant", "gcd", "lcm", "factor",
                 "leading_coefficient", "groebner"]
check = cbtest.Checker(NAME, 600, only_given=True)


# ---------------------------------------------------------------- polynomials
# Plain dict arithmetic over ZZ[x, y, z], independent of the harness.

def padd(p, q, sign=1):
    r = dict(p)
    for e, c in q.items():
        r[e] = r.get(e, 0) + sign * c
    return {e: c for e, c in r.items() if c}


pmul = cbtest.pmul


def text(p):
    """docs/protocol.md: terms in descending lex order, COEFF@E1.E2..., or 0."""
    terms = sorted(((e, c) for e, c in p.items() if c), reverse=True)
    return " ".join("%d@%s" % (c, ".".join(map(str, e))) for e, c in terms) or "0"


def positive(p):
    return {e: -c for e, c in p.items()} if p and p[max(p)] < 0 else p


X, Y, Z = {(1, 0, 0): 1}, {(0, 1, 0): 1}, {(0, 0, 1): 1}
ONE = {(0, 0, 0): 1}
F = padd(padd(X, pmul({(0, 0, 0): 2}, Y)), Z, -1)          # x + 2y - z
G = padd(pmul(X, Y), ONE)                                  # xy + 1
H = padd(padd(pmul(Y, Y), Z), {(0, 0, 0): 3})              # y^2 + z + 3
P = [pmul({(0, 0, 0): 6}, pmul(pmul(F, F), G)), padd(X, Y, -1)]     # 6 f^2 g, x - y
Q = [pmul(F, H), padd(X, Y)]                                        # f h,     x + y


def cyclic(n):
    gens = ["x%d" % i for i in range(n)]
    polys = []
    for k in range(1, n):
        p = {}
        for i in range(n):
            e = [0] * n
            for j in range(k):
                e[(i + j) % n] += 1
            p[tuple(e)] = p.get(tuple(e), 0) + 1
        polys.append(p)
    polys.append({tuple([1] * n): 1, tuple([0] * n): -1})
    return gens, polys


def with_string_coefficients(polys):
    """Some datasets store coefficients as decimal strings (DESIGN §3.1)."""
    return [{e: str(c) for e, c in p.items()} for p in polys]


KEY = (3, 2, range(0, 10), range(1, 100))
POLYS = {"P": (["x", "y", "z"], P), KEY: (["x", "y", "z"], with_string_coefficients(Q)),
         "cyclic4": cyclic(4), "cyclic7": cyclic(7),
         "zero": (["x", "y", "z"], [{}, {}])}
RUN_LIST = {f: [("P", KEY)] for f in ("add", "sub", "mult", "divmod", "resultant", "gcd", "lcm")}
RUN_LIST.update(factor=[("P",)], leading_coefficient=[("P",)], groebner=[("cyclic4",)])

EXPECTED = {   # the canonical texts, derived here without the harness
    "add": "\n".join(text(padd(p, q)) for p, q in zip(P, Q)),
    "sub": "\n".join(text(padd(p, q, -1)) for p, q in zip(P, Q)),
    "mult": "\n".join(text(pmul(p, q)) for p, q in zip(P, Q)),
    # gcd(6 f^2 g, f h) = f; gcd(x - y, x + y) = 1 (f, g, h irreducible, coprime)
    "gcd": "\n".join([text(positive(F)), text(ONE)]),
    "lcm": "\n".join([text(positive(pmul({(0, 0, 0): 6}, pmul(pmul(F, F), pmul(G, H))))),
                      text(positive(padd(pmul(X, X), pmul(Y, Y), -1)))]),
    # res_x(6 f^2 g, f h) = 0 (common factor); res_x(x - y, x + y) = 2y
    "resultant": "\n".join(["0", text({(0, 1, 0): 2})]),
    "factor": "\n".join(["6 * " + " * ".join(sorted(["(%s)^2" % text(F), "(%s)^1" % text(G)])),
                         "1 * (%s)^1" % text(padd(X, Y, -1))]),
    "leading_coefficient": "\n".join(str(p[max(p)]) for p in P),
}


# ------------------------------------------------------------------ running

def interpreters():
    found = []
    for exe in (shutil.which("python3"), "/usr/bin/python3"):
        if exe and os.path.exists(exe):
            real = subprocess.run([exe, "-c", "import sys; print(sys.executable)"],
                                  capture_output=True, text=True).stdout.strip()
            if real and real not in [r for _, r in found]:
                found.append((exe, real))
    return [exe for exe, _ in found]


def importable(py):
    """Which of the libraries' modules this interpreter can import (found
    without importing them, so this is independent of the harness)."""
    code = ("import importlib.util, json\n"
            "print(json.dumps({m: importlib.util.find_spec(m) is not None "
            "for m in ('sympy', 'gmpy2', 'flint', 'sage')}))")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout)


def run_batch(jobs, width=2):
    """Runs [(args, stdin)] `width` at a time; returns [(rc, stdout, stderr)]."""
    results = [None] * len(jobs)
    running = []
    pending = list(enumerate(jobs))
    while pending or running:
        while pending and len(running) < width:
            i, (args, stdin) = pending.pop(0)
            p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            running.append((i, p, stdin))
        i, p, stdin = running.pop(0)
        try:
            out, err = p.communicate(stdin, timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += "\n(test: killed after 120 s)"
        results[i] = (p.returncode, out, err)
    return results


def harness_job(tmp, py, name, library, mode, run_list, **options):
    calls = os.path.join(tmp, name + ".jsonl")
    config = dict(type=mode, run_list=run_list, polys=POLYS, gc=True, repeats=2, log_file=None,
                  timeout=30.0, library=library, calls_jsonl=calls,
                  record={"runner": name, "library": library, "env": py,
                          "gc": options.get("gc", True), "mode": mode},
                  min_time=0.0, order="lex", grace=0.5, profile=None, perturb=None)
    config.update(options)
    used = {k for entries in run_list.values() for args in entries for k in args}
    config["polys"] = {k: v for k, v in POLYS.items() if k in used}
    path = os.path.join(tmp, name + ".config")
    with open(path, "wb") as f:
        pickle.dump(config, f, protocol=4)
    stdin = "%s\n%s\n" % (path, os.path.join(tmp, name + ".results"))
    return ([py, HARNESS], stdin), (calls, os.path.join(tmp, name + ".results"))


def read_outputs(paths):
    calls, results = paths
    records, values = [], None
    if os.path.exists(calls):
        with open(calls) as f:
            records = [json.loads(line) for line in f]
    if os.path.exists(results):
        with open(results, "rb") as f:
            values = pickle.load(f)
    return records, values


def flat_calls(run_list):
    return [(f, tuple(a)) for f, entries in run_list.items() for a in entries]


# ------------------------------------------------------------------ the tests

def test_probes(envs):
    """Probes the cheap libraries everywhere and the SymPy ones (an import
    each) spread over the environments."""
    jobs, meta = [], []
    spread = ["sympy-dmp", "sympy-dmp-flint"]
    for i, (py, mods) in enumerate(envs):
        mine = spread if len(envs) == 1 else spread[i::len(envs)]
        for lib in mine + ["sympy-domains-gmpy", "python-flint", "sagemath", "no-such-library"]:
            jobs.append(([py, HARNESS, "--probe", lib], None))
            meta.append((py, mods, lib))
    available = {}
    for (py, mods, lib), (rc, out, err) in zip(meta, run_batch(jobs)):
        try:
            probe = json.loads(out)
        except ValueError:
            check("probe %s in %s prints JSON" % (lib, py), False, (rc, out, err))
            continue
        sympy, gmpy2, flint, sage = mods["sympy"], mods["gmpy2"], mods["flint"], mods["sage"]
        want = {"sympy-dmp": sympy, "sympy-domains-gmpy": sympy and gmpy2,
                "sympy-dmp-flint": False if not (sympy and flint) else probe["available"],
                "python-flint": flint, "sagemath": sage, "no-such-library": False}[lib]
        available[(py, lib)] = probe["available"]
        ok = (rc == 0 and probe["library"] == lib and probe["available"] == want
              and set(probe["versions"]) >= {"python", "sympy", "gmpy2", "flint"}
              and (probe["available"] or (isinstance(probe["reason"], str) and probe["reason"])))
        check("probe %s in %s: available=%s" % (lib, py, want), ok, (rc, out, err))
        check("probe %s in %s: versions name exactly the modules present" % (lib, py),
              all(bool(probe["versions"].get(m)) == mods[m] for m in ("sympy", "gmpy2", "flint")),
              probe["versions"])
        if lib.startswith("sympy") and probe["available"]:
            check("probe %s in %s offers all ten functions" % (lib, py),
                  probe["functions"] == ALL_FUNCTIONS, probe["functions"])
        if lib == "sympy-domains-gmpy" and sympy and not gmpy2:
            check("gmpy variant without gmpy2 says why, in SymPy's words (%s)" % py,
                  "gmpy2 library is not installed" in probe["reason"], probe["reason"])
    return available


def test_benchmark_runs(tmp, runs):
    jobs, paths, meta = [], [], []
    run_list = dict(RUN_LIST, frobnicate=[("P",)])
    for i, (py, lib, gc_on) in enumerate(runs):
        job, p = harness_job(tmp, py, "bench%d" % i, lib, "benchmark", run_list, gc=gc_on)
        jobs.append(job)
        paths.append(p)
        meta.append((py, lib, gc_on))
    expected_calls = flat_calls(run_list)
    for (py, lib, gc_on), (rc, out, err), p in zip(meta, run_batch(jobs), paths):
        label = "%s in %s, gc %s" % (lib, py, "on" if gc_on else "off")
        records, values = read_outputs(p)
        check("benchmark %s: exit 0" % label, rc == 0, err)
        got = [(r["function"], tuple(r["args"])) for r in records]
        want = [(f, tuple(repr(k) for k in a)) for f, a in expected_calls]
        check("benchmark %s: one record per call in order" % label,
              got == want and [r["call"] for r in records] == list(range(len(want))), got)
        ok = [r for r in records if r["function"] != "frobnicate"]
        check("benchmark %s: all ten functions ok with 2 times each" % label,
              all(r["status"] == "ok" and len(r["times"]) == 2 and len(r["cpu_times"]) == 2
                  and all(t > 0 for t in r["times"]) and r["error"] is None for r in ok),
              [(r["function"], r["status"], r["error"]) for r in ok])
        check("benchmark %s: unknown function is unsupported" % label,
              records and records[-1]["status"] == "unsupported")
        check("benchmark %s: record fields copied" % label,
              all(r["library"] == lib and r["env"] == py and r["gc"] == gc_on for r in records))
        check("benchmark %s: results pickle keyed by (function, args)" % label,
              values is not None and list(values) == expected_calls
              and values[expected_calls[0]] == records[0]["times"], values)


# Where a library legitimately differs from SymPy (docs/protocol.md): Sage's
# divmod is quo_rem, not pseudo-division; its Gröbner basis over ZZ is strong.
DIFFERS_BY_DESIGN = {"sagemath": ("divmod", "groebner")}


def test_verify(tmp, runs):
    jobs, paths = [], []
    for i, (py, lib) in enumerate(runs):
        job, p = harness_job(tmp, py, "verify%d" % i, lib, "verify", RUN_LIST, result_text=True)
        jobs.append(job)
        paths.append(p)
    digests = {}
    for (py, lib), (rc, out, err), p in zip(runs, run_batch(jobs), paths):
        label = "%s in %s" % (lib, py)
        records, _ = read_outputs(p)
        check("verify %s: exit 0, all ok" % label,
              rc == 0 and records and all(r["status"] == "ok" for r in records),
              (err, [(r["function"], r["status"], r["error"]) for r in records]))
        for r in records:
            if r["function"] not in DIFFERS_BY_DESIGN.get(lib, ()):
                digests.setdefault(r["function"], {})[label] = r["digest"]
            if r["function"] in EXPECTED:
                check("verify %s: %s equals the independent result" % (label, r["function"]),
                      r.get("result") == EXPECTED[r["function"]],
                      "got %r want %r" % (r.get("result"), EXPECTED[r["function"]]))
    for function, by_label in digests.items():
        check("verify: %s digest agrees across %d variant runs" % (function, len(by_label)),
              len(set(by_label.values())) == 1, by_label)


def test_robustness(tmp, py, lib):
    run_list = {"groebner": [("cyclic7",)], "divmod": [("P", "zero")], "add": [("P", KEY)]}
    job, p = harness_job(tmp, py, "robust", lib, "benchmark", run_list, timeout=1.0, repeats=1)
    (rc, out, err), = run_batch([job])
    records, values = read_outputs(p)
    status = [(r["function"], r["status"], r["error"]) for r in records]
    check("robustness (%s): harness finishes, exit 0" % lib, rc == 0, err)
    check("groebner of cyclic-7 is stopped at the 1 s limit",
          len(records) == 3 and records[0]["status"] == "timeout"
          and records[0]["error"] == "timed out after 1 s", status)
    check("ZeroDivisionError inside SymPy is error with its message",
          len(records) == 3 and records[1]["status"] == "error"
          and records[1]["error"].startswith("ZeroDivisionError"), status)
    check("the call after them runs", len(records) == 3 and records[2]["status"] == "ok", status)
    check("timed-out call is [inf] in the results pickle",
          values is not None and values[("groebner", ("cyclic7",))] == [float("inf")], values)


def test_bad_input(tmp, py, unavailable):
    jobs = []
    job, _ = harness_job(tmp, py, "unavail", unavailable, "benchmark", {"add": [("P", KEY)]})
    jobs.append(job)
    jobs.append(([py, HARNESS], "%s\n%s\n" % (os.path.join(tmp, "missing.config"),
                                              os.path.join(tmp, "x.results"))))
    jobs.append(([py, HARNESS], "only one line\n"))
    (rc1, _, err1), (rc2, _, err2), (rc3, _, err3) = run_batch(jobs)
    check("unavailable library: exit 2 with the reason",
          rc1 == 2 and unavailable in err1 and "unavailable" in err1, (rc1, err1))
    check("missing config: exit 2 naming it", rc2 == 2 and "missing.config" in err2, (rc2, err2))
    check("one line on stdin: exit 2", rc3 == 2 and "two lines" in err3, (rc3, err3))
    broken = os.path.join(tmp, "broken", "sympy")
    os.makedirs(broken)
    with open(os.path.join(broken, "__init__.py"), "w") as f:
        f.write("raise AttributeError('broken on purpose')\n")
    r = subprocess.run([py, HARNESS, "--probe", "sympy-dmp"], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=os.path.dirname(broken)))
    probe = json.loads(r.stdout) if r.returncode == 0 and r.stdout.startswith("{") else {}
    check("broken SymPy installation: probe exit 0, unavailable, says what broke",
          probe.get("available") is False and "broken on purpose" in (probe.get("reason") or ""),
          (r.returncode, r.stdout, r.stderr[-300:]))
    check("nothing written for a refused run",
          not os.path.exists(os.path.join(tmp, "unavail.jsonl"))
          and not os.path.exists(os.path.join(tmp, "x.results")))


def main():
    if os.environ.get("CASBENCH_SANITIZED") == "1":
        print("SKIP: %s: pure Python, no sanitized code: the normal build's run covers it" % NAME)
        return 0
    if not os.path.exists(HARNESS):
        print("FAIL: %s: %s is not built (make all)" % (NAME, HARNESS))
        return 1
    envs = [(py, importable(py)) for py in interpreters()]
    envs = [(py, mods) for py, mods in envs if mods["sympy"]]
    if not envs:
        print("SKIP: %s: no interpreter with SymPy" % NAME)
        return 0
    return cbtest.run_steps_in_tmp(check, "cbpyh.", lambda tmp: test_all(tmp, envs))


def test_all(tmp, envs):
    available = test_probes(envs)
    # per environment, Poly and PolyElement, with gmpy ground types where
    # gmpy2 is there (python_e2e.py verifies every variant against FLINT)
    runs = []
    for py, mods in envs:
        gmpy = "-gmpy" if mods["gmpy2"] else ""
        runs += [(py, "sympy-dmp" + gmpy), (py, "sympy-domains" + gmpy)]
    check("at least two environments x variants to compare", len(runs) >= 2, runs)
    # benchmark: one variant per environment, gc on in one and off in
    # the other (tests/integration/python_e2e.sh runs the whole matrix
    # through `casbench run`; python_runtime.py every supervisor path)
    bench = []
    for py, _ in envs:
        libs = [lib for p, lib in runs if p == py]
        if libs:
            bench.append((py, libs[-1], len(bench) % 2 == 0))
    test_benchmark_runs(tmp, bench)
    sage = [(py, "sagemath") for py, _ in envs if available.get((py, "sagemath"))]
    test_verify(tmp, runs + sage[:1])
    test_robustness(tmp, envs[0][0], "sympy-domains")
    missing = [(py, lib) for (py, lib), ok in available.items()
               if not ok and lib != "no-such-library"]
    if missing:
        test_bad_input(tmp, missing[0][0], missing[0][1])
    else:
        print("SKIP: %s: every library is available: no unavailable one to refuse" % NAME)


if __name__ == "__main__":
    sys.exit(main())
