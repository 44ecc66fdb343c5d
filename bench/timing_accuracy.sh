#!/bin/sh
# timing_accuracy.sh — are reported times right?  (issue 3, "Speed")
#
# The selftest harness's busy loop (selftest_busy US) spins until its thread
# has used US microseconds of CPU (CLOCK_THREAD_CPUTIME_ID), an independent
# clock from the executor's CLOCK_MONOTONIC / CLOCK_PROCESS_CPUTIME_ID.  This
# runs 1 ms, 10 ms and 100 ms loops, 10 repeats each, through the harness
# protocol and prints the median reported time over the expected one, for
# wall and CPU time.  Goal: within 2 % (ratios 0.98 .. 1.02).  The wall
# ratio also absorbs any time the machine took the CPU away from the loop,
# so on a busy machine it can only come out high, never low; the harness
# runs under SCHED_FIFO when the bench may (root) to keep its CPU.
# Usage: sh bench/timing_accuracy.sh   (CASBENCH_BUILD=dir)
. "$(dirname "$0")/lib.sh"
HARNESS=$BUILD/harness/casbench-harness-selftest
need_built timing_accuracy "$HARNESS"
workdir cbtiming

python3 - "$HARNESS" "$T" <<'EOF2'
import json, os, pickle, statistics, subprocess, sys
harness, tmp = sys.argv[1], sys.argv[2]
loops_us = [1000, 10000, 100000]
keys = ["us:%d" % u for u in loops_us]
cfg = {"type": "benchmark", "run_list": {"selftest_busy": [(k,) for k in keys]},
       "polys": {k: (["x"], [{(1,): 1}]) for k in keys}, "gc": False, "repeats": 10,
       "log_file": None, "timeout": 60.0, "library": "selftest", "calls_jsonl": tmp + "/calls.jsonl"}
with open(tmp + "/config.pickle", "wb") as f:
    pickle.dump(cfg, f)
# On a shared machine other processes take the CPU away from the loop and
# the wall clock rightly counts that.  Where the bench may (root), the harness
# runs under SCHED_FIFO (chrt -f 1: about a second of real-time CPU, within
# the kernel's real-time throttling) so that the loop keeps its CPU and the
# wall ratio measures the timing itself, not the neighbours.
prio = []
if os.geteuid() == 0 and subprocess.run(["chrt", "-f", "1", "true"], capture_output=True).returncode == 0:
    prio = ["chrt", "-f", "1"]
print("harness run %s" % ("under SCHED_FIFO (chrt -f 1)" if prio else "at normal priority"))
subprocess.run(prio + [harness], input=f"{tmp}/config.pickle\n{tmp}/results.pickle\n", text=True,
               capture_output=True, check=True)
recs = {r["args"][0]: r for r in map(json.loads, open(tmp + "/calls.jsonl"))}
print("busy loop   wall ratio   cpu ratio   cpu share   (medians of 10 repeats; goal 0.98 .. 1.02)")
worst_cpu, worst_wall, contended = 0, 0, False
for us, k in zip(loops_us, keys):
    r = recs[repr(k)]
    w = statistics.median(r["times"]) / (us / 1e6)
    c = statistics.median(r["cpu_times"]) / (us / 1e6)
    share = statistics.median(ct / t for ct, t in zip(r["cpu_times"], r["times"]))
    worst_cpu = max(worst_cpu, abs(c - 1))
    if share >= 0.98:
        worst_wall = max(worst_wall, abs(w - 1))
    else:
        contended = True
    print(f"{us / 1000:6g} ms   {w:10.4f}   {c:9.4f}   {share:9.3f}")
print("cpu times within 2 %%: %s (worst deviation %.2f %%)" % ("holds" if worst_cpu <= 0.02 else "MISSED", worst_cpu * 100))
load = open("/proc/loadavg").read().split()[0]
if contended:
    print("wall times: not judged for loops that got less than 98 %% of a CPU (load average %s on %d CPUs):"
          " the wall clock then rightly includes the time other processes ran" % (load, os.cpu_count()))
print("wall times within 2 %%%s: %s (worst deviation %.2f %%)" % (
    " where the loop had a CPU to itself" if contended else "",
    "holds" if worst_wall <= 0.02 else "MISSED", worst_wall * 100))
EOF2
