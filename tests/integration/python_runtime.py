#!/usr/bin/env python3
"""python_runtime.py -- the Python harness's supervisor, path by path.

Drives the real runtime (build/harness/python/casbench/runtime.py: real
fork, pipes, pidfd, signals, wait4) with a small adapter of functions whose
behaviour is known -- the Python counterpart of the C `selftest` harness --
and checks the records and the results pickle: gc on/off inside the timed
region, a crash is `crashed` with the signal's name, an exception is `error`
with its message, a hang ignoring SIGTERM is killed and `timeout`, times
stream before a timeout, min_time loops, warm-up and calibration as the C
supervisor does them (docs/measurement.md: the same loop-count rule, the cold
time kept out of the times, a timeout in warm-up or calibration, single shot
with warmup 0 and min_time 0, none of it in verify and mem mode),
unsupported, parse failures, peak RSS, the verify digest and its
perturbation, and the profilers' hooks (casbench/profilers.py: next_call in
the parent, begin/end around each timed repeat, outside or inside the clock
reads, the report from the child or, for a child that died, from the
parent).  Nothing here imports SymPy
(tests/integration/python_harness.py covers the SymPy adapters).
"""

import gc
import hashlib
import json
import math
import os
import pickle
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, BUILD = cbtest.ROOT, cbtest.BUILD
HARNESS_DIR = os.path.join(BUILD, "harness", "python")
NAME = "python_runtime.py"
check = cbtest.Checker(NAME, only_given=True)


if os.environ.get("CASBENCH_SANITIZED") == "1":
    print("SKIP: %s: pure Python, no sanitized code: the normal build's run covers it" % NAME)
    sys.exit(0)
if not os.path.exists(os.path.join(HARNESS_DIR, "casbench", "runtime.py")):
    print("FAIL: %s: %s/casbench/runtime.py is not built (make all)" % (NAME, HARNESS_DIR))
    sys.exit(1)
sys.path.insert(0, HARNESS_DIR)
from casbench import profilers, runtime  # noqa: E402

executions = 0      # per child: how many times `third_hangs` ran
cold_runs = 0       # per child: how many times `cold_100ms` ran
warmed_in_parent = 0
TEST_PID = os.getpid()


def leading_coefficients():
    global warmed_in_parent
    if os.getpid() == TEST_PID:
        warmed_in_parent += 1
    return [5, -7]


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def third_hangs():
    global executions
    executions += 1
    if executions == 3:
        time.sleep(60)
    time.sleep(0.02)


def cold_100ms():
    """The first execution in a child spins 100 ms, the later ones return."""
    global cold_runs
    cold_runs += 1
    if cold_runs == 1:
        busy(0.1)


def ignore_term_and_hang():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)


class HangingStdout:
    """Replaces sys.stdout in a child: the flush before its exit hangs."""
    def write(self, text):
        return len(text)

    def flush(self):
        time.sleep(60)


def hang_at_exit():
    sys.stdout = HangingStdout()


def raise_type_error():
    raise TypeError("unsupported operand type(s) for +: 'Poly' and 'str'")


def gc_must_be(on):
    def f():
        if gc.isenabled() != on:
            raise RuntimeError("gc is %s" % ("on" if gc.isenabled() else "off"))
        if on and gc.get_freeze_count():
            raise RuntimeError("%d objects are frozen" % gc.get_freeze_count())
    return f


def allocate():
    block = bytearray(64 << 20)
    block[::4096] = b"x" * len(block[::4096])      # touch every page
    return len(block)


class Recorder(profilers.Profiler):
    """A profiler that appends each hook it gets to a file (the child's
    hooks run in another process) and sleeps DELAY in begin: inside the
    clock reads that shows in the times, outside it does not."""

    def __init__(self, name, path, inside, delay):
        self.name, self.path, self.inside_clock, self.delay = name, path, inside, delay

    def _log(self, what):
        with open(self.path, "a") as f:
            f.write("%s %s %d\n" % (self.name, what, os.getpid()))

    def next_call(self, index):
        self._log("next_call:%d" % index)

    def begin(self):
        self._log("begin")
        time.sleep(self.delay)

    def end(self):
        self._log("end")

    def report_bytes(self):
        self._log("report")
        return json.dumps({"profiler": self.name, "pid": os.getpid()}).encode() if self.inside_clock else None

    def report_of(self, pid):
        self._log("report_of")
        return {"profiler": self.name, "pid": pid, "from": "parent"} if self.inside_clock else None


class SelfTest(runtime.Adapter):
    BEHAVIOUR = {
        "gc_on": lambda: gc_must_be(True),
        "gc_off": lambda: gc_must_be(False),
        "segfault": lambda: lambda: os.kill(os.getpid(), signal.SIGSEGV),
        "abort": lambda: os.abort,
        "exit3": lambda: lambda: os._exit(3),
        "raise": lambda: raise_type_error,
        "hang_ignoring_term": lambda: ignore_term_and_hang,
        "third_hangs": lambda: third_hangs,
        "busy_2ms": lambda: lambda: busy(0.002),
        "sleep_20ms": lambda: lambda: time.sleep(0.02),
        "cold_100ms": lambda: cold_100ms,
        "allocate": lambda: allocate,
        "hang_at_exit": lambda: hang_at_exit,
        "leading_coefficient": lambda: leading_coefficients,
        "refused_in_child": None,
    }
    functions = frozenset(BEHAVIOUR)

    def parse(self, key, gens, polys, uses):
        if key == "bad":
            raise ValueError("unparseable")
        return (gens, polys)

    def bind(self, function, systems):
        make = self.BEHAVIOUR[function]
        if make is None:
            raise runtime.Unsupported("not in this build")
        return make()

    def plain(self, function, systems, result):
        return result


POLYS = {"a": (["x"], [{(1,): 1}]),
         (1, 2, range(0, 5), range(1, 9)): (["x"], [{(0,): 3}]),
         "bad": (["x"], [{(1,): 1}])}
KEY = (1, 2, range(0, 5), range(1, 9))


def run(tmp, name, run_list, **options):
    calls = os.path.join(tmp, name + ".jsonl")
    results = os.path.join(tmp, name + ".pickle")
    config = dict(type="benchmark", run_list=run_list, polys=POLYS, gc=True, repeats=2,
                  log_file=None, timeout=5.0, library="selftest-py", calls_jsonl=calls,
                  record={"runner": "rt-" + name, "library": "selftest-py",
                          "env": "python3", "gc": True, "mode": "benchmark"},
                  min_time=0.0, order="lex", grace=0.3, profile=None, perturb=None)
    config.update(options)
    # The runtime must read what Python's pickle writes, as the engine's codec
    # does (protocol 4, range keys): round-trip the config through a file.
    with open(os.path.join(tmp, name + ".config"), "wb") as f:
        pickle.dump(config, f, protocol=4)
    config = runtime.load_config(os.path.join(tmp, name + ".config"))
    start = time.monotonic()
    runtime.run(config, results, SelfTest())
    elapsed = time.monotonic() - start
    with open(calls) as f:
        records = [json.loads(line) for line in f]
    with open(results, "rb") as f:
        values = pickle.load(f)
    return records, values, elapsed


def by_function(records):
    return {r["function"]: r for r in records}


def main():
    tmp = tempfile.mkdtemp(prefix="cbpyrt.")

    # -- statuses, each call isolated from the next -------------------------
    rl = {"segfault": [("a",)], "abort": [("a",)], "exit3": [("a",)], "raise": [("a",)],
          "hang_ignoring_term": [("a",)], "busy_2ms": [(KEY,)], "refused_in_child": [("a",)],
          "not_a_function": [("a",)], "sleep_20ms": [("bad",)], "hang_at_exit": [("a",)],
          "leading_coefficient": [("a", "a")], "allocate": [("missing",)]}
    records, values, elapsed = run(tmp, "statuses", rl, timeout=0.5)
    r = by_function(records)
    check("one record per call, in run-list order",
          [x["function"] for x in records] == list(rl) and
          [x["call"] for x in records] == list(range(len(rl))), [x["function"] for x in records])
    check("segfault is crashed SIGSEGV",
          (r["segfault"]["status"], r["segfault"]["error"]) == ("crashed", "SIGSEGV"), r["segfault"])
    check("abort is crashed SIGABRT", (r["abort"]["status"], r["abort"]["error"]) == ("crashed", "SIGABRT"))
    check("exit 3 is an error naming the status",
          (r["exit3"]["status"], r["exit3"]["error"]) == ("error", "exited with status 3"), r["exit3"])
    check("exception is error with its message",
          r["raise"]["status"] == "error" and
          r["raise"]["error"] == "TypeError: unsupported operand type(s) for +: 'Poly' and 'str'",
          r["raise"])
    h = r["hang_ignoring_term"]
    check("hang ignoring SIGTERM is killed and recorded as timeout",
          (h["status"], h["error"], h["times"]) == ("timeout", "timed out after 0.5 s", []), h)
    check("the run went on after the hang, within timeout + grace",
          r["busy_2ms"]["status"] == "ok" and elapsed < 2 * (0.5 + 0.3) + 3.0, elapsed)
    check("unsupported from the child", r["refused_in_child"]["status"] == "unsupported"
          and r["refused_in_child"]["error"] == "not in this build", r["refused_in_child"])
    nf = r["not_a_function"]
    check("unknown function is unsupported without a child, as C says it",
          nf["status"] == "unsupported" and nf["pid"] is None and nf["times"] == []
          and nf["error"] == "selftest-py does not offer not_a_function", nf)
    ar = r["leading_coefficient"]
    check("wrong number of arguments is an error without a child",
          (ar["status"], ar["error"], ar["pid"]) ==
          ("error", "leading_coefficient takes 1 argument(s)", None), ar)
    ms = r["allocate"]
    check("a system missing from the dataset is an error without a child",
          (ms["status"], ms["error"], ms["pid"]) ==
          ("error", "system 'missing' is not in the dataset", None), ms)
    bad = r["sleep_20ms"]
    check("a system that does not parse makes its calls errors",
          bad["status"] == "error" and "cannot parse system 'bad'" in bad["error"]
          and "ValueError: unparseable" in bad["error"], bad)
    he = r["hang_at_exit"]
    check("a child that reported everything but hangs on exit is stopped, stays ok",
          he["status"] == "ok" and len(he["times"]) == 2 and he["error"] is None, he)
    b = r["busy_2ms"]
    check("range keys are written as Python reprs", b["args"] == [repr(KEY)], b["args"])
    check("fields copied from `record`",
          all(x["runner"] == "rt-statuses" and x["env"] == "python3" and x["mode"] == "benchmark"
              for x in records))
    check("ok record: repeats times, cpu_times, loops 1, pid, rss, no error",
          len(b["times"]) == 2 and len(b["cpu_times"]) == 2 and b["loops"] == 1
          and b["pid"] not in (None, os.getpid()) and b["max_rss_kib"] > 1000
          and b["error"] is None and b["timeout"] == 0.5, b)
    # (a busy loop runs until 2 ms of wall time pass: on a loaded machine it
    # gets less CPU time than that, never more)
    check("busy loop of 2 ms is timed as about 2 ms, CPU time at most that",
          all(0.0019 <= t < 0.05 for t in b["times"]) and
          all(0 < c <= t * 1.05 + 0.0002 for c, t in zip(b["cpu_times"], b["times"])), b)
    check("results pickle: times for ok, [inf] for timeout and failures (the original's vocabulary)",
          values[("busy_2ms", (KEY,))] == b["times"] and
          values[("hang_ignoring_term", ("a",))] == [math.inf] and
          values[("segfault", ("a",))] == [math.inf] and values[("raise", ("a",))] == [math.inf], values)
    check("distinct children", len({x["pid"] for x in records if x["pid"]}) ==
          len([x for x in records if x["pid"]]))

    # -- the same without a pidfd (Python 3.8, old kernels): pipe EOF ---------
    runtime.USE_PIDFD = False
    rl = {"segfault": [("a",)], "hang_ignoring_term": [("a",)], "hang_at_exit": [("a",)],
          "busy_2ms": [("a",)]}
    recs, _, _ = run(tmp, "nopidfd", rl, timeout=0.5)
    runtime.USE_PIDFD = hasattr(os, "pidfd_open")
    check("without a pidfd: crash, hang, hang at exit, ok as with one",
          [(x["status"], x["error"]) for x in recs] ==
          [("crashed", "SIGSEGV"), ("timeout", "timed out after 0.5 s"), ("ok", None),
           ("ok", None)], [(x["status"], x["error"]) for x in recs])

    # -- gc inside the timed region ------------------------------------------
    rl = {"gc_on": [("a",)], "gc_off": [("a",)]}
    on, _, _ = run(tmp, "gc-on", rl, gc=True)
    off, _, _ = run(tmp, "gc-off", rl, gc=False)
    check("gc on: enabled while timed, nothing frozen", [x["status"] for x in on] == ["ok", "error"], on)
    check("gc off: disabled while timed", [x["status"] for x in off] == ["error", "ok"], off)

    # -- streaming: repeats that finished before a timeout are kept ----------
    recs, values, _ = run(tmp, "stream", {"third_hangs": [("a",)]}, repeats=5, timeout=1.0)
    s = recs[0]
    check("times of the repeats before the timeout are recorded",
          s["status"] == "timeout" and len(s["times"]) == 2
          and all(0.019 <= t < 0.5 for t in s["times"]), s)

    # -- min_time: every repeat runs the calibrated loop count ---------------
    recs, _, _ = run(tmp, "mintime", {"busy_2ms": [("a",)], "sleep_20ms": [("a",)]},
                     repeats=2, min_time=0.03)
    m = by_function(recs)
    mb = m["busy_2ms"]
    # (the count is calibrated once, at the speed of that moment, so a repeat
    # lasts about min_time -- at least half of it on a machine whose speed
    # swings by 2x -- where the old loop ran each repeat until min_time)
    check("min_time loops the 2 ms call and reports time per execution",
          mb["loops"] > 1 and all(t >= 0.0019 for t in mb["times"])
          and all(t * mb["loops"] >= 0.015 for t in mb["times"]), mb)
    check("sleep: CPU time far below wall time",
          all(c < t / 4 for c, t in zip(m["sleep_20ms"]["cpu_times"], m["sleep_20ms"]["times"])),
          m["sleep_20ms"])

    # -- warm-up and calibration (docs/measurement.md) ------------------------
    # the C supervisor's rule, cb_next_loops (tests/unit/test_measure.c checks
    # the same table): 1.25 x the target at the measured speed, within
    # [2x, 100x] the previous count
    table = [((1, 2_000_000, 20_000_000), 13), ((1, 1000, 10_000_000), 100), ((1, 0, 10_000_000), 100),
             ((100, 100_000, 10_000_000), 10_000), ((100, 9_000_000, 10_000_000), 200),
             ((7353, 9_999_999, 10_000_000), 14_706), ((3, 1_000_000, 10_000_000), 38)]
    next_loops = getattr(runtime, "next_loops", lambda *a: None)
    got = [next_loops(*args) for args, _ in table]
    check("next_loops follows the rule (the same table as the C unit test)",
          got == [want for _, want in table], got)
    recs, _, _ = run(tmp, "calibrate", {"busy_2ms": [("a",)], "cold_100ms": [("a",)]},
                     repeats=3, warmup=1, min_time=0.02)
    m = by_function(recs)
    # busy_2ms spins 2 ms of wall time, or more when the machine preempts it
    # at its deadline: ceil(1.25 * 20 / 2) = 13 loops on an idle core, never
    # more than 2 x 13, fewer on a loaded machine (as harness_selftest.py)
    cb = m["busy_2ms"]
    check("calibration: busy 2 ms at min_time 0.02 runs 2 to 26 loops (13 on an idle core)",
          cb["status"] == "ok" and 2 <= cb["loops"] <= 26, cb)
    check("every repeat runs that count: at least 2 ms per execution, a repeat about the target (>= 10 ms)",
          len(cb["times"]) == 3 and all(0.0019 <= t < 0.02 and t * cb["loops"] >= 0.01 for t in cb["times"]), cb)
    check("warmup and min_time are recorded", cb.get("warmup") == 1 and cb.get("min_time") == 0.02, cb)
    cc = m["cold_100ms"]
    check("a slow first execution (100 ms) is the cold time",
          cc["status"] == "ok" and (cc.get("cold_time") or 0) >= 0.1
          and 0 < (cc.get("cold_cpu_time") or 0) <= cc["cold_time"] * 1.05, cc)
    check("... and never enters times or cpu_times",
          len(cc["times"]) == 3 and max(cc["times"] + cc["cpu_times"]) < 0.001, cc)
    recs, _, _ = run(tmp, "single", {"cold_100ms": [("a",)], "third_hangs": [("a",)]},
                     repeats=3, warmup=0, min_time=0.0, timeout=1.0)
    m = by_function(recs)
    cc, th = m["cold_100ms"], m["third_hangs"]
    check("warmup 0, min_time 0: no cold time, loops 1, the first repeat is the cold one",
          cc["status"] == "ok" and cc.get("cold_time", "absent") is None and cc["loops"] == 1
          and cc["times"][0] >= 0.1 and max(cc["times"][1:]) < 0.001, cc)
    check("warmup 0, min_time 0: one execution per repeat (the third hangs: two repeats, then the limit)",
          th["status"] == "timeout" and len(th["times"]) == 2, th)
    recs, values, _ = run(tmp, "warm-timeout", {"hang_ignoring_term": [("a",)], "third_hangs": [("a",)]},
                          repeats=3, warmup=1, min_time=0.5, timeout=1.0)
    m = by_function(recs)
    h, th = m["hang_ignoring_term"], m["third_hangs"]
    check("a call that hangs in its warm-up is a timeout, no times, no cold time",
          (h["status"], h["times"], h.get("cold_time", "absent")) == ("timeout", [], None), h)
    check("a call that hangs in its calibration is a timeout, no times, its cold time kept",
          th["status"] == "timeout" and th["times"] == [] and (th.get("cold_time") or 0) >= 0.019
          and th["loops"] == 0, th)
    check("results pickle: both are [inf]", all(v == [math.inf] for v in values.values()), values)
    recs, _, _ = run(tmp, "mem-loops", {"busy_2ms": [("a",)]}, type="mem", repeats=2, min_time=0.02)
    check("mem mode: one execution per repeat whatever min_time says",
          recs[0]["status"] == "ok" and recs[0]["loops"] == 1 and recs[0].get("min_time") == 0
          and all(t < 0.01 for t in recs[0]["times"]), recs[0])

    # -- peak RSS from wait4 --------------------------------------------------
    recs, _, _ = run(tmp, "rss", {"busy_2ms": [("a",)], "allocate": [("a",)]}, repeats=1)
    m = by_function(recs)
    check("peak RSS sees a 64 MiB allocation",
          m["allocate"]["max_rss_kib"] - m["busy_2ms"]["max_rss_kib"] > 50000,
          (m["allocate"]["max_rss_kib"], m["busy_2ms"]["max_rss_kib"]))

    # -- verify digest, and the perturbation tests use -----------------------
    global warmed_in_parent
    warmed_in_parent = 0
    rl = {"leading_coefficient": [("a",), (KEY,)]}
    recs, values, _ = run(tmp, "verify", rl, type="verify", warmup=2, min_time=0.02,
                          perturb=("leading_coefficient", (KEY,)),
                          result_text=True)
    want = hashlib.sha256(b"5\n-7").hexdigest()
    check("verify: digest of the canonical text",
          recs[0]["digest"] == want and recs[0]["result_head"] == "5\n-7"
          and recs[0]["result"] == "5\n-7" and recs[0]["times"] == [], recs[0])
    check("verify: no warm-up, no loops", (recs[0].get("warmup"), recs[0].get("min_time"), recs[0].get("cold_time"))
          == (0, 0, None), recs[0])
    check("verify: perturbed call's digest differs",
          recs[1]["digest"] == hashlib.sha256(b"5\n-7\nperturbed").hexdigest(), recs[1])
    check("warm-up: leading_coefficient ran once in the parent, the selftest ones never",
          warmed_in_parent == 1, warmed_in_parent)
    check("verify: results pickle holds digests",
          values[("leading_coefficient", ("a",))] == want, values)

    # -- mem mode without the tracker preloaded: runs, mem is null -----------
    recs, _, _ = run(tmp, "mem", {"busy_2ms": [("a",)]}, type="mem", repeats=1)
    check("mem mode without the tracker still runs the call",
          recs[0]["status"] == "ok" and "mem" in recs[0] and recs[0]["mem"] is None, recs[0])

    # -- the profilers' hooks, around each call and each timed repeat --------
    log = os.path.join(tmp, "hooks.log")
    made = profilers.for_config
    profilers.for_config = lambda config: [Recorder("outer", log, False, 0.05), Recorder("inner", log, True, 0.05)]
    try:
        recs, _, _ = run(tmp, "hooks", {"busy_2ms": [("a",)], "segfault": [("a",)]}, type="mem", repeats=2,
                         call_numbers=[7, 8])
    finally:
        profilers.for_config = made
    with open(log) as f:
        events = [line.split() for line in f]
    parent = str(os.getpid())
    first = [(who, what) for who, what, pid in events if pid != parent][:9]
    check("profilers: next_call in the parent, with the call's number, for each profiler",
          [(w, e) for w, e, pid in events if pid == parent and e.startswith("next_call")]
          == [("outer", "next_call:7"), ("inner", "next_call:7"), ("outer", "next_call:8"),
              ("inner", "next_call:8")], events)
    check("profilers: begin outer then inner, end inner then outer, per repeat; then the reports",
          first == [("outer", "begin"), ("inner", "begin"), ("inner", "end"), ("outer", "end")] * 2
          + [("outer", "report")], first)
    r = by_function(recs)
    times = r["busy_2ms"]["times"]
    check("profilers: an inside hook is timed (50 ms of sleep), an outside one is not (< 100 ms)",
          len(times) == 2 and all(0.05 <= t < 0.1 for t in times), times)
    check("profilers: the child's report is the record's mem",
          r["busy_2ms"]["mem"] == {"profiler": "inner", "pid": r["busy_2ms"]["pid"]}, r["busy_2ms"]["mem"])
    check("profilers: for a child that died, the parent's report_of",
          r["segfault"]["status"] == "crashed" and r["segfault"]["mem"] == {
              "profiler": "inner", "pid": r["segfault"]["pid"], "from": "parent"}, r["segfault"])

    # -- the profilers a config asks for ---------------------------------------
    check("profilers: none in benchmark and verify mode, nor in cpu mode without perf's fifos",
          profilers.for_config({"type": "benchmark"}) == [] and profilers.for_config({"type": "verify"}) == []
          and profilers.for_config({"type": "cpu", "profile": None}) == [])
    check("profilers: mem mode without the tracker preloaded has none (the calls run, mem is null)",
          profilers.for_config({"type": "mem", "mem_profiler": "casbench"}) == [])

    # -- a config that is not a dict ------------------------------------------
    path = os.path.join(tmp, "bad.config")
    with open(path, "wb") as f:
        pickle.dump([1, 2], f)
    try:
        runtime.load_config(path)
        check("config that is not a dict is refused", False)
    except runtime.ConfigError as e:
        check("config that is not a dict is refused", "not a dict" in str(e), e)

    for name in os.listdir(tmp):
        os.unlink(os.path.join(tmp, name))
    os.rmdir(tmp)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
