"""libraries_list.py — `casbench libraries` (docs/design.md §6): every library of
the registry, with availability per environment, its version, and the reason
when it is unavailable; the expected availability of the gmpy variants is
derived here independently (can that interpreter import gmpy2?)."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("libraries_list")
IDS = ["flint", "python-flint", "sympy-dmp", "sympy-dmp-gmpy", "sympy-dmp-flint", "sympy-domains",
       "sympy-domains-gmpy", "sympy-domains-flint", "sagemath", "singular", "pari", "mathematica", "mathics",
       "selftest"]
PROFILERS = ["perf", "samply", "casbench-tracker", "memray"]


def imports(python, module):
    try:
        return subprocess.run([python, "-c", "import " + module], capture_output=True, timeout=60).returncode == 0
    except OSError:
        return False


import tempfile
venv = os.path.join(tempfile.mkdtemp(prefix="cbtest-venv."), "v")
made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], capture_output=True).returncode == 0
envs = ["python3"] + (["/usr/bin/python3"] if os.access("/usr/bin/python3", os.X_OK) else []) + ([venv] if made else [])
p = subprocess.run([CB, "libraries", "--format", "json", "--venvs"] + envs + ["/nonexistent/venv"],
                   capture_output=True, text=True, timeout=300)
check("exit 0 even with a broken environment listed", p.returncode == 0, p.stderr[-400:])
table = json.loads(p.stdout)
cols = [c["name"] for c in table["columns"]]
rows = [dict(zip(cols, r)) for r in table["rows"]]
check("every library and profiler is listed", sorted({r["library"] for r in rows}) == sorted(IDS + PROFILERS),
      {r["library"] for r in rows})
mem = [r for r in rows if r["library"] == "memray"]
check("memray: one row per working environment, available iff it imports there",
      len(mem) == len(envs) and all((r["available"] == "yes") == imports(
          os.path.join(e, "bin", "python") if os.path.isdir(e) else e, "memray") for e, r in zip(envs, mem)), mem)
sel = [r for r in rows if r["library"] == "selftest"]
check("selftest available with a version", len(sel) == 1 and sel[0]["available"] == "yes" and sel[0]["version"] != "-",
      sel)
sage = [r for r in rows if r["library"] == "sagemath"]
on_path = any(os.access(os.path.join(d, "sage"), os.X_OK) for d in os.environ.get("PATH", "").split(":"))
debian_sage = subprocess.run(["/usr/bin/python3", "-c", "import sage.all"], capture_output=True).returncode == 0 \
    if os.access("/usr/bin/python3", os.X_OK) else False
want_env = "sage" if on_path or not os.access("/usr/bin/python3", os.X_OK) else "/usr/bin/python3"
check("sagemath: one row, its own interpreter", len(sage) == 1 and sage[0]["environment"] == want_env, sage)
if not on_path and not debian_sage:
    check("sagemath unavailable with the reason", sage[0]["available"] == "no" and sage[0]["reason / description"] != "-",
          sage)
elif not on_path:
    check("sagemath available through Debian's python3-sage", sage[0]["available"] == "yes" and sage[0]["version"] != "-",
          sage)
dmp = [r for r in rows if r["library"] == "sympy-dmp-gmpy"]
check("Python libraries: one row per environment", len(dmp) == len(envs) + 1, dmp)
for env, row in zip(envs, dmp):
    py = os.path.join(env, "bin", "python") if os.path.isdir(env) else env
    want = imports(py, "sympy") and imports(py, "gmpy2")
    check("sympy-dmp-gmpy in %s: available iff sympy and gmpy2 import" % env,
          (row["available"] == "yes") == want, row)
    if row["available"] == "no":
        check("sympy-dmp-gmpy in %s: reason given" % env, len(row["reason / description"]) > 5, row)
if made:
    vrow = [r for r in rows if r["library"] == "sympy-dmp" and r["environment"].startswith(venv + "/bin/python ")]
    check("a venv directory runs its own bin/python", len(vrow) == 1 and
          (vrow[0]["available"] == "yes") == imports(os.path.join(venv, "bin", "python"), "sympy"), vrow)
    shutil.rmtree(os.path.dirname(venv), ignore_errors=True)
check("a broken environment is a row with the reason", dmp[-1]["available"] == "no" and
      "/nonexistent/venv" in dmp[-1]["reason / description"], dmp[-1])
# (a broken environment only: no Python probe, so this one is quick)
t = subprocess.run([CB, "libraries", "--venvs", "/nonexistent/venv"], capture_output=True, text=True, timeout=300)
check("text table by default", t.returncode == 0 and t.stdout.splitlines()[0].split()[:2] == ["library", "kind"],
      t.stdout[:300])
# without --venvs: casbench's pinned venvs, then python3 on PATH and
# /usr/bin/python3 where they are other environments (another sys.prefix)
pinned, _ = cbtest.pinned_venvs()
want, prefixes = [], []
for exe in [os.path.join(d, "bin", "python") for _, d in pinned] + ["python3", "/usr/bin/python3"]:
    q = subprocess.run([exe, "-c", "import sys, os; print(sys.executable); print(os.path.realpath(sys.prefix))"],
                       capture_output=True, text=True)
    if q.returncode == 0:
        real, pre = q.stdout.split("\n")[:2]
        if pre not in prefixes:
            prefixes.append(pre)
            want.append(real)
rows2, d = cbtest.libraries_rows()
got = [r["environment"].rsplit(" ", 1)[0] for r in rows2 if r["library"] == "python-flint"]
check("default environments: the pinned venvs, python3, /usr/bin/python3 (one per sys.prefix)",
      d.returncode == 0 and got == want and len(pinned) >= 1, (got, want))
h = subprocess.run([CB, "libraries", "--help"], capture_output=True, text=True)
check("--help", h.returncode == 0 and "--venvs" in h.stdout)
b = subprocess.run([CB, "libraries", "--bogus"], capture_output=True, text=True)
check("bad option: one line, exit 2", b.returncode == 2 and len(b.stderr.splitlines()) == 1, b.stderr)
sys.exit(1 if check.failed else 0)
