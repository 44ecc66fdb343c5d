"""cli_original_lines.py — the original tool's own command lines, copied
word for word from its README and its run script, run unchanged with
`casbench gen` in place of `python -c "...; gen_polys()"` and `casbench
run` in place of `python -c "...; main()"` (docs/cli.md):

- the README's generator examples and its `gen_polys() PATH --describe`,
  whose tables are the original's (tests/fixtures/describe/) and what
  `casbench describe` prints;
- the run script's two lines, with the original's argparse spellings:
  --venv (a prefix of --venvs) naming .venv-312, a venv directory of the
  current directory (here casbench's pinned venv-3.12 under that name),
  --gc True False, --cores 6, -v.  For real, on small datasets: every
  library the line names runs in the venv, with gc on and off, each call
  has a record, and mathematica, not installed here, is recorded as
  unavailable without failing the run."""
import json
import os
import pickle
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
check = cbtest.Checker("cli_original_lines", limit=800)

GEN = 'python -c "from src.benchmarking.cli import *; gen_polys()"'
MAIN = 'python -c "from src.benchmarking.cli import *; main()"'

# The original tool's README, "Polynomial generation" > "Generate
# polynomials": its two examples (the shell's line continuations, "&&" and
# "2> /dev/null" left out).  The first writes to /tmp/, here the test's own
# directory.
README_EXAMPLE_1 = [
    GEN + ' /tmp/ --generators "1" --terms "5" --coefficients "1-100" --exponents "0-10" --seed 1234',
    GEN + ' /tmp/polys.pickle --describe',
]
README_EXAMPLE_2 = [
    GEN + ' ./ --generators   "1-5, 6-13:2" --terms        "10" --coefficients "1-1000" --exponents    "0-1000"'
          ' --number 1 --seed 12',
    GEN + ' ./ --generators   "1-5, 6-13:2" --terms        "10" --coefficients "2**65-2**66" --exponents    "0-1000"'
          ' --number 1 --seed 34 --append',
    GEN + ' ./ --generators   "5" --terms        "4-33:4" --coefficients "1-1000" --exponents    "0-1000"'
          ' --number 1 --seed 45 --append',
    GEN + ' ./ --generators   "5" --terms        "4-33:4" --coefficients "2**65-2**66" --exponents    "0-1000"'
          ' --number 1 --seed 67 --append',
    GEN + ' ./polys.pickle --describe',
]

# The original tool's run script: its two benchmark lines.
RUN_SCRIPT = [
    MAIN + ' ./polys.pickle ./run_list.pickle ./results --libraries sagemath python-flint sympy-domains'
           ' sympy-domains-gmpy sympy-domains-flint sympy-dmp sympy-dmp-gmpy sympy-dmp-flint mathematica'
           ' --venv .venv-312 --gc True False --cores 6 --benchmark -v --timeout 1 --repeats 3',
    MAIN + ' ./polynomial_db/polys.pickle ./polynomial_db/run_list.pickle ./results --libraries sagemath'
           ' python-flint sympy-domains sympy-domains-gmpy sympy-domains-flint mathematica --venv .venv-312'
           ' --gc True False --cores 6 --benchmark -v --timeout 15 --repeats 1',
]


def casbench_argv(line, tmp_dir=None):
    """LINE with casbench in place of the original's entry point; /tmp/ of
    the README is TMP_DIR."""
    words = shlex.split(line)
    command = {"gen_polys()": "gen", "main()": "run"}[words[2].split("; ")[1]]
    rest = words[3:]
    if tmp_dir:
        rest = [tmp_dir + w[len("/tmp"):] if w.startswith("/tmp/") else w for w in rest]
    return [CB, command] + rest


def run_line(line, cwd, tmp_dir=None, timeout=900):
    argv = casbench_argv(line, tmp_dir)
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def readme(tmp):
    for n, (lines, golden) in enumerate(((README_EXAMPLE_1, "seed-example-1.txt"),
                                         (README_EXAMPLE_2, "seed-example-2.txt")), 1):
        cwd = os.path.join(tmp, "readme%d" % n)
        os.makedirs(cwd)
        outputs = []
        for line in lines:
            p = run_line(line, cwd, tmp_dir=cwd)
            check("README example %d: %s" % (n, " ".join(casbench_argv(line, cwd)[1:])), p.returncode == 0,
                  p.stderr[-400:])
            outputs.append(p.stdout)
        with open(os.path.join(cbtest.FIXTURES, "describe", golden)) as f:
            want = f.read()
        check("README example %d: --describe prints the original's table (%s)" % (n, golden), outputs[-1] == want,
              outputs[-1][:400])
        p = subprocess.run([CB, "describe", os.path.join(cwd, "polys.pickle")], capture_output=True, text=True)
        check("README example %d: ... which is what casbench describe prints" % n, p.stdout == outputs[-1])
    return os.path.join(tmp, "readme1")


def script_line(tmp, k, cwd, data):
    """Run the script's line K in CWD (a .venv-312 in it) on DATA's
    dataset; check the results directory."""
    before = set(os.listdir(os.path.join(cwd, "results"))) if os.path.isdir(os.path.join(cwd, "results")) else set()
    p = run_line(RUN_SCRIPT[k], cwd)
    name = "run script line %d" % (k + 1)
    check("%s: exit 0 (mathematica unavailable does not fail the run)" % name, p.returncode == 0,
          p.stderr[-600:])
    new = sorted(set(os.listdir(os.path.join(cwd, "results"))) - before) if p.returncode == 0 else []
    check("%s: one new results directory under ./results" % name, len(new) == 1, new)
    if len(new) != 1:
        return
    d = os.path.join(cwd, "results", new[0])
    check("%s: results.pickle for the original's readers" % name, os.path.isfile(os.path.join(d, "results.pickle")))
    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check("%s: run.json records the command line as given" % name,
          rj["command_line"] == casbench_argv(RUN_SCRIPT[k])[1:], rj["command_line"])
    venv = os.path.join(cwd, ".venv-312", "bin", "python")
    check("%s: --venv .venv-312 is the venv of the current directory" % name,
          [e["python"] for e in rj["environments"]] == [venv], rj["environments"])
    with open(os.path.join(d, "calls.jsonl")) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(cwd, data, "run_list.pickle"), "rb") as f:
        calls = sum(len(v) for v in pickle.load(f).values())
    words = shlex.split(RUN_SCRIPT[k])
    libs = words[words.index("--libraries") + 1:words.index("--venv")]
    for lib in libs:
        # one round's records: each round of the run list gives every call
        # a record of its own (--rounds, docs/measurement.md)
        rounds = rj["options"]["rounds"]
        check("%s: %s: a record per call in each of the %d rounds" % (name, lib, rounds),
              sorted(r.get("round", 0) for r in recs if r["library"] == lib)
              == sorted(list(range(rounds)) * (len([r for r in recs if r["library"] == lib]) // rounds)),
              sorted({r.get("round") for r in recs if r["library"] == lib}))
        mine = [r for r in recs if r["library"] == lib and r.get("round", 0) == 0]
        if lib == "mathematica":
            check("%s: mathematica: every call recorded as unavailable" % name,
                  len(mine) == calls and all(r["status"] == "unavailable" for r in mine),
                  [(r["status"], r.get("error")) for r in mine][:3])
            continue
        by_gc = {gc: [r for r in mine if r["gc"] is gc] for gc in (True, False)}
        statuses = {r["status"] for r in mine}
        check("%s: %s: every call with gc on and with gc off (%d each), ok or timed out" % (name, lib, calls),
              all(len(v) == calls for v in by_gc.values()) and statuses <= {"ok", "timeout"},
              ({gc: len(v) for gc, v in by_gc.items()}, statuses,
               [r.get("error") for r in mine if r["status"] not in ("ok", "timeout")][:2]))
        if lib != "sagemath":   # sagemath brings its own interpreter
            check("%s: %s ran in .venv-312" % (name, lib), all(r["env"].startswith(venv + " ") for r in mine),
                  {r["env"] for r in mine})


def main():
    built = cbtest.built_and_pinned("cli_original_lines", check)
    if not built:
        sys.exit(1)
    venv312 = dict(built).get("3.12")
    check("the pinned venv-3.12 to stand for the original's .venv-312", venv312 is not None, built)
    tmp = tempfile.mkdtemp(prefix="cli_original_lines.")
    try:
        first = readme(tmp)
        if not venv312:
            return
        # The script ran in the original's checkout, its .venv-312 there.
        os.symlink(venv312, os.path.join(first, ".venv-312"))
        script_line(tmp, 0, first, ".")
        # Its polynomial_db: PHCpack systems; three small ones of the fixtures.
        db = os.path.join(first, "polynomial_db")
        phc = [os.path.join(cbtest.FIXTURES, "phc", s) for s in ("mickey", "solotarev", "lorentz")]
        p = subprocess.run([CB, "import-phc", db] + phc, capture_output=True, text=True)
        check("a small polynomial_db (import-phc)", p.returncode == 0, p.stderr)
        script_line(tmp, 1, first, "polynomial_db")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
