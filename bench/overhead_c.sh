#!/bin/sh
# overhead_c.sh — per-call supervision overhead of the C executor (issue 3,
# "Speed"), as ratios against references measured in the same run:
#
#   harness   the flint harness on N calls of `add` on two tiny polynomials
#             (microseconds each), through the harness protocol: per call,
#             the interval between consecutive calls' starts (fork to fork:
#             fork, pidfd, ppoll, reading the times, wait4, the JSON record
#             and its write) minus the call's own measured time; median.
#   floor     a bare pipe + fork + write + read + wait4 loop in a C process of
#             the same size (the same shared libraries, grown to the
#             harness's resident size: bench/overhead_c_floor.c, compiled
#             here with cc); median per iteration.
#   python    multiprocessing.Process + Queue per call, the original tool's
#             way: fork start method, from a Python process that has imported
#             the library under test (SymPy), trivial function; median.
#             Also shown, for information: the same from a bare interpreter.
#
# This machine is shared and noisy, so the three are measured in ROUNDS
# interleaved rounds and the ratios are the medians of the per-round ratios.
# Goals: harness / floor <= 1.5, python / harness >= 15.
# Usage: sh bench/overhead_c.sh [N [ROUNDS]]   (default 200 calls, 5 rounds)
. "$(dirname "$0")/lib.sh"
HARNESS=$BUILD/harness/casbench-harness-flint
N=${1:-200}
ROUNDS=${2:-5}
need_built overhead_c "$HARNESS"
workdir cboverhead

# The floor process links what the harness links, loaded even if unused.
cc -O2 -o "$T/floor" "$ROOT/bench/overhead_c_floor.c" \
    -Wl,--no-as-needed -lcalcium -lflint -lmpfr -lgmp -ljson-c -lcrypto -ldl -lm

python3 - "$HARNESS" "$T" "$N" "$ROUNDS" <<'EOF'
import json, os, pickle, re, statistics, subprocess, sys, time

harness, tmp, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
med = statistics.median


def run_harness():
    calls = tmp + "/calls.jsonl"
    if os.path.exists(calls):
        os.remove(calls)
    polys = {"a": (["x", "y"], [{(1, 0): 3, (0, 2): -5}]), "b": (["x", "y"], [{(2, 1): 7, (0, 0): 1}])}
    cfg = {"type": "benchmark", "run_list": {"add": [("a", "b")] * n}, "polys": polys, "gc": False,
           "repeats": 1, "log_file": None, "timeout": 10.0, "library": "flint", "calls_jsonl": calls,
           "record": {"runner": "bench", "library": "flint", "env": None, "gc": False, "mode": "benchmark"}}
    with open(tmp + "/config.pickle", "wb") as f:
        pickle.dump(cfg, f)
    p = subprocess.run([harness], input=f"{tmp}/config.pickle\n{tmp}/results.pickle\n", text=True,
                       capture_output=True, check=True)
    rss = int(re.search(r"harness RSS (\d+) KiB", p.stderr).group(1))
    recs = [json.loads(l) for l in open(calls)]
    assert len(recs) == n and all(r["status"] == "ok" for r in recs), "harness calls failed"
    over = [(b["started"] - a["started"] - a["times"][0]) * 1e6 for a, b in zip(recs, recs[1:])]
    return med(over), med(r["times"][0] for r in recs) * 1e6, rss


def run_floor(rss):
    out = subprocess.run([tmp + "/floor", str(rss), str(n)], capture_output=True, text=True, check=True).stdout
    us, floor_rss = out.split()
    return float(us), int(floor_rss)


# The original's harness forked from a Python process that had imported the
# library under test (SymPy), so the reference does the same.
PYREF = r"""
import multiprocessing as mp, os, statistics, sys, time
if sys.argv[2] == "sympy":
    import sympy
def work(q):
    q.put(os.getpid())
if __name__ == "__main__":
    mp.set_start_method("fork")
    per = []
    for _ in range(int(sys.argv[1])):
        t0 = time.perf_counter()
        q = mp.Queue()
        p = mp.Process(target=work, args=(q,))
        p.start()
        q.get()
        p.join()
        per.append((time.perf_counter() - t0) * 1e6)
    print(statistics.median(per))
"""


def run_python(k, imports):
    out = subprocess.run([sys.executable, "-c", PYREF, str(k), imports], capture_output=True, text=True, check=True)
    return float(out.stdout)


H, F, P, B = [], [], [], []
for r in range(rounds):
    h, call, rss = run_harness()
    f, frss = run_floor(rss)
    py = run_python(max(10, n // 10), "sympy")
    bare = run_python(max(10, n // 10), "none")
    H.append(h), F.append(f), P.append(py), B.append(bare)
    print(f"  round {r + 1}: harness {h:7.1f} us (call {call:.1f} us, RSS {rss} KiB)   "
          f"floor {f:7.1f} us (RSS {frss} KiB)   python {py:8.1f} us, bare {bare:7.1f} us")
r1 = med(h / f for h, f in zip(H, F))
r2 = med(p / h for p, h in zip(P, H))
print(f"per-call supervision overhead, {n} calls x {rounds} rounds (medians):")
print(f"  flint harness {med(H):7.1f} us/call beyond the call's own time")
print(f"  floor         {med(F):7.1f} us/call (bare pipe + fork + wait4, same libraries and RSS)")
print(f"  python        {med(P):7.1f} us/call (multiprocessing.Process + Queue, SymPy imported)")
print(f"  python, bare  {med(B):7.1f} us/call (the same from a bare interpreter; for information:"
      f" {med(b / h for b, h in zip(B, H)):.1f}x the harness)")
print(f"  harness / floor  = {r1:.2f}  (goal <= 1.5: {'holds' if r1 <= 1.5 else 'MISSED'})")
print(f"  python / harness = {r2:.1f}  (goal >= 15: {'holds' if r2 >= 15 else 'MISSED'})")
EOF
