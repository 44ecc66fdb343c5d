#!/usr/bin/env python3
"""defaults_shared.py -- the numbers and names casbench's layers share are
defined once in C (lib/common/defaults.h, lib/common/mode.h), and what repeats them
elsewhere says the same:

- the Python harness runtime (build/harness/python/casbench, the copy the
  engine runs), which cannot include a C header, mirrors some of them:
  runtime.MODES is lib/common/mode.h's CB_MODES in the enum's order, and each
  mirror named in lib/common/defaults.h ("Python: runtime.NAME") has the value of
  its macro;
- `casbench run --help` and the man page state the defaults the engine
  uses (--timeout, --startup-timeout, --profile-rate, --warmup, --rounds,
  --min-time auto).

Reads the headers of the source tree (CASBENCH_ROOT) and the build under
test (CASBENCH_BUILD); either missing is a FAIL.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

NAME = "defaults_shared.py"
check = cbtest.Checker(NAME)
DEFAULTS_H = os.path.join(cbtest.ROOT, "lib", "common", "defaults.h")
MODE_H = os.path.join(cbtest.ROOT, "lib", "common", "mode.h")
PY_DIR = os.path.join(cbtest.BUILD, "harness", "python")


def c_value(text):
    """A #define's value as Python: a string literal, or a number (integer
    suffixes, parentheses and << taken as C takes them)."""
    text = text.strip()
    if text.startswith('"'):
        return text.strip('"')
    expr = re.sub(r"(?<=\d)[uUlL]+\b", "", text)
    if not re.fullmatch(r"[0-9.eE+\-()<> ]+", expr):
        raise ValueError("not a number: %r" % text)
    return eval(expr, {"__builtins__": {}})   # digits and operators only, checked above


def defines(path):
    """{NAME: value} of the header's object-like #defines with a value."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"#define\s+(CB_\w+)\s+(.+?)\s*(/\*.*)?$", line)
            if m and not m.group(1).endswith("_H"):
                out[m.group(1)] = c_value(m.group(2))
    return out


def main():
    for path in (DEFAULTS_H, MODE_H, os.path.join(PY_DIR, "casbench", "runtime.py"), cbtest.CB):
        if not os.path.exists(path):
            check("present: %s" % path, False, "missing")
            sys.exit(1)
    d = defines(DEFAULTS_H)
    sys.path.insert(0, PY_DIR)
    from casbench import canonical, runtime

    # the modes: the same names in the same order
    with open(MODE_H) as f:
        modes = re.findall(r'X\(CB_MODE_(\w+),\s*"([^"]+)"\)', f.read())
    check("mode.h lists the four modes", len(modes) == 4, modes)
    check("enumerators are named after their modes",
                all(e.lower() == n for e, n in modes), modes)
    check("runtime.MODES is lib/common/mode.h's CB_MODES, in order",
                tuple(n for _, n in modes) == runtime.MODES, (modes, runtime.MODES))

    # every Python mirror named in defaults.h
    with open(DEFAULTS_H) as f:
        text = re.sub(r"\n\s*\*\s*", " ", f.read())   # comments' lines joined
    mirrors = re.findall(r"Python:\s*(runtime|canonical)\.(\w+)", text)
    check("defaults.h names its Python mirrors", len(mirrors) >= 7, mirrors)
    mirror_of = {
        "GRACE_DEFAULT": "CB_GRACE_DEFAULT", "MAX_SECONDS": "CB_MAX_SECONDS",
        "MAX_COUNT": "CB_MAX_COUNT", "MEMORY_LIMIT_ENV": "CB_MEMORY_LIMIT_ENV",
        "EXIT_MEMORY_LIMIT": "CB_EXIT_MEMORY_LIMIT", "HEAD_CHARS": "CB_RESULT_HEAD_CHARS",
        "next_loops": None,
    }
    for module, attr in mirrors:
        check("defaults.h's mirror %s.%s is known to this test" % (module, attr), attr in mirror_of, attr)
    for module, attr in mirrors:
        macro = mirror_of.get(attr)
        if macro:
            got = getattr(canonical if module == "canonical" else runtime, attr, None)
            want = d.get(macro)
            check("%s.%s == %s" % (module, attr, macro),
                        got == want and type(got) is type(want), (got, want))
    for attr, macro in (("CALIBRATION_MARGIN", "CB_CALIBRATION_MARGIN"),
                        ("CALIBRATION_MIN_GROWTH", "CB_CALIBRATION_MIN_GROWTH"),
                        ("CALIBRATION_MAX_GROWTH", "CB_CALIBRATION_MAX_GROWTH"),
                        ("MAX_LOOPS_LOG2", "CB_MAX_LOOPS_LOG2")):
        check("runtime.%s == %s" % (attr, macro), getattr(runtime, attr, None) == d.get(macro),
                    (getattr(runtime, attr, None), d.get(macro)))
    # the rule itself, on the header's numbers (not the runtime's constants)
    target = 10 ** 7
    check("next_loops: margin over the target at the measured speed",
                runtime.next_loops(10, 10 ** 6, target) == round(d["CB_CALIBRATION_MARGIN"] * 10 * target / 10 ** 6))
    check("next_loops: at least the minimum growth",
                runtime.next_loops(10, target - 1, target) == 10 * d["CB_CALIBRATION_MIN_GROWTH"])
    check("next_loops: at most the maximum growth",
                runtime.next_loops(10, 1, target) == 10 * d["CB_CALIBRATION_MAX_GROWTH"])
    check("next_loops: never more than 2^MAX_LOOPS_LOG2",
                runtime.next_loops(1 << 39, 1, target) == 1 << d["CB_MAX_LOOPS_LOG2"])

    # what --help and the man page say the defaults are
    help_text = subprocess.run([cbtest.CB, "run", "--help"], capture_output=True, text=True, timeout=60).stdout
    help_text = re.sub(r"\s+", " ", help_text)
    with open(os.path.join(cbtest.ROOT, "man", "casbench.1")) as f:
        man = re.sub(r"\s+", " ", f.read().replace("\\-", "-").replace("\\fB", "").replace("\\fR", ""))
    for option, pattern, macro in (
            ("--timeout", r"--timeout S .*?\(default ([0-9.e]+)", "CB_RUN_TIMEOUT_DEFAULT"),
            ("--timeout", r"--timeout S .*?at most ([0-9.e]+)\)", "CB_MAX_SECONDS"),
            ("--startup-timeout", r"--startup-timeout S .*?\(default ([0-9.e]+)\)", "CB_STARTUP_TIMEOUT_DEFAULT"),
            ("--profile-rate", r"--profile-rate HZ .*?\(default ([0-9]+)\)", "CB_PROFILE_DEFAULT_RATE"),
            ("--warmup", r"--warmup N .*?\(default ([0-9]+);", "CB_WARMUP_DEFAULT"),
            ("--min-time", r"--min-time auto\|S .*?the default: ([0-9.]+)\)", "CB_MIN_TIME_AUTO"),
            ("--rounds", r"--rounds R .*?\(default ([0-9]+);", "CB_ROUNDS_DEFAULT")):
        m = re.search(pattern, help_text)
        check("run --help: %s says %s" % (option, macro), m and float(m.group(1)) == d[macro],
                    (m and m.group(1), d[macro]))
    for what, pattern, macro, scale in (
            ("--warmup", r"untimed \(default ([0-9]+);", "CB_WARMUP_DEFAULT", 1),
            ("--min-time auto", r"--min-time \(default auto: ([0-9]+) ms\)", "CB_MIN_TIME_AUTO", 1000),
            ("--rounds", r"--rounds times \(default ([0-9]+)\)", "CB_ROUNDS_DEFAULT", 1),
            ("--startup-timeout", r"--startup-timeout \(default ([0-9]+) s\)", "CB_STARTUP_TIMEOUT_DEFAULT", 1)):
        m = re.search(pattern, man)
        check("man page: %s says %s" % (what, macro), m and float(m.group(1)) == d[macro] * scale,
                    (m and m.group(1), d[macro]))
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()
