"""pickle_python.py — casbench's pickle codec against CPython's pickle, both ways.

Drives `$CASBENCH_BUILD/tests/test_pickle` (tool modes of the C unit test):
  roundtrip IN OUT  casbench loads IN (any protocol) and writes OUT (protocol 4)
  check IN          casbench loads IN; exit 2 and one line on stderr when refused
  repr IN           casbench prints the Python repr of what it loaded

Python writes every value in protocols 0 to 5, casbench reads and rewrites
it, and Python must read back the very same value: types, dict and list
order, set contents, range bounds, shared references.  casbench's bytes must
also equal pickle.dumps(value, 4).  Malicious and malformed pickles must be
refused with one line naming the byte offset, exit status 2, and nothing run.
Prints PASS/FAIL/SKIP lines (tests/run-tests.sh counts them).
"""
import glob
import os
import pickle
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD, ROOT = cbtest.BUILD, cbtest.ROOT
TOOL = os.path.join(BUILD, "tests", "test_pickle")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
NAME = "pickle_python.py"
check = cbtest.Checker(NAME, sep=": ", only_given=True)


same = cbtest.value_difference


def tool(*args):
    return subprocess.run([TOOL, *args], capture_output=True, timeout=120)


def roundtrip(src, out, label):
    """casbench loads src and writes it to out: out's bytes, or None after a
    failed check named label with casbench's error."""
    r = tool("roundtrip", src, out)
    if r.returncode != 0:
        check(label, False, r.stderr.decode(errors="replace").strip())
        return None
    with open(out, "rb") as f:
        return f.read()


def int_boundaries():
    out = [0]
    for e in (7, 8, 15, 16, 31, 32, 63, 64, 65, 127, 128, 1000, 2031, 2032, 2039, 2040, 2048, 4000):
        for s in (1, -1):
            for d in (-1, 0, 1):
                out.append(s * 2**e + d)
    return out


def sample_values():
    shared_list = [1, 2]
    shared_str = "shared" * 10
    shared_tuple = (1, 2)
    return {
        "none_bools": [None, True, False],
        "ints": int_boundaries(),
        "floats": [0.0, -0.0, 1.5, 1e300, -1e-300, float("inf"), float("-inf"), 5e-324, float("nan"), 0.1],
        "strs": ["", "a", "h\u00e9llo", "\U0001F600", "a\x00b", "x" * 300, "y" * 70000, "\ud800",
                 "back\\slash \\u1234", "line\nbreak\r", "quote'\"", "\x1a\x85\u2028"],
        "bytes": [b"", b"\x00\xff", b"z" * 300, b"w" * 70000],
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((1, (2, (3,))),)],
        "lists": [[], [[]], list(range(1000)), list(range(1001)), [[[[[]]]]]],
        "dicts": [{}, {"a": 1}, {i: -i for i in range(2000)}, {(1, 2): "x", (2, 1): "y"},
                  {3: "c", 1: "a", 2: "b"}, {True: 1, None: 2, 1.5: 3, b"k": 4, (): 5}],
        "sets": [set(), {1, 2, 3}, set(range(2500)), {(1, 2), "a", None, 1.5}, frozenset(),
                 frozenset({1, frozenset({2})}), frozenset(range(1001))],
        "ranges": [range(0), range(5), range(1, 10, 3), range(10, -10, -3), range(2**65, 2**66, 2**64),
                   range(-2**100, 2**100, -7), range(-5, 5, 2**70)],
        "shared": [({"a": shared_list, "b": shared_list}, shared_list), (shared_str, shared_str),
                   [shared_tuple, shared_tuple, shared_tuple]],
        "dataset": {(3, 5, range(0, 5), range(-10, 10)): (["x", "y", "z"],
                                                          [{(1, 0, 2): 5, (0, 0, 0): -2**70, (2, 2, 2): "-7"}]),
                    "cyclic3": (["a", "b", "c"], [{(1, 0, 0): 1, (0, 1, 0): 1}])},
    }


def check_sharing(v):
    d, lst = v["shared"][0]
    s1, s2 = v["shared"][1]
    t = v["shared"][2]
    return d["a"] is d["b"] is lst and s1 is s2 and t[0] is t[1] is t[2]


def test_round_trips(tmp):
    for proto in range(0, 6):
        values = sample_values()
        if proto < 3:
            # Python writes b"" as builtins.bytes() below protocol 3: refused (see test_refusals)
            values["bytes"].remove(b"")
        want4 = pickle.dumps(values, 4)
        src, out = os.path.join(tmp, f"in{proto}.pickle"), os.path.join(tmp, f"out{proto}.pickle")
        with open(src, "wb") as f:
            pickle.dump(values, f, protocol=proto)
        data = roundtrip(src, out, f"protocol {proto}: casbench reads it")
        if data is None:
            continue
        back = pickle.loads(data)
        for key in values:
            why = same(values[key], back[key], key)
            check(f"protocol {proto} -> casbench -> Python: {key}", why is None, why or "")
        check(f"protocol {proto}: shared references stay shared", check_sharing(back))
        check(f"protocol {proto}: casbench writes the bytes of pickle.dumps(v, 4)", data == want4, f"{len(data)} vs {len(want4)} bytes" if data != want4 else "")


def test_top_level_scalars(tmp):
    """Top-level values of every kind (not only inside a container)."""
    path, out = os.path.join(tmp, "scalar.pickle"), os.path.join(tmp, "scalar.out")
    ok, why = True, ""
    for v in [None, True, 7, -2**64, 2.5, "s", b"b", (), range(3), frozenset({1})]:
        for proto in (0, 2, 4):
            with open(path, "wb") as f:
                pickle.dump(v, f, protocol=proto)
            r = tool("roundtrip", path, out)
            if r.returncode != 0:
                ok, why = False, f"{v!r} protocol {proto}: {r.stderr.decode(errors='replace').strip()}"
                break
            with open(out, "rb") as f:
                w = pickle.load(f)
            if same(v, w):
                ok, why = False, same(v, w)
                break
    check("top-level values of every type", ok, why)


def test_python2_strings(tmp):
    """Python 2 str opcodes are read as latin-1 text, like pickle.load(encoding='latin1')."""
    cases = [b"S'abc'\np0\n.", b"S'a\\'b\\x41\\n\\xe9'\n.", b'S"q"\n.', b"\x80\x02U\x02\xe9zq\x00.",
             b"\x80\x02T\x03\x00\x00\x00abc.", b"(S'k'\nS'v'\nd."]
    path, out = os.path.join(tmp, "py2.pickle"), os.path.join(tmp, "py2.out")
    for i, data in enumerate(cases):
        with open(path, "wb") as f:
            f.write(data)
        got = roundtrip(path, out, f"python 2 string {i}")
        if got is None:
            continue
        why = same(pickle.loads(data, encoding="latin1"), pickle.loads(got))
        check(f"python 2 string {i} read as latin-1 str", why is None, why or "")


PY2_SCRIPT = r"""
import pickle, cPickle, sys
v = {'s': 'abc\xe9', u'u': u'h\xe9\u20ac\U0001F600', 'i': 5, 'l': 2**70, 'neg': -2**63, 'f': 1.5,
     't': (1, 2L, (3,)), 'set': set([1, 2]), 'fs': frozenset([3]), 'r': [None, True, False, xrange(1, 9, 2)],
     'd': {(1, 2): 'x'}}
for p in (0, 1, 2):
    open('%s/py2_%d.pickle' % (sys.argv[1], p), 'wb').write(pickle.dumps(v, p))
    open('%s/py2c_%d.pickle' % (sys.argv[1], p), 'wb').write(cPickle.dumps(v, p))
"""


def test_python2_pickles(tmp):
    """Pickles written by a real Python 2 (when one is installed)."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/2.7*/bin/python")))
    candidates += [p for p in (shutil.which("python2.7"), shutil.which("python2")) if p]
    for py2 in candidates:   # a pyenv shim may exist without a usable interpreter behind it
        if subprocess.run([py2, "-c", PY2_SCRIPT, tmp], capture_output=True).returncode == 0:
            break
    else:
        print(f"SKIP: {NAME}: no working Python 2 interpreter to write Python 2 pickles")
        return
    for name in sorted(glob.glob(os.path.join(tmp, "py2*_[0-9].pickle"))):
        out = name + ".out"
        label = f"Python 2 {os.path.basename(name)} (str as latin-1)"
        got = roundtrip(name, out, label)
        if got is None:
            continue
        with open(name, "rb") as f:
            want = pickle.load(f, encoding="latin1")
        why = same(want, pickle.loads(got))
        check(label, why is None, why or "")


def test_repr(tmp):
    """casbench's repr (lib/data/value.c) against Python's for the sample values."""
    values = sample_values()
    del values["strs"]   # Python escapes non-printable code points by Unicode category; casbench keeps UTF-8
    del values["floats"]
    path = os.path.join(tmp, "repr.pickle")
    bad = []
    for key, v in values.items():
        with open(path, "wb") as f:
            pickle.dump(v, f, protocol=4)
        r = tool("repr", path)
        got = r.stdout.decode().rstrip("\n")
        if r.returncode != 0 or got != repr(v):
            bad.append(key)
    floats = [0.0, -0.0, 1.5, 1e300, -1e-300, float("inf"), 5e-324, 0.1, 1e16, 1e15, 123456789.0, 1e-5, 0.0001,
              120.0, 2.5e-7, 1 / 3, 9007199254740993.0, 1e22]
    with open(path, "wb") as f:
        pickle.dump(floats, f, protocol=4)
    r = tool("repr", path)
    if r.stdout.decode().rstrip("\n") != repr(floats):
        bad.append("floats: " + r.stdout.decode().strip())
    check("repr of loaded values matches Python's", not bad, ", ".join(bad))


def refused(data, tmp, needle, name):
    path = os.path.join(tmp, "bad.pickle")
    with open(path, "wb") as f:
        f.write(data)
    r = tool("check", path)
    err = r.stderr.decode(errors="replace")
    lines = err.splitlines()
    ok = (r.returncode == 2 and len(lines) == 1 and lines[0].startswith("casbench: " + path + ": pickle: offset ")
          and needle in lines[0])
    check(name, ok, f"exit {r.returncode}, stderr {err!r:.400}")


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_refusals(tmp):
    marker = os.path.join(tmp, "MARKERFILE")
    for proto in range(0, 6):
        data = pickle.dumps({"x": [Evil(marker)]}, protocol=proto)
        refused(data, tmp, f"refusing global '{os.system.__module__}.system' (only builtins.range, builtins.set, "
                           "builtins.frozenset and _codecs.encode are allowed)",
                f"protocol {proto}: os.system via __reduce__ is refused by name")
    check("the refused pickle ran nothing (no marker file)", not os.path.exists(marker))
    refused(b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x01x\x85R.", tmp, "offset 18: refusing global 'builtins.eval'",
            "builtins.eval refused at its STACK_GLOBAL offset")
    refused(b"cos\nsystem\n(S'true'\ntR.", tmp, "offset 0: refusing global 'os.system'", "protocol 0 GLOBAL refused")
    refused(b"(S'true'\nios\nsystem\n.", tmp, "refusing global 'os.system'", "INST refused by name")
    refused(pickle.dumps([b"x", b""], 2), tmp, "refusing global '__builtin__.bytes'",
            "b'' below protocol 3 (written as builtins.bytes()) is refused: not one of the four globals")
    refused(pickle.dumps(bytearray(b"xy"), 2), tmp, "refusing global '__builtin__.bytearray'",
            "bytearray (protocol 2) refused")


def test_malformed(tmp):
    good = pickle.dumps({"k": [1, 2**70, "s" * 300, (1.5, None)]}, 4)
    for cut in (0, 1, 2, 11, 12, 20, len(good) // 2, len(good) - 1):
        refused(good[:cut], tmp, "truncated", f"truncated at {cut} of {len(good)} bytes")
    refused(b"\x80\x04X\xff\xff\xff\x7fabc.", tmp, "offset 2: BINUNICODE: length 2147483647 exceeds",
            "oversized BINUNICODE length")
    refused(b"\x80\x04\x8e" + (2**63).to_bytes(8, "little") + b"x.", tmp, "offset 2: BINBYTES8: length",
            "oversized BINBYTES8 length")
    refused(b"\x80\x04\x8b\x00\x00\x00\x7f\x00.", tmp, "offset 2: LONG4: length", "oversized LONG4 length")
    refused(b"\x80\x04N\x94h\x07.", tmp, "offset 4: BINGET: memo index 7 is not defined", "bad memo index")
    refused(b"\x80\x04Nj\xff\xff\xff\xff.", tmp, "memo index 4294967295 is not defined", "bad LONG_BINGET index")
    refused(b"\x80\x04Nr\xff\xff\xff\xff.", tmp, "memo index 4294967295 out of range", "huge memo PUT index")
    refused(b"GARBAGE\x00\xff" * 3, tmp, "", "garbage")
    refused(b"\x80\x04" + b"]" * 1500 + b"a" * 1499 + b".", tmp, "nested deeper than 1000", "deep nesting")
    refused(b"\x80\x04]\x94h\x00a.", tmp, "recursive", "recursive list")


def test_fixtures(tmp):
    if not os.path.isdir(os.path.join(FIXTURES, "original-tool")):
        print(f"FAIL: {NAME}: tests/fixtures/original-tool is missing")
        return
    for name in ("polys.pickle", "run_list.pickle"):
        src = os.path.join(FIXTURES, "original-tool", name)
        out = os.path.join(tmp, name)
        data = roundtrip(src, out, f"original tool's {name} loads")
        if data is None:
            continue
        with open(src, "rb") as f:
            want = pickle.load(f)
        why = same(want, pickle.loads(data))
        check(f"original tool's {name}: same value through casbench", why is None, why or "")
        with open(src, "rb") as f:
            check(f"original tool's {name}: rewritten byte for byte", data == f.read())


def main():
    if cbtest.not_built(NAME, TOOL):
        return 1
    return cbtest.run_steps_in_tmp(check, "cbpickle.", test_round_trips, test_top_level_scalars,
                                   test_python2_strings, test_python2_pickles, test_repr, test_refusals,
                                   test_malformed, test_fixtures)


if __name__ == "__main__":
    sys.exit(main())
