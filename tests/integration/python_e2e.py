#!/usr/bin/env python3
"""python_e2e.py -- SymPy through `casbench run`, end to end, and against FLINT.

1. One `casbench run` covers sympy-dmp, sympy-domains, sympy-dmp-gmpy and
   sympy-domains-gmpy x gc on/off x both real environments (the python3 on
   PATH and Debian's /usr/bin/python3): every runner whose library imports
   in its environment (found here with importlib, independently of casbench)
   runs every call ok, with the interpreter, its version and the gc setting
   in each record; every other one is `unavailable` with the reason; run.json
   gives each environment's SymPy version as the interpreter itself reports.
2. `casbench run --verify` with the `flint` C harness and every available
   SymPy variant: on random products (so that gcd and factor have work to
   do), all of them compute the same digest for add, sub, mult, gcd, lcm,
   resultant, factor, leading_coefficient and groebner (cyclic-4, lex).
"""

import glob
import json
import os
import pickle
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, BUILD = cbtest.ROOT, cbtest.BUILD
CB = cbtest.CB
NAME = "python_e2e.py"
VARIANTS = ("sympy-dmp", "sympy-domains", "sympy-dmp-gmpy", "sympy-domains-gmpy")
AGREE = ("add", "sub", "mult", "gcd", "lcm", "resultant", "factor", "leading_coefficient",
         "groebner")
check = cbtest.Checker(NAME, 800, only_given=True)


pmul = cbtest.pmul


def random_poly(rng, nvars=3, terms=4, degree=3, coeff=20):
    p = {}
    while len(p) < terms:
        e = tuple(rng.randrange(degree + 1) for _ in range(nvars))
        c = rng.randrange(-coeff, coeff + 1)
        if c:
            p[e] = c
    return p


def dataset(tmp):
    rng = random.Random(20261127)
    gens = ["x", "y", "z"]
    f, g, h, k = (random_poly(rng) for _ in range(4))
    a = [pmul(f, g), pmul(pmul(f, f), h), random_poly(rng)]
    b = [pmul(f, h), pmul(f, k), random_poly(rng)]
    # cyclic-4: x0+x1+x2+x3, x0x1+x1x2+x2x3+x3x0, ..., x0x1x2x3 - 1
    c4 = [{tuple(1 if (j - i) % 4 < k else 0 for j in range(4)): 1 for i in range(4)}
          for k in range(1, 4)] + [{(1, 1, 1, 1): 1, (0, 0, 0, 0): -1}]
    polys = {"A": (gens, a), "B": (gens, b), "cyclic4": (["a", "b", "c", "d"], c4)}
    run_list = {fn: [("A", "B")] for fn in ("add", "sub", "mult", "gcd", "lcm", "resultant")}
    run_list.update(factor=[("A",)], leading_coefficient=[("A",)], groebner=[("cyclic4",)])
    paths = os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle")
    for path, value in zip(paths, (polys, run_list)):
        with open(path, "wb") as fh:
            pickle.dump(value, fh, protocol=4)
    return paths


def interpreters():
    out = []
    for exe in (shutil.which("python3"), "/usr/bin/python3"):
        if not exe or not os.path.exists(exe):
            continue
        code = ("import sys, json, importlib.util as u\n"
                "have = {m: u.find_spec(m) is not None for m in ('sympy', 'gmpy2')}\n"
                "v = None\n"
                "if have['sympy']:\n"
                "    import sympy; v = sympy.__version__\n"
                "print(json.dumps([sys.executable, '%d.%d.%d' % sys.version_info[:3], have, v]))")
        r = subprocess.run([exe, "-c", code], capture_output=True, text=True)
        real, version, have, sympy_version = json.loads(r.stdout)
        if real not in [x[1] for x in out]:
            out.append((exe, real, version, have, sympy_version))
    return out


def run(args):
    r = subprocess.run([CB, "run"] + args, capture_output=True, text=True, timeout=600)
    dirs = sorted(glob.glob(os.path.join(args[2], "results_*")))
    return r, (dirs[-1] if dirs else None)


def records_of(results_dir):
    with open(os.path.join(results_dir, "calls.jsonl")) as fh:
        return [json.loads(line) for line in fh]


def test_matrix(tmp, polys, run_list, envs):
    out = os.path.join(tmp, "bench")
    r, rd = run([polys, run_list, out, "--libraries"] + list(VARIANTS) +
                ["--venvs"] + [e[0] for e in envs] +
                ["--gc", "on", "off", "--repeats", "1", "--rounds", "1", "--run-list-filter", "add", "factor"])
    check("run over 4 variants x %d environments x gc on/off: exit 0" % len(envs),
          r.returncode == 0 and rd, r.stderr[-800:])
    if not rd:
        return
    recs = records_of(rd)
    for exe, real, version, have, sympy_version in envs:
        for lib in VARIANTS:
            for gc_on in (True, False):
                mine = [x for x in recs if x["library"] == lib and x["gc"] == gc_on
                        and x["env"] and x["env"].startswith(real + " ")]
                label = "%s, %s, gc %s" % (lib, real, "on" if gc_on else "off")
                usable = have["sympy"] and (have["gmpy2"] or not lib.endswith("-gmpy"))
                if usable:
                    check("%s: 2 calls ok, env names interpreter and version" % label,
                          len(mine) == 2 and all(x["status"] == "ok" and len(x["times"]) == 1
                                                 and x["env"] == "%s %s" % (real, version)
                                                 for x in mine),
                          [(x["function"], x["status"], x["error"], x["env"]) for x in mine])
                else:
                    check("%s: unavailable, with the reason" % label,
                          len(mine) == 2 and all(x["status"] == "unavailable"
                                                 and "gmpy2" in (x["error"] or "") for x in mine),
                          [(x["status"], x["error"]) for x in mine])
    with open(os.path.join(rd, "run.json")) as fh:
        info = json.load(fh)
    for exe, real, version, have, sympy_version in envs:
        versions = [lib.get("versions", {}).get("sympy") for lib in info.get("libraries", [])
                    if lib.get("library") == "sympy-dmp" and (lib.get("env") or "").startswith(real)]
        check("run.json: SymPy %s in %s" % (sympy_version, real), versions == [sympy_version],
              versions)


def test_verify_against_flint(tmp, polys, run_list, envs):
    out = os.path.join(tmp, "verify")
    r, rd = run([polys, run_list, out, "--verify", "--libraries", "flint"] + list(VARIANTS) +
                ["--venvs"] + [e[0] for e in envs])
    check("verify run with flint and the SymPy variants: exit 0", r.returncode == 0 and rd,
          r.stderr[-800:])
    if not rd:
        return
    recs = [x for x in records_of(rd) if x["status"] != "unavailable"]
    runners = sorted({x["runner"] for x in recs})
    check("flint and at least two SymPy runners verified",
          any(x["library"] == "flint" for x in recs) and len(runners) >= 3, runners)
    check("every verify call ok", all(x["status"] == "ok" for x in recs),
          [(x["runner"], x["function"], x["error"]) for x in recs if x["status"] != "ok"])
    for function in AGREE:
        digests = {x["runner"]: x["digest"] for x in recs if x["function"] == function}
        heads = {x["runner"]: x["result_head"][:120] for x in recs if x["function"] == function}
        check("%s: flint and SymPy agree (%d runners)" % (function, len(digests)),
              len(digests) == len(runners) and len(set(digests.values())) == 1, heads)


def main():
    if cbtest.not_built(NAME, CB):
        return 1
    envs = [e for e in interpreters() if e[3]["sympy"]]
    if not envs:
        print("SKIP: %s: no interpreter with SymPy" % NAME)
        return 0
    return cbtest.run_steps_in_tmp(check, "cbpye2e.", lambda tmp: test_all(tmp, envs))


def test_all(tmp, envs):
    polys, run_list = dataset(tmp)
    if os.environ.get("CASBENCH_SANITIZED") == "1":
        # the matrix exercises Python harnesses; the sanitized pass keeps
        # the part that runs sanitized C (the flint harness, the engine)
        print("SKIP: %s: variant x environment x gc matrix (normal build only)" % NAME)
    else:
        test_matrix(tmp, polys, run_list, envs)
    if not cbtest.not_built(NAME, cbtest.harness_path("flint"), "the flint harness"):
        test_verify_against_flint(tmp, polys, run_list, envs)


if __name__ == "__main__":
    sys.exit(main())
