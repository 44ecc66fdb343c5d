"""report_html.py — the HTML report of a real run, opened in headless Chromium.

Runs flint (and SymPy when available) with --benchmark and
--memory-profiling on generated systems (keys (generators, terms, range,
range), 2 and 3 generators x 4 and 8 terms) plus two named systems for
groebner, writes `report --format html`, and checks:
  - the file is self-contained: no external script, stylesheet, image or font;
  - it has the charts this file expects from the run list (time against terms
    and against generators for each function of generated systems, a bar
    chart per system for groebner, the same for peak memory);
  - in Chromium (--dump-dom), every chart is laid out with a nonzero size and
    drawn paths (the page's own script counts them into data-plots-drawn),
    and every table is there;
  - the screenshot exists and is not blank (many colours, much non-white).
Skips the browser part when chromium is not installed."""
import json
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("report_html", 1500)


def main():
    tmp = tempfile.mkdtemp(prefix="cbhtml.")
    try:
        r = random.Random(3)
        polys, keys = {}, []
        for n in (2, 3):
            for t in (4, 8):
                k = (n, t, range(0, 5), range(-30, 30))
                polys[k] = (["x%d" % i for i in range(n)],
                            [{tuple(r.randrange(5) for _ in range(n)): r.randrange(1, 30) for _ in range(t)}
                             for _ in range(2)])
                keys.append(k)
        polys["cyclic-3"] = (["x", "y", "z"], [{(1, 0, 0): 1, (0, 1, 0): 1, (0, 0, 1): 1},
                                               {(1, 1, 0): 1, (0, 1, 1): 1, (1, 0, 1): 1},
                                               {(1, 1, 1): 1, (0, 0, 0): -1}])
        polys["katsura-2"] = (["x", "y", "z"], [{(1, 0, 0): 1, (0, 1, 0): 2, (0, 0, 1): 2, (0, 0, 0): -1},
                                                {(2, 0, 0): 1, (0, 2, 0): 2, (0, 0, 2): 2, (1, 0, 0): -1},
                                                {(1, 1, 0): 2, (0, 1, 1): 2, (0, 1, 0): -1}])
        run_list = {"add": [(k, k) for k in keys], "mult": [(k, k) for k in keys],
                    "groebner": [("cyclic-3",), ("katsura-2",)]}
        with open(os.path.join(tmp, "polys.pickle"), "wb") as f:
            pickle.dump(polys, f)
        with open(os.path.join(tmp, "run_list.pickle"), "wb") as f:
            pickle.dump(run_list, f)
        libs = subprocess.run([CB, "libraries"], capture_output=True, text=True, timeout=120).stdout
        wanted = ["flint"] + (["sympy-dmp"] if re.search(r"^sympy-dmp\s.*\byes\b", libs, re.M) else [])
        out = os.path.join(tmp, "out")
        p = subprocess.run([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                            "--libraries", *wanted, "--benchmark", "--memory-profiling", "--repeats", "3",
                            "--timeout", "20", "--venvs", "python3"], capture_output=True, text=True, timeout=600)
        dirs = [os.path.join(out, d) for d in os.listdir(out)] if os.path.isdir(out) else []
        check("run (%s) produced a results directory" % " ".join(wanted), len(dirs) == 1, p.stderr[-800:])
        if not dirs:
            return
        d = dirs[0]
        html_path = os.path.join(tmp, "report.html")
        p = subprocess.run([CB, "report", d, "--format", "html", "--baseline", "flint", "-o", html_path],
                           capture_output=True, text=True, timeout=300)
        check("report --format html", p.returncode == 0 and os.path.exists(html_path), p.stderr)
        if p.returncode:
            return
        html = open(html_path, encoding="utf-8").read()

        external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)|<link\b|@import|url\(\s*["']?https?:""", html, re.I)
        check("self-contained: nothing loaded from elsewhere", not external, external)

        # the charts this run calls for, from its own records
        with open(os.path.join(d, "calls.jsonl")) as f:
            recs = [json.loads(l) for l in f if l.strip()]
        expected = 0
        for mode in ("benchmark", "mem"):
            for fn in run_list:
                rs = [x for x in recs if x["mode"] == mode and x["function"] == fn]
                if not rs:
                    continue
                gens = {re.match(r"\((\d+), (\d+),", x["args"][0]).groups() for x in rs if x["args"][0].startswith("(")}
                if gens:
                    expected += (len({g for g, _ in gens}) >= 2) + (len({t for _, t in gens}) >= 2)
                else:
                    expected += 1
        declared = int(re.search(r'<body data-plots="(\d+)"', html).group(1))
        check("the page has every expected chart", declared == expected and html.count("<svg") == expected,
              (declared, expected, html.count("<svg")))
        check("groebner: a bar chart per system", "groebner: median time per system" in html)
        check("memory charts", "peak memory against terms" in html)
        n_tables = html.count("<table>")

        dom = cbtest.chromium(tmp, "--dump-dom", "file://" + html_path)
        if dom is None:
            print("SKIP: report_html: chromium is not installed")
            return
        body = re.search(r"<body[^>]*>", dom.stdout)
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(0))) if body else {}
        check("Chromium lays out and draws every chart", attrs.get("data-plots-drawn") == str(expected), attrs)
        check("Chromium shows every table", attrs.get("data-tables") == str(n_tables) and n_tables >= 6,
              (attrs, n_tables))

        png = os.path.join(tmp, "shot.png")
        cbtest.chromium(tmp, "--screenshot=" + png, "--window-size=1200,2000", "file://" + html_path)
        check("screenshot produced", os.path.exists(png) and os.path.getsize(png) > 10000)
        if os.path.exists(png):
            code = ("import sys; from PIL import Image\n"
                    "im = Image.open(sys.argv[1]).convert('RGB'); px = list(im.getdata())\n"
                    "nonwhite = sum(1 for p in px if sum(p) < 720) / len(px)\n"
                    "print(len(set(px)), nonwhite)\n")
            pil = subprocess.run(["/usr/bin/python3", "-c", code, png], capture_output=True, text=True)
            if pil.returncode == 0:
                colours, nonwhite = pil.stdout.split()
                check("screenshot is not blank", int(colours) > 50 and float(nonwhite) > 0.03, pil.stdout)
            else:
                print("SKIP: report_html: PIL (python3-pil) is not installed: screenshot not inspected")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
