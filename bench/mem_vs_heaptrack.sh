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
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CASBENCH_BUILD:-$ROOT/build}
SO=$BUILD/libcasbench-memtrack.so
[ -f "$SO" ] || { echo "build the tracker first (make)"; exit 2; }
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || { echo "heaptrack is not installed"; exit 2; }
PY=$(python3 -c 'import sys; print(sys.executable)')
W=$(mktemp -d /tmp/mem_vs_heaptrack.XXXXXX)
trap 'rm -rf "$W"' EXIT

cc -O2 -g -o "$W/wl" "$ROOT/bench/mem_workload.c" -I/usr/include/flint -lflint -lgmp -ldl

cat >"$W/sympy_mul.py" <<'EOF'
import os, random, sys, ctypes
mode, nterms = sys.argv[1], int(sys.argv[2])
lib = ctypes.CDLL(None)
begin = getattr(lib, "casbench_mem_begin", None)
from sympy import Poly, ZZ, symbols
gens = symbols("x0:4")
rng = random.Random(1)
def rand_poly():
    return Poly.from_dict({tuple(rng.randrange(7) for _ in gens): rng.randrange(-2**100, 2**100)
                           for _ in range(nterms)}, *gens, domain=ZZ)
p, q = rand_poly(), rand_poly()
if mode == "call":
    if begin:
        begin()
    r = p * q
    if begin:
        lib.casbench_mem_end()
        lib.casbench_mem_report_json.restype = ctypes.c_char_p
        sys.stdout.write("report " + lib.casbench_mem_report_json().decode() + "\n")
        sys.stdout.flush()
os._exit(0)
EOF

# heaptrack_sum DATA COST [FILTER]: the sum of heaptrack's flamegraph costs
heaptrack_sum() {
    heaptrack_print -f "$1" --disable-builtin-suppressions -p 0 -a 0 -T 0 \
        ${3:+--filter-bt-function "$3"} -F "$W/fg.txt" --flamegraph-cost-type "$2" >/dev/null 2>&1
    awk '{s += $NF} END {printf "%d\n", s}' "$W/fg.txt"
}
# report_get FILE KEY: a number from the tracker's report line
report_get() {
    sed -n 's/^report //p' "$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}
# under_heaptrack NAME COMMAND...: run it, print the data file's path
under_heaptrack() {
    name=$1; shift
    heaptrack -o "$W/$name" "$@" >"$W/$name.out" 2>&1
    ls "$W/$name".*zst "$W/$name".*gz 2>/dev/null | head -n 1
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "-") print ""; else if (b == 0) print (a == 0 ? "equal" : "n/a"); else printf "%+.2f%%\n", 100 * (a - b) / b }'; }
row() { printf '%-34s %14s %14s %9s\n' "$1" "$2" "$3" "$(pct "$2" "$3")"; }

flint_case() { # NVARS NTERMS BITS
    args="$1 $2 $3 1"
    LD_PRELOAD=$SO "$W/wl" call $args >"$W/t.out"
    call=$(under_heaptrack ht_call "$W/wl" call $args)
    setup=$(under_heaptrack ht_setup "$W/wl" setup $args)
    h_alloc=$(heaptrack_sum "$call" allocations fmpz_mpoly_mul)
    h_temp=$(heaptrack_sum "$call" temporary fmpz_mpoly_mul)
    h_callpeak=$(heaptrack_sum "$call" peak fmpz_mpoly_mul)
    h_peak=$(( $(heaptrack_sum "$call" peak) - $(heaptrack_sum "$setup" leaked) ))
    echo "FLINT fmpz_mpoly_mul, $1 vars, $2 terms, $3-bit coefficients:"
    row "  allocations" "$(report_get "$W/t.out" allocations)" "$h_alloc"
    row "  temporary (heaptrack's rule)" "$(report_get "$W/t.out" temporary_adjacent)" "$h_temp"
    row "  temporary (memray's rule)" "$(report_get "$W/t.out" temporary)" "-"
    row "  call's blocks live at the peak" "$(report_get "$W/t.out" call_bytes_at_peak)" "$h_callpeak"
    row "  peak above the level at begin" "$(report_get "$W/t.out" peak_bytes)" "$h_peak"
}

sympy_case() { # NTERMS
    PYTHONHASHSEED=0 PYTHONMALLOC=malloc LD_PRELOAD=$SO "$PY" "$W/sympy_mul.py" call "$1" >"$W/t.out"
    call=$(PYTHONHASHSEED=0 PYTHONMALLOC=malloc under_heaptrack hs_call "$PY" "$W/sympy_mul.py" call "$1")
    setup=$(PYTHONHASHSEED=0 PYTHONMALLOC=malloc under_heaptrack hs_setup "$PY" "$W/sympy_mul.py" setup "$1")
    h_alloc=$(( $(heaptrack_sum "$call" allocations) - $(heaptrack_sum "$setup" allocations) ))
    h_temp=$(( $(heaptrack_sum "$call" temporary) - $(heaptrack_sum "$setup" temporary) ))
    h_peak=$(( $(heaptrack_sum "$call" peak) - $(heaptrack_sum "$setup" leaked) ))
    echo "SymPy Poly product (DMP, python ground types), 4 vars, $1 terms, 100-bit coefficients:"
    row "  allocations" "$(report_get "$W/t.out" allocations)" "$h_alloc"
    row "  temporary (heaptrack's rule)" "$(report_get "$W/t.out" temporary_adjacent)" "$h_temp"
    row "  temporary (memray's rule)" "$(report_get "$W/t.out" temporary)" "-"
    row "  peak above the level at begin" "$(report_get "$W/t.out" peak_bytes)" "$h_peak"
}

printf '%-34s %14s %14s %9s\n' "" "tracker" "heaptrack" "diff"
flint_case 4 300 200
flint_case 4 2000 30
sympy_case 60
