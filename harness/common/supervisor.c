/* supervisor.c — fork one child per call, stream its reports, enforce the time
 * limit (see supervisor.h).
 *
 * Cheapness matters: this loop runs once per call, and its cost on top of a
 * bare fork + pipe + wait is the harness's supervision overhead
 * (bench/overhead_c.sh).  So per call it does only: pipe2, fork, pidfd_open,
 * one ppoll per batch of messages, a few reads, wait4.  Nothing is allocated
 * per call once the result's buffers have grown. */
#define _GNU_SOURCE
#include "supervisor.h"
#include "common/bounds.h"
#include "common/process.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Pipe messages: a header, then `len` payload bytes. */
enum { MSG_TIME = 1, MSG_ERROR, MSG_DONE, MSG_COLD, MSG_MEMORY_LIMIT, MSG_TEXT0 = 16 };
typedef struct {
    uint32_t kind, len;
} msg_header;
typedef struct {
    int64_t wall_ns, cpu_ns, loops;
} msg_time;

const char *cb_call_status_name(cb_call_status s)
{
    static const char *names[] = {"ok", "timeout", "crashed", "error", "unsupported"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "error";
}

void cb_signal_name(int sig, char *out, size_t size)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        snprintf(out, size, "SIG%s", abbrev);
    else
        snprintf(out, size, "signal %d", sig);
}

/* ---------------------------------------------------------------- child */

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(125);   /* the parent is gone: nobody to report to */
        c += w;
        n -= (size_t)w;
    }
}

static void send_msg(cb_sup_child *ch, uint32_t kind, const void *data, size_t len)
{
    /* Small messages go out in one write(), atomic on a pipe. */
    char small[512];
    msg_header h = {kind, (uint32_t)len};
    if (sizeof h + len <= sizeof small) {
        memcpy(small, &h, sizeof h);
        if (len)
            memcpy(small + sizeof h, data, len);
        write_all(ch->fd, small, sizeof h + len);
    } else {
        write_all(ch->fd, &h, sizeof h);
        write_all(ch->fd, data, len);
    }
}

void cb_sup_send_time(cb_sup_child *ch, int64_t wall_ns, int64_t cpu_ns, int64_t loops)
{
    msg_time t = {wall_ns, cpu_ns, loops};
    send_msg(ch, MSG_TIME, &t, sizeof t);
}

void cb_sup_send_cold(cb_sup_child *ch, int64_t wall_ns, int64_t cpu_ns)
{
    msg_time t = {wall_ns, cpu_ns, 1};
    send_msg(ch, MSG_COLD, &t, sizeof t);
}

void cb_sup_send_error(cb_sup_child *ch, const char *msg)
{
    send_msg(ch, MSG_ERROR, msg, strlen(msg));
}

void cb_sup_send_text(cb_sup_child *ch, cb_text_kind kind, const char *data, size_t len)
{
    send_msg(ch, MSG_TEXT0 + (uint32_t)kind, data, len);
}

void cb_sup_send_done(cb_sup_child *ch)
{
    send_msg(ch, MSG_DONE, NULL, 0);
}

void cb_sup_send_memory_limit(cb_sup_child *ch, const char *msg)
{
    send_msg(ch, MSG_MEMORY_LIMIT, msg, strnlen(msg, 400));
}

static cb_sup_child *current_child;

cb_sup_child *cb_sup_current_child(void)
{
    return current_child;
}

_Noreturn static void child_main(int wfd, pid_t parent, cb_sup_body body, void *arg)
{
    /* Die with the harness, whatever killed it (the engine also kills the
     * whole process group, which this child stays in). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(125);
    cb_sup_child ch = {wfd};
    current_child = &ch;
    body(&ch, arg);
    fflush(stdout);
    fflush(stderr);
    _exit(0);   /* no atexit handlers, no leak checks: the parent owns the state */
}

int64_t cb_next_loops(int64_t loops, int64_t wall_ns, int64_t target_ns)
{
    const int64_t most = (int64_t)1 << CB_MAX_LOOPS_LOG2;
    double want = wall_ns > 0 ? CB_CALIBRATION_MARGIN * (double)loops * (double)target_ns / (double)wall_ns : INFINITY;
    double lo = CB_CALIBRATION_MIN_GROWTH * (double)loops, hi = CB_CALIBRATION_MAX_GROWTH * (double)loops;
    double next = ceil(want < lo ? lo : want > hi ? hi : want);
    return next >= (double)most ? most : (int64_t)next;
}

/* --------------------------------------------------------------- parent */

void cb_sup_result_reset(cb_sup_result *res)
{
    res->status = CB_CALL_OK;
    res->pid = 0;
    res->started = res->elapsed = 0;
    res->max_rss_kib = 0;
    res->ntimes = 0;
    res->loops = 1;
    res->has_cold = 0;
    res->cold_time = res->cold_cpu_time = 0;
    res->done = 0;
    res->memory_limit_hit = 0;
    res->stopped_by = 0;
    res->error.len = 0;
    for (int k = 0; k < CB_TEXT_COUNT; k++) {
        res->text[k].len = 0;
        res->has_text[k] = 0;
    }
}

void cb_sup_result_free(cb_sup_result *res)
{
    free(res->times);
    free(res->cpu_times);
    cb_buf_free(&res->error);
    for (int k = 0; k < CB_TEXT_COUNT; k++)
        cb_buf_free(&res->text[k]);
    memset(res, 0, sizeof *res);
}

static void set_error(cb_sup_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(cb_sup_result *res, const char *fmt, ...)
{
    res->error.len = 0;
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&res->error, fmt, ap);
    va_end(ap);
}

static void push_time(cb_sup_result *res, const msg_time *t)
{
    if (res->ntimes == res->cap) {
        res->cap = res->cap ? 2 * res->cap : 16;
        res->times = cb_xrealloc(res->times, res->cap * sizeof *res->times);
        res->cpu_times = cb_xrealloc(res->cpu_times, res->cap * sizeof *res->cpu_times);
    }
    double loops = t->loops > 0 ? (double)t->loops : 1.0;
    res->times[res->ntimes] = (double)t->wall_ns / 1e9 / loops;
    res->cpu_times[res->ntimes] = (double)t->cpu_ns / 1e9 / loops;
    res->ntimes++;
    res->loops = t->loops > 0 ? t->loops : 1;
}

/* Consume every complete message at the start of `in`; keep the rest. */
static void parse_messages(cb_buf *in, cb_sup_result *res)
{
    size_t pos = 0;
    while (in->len - pos >= sizeof(msg_header)) {
        msg_header h;
        memcpy(&h, in->data + pos, sizeof h);
        if (in->len - pos - sizeof h < h.len)
            break;
        const char *payload = in->data + pos + sizeof h;
        if (h.kind == MSG_TIME && h.len == sizeof(msg_time)) {
            msg_time t;
            memcpy(&t, payload, sizeof t);
            push_time(res, &t);
        } else if (h.kind == MSG_COLD && h.len == sizeof(msg_time)) {
            msg_time t;
            memcpy(&t, payload, sizeof t);
            res->has_cold = 1;
            res->cold_time = (double)t.wall_ns / 1e9;
            res->cold_cpu_time = (double)t.cpu_ns / 1e9;
        } else if (h.kind == MSG_ERROR) {
            res->error.len = 0;
            cb_buf_put(&res->error, payload, h.len);
            res->status = CB_CALL_ERROR;
        } else if (h.kind == MSG_MEMORY_LIMIT) {
            res->error.len = 0;
            cb_buf_put(&res->error, payload, h.len);
            res->status = CB_CALL_ERROR;
            res->memory_limit_hit = 1;
        } else if (h.kind == MSG_DONE) {
            res->done = 1;
        } else if (h.kind >= MSG_TEXT0 && h.kind < MSG_TEXT0 + CB_TEXT_COUNT) {
            int k = (int)(h.kind - MSG_TEXT0);
            cb_buf_put(&res->text[k], payload, h.len);
            res->has_text[k] = 1;
        }
        pos += sizeof h + h.len;
    }
    if (pos) {
        memmove(in->data, in->data + pos, in->len - pos);
        in->len -= pos;
    }
}

/* Read what is available; returns 0 at end of file (or a hard error). */
static int read_some(int fd, cb_buf *in, cb_sup_result *res)
{
    for (;;) {
        cb_buf_reserve(in, 65536);
        ssize_t n = read(fd, in->data + in->len, in->cap - in->len - 1);
        if (n > 0) {
            in->len += (size_t)n;
            parse_messages(in, res);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 1;
        return 0;
    }
}

static struct timespec ns_to_ts(int64_t ns)
{
    if (ns < 0)
        ns = 0;
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    return ts;
}

/* Wait for the child with ppoll on the pipe and the pidfd, escalating
 * SIGTERM then SIGKILL at the deadlines.  Returns with the child exited
 * (not yet reaped); *signalled tells whether we had to stop it. */
static void supervise(pid_t pid, int rfd, int pidfd, const cb_sup_limits *lim, int64_t start,
                      cb_sup_result *res, int *signalled)
{
    static cb_buf in;   /* reused from call to call */
    in.len = 0;
    int64_t deadline = lim->timeout > 0 ? cb_ns_add(start, cb_seconds_to_ns(lim->timeout)) : INT64_MAX;
    int stage = 0;   /* 0 running, 1 SIGTERM sent, 2 SIGKILL sent */
    int pipe_open = 1;
    *signalled = 0;
    for (;;) {
        if (deadline != INT64_MAX) {
            int64_t now = cb_now_ns();
            if (now >= deadline) {
                /* (a child that reported everything but is still alive at
                 * the limit is stopped too, and stays `ok`) */
                if (stage == 0) {
                    kill(pid, SIGTERM);
                    *signalled = 1;
                    stage = 1;
                    deadline = cb_ns_add(now, cb_seconds_to_ns(lim->grace));
                    continue;
                } else {
                    kill(pid, SIGKILL);
                    stage = 2;
                    deadline = INT64_MAX;
                }
            }
        }
        struct pollfd fds[2];
        int nfds = 0, pipe_slot = -1, pid_slot = -1;
        if (pipe_open) {
            pipe_slot = nfds;
            fds[nfds++] = (struct pollfd){.fd = rfd, .events = POLLIN};
        }
        if (pidfd >= 0) {
            pid_slot = nfds;
            fds[nfds++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        }
        if (nfds == 0)
            return;   /* no pidfd and the pipe closed: the child is exiting */
        struct timespec ts;
        if (deadline != INT64_MAX)
            ts = ns_to_ts(deadline - cb_now_ns());
        int r = ppoll(fds, (nfds_t)nfds, deadline == INT64_MAX ? NULL : &ts, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (pipe_slot >= 0 && fds[pipe_slot].revents) {
            if (!read_some(rfd, &in, res))
                pipe_open = 0;
        }
        if (pid_slot >= 0 && fds[pid_slot].revents) {
            /* exited: take what is still in the pipe (non-blocking, so a
             * grandchild holding the write end cannot stall us) */
            if (pipe_open)
                read_some(rfd, &in, res);
            return;
        }
    }
}

int cb_sup_run(const cb_sup_limits *lim, cb_sup_body body, void *arg, cb_sup_result *res)
{
    cb_sup_result_reset(res);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        res->status = CB_CALL_ERROR;
        set_error(res, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t start = cb_now_ns();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        res->status = CB_CALL_ERROR;
        set_error(res, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], parent, body, arg);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    res->pid = pid;
    res->started = (double)wall.tv_sec + wall.tv_nsec / 1e9;
    int pidfd = cb_pidfd_open(pid);

    int signalled;
    supervise(pid, fds[0], pidfd, lim, start, res, &signalled);

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    res->elapsed = (double)(cb_now_ns() - start) / 1e9;
    res->max_rss_kib = ru.ru_maxrss;
    if (pidfd >= 0)
        close(pidfd);
    close(fds[0]);

    if (res->memory_limit_hit) {
        /* the child said so before it ended itself */
    } else if (signalled && !res->done) {
        res->status = CB_CALL_TIMEOUT;
        set_error(res, "timed out after %g s", lim->timeout);
    } else if (WIFSIGNALED(status) && !res->done) {
        int sig = WTERMSIG(status);
        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
            res->stopped_by = sig;
        char name[32];

        cb_signal_name(WTERMSIG(status), name, sizeof name);
        res->status = CB_CALL_CRASHED;
        set_error(res, "%s", name);
    } else if (res->status == CB_CALL_ERROR) {
        /* the child reported its own error message */
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        res->status = CB_CALL_ERROR;
        set_error(res, "exited with status %d", WEXITSTATUS(status));
    } else if (!res->done) {
        res->status = CB_CALL_ERROR;
        set_error(res, "exited before finishing the call");
    }
    return 0;
}
