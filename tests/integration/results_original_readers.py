"""results_original_readers.py — the original tool's own analysis code can
read casbench's results.pickle (issue 14).

The original's post_process.py (load_python_results, load_external_results;
pandas) turns results.pickle into DataFrames: a DataFrame of the runner
dicts of "python" or "external", the other columns made categorical, grouped
by `type`; for benchmark runners `min` over every timing list, for mem
runners fields 2 and 6 of every memory row.  It failed on casbench's
`[]` for calls that did not run ("min() arg is an empty sequence").  This
test reads, the same way (written anew here, with Debian's python3-pandas),
the results.pickle of a real run in every mode (benchmark, cpu, mem, verify)
whose calls end in every status:
  ok            selftest sleeps, SymPy's add
  timeout       selftest_hang, SymPy's groebner of katsura-5
  crashed       selftest_segv
  error         selftest_error, SymPy's divmod by zero
  unsupported   the selftest functions in SymPy
  unavailable   mathematica (external), python-flint (python): not installed
and checks: the readers run; every timing list and memory row a reader
touches is non-empty; a call that did not finish is [inf] (mem: one row of
inf) while its precise status stays in calls.jsonl; an ok call's min is the
record's; `flags` is a list; the harnesses' own per-runner results pickles
take the same reading."""
import glob
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
SYSTEM_PYTHON = "/usr/bin/python3"   # Debian's, where python3-pandas lives
SANITIZED = os.environ.get("CASBENCH_SANITIZED") == "1"
check = cbtest.Checker("results_original_readers", 1500)

# Reads RESULTS.PICKLE as the original's load_external_results and
# load_python_results did (post_process.py), the python reading of mem rows
# applied to the external runners too (the selftest's crashes and hangs are
# there); prints JSON: per group and type,
# the (function, args repr, runner index) -> min timing, or max bytes and max
# allocations of the rows.
READER = r'''
import json, math, pickle, sys
import pandas as pd

with open(sys.argv[1], "rb") as f:
    results = pickle.load(f)
out = {}
for group in ("external", "python"):
    if not results[group]:
        continue
    res = pd.DataFrame(results[group])
    res["runner"] = range(len(res))
    plain = ["results", "flags", "runner"]
    if group == "python":
        res["venv"] = res["venv"].apply(str)
        plain.append("gc")
    res = pd.concat([res[plain], res.drop(columns=plain).astype("category")], axis=1)
    gb = res.groupby(by="type", observed=False)
    for kind in ("benchmark", "cpu", "mem", "verify"):
        try:
            df = gb.get_group(kind).drop(columns=["type"])
        except KeyError:
            continue
        if kind == "verify":
            out[group + "/" + kind] = len(df)
            continue
        if kind == "mem" and group == "python":   # (external runners' gc is None: no dropna there)
            df = df.dropna().copy()
        df["function"] = df["results"].apply(dict.keys)
        tmp = df.explode("function")
        values = df["results"].apply(dict.values).explode()
        rows = []
        if kind == "mem":
            tmp["usage"] = values
            tmp["max_allocations"] = tmp["usage"].apply(lambda x: max(y[6] for y in x))
            tmp["max_bytes"] = tmp["usage"].apply(lambda x: max(y[2] for y in x))
            for _, r in tmp.iterrows():
                rows.append([r.function[0], repr(r.function[1]), int(r.runner),
                             None if math.isinf(r.max_bytes) else r.max_bytes,
                             None if math.isinf(r.max_allocations) else r.max_allocations])
        else:
            tmp["timings"] = values
            tmp["timings"] = tmp["timings"].apply(min)
            for _, r in tmp.iterrows():
                rows.append([r.function[0], repr(r.function[1]), int(r.runner),
                             None if math.isinf(r.timings) else r.timings])
        out[group + "/" + kind] = rows
print(json.dumps(out))
'''


def main():
    if subprocess.run([SYSTEM_PYTHON, "-c", "import pandas"], capture_output=True).returncode:
        check("Debian's python3-pandas is installed (tools/install-deps.sh)", False)
        return
    tmp = tempfile.mkdtemp(prefix="cborig.")
    try:
        one = (["x", "y"], [{(1, 0): 3, (0, 2): -5}, {(2, 1): 7, (0, 0): 1}])
        polys = {k: one for k in ("us:2000", "n:0", "n:1", "p", "q")}
        polys["zero"] = (["x", "y"], [{}, {}])
        # katsura-5: SymPy's groebner takes far longer than the limit (a timeout in the python group)
        n = 5
        kat = [{tuple(1 if v == 0 else 0 for v in range(n + 1)): 1,
                **{tuple(1 if v == i else 0 for v in range(n + 1)): 2 for i in range(1, n + 1)},
                tuple(0 for _ in range(n + 1)): -1}]
        for m in range(n):
            p = {}
            for i in range(-n, n + 1):
                j = m - i
                if -n <= j <= n:
                    e = [0] * (n + 1)
                    e[abs(i)] += 1
                    e[abs(j)] += 1
                    p[tuple(e)] = p.get(tuple(e), 0) + 1
            e = [0] * (n + 1)
            e[m] += 1
            p[tuple(e)] = p.get(tuple(e), 0) - 1
            kat.append({k: v for k, v in p.items() if v})
        polys["katsura-5"] = (["x%d" % i for i in range(n + 1)], kat)
        run_list = {"selftest_sleep": [("us:2000",)], "selftest_hang": [("n:0",)], "selftest_segv": [("n:0",)],
                    "selftest_error": [("n:0",)], "add": [("p", "q")], "divmod": [("p", "zero")],
                    "groebner": [("katsura-5",)]}
        for name, v in (("polys", polys), ("run_list", run_list)):
            with open(os.path.join(tmp, name + ".pickle"), "wb") as f:
                pickle.dump(v, f)
        out = os.path.join(tmp, "out")
        p = subprocess.run([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                            "--libraries", "selftest", "mathematica", "sympy-dmp", "python-flint",
                            "--venvs", "python3", "--benchmark", "--cpu-profiling", "--memory-profiling", "--verify",
                            "--repeats", "2", "--timeout", "2"], capture_output=True, text=True, timeout=900)
        dirs = glob.glob(os.path.join(out, "results_*"))
        check("the run wrote a results directory", len(dirs) == 1, p.stderr[-1500:])
        if len(dirs) != 1:
            return
        d = dirs[0]
        with open(os.path.join(d, "calls.jsonl")) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        with open(os.path.join(d, "results.pickle"), "rb") as f:
            res = pickle.load(f)
        statuses = {r["status"] for r in recs}
        check("the run's calls end in every status", statuses == {"ok", "timeout", "crashed", "error", "unsupported",
                                                                  "unavailable"}, sorted(statuses))
        modes = {(r["library"], r["mode"]) for r in recs}
        # (the sanitized build's C harnesses cannot host the allocation
        # tracker — ASan's malloc must come first — so selftest has no mem
        # runner there; the normal build's run covers mem with crashes)
        absent = {("selftest", "mem")} if SANITIZED else set()
        check("every mode ran for selftest and sympy-dmp",
              all((lib, m) in modes or (lib, m) in absent for lib in ("selftest", "sympy-dmp")
                  for m in ("benchmark", "cpu", "mem", "verify")), sorted(modes))

        r = subprocess.run([SYSTEM_PYTHON, "-c", READER, os.path.join(d, "results.pickle")], capture_output=True,
                           text=True, timeout=300)
        check("the original's readers take results.pickle", r.returncode == 0, r.stderr[-1500:])
        if r.returncode:
            return
        read = json.loads(r.stdout)
        check("every group and mode was read", all(g + "/" + m in read for g in ("python", "external")
                                                    for m in ("benchmark", "cpu", "mem", "verify")), sorted(read))

        # what the readers saw, against the records
        runner_of = []   # per group, runner index -> (library, type, gc, venv)
        for group in ("external", "python"):
            for i, rd in enumerate(res[group]):
                runner_of.append(((group, i), rd))
        flags_ok = all(isinstance(rd["flags"], list) for _, rd in runner_of)
        check("flags is a list in every runner", flags_ok, [rd["flags"] for _, rd in runner_of])

        def records_for(rd, function, args_repr):
            """The call's records, one per round (benchmark runners run
            --rounds, 3 by default)."""
            return [rec for rec in recs
                    if (rec["library"] == rd["library"] and rec["mode"] == rd["type"] and rec["function"] == function
                        and (rd["gc"] is None or rec["gc"] == rd["gc"])
                        and repr(tuple(eval(a) for a in rec["args"])) == args_repr)]

        seen = set()
        bad = []
        for key, rows in read.items():
            group, kind = key.split("/")
            if kind == "verify":
                continue
            for row in rows:
                function, args_repr, idx = row[:3]
                rd = res[group][idx]
                rounds = records_for(rd, function, args_repr)
                if not rounds:
                    bad.append(("no record", key, row))
                    continue
                # the rounds pooled: ok when every round is, the fastest of all their repeats
                status = next((x["status"] for x in rounds if x["status"] != "ok"), "ok")
                times = [t for x in rounds for t in x["times"]]
                seen.add((kind, status))
                if status == "ok" and kind != "mem":
                    if row[3] is None or abs(row[3] - min(times)) > 1e-12:
                        bad.append(("ok min", key, row, times))
                elif status == "ok":
                    if row[3] is None or row[4] is None:
                        bad.append(("ok mem", key, row))
                elif row[3] is not None:
                    bad.append(("not finished, not inf", key, row, status))
        check("ok calls read as their times and rows, the others as inf", not bad, bad[:5])
        want = {(m, s) for m in ("benchmark", "cpu", "mem")
                for s in ("ok", "timeout", "crashed", "error", "unsupported", "unavailable")}
        if SANITIZED:
            want.discard(("mem", "crashed"))
        check("every timing mode was read with every status", want <= seen, sorted(want - seen))

        # the harnesses' own results pickles (C and Python) take the same reading
        bad, count, libs = [], 0, set()
        for path in glob.glob(os.path.join(d, "runners", "*.results.pickle")):
            with open(path, "rb") as f:
                v = pickle.load(f)
            parts = os.path.basename(path).split(".")   # RUNNER[.roundK].results.pickle
            mode = [x for x in parts[:-2] if not x.startswith("round")][-1]
            for k, val in v.items():
                count += 1
                libs.add(os.path.basename(path).split(".")[0])
                if mode == "verify":
                    continue
                if not val or (mode == "mem" and any(len(row) < 7 for row in val)) or \
                        (mode != "mem" and not all(isinstance(t, float) for t in val)):
                    bad.append((os.path.basename(path), k, val))
        check("the harnesses' results pickles (selftest in C, sympy-dmp in Python) hold no empty value",
              not bad and count > 0 and {"selftest", "sympy-dmp"} <= libs, (bad[:3], count, sorted(libs)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
