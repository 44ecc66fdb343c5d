"""run_progress.py — what `casbench run` shows while it runs: on a terminal
(a pty here) a live line redrawn in place with finished / total calls,
running runners, timeouts so far and an ETA, which fits the terminal's
width (parts left out, least needed first, on a narrow one); piped, one
line per finished runner and no control characters; -v adds a line per
runner start with its command."""
import fcntl
import os
import pickle
import pty
import shutil
import struct
import subprocess
import sys
import tempfile
import termios

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cbtest  # noqa: E402

BUILD = cbtest.BUILD
CB = cbtest.CB
check = cbtest.Checker("run_progress")


def run_on_pty(args, columns):
    """Runs casbench with a pty of COLUMNS columns as its terminal; its
    output and wait status."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        os.execv(CB, args)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return out.decode(errors="replace"), status


tmp = tempfile.mkdtemp(prefix="cbtest-progress.")
try:
    polys = {"us%d:100000" % i: (["x"], [{(1,): 1}]) for i in range(4)}
    polys["0"] = (["x"], [{(1,): 1}])
    run_list = {"selftest_sleep": [(k,) for k in polys if k != "0"], "selftest_hang": [("0",)]}
    pickle.dump(polys, open(os.path.join(tmp, "p.pickle"), "wb"))
    pickle.dump(run_list, open(os.path.join(tmp, "r.pickle"), "wb"))
    args = [CB, "run", os.path.join(tmp, "p.pickle"), os.path.join(tmp, "r.pickle"), os.path.join(tmp, "out"),
            "--libraries", "selftest", "--benchmark", "--verify", "--timeout", "1", "--repeats", "1", "--rounds", "2"]
    # 2 rounds of the benchmark runner, each a harness of its own: round 0
    # runs the 5 calls (the hang times out), round 1 runs 4 and skips the
    # hang (a record, done, not a new timeout); the verify runner runs 5:
    # 15 calls, 3 harnesses, 2 timeouts

    # on a terminal: stderr is the pty, 200 columns wide (the whole line fits)
    text, status = run_on_pty(args, 200)
    check("tty: exit 0", os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text[-300:])
    check("tty: the line is redrawn in place", "\r\x1b[K" in text)
    lines = [seg for seg in text.split("\r\x1b[K") if "calls," in seg]
    final = [seg for seg in lines if seg.startswith("15/15 calls")]
    check("tty: finished/total calls", bool(final), lines[-3:])
    check("tty: running runners, timeouts and ETA shown",
          any(" running" in seg and "timeouts" in seg and "ETA" in seg for seg in lines), lines[-3:])
    check("tty: timeouts counted, the skipped call not", any("2 timeouts" in seg for seg in lines) and
          not any("3 timeouts" in seg for seg in lines), lines[-3:])
    check("tty: no per-runner lines without -v", "[1/3]" not in text)

    # a 40-column terminal: every live line fits (39 columns: one written
    # in the last column would wrap), the calls done and the ETA kept
    text, status = run_on_pty(args, 40)
    narrow = [seg.split("\r")[0].split("\n")[0] for seg in text.split("\r\x1b[K") if "calls" in seg]
    check("40-column tty: exit 0", os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text[-300:])
    check("40-column tty: every live line fits in 39 columns", narrow and all(len(s) <= 39 for s in narrow),
          [s for s in narrow if len(s) > 39][:3])
    check("40-column tty: calls done and ETA kept", any(s.startswith("15/15 calls") for s in narrow) and
          any("ETA" in s for s in narrow), narrow[-3:])

    # piped
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    check("piped: exit 0", p.returncode == 0, p.stderr[-300:])
    check("piped: no control characters", "\x1b" not in p.stderr and "\r" not in p.stderr)
    runner_lines = [l for l in p.stderr.splitlines() if l.startswith("casbench: [")]
    want = {"selftest.verify: 5/5 calls, 1 timeouts", "selftest.benchmark round 0: 5/5 calls, 1 timeouts",
            "selftest.benchmark round 1: 4/4 calls, 0 timeouts"}
    check("piped: one line per finished runner and round", len(runner_lines) == 3 and
          {l.split("] ", 1)[1].split(", 0 failed")[0] for l in runner_lines} == want, runner_lines)

    p = subprocess.run(args + ["-v", "-v"], capture_output=True, text=True, timeout=120)
    starts = [l for l in p.stderr.splitlines() if l.startswith("casbench: start ")]
    check("-v: a line per runner start (and round) with its command", len(starts) == 3 and
          all("casbench-harness-selftest" in l for l in starts), p.stderr[-500:])
    calls = [l for l in p.stderr.splitlines() if "selftest_sleep[" in l or "selftest_hang[" in l]
    check("-v -v: a line per call and round", len(calls) == 15, p.stderr[-500:])
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if check.failed else 0)
