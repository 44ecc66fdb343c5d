/* runner.h — one runner: a harness process that runs one library variant
 * (library × environment × gc × mode) over its run list (docs/design.md §2, §4);
 * with --rounds, one such process per round (docs/measurement.md): each
 * round of a benchmark runner is a cb_runner of its own, with the same spec
 * and its own `round`, call order and log line.
 *
 * The engine writes the runner's config pickle (docs/protocol.md, "The run
 * config"), starts the harness in its own process group with
 * PR_SET_PDEATHSIG = SIGKILL (it dies with casbench, even on kill -9), the
 * variant's environment variables set, its stdout/stderr appended to
 * logs/RUNNER.log, and writes two lines to its stdin: the config path and the
 * results path.  The harness streams one record per call into calls.jsonl.
 * A runner whose library is unavailable never starts: the engine writes an
 * `unavailable` record for each of its calls instead. */
#ifndef CB_RUNNER_H
#define CB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "run/libraries.h"
#include "run/measure.h"
#include "run/plan.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "data/value.h"

/* What every runner of one run shares. */
typedef struct {
    const char *results_dir;
    const char *calls_jsonl;
    const char *harness_dir;
    const char *tracker;          /* mem mode: the allocation tracker .so, or NULL */
    const char *python_flags;     /* may be NULL */
    const cb_pyenv *envs;
    size_t n_envs;
    double timeout, grace;
    cb_measure measure;           /* --warmup, --min-time, --rounds, --repeats: per mode by measure.h */
    double startup_timeout;       /* seconds to the first record (lib/common/bounds.h) */
    uint64_t memory_limit;        /* bytes per harness and per call, 0: none */
    const char *order;            /* "lex" or "grevlex" */
    const char *singular_ring;    /* "integer" (NULL: integer) or "rational" */
    const char *hostname;
    const char *cpu_profiler;     /* cpu mode: "perf" (NULL: perf) or "samply" (lib/run/profile.h) */
    const char *mem_profiler;     /* mem mode: "casbench" (NULL) or "memray" (lib/run/memray.h) */
    int profile_rate;             /* cpu mode: samples per second (0: the default, 500) */
} cb_run_settings;

typedef enum { CB_RUNNER_PENDING, CB_RUNNER_RUNNING, CB_RUNNER_DONE, CB_RUNNER_SKIPPED } cb_runner_state;

typedef struct {
    const cb_runner_spec *spec;
    char **argv;                  /* the harness command (cb_library_argv) */
    const char *env_label;        /* the record's `env`, or NULL */
    bool available;
    bool dropped;                 /* unavailable and not asked for: no records at all */
    const char *reason;           /* when not available (borrowed from the probe) */
    int round;                    /* 0 .. rounds - 1 (always 0 outside benchmark mode) */
    cb_value run_list;            /* the calls this runner still has to run */
    cb_value call_numbers;        /* list: each one's position in the whole run list */
    cb_value call_order;          /* list: each one's rank in the round's order, or None
                                   * (run-list order); the config's `call_order` */
    cb_value loops;               /* list: each one's loop count from an earlier round
                                   * (0: calibrate), or None; the config's `loops` */
    size_t n_calls;
    char *config_path, *results_path, *log_path;
    /* live state */
    cb_runner_state state;
    pid_t pid;
    int cpu;                      /* pinned CPU, or -1 */
    int64_t started_ns, ended_ns;
    int64_t last_record_ns;       /* when its latest record arrived (0: none yet) */
    bool stuck;                   /* stopped for writing no record in time */
    bool settled;                 /* its harness failed, but every call has a record saying why */
    int wstatus;
    size_t done, timeouts, failures;   /* from its records as they arrive */
} cb_runner;

/* The sub-dict of POLYS holding only the systems RUN_LIST uses (new ref). */
cb_value cb_polys_subset(cb_value polys, cb_value run_list);
/* The number of calls (entries) in a run list. */
size_t cb_runlist_count(cb_value run_list);

/* Write the config pickle of R into the results directory. */
int cb_runner_write_config(cb_runner *r, const cb_run_settings *s, cb_value polys, cb_err *err);
/* Fork and exec the harness (pinned to CPU unless it is -1).  Returns the
 * pid (also the process group id), or -1 with err. */
pid_t cb_runner_start(cb_runner *r, const cb_run_settings *s, int cpu, cb_err *err);
/* Records the engine writes itself, for calls no harness ran: the calls of
 * a runner whose library is `unavailable`, those its harness never got to
 * (docs/run.md, "Limits"), and those a round skips (`skipped`: a call that
 * timed out in an earlier round is not run again; docs/measurement.md). */
typedef struct {
    const char *status, *error;
    bool memory_limit_hit;
    bool skipped;                 /* the record says so ("skipped": true) */
    const cb_strset *recorded;    /* calls (cb_call_key_entry) that have a record: none for them; NULL: none */
} cb_engine_records;

/* Append such a record for each call of R's run list (numbered by R's
 * call_numbers, positions in the whole run list, as a harness's).
 * *written counts them (may be NULL). */
int cb_runner_write_records(const cb_runner *r, const cb_run_settings *s, const cb_engine_records *what,
                            size_t *written, cb_err *err);

void cb_runner_free(cb_runner *r);

#endif
