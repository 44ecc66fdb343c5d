"""sagemath_run.py — SageMath through `casbench run`, where Debian's
python3-sage is installed (no `sage` launcher: casbench falls back to
/usr/bin/python3, see lib/run/libraries.c).  Its verify digests must equal
flint's on the functions both define alike."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cbtest import CB  # noqa: E402

SAME = {"add", "sub", "mult", "gcd", "resultant", "leading_coefficient"}


def main():
    probe = subprocess.run(["/usr/bin/python3", "-c", "import sage.all"], capture_output=True)
    if probe.returncode != 0:
        print("SKIP: sagemath_run: python3-sage is not importable by /usr/bin/python3")
        return 0
    failed = 0
    with tempfile.TemporaryDirectory() as t:
        subprocess.run([CB, "gen", f"{t}/d", "--generators", "2-4", "--terms", "6",
                        "--number", "2", "--seed", "7"], check=True, capture_output=True)
        r = subprocess.run([CB, "run", f"{t}/d/polys.pickle", f"{t}/d/run_list.pickle", f"{t}/out",
                            "--libraries", "flint", "sagemath", "--verify", "--timeout", "60"],
                           capture_output=True, text=True)
        res = [d for d in os.listdir(f"{t}/out")]
        recs = [json.loads(l) for l in open(f"{t}/out/{res[0]}/calls.jsonl")]
        by = {}
        for rec in recs:
            by.setdefault((rec["function"], tuple(rec["args"])), {})[rec["library"]] = rec
        sage_ok = [r for r in recs if r["library"] == "sagemath" and r["status"] == "ok"]
        if r.returncode == 0 and sage_ok:
            print(f"PASS: sagemath_run: runs ({len(sage_ok)} calls ok)")
        else:
            print(f"FAIL: sagemath_run: runs (exit {r.returncode}): {r.stderr[-400:]}")
            failed = 1
        compared = 0
        for (fn, args), libs in by.items():
            if fn not in SAME or len(libs) < 2:
                continue
            a, b = libs["flint"], libs["sagemath"]
            if a["status"] != "ok" or b["status"] != "ok":
                continue
            compared += 1
            if a.get("digest") != b.get("digest"):
                print(f"FAIL: sagemath_run: {fn}{args} sage and flint disagree:"
                      f" {a.get('result_head')!r} vs {b.get('result_head')!r}")
                failed = 1
        if compared >= 10 and not failed:
            print(f"PASS: sagemath_run: agrees with flint on {compared} calls")
        elif compared < 10:
            print(f"FAIL: sagemath_run: only {compared} calls compared")
            failed = 1
    return failed


sys.exit(main())
