"""The Python harness supervisor: fork per call, timed, supervised, recorded.

This is the Python twin of the C supervisor in harness/common/ and follows the
same contract (docs/design.md §5, docs/protocol.md, docs/measurement.md): every
adapter (SymPy, python-flint, SageMath) parses its polynomials once, then for
each run-list entry, in order (or by its rank in the config's `call_order`,
the round's shuffle), the parent forks a child that applies the gc
setting, runs the function `warmup` times untimed (the first one's time is
the cold time), calibrates the loop count to `min_time` (or takes the one an
earlier round found, from the config's `loops`), runs `repeats` timed
repeats of that many executions (each timed with perf_counter_ns and process
CPU time) and streams every time to the parent through a pipe as soon as it
has it.  The parent waits on the pipe and on a pidfd with one deadline for the
whole call (poll, no sleeping), sends SIGTERM at the limit and SIGKILL after
`grace`, reaps the child with wait4 (peak RSS) and appends one JSON record to
`calls_jsonl` with a single write() on an O_APPEND descriptor.  Nothing a
child does -- hang, crash, raise -- stops the loop.

Standard library only; multiprocessing is deliberately avoided (it costs a
pickling round trip and a helper thread per call; see bench/overhead_python.sh).
"""

import gc
import itertools
import json
import math
import os
import pickle
import resource
import select
import signal
import stat
import struct
import sys
import time

from . import canonical, profilers

# The modes, in the order of cb_mode (lib/common/mode.h).
MODES = ("benchmark", "cpu", "mem", "verify")
FUNCTIONS = ("add", "sub", "mult", "divmod", "resultant", "gcd", "lcm",
             "factor", "leading_coefficient", "groebner")
ARITY = dict.fromkeys(FUNCTIONS, 2)
ARITY.update(factor=1, leading_coefficient=1, groebner=1)

# Child -> parent frames: a 1-byte kind and a 4-byte length, then the payload.
_FRAME = struct.Struct("<cI")
_TIME = struct.Struct("<qqq")      # wall ns, cpu ns, loops of one repeat (or the cold execution)
K_TIME, K_COLD, K_ERROR, K_UNSUPPORTED, K_DIGEST, K_MEM, K_DONE, K_MEMORY_LIMIT = (
    b"T", b"C", b"E", b"U", b"D", b"M", b"F", b"L")

# poll() takes an int of milliseconds: a longer wait is made of several
_POLL_MAX_MS = 2 ** 31 - 1
# Numbers shared with the C side, each the value of its name in
# lib/common/defaults.h (tests/integration/defaults_shared.py checks them):
# exit status of a harness that reached its memory limit outside a call
# (CB_EXIT_MEMORY_LIMIT), the variable that gives it the limit
# (CB_MEMORY_LIMIT_ENV), SIGTERM -> SIGKILL when the config has no `grace`
# (CB_GRACE_DEFAULT), the longest seconds a config may say
# (CB_MAX_SECONDS), the most repeats and warm-up executions and the highest
# round (CB_MAX_COUNT), and the calibration rule of next_loops
# (CB_CALIBRATION_*, CB_MAX_LOOPS_LOG2).
EXIT_MEMORY_LIMIT = 3
MEMORY_LIMIT_ENV = "CASBENCH_MEMORY_LIMIT"
GRACE_DEFAULT = 1.0
MAX_SECONDS = 1e6
MAX_COUNT = 1000000
CALIBRATION_MARGIN = 1.25
CALIBRATION_MIN_GROWTH = 2.0
CALIBRATION_MAX_GROWTH = 100.0
MAX_LOOPS_LOG2 = 40


# Wait on a pidfd as well as the pipe (Python 3.9+, Linux 5.3+); without
# one, the pipe's end of file marks the child's exit.
USE_PIDFD = hasattr(os, "pidfd_open")


# ------------------------------------------------------------- limits --
# The memory limit (lib/common/bounds.h, docs/protocol.md "Limits"): SIZE bytes
# from CASBENCH_MEMORY_LIMIT, applied as RLIMIT_DATA beyond what the process
# has mapped -- the harness from its start, each call child from the harness
# it is forked from -- so that an allocation past it raises MemoryError.

MEMORY_LIMIT = 0          # SIZE in force (0: none)


def _data_bytes():
    """This process's private writable memory (VmData), 0 when unknown."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_data(base):
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = base + MEMORY_LIMIT
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def start_memory_limit():
    """Applies CASBENCH_MEMORY_LIMIT to this process (first thing in the
    harness, for --probe as for a run)."""
    global MEMORY_LIMIT
    try:
        MEMORY_LIMIT = max(0, int(os.environ.get(MEMORY_LIMIT_ENV) or 0))
        if MEMORY_LIMIT:
            _limit_data(_data_bytes())
    except (ValueError, OSError):
        MEMORY_LIMIT = 0       # could not be set: the records say "no limit"


def memory_limit_text(what):
    """What a record says when WHAT (an exception's text) was raised under
    the limit."""
    if not MEMORY_LIMIT:
        return what
    size, unit = float(MEMORY_LIMIT), "bytes"
    for u in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, u
    return "memory limit of %s %s reached (%s)" % (("%.0f" if size == int(size) else "%.3g") % size,
                                                   unit, what)


def _seconds(value):
    """A config's seconds: 0 for none, NaN, negatives and junk; any finite
    size otherwise (the waits below take care of huge ones)."""
    try:
        value = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    return value if 0 < value < float("inf") else 0.0


def _seconds_ns(value):
    """Seconds as nanoseconds, saturating like the C side (lib/common/bounds.h)."""
    return min(int(_seconds(value) * 1e9), 2 ** 63 - 1)


def _poll_ms(deadline):
    """poll()'s timeout until deadline (time.monotonic()), None for none."""
    if deadline is None:
        return None
    left = (deadline - time.monotonic()) * 1000
    if left >= _POLL_MAX_MS:
        return _POLL_MAX_MS
    return max(0, int(left + 0.999))


class ConfigError(Exception):
    """The config pickle is not what docs/protocol.md describes."""


class Unsupported(Exception):
    """Raised by an adapter for a function its library does not offer."""


class Adapter:
    """What the runtime needs from a library adapter (see adapters/).

    `functions`   names of the functions this installation offers.
    parse(key, gens, polys, uses) -> the system in the library's objects
                  (`uses`: names of the functions that read this system).
    bind(function, systems) -> a zero-argument callable doing the call's
                  work (run in the child, before timing).
    plain(function, systems, result) -> the result as plain Python values for
                  canonical.text (verify mode only).
    """
    functions = frozenset()

    def parse(self, key, gens, polys, uses):
        raise NotImplementedError

    def bind(self, function, systems):
        raise NotImplementedError

    def plain(self, function, systems, result):
        raise NotImplementedError


def error_text(exc):
    """`TypeError: message`, as records show exceptions."""
    msg = str(exc)
    return "%s: %s" % (type(exc).__name__, msg) if msg else type(exc).__name__


def signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


# ---------------------------------------------------------------- config --

def load_config(path):
    """The run config (a pickled dict) with its keys checked."""
    try:
        with open(path, "rb") as f:
            config = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError) as e:
        raise ConfigError("cannot read config %s: %s" % (path, e))
    if not isinstance(config, dict):
        raise ConfigError("config %s is not a dict" % path)
    for key, kind in (("type", str), ("run_list", dict), ("polys", dict),
                      ("repeats", int)):
        if not isinstance(config.get(key), kind):
            raise ConfigError("config key %r is missing or not a %s" % (key, kind.__name__))
    if config["type"] not in MODES:
        raise ConfigError("config type %r is not one of %s" % (config["type"], ", ".join(MODES)))
    return config


def run_list_calls(run_list):
    """[(function, args tuple)] in the run list's order."""
    calls = []
    for function, entries in run_list.items():
        for args in entries:
            calls.append((function, tuple(args)))
    return calls


def call_sequence(config, n):
    """The indices of the n calls in the order they run: by their rank in
    the config's `call_order` (ties in run-list order), or the run list's
    order without one -- as the C harnesses (harness/common/harness.c)."""
    ranks = config.get("call_order")
    if ranks is None:
        return list(range(n))
    if not isinstance(ranks, list) or len(ranks) != n or \
            not all(isinstance(r, int) and not isinstance(r, bool) for r in ranks):
        raise ConfigError("config: call_order must be a list of one rank per call (%d)" % n)
    return sorted(range(n), key=lambda i: (ranks[i], i))


def given_loops(config, i):
    """Call i's loop count from an earlier round (config `loops`), 0 for
    none (calibrate)."""
    loops = config.get("loops")
    if isinstance(loops, list) and i < len(loops) and isinstance(loops[i], int) and loops[i] > 0:
        return loops[i]
    return 0


# -------------------------------------------------------------- supervisor --

class Outcome:
    """What the parent learned about one call."""
    __slots__ = ("status", "error", "times", "cpu_times", "loops", "cold_time",
                 "cold_cpu_time", "pid", "max_rss_kib", "digest", "head", "result", "mem",
                 "memory_limit_hit")

    def __init__(self):
        self.status, self.error = None, None
        self.memory_limit_hit = False
        self.times, self.cpu_times, self.loops = [], [], 1
        self.cold_time = self.cold_cpu_time = None      # no warm-up execution finished
        self.pid, self.max_rss_kib = None, 0      # pid None: no child ran
        self.digest = self.head = self.result = self.mem = None


class Supervisor:
    def __init__(self, config, adapter):
        self.config = config
        self.adapter = adapter
        self.mode = config["type"]
        self.gc_enabled = bool(config.get("gc", True))
        self.repeats = max(1, int(config["repeats"]))
        self.timeout = _seconds(config.get("timeout"))        # 0: no limit
        self.grace = _seconds(config.get("grace") or GRACE_DEFAULT)
        # docs/measurement.md; absent keys: the original's single shot.  mem
        # counts one execution per tracked repeat; verify computes once.
        self.warmup = 0 if self.mode == "verify" else min(max(0, int(config.get("warmup") or 0)), MAX_COUNT)
        min_time = 0.0 if self.mode in ("mem", "verify") else _seconds(config.get("min_time"))
        self.min_time = min(min_time, MAX_SECONDS)
        self.min_time_ns = _seconds_ns(self.min_time)
        self.call_data_base = 0     # the harness's VmData before the first call
        self.loops = 0              # the loop count of the next call from an earlier round (0: calibrate)
        perturb = config.get("perturb")
        self.perturb = (perturb[0], tuple(perturb[1])) if perturb else None
        self.result_text = bool(self.config.get("result_text"))   # tests: whole text
        self.pdeathsig = _pdeathsig_setter()
        if self.pdeathsig:      # the harness too dies with its parent (casbench, or a profiler in between)
            self.pdeathsig()
        self.harness_pid = os.getpid()
        # perf's control channel (cpu), the tracker or memray (mem): hooks
        # around each call and each timed repeat (profilers.py)
        self.profilers = profilers.for_config(config)
        self.systems = {}           # key -> parsed system, or the exception
        self.has_pidfd = USE_PIDFD

    # -- set-up ---------------------------------------------------------
    def parse_systems(self, calls):
        uses = {}
        for function, args in calls:
            for key in args:
                uses.setdefault(key, set()).add(function)
        polys = self.config["polys"]
        for key, functions in uses.items():
            if key not in polys:
                self.systems[key] = ParseFailure("system %r is not in the dataset" % (key,))
                continue
            try:
                gens, plist = polys[key]
                self.systems[key] = self.adapter.parse(key, list(gens), list(plist), functions)
            except MemoryError as e:     # under the limit: its calls say so
                self.systems[key] = ParseFailure("cannot parse system %r: %s" % (
                    key, memory_limit_text(error_text(e))), memory=bool(MEMORY_LIMIT))
            except Exception as e:       # recorded as each call's error
                self.systems[key] = ParseFailure("cannot parse system %r: %s"
                                                 % (key, error_text(e)))

    def warm_up(self, calls):
        """Runs each function of the run list once here, in the parent, on a
        tiny system (x + y + 1, x - y over ZZ[x, y]), so that what a library
        does on first use -- imports it defers (SymPy's assumptions wrapper,
        Sage's lazy imports), caches of ring and domain objects -- is done
        once instead of in every call child's first repeat.  The Python
        analogue of the C harnesses' LD_BIND_NOW; the dataset's own systems
        are never computed with here."""
        tiny = [{(1, 0): 1, (0, 1): 1, (0, 0): 1}, {(1, 0): 1, (0, 1): -1}]
        for function in dict.fromkeys(f for f, _ in calls):
            if function not in FUNCTIONS or function not in self.adapter.functions:
                continue          # only docs/design.md §7's functions: nothing exotic here
            try:
                system = self.adapter.parse("warm-up", ["x", "y"], tiny, {function})
                arity = 1 if function in ("factor", "leading_coefficient", "groebner") else 2
                self.adapter.bind(function, [system] * arity)()
            except Exception:
                pass              # the calls themselves will say what fails

    # -- the child ------------------------------------------------------
    def _child(self, function, args, w):
        """Runs in the forked child; never returns."""
        code = 0
        try:
            if self.pdeathsig:
                self.pdeathsig()          # die with the harness, as C children do
                if os.getppid() != self.harness_pid:
                    os._exit(125)         # it died before that took effect
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if MEMORY_LIMIT and self.call_data_base:
                _limit_data(self.call_data_base)     # the call's own SIZE
            systems = [self.systems[k] for k in args]
            thunk = self.adapter.bind(function, systems)
            if self.mode == "verify":
                self._child_verify(function, args, systems, thunk, w)
            else:
                self._child_timed(thunk, w)
            _send(w, K_DONE, b"")
        except Unsupported as e:
            _send_safely(w, K_UNSUPPORTED, str(e))
        except MemoryError as e:
            if MEMORY_LIMIT:
                _send_safely(w, K_MEMORY_LIMIT, memory_limit_text(error_text(e)))
            else:
                _send_safely(w, K_ERROR, error_text(e))
        except BaseException as e:       # SystemExit... all alike
            _send_safely(w, K_ERROR, error_text(e))
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:
                code = 1
            os._exit(code)

    def _child_timed(self, thunk, w):
        """Warm-up, calibration and the repeats, as the C supervisor runs them
        (docs/measurement.md): `warmup` untimed executions (the first one's
        time goes to the parent as the cold time), then the loop count
        calibrated to min_time, then `repeats` timed repeats of that many
        executions each.  The CPU clock is read outside the wall interval;
        perf samples and the mem tracker counts only the timed repeats, the
        tracker inside the clock reads, so that the int objects they create
        are not counted."""
        wall, cpu = time.perf_counter_ns, time.process_time_ns
        # the hooks, outer ones outside the clock reads, inner ones inside
        outer = [p for p in self.profilers if not p.inside_clock]
        inner = [p for p in self.profilers if p.inside_clock]
        outer_begin, inner_begin = [p.begin for p in outer], [p.begin for p in inner]
        outer_end, inner_end = [p.end for p in reversed(outer)], [p.end for p in reversed(inner)]
        if self.gc_enabled:
            # Collections see the whole heap again, as in an ordinary
            # session (the parent froze it only to fork from a clean state).
            gc.unfreeze()
            gc.enable()
        else:
            gc.disable()
        for i in range(self.warmup):
            c0 = cpu()
            t0 = wall()
            thunk()
            t1 = wall()
            c1 = cpu()
            if i == 0:
                _send(w, K_COLD, _TIME.pack(t1 - t0, c1 - c0, 1))
        if not self.min_time_ns:
            loops = 1
        elif self.loops > 0:        # an earlier round's count: every round times the same
            loops = self.loops
        else:
            loops = self._calibrate(thunk)
        repeat = itertools.repeat
        for _ in range(self.repeats):
            for hook in outer_begin:
                hook()
            c0 = cpu()
            t0 = wall()
            if inner_begin:           # inside the clock reads: as cheap as can be when empty
                for hook in inner_begin:
                    hook()
            if loops == 1:
                thunk()               # the single shot, as the original timed it
            else:
                for _ in repeat(None, loops):
                    thunk()
            if inner_end:
                for hook in inner_end:
                    hook()
            t1 = wall()
            c1 = cpu()
            for hook in outer_end:
                hook()
            _send(w, K_TIME, _TIME.pack(t1 - t0, c1 - c0, loops))
        for p in self.profilers:
            report = p.report_bytes()
            if report is not None:
                _send(w, K_MEM, report)

    def _calibrate(self, thunk):
        """The loop count of the timed repeats: the first count, from 1 up by
        next_loops, whose executions in a row last min_time."""
        wall, repeat, target = time.perf_counter_ns, itertools.repeat, self.min_time_ns
        loops = 1
        while True:
            t0 = wall()
            for _ in repeat(None, loops):
                thunk()
            elapsed = wall() - t0
            if elapsed >= target:
                return loops
            loops = next_loops(loops, elapsed, target)

    def _child_verify(self, function, args, systems, thunk, w):
        result = thunk()
        text = canonical.text(function, self.adapter.plain(function, systems, result))
        digest, head = canonical.digest(text, (function, args) == self.perturb)
        sent = {"digest": digest, "result_head": head}
        if self.result_text:
            sent["result"] = text
        _send(w, K_DIGEST, json.dumps(sent).encode())

    # -- the parent -----------------------------------------------------
    def run_call(self, function, args, loops=0):
        """One call in a forked child; loops: the count an earlier round
        found (0: calibrate)."""
        self.loops = loops
        out = Outcome()
        failed = [self.systems[k] for k in args if isinstance(self.systems[k], ParseFailure)]
        # decided without a child, with the C harnesses' messages
        if function not in self.adapter.functions:
            out.status = "unsupported"
            out.error = "%s does not offer %s" % (self.config.get("library"), function)
            return out
        if failed or (function in ARITY and len(args) != ARITY[function]):
            out.status = "error"
            out.error = failed[0].message if failed else \
                "%s takes %d argument(s)" % (function, ARITY[function])
            out.memory_limit_hit = any(f.memory for f in failed)
            return out
        sys.stdout.flush()
        sys.stderr.flush()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            self._child(function, args, w)
        os.close(w)
        out.pid = pid
        try:
            self._supervise(pid, r, out)
        finally:
            os.close(r)
        for p in self.profilers:
            if out.mem is None:
                out.mem = p.report_of(pid)
        return out

    def next_call(self, index):
        """Before call INDEX (its position in the whole run list)."""
        for p in self.profilers:
            p.next_call(index)

    def _supervise(self, pid, r, out):
        """Reads the child's frames until it exits, stopping it at the
        deadline (SIGTERM, then SIGKILL after grace), then reaps it.  One
        poll on the pipe and a pidfd per wake-up; no sleeping."""
        start = time.monotonic()
        pidfd = os.pidfd_open(pid) if self.has_pidfd else -1
        os.set_blocking(r, False)
        buf = bytearray()
        done = False
        stage = 0                 # 0 running, 1 SIGTERM sent, 2 SIGKILL sent
        deadline = start + self.timeout if self.timeout > 0 else None
        pipe_open = True
        poller = select.poll()
        poller.register(r, select.POLLIN)
        if pidfd >= 0:
            poller.register(pidfd, select.POLLIN)
        try:
            while pipe_open or pidfd >= 0:
                if deadline is not None:
                    now = time.monotonic()
                    if now >= deadline:
                        # (a child that reported everything but does not
                        # exit is stopped too, and stays ok: C parity)
                        if stage == 0:
                            _kill(pid, signal.SIGTERM)
                            stage, deadline = 1, now + max(self.grace, 0.0)
                            continue
                        else:
                            _kill(pid, signal.SIGKILL)
                            stage, deadline = 2, None
                events = poller.poll(_poll_ms(deadline))
                exited = False
                for fd, _ in events:
                    if fd == r:
                        if not _read_available(r, buf):
                            pipe_open = False
                            poller.unregister(r)
                    else:
                        exited = True
                done |= _frames(buf, out)
                if exited:
                    # Gone: take what is left in the pipe without blocking (a
                    # grandchild may still hold its write end).
                    if pipe_open:
                        _read_available(r, buf)
                        done |= _frames(buf, out)
                    break
            _, status, usage = os.wait4(pid, 0)
        finally:
            if pidfd >= 0:
                os.close(pidfd)
        out.max_rss_kib = usage.ru_maxrss
        if out.memory_limit_hit:
            out.status = "error"  # the child said so before it ended
        elif stage and not done:
            out.status = "timeout"
            out.error = "timed out after %g s" % self.timeout
        elif os.WIFSIGNALED(status) and not done:
            sig = os.WTERMSIG(status)
            if sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                # a stop signal from outside (scancel signals every process
                # of the task, one by one): stop the same way, without a
                # record, so that --resume runs the call again (C parity)
                signal.signal(sig, signal.SIG_DFL)
                os.kill(os.getpid(), sig)
            out.status, out.error = "crashed", signal_name(sig)

        elif out.status in ("error", "unsupported"):
            pass                  # the child's own message
        elif os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
            out.status = "error"
            out.error = "exited with status %d" % os.WEXITSTATUS(status)
        elif not done:
            out.status, out.error = "error", "exited before finishing the call"
        else:
            out.status = "ok"


def next_loops(loops, wall_ns, target_ns):
    """The calibration rule, the same as the C supervisor's cb_next_loops
    (harness/common/supervisor.h): after `loops` executions lasted wall_ns,
    short of target_ns, the count to try next -- enough for 1.25 x the target
    at the measured speed, at least twice and at most 100 times as many."""
    want = CALIBRATION_MARGIN * loops * target_ns / wall_ns if wall_ns > 0 else math.inf
    return min(int(math.ceil(min(max(want, CALIBRATION_MIN_GROWTH * loops), CALIBRATION_MAX_GROWTH * loops))),
               1 << MAX_LOOPS_LOG2)


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _read_available(r, buf):
    """Appends what the pipe holds now to buf; False at end of file."""
    while True:
        try:
            data = os.read(r, 65536)
        except BlockingIOError:
            return True
        except InterruptedError:
            continue
        if not data:
            return False
        buf += data


def _pdeathsig_setter():
    """A function that makes the calling process receive SIGKILL when its
    parent (the harness) dies -- prctl(PR_SET_PDEATHSIG) through ctypes, or
    None where that is unavailable."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None
    return lambda: prctl(1, int(signal.SIGKILL), 0, 0, 0)     # 1: PR_SET_PDEATHSIG


class ParseFailure:
    """A system the adapter could not build; its calls become errors
    (memory: it failed under the memory limit)."""

    def __init__(self, message, memory=False):
        self.message = message
        self.memory = memory


def _send(w, kind, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "replace")
    data = _FRAME.pack(kind, len(payload)) + payload
    while data:
        n = os.write(w, data)
        data = data[n:]


def _send_safely(w, kind, text):
    try:
        _send(w, kind, text)
    except OSError:
        pass


def _frames(buf, out):
    """Consumes the complete frames at the start of buf into out; returns
    True when the child's final frame was among them."""
    done = False
    pos = 0
    while len(buf) - pos >= _FRAME.size:
        kind, n = _FRAME.unpack_from(buf, pos)
        if len(buf) - pos - _FRAME.size < n:
            break
        payload = bytes(buf[pos + _FRAME.size:pos + _FRAME.size + n])
        pos += _FRAME.size + n
        if kind == K_TIME:
            wall_ns, cpu_ns, loops = _TIME.unpack(payload)
            out.times.append(wall_ns / loops / 1e9)
            out.cpu_times.append(cpu_ns / loops / 1e9)
            out.loops = loops
        elif kind == K_COLD:
            wall_ns, cpu_ns, _ = _TIME.unpack(payload)
            out.cold_time, out.cold_cpu_time = wall_ns / 1e9, cpu_ns / 1e9
        elif kind == K_ERROR:
            out.status, out.error = "error", payload.decode("utf-8", "replace")
        elif kind == K_MEMORY_LIMIT:
            out.status, out.error = "error", payload.decode("utf-8", "replace")
            out.memory_limit_hit = True
        elif kind == K_UNSUPPORTED:
            out.status, out.error = "unsupported", payload.decode("utf-8", "replace") or None
        elif kind == K_DIGEST:
            d = json.loads(payload)
            out.digest, out.head, out.result = d["digest"], d["result_head"], d.get("result")
        elif kind == K_MEM:
            out.mem = json.loads(payload)
        elif kind == K_DONE:
            done = True
    del buf[:pos]
    return done


# ------------------------------------------------------------- the run --

class RecordWriter:
    """Appends one JSON line per call to calls_jsonl: O_APPEND and a single
    write() per record, so concurrent runners never interleave.  It mirrors
    lib/run/record.c's cb_record_encode, the C writer: the same fields in the
    same order with the same JSON types (tests/integration/measurement.py,
    "parity", checks both on the same calls)."""

    def __init__(self, path, fields, warmup=0, min_time=0.0, round_=0):
        self.fd = open_append(path) if path else -1
        self.fields = dict(fields or {})
        self.warmup, self.min_time = warmup, min_time      # the supervisor's, in every record
        self.round = round_
        self.host = os.uname().nodename

    def write(self, index, function, args, out, timeout, started, mode):
        if self.fd < 0:
            return
        rec = dict(self.fields)
        rec.update(function=function, args=[repr(a) for a in args], call=index, round=self.round,
                   status=out.status, times=out.times, cpu_times=out.cpu_times,
                   loops=out.loops if out.times else 0, warmup=self.warmup,
                   min_time=self.min_time, cold_time=out.cold_time,
                   cold_cpu_time=out.cold_cpu_time, max_rss_kib=out.max_rss_kib,
                   pid=out.pid, error=None if out.status == "ok" else (out.error or ""),
                   timeout=timeout if timeout > 0 else None,
                   memory_limit=MEMORY_LIMIT or None, memory_limit_hit=out.memory_limit_hit,
                   host=self.host, started=started)
        if mode == "verify":
            rec["digest"], rec["result_head"] = out.digest, out.head
            if out.result is not None:
                rec["result"] = out.result
        if mode == "mem":
            rec["mem"] = out.mem
        data = (json.dumps(rec, separators=(",", ":")) + "\n").encode("utf-8")
        while data:                      # one write() for any sane record
            n = os.write(self.fd, data)
            data = data[n:]

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)


def result_value(mode, out):
    """The results-pickle value of one call (docs/protocol.md), in the
    original's vocabulary as lib/run/results_pickle.c writes it: never empty, [inf]
    (in mem mode one row of inf) for a call that did not finish."""
    if mode == "verify":
        return out.digest if out.status == "ok" else None
    inf = float("inf")
    if out.status != "ok" or (mode != "mem" and not out.times):
        if mode == "mem":
            return [("casbench: %s" % out.status, "", inf, 100.0, inf, 100.0, inf)]
        return [inf]
    if mode == "mem":
        rows = out.mem.get("rows") if isinstance(out.mem, dict) else None
        rows = [tuple(row) for row in rows] if isinstance(rows, list) else []
        return rows or [("casbench: no allocation", "", 0, 0.0, 0, 0.0, 0)]
    return list(out.times)


def open_append(path):
    """calls.jsonl for appending, as lib/common/util.c's cb_open_append: never
    through a symbolic link planted there, never blocking on a FIFO, only a
    regular file."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
                 | os.O_NONBLOCK, 0o644)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError("%s: not a regular file" % path)
    os.set_blocking(fd, True)
    return fd


def write_pickle_atomic(path, value):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        try:
            os.unlink(tmp)         # a stale one, or whatever was planted there
        except FileNotFoundError:
            pass
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=4)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def run(config, results_path, adapter, log=None):
    """Runs every call of the config's run list; writes the results pickle."""
    calls = run_list_calls(config["run_list"])
    order = call_sequence(config, len(calls))
    round_ = config.get("round")
    round_ = round_ if isinstance(round_, int) and 0 <= round_ <= MAX_COUNT else 0
    supervisor = Supervisor(config, adapter)
    supervisor.parse_systems(calls)
    if os.environ.get("CASBENCH_PY_WARMUP", "1") != "0":
        supervisor.warm_up(calls)
    # Children start from a collected heap; frozen, the parent's own
    # collections never walk (and so never dirty) it between forks.  A child
    # with gc on unfreezes it: its collections cost what they cost in an
    # ordinary session.
    gc.collect()
    gc.freeze()
    if os.environ.get("CASBENCH_PY_HUGEPAGES", "1") != "0":
        _collapse_to_huge_pages()
    supervisor.call_data_base = _data_bytes()
    writer = RecordWriter(config.get("calls_jsonl"), config.get("record"), supervisor.warmup,
                          supervisor.min_time, round_)
    mode = config["type"]
    results = {}
    n_ok = 0
    loop_start = time.monotonic()
    try:
        numbers = config.get("call_numbers")   # positions in the whole run list (resume)
        for i in order:
            function, args = calls[i]
            index = numbers[i] if isinstance(numbers, list) and i < len(numbers) else i
            started = time.time()
            supervisor.next_call(index)             # memray: a capture file per call
            out = supervisor.run_call(function, args, given_loops(config, i))
            writer.write(index, function, args, out, supervisor.timeout, started, mode)
            results[(function, args)] = result_value(mode, out)
            n_ok += out.status == "ok"
    finally:
        writer.close()
    write_pickle_atomic(results_path, results)
    if log:     # the runner's log gets one line, as from the C harnesses
        log("%d calls (%d ok) in %.3f s; harness RSS %d KiB"
            % (len(calls), n_ok, time.monotonic() - loop_start, _self_rss_kib()))
    return results


def _collapse_to_huge_pages():
    """Fork copies the page tables of every anonymous page (40+ MB with
    SymPy imported: most of a call's supervision cost).  Collapsing the heap
    and the interpreter's arenas into transparent huge pages (MADV_COLLAPSE,
    Linux 6.1+) makes that copy 512 times smaller; a child that writes into
    a huge page splits only that one.  Best effort: nothing happens where
    THP is off or the kernel is older (bench/overhead_python.sh measures it;
    CASBENCH_PY_HUGEPAGES=0 turns it off)."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            if "[never]" in f.read():
                return 0
        import ctypes
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as f:
            maps = f.read().splitlines()
    except (OSError, AttributeError, ImportError):
        return 0
    huge, collapsed = 2 << 20, 0
    for line in maps:
        fields = line.split()
        if len(fields) < 5 or not fields[1].startswith("rw") or \
                (len(fields) > 5 and fields[5] != "[heap]"):
            continue                      # only the heap and anonymous maps
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        start, end = (lo + huge - 1) & ~(huge - 1), hi & ~(huge - 1)
        if end > start and madvise(start, end - start, 14) == 0 \
                and madvise(start, end - start, 25) == 0:    # HUGEPAGE, COLLAPSE
            collapsed += end - start
    return collapsed


def _self_rss_kib():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0
