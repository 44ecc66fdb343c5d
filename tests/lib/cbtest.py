"""cbtest.py — helpers shared by the Python integration tests
(tests/integration/*.py), so that each piece of test plumbing is written once:

- where things are: the build (CASBENCH_BUILD), the source tree
  (CASBENCH_ROOT), casbench, and the fixtures (tests/fixtures/, FIXTURES);
- Checker: the PASS:/FAIL: lines a test prints, remembering a failure;
- run_harness: drive a harness through the protocol (docs/protocol.md):
  write the config pickle, feed the two paths on stdin, read calls.jsonl and
  the results pickle;
- canon: the canonical text of a polynomial (docs/protocol.md, "The verify
  digest"), written independently of the C code, and SymPy's side of it
  (terms_of, to_expr, canon_factor, parse_canon);
- by_call, result_text: a verify run's records by call, and their results;
  sympy_pair_results: SymPy's results of the pair functions;
- descendants: the processes below a pid;
- chromium: headless Chromium, or None when it is not installed;
- PREFIX, pinned_venvs, records, run: casbench's own install prefix and the
  pinned venvs tools/install-deps.sh builds there (a test needing one that
  is missing FAILS: `make test` installs them), a results directory's
  records, and `casbench ARGS` run in a directory;
- a test's main: not_built / exit_unless_casbench_built (a FAIL line when
  the build is missing), run_steps_in_tmp (the steps in one temporary
  directory, the exit status), write_text;
- pids_whose: the processes whose /proc file passes a test;
- verify_config, verify_results, check_call_error, probe_harness: a
  harness's verify run, its error records, its --probe;
- value_difference: where two values differ in value, type or order;
- original_polys: the original generator's draws (also bench/gen_reference.py);
  sympy_phc: SymPy's reading of a PHCpack system.

A test imports it by path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import cbtest  # noqa: E402
"""
import json
import math
import os
import pickle
import shutil
import subprocess
import tempfile
import time
from functools import reduce
from math import gcd

ROOT = os.environ.get("CASBENCH_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("CASBENCH_BUILD") or os.path.join(ROOT, "build")
CB = os.path.join(BUILD, "casbench")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def chromium(tmp, *args):
    """Headless Chromium (a fresh profile in tmp, offline) doing args: the
    CompletedProcess, or None when Chromium is not installed."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        return None
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + tempfile.mkdtemp(dir=tmp), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


PREFIX = os.environ.get("CASBENCH_PREFIX") or "/opt/casbench"


def _has_python(version):
    """Is CPython VERSION ("3.12") on this machine, where tools/install-deps.sh
    looks for it (pyenv's versions, else pythonX.Y on PATH)?"""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    versions = os.path.join(root, "versions")
    if os.path.isdir(versions) and any(
            v.startswith(version + ".") and os.access(os.path.join(versions, v, "bin", "python" + version), os.X_OK)
            for v in os.listdir(versions)):
        return True
    return shutil.which("python" + version) is not None


def pinned_venvs():
    """[(version, venv directory)] of casbench's pinned venvs
    (PREFIX/venv-3.X) for each CPython 3.11-3.13 on the machine, and the
    list of those missing or broken (with why)."""
    found, missing = [], []
    for v in ("3.11", "3.12", "3.13"):
        if not _has_python(v):
            continue
        d = os.path.join(PREFIX, "venv-" + v)
        if os.path.isfile(os.path.join(d, ".casbench-stamp")) and os.access(os.path.join(d, "bin", "python"), os.X_OK):
            found.append((v, d))
        else:
            missing.append("%s is missing or incomplete (sh tools/install-deps.sh venvs)" % d)
    return found, missing


def records(results_parent):
    """Every record of the results directories under results_parent."""
    out = []
    for d in sorted(os.listdir(results_parent)):
        path = os.path.join(results_parent, d, "calls.jsonl")
        if d.startswith("results_") and os.path.isfile(path):
            with open(path) as f:
                out.extend(json.loads(line) for line in f if line.strip())
    return out


def run(args, cwd=None, timeout=900, env=None):
    """`casbench ARGS` (CompletedProcess, text)."""
    return subprocess.run([CB] + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def pmul(p, q):
    """The product of two polynomials as dicts {exponent tuple: int}, by plain
    dict arithmetic (independent of every harness)."""
    r = {}
    for e1, c1 in p.items():
        for e2, c2 in q.items():
            e = tuple(a + b for a, b in zip(e1, e2))
            r[e] = r.get(e, 0) + c1 * c2
    return {e: c for e, c in r.items() if c}


def write_dataset(tmp, polys, run_list, name=""):
    """polys and run_list pickled into tmp (NAMEpolys.pickle,
    NAMErun_list.pickle); their two paths."""
    paths = [os.path.join(tmp, name + "polys.pickle"), os.path.join(tmp, name + "run_list.pickle")]
    for path, value in zip(paths, (polys, run_list)):
        with open(path, "wb") as f:
            pickle.dump(value, f, protocol=4)
    return paths


def built_and_pinned(name, check):
    """The pinned venvs [(version, dir)] for a test that needs casbench and
    them; None (after a FAIL line) when casbench is not built or none is
    installed; a missing one is a failed check."""
    if not os.access(CB, os.X_OK):
        print("FAIL: %s: casbench is not built (%s)" % (name, CB))
        return None
    venvs, missing = pinned_venvs()
    check("the pinned venvs are installed", venvs and not missing, missing)
    return venvs or None


def libraries_rows(args=(), cwd=None, env=None):
    """`casbench libraries --format json ARGS` as a list of row dicts, and
    the CompletedProcess."""
    p = run(["libraries", "--format", "json"] + list(args), cwd=cwd, timeout=300, env=env)
    if p.returncode != 0:
        return [], p
    table = json.loads(p.stdout)
    cols = [c["name"] for c in table["columns"]]
    return [dict(zip(cols, r)) for r in table["rows"]], p


def probe_harness(harness, library):
    """`HARNESS --probe LIBRARY`: the CompletedProcess and its JSON ({}
    when stdout is not JSON)."""
    p = subprocess.run([harness, "--probe", library], capture_output=True, text=True)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, {}


def harness_path(name):
    """The built C harness casbench-harness-NAME."""
    return os.path.join(BUILD, "harness", "casbench-harness-" + name)


class Checker:
    """check(name, ok, detail) prints "PASS: PREFIX: name" or "FAIL: PREFIX:
    name -- detail" (detail cut to limit characters, None: whole; no
    "PREFIX: " when prefix is None; sep instead of " -- "; when only_given,
    nothing after the name for an empty detail); check.failed tells whether
    any check failed."""

    def __init__(self, prefix, limit=None, sep=" -- ", only_given=False):
        self.prefix = prefix
        self.limit = limit
        self.sep = sep
        self.only_given = only_given
        self.failed = False

    def __call__(self, name, ok, detail=""):
        line = ("PASS: " if ok else "FAIL: ") + (self.prefix + ": " if self.prefix is not None else "") + name
        if not ok and (detail or not self.only_given):
            line += self.sep + str(detail)[:self.limit]
        print(line)
        if not ok:
            self.failed = True


def run_harness(harness, tmp, config, env=None, timeout=120):
    """Run a harness through the protocol with config (a dict; calls_jsonl is
    set to a file in tmp); returns (records, results, seconds, proc): the
    calls.jsonl records, the results pickle (None when not written), the
    wall time, the CompletedProcess."""
    cfg_path = os.path.join(tmp, "config.pickle")
    res_path = os.path.join(tmp, "results.pickle")
    calls = os.path.join(tmp, "calls.jsonl")
    for p in (res_path, calls):
        if os.path.exists(p):
            os.remove(p)
    with open(cfg_path, "wb") as f:
        pickle.dump(dict(config, calls_jsonl=calls), f)
    t0 = time.monotonic()
    proc = subprocess.run([harness], input=f"{cfg_path}\n{res_path}\n", capture_output=True,
                          text=True, env=env, timeout=timeout)
    took = time.monotonic() - t0
    records = []
    if os.path.exists(calls):
        with open(calls) as f:
            records = [json.loads(line) for line in f]
    results = None
    if os.path.exists(res_path):
        with open(res_path, "rb") as f:
            results = pickle.load(f)
    return records, results, took, proc


def canon(terms, positive=False, primitive=False):
    """The canonical text of terms (dict exponent-tuple -> int): descending
    lex order, "COEFF@E1.E2...", "0" when empty; primitive divides by the
    coefficients' gcd, positive makes the leading coefficient positive."""
    items = sorted(((e, c) for e, c in terms.items() if c), reverse=True)
    if not items:
        return "0"
    if primitive:
        g = reduce(gcd, (abs(c) for _, c in items))
        items = [(e, c // g) for e, c in items]
    if positive and items[0][1] < 0:
        items = [(e, -c) for e, c in items]
    return " ".join("%d@%s" % (c, ".".join(map(str, e))) for e, c in items)


# ---- SymPy's side of the canonical text (imports SymPy when used) ----------

def terms_of(expr, gens):
    """A SymPy expression as terms over ZZ (dict exponent-tuple -> int)."""
    from sympy import Poly, ZZ
    return {e: int(c) for e, c in Poly(expr, *gens, domain=ZZ).terms()}


def to_expr(terms, gens):
    """Terms (dict exponent-tuple -> int) as a SymPy expression."""
    import sympy
    return sum(c * sympy.Mul(*[g ** k for g, k in zip(gens, e)]) for e, c in terms.items())


def canon_factor(expr, gens):
    """The canonical factor line of SymPy's factorization of expr over ZZ:
    each factor primitive with a positive leading coefficient (what it loses
    goes into the content), constant factors folded into the content,
    factors sorted by text then multiplicity."""
    import sympy
    from sympy import Poly, ZZ
    content, factors = sympy.factor_list(Poly(expr, *gens, domain=ZZ))
    content = int(content)
    parts = []
    for f, m in factors:
        t = terms_of(f.as_expr(), gens)
        if all(not any(e) for e in t):   # a constant factor
            content *= list(t.values())[0] ** m
            continue
        items = sorted(t.items(), reverse=True)
        g = reduce(gcd, (abs(c) for _, c in items))
        if items[0][1] < 0:
            g = -g
        content *= g ** m
        parts.append((canon({e: c // g for e, c in t.items()}), m))
    if content == 0:
        return "0"
    return " * ".join([str(content)] + ["(%s)^%d" % (f, m) for f, m in sorted(parts)])


def parse_canon(text, gens):
    """The canonical text of one polynomial as a SymPy expression."""
    import sympy
    if text == "0":
        return sympy.Integer(0)
    out = 0
    for term in text.split(" "):
        c, e = term.split("@")
        mono = 1
        for g, k in zip(gens, e.split(".") if e else []):
            mono *= g ** int(k)
        out += int(c) * mono
    return sympy.expand(out)


def descendants(pid):
    """Every process below pid (children files of /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


# ---- reading a verify run's records ----------------------------------------

def by_call(records):
    """calls.jsonl records by (function, args) (args: the tuple of the keys' reprs)."""
    return {(r["function"], tuple(r["args"])): r for r in records}


def result_text(by, function, *keys):
    """The result text of function's call on the systems keys ("" when none)."""
    return by.get((function, tuple(repr(k) for k in keys)), {}).get("result") or ""


def sympy_pair_results(P, Q, gens, x):
    """SymPy's canonical text of each pair function on the pairs zip(P, Q):
    add, sub, mult, gcd and lcm (positive leading coefficient), resultant
    in x."""
    import sympy
    pairs = list(zip(P, Q))
    return {
        "add": [canon(terms_of(a + b, gens)) for a, b in pairs],
        "sub": [canon(terms_of(a - b, gens)) for a, b in pairs],
        "mult": [canon(terms_of(sympy.expand(a * b), gens)) for a, b in pairs],
        "gcd": [canon(terms_of(sympy.gcd(a, b), gens), positive=True) for a, b in pairs],
        "lcm": [canon(terms_of(sympy.lcm(a, b), gens), positive=True) for a, b in pairs],
        "resultant": [canon(terms_of(sympy.resultant(a, b, x), gens)) for a, b in pairs],
    }


# ---- a test's main ----------------------------------------------------------

def not_built(name, path, what=None):
    """True, after "FAIL: NAME: WHAT is not built (PATH)", when path is not
    an executable (what: its basename by default); False when it is."""
    if os.access(path, os.X_OK):
        return False
    print("FAIL: %s: %s is not built (%s)" % (name, what or os.path.basename(path), path))
    return True


def exit_unless_casbench_built(name):
    """For a test that runs casbench from its first line: exit 1 after a
    FAIL line when casbench is not built."""
    if not_built(name, CB):
        raise SystemExit(1)


def run_steps_in_tmp(check, prefix, *steps):
    """Each step(tmp) in turn, in one fresh temporary directory (named
    PREFIX...) that is removed afterwards whatever happens; the test's exit
    status: 1 when any check failed, else 0."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        for step in steps:
            step(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failed else 0


def write_text(directory, name, text, newline=None):
    """text written to directory/name (newline as open() takes it); the path."""
    path = os.path.join(directory, name)
    with open(path, "w", newline=newline) as f:
        f.write(text)
    return path


# ---- processes --------------------------------------------------------------

def pids_whose(name, test):
    """The pids of the processes whose /proc/PID/NAME file's bytes pass
    test (processes that end meanwhile are passed over)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/%s" % (pid, name), "rb") as f:
                if test(f.read()):
                    found.append(int(pid))
        except OSError:
            pass
    return found


# ---- a verify run of a harness ----------------------------------------------

def verify_config(library, run_list, polys, timeout=60.0):
    """The config of a verify run of library's harness that records the
    whole result texts."""
    return {"type": "verify", "run_list": run_list, "polys": polys, "gc": False, "repeats": 1,
            "log_file": None, "timeout": timeout, "library": library, "result_text": True}


def verify_results(harness, tmp, check, library, run_list, polys):
    """harness run with verify_config, checking that it exits 0: its
    records, the records by call, and text(function, *keys), the result
    text of a call."""
    records, _, _, proc = run_harness(harness, tmp, verify_config(library, run_list, polys))
    check("verify run exits 0", proc.returncode == 0, proc.stderr[-500:])
    by = by_call(records)
    return records, by, lambda f, *keys: result_text(by, f, *keys)


def check_call_error(check, by, name, function, keys, says):
    """check NAME: the call of function on the systems keys was recorded
    as an error whose message satisfies says (a function of the text)."""
    bad = by.get((function, tuple(repr(k) for k in keys)), {})
    check(name, bad.get("status") == "error" and says(bad.get("error") or ""), bad)


# ---- comparing values (types and orders all the way down) -------------------

def value_difference(a, b, path="value"):
    """None when a and b are the same value with the same types (dict and
    list order, set contents, range bounds, float signs and NaNs), else
    where and why not."""
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return None
        if a != b or math.copysign(1, a) != math.copysign(1, b):
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            why = value_difference(x, y, f"{path}[{i}]")
            if why:
                return why
        return None
    if isinstance(a, dict):
        ka, kb = list(a), list(b)
        if len(ka) != len(kb):
            return f"{path}: {len(ka)} keys != {len(kb)}"
        for i, (x, y) in enumerate(zip(ka, kb)):
            why = value_difference(x, y, f"{path}.keys()[{i}]") or value_difference(a[x], b[y], f"{path}[{x!r}]")
            if why:
                return why
        return None
    if isinstance(a, (set, frozenset)):
        if a != b or sorted(map(repr, a)) != sorted(map(repr, b)):
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(a, range):
        if (a.start, a.stop, a.step) != (b.start, b.stop, b.step):
            return f"{path}: {a!r} != {b!r}"
        return None
    if a != b:
        return f"{path}: {a!r:.80} != {b!r:.80}"
    return None


# ---- the original tool's generator and PHCpack's text, restated -------------

def original_polys(rng, number, terms, gens, exp_range, coeff_range):
    """number polynomials drawn as the original's generate() drew them: for
    each, terms draws of an exponent tuple (gens randrange draws in
    exp_range) then a coefficient (in coeff_range)."""
    polys = []
    for _ in range(number):
        p = {}
        for _ in range(terms):
            e = tuple(rng.randrange(exp_range.start, exp_range.stop, exp_range.step) for _ in range(gens))
            p[e] = rng.randrange(coeff_range.start, coeff_range.stop, coeff_range.step)
        polys.append(p)
    return polys


def sympy_phc(text, evaluate=True):
    """SymPy's reading of a PHCpack system's text (its first number n, then
    n polynomials ended by ';'): the generators sorted by name, and each
    polynomial as a dict exponent tuple -> SymPy coefficient."""
    import re
    import sympy
    from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations
    lines = text.replace("\r", "").strip("\n").split("\n")
    n = int(lines[0].split()[0])
    pieces = "\n".join(lines[1:]).split(";")[:n]
    gens = sorted(set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", " ".join(pieces))))
    syms = {g: sympy.Symbol(g) for g in gens}
    polys = []
    for piece in pieces:
        e = parse_expr(piece.replace("\n", " ").replace("^", "**"), local_dict=syms,
                       transformations=standard_transformations + (rationalize,), evaluate=evaluate)
        polys.append(sympy.Poly(e, *[syms[g] for g in gens]).as_dict() if gens else {(): sympy.Rational(e)})
    return gens, polys
