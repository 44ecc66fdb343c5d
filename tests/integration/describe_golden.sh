#!/bin/sh
# describe_golden.sh — `casbench describe` prints the original tool's two
# documented tables byte for byte, from the commands listed in
# tests/fixtures/describe/README.md (gen with seeds 1234, 12, 34, 45, 67,
# three of them with --append).
. "$(dirname "$0")/../lib/testlib.sh"
need_fixtures
G=$FIXTURES/describe

"$CB" gen "$T/one" --generators 1 --terms 5 --coefficients 1-100 --exponents 0-10 --seed 1234 >/dev/null
"$CB" describe "$T/one/polys.pickle" >"$T/one.txt" 2>"$T/one.err"
if cmp -s "$T/one.txt" "$G/seed-example-1.txt"; then pass "seed-example-1.txt"
else fail "seed-example-1.txt: $(diff "$T/one.txt" "$G/seed-example-1.txt" | head -5) $(cat "$T/one.err")"; fi

D=$T/two
"$CB" gen "$D" --generators "1-5, 6-13:2" --terms 10 --coefficients 1-1000 --exponents 0-1000 --number 1 --seed 12 >/dev/null &&
"$CB" gen "$D" --generators "1-5, 6-13:2" --terms 10 --coefficients "2**65-2**66" --exponents 0-1000 --number 1 --seed 34 --append >/dev/null &&
"$CB" gen "$D" --generators 5 --terms "4-33:4" --coefficients 1-1000 --exponents 0-1000 --number 1 --seed 45 --append >/dev/null &&
"$CB" gen "$D" --generators 5 --terms "4-33:4" --coefficients "2**65-2**66" --exponents 0-1000 --number 1 --seed 67 --append >/dev/null
"$CB" describe "$D/polys.pickle" >"$T/two.txt" 2>"$T/two.err"
if cmp -s "$T/two.txt" "$G/seed-example-2.txt"; then pass "seed-example-2.txt"
else fail "seed-example-2.txt: $(diff "$T/two.txt" "$G/seed-example-2.txt" | head -5) $(cat "$T/two.err")"; fi

# a directory names its polys.pickle
"$CB" describe "$D" >"$T/dir.txt" 2>&1
check "describe DIR reads DIR/polys.pickle" cmp -s "$T/dir.txt" "$G/seed-example-2.txt"
finish
