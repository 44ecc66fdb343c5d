# libraries_installed.sh — an installed casbench finds its harnesses and the
# allocation tracker relative to its own executable (docs/design.md §10):
# PREFIX/bin/casbench -> PREFIX/libexec/casbench/harness/ and
# PREFIX/libexec/casbench/libcasbench-memtrack.so, the layout `make install`
# writes; and not from the build tree once moved there.
. "$(dirname "$0")/../lib/testlib.sh"

P=$T/prefix
mkdir -p "$P/bin" "$P/libexec/casbench"
cp "$CB" "$P/bin/casbench"
cp -r "$BUILD/harness" "$P/libexec/casbench/"
[ -f "$BUILD/libcasbench-memtrack.so" ] && cp "$BUILD/libcasbench-memtrack.so" "$P/libexec/casbench/"

"$P/bin/casbench" libraries --venvs /nonexistent >"$T/out" 2>"$T/err"
check "installed: libraries runs" [ $? -eq 0 ]
check "installed: selftest harness found next to the install" \
    grep -q '^selftest .* yes ' "$T/out"

python3 -c "
import pickle
pickle.dump({'alloc:1048576,4': (['x'], [{(1,): 1}])}, open('$T/p.pickle', 'wb'))
pickle.dump({'selftest_alloc': [('alloc:1048576,4',)]}, open('$T/r.pickle', 'wb'))"
(cd "$T" && "$P/bin/casbench" run p.pickle r.pickle res --libraries selftest --repeats 1 >/dev/null 2>"$T/err")
check "installed: a run works" [ $? -eq 0 ]
check "installed: the harness ran from PREFIX/libexec" \
    grep -q "$P/libexec/casbench/harness/casbench-harness-selftest" "$T"/res/results_*/run.json
if sanitized; then
    skip "memory profiling: an ASan harness cannot take the tracker as LD_PRELOAD (ASan must come first)"
elif [ -f "$BUILD/libcasbench-memtrack.so" ]; then
    (cd "$T" && "$P/bin/casbench" run p.pickle r.pickle mem --libraries selftest --memory-profiling \
        --repeats 1 >/dev/null 2>"$T/err")
    check "installed: memory profiling finds the tracker" \
        python3 -c "
import json, glob, sys
r = [json.loads(l) for l in open(glob.glob('$T/mem/results_*/calls.jsonl')[0])]
sys.exit(0 if len(r) == 1 and r[0]['status'] == 'ok' and r[0].get('mem') else 1)"
else
    skip "the tracker is not built"
fi

# moved away from any harness directory: a clear error, exit 2
mkdir -p "$T/lonely/bin"
cp "$CB" "$T/lonely/bin/casbench"
"$T/lonely/bin/casbench" libraries >"$T/out" 2>"$T/err"; rc=$?
check "no harness directory: exit 2 with a message naming where it looked" \
    sh -c "[ $rc -eq 2 ] && grep -q 'libexec/casbench/harness' '$T/err'"
finish
