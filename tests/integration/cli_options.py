"""cli_options.py — every command reads its command line through one option
table, as the original tool's argparse read it (docs/cli.md,
programs/parse_options.h), and the runs that follow prove what was read:

- an unambiguous prefix names its option (--lib, --rep, --venv), also
  with =VALUE; an ambiguous one is one line naming every option it could be;
- --opt=value and --opt value alike; a one-value option takes the next word
  whatever it looks like (a negative number is a value);
- an option of several values (argparse nargs='+') takes the words up to the
  next option; "--libraries=X" gives one; "--" ends the options;
- -v -v and -vv count alike; the original's spelling --run_list_filter
  beside --run-list-filter;
- flags refuse a value, values need one, unknown options are named: one
  line, exit 2, nothing written;
- -h/--help wins over a command line that does not parse;
- a --venvs word that is a directory of the current directory is that venv,
  even when an interpreter of that name is on PATH;
- `run --resume DIR` alone recognises the options that name something to
  execute however the recorded command line spelled them (prefix, =VALUE),
  and never replays them; the options given with it count also when the
  recorded line ends its options with "--";
- `gen PATH --describe` prints what `describe PATH` prints."""
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
check = cbtest.Checker("cli_options", limit=600)


def cb(*args, cwd=None, timeout=300):
    """casbench ARGS: (exit status, stdout, stderr)."""
    p = subprocess.run([CB] + list(args), capture_output=True, text=True, timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def one_line_error(rc, err, *words):
    return (rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("casbench: ")
            and all(w in err for w in words))


def results_dir(out):
    """The one results directory under OUT, or None."""
    dirs = sorted(d for d in os.listdir(out) if d.startswith("results_")) if os.path.isdir(out) else []
    return os.path.join(out, dirs[-1]) if dirs else None


def run_json(out):
    d = results_dir(out)
    with open(os.path.join(d, "run.json")) as f:
        return json.load(f)


def records(out):
    with open(os.path.join(results_dir(out), "calls.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def setup(tmp):
    """A dataset for the selftest library, and one for a Python library."""
    polys = {"a": (["x"], [{(1,): 1}]), "us1:1000": (["x"], [{(1,): 1}])}
    run_list = {"selftest_noop": [("a",)], "selftest_sleep": [("us1:1000",)]}
    py = {"p": (["x", "y"], [{(1, 0): 1, (0, 1): 2}]), "q": (["x", "y"], [{(2, 1): 3}])}
    return (cbtest.write_dataset(tmp, polys, run_list),
            cbtest.write_dataset(tmp, py, {"add": [("p", "p"), ("p", "q")]}, name="py-"))


def accepted(tmp, files):
    """Spellings that must be read as the option they name: the run's
    run.json and records say what was read."""
    n = [0]

    def run(name, *opts):
        n[0] += 1
        out = os.path.join(tmp, "ok%d" % n[0])
        rc, _, err = cb("run", *files, out, *opts)
        ok = rc == 0 and results_dir(out) is not None
        check("%s: runs (exit 0)" % name, ok, (rc, err[-400:]))
        return out if ok else None

    out = run("prefixes --lib --rep", "--lib", "selftest", "--rep", "2")
    if out:
        check("... --rep 2 is --repeats 2", run_json(out)["options"]["repeats"] == 2, run_json(out)["options"])
        check("... --lib selftest is --libraries selftest", {r["library"] for r in records(out)} == {"selftest"})
    out = run("--opt=value, and a prefix with =value", "--libraries=selftest", "--repeats=2", "--tim=7")
    if out:
        o = run_json(out)["options"]
        check("... --repeats=2 and --tim=7 read", (o["repeats"], o["timeout"]) == (2, 7), o)
    out = run("a list ends at the next option", "--libraries", "selftest", "--gc", "off", "--repeats", "1")
    if out:
        check("... --libraries took one word, --gc its own", run_json(out)["options"]["repeats"] == 1)
    run("'--' ends the options", "--libraries", "selftest", "--repeats", "1", "--")
    rc, _, err = cb("run", "--libraries", "selftest", "--repeats", "1", "--", *files, os.path.join(tmp, "dd"))
    check("... and what follows '--' is positional (POLYS RUN_LIST OUTPUT after it)",
          rc == 0 and results_dir(os.path.join(tmp, "dd")), (rc, err[-300:]))
    out = run("the original's --run_list_filter", "--libraries", "selftest", "--run_list_filter", "selftest_noop")
    if out:
        check("... filters the run list", {r["function"] for r in records(out)} == {"selftest_noop"},
              {r["function"] for r in records(out)})
    out = run("--run-list-filter, a prefix --run-list", "--libraries", "selftest", "--run-list", "selftest_sleep")
    if out:
        check("... filters the run list", {r["function"] for r in records(out)} == {"selftest_sleep"})
    for name, opts in (("-v -v", ["-v", "-v"]), ("-vv", ["-vv"])):
        out = os.path.join(tmp, name.replace(" ", ""))
        rc, _, err = cb("run", *files, out, "--libraries", "selftest", "--repeats", "1", *opts)
        check("%s: a line per call (verbose 2)" % name,
              rc == 0 and "selftest_noop[" in err and "selftest_sleep[" in err, err[-400:])
    out = run("a one-value option takes a word starting with '-'", "--libraries", "selftest", "--python-flags", "-B")
    if out:
        check("... --python-flags -B recorded", run_json(out)["options"].get("python_flags") == "-B",
              run_json(out)["options"])


def refused(tmp, files):
    """One line, exit 2, no results directory."""
    out = os.path.join(tmp, "bad")
    cases = [
        ("an ambiguous prefix names every option it could be", ["--memory", "1G"],
         ["ambiguous option '--memory'", "--memory-profiling", "--memory-profiler", "--memory-limit"]),
        ("an ambiguous prefix with =VALUE", ["--cpu-prof=perf"],
         ["ambiguous option '--cpu-prof'", "--cpu-profiling", "--cpu-profiler"]),
        ("an unknown option", ["--libraries", "selftest", "--frobnicate"], ["unknown option '--frobnicate'"]),
        ("an unknown short option in a cluster", ["-vx"], ["'-x'", "-vx"]),
        ("a flag given a value", ["--pin=yes"], ["--pin takes no value"]),
        ("a value missing at the end", ["--libraries", "selftest", "--repeats"], ["--repeats needs a value"]),
        ("a list option without values", ["--libraries", "--repeats", "1"], ["--libraries needs at least one"]),
        ("--opt=VALUE of a list option is one value", ["--libraries=selftest", "flint"],
         ["unexpected argument 'flint'"]),
        ("a negative number is a value, checked as one", ["--libraries", "selftest", "--cores", "-3"],
         ["--cores", "'-3'"]),
        ("a choice not among the choices", ["--libraries", "selftest", "--order", "deglex"],
         ["--order: 'deglex' is not lex or grevlex"]),
    ]
    for name, opts, words in cases:
        rc, _, err = cb("run", *files, out, *opts)
        check(name, one_line_error(rc, err, *words) and not os.path.exists(out), (rc, err))
        shutil.rmtree(out, ignore_errors=True)
    rc, _, err = cb("run", *files, out, "--gc", "on", "off", "on")
    check("--gc takes at most two settings", one_line_error(rc, err, "--gc") and not os.path.exists(out), err)
    for cmd in (["run"], ["gen"], ["report"], ["compare"], ["libraries"], ["systems"], ["describe"],
                ["import-phc"], ["collect"], ["run-runner"]):
        rc, _, err = cb(*cmd, "--bogus-option")
        check("%s: an unknown option is one line naming it" % cmd[0],
              one_line_error(rc, err, "'--bogus-option'", "casbench %s --help" % cmd[0]), (rc, err))
    rc, outp, err = cb("run", "--frobnicate", "--memory", "-h")
    check("-h wins over a command line that does not parse", rc == 0 and outp.startswith("usage: casbench run"),
          (rc, err))
    rc, outp, err = cb("gen", "--he")
    check("--he is a prefix of --help", rc == 0 and outp.startswith("usage: casbench gen"), (rc, err))


def venv_directory(tmp, pyfiles):
    """--venvs NAME: a directory of the current directory named like an
    interpreter on PATH (python3) is that venv, not the interpreter."""
    venvs, missing = cbtest.pinned_venvs()
    if not venvs:
        check("a pinned venv to point a directory at", False, missing)
        return
    cwd = os.path.join(tmp, "cwd")
    os.makedirs(cwd)
    os.symlink(venvs[0][1], os.path.join(cwd, "python3"))
    out = os.path.join(tmp, "venvdir")
    rc, _, err = cb("run", *pyfiles, out, "--libraries", "sympy-dmp", "--venvs", "python3", "--repeats", "1",
                    cwd=cwd)
    envs = run_json(out)["environments"] if rc == 0 else []
    want = os.path.join(cwd, "python3", "bin", "python")
    check("--venvs python3 with ./python3 a venv: that venv, not python3 on PATH",
          rc == 0 and [e["python"] for e in envs] == [want], (rc, err[-300:], envs))
    rc, _, err = cb("run", *pyfiles, os.path.join(tmp, "nope"), "--libraries", "sympy-dmp", "--venvs",
                    "no-such-venv-xyz", cwd=cwd)
    check("a name that is neither a directory nor on PATH: one line", one_line_error(rc, err, "not found on PATH"),
          (rc, err))
    os.makedirs(os.path.join(cwd, "notavenv"))
    rc, _, err = cb("run", *pyfiles, os.path.join(tmp, "nope"), "--libraries", "sympy-dmp", "--venvs", "notavenv",
                    cwd=cwd)
    check("a directory that is not a venv: one line saying so", one_line_error(rc, err, "not a venv"), (rc, err))


def resume_spellings(tmp, pyfiles):
    """A recorded command line that spells --python-flags and --venvs as
    prefixes or with =VALUE: `run --resume DIR` alone still never replays
    them (a results directory is data)."""
    out = os.path.join(tmp, "res")
    rc, _, err = cb("run", *pyfiles, out, "--lib", "sympy-dmp", "--venv", "python3", "--rep", "1",
                    "--python-f=-B")
    d = results_dir(out)
    check("a run spelled with prefixes (--venv, --python-f=-B)", rc == 0 and d, (rc, err[-300:]))
    if not d:
        return
    mark = os.path.join(tmp, "MARK")
    path = os.path.join(d, "run.json")
    with open(path) as f:
        j = json.load(f)
    cl = j["command_line"]
    i = next(k for k, w in enumerate(cl) if w.startswith("--python-f"))
    cl[i] = "--python-fl=-c__import__('os').mknod(%r)" % mark
    with open(path, "w") as f:
        json.dump(j, f)
    with open(os.path.join(d, "calls.jsonl")) as f:
        lines = f.readlines()
    with open(os.path.join(d, "calls.jsonl"), "w") as f:
        f.writelines(lines[:1])
    rc, _, err = cb("run", "--resume", d)
    check("run --resume DIR: --python-fl=... and --venv in run.json are not replayed, the resume is refused",
          one_line_error(rc, err, "--python-flags", "--venvs") and not os.path.exists(mark), (rc, err))
    rc, _, err = cb("run", "--res", d, "--venv", "python3", "--python-flags=-B")
    with open(os.path.join(d, "calls.jsonl")) as f:
        now = len(f.readlines())
    check("run --res DIR --venv V --python-flags=-B (prefixes too) completes the run",
          rc == 0 and now == len(lines) and not os.path.exists(mark), (rc, err[-300:], now, len(lines)))


def resume_after_end(tmp, pyfiles):
    """A run whose command line ends its options with "--": `run --resume
    DIR --venvs V` still reads V as --venvs, not as a positional word."""
    out = os.path.join(tmp, "end")
    rc, _, err = cb("run", "--libraries", "sympy-dmp", "--venvs", "python3", "--repeats", "1", "--", *pyfiles, out)
    d = results_dir(out)
    check("a run with '--' before POLYS RUN_LIST OUTPUT", rc == 0 and d, (rc, err[-300:]))
    if not d:
        return
    with open(os.path.join(d, "calls.jsonl")) as f:
        lines = f.readlines()
    with open(os.path.join(d, "calls.jsonl"), "w") as f:
        f.writelines(lines[:1])
    rc, _, err = cb("run", "--resume", d, "--venvs", "python3")
    with open(os.path.join(d, "calls.jsonl")) as f:
        now = len(f.readlines())
    check("... run --resume DIR --venvs V completes it", rc == 0 and now == len(lines), (rc, err[-300:], now))


def gen_describe(tmp):
    d = os.path.join(tmp, "gen")
    rc, _, err = cb("gen", d, "--gen", "1-3", "--ter", "3", "--seed", "5", "--num", "2")
    check("gen with prefixes (--gen --ter --num)", rc == 0, err)
    a = cb("gen", os.path.join(d, "polys.pickle"), "--describe")
    b = cb("describe", os.path.join(d, "polys.pickle"))
    check("gen PATH --describe prints what describe PATH prints", a[0] == 0 and a[1] == b[1] and b[1], (a, b[2]))
    a = cb("gen", d, "--desc")
    check("gen DIR --desc (a prefix, a directory) too", a[0] == 0 and a[1] == b[1], a)
    rc, _, err = cb("gen", d, "--describe", "--seed", "3")
    check("gen --describe with a generation option: one line", one_line_error(rc, err, "--seed"), (rc, err))


def main():
    if not os.access(CB, os.X_OK):
        print("FAIL: cli_options: casbench is not built (%s)" % CB)
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="cli_options.")
    try:
        files, pyfiles = setup(tmp)
        accepted(tmp, files)
        refused(tmp, files)
        venv_directory(tmp, pyfiles)
        resume_spellings(tmp, pyfiles)
        resume_after_end(tmp, pyfiles)
        gen_describe(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if check.failed else 0)


main()
