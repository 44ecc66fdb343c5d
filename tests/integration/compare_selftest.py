"""compare_selftest.py — `casbench compare` on real runs whose verdicts are
known from their inputs.

Two real `casbench run --libraries selftest` runs, A and B, sleep for lengths
chosen here: call `a` sleeps 20 ms in A and 60 ms in B (3x slower), `b` 20 ms
in both (same), `c` 60 ms in A and 20 ms in B (3x faster), and `d` sleeps 20 ms
in A but 3 s in B under a 1 s limit (a timeout: at least 50x slower).  The
selftest harness reads a call's sleep from its system key, so B's run uses
keys naming its own lengths; its records are then renamed to A's keys (the
measurements stay what B's run measured) so that compare pairs them.

The runs have one round each (--rounds 1), so compare's samples are the
repeats, as before rounds; its verdicts over rounds are checked in
run_rounds.py.

Checked: the verdicts, the exit status (1 when something is slower with
confidence, 0 for A against A and for B against A when only faster), the
censored timeout ('>1.00 s', lower bound of the ratio), the interval and p-value
against this file's own Hodges-Lehmann / Mann-Whitney computation (and
scipy's exact Mann-Whitney test when Debian's python3-scipy is installed), the
geometric-mean summary, and the warnings for runs that are not comparable
(different --min-time or --warmup, but not --min-time auto against its target
0.01; a different CPU in run.json; SymPy run under two
interpreters, whose versions this file reads from each run.json)."""
import itertools
import json
import math
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("compare_selftest", 1500)


def cb(*args):
    return subprocess.run([CB, *args], capture_output=True, text=True, timeout=180)


def run(tmp, name, sleeps, *extra):
    """A real run: call NAME sleeps sleeps[NAME] microseconds."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    keys = {call: "%s:%d" % (call, us) for call, us in sleeps.items()}
    with open(os.path.join(d, "polys.pickle"), "wb") as f:
        pickle.dump({k: (["x"], [{(1,): 1}]) for k in keys.values()}, f)
    with open(os.path.join(d, "run_list.pickle"), "wb") as f:
        pickle.dump({"selftest_sleep": [(keys[c],) for c in sorted(keys)]}, f)
    p = cb("run", os.path.join(d, "polys.pickle"), os.path.join(d, "run_list.pickle"), os.path.join(d, "out"),
           "--libraries", "selftest", "--repeats", "5", "--rounds", "1", "--timeout", "1", *extra)
    out = os.path.join(d, "out")
    res = [os.path.join(out, x) for x in os.listdir(out)] if os.path.isdir(out) else []
    check("run %s" % name, len(res) == 1, p.stderr)
    return res[0] if res else None, keys


def rename_keys(results_dir, mapping):
    """Give B's records A's system keys (repr strings) so that calls pair."""
    path = os.path.join(results_dir, "calls.jsonl")
    with open(path) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    for r in recs:
        r["args"] = [mapping.get(a, a) for a in r["args"]]
    with open(path, "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in recs))


def hl_interval(a, b, confidence):
    """Hodges-Lehmann ratio and its Mann-Whitney interval, by enumeration."""
    d = sorted(math.log(y) - math.log(x) for x in a for y in b)
    m, n = len(a), len(b)
    est = statistics.median(d)
    # exact null distribution of U by enumerating every split of the ranks
    counts = [0] * (m * n + 1)
    for xs in itertools.combinations(range(m + n), m):
        xset = set(xs)
        u = sum(1 for i in xs for j in range(m + n) if j not in xset and j < i)
        counts[u] += 1
    total = sum(counts)
    k, cum = 1, 0
    for cand in range(2, (m * n + 1) // 2 + 1):
        if (sum(counts[:cand])) / total > (1 - confidence) / 2:
            break
        k = cand
    return math.exp(est), math.exp(d[k - 1]), math.exp(d[m * n - k])


def main():
    tmp = tempfile.mkdtemp(prefix="cbcompare.")
    try:
        a_dir, a_keys = run(tmp, "A", {"a": 20000, "b": 20000, "c": 60000, "d": 20000})
        b_dir, b_keys = run(tmp, "B", {"a": 60000, "b": 20000, "c": 20000, "d": 3000000})
        if not a_dir or not b_dir:
            return
        rename_keys(b_dir, {repr(b_keys[c]): repr(a_keys[c]) for c in a_keys})

        p = cb("compare", a_dir, b_dir, "--format", "json")
        check("B slower somewhere: exit 1", p.returncode == 1, p.stderr + p.stdout[:500])
        rep = json.loads(p.stdout) if p.stdout.startswith("{") else {"calls": []}
        verdict = {c["args"]: c for c in rep["calls"]}
        v = {k[1:2]: c["verdict"] for k, c in verdict.items()}
        check("a (20 -> 60 ms) slower", v.get("a") == "slower", v)
        check("c (60 -> 20 ms) faster", v.get("c") == "faster", v)
        check("b (20 -> 20 ms) neither faster nor slower", v.get("b") in ("same", "unsure"), v)
        check("d (20 ms -> timeout at 1 s) slower", v.get("d") == "slower", v)
        d_row = verdict.get(repr(a_keys["d"]), {})
        check("timeout is censored: B at least the limit, no upper bound",
              d_row.get("b", {}).get("at_least") == 1.0 and d_row.get("ci_high") is None
              and d_row.get("ci_low", 0) > 10, d_row)

        # the interval and p-value, computed here from the records
        def times(d):
            with open(os.path.join(d, "calls.jsonl")) as f:
                return {json.loads(l)["args"][0]: json.loads(l)["times"] for l in f if l.strip()}
        ta, tb = times(a_dir), times(b_dir)
        ok = True
        for call in ("a", "b", "c"):
            key = repr(a_keys[call])
            est, lo, hi = hl_interval(ta[key], tb[key], 0.95)
            row = verdict[key]
            ok &= abs(row["ratio"] / est - 1) < 1e-9 and abs(row["ci_low"] / lo - 1) < 1e-9 \
                and abs(row["ci_high"] / hi - 1) < 1e-9
        check("ratio and interval equal an independent Hodges-Lehmann computation", ok, rep["calls"])
        try:
            sp = subprocess.run(["/usr/bin/python3", "-c",
                                 "import json,sys; from scipy.stats import mannwhitneyu as m; d=json.load(sys.stdin);"
                                 "print(json.dumps([m(b, a, alternative='two-sided', method='exact').pvalue for a, b in d]))"],
                                input=json.dumps([[ta[repr(a_keys[c])], tb[repr(a_keys[c])]] for c in "ac"]),
                                capture_output=True, text=True, timeout=60)
            ps = json.loads(sp.stdout) if sp.returncode == 0 else None
        except OSError:
            ps = None
        if ps:
            mine = [verdict[repr(a_keys[c])]["p_value"] for c in "ac"]
            check("p-values equal scipy's exact Mann-Whitney", all(abs(x - y) < 1e-9 for x, y in zip(mine, ps)),
                  (mine, ps))
        else:
            print("SKIP: compare_selftest: scipy (python3-scipy) is not installed")

        # text output: the table says >1 s, and the summary
        t = cb("compare", a_dir, b_dir)
        d_line = [l for l in t.stdout.splitlines() if repr(a_keys["d"]) in l]
        check("text: the timeout shows as >1.00 s", d_line and ">1.00 s" in d_line[0] and "slower" in d_line[0], t.stdout)
        expect_gm = math.exp(sum(math.log(verdict[repr(a_keys[c])]["ratio"]) for c in "abc") / 3)
        gm_line = [l for l in t.stdout.splitlines() if l.startswith("all ")]
        check("text: geometric mean over the calls both finished",
              gm_line and gm_line[0].split()[1] == "3" and abs(float(gm_line[0].split()[2]) / expect_gm - 1) < 0.01,
              (gm_line, expect_gm))
        check("text: counts line", "2 slower, 1 faster" in t.stdout or "2 slower, 1 faster" in t.stdout.replace("  ", " "),
              t.stdout[-300:])

        # exit 0 when nothing is slower: A against itself, and a looser threshold that still flags d
        p = cb("compare", a_dir, a_dir)
        check("A against A: exit 0, all same", p.returncode == 0 and "0 slower, 0 faster, 4 same" in p.stdout,
              p.stdout[-400:])
        p = cb("compare", b_dir, a_dir, "--format", "json")
        rep_r = json.loads(p.stdout) if p.stdout.startswith("{") else {"calls": []}
        v_r = {c["args"][1:2]: c["verdict"] for c in rep_r["calls"]}
        check("B against A: the verdicts turn around", v_r.get("a") == "faster" and v_r.get("c") == "slower", v_r)
        check("B against A: a timed-out A (at least 1 s) against 20 ms is faster", v_r.get("d") == "faster", v_r)
        p = cb("compare", a_dir, b_dir, "--threshold", "400%")
        check("--threshold 400%: 3x is not slower, the timeout (>50x) is", p.returncode == 1
              and "1 slower" in p.stdout, p.stdout[-400:])
        p = cb("compare", a_dir, b_dir, "--threshold", "5000%")
        check("--threshold 5000%: nothing confidently slower: exit 0", p.returncode == 0, p.stdout[-600:])
        # a call that was ok in A and crashes in B: a regression, exit 1,
        # even with a threshold nothing else crosses
        c_dir = os.path.join(tmp, "C")
        shutil.copytree(a_dir, c_dir)
        path = os.path.join(c_dir, "calls.jsonl")
        with open(path) as f:
            recs = [json.loads(l) for l in f if l.strip()]
        recs[0].update(status="crash", times=[], cpu_times=[], error="killed by signal 11 (SIGSEGV)")
        with open(path, "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in recs))
        p = cb("compare", a_dir, c_dir, "--threshold", "5000%")
        check("a call newly crashed: exit 1, with the warning", p.returncode == 1 and
              "1 call that finished in A failed in B" in (p.stdout + p.stderr), (p.returncode, p.stdout[:600]))

        # not comparable: --min-time differs; CPU differs
        m_dir, m_keys = run(tmp, "M", {"a": 20000, "b": 20000, "c": 60000, "d": 20000}, "--min-time", "0.05")
        if m_dir:
            p = cb("compare", a_dir, m_dir)
            check("warns when --min-time differs", "--min-time was" in p.stderr + p.stdout, p.stdout[:800])
        w_dir = os.path.join(tmp, "warmup0")
        shutil.copytree(a_dir, w_dir)
        with open(os.path.join(w_dir, "run.json")) as f:
            run_json = json.load(f)
        run_json["options"].update(warmup=0, min_time=0.01)   # auto's target, given as a number
        with open(os.path.join(w_dir, "run.json"), "w") as f:
            json.dump(run_json, f)
        p = cb("compare", a_dir, w_dir)
        check("warns when --warmup differs, not when --min-time gives auto's target as a number",
              "--warmup was 1 in A and 0 in B" in p.stdout + p.stderr and "--min-time was" not in p.stdout + p.stderr,
              p.stdout[:800])
        c_dir = os.path.join(tmp, "otherhost")
        shutil.copytree(a_dir, c_dir)
        with open(os.path.join(c_dir, "run.json")) as f:
            run_json = json.load(f)
        run_json["host"]["cpu_model"] = "Some Other CPU 9000"
        with open(os.path.join(c_dir, "run.json"), "w") as f:
            json.dump(run_json, f)
        p = cb("compare", a_dir, c_dir)
        check("warns when the CPUs differ", "different CPUs" in p.stdout and "Some Other CPU 9000" in p.stdout,
              p.stdout[:800])
        # the same SymPy calls under two interpreters: paired, with the versions that differ named
        other_python = "/usr/bin/python3"
        sympy_ok = subprocess.run([other_python, "-c", "import sympy"], capture_output=True).returncode == 0
        if sympy_ok:
            envs = {}
            for name, py in (("E1", "python3"), ("E2", other_python)):
                d = os.path.join(tmp, name)
                os.makedirs(d)
                polys = {"p": (["x", "y"], [{(2, 1): 3, (0, 1): -1, (0, 0): 5}, {(1, 1): 2, (1, 0): 1}])}
                with open(os.path.join(d, "polys.pickle"), "wb") as f:
                    pickle.dump(polys, f)
                with open(os.path.join(d, "run_list.pickle"), "wb") as f:
                    pickle.dump({"mult": [("p", "p")], "add": [("p", "p")]}, f)
                p = cb("run", os.path.join(d, "polys.pickle"), os.path.join(d, "run_list.pickle"),
                       os.path.join(d, "out"), "--libraries", "sympy-dmp", "--venvs", py, "--repeats", "3")
                outs = [os.path.join(d, "out", x) for x in os.listdir(os.path.join(d, "out"))] \
                    if os.path.isdir(os.path.join(d, "out")) else []
                envs[name] = outs[0] if outs else None
            if envs["E1"] and envs["E2"]:
                p = cb("compare", envs["E1"], envs["E2"], "--format", "json")
                rep_e = json.loads(p.stdout) if p.stdout.startswith("{") else {"calls": [], "warnings": []}
                check("calls of one library in two interpreters are paired",
                      len(rep_e["calls"]) == 2 and all(c["ratio"] is not None for c in rep_e["calls"]), rep_e)
                w = "\n".join(rep_e["warnings"])
                check("warns that the environments differ", "ran in different environments" in w, w)
                lib = [json.load(open(os.path.join(envs[n], "run.json")))["libraries"][0] for n in ("E1", "E2")]
                vdiff = [k for k in lib[0]["versions"] if lib[0]["versions"][k] != lib[1]["versions"].get(k)]
                check("names every dependency version that differs (%s)" % ", ".join(vdiff),
                      all("%s %s in A, %s in B" % (k, lib[0]["versions"][k] or "none", lib[1]["versions"][k] or "none")
                          in w for k in vdiff)
                      and bool(vdiff), (w, vdiff))
            else:
                check("runs under two interpreters", False, envs)
        else:
            print("SKIP: compare_selftest: /usr/bin/python3 has no SymPy for the two-interpreter case")

        p = cb("compare", a_dir)
        check("one directory: exit 2", p.returncode == 2 and p.stderr.startswith("casbench: "), p.stderr)
        p = cb("compare", a_dir, b_dir, "--threshold", "ten")
        check("bad threshold: exit 2", p.returncode == 2 and "--threshold" in p.stderr, p.stderr)
        p = cb("compare", "--help")
        check("--help", p.returncode == 0 and "Exit status" in p.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":   # run_rounds.py imports hl_interval
    main()
    sys.exit(1 if check.failed else 0)
