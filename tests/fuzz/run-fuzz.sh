#!/bin/sh
# run-fuzz.sh — a short libFuzzer run of every built fuzz target, as part of
# the test suite (tests/run-tests.sh runs it; `make test` builds the targets
# with `make fuzz` first).
#
# Every build/fuzz/fuzz_<name> gets an equal share of FUZZ_SECONDS (default
# 20 s in total), starting from a temporary copy of tests/fuzz/corpus/<name>/
# when that directory exists, so the repository is never modified.  A target
# passes when libFuzzer finds no crash, leak, timeout or sanitizer report;
# on failure the log tail and the crashing input's path are printed.
# Prints one PASS/FAIL line per target, or SKIP when none is built.
set -u
ROOT=${CASBENCH_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FUZZ_DIR=${FUZZ_DIR:-$ROOT/build/fuzz}
BUDGET=${FUZZ_SECONDS:-20}
TESTNAME=run-fuzz.sh

targets=
for t in "$FUZZ_DIR"/fuzz_*; do
    [ -x "$t" ] && targets="$targets $t"
done
if [ -z "$targets" ]; then
    echo "SKIP: $TESTNAME: no fuzz targets in $FUZZ_DIR (run make fuzz; needs clang)"
    exit 0
fi
count=$(echo $targets | wc -w)
per=$((BUDGET / count))
[ "$per" -lt 2 ] && per=2

work=$(mktemp -d /tmp/casbench-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
for t in $targets; do
    name=$(basename "$t")
    short=${name#fuzz_}
    corpus=$work/$short/corpus
    mkdir -p "$corpus" "$work/$short/artifacts"
    [ -d "$ROOT/tests/fuzz/corpus/$short" ] && cp -R "$ROOT/tests/fuzz/corpus/$short/." "$corpus/"
    log=$work/$short/log
    "$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/$short/artifacts/" "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "PASS: $TESTNAME: $name (${runs:-?} runs in ${per}s)"
    else
        failed=1
        echo "FAIL: $TESTNAME: $name (exit $rc)"
        grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -20 | sed 's/^/    /'
        for a in "$work/$short/artifacts"/*; do
            [ -f "$a" ] || continue
            keep=/tmp/casbench-fuzz-$name-$(basename "$a")
            cp "$a" "$keep" && echo "    crashing input kept as $keep"
        done
    fi
done
exit $failed
