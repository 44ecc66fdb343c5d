#!/bin/sh
# gen_errors.sh — bad input to `casbench gen` is one line on stderr, exit 2,
# and leaves no file behind: bad ranges (docs/design.md §3.4) quoted in the message,
# out-of-range options, bad --groupby, and --append onto a dataset or run list
# that does not validate (the existing files stay as they were).
. "$(dirname "$0")/../lib/testlib.sh"

one_line_error() { # NAME PATTERN: the last command's stderr is one "casbench: " line matching PATTERN
    if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^casbench: ' "$T/err" && grep -qF -- "$2" "$T/err"; then
        pass "$1: message"
    else
        fail "$1: message '$(cat "$T/err")' (want one line with $2)"
    fi
}

bad() { # NAME PATTERN ARGS... : gen into a fresh dir must fail and write nothing
    name=$1 pattern=$2; shift 2
    rm -rf "$T/dest"
    expect_exit 2 "$name" "$CB" gen "$T/dest" "$@"
    one_line_error "$name" "$pattern"
    if [ -e "$T/dest" ]; then fail "$name: left files: $(ls "$T/dest")"; fi
}

bad "range '5-'" "'5-'" --generators 5-
bad "zero step" "'1-10:0'" --coefficients 1-10:0
bad "names" "'a-b'" --terms a-b
bad "no eval" "__import__" --exponents "__import__('os')"
bad "huge exponent" "2**2**100" --coefficients "2**2**100"
bad "empty range" "'5-5'" --terms 5-5
bad "empty part" "'1,'" --generators "1,"
bad "negative exponents" "--exponents" --exponents "-5-5"
bad "exponents past 2**63" "--exponents" --exponents "0-2**63+1"
bad "too many generators" "--generators" --generators 20000
bad "negative terms" "--terms" --terms "-3"
bad "too many systems" "systems" --generators 1-2000 --terms 1-1000 --number 1
bad "too many numbers" "random numbers" --generators 1000 --terms 1000000 --number 10
bad "negative --number" "--number" --number -1
bad "--number not a number" "--number" --number ten
bad "--seed not a number" "--seed" --seed abc
bad "--groupby unknown key" "'colour'" --groupby colour
bad "--groupby unknown second key" "--groupby takes" --groupby gens colour
bad "--groupby nothing" "--groupby" --groupby
bad "unknown option" "--bogus" --bogus
bad "missing value" "--terms needs a value" --terms
expect_exit 2 "no OUTPUT_DIR" "$CB" gen
one_line_error "no OUTPUT_DIR" "OUTPUT_DIR"
expect_exit 2 "two OUTPUT_DIRs" "$CB" gen "$T/a" "$T/b" --seed 1
one_line_error "two OUTPUT_DIRs" "'$T/b'"
[ ! -e "$T/a" ] && [ ! -e "$T/b" ] && pass "two OUTPUT_DIRs: nothing written" || fail "two OUTPUT_DIRs: wrote files"
: >"$T/afile"
expect_exit 2 "OUTPUT_DIR is a file" "$CB" gen "$T/afile" --seed 1
one_line_error "OUTPUT_DIR is a file" "afile"
[ ! -s "$T/afile" ] && pass "OUTPUT_DIR is a file: left alone" || fail "OUTPUT_DIR is a file: changed"
expect_exit 0 "gen --help" "$CB" gen --help
grep -q "usage: casbench gen" "$T/out" && pass "gen --help prints usage" || fail "gen --help prints usage"

# an existing dataset is left alone by a failing gen, fresh or --append
D=$T/data
"$CB" gen "$D" --generators 1-3 --terms 4 --seed 1 >/dev/null || fail "gen"
sums() { (cd "$D" && cat polys.pickle run_list.pickle dataset.json | cksum); }
before=$(sums)
expect_exit 2 "bad options over an existing dataset" "$CB" gen "$D" --coefficients 1-10:0
expect_exit 2 "bad options with --append" "$CB" gen "$D" --coefficients "x" --append
[ "$(sums)" = "$before" ] && pass "existing files unchanged" || fail "existing files changed"
[ "$(ls "$D" | wc -l)" -eq 3 ] && pass "no temporary files left" || fail "files in $D: $(ls "$D")"

# --append validates what it merges into
python3 - "$T" <<'PYEOF'
import pickle, sys, os
t = sys.argv[1]
def write(name, polys, rl):
    os.makedirs(f"{t}/{name}")
    with open(f"{t}/{name}/polys.pickle", "wb") as f:
        pickle.dump(polys, f)
    if rl is not None:
        with open(f"{t}/{name}/run_list.pickle", "wb") as f:
            pickle.dump(rl, f)
ok = {"a": (["x"], [{(1,): 1}]), "b": (["x"], [{(2,): "-3"}])}
write("badpoly", {"a": (["x", "y"], [{(1, 2): 1}, {(1,): 2}])}, None)
write("unknownfn", ok, {"frobnicate": [("a",)]})
write("arity", ok, {"factor": [("a", "b")]})
write("missingkey", ok, {"add": [("a", "zzz")]})
with open(f"{t}/garbage.pickle", "wb") as f:
    f.write(b"\x80\x04garbage")
os.makedirs(f"{t}/garbage")
os.rename(f"{t}/garbage.pickle", f"{t}/garbage/polys.pickle")
PYEOF
append_bad() { # DIR NAME PATTERN
    before=$(cat "$T/$1"/* | cksum)
    expect_exit 2 "$2" "$CB" gen "$T/$1" --append --seed 3
    one_line_error "$2" "$3"
    [ "$(cat "$T/$1"/* | cksum)" = "$before" ] && [ ! -e "$T/$1/dataset.json" ] &&
        pass "$2: dataset untouched" || fail "$2: dataset changed"
}
append_bad badpoly "--append onto an invalid dataset" "polynomial 1"
append_bad unknownfn "--append onto a run list with an unknown function" "frobnicate"
append_bad arity "--append onto a run list with a wrong arity" "'factor', entry 0"
append_bad missingkey "--append onto a run list naming a missing system" "'zzz'"
append_bad garbage "--append onto a garbage pickle" "polys.pickle"
finish
