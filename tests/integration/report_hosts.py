"""report_hosts.py — a run that spans hosts (the Slurm supervisor) gets its
timings grouped by host: each (library, host) its own column, and a warning
with the calls per host.  The run is real (selftest); the second host is
made by moving one runner's records to another node name, as a cluster run
would have them."""
import json
import os
import pickle
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cbtest import CB  # noqa: E402


def main():
    fails = 0

    def check(name, ok, detail=""):
        nonlocal fails
        print(("PASS" if ok else "FAIL") + f": report_hosts: {name}" + ("" if ok else f" -- {detail}"))
        fails += 0 if ok else 1

    with tempfile.TemporaryDirectory() as t:
        polys = {"us:2000": (["x"], [{(1,): 1}]), "us:4000": (["x"], [{(1,): 1}])}
        run_list = {"selftest_busy": [("us:2000",), ("us:4000",)]}
        with open(f"{t}/polys.pickle", "wb") as f:
            pickle.dump(polys, f)
        with open(f"{t}/run_list.pickle", "wb") as f:
            pickle.dump(run_list, f)
        for out in ("a", "b"):
            p = subprocess.run([CB, "run", f"{t}/polys.pickle", f"{t}/run_list.pickle", f"{t}/{out}",
                                "--libraries", "selftest", "--repeats", "2"], capture_output=True, text=True)
            check(f"run {out} exits 0", p.returncode == 0, p.stderr[-300:])
        da = os.path.join(t, "a", os.listdir(f"{t}/a")[0])
        db = os.path.join(t, "b", os.listdir(f"{t}/b")[0])
        recs = [json.loads(l) for l in open(f"{da}/calls.jsonl")]
        for l in open(f"{db}/calls.jsonl"):
            r = json.loads(l)
            r["host"] = "node-b"
            recs.append(r)
        with open(f"{da}/calls.jsonl", "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
        p = subprocess.run([CB, "report", da, "--format", "csv"], capture_output=True, text=True)
        check("report exits 0", p.returncode == 0, p.stderr[-300:])
        p = subprocess.run([CB, "report", da], capture_output=True, text=True)
        here = recs[0]["host"]
        check("a column per host", f"selftest @{here}" in p.stdout and "selftest @node-b" in p.stdout, p.stdout[:1500])
        check("calls per host said", "2 hosts" in (p.stdout + p.stderr), (p.stdout + p.stderr)[-800:])
        p = subprocess.run([CB, "report", db], capture_output=True, text=True)
        check("one host: no host in the labels", "@" not in p.stdout, p.stdout[:800])
    return 1 if fails else 0


sys.exit(main())
