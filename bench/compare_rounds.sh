#!/bin/sh
# compare_rounds.sh — does `casbench compare` hold on this machine (issue
# 15, docs/measurement.md, "Figures")?  Three figures, each for two
# configurations measured in the same run of this script:
#
#   before   a single round: casbench run --rounds 1 (3 repeats of one
#            child per call; compare's samples are those repeats)
#   after    the defaults (3 rounds x 3 repeats: per call one value per
#            round, its fastest repeat), or the options in $AFTER (e.g.
#            AFTER="--rounds 5", or AFTER="--repeats 1" for the defaults
#            before 3 repeats per round)
#
# A/A: the same plan — the default suite's calls (a few dozen, of sizes
# from nanoseconds to tens of milliseconds) on flint and one SymPy variant
# (sympy-dmp in one Python environment) — run twice, A then B, and
# compared with the default threshold; PAIRS times (default 20).  Goal:
# compare exits 0 (no call `slower`) in at least 19 of 20 pairs.  Printed:
# the pairs that exit 0, and the calls judged slower or faster over all
# pairs.
#
# Sensitivity: the selftest library's busy function (CPU-bound spins of 0.1,
# 1, 5 and 20 ms, each within about a microsecond of its length) run in A
# as it is and in B 15 % longer
# (CASBENCH_SELFTEST_SCALE=1.15: the same calls, so compare pairs them);
# PAIRS pairs.  Goal: every call reported `slower` in at least 19 of 20
# pairs.  Printed: the pairs where every call is `slower`, and the calls
# `slower` over all pairs.
#
# Stability: from the first 5 A runs of the A/A part, per run the geometric
# mean over the calls both libraries finished of flint's median / SymPy's
# median (the ratio a comparison of the two would quote).  Goal: max / min
# over the 5 runs <= 1.05.
#
# Each figure is printed with the load average before and after it: the
# machine must be quiet (no other work) for figures to quote; on a loaded
# one they say what load does, not what casbench does.
# Usage: sh bench/compare_rounds.sh [PAIRS]   (CASBENCH_BUILD=dir, AFTER=opts, CONFIGS=after,
#        CASBENCH_VENV=a Python environment for sympy-dmp, KEEP=1 keeps the runs)
. "$(dirname "$0")/lib.sh"
need_built compare_rounds "$CB"
PAIRS=${1:-20}
AFTER=${AFTER:-}
# CONFIGS="after": only the defaults (the before figures take as long again)
CONFIGS=${CONFIGS:-before after}
export CONFIGS
VENV=${CASBENCH_VENV:-$(pinned_venv 3.12 3.11 3.13)}
[ -n "$VENV" ] || VENV=python3
workdir cbcompare


# suite DIR OPTS...: the default suite's calls on flint and sympy-dmp
suite() {
    d=$1; shift
    mkdir -p "$d"
    # shellcheck disable=SC2068
    (cd "$d" && "$CB" run --libraries flint sympy-dmp --venvs "$VENV" $@ >/dev/null 2>"$d.err") ||
        { echo "compare_rounds: casbench run $* failed:" >&2; tail -5 "$d.err" >&2; exit 1; }
    ls -d "$d"/casbench-results/results_* >"$d.dir"
}

# busy DIR SCALE OPTS...: the selftest busy calls
busy() {
    d=$1 scale=$2; shift 2
    mkdir -p "$d"
    # shellcheck disable=SC2068
    CASBENCH_SELFTEST_SCALE=$scale "$CB" run "$T/busy/polys.pickle" "$T/busy/run_list.pickle" "$d" \
        --libraries selftest $@ >/dev/null 2>"$d.err" ||
        { echo "compare_rounds: selftest run failed:" >&2; tail -5 "$d.err" >&2; exit 1; }
    ls -d "$d"/results_* >"$d.dir"
}

# cmp A B OUT: compare's JSON and exit status
cmp_runs() {
    set +e
    "$CB" compare "$(cat "$1.dir")" "$(cat "$2.dir")" --format json >"$3.json" 2>"$3.err"
    echo $? >"$3.rc"
    set -e
}

mkdir -p "$T/busy"
python3 - "$T/busy" <<'EOF'
import pickle, sys
polys = {"us:%d" % us: (["x"], [{(1,): 1}]) for us in (100, 1000, 5000, 20000)}
for name, value in (("polys", polys), ("run_list", {"selftest_busy": [(k,) for k in polys]})):
    with open("%s/%s.pickle" % (sys.argv[1], name), "wb") as f:
        pickle.dump(value, f, protocol=4)
EOF

for cfg in $CONFIGS; do
    if [ "$cfg" = before ]; then opts="--rounds 1"; else opts=$AFTER; fi
    echo "$cfg: options '${opts}'; sympy-dmp in $VENV" >&2
    echo "aa-load-start $(load_average)" >"$T/$cfg.load"
    start=$(date +%s)
    i=1
    while [ "$i" -le "$PAIRS" ]; do
        # shellcheck disable=SC2086
        suite "$T/$cfg/a$i" $opts
        # shellcheck disable=SC2086
        suite "$T/$cfg/b$i" $opts
        cmp_runs "$T/$cfg/a$i" "$T/$cfg/b$i" "$T/$cfg/aa$i"
        echo "  A/A pair $i: compare exit $(cat "$T/$cfg/aa$i.rc")" >&2
        i=$((i + 1))
    done
    echo "aa-seconds-per-run $(( ($(date +%s) - start) / (2 * PAIRS) ))" >>"$T/$cfg.load"
    echo "aa-load-end $(load_average)" >>"$T/$cfg.load"
    echo "sens-load-start $(load_average)" >>"$T/$cfg.load"
    i=1
    while [ "$i" -le "$PAIRS" ]; do
        # shellcheck disable=SC2086
        busy "$T/$cfg/sa$i" 1 $opts
        # shellcheck disable=SC2086
        busy "$T/$cfg/sb$i" 1.15 $opts
        cmp_runs "$T/$cfg/sa$i" "$T/$cfg/sb$i" "$T/$cfg/sens$i"
        echo "  sensitivity pair $i: compare exit $(cat "$T/$cfg/sens$i.rc")" >&2
        i=$((i + 1))
    done
    echo "sens-load-end $(load_average)" >>"$T/$cfg.load"
done

python3 - "$T" "$PAIRS" "$CB" <<'EOF'
import json, math, os, subprocess, sys

tmp, pairs, cb = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def loads(cfg):
    out = {}
    for line in open(os.path.join(tmp, cfg + ".load")):
        k, v = line.split(" ", 1)
        out[k] = v.strip()
    return out


def compared(cfg, name, i):
    rc = int(open(os.path.join(tmp, cfg, "%s%d.rc" % (name, i))).read())
    rep = json.load(open(os.path.join(tmp, cfg, "%s%d.json" % (name, i))))
    return rc, rep


def medians(cfg, i):
    d = open(os.path.join(tmp, cfg, "a%d.dir" % i)).read().strip()
    rep = json.loads(subprocess.run([cb, "report", d, "--format", "json"], capture_output=True,
                                    text=True, check=True).stdout)
    out = {}
    for f in rep["functions"]:
        for c in f["calls"]:
            for label, x in c["results"].items():
                if x.get("median"):
                    out[(f["function"], tuple(c["args"]), label)] = x["median"]
    return out


print("compare_rounds: %d pairs per figure; threshold: compare's default" % pairs)
for cfg in os.environ.get("CONFIGS", "before after").split():
    ld = loads(cfg)
    aa = [compared(cfg, "aa", i) for i in range(1, pairs + 1)]
    exit0 = sum(rc == 0 for rc, _ in aa)
    calls = sum(len(rep["calls"]) for _, rep in aa)
    wrong = sum(rep["counts"]["slower"] + rep["counts"]["faster"] for _, rep in aa)
    kinds = {c["samples"]["kind"] for _, rep in aa for c in rep["calls"] if c.get("samples")}
    sens = [compared(cfg, "sens", i) for i in range(1, pairs + 1)]
    all_slower = sum(all(c["verdict"] == "slower" for c in rep["calls"]) for _, rep in sens)
    slower = sum(rep["counts"]["slower"] for _, rep in sens)
    scalls = sum(len(rep["calls"]) for _, rep in sens)
    ratios = []
    for i in range(1, min(5, pairs) + 1):
        m = medians(cfg, i)
        logs = [math.log(m[(f, a, "flint")] / m[(f, a, "sympy-dmp")])
                for (f, a, lab) in m if lab == "flint" and (f, a, "sympy-dmp") in m]
        ratios.append(math.exp(sum(logs) / len(logs)))
    print("%s (samples: %s; %s s per A/A run)" % (cfg, "/".join(sorted(kinds)), ld["aa-seconds-per-run"]))
    print("  A/A:         compare exits 0 in %d of %d pairs; %d of %d calls judged slower or faster"
          "   [load %s -> %s]" % (exit0, pairs, wrong, calls, ld["aa-load-start"], ld["aa-load-end"]))
    print("  sensitivity: every call slower in %d of %d pairs; %d of %d calls slower (B 15 %% longer)"
          "   [load %s -> %s]" % (all_slower, pairs, slower, scalls, ld["sens-load-start"], ld["sens-load-end"]))
    print("  stability:   flint/sympy-dmp geometric-mean ratio of medians over %d runs: %s; max/min = %.3f"
          % (len(ratios), " ".join("%.4g" % r for r in ratios), max(ratios) / min(ratios)))
EOF
