#!/bin/sh
# systems_errors.sh — `casbench systems` refuses bad specs with one line and
# exit 2, writing nothing; --help lists every family.
. "$(dirname "$0")/../lib/testlib.sh"

for spec in foo-3 cyclic-0 cyclic-1 cyclic-101 katsura-0 eco-1 noon-101 cyclic-x cyclic cyclic-5-2 \
            cyclic-99999999999999999999999 cyclic--5 cyclic-+5 "cyclic-5 " CYCLIC-5; do
    "$CB" systems "$T/out" cyclic-4 "$spec" >"$T/stdout" 2>"$T/err"; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^casbench: .*'$spec'" "$T/err" \
       && [ ! -e "$T/out" ]; then
        pass "'$spec': exit 2, one line naming it, nothing written"
    else
        fail "'$spec': exit $rc, $(head -c 300 "$T/err"), out exists: $([ -e "$T/out" ] && echo yes || echo no)"
    fi
done

expect_exit 2 "a spec given twice" "$CB" systems "$T/out" cyclic-4 cyclic-04
check "the duplicate is named" grep -q "system 'cyclic-4' given twice" "$T/err"
expect_exit 2 "no spec" "$CB" systems "$T/out"
expect_exit 0 "--help" "$CB" systems --help
check "--help lists the families" sh -c "grep -q cyclic-N '$T/out' && grep -q katsura-N '$T/out' && grep -q eco-N '$T/out' && grep -q noon-N '$T/out'"
check "unknown family lists the known ones" sh -c "'$CB' systems '$T/o' foo-3 2>&1 | grep -q 'known: cyclic-N, katsura-N, eco-N, noon-N'"
expect_exit 0 "boundaries build (cyclic-2, katsura-1, eco-2, noon-2, cyclic-100)" \
    "$CB" systems "$T/ok" cyclic-2 katsura-1 eco-2 noon-2 cyclic-100
check "output files are written" test -s "$T/ok/polys.pickle" -a -s "$T/ok/run_list.pickle" -a -s "$T/ok/dataset.json"
check "no temporary file is left behind" sh -c "! ls '$T/ok' | grep -q tmp"
finish
