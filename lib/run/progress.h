/* progress.h — what `casbench run` tells the user while it runs.
 *
 * On a terminal: one live line, redrawn in place, with finished / total
 * calls, running runners, timeouts so far and an ETA.  Piped (stderr not a
 * tty): one line per finished runner, so logs stay readable.  -v adds a line
 * per runner start (with its command) and, with -v -v, one per call.
 * A runner that fails is always reported, with where its log is.
 *
 * The engine learns of finished calls by following calls.jsonl (inotify in
 * the pool's poll loop, record.h's tail follower) and feeds each record to
 * cb_progress_record. */
#ifndef CB_PROGRESS_H
#define CB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

typedef struct {
    FILE *out;
    bool tty;
    int verbose;
    size_t total_calls, done_calls, timeouts, failures;
    size_t n_runners, runners_done, running;
    int64_t start_ns;
    bool line_shown;
} cb_progress;

void cb_progress_init(cb_progress *p, FILE *out, bool tty, int verbose, size_t total_calls,
                      size_t n_runners);
/* A new record in calls.jsonl (a `skipped` one counts as done, not as a
 * timeout: docs/measurement.md, "Rounds"). */
void cb_progress_record(cb_progress *p, json_object *rec);
void cb_progress_runner_started(cb_progress *p, const char *id, size_t n_calls, char *const *argv);
/* HOW is NULL for a clean exit, else what went wrong ("exit status 3"). */
void cb_progress_runner_finished(cb_progress *p, const char *id, size_t calls_done, size_t n_calls,
                                 size_t timeouts, size_t failures, double seconds, const char *how,
                                 const char *log_path);
/* A free-form line (e.g. "interrupted"), printed above the live line. */
void cb_progress_note(cb_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Redraw the live line (terminal only). */
void cb_progress_draw(cb_progress *p);
/* Remove the live line before the final output. */
void cb_progress_end(cb_progress *p);

#endif
