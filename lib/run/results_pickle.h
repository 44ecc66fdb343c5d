/* results_pickle.h — results.pickle, the original tool's results layout,
 * written from the call records (lib/run/record.h) so that the original's
 * readers (post_process.py) take a casbench run. */
#ifndef CB_RESULTS_PICKLE_H
#define CB_RESULTS_PICKLE_H

#include "common/error.h"
#include "run/record.h"
#include "data/value.h"

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

/* The results-pickle value of a call that did not finish, for a runner
 * type ("benchmark", "cpu", "mem"), and of an ok mem call's rows (steals
 * ROWS; adds the zero row when empty).  Shared with the harnesses' own
 * results pickles (harness/common/harness.c; runtime.py mirrors them). */
cb_value cb_result_not_finished(const char *type, const char *status);
cb_value cb_result_mem_rows(cb_value rows);

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
cb_value cb_results_value(const cb_calls *calls, const cb_runner_info *infos, size_t n_infos,
                          cb_value polys);
int cb_results_write_pickle(const char *path, const cb_calls *calls, const cb_runner_info *infos,
                            size_t n_infos, cb_value polys, cb_err *err);

/* The records of a results.pickle of the original tool (its layout above),
 * as casbench's own: one per (runner, function, args), runner ids
 * "KIND-LIBRARY-N", the status read back from the value ([inf]: timeout, no
 * time: error, casbench's own unfinished mem row: its status).  What does
 * not fit the layout is skipped and said through WARN (printf-like, one
 * line each; may be NULL).  -1 with err when the file is not a pickle of a dict. */
int cb_results_pickle_read(const char *path, cb_calls *out, void (*warn)(void *ctx, const char *fmt, ...), void *ctx,
                           cb_err *err);

#endif
