"""run_interrupt.py — Ctrl-C and SIGTERM during `casbench run`
(docs/design.md §5.4): every runner's process group is gone within 2 s (a call that
ignores SIGTERM included: SIGKILL after the grace), the calls that had
finished are kept, results.pickle is written for them, run.json says the run
was interrupted, and casbench exits 130."""
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("run_interrupt")


def pgid_alive(pgids):
    """Processes (not zombies) still in any of these process groups."""
    def alive_in_pgids(stat):
        fields = stat.rsplit(b")", 1)[1].split()
        return fields[0] != b"Z" and int(fields[2]) in pgids
    return cbtest.pids_whose("stat", alive_in_pgids)


def count_lines(path):
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def one(tmp, sig, name):
    polys = {"0": (["x"], [{(1,): 1}]), "us:30000000": (["x"], [{(1,): 1}])}
    # selftest.benchmark: a quick call, then a call that hangs ignoring
    # SIGTERM (one round; seed 6 draws the run-list order for it, as
    # run_rounds.py's draw says); selftest.verify: a quick call, then a 30 s
    # sleep.
    run_list = {"selftest_noop": [("0",)], "selftest_hang": [("0",)], "selftest_sleep": [("us:30000000",)]}
    with open(os.path.join(tmp, "polys.pickle"), "wb") as f:
        pickle.dump(polys, f)
    with open(os.path.join(tmp, "run_list.pickle"), "wb") as f:
        pickle.dump(run_list, f)
    out = os.path.join(tmp, "out-" + name)
    proc = subprocess.Popen([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                             "--libraries", "selftest", "--benchmark", "--verify", "--cores", "2",
                             "--timeout", "120", "--repeats", "1", "--rounds", "1", "--seed", "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    d = None
    while time.time() < deadline:
        if os.path.isdir(out) and os.listdir(out):
            d = os.path.join(out, os.listdir(out)[0])
            if count_lines(os.path.join(d, "calls.jsonl")) >= 2:
                break
        time.sleep(0.05)
    check(name + ": runs reached the long calls", d is not None and count_lines(os.path.join(d, "calls.jsonl")) >= 2)
    time.sleep(0.3)   # the hang and sleep calls are in progress
    groups = {os.getpgid(p) for p in cbtest.descendants(proc.pid) if p}
    check(name + ": runners run in their own process groups", len(groups) >= 2 and os.getpgid(proc.pid) not in groups,
          groups)
    t0 = time.time()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    secs = time.time() - t0
    check(name + ": exit status 130", proc.returncode == 130, (proc.returncode, err[-500:]))
    # the contract is 2 s for the process groups; results.pickle and run.json
    # are written after that (sanitized builds are slower)
    limit = 2.0 + (3.0 if os.environ.get("CASBENCH_SANITIZED") == "1" else 1.0)
    check(name + ": stopped quickly", secs < limit, "%.2f s" % secs)
    check(name + ": no process left in the runners' groups", not pgid_alive(groups), pgid_alive(groups))
    recs = [json.loads(l) for l in open(os.path.join(d, "calls.jsonl"))]
    check(name + ": finished calls kept", sorted(r["runner"] for r in recs if r["function"] == "selftest_noop") ==
          ["selftest.benchmark", "selftest.verify"], recs)
    with open(os.path.join(d, "results.pickle"), "rb") as f:
        res = pickle.load(f)
    runners = {r["type"]: r for r in res["external"]}
    check(name + ": results.pickle holds what finished",
          ("selftest_noop", ("0",)) in runners["benchmark"]["results"]
          and ("selftest_hang", ("0",)) not in runners["benchmark"]["results"], runners.get("benchmark"))
    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check(name + ": run.json says interrupted", rj["status"].startswith("interrupted"), rj["status"])
    check(name + ": message names the results directory", "--resume" in err and d.split("/")[-1] in err, err[-400:])


def main():
    tmp = tempfile.mkdtemp(prefix="cbtest-intr.")
    try:
        one(tmp, signal.SIGINT, "SIGINT")
        one(tmp, signal.SIGTERM, "SIGTERM")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if check.failed else 0)


main()
