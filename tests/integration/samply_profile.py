#!/usr/bin/env python3
"""samply_profile.py — `--cpu-profiler samply` with the real samply of
casbench's prefix (tools/install-deps.sh), docs/design.md §8.2, docs/profiling.md:

- `casbench libraries` shows samply available, version 0.13.1, from
  PREFIX/cargo/bin (not from PATH);
- a FLINT product and a SymPy product (Python 3.12 and 3.13 venvs):
  per runner the saved profile profiles/RUNNER.samply.json.gz (gzip, Firefox
  Profiler's processed format) and its symbols; per call, split by the call
  child's pid, the perf path's outputs: folded stacks, SVG flame graph, the
  record's `profile` with top functions; Python frames named through
  CPython's perf map (`PolyElement.__mul__ [rings.py]`);
- the saved profile read back here, independently of casbench's C code: its
  format version, exactly one thread per call child, and in that thread's
  samples (symbolicated here with the sidecar) the expected functions;
- samply and perf on the same calls: self time in user space (samply
  samples user space only, so perf's kernel frames count for the user
  function below them): the same top 3 up to ties (2 points), shares within 10 points (names
  compared without leading underscores: samply's symbolication drops one).
A missing samply FAILS (make test installs it)."""
import bisect
import glob
import gzip
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "samply_profile"
check = cbtest.Checker(NAME, 600)
SAMPLY = os.path.join(cbtest.PREFIX, "cargo", "bin", "samply")


def rand_system(rng, nvars, nterms):
    return (["x%d" % i for i in range(nvars)],
            [{tuple(rng.randrange(12) for _ in range(nvars)): rng.randrange(-10 ** 6, 10 ** 6) for _ in range(nterms)}])


def symbolicate(profile, sidecar):
    """{pid: [stack (leaf first) of names]} of every thread, named here."""
    strings = sidecar["string_table"]
    tables = {}
    for d in sidecar["data"]:
        syms = sorted((s["rva"], s["size"], strings[s["symbol"]]) for s in d["symbol_table"])
        tables[(d.get("code_id") or "").lower()] = syms
    out = {}
    for th in profile["threads"]:
        sa, ft, fu, rt, st = th["stringArray"], th["frameTable"], th["funcTable"], th["resourceTable"], th["stackTable"]

        def name(f):
            fn = ft["func"][f]
            raw = sa[fu["name"][fn]]
            if not raw.startswith("0x"):
                return raw
            res = fu["resource"][fn]
            lib = profile["libs"][rt["lib"][res]] if res is not None and res >= 0 else {}
            syms = tables.get((lib.get("codeId") or "").lower(), [])
            i = bisect.bisect_right([s[0] for s in syms], ft["address"][f]) - 1
            return syms[i][2] if i >= 0 else "?"
        stacks = []
        for s in th["samples"]["stack"]:
            chain = []
            while s is not None:
                chain.append(name(st["frame"][s]))
                s = st["prefix"][s]
            stacks.append(chain)
        out.setdefault(th["pid"], []).extend(stacks)
    return out


def user_top(out, rec, n):
    """The N functions with the most samples as the innermost user-space
    frame (kernel frames dropped), names without leading underscores, and
    their shares (%), from the call's folded stacks."""
    folded = (rec.get("profile") or {}).get("folded")
    paths = glob.glob(os.path.join(out, "results_*", folded or "?"))
    counts, total = {}, 0
    for line in open(paths[0]) if paths else []:
        stack, k = line.rsplit(" ", 1)
        frames = [f for f in stack.split(";") if not f.endswith(" [kernel]")]
        leaf = frames[-1].lstrip("_") if frames else "[kernel]"
        counts[leaf] = counts.get(leaf, 0) + int(k)
        total += int(k)
    return sorted(((f, 100.0 * c / total) for f, c in counts.items()), key=lambda x: -x[1])[:n]


# Two shares closer than this are a tie in a profile of a few hundred
# samples (about two standard errors of a 7 % share over 800 samples):
# which of two tied functions is third is the sampler's luck, not a
# disagreement (CI saw dictiter 6.5 % vs PyObject_Malloc 6.7 % swap).
TIE_POINTS = 2.0


def same_top3(a, b):
    """Each function in a's top 3 is in b's top 3, or ties b's third."""
    third = b[2][1]
    shares = dict(b)
    return all(f in dict(b[:3]) or (f in shares and abs(shares[f] - third) <= TIE_POINTS)
               for f, _ in a[:3])


def main():
    if not os.access(cbtest.CB, os.X_OK):
        print("FAIL: %s: casbench is not built (%s)" % (NAME, cbtest.CB))
        return 1
    venvs, missing = cbtest.pinned_venvs()
    py = [d for v, d in venvs if v in ("3.12", "3.13")]
    check("the pinned 3.12/3.13 venvs are installed", py and not missing, missing)
    rows, _ = cbtest.libraries_rows(["--venvs"] + py[:1])
    row = [r for r in rows if r["library"] == "samply"]
    check("libraries: samply available, 0.13.1, from the prefix",
          len(row) == 1 and row[0]["available"] == "yes" and row[0]["version"] == "samply 0.13.1"
          and row[0]["environment"] == SAMPLY, row)
    if not os.access(SAMPLY, os.X_OK) or not py:
        return 1
    rng = random.Random(12)
    # about 1000 samples of each: FLINT a product of ~7 ms, 300 times;
    # SymPy one of ~0.2 s, 10 times
    datasets = {"flint": ({"a": rand_system(rng, 4, 1200), "b": rand_system(rng, 4, 1200)}, 300),
                "sympy-domains": ({"a": rand_system(rng, 4, 450), "b": rand_system(rng, 4, 450)}, 10)}
    with tempfile.TemporaryDirectory() as tmp:
        out = {}
        for prof in ("samply", "perf"):
            o = os.path.join(tmp, prof)
            for lib, (polys, repeats) in datasets.items():
                paths = cbtest.write_dataset(tmp, polys, {"mult": [("a", "b")], "add": [("a", "b")]}, lib + ".")
                p = cbtest.run(["run"] + paths + [o, "--cpu-profiling", "--cpu-profiler", prof, "--libraries", lib,
                                                  "--venvs"] + py + ["--repeats", str(repeats), "--timeout", "300"],
                               cwd=tmp)
                check("%s run of %s exits 0" % (prof, lib), p.returncode == 0, p.stderr[-500:])
            out[prof] = (o, {(r["runner"], r["function"]): r for r in cbtest.records(o)})
        o, recs = out["samply"]
        runners = sorted({r for r, _ in recs})
        check("samply: flint and one SymPy runner per venv", len(runners) == 1 + len(py), runners)
        for runner in runners:
            rd = [d for d in glob.glob(os.path.join(o, "results_*"))
                  if os.path.exists(os.path.join(d, "profiles", runner + ".samply.json.gz"))][0]
            saved = os.path.join(rd, "profiles", runner + ".samply.json.gz")
            mine = [r for (rn, _), r in recs.items() if rn == runner]
            check("%s: every call ok, each with the perf path's per-call outputs" % runner,
                  mine and all(r["status"] == "ok" and (r.get("profile") or {}).get("profiler") == "samply"
                               and os.path.isfile(os.path.join(rd, r["profile"]["folded"]))
                               and os.path.isfile(os.path.join(rd, r["profile"]["flamegraph"]))
                               and (r["function"] != "mult" or r["profile"]["top_self"] and r["profile"]["samples"] > 50)
                               and r["profile"]["profile"] == "profiles/%s.samply.json.gz" % runner for r in mine),
                  [(r["status"], {k: v for k, v in (r.get("profile") or {}).items() if k not in ("top_self", "top_total")})
                   for r in mine])
            try:
                with gzip.open(saved, "rt") as f:
                    profile = json.load(f)
                with open(saved.replace(".json.gz", ".json.syms.json")) as f:
                    sidecar = json.load(f)
            except (OSError, ValueError) as e:
                check("%s: the saved profile is gzip'd JSON with its symbols" % runner, False, e)
                continue
            meta = profile.get("meta", {})
            check("%s: Firefox Profiler's processed format, version %s/%s" % (runner, meta.get("version"),
                                                                              meta.get("preprocessedProfileVersion")),
                  meta.get("version", 0) >= 24 and meta.get("preprocessedProfileVersion", 0) >= 49
                  and meta.get("interval") == 2.0, meta.get("version"))
            stacks = symbolicate(profile, sidecar)
            for r in mine:
                threads = [t for t in profile["threads"] if t["pid"] == str(r["pid"])]
                check("%s %s: one thread for its call child (pid %d)" % (runner, r["function"], r["pid"]),
                      len(threads) == 1, [t["pid"] for t in profile["threads"]])
                frames = {f for s in stacks.get(str(r["pid"]), []) for f in s}
                if r["function"] != "mult":
                    continue
                want = "fmpz_mpoly_mul" if runner.startswith("flint") else "py::PolyElement.__mul__:"
                check("%s mult: its samples hold %s" % (runner, want), any(want in f for f in frames),
                      sorted(frames)[:20])
                if not runner.startswith("flint"):
                    folded = open(os.path.join(rd, r["profile"]["folded"])).read()
                    check("%s mult: Python frames in the folded stacks (perf map)" % runner,
                          "PolyElement.__mul__ [rings.py]" in folded and r["profile"]["python_frames"] == "perf-map",
                          (r["profile"]["python_frames"], folded[:300]))

        # samply against perf on the same calls: self time in user space
        # (samply samples user space only; perf's kernel frames count for
        # the user function that entered the kernel)
        for runner in ("flint.cpu", "sympy-domains.env0.gc-on.cpu"):
            s, p = out["samply"][1].get((runner, "mult"), {}), out["perf"][1].get((runner, "mult"), {})
            ts, tp = user_top(out["samply"][0], s, 5), user_top(out["perf"][0], p, 5)
            ds, dp = dict(ts), dict(tp)
            ok = (len(ts) >= 3 and len(tp) >= 3 and same_top3(ts, tp) and same_top3(tp, ts)
                  and all(f in ds and f in dp and abs(ds[f] - dp[f]) <= 10
                          for f, _ in ts[:3] + tp[:3]))
            check("%s mult: samply's and perf's top self functions agree (within 10 points)" % runner, ok,
                  {"samply": ts, "perf": tp})
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
