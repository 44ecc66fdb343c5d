#!/bin/sh
# pool_scaling.sh — does the pool use the cores (issue 3, "Speed")?  A sweep
# of independent runners — the selftest harness in four modes (benchmark,
# verify, cpu, mem; two when the allocation tracker is not built), each
# running the same CPU-bound busy loops (selftest_busy: spins until the
# thread has used the given CPU time) — is run with --cores 1 and with
# --cores 2, in ROUNDS interleaved rounds; printed: the wall times and the
# median of the per-round ratios cores2 / cores1.
# Goal on a 2-core machine: ratio <= 0.6 (ideal 0.5).
# Usage: sh bench/pool_scaling.sh [CALLS [ROUNDS]]   (default 10 calls of 100 ms, 3 rounds)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CASBENCH_BUILD:-$ROOT/build}
CB=$BUILD/casbench
CALLS=${1:-10}
ROUNDS=${2:-3}
[ -x "$BUILD/harness/casbench-harness-selftest" ] || { echo "pool_scaling: build first (make)" >&2; exit 1; }
T=$(mktemp -d /tmp/cbscaling.XXXXXX)
trap 'rm -rf "$T"' EXIT
python3 - "$T" "$CALLS" <<'PY'
import pickle, sys
t, n = sys.argv[1], int(sys.argv[2])
polys = {"busy%d:100000" % i: (["x"], [{(1,): 1}]) for i in range(n)}
pickle.dump(polys, open(t + "/polys.pickle", "wb"))
pickle.dump({"selftest_busy": [(k,) for k in polys]}, open(t + "/run_list.pickle", "wb"))
PY
MODES="--benchmark --verify"
[ -f "$BUILD/libcasbench-memtrack.so" ] && MODES="$MODES --cpu-profiling --memory-profiling"
NRUNNERS=$(echo $MODES | wc -w)

wall() { # CORES -> seconds
    s=$(date +%s.%N)
    "$CB" run "$T/polys.pickle" "$T/run_list.pickle" "$T/out" --libraries selftest $MODES \
        --repeats 1 --timeout 60 --cores "$1" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
    e=$(date +%s.%N)
    echo "$s $e" | awk '{printf "%.3f", $2 - $1}'
}

echo "pool_scaling: $NRUNNERS selftest runners x $CALLS busy calls of 100 ms ($MODES), $ROUNDS rounds"
ratios=
for r in $(seq "$ROUNDS"); do
    one=$(wall 1)
    two=$(wall 2)
    ratio=$(echo "$two $one" | awk '{printf "%.3f", $1 / $2}')
    echo "  round $r: --cores 1 ${one} s, --cores 2 ${two} s, ratio $ratio"
    ratios="$ratios $ratio"
done
median=$(echo $ratios | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
verdict=$(echo "$median" | awk '{print ($1 <= 0.6) ? "meets" : "MISSES"}')
echo "pool_scaling: median ratio --cores 2 / --cores 1 = $median ($verdict the goal <= 0.6; ideal 0.5)"
