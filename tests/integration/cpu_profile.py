"""cpu_profile.py — `casbench run --cpu-profiling` end to end with real perf
(DESIGN §8.2, docs/profiling.md): one run with the selftest, flint and (on
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
- folded stacks add up to the samples; the SVG's boxes are as wide as their
  counts say, every box has a <title> with samples and percent; Chromium
  draws it (screenshot inspected with PIL when present);
- --cpu-profiler samply without samply: records `unavailable` with reason;
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
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        skip("screenshot", "chromium is not installed")
        return
    png = os.path.join(tmp, "flame.png")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + tempfile.mkdtemp(dir=tmp), "--screenshot=" + png,
                    "--window-size=1200,800", "file://" + svg_path], capture_output=True, timeout=180)
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
                         "Executor._child_timed [runtime.py]" in s and "main [casbench_harness.py]" in s and
                         s.index("Executor._child_timed [runtime.py]") < s.index("PolyElement.__mul__ [rings.py]")]
                check("SymPy: PolyElement.__mul__ inside whole Python stacks (%d stacks)" % len(whole), whole,
                      p["top_total"][:10])
                check_svg("SymPy SVG (names with <, > escaped)", os.path.join(d, p["flamegraph"]), folded)
                check("SymPy: PolyElement.__mul__ among the top total functions",
                      any(t["function"] == "PolyElement.__mul__ [rings.py]" for t in p["top_total"]))
                left = sorted(set(perf_files()) - before)
                check("no perf_jit / perf map file left in /tmp (harness parent's included)", not left, left[:3])

        # samply, where it is not installed: unavailable with the reason
        if not shutil.which("samply"):
            out2 = os.path.join(tmp, "out2")
            r = run([polys, run_list, out2, "--cpu-profiling", "--cpu-profiler", "samply", "--libraries", "selftest"])
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
