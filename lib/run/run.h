/* run.h — one `casbench run`, from a validated dataset and options to a
 * complete results directory (docs/design.md §2, §3.5, §5.4).
 *
 *   plan (plan.h) -> probe every (library, environment) (libraries.h)
 *   -> results directory (new, or --resume: calls that have a record are
 *      not run again; a torn last line is cut off first)
 *   -> run.json (status "running") -> `unavailable` records for runners
 *      whose library is missing -> the pool runs the others (pool.h,
 *      runner.h), progress follows calls.jsonl (progress.h)
 *   -> results.pickle rebuilt from calls.jsonl, run.json completed.
 *
 * SIGINT/SIGTERM/SIGHUP stop every runner (pool.h) and still write
 * results.pickle and run.json for what finished; during the probes they
 * stop the run before anything is written (res->signo set, res->dir NULL).
 * casbench becomes a child subreaper for the run (lib/common/bounds.h): nothing a
 * harness starts outlives it.  --resume refuses a directory whose run.json
 * "identity" (dataset, run list, options) differs from this run's.
 * Library code: nothing is printed except the progress lines on o->log. */
#ifndef CB_RUN_H
#define CB_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "common/error.h"
#include "run/libraries.h"
#include "run/measure.h"
#include "run/plan.h"
#include "run/runner.h"
#include "data/value.h"

/* An backend other than the local pool (lib/run/slurm.h runs the runners as a
 * Slurm job array).  RUN is called instead of the pool with the runners
 * that have calls to run (JOBS index RUNNERS); it sets each one's state
 * (CB_RUNNER_DONE), wstatus and done, and returns 0, the signal that
 * interrupted it, or -1 with err.  It sets *pending when calls may still be
 * running elsewhere (results are collected later). */
typedef struct {
    int (*run)(void *ctx, const cb_run_settings *s, cb_value polys, cb_runner *runners, const size_t *jobs,
               size_t n_jobs, bool *pending, cb_err *err);
    void *ctx;
} cb_backend;

typedef struct {
    cb_value polys, run_list;             /* validated; run_list already filtered */
    const cb_library *const *libs;
    size_t n_libs;
    const cb_pyenv *envs;                 /* resolved --venvs (at least one) */
    size_t n_envs;
    const bool *gcs;
    size_t n_gcs;
    const cb_mode *modes;
    size_t n_modes;
    const char *python_flags;             /* may be NULL */
    const char *cpu_profiler;             /* cpu mode: "perf" (NULL: perf) or "samply" */
    const char *mem_profiler;             /* mem mode: "casbench" (NULL: the tracker) or "memray" */
    int profile_rate;                     /* cpu mode: samples per second (0: 500) */
    int cores;
    double timeout, grace;
    cb_measure measure;                   /* --warmup, --min-time, --rounds, --repeats, --seed (measure.h) */
    double startup_timeout;               /* probe, and dataset up to the first record (lib/common/bounds.h) */
    uint64_t memory_limit;                /* bytes per harness and per call (0: none) */
    const char *memory_limit_given;       /* --memory-limit as given, NULL: the default */
    const char *order;
    const char *singular_ring;            /* "integer" (NULL: integer) or "rational" */
    bool pin;
    int verbose;
    const char *output;                   /* new run: where results_<time>/ goes */
    const char *resume_dir;               /* or the results directory to resume */
    int argc;
    char **argv;                          /* the command line, for run.json */
    bool only_available;                  /* drop runners whose library is unavailable
                                           * (the default library set) instead of
                                           * recording their calls as `unavailable` */
    json_object *dataset;                 /* run.json "dataset" (paths or the suite); borrowed */
    json_object *seeds;                   /* run.json "seeds", or NULL; borrowed */
    FILE *log;                            /* progress output (stderr) */
    const cb_backend *backend;          /* NULL: the local pool */
} cb_run_opts;

typedef struct {
    char *dir;                            /* the results directory (malloc'd) */
    int signo;                            /* the signal that interrupted the run, or 0 */
    size_t runners, runners_failed, runners_unavailable;
    size_t calls_planned, calls_recorded; /* in calls.jsonl at the end */
    bool pending;                         /* the backend left calls running (slurm --no-wait) */
} cb_run_result;

int cb_run(const cb_run_opts *o, cb_run_result *res, cb_err *err);

#endif
