"""memray_tracker.py — `--memory-profiler memray` (DESIGN §8.3,
docs/memory.md): memray instead of casbench's allocation tracker, with the
same seam as runtime.MemTracker (begin / end around each timed repeat,
report_bytes in the child, report_of in the parent for a child stopped at its
limit) and a report of the same shape: counts, peak, and the memray summary
rows (function, file, total_memory, percent_total, own_memory, percent_own,
n_allocations) at the high-water mark.

Written to memray's documented API (memray.Tracker, memray.FileReader,
AllocationRecord.stack_trace); memray does not install on Debian 12, where
the engine reports such runners `unavailable` (lib/memray.c) and this module
is never imported.  Standard library only, besides memray."""
import json
import os
import shutil
import tempfile


class MemrayTracker:
    def __init__(self, memray):
        self.memray = memray
        self.dir = tempfile.mkdtemp(prefix="casbench-memray-")
        self.tracker = None

    @classmethod
    def find(cls):
        try:
            import memray
        except ImportError:
            return None
        return cls(memray)

    def _path(self, pid):
        return os.path.join(self.dir, "call-%d.bin" % pid)

    def begin(self):
        path = self._path(os.getpid())
        if os.path.exists(path):       # a new repeat: the last one is the report
            os.unlink(path)
        self.tracker = self.memray.Tracker(path)
        self.tracker.__enter__()

    def end(self):
        if self.tracker is not None:
            self.tracker.__exit__(None, None, None)
            self.tracker = None

    def report_bytes(self):
        return json.dumps(self._report(self._path(os.getpid()), True)).encode()

    def report_of(self, pid):
        """What a call child stopped at its limit had written (memray streams
        its capture file), or None."""
        try:
            return self._report(self._path(pid), False)
        except Exception:              # a capture cut mid-record: nothing to say
            return None
        finally:
            try:
                os.unlink(self._path(pid))
            except OSError:
                pass

    def _report(self, path, complete):
        reader = self.memray.FileReader(path)
        meta = reader.metadata
        records = list(reader.get_high_watermark_allocation_records(merge_threads=True))
        return {"profiler": "memray", "pid": getattr(meta, "pid", None), "complete": complete,
                "allocations": meta.total_allocations, "peak_bytes": meta.peak_memory,
                "rows": summary_rows(records)}

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def summary_rows(records, limit=100):
    """memray's summary at the high-water mark: own = innermost frame, total =
    anywhere in the stack (once per record), as casbench's tracker computes
    them (tracker/mt_report.c)."""
    own, total, count = {}, {}, {}
    all_bytes = 0
    for rec in records:
        frames = [(f[0], f[1]) for f in rec.stack_trace()]
        all_bytes += rec.size
        if frames:
            own[frames[0]] = own.get(frames[0], 0) + rec.size
        for key in set(frames):
            total[key] = total.get(key, 0) + rec.size
            count[key] = count.get(key, 0) + rec.n_allocations
    pct = (lambda b: 100.0 * b / all_bytes) if all_bytes else (lambda b: 0.0)
    rows = [(fn, file, total[(fn, file)], pct(total[(fn, file)]), own.get((fn, file), 0),
             pct(own.get((fn, file), 0)), count[(fn, file)]) for fn, file in total]
    rows.sort(key=lambda r: (-r[2], -r[4], r[0]))
    return [list(r) for r in rows[:limit]]
