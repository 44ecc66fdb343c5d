# testlib.sh — sourced by the shell integration tests.
#
# Gives: $CB (the casbench binary of the build under test), $BUILD, $ROOT,
# $FIXTURES (tests/fixtures), $T (a fresh temp dir, removed at
# exit), and pass/fail/skip/check helpers that print the lines
# tests/run-tests.sh counts.
set -u
ROOT=${CASBENCH_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${CASBENCH_BUILD:-$ROOT/build}
CB=$BUILD/casbench
FIXTURES=$ROOT/tests/fixtures
T=$(mktemp -d /tmp/cbtest.XXXXXX)
trap 'rm -rf "$T"' EXIT
TESTNAME=$(basename "$0")
_failed=0

pass() { echo "PASS: $TESTNAME: $*"; }
fail() { echo "FAIL: $TESTNAME: $*"; _failed=1; }
skip() { echo "SKIP: $TESTNAME: $*"; }
# check NAME COMMAND... : pass when the command succeeds
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# expect_exit CODE NAME COMMAND... : pass when the command exits with CODE
expect_exit() {
    code=$1 name=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    if [ $rc -eq "$code" ]; then pass "$name"; else fail "$name (exit $rc, want $code): $(head -c 300 "$T/err")"; fi
}
# need_fixtures: the fixtures are part of the tree; without them the test fails
need_fixtures() { [ -d "$FIXTURES/phc" ] || { fail "tests/fixtures is missing"; exit 1; }; }
sanitized() { [ "${CASBENCH_SANITIZED:-0}" = 1 ]; }
finish() { exit $_failed; }
