#!/usr/bin/env python3
"""memray_run.py — `--memory-profiler memray` with the real memray of the
pinned venvs (docs/design.md §8.3, docs/memory.md), on SymPy and python-flint:

- every call ok, its record's `mem` from memray (`profiler: memray`), one
  capture file per call kept in profiles/ (RUNNER.callN.memray);
- the capture, read back here with memray's own FileReader in the venv,
  was made with native traces and Python allocators traced, and holds the
  record's allocation count and peak;
- the rows are memray's own summary at the high-water mark
  (SummaryReporter, what `memray summary` prints), recomputed here from the
  capture file, and results.pickle holds them as 7-tuples (function, file,
  total_memory, percent_total, own_memory, percent_own, n_allocations);
  SymPy's rows name its multiplication;
- a call stopped at its limit keeps what memray captured until then: the
  record is `timeout` with an incomplete `mem`, rows included, and its
  capture file is readable.
A pinned venv that is missing FAILS."""
import glob
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "memray_run"
check = cbtest.Checker(NAME, 600)

READ_BACK = r"""
import json, sys, memray
frees = {memray.AllocatorType.FREE, memray.AllocatorType.PYMALLOC_FREE, memray.AllocatorType.MUNMAP}
from memray.reporters.summary import SummaryReporter
r = memray.FileReader(sys.argv[1])
recs = list(r.get_high_watermark_allocation_records(merge_threads=True))
s = SummaryReporter.from_snapshot(recs, native=True)
rows = sorted([[l.function, l.file, e.total_memory, e.own_memory, e.n_allocations]
               for l, e in s.snapshot_data.items()], key=lambda x: (-x[2], -x[3], x[0], x[1]))
m = r.metadata
n = sum(1 for a in r.get_allocation_records() if a.allocator not in frees)
print(json.dumps({"native": m.has_native_traces, "python_allocators": m.trace_python_allocators,
                  "allocations": n, "events": m.total_allocations, "peak": m.peak_memory, "pid": m.pid,
                  "rows": rows}))
"""


def rand_system(rng, nvars, nterms, bits):
    return (["x%d" % i for i in range(nvars)],
            [{tuple(rng.randrange(8) for _ in range(nvars)): rng.randrange(1, 2 ** bits) for _ in range(nterms)}
             for _ in range(2)])


def read_back(venv, path):
    p = subprocess.run([os.path.join(venv, "bin", "python"), "-c", READ_BACK, path], capture_output=True,
                       text=True, timeout=300)
    return json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr[-400:]}


def main():
    venvs = cbtest.built_and_pinned(NAME, check)
    if not venvs:
        return 1
    rng = random.Random(8)
    polys = {"a": rand_system(rng, 3, 60, 40), "b": rand_system(rng, 3, 60, 40),
             "big_a": rand_system(rng, 6, 1500, 200), "big_b": rand_system(rng, 6, 1500, 200)}
    with tempfile.TemporaryDirectory() as tmp:
        data = cbtest.write_dataset(tmp, polys, {"mult": [("a", "b")], "gcd": [("a", "b")]})
        out = os.path.join(tmp, "out")
        p = cbtest.run(["run"] + data + [out, "--memory-profiler", "memray", "--libraries", "sympy-domains",
                                          "python-flint", "--venvs"] + [d for _, d in venvs] +
                       ["--repeats", "2", "--timeout", "120"], cwd=tmp)
        check("run with --memory-profiler memray exits 0", p.returncode == 0, p.stderr[-600:])
        recs = cbtest.records(out)
        check("2 libraries x %d venvs x 2 calls, every one ok" % len(venvs),
              len(recs) == 4 * len(venvs) and all(r["status"] == "ok" for r in recs),
              [(r["runner"], r["function"], r["status"], r.get("error")) for r in recs])
        rd = glob.glob(os.path.join(out, "results_*"))[0]
        with open(os.path.join(rd, "results.pickle"), "rb") as f:
            res = pickle.load(f)
        pickled = {(run["library"], run["venv"], k[0]): v for run in res["python"] for k, v in run["results"].items()}
        for r in recs:
            m = r.get("mem") or {}
            label = "%s %s in %s" % (r["library"], r["function"], r["env"].split()[0])
            capture = os.path.join(rd, m.get("capture") or "?")
            check("%s: memray's report, capture kept as profiles/RUNNER.callN.memray" % label,
                  m.get("profiler") == "memray" and m.get("complete") is True and os.path.isfile(capture)
                  and m.get("capture") == "profiles/%s.call%d.memray" % (r["runner"], r["call"]), m.get("capture"))
            venv = r["env"].split()[0].rsplit("/bin/", 1)[0]
            back = read_back(venv, capture)
            check("%s: the capture has native traces and Python allocators" % label,
                  back.get("native") is True and back.get("python_allocators") is True, back.get("error", back.get("native")))
            check("%s: the record's counts are the capture's (allocations %s, peak %s)"
                  % (label, m.get("allocations"), m.get("peak_bytes")),
                  back.get("allocations") == m.get("allocations") > 0 and back.get("events") == m.get("events")
                  and back.get("peak") == m.get("peak_bytes") > 0
                  and back.get("pid") == r["pid"], (back.get("allocations"), back.get("peak"), back.get("pid")))
            rows = m.get("rows") or []
            mine = [[x[0], x[1], x[2], x[4], x[6]] for x in rows]
            check("%s: the rows are memray's summary of the capture (%d rows)" % (label, len(rows)),
                  rows and mine == back.get("rows"), (mine[:3], (back.get("rows") or [])[:3]))
            tot = max((x[2] for x in rows), default=0)
            check("%s: percentages of the high-water total" % label,
                  rows and all(abs(x[3] - 100.0 * x[2] / rows[0][2] * rows[0][3] / 100.0) < 1e-6 for x in rows)
                  and 0 < rows[0][3] <= 100.0 and tot == rows[0][2], rows[:2])
            key = (r["library"], venv, r["function"])
            check("%s: results.pickle holds the rows as 7-tuples" % label,
                  pickled.get(key) == [tuple(x) for x in rows] and all(len(x) == 7 for x in pickled.get(key) or [()]),
                  (pickled.get(key) or [])[:2])
            if r["library"] == "sympy-domains" and r["function"] == "mult":
                check("%s: the rows name SymPy's multiplication" % label,
                      any("rings.py" in (x[1] or "") and "mul" in x[0] for x in rows), [x[:2] for x in rows[:15]])

        # a call stopped at its limit keeps what memray captured
        data = cbtest.write_dataset(tmp, polys, {"mult": [("big_a", "big_b")]})
        out = os.path.join(tmp, "limit")
        p = cbtest.run(["run"] + data + [out, "--memory-profiler", "memray", "--libraries", "sympy-dmp",
                                          "--venvs", venvs[0][1], "--repeats", "1", "--timeout", "2"], cwd=tmp)
        recs = cbtest.records(out)
        r = recs[0] if len(recs) == 1 else {}
        m = r.get("mem") or {}
        check("stopped at the limit: timeout, memray's incomplete report with rows",
              r.get("status") == "timeout" and m.get("profiler") == "memray" and m.get("complete") is False
              and m.get("allocations", 0) > 1000 and m.get("rows"), (r.get("status"), {k: v for k, v in m.items() if k != "rows"}))
        capture = os.path.join(glob.glob(os.path.join(out, "results_*"))[0], m.get("capture") or "?")
        back = read_back(venvs[0][1], capture)
        check("stopped at the limit: the capture file is kept and readable",
              back.get("allocations") == m.get("allocations"), (back.get("allocations"), back.get("error")))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
