"""memray_tracker.py — `--memory-profiler memray` (docs/design.md §8.3,
docs/memory.md): memray instead of casbench's allocation tracker, as the
original tool used it: one of the profilers of profilers.py, with the hooks
of its MemTracker (begin / end around each timed repeat, report_bytes in the
child, report_of in the parent for a child stopped at its limit) and a
report of the same shape.

Each call runs under one memray.Tracker (native traces, Python allocators
traced), from the start of its first timed repeat to the end of its last,
writing its capture file PREFIX.callN.memray (the engine gives PREFIX,
RESULTS/profiles/RUNNER, as the config's `mem_capture`); the file is kept.
The report is read back with memray's own reader: the allocations (its
records but frees), all its events and the peak from the file's metadata,
and the rows (function, file, total_memory, percent_total,
own_memory, percent_own, n_allocations) of memray's own summary
(memray.reporters.summary.SummaryReporter, what `memray summary` prints) at
the high-water mark, hybrid Python + native stacks.  A child stopped at its
limit leaves the capture written so far (memray streams it); the parent
reads that.  Standard library only, besides memray."""
import json
import os

from .profilers import Profiler


class MemrayTracker(Profiler):
    inside_clock = True

    def __init__(self, memray, prefix):
        self.memray = memray
        self.prefix = prefix
        self.call = 0
        self.tracker = None

    @classmethod
    def find(cls, prefix):
        try:
            import memray
            from memray.reporters.summary import SummaryReporter  # noqa: F401  (the report needs it)
        except ImportError:
            return None
        return cls(memray, prefix or "memray")

    def next_call(self, index):
        """In the parent, before the call's child is forked: its number."""
        self.call = index

    def path(self):
        return "%s.call%d.memray" % (self.prefix, self.call)

    def begin(self):
        if self.tracker is not None:       # a later repeat: still tracking
            return
        if os.path.exists(self.path()):    # a resumed or repeated run's
            os.unlink(self.path())
        self.tracker = self.memray.Tracker(self.path(), native_traces=True, trace_python_allocators=True)
        self.tracker.__enter__()

    def end(self):
        """After each repeat; the capture covers them all (closed in
        report_bytes, outside the timed region)."""

    def report_bytes(self):
        if self.tracker is not None:
            self.tracker.__exit__(None, None, None)
            self.tracker = None
        return json.dumps(self._report(True)).encode()

    def report_of(self, pid):
        """What a call child stopped at its limit (or crashed) had captured,
        or None when it wrote nothing readable."""
        try:
            report = self._report(False)
        except Exception:              # nothing readable was written
            return None
        return report if report.get("pid") in (pid, None) else None

    def _report(self, complete):
        from memray.reporters.summary import SummaryReporter
        reader = self.memray.FileReader(self.path())
        meta = reader.metadata
        records = list(reader.get_high_watermark_allocation_records(merge_threads=True))
        summary = SummaryReporter.from_snapshot(records, native=True)
        total = summary.current_memory_size
        pct = (lambda b: 100.0 * b / total) if total else (lambda b: 0.0)
        rows = [[loc.function, loc.file, e.total_memory, pct(e.total_memory), e.own_memory, pct(e.own_memory),
                 e.n_allocations] for loc, e in summary.snapshot_data.items()]
        rows.sort(key=lambda r: (-r[2], -r[4], r[0], r[1]))
        capture = os.path.join(os.path.basename(os.path.dirname(self.path())), os.path.basename(self.path()))
        # memray's total_allocations counts every allocator event, frees
        # included; `allocations` counts allocations only, as the tracker does
        frees = {self.memray.AllocatorType.FREE, self.memray.AllocatorType.PYMALLOC_FREE,
                 self.memray.AllocatorType.MUNMAP}
        allocations = sum(1 for a in reader.get_allocation_records() if a.allocator not in frees)
        return {"profiler": "memray", "pid": getattr(meta, "pid", None), "complete": complete,
                "allocations": allocations, "events": meta.total_allocations, "peak_bytes": meta.peak_memory,
                "native_traces": bool(getattr(meta, "has_native_traces", True)),
                "trace_python_allocators": bool(getattr(meta, "trace_python_allocators", True)),
                "capture": capture, "rows": rows}

