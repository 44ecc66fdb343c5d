"""run_rounds.py — `casbench run --rounds R` (issue 15, docs/measurement.md,
"Rounds"), on the selftest harness (and flint, for interleaving):
- every call has exactly one record per round, with its `round`;
- each round runs its calls in the order drawn from the recorded seed
  (checked against an independent implementation of the draw), the same
  seed gives the same orders, run.json records rounds and seed;
- the runners' rounds are interleaved: with --cores 1, every runner's
  round 0 before any round 1;
- later rounds time the loop count of the first round; a call that timed
  out is not run again, its later rounds get a `skipped` record;
- results.pickle pools a call's rounds; `report` shows the median over the
  rounds with its interval, CSV a row per round and repeat;
- --resume: a call's identity includes its round (only the missing rounds
  run again), the drawn seed goes on, another --rounds or --seed is refused;
- `compare` rests its verdicts on rounds and says so; a 3x slowdown
  (CASBENCH_SELFTEST_SCALE) is `slower` with 5+5 rounds."""
import csv
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cbtest  # noqa: E402
from compare_selftest import hl_interval  # noqa: E402   (Hodges-Lehmann by enumeration)

check = cbtest.Checker("run_rounds", limit=600)
M64 = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9e3779b97f4a7c15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return state, z ^ (z >> 31)


def round_ranks(seed, runner, rnd, n):
    """The order measure.h documents, written again here: FNV-1a of the
    runner's id on the seed, the round mixed in, splitmix64, Fisher-Yates;
    rank[i] is call i's position in the round."""
    state = seed
    for b in runner.encode():
        state = ((state ^ b) * 1099511628211) & M64
    state ^= (rnd * 0xd1b54a32d192ed03) & M64
    state, _ = splitmix64(state)
    order = list(range(n))
    for i in range(n, 1, -1):
        state, z = splitmix64(state)
        j = z % i
        order[i - 1], order[j] = order[j], order[i - 1]
    rank = [0] * n
    for pos, call in enumerate(order):
        rank[call] = pos
    return rank


def results_dir(out):
    dirs = [d for d in os.listdir(out) if d.startswith("results_")]
    return os.path.join(out, sorted(dirs)[-1]) if dirs else None


def records(d):
    with open(os.path.join(d, "calls.jsonl")) as f:
        return [json.loads(line) for line in f]


def dataset(tmp):
    # busy: 2 ms of CPU per execution (below the 10 ms target: looped);
    # noop: returns at once (many loops); hang: never returns (timeout)
    polys = {k: (["x"], [{(1,): 1}]) for k in
             ("a:2000", "b:1000", "c:3000", "d:500", "e:1500", "n:0", "h:0")}
    run_list = {"selftest_busy": [("a:2000",), ("b:1000",), ("c:3000",), ("d:500",), ("e:1500",)],
                "selftest_noop": [("n:0",)], "selftest_hang": [("h:0",)]}
    return cbtest.write_dataset(tmp, polys, run_list)


def main_run(tmp, pol, rl):
    out = os.path.join(tmp, "out")
    p = cbtest.run(["run", pol, rl, out, "--libraries", "selftest", "--rounds", "3", "--repeats", "2",
                    "--seed", "11", "--timeout", "2"])
    check("run --rounds 3: exit 0", p.returncode == 0, p.stderr[-800:])
    d = results_dir(out)
    recs = records(d)
    keys = [(r["call"], r["round"]) for r in recs]
    check("one record per call and round (7 calls x 3 rounds)",
          len(recs) == 21 and sorted(keys) == sorted((c, k) for c in range(7) for k in range(3)), keys)
    run_json = json.load(open(os.path.join(d, "run.json")))
    opts = run_json["options"]
    check("run.json: rounds and seed", opts.get("rounds") == 3 and opts.get("seed") == 11, opts)
    runner = run_json["runners"][0]
    check("run.json: the runner's rounds", [x["round"] for x in runner["rounds"]] == [0, 1, 2]
          and all(x["state"] == "done" and x.get("exit_status") == 0 for x in runner["rounds"]), runner)

    # the order of each round: the seed's draw
    for k in range(3):
        ran = [r["call"] for r in sorted((r for r in recs if r["round"] == k and not r.get("skipped")),
                                         key=lambda r: r["started"])]
        rank = round_ranks(11, "selftest.benchmark", k, 7)
        want = [c for c in sorted(range(7), key=lambda c: rank[c]) if c in ran]
        check("round %d runs its calls in the order drawn from the seed" % k, ran == want, (ran, want))
    check("the rounds' orders differ", len({tuple(round_ranks(11, "selftest.benchmark", k, 7))
                                            for k in range(3)}) == 3)

    by = {}
    for r in recs:
        by.setdefault(r["call"], {})[r["round"]] = r
    busy = [by[c] for c in range(5)]
    check("later rounds time the first round's loop count",
          all(len({rd[k]["loops"] for k in range(3)}) == 1 and rd[0]["loops"] >= 2 for rd in busy)
          and len({by[5][k]["loops"] for k in range(3)}) == 1 and by[5][0]["loops"] > 100,
          [[rd[k]["loops"] for k in range(3)] for rd in busy + [by[5]]])
    hang = by[6]
    check("a call that timed out runs in its first round only",
          hang[0]["status"] == "timeout" and hang[0]["pid"] and not hang[0].get("skipped")
          and all(hang[k]["status"] == "timeout" and hang[k].get("skipped") is True and hang[k]["pid"] is None
                  and "timed out in round 0" in hang[k]["error"] for k in (1, 2)),
          [hang[k] for k in range(3)])
    check("every round of a busy call has its repeats", all(len(rd[k]["times"]) == 2 for rd in busy for k in range(3)))

    with open(os.path.join(d, "results.pickle"), "rb") as f:
        res = pickle.load(f)
    rr = res["external"][0]["results"]
    a = rr[("selftest_busy", ("a:2000",))]
    want = by[0][0]["times"] + by[0][1]["times"] + by[0][2]["times"]
    check("results.pickle pools the rounds' repeats in round order", a == want, (a, want))
    check("results.pickle: a call that timed out is [inf]", rr[("selftest_hang", ("h:0",))] == [float("inf")],
          rr[("selftest_hang", ("h:0",))])
    check("results.pickle: one runner, no round duplicates", len(res["external"]) == 1 and len(rr) == 7,
          [len(x["results"]) for x in res["external"]])

    p = cbtest.run(["report", d, "--format", "json"])
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    cells = {tuple(c["args"]): c["results"]["selftest"] for f in rep.get("functions", []) for c in f["calls"]}
    a = cells.get(("'a:2000'",), {})
    meds = sorted(min(by[0][k]["times"]) for k in range(3))
    check("report: the median over the rounds of each round's fastest repeat, its interval, 3 rounds",
          a.get("rounds") == 3 and a.get("repeats") == 6 and abs(a.get("median", 0) - meds[1]) < 1e-12
          and abs(a.get("ci_low", 0) - meds[0]) < 1e-12 and abs(a.get("ci_high", 0) - meds[2]) < 1e-12
          and abs(a.get("confidence", 0) - 0.75) < 1e-12, (a, meds))
    h = cells.get(("'h:0'",), {})
    check("report: the timed-out call is one call, timed out", h.get("status") == "timeout", h)
    p = cbtest.run(["report", d, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    arows = [(r["round"], r["repeat"]) for r in rows if r["args"] == "[\"'a:2000'\"]"]
    check("report CSV: a row per round and repeat", sorted(arows) == [(str(k), str(i)) for k in range(3) for i in range(2)],
          arows)
    p = cbtest.run(["report", d])
    check("report text: says what the median and ± are over rounds",
          "median over the rounds of each round's fastest repeat" in p.stdout and "3 rounds" in p.stdout, p.stdout[:2000])

    # the same seed, the same orders
    out2 = os.path.join(tmp, "out2")
    p = cbtest.run(["run", pol, rl, out2, "--libraries", "selftest", "--rounds", "3", "--repeats", "2",
                    "--seed", "11", "--timeout", "2"])
    again = records(results_dir(out2))
    order = lambda rs, k: [r["call"] for r in sorted((r for r in rs if r["round"] == k), key=lambda r: r["started"])]
    check("the same seed gives the same orders", p.returncode == 0 and all(order(again, k) == order(recs, k)
                                                                            for k in range(3)))
    return d


def interleaving(tmp, pol, rl):
    out = os.path.join(tmp, "inter")
    p = cbtest.run(["run", pol, rl, out, "--libraries", "selftest", "flint", "--rounds", "3", "--repeats", "1",
                    "--cores", "1", "--timeout", "2"])
    check("two runners, --cores 1: exit 0", p.returncode == 0, p.stderr[-800:])
    recs = records(results_dir(out))
    blocks = []
    for r in recs:   # the file order: one harness at a time
        b = (r["runner"], r["round"])
        if not blocks or blocks[-1] != b:
            blocks.append(b)
    want = [(rn, k) for k in range(3) for rn in ("flint.benchmark", "selftest.benchmark")]
    check("rounds interleaved: every runner's round 0, then every runner's round 1, ...",
          [k for _, k in blocks] == [0, 0, 1, 1, 2, 2] and sorted(blocks) == sorted(want), blocks)


def resume(tmp, pol, rl):
    out = os.path.join(tmp, "res")
    p = cbtest.run(["run", pol, rl, out, "--libraries", "selftest", "--rounds", "3", "--repeats", "1",
                    "--timeout", "2"])
    d = results_dir(out)
    recs = records(d)
    seed = json.load(open(os.path.join(d, "run.json")))["options"]["seed"]
    check("without --seed, one is drawn and recorded", p.returncode == 0 and isinstance(seed, int) and seed >= 0,
          seed)
    # as if interrupted: rounds 1 and 2 of the busy calls never ran
    keep = [r for r in recs if not (r["round"] >= 1 and r["function"] == "selftest_busy")]
    with open(os.path.join(d, "calls.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in keep)
    p = cbtest.run(["run", "--resume", d])
    after = records(d)
    keys = [(r["call"], r["round"]) for r in after]
    check("--resume: only the missing rounds run, one record per call and round",
          p.returncode == 0 and len(after) == 21 and len(set(keys)) == 21 and after[:len(keep)] == keep,
          (p.stderr[-500:], len(after)))
    check("--resume: the drawn seed goes on", json.load(open(os.path.join(d, "run.json")))["options"]["seed"] == seed)
    new = after[len(keep):]
    rank = {k: round_ranks(seed, "selftest.benchmark", k, 7) for k in (1, 2)}
    ok = all([r["call"] for r in sorted((r for r in new if r["round"] == k), key=lambda r: r["started"])]
             == sorted(range(5), key=lambda c: rank[k][c]) for k in (1, 2))
    check("--resume: the missing calls run in their round's order", ok, [(r["call"], r["round"]) for r in new])
    busy = {(r["call"], r["round"]): r["loops"] for r in after if r["function"] == "selftest_busy"}
    check("--resume: the rounds run again time the first round's loops",
          all(busy[(c, k)] == busy[(c, 0)] for c in range(5) for k in (1, 2)), busy)
    for opt, why in ((["--rounds", "4"], "rounds"), (["--seed", str(seed + 1)], "seed")):
        p = cbtest.run(["run", pol, rl, out, "--libraries", "selftest", "--rounds", "3", "--repeats", "1",
                        "--timeout", "2", "--resume", d] + opt)
        check("--resume with another --%s is refused" % why, p.returncode == 2 and why in p.stderr, p.stderr)


def compare(tmp):
    polys = {"us:%d" % us: (["x"], [{(1,): 1}]) for us in (1000, 2000, 3000)}
    pol, rl = cbtest.write_dataset(tmp, polys, {"selftest_busy": [(k,) for k in polys]}, name="cmp")
    dirs = {}
    for name, scale, rounds in (("a", "1", "5"), ("b", "3", "5"), ("a1", "1", "1"), ("b1", "3", "1")):
        out = os.path.join(tmp, "cmp-" + name)
        env = dict(os.environ, CASBENCH_SELFTEST_SCALE=scale)
        p = cbtest.run(["run", pol, rl, out, "--libraries", "selftest", "--rounds", rounds, "--repeats", "2"],
                       env=env)
        check("compare: run %s exit 0" % name, p.returncode == 0, p.stderr[-500:])
        dirs[name] = results_dir(out)
    p = cbtest.run(["compare", dirs["a"], dirs["b"], "--format", "json"])
    rep = json.loads(p.stdout) if p.stdout.startswith("{") else {}
    calls = rep.get("calls", [])
    check("compare: a 3x slowdown is slower on every call, resting on 5+5 rounds, exit 1",
          p.returncode == 1 and len(calls) == 3 and all(c["verdict"] == "slower" and c["samples"] ==
                                                       {"a": 5, "b": 5, "kind": "rounds"} for c in calls),
          (p.returncode, calls))
    # the samples are the rounds' values, each round's fastest repeat: the
    # estimate and interval equal an independent Hodges-Lehmann computation
    # on them
    def round_values(d, args):
        return [min(r["times"]) for r in records(d) if r["args"] == [args]]
    bad = []
    for c in calls:
        est, lo, hi = hl_interval(round_values(dirs["a"], c["args"]), round_values(dirs["b"], c["args"]), 0.95)
        if max(abs(est / c["ratio"] - 1), abs(lo / c["ci_low"] - 1), abs(hi / c["ci_high"] - 1)) > 1e-9:
            bad.append((c["args"], (est, lo, hi), (c["ratio"], c["ci_low"], c["ci_high"])))
    check("compare: ratio and interval are Hodges-Lehmann on the rounds' fastest repeats", calls and not bad, bad)
    # a round of B that timed out after one repeat: its sample is a lower
    # bound, the fastest of the finished repeat and of the one cut off (what
    # was left of the limit, per execution)
    cut_dir = os.path.join(tmp, "cmp-b-cut")
    shutil.copytree(dirs["b"], cut_dir)
    recs_b = records(dirs["b"])
    with open(os.path.join(cut_dir, "calls.jsonl"), "w") as f:
        for r in recs_b:
            if r["args"] == ["'us:1000'"] and r["round"] == 0:
                t0, loops = r["times"][0], r["loops"]
                r = dict(r, status="timeout", times=[t0], cpu_times=r["cpu_times"][:1],
                         timeout=1.5 * t0 * loops)
            f.write(json.dumps(r) + "\n")
    p = cbtest.run(["compare", dirs["a"], cut_dir, "--format", "json"])
    rep_cut = json.loads(p.stdout) if p.stdout.startswith("{") else {}
    row = [c for c in rep_cut.get("calls", []) if c["args"] == "'us:1000'"]
    want_b = [0.5 * t0 if r["round"] == 0 else min(r["times"]) for r in recs_b if r["args"] == ["'us:1000'"]]
    est, lo, hi = hl_interval(round_values(dirs["a"], "'us:1000'"), want_b, 0.95)
    check("compare: a round cut off at its limit counts as the fastest of its repeats and the cut one",
          len(row) == 1 and abs(row[0]["ratio"] / est - 1) < 1e-9 and abs(row[0]["ci_low"] / lo - 1) < 1e-9
          and "B timed out" in (row[0]["note"] or ""), (row, (est, lo, hi)))
    check("compare JSON: the verdicts on rounds and on repeats counted",
          rep.get("counts", {}).get("on_rounds") == 3 and rep["counts"].get("on_repeats") == 0, rep.get("counts"))
    p = cbtest.run(["compare", dirs["a"], dirs["b"]])
    check("compare text: the samples column and the count of verdicts on rounds",
          "5+5 rounds" in p.stdout and "3 verdicts on rounds, 0 on repeats" in p.stdout, p.stdout[-1500:])
    p = cbtest.run(["compare", dirs["a"], dirs["b"], "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    check("compare CSV: the samples column", rows and all(r["samples"] == "5+5 rounds" for r in rows), rows[:1])
    p = cbtest.run(["compare", dirs["a1"], dirs["b1"], "--format", "json"])
    rep = json.loads(p.stdout) if p.stdout.startswith("{") else {}
    calls = rep.get("calls", [])
    check("compare, one round each: the repeats, said so, and warned about",
          all(c["samples"] == {"a": 2, "b": 2, "kind": "repeats"} for c in calls) and calls
          and any("not independent" in w for w in rep.get("warnings", [])), rep)


def main():
    if not os.access(cbtest.CB, os.X_OK):
        print("FAIL: run_rounds: casbench is not built (%s)" % cbtest.CB)
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="cbtest-rounds.")
    try:
        pol, rl = dataset(tmp)
        main_run(tmp, pol, rl)
        interleaving(tmp, pol, rl)
        resume(tmp, pol, rl)
        compare(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()
