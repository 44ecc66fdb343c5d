/* profilers.h — the profilers a run can use, in one table (docs/design.md §8.2,
 * §8.3): perf and samply in cpu mode (lib/run/profile.h), casbench's
 * allocation tracker and memray in mem mode (docs/memory.md,
 * lib/run/memray.h).  The engine knows no profiler by name: for a runner it
 * takes cb_profiler_of() of the run's settings and the runner's mode (NULL:
 * that mode profiles nothing) and calls its hooks, each optional:
 *
 *   unavailable  before anything runs: why it cannot profile this runner
 *                (the runner is then `unavailable`, with that reason);
 *   begin        when the runner's config is written: wrap the harness
 *                command (r->argv) and set the config's keys (`profile`,
 *                `mem_profiler`, `mem_capture`);
 *   env          when the harness starts: its environment changes
 *                ("NAME=VALUE"; malloc'd, NULL-terminated, cb_argv_free);
 *   end          after the harness exited: post-process its recording;
 *   report       after every harness of the run has exited: merge what
 *                the profiler wrote into the records of calls.jsonl.
 *
 * The Python harness runtime has the same list for its side, around each
 * call (harness/python/casbench/profilers.py). */
#ifndef CB_PROFILERS_H
#define CB_PROFILERS_H

#include "common/error.h"
#include "run/plan.h"
#include "run/runner.h"
#include "data/value.h"

typedef struct cb_profiler {
    const char *name;        /* the --cpu-profiler / --memory-profiler choice */
    cb_mode mode;
    const char *(*unavailable)(const cb_runner *r, const cb_run_settings *s);
    int (*begin)(cb_runner *r, const cb_run_settings *s, cb_value cfg, cb_err *err);
    char **(*env)(const cb_runner *r, const cb_run_settings *s);
    int (*end)(const cb_runner *r, const cb_run_settings *s, cb_err *err);
    int (*report)(const char *results_dir, const char *calls_jsonl, cb_err *err);
} cb_profiler;

/* The profiler NAME of MODE (NULL or "": the mode's default, the first of
 * the table), or NULL when there is none such. */
const cb_profiler *cb_profiler_find(cb_mode mode, const char *name);
/* The profiler the settings choose for MODE, or NULL (MODE profiles nothing). */
const cb_profiler *cb_profiler_of(const cb_run_settings *s, cb_mode mode);

#endif
