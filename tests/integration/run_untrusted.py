"""run_untrusted.py — a results directory is data, not a program (docs/design.md §10,
docs/run.md "Resume"):
- `run --resume DIR` never takes --python-flags or --venvs from
  DIR/run.json: a run.json edited to run code ('-c...' flags, a --venvs
  script) is refused, nothing runs; given again on the command line, they
  are used (and must match what the run used);
- resuming a directory written for another dataset, run list or options is
  refused (exit 2), the records untouched;
- malformed run.json (null in command_line, wrong types, not an object, a
  FIFO) and calls.jsonl (a FIFO) get one line and exit 2, never a crash or a
  hang, in run --resume, report and compare;
- a symbolic link planted at calls.jsonl or at a runner's log is not
  followed: its target is untouched."""
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

CB = cbtest.CB
check = cbtest.Checker("run_untrusted", limit=600)


def cb(*args, timeout=120):
    """casbench ARGS: (exit status, stderr); a hang is a failure (status None)."""
    try:
        p = subprocess.run([CB] + list(args), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "(hung for %d s)" % timeout
    return p.returncode, p.stderr


def one_line_error(rc, err):
    return rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("casbench: ")


def setup(tmp):
    X = (["x"], [{(1,): 1}])
    polys = {"us%d:1000" % i: X for i in range(4)}
    polys["p"] = (["x", "y"], [{(1, 0): 1, (0, 1): 2}])
    run_list = {"selftest_sleep": [("us%d:1000" % i,) for i in range(4)], "add": [("p", "p")]}
    files = []
    for name, v in (("polys", polys), ("run_list", run_list)):
        files.append(os.path.join(tmp, name + ".pickle"))
        with open(files[-1], "wb") as f:
            pickle.dump(v, f)
    other = os.path.join(tmp, "other.pickle")
    polys2 = dict(polys, p=(["x", "y"], [{(1, 0): 5, (0, 1): 2}]))
    with open(other, "wb") as f:
        pickle.dump(polys2, f)
    return files, other


def first_run(tmp, files, name, extra=()):
    out = os.path.join(tmp, name)
    opts = ["--libraries", "selftest", "sympy-dmp", "--repeats", "1", "--venvs", "python3"] + list(extra)
    p = subprocess.run([CB, "run"] + files + [out] + opts, capture_output=True, text=True, timeout=300)
    d = os.path.join(out, os.listdir(out)[0]) if os.path.isdir(out) and os.listdir(out) else None
    return p, d, opts


def edit_run_json(d, fn):
    path = os.path.join(d, "run.json")
    with open(path) as f:
        j = json.load(f)
    fn(j)
    with open(path, "w") as f:
        json.dump(j, f)


def drop_records(d, keep):
    path = os.path.join(d, "calls.jsonl")
    with open(path) as f:
        lines = f.readlines()
    with open(path, "w") as f:
        f.writelines(lines[:keep])
    return lines


def untrusted_options(tmp, files):
    p, d, opts = first_run(tmp, files, "flags", ["--python-flags", "-B"])
    check("a run with --venvs and --python-flags", p.returncode == 0 and d, p.stderr[-400:])
    if not d:
        return
    total = len(drop_records(d, 3))
    mark = os.path.join(tmp, "MARK-flags")

    def evil_flags(j):
        cl = j["command_line"]
        cl[cl.index("--python-flags") + 1] = "-c__import__('os').mknod(%r)" % mark
    edit_run_json(d, evil_flags)
    rc, err = cb("run", "--resume", d)
    check("run.json with --python-flags '-c...': run --resume DIR is refused, nothing runs",
          one_line_error(rc, err) and "--python-flags" in err and not os.path.exists(mark), (rc, err))
    check("... the records are untouched", len(open(os.path.join(d, "calls.jsonl")).readlines()) == 3)

    script = os.path.join(tmp, "evil-python")
    mark2 = os.path.join(tmp, "MARK-venvs")
    with open(script, "w") as f:
        f.write("#!/bin/sh\ntouch %s\necho casbench-python\n" % mark2)
    os.chmod(script, 0o755)

    def evil_venv(j):
        cl = j["command_line"]
        cl[cl.index("--venvs") + 1] = script
        i = cl.index("--python-flags")
        del cl[i:i + 2]
    edit_run_json(d, evil_venv)
    rc, err = cb("run", "--resume", d)
    check("run.json with a --venvs script: run --resume DIR is refused, nothing runs",
          one_line_error(rc, err) and "--venvs" in err and not os.path.exists(mark2), (rc, err))
    rc, err = cb("run", "--resume", d, "--venvs", "python3", "--python-flags", "-B")
    check("given on the command line, --venvs and --python-flags are used: the resume completes",
          rc == 0 and len(open(os.path.join(d, "calls.jsonl")).readlines()) == total
          and not os.path.exists(mark) and not os.path.exists(mark2), (rc, err[-400:]))
    rc, err = cb("run", "--resume", d, "--venvs", "python3")
    check("... all of them (--python-flags missing: refused)",
          one_line_error(rc, err) and "--python-flags" in err, (rc, err))
    rc, err = cb("run", "--resume", d, "--venvs", "python3", "--python-flags", "-O")
    check("... and as the run used them (other --python-flags: refused)",
          one_line_error(rc, err) and "python_flags" in err, (rc, err))
    rc, err = cb("run", "--resume", d, "--repeats", "2")
    check("run --resume DIR takes only the untrusted options after it", one_line_error(rc, err), (rc, err))


def identity(tmp, files, other):
    p, d, opts = first_run(tmp, files, "ident")
    if not d:
        check("a run to resume", False, p.stderr[-400:])
        return
    lines = drop_records(d, 3)
    before = lines[:3]
    out = os.path.dirname(d)
    cases = [
        ("another dataset", [other, files[1]], [], "another dataset"),
        ("another run list (--run-list-filter)", files, ["--run-list-filter", "add"], "another run list"),
        ("other options (--repeats 2)", files, ["--repeats", "2"], "repeats"),
        ("other options (--timeout 5)", files, ["--timeout", "5"], "timeout"),
        ("other options (--memory-limit 1G)", files, ["--memory-limit", "1G"], "memory_limit"),
    ]
    for name, data, extra, text in cases:
        rc, err = cb("run", *data, out, *opts, *extra, "--resume", d)
        with open(os.path.join(d, "calls.jsonl")) as f:
            now = f.readlines()
        check("resume of a directory run for %s is refused, its records untouched" % name,
              one_line_error(rc, err) and text in err and now == before, (rc, err, len(now)))
    rc, err = cb("run", *files, out, *opts, "--cores", "1", "--resume", d)
    check("resume with the same dataset and options (--cores aside) completes",
          rc == 0 and len(open(os.path.join(d, "calls.jsonl")).readlines()) == len(lines), (rc, err[-300:]))
    rc, err = cb("run", "--resume", d, "--venvs", "python3")
    check("run --resume DIR --venvs V (the run's own) runs nothing more", rc == 0, (rc, err[-300:]))


def malformed(tmp, files):
    p, d0, opts = first_run(tmp, files, "malformed")
    if not d0:
        check("a run to damage", False, p.stderr[-400:])
        return
    n = [0]

    def copy():
        n[0] += 1
        d = os.path.join(tmp, "damaged%d" % n[0])
        shutil.copytree(d0, d)
        return d

    def run_json(d, text):
        os.remove(os.path.join(d, "run.json"))
        with open(os.path.join(d, "run.json"), "w") as f:
            f.write(text)

    with open(os.path.join(d0, "run.json")) as f:
        good = json.load(f)
    # (damaged run.json, whether a resume with the whole command line, which
    # needs only its identity, goes through)
    damaged = {
        "null in command_line": (dict(good, command_line=["run", None, "x"]), True),
        "command_line not a list": (dict(good, command_line="run"), True),
        "run.json a list": ([good], False),
        "run.json null": (None, False),
        "identity a string": (dict(good, identity="x"), False),
        "identity without options": (dict(good, identity={"dataset_sha256": 1}), False),
        "resumed not a list": (dict(good, resumed={"a": 1}), True),
    }
    for name, (value, whole_ok) in damaged.items():
        d = copy()
        run_json(d, json.dumps(value))
        rc, err = cb("run", "--resume", d)
        check("%s: run --resume DIR gives one line and exit 2" % name,
              one_line_error(rc, err) or (rc == 0 and name == "resumed not a list"), (rc, err[-300:]))
        rc, err = cb("run", *files, os.path.dirname(d), *opts, "--resume", d)
        check("%s: run ... --resume DIR %s" % (name, "goes through" if whole_ok else "gives one line and exit 2"),
              rc == 0 if whole_ok else one_line_error(rc, err), (rc, err[-300:]))
        rc, err = cb("report", d)
        check("%s: report does not crash" % name, rc in (0, 1, 2), (rc, err[-300:]))
    d = copy()
    run_json(d, "{")
    rc, err = cb("run", "--resume", d)
    check("run.json not JSON: one line, exit 2", one_line_error(rc, err), (rc, err))
    # every field of every record replaced by each JSON type in turn
    d = copy()
    with open(os.path.join(d, "calls.jsonl")) as f:
        recs = [json.loads(line) for line in f]
    lines = []
    for rec in recs[:2]:
        for key in list(rec):
            for junk in (None, [], [None, "x", 1], {}, {"a": [1]}, 1, -1.5, "x", True):
                lines.append(json.dumps(dict(rec, **{key: junk})))
    lines += ["null", "[]", "1", '"x"', "{}", '{"runner": null}']
    with open(os.path.join(d, "calls.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for how, args in (("report", ["report", d]), ("report --format html", ["report", d, "--format", "html"]),
                      ("report --format csv", ["report", d, "--format", "csv"]), ("compare", ["compare", d, d0]),
                      ("run ... --resume DIR", ["run"] + files + [os.path.dirname(d)] + opts + ["--resume", d])):
        rc, err = cb(*args)
        check("calls.jsonl with fields of every wrong type: %s neither crashes nor hangs" % how,
              rc is not None and rc >= 0, (rc, err[-300:]))
    for name in ("run.json", "calls.jsonl"):
        d = copy()

        os.remove(os.path.join(d, name))
        os.mkfifo(os.path.join(d, name))
        for how, args in (("run --resume DIR", ["run", "--resume", d]),
                          ("run ... --resume DIR", ["run"] + files + [os.path.dirname(d)] + opts + ["--resume", d])):
            rc, err = cb(*args, timeout=30)
            check("%s a FIFO: %s gives one line and exit 2, no hang" % (name, how), one_line_error(rc, err),
                  (rc, err[-300:]))
        rc, err = cb("report", d, timeout=30)
        check("%s a FIFO: report does not hang" % name, rc is not None and rc >= 0, (rc, err[-300:]))
        rc, err = cb("compare", d, d0, timeout=30)
        check("%s a FIFO: compare does not hang" % name, rc is not None and rc >= 0, (rc, err[-300:]))


def planted_links(tmp, files):
    p, d, opts = first_run(tmp, files, "links")
    if not d:
        check("a run to plant links in", False, p.stderr[-400:])
        return
    drop_records(d, 3)
    victim = os.path.join(tmp, "victim.txt")
    with open(victim, "w") as f:
        f.write("precious\n")
    calls = os.path.join(d, "calls.jsonl")
    saved = calls + ".saved"
    os.rename(calls, saved)
    os.symlink(victim, calls)
    rc, err = cb("run", *files, os.path.dirname(d), *opts, "--resume", d)
    check("a symbolic link planted at calls.jsonl: refused (one line, exit 2), its target untouched",
          one_line_error(rc, err) and open(victim).read() == "precious\n", (rc, err))
    os.remove(calls)
    os.rename(saved, calls)
    logs = os.path.join(d, "logs")
    for log in os.listdir(logs):
        os.remove(os.path.join(logs, log))
        os.symlink(victim, os.path.join(logs, log))
    rc, err = cb("run", *files, os.path.dirname(d), *opts, "--resume", d)
    check("symbolic links planted at the runners' logs are not followed: the target is untouched",
          open(victim).read() == "precious\n" and "symbolic link" in err, (rc, err[-400:]))
    shutil.rmtree(logs)
    elsewhere = os.path.join(tmp, "elsewhere")
    os.mkdir(elsewhere)
    os.symlink(elsewhere, logs)
    rc, err = cb("run", *files, os.path.dirname(d), *opts, "--resume", d)
    check("logs/ a symbolic link out of the results directory: refused, nothing written there",
          one_line_error(rc, err) and not os.listdir(elsewhere), (rc, err, os.listdir(elsewhere)))



def main():
    if not os.access(CB, os.X_OK):
        check("casbench is built", False, CB)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        files, other = setup(tmp)
        untrusted_options(tmp, files)
        identity(tmp, files, other)
        malformed(tmp, files)
        planted_links(tmp, files)
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
