"""report_selftest.py — `casbench report` on a real run of the selftest harness.

Runs `casbench run --libraries selftest` on calls whose behaviour is known from
their inputs (sleeps of 3 and 30 ms, a segfault, a hang past the limit, a
raised error) and checks every output format against numbers this file
computes itself from calls.jsonl: the JSON report's min/median per call, the
marks of the text report ('>1.00 s', 'DNF (SIGSEGV)'; a table row on one
line on a wide terminal, COLUMNS=1000), the tidy CSV (read with
pandas when Debian's python3-pandas is installed: one row per call and repeat,
same medians), markdown tables, -o and the errors of bad input (exit 2, no
file left behind); every format says its tables show wall time, and the cold
first execution (selftest_cold: 50 ms, then nothing) is a column of its own
with --cold and the JSON's `cold`, never in min, median or the summary.  Then the same directory without calls.jsonl (read from
results.pickle), and a results.pickle in the original tool's layout written
here with Python's pickle module.  The run has one round (--rounds 1): the
statistics over rounds are checked in run_rounds.py."""
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
SYSTEM_PYTHON = "/usr/bin/python3"   # Debian's, where python3-pandas lives
check = cbtest.Checker("report_selftest", 800)
WIDE = dict(os.environ, COLUMNS="1000")   # a terminal wide enough for a table row on one line


def cb(*args, **kw):
    return subprocess.run([CB, *args], capture_output=True, text=True, timeout=120, **kw)


def write_dataset(d, run_list):
    keys = {k for entries in run_list.values() for entry in entries for k in entry}
    polys = {k: (["x"], [{(1,): 1}]) for k in sorted(keys)}
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "polys.pickle"), "wb") as f:
        pickle.dump(polys, f)
    with open(os.path.join(d, "run_list.pickle"), "wb") as f:
        pickle.dump(run_list, f)


def records_of(d):
    with open(os.path.join(d, "calls.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    tmp = tempfile.mkdtemp(prefix="cbreport.")
    try:
        run_list = {
            "selftest_sleep": [("us:3000",), ("us:30000",)],
            "selftest_segv": [("n:0",)],
            "selftest_hang": [("n:0",)],
            "selftest_error": [("n:0",)],
            "selftest_cold": [("us:50000",)],
        }
        write_dataset(tmp, run_list)
        out = os.path.join(tmp, "out")
        p = cb("run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
               "--libraries", "selftest", "--repeats", "3", "--rounds", "1", "--timeout", "1")
        dirs = [os.path.join(out, d) for d in os.listdir(out)] if os.path.isdir(out) else []
        check("run produced a results directory", p.returncode == 0 and len(dirs) == 1, p.stderr)
        if not dirs:
            return
        d = dirs[0]
        recs = records_of(d)
        by_call = {(r["function"], tuple(r["args"])): r for r in recs}
        check("run printed the summary table", "selftest_sleep" in p.stdout + p.stderr and ">1.00 s" in p.stdout + p.stderr,
              p.stdout + p.stderr)

        # text: marks for what did not finish
        t = cb("report", d, env=WIDE)
        check("text report exits 0", t.returncode == 0, t.stderr)
        lines = t.stdout.splitlines()
        hang = [l for l in lines if l.startswith("'n:0'") and ">1.00 s" in l]
        check("timeout shown as >1.00 s (the --timeout)", len(hang) >= 1, t.stdout)
        check("crash shown as DNF (SIGSEGV)", "DNF (SIGSEGV)" in t.stdout, t.stdout)
        check("error shown as DNF (error)", "DNF (error)" in t.stdout, t.stdout)

        # json: min/median as computed here from the records
        j = cb("report", d, "--format", "json")
        rep = json.loads(j.stdout)
        ok = True
        seen = 0
        for f in rep["functions"]:
            for call in f["calls"]:
                res = call["results"]["selftest"]
                rec = by_call[(f["function"], tuple(call["args"]))]
                if rec["status"] == "ok":
                    seen += 1
                    ok &= abs(res["median"] - statistics.median(rec["times"])) < 1e-12
                    ok &= abs(res["min"] - min(rec["times"])) < 1e-12
                ok &= res["status"] == rec["status"]
        check("json min/median equal the records'", ok and seen == 3, j.stdout[:2000])
        sleeps = {tuple(c["args"]): c["results"]["selftest"]["median"]
                  for f in rep["functions"] if f["function"] == "selftest_sleep" for c in f["calls"]}
        check("sleep medians at least the requested sleep",
              sleeps.get(("'us:3000'",), 0) >= 0.003 and sleeps.get(("'us:30000'",), 0) >= 0.030, sleeps)
        hang_json = [c["results"]["selftest"] for f in rep["functions"] if f["function"] == "selftest_hang"
                     for c in f["calls"]]
        check("json: timeout is censored at the limit", hang_json and hang_json[0]["at_least"] == 1.0
              and hang_json[0]["median"] is None, hang_json)

        # csv: tidy, one row per call and repeat
        c = cb("report", d, "--format", "csv")
        expected_rows = sum(max(len(r.get("times") or []), len(r.get("cpu_times") or []), 1) for r in recs)
        header = c.stdout.splitlines()[0].split(",")
        check("csv has every record field, the cold time among them",
              all(k in header for k in recs[0] if k not in ("times", "cpu_times"))
              and {"repeat", "wall_time", "cpu_time", "cold_time", "cold_cpu_time"} <= set(header), header)
        csv_path = os.path.join(tmp, "r.csv")
        with open(csv_path, "w") as f:
            f.write(c.stdout)
        have_pandas = subprocess.run([SYSTEM_PYTHON, "-c", "import pandas"], capture_output=True).returncode == 0
        if have_pandas:
            code = ("import pandas as pd, json, sys\n"
                    "d = pd.read_csv(sys.argv[1])\n"
                    "m = d[d.status == 'ok'].groupby(['function', 'args']).wall_time.median()\n"
                    "print(json.dumps({'rows': len(d), 'medians': {f + ' ' + a: v for (f, a), v in m.items()}}))\n")
            pd = subprocess.run([SYSTEM_PYTHON, "-c", code, csv_path], capture_output=True, text=True)
            got = json.loads(pd.stdout) if pd.returncode == 0 else {}
            check("pandas read_csv loads the csv, one row per call and repeat",
                  got.get("rows") == expected_rows, (got, expected_rows, pd.stderr))
            want = {r["function"] + " " + json.dumps(r["args"], separators=(",", ":")): statistics.median(r["times"])
                    for r in recs if r["status"] == "ok"}
            close = got and all(abs(got["medians"].get(k.replace('","', '", "'), got["medians"].get(k, -1)) - v) < 1e-12
                                for k, v in want.items())
            check("pandas medians per call equal the records'", bool(close), (got, want))
        else:
            print("SKIP: report_selftest: pandas (python3-pandas) is not installed")

        # markdown
        m = cb("report", d, "--format", "markdown")
        check("markdown has tables", m.returncode == 0 and "| args |" in m.stdout and "|:---|" in m.stdout, m.stdout[:500])

        # which clock, in every format; the cold time apart from the statistics
        h = cb("report", d, "--format", "html")
        for fmt, text in (("text", t.stdout), ("markdown", m.stdout), ("html", h.stdout)):
            check("%s: the summary and every function table say wall time" % fmt,
                  "median wall time" in text
                  and ("selftest\\_sleep" if fmt == "markdown" else "selftest_sleep")
                  + " (wall time per execution)" in text
                  and "timed repeats' wall time per execution" in text, text[:1500])
        check("json: the clock is wall", rep.get("clock") == "wall", rep.get("clock"))
        cold_rec = by_call.get(("selftest_cold", ("'us:50000'",)), {})
        cold_json = [c["results"]["selftest"] for f in rep["functions"] if f["function"] == "selftest_cold"
                     for c in f["calls"]]
        check("the cold call: its record's cold time is the 50 ms, its times far below",
              cold_rec.get("status") == "ok" and cold_rec.get("cold_time", 0) >= 0.05
              and max(cold_rec.get("times", [1])) < 0.001, cold_rec)
        check("json: `cold` is the record's cold time; min and median are the repeats' alone",
              cold_json and cold_json[0]["cold"] == cold_rec.get("cold_time")
              and cold_json[0]["median"] == statistics.median(cold_rec["times"])
              and cold_json[0]["min"] < 0.001, cold_json)
        tc = cb("report", d, "--cold")
        row = [l for l in tc.stdout.splitlines() if l.startswith("'us:50000'")]
        check("--cold: a cold column, the 50 ms there, not in min or median",
              "cold" in tc.stdout and len(row) == 1 and " ms" in row[0]
              and row[0].split()[-1] == "ms" and "cold:" in tc.stdout
              and [l for l in t.stdout.splitlines() if l.startswith("'us:50000'")][0].count("ms") == 0,
              (row, tc.stdout[-1500:]))
        for fmt in ("markdown", "html"):
            x = cb("report", d, "--cold", "--format", fmt)
            check("--cold in %s: a cold column" % fmt, x.returncode == 0 and (">cold<" in x.stdout if fmt == "html"
                                                                            else " cold |" in x.stdout), x.stdout[:800])
        summary = [l for l in t.stdout.splitlines() if l.startswith("selftest_cold ") and "wall time" not in l]
        check("summary: the cold call's median is its repeats' (under 1 ms), not the cold time",
              len(summary) == 1 and " ms" not in summary[0] and " s" not in summary[0], summary)

        # -o, and bad input leaves nothing behind
        o = os.path.join(tmp, "report.txt")
        r = cb("report", d, "-o", o, env=WIDE)
        check("-o writes the report", r.returncode == 0 and r.stdout == "" and open(o).read() == t.stdout)
        bad = os.path.join(tmp, "bad.txt")
        r = cb("report", d, "--format", "pdf", "-o", bad)
        check("unknown format: exit 2, one line, no file",
              r.returncode == 2 and r.stderr.startswith("casbench: ") and r.stderr.count("\n") == 1
              and not os.path.exists(bad), r.stderr)
        r = cb("report", os.path.join(tmp, "nonexistent"))
        check("missing directory: exit 2", r.returncode == 2 and "nonexistent" in r.stderr, r.stderr)
        r = cb("report", d, "--baseline", "nosuchlib", "-o", bad)
        check("unknown baseline: exit 2, names the libraries", r.returncode == 2 and "'selftest'" in r.stderr
              and not os.path.exists(bad), r.stderr)
        r = cb("report", "--help")
        check("--help", r.returncode == 0 and "--baseline" in r.stdout)

        # noise warnings follow run.json (edited here: a quiet, pinned host with a bad governor and turbo)
        dn = os.path.join(tmp, "noise")
        shutil.copytree(d, dn)
        with open(os.path.join(dn, "run.json")) as f:
            rj = json.load(f)
        rj["host"]["noise"].update(governor="powersave", turbo=True, loadavg=[0.0, 0.0, 0.0], pinned=True)
        rj["options"]["pin"] = True
        with open(os.path.join(dn, "run.json"), "w") as f:
            json.dump(rj, f)
        w = json.loads(cb("report", dn, "--format", "json").stdout)["warnings"]
        check("warns about the governor and turbo", any("'powersave'" in x for x in w) and any("turbo" in x for x in w), w)
        check("no load or pinning warning on a quiet pinned host",
              not any("load average" in x or "pinned" in x for x in w), w)
        rj["host"]["noise"].update(governor="performance", turbo=False, loadavg=[7.5, 1, 1], pinned=False)
        rj["options"]["pin"] = False
        with open(os.path.join(dn, "run.json"), "w") as f:
            json.dump(rj, f)
        w = json.loads(cb("report", dn, "--format", "json").stdout)["warnings"]
        check("warns about load and pinning, not about the governor",
              any("7.50" in x for x in w) and any("not pinned" in x for x in w)
              and not any("governor" in x or "turbo" in x for x in w), w)

        # the same run read from results.pickle alone
        d2 = os.path.join(tmp, "pickle-only")
        shutil.copytree(d, d2)
        os.remove(os.path.join(d2, "calls.jsonl"))
        j2 = cb("report", d2, "--format", "json")
        rep2 = json.loads(j2.stdout) if j2.returncode == 0 else {}
        med = {(f["function"], tuple(c["args"])): c["results"]
               for f in rep2.get("functions", []) for c in f["calls"]}
        ok = rep2.get("source") == "results.pickle"
        for (fn, args), rec in by_call.items():
            res = next(iter(med.get((fn, args), {}).values()), None)
            if rec["status"] == "ok":
                ok &= res is not None and abs(res["median"] - statistics.median(rec["times"])) < 1e-12
            if rec["status"] == "timeout":
                ok &= res is not None and res["status"] == "timeout"
        check("results.pickle alone gives the same medians and the timeout", ok, j2.stdout[:1500] + j2.stderr)

        # one rule for a torn last line, as run --resume has it (lib/run/record.h):
        # a last line without its newline is a writer stopped in the middle of
        # it, even when it parses; the report leaves it out and says so
        dt = os.path.join(tmp, "torn")
        shutil.copytree(d, dt)
        with open(os.path.join(dt, "calls.jsonl")) as f:
            lines = f.read().splitlines()
        with open(os.path.join(dt, "calls.jsonl"), "w") as f:
            f.write("\n".join(lines))            # the last record without its newline
        full = json.loads(cb("report", d, "--format", "json").stdout)
        jt = cb("report", dt, "--format", "json")
        torn = json.loads(jt.stdout) if jt.returncode == 0 else {}
        ncalls = lambda rep: sum(len(f["calls"]) for f in rep.get("functions", []))
        check("torn last line: left out of the report, with a warning",
              ncalls(torn) == ncalls(full) - 1 and any("unfinished" in x for x in torn.get("warnings", [])),
              (ncalls(torn), ncalls(full), torn.get("warnings"), jt.stderr[-300:]))

        # the original tool's layout, written here
        d3 = os.path.join(tmp, "original")
        os.makedirs(d3)
        inf = float("inf")
        original = {
            "python": [
                {"library": "sympy", "flags": "", "gc": True, "type": "benchmark", "venv": None,
                 "results": {("add", ("a", "b")): [0.3, 0.1, 0.2], ("mult", ("a", "b")): [inf],
                             ("add", ((2, 10, range(0, 10), range(1, 100)), (2, 10, range(0, 10), range(1, 100)))): [0.5, 0.4, 0.6]}},
                {"library": "python-flint", "flags": "", "gc": True, "type": "benchmark", "venv": None,
                 "results": {("add", ("a", "b")): [0.01, 0.03, 0.02], ("mult", ("a", "b")): [0.5, 0.5, 0.5]}},
                {"library": "sympy", "flags": "", "gc": True, "type": "mem", "venv": None,
                 "results": {("add", ("a", "b")): [("add", "x.py", 4096, 100.0, 1024, 25.0, 7)]}},
            ],
            "external": [],
        }
        with open(os.path.join(d3, "results.pickle"), "wb") as f:
            pickle.dump(original, f)
        j3 = cb("report", d3, "--format", "json", "--baseline", "python-flint")
        rep3 = json.loads(j3.stdout) if j3.returncode == 0 else {}
        calls = {(f["function"], tuple(c["args"])): c["results"] for f in rep3.get("functions", []) for c in f["calls"]}
        add = calls.get(("add", ("'a'", "'b'")), {})
        check("original layout: medians", add.get("sympy", {}).get("median") == 0.2
              and add.get("python-flint", {}).get("median") == 0.02, j3.stdout[:1500] + j3.stderr)
        check("original layout: [inf] is a timeout",
              calls.get(("mult", ("'a'", "'b'")), {}).get("sympy", {}).get("status") == "timeout", calls)
        check("original layout: generated keys as reprs",
              ("add", ("(2, 10, range(0, 10), range(1, 100))",) * 2) in calls, list(calls))
        add_fn = [f for f in rep3.get("functions", []) if f["function"] == "add"]
        gm = add_fn and add_fn[0].get("geomean_speedup", {}).get("sympy", {})
        check("original layout: speed-up over the baseline", gm and abs(gm["speedup"] - 0.1) < 1e-12
              and gm["calls"] == 1, gm)
        t3 = cb("report", d3)
        check("original layout: memory table from the mem rows", "Memory" in t3.stdout and "4 KiB" in t3.stdout,
              t3.stdout)

        # --cpu-profiling: the profile section names the hot function and the flame graph
        dcpu = os.path.join(tmp, "cpu")
        write_dataset(dcpu, {"selftest_busy": [("us:300000",)]})
        p = cb("run", os.path.join(dcpu, "polys.pickle"), os.path.join(dcpu, "run_list.pickle"),
               os.path.join(dcpu, "out"), "--libraries", "selftest", "--cpu-profiling", "--repeats", "2")
        outs = [os.path.join(dcpu, "out", x) for x in os.listdir(os.path.join(dcpu, "out"))] \
            if os.path.isdir(os.path.join(dcpu, "out")) else []
        prof = records_of(outs[0])[0].get("profile") if outs else None
        if not prof or not prof.get("samples"):
            print("SKIP: report_selftest: no CPU samples recorded (perf unavailable?): %s" % (p.stderr[-300:],))
        else:
            t = cb("report", outs[0], env=WIDE)
            rows = [l for l in t.stdout.splitlines() if l.startswith("'us:300000'") and "selftest_busy" in l]
            top = prof["top_self"][0]
            check("profile section: top self function, its share, the flame graph",
                  rows and "%s %.1f%%" % (top["function"], top["percent"]) in rows[0]
                  and os.path.join(outs[0], prof["flamegraph"]) in rows[0]
                  and os.path.exists(os.path.join(outs[0], prof["flamegraph"])), t.stdout[-1200:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
