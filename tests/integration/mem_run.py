"""mem_run.py — `casbench run --memory-profiling` end to end (docs/design.md §8.3):
the engine preloads the tracker, the C supervisor and the Python runtime bracket
each timed call, and the counts land in the record's `mem` object and the
results pickle's rows.

- selftest_alloc N,K allocates N bytes K times, all live at once, then frees
  them: exactly K allocations and frees, N*K bytes, peak N*K (by
  construction, see harness/selftest/selftest.c);
- a call stopped at its limit keeps what it counted: C (selftest_hang) and
  Python (a SymPy product far too big for the limit: its counts are read by
  the parent from the tracker's shared page after SIGTERM);
- FLINT and SymPy products: call sites name the library's functions, Python
  frames name SymPy's files, rows are 7-tuples in results.pickle;
- `--memory-profiler memray`: runners memray cannot profile are `unavailable`
  with the reason (C harnesses; Debian's Python, without memray); memray
  itself is tested in memray_run.py.
SymPy runs in casbench's first pinned venv (a missing one FAILS).

The sanitized build's harnesses carry ASan, whose own malloc must come first
in the process: memory profiling is not for them, so this test skips there."""
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("mem_run", 600)


def skip(why):
    print("SKIP: mem_run: " + why)
    sys.exit(0)


def rand_system(rng, nvars, nterms, bits):
    gens = ["x%d" % i for i in range(nvars)]
    polys = [{tuple(rng.randrange(8) for _ in range(nvars)): rng.randrange(-2 ** bits, 2 ** bits)
              for _ in range(nterms)} for _ in range(2)]
    return gens, polys


def run(tmp, polys, run_list, libraries, timeout, profiler=None, venvs=None):
    with open(os.path.join(tmp, "polys.pickle"), "wb") as f:
        pickle.dump(polys, f)
    with open(os.path.join(tmp, "run_list.pickle"), "wb") as f:
        pickle.dump(run_list, f)
    out = os.path.join(tmp, "out")
    p = subprocess.run([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                        "--memory-profiling", "--libraries"] + libraries +
                       (["--memory-profiler", profiler] if profiler else []) +
                       (["--venvs"] + venvs if venvs else []) +
                       ["--timeout", str(timeout), "--repeats", "1", "--cores", "2"],
                       capture_output=True, text=True, timeout=180)
    check("run exits 0", p.returncode == 0, p.stderr[-600:])
    subs = [x for x in os.listdir(out) if x.startswith("results_")] if os.path.isdir(out) else []
    if len(subs) != 1:
        check("one results directory", False, subs)
        return {}, {}
    d = os.path.join(out, subs[0])
    with open(os.path.join(d, "calls.jsonl")) as f:
        recs = [json.loads(line) for line in f]
    with open(os.path.join(d, "results.pickle"), "rb") as f:
        res = pickle.load(f)
    by = {(r["library"], r["function"]): r for r in recs}
    results = {}
    for kind in ("python", "external"):
        for runner in res.get(kind, []):
            for key, rows in runner["results"].items():
                results[(runner["library"], key[0])] = rows
    return by, results


def main():
    if os.environ.get("CASBENCH_SANITIZED") == "1":
        skip("ASan harnesses cannot host the allocation tracker (ASan's malloc must come first)")
    if not os.path.exists(os.path.join(BUILD, "libcasbench-memtrack.so")):
        print("FAIL: mem_run: the tracker is not built")
        sys.exit(1)
    rng = random.Random(5)
    N, K = 3000, 40
    polys = {
        "alloc:%d,%d" % (N, K): (["x"], [{(1,): 1}]),
        "hang:0": (["x"], [{(1,): 1}]),
        "small_a": rand_system(rng, 3, 30, 80),
        "small_b": rand_system(rng, 3, 30, 80),
        "big_a": rand_system(rng, 6, 1500, 200),
        "big_b": rand_system(rng, 6, 1500, 200),
    }
    run_list = {
        "selftest_alloc": [("alloc:%d,%d" % (N, K),)],
        "selftest_hang": [("hang:0",)],
        "mult": [("small_a", "small_b")],
    }
    libs = ["selftest", "flint"]
    pinned, missing = cbtest.pinned_venvs()
    check("a pinned venv (SymPy) is installed", pinned and not missing, missing)
    have_sympy = bool(pinned)
    venvs = [pinned[0][1]] if pinned else None
    if have_sympy:
        libs.append("sympy-dmp")
    with tempfile.TemporaryDirectory() as tmp:
        by, results = run(tmp, polys, run_list, libs, 0.5, venvs=venvs)
        if not by:
            return
        rec = by.get(("selftest", "selftest_alloc"), {})
        m = rec.get("mem") or {}
        check("selftest_alloc N,K: ok with a mem object", rec.get("status") == "ok" and bool(m), rec)
        want = {"allocations": K, "frees": K, "bytes_allocated": N * K, "bytes_freed": N * K,
                "peak_bytes": N * K, "complete": True, "python_frames": False}
        got = {k: m.get(k) for k in want}
        check("selftest_alloc N,K: exactly K allocations, N*K bytes, peak N*K", got == want, got)
        top = (m.get("top_by_bytes") or [{}])[0]
        check("selftest_alloc: its one call site holds every allocation",
              top.get("count") == K and top.get("bytes") == N * K, top)
        rows = results.get(("selftest", "selftest_alloc"))
        ok = (isinstance(rows, list) and rows and all(isinstance(r, tuple) and len(r) == 7 for r in rows)
              and rows[0][2] == N * K and abs(rows[0][3] - 100.0) < 1e-6 and rows[0][6] == K)
        check("results.pickle: memray-style 7-tuples, the top one holding all N*K bytes", ok, rows)

        rec = by.get(("selftest", "selftest_hang"), {})
        m = rec.get("mem") or {}
        check("C call stopped at its limit: mem kept, marked incomplete, the child's pid",
              rec.get("status") == "timeout" and m.get("complete") is False and m.get("pid") == rec.get("pid"),
              rec)

        rec = by.get(("flint", "mult"), {})
        m = rec.get("mem") or {}
        frames = [f for site in m.get("top_by_count", []) for f in site["frames"]]
        check("FLINT product: allocations counted, call sites inside fmpz_mpoly_mul",
              rec.get("status") == "ok" and m.get("allocations", 0) > 0 and m.get("peak_bytes", 0) > 0
              and any(f.startswith("fmpz_mpoly_mul") for f in frames), m)

        if have_sympy:
            rec = by.get(("sympy-dmp", "mult"), {})
            m = rec.get("mem") or {}
            frames = [f for site in m.get("top_by_count", []) for f in site["frames"]]
            check("SymPy product: Python frames (file:line function) from sympy/polys",
                  rec.get("status") == "ok" and m.get("python_frames") is True
                  and any("sympy/polys/" in f and ".py:" in f for f in frames), m)
            rows = results.get(("sympy-dmp", "mult")) or []
            names = {r[0] for r in rows}
            check("SymPy product: rows name SymPy's multiplication (dmp_mul)", "dmp_mul" in names, sorted(names)[:20])

    if have_sympy:
        with tempfile.TemporaryDirectory() as tmp:
            by, _ = run(tmp, polys, {"mult": [("big_a", "big_b")]}, ["sympy-dmp"], 0.5, venvs=venvs)
            rec = by.get(("sympy-dmp", "mult"), {})
            m = rec.get("mem") or {}
            check("Python call stopped at its limit: the parent reads what it counted",
                  rec.get("status") == "timeout" and m.get("complete") is False and m.get("pid") == rec.get("pid")
                  and m.get("allocations", 0) > 1000 and m.get("python_frames") is True, rec)

    # --memory-profiler memray where it cannot profile: `unavailable` with
    # the reason (a C harness; Debian's Python, which has no memray);
    # memray itself: tests/integration/memray_run.py
    debian = "/usr/bin/python3"
    with tempfile.TemporaryDirectory() as tmp:
        by, _ = run(tmp, polys, {"selftest_alloc": run_list["selftest_alloc"]}, ["selftest", "sympy-dmp"], 5,
                    "memray", venvs=[debian])
        rec = by.get(("selftest", "selftest_alloc"), {})
        check("memray on a C harness: unavailable, memray sees Python only",
              rec.get("status") == "unavailable" and "Python" in (rec.get("error") or ""), rec)
        rec = by.get(("sympy-dmp", "selftest_alloc"), {})
        check("memray not importable (Debian's Python): unavailable with Python's own reason",
              rec.get("status") == "unavailable" and "memray" in (rec.get("error") or "")
              and "No module named" in (rec.get("error") or ""), rec)

main()
sys.exit(1 if check.failed else 0)
