#!/bin/sh
# dataset_sharing.sh — a pickle shares references (Python's memo), so a small
# file can name one polynomial millions of times (issue 14, "Work bounded by
# the input").  Validation, `describe` and run-list checks take time
# proportional to the distinct objects, not to the expanded tree; a run list
# whose systems a harness would have to parse far beyond the file's size is
# refused before anything starts (one line, exit 2, no results directory),
# while honest sharing still runs; and errors inside a shared polynomial still
# name the system that meets it first.
#
# The commands run under a CPU-time limit (ulimit -t) far above what they
# need (well under a second): it stops a build that expands the tree (hours)
# instead of hanging the suite.  It is a guard, not a speed measurement.
. "$(dirname "$0")/../lib/testlib.sh"

python3 - "$T" <<'PY'
import pickle, random, sys, time
t = sys.argv[1]
rng = random.Random(14)
P = {(i, j): rng.randrange(1, 1000) for i in range(100) for j in range(50)}   # 5000 terms
polys = [P] * 10000
gens = ["x", "y"]
shared = {"s%d" % s: (gens, polys) for s in range(10000)}   # 5·10^11 terms expanded
data = pickle.dumps(shared, 4)
open(t + "/shared.pickle", "wb").write(data)
start = time.process_time()
pickle.loads(data)
print("shared.pickle: %d bytes, Python's pickle.loads %.3f s" % (len(data), time.process_time() - start))
pickle.dump({"add": [("s0", "s1")], "leading_coefficient": [("s2",)]}, open(t + "/rl.pickle", "wb"))

# honest sharing: one polynomial object used in two systems (factor < 2)
Q = {(1, 0): 3, (0, 2): -5, (1, 1): 7}
R = {(2, 1): 1, (0, 0): -2}
pickle.dump({"a": (gens, [Q, R]), "b": (gens, [R, Q])}, open(t + "/honest.pickle", "wb"))
pickle.dump({"add": [("a", "b")], "mult": [("a", "a")]}, open(t + "/honest-rl.pickle", "wb"))

# a shared polynomial met by a system with fewer generators: refused, naming it
pickle.dump({"two": (["x", "y"], [Q]), "one": (["x"], [{(4,): 1}, Q])}, open(t + "/mismatch.pickle", "wb"))

# one long key shared by 200,000 run-list entries; 100,000 generators
key = "k" * 100000
pickle.dump({key: (["x"], [{(1,): 1}])}, open(t + "/longkey.pickle", "wb"))
entry = (key,)
pickle.dump({"leading_coefficient": [entry] * 200000}, open(t + "/longkey-rl.pickle", "wb"))
many = ["g%d" % i for i in range(500000)]
pickle.dump({"wide": (many, [{tuple([1] * 500000): 5}])}, open(t + "/wide.pickle", "wb"))
PY

bounded() { (ulimit -t 20; "$@"); }

expect_exit 0 "describe of a 200 KB pickle sharing one polynomial 10^8 times" bounded "$CB" describe "$T/shared.pickle"
sed -n 3p "$T/out" | grep -q "^s0 *2 *10000 *50000000 " && pass "describe counts the expanded terms" \
    || fail "describe row: $(sed -n 3p "$T/out")"
[ "$(grep -c '^s[0-9]' "$T/out")" -eq 10000 ] && pass "one row per system" || fail "$(grep -c '^s[0-9]' "$T/out") rows"

O=$T/results
bounded "$CB" run "$T/shared.pickle" "$T/rl.pickle" "$O" --libraries flint >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "rl.pickle: run list: its systems share polynomials" "$T/err" &&
    [ ! -e "$O" ]; then
    pass "run refuses a run list whose harness would parse 10^8 shared polynomials"
else
    fail "run on the shared dataset: exit $rc, $(head -c 300 "$T/err"), results: $(ls "$O" 2>&1 | head -1)"
fi

expect_exit 0 "honest sharing runs" bounded "$CB" run "$T/honest.pickle" "$T/honest-rl.pickle" "$O" \
    --libraries flint --repeats 1 --rounds 1
python3 - "$O" <<'PY' && pass "honest sharing: every call ok" || fail "honest sharing: not every call ok"
import glob, json, sys
recs = [json.loads(l) for f in glob.glob(sys.argv[1] + "/results_*/calls.jsonl") for l in open(f)]
sys.exit(0 if len(recs) == 2 and all(r["status"] == "ok" for r in recs) else 1)
PY

expect_exit 2 "a shared polynomial with the wrong number of generators is refused" "$CB" describe "$T/mismatch.pickle"
grep -q "system 'one': polynomial 1: exponent (.*) has 2 entries for 1 generators" "$T/err" \
    && pass "the refusal names the system and polynomial" || fail "refusal: $(cat "$T/err")"

# validation of 200,000 entries sharing a 100 KB key: look-ups, not 20 GB of reprs
rm -rf "$O"
bounded "$CB" run "$T/longkey.pickle" "$T/longkey-rl.pickle" "$O" --libraries flint --run-list-filter add \
    >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "the run list has no 'add' entries" "$T/err" \
    && pass "a run list sharing one long key validates" || fail "long key: exit $rc: $(head -c 300 "$T/err")"

expect_exit 0 "500,000 generators validate (no quadratic duplicate check)" bounded "$CB" describe "$T/wide.pickle"
finish
