#!/bin/sh
# mem_vs_heaptrack.sh — do casbench's allocation tracker and heaptrack agree
# on the same call?  (issue: "allocation counts and peak agree with
# heaptrack's within a few percent"; figures recorded in docs/memory.md.)
#
# FLINT: bench/mem_workload.c multiplies two random fmpz_mpoly (fixed seed).
#   tracker:   the report of the region around fmpz_mpoly_mul.
#   heaptrack: the same program under heaptrack; heaptrack_print's
#              flamegraph sums restricted to backtraces through
#              fmpz_mpoly_mul (--filter-bt-function) give the call's
#              allocations, temporaries and its blocks live at the peak
#              (= the tracker's call_bytes_at_peak); and the whole heap's
#              peak minus the live bytes of a run that stops before the
#              call ("leaked" at exit: nothing is freed) gives the peak
#              above the level at the call's start (= peak_bytes).
# SymPy: a Python script (below) multiplies two Poly; PYTHONMALLOC=malloc,
#   PYTHONHASHSEED=0.  No native function marks the call, so heaptrack's
#   figures are differences between a run with the call and one that stops
#   just before it (both end in os._exit: nothing is freed at exit).
#
# Usage: sh bench/mem_vs_heaptrack.sh   (from the repository root; builds
# what it needs into a temporary directory; prints one table).
. "$(dirname "$0")/lib.sh"
SO=$BUILD/libcasbench-memtrack.so
need_built mem_vs_heaptrack "$SO"
need_command mem_vs_heaptrack heaptrack heaptrack_print
PY=$(python3 -c 'import sys; print(sys.executable)')
workdir mem_vs_heaptrack

cc -O2 -g -o "$T/wl" "$ROOT/bench/mem_workload.c" -I/usr/include/flint -lflint -lgmp -ldl


# heaptrack_sum DATA COST [FILTER]: the sum of heaptrack's flamegraph costs
heaptrack_sum() {
    heaptrack_print -f "$1" --disable-builtin-suppressions -p 0 -a 0 -T 0 \
        ${3:+--filter-bt-function "$3"} -F "$T/fg.txt" --flamegraph-cost-type "$2" >/dev/null 2>&1
    awk '{s += $NF} END {printf "%d\n", s}' "$T/fg.txt"
}
# report_get FILE KEY: a number from the tracker's report line
report_get() {
    sed -n 's/^report //p' "$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}
# under_heaptrack NAME COMMAND...: run it, print the data file's path
under_heaptrack() {
    name=$1; shift
    heaptrack -o "$T/$name" "$@" >"$T/$name.out" 2>&1
    ls "$T/$name".*zst "$T/$name".*gz 2>/dev/null | head -n 1
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "-") print ""; else if (b == 0) print (a == 0 ? "equal" : "n/a"); else printf "%+.2f%%\n", 100 * (a - b) / b }'; }
row() { printf '%-34s %14s %14s %9s\n' "$1" "$2" "$3" "$(pct "$2" "$3")"; }

# compare_rows ALLOCATIONS TEMPORARY PEAK [CALL_PEAK]: the tracker's report
# in $T/t.out beside heaptrack's figures, one row each
compare_rows() {
    row "  allocations" "$(report_get "$T/t.out" allocations)" "$1"
    row "  temporary (heaptrack's rule)" "$(report_get "$T/t.out" temporary_adjacent)" "$2"
    row "  temporary (memray's rule)" "$(report_get "$T/t.out" temporary)" "-"
    [ -z "${4:-}" ] || row "  call's blocks live at the peak" "$(report_get "$T/t.out" call_bytes_at_peak)" "$4"
    row "  peak above the level at begin" "$(report_get "$T/t.out" peak_bytes)" "$3"
}

flint_case() { # NVARS NTERMS BITS
    args="$1 $2 $3 1"
    LD_PRELOAD=$SO "$T/wl" call $args >"$T/t.out"
    call=$(under_heaptrack ht_call "$T/wl" call $args)
    setup=$(under_heaptrack ht_setup "$T/wl" setup $args)
    h_alloc=$(heaptrack_sum "$call" allocations fmpz_mpoly_mul)
    h_temp=$(heaptrack_sum "$call" temporary fmpz_mpoly_mul)
    h_callpeak=$(heaptrack_sum "$call" peak fmpz_mpoly_mul)
    h_peak=$(( $(heaptrack_sum "$call" peak) - $(heaptrack_sum "$setup" leaked) ))
    echo "FLINT fmpz_mpoly_mul, $1 vars, $2 terms, $3-bit coefficients:"
    compare_rows "$h_alloc" "$h_temp" "$h_peak" "$h_callpeak"
}

sympy_case() { # NTERMS
    PYTHONHASHSEED=0 PYTHONMALLOC=malloc LD_PRELOAD=$SO "$PY" "$ROOT/bench/sympy_mul.py" call "$1" >"$T/t.out"
    call=$(PYTHONHASHSEED=0 PYTHONMALLOC=malloc under_heaptrack hs_call "$PY" "$ROOT/bench/sympy_mul.py" call "$1")
    setup=$(PYTHONHASHSEED=0 PYTHONMALLOC=malloc under_heaptrack hs_setup "$PY" "$ROOT/bench/sympy_mul.py" setup "$1")
    h_alloc=$(( $(heaptrack_sum "$call" allocations) - $(heaptrack_sum "$setup" allocations) ))
    h_temp=$(( $(heaptrack_sum "$call" temporary) - $(heaptrack_sum "$setup" temporary) ))
    h_peak=$(( $(heaptrack_sum "$call" peak) - $(heaptrack_sum "$setup" leaked) ))
    echo "SymPy Poly product (DMP, python ground types), 4 vars, $1 terms, 100-bit coefficients:"
    compare_rows "$h_alloc" "$h_temp" "$h_peak"
}

printf '%-34s %14s %14s %9s\n' "" "tracker" "heaptrack" "diff"
flint_case 4 300 200
flint_case 4 2000 30
sympy_case 60
