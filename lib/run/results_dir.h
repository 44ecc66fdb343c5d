/* results_dir.h — the results directory (docs/design.md §3.5): its layout, making
 * one, taking it for a run, reopening it for --resume, and reading its
 * JSON files as the data they are.
 *
 *   OUTPUT/results_YYYY-MM-DD_HH-MM-SS/
 *     calls.jsonl      one record per finished call, appended by the
 *                      harnesses (lib/run/record.h, docs/protocol.md); the
 *                      source of truth
 *     results.pickle   rebuilt from calls.jsonl, in the original tool's
 *                      layout (lib/run/results_pickle.h)
 *     run.json         command line, host, versions, times (lib/run/run.c)
 *     logs/RUNNER.log  one per runner
 *     runners/         each runner's config and results pickles
 *     profiles/        cpu and mem artefacts
 *     run.lock         flock'ed while a casbench run owns the directory */
#ifndef CB_RESULTS_DIR_H
#define CB_RESULTS_DIR_H

#include <json-c/json.h>

#include "common/error.h"

#define CB_CALLS_JSONL "calls.jsonl"
#define CB_RESULTS_PICKLE "results.pickle"
#define CB_RUN_JSON "run.json"
#define CB_RUN_LOCK "run.lock"

/* Create OUTPUT/results_<local time>/ (and logs/, runners/, profiles/);
 * *dir is malloc'd.  A second run in the same second gets a "-2" suffix. */
int cb_results_dir_create(const char *output, char **dir, cb_err *err);

/* One casbench per results directory: a second one (a --resume of a run
 * that is still going) would append the same calls twice.  Takes DIR's
 * run.lock; returns its descriptor (the lock goes with it, and with the
 * process, kill -9 included), or -1 with err. */
int cb_results_dir_lock(const char *dir, cb_err *err);

/* DIR looks like a results directory: a directory with run.json or
 * calls.jsonl. */
int cb_results_dir_is(const char *dir);

/* --resume: DIR's logs/, runners/ and profiles/ made again where missing,
 * each its own directory (not a symbolic link leading out).  -1 with err. */
int cb_results_dir_reopen(const char *dir, cb_err *err);

/* A JSON file of a results directory (run.json, slurm/tasks-K.json, ...),
 * read as data: only a regular file (a FIFO or a device is refused without
 * blocking), the whole file one JSON value (not null).  NULL with err naming
 * the file and what is wrong. */
json_object *cb_json_read_file(const char *path, cb_err *err);

/* Write J to PATH as the results directory's JSON files are: indented,
 * ending in a newline, atomically (cb_write_file_atomic).  -1 with err. */
int cb_json_write_file(const char *path, json_object *j, cb_err *err);

/* PATH (absolute, as a Slurm tasks file names it) is a file of the results
 * directory DIR: under DIR's real path, no "." or ".." on the way, its
 * directory exactly that (no symbolic link leading out).  -1 with err. */
int cb_results_path_check(const char *dir, const char *path, cb_err *err);

#endif
