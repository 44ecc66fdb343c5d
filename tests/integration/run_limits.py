"""run_limits.py — every phase of a run is bounded (docs/design.md §10, docs/run.md
"Limits"), with the real harnesses:
- --memory-limit: a C harness's call (selftest's allocations, FLINT's
  product) and a Python harness's parse (SymPy's dense x**(2**62)) end as
  `error` records with memory_limit_hit, the other calls run; a harness that
  runs out while loading the dataset gets its calls recorded; the limit
  holds in the ASan build too (the test runs on both builds);
- a harness that hangs while loading the dataset is stopped after
  --startup-timeout, its calls are recorded as timeouts, the run goes on;
- a harness that hangs in --probe is unavailable with the reason, the run
  goes on; Ctrl-C and SIGTERM during the probes end the run at once (130),
  with nothing written;
- a grandchild that calls setsid(), started by a call or while loading the
  dataset, does not outlive the run;
- --timeout / --min-time beyond the clocks (1e10 s) are refused, and a
  harness given such a config neither times out at once nor ignores them."""
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
check = cbtest.Checker("run_limits", limit=600)


def dataset(tmp, name, polys, run_list):
    p, r = os.path.join(tmp, name + ".pickle"), os.path.join(tmp, name + "_rl.pickle")
    with open(p, "wb") as f:
        pickle.dump(polys, f)
    with open(r, "wb") as f:
        pickle.dump(run_list, f)
    return [p, r]


def run(tmp, name, files, opts, env=None, timeout=300):
    """A run of one round (a record per call; rounds are run_rounds.py's)."""
    out = os.path.join(tmp, "out-" + name)
    t0 = time.monotonic()
    p = subprocess.run([CB, "run"] + files + [out] + opts + ["--rounds", "1"], capture_output=True, text=True,
                       env=env, timeout=timeout)
    took = time.monotonic() - t0
    dirs = os.listdir(out) if os.path.isdir(out) else []
    recs = []
    if dirs:
        with open(os.path.join(out, dirs[0], "calls.jsonl")) as f:
            recs = [json.loads(line) for line in f]
    return p, recs, took


def by_args(recs):
    return {(r["runner"], r["function"], tuple(r["args"])): r for r in recs}


X = (["x"], [{(1,): 1}])


def memory_limits(tmp):
    # selftest (C): 4 blocks of 64 MiB under a 128 MiB limit; 1 MiB fits
    files = dataset(tmp, "alloc", {"a:%d,4" % (64 << 20): X, "b:%d,1" % (1 << 20): X},
                    {"selftest_alloc": [("a:%d,4" % (64 << 20),), ("b:%d,1" % (1 << 20),)]})
    p, recs, _ = run(tmp, "alloc", files, ["--libraries", "selftest", "--repeats", "1", "--memory-limit", "128M"])
    r = {tuple(x["args"])[0]: x for x in recs}
    big, small = r.get("'a:%d,4'" % (64 << 20)), r.get("'b:%d,1'" % (1 << 20))
    check("C harness: a call past --memory-limit is an error with memory_limit_hit",
          p.returncode == 0 and big and big["status"] == "error" and big["memory_limit_hit"] is True
          and "memory limit of 128 MiB" in big["error"] and big["memory_limit"] == 128 << 20,
          (p.returncode, big, p.stderr[-300:]))
    check("C harness: a call within the limit is ok, memory_limit_hit false",
          small and small["status"] == "ok" and small["memory_limit_hit"] is False, small)

    # FLINT: a product of 1500 x 1500 terms (36 MiB of terms) under 32 MiB,
    # and the same product without a limit
    n = 1500
    polys = {"p": (["x", "y"], [{(i, 0): i + 1 for i in range(n)}]),
             "q": (["x", "y"], [{(0, j): j + 1 for j in range(n)}])}
    files = dataset(tmp, "flint", polys, {"mult": [("p", "q")]})
    p, recs, _ = run(tmp, "flint", files, ["--libraries", "flint", "--repeats", "1", "--memory-limit", "32M"])
    check("FLINT: mult past the limit is an error with memory_limit_hit (GMP/FLINT allocators)",
          len(recs) == 1 and recs[0]["status"] == "error" and recs[0]["memory_limit_hit"] is True, recs)
    p, recs, _ = run(tmp, "flint-nolimit", files, ["--libraries", "flint", "--repeats", "1", "--memory-limit",
                                                   "none"])
    check("FLINT: the same mult without a limit is ok (memory_limit null)",
          len(recs) == 1 and recs[0]["status"] == "ok" and recs[0]["memory_limit"] is None, recs)
    # the same product in Singular (an interpreter the harness drives: its
    # own RLIMIT_DATA, its "no more memory" recognised)
    p, recs, _ = run(tmp, "singular", files, ["--libraries", "singular", "--repeats", "1", "--memory-limit", "64M"])
    check("Singular: mult past the limit is an error with memory_limit_hit",
          len(recs) == 1 and recs[0]["status"] == "error" and recs[0]["memory_limit_hit"] is True
          and "no more memory" in recs[0]["error"], (recs, p.stderr[-300:]))
    # PARI: its stack may grow only to the limit; parsing these
    # polynomials needs more than 40 MiB of it
    p, recs, took = run(tmp, "pari", files, ["--libraries", "pari", "--repeats", "1", "--memory-limit", "40M"])
    check("PARI: its stack past the limit while loading the dataset: the call recorded with memory_limit_hit, "
          "at once (%.1f s)" % took, len(recs) == 1 and recs[0]["status"] == "error" and recs[0]["memory_limit_hit"]
          and took < 30, (recs, p.stderr[-300:]))


    # the dataset: one term x**(2**62), which SymPy's dense DMP
    # tries to expand while the harness parses it
    files = dataset(tmp, "dense", {"big": (["x"], [{(2 ** 62,): 1}]), "small": (["x"], [{(1,): 1, (0,): 2}])},
                    {"add": [("big", "big"), ("small", "small")]})
    p, recs, took = run(tmp, "dense", files, ["--libraries", "sympy-dmp", "--repeats", "1", "--timeout", "3",
                                              "--memory-limit", "256M"])
    r = by_args(recs)
    big = r.get(("sympy-dmp.env0.gc-on.benchmark", "add", ("'big'", "'big'")))
    small = r.get(("sympy-dmp.env0.gc-on.benchmark", "add", ("'small'", "'small'")))
    check("Python harness: parsing x**(2**62) under the limit ends in MemoryError, recorded with memory_limit_hit",
          p.returncode == 0 and big and big["status"] == "error" and big["memory_limit_hit"] is True
          and "MemoryError" in big["error"], (p.returncode, big, p.stderr[-400:]))
    check("Python harness: the other system's call is ok", small and small["status"] == "ok", small)
    print("# x**(2**62) under 256 MiB: %.1f s" % took)

    # the harness itself runs out while loading the dataset: exit 3, and
    # the engine records its calls
    key = "setup-alloc:%d" % (300 << 20)
    files = dataset(tmp, "setup-alloc", {key: X, "us:1000": X},
                    {"selftest_sleep": [("us:1000",)], "selftest_noop": [(key,)]})
    p, recs, _ = run(tmp, "setup-alloc", files, ["--libraries", "selftest", "--repeats", "1",
                                                 "--memory-limit", "100M"])
    check("a harness out of memory while loading the dataset: every call recorded as error with memory_limit_hit",
          p.returncode == 0 and len(recs) == 2 and all(x["status"] == "error" and x["memory_limit_hit"]
                                                       and "while loading the dataset" in x["error"] for x in recs),
          (p.returncode, recs, p.stderr[-300:]))
    expect_refused(["--memory-limit", "lots"], "--memory-limit: 'lots' is not a size", tmp, files)
    expect_refused(["--memory-limit", "10K"], "less than 1 MiB", tmp, files)


def expect_refused(opts, text, tmp, files):
    out = os.path.join(tmp, "refused")
    p = subprocess.run([CB, "run"] + files + [out, "--libraries", "selftest"] + opts, capture_output=True,
                       text=True, timeout=60)
    lines = p.stderr.strip().splitlines()
    check("refused: %s" % " ".join(opts), p.returncode == 2 and len(lines) == 1 and text in p.stderr
          and not os.path.exists(out), (p.returncode, p.stderr))


def startup_hang(tmp):
    polys = {"setup-hang:0": X, "us:1000": X, "p": (["x", "y"], [{(1, 0): 1, (0, 1): 2}])}
    files = dataset(tmp, "hang", polys, {"selftest_sleep": [("us:1000",)], "selftest_noop": [("setup-hang:0",)],
                                         "add": [("p", "p")]})
    p, recs, took = run(tmp, "hang", files, ["--libraries", "selftest", "flint", "--repeats", "1", "--timeout", "1",
                                             "--startup-timeout", "2"])
    sel = [r for r in recs if r["library"] == "selftest"]
    fl = by_args(recs).get(("flint.benchmark", "add", ("'p'", "'p'")))
    check("a harness hanging while loading the dataset is stopped: its calls are recorded as timeouts",
          p.returncode == 0 and len(sel) == 3 and all(r["status"] == "timeout" and "--startup-timeout" in r["error"]
                                                      for r in sel), (p.returncode, sel, p.stderr[-400:]))
    check("... and the run goes on: the other runner's calls are ok", fl and fl["status"] == "ok", fl)
    check("... within --startup-timeout + --timeout + grace + 2 s (%.1f s)" % took, took < 15, took)


def probe_hang(tmp):
    files = dataset(tmp, "probe", {"p": (["x", "y"], [{(1, 0): 1, (0, 1): 2}]), "us:1000": X},
                    {"add": [("p", "p")], "selftest_sleep": [("us:1000",)]})
    env = dict(os.environ, CASBENCH_SELFTEST_PROBE="hang")
    p, recs, took = run(tmp, "probe", files, ["--libraries", "selftest", "flint", "--repeats", "1",
                                              "--startup-timeout", "2"], env=env)
    r = by_args(recs)
    sel = [x for x in recs if x["library"] == "selftest"]
    check("a harness hanging in --probe is stopped after --startup-timeout: unavailable, with the reason",
          sel and all(x["status"] == "unavailable" and "did not answer within 2 s" in x["error"] for x in sel),
          (sel, p.stderr[-300:]))
    fl = r.get(("flint.benchmark", "add", ("'p'", "'p'")))
    check("... and the run goes on (%.1f s)" % took, fl and fl["status"] == "ok" and took < 20, (fl, took))
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = os.path.join(tmp, "out-probe-" + sig.name)
        proc = subprocess.Popen([CB, "run"] + files + [out, "--libraries", "selftest"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        probes = []
        while time.time() < deadline and not probes:   # until the probe has started
            probes = cbtest.descendants(proc.pid)
            time.sleep(0.02)
        time.sleep(0.2)
        t0 = time.monotonic()
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        took = time.monotonic() - t0
        err = proc.stderr.read()
        left = [q for q in probes if os.path.exists("/proc/%d" % q)]
        check("%s during the probes: exit 130 at once (%.2f s), nothing written, no probe left" % (sig.name, took),
              probes and rc == 130 and took < 2 and not os.path.exists(out) and not left, (rc, took, err, left))


def marked(token):
    """Processes whose environment carries token."""
    return cbtest.pids_whose("environ", lambda environ: token.encode() in environ)


def grandchildren(tmp):
    token = "CBTEST_STRAY=%d.%d" % (os.getpid(), time.monotonic_ns())
    name, value = token.split("=")
    env = dict(os.environ, **{name: value})
    files = dataset(tmp, "spawn", {"setup-spawn:0": X, "s:0": X},
                    {"selftest_spawn": [("s:0",)], "selftest_noop": [("setup-spawn:0",)]})
    p, recs, _ = run(tmp, "spawn", files, ["--libraries", "selftest", "--repeats", "1"], env=env)
    check("selftest_spawn and setup-spawn ran", p.returncode == 0 and [r["status"] for r in recs] == ["ok", "ok"],
          (p.returncode, recs))
    time.sleep(0.3)
    left = marked(token)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    check("a setsid() grandchild of a call and of the harness's set-up does not outlive the run", not left, left)


def huge_limits(tmp):
    files = dataset(tmp, "huge", {"us:300000": X}, {"selftest_sleep": [("us:300000",)]})
    for opt in ("--timeout", "--min-time", "--startup-timeout"):
        expect_refused([opt, "1e10"], "more than 1e+06 seconds", tmp, files)
    # a harness given such limits in its config: no instant timeout, no
    # ignored min_time (saturating deadlines)
    cfg = {"type": "benchmark", "polys": {"us:300000": X}, "run_list": {"selftest_sleep": [("us:300000",)]},
           "repeats": 1, "timeout": 1e10}
    recs, _, _, proc = cbtest.run_harness(cbtest.harness_path("selftest"), tmp, cfg)
    check("C supervisor: timeout 1e10 s is no limit, not an instant timeout",
          len(recs) == 1 and recs[0]["status"] == "ok", (recs, proc.stderr[-300:]))
    cfg.update(timeout=1.0, min_time=1e10)
    t0 = time.monotonic()
    recs, _, _, proc = cbtest.run_harness(cbtest.harness_path("selftest"), tmp, cfg)
    took = time.monotonic() - t0
    check("C supervisor: min_time 1e10 s loops until the 1 s limit (not one execution)",
          len(recs) == 1 and recs[0]["status"] == "timeout" and took >= 1.0, (recs, took))
    py = [sys.executable, os.path.join(cbtest.BUILD, "harness", "python", "casbench_harness.py")]
    cfg = {"type": "benchmark", "library": "sympy-dmp", "repeats": 1, "timeout": 1e10,
           "polys": {"p": (["x"], [{(1,): 1}])}, "run_list": {"add": [("p", "p")]}}
    with tempfile.TemporaryDirectory(dir=tmp) as d:
        cfg_path, res_path, calls = (os.path.join(d, n) for n in ("c.pickle", "r.pickle", "calls.jsonl"))
        with open(cfg_path, "wb") as f:
            pickle.dump(dict(cfg, calls_jsonl=calls), f)
        proc = subprocess.run(py, input="%s\n%s\n" % (cfg_path, res_path), capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, SYMPY_GROUND_TYPES="python"))
        recs = [json.loads(line) for line in open(calls)] if os.path.exists(calls) else []
    check("Python runtime: timeout 1e10 s is no limit (no overflow in poll)",
          proc.returncode == 0 and len(recs) == 1 and recs[0]["status"] == "ok", (recs, proc.stderr[-400:]))


def stopped_from_outside(tmp):
    """scancel signals every process of a task, one by one: a call child
    that gets SIGTERM before its harness is a stop, not a crash — the
    harness stops too, writing no record for that call (--resume runs it)."""
    X1 = (["x", "y"], [{(1, 0): 1, (0, 1): 2}])
    cases = [
        ("C harness", [cbtest.harness_path("selftest")],
         {"type": "benchmark", "repeats": 1, "timeout": 60, "polys": {"us:1000": X, "us:20000000": X},
          "run_list": {"selftest_sleep": [("us:1000",), ("us:20000000",)]}}, {}),
        ("Python harness", [sys.executable, os.path.join(cbtest.BUILD, "harness", "python", "casbench_harness.py")],
         {"type": "benchmark", "repeats": 1000000, "timeout": 60, "library": "sympy-dmp",
          "polys": {"p": X1}, "run_list": {"add": [("p",)], "mult": [("p", "p")]}},   # add: one argument, an error
         {"SYMPY_GROUND_TYPES": "python"}),
    ]
    for name, cmd, cfg, env in cases:
        d = tempfile.mkdtemp(dir=tmp)
        cfg_path, res_path, calls = (os.path.join(d, n) for n in ("c.pickle", "r.pickle", "calls.jsonl"))
        with open(cfg_path, "wb") as f:
            pickle.dump(dict(cfg, calls_jsonl=calls), f)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, **env))
        proc.stdin.write("%s\n%s\n" % (cfg_path, res_path))
        proc.stdin.close()
        deadline, child = time.time() + 60, None
        while time.time() < deadline and not child:   # the second call's child
            n = sum(1 for _ in open(calls)) if os.path.exists(calls) else 0
            kids = cbtest.descendants(proc.pid)
            child = kids[0] if n >= 1 and kids else None
            time.sleep(0.05)
        if child:
            time.sleep(0.2)
            os.kill(child, signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        recs = [json.loads(line) for line in open(calls)] if os.path.exists(calls) else []
        check("%s: a call child SIGTERMed from outside stops the harness (SIGTERM), no record for that call"
              % name, child and rc == -signal.SIGTERM and len(recs) == 1 and recs[0]["call"] == 0,

              (child, rc, recs, proc.stderr.read()[-300:]))


def main():
    if cbtest.not_built("run_limits", CB):
        return 1
    return cbtest.run_steps_in_tmp(check, "cbtest-limits.", memory_limits, startup_hang, probe_hang, grandchildren,
                                   huge_limits, stopped_from_outside)


if __name__ == "__main__":
    sys.exit(main())
