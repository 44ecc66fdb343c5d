#!/usr/bin/env python3
"""sympy_ground_types.py — the six SymPy variants (docs/design.md §6: Poly and
PolyElement x python / gmpy2 / python-flint ground types) in casbench's
pinned venvs, for real:

1. one `casbench run` of all six variants x every pinned venv (CPython
   3.11, 3.12, 3.13) x gc on and off: every runner runs every call ok, its
   records name the interpreter and the gc setting; run.json gives each
   environment's versions (interpreter, SymPy, python-flint, gmpy2, memray)
   as the interpreter itself reports them;
2. `--verify` of the six variants in every venv with flint: the flint and
   gmpy variants' digests equal the python variants' on every call, and
   flint's where the definitions agree (all but divmod: SymPy's is
   pseudo-division);
3. the label check on two real venvs built here from real packages: SymPy
   1.14 without python-flint, and Debian's SymPy 1.11 (which knows no flint
   ground types) with python-flint 0.9: the flint variants are `unavailable`
   with SymPy's own warning as the reason, in `libraries` and in a run.
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "sympy_ground_types"
VARIANTS = ["sympy-dmp", "sympy-dmp-gmpy", "sympy-dmp-flint",
            "sympy-domains", "sympy-domains-gmpy", "sympy-domains-flint"]
check = cbtest.Checker(NAME, 800)


def random_poly(rng, nvars=3, terms=5, degree=3, coeff=50):
    p = {}
    while len(p) < terms:
        e = tuple(rng.randrange(degree + 1) for _ in range(nvars))
        p[e] = rng.randrange(1, coeff) * rng.choice((1, -1))
    return p


pmul = cbtest.pmul


def dataset(tmp):
    """Products with common factors (gcd and factor have work) and cyclic-4."""
    rng = random.Random(16)
    f, g, h, k = (random_poly(rng) for _ in range(4))
    gens = ["x", "y", "z"]
    c4 = [{tuple(1 if (j - i) % 4 < n else 0 for j in range(4)): 1 for i in range(4)} for n in range(1, 4)]
    c4.append({(1, 1, 1, 1): 1, (0, 0, 0, 0): -1})
    polys = {"A": (gens, [pmul(f, g), pmul(pmul(f, f), h)]), "B": (gens, [pmul(f, h), pmul(f, k)]),
             "cyclic4": (["a", "b", "c", "d"], c4)}
    run_list = {fn: [("A", "B")] for fn in ("add", "sub", "mult", "divmod", "gcd", "lcm", "resultant")}
    run_list.update(factor=[("A",)], leading_coefficient=[("A",)], groebner=[("cyclic4",)])
    return cbtest.write_dataset(tmp, polys, run_list)


def interpreter_versions(venv):
    """What the venv's interpreter itself says (not casbench)."""
    code = ("import json, sys, importlib.metadata as m\n"
            "print(json.dumps({'python': '%d.%d.%d' % sys.version_info[:3],"
            " **{k: m.version(d) for k, d in (('sympy', 'sympy'), ('flint', 'python-flint'),"
            " ('gmpy2', 'gmpy2'), ('memray', 'memray'))}}))")
    p = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else None


def test_matrix(tmp, data, venvs):
    out = os.path.join(tmp, "bench")
    p = cbtest.run(["run"] + data + [out, "--libraries"] + VARIANTS + ["--venvs"] + [d for _, d in venvs] +
                   ["--gc", "on", "off", "--repeats", "1", "--rounds", "1", "--timeout", "60",
                    "--run-list-filter", "mult", "factor"], cwd=tmp)
    n = len(VARIANTS) * len(venvs) * 2
    check("one run: 6 variants x %d interpreters x gc on/off (%d runners) exits 0" % (len(venvs), n),
          p.returncode == 0, p.stderr[-800:])
    recs = cbtest.records(out)
    check("%d runners, 2 calls each" % n, len({r["runner"] for r in recs}) == n and len(recs) == 2 * n,
          (len({r["runner"] for r in recs}), len(recs)))
    bad = [(r["runner"], r["function"], r["status"], r.get("error")) for r in recs if r["status"] != "ok"]
    check("every call of every runner ok", not bad, bad[:4])
    for version, venv in venvs:
        for gc_on in (True, False):
            mine = [r for r in recs if r["gc"] is gc_on and (r["env"] or "").startswith(venv + "/bin/python " + version)]
            check("Python %s, gc %s: every variant ran, records name the interpreter"
                  % (version, "on" if gc_on else "off"),
                  sorted({r["library"] for r in mine}) == sorted(VARIANTS) and len(mine) == 12,
                  sorted((r["library"], r["env"]) for r in mine))
    info = json.load(open(glob.glob(os.path.join(out, "results_*", "run.json"))[0]))
    for version, venv in venvs:
        want = interpreter_versions(venv)
        env = [e for e in info.get("environments", []) if e.get("given") == venv]
        got = env[0].get("versions") if env else None
        check("run.json: the versions of %s (%s)" % (venv, want),
              got is not None and want is not None and all(got.get(k) == v for k, v in want.items()), got)


def test_verify(tmp, data, venvs):
    out = os.path.join(tmp, "verify")
    p = cbtest.run(["run"] + data + [out, "--verify", "--libraries", "flint"] + VARIANTS + ["--venvs"] +
                   [d for _, d in venvs] + ["--timeout", "60"], cwd=tmp)
    check("verify: flint and the six variants in every venv exits 0", p.returncode == 0, p.stderr[-800:])
    recs = cbtest.records(out)
    check("verify: every call ok", recs and all(r["status"] == "ok" for r in recs),
          [(r["runner"], r["function"], r.get("error")) for r in recs if r["status"] != "ok"][:4])
    for fn in sorted({r["function"] for r in recs}):
        sym = {(r["library"], r["env"]): r["digest"] for r in recs if r["function"] == fn and r["library"] != "flint"}
        flint = {r["digest"] for r in recs if r["function"] == fn and r["library"] == "flint"}
        check("verify %s: the six variants agree in every venv (%d runners)" % (fn, len(sym)),
              len(sym) == 6 * len(venvs) and len(set(sym.values())) == 1, sym)
        if fn != "divmod":      # SymPy's divmod is pdiv, FLINT's divrem: different by definition
            check("verify %s: and equal flint's" % fn, set(sym.values()) == flint, (flint, set(sym.values())))


def label_venvs(tmp, venvs):
    """Two real venvs: SymPy 1.14 and mpmath copied from the pinned 3.11
    venv, no python-flint; Debian's Python with its SymPy 1.11 and
    python-flint 0.9 copied from the pinned venv (a cp311 wheel)."""
    made = []
    v311 = [d for v, d in venvs if v == "3.11"]
    if not v311:
        return made
    src = glob.glob(os.path.join(v311[0], "lib", "python3.11", "site-packages"))[0]

    def copy(dest, names):
        site = glob.glob(os.path.join(dest, "lib", "python3*", "site-packages"))[0]
        for n in names:
            for path in glob.glob(os.path.join(src, n)):
                shutil.copytree(path, os.path.join(site, os.path.basename(path)))

    base = os.path.realpath(os.path.join(v311[0], "bin", "python"))
    absent = os.path.join(tmp, "no-flint")
    if subprocess.run([base, "-m", "venv", "--without-pip", absent]).returncode == 0:
        copy(absent, ["sympy", "sympy-*.dist-info", "mpmath", "mpmath-*.dist-info"])
        made.append((absent, "SYMPY_GROUND_TYPES was set to flint but python-flint is not installed"))
    debian = os.path.join(tmp, "old-sympy")
    if subprocess.run(["/usr/bin/python3", "-c", "import sympy; assert sympy.__version__.startswith('1.11')"]).returncode == 0 \
            and subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", "--system-site-packages",
                                debian]).returncode == 0:
        copy(debian, ["flint", "python_flint-*.dist-info", "python_flint.libs"])
        made.append((debian, "SYMPY_GROUND_TYPES environment variable unrecognised"))
    return made


def test_labels(tmp, data, venvs):
    made = label_venvs(tmp, venvs)
    check("two label-check venvs built (no python-flint; SymPy 1.11 with python-flint 0.9)", len(made) == 2, made)
    rows, p = cbtest.libraries_rows(["--venvs"] + [d for d, _ in made], cwd=tmp)
    for venv, why in made:
        for lib in ("sympy-dmp-flint", "sympy-domains-flint"):
            row = [r for r in rows if r["library"] == lib and r["environment"].startswith(venv + "/bin/python ")]
            check("libraries: %s in %s unavailable with SymPy's own reason" % (lib, os.path.basename(venv)),
                  len(row) == 1 and row[0]["available"] == "no" and why in row[0]["reason / description"], row)
        plain = [r for r in rows if r["library"] == "sympy-dmp" and r["environment"].startswith(venv + "/")]
        check("libraries: sympy-dmp in %s available" % os.path.basename(venv),
              len(plain) == 1 and plain[0]["available"] == "yes", plain)
        flint = [r for r in rows if r["library"] == "python-flint" and r["environment"].startswith(venv + "/")]
        check("libraries: python-flint in %s %s" % (os.path.basename(venv), "available" if "old" in venv else "absent"),
              len(flint) == 1 and flint[0]["available"] == ("yes" if "old" in venv else "no"), flint)
    out = os.path.join(tmp, "labels")
    p = cbtest.run(["run"] + data + [out, "--libraries", "sympy-dmp-flint", "sympy-domains-flint", "--venvs"] +
                   [d for d, _ in made] + ["--repeats", "1", "--rounds", "1", "--run-list-filter", "add"], cwd=tmp)
    recs = cbtest.records(out)
    check("a run: every flint-variant record unavailable with SymPy's reason",
          len(recs) == 2 * len(made) and all(
              r["status"] == "unavailable" and any(why in (r["error"] or "") for _, why in made) for r in recs),
          [(r["runner"], r["status"], r["error"]) for r in recs])


def main():
    venvs = cbtest.built_and_pinned(NAME, check)
    if not venvs:
        return 1
    tmp = tempfile.mkdtemp(prefix="cbgt.")
    try:
        data = dataset(tmp)
        if os.environ.get("CASBENCH_SANITIZED") == "1":
            # the matrix exercises Python harnesses; the sanitized pass keeps
            # the parts that run sanitized C (the flint harness, the engine)
            print("SKIP: %s: variant x interpreter x gc matrix (normal build only)" % NAME)
        else:
            test_matrix(tmp, data, venvs)
        test_verify(tmp, data, venvs)
        test_labels(tmp, data, venvs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
