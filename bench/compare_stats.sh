#!/bin/sh
# compare_stats.sh — `compare`'s Hodges–Lehmann ratio and its Mann–Whitney
# interval for calls with many repeats (issue 14, "Work bounded by the
# input"): lib/report/stats.c's selection of order statistics among the pairwise
# differences (O(m + n) memory) against the quadratic reference that stores
# and sorts all m·n of them (tests/unit/test_stats.c), measured in the same
# run, each in its own process (`build/tests/test_stats bench METHOD N`).
#
# Prints, per N repeats a side, both methods' time and peak RSS and the
# ratios reference / casbench (goal: the memory ratio grows with N, the
# time ratio >= 1), and checks both gave the same interval.
# Usage: sh bench/compare_stats.sh [N...]   (default 1000 2000 4000)
. "$(dirname "$0")/lib.sh"
TOOL=$BUILD/tests/test_stats
need_built compare_stats "$TOOL"
[ $# -gt 0 ] || set -- 1000 2000 4000
printf '%8s %12s %12s %14s %14s %8s %8s\n' repeats ref_s casbench_s ref_rss_kib casbench_rss_kib time_x mem_x
for n in "$@"; do
    ref=$("$TOOL" bench reference "$n")
    new=$("$TOOL" bench fast "$n")
    set -- $ref; rt=$1 rm=$2 rci="$3 $4 $5"
    set -- $new; nt=$1 nm=$2 nci="$3 $4 $5"
    [ "$rci" = "$nci" ] || { echo "compare_stats: the methods disagree at N=$n: $rci vs $nci" >&2; exit 1; }
    awk -v n="$n" -v rt="$rt" -v nt="$nt" -v rm="$rm" -v nm="$nm" 'BEGIN {
        printf "%8d %12.4f %12.4f %14d %14d %8.1f %8.1f\n", n, rt, nt, rm, nm, rt / (nt > 1e-6 ? nt : 1e-6), rm / nm }'
done
