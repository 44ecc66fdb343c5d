"""measurement.py — `casbench run`'s measurement options end to end
(docs/design.md §8.1, docs/measurement.md), through the engine and the real
harnesses:

- the defaults: one warm-up execution and loops calibrated to 10 ms in
  benchmark mode; the records say warmup 1, min_time 0.01, the cold time,
  and run.json says `"min_time": "auto"` with the target it means, per
  runner too;
- `--warmup 0 --min-time 0`: the original's single shot (loops 1, no cold
  time); `--min-time S`: a busy function of 2 ms gets the loop count the
  rule gives at S;
- bad values: one line, exit 2;
- mem mode: the tracker counts exactly one execution per tracked repeat
  (selftest_alloc N,K: exactly K allocations), with the default (no warm-up)
  and with --warmup 2 (the warm-up is not counted), whatever --min-time says;
- C and Python parity: a FLINT and a SymPy record of the same call, and the
  engine's own `unavailable` record, have the same keys, with values of the
  same JSON types (env and gc are null for a C harness by design); the
  same in verify mode and in mem mode, whose records carry fields of their
  own (lib/run/record.h's encoder and runtime.py's RecordWriter), and for a
  call that fails (an error record: `error` a string in both).
The supervisors' own paths (timeouts in warm-up and calibration, the cold
time kept out of the times) are in harness_selftest.py and
python_runtime.py."""
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
SANITIZED = os.environ.get("CASBENCH_SANITIZED") == "1"
check = cbtest.Checker("measurement", 800)


def dataset(tmp, name, polys, run_list):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    for fname, value in (("polys.pickle", polys), ("run_list.pickle", run_list)):
        with open(os.path.join(d, fname), "wb") as f:
            pickle.dump(value, f)
    return [os.path.join(d, "polys.pickle"), os.path.join(d, "run_list.pickle")]


def run(tmp, name, files, *options):
    out = os.path.join(tmp, "out-" + name)
    p = subprocess.run([CB, "run"] + files + [out] + list(options), capture_output=True, text=True, timeout=300)
    subs = sorted(os.listdir(out)) if os.path.isdir(out) else []
    if p.returncode != 0 or len(subs) != 1:
        check("%s: run exits 0 with one results directory" % name, False, (p.returncode, subs, p.stderr[-600:]))
        return [], {}
    d = os.path.join(out, subs[0])
    with open(os.path.join(d, "calls.jsonl")) as f:
        recs = [json.loads(line) for line in f]
    with open(os.path.join(d, "run.json")) as f:
        return recs, json.load(f)


def selftest_options(tmp):
    keys = ["n:0", "us:2000"]
    files = dataset(tmp, "selftest", {k: (["x"], [{(1,): 1}]) for k in keys},
                    {"selftest_noop": [("n:0",)], "selftest_busy": [("us:2000",)]})
    recs, rj = run(tmp, "defaults", files, "--libraries", "selftest", "--repeats", "3")
    by = {r["function"]: r for r in recs}
    no, bz = by.get("selftest_noop", {}), by.get("selftest_busy", {})
    check("defaults: warmup 1 and min_time 0.01 in every record",
          recs and all(r.get("warmup") == 1 and r.get("min_time") == 0.01 for r in recs), recs)
    check("defaults: a fast call loops (noop: thousands of executions per repeat), its cold time recorded",
          no.get("loops", 0) > 1000 and no.get("cold_time") is not None and len(no.get("times", [])) == 3, no)
    # (the rule reads the wall clock, which a loaded machine stretches for a
    # busy function: never more than 2 x 7 loops, and a repeat of at least
    # half the target; harness_selftest.py says why)
    check("defaults: busy 2 ms loops at most 14 times (ceil(1.25 x 10 / 2) = 7 on an idle core), "
          "a repeat >= 5 ms", 1 <= bz.get("loops", 0) <= 14
          and all(t * bz["loops"] >= 0.005 for t in bz.get("times", [0])), bz)
    opts = rj.get("options", {})
    check("run.json: min_time as given ('auto'), the target it means, warmup",
          (opts.get("min_time"), opts.get("min_time_target"), opts.get("warmup")) == ("auto", 0.01, 1), opts)
    runners = {r["id"]: r for r in rj.get("runners", [])}
    check("run.json: each runner's warmup and min_time",
          (runners.get("selftest.benchmark", {}).get("warmup"), runners.get("selftest.benchmark", {}).get("min_time"))
          == (1, 0.01), runners)

    recs, rj = run(tmp, "single", files, "--libraries", "selftest", "--repeats", "3", "--warmup", "0",
                   "--min-time", "0")
    check("--warmup 0 --min-time 0: the original's single shot (loops 1, no cold time)",
          recs and all(r.get("loops") == 1 and r.get("warmup") == 0 and r.get("min_time") == 0
                       and r.get("cold_time", "absent") is None for r in recs), recs)
    opts = rj.get("options", {})
    check("run.json: --min-time 0 as given, a number", (opts.get("min_time"), opts.get("min_time_target"),
                                                        opts.get("warmup")) == (0, 0, 0), opts)

    recs, rj = run(tmp, "fixed", files, "--libraries", "selftest", "--repeats", "2", "--min-time", "0.04",
                   "--warmup", "3", "--verify", "--benchmark")
    by = {(r["mode"], r["function"]): r for r in recs}
    bz = by.get(("benchmark", "selftest_busy"), {})
    check("--min-time 0.04: busy 2 ms loops at most 50 times (25 on an idle core), a repeat >= 20 ms, "
          "warmup 3 recorded", 1 <= bz.get("loops", 0) <= 50
          and all(t * bz["loops"] >= 0.02 for t in bz.get("times", [0]))
          and bz.get("warmup") == 3 and bz.get("min_time") == 0.04, bz)
    ver = by.get(("verify", "selftest_busy"), {})
    check("verify records: no warm-up, no loops",
          (ver.get("warmup"), ver.get("min_time"), ver.get("cold_time", "absent")) == (0, 0, None), ver)
    opts = rj.get("options", {})
    check("run.json: --min-time 0.04, warmup 3",
          (opts.get("min_time"), opts.get("min_time_target"), opts.get("warmup")) == (0.04, 0.04, 3), opts)

    for bad, what in ((["--min-time", "-1"], "--min-time"), (["--min-time", "fast"], "--min-time"),
                      (["--warmup", "-1"], "--warmup"), (["--warmup", "x"], "--warmup")):
        p = subprocess.run([CB, "run"] + files + [os.path.join(tmp, "bad")] + bad, capture_output=True, text=True,
                           timeout=60)
        check("%s: exit 2, one line naming the option" % " ".join(bad),
              p.returncode == 2 and p.stderr.startswith("casbench: ") and p.stderr.count("\n") == 1
              and what in p.stderr and not os.path.exists(os.path.join(tmp, "bad")), p.stderr)


def mem_counts(tmp):
    if SANITIZED:
        print("SKIP: measurement: mem mode (the tracker cannot go before the ASan runtime)")
        return
    files = dataset(tmp, "mem", {"alloc:4096,8": (["x"], [{(1,): 1}])}, {"selftest_alloc": [("alloc:4096,8",)]})
    for name, extra, warmup in (("mem-default", [], 0), ("mem-warm", ["--warmup", "2", "--min-time", "0.05"], 2)):
        recs, rj = run(tmp, name, files, "--libraries", "selftest", "--memory-profiling", "--repeats", "2", *extra)
        r = recs[0] if recs else {}
        mem = r.get("mem") or {}
        check("%s: one execution per tracked repeat: exactly 8 allocations of 4096 bytes, loops 1, warmup %d"
              % (name, warmup), r.get("status") == "ok" and mem.get("allocations") == 8
              and mem.get("bytes_allocated") == 8 * 4096 and r.get("loops") == 1 and r.get("min_time") == 0
              and r.get("warmup") == warmup, (r.get("loops"), r.get("warmup"), {k: mem.get(k) for k in
                                                                                ("allocations", "bytes_allocated")}))
        runners = {x["id"]: x for x in rj.get("runners", [])}
        check("%s: run.json's mem runner says warmup %d, min_time 0" % (name, warmup),
              (runners.get("selftest.mem", {}).get("warmup"), runners.get("selftest.mem", {}).get("min_time"))
              == (warmup, 0), runners)


def json_type(v):
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "object",
            type(None): "null"}[type(v)]


def same_keys_and_types(name, c, py):
    check("parity (%s): the C and the Python supervisors write the same keys" % name, set(c) == set(py),
          set(c) ^ set(py))
    by_design = {"env", "gc"}      # null for a C harness (docs/protocol.md)
    differ = {k: (json_type(c[k]), json_type(py[k])) for k in set(c) & set(py) - by_design
              if json_type(c[k]) != json_type(py[k])}
    check("parity (%s): ... with values of the same JSON types" % name, not differ, differ)


def parity(tmp):
    polys = {"p": (["x", "y"], [{(2, 1): 3, (0, 0): -5}, {(1, 1): 7, (0, 2): 1}]),
             "q": (["x", "y"], [{(1, 0): 2, (0, 1): -1}, {(3, 0): 1, (0, 0): 4}]),
             "z": (["x", "y"], [{(0, 0): 0}, {(1, 0): 1}])}
    files = dataset(tmp, "parity", polys, {"mult": [("p", "q")]})
    recs, _ = run(tmp, "parity", files, "--libraries", "flint", "sympy-dmp", "mathematica", "--repeats", "2")
    by = {r["library"]: r for r in recs}
    c, py, un = by.get("flint", {}), by.get("sympy-dmp", {}), by.get("mathematica", {})
    check("parity: flint and sympy-dmp ran the call", c.get("status") == "ok" and py.get("status") == "ok",
          (c, py))
    same_keys_and_types("benchmark", c, py)
    check("parity: the new fields have their types (int warmup and loops, float min_time and cold times)",
          all(json_type(r.get(k)) == t for r in (c, py) for k, t in (("warmup", "int"), ("loops", "int"),
                                                                     ("min_time", "float"), ("cold_time", "float"),
                                                                     ("cold_cpu_time", "float"))), (c, py))
    if un.get("status") == "unavailable":
        check("parity: the engine's unavailable record has the same keys", set(un) == set(c), set(un) ^ set(c))
        differ = {k: (json_type(c[k]), json_type(un[k])) for k in set(c) & set(un)
                  if un[k] is not None and c[k] is not None and json_type(c[k]) != json_type(un[k])}
        check("parity: ... its non-null values of the C harness's JSON types", not differ, differ)
    else:
        print("SKIP: measurement: a Wolfram kernel is here, no unavailable record to compare")

    modes = [("verify", ["--verify"])]
    if not SANITIZED:    # the tracker cannot go before the ASan runtime
        modes.append(("mem", ["--memory-profiling"]))
    for mode, opts in modes:
        recs, _ = run(tmp, "parity-" + mode, files, "--libraries", "flint", "sympy-dmp", "--repeats", "1", *opts)
        by = {r["library"]: r for r in recs if r.get("mode") == mode}
        c, py = by.get("flint", {}), by.get("sympy-dmp", {})
        check("parity (%s): flint and sympy-dmp ran the call" % mode,
              c.get("status") == "ok" and py.get("status") == "ok", (c, py))
        same_keys_and_types(mode, c, py)

    # a call that fails the same way in both: division by the zero polynomial
    files = dataset(tmp, "parity-error", polys, {"divmod": [("p", "z")]})
    recs, _ = run(tmp, "parity-error", files, "--libraries", "flint", "sympy-dmp", "--repeats", "1")
    by = {r["library"]: r for r in recs}
    c, py = by.get("flint", {}), by.get("sympy-dmp", {})
    check("parity (error): neither finished, both say why in a string",
          c.get("status") not in (None, "ok") and py.get("status") not in (None, "ok")
          and isinstance(c.get("error"), str) and isinstance(py.get("error"), str), (c, py))
    same_keys_and_types("error", c, py)


def main():
    tmp = tempfile.mkdtemp(prefix="cbmeasure.")
    try:
        selftest_options(tmp)
        mem_counts(tmp)
        parity(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
