"""report_verify.py — `--verify` across libraries, as `report` shows it.

Runs the built-in default suite with `casbench run --verify` on flint and
SymPy (both representations; python-flint too when it is installed) and
checks that `report` lists exactly the calls whose digests differ — the set
this file computes itself from calls.jsonl — that the libraries agree
everywhere except where results are defined differently by design (divmod:
SymPy's pseudo-division), and that `run` ends with the verification summary.

Then a deliberately wrong answer: the flint runner's own config from the run
(runners/flint.verify.config.pickle) is given to the flint harness again with
`perturb` naming one `mult` call (docs/protocol.md), writing into a copy of
the results directory; `report` must list that call, with flint alone
against the others, and not as expected."""
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("report_verify", 1500)


def available_libraries(venv):
    p = subprocess.run([CB, "libraries", "--venvs", venv], capture_output=True, text=True, timeout=120)
    avail = set()
    for line in p.stdout.splitlines()[2:]:
        cols = line.split()
        if len(cols) >= 4 and "yes" in cols:
            avail.add(cols[0])
    return avail


def disagreements_from(records):
    """{(function, args): {digest: {library, ...}}} for calls whose ok digests differ."""
    calls = {}
    for r in records:
        if r.get("status") == "ok" and r.get("digest"):
            calls.setdefault((r["function"], tuple(r["args"])), {}).setdefault(r["digest"], set()).add(r["library"])
    return {k: v for k, v in calls.items() if len(v) > 1}, sum(1 for v in calls.values() if sum(map(len, v.values())) >= 2)


def read_records(d):
    with open(os.path.join(d, "calls.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def report_json(d):
    p = subprocess.run([CB, "report", d, "--format", "json"], capture_output=True, text=True, timeout=120)
    return json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr}


def main():
    # casbench's first pinned venv (SymPy, python-flint), else python3
    pinned, _ = cbtest.pinned_venvs()
    venv = pinned[0][1] if pinned else "python3"
    avail = available_libraries(venv)
    libs = [l for l in ("flint", "sympy-dmp", "sympy-domains", "python-flint") if l in avail]
    if "flint" not in libs or len(libs) < 2:
        print("SKIP: report_verify: needs flint and a SymPy library (have %s)" % sorted(avail))
        return
    tmp = tempfile.mkdtemp(prefix="cbverify.")
    try:
        p = subprocess.run([CB, "run", "--verify", "--libraries", *libs, "--timeout", "3", "--venvs", venv], cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        base = os.path.join(tmp, "casbench-results")
        dirs = [os.path.join(base, d) for d in os.listdir(base)] if os.path.isdir(base) else []
        check("run --verify on the default suite", len(dirs) == 1 and p.returncode == 0, p.stderr[-800:])
        if not dirs:
            return
        d = dirs[0]
        check("run ends with the verification summary", "calls compared across libraries" in p.stdout, p.stdout[-800:])
        recs = read_records(d)
        want, compared = disagreements_from(recs)
        rep = report_json(d)
        v = rep.get("verify", {})
        # the report names runners by label ("sympy-dmp [py3.11.7]" when a library ran in several envs)
        got = {(x["function"], tuple(x["args"])): {k: {lab.split(" ")[0] for lab in vv} for k, vv in x["digests"].items()}
               for x in v.get("disagreements", [])}
        check("report lists exactly the calls whose digests differ", got == want, (got, want))
        check("report counts the calls compared", v.get("compared") == compared and compared >= 20, (v.get("compared"), compared))
        unexpected = [x for x in v.get("disagreements", []) if not x.get("expected")]
        check("libraries agree except by design", not unexpected, unexpected)
        check("what differs by design is divmod only", all(f == "divmod" for f, _ in want), sorted(want))

        # a deliberately wrong answer
        cfg_path = os.path.join(d, "runners", "flint.verify.config.pickle")
        with open(cfg_path, "rb") as f:
            cfg = pickle.load(f)
        victim = next(r for r in recs if r["library"] == "flint" and r["function"] == "mult" and r["status"] == "ok")
        entry = next(e for e in cfg["run_list"]["mult"] if [repr(k) for k in e] == victim["args"])
        d2 = os.path.join(tmp, "perturbed")
        shutil.copytree(d, d2)
        with open(os.path.join(d2, "calls.jsonl"), "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in recs if r["library"] != "flint"))
        cfg.update(perturb=("mult", tuple(entry)), calls_jsonl=os.path.join(d2, "calls.jsonl"),
                   log_file=os.path.join(d2, "logs", "flint-perturbed.log"))
        cfg2 = os.path.join(d2, "perturb.config.pickle")
        with open(cfg2, "wb") as f:
            pickle.dump(cfg, f)
        h = subprocess.run([os.path.join(BUILD, "harness", "casbench-harness-flint")],
                           input="%s\n%s\n" % (cfg2, os.path.join(d2, "perturb.results.pickle")),
                           capture_output=True, text=True, timeout=300)
        check("flint harness reran with perturb", h.returncode == 0, h.stderr[-500:])
        rep2 = report_json(d2)
        dis2 = {(x["function"], tuple(x["args"])): x for x in rep2.get("verify", {}).get("disagreements", [])}
        hit = dis2.get(("mult", tuple(victim["args"])))
        check("the wrong answer is caught", hit is not None and not hit.get("expected"), sorted(dis2))
        if hit:
            groups = sorted(sorted({lab.split(" ")[0] for lab in v}) for v in hit["digests"].values())
            others = sorted(l for l in libs if l != "flint")
            check("flint alone against the others", groups == sorted([["flint"], others]), groups)
        check("nothing else changed", set(dis2) - {("mult", tuple(victim["args"]))} == set(want), sorted(dis2))
        t = subprocess.run([CB, "report", d2], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, COLUMNS="1000"))   # wide: the row on one line
        rows = [l for l in t.stdout.splitlines() if l.startswith(", ".join(victim["args"]))]
        check("text report shows the call, not as expected",
              any("flint" in l and "expected" not in l for l in rows), t.stdout[-1500:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
