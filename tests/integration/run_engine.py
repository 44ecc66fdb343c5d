"""run_engine.py — `casbench run` end to end with real harnesses: the
selftest harness (every status of docs/design.md §5.2), flint, an unavailable
library (python-flint in Debian's Python, which has none), and the results
directory of docs/design.md §3.5 read back by Python itself: calls.jsonl (one
record per call, the fields of docs/protocol.md), results.pickle in the
original layout ({"python": [...], "external": [...]}, a timeout is
[inf]), run.json (command line, host, noise factors, versions, times) and a
log per runner.  Also Python environments × gc settings: one runner per
(library, environment, gc), each record naming its interpreter.  The runs
have one round (--rounds 1); rounds are run_rounds.py's."""
import json
import math
import os
import pickle
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
HAVE_FLINT = os.access(os.path.join(BUILD, "harness", "casbench-harness-flint"), os.X_OK)
check = cbtest.Checker("run_engine")


def system(n=1):
    return (["x"], [{(1,): 1, (0,): n}])


def write_dataset(d, polys, run_list):
    with open(os.path.join(d, "polys.pickle"), "wb") as f:
        pickle.dump(polys, f)
    with open(os.path.join(d, "run_list.pickle"), "wb") as f:
        pickle.dump(run_list, f)


def results_dir(out):
    subs = [x for x in os.listdir(out) if x.startswith("results_")]
    return os.path.join(out, subs[0]) if len(subs) == 1 else None


def read_calls(d):
    with open(os.path.join(d, "calls.jsonl")) as f:
        return [json.loads(line) for line in f]


def selftest_run(tmp):
    polys = {"us:20000": system(), "0": system(), "ms:5": system()}
    run_list = {
        "selftest_busy": [("us:20000",)],
        "selftest_hang": [("0",)],
        "selftest_segv": [("0",)],
        "selftest_error": [("0",)],
        "selftest_noop": [("ms:5",)],
    }
    write_dataset(tmp, polys, run_list)
    out = os.path.join(tmp, "out")
    p = subprocess.run([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                        "--libraries", "selftest", "flint", "python-flint", "--timeout", "1", "--repeats", "2",
                        "--rounds", "1", "--cores", "2", "--venvs", "/usr/bin/python3"], capture_output=True, text=True,
                       timeout=120)
    check("run exits 0", p.returncode == 0, p.stderr[-800:])
    d = results_dir(out)
    check("one results directory OUTPUT/results_<time>", d is not None, os.listdir(out) if os.path.isdir(out) else "")
    if not d:
        return
    recs = read_calls(d)
    by = {(r["runner"], r["function"], tuple(r["args"])): r for r in recs}
    check("exactly one record per call (3 runners x 5 calls)", len(recs) == 15 and len(by) == 15, len(recs))
    st = {k[1]: r for k, r in by.items() if k[0] == "selftest.benchmark"}
    check("ok with one time per repeat", st["selftest_busy"]["status"] == "ok" and len(st["selftest_busy"]["times"]) == 2,
          st["selftest_busy"])
    check("hang is a timeout", st["selftest_hang"]["status"] == "timeout", st["selftest_hang"])
    check("segfault is crashed SIGSEGV",
          st["selftest_segv"]["status"] == "crashed" and "SIGSEGV" in (st["selftest_segv"]["error"] or ""),
          st["selftest_segv"])
    check("error status with message", st["selftest_error"]["status"] == "error" and st["selftest_error"]["error"])
    check("the call after them ran", st["selftest_noop"]["status"] == "ok")
    fields = ["runner", "library", "env", "gc", "mode", "function", "args", "status", "times", "cpu_times",
              "loops", "max_rss_kib", "pid", "error"]
    missing = [f for f in fields if f not in st["selftest_noop"]]
    check("records carry the protocol's fields", not missing, missing)
    check("args are the keys' reprs", st["selftest_noop"]["args"] == ["'ms:5'"], st["selftest_noop"]["args"])
    fl = [r for r in recs if r["runner"] == "flint.benchmark"]
    if HAVE_FLINT:
        check("flint: selftest functions are unsupported",
              len(fl) == 5 and all(r["status"] == "unsupported" for r in fl), [r["status"] for r in fl])
    sg = [r for r in recs if r["library"] == "python-flint"]
    check("unavailable library: a record per call with the reason",
          len(sg) == 5 and all(r["status"] == "unavailable" and r["error"] for r in sg),
          [(r["status"], r["error"]) for r in sg])
    by_call = {(r["function"], tuple(r["args"])): r["call"] for r in recs if r["runner"] == "selftest.benchmark"}
    check("unavailable records: call is the position in the run list, as the selftest runner's",
          sorted(r["call"] for r in sg) == list(range(5)) and
          all(by_call.get((r["function"], tuple(r["args"]))) == r["call"] for r in sg),
          [(r["function"], r["call"]) for r in sg])
    check("python-flint runs per gc setting, env names its interpreter",
          all(r["runner"] == "python-flint.env0.gc-on.benchmark" and r["gc"] is True and isinstance(r["env"], str)
              and "python" in r["env"] for r in sg),
          sg[:1])

    with open(os.path.join(d, "results.pickle"), "rb") as f:
        res = pickle.load(f)
    check("results.pickle layout", isinstance(res, dict) and list(res) == ["python", "external"], list(res))
    ext = {r["library"]: r for r in res["external"]}
    check("C harnesses are external runners", set(ext) == {"selftest", "flint"}, list(ext))
    check("python list holds python-flint", [r["library"] for r in res["python"]] == ["python-flint"],
          [r["library"] for r in res["python"]])
    sr = ext["selftest"]
    check("runner keys", set(sr) == {"library", "flags", "gc", "type", "venv", "results"}, set(sr))
    check("runner fields", sr["type"] == "benchmark" and sr["gc"] is None and sr["venv"] is None)
    r = sr["results"]
    check("timeout is [inf]", r[("selftest_hang", ("0",))] == [math.inf], r.get(("selftest_hang", ("0",))))
    check("times in seconds", len(r[("selftest_busy", ("us:20000",))]) == 2 and
          all(0.015 < t < 1 for t in r[("selftest_busy", ("us:20000",))]), r.get(("selftest_busy", ("us:20000",))))
    check("failures are [inf], as the original stored a call that did not finish",
          r[("selftest_segv", ("0",))] == [math.inf] and r[("selftest_error", ("0",))] == [math.inf])

    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check("run.json: command line", rj["command_line"][:2] == ["run", os.path.join(tmp, "polys.pickle")],
          rj.get("command_line"))
    host = rj["host"]
    check("run.json: host", all(host.get(k) for k in ("cpu_model", "cores", "kernel", "memory_kib")), host)
    noise = rj["noise"]
    check("run.json: noise factors", all(k in noise for k in ("governor", "turbo", "loadavg", "pinned")) and
          len(noise["loadavg"]) == 3 and noise["pinned"] is False, noise)
    libs = {x["library"]: x for x in rj["libraries"]}
    check("run.json: library versions from probes", libs["selftest"]["available"] and libs["selftest"]["version"]
          and (libs["flint"]["version"] or not HAVE_FLINT), libs)
    check("run.json: unavailable library with reason", not libs["python-flint"]["available"] and libs["python-flint"]["reason"])
    check("run.json: times and status", rj["started"] and rj["ended"] and rj["status"] == "complete"
          and rj["casbench_version"], {k: rj.get(k) for k in ("started", "ended", "status")})
    check("run.json: runners", sorted(x["id"] for x in rj["runners"]) ==
          ["flint.benchmark", "python-flint.env0.gc-on.benchmark", "selftest.benchmark"], [x["id"] for x in rj["runners"]])
    log = os.path.join(d, "logs", "selftest.benchmark.log")
    check("a log per runner", os.path.isfile(log) and os.path.getsize(log) > 0)
    check("summary table printed", "selftest_busy" in p.stdout and "selftest" in p.stdout, p.stdout[-500:])
    # --resume retries unavailable calls (a library may have been installed
    # since): still one record per call, the others untouched
    before = [r for r in recs if r["status"] != "unavailable"]
    # (the environment is given again: a results directory never says what runs)
    p2 = subprocess.run([CB, "run", "--resume", d, "--venvs", "/usr/bin/python3"], capture_output=True,
                        text=True, timeout=120)
    after = read_calls(d)
    check("resume retries unavailable calls, one record per call",
          p2.returncode == 0 and len(after) == 15 and after[:len(before)] == before and
          sum(1 for r in after if r["status"] == "unavailable") == 5, (p2.stderr[-300:], len(after)))
    check("resume: the unavailable records keep their run-list positions",
          sorted(r["call"] for r in after if r["status"] == "unavailable" and r not in recs) == list(range(5)),
          [r["call"] for r in after if r["status"] == "unavailable"])
    check("piped: one line per finished runner",
          sum(1 for line in p.stderr.splitlines() if "selftest.benchmark:" in line) == 1, p.stderr[-500:])


def python_envs_run(tmp):
    """sympy-dmp in two environments x two gc settings: four runners."""
    envs = ["python3", "/usr/bin/python3"]
    probe = subprocess.run(["/usr/bin/python3", "-c", "import sympy"], capture_output=True)
    if probe.returncode != 0:
        print("SKIP: run_engine: /usr/bin/python3 has no sympy")
        return
    polys = {"a": (["x", "y"], [{(1, 0): 2, (0, 1): 3}]), "b": (["x", "y"], [{(2, 0): 1, (0, 0): -5}])}
    write_dataset(tmp, polys, {"add": [("a", "b")], "mult": [("a", "b")]})
    out = os.path.join(tmp, "out-py")
    p = subprocess.run([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                        "--libraries", "sympy-dmp", "--venvs"] + envs + ["--gc", "on", "off", "--repeats", "1",
                                                                         "--rounds", "1", "--python-flags", "-B"],
                       capture_output=True, text=True, timeout=180)
    check("python envs: exit 0", p.returncode == 0, p.stderr[-800:])
    d = results_dir(out)
    if not d:
        return
    recs = read_calls(d)
    runners = sorted({r["runner"] for r in recs})
    check("python envs: one runner per environment x gc", runners == [
        "sympy-dmp.env0.gc-off.benchmark", "sympy-dmp.env0.gc-on.benchmark",
        "sympy-dmp.env1.gc-off.benchmark", "sympy-dmp.env1.gc-on.benchmark"], runners)
    check("python envs: all ok", all(r["status"] == "ok" for r in recs) and len(recs) == 8,
          [(r["runner"], r["status"], r.get("error")) for r in recs])
    envs_seen = {r["runner"].split(".")[1]: r["env"] for r in recs}
    check("python envs: env names interpreter and version",
          envs_seen["env1"].startswith("/usr/bin/python3") and envs_seen["env1"] != envs_seen["env0"]
          and all(len(e.split()) == 2 for e in envs_seen.values()), envs_seen)
    check("python envs: gc recorded", {r["gc"] for r in recs} == {True, False})
    with open(os.path.join(d, "results.pickle"), "rb") as f:
        res = pickle.load(f)
    py = res["python"]
    check("python envs: results.pickle python runners with venv and gc",
          len(py) == 4 and {r["venv"] for r in py} == set(envs) and {r["gc"] for r in py} == {True, False}
          and all(r["flags"] == ["-B"] for r in py), [(r["venv"], r["gc"], r["flags"]) for r in py])
    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check("python envs: run.json lists environments",
          [e["given"] for e in rj["environments"]] == envs and all(e["version"] for e in rj["environments"]))
    check("python envs: --python-flags go before the harness script",
          all(r["command"][1] == "-B" and r["command"][2].endswith("casbench_harness.py") for r in rj["runners"]),
          [r["command"] for r in rj["runners"]])
    vers = [x for x in rj["libraries"] if x["library"] == "sympy-dmp"]
    check("python envs: per-environment SymPy versions",
          len(vers) == 2 and all(x["versions"].get("sympy") for x in vers), vers)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def pin_run(tmp):
    """--pin: each running harness is bound to a CPU of its own."""
    if len(os.sched_getaffinity(0)) < 2:
        print("SKIP: run_engine: --pin needs two usable CPUs")
        return
    polys = {"us:400000": system()}
    write_dataset(tmp, polys, {"selftest_sleep": [("us:400000",)] * 1})
    out = os.path.join(tmp, "out-pin")
    proc = subprocess.Popen([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                             "--libraries", "selftest", "--benchmark", "--verify", "--pin", "--cores", "2",
                             "--repeats", "1", "--rounds", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    seen = {}
    import time
    deadline = time.time() + 30
    while proc.poll() is None and time.time() < deadline and len(seen) < 2:
        for pid in children(proc.pid):
            try:
                # after exec (the affinity is set between fork and exec), and
                # not the --probe run before the pool starts
                cmd = open("/proc/%d/cmdline" % pid, "rb").read()
                if b"casbench-harness-selftest" not in cmd or b"--probe" in cmd:
                    continue
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("Cpus_allowed_list:"):
                            seen[pid] = line.split()[1]
            except OSError:
                pass
        time.sleep(0.02)
    _, err = proc.communicate(timeout=60)
    check("--pin: exit 0", proc.returncode == 0, err[-300:])
    cpus = sorted(seen.values())
    check("--pin: each harness on one CPU of its own",
          len(cpus) == 2 and all(c.isdigit() for c in cpus) and cpus[0] != cpus[1], seen)
    d = results_dir(out)
    with open(os.path.join(d, "run.json")) as f:
        rj = json.load(f)
    check("--pin: run.json records it", rj["noise"]["pinned"] is True and
          sorted(str(r["cpu"]) for r in rj["runners"]) == cpus, [r["cpu"] for r in rj["runners"]])


def main():
    sys.exit(cbtest.run_steps_in_tmp(check, "cbtest-run.", selftest_run, pin_run, python_envs_run))


main()
