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
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-5}
SO=$BUILD/libcasbench-memtrack.so
need_built mem_overhead "$SO"
HAVE_HT=1
command -v heaptrack >/dev/null || HAVE_HT=0
PY=$(python3 -c 'import sys; print(sys.executable)')
workdir mem_overhead
cc -O2 -g -o "$T/wl" "$ROOT/bench/mem_workload.c" -I/usr/include/flint -lflint -lgmp -ldl

now() { date +%s.%N; }
# one MODE ARGS: prints "CALL_SECONDS WALL_SECONDS"
one() {
    mode=$1; shift
    t0=$(now)
    case $mode in
    plain) "$T/wl" call "$@" >"$T/out" 2>&1 ;;
    tracker) LD_PRELOAD=$SO "$T/wl" call "$@" >"$T/out" 2>&1 ;;
    heaptrack) heaptrack -o "$T/ht.$$" "$T/wl" call "$@" >"$T/out" 2>&1; rm -f "$T"/ht.$$* ;;
    esac
    t1=$(now)
    echo "$(sed -n 's/^call_seconds //p' "$T/out") $(echo "$t1 - $t0" | bc -l)"
}
minof() { sort -n | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

workload() { # LABEL ARGS...
    label=$1; shift
    modes="plain tracker"
    [ $HAVE_HT = 1 ] && modes="$modes heaptrack"
    for m in $modes; do : >"$T/$m.call"; : >"$T/$m.wall"; done
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        for m in $modes; do
            set -- $(one "$m" "$@") "$@"
            echo "$1" >>"$T/$m.call"; echo "$2" >>"$T/$m.wall"
            shift 2
        done
        r=$((r + 1))
    done
    pc=$(minof <"$T/plain.call") tc=$(minof <"$T/tracker.call")
    pw=$(minof <"$T/plain.wall") tw=$(minof <"$T/tracker.wall")
    echo "$label"
    printf '  %-28s %10s %10s\n' "" "call s" "process s"
    printf '  %-28s %10.4f %10.3f\n' "benchmark mode (plain)" "$pc" "$pw"
    printf '  %-28s %10.4f %10.3f\n' "memory mode (tracker)" "$tc" "$tw"
    if [ $HAVE_HT = 1 ]; then
        hc=$(minof <"$T/heaptrack.call") hw=$(minof <"$T/heaptrack.wall")
        printf '  %-28s %10.4f %10.3f\n' "heaptrack" "$hc" "$hw"
    fi
    echo "  memory mode / benchmark mode: call $(ratio "$tc" "$pc")x   process $(ratio "$tw" "$pw")x   (goal: <= 3)"
    [ $HAVE_HT = 1 ] && echo "  memory mode / heaptrack:      call $(ratio "$tc" "$hc")x   process $(ratio "$tw" "$hw")x   (goal: < 1)"
    return 0
}

workload "FLINT fmpz_mpoly_mul, 5 vars, 3000 terms, 20-bit coefficients (few allocations):" 5 3000 20 1
workload "FLINT fmpz_mpoly_mul, 4 vars, 300 terms, 200-bit coefficients (~150k allocations):" 4 300 200 1

# 1b. The same comparison on a SymPy product (Python frames on top)
sympy_one() {
    case $1 in
    plain) PYTHONMALLOC=malloc "$PY" "$ROOT/bench/sympy_mul.py" call 60 ;;
    tracker) PYTHONMALLOC=malloc LD_PRELOAD=$SO "$PY" "$ROOT/bench/sympy_mul.py" call 60 ;;
    heaptrack) PYTHONMALLOC=malloc heaptrack -o "$T/hs.$$" "$PY" "$ROOT/bench/sympy_mul.py" call 60; rm -f "$T"/hs.$$* ;;
    esac 2>/dev/null | sed -n 's/^call_seconds //p'
}
if "$PY" -c "import sympy" 2>/dev/null; then
    modes="plain tracker"
    [ $HAVE_HT = 1 ] && modes="$modes heaptrack"
    for m in $modes; do : >"$T/s.$m"; done
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        for m in $modes; do sympy_one "$m" >>"$T/s.$m"; done
        r=$((r + 1))
    done
    sp=$(minof <"$T/s.plain") st=$(minof <"$T/s.tracker")
    echo "SymPy Poly product (4 vars, 60 terms, 100-bit coefficients; ~350k allocations), PYTHONMALLOC=malloc:"
    printf '  %-28s %10.4f\n' "benchmark mode (plain)" "$sp" "memory mode (tracker)" "$st"
    echo "  memory mode / benchmark mode: call $(ratio "$st" "$sp")x"
    if [ $HAVE_HT = 1 ]; then
        sh_=$(minof <"$T/s.heaptrack")
        printf '  %-28s %10.4f\n' "heaptrack" "$sh_"
        echo "  memory mode / heaptrack:      call $(ratio "$st" "$sh_")x"
    fi
fi

# 2. casbench run, flint library: benchmark vs --memory-profiling
[ -x "$CB" ] && [ -x "$BUILD/harness/casbench-harness-flint" ] || { echo "(casbench or the flint harness is not built: part 2 skipped)"; exit 0; }
"$PY" - "$T" <<'EOF'
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
    "$CB" run "$T/polys.pickle" "$T/run_list.pickle" "$T/res${mode:+mem}" --libraries flint $mode \
        --repeats "$ROUNDS" --cores 1 --timeout 60 >/dev/null 2>&1
done
"$PY" - "$T" <<'EOF'
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
