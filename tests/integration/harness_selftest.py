"""harness_selftest.py — the C supervisor end to end, through the selftest
harness and the harness protocol (docs/protocol.md), without the engine:
the test writes a config pickle with Python's pickle, feeds the two paths on
stdin, and reads calls.jsonl and the results pickle.

Checks docs/design.md §5: a call that hangs ignoring SIGTERM is gone within
timeout + 2 s and recorded as timeout (its finished repeats kept, [inf] in the
results pickle); a segfault is crashed SIGSEGV; the calls after them run
normally; error / exit / unsupported statuses; --min-time loops; peak RSS;
warm-up and calibration (docs/measurement.md): a busy function of a known
length gets the loop count the rule gives, the cold execution's time is
recorded and kept out of the times, warm-up 0 and min_time 0 is one execution
per repeat (the original's single shot), a timeout during warm-up or
calibration is a timeout, verify and mem mode do neither;
verify digests (and the perturb key); --probe; the memory-tracker seam
(dlsym'd casbench_mem_* hooks, through an LD_PRELOADed stub built here)."""
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

HARNESS = cbtest.harness_path("selftest")
SANITIZED = os.environ.get("CASBENCH_SANITIZED") == "1"
check = cbtest.Checker("harness_selftest")


def system():
    return (["x"], [{(1,): 1}])


def base_config(run_list, keys, **kw):
    cfg = {"type": "benchmark", "run_list": run_list, "polys": {k: system() for k in keys},
           "gc": False, "repeats": 3, "log_file": None, "timeout": 10.0, "grace": 1.0,
           "library": "selftest",
           "record": {"runner": "selftest-test", "library": "selftest", "env": None, "gc": False,
                      "mode": "benchmark"}}
    cfg.update(kw)
    return cfg


def main():
    if cbtest.not_built("harness_selftest", HARNESS, "harness"):
        return 1
    return cbtest.run_steps_in_tmp(check, "cbselftest.", statuses, min_time, measurement, verify,
                                   lambda tmp: probe(), bad_input, mem_hooks_unless_sanitized)


def mem_hooks_unless_sanitized(tmp):
    if SANITIZED:
        print("SKIP: harness_selftest: memory hooks (an LD_PRELOAD stub cannot go before the ASan runtime)")
    else:
        mem_hooks(tmp)


def statuses(tmp):
    timeout = 1.0
    run_list = {
        "selftest_hang": [("n:1",)],          # one repeat finishes, then hangs ignoring SIGTERM
        "selftest_segv": [("n:0",)],
        "selftest_abort": [("n:2",)],         # two repeats, then SIGABRT
        "selftest_sleep": [("us:20000",)],
        "selftest_busy": [("us:5000",)],
        "selftest_alloc": [("alloc:1048576,64",)],
        "selftest_exit": [("code:3",), ("code:0",)],
        "selftest_error": [("n:0",)],
        "add": [("n:0", "n:1")],
        "selftest_noop": [("n:0",), ("missing",)],
    }
    keys = ["n:0", "n:1", "n:2", "us:20000", "us:5000", "alloc:1048576,64", "code:3", "code:0"]
    cfg = base_config(run_list, keys, timeout=timeout, grace=1.0)
    records, results, took, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    check("harness exits 0", proc.returncode == 0, proc.stderr[-500:])
    by = cbtest.by_call(records)
    n_calls = sum(len(v) for v in run_list.values())
    check("one record per call", len(records) == n_calls, len(records))
    check("calls numbered in run-list order", [r["call"] for r in records] == list(range(n_calls)),
          [r["call"] for r in records])
    check("fixed fields copied from record", all(r["runner"] == "selftest-test" and r["mode"] == "benchmark"
                                                 and r["env"] is None for r in records))

    hang = by.get(("selftest_hang", ("'n:1'",)), {})
    check("hang ignoring SIGTERM is timeout", hang.get("status") == "timeout", hang)
    check("hang keeps its finished repeat", len(hang.get("times", [])) == 1, hang.get("times"))
    check("hang error says timed out", "timed out after 1 s" in (hang.get("error") or ""), hang.get("error"))
    nxt = records[1] if len(records) > 1 else {}
    gone = nxt.get("started", 1e18) - hang.get("started", 0)
    check("hang gone within timeout + 2 s", gone < timeout + 2.0, f"{gone:.2f} s")

    segv = by.get(("selftest_segv", ("'n:0'",)), {})
    check("segfault is crashed SIGSEGV", segv.get("status") == "crashed" and segv.get("error") == "SIGSEGV", segv)
    ab = by.get(("selftest_abort", ("'n:2'",)), {})
    check("abort is crashed SIGABRT with its 2 repeats", ab.get("status") == "crashed"
          and ab.get("error") == "SIGABRT" and len(ab.get("times", [])) == 2, ab)

    sl = by.get(("selftest_sleep", ("'us:20000'",)), {})
    check("calls after them run normally", sl.get("status") == "ok" and len(sl.get("times", [])) == 3, sl)
    check("sleep 20 ms measured >= 20 ms and < 200 ms",
          all(0.02 <= t < 0.2 for t in sl.get("times", [0])), sl.get("times"))
    check("sleep uses little CPU", all(c < 0.01 for c in sl.get("cpu_times", [1])), sl.get("cpu_times"))
    bz = by.get(("selftest_busy", ("'us:5000'",)), {})
    check("busy 5 ms uses >= 5 ms of CPU", bz.get("status") == "ok"
          and all(0.005 <= c < 0.5 for c in bz.get("cpu_times", [0])), bz)
    al = by.get(("selftest_alloc", ("'alloc:1048576,64'",)), {})
    check("alloc 64 MiB shows in max_rss_kib", al.get("status") == "ok" and al.get("max_rss_kib", 0) >= 65536,
          al.get("max_rss_kib"))
    pids = [r["pid"] for r in records if r["status"] != "unsupported" and r["args"] != ["'missing'"]]
    check("each forked call has its own child pid", None not in pids and len(set(pids)) == len(pids), pids)

    e3 = by.get(("selftest_exit", ("'code:3'",)), {})
    check("exit 3 is error", e3.get("status") == "error" and "status 3" in (e3.get("error") or ""), e3)
    e0 = by.get(("selftest_exit", ("'code:0'",)), {})
    check("exit 0 mid-call is error", e0.get("status") == "error" and "before finishing" in (e0.get("error") or ""), e0)
    er = by.get(("selftest_error", ("'n:0'",)), {})
    check("error carries its message", er.get("status") == "error" and er.get("error") == "selftest_error: raised on purpose", er)
    un = by.get(("add", ("'n:0'", "'n:1'")), {})
    check("a function the library lacks is unsupported", un.get("status") == "unsupported", un)
    mi = by.get(("selftest_noop", ("'missing'",)), {})
    check("a key not in the dataset is error", mi.get("status") == "error" and "missing" in (mi.get("error") or ""), mi)
    no = by.get(("selftest_noop", ("'n:0'",)), {})
    check("noop is ok with 3 repeats, loops 1", no.get("status") == "ok" and len(no.get("times", [])) == 3
          and no.get("loops") == 1, no)
    check("record fields", all(k in no for k in ("runner", "library", "env", "gc", "mode", "function", "args",
                                                 "call", "status", "times", "cpu_times", "loops", "max_rss_kib",
                                                 "pid", "error", "timeout", "host", "started", "warmup", "min_time",
                                                 "cold_time", "cold_cpu_time")), sorted(no))
    check("a config without warmup and min_time: the original's single shot",
          no.get("warmup") == 0 and no.get("min_time") == 0 and no.get("cold_time") is None, no)

    r = results or {}
    check("results pickle: timeout is [inf]", r.get(("selftest_hang", ("n:1",))) == [math.inf], r.get(("selftest_hang", ("n:1",))))
    check("results pickle: crash is [inf] (the original's vocabulary)", r.get(("selftest_segv", ("n:0",))) == [math.inf],
          r.get(("selftest_segv", ("n:0",))))
    sl_r = r.get(("selftest_sleep", ("us:20000",)), [])
    check("results pickle: times of an ok call", len(sl_r) == 3 and sl_r == sl.get("times"), sl_r)
    check("results pickle: a key per call", len(r) == n_calls, len(r))


def min_time(tmp):
    cfg = base_config({"selftest_noop": [("n:0",)], "selftest_sleep": [("us:1000",)]}, ["n:0", "us:1000"],
                      min_time=0.02, repeats=2)
    records, results, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    check("min_time run exits 0", proc.returncode == 0, proc.stderr[-300:])
    by = {r["function"]: r for r in records}
    no = by.get("selftest_noop", {})
    check("min_time loops a fast function", no.get("loops", 0) > 100, no.get("loops"))
    check("min_time reports time per execution", all(t < 0.001 for t in no.get("times", [1])), no.get("times"))
    sl = by.get("selftest_sleep", {})
    check("min_time: 1 ms sleep loops >= 2 times at ~1 ms each", sl.get("loops", 0) >= 2
          and all(0.001 <= t < 0.01 for t in sl.get("times", [0])), sl)


def measurement(tmp):
    """Warm-up and calibration in the C supervisor (docs/measurement.md)."""
    # a busy function of 2 ms of CPU at a 20 ms target: on an idle core the
    # rule's first step (one execution) predicts ceil(1.25 * 20 / 2) = 13
    # loops, which reach the target.  The rule reads the wall clock, which a
    # loaded machine stretches, so what holds everywhere: never more than
    # 2 x 13 (a wall time is never under the CPU time), and a repeat lasts
    # about the target (half of it at least: the machine's speed swings by
    # up to 2x between the calibration and the repeats).
    run_list = {"selftest_busy": [("us:2000",)], "selftest_cold": [("us:100000",)]}
    cfg = base_config(run_list, ["us:2000", "us:100000"], warmup=1, min_time=0.02, repeats=3)
    records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    check("warm-up + calibration run exits 0", proc.returncode == 0, proc.stderr[-300:])
    by = {r["function"]: r for r in records}
    bz = by.get("selftest_busy", {})
    loops = bz.get("loops", 0)
    check("calibration: busy 2 ms at min_time 0.02 runs 2 to 26 loops (13 on an idle core)",
          bz.get("status") == "ok" and 2 <= loops <= 26, bz)
    check("every repeat runs that loop count: CPU time per execution is the 2 ms",
          len(bz.get("cpu_times", [])) == 3 and all(0.0019 <= c < 0.003 for c in bz["cpu_times"]), bz)
    check("a repeat lasts about the target: loops x wall time per execution >= 10 ms",
          all(t * loops >= 0.01 for t in bz.get("times", [0])), bz)
    check("the record says warmup 1, min_time 0.02", bz.get("warmup") == 1 and bz.get("min_time") == 0.02, bz)
    check("the busy call's cold time is its first execution: at least its 2 ms of CPU",
          (bz.get("cold_cpu_time") or 0) >= 0.0019 and (bz.get("cold_time") or 0) >= 0.0019, bz)
    cold = by.get("selftest_cold", {})
    check("a slow first execution (100 ms) is the cold time", cold.get("status") == "ok"
          and (cold.get("cold_time") or 0) >= 0.1 and (cold.get("cold_cpu_time") or 0) >= 0.1, cold)
    check("... and never enters times or cpu_times", len(cold.get("times", [])) == 3
          and max(cold["times"] + cold["cpu_times"]) < 0.001, cold)

    # the original's single shot: each repeat is one execution, the first cold
    run_list = {"selftest_cold": [("us:100000",)], "selftest_hang": [("n:2",)]}
    cfg = base_config(run_list, ["us:100000", "n:2"], warmup=0, min_time=0, repeats=3, timeout=1.0, grace=0.3)
    records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    by = {r["function"]: r for r in records}
    cold = by.get("selftest_cold", {})
    check("warmup 0, min_time 0: no cold time, loops 1, the first repeat is the cold one",
          cold.get("status") == "ok" and cold.get("cold_time") is None and cold.get("loops") == 1
          and cold.get("times", [0])[0] >= 0.1 and max(cold["times"][1:]) < 0.001, cold)
    hang = by.get("selftest_hang", {})
    check("warmup 0, min_time 0: exactly one execution per repeat (hang n:2: two repeats, then the limit)",
          hang.get("status") == "timeout" and len(hang.get("times", [])) == 2 and hang.get("loops") == 1, hang)

    # a timeout in the warm-up (hang n:0) or in the calibration (hang n:2:
    # warm-up and a first step of one execution, then a step of 100 hangs)
    run_list = {"selftest_hang": [("n:0",), ("n:2",)]}
    cfg = base_config(run_list, ["n:0", "n:2"], warmup=1, min_time=0.02, repeats=3, timeout=1.0, grace=0.3)
    records, results, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    by = cbtest.by_call(records)
    w = by.get(("selftest_hang", ("'n:0'",)), {})
    check("a call that hangs in its warm-up is a timeout, no times, no cold time",
          w.get("status") == "timeout" and w.get("times") == [] and w.get("cold_time") is None
          and "timed out after 1 s" in (w.get("error") or ""), w)
    c = by.get(("selftest_hang", ("'n:2'",)), {})
    check("a call that hangs in its calibration is a timeout, no times, its cold time kept",
          c.get("status") == "timeout" and c.get("times") == [] and c.get("cold_time") is not None
          and c.get("loops") == 0, c)
    check("results pickle: both are [inf]", results and all(v == [math.inf] for v in results.values()), results)

    # verify: one computation, whatever warmup and min_time say (hang n:1
    # would hang on a second execution)
    cfg = base_config({"selftest_hang": [("n:1",)]}, ["n:1"], type="verify", warmup=3, min_time=0.02,
                      timeout=2.0, grace=0.3)
    records, _, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    v = records[0] if records else {}
    check("verify: no warm-up, no calibration: one computation, recorded as warmup 0, min_time 0",
          v.get("status") == "ok" and v.get("warmup") == 0 and v.get("min_time") == 0
          and v.get("cold_time") is None, v)


def verify(tmp):
    run_list = {"selftest_noop": [("n:0",), ("n:1",)], "selftest_segv": [("n:0",)]}
    cfg = base_config(run_list, ["n:0", "n:1"], type="verify", repeats=1, result_text=True,
                      perturb=("selftest_noop", ("n:1",)))
    records, results, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, timeout=60)
    check("verify run exits 0", proc.returncode == 0, proc.stderr[-300:])
    by = cbtest.by_call(records)
    a = by.get(("selftest_noop", ("'n:0'",)), {})
    want = hashlib.sha256(b"selftest_noop 0").hexdigest()
    check("verify digest is SHA-256 of the canonical text", a.get("digest") == want, a)
    check("verify result_head and result", a.get("result_head") == "selftest_noop 0" and a.get("result") == "selftest_noop 0", a)
    b = by.get(("selftest_noop", ("'n:1'",)), {})
    check("perturb corrupts exactly that call's digest",
          b.get("digest") not in (None, hashlib.sha256(b"selftest_noop 1").hexdigest()), b)
    s = by.get(("selftest_segv", ("'n:0'",)), {})
    check("verify: a crash is crashed, no digest", s.get("status") == "crashed" and s.get("digest") is None, s)
    check("verify results pickle holds digests", (results or {}).get(("selftest_noop", ("n:0",))) == want, results)


def probe():
    p, o = cbtest.probe_harness(HARNESS, "selftest")
    check("probe prints JSON and exits 0", p.returncode == 0 and o.get("library") == "selftest", p.stdout + p.stderr)
    check("probe: available, with functions", o.get("available") is True
          and "selftest_hang" in o.get("functions", []) and "add" not in o.get("functions", []), o)
    p = subprocess.run([HARNESS, "--probe", "flint"], capture_output=True, text=True)
    o = json.loads(p.stdout or "{}")
    check("probe of another library: unavailable with a reason", o.get("available") is False and o.get("reason"), o)
    p = subprocess.run([HARNESS, "--help"], capture_output=True, text=True)
    check("--help", p.returncode == 0 and "usage" in p.stdout, p.stdout)


def bad_input(tmp):
    p = subprocess.run([HARNESS], input="/nonexistent/config.pickle\n" + tmp + "/r.pickle\n",
                       capture_output=True, text=True)
    check("a missing config is exit 2 with a one-line message", p.returncode == 2
          and len(p.stderr.strip().splitlines()) == 1 and "nonexistent" in p.stderr, p.stderr)
    check("no results pickle after bad input", not os.path.exists(tmp + "/r.pickle"))
    p = subprocess.run([HARNESS], input="", capture_output=True, text=True)
    check("empty stdin is exit 2", p.returncode == 2, p.stderr)


STUB = r"""
#include <stdio.h>
#include <stdlib.h>
static int begins, ends;
void casbench_mem_begin(void) { begins++; }
void casbench_mem_end(void) { ends++; }
char *casbench_mem_report_json(void) {
    char *s = malloc(200);
    snprintf(s, 200, "{\"begins\": %d, \"ends\": %d, \"rows\": [[\"f\", \"file.c\", 10, 50.0, 5, 25.0, 2]]}", begins, ends);
    return s;
}
"""


def mem_hooks(tmp):
    if not shutil.which("cc"):
        print("SKIP: harness_selftest: memory hooks (no cc)")
        return
    src, so = os.path.join(tmp, "stub.c"), os.path.join(tmp, "stub.so")
    with open(src, "w") as f:
        f.write(STUB)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", so, src], check=True)
    # warm-up and a min_time given: the warm-up runs outside the hooks, and
    # mem mode never loops (one execution per tracked repeat)
    cfg = base_config({"selftest_noop": [("n:0",)]}, ["n:0"], type="mem", repeats=2, warmup=2, min_time=0.02)
    env = dict(os.environ, LD_PRELOAD=so)
    records, results, _, proc = cbtest.run_harness(HARNESS, tmp, cfg, env=env, timeout=60)
    mem = records[0].get("mem") if records else None
    check("mem hooks wrap each timed repeat and the report becomes `mem`",
          isinstance(mem, dict) and mem.get("begins") == 2 and mem.get("ends") == 2, (mem, proc.stderr[-300:]))
    check("mem mode: one execution per tracked repeat whatever min_time says; the warm-up is kept",
          records and records[0].get("loops") == 1 and records[0].get("min_time") == 0
          and records[0].get("warmup") == 2 and records[0].get("cold_time") is not None, records)
    check("mem rows go to the results pickle", (results or {}).get(("selftest_noop", ("n:0",)))
          == [("f", "file.c", 10, 50.0, 5, 25.0, 2)], results)


sys.exit(main())
