/* supervisor.h — run one call in a forked child, under a time limit.
 *
 * This is the fork-per-call core of docs/design.md §5.1, shared by every C harness
 * through harness.c (which adds the protocol: config, records, repeats).  It
 * knows nothing of polynomials: the caller gives a function that runs in the
 * child, and that function streams what it learns back to the parent over a
 * pipe (cb_sup_send_*), as soon as it has it.
 *
 * Parent side (cb_sup_run): fork, then wait for the child with one ppoll()
 * on the pipe and a pidfd (no sleep-polling) until the whole call's timeout;
 * then SIGTERM, SIGKILL after `grace`, and reap with wait4() for the child's
 * peak RSS.  Everything the child sent before it died is kept: the times of
 * the repeats that finished, an error message, a digest.
 *
 * Child side: the child body runs between fork() and _exit(); it must not
 * return to the caller's loop.  It reports with cb_sup_send_cold() for the
 * first, untimed execution of a warm-up (docs/measurement.md),
 * cb_sup_send_time() per repeat, cb_sup_send_error() on failure,
 * cb_sup_send_text() for verify digests and memory reports, and
 * cb_sup_send_done() at the end.  A child that exits without "done" and
 * without an error is reported as an error.
 *
 * Deadlines saturate (lib/common/bounds.h): a limit too large for the clock is a
 * limit that never comes, not one that has already passed. */
#ifndef CB_EXECUTOR_H
#define CB_EXECUTOR_H

#include <stdint.h>
#include <sys/types.h>

#include "common/util.h"

typedef enum {
    CB_CALL_OK = 0,
    CB_CALL_TIMEOUT,
    CB_CALL_CRASHED,
    CB_CALL_ERROR,
    CB_CALL_UNSUPPORTED,
} cb_call_status;

const char *cb_call_status_name(cb_call_status s);   /* "ok", "timeout", ... */

/* What the child can send besides times.  Texts are free-form bytes. */
typedef enum {
    CB_TEXT_DIGEST = 0,   /* verify: hex SHA-256 of the canonical text */
    CB_TEXT_HEAD,         /* verify: first 200 characters of it */
    CB_TEXT_RESULT,       /* verify with result_text: the whole canonical text */
    CB_TEXT_MEM,          /* mem: the tracker's JSON report */
    CB_TEXT_PROFILE,      /* cpu: a JSON object for the record's "profile" */
    CB_TEXT_COUNT
} cb_text_kind;

typedef struct cb_sup_limits {
    double timeout;   /* seconds for the whole call; <= 0: no limit */
    double grace;     /* seconds between SIGTERM and SIGKILL */
} cb_sup_limits;

typedef struct cb_sup_result {
    cb_call_status status;
    pid_t pid;
    double started;         /* Unix time of the fork */
    double elapsed;         /* parent's wall seconds from fork to reap */
    long max_rss_kib;       /* the child's peak RSS (wait4 ru_maxrss) */
    size_t ntimes, cap;     /* finished repeats */
    double *times;          /* wall seconds per execution */
    double *cpu_times;      /* CPU seconds per execution */
    int64_t loops;          /* executions per repeat (the same for every repeat) */
    int has_cold;           /* the child reported its cold execution */
    double cold_time;       /* wall seconds of the first (warm-up) execution */
    double cold_cpu_time;   /* CPU seconds of it */
    int done;               /* the child reported the end of the call */
    int memory_limit_hit;   /* the child died of its memory limit (status error) */
    int stopped_by;         /* the child died of SIGTERM, SIGINT or SIGHUP that the
                             * supervisor did not send: the run is being stopped
                             * (scancel, a signal to the process group), not a crash */

    cb_buf error;           /* message (error), signal name (crashed), ... */
    cb_buf text[CB_TEXT_COUNT];
    int has_text[CB_TEXT_COUNT];
} cb_sup_result;

/* The child's end of the pipe, handed to the child body. */
typedef struct cb_sup_child {
    int fd;
} cb_sup_child;

typedef void (*cb_sup_body)(cb_sup_child *ch, void *arg);

/* Fork a child that runs body(ch, arg) then _exit(0)s; supervise it within
 * lim; fill res (reset first: it may be reused from call to call, keeping
 * its buffers).  Returns 0, or -1 if the call could not be started at all
 * (fork or pipe failed; res->error says why and status is error). */
int cb_sup_run(const cb_sup_limits *lim, cb_sup_body body, void *arg, cb_sup_result *res);

void cb_sup_result_reset(cb_sup_result *res);
void cb_sup_result_free(cb_sup_result *res);

/* ---- child side: each is one write() to the pipe ---- */
void cb_sup_send_time(cb_sup_child *ch, int64_t wall_ns, int64_t cpu_ns, int64_t loops);
void cb_sup_send_cold(cb_sup_child *ch, int64_t wall_ns, int64_t cpu_ns);
void cb_sup_send_error(cb_sup_child *ch, const char *msg);
void cb_sup_send_text(cb_sup_child *ch, cb_text_kind kind, const char *data, size_t len);
void cb_sup_send_done(cb_sup_child *ch);
/* An allocation failed under the memory limit (memlimit.h): MSG says what;
 * the call is recorded as `error` with memory_limit_hit.  Allocates nothing. */
void cb_sup_send_memory_limit(cb_sup_child *ch, const char *msg);
/* In a call child, its end of the pipe; NULL in the harness itself. */
cb_sup_child *cb_sup_current_child(void);

/* The calibration rule (docs/measurement.md), the same in the Python
 * runtime: after `loops` executions in a row lasted wall_ns, short of
 * target_ns, the loop count to try next: enough for 1.25 x the target at the
 * measured speed, at least twice and at most 100 times as many (2^40 at
 * most). */
int64_t cb_next_loops(int64_t loops, int64_t wall_ns, int64_t target_ns);

/* "SIGSEGV" for SIGSEGV, "signal 64" for one without a name. */
void cb_signal_name(int sig, char *out, size_t size);

#endif
