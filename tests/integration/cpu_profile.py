"""cpu_profile.py — `casbench run --cpu-profiling` end to end with real perf
(docs/design.md §8.2, docs/profiling.md): one run with the selftest, flint and (on
Python 3.13, built from the machine's pyenv 3.13 plus the pure-Python SymPy
and mpmath of the default python3) sympy-domains harnesses, then:

- calls.jsonl keeps one record per call, the profiled ones with `profile`;
- the selftest busy loop: `selftest_busy` is the top self frame with >= 80 %
  of the call's samples, and the sample count matches the call's own CPU
  time x rate (only the timed repeats are sampled: the control fifo works);
- no sample belongs to a pid other than the call children (parsing and
  set-up in the harness parent are left out);
- a FLINT multiplication shows fmpz_mpoly_mul* frames;
- SymPy on 3.13 (-X perf_jit): PolyElement.__mul__ by name, inside a whole
  Python stack (the harness's own Python frames below it);
- profiles/RUNNER.perf.txt follows the rules of Firefox Profiler's
  perf-script importer, and speedscope in headless Chromium opens it with a
  profile per call child, and a call's folded stacks;
- folded stacks add up to the samples; the SVG's boxes are as wide as their
  counts say, every box has a <title> with samples and percent; Chromium
  draws it (screenshot inspected with PIL when present);
- --cpu-profiler samply without samply (an empty prefix): records `unavailable`
  with reason;
- bad --profile-rate / --cpu-profiler: exit status 2."""
import glob
import json
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
PY313 = "/root/.pyenv/versions/3.13.0/bin/python3"
RATE = 500
check = cbtest.Checker("cpu_profile", 600)


def skip(name, why):
    print("SKIP: cpu_profile: %s: %s" % (name, why))


def perf_works(tmp):
    if not shutil.which("perf"):
        return "perf is not installed"
    r = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", os.path.join(tmp, "probe.data"), "--", "true"],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else "perf record does not work here: " + r.stderr.strip()[:200]


def venv313(tmp):
    """A Python 3.13 environment whose site-packages links the pure-Python
    SymPy and mpmath of the default python3; None (and why) when absent."""
    if not os.access(PY313, os.X_OK):
        return None, "Python 3.13 is absent (%s)" % PY313
    r = subprocess.run(["python3", "-c", "import sympy, mpmath, os; "
                        "print(os.path.dirname(sympy.__file__)); print(os.path.dirname(mpmath.__file__))"],
                       capture_output=True, text=True)
    if r.returncode:
        return None, "python3 has no SymPy/mpmath to lend"
    env = os.path.join(tmp, "py313")
    subprocess.run([PY313, "-m", "venv", "--without-pip", env], check=True)
    site = subprocess.run([os.path.join(env, "bin", "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    for pkg in r.stdout.split():
        os.symlink(pkg, os.path.join(site, os.path.basename(pkg)))
    ok = subprocess.run([os.path.join(env, "bin", "python"), "-c", "import sympy"], capture_output=True)
    return (env, None) if ok.returncode == 0 else (None, "SymPy does not import on 3.13")


def dataset(d):
    rnd = random.Random(7)

    def poly(terms):
        return {tuple(rnd.randrange(9) for _ in range(4)): rnd.randrange(-10**18, 10**18) for _ in range(terms)}
    polys = {"us:200000": (["x"], [{(1,): 1}]),
             "p": (["x", "y", "z", "w"], [poly(120), poly(120)])}
    run_list = {"selftest_busy": [("us:200000",)], "mult": [("p", "p")]}
    for name, obj in (("polys.pickle", polys), ("run_list.pickle", run_list)):
        with open(os.path.join(d, name), "wb") as f:
            pickle.dump(obj, f)
    return os.path.join(d, "polys.pickle"), os.path.join(d, "run_list.pickle")


def results_dir(out):
    subs = glob.glob(os.path.join(out, "results_*"))
    return subs[0] if len(subs) == 1 else None


def read_folded(path):
    stacks = []
    with open(path) as f:
        for line in f:
            stack, count = line.rstrip("\n").rsplit(" ", 1)
            stacks.append((stack.split(";"), int(count)))
    return stacks


def check_svg(name, svg_path, folded):
    """Every box: a <title> "NAME (N samples, P%)" and a width N/total of the
    drawing; the root box spans all samples of the folded file."""
    total = sum(c for _, c in folded)
    try:
        root = ET.parse(svg_path).getroot()
    except ET.ParseError as e:
        check(name + ": SVG is well-formed XML", False, e)
        return
    ns = "{http://www.w3.org/2000/svg}"
    boxes = []
    for g in root.iter(ns + "g"):
        title, rect = g.find(ns + "title"), g.find(ns + "rect")
        m = re.match(r"^(.*) \((\d+) samples?, ([0-9.]+)%\)$", title.text or "")
        boxes.append((m, float(rect.get("width"))))
    good = all(m for m, _ in boxes)
    check(name + ": every box has a title with samples and percent", good and boxes, boxes[:3])
    if not good or not boxes:
        return
    scale = boxes[0][1] / total
    widths_ok = all(abs(w - int(m.group(2)) * scale) < 0.2 for m, w in boxes)
    pct_ok = all(abs(float(m.group(3)) - 100.0 * int(m.group(2)) / total) < 0.01 for m, _ in boxes)
    check(name + ": root box holds all %d samples; widths and percentages match the counts" % total,
          boxes[0][0].group(1) == "all" and int(boxes[0][0].group(2)) == total and widths_ok and pct_ok,
          boxes[:3])


def screenshot(tmp, svg_path):
    png = os.path.join(tmp, "flame.png")
    if cbtest.chromium(tmp, "--screenshot=" + png, "--window-size=1200,800", "file://" + svg_path) is None:
        skip("screenshot", "chromium is not installed")
        return
    check("chromium draws the flame graph", os.path.exists(png) and os.path.getsize(png) > 5000)
    if not os.path.exists(png):
        return
    # rows of the busy loop's stack are boxes as wide as the drawing
    code = ("import sys; from PIL import Image\n"
            "im = Image.open(sys.argv[1]).convert('RGB'); w, h = im.size; px = im.load()\n"
            "box = lambda p: sum(p) < 700\n"   # the page and the graph's background are near white
            "full = sum(1 for y in range(h) if sum(1 for x in range(10, w - 30) if box(px[x, y])) > 0.9 * (w - 40))\n"
            "print(len(set(im.getdata())), full)\n")
    pil = subprocess.run(["/usr/bin/python3", "-c", code, png], capture_output=True, text=True)
    if pil.returncode:
        skip("screenshot inspected", "PIL (python3-pil) is not installed")
        return
    colours, full_rows = map(int, pil.stdout.split())
    check("screenshot: coloured, with full-width boxes (the busy loop's stack)",
          colours > 20 and full_rows >= 5 * 14, pil.stdout)


# ---- the viewers of profiles/RUNNER.perf.txt ----

SAMPLE_HEAD = re.compile(r"^(\S.*?)\s+(\d+)/(\d+)\s+(?:\[\d+\]\s+)?(\d+\.\d+):")
FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.+) \((\S*)\)$")


def firefox_profiler_format(path):
    """Firefox Profiler (profiler.firefox.com, not installable here: it is a
    web app, not on npm or in Debian) imports `perf script` text by these
    rules of its importer (src/profile-logic/import/linux-perf.js): the file
    is recognised by its first line, a sample's first line; a sample is a
    line "COMM PID/TID [CPU] TIME:" (the PID/ only with -F +pid, else pid
    0), then frame lines "ADDR SYMBOL (MODULE)" with no space in MODULE,
    ended by a blank line.  Returns (samples, problems)."""
    problems, samples, in_sample, frames = [], 0, False, 0
    with open(path) as f:
        lines = f.read().split("\n")
    if not lines or not SAMPLE_HEAD.match(lines[0]):
        problems.append("first line is not a sample's: %r" % lines[:1])
    for i, line in enumerate(lines):
        if not in_sample:
            if not line:
                continue
            if not SAMPLE_HEAD.match(line):
                problems.append("line %d: not a sample's first line: %r" % (i + 1, line[:120]))
            in_sample, frames, samples = True, 0, samples + 1
        elif not line.strip():
            if frames == 0:
                problems.append("line %d: a sample without frames" % (i + 1))
            in_sample = False
        elif FRAME.match(line):
            frames += 1
        else:
            problems.append("line %d: not a frame line: %r" % (i + 1, line[:120]))
    return samples, problems[:5]


def speedscope_dir():
    """speedscope's release (npm package `speedscope`, installed by
    tools/install-deps.sh), or None."""
    for root in (os.environ.get("CASBENCH_SPEEDSCOPE"), "/opt/casbench/node_modules/speedscope"):
        if root and os.path.exists(os.path.join(root, "dist", "release", "index.html")):
            return os.path.join(root, "dist", "release")
    return None


def serve(www):
    """An HTTP server of the directory www on a free local port (speedscope
    fetches the profile it opens); (server, base URL)."""
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=www, **kw)

        def log_message(self, *a):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/" % server.server_address[1]


def speedscope_dom(tmp, base, url_path):
    """The DOM speedscope (served at base + "ss/") shows once it has loaded
    base + url_path."""
    return cbtest.chromium(tmp, "--virtual-time-budget=10000", "--dump-dom",
                           base + "ss/index.html#profileURL=" + base + url_path).stdout


def speedscope_profiles(dom):
    """The names of the profiles speedscope shows: its profile list when the
    file held several ("(k/N)" in the toolbar), else the page title's."""
    body = re.search(r"<tbody>(.*?)</tbody>", dom, re.S)
    if re.search(r"\(\d+/\d+\)", dom) and body:
        return [re.sub(r"<[^>]+>", "", c).strip()
                for c in re.findall(r'<td[^>]*>\s*<span>(.*?)</span>\s*</td>', body.group(1), re.S)]
    title = re.search(r"<title>(.*?) - speedscope</title>", dom, re.S)
    return [title.group(1).strip()] if title else []


def viewers(tmp, d, recs):
    """Every runner's perf script text in the form Firefox Profiler reads,
    and in speedscope (headless Chromium): one profile per call child, the
    per-call folded stacks too."""
    texts = sorted(glob.glob(os.path.join(d, "profiles", "*.perf.txt")))
    for txt in texts:
        n, problems = firefox_profiler_format(txt)
        check("Firefox Profiler's perf script rules: %s (%d samples)" % (os.path.basename(txt), n),
              n > 0 and not problems, problems)
    ss = speedscope_dir()
    if not ss:
        skip("speedscope", "speedscope is not installed (tools/install-deps.sh installs it from npm)")
        return
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        skip("speedscope", "chromium is not installed")
        return
    www = os.path.join(tmp, "www")
    os.makedirs(www, exist_ok=True)
    os.symlink(ss, os.path.join(www, "ss"))
    os.symlink(os.path.join(d, "profiles"), os.path.join(www, "profiles"))
    server, base = serve(www)
    try:
        for txt in texts:
            with open(txt) as f:
                pids = {int(m.group(2)) for m in map(SAMPLE_HEAD.match, f) if m}
            names = speedscope_profiles(speedscope_dom(tmp, base, "profiles/" + os.path.basename(txt)))
            shown = {int(m.group(1)) for m in (re.search(r"pid: (\d+) tid:", n) for n in names) if m}
            check("speedscope opens %s: a profile per call child (%d)" % (os.path.basename(txt), len(pids)),
                  len(names) == len(pids) and shown == pids, (names[:4], sorted(pids)[:4]))
        folded = [x["profile"]["folded"] for x in recs if (x.get("profile") or {}).get("folded")]
        if folded:
            names = speedscope_profiles(speedscope_dom(tmp, base, folded[0]))
            check("speedscope opens a call's folded stacks (%s)" % folded[0],
                  names == [os.path.basename(folded[0])], names)
    finally:
        server.shutdown()


def perf_files():
    """What CPython's perf support and perf inject leave in /tmp."""
    return glob.glob("/tmp/jit-*.dump") + glob.glob("/tmp/jitted-*.so") + glob.glob("/tmp/perf-*.map")


def run(args, **kw):
    return subprocess.run([CB, "run"] + args, capture_output=True, text=True, timeout=600, **kw)


def main():
    tmp = tempfile.mkdtemp(prefix="cbcpu.")
    try:
        why = perf_works(tmp)
        if why:
            skip("all", why)
            return
        polys, run_list = dataset(tmp)
        env, why313 = venv313(tmp)
        libs = ["selftest", "flint"] + (["sympy-domains"] if env else [])
        out = os.path.join(tmp, "out")
        # --min-time: FLINT loops its fast multiplication long enough to be sampled
        args = [polys, run_list, out, "--cpu-profiling", "--repeats", "1", "--min-time", "0.3", "--cores", "2",
                "--libraries"] + libs
        if env:
            args += ["--venvs", env]
        before = set(perf_files())
        r = run(args)
        check("run --cpu-profiling exits 0", r.returncode == 0, r.stderr[-800:])
        d = results_dir(out)
        if not d:
            check("results directory", False)
            return
        with open(os.path.join(d, "calls.jsonl")) as f:
            recs = [json.loads(line) for line in f]
        keys = [(x["runner"], x["function"], tuple(x["args"])) for x in recs]
        check("one record per call", len(keys) == len(set(keys)) == 2 * len(libs), keys)
        ok = {(x["library"], x["function"]): x for x in recs if x["status"] == "ok"}
        profiled = [x for x in recs if x["status"] == "ok"]
        check("every ok call has a profile", profiled and all(isinstance(x.get("profile"), dict) for x in profiled),
              [x.get("profile") for x in profiled][:2])

        busy = ok.get(("selftest", "selftest_busy"))
        if busy and busy.get("profile"):
            p = busy["profile"]
            top = p["top_self"][0] if p["top_self"] else {}
            check("selftest_busy is the top self frame with >= 80 %",
                  top.get("function") == "selftest_busy" and top.get("percent", 0) >= 80, p["top_self"][:3])
            expect = sum(busy["cpu_times"]) * busy["loops"] * RATE
            check("samples ~ the call's CPU time x rate (%d vs %.0f): only the timed repeat" % (p["samples"], expect),
                  0.6 * expect <= p["samples"] <= 1.25 * expect + 5, p["samples"])
            folded = read_folded(os.path.join(d, p["folded"]))
            check("folded stacks add up to the samples", sum(c for _, c in folded) == p["samples"])
            check("top_self / top_total: at most 20, counts from the folded stacks",
                  len(p["top_self"]) <= 20 and len(p["top_total"]) <= 20 and
                  p["top_self"][0]["samples"] == sum(c for s, c in folded if s[-1] == "selftest_busy") and
                  any(t["function"] == "selftest_busy" and
                      t["samples"] == sum(c for s, c in folded if "selftest_busy" in s) for t in p["top_total"]) and
                  not any(t["function"] in ("main", "_start", "child_body") for t in p["top_total"]),
                  p["top_total"][:5])
            check_svg("selftest SVG", os.path.join(d, p["flamegraph"]), folded)
            screenshot(tmp, os.path.join(d, p["flamegraph"]))
        else:
            check("selftest_busy profiled", False, busy)

        # samples only from the call children
        call_pids = {x["pid"] for x in recs if x.get("pid")}
        seen = set()
        for txt in glob.glob(os.path.join(d, "profiles", "*.perf.txt")):
            with open(txt) as f:
                for line in f:
                    m = re.match(r"^\S.*? (\d+)/\d+ ", line)
                    if m:
                        seen.add(int(m.group(1)))
        check("perf script text: every sample is a call child's (%d pids)" % len(seen),
              seen and seen <= call_pids, (seen, call_pids))

        viewers(tmp, d, recs)

        mult = ok.get(("flint", "mult"))
        if mult and mult.get("profile"):
            folded = read_folded(os.path.join(d, mult["profile"]["folded"]))
            n = sum(c for s, c in folded if any(f.startswith("fmpz_mpoly_mul") for f in s))
            # most stacks reach the multiplication (DWARF unwinding through FLINT)
            check("FLINT multiplication: fmpz_mpoly_mul* frames (%d of %d samples)"
                  % (n, mult["profile"]["samples"]), n > 0 and n >= 0.5 * mult["profile"]["samples"],
                  mult["profile"]["top_total"][:8])
        else:
            check("flint mult profiled", False, mult or [x for x in recs if x["library"] == "flint"])

        if not env:
            skip("SymPy on Python 3.13", why313)
        else:
            sp = ok.get(("sympy-domains", "mult"))
            p = sp and sp.get("profile")
            if not p:
                check("sympy mult profiled", False, sp or [x for x in recs if x["library"] == "sympy-domains"])
            else:
                check("python_frames is perf_jit on 3.13", p.get("python_frames") == "perf_jit", p.get("python_frames"))
                folded = read_folded(os.path.join(d, p["folded"]))
                whole = [s for s, c in folded if "PolyElement.__mul__ [rings.py]" in s and
                         "Supervisor._child_timed [runtime.py]" in s and "main [casbench_harness.py]" in s and
                         s.index("Supervisor._child_timed [runtime.py]") < s.index("PolyElement.__mul__ [rings.py]")]
                check("SymPy: PolyElement.__mul__ inside whole Python stacks (%d stacks)" % len(whole), whole,
                      p["top_total"][:10])
                check_svg("SymPy SVG (names with <, > escaped)", os.path.join(d, p["flamegraph"]), folded)
                check("SymPy: PolyElement.__mul__ among the top total functions",
                      any(t["function"] == "PolyElement.__mul__ [rings.py]" for t in p["top_total"]))
                left = sorted(set(perf_files()) - before)
                check("no perf_jit / perf map file left in /tmp (harness parent's included)", not left, left[:3])

        # samply, where it is not installed (an empty CASBENCH_PREFIX, none on
        # PATH): unavailable with the reason (samply itself: samply_profile.py)
        if not shutil.which("samply"):
            out2 = os.path.join(tmp, "out2")
            r = run([polys, run_list, out2, "--cpu-profiling", "--cpu-profiler", "samply", "--libraries", "selftest"],
                    env=dict(os.environ, CASBENCH_PREFIX=os.path.join(tmp, "empty-prefix")))
            d2 = results_dir(out2)
            recs2 = []
            if d2:
                with open(os.path.join(d2, "calls.jsonl")) as f:
                    recs2 = [json.loads(line) for line in f]
            check("--cpu-profiler samply without samply: unavailable with the reason",
                  recs2 and all(x["status"] == "unavailable" and "samply" in (x["error"] or "") for x in recs2),
                  (r.stderr[-300:], recs2[:1]))
        for bad in (["--profile-rate", "0"], ["--profile-rate", "x"], ["--cpu-profiler", "gprof"]):
            r = run([polys, run_list, os.path.join(tmp, "out3"), "--cpu-profiling"] + bad)
            check("bad %s: exit 2 with one line" % " ".join(bad),
                  r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("casbench:"), r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
sys.exit(1 if check.failed else 0)
