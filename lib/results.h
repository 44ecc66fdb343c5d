/* results.h — the results directory (DESIGN §3.5).
 *
 *   OUTPUT/results_YYYY-MM-DD_HH-MM-SS/
 *     calls.jsonl      one record per finished call, appended by the
 *                      harnesses (docs/protocol.md); the source of truth
 *     results.pickle   rebuilt from calls.jsonl, in the original tool's layout
 *     run.json         command line, host, versions, times (lib/run.c)
 *     logs/RUNNER.log  one per runner
 *     runners/         each runner's config and results pickles
 *     profiles/        cpu and mem artefacts
 *     run.lock         flock'ed while a casbench run owns the directory
 *
 * Reading calls.jsonl tolerates a torn last line (a writer killed in the
 * middle of it): the reader stops at the last complete, valid line and says
 * where, so --resume can cut the torn tail off before appending. */
#ifndef CB_RESULTS_H
#define CB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "error.h"
#include "value.h"

/* Create OUTPUT/results_<local time>/ (and logs/, runners/, profiles/);
 * *dir is malloc'd.  A second run in the same second gets a "-2" suffix. */
int cb_results_dir_create(const char *output, char **dir, cb_err *err);

/* One record of calls.jsonl. */
typedef struct {
    json_object *obj;           /* the whole record (owned) */
    const char *runner, *function, *status;   /* borrowed from obj */
    char *key;                  /* the call's identity: runner, function, args */
} cb_call_rec;

typedef struct {
    cb_call_rec *recs;
    size_t n;
    off_t valid_len;            /* bytes up to the end of the last good line */
    size_t bad_lines;           /* lines that are not records (skipped) */
    bool torn_tail;             /* the file ends in an unfinished line */
} cb_calls;

/* Read PATH (a missing file is empty).  Complete lines that are not JSON
 * records are counted in bad_lines and skipped; an unfinished last line is
 * reported as torn_tail and left out of valid_len. */
int cb_calls_read(const char *path, cb_calls *out, cb_err *err);
void cb_calls_free(cb_calls *c);
/* Cut PATH back to LEN bytes (drops a torn tail before appending). */
int cb_calls_truncate(const char *path, off_t len, cb_err *err);

/* A JSON file of a results directory (run.json, slurm/tasks-K.json, ...),
 * read as data: only a regular file (a FIFO or a device is refused without
 * blocking), the whole file one JSON value (not null).  NULL with err naming
 * the file and what is wrong. */
json_object *cb_json_read_file(const char *path, cb_err *err);

/* PATH (absolute, as a Slurm tasks file names it) is a file of the results
 * directory DIR: under DIR's real path, no "." or ".." on the way, its
 * directory exactly that (no symbolic link leading out).  -1 with err. */
int cb_results_path_check(const char *dir, const char *path, cb_err *err);

/* A call's identity, "(runner, function, args)" of docs/protocol.md, and
 * its round (--rounds: each round of a call has a record of its own), as
 * one string: ARGS are the system keys' Python reprs.  Round 0 gives the
 * key of a run without rounds. */
char *cb_call_key(const char *runner, const char *function, const char *const *args, size_t nargs, int round);
/* The same from a record's fields (`round` absent: 0); NULL when the record
 * lacks them. */
char *cb_call_key_of(json_object *rec);
/* The same for a run-list entry (a tuple of keys). */
char *cb_call_key_entry(const char *runner, const char *function, cb_value args, int round);
/* A record's `round`: 0 when absent, -1 when it is not a round number. */
int cb_record_round(json_object *rec);

/* A set of strings (call keys). */
typedef struct {
    char **slots;
    size_t cap, n;
} cb_strset;
bool cb_strset_add(cb_strset *s, const char *key);      /* false when present */
bool cb_strset_has(const cb_strset *s, const char *key);
void cb_strset_free(cb_strset *s);

/* Following calls.jsonl as it grows (progress): call cb_calls_tail_read
 * when the file changed; ON_RECORD gets each new complete record. */
typedef struct {
    char *path;
    off_t offset;
    char *partial;
    size_t partial_len;
} cb_calls_tail;
void cb_calls_tail_init(cb_calls_tail *t, const char *path, off_t start);
void cb_calls_tail_read(cb_calls_tail *t, void (*on_record)(void *ctx, json_object *rec), void *ctx);
void cb_calls_tail_free(cb_calls_tail *t);

/* What results.pickle says about a runner besides its results. */
typedef struct {
    const char *id;
    const char *library;
    const char *group;          /* "python" or "external" */
    const char *flags;          /* Python interpreter flags, or NULL */
    int gc;                     /* 1, 0, or -1 (None) */
    const char *type;           /* "benchmark", "cpu", "mem", "verify" */
    const char *venv;           /* the environment as given, or NULL */
} cb_runner_info;

/* Build results.pickle's value from the records, in the original's layout
 * and vocabulary so that its readers (post_process.py) take it: {"python":
 * [runner, ...], "external": [runner, ...]}, each runner {"library",
 * "flags" (a list), "gc", "type", "venv", "results"}, results mapping
 * (function, args) -> list of times, mem rows (mem mode) or the digest
 * (verify).  The rounds of a call (--rounds) pool into one list: their
 * times in round order; a call that did not finish in one of its rounds is
 * [inf].  A call that did not finish (timeout, crashed, error,
 * unsupported, unavailable) is [inf], in mem mode one row of inf
 * (cb_result_not_finished); an ok mem call without allocations one row of
 * zeros; the precise status stays in calls.jsonl (docs/report.md).  Args are
 * turned back into the dataset's keys through POLYS (keys whose repr
 * matches); without POLYS, or for a key not found, the repr string stands
 * in.  Runners of INFOS come first, in order; runners only seen in records
 * follow; a runner without records is left out. */
/* The results-pickle value of a call that did not finish, for a runner
 * type ("benchmark", "cpu", "mem"), and of an ok mem call's rows (steals
 * ROWS; adds the zero row when empty).  Shared with the harnesses' own
 * results pickles (harness/common/harness.c; runtime.py mirrors them). */
cb_value cb_result_not_finished(const char *type, const char *status);
cb_value cb_result_mem_rows(cb_value rows);

cb_value cb_results_value(const cb_calls *calls, const cb_runner_info *infos, size_t n_infos,
                          cb_value polys);
int cb_results_write_pickle(const char *path, const cb_calls *calls, const cb_runner_info *infos,
                            size_t n_infos, cb_value polys, cb_err *err);

#endif
