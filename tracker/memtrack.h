/* memtrack.h — the region API of casbench's allocation tracker.
 *
 * build/libcasbench-memtrack.so is preloaded (LD_PRELOAD) into a harness in
 * --memory-profiling mode (docs/design.md §8.3).  It interposes the malloc family and
 * counts only between casbench_mem_begin() and casbench_mem_end(), so the
 * harness brackets the timed call and parsing/set-up are never counted.
 *
 * A harness does not link against the tracker: it looks the functions up at
 * run time, so the same harness binary runs with or without the preload:
 *
 *   C:      void (*begin)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_begin");
 *   Python: lib = ctypes.CDLL(None); begin = lib.casbench_mem_begin   (AttributeError: not preloaded)
 *
 * Where the counts live, and why the parent can read them after the child
 * died: the tracker keeps its counters and call-site table in a MAP_SHARED
 * page created when the harness process starts.  A child forked while
 * nothing is being counted (the executor's call child) writes into that
 * same page, so after the child has exited, timed out (SIGTERM, SIGKILL) or
 * crashed, the parent calls casbench_mem_report_json() and gets everything
 * counted up to the moment the child died ("complete": false says the region
 * never reached casbench_mem_end).  A child forked while counting (a library
 * forking inside the call) starts its own, private counts.
 *
 * See docs/memory.md for the exact meaning of every number. */
#ifndef CASBENCH_MEMTRACK_H
#define CASBENCH_MEMTRACK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Reset every count and start counting in this process.  Records the live
 * heap level at the call (glibc mallinfo2: in-use bytes) as level_at_begin;
 * peak_bytes is measured above it. */
void casbench_mem_begin(void);

/* Stop counting.  The counts stay readable until the next begin. */
void casbench_mem_end(void);

/* The last region's report as a JSON object, in a malloc'd string the caller
 * frees (allocated while not counting).  Works in the process that counted
 * and, through the shared page, in its parent after the counting child died.
 * Keys: tracker, pid, complete, allocations, frees, bytes_allocated,
 * bytes_freed, peak_bytes, call_bytes_at_peak, level_at_begin, temporary,
 * temporary_adjacent, python_frames,
 * sites, sites_dropped, top_by_count, top_by_bytes (each a list of
 * {"frames": [...], "count", "bytes"}), rows (the memray-summary rows of
 * docs/design.md §8.3, see casbench_mem_report_rows_json).  NULL only when out of
 * memory. */
char *casbench_mem_report_json(void);

/* Only the rows: a JSON list of
 * [function, file, total_memory, percent_total, own_memory, percent_own, n_allocations]
 * lists, largest total first, as the results pickle stores them.  Malloc'd;
 * the caller frees. */
char *casbench_mem_report_rows_json(void);

#ifdef __cplusplus
}
#endif

#endif
