#!/bin/sh
# slurm_backend.sh — `casbench run --executor slurm` on a real single-node
# Slurm cluster started on this machine (tools/slurm-test-cluster.sh:
# Debian's slurm-wlm and munge, slurmctld + slurmd on localhost, stopped at
# exit whatever happens).  `make test-slurm` runs it alone.
#   - a sweep of selftest + flint through Slurm, sharded, in 2 rounds
#     (each round of a runner a task, or shards, of its own), gives the same
#     calls and rounds with the same statuses as a local run of the same
#     plan, each record with the host and node it ran on; results.pickle
#     has the same keys;
#   - --no-wait returns at once, a task cancelled mid-run (scancel) keeps
#     its finished calls, `collect` says what is missing (exit 1), and
#     `run --resume` submits only the calls without a record and completes
#     the run, the old records untouched;
#   - bad uses are one line and exit 2.
# Skipped (not failed) when Slurm is not installed or cannot start here.
. "$(dirname "$0")/../lib/testlib.sh"

command -v python3 >/dev/null || { skip "python3 is needed to write the dataset"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then skip "the test cluster's daemons run as root"; exit 0; fi
for p in slurmctld slurmd munged sbatch; do
    command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || {
        skip "Slurm is not installed ($p missing; apt-get install slurm-wlm munge)"; exit 0; }
done
[ -x "$BUILD/harness/casbench-harness-selftest" ] || { skip "the selftest harness is not built"; exit 0; }

CLUSTER=$T/cluster
cleanup() {
    sh "$ROOT/tools/slurm-test-cluster.sh" stop "$CLUSTER" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

export SLURM_TEST_PORT=$((20000 + ($$ % 2000) * 2))
if ! start=$(sh "$ROOT/tools/slurm-test-cluster.sh" start "$CLUSTER" 2>"$T/start.err"); then
    skip "Slurm cannot start here: $(head -c 300 "$T/start.err")"
    exit 0
fi
eval "$start"
pass "a single-node cluster starts (slurmctld, slurmd, munged)"

# The dataset: selftest calls of known behaviour (ok, error) and FLINT
# arithmetic on small real polynomials.
python3 - "$T" <<'EOF'
import pickle, sys
t = sys.argv[1]
polys = {"us%d:%d" % (i, 60000): (["x", "y"], [{(1, 0): 3 + i, (0, 1): -2}, {(2, 1): 5, (0, 0): i + 1}])
         for i in range(6)}
keys = list(polys)
run_list = {"selftest_sleep": [(k,) for k in keys],
            "selftest_error": [(k,) for k in keys[:2]],
            "mult": [(a, b) for a in keys[:3] for b in keys[:3]],
            "gcd": [(a, b) for a in keys[:2] for b in keys[2:4]]}
pickle.dump(polys, open(t + "/polys.pickle", "wb"))
pickle.dump(run_list, open(t + "/run_list.pickle", "wb"))
# a slow run list for the cancel: 8 calls of 0.6 s in one task
slow = {"us%d:%d" % (i, 600000): (["x"], [{(1,): 1}]) for i in range(8)}
pickle.dump(slow, open(t + "/slow.pickle", "wb"))
pickle.dump({"selftest_sleep": [(k,) for k in slow], "selftest_noop": [(k,) for k in list(slow)[:2]]},
            open(t + "/slow_rl.pickle", "wb"))
EOF
D="$T/polys.pickle $T/run_list.pickle"
OPTS="--libraries selftest flint --repeats 1 --rounds 2 --timeout 20"

# ---- the same plan, locally and through Slurm ----
$CB run $D "$T/local" $OPTS >"$T/local.out" 2>"$T/local.err" || fail "local run: $(tail -3 "$T/local.err")"
started=$(date +%s)
$CB run $D "$T/slurm" $OPTS --executor slurm --shard-calls 5 --slurm-args "--time=10" \
    >"$T/slurm.out" 2>"$T/slurm.err"
rc=$?
if [ $rc -eq 0 ]; then pass "run --executor slurm exits 0 ($(( $(date +%s) - started )) s)"
else fail "run --executor slurm exit $rc: $(tail -5 "$T/slurm.err")"; fi
L=$(ls -d "$T"/local/results_*) S=$(ls -d "$T"/slurm/results_*)
grep -q 'submitted slurm job' "$T/slurm.err" && pass "the run says which job it submitted" || fail "no job line: $(cat "$T/slurm.err")"
grep -q selftest_sleep "$T/slurm.out" && pass "the summary table is printed" || fail "no summary: $(cat "$T/slurm.out")"

python3 - "$L" "$S" <<'EOF'
import json, pickle, sys
loc, slu = sys.argv[1], sys.argv[2]
def recs(d):
    return [json.loads(l) for l in open(d + "/calls.jsonl")]
def key(r):
    return (r["runner"], r["function"], tuple(r["args"]), r["round"])
def check(name, ok, detail=""):
    print(("PASS: " if ok else "FAIL: ") + "slurm_backend.sh: " + name + ("" if ok else " -- " + str(detail)[:400]))
L, S = recs(loc), recs(slu)
check("every call has a record in each of its 2 rounds", {r["round"] for r in S} == {0, 1} and
      len(S) == len(L), (len(S), len(L)))
lk = {key(r): r["status"] for r in L}
sk = {key(r): r["status"] for r in S}
check("every call recorded once", len(sk) == len(S), (len(sk), len(S)))
check("same calls as the local run (%d)" % len(lk), set(lk) == set(sk), set(lk) ^ set(sk))
check("same statuses as the local run", lk == sk, [(k, lk.get(k), sk.get(k)) for k in lk if lk.get(k) != sk.get(k)])
lc = {key(r): r["call"] for r in L}
check("each record's call as in the local run (shards do not restart at 0)",
      lc == {key(r): r["call"] for r in S}, [(k, lc.get(k)) for k in list(lc)[:3]])
check("statuses cover ok, error and unsupported", {"ok", "error", "unsupported"} <= set(sk.values()), set(sk.values()))
check("each record names its host and node", all(r.get("host") and r.get("node") == "localhost" and r.get("slurm_job") for r in S),
      S[0])
rl, rs = pickle.load(open(loc + "/results.pickle", "rb")), pickle.load(open(slu + "/results.pickle", "rb"))
def shape(res):
    return {(g, r["library"], r["type"]): sorted(map(repr, r["results"])) for g in res for r in res[g]}
check("results.pickle: same runners and keys", shape(rl) == shape(rs), (shape(rl), shape(rs)))
run = json.load(open(slu + "/run.json"))
check("run.json status complete", run["status"] == "complete", run["status"])
tasks = json.load(open(slu + "/slurm/tasks-1.json"))["tasks"]
check("--shard-calls 5: tasks of at most 5 calls", all(t["calls"] <= 5 for t in tasks) and len(tasks) >= 8, [t["calls"] for t in tasks])
check("a task per round (and shard) of a runner, round-major",
      [t["round"] for t in tasks] == sorted(t["round"] for t in tasks) and {t["round"] for t in tasks} == {0, 1},
      [(t["runner"], t["round"], t["shard"]) for t in tasks])
EOF

# ---- report: one host here, so no host lines; records as if from two
# nodes with different CPUs (what a real cluster gives) get both warnings ----
$CB report "$S" >"$T/rep1" 2>&1
grep -qi 'hosts\|CPU models' "$T/rep1" && fail "report of a one-host run talks of hosts: $(grep -i 'hosts' "$T/rep1")" ||
    pass "report of a one-host run: no host warnings"
cp -r "$S" "$T/twohosts"
python3 - "$T/twohosts/calls.jsonl" <<'EOF2'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for i, r in enumerate(recs):
    if i % 2:
        r["host"], r["node"], r["cpu_model"] = "node2", "node2", "Another CPU"
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in recs))
EOF2
$CB report "$T/twohosts" >"$T/rep2" 2>&1
grep -q 'ran on 2 hosts:.*node2' "$T/rep2" && pass "report lists the calls per host" || fail "no host line: $(head -30 "$T/rep2")"
grep -q 'mult: its calls ran on different CPU models' "$T/rep2" && ! grep -q 'selftest_error: its calls' "$T/rep2" &&
    pass "report warns per function timed on different CPU models" || fail "no CPU model warning: $(grep -i warn "$T/rep2")"

# ---- --no-wait, a task cancelled mid-run, collect, --resume ----
SD="$T/slow.pickle $T/slow_rl.pickle"
SOPTS="--libraries selftest flint --repeats 1 --rounds 2 --timeout 20 --executor slurm"
started=$(date +%s)
$CB run $SD "$T/cancel" $SOPTS --no-wait >"$T/nw.out" 2>"$T/nw.err"
rc=$? now=$(date +%s)
C=$(ls -d "$T"/cancel/results_* 2>/dev/null)
if [ $rc -eq 0 ] && [ -n "$C" ] && grep -q 'casbench collect' "$T/nw.err" && [ $((now - started)) -lt 10 ]; then
    pass "--no-wait returns at once and says how to collect"
else
    fail "--no-wait: exit $rc after $((now - started)) s: $(tail -3 "$T/nw.err")"
fi
[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" "$C/run.json" 2>/dev/null)" = submitted ] &&
    pass "run.json says submitted" || fail "run.json status is not submitted"
job=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['job'])" "$C/slurm/tasks-1.json")
expect_exit 2 "--resume while the job is still queued or running is refused" $CB run $SD "$T/cancel" $SOPTS --resume "$C"
grep -q 'still queued or running' "$T/err" && pass "... and says so" || fail "resume refusal: $(cat "$T/err")"
# task 0 is selftest's round 0 (8 calls of 0.6 s): cancel it after its second record
n=0
while [ "$(cat "$C/slurm/calls/1.0.jsonl" 2>/dev/null | wc -l)" -lt 2 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
scancel "${job}_0"
n=0
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
kept=$(wc -l <"$C/slurm/calls/1.0.jsonl")
if [ "$kept" -ge 2 ] && [ "$kept" -lt 10 ]; then pass "the cancelled task kept its $kept finished calls"
else fail "the cancelled task has $kept records"; fi
$CB collect "$C" >"$T/col.out" 2>"$T/col.err"
rc=$?
[ $rc -eq 1 ] && grep -q 'resume' "$T/col.err" && pass "collect after the cancel: exit 1, calls missing, says --resume" ||
    fail "collect: exit $rc: $(cat "$T/col.err")"
cp "$C/calls.jsonl" "$T/before.jsonl"
$CB run $SD "$T/cancel" $SOPTS --resume "$C" >"$T/res.out" 2>"$T/res.err"
rc=$?
[ $rc -eq 0 ] && pass "run --resume through Slurm exits 0" || fail "resume exit $rc: $(tail -5 "$T/res.err")"
python3 - "$C" "$T/before.jsonl" <<'EOF'
import json, sys
d, before = sys.argv[1], sys.argv[2]
def check(name, ok, detail=""):
    print(("PASS: " if ok else "FAIL: ") + "slurm_backend.sh: " + name + ("" if ok else " -- " + str(detail)[:400]))
recs = [json.loads(l) for l in open(d + "/calls.jsonl")]
old = [json.loads(l) for l in open(before)]
keys = [(r["runner"], r["function"], tuple(r["args"]), r["round"]) for r in recs]
check("after --resume: one record per call and round (2 runners x 10 calls x 2 rounds)",
      len(keys) == len(set(keys)) == 40, len(keys))
check("the records before the resume are untouched", recs[:len(old)] == old)
sub2 = json.load(open(d + "/slurm/tasks-2.json"))
missing = 40 - len(old)
check("the resubmission has only the %d calls without a record" % missing,
      sum(t["calls"] for t in sub2["tasks"]) == missing and all(t["runner"] == "selftest.benchmark" for t in sub2["tasks"]),
      [(t["runner"], t["calls"]) for t in sub2["tasks"]])
sel = [r for r in recs if r["runner"] == "selftest.benchmark"]
check("every selftest call ok after the resume", all(r["status"] == "ok" for r in sel) and len(sel) == 20,
      [(r["status"], r["error"], r.get("slurm_job")) for r in sel])

check("run.json complete", json.load(open(d + "/run.json"))["status"] == "complete")
EOF
$CB collect "$C" >/dev/null 2>"$T/col2.err" && pass "collect after the resume: exit 0 (nothing missing)" ||
    fail "collect after resume: $(cat "$T/col2.err")"

# ---- Ctrl-C while waiting: the job is cancelled, finished calls kept, 130 ----
$CB run $SD "$T/int" $SOPTS >"$T/int.out" 2>"$T/int.err" &
cbpid=$!
n=0
while [ "$(cat "$T"/int/results_*/slurm/calls/1.0.jsonl 2>/dev/null | wc -l)" -lt 1 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
kill -INT $cbpid
wait $cbpid
rc=$?
I=$(ls -d "$T"/int/results_* 2>/dev/null)
ijob=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['job'])" "$I/slurm/tasks-1.json" 2>/dev/null)
if [ $rc -eq 130 ] && [ -z "$(squeue -h -j "$ijob" 2>/dev/null)" ] && [ "$(wc -l <"$I/calls.jsonl")" -ge 1 ] &&
    grep -q '"status": *"interrupted' "$I/run.json"; then
    pass "SIGINT while waiting: exit 130, job cancelled, finished calls merged, run.json interrupted"
else
    fail "SIGINT: exit $rc, queue '$(squeue -h -j "$ijob" 2>/dev/null)', $(wc -l <"$I/calls.jsonl" 2>/dev/null) records: $(tail -3 "$T/int.err")"
fi

# ---- --slurm-args that Slurm refuses: refused before anything is created ----
for args in "--partition=nope" "--bogus-option" "--time=soon"; do
    expect_exit 2 "--slurm-args '$args' is refused" $CB run $D "$T/badargs" $OPTS --executor slurm --slurm-args "$args"
    [ ! -e "$T/badargs" ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q 'sbatch --test-only' "$T/err" &&
        pass "... before a results directory exists, in one line" || fail "bad --slurm-args: $(ls "$T/badargs" 2>&1) $(cat "$T/err")"
done

# ---- a results directory is data: a tasks file naming paths outside it, or
# malformed, is refused by run-runner and collect, nothing written ----
echo precious >"$T/victim"
tamper() { # NAME PYTHON-EXPRESSION-ON-sub: a copy of $S with its paths moved, then edited
    rm -rf "$T/$1"; cp -r "$S" "$T/$1"
    python3 - "$S" "$T/$1" "$T/victim" "$2" <<'EOF2'
import json, sys
src, dst, victim, edit = sys.argv[1:5]
p = dst + "/slurm/tasks-1.json"
text = open(p).read().replace(src, dst)
sub = json.loads(text)
exec(edit)
open(p, "w").write(json.dumps(sub))
EOF2
}
tamper tamper-status 'sub["tasks"][0]["status"] = victim'
expect_exit 2 "run-runner: a task whose status file is outside the results directory is refused" \
    $CB run-runner "$T/tamper-status" 0 --submission 1
grep -q 'outside the results directory' "$T/err" && [ "$(cat "$T/victim")" = precious ] &&
    pass "... one line, the outside file untouched" || fail "outside status: $(cat "$T/err"), victim: $(cat "$T/victim")"
expect_exit 2 "collect refuses that tasks file too" $CB collect "$T/tamper-status"
[ "$(cat "$T/victim")" = precious ] && pass "... the outside file untouched" || fail "victim overwritten"
tamper tamper-results 'sub["tasks"][1]["results"] = dst + "/slurm/../../victim"'
expect_exit 2 "run-runner: a results path with .. is refused" $CB run-runner "$T/tamper-results" 1 --submission 1
tamper tamper-link 'sub["tasks"][0]["records"] = dst + "/slurm/link/x.jsonl"'
ln -s "$T" "$T/tamper-link/slurm/link"
expect_exit 2 "run-runner: a records path through a symbolic link out of the directory is refused" \
    $CB run-runner "$T/tamper-link" 0 --submission 1
tamper tamper-list 'sub["tasks"] = {"0": sub["tasks"][0]}'
expect_exit 2 "collect: \"tasks\" not a list is one line and exit 2" $CB collect "$T/tamper-list"
tamper tamper-null 'sub["tasks"][0]["runner"] = None; sub["tasks"][1]["records"] = None'
expect_exit 2 "collect: null task fields are one line and exit 2" $CB collect "$T/tamper-null"
expect_exit 2 "run-runner: null task fields are one line and exit 2" $CB run-runner "$T/tamper-null" 0 --submission 1
rm -rf "$T/fifo"; cp -r "$S" "$T/fifo"; rm "$T/fifo/slurm/tasks-1.json"; mkfifo "$T/fifo/slurm/tasks-1.json"
expect_exit 2 "collect: a FIFO as the tasks file is one line and exit 2 (no hang)" timeout 20 $CB collect "$T/fifo"
[ "$(cat "$T/victim")" = precious ] && pass "nothing outside the results directories was written" || fail "victim: $(cat "$T/victim")"

# ---- bad uses ----
expect_exit 2 "--no-wait without --executor slurm" $CB run $D "$T/x" --no-wait

expect_exit 2 "--executor bogus" $CB run $D "$T/x" --executor bogus
expect_exit 2 "collect of a local results directory" $CB collect "$L"
expect_exit 2 "run-runner without INDEX" $CB run-runner "$S"
expect_exit 2 "run-runner: no such task" $CB run-runner "$S" 999 --submission 1

# ---- the cluster goes away with nothing left ----
pids=$(cat "$CLUSTER"/*.pid 2>/dev/null)
sh "$ROOT/tools/slurm-test-cluster.sh" stop "$CLUSTER"
left=
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
[ -n "$pids" ] && [ -z "$left" ] && pass "stop leaves no daemon running" || fail "still running:$left (pids: $pids)"
finish
