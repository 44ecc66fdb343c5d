#!/bin/sh
# run-tests.sh — runs every test of casbench and prints one summary line.
#
# A test is a C unit-test binary (build/tests/test_*), or a script in
# tests/integration/ (*.sh run with sh, *.py with python3).  A test reports
# cases as lines "PASS: name", "FAIL: name" or "SKIP: name"; one that prints
# none counts as one case by its exit status (0 pass, 77 skip, else fail).
# The unit and integration tests run twice: on the normal build and on the
# ASan+UBSan build (build/asan), when it exists.
#
# Options: --unit (C unit tests only), --no-asan, --only PATTERN.
# The last line is "N passed, N failed, N skipped" (what CI reads).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
unit_only=0 asan=1 only=
while [ $# -gt 0 ]; do
    case "$1" in
    --unit) unit_only=1 ;;
    --no-asan) asan=0 ;;
    --only) shift; only=$1 ;;
    *) echo "usage: $0 [--unit] [--no-asan] [--only PATTERN]" >&2; exit 2 ;;
    esac
    shift
done
passed=0 failed=0 skipped=0 failures=
logdir=$(mktemp -d /tmp/casbench-tests.XXXXXX)

run_one() { # build label command...
    build=$1 label=$2; shift 2
    case "$label" in *"$only"*) ;; *) return ;; esac
    log="$logdir/$(echo "$label" | tr '/ ' '__').log"
    start=$(date +%s)
    CASBENCH_BUILD="$ROOT/$build" CASBENCH_ROOT="$ROOT" \
        CASBENCH_SANITIZED=$([ "$build" = build ] && echo 0 || echo 1) \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
        "$@" >"$log" 2>&1 </dev/null
    rc=$?
    secs=$(( $(date +%s) - start ))
    p=$(grep -c '^PASS: ' "$log") f=$(grep -c '^FAIL: ' "$log") s=$(grep -c '^SKIP: ' "$log")
    if [ $((p + f + s)) -eq 0 ]; then
        case $rc in 0) p=1 ;; 77) s=1 ;; *) f=1 ;; esac
    elif [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ "$f" -eq 0 ]; then
        f=1   # crashed after reporting passes
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    status=ok; [ "$f" -gt 0 ] && status=FAILED
    [ "$f" -eq 0 ] && [ "$p" -eq 0 ] && status=skipped
    printf '%-8s %-50s %3ds  (%d passed, %d failed, %d skipped)\n' "$status" "$label" "$secs" "$p" "$f" "$s"
    if [ "$f" -gt 0 ]; then
        failures="$failures $label"
        sed 's/^/    | /' "$log" | grep -v '^    | PASS: ' | tail -40
    fi
}

run_suite() { # build
    build=$1 tag=$2
    for src in tests/unit/test_*.c; do   # the sources decide: a stale binary is not a test
        t="$build/tests/$(basename "$src" .c)"
        if [ -x "$t" ]; then
            run_one "$build" "${tag}unit/$(basename "$t")" "$t"
        else
            echo "FAILED   ${tag}unit/$(basename "$t"): not built in $build"
            failed=$((failed + 1)) failures="$failures ${tag}unit/$(basename "$t")"
        fi
    done
    [ $unit_only = 1 ] && return
    for t in tests/integration/*.sh tests/integration/*.py; do
        [ -f "$t" ] || continue
        case "$t" in
        *.sh) run_one "$build" "${tag}${t#tests/}" sh "$t" ;;
        *.py) run_one "$build" "${tag}${t#tests/}" python3 "$t" ;;
        esac
    done
}

run_suite build ""
if [ $asan = 1 ] && [ build/asan/casbench -ot build/casbench ]; then
    echo "warning: build/asan is older than build/: its results are of older code (make test rebuilds both)" >&2
fi
if [ $asan = 1 ] && [ -x build/asan/casbench ]; then
    run_suite build/asan "asan/"
fi
if [ $unit_only = 0 ]; then
    for t in tests/fuzz/run-*.sh; do
        [ -f "$t" ] && run_one build "${t#tests/}" sh "$t"
    done
fi
rm -rf "$logdir"
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
