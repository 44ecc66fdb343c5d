#!/bin/sh
# warmup_effect.sh — what warm-up and calibrated loops do to the default
# suite's small calls (issue 15; docs/measurement.md), as ratios measured in
# one run of this script:
#
#   old   the original's single shot: casbench run --warmup 0 --min-time 0
#   new   the defaults: one warm-up execution, loops calibrated to 10 ms
#
# Both run the built-in default suite (`casbench run` without a dataset) on
# the same libraries, ROUNDS times each, old and new alternating (old first
# in odd rounds, new first in even ones) so that a drift of the machine hits
# both alike.  Small calls: those whose median is under 1 ms per execution
# in the new runs.  Per runner (library, and environment when several), over
# its small calls and the rounds, the medians of:
#   max/min     the slowest repeat over the fastest (1.00: repeats agree)
#   med/min     the median repeat over the fastest
#   first/min   old: the first repeat (the cold one) over the fastest;
#   cold/min    new: the cold execution (cold_time) over the fastest repeat
# and each configuration's wall time for the whole suite (new / old: the cost
# of the new defaults).  A ratio is a call's own repeats against each other,
# so the machine's speed cancels out of it; the suite times do not.
# Figures quoted in docs must come from a quiet machine.
# Usage: sh bench/warmup_effect.sh [ROUNDS [LIBRARY...]]
#        (default 2 rounds, every available library; CASBENCH_BUILD=dir)
. "$(dirname "$0")/lib.sh"
need_built warmup_effect "$CB"
ROUNDS=${1:-2}
[ $# -gt 0 ] && shift
workdir cbwarmup

LIBS=""
[ $# -gt 0 ] && LIBS="--libraries $*"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for cfg in $(round_order $r new old); do
        if [ "$cfg" = old ]; then opts="--warmup 0 --min-time 0"; else opts=""; fi
        mkdir -p "$T/$cfg$r"
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        (cd "$T/$cfg$r" && "$CB" run $LIBS $opts >/dev/null 2>"$T/$cfg$r.err") ||
            { echo "warmup_effect: casbench run $LIBS $opts failed:" >&2; tail -5 "$T/$cfg$r.err" >&2; exit 1; }
        end=$(date +%s.%N)
        awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }' >"$T/$cfg$r.seconds"
        echo "  round $r: $cfg settings, the suite in $(cat "$T/$cfg$r.seconds") s" >&2
    done
    r=$((r + 1))
done

python3 - "$T" "$ROUNDS" <<'EOF'
import glob, json, os, statistics, sys

tmp, rounds = sys.argv[1], int(sys.argv[2])
med = statistics.median


def records(cfg, r):
    path = glob.glob(os.path.join(tmp, "%s%d" % (cfg, r), "casbench-results", "results_*", "calls.jsonl"))[0]
    with open(path) as f:
        return [json.loads(line) for line in f]


def key(rec):
    return (rec["runner"], rec["function"], tuple(rec["args"]))


# small calls: median under 1 ms per execution in every new round
small = None
for r in range(1, rounds + 1):
    ok = {key(x) for x in records("new", r)
          if x["status"] == "ok" and len(x["times"]) >= 2 and med(x["times"]) < 1e-3}
    small = ok if small is None else small & ok

ratios = {}          # library -> config -> name -> [ratio per call and round]
for cfg in ("old", "new"):
    for r in range(1, rounds + 1):
        for x in records(cfg, r):
            t = x["times"]
            if key(x) not in small or x["status"] != "ok" or len(t) < 2 or min(t) <= 0:
                continue
            label = x["runner"].rsplit(".", 1)[0]       # library [.envN] [.gc-on]
            d = ratios.setdefault(label, {}).setdefault(cfg, {})
            d.setdefault("max/min", []).append(max(t) / min(t))
            d.setdefault("med/min", []).append(med(t) / min(t))
            if cfg == "old":
                d.setdefault("cold", []).append(t[0] / min(t))
            elif x.get("cold_time") is not None:
                d.setdefault("cold", []).append(x["cold_time"] / min(t))


def cell(lib, cfg, name):
    v = ratios.get(lib, {}).get(cfg, {}).get(name)
    return "%9.2f" % med(v) if v else "%9s" % "-"


print("Small calls of the default suite (median < 1 ms), %d round(s); per runner, the median over calls"
      " and rounds of each ratio" % rounds)
print("%-30s %6s  %9s %9s  %9s %9s  %9s %9s" % ("runner", "calls", "max/min", "", "med/min", "",
                                                  "first/min", "cold/min"))
print("%-30s %6s  %9s %9s  %9s %9s  %9s %9s" % ("", "", "old", "new", "old", "new", "old", "new"))
for lib in sorted(ratios):
    n = len(ratios[lib].get("new", {}).get("max/min", [])) // rounds
    print("%-30s %6d  %s %s  %s %s  %s %s" % (lib, n, cell(lib, "old", "max/min"), cell(lib, "new", "max/min"),
                                              cell(lib, "old", "med/min"), cell(lib, "new", "med/min"),
                                              cell(lib, "old", "cold"), cell(lib, "new", "cold")))


def seconds(cfg):
    return [float(open(os.path.join(tmp, "%s%d.seconds" % (cfg, r))).read()) for r in range(1, rounds + 1)]


old_s, new_s = seconds("old"), seconds("new")
print("the whole suite: old %.1f s, new %.1f s (median over rounds): new / old = %.2f"
      % (med(old_s), med(new_s), med(n / o for n, o in zip(new_s, old_s))))
EOF
