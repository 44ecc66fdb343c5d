#!/bin/sh
# mem_overhead.sh — what memory mode costs on FLINT multiplication, as ratios
# measured in this run (issue: memory mode at most 3x benchmark mode, and
# cheaper than heaptrack on the same workload).
#
# 1. The call itself: bench/mem_workload.c multiplies two random fmpz_mpoly
#    and times fmpz_mpoly_mul with its own clocks, run plain (benchmark
#    mode), with the tracker preloaded and counting (memory mode), and under
#    heaptrack.  Two workloads: small coefficients (FLINT allocates a few
#    big arrays) and 200-bit coefficients (every product coefficient is a
#    GMP integer: ~150k allocations a call, the tracker's worst case).  Whole
#    process wall times are shown too (heaptrack's include writing and
#    compressing its trace).
# 1b. The same on a SymPy product (a Python harness's case: Python frames).
# 2. The tool: `casbench run` on the flint library, benchmark mode and
#    --memory-profiling, same dataset; the per-call times of calls.jsonl.
#
# Each figure is the minimum over ROUNDS interleaved runs (default 5: the
# machine is shared; the minimum is the least disturbed run).
# Usage: sh bench/mem_overhead.sh [ROUNDS]
set -eu
ROUNDS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CASBENCH_BUILD:-$ROOT/build}
SO=$BUILD/libcasbench-memtrack.so
[ -f "$SO" ] || { echo "build the tracker first (make)"; exit 2; }
HAVE_HT=1
command -v heaptrack >/dev/null || HAVE_HT=0
PY=$(python3 -c 'import sys; print(sys.executable)')
W=$(mktemp -d /tmp/mem_overhead.XXXXXX)
trap 'rm -rf "$W"' EXIT
cc -O2 -g -o "$W/wl" "$ROOT/bench/mem_workload.c" -I/usr/include/flint -lflint -lgmp -ldl

now() { date +%s.%N; }
# one MODE ARGS: prints "CALL_SECONDS WALL_SECONDS"
one() {
    mode=$1; shift
    t0=$(now)
    case $mode in
    plain) "$W/wl" call "$@" >"$W/out" 2>&1 ;;
    tracker) LD_PRELOAD=$SO "$W/wl" call "$@" >"$W/out" 2>&1 ;;
    heaptrack) heaptrack -o "$W/ht.$$" "$W/wl" call "$@" >"$W/out" 2>&1; rm -f "$W"/ht.$$* ;;
    esac
    t1=$(now)
    echo "$(sed -n 's/^call_seconds //p' "$W/out") $(echo "$t1 - $t0" | bc -l)"
}
minof() { sort -n | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

workload() { # LABEL ARGS...
    label=$1; shift
    modes="plain tracker"
    [ $HAVE_HT = 1 ] && modes="$modes heaptrack"
    for m in $modes; do : >"$W/$m.call"; : >"$W/$m.wall"; done
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        for m in $modes; do
            set -- $(one "$m" "$@") "$@"
            echo "$1" >>"$W/$m.call"; echo "$2" >>"$W/$m.wall"
            shift 2
        done
        r=$((r + 1))
    done
    pc=$(minof <"$W/plain.call") tc=$(minof <"$W/tracker.call")
    pw=$(minof <"$W/plain.wall") tw=$(minof <"$W/tracker.wall")
    echo "$label"
    printf '  %-28s %10s %10s\n' "" "call s" "process s"
    printf '  %-28s %10.4f %10.3f\n' "benchmark mode (plain)" "$pc" "$pw"
    printf '  %-28s %10.4f %10.3f\n' "memory mode (tracker)" "$tc" "$tw"
    if [ $HAVE_HT = 1 ]; then
        hc=$(minof <"$W/heaptrack.call") hw=$(minof <"$W/heaptrack.wall")
        printf '  %-28s %10.4f %10.3f\n' "heaptrack" "$hc" "$hw"
    fi
    echo "  memory mode / benchmark mode: call $(ratio "$tc" "$pc")x   process $(ratio "$tw" "$pw")x   (goal: <= 3)"
    [ $HAVE_HT = 1 ] && echo "  memory mode / heaptrack:      call $(ratio "$tc" "$hc")x   process $(ratio "$tw" "$hw")x   (goal: < 1)"
    return 0
}

workload "FLINT fmpz_mpoly_mul, 5 vars, 3000 terms, 20-bit coefficients (few allocations):" 5 3000 20 1
workload "FLINT fmpz_mpoly_mul, 4 vars, 300 terms, 200-bit coefficients (~150k allocations):" 4 300 200 1

# 1b. The same comparison on a SymPy product (Python frames on top)
cat >"$W/sympy_mul.py" <<'EOF2'
import ctypes, random, sys, time
lib = ctypes.CDLL(None)
begin = getattr(lib, "casbench_mem_begin", None)
from sympy import Poly, ZZ, symbols
gens = symbols("x0:4")
rng = random.Random(1)
def rand_poly():
    return Poly.from_dict({tuple(rng.randrange(7) for _ in gens): rng.randrange(-2**100, 2**100)
                           for _ in range(60)}, *gens, domain=ZZ)
p, q = rand_poly(), rand_poly()
if begin:
    begin()
t = time.perf_counter()
r = p * q
t = time.perf_counter() - t
if begin:
    lib.casbench_mem_end()
print("call_seconds %.6f" % t)
EOF2
sympy_one() {
    case $1 in
    plain) PYTHONMALLOC=malloc "$PY" "$W/sympy_mul.py" ;;
    tracker) PYTHONMALLOC=malloc LD_PRELOAD=$SO "$PY" "$W/sympy_mul.py" ;;
    heaptrack) PYTHONMALLOC=malloc heaptrack -o "$W/hs.$$" "$PY" "$W/sympy_mul.py"; rm -f "$W"/hs.$$* ;;
    esac 2>/dev/null | sed -n 's/^call_seconds //p'
}
if "$PY" -c "import sympy" 2>/dev/null; then
    modes="plain tracker"
    [ $HAVE_HT = 1 ] && modes="$modes heaptrack"
    for m in $modes; do : >"$W/s.$m"; done
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        for m in $modes; do sympy_one "$m" >>"$W/s.$m"; done
        r=$((r + 1))
    done
    sp=$(minof <"$W/s.plain") st=$(minof <"$W/s.tracker")
    echo "SymPy Poly product (4 vars, 60 terms, 100-bit coefficients; ~350k allocations), PYTHONMALLOC=malloc:"
    printf '  %-28s %10.4f\n' "benchmark mode (plain)" "$sp" "memory mode (tracker)" "$st"
    echo "  memory mode / benchmark mode: call $(ratio "$st" "$sp")x"
    if [ $HAVE_HT = 1 ]; then
        sh_=$(minof <"$W/s.heaptrack")
        printf '  %-28s %10.4f\n' "heaptrack" "$sh_"
        echo "  memory mode / heaptrack:      call $(ratio "$st" "$sh_")x"
    fi
fi

# 2. casbench run, flint library: benchmark vs --memory-profiling
CB=$BUILD/casbench
[ -x "$CB" ] && [ -x "$BUILD/harness/casbench-harness-flint" ] || { echo "(casbench or the flint harness is not built: part 2 skipped)"; exit 0; }
"$PY" - "$W" <<'EOF'
import pickle, random, sys
rng = random.Random(7)
def system(nvars, nterms, bits):
    return (["x%d" % i for i in range(nvars)],
            [{tuple(rng.randrange(8) for _ in range(nvars)): rng.randrange(-2**bits, 2**bits) for _ in range(nterms)}
             for _ in range(2)])
polys = {"s%d" % i: system(5, 400 * (i + 1), 64 if i % 2 else 20) for i in range(6)}
run_list = {"mult": [("s%d" % i, "s%d" % ((i + 1) % 6)) for i in range(6)]}
pickle.dump(polys, open(sys.argv[1] + "/polys.pickle", "wb"))
pickle.dump(run_list, open(sys.argv[1] + "/run_list.pickle", "wb"))
EOF
for mode in "" --memory-profiling; do
    "$CB" run "$W/polys.pickle" "$W/run_list.pickle" "$W/res${mode:+mem}" --libraries flint $mode \
        --repeats "$ROUNDS" --cores 1 --timeout 60 >/dev/null 2>&1
done
"$PY" - "$W" <<'EOF'
import glob, json, sys
def calls(d):
    recs = [json.loads(l) for l in open(glob.glob(d + "/results_*/calls.jsonl")[0])]
    return {tuple(r["args"]): min(r["times"]) for r in recs if r["status"] == "ok" and r["times"]}
b, m = calls(sys.argv[1] + "/res"), calls(sys.argv[1] + "/resmem")
print("casbench run, flint, mult, 6 calls (5 vars, 400..2400 terms; min over repeats):")
worst, tb, tm = 0, 0, 0
for k in sorted(b):
    if k in m:
        worst, tb, tm = max(worst, m[k] / b[k]), tb + b[k], tm + m[k]
        print("  %-22s benchmark %.4f s  memory %.4f s  ratio %.2f" % (" x ".join(k), b[k], m[k], m[k] / b[k]))
print("  all calls: memory / benchmark = %.2fx, worst call %.2fx (goal: <= 3)" % (tm / tb, worst))
EOF
