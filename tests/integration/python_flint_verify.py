#!/usr/bin/env python3
"""python_flint_verify.py — the python-flint adapter against the real
python-flint of every pinned venv (tools/requirements-venv.txt), docs/design.md §6:

- the probe offers every function of docs/design.md §7 that python-flint has on
  fmpz_mpoly (all ten with 0.9.0: lcm is p*q/gcd, groebner
  fmpz_mpoly_vec.buchberger_naive + autoreduction) and reports its version;
- `--verify` on the default suite: every call ok in every venv, digest equal
  to the flint C harness's;
- `--verify` on small instances of the literature problems (products,
  exact divisions, gcd pairs, factor, a colouring ideal): the same.
A pinned venv that is missing FAILS (make test installs them)."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "python_flint_verify"
check = cbtest.Checker(NAME, 600)
FUNCTIONS = ["add", "sub", "mult", "divmod", "resultant", "gcd", "lcm", "factor",
             "leading_coefficient", "groebner"]
LITERATURE = ["fateman-3", "fateman3-4", "pearce-2-2", "pearcediv-2-2", "dense-2-3", "densediv-3-2",
              "mp-1", "gcd-sparse-2-1-1-2", "gcd-dense2-2-1-1-2", "gcd-semisparse3-1-1-1-1", "lfgcd-2-3",
              "factor-1", "color3-complete-3", "cyclic-4"]


def compare(label, out, venvs):
    """Every flint call has a python-flint record per venv, ok, same digest."""
    recs = cbtest.records(out)
    flint = {(r["function"], tuple(r["args"])): r for r in recs if r["library"] == "flint"}
    py = [r for r in recs if r["library"] == "python-flint"]
    check("%s: flint ran every call" % label, flint and all(r["status"] == "ok" for r in flint.values()),
          [r for r in flint.values() if r["status"] != "ok"][:2])
    check("%s: python-flint ran every call in each of the %d venvs" % (label, len(venvs)),
          len(py) == len(flint) * len(venvs), (len(py), len(flint)))
    bad = [(r["env"], r["function"], r["args"], r["status"], r.get("error"))
           for r in py if r["status"] != "ok" or r.get("digest") != flint.get((r["function"], tuple(r["args"])), {}).get("digest")]
    check("%s: python-flint's digests equal flint's on every call" % label, not bad, bad[:4])
    return {r["function"] for r in flint.values()}


def main():
    venvs = cbtest.built_and_pinned(NAME, check)
    if not venvs:
        return 1
    dirs = [d for _, d in venvs]
    with tempfile.TemporaryDirectory() as tmp:
        rows, _ = cbtest.libraries_rows(["--venvs"] + dirs, cwd=tmp)
        rows = [r for r in rows if r["library"] == "python-flint"]
        check("libraries: python-flint available in every venv, version 0.9.0",
              len(rows) == len(dirs) and all(r["available"] == "yes" and r["version"] == "0.9.0" for r in rows), rows)

        # the probe's function list: every function of docs/design.md §7
        probe = subprocess.run([os.path.join(dirs[0], "bin", "python"),
                                os.path.join(cbtest.BUILD, "harness", "python", "casbench_harness.py"),
                                "--probe", "python-flint"], capture_output=True, text=True, timeout=60)
        info = json.loads(probe.stdout) if probe.returncode == 0 else {}
        check("probe: python-flint offers all ten functions", info.get("functions") == FUNCTIONS, info)

        # the default suite
        out = os.path.join(tmp, "suite")
        p = cbtest.run(["run", "--verify", "--libraries", "flint", "python-flint", "--venvs"] + dirs +
                       ["--timeout", "60"], cwd=tmp)
        check("default suite --verify exits 0", p.returncode == 0, p.stderr[-500:])
        seen = compare("default suite", os.path.join(tmp, "casbench-results"), venvs)
        check("default suite: every function was called", seen == set(FUNCTIONS), sorted(seen))

        # the literature problems, small instances
        lit = os.path.join(tmp, "lit")
        p = cbtest.run(["systems", lit] + LITERATURE, cwd=tmp)
        check("systems: the literature problems build", p.returncode == 0, p.stderr)
        p = cbtest.run(["run", os.path.join(lit, "polys.pickle"), os.path.join(lit, "run_list.pickle"), out,
                        "--verify", "--libraries", "flint", "python-flint", "--venvs"] + dirs + ["--timeout", "60"],
                       cwd=tmp)
        check("literature --verify exits 0", p.returncode == 0, p.stderr[-500:])
        seen = compare("literature", out, venvs)
        check("literature: mult, divmod, gcd, factor, groebner were called",
              {"mult", "divmod", "gcd", "factor", "groebner"} <= seen, sorted(seen))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
