"""mathematica_text.py — what can be tested of the mathematica harness
without Mathematica (which cannot be installed here).

- The Wolfram Language text the harness sends (`--wl CONFIG`): the
  definitions and, per function, the timed command (of one execution, and
  of a repeat of three in a Do loop) and the verify commands,
  against hand-written files of expected text in tests/integration/
  mathematica/ (written from the Wolfram Language documentation of Plus,
  Expand, PolynomialReduce, Resultant, PolynomialGCD, PolynomialLCM,
  FactorList, Coefficient, Exponent, GroebnerBasis, Timing, AbsoluteTiming, Do;
  the same text runs in Mathics3 for real: mathics_run.py);
  groebner with --order grevlex;
- on a larger random dataset (big and negative coefficients, a zero
  polynomial, three generators), every command is well formed: brackets,
  braces and parentheses balance, strings close, one expression per line;
- --probe: unavailable with the reason when no kernel is on PATH;
- a protocol run without a kernel: every call is `error` with the reason
  (no crash, results written), systems of different generator counts too;
- `casbench libraries` lists singular and pari with their versions and
  mathematica as unavailable with the reason.
Nothing here runs Mathematica's kernel: the harness is untested against it
(it runs against Mathics3's in mathics_run.py)."""
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

HARNESS = cbtest.harness_path("mathematica")
EXPECTED = os.path.join(HERE, "mathematica")
check = cbtest.Checker("mathematica_text", 800)


def wl_text(tmp, cfg):
    path = os.path.join(tmp, "wl.pickle")
    with open(path, "wb") as f:
        pickle.dump(cfg, f)
    p = subprocess.run([HARNESS, "--wl", path], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def sections(text):
    """'(* definitions *)' and '(* call N: FUNCTION ARGS *)' -> their lines"""
    out, name = {}, None
    for line in text.split("\n"):
        if line.startswith("(* definitions *)"):
            name = "definitions"
            out[name] = []
        elif line.startswith("(* call "):
            name = line.split(": ", 1)[1].split(" ", 1)[0]
            out[name] = []
        elif name is not None and line:
            out[name].append(line)
    return out


def expected(name):
    with open(os.path.join(EXPECTED, name + ".wl")) as f:
        return [line for line in f.read().split("\n") if line]


def balanced(line):
    """brackets balance outside strings, strings close"""
    stack, in_str, esc = [], False, False
    pairs = {"]": "[", "}": "{", ")": "("}
    for ch in line:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{(":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack and not in_str


def main():
    if not os.path.exists(HARNESS):
        print("FAIL: mathematica_text: %s is missing" % HARNESS)
        return 1
    fns = ["add", "sub", "mult", "divmod", "resultant", "gcd", "lcm", "factor", "leading_coefficient", "groebner"]
    polys = {"p": (["x", "y"], [{(2, 1): 3, (0, 0): -5}, {(1, 0): 1, (0, 1): -1}]),
             "q": (["x", "y"], [{(1, 1): 2, (0, 0): 1}, {(0, 2): -4}])}
    run_list = {f: [("p", "q")] for f in fns[:7]}
    run_list.update({f: [("p",)] for f in fns[7:]})
    tmp = tempfile.mkdtemp(prefix="cb-wl-")
    try:
        rc, out, err = wl_text(tmp, {"polys": polys, "run_list": run_list})
        check("--wl exits 0", rc == 0, err)
        got = sections(out)
        check("definitions = definitions.wl", got.get("definitions") == expected("definitions"),
              "\n".join(got.get("definitions", [])))
        for f in fns:
            check("%s text = %s.wl" % (f, f), got.get(f) == expected(f), "\n".join(got.get(f, [])))
        rc, out, err = wl_text(tmp, {"polys": polys, "run_list": {"groebner": [("p",)]}, "order": "grevlex"})
        check("groebner --order grevlex text = groebner_grevlex.wl",
              sections(out).get("groebner") == expected("groebner_grevlex"), out)

        # well-formed text on a larger dataset
        rng = random.Random(3)

        def rand():
            return {tuple(rng.randrange(6) for _ in range(3)): rng.choice([-1, 1]) * rng.randrange(1, 10 ** 30)
                    for _ in range(12)}
        big = {"a": (["x", "y", "z"], [rand(), {}, rand()]), "b": (["x", "y", "z"], [rand(), rand(), {(0, 0, 0): 0}])}
        rl = {f: [("a", "b")] for f in fns[:7]}
        rl.update({f: [("a",)] for f in fns[7:]})
        rc, out, err = wl_text(tmp, {"polys": big, "run_list": rl})
        lines = [l for l in out.split("\n") if l and not l.startswith("(*")]
        check("larger dataset: every line balanced", rc == 0 and lines and all(balanced(l) for l in lines),
              [l for l in lines if not balanced(l)][:2])
        defs = sections(out).get("definitions", [])
        check("larger dataset: zero polynomials are 0, negative coefficients parenthesised",
              "cbP[0, 1] = 0;" in defs and "cbP[1, 2] = 0;" in defs
              and any("(-" in d for d in defs if d.startswith("cbP[")), defs)

        env = dict(os.environ)
        on_path = any(shutil.which(k) for k in ("wolframscript", "WolframKernel", "math"))
        if on_path:
            print("SKIP: mathematica_text: a Wolfram kernel is on PATH; unavailable checks skipped")
        else:
            pr = subprocess.run([HARNESS, "--probe", "mathematica"], capture_output=True, text=True, timeout=30)
            probe = json.loads(pr.stdout or "{}")
            check("probe: unavailable, with the reason", probe.get("available") is False
                  and probe.get("reason") == "wolframscript/WolframKernel not on PATH", probe)
            cfg_path, res_path = os.path.join(tmp, "c.pickle"), os.path.join(tmp, "r.pickle")
            calls = os.path.join(tmp, "calls.jsonl")
            polys2 = dict(polys, two=(["x"], [{(1,): 1}]))
            rl2 = {"add": [("p", "q"), ("p", "two")], "groebner": [("p",)]}
            with open(cfg_path, "wb") as f:
                pickle.dump({"type": "benchmark", "run_list": rl2, "polys": polys2, "gc": False, "repeats": 1,
                             "log_file": None, "timeout": 10.0, "library": "mathematica",
                             "calls_jsonl": calls}, f)
            p = subprocess.run([HARNESS], input=f"{cfg_path}\n{res_path}\n", capture_output=True, text=True,
                               timeout=60, env=env)
            recs = [json.loads(l) for l in open(calls)] if os.path.exists(calls) else []
            check("protocol run without a kernel: exits 0, results written",
                  p.returncode == 0 and os.path.exists(res_path), p.stderr)
            check("every call is an error with the reason",
                  [r["status"] for r in recs] == ["error"] * 3
                  and "not on PATH" in recs[0]["error"] and "generators" in recs[1]["error"],
                  [(r["status"], r["error"]) for r in recs])

        cb = os.path.join(cbtest.BUILD, "casbench")
        if os.path.exists(cb):
            lib = subprocess.run([cb, "libraries"], capture_output=True, text=True, timeout=120).stdout
            rows = {l.split()[0]: l for l in lib.split("\n") if l.strip()}
            sing = subprocess.run(["Singular", "--dump-versiontuple"], capture_output=True, text=True,
                                  timeout=30).stdout.strip() if shutil.which("Singular") else None
            if sing:
                check("casbench libraries: singular with its version", sing in rows.get("singular", "")
                      and " yes " in rows.get("singular", ""), rows.get("singular"))
            check("casbench libraries: pari available with a version",
                  " yes " in rows.get("pari", "") and "2." in rows.get("pari", ""), rows.get("pari"))
            if not on_path:
                check("casbench libraries: mathematica unavailable with the reason",
                      "wolframscript/WolframKernel not on PATH" in rows.get("mathematica", ""),
                      rows.get("mathematica"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
