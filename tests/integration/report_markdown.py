"""report_markdown.py — `report --format markdown` keeps user-controlled
text literal (issue 14, "Outputs"), as the HTML report does: system names
(the dataset's keys), the host text of run.json and the warnings it causes
reach a markdown page that GitHub or any CommonMark renderer turns into
HTML, so HTML in them must not become tags (<script>, <img onerror>) and
markdown in them must not become links, emphasis or extra table cells.

A real run of the selftest harness on hostile keys, run.json's cpu_model
edited to hostile text afterwards (a results directory is data), then the
markdown rendered by pandoc (GitHub-flavoured markdown to HTML): no tag or
link from the input, every table row as many cells as its header, and each
hostile text shown as written."""
import html
import json
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
check = cbtest.Checker("report_markdown", 1200)

HOSTILE = ["<script>alert(1)</script>", "a|b|c", "[x](javascript:alert(1))", "*em* _u_ `code` ~~s~~",
           "<img src=x onerror=alert(1)>", "x\\|y & <b>bold</b> #h"]


def main():
    if not shutil.which("pandoc"):
        check("pandoc is installed (tools/install-deps.sh)", False)
        return
    tmp = tempfile.mkdtemp(prefix="cbmd.")
    try:
        polys = {k: (["x"], [{(1,): 1}]) for k in HOSTILE}
        with open(os.path.join(tmp, "polys.pickle"), "wb") as f:
            pickle.dump(polys, f)
        with open(os.path.join(tmp, "run_list.pickle"), "wb") as f:
            pickle.dump({"selftest_noop": [(k,) for k in HOSTILE]}, f)
        out = os.path.join(tmp, "out")
        p = subprocess.run([CB, "run", os.path.join(tmp, "polys.pickle"), os.path.join(tmp, "run_list.pickle"), out,
                            "--libraries", "selftest", "--repeats", "2", "--timeout", "5"],
                           capture_output=True, text=True, timeout=300)
        dirs = [os.path.join(out, d) for d in os.listdir(out)] if os.path.isdir(out) else []
        check("selftest run on hostile system names", p.returncode == 0 and len(dirs) == 1, p.stderr)
        if not dirs:
            return
        d = dirs[0]
        cpu = "<script>steal()</script> [cpu](javascript:x) |"
        with open(os.path.join(d, "run.json")) as f:
            run = json.load(f)
        run.setdefault("host", {})["cpu_model"] = cpu
        with open(os.path.join(d, "run.json"), "w") as f:
            json.dump(run, f)

        p = subprocess.run([CB, "report", d, "--format", "markdown"], capture_output=True, text=True, timeout=120)
        check("report --format markdown exits 0", p.returncode == 0, p.stderr)
        md = p.stdout
        check("no raw '<' in the markdown", "<" not in md, [l for l in md.splitlines() if "<" in l][:5])
        r = subprocess.run(["pandoc", "-f", "gfm", "-t", "html", "--wrap=none"], input=md, capture_output=True, text=True,
                           timeout=120)
        check("pandoc renders it", r.returncode == 0, r.stderr)
        page = r.stdout
        tags = sorted(set(re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", page)))
        check("rendered: only the tags of headings, paragraphs, lists and tables",
              set(tags) <= {"h1", "h2", "h3", "p", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "br"},
              tags)
        check("rendered: no link, image, script or emphasis from the input",
              not re.search(r"<(a|img|script|em|strong|code|del|b)\b", page), re.findall(r"<(?:a|img|script|em|strong|code|del|b)\b[^>]*>", page))
        for table in re.findall(r"<table>.*?</table>", page, re.S):
            heads = len(re.findall(r"<th\b", table.split("</thead>")[0]))
            rows = re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[-1], re.S)
            bad = [row for row in rows if len(re.findall(r"<td\b", row)) != heads]
            check("rendered table: every row has its %d header cells" % heads, not bad, bad[:2])
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for k in HOSTILE:
            check("shown as written: %r" % k, repr(k) in text or k in text, k)
        check("shown as written: the cpu model", cpu in text, cpu)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
