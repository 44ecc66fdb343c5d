#!/bin/sh
# mem_memray.sh — casbench's allocation tracker beside memray, on the same
# SymPy and python-flint calls (issue 16): per call, each one's count of
# allocations and its peak (bytes live above the call's start), and what
# each memory mode costs against benchmark mode, measured in this run.
#
# Runs, in a pinned venv ($CASBENCH_PREFIX/venv-3.12 by default; VENV=...),
# sympy-domains, sympy-dmp and python-flint on three products of random
# 4-variable polynomials (plus one gcd), in ROUNDS interleaved rounds of
# three modes: --benchmark, --memory-profiling (the tracker) and
# --memory-profiler memray.  Times: each call's fastest repeat over all
# rounds, per mode (one repeat per call: the tracker reports the last
# repeat, memray's capture spans all of them, and FLINT's second repeat
# reuses the first's cached integers); the slowdown is that over benchmark's,
# geometric mean over the library's calls.  Counts and peaks come from the
# last round (they do not vary between rounds).
# What the two count differently (docs/memory.md): the tracker runs the
# harness with PYTHONMALLOC=malloc and counts malloc-family calls inside the
# timed region; memray runs with pymalloc and traces Python's allocators
# (trace_python_allocators) as well as malloc, over the whole call (all its
# repeats), and its peak is the high-water mark of everything live in the
# process, while the tracker's is above the call's start.
# Usage: sh bench/mem_memray.sh [ROUNDS]     (default 3)
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
VENV=${VENV:-$PREFIX/venv-3.12}
need_built mem_memray "$CB"
[ -x "$VENV/bin/python" ] || { echo "mem_memray: no venv $VENV (sh tools/install-deps.sh venvs)" >&2; exit 1; }
workdir cbmemray
python3 - "$T" <<'PY'
import random, sys
import cbtest
t = sys.argv[1]
rnd = random.Random(16)
def poly(terms, bits):
    return {tuple(rnd.randrange(9) for _ in range(4)): rnd.randrange(-2 ** bits, 2 ** bits) for _ in range(terms)}
polys = {"small": (["x", "y", "z", "w"], [poly(60, 30)]), "medium": (["x", "y", "z", "w"], [poly(200, 60)]),
         "big": (["x", "y", "z", "w"], [poly(400, 200)])}
run_list = {"mult": [("small", "small"), ("medium", "medium"), ("big", "big")], "gcd": [("medium", "small")]}
cbtest.write_dataset(t, polys, run_list)
PY
MODES="benchmark tracker memray"
mode_flags() {
    case $1 in
    benchmark) echo --benchmark ;;
    tracker) echo --memory-profiling ;;
    memray) echo --memory-profiler memray ;;
    esac
}
RUN_OPTS="--libraries sympy-domains sympy-dmp python-flint --venvs $VENV --cores 1 --repeats 1 --timeout 300"
run_rounds "$ROUNDS" $MODES
python3 - "$T" "$ROUNDS" <<'PY'
import glob, json, math, sys
t, rounds = sys.argv[1], int(sys.argv[2])
def records(path):
    return [json.loads(l) for l in open(glob.glob(path + "/results_*/calls.jsonl")[0])]
best, mem = {}, {}
for i in range(rounds):
    for mode in ("benchmark", "tracker", "memray"):
        for r in records("%s/r%d%s" % (t, i, mode)):
            if r["status"] != "ok":
                continue
            key = (r["library"], r["function"], tuple(r["args"]))
            best[(mode, key)] = min(min(r["times"]), best.get((mode, key), float("inf")))
            if mode != "benchmark":
                mem[(mode, key)] = r["mem"] or {}
keys = sorted({k for m, k in best if m == "benchmark"})
print("%-14s %-28s %12s %12s %7s %12s %12s %7s" % ("library", "call", "allocs(trk)", "allocs(mry)", "ratio",
                                                   "peak(trk)", "peak(mry)", "ratio"))
for k in keys:
    a, b = mem.get(("tracker", k), {}), mem.get(("memray", k), {})
    na, nb, pa, pb = a.get("allocations"), b.get("allocations"), a.get("peak_bytes"), b.get("peak_bytes")
    q = lambda x, y: "%.2f" % (y / x) if x and y else "-"
    print("%-14s %-28s %12s %12s %7s %12s %12s %7s" % (k[0], k[1] + " " + ",".join(s.strip("'") for s in k[2]),
                                                       na, nb, q(na, nb), pa, pb, q(pa, pb)))
print()
print("slowdown against benchmark mode (fastest repeat over %d rounds, geometric mean over calls)" % rounds)
for lib in sorted({k[0] for k in keys}):
    line = "  %-14s" % lib
    for mode in ("tracker", "memray"):
        rs = [best[(mode, k)] / best[("benchmark", k)] for k in keys if k[0] == lib and (mode, k) in best]
        line += "  %s %.2fx" % (mode, math.exp(sum(map(math.log, rs)) / len(rs))) if rs else "  %s -" % mode
    print(line)
PY
