/* pool.h — running at most N jobs (harness processes) at once, event driven
 * (docs/design.md §5.4).
 *
 * One poll() loop watches a pidfd per running process (readable when it
 * exits), a signalfd for SIGINT/SIGTERM/SIGHUP, and optionally one more fd
 * (the progress display's inotify watch on calls.jsonl).  Nothing sleeps
 * and nothing polls on a timer for exits; the only timeout is the optional
 * display tick.  With pinning, each running job gets a CPU of its own from
 * the CPUs casbench may use.
 *
 * Every job runs in its own process group (the start callback arranges
 * that).  When a job's process exits, its whole group is SIGKILLed before it
 * is reaped, so nothing it left behind survives it; what left the group
 * (setsid) and came back to casbench, a child subreaper (lib/common/bounds.h), is
 * swept then too.  On a signal, every running group gets SIGTERM, then
 * SIGKILL after the grace, so all are gone within about grace + a few
 * milliseconds.
 *
 * A job may have a deadline (ops->deadline, e.g. "a record within N s"):
 * the poll wakes up for the nearest one; a job past it whose expired()
 * agrees is SIGKILLed with its group and reaped as any other. */
#ifndef CB_POOL_H
#define CB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

typedef struct {
    void *ctx;
    /* Start job I (pinned to CPU, or -1): return its pid (the process group
     * id); 0 when the job turned out to have nothing to run (it is done, no
     * callback follows); or -1 and err, which the pool passes to failed()
     * and goes on. */
    pid_t (*start)(void *ctx, size_t i, int cpu, cb_err *err);
    /* Optional: may job I start now?  (A round of a runner waits for its
     * previous round.)  The pool starts the first job, in order, that may;
     * when none may and none is running, the first one left starts all the
     * same, so that a wrong answer can slow a run but never hang it. */
    bool (*ready)(void *ctx, size_t i);
    void (*failed)(void *ctx, size_t i, const cb_err *err);
    /* Job I's process exited with WSTATUS (after its group was killed). */
    void (*exited)(void *ctx, size_t i, int wstatus);
    int watch_fd;                   /* -1 for none */
    void (*on_watch)(void *ctx);
    int tick_ms;                    /* 0: no tick */
    void (*on_tick)(void *ctx);
    /* Optional: job I's deadline (CLOCK_MONOTONIC ns; INT64_MAX: none),
     * asked again after every wake-up; when it has passed, expired(I) is
     * asked whether to stop the job (true) or not (it reads the deadline
     * again next time). */
    int64_t (*deadline)(void *ctx, size_t i);
    bool (*expired)(void *ctx, size_t i);
} cb_pool_ops;

typedef struct {
    int cores;                      /* at most this many jobs at once (>= 1) */
    bool pin;
    int grace_ms;                   /* SIGTERM -> SIGKILL on interrupt */
} cb_pool_opts;

/* Run jobs 0..n-1 in order (the first ready one first).  Returns 0 when all have ended, the signal
 * number when interrupted (every job stopped, the rest not started), or -1
 * with err when the pool itself cannot work. */
int cb_pool_run(size_t n, const cb_pool_opts *o, const cb_pool_ops *ops, cb_err *err);

#endif
