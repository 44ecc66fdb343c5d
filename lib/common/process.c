/* process.c — starting a process, feeding and capturing its streams, the
 * timeout and the wait (see process.h); named so as not to shadow <spawn.h>. */
#define _GNU_SOURCE
#include "common/process.h"
#include "common/bounds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int cb_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* ------------------------------------------------------------ the parent */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The environment the child gets: the parent's with ENV's changes
 * ("NAME=VALUE" sets, "NAME" unsets).  Only the array is allocated. */
static char **child_environ(const char *const *env)
{
    size_t n = 0, m = 0;
    while (environ[n])
        n++;
    while (env[m])
        m++;
    char **v = cb_xcalloc(n + m + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t name_len = strcspn(environ[i], "=");
        bool changed = false;
        for (size_t j = 0; j < m && !changed; j++)
            changed = strcspn(env[j], "=") == name_len && !strncmp(env[j], environ[i], name_len);
        if (!changed)
            v[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        if (strchr(env[j], '='))
            v[k++] = (char *)env[j];
    return v;
}

/* Open the file of IO for the child's fd TARGET (O_CLOEXEC: the child dups
 * it); -1 with err. */
static int open_io_file(const cb_spawn_io *io, int target, cb_err *err)
{
    if (io->kind == CB_IO_APPEND)
        return cb_open_append(io->path, err);
    int fd = target == 0 ? open(io->path, O_RDONLY | O_CLOEXEC)
                         : open(io->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0)
        return cb_fail(err, "cannot open %s: %s", io->path, strerror(errno));
    if (target)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* The child's ends of its three streams, and the parent's ends of the
 * pipes.  -1 with err. */
static int open_streams(cb_spawn *p, int child[3], cb_err *err)
{
    const cb_spawn_io *io[3] = {&p->in, &p->out, &p->err};
    int *parent[3] = {&p->in_fd, &p->out_fd, &p->err_fd};
    child[0] = child[1] = child[2] = -1;
    for (int t = 0; t < 3; t++) {
        switch (io[t]->kind) {
        case CB_IO_INHERIT:
        case CB_IO_STDOUT:
            break;
        case CB_IO_FD:
            child[t] = fcntl(io[t]->fd, F_DUPFD_CLOEXEC, 3);
            if (child[t] < 0)
                return cb_fail(err, "dup: %s", strerror(errno));
            break;
        case CB_IO_NULL:
            child[t] = open("/dev/null", (t ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
            if (child[t] < 0)
                return cb_fail(err, "/dev/null: %s", strerror(errno));
            break;
        case CB_IO_FILE:
        case CB_IO_APPEND:
            if ((child[t] = open_io_file(io[t], t, err)) < 0)
                return -1;
            break;
        case CB_IO_PIPE: {
            int fds[2];
            if (pipe2(fds, O_CLOEXEC) < 0)
                return cb_fail(err, "pipe: %s", strerror(errno));
            child[t] = t ? fds[1] : fds[0];
            *parent[t] = t ? fds[0] : fds[1];
            fcntl(*parent[t], F_SETFL, O_NONBLOCK);
            break;
        }
        }
    }
    return 0;
}

/* ------------------------------------------------------------- the child */

static _Noreturn void child_fail(const cb_spawn *p, const char *what)
{
    dprintf(2, "casbench: cannot start %s: %s%s\n", p->file ? p->file : p->argv[0], what ? what : "",
            strerror(errno));
    _exit(127);
}

static _Noreturn void child_main(cb_spawn *p, const int child[3], char **envp, pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);   /* the parent may block some for a signalfd */
    signal(SIGPIPE, SIG_DFL);
    if (p->group == CB_SPAWN_NEW_SESSION) {
        if (setsid() < 0)
            setpgid(0, 0);
    } else if (p->group == CB_SPAWN_NEW_GROUP) {
        setpgid(0, 0);
    }
    if (p->die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)   /* the parent died before prctl took effect */
            _exit(127);
    }
    for (int t = 0; t < 3; t++) {
        if (child[t] < 0)
            continue;
        if (dup2(child[t], t) < 0)
            child_fail(p, "dup2: ");
    }
    if (p->err.kind == CB_IO_STDOUT)
        dup2(1, 2);
    if (p->cwd && chdir(p->cwd) < 0)
        child_fail(p, "chdir: ");
    if (p->child_setup)
        p->child_setup(p->child_arg);
    const char *file = p->file ? p->file : p->argv[0];
    execvpe(file, p->argv, envp ? envp : environ);
    child_fail(p, NULL);
}

int cb_spawn_start(cb_spawn *p, cb_err *err)
{
    p->status = (cb_spawn_status){.exit_code = -1};
    p->pid = -1;
    p->pidfd = p->in_fd = p->out_fd = p->err_fd = -1;
    p->in_off = 0;
    p->in_unsent = false;
    int child[3];
    if (open_streams(p, child, err) < 0) {
        for (int t = 0; t < 3; t++)
            if (child[t] >= 0)
                close(child[t]);
        close_fd(&p->in_fd);
        close_fd(&p->out_fd);
        close_fd(&p->err_fd);
        return -1;
    }
    char **envp = p->env ? child_environ(p->env) : NULL;
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        child_main(p, child, envp, parent);
    free(envp);
    for (int t = 0; t < 3; t++)
        if (child[t] >= 0)
            close(child[t]);
    if (pid < 0) {
        close_fd(&p->in_fd);
        close_fd(&p->out_fd);
        close_fd(&p->err_fd);
        return cb_fail(err, "fork: %s", strerror(errno));
    }
    p->pid = pid;
    p->status.started = true;
    p->pidfd = cb_pidfd_open(pid);
    p->deadline_ns = p->timeout > 0 ? cb_ns_add(cb_now_ns(), cb_seconds_to_ns(p->timeout)) : INT64_MAX;
    if (p->in_fd >= 0 && p->in.len == 0)
        close_fd(&p->in_fd);
    return 0;
}

/* ------------------------------------------------- streams and the wait */

static void drain(int *fd, cb_buf *b, size_t max)
{
    char chunk[65536];
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n > 0) {
        if (!max || b->len < max)
            cb_buf_put(b, chunk, (size_t)n);
        return;
    }
    if (n == 0 || (errno != EINTR && errno != EAGAIN))
        close_fd(fd);
}

static void feed(cb_spawn *p)
{
    ssize_t w = write(p->in_fd, p->in.data + p->in_off, p->in.len - p->in_off);
    if (w > 0)
        p->in_off += (size_t)w;
    else if (w < 0 && errno != EINTR && errno != EAGAIN)
        p->in_unsent = true;   /* EPIPE: it closed its input */
    if (p->in_unsent || p->in_off == p->in.len)
        close_fd(&p->in_fd);
}

static void kill_group(cb_spawn *p)
{
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
}

static void decode(cb_spawn *p, int wstatus)
{
    p->status.wstatus = wstatus;
    p->status.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    p->status.signo = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

/* Wait for P's exit until its deadline (on its pidfd, or a short sleep
 * loop where there is none), then kill its group; reap it. */
static void reap(cb_spawn *p)
{
    int st = 0;
    pid_t w;
    while ((w = waitpid(p->pid, &st, p->deadline_ns == INT64_MAX ? 0 : WNOHANG)) == 0 ||
           (w < 0 && errno == EINTR)) {
        if (w < 0)
            continue;
        int64_t left_ms = (p->deadline_ns - cb_now_ns()) / 1000000 + 1;
        if (p->deadline_ns <= cb_now_ns()) {
            p->status.timed_out = true;
            kill_group(p);
            p->deadline_ns = INT64_MAX;   /* now a blocking wait */
            continue;
        }
        struct pollfd pf = {.fd = p->pidfd, .events = POLLIN};
        if (p->pidfd >= 0)
            poll(&pf, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
        else
            poll(NULL, 0, left_ms < 10 ? (int)left_ms : 10);
    }
    if (w == p->pid)
        decode(p, st);
    close_fd(&p->pidfd);
}

sigset_t cb_stop_signals(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    return s;
}

void cb_block_stop_signals(void)
{
    sigset_t s = cb_stop_signals();
    sigprocmask(SIG_BLOCK, &s, NULL);
}

bool cb_stop_pending(void)
{
    sigset_t pending, stops = cb_stop_signals();
    sigpending(&pending);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&stops, sig) == 1 && sigismember(&pending, sig) == 1)
            return true;
    return false;
}

/* The stop signals' fd, or -1. */
static int stop_signal_fd(void)
{
    sigset_t stops = cb_stop_signals();
    return signalfd(-1, &stops, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* One poll over every open stream of PS; false when none is open. */
static bool pump(cb_spawn *ps, size_t n, int sfd, struct pollfd *pfd, int *signo)
{
    size_t np = 0;
    int64_t nearest = INT64_MAX, now = cb_now_ns();
    if (sfd >= 0)
        pfd[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    size_t first = np;
    for (size_t i = 0; i < n; i++) {
        cb_spawn *p = &ps[i];
        if (p->pid <= 0 || (p->in_fd < 0 && p->out_fd < 0 && p->err_fd < 0))
            continue;
        if (p->deadline_ns <= now) {   /* its streams are no longer waited for; reap() kills it */
            close_fd(&p->in_fd);
            close_fd(&p->out_fd);
            close_fd(&p->err_fd);
            continue;
        }
        if (p->deadline_ns < nearest)
            nearest = p->deadline_ns;
        if (p->in_fd >= 0)
            pfd[np++] = (struct pollfd){.fd = p->in_fd, .events = POLLOUT};
        if (p->out_fd >= 0)
            pfd[np++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
        if (p->err_fd >= 0)
            pfd[np++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
    }
    if (np == first)
        return false;
    int64_t left_ms = nearest == INT64_MAX ? -1 : (nearest - now) / 1000000 + 1;
    int r = poll(pfd, np, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
    if (r < 0 && errno != EINTR) {   /* cannot watch them: stop reading, reap() waits */
        for (size_t i = 0; i < n; i++) {
            close_fd(&ps[i].in_fd);
            close_fd(&ps[i].out_fd);
            close_fd(&ps[i].err_fd);
        }
        return false;
    }
    if (r <= 0)
        return true;   /* EINTR, or a deadline: looked at again above */
    struct signalfd_siginfo si;
    if (sfd >= 0 && pfd[0].revents && read(sfd, &si, sizeof si) == sizeof si) {
        *signo = (int)si.ssi_signo;
        for (size_t i = 0; i < n; i++)
            ps[i].deadline_ns = now;   /* every one is killed now */
        return true;
    }
    for (size_t k = first; k < np; k++) {
        if (!pfd[k].revents)
            continue;
        for (size_t i = 0; i < n; i++) {
            cb_spawn *p = &ps[i];
            if (pfd[k].fd == p->in_fd)
                feed(p);
            else if (pfd[k].fd == p->out_fd)
                drain(&p->out_fd, &p->out_buf, p->capture_max);
            else if (pfd[k].fd == p->err_fd)
                drain(&p->err_fd, &p->err_buf, p->capture_max);
        }
    }
    return true;
}

int cb_spawn_run_all(cb_spawn *ps, size_t n, bool stop_on_signal)
{
    /* a child that closes its stdin early is not a reason to die */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    int sfd = stop_on_signal ? stop_signal_fd() : -1, signo = 0;
    struct pollfd *pfd = cb_xcalloc(3 * n + 1, sizeof *pfd);
    while (pump(ps, n, sfd, pfd, &signo))
        ;
    free(pfd);
    for (size_t i = 0; i < n; i++)
        if (ps[i].pid > 0) {
            reap(&ps[i]);
            ps[i].pid = -1;
        }
    if (sfd >= 0)
        close(sfd);
    sigaction(SIGPIPE, &old, NULL);
    return signo;
}

void cb_spawn_finish(cb_spawn *p)
{
    cb_spawn_run_all(p, 1, false);
}

int cb_spawn_run(cb_spawn *p, cb_err *err)
{
    if (cb_spawn_start(p, err) < 0)
        return -1;
    cb_spawn_finish(p);
    return 0;
}

pid_t cb_spawn_detach(cb_spawn *p)
{
    if (p->in_fd >= 0) {
        struct sigaction ign = {.sa_handler = SIG_IGN}, old;
        sigaction(SIGPIPE, &ign, &old);
        fcntl(p->in_fd, F_SETFL, 0);
        while (p->in_fd >= 0)
            feed(p);
        sigaction(SIGPIPE, &old, NULL);
    }
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    close_fd(&p->pidfd);
    pid_t pid = p->pid;
    p->pid = -1;
    return pid;
}

void cb_spawn_clear(cb_spawn *p)
{
    cb_buf_free(&p->out_buf);
    cb_buf_free(&p->err_buf);
}

char *cb_command_first_line(char **argv, double timeout_s)
{
    cb_spawn c = {.argv = argv, .in.kind = CB_IO_NULL, .out.kind = CB_IO_PIPE, .err.kind = CB_IO_NULL,
                  .group = CB_SPAWN_NEW_GROUP, .die_with_parent = true, .timeout = timeout_s,
                  .capture_max = 1u << 20};
    cb_err err;
    char *line = NULL;
    if (cb_spawn_run(&c, &err) == 0 && cb_spawn_ok(&c.status)) {
        const char *text = cb_spawn_text(&c.out_buf);
        size_t len = strcspn(text, "\n");
        line = len ? cb_xasprintf("%.*s", (int)len, text) : NULL;
    }
    cb_spawn_clear(&c);
    return line;
}

bool cb_spawn_ok(const cb_spawn_status *st)
{
    return st->started && !st->timed_out && st->exit_code == 0;
}

const char *cb_spawn_describe(const cb_spawn_status *st, char *buf, size_t size)
{
    if (!st->started)
        snprintf(buf, size, "not started");
    else if (st->timed_out)
        snprintf(buf, size, "timed out");
    else if (st->signo)
        snprintf(buf, size, "signal %d", st->signo);
    else
        snprintf(buf, size, "exit status %d", st->exit_code);
    return buf;
}

const char *cb_spawn_text(cb_buf *b)
{
    if (!b->len)
        return "";
    cb_buf_putc(b, 0);
    b->len--;
    return b->data;
}
