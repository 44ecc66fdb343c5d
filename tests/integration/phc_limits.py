#!/usr/bin/env python3
"""phc_limits.py — the PHCpack reader keeps its budgets on hostile input
(issue 14, "Work bounded by the input"; docs/systems.md, "Limits").

Memory: the reader keeps at most 64 MiB of polynomials alive (dataset values
included) besides the text itself, so `casbench import-phc`'s peak RSS stays
within its RSS on a one-line file + the file's size + 64 MiB (+ a quarter for
the pickle it writes): a 10 MB line `x+x+...+x` (483 MiB before), a sum of
300,000 distinct terms (imported) and one of 600,000 (refused), an 82,824-term
polynomial in 10 variables.  CPU: a chain of 27,000 products in 162 KB is
refused by the work budget — one line naming FILE:LINE, exit 2, no output —
instead of computing for 50 s until memory ran out; the commands run under
a CPU-time limit (ulimit -t 30) as a guard.  The figures printed are for
information, not assertions of speed.

The sanitized build's RSS includes ASan's shadow and quarantine, so there
the memory bound is not asserted (the normal build's run asserts it)."""
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
check = cbtest.Checker("phc_limits", 600, sep=": ")
SANITIZED = os.environ.get("CASBENCH_SANITIZED") == "1"
BUDGET_MIB = 64

cbtest.exit_unless_casbench_built("phc_limits")
TMP = tempfile.mkdtemp(prefix="cbphclim.")


def write(name, text):
    return cbtest.write_text(TMP, name, text)


def limit_cpu():
    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))


def import_phc(path):
    """Runs import-phc on one file in a process of its own: (CompletedProcess,
    dataset or None, peak RSS in MiB, CPU seconds)."""
    out = os.path.join(TMP, "out")
    subprocess.run(["rm", "-rf", out])
    code = ("import resource, subprocess, sys\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, preexec_fn=lambda: "
            "resource.setrlimit(resource.RLIMIT_CPU, (30, 30)))\n"
            "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "sys.stderr.write(p.stderr)\n"
            "print(p.returncode, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)\n")
    p = subprocess.run([sys.executable, "-c", code, CB, "import-phc", out, path], capture_output=True, text=True)
    rc, rss, cpu = p.stdout.split()
    p.returncode = int(rc)
    data = None
    if p.returncode == 0:
        with open(os.path.join(out, "polys.pickle"), "rb") as f:
            data = pickle.load(f)
    return p, data, int(rss) / 1024, float(cpu)


_, _, base_rss, _ = import_phc(write("tiny", "1\n x - 1;\n"))
print("# import-phc of a one-line file: peak RSS %.1f MiB" % base_rss)


def within_budget(name, path, rss):
    bound = base_rss + os.path.getsize(path) / 2**20 + BUDGET_MIB * 1.25
    print("# %s: peak RSS %.1f MiB (bound %.1f)" % (name, rss, bound))
    if SANITIZED:
        return
    check("%s: peak RSS within the budget" % name, rss <= bound, "%.1f MiB > %.1f" % (rss, bound))


def refused(name, path, p, line, message):
    err = p.stderr.splitlines()
    check("%s: refused in one line naming %s:%d" % (name, os.path.basename(path), line),
          p.returncode == 2 and len(err) == 1 and err[0].startswith("casbench: %s:%d: " % (path, line))
          and message in err[0] and not os.path.exists(os.path.join(TMP, "out")), (p.returncode, err))


# a 10 MB line x+x+...+x: the sum of 5,000,001 x
path = write("xsum", "1\n" + "x+" * 5000000 + "x;\n")
p, data, rss, cpu = import_phc(path)
print("# xsum: %.2f s CPU" % cpu)
check("10 MB line x+x+...: imported as 5000001*x", p.returncode == 0 and data == {"xsum": (["x"], [{(1,): 5000001}])},
      (p.returncode, p.stderr))
within_budget("10 MB line x+x+...", path, rss)

# distinct terms: 300,000 fit, 600,000 would not (dataset values included)
path = write("sum300k", "1\n" + "+".join("x^%d" % i for i in range(300000)) + ";\n")
p, data, rss, _ = import_phc(path)
check("300,000 distinct terms imported", p.returncode == 0 and len(data["sum300k"][1][0]) == 300000,
      (p.returncode, p.stderr))
within_budget("300,000 distinct terms", path, rss)
path = write("sum600k", "1\n" + "+".join("x^%d" % i for i in range(600000)) + ";\n")
p, data, rss, _ = import_phc(path)
refused("600,000 distinct terms", path, p, 2, "expression too large")
within_budget("600,000 distinct terms", path, rss)

# a legitimate large polynomial: 82,824 terms in 10 variables, 30-digit coefficients
r = random.Random(14)
names = ["x%d" % i for i in range(10)]
terms = ["%d*%s" % (r.randrange(10**29, 10**30), "*".join("%s^%d" % (v, r.randrange(9)) for v in names))
         for _ in range(82824)]
path = write("big", "1\n " + " + ".join(terms) + ";\n")
p, data, rss, cpu = import_phc(path)
print("# big: %.1f MB, %.2f s CPU" % (os.path.getsize(path) / 1e6, cpu))
check("82,824-term polynomial imported", p.returncode == 0 and len(data["big"][1][0]) == len(set(
    t.split("*", 1)[1] for t in terms)), (p.returncode, p.stderr))
within_budget("82,824-term polynomial", path, rss)

# a chain of 27,000 products (162 KB): refused by the work budget
path = write("chain", "1\n" + "(x+1)*" * 27000 + "1;\n")
p, data, rss, cpu = import_phc(path)
print("# chain: refused after %.2f s CPU" % cpu)
refused("chain of 27,000 products", path, p, 2, "expression too costly to compute")
# the same chain on line 5, after blank lines: the line is right
path = write("chain5", "1\n\n\n\n" + "(x+1)*" * 27000 + "1;\n")
p, data, rss, cpu = import_phc(path)
refused("chain on line 5", path, p, 5, "expression too costly to compute")
# ... and a short chain still imports
path = write("short", "1\n" + "(x+1)*" * 200 + "1;\n")
p, data, _, _ = import_phc(path)
check("a chain of 200 products imports", p.returncode == 0 and data["short"][1][0][(200,)] == 1
      and len(data["short"][1][0]) == 201, (p.returncode, p.stderr))

subprocess.run(["rm", "-rf", TMP])
sys.exit(1 if check.failed else 0)
