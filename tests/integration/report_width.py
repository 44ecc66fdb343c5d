"""report_width.py — text output that fits the terminal (docs/report.md,
"Text that fits the terminal").

A real run of the selftest and flint harnesses on a small generated dataset
(flint's mult on a few systems, selftest's sleeps: each library's functions
are "unsupported" by the other, so every table has both libraries), with
--cold and --baseline so that the timing tables are wider than 80 columns.
Then `casbench report` piped (80 columns), with COLUMNS=80, 60 and 200, and
`run`'s own summary piped: every line fits its width, and no value is lost
— every cell of the one-block layout (COLUMNS=100000) is found again in the
narrow layout, in the same function's table and the same row (split into
blocks of libraries, or a paragraph per row)."""
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
check = cbtest.Checker("report_width", 600)


def env_with(columns):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return env


def report(d, columns, *extra):
    p = subprocess.run([CB, "report", d, "--cold", "--baseline", "flint", *extra], capture_output=True,
                       text=True, timeout=120, env=env_with(columns))
    return p


SECTION = re.compile(r"^(?:(\S+) \(wall time per execution\)|(Summary):)")


def sections(text):
    """{title: [lines]} of the timing tables and the summary."""
    out, cur = {}, None
    for line in text.splitlines():
        m = SECTION.match(line)
        if m:
            cur = m.group(1) or m.group(2)
            out[cur] = []
        elif cur is not None and (line.startswith("Memory") or line.startswith("Verification")
                                  or line.startswith("Per call:")):
            cur = None
        elif cur is not None:
            out[cur].append(line)
    return out


def wide_rows(lines):
    """The rows of a one-block table: {row label: [cells]}."""
    rows, body = {}, False
    for line in lines:
        if set(line) == {"-"}:
            body = True
        elif not line.strip():
            body = False
        elif body:
            fields = re.split(r"\s{2,}", line.strip())
            rows[fields[0]] = fields[1:]
    return rows


def row_regions(lines, label):
    """The text of every place a row appears in a narrow layout: the lines
    starting with its label (a label longer than the width continues on
    lines indented by 4), with the indented lines that follow (a paragraph
    per row)."""
    text, i = [], 0
    while i < len(lines):
        line, j = lines[i], i + 1
        if line and not line.startswith(" ") and label.startswith(line.split(", calls")[0][:len(label)]):
            joined = line
            while not joined.startswith(label) and j < len(lines) and lines[j].startswith("    "):
                joined += " " + lines[j].strip()
                j += 1
            if joined.startswith(label) and (len(joined) == len(label) or joined[len(label)] in " ,"):
                text.append(joined)
                while j < len(lines) and lines[j].startswith("  ") and lines[j].strip():
                    text.append(lines[j])
                    j += 1
        i = j
    return "\n".join(text)


def main():
    tmp = tempfile.mkdtemp(prefix="cbwidth.")
    try:
        ds = os.path.join(tmp, "ds")
        g = subprocess.run([CB, "gen", ds, "--generators", "2-5", "--terms", "6", "--number", "2",
                            "--coefficients", "0-100", "--exponents", "0-5"], capture_output=True, text=True,
                           timeout=120)
        check("gen wrote a small dataset", g.returncode == 0, g.stderr)
        if g.returncode:
            return
        with open(os.path.join(ds, "polys.pickle"), "rb") as f:
            polys = pickle.load(f)
        with open(os.path.join(ds, "run_list.pickle"), "rb") as f:
            run_list = pickle.load(f)
        run_list = {"mult": run_list["mult"]}
        for key in ("us:2000", "us:20000"):
            polys[key] = (["x"], [{(1,): 1}])
        run_list["selftest_sleep"] = [("us:2000",), ("us:20000",)]
        paths = cbtest.write_dataset(tmp, polys, run_list)
        out = os.path.join(tmp, "out")
        p = subprocess.run([CB, "run", *paths, out, "--libraries", "selftest", "flint", "--repeats", "3",
                            "--rounds", "1", "--timeout", "20"], capture_output=True, text=True, timeout=600,
                           env=env_with(None))
        dirs = [os.path.join(out, x) for x in os.listdir(out)] if os.path.isdir(out) else []
        check("run with selftest and flint", p.returncode == 0 and len(dirs) == 1, p.stderr[-800:])
        if len(dirs) != 1:
            return
        d = dirs[0]
        summary = [l for l in p.stdout.splitlines()]
        check("run's summary, piped, fits 80 columns", summary and all(len(l) <= 80 for l in summary),
              [l for l in summary if len(l) > 80])
        check("run's summary names both libraries", "selftest" in p.stdout and "flint" in p.stdout, p.stdout)

        full = report(d, 100000)
        check("report at 100000 columns", full.returncode == 0, full.stderr)
        wide = sections(full.stdout)
        widest = max(len(l) for l in full.stdout.splitlines())
        check("the one-block layout is wider than 80 columns (the test means something)", widest > 80, widest)
        check("the one-block layout has the summary and both functions' tables",
              {"Summary", "mult", "selftest_sleep"} <= set(wide), sorted(wide))

        for columns in (None, 80, 60, 200):
            width = 80 if columns is None else columns
            name = "piped" if columns is None else "COLUMNS=%d" % columns
            r = report(d, columns)
            lines = r.stdout.splitlines()
            check("%s: report exits 0" % name, r.returncode == 0, r.stderr)
            long = [l for l in lines if len(l) > width]
            check("%s: every line fits %d columns" % (name, width), not long, long[:5])
            narrow = sections(r.stdout)
            check("%s: the same tables" % name, set(narrow) == set(wide), (sorted(narrow), sorted(wide)))
            lost = []
            for title, wlines in wide.items():
                rows = wide_rows(wlines)
                if not rows:
                    lost.append((title, "no rows"))
                for label, cells in rows.items():
                    region = row_regions(narrow.get(title, []), label)
                    lost += [(title, label, c) for c in cells if c not in region]
            check("%s: every value of every row is there, in its row" % name, not lost, lost[:8])
            if columns == 200:
                check("COLUMNS=200: wide enough for one block, the same text",
                      r.stdout == full.stdout or widest > 200, widest)

        # markdown is for a renderer: never split, whatever the width
        m60 = report(d, 60, "--format", "markdown")
        m0 = report(d, 100000, "--format", "markdown")
        check("markdown does not depend on the width", m60.returncode == 0 and m60.stdout == m0.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
