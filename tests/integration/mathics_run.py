#!/usr/bin/env python3
"""mathics_run.py — the `mathics` library: the Mathematica harness's own
Wolfram Language text run by a real Wolfram Language interpreter, Mathics3
(PREFIX/venv-mathics, tools/requirements-mathics.txt), docs/design.md §6:

- `casbench libraries`: mathics available, version 10.0.1, the kernel
  command in PREFIX; mathematica still unavailable with its reason;
- the probe offers exactly the functions whose WL functions Mathics3 has,
  as Mathics3 itself answers Names["System`NAME"] here;
- `--verify` with flint on random systems and small literature problems:
  every call of an offered function is ok with flint's digest; every other
  call is `unsupported` naming the WL function Mathics3 lacks;
- a benchmark run: the kernel's own times (integer ns) in every record;
- a call past its limit is a timeout, and the next call runs in a fresh
  kernel.
A missing Mathics3 venv FAILS (make test installs it)."""
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "mathics_run"
check = cbtest.Checker(NAME, 600)
MATHICS = os.path.join(cbtest.PREFIX, "venv-mathics", "bin", "mathics")
WL = {"divmod": "PolynomialReduce", "resultant": "Resultant", "gcd": "PolynomialGCD", "lcm": "PolynomialLCM",
      "factor": "FactorList", "groebner": "GroebnerBasis"}
ALL = ["add", "sub", "mult", "divmod", "resultant", "gcd", "lcm", "factor", "leading_coefficient", "groebner"]


def has(names):
    """Which of NAMES Mathics3 itself defines (asked here, not by casbench)."""
    text = "".join('Print["%s ", Names["System`%s"] =!= {}]\n' % (n, n) for n in names)
    p = subprocess.run([MATHICS, "-q", "--no-readline", "-f", "/dev/stdin"], input=text, capture_output=True,
                       text=True, timeout=300)
    return {line.split()[0] for line in p.stdout.splitlines() if line.endswith(" True")}


def rand_poly(rng, nvars, nterms):
    return {tuple(rng.randrange(4) for _ in range(nvars)): rng.choice((-1, 1)) * rng.randrange(1, 10 ** 12)
            for _ in range(nterms)}


def main():
    if not os.access(cbtest.CB, os.X_OK):
        print("FAIL: %s: casbench is not built (%s)" % (NAME, cbtest.CB))
        return 1
    if not os.access(MATHICS, os.X_OK):
        print("FAIL: %s: %s is not installed (sh tools/install-deps.sh mathics)" % (NAME, MATHICS))
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        rows, p = cbtest.libraries_rows(cwd=tmp)
        m = [r for r in rows if r["library"] == "mathics"]
        check("libraries: mathics available, Mathics3 10.0.1, kernel in the prefix",
              len(m) == 1 and m[0]["available"] == "yes" and m[0]["version"] == "10.0.1", m)
        mm = [r for r in rows if r["library"] == "mathematica"]
        check("libraries: mathematica still unavailable with its reason",
              len(mm) == 1 and mm[0]["available"] == "no" and "not on PATH" in mm[0]["reason / description"], mm)

        present = has(list(WL.values()))
        offered = [f for f in ALL if f not in WL or WL[f] in present]
        import json
        probe = subprocess.run([cbtest.harness_path("mathematica"), "--probe", "mathics"], capture_output=True,
                               text=True, timeout=300)
        info = json.loads(probe.stdout) if probe.returncode == 0 else {}
        check("probe: offers what Mathics3 has (%s)" % ", ".join(offered), info.get("functions") == offered, info)
        check("probe: add, sub, mult, leading_coefficient among them",
              {"add", "sub", "mult", "leading_coefficient"} <= set(info.get("functions") or []), info)

        rng = random.Random(16)
        polys = {"a": (["x", "y", "z"], [rand_poly(rng, 3, 12), rand_poly(rng, 3, 8), {}]),
                 "b": (["x", "y", "z"], [rand_poly(rng, 3, 10), rand_poly(rng, 3, 15), rand_poly(rng, 3, 3)]),
                 "c4": (["a", "b", "c", "d"], [{(1, 0, 0, 0): 1, (0, 1, 0, 0): 1, (0, 0, 1, 0): 1, (0, 0, 0, 1): 1},
                                                {(1, 1, 0, 0): 1, (0, 1, 1, 0): 1, (0, 0, 1, 1): 1, (1, 0, 0, 1): 1},
                                                {(1, 1, 1, 0): 1, (0, 1, 1, 1): 1, (1, 0, 1, 1): 1, (1, 1, 0, 1): 1},
                                                {(1, 1, 1, 1): 1, (0, 0, 0, 0): -1}])}
        run_list = {f: [("a", "b")] for f in ALL[:7]}
        run_list.update(factor=[("a",)], leading_coefficient=[("a",), ("b",)], groebner=[("c4",)])
        data = cbtest.write_dataset(tmp, polys, run_list)
        out = os.path.join(tmp, "verify")
        p = cbtest.run(["run"] + data + [out, "--verify", "--libraries", "flint", "mathics", "--timeout", "120"],
                       cwd=tmp)
        check("verify with flint and mathics exits 0", p.returncode == 0, p.stderr[-500:])
        recs = cbtest.records(out)
        flint = {(r["function"], tuple(r["args"])): r for r in recs if r["library"] == "flint"}
        mine = [r for r in recs if r["library"] == "mathics"]
        check("verify: every call has a mathics record", len(mine) == len(flint) == 11, (len(mine), len(flint)))
        for r in mine:
            f = flint.get((r["function"], tuple(r["args"])), {})
            if r["function"] in offered:
                check("verify %s%s: ok, flint's digest" % (r["function"], tuple(r["args"])),
                      r["status"] == "ok" and r.get("digest") == f.get("digest"),
                      (r["status"], r.get("error"), r.get("result_head"), f.get("result_head")))
            else:
                check("verify %s: unsupported, naming %s" % (r["function"], WL[r["function"]]),
                      r["status"] == "unsupported" and "Mathics3 10.0.1 has no " + WL[r["function"]] in (r["error"] or ""),
                      (r["status"], r.get("error")))

        # small literature problems: products and leading coefficients
        lit = os.path.join(tmp, "lit")
        cbtest.run(["systems", lit, "fateman-2", "pearce-1-2", "dense-2-2", "mp-1-1"], cwd=tmp)
        out = os.path.join(tmp, "lit-out")
        p = cbtest.run(["run", os.path.join(lit, "polys.pickle"), os.path.join(lit, "run_list.pickle"), out,
                        "--verify", "--libraries", "flint", "mathics", "--run-list-filter", "mult",
                        "--timeout", "120"], cwd=tmp)
        recs = cbtest.records(out)
        fl = {tuple(r["args"]): r.get("digest") for r in recs if r["library"] == "flint"}
        ma = {tuple(r["args"]): (r["status"], r.get("digest")) for r in recs if r["library"] == "mathics"}
        check("literature products: Mathics3's equal FLINT's (%d)" % len(fl),
              len(fl) == 4 and all(ma.get(k) == ("ok", d) for k, d in fl.items()), (fl, ma))

        # benchmark: the kernel's times; a call past its limit; the next one
        polys["big_a"] = (["x", "y", "z", "t"], [rand_poly(rng, 4, 400)])
        polys["big_b"] = (["x", "y", "z", "t"], [rand_poly(rng, 4, 400)])
        data = cbtest.write_dataset(tmp, polys, {"mult": [("big_a", "big_b"), ("a", "b")], "add": [("a", "b")]})
        out = os.path.join(tmp, "bench")
        # one round; seed 0 draws the run-list order for its round 0 (the
        # draw is checked in run_rounds.py), so the big product runs first
        p = cbtest.run(["run"] + data + [out, "--libraries", "mathics", "--timeout", "20", "--repeats", "2",
                                         "--rounds", "1", "--seed", "0"], cwd=tmp)
        recs = sorted(cbtest.records(out), key=lambda r: r["call"])
        st = [(r["function"], r["status"]) for r in recs]
        check("benchmark: the big product times out, the calls after it run (a fresh kernel)",
              st == [("mult", "timeout"), ("mult", "ok"), ("add", "ok")], [(r["status"], r.get("error")) for r in recs])
        ok = [r for r in recs if r["status"] == "ok"]
        check("benchmark: the kernel's own times, two repeats each",
              ok and all(len(r["times"]) == 2 and all(0 < t < 20 for t in r["times"]) for r in ok),
              [r["times"] for r in ok])
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
