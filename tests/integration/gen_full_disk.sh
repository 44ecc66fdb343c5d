#!/bin/sh
# gen_full_disk.sh — `gen` on a full disk leaves no half-written dataset
# (issue 14, "Outputs"): no polys.pickle without its run_list.pickle, and
# with --append the old pair stays as it was, byte for byte; one line
# "casbench: ...: No space left on device", exit 2, no temporary file left.
#
# A real full filesystem: a small tmpfs mounted in a mount namespace of the
# test's own (unshare -m as root, unshare -rm otherwise), filled with a file
# so that exactly the room for polys.pickle is left — the order casbench
# wrote in before (polys.pickle first) then filled the disk with the run
# list's write.  The same with room for the run list and dataset.json but
# not polys.pickle; and an --append whose merged polys.pickle fits but not
# the rest.
. "$(dirname "$0")/../lib/testlib.sh"

[ -x "$CB" ] || { fail "casbench is not built ($CB)"; finish; }
# sizes of what gen writes, measured on an ordinary directory.  The append
# adds ~150 systems in one group: its run list (11,000 pairs) outgrows the
# old polys.pickle, so the space freed by replacing that first (as casbench
# did) does not make room for it.
OPTS="--generators 2 --terms 1-4 --number 1 --seed 14"
APPEND_OPTS="--generators 2 --terms 4-150 --number 1 --seed 15 --groupby gens --append"
"$CB" gen "$T/ref" $OPTS >/dev/null || fail "gen on an ordinary directory"
cp -r "$T/ref" "$T/ref-appended"
"$CB" gen "$T/ref-appended" $APPEND_OPTS >/dev/null || fail "gen --append on an ordinary directory"
pages() { echo $(( ($(stat -c %s "$1") + 4095) / 4096 )); }

# run the scenario in a mount namespace where MNT is a 2 MiB tmpfs
if [ "$(id -u)" = 0 ]; then NS="unshare -m"; else NS="unshare -rm"; fi
cat >"$T/scenario.sh" <<'SH'
set -u
CB=$1 T=$2 FREE=$3 APPEND=$4 OPTS=$5 APPEND_OPTS=$6
MNT=$T/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=2m tmpfs "$MNT" || { echo "FAIL-MOUNT"; exit 0; }
mkdir "$MNT/ds"
if [ "$APPEND" = 1 ]; then
    "$CB" gen "$MNT/ds" $OPTS >/dev/null || { echo "FAIL-SETUP"; exit 0; }
    cp "$MNT/ds/polys.pickle" "$MNT/ds/run_list.pickle" "$T/"
fi
# fill: leave exactly FREE pages
total=$(df --output=avail -B4096 "$MNT" | tail -1)
dd if=/dev/zero of="$MNT/filler2" bs=4096 count=$((total - FREE)) 2>/dev/null
echo "free pages: $(df --output=avail -B4096 "$MNT" | tail -1)"
if [ "$APPEND" = 1 ]; then
    "$CB" gen "$MNT/ds" $APPEND_OPTS >"$T/out" 2>"$T/err"
else
    "$CB" gen "$MNT/ds" $OPTS >"$T/out" 2>"$T/err"
fi
echo "exit $?"
echo "files: $(ls -a "$MNT/ds" | tr '\n' ' ')"
if [ "$APPEND" = 1 ]; then
    cmp -s "$MNT/ds/polys.pickle" "$T/polys.pickle" && echo "old polys intact"
    cmp -s "$MNT/ds/run_list.pickle" "$T/run_list.pickle" && echo "old run list intact"
fi
SH

scenario() { # NAME FREE_PAGES APPEND
    name=$1
    $NS sh "$T/scenario.sh" "$CB" "$T" "$2" "$3" "$OPTS" "$APPEND_OPTS" >"$T/log" 2>&1
    grep -q FAIL-MOUNT "$T/log" && { fail "$name: cannot mount a tmpfs ($NS): $(cat "$T/log")"; return; }
    grep -q FAIL-SETUP "$T/log" && { fail "$name: setup failed: $(cat "$T/log")"; return; }
    files=$(sed -n 's/^files: //p' "$T/log")
    grep -q "^exit 2$" "$T/log" && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "No space left on device" "$T/err" \
        && pass "$name: exit 2, one line: $(cat "$T/err")" || fail "$name: $(cat "$T/log") / $(cat "$T/err")"
    case " $files " in
    *" polys.pickle "*) case " $files " in *" run_list.pickle "*) ;; *) fail "$name: polys.pickle without run_list.pickle ($files)" ;; esac ;;
    esac
    case "$files" in *.tmp.*) fail "$name: a temporary file is left ($files)" ;; *) pass "$name: no temporary file left" ;; esac
}

P=$(pages "$T/ref/polys.pickle") R=$(pages "$T/ref/run_list.pickle") J=$(pages "$T/ref/dataset.json")
PA=$(pages "$T/ref-appended/polys.pickle") RA=$(pages "$T/ref-appended/run_list.pickle")
echo "# sizes in pages: polys $P, run list $R, dataset.json $J; appended: polys $PA, run list $RA"

scenario "room for polys.pickle only" "$P" 0
case " $files " in *" polys.pickle "*|*" run_list.pickle "*) fail "room for polys.pickle only: a dataset file appeared ($files)" ;;
    *) pass "room for polys.pickle only: no dataset file" ;; esac

scenario "room for all but polys.pickle" $((R + J)) 0
case " $files " in *" polys.pickle "*|*" run_list.pickle "*) fail "room for all but polys.pickle: a dataset file appeared ($files)" ;;
    *) pass "room for all but polys.pickle: no dataset file" ;; esac

scenario "--append with room for the merged polys.pickle only" "$PA" 1
grep -q "old polys intact" "$T/log" && grep -q "old run list intact" "$T/log" \
    && pass "--append: the old pair is intact" || fail "--append: the old pair changed: $(cat "$T/log")"

# and with room enough, the same commands succeed on the tmpfs
$NS sh "$T/scenario.sh" "$CB" "$T" 400 0 "$OPTS" "$APPEND_OPTS" >"$T/log" 2>&1
grep -q "^exit 0$" "$T/log" && pass "with room, gen succeeds on the tmpfs" || fail "with room: $(cat "$T/log") $(cat "$T/err")"
finish
