"""run_suite.py — `casbench run` with no dataset runs the built-in default
suite into ./casbench-results and prints the summary table.  Checked here
quickly (flint only, a few functions; `make run` is the full run): the
random systems are exactly what `casbench gen` writes with the documented
options (docs/run.md), cyclic-4 and katsura-3 are there for groebner,
every family of `casbench systems` has an instance in the suite, and
run.json records the suite and its seed."""
import glob
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = os.path.abspath(os.path.join(BUILD, "casbench"))
check = cbtest.Checker("run_suite")


if not os.access(os.path.join(BUILD, "harness", "casbench-harness-flint"), os.X_OK):
    print("FAIL: run_suite: the flint harness is not built")
    sys.exit(1)
tmp = tempfile.mkdtemp(prefix="cbtest-suite.")
try:
    p = subprocess.run([CB, "run", "--libraries", "flint", "--run-list-filter", "add", "groebner", "--repeats", "1"],
                       cwd=tmp, capture_output=True, text=True, timeout=300)
    check("exit 0", p.returncode == 0, p.stderr[-500:])
    dirs = glob.glob(os.path.join(tmp, "casbench-results", "results_*"))
    check("results in ./casbench-results", len(dirs) == 1, os.listdir(tmp))
    d = dirs[0]
    check("summary table printed", "add" in p.stdout and "groebner" in p.stdout and "flint" in p.stdout,
          p.stdout[-400:])
    with open(os.path.join(d, "runners", "flint.benchmark.config.pickle"), "rb") as f:
        cfg = pickle.load(f)
    polys, run_list = cfg["polys"], cfg["run_list"]
    check("run list: add on one pair per size, groebner on cyclic-4, katsura-3, eco-4, noon-3, color3-cycle-4",
          len(run_list["add"]) == 3 and
          sorted(a for (a,) in run_list["groebner"]) == ["color3-cycle-4", "cyclic-4", "eco-4", "katsura-3", "noon-3"],
          run_list)
    # a small instance of every family `casbench systems` knows (the list
    # its unknown-system error gives)
    known = subprocess.run([CB, "systems", os.path.join(tmp, "none"), "no-such-family"],
                           capture_output=True, text=True).stderr
    forms = re.search(r"known: (.*)\)", known).group(1).split(", ")
    # a family is the name before the first "-": gcd-sparse and gcd-dense2
    # are two pairs of FLINT's gcd family, color3-cycle and color3-petersen
    # two graphs of the 3-colouring family
    families = {f.split("-")[0] for f in forms}
    # the whole suite's systems: a run whose every call the selftest harness
    # refuses at once (`unsupported`) still gets them all in its config
    whole = os.path.join(tmp, "whole")
    os.makedirs(whole)
    subprocess.run([CB, "run", "--libraries", "selftest", "--repeats", "1"], cwd=whole, capture_output=True,
                   timeout=300)
    cfgs = glob.glob(os.path.join(whole, "casbench-results", "results_*", "runners", "selftest*.config.pickle"))
    with open(cfgs[0], "rb") as f:
        full = pickle.load(f)["polys"]
    missing = sorted(f for f in families
                     if not any(isinstance(k, str) and k.startswith(f + "-") for k in full))
    check("the suite has an instance of each of the %d families" % len(families),
          len(families) >= 15 and not missing, (sorted(families), missing))
    check("timeout and repeats of the suite", cfg["timeout"] == 10.0 and cfg["repeats"] == 1, cfg["timeout"])
    for gens, terms in [(2, 6), (3, 8), (4, 10)]:
        out = os.path.join(tmp, "gen-%d" % gens)
        g = subprocess.run([CB, "gen", out, "--generators", str(gens), "--terms", str(terms), "--exponents", "0-5",
                            "--coefficients", "1-1000,(-999)-1000", "--number", "3", "--seed", "20260101"],
                           capture_output=True, text=True)
        with open(os.path.join(out, "polys.pickle"), "rb") as f:
            want = pickle.load(f)
        got = {k: v for k, v in polys.items() if isinstance(k, tuple) and k[0] == gens}
        check("%d generators: the systems casbench gen writes" % gens, g.returncode == 0 and got == want,
              (list(got), list(want)))
        pair = [entry for entry in run_list["add"] if entry[0][0] == gens]
        check("%d generators: add pairs the two coefficient ranges" % gens,
              len(pair) == 1 and pair[0][0][3] == range(1, 1000) and pair[0][1][3] == range(-999, 1000), pair)
    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check("run.json: the suite and its seed", rj["dataset"]["suite"] == "default" and
          rj["seeds"] == {"suite": 20260101}, (rj["dataset"], rj["seeds"]))
    recs = [json.loads(l) for l in open(os.path.join(d, "calls.jsonl"))]
    keys = {(r["call"], r["round"]) for r in recs}
    check("flint ran every call in each of the default 3 rounds",
          len(recs) == 24 and keys == {(c, k) for c in range(8) for k in range(3)} and
          all(r["status"] == "ok" for r in recs), [(r["function"], r["round"], r["status"], r.get("error")) for r in recs])
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if check.failed else 0)
