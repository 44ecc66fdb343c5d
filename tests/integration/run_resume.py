"""run_resume.py — nothing is lost (docs/design.md §3.5, §5.4):
- `kill -9` of `casbench run` mid-run: its harnesses die with it
  (PR_SET_PDEATHSIG), so nothing keeps appending; a torn last line (a writer
  killed mid-record) is cut off; `casbench run --resume DIR` runs only the
  calls without a record, and the final calls.jsonl has exactly one record
  per call and round (--rounds 3), the old records untouched.
- a runner whose harness is killed mid-run loses nothing of the others and
  keeps its own finished calls; casbench exits 1; --resume (with the
  options given again) completes it."""
import json
import os
import pickle
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("run_resume")


def kill9(proc):
    """kill -9 casbench; the processes that were below it, given up to 3 s
    to die with it."""
    kids = cbtest.descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 3
    while alive(kids) and time.time() < deadline:
        time.sleep(0.02)
    return kids


def alive(pids):
    res = []
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    res.append(p)
        except OSError:
            pass
    return res


def records(d):
    with open(os.path.join(d, "calls.jsonl")) as f:
        return [json.loads(l) for l in f]


def wait_records(out, n, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.isdir(out) and os.listdir(out):
            d = os.path.join(out, os.listdir(out)[0])
            try:
                with open(os.path.join(d, "calls.jsonl")) as f:
                    if sum(1 for _ in f) >= n:
                        return d
            except OSError:
                pass
        time.sleep(0.02)
    return None


def setup(tmp, ncalls):
    # each call sleeps 150 ms (the parameter after ':' is in microseconds;
    # the prefixes make the calls distinct)
    polys = {"us%d:150000" % i: (["x"], [{(1,): 1}]) for i in range(ncalls)}
    return cbtest.write_dataset(tmp, polys, {"selftest_sleep": [(k,) for k in polys]})


ROUNDS = 3    # of the benchmark runner; the verify runner has one
# a benchmark runner of ROUNDS rounds and a verify runner, side by side
RUN_OPTS = ["--libraries", "selftest", "--benchmark", "--verify", "--cores", "2", "--repeats", "1", "--rounds",
            str(ROUNDS)]


def start_run(files, out, **popen):
    """`casbench run FILES OUT RUN_OPTS` started (the Popen)."""
    return subprocess.Popen([CB, "run"] + files + [out] + RUN_OPTS, **popen)


def rerun_resuming(files, out, d):
    """`casbench run FILES OUT RUN_OPTS --resume D` (CompletedProcess, text)."""
    return subprocess.run([CB, "run"] + files + [out] + RUN_OPTS + ["--resume", d], capture_output=True, text=True,
                          timeout=120)


def one_per_call(recs, ncalls):
    """One record per call and round of the benchmark runner (ROUNDS) and
    of the verify runner (one round)."""
    keys = [(r["runner"], r["function"], tuple(r["args"]), r["round"]) for r in recs]
    return len(keys) == len(set(keys)) == (ROUNDS + 1) * ncalls


def kill9_then_resume(tmp):
    ncalls = 8
    files = setup(tmp, ncalls)
    out = os.path.join(tmp, "out-kill9")
    proc = start_run(files, out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    d = wait_records(out, 3)
    check("kill -9: the run got going", d is not None)
    if not d:
        proc.kill()
        return
    busy = subprocess.run([CB, "run", "--resume", d], capture_output=True, text=True, timeout=120)
    check("a second casbench cannot resume a run that is still going",
          busy.returncode == 2 and "in use" in busy.stderr, (busy.returncode, busy.stderr))
    kids = kill9(proc)
    check("kill -9: harnesses and their calls die with casbench (PDEATHSIG)", kids and not alive(kids),
          (kids, alive(kids)))
    before = records(d)
    time.sleep(0.4)   # longer than a call: an orphan would have appended by now
    check("kill -9: nothing appends after the kill", len(records(d)) == len(before))
    check("kill -9: some calls were left to do", 0 < len(before) < (ROUNDS + 1) * ncalls, len(before))
    with open(os.path.join(d, "calls.jsonl"), "rb") as f:
        old_bytes = f.read()
    with open(os.path.join(d, "calls.jsonl"), "a") as f:
        f.write('{"runner": "selftest.benchmark", "function": "selftest_sle')   # a torn record
    p = subprocess.run([CB, "run", "--resume", d], capture_output=True, text=True, timeout=120)
    check("resume: exit 0", p.returncode == 0, p.stderr[-800:])
    after = records(d)
    check("resume: exactly one record per call and round", one_per_call(after, ncalls), len(after))
    with open(os.path.join(d, "calls.jsonl"), "rb") as f:
        check("resume: the old records are untouched, the torn line is gone", f.read().startswith(old_bytes))
    # `call` is the position in the whole run list, also for the calls the
    # resumed harnesses ran (they are given only the missing ones)
    calls_ok = all(sorted(r["call"] for r in after if (r["runner"], r["round"]) == rr) == list(range(ncalls)) and
                   all(r["args"] == ["'us%d:150000'" % r["call"]] for r in after if r["runner"] == rr[0])
                   for rr in {(r["runner"], r["round"]) for r in after})
    check("resume: each record's call is its position in the run list", calls_ok,
          sorted((r["runner"], r["call"], r["args"][0]) for r in after)[:12])
    pids_before = {r["pid"] for r in before}
    check("resume: finished calls were not run again",
          sum(1 for r in after if r["pid"] in pids_before) == len(before))
    with open(os.path.join(d, "results.pickle"), "rb") as f:
        res = pickle.load(f)
    check("resume: results.pickle complete",
          sorted(len(r["results"]) for r in res["external"]) == [ncalls, ncalls], res["external"])
    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check("resume: run.json keeps the first start and lists the resume",
          rj["status"] == "complete" and len(rj.get("resumed", [])) == 1 and rj["started"])
    p = rerun_resuming(files, out, d)
    check("resume of a complete run runs nothing", p.returncode == 0 and len(records(d)) == (ROUNDS + 1) * ncalls,
          p.stderr[-300:])


def kill9_under_profiler(tmp):
    """--cpu-profiling puts perf between casbench and the harness: the
    harness must still die with casbench."""
    files = setup(tmp, 6)
    out = os.path.join(tmp, "out-kill9-cpu")
    proc = subprocess.Popen([CB, "run"] + files + [out, "--libraries", "selftest", "--cpu-profiling", "--repeats",
                                                   "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d = wait_records(out, 1)
    if d and records(d)[0]["status"] == "unavailable":
        proc.wait()
        print("SKIP: run_resume: cpu profiling is unavailable here: " + str(records(d)[0]["error"]))
        return
    kids = kill9(proc)
    check("kill -9 under perf: profiler, harness and calls all die", d is not None and kids and not alive(kids),
          (kids, alive(kids)))
    if d:
        n = len(records(d))
        time.sleep(0.4)
        check("kill -9 under perf: nothing appends after the kill", len(records(d)) == n < 6, n)


def crashed_runner(tmp):
    ncalls = 6
    files = setup(tmp, ncalls)
    out = os.path.join(tmp, "out-crash")
    proc = start_run(files, out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    d = wait_records(out, 2)
    # the victim must have finished a call first (its calls take longer than
    # the verify runner's: warm-up and calibration run before the repeats)
    deadline = time.time() + 60
    while d and not any(r["runner"] == "selftest.benchmark" for r in records(d)) and time.time() < deadline:
        time.sleep(0.02)
    victim = None
    for pid in cbtest.descendants(proc.pid):
        try:
            if os.readlink("/proc/%d/fd/1" % pid).endswith("/logs/selftest.benchmark.log"):
                if int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1]) == proc.pid:
                    victim = pid
        except OSError:
            pass
    check("crash: found the benchmark runner's harness", victim is not None)
    if victim:
        os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    check("crash: exit status 1", proc.returncode == 1, (proc.returncode, err[-500:]))
    check("crash: the failure is reported with its log", "selftest.benchmark" in err and "logs/" in err, err[-500:])
    recs = records(d)
    ver = [r for r in recs if r["runner"] == "selftest.verify"]
    ben = [r for r in recs if r["runner"] == "selftest.benchmark" and r["round"] == 0]
    later = [r for r in recs if r["runner"] == "selftest.benchmark" and r["round"] > 0]
    check("crash: the other runner finished everything", len(ver) == ncalls and all(r["status"] == "ok" for r in ver))
    check("crash: its own finished calls are kept", 1 <= len(ben) < ncalls, len(ben))
    check("crash: its later rounds still ran", len(later) == (ROUNDS - 1) * ncalls, len(later))
    p = rerun_resuming(files, out, d)
    check("crash: resume completes it", p.returncode == 0 and one_per_call(records(d), ncalls), p.stderr[-500:])


def main():
    sys.exit(cbtest.run_steps_in_tmp(check, "cbtest-resume.", kill9_then_resume, kill9_under_profiler,
                                     crashed_runner))


main()
