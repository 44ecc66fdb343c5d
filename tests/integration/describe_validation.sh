#!/bin/sh
# describe_validation.sh — datasets that do not validate (docs/design.md §3.1) are
# refused before anything is printed: one line naming the file, the system key
# (as Python's repr) and the polynomial index, exit 2.  Also: the original
# tool's own files load and get the per-system table, and a pickle that would
# run code is refused without running it.
. "$(dirname "$0")/../lib/testlib.sh"

python3 - "$T" <<'PYEOF'
import pickle, sys, os
t = sys.argv[1]
K = (1, 5, range(0, 10), range(1, 100))
cases = {
    "short-exponent": {"sys": (["x", "y"], [{(1, 2): 1}, {(1,): 2}])},
    "negative-exponent": {"sys": (["x"], [{(1,): 1}, {(2,): 1}, {(-1,): 2}])},
    "float-coefficient": {K: (["x0"], [{(1,): 1.5}])},
    "text-coefficient": {"sys": (["x"], [{(1,): "1.5"}])},
    "newline-coefficient": {"sys": (["x"], [{(1,): "1\n2"}])},
    "newline-generator": {"sys": (["x\ny", "x\ny"], [{(1, 0): 1}])},
    "bool-exponent": {"sys": (["x"], [{(True,): 1}])},
    "gens-not-list": {"sys": ("xy", [{(1,): 1}])},
    "gen-not-str": {"sys": ([1], [{(1,): 1}])},
    "duplicate-gens": {"sys": (["x", "x"], [{(1, 1): 1}])},
    "value-not-pair": {"sys": (["x"],)},
    "polys-not-list": {"sys": (["x"], {(1,): 1})},
    "poly-not-dict": {"sys": (["x"], [{(1,): 1}, [1, 2]])},
    "exponent-not-tuple": {"sys": (["x"], [{1: 1}])},
    "key-int": {7: (["x"], [{(1,): 1}])},
    "not-a-dict": [1, 2, 3],
    "huge-exponent": {"sys": (["x"], [{(2**64,): 1}])},
}
for name, d in cases.items():
    with open(f"{t}/{name}.pickle", "wb") as f:
        pickle.dump(d, f)
class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + t + "/pwned",))
with open(f"{t}/evil.pickle", "wb") as f:
    pickle.dump({"sys": (["x"], [{(1,): Evil()}])}, f)
PYEOF

refused() { # CASE PATTERN...
    case_=$1; shift
    expect_exit 2 "$case_ refused" "$CB" describe "$T/$case_.pickle"
    [ -s "$T/out" ] && fail "$case_: printed something: $(head -c 200 "$T/out")"
    ok=1
    [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^casbench: .*$case_.pickle" "$T/err" || ok=0
    for p in "$@"; do grep -qF -- "$p" "$T/err" || ok=0; done
    [ $ok = 1 ] && pass "$case_: message names it" || fail "$case_: message '$(cat "$T/err")' lacks $*"
}
refused short-exponent "system 'sys'" "polynomial 1" "(1,)"
refused negative-exponent "system 'sys'" "polynomial 2" "(-1,)"
refused float-coefficient "system (1, 5, range(0, 10), range(1, 100))" "polynomial 0" "float"
refused text-coefficient "system 'sys'" "polynomial 0" "'1.5'"
refused newline-coefficient "system 'sys'" "polynomial 0" "'1\\n2'"
refused newline-generator "system 'sys'" "'x\\ny' appears twice"
refused bool-exponent "system 'sys'" "polynomial 0"
refused gens-not-list "system 'sys'" "gens"
refused gen-not-str "system 'sys'" "generator 0"
refused duplicate-gens "system 'sys'" "'x' appears twice"
refused value-not-pair "system 'sys'" "(gens, polys)"
refused polys-not-list "system 'sys'" "polys"
refused poly-not-dict "system 'sys'" "polynomial 1" "list"
refused exponent-not-tuple "system 'sys'" "polynomial 0" "int"
refused key-int "system 7"
refused not-a-dict "list"
refused huge-exponent "system 'sys'" "polynomial 0"
refused evil "os" "system"
[ ! -e "$T/pwned" ] && pass "the evil pickle ran nothing" || fail "the evil pickle ran code"
expect_exit 2 "missing file" "$CB" describe "$T/nope.pickle"
grep -q "nope.pickle" "$T/err" && pass "missing file: named" || fail "missing file: $(cat "$T/err")"
expect_exit 0 "describe --help" "$CB" describe --help

# the original tool's own dataset: string keys and string coefficients
if [ -f "$FIXTURES/original-tool/polys.pickle" ]; then
    expect_exit 0 "original-tool/polys.pickle loads" "$CB" describe "$FIXTURES/original-tool/polys.pickle"
    rows=$(grep -c . "$T/out")
    want=$(python3 -c "import pickle; print(len(pickle.load(open('$FIXTURES/original-tool/polys.pickle','rb'))))")
    # header, rule, one row per system
    [ "$rows" -eq $((want + 2)) ] && pass "one row per system ($want)" || fail "$rows lines for $want systems"
    python3 - "$FIXTURES/original-tool/polys.pickle" "$T/out" <<'PYEOF' && pass "per-system figures match Python's" || fail "per-system figures differ"
import pickle, sys
d = pickle.load(open(sys.argv[1], "rb"))
lines = open(sys.argv[2]).read().splitlines()[2:]
for (name, (gens, polys)), line in zip(d.items(), lines):
    terms = sum(len(p) for p in polys)
    deg = max((sum(e) for p in polys for e in p), default=0)
    bits = max((abs(int(c)).bit_length() for p in polys for c in p.values()), default=0)
    want = [name, str(len(gens)), str(len(polys)), str(terms), str(deg), str(bits)]
    if line.split() != want:
        print("differs:", line, want)
        sys.exit(1)
PYEOF
else
    fail "original-tool dataset: tests/fixtures/original-tool is missing"
fi
finish
