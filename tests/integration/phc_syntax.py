#!/usr/bin/env python3
"""phc_syntax.py — the PHCpack grammar casbench reads, its skips and its
errors, on small hand-written files.

Accepted files are compared with SymPy's reading of the same text; skipped
files must give one 'skipping' line and exit 0 when another file imports;
malformed files must give one line naming FILE:LINE, exit 2, and leave no
output file behind."""
import os
import pickle
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

ROOT, BUILD = cbtest.ROOT, cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker(None, 600, sep=": ")

cbtest.exit_unless_casbench_built("phc_syntax")

TMP = tempfile.mkdtemp(prefix="cbphcsyn.")


def write(name, text):
    return cbtest.write_text(TMP, name, text, newline="")


def sympy_reading(text):
    gens, polys = cbtest.sympy_phc(text)
    return gens, [{m: int(c) for m, c in d.items() if c != 0} for d in polys]


def run(files, extra=()):
    out = os.path.join(TMP, "out")
    subprocess.run(["rm", "-rf", out])
    p = subprocess.run([CB, "import-phc", out] + list(extra) + files, capture_output=True, text=True)
    data = None
    if p.returncode == 0:
        data = pickle.load(open(os.path.join(out, "polys.pickle"), "rb"))
    return p, data, out


ACCEPTED = {
    "mickey_like": "2\n x**2 + 4*y^2 - 4;\n 2*y**2 - x;\n\nTITLE : a title ; with ; semicolons\n\nTHE SOLUTIONS :\n",
    "two_counts": "3 3\n (x+y)^3 - (x - y)**2*z;\n -(z^(2) - 1)*(x + 1);\n x*y*z - 1;\n",
    "signs": "1\n - -x + +y - (-z);\n",
    "exact_fractions": "2\n 4/2*x + 6/3;\n 1/2*x + 1/2*x - 1.0 + 0.1E+01 - 2.50e1*y + 1.*z;\n",
    "blank_lines_first": "\n\n  2  \n\n x + 1;\n\n y - 1;\n",
    "big_coefficient": "1\n 123456789012345678901234567890*x^3 - 98765432109876543210987654321;\n",
    "crlf": "2\r\n x*y - 1;\r\n x + y;\r\n",
    "names": "2\n E*S + N*beta - x_1;\n Abc + abc + B + b;\n",
    "constant": "1\n 7*(2+1);\n",
}
for name, text in ACCEPTED.items():
    p, data, _ = run([write(name, text)])
    want = sympy_reading(text)
    got = data.get(name) if data else None
    check("reads %s as SymPy does" % name, p.returncode == 0 and got == (want[0], want[1]),
          (p.stderr, got, want))

SKIPPED = {
    "decimal": ("1\n 1.5*x - 1;\n", "polynomial 1 (line 2): non-integer coefficient 3/2"),
    "fraction": ("2\n x - 1;\n x/3;\n", "polynomial 2 (line 3): non-integer coefficient 1/3"),
    "complex_i": ("1\n (0.5 + 0.2*i)*x - 1;\n", "complex coefficient ('i' at line 2)"),
    "complex_I": ("2\n x - 1;\n\n I*y + x;\n", "complex coefficient ('I' at line 4)"),
}
ok_file = write("ok", "1\n x - 1;\n")
paths = [write(n, t) for n, (t, _) in SKIPPED.items()]
p, data, _ = run(paths + [ok_file])
check("skipped systems: exit 0 when one imports", p.returncode == 0 and data is not None and list(data) == ["ok"],
      p.stderr)
lines = p.stderr.splitlines()
for n, (_, reason) in SKIPPED.items():
    check("skip %s: one line with the reason" % n,
          sum(l == "casbench: skipping %s: %s" % (n, reason) for l in lines) == 1, lines)
p, data, out = run(paths)
check("nothing imports: exit 2, one line, no output", p.returncode == 2 and not os.path.exists(out)
      and p.stderr.splitlines()[-1] == "casbench: import-phc: no system imported (4 skipped)", p.stderr)

deep = "(" * 40 + "x" + ")" * 40
ERRORS = {
    "too_few": ("2\n x + y;\n", 2, "expected 2 polynomials ended by ';', found 1"),
    "bad_operator": ("1\n x +\n * y;\n", 3, "expected a number, a variable or '(', found '*'"),
    "huge_exponent": ("1\n x^99999999999;\n", 2, "exponent 99999999999 exceeds the limit 1000000"),
    "deep_parens": ("1\n\n %s;\n" % deep, 3, "parentheses nested deeper than 32"),
    "huge_power": ("1\n (x+y+z+1)^100000;\n", 2, "expression too large"),
    "huge_product": ("1\n (x+y+1)^900 * (x+y+1)^900;\n", 2, "expression too large"),
    "huge_coefficients": ("1\n (x+1)^100000;\n", 2, "expression too large"),
    "huge_constant": ("1\n (123456789^100000)^1000000 * x;\n", 2, "expression too large"),
    "degree": ("1\n x^1000000 * x;\n", 2, "degree exceeds the limit 1000000"),
    "negative_exponent": ("1\n x^-1;\n", 2, "negative exponent: not a polynomial"),
    "non_constant_division": ("1\n x/y;\n", 2, "division by a non-constant expression"),
    "division_by_zero": ("1\n x/(1-1);\n", 2, "division by zero"),
    "count_line": ("abc\n x;\n", 1, "expected the count line"),
    "zero_count": ("0\n", 1, "the number of equations must be between 1 and 100000"),
    "bad_character": ("1\n x $ y;\n", 2, "unexpected character '$'"),
    "chained_power": ("1\n x^2^3;\n", 2, "chained powers need parentheses"),
    "implicit_product": ("1\n 2 x;\n", 2, "expected an operator or ';', found 'x'"),
    "empty_polynomial": ("2\n x;\n ;\n", 3, "empty polynomial"),
    "unclosed": ("1\n (x + 1;\n", 2, "expected ')', found ';'"),
    "binary": ("1\n x\x01;\n", 2, "unexpected byte 0x01"),
    "decimal_exponent": ("1\n 1.0E+99999*x;\n", 2, "exceeds the limit 1000"),
}
for name, (text, line, msg) in ERRORS.items():
    path = write(name, text)
    p, data, out = run([ok_file, path])
    err = p.stderr.splitlines()
    check("error %s: exit 2, one line naming %s:%d, no output" % (name, name, line),
          p.returncode == 2 and len(err) == 1 and err[0].startswith("casbench: %s:%d: " % (path, line))
          and msg in err[0] and not os.path.exists(out), (p.returncode, err))

# --first-paragraph reads up to the first blank line, whatever the count
p, data, _ = run([write("para", "3\n\n x - 1; y - 2;\n z;\n\n w - 4;\n")], ["--first-paragraph"])
check("--first-paragraph keeps the first paragraph only",
      p.returncode == 0 and data["para"] == (["x", "y", "z"], [{(1, 0, 0): 1, (0, 0, 0): -1},
                                                               {(0, 1, 0): 1, (0, 0, 0): -2}, {(0, 0, 1): 1}]),
      (p.stderr, data))

os.makedirs(os.path.join(TMP, "sub"))
p, _, out = run([write("dup", "1\n x;\n"), write(os.path.join("sub", "dup"), "1\n y;\n")])
check("two files with one base name: exit 2, no output", p.returncode == 2 and "would both be system 'dup'" in p.stderr
      and not os.path.exists(out), p.stderr)
p, _, out = run([os.path.join(TMP, "missing")])
check("missing file: exit 2, one line", p.returncode == 2 and len(p.stderr.splitlines()) == 1, p.stderr)
p = subprocess.run([CB, "import-phc", "--help"], capture_output=True, text=True)
check("--help exits 0 and shows the usage", p.returncode == 0 and "usage: casbench import-phc" in p.stdout)
p = subprocess.run([CB, "import-phc", os.path.join(TMP, "x"), "--frobnicate", ok_file], capture_output=True, text=True)
check("unknown option: exit 2", p.returncode == 2, p.stderr)

subprocess.run(["rm", "-rf", TMP])
sys.exit(1 if check.failed else 0)
