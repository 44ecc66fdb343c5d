#!/bin/sh
# describe_pandas.sh — `casbench describe` against real pandas.
#
# The original printed its table with pandas; Debian's python3-pandas (for
# /usr/bin/python3) prints the same DataFrame here and casbench must print the
# same bytes: for gen outputs of 1 to 10001 rows (truncation, index widths,
# the ".."/"..." dot row) and for crafted datasets with generated keys that
# reach the corners of pandas' formatting (unicode and escaped generator
# names, string/negative/huge coefficients, empty polynomials, more than 100
# terms or generators, long cells, negative ranges).  Skipped when pandas is
# not importable.
. "$(dirname "$0")/../lib/testlib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import pandas' 2>/dev/null; then skip "pandas is not installed for $PY (apt-get install python3-pandas)"; exit 0; fi

# datasets from gen: rows = number * systems
n=0
for spec in "1 3 1" "1 3 10" "1-12 2 1" "1-4 2 3" "2 1 1000" "1 1 10001" "5 0 2" "1-3,7-9 4 2"; do
    set -- $spec
    n=$((n + 1))
    "$CB" gen "$T/g$n" --generators "$1" --terms "$2" --number "$3" --exponents 0-100 \
        --coefficients "-(2**70)-2**70" --seed $n >/dev/null || fail "gen $spec"
done

# crafted datasets with generated keys
$PY - "$T" <<'PYEOF'
import pickle, sys, random
t = sys.argv[1]
rng = random.Random(5)
def key(g, terms, er=range(0, 10), cr=range(1, 100)):
    return (g, terms, er, cr)
sets = {
    "unicode": {key(2, 3): (["α", "变量"], [{(1, 2): 3}, {(0, 0): "-17"}]),
                key(1, 1, range(-5, 5, 3), range(10, -10, -2)): (["x\ty"], [{(4,): -5}])},
    "escapes": {key(1, 2): (["a\nb\rc"], [{(1,): 1}] * 3)},
    "wide": {key(150, 1): ([f"v{i}" for i in range(150)], [{tuple(range(150)): 2**200}]),
             key(2, 200): (["x", "y"], [{(i, i + 1): -i for i in range(200)}, {}])},
    "short": {key(0, 1): ([], [{(): 7}, {(): -8}, {}])},
    "many": {key(g, 1, range(0, 10**g), range(-(2**g), 2**g)): ([f"x{i}" for i in range(g)],
             [{tuple(rng.randrange(10) for _ in range(g)): rng.randrange(-10**g, 10**g)} for _ in range(3)])
             for g in range(1, 9)},
    "bigkeys": {key(3, 10**6, range(0, 2**64), range(-(2**100), 2**100, 3)): (["x", "y", "z"], [{(1, 2, 3): 4}] * 12)},
}
for name, d in sets.items():
    with open(f"{t}/{name}.pickle", "wb") as f:
        pickle.dump(d, f)
PYEOF

# one pandas process renders every dataset to FILE.want
cat >"$T/pd.py" <<'PYEOF'
import pickle, sys
import pandas as pd
for path in sys.argv[1:]:
    d = pickle.load(open(path, "rb"))
    rows = [(k[0], k[1], (k[2].start, k[2].stop, k[2].step), (k[3].start, k[3].stop, k[3].step), gens, p)
            for k, (gens, polys) in d.items() for p in polys]
    df = pd.DataFrame(rows, columns=["generators", "terms", "exp_range", "coeff_range", "gens", "poly"])
    with open(path + ".want", "w") as f:
        print(df.to_string(max_rows=10, max_colwidth=20), file=f)
PYEOF
$PY "$T/pd.py" "$T"/g*/polys.pickle "$T"/*.pickle 2>"$T/pd.err" || fail "pandas failed: $(tail -1 "$T/pd.err")"

for f in "$T"/g*/polys.pickle "$T"/*.pickle; do
    name=$(basename "$(dirname "$f")")/$(basename "$f")
    "$CB" describe "$f" >"$T/got.txt" 2>"$T/cb.err" || { fail "$name: describe failed: $(cat "$T/cb.err")"; continue; }
    if cmp -s "$T/got.txt" "$f.want"; then pass "$name ($(wc -l <"$f.want") lines)"
    else fail "$name: $(diff "$T/got.txt" "$f.want" | head -6 | tr '\n' '|')"; fi
done
finish
