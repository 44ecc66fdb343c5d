"""profilers.py -- the profilers of a Python harness, one list around each
call: the Python side of the engine's table (lib/run/profilers.h).

A profiler is an object with these hooks (Profiler's are no-ops):

  next_call(index)  in the parent, before the call's child is forked;
  begin() / end()   in the child, around each timed repeat: outside the
                    clock reads (perf: sampling on and off) or, when
                    `inside_clock`, inside them (the allocation trackers,
                    so that the int objects the clock reads make are not
                    counted);
  report_bytes()    in the child, after the repeats: the call's `mem`
                    report (JSON bytes), or None when it has none;
  report_of(pid)    in the parent, for a child that died inside its call:
                    what it had recorded, or None.

for_config(config) gives the run config's list: in cpu mode perf's control
channel (`perf record --control`, when the config has a `profile`; samply
needs none), in mem mode casbench's LD_PRELOADed tracker or memray
(`mem_profiler`), and none otherwise.  Standard library only."""
import json
import os


class Profiler:
    """The hooks, doing nothing (see the module's docstring)."""
    inside_clock = False

    def next_call(self, index):
        pass

    def begin(self):
        pass

    def end(self):
        pass

    def report_bytes(self):
        return None

    def report_of(self, pid):
        return None


class PerfControl(Profiler):
    """cpu mode: `perf record --control fifo:CTL,ACK`; sampling is enabled
    only around the timed repeats of each call."""

    def __init__(self, profile):
        # perf holds both fifos open already, so these opens do not block.
        self.ctl = os.open(profile["control_fifo"], os.O_WRONLY)
        self.ack = os.open(profile["ack_fifo"], os.O_RDONLY)
        # "enable cpu-clock": perf 6.1's bare "disable" also stops its
        # tracking event, losing the next call children's fork/mmap records
        self.on = (profile.get("enable") or "enable").encode() + b"\n"
        self.off = (profile.get("disable") or "disable").encode() + b"\n"

    def _command(self, line):
        os.write(self.ctl, line)
        os.read(self.ack, 16)          # perf answers "ack\n"

    def begin(self):
        self._command(self.on)

    def end(self):
        self._command(self.off)


class MemTracker(Profiler):
    """mem mode: casbench's LD_PRELOADed allocation tracker
    (tracker/memtrack.h), when it exports casbench_mem_begin/end/report_json.
    Its counts live in a page shared with the parent, so the parent can also
    read the report of a child that died inside the call."""
    inside_clock = True

    def __init__(self, lib, ctypes):
        self.begin, self.end = lib.casbench_mem_begin, lib.casbench_mem_end
        self._report = lib.casbench_mem_report_json
        self._report.restype = ctypes.c_void_p      # malloc'd: freed below
        self._free = lib.free
        self._free.argtypes = [ctypes.c_void_p]
        self._string_at = ctypes.string_at

    @classmethod
    def find(cls, config):
        import ctypes          # only in mem mode
        try:
            lib = ctypes.CDLL(None)
            lib.casbench_mem_begin, lib.casbench_mem_end, lib.casbench_mem_report_json
        except (OSError, AttributeError):
            return None        # not preloaded: the calls run, `mem` is null
        return cls(lib, ctypes)

    def report_bytes(self):
        ptr = self._report()
        if not ptr:
            return b"null"
        try:
            return self._string_at(ptr)
        finally:
            self._free(ptr)

    def report_of(self, pid):
        """The counts of a call child that died inside its call (timeout,
        crash), from the shared page; None unless they are that child's."""
        try:
            report = json.loads(self.report_bytes())
        except ValueError:
            return None
        return report if isinstance(report, dict) and report.get("pid") == pid else None


def _memray(config):
    from .memray_tracker import MemrayTracker    # imports memray: only when asked for
    return MemrayTracker.find(config.get("mem_capture"))


def _perf(config):
    profile = config.get("profile")
    return PerfControl(profile) if profile else None


# (mode, the config's profiler name or None for the mode's default) -> a
# maker returning the profiler, or None when it cannot run here.
PROFILERS = {
    ("cpu", None): _perf,
    ("mem", "casbench"): MemTracker.find,
    ("mem", "memray"): _memray,
}


def for_config(config):
    """The config's profilers, in the order their hooks run."""
    mode = config.get("type")
    name = None
    if mode == "mem":
        name = "memray" if config.get("mem_profiler") == "memray" else "casbench"
    maker = PROFILERS.get((mode, name))
    profiler = maker(config) if maker else None
    return [profiler] if profiler is not None else []
