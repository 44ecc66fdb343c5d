# run_validation.sh — `casbench run` validates everything before anything
# runs: a bad dataset or run list, an unknown library or function, a missing
# venv or a path that is not a Python, bad numbers — each is one line
# "casbench: ...", exit status 2, and no results directory is created.
. "$(dirname "$0")/../lib/testlib.sh"

python3 - "$T" <<'PY'
import pickle, sys
t = sys.argv[1]
good = {"0": (["x"], [{(1,): 1}])}
pickle.dump(good, open(t + "/polys.pickle", "wb"))
pickle.dump({"selftest_noop": [("0",)]}, open(t + "/rl.pickle", "wb"))
pickle.dump({"0": (["x"], [{(1, 2): 1}])}, open(t + "/badpolys.pickle", "wb"))
pickle.dump({"selftest_noop": [("nope",)]}, open(t + "/badrl.pickle", "wb"))
pickle.dump({"add": [("0",)]}, open(t + "/arity.pickle", "wb"))
pickle.dump({"gro\nbner": [("0",)]}, open(t + "/newline-fn.pickle", "wb"))
PY
P=$T/polys.pickle R=$T/rl.pickle O=$T/results

# one line, exit 2, nothing written
bad() { # NAME ARGS...
    name=$1; shift
    "$CB" run "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
    lines=$(wc -l <"$T/err.txt")
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q '^casbench: ' "$T/err.txt" && [ ! -e "$O" ]; then
        pass "$name"
    else
        fail "$name (exit $rc, $lines lines, out exists: $([ -e "$O" ] && echo yes || echo no)): $(head -c 300 "$T/err.txt")"
    fi
    rm -rf "$O"
}

bad "dataset with a wrong exponent tuple" "$T/badpolys.pickle" "$R" "$O" --libraries selftest
bad "missing dataset file" "$T/nope.pickle" "$R" "$O" --libraries selftest
bad "run list naming a missing system" "$P" "$T/badrl.pickle" "$O" --libraries selftest
bad "run list with the wrong arity" "$P" "$T/arity.pickle" "$O" --libraries selftest
bad "a function name with a newline (still one line)" "$P" "$T/newline-fn.pickle" "$O" --libraries selftest
bad "unknown library" "$P" "$R" "$O" --libraries selftest nosuchlib
bad "missing venv path" "$P" "$R" "$O" --libraries sympy-dmp --venvs "$T/novenv"
bad "a directory that is not a venv" "$P" "$R" "$O" --libraries sympy-dmp --venvs "$T"
bad "an executable that is not a Python" "$P" "$R" "$O" --libraries sympy-dmp --venvs /bin/true
bad "a venv name not on PATH" "$P" "$R" "$O" --libraries sympy-dmp --venvs no-such-python-xyz
bad "bad --gc" "$P" "$R" "$O" --libraries selftest --gc maybe
bad "--gc twice the same" "$P" "$R" "$O" --libraries selftest --gc on True
bad "bad --cores" "$P" "$R" "$O" --libraries selftest --cores 0
bad "bad --repeats" "$P" "$R" "$O" --libraries selftest --repeats x
bad "bad --timeout" "$P" "$R" "$O" --libraries selftest --timeout -1
bad "bad --order" "$P" "$R" "$O" --libraries selftest --order deglex
bad "bad --singular-ring" "$P" "$R" "$O" --libraries selftest --singular-ring QQ
bad "unknown function in --run-list-filter" "$P" "$R" "$O" --libraries selftest --run-list-filter nosuchfn
bad "function absent from the run list" "$P" "$R" "$O" --libraries selftest --run-list-filter add
bad "two positionals" "$P" "$R"
bad "unknown option" "$P" "$R" "$O" --frobnicate
bad "--resume of something that is not a results directory" "$P" "$R" "$O" --libraries selftest --resume "$T"
bad "--pin with more runners than CPUs" "$P" "$R" "$O" --libraries selftest --pin --cores 4096

expect_exit 0 "--help" "$CB" run --help
grep -q -- '--resume' "$T/out" && pass "--help lists the options" || fail "--help lists the options"

# True/False are accepted for --gc, as the original's argparse did
expect_exit 0 "--gc True False accepted" "$CB" run "$P" "$R" "$O" --libraries selftest --gc True False --repeats 1
finish
