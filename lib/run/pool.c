/* pool.c — the event-driven process pool (see pool.h). */
#define _GNU_SOURCE
#include "run/pool.h"
#include "common/bounds.h"
#include "common/process.h"
#include "common/util.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    size_t job;
    pid_t pid;
    int pidfd;
    int cpu;
    bool stopped;           /* SIGKILLed past its deadline, not yet reaped */
} slot;

/* The CPUs this process may use, in order. */
static int allowed_cpus(int *cpus, int max)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && n < max; c++)
        if (CPU_ISSET(c, &set))
            cpus[n++] = c;
    return n;
}

static int free_cpu(const slot *slots, int nslots, const int *cpus, int ncpus)
{
    for (int k = 0; k < ncpus; k++) {
        int used = 0;
        for (int s = 0; s < nslots && !used; s++)
            used = slots[s].pid > 0 && slots[s].cpu == cpus[k];
        if (!used)
            return cpus[k];
    }
    return -1;
}

/* The process has exited (its pidfd is readable): kill what is left of its
 * group while the zombie still holds the group id, then reap it. */
/* The job's process and its group (a child that has not yet made its own
 * group or session is reached through its pid). */
static void signal_job(pid_t pid, int sig)
{
    kill(-pid, sig);
    kill(pid, sig);
}

/* Kill and reap the strays that came back to casbench (lib/common/bounds.h):
 * every child but the jobs still running. */
static void sweep(const slot *slots, int nslots)
{
    pid_t keep[nslots > 0 ? nslots : 1];
    size_t n = 0;
    for (int s = 0; s < nslots; s++)
        if (slots[s].pid > 0)
            keep[n++] = slots[s].pid;
    cb_sweep_strays(keep, n);
}

static void reap(slot *slots, int nslots, slot *sl, const cb_pool_ops *ops)
{
    int st = 0;
    signal_job(sl->pid, SIGKILL);
    while (waitpid(sl->pid, &st, 0) < 0 && errno == EINTR)
        ;
    close(sl->pidfd);
    sl->pid = 0;
    sl->pidfd = -1;
    sweep(slots, nslots);
    ops->exited(ops->ctx, sl->job, st);
}

/* The poll timeout until the nearest deadline of a running job, capped at
 * TICK_MS (-1: none). */
static int poll_timeout(const slot *slots, int nslots, const cb_pool_ops *ops, int tick_ms)
{
    if (!ops->deadline)
        return tick_ms;
    int64_t nearest = INT64_MAX;
    for (int s = 0; s < nslots; s++)
        if (slots[s].pid > 0 && !slots[s].stopped) {
            int64_t d = ops->deadline(ops->ctx, slots[s].job);
            if (d < nearest)
                nearest = d;
        }
    if (nearest == INT64_MAX)
        return tick_ms;
    int64_t left_ms = (nearest - cb_now_ns()) / 1000000 + 1;
    if (left_ms < 0)
        left_ms = 0;
    if (tick_ms > 0 && left_ms > tick_ms)
        return tick_ms;
    return left_ms > INT32_MAX ? INT32_MAX : (int)left_ms;
}

/* Stop the running jobs that are past their deadline (their pidfds then
 * report the exit, and reap() follows as for any other). */
static void stop_expired(slot *slots, int nslots, const cb_pool_ops *ops)
{
    if (!ops->deadline || !ops->expired)
        return;
    int64_t now = cb_now_ns();
    for (int s = 0; s < nslots; s++)
        if (slots[s].pid > 0 && !slots[s].stopped && ops->deadline(ops->ctx, slots[s].job) <= now &&
            ops->expired(ops->ctx, slots[s].job)) {
            signal_job(slots[s].pid, SIGKILL);
            slots[s].stopped = true;
        }

}

static void stop_all(slot *slots, int nslots, int grace_ms, const cb_pool_ops *ops)
{
    for (int s = 0; s < nslots; s++)
        if (slots[s].pid > 0)
            signal_job(slots[s].pid, SIGTERM);
    int64_t deadline = cb_now_ns() + (int64_t)grace_ms * 1000000;
    for (;;) {
        struct pollfd pfd[64];
        int idx[64], np = 0;
        for (int s = 0; s < nslots && np < 64; s++)
            if (slots[s].pid > 0) {
                pfd[np] = (struct pollfd){.fd = slots[s].pidfd, .events = POLLIN};
                idx[np++] = s;
            }
        int64_t left = deadline - cb_now_ns();
        if (!np || left <= 0)
            break;
        int r = poll(pfd, (nfds_t)np, (int)(left / 1000000) + 1);
        if (r < 0 && errno != EINTR)
            break;
        for (int k = 0; k < np; k++)
            if (pfd[k].revents)
                reap(slots, nslots, &slots[idx[k]], ops);
    }
    for (int s = 0; s < nslots; s++)
        if (slots[s].pid > 0)
            reap(slots, nslots, &slots[s], ops);   /* SIGKILLs the group first */
}

int cb_pool_run(size_t n, const cb_pool_opts *o, const cb_pool_ops *ops, cb_err *err)
{
    int cores = o->cores > 0 ? o->cores : 1;
    int cpus[CPU_SETSIZE], ncpus = 0;
    if (o->pin) {
        ncpus = allowed_cpus(cpus, CPU_SETSIZE);
        if (cores > ncpus)
            return cb_fail(err, "--pin: %d runners at once need %d CPUs, but only %d are usable", cores, cores, ncpus);
    }
    cb_block_stop_signals();
    sigset_t sigs = cb_stop_signals();
    int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    if (sfd < 0)
        return cb_fail(err, "signalfd: %s", strerror(errno));
    slot *slots = cb_xcalloc((size_t)cores, sizeof *slots);
    for (int s = 0; s < cores; s++)
        slots[s].pidfd = -1;
    struct pollfd *pfd = cb_xcalloc((size_t)cores + 2, sizeof *pfd);
    int *idx = cb_xcalloc((size_t)cores + 2, sizeof *idx);
    bool *started = cb_xcalloc(n + 1, sizeof *started);
    size_t first = 0, left = n;   /* the first job not started; how many are not */
    int running = 0, result = 0;

    for (;;) {
        /* fill free slots */
        for (int s = 0; s < cores && left; s++) {
            if (slots[s].pid > 0)
                continue;
            while (started[first])
                first++;
            size_t job = first;
            for (size_t j = first; ops->ready && j < n; j++)
                if (!started[j] && ops->ready(ops->ctx, j)) {
                    job = j;
                    break;
                } else if (j + 1 == n) {
                    job = n;   /* none may start now */
                }
            if (job == n && running)
                break;         /* wait for a running one to end */
            if (job == n)
                job = first;
            started[job] = true;
            left--;
            int cpu = o->pin ? free_cpu(slots, cores, cpus, ncpus) : -1;
            cb_err e = {{0}};
            pid_t pid = ops->start(ops->ctx, job, cpu, &e);
            if (pid == 0) {    /* nothing to run */
                s--;
                continue;
            }
            if (pid < 0) {
                ops->failed(ops->ctx, job, &e);
                s--;   /* try the next job in this slot */
                continue;
            }
            int pfd_ = cb_pidfd_open(pid);
            if (pfd_ < 0) {
                /* cannot watch it: stop it and report (should not happen on Linux >= 5.3) */
                cb_fail(&e, "pidfd_open: %s", strerror(errno));
                signal_job(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                ops->failed(ops->ctx, job, &e);
                s--;
                continue;
            }
            slots[s] = (slot){.job = job, .pid = pid, .pidfd = pfd_, .cpu = cpu};
            running++;
        }
        if (!running)
            break;
        int np = 0;
        pfd[np] = (struct pollfd){.fd = sfd, .events = POLLIN};
        idx[np++] = -1;
        if (ops->watch_fd >= 0) {
            pfd[np] = (struct pollfd){.fd = ops->watch_fd, .events = POLLIN};
            idx[np++] = -2;
        }
        for (int s = 0; s < cores; s++)
            if (slots[s].pid > 0) {
                pfd[np] = (struct pollfd){.fd = slots[s].pidfd, .events = POLLIN};
                idx[np++] = s;
            }
        int r = poll(pfd, (nfds_t)np, poll_timeout(slots, cores, ops, ops->tick_ms > 0 ? ops->tick_ms : -1));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            stop_all(slots, cores, o->grace_ms, ops);
            result = cb_fail(err, "poll: %s", strerror(errno));
            break;
        }
        if (r == 0) {
            if (ops->on_tick && ops->tick_ms > 0)
                ops->on_tick(ops->ctx);
            stop_expired(slots, cores, ops);
            continue;
        }
        int signo = 0;
        for (int k = 0; k < np; k++) {
            if (!pfd[k].revents)
                continue;
            if (idx[k] == -1) {
                struct signalfd_siginfo si;
                if (read(sfd, &si, sizeof si) == sizeof si)
                    signo = (int)si.ssi_signo;
            } else if (idx[k] == -2) {
                if (ops->on_watch)
                    ops->on_watch(ops->ctx);
            } else {
                reap(slots, cores, &slots[idx[k]], ops);
                running--;
            }
        }
        stop_expired(slots, cores, ops);
        if (signo) {
            stop_all(slots, cores, o->grace_ms, ops);
            result = signo;
            break;
        }
    }
    sweep(slots, cores);   /* nothing is running now: whatever is left goes */
    free(started);
    free(pfd);
    free(idx);
    free(slots);
    close(sfd);
    return result;
}
