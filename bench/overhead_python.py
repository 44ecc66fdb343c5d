#!/usr/bin/env python3
"""overhead_python.py -- per-call supervision overhead of the Python harness.

Supervision overhead = wall time per call minus the call's own measured
time, on calls that take microseconds (SymPy PolyElement additions of small
polynomials), in processes of the same kind (python3 with SymPy imported and
the polynomials built).  Three ways, measured in the same run, in alternating
rounds (the median round counts):

  harness  casbench's Python harness through the protocol: per-call period
           from the records' `started` stamps, minus the recorded times;
  harness-4k  the same with CASBENCH_PY_HUGEPAGES=0 (no huge-page collapse
           of the parent's heap before forking), to show what that buys;
  bare     the floor: a loop of os.fork + pipe + waitpid, the child timing
           the same call and writing the time to the pipe;
  mp       the original tool's way: multiprocessing.Process + Queue per call.

Goals (issue 4): harness <= 1.3x bare, and mp >= 2.5x harness.
Usage: overhead_python.py [--calls N] [--rounds R] [--python PYTHON]
(internal: overhead_python.py --loop bare|mp N prints one JSON line).
"""

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("CASBENCH_BUILD") or os.path.join(ROOT, "build")
HARNESS = os.path.join(BUILD, "harness", "python", "casbench_harness.py")
GENS = ["x", "y", "z"]
A = {(1, 0, 0): 3, (0, 1, 0): -2, (0, 0, 1): 5, (0, 0, 0): 7}
B = {(1, 1, 0): 1, (0, 0, 2): -4, (0, 0, 0): 1}


# ----------------------------------------------------- in-process loops

def build():
    """SymPy imported, the two polynomials built: the harness's state."""
    from sympy.polys.rings import ring
    from sympy.polys.domains import ZZ
    from sympy.polys.orderings import lex
    R = ring(GENS, ZZ, lex)[0]
    return R.from_dict(A), R.from_dict(B)


def bare_loop(n):
    p, q = build()
    clock = time.perf_counter_ns
    measured = 0
    start = clock()
    for _ in range(n):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            t0 = clock()
            p + q
            t1 = clock()
            os.write(w, (t1 - t0).to_bytes(8, "little"))
            os._exit(0)
        os.close(w)
        data = os.read(r, 8)
        os.close(r)
        os.waitpid(pid, 0)
        measured += int.from_bytes(data, "little")
    return (clock() - start) / n / 1e9, measured / n / 1e9


def _mp_child(queue, p, q):
    t0 = time.perf_counter_ns()
    p + q
    queue.put(time.perf_counter_ns() - t0)


def mp_loop(n):
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    p, q = build()
    clock = time.perf_counter_ns
    measured = 0
    start = clock()
    for _ in range(n):
        queue = ctx.Queue()
        proc = ctx.Process(target=_mp_child, args=(queue, p, q))
        proc.start()
        measured += queue.get()
        proc.join()
    return (clock() - start) / n / 1e9, measured / n / 1e9


# ------------------------------------------------------------ the bench

def harness_round(python, n, tmp, hugepages=True):
    calls = os.path.join(tmp, "calls.jsonl")
    if os.path.exists(calls):
        os.unlink(calls)
    config = dict(type="benchmark", run_list={"add": [("a", "b")] * n},
                  polys={"a": (GENS, [A]), "b": (GENS, [B])}, gc=True, repeats=1,
                  log_file=None, timeout=10.0, library="sympy-domains", calls_jsonl=calls,
                  record={"runner": "bench", "library": "sympy-domains", "env": python,
                          "gc": True, "mode": "benchmark"},
                  min_time=0.0, order="lex", grace=1.0, profile=None, perturb=None)
    path = os.path.join(tmp, "config.pickle")
    with open(path, "wb") as f:
        pickle.dump(config, f, protocol=4)
    env = dict(os.environ, CASBENCH_PY_HUGEPAGES="1" if hugepages else "0")
    subprocess.run([python, HARNESS], input="%s\n%s\n" % (path, os.path.join(tmp, "results")),
                   text=True, check=True, env=env, stderr=subprocess.DEVNULL)
    with open(calls) as f:
        records = [json.loads(line) for line in f]
    if len(records) != n or any(r["status"] != "ok" for r in records):
        raise SystemExit("harness run failed: %r" % records[:2])
    period = (records[-1]["started"] - records[0]["started"]) / (n - 1)
    measured = statistics.mean(r["times"][0] for r in records[:-1])
    return period, measured


def loop_round(python, kind, n):
    out = subprocess.run([python, os.path.abspath(__file__), "--loop", kind, str(n)],
                         capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    return d["period"], d["measured"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--loop", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.loop:
        kind, n = args.loop[0], int(args.loop[1])
        period, measured = (bare_loop if kind == "bare" else mp_loop)(n)
        print(json.dumps({"period": period, "measured": measured}))
        return 0
    if not os.path.exists(HARNESS):
        print("overhead_python: %s is not built (make all)" % HARNESS, file=sys.stderr)
        return 2
    rounds = {"harness": [], "harness-4k": [], "bare": [], "mp": []}
    with tempfile.TemporaryDirectory(prefix="cbovh.") as tmp:
        for _ in range(args.rounds):
            rounds["harness"].append(harness_round(args.python, args.calls, tmp))
            rounds["harness-4k"].append(harness_round(args.python, args.calls, tmp, False))
            rounds["bare"].append(loop_round(args.python, "bare", args.calls))
            rounds["mp"].append(loop_round(args.python, "mp", max(args.calls // 3, 50)))
    overhead = {}
    print("per-call wall time, measured call time and overhead (median of %d rounds, %s):"
          % (args.rounds, args.python))
    for kind, rs in rounds.items():
        over = statistics.median(p - m for p, m in rs)
        overhead[kind] = over
        print("  %-10s period %8.1f us   call %6.1f us   overhead %8.1f us"
              % (kind, statistics.median(p for p, _ in rs) * 1e6,
                 statistics.median(m for _, m in rs) * 1e6, over * 1e6))
    r1 = overhead["harness"] / overhead["bare"]
    r2 = overhead["mp"] / overhead["harness"]
    print("harness / bare fork loop overhead: %.2fx (goal <= 1.3x) %s"
          % (r1, "ok" if r1 <= 1.3 else "MISSED"))
    print("multiprocessing / harness overhead: %.2fx (goal >= 2.5x) %s"
          % (r2, "ok" if r2 >= 2.5 else "MISSED"))
    print("(harness-4k / bare: %.2fx; load average at the end: %s)"
          % (overhead["harness-4k"] / overhead["bare"], os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
