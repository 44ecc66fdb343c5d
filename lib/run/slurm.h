/* slurm.h — running a plan as a Slurm job array (`casbench run --executor
 * slurm`, `casbench run-runner`, `casbench collect`; docs/slurm.md).
 *
 * The run engine (run.h) does everything a local run does — probes, results
 * directory, run.json, `unavailable` records — and then hands the runners to
 * this backend instead of the local pool.  The backend:
 *   - splits each runner's calls into tasks (one per runner, or shards of
 *     --shard-calls calls), writes each task's config pickle (runners/) and
 *     the submission's task table slurm/tasks-K.json (K = 1, 2, ... per
 *     submission: the first run, then each --resume);
 *   - writes slurm/submit-K.sh and submits it with `sbatch --array`; every
 *     array task runs `casbench run-runner RESULTS_DIR INDEX --submission K`,
 *     which starts the harness exactly as a local runner does
 *     (cb_runner_start) and waits for it;
 *   - waits by asking `squeue` at a growing interval (1 s up to 30 s; Slurm
 *     has no event channel for jobs), or with --no-wait returns at once.
 *
 * Records: each task's harness writes its own file slurm/calls/K.I.jsonl
 * (never shared between nodes, so no reliance on O_APPEND over NFS), and
 * run-runner writes slurm/status/K.I.json (exit status, node, host, CPU
 * model, job id).  Merging (after the wait, by `collect`, and before a
 * --resume) appends to calls.jsonl every complete record whose call has no
 * record there yet, adding `node`, `slurm_job` and `cpu_model`; it is
 * idempotent, and a torn last line (a task killed mid-write) is left out. */
#ifndef CB_SLURM_H
#define CB_SLURM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "run/runner.h"
#include "data/value.h"

typedef struct {
    const char *slurm_args;     /* extra sbatch options (shell words), or NULL */
    size_t shard_calls;         /* calls per task; 0: one task per runner */
    bool no_wait;               /* submit and return */
    const char *casbench;       /* the casbench executable the tasks run (absolute) */
    cb_value run_list;          /* the run's whole (filtered) run list, kept for collect */
    FILE *log;                  /* progress lines */
} cb_slurm_opts;

/* Before anything is created: split SLURM_ARGS (--slurm-args) as the
 * submission will and ask `sbatch --test-only` whether Slurm takes the job
 * array with them (it checks options, partition, limits; it needs the
 * controller).  -1 with err saying what sbatch said. */
int cb_slurm_check_args(const char *slurm_args, cb_err *err);

/* The backend of cb_run_opts.backend (run.h); CTX is a cb_slurm_opts. */
int cb_slurm_execute(void *ctx, const cb_run_settings *s, cb_value polys, cb_runner *runners, const size_t *jobs,
                     size_t n_jobs, bool *pending, cb_err *err);

/* `casbench run-runner`: run task INDEX of submission SUBMISSION (0: the
 * latest) of RESULTS_DIR.  *exit_status is what run-runner exits with (the
 * harness's status, 128+signal when it was killed). */
int cb_slurm_run_task(const char *results_dir, int submission, long index, int *exit_status, cb_err *err);

/* Whether RESULTS_DIR was run through Slurm (has slurm/tasks-1.json). */
bool cb_slurm_is_slurm_dir(const char *results_dir);

/* Before a --resume of RESULTS_DIR (any backend): fails while the latest
 * submission's job is still queued (its calls would run twice), else
 * merges what the tasks recorded, so that only calls without a record run
 * again. */
int cb_slurm_prepare_resume(const char *results_dir, cb_err *err);

/* Append the tasks' new records to calls.jsonl (see above). */
int cb_slurm_merge(const char *results_dir, size_t *merged, cb_err *err);

typedef struct {
    size_t merged;              /* records added to calls.jsonl now */
    size_t recorded;            /* records in calls.jsonl */
    size_t expected;            /* calls of the plan */
    size_t missing;             /* planned calls without a record */
    bool queued;                /* squeue still lists the latest submission's job */
} cb_collect_result;

/* `casbench collect`: merge, rebuild results.pickle, update run.json
 * (status "complete", "running" or "incomplete").  Takes run.lock. */
int cb_slurm_collect(const char *results_dir, cb_collect_result *res, cb_err *err);

#endif
