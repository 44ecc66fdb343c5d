/* process.h — the one way casbench starts a process (as git's run-command):
 * the probes, the harnesses, the Slurm clients, perf and samply, gnuplot,
 * the memray check, and the interpreters a harness drives all go through
 * it.  (The call supervisor, harness/common/supervisor.c, forks without exec
 * and stays its own loop; it shares cb_pidfd_open.)
 *
 * A cb_spawn says what to run (argv, the executable when it is not argv[0],
 * environment changes, working directory), where each of stdin, stdout and
 * stderr goes (inherited, /dev/null, an fd, a file, or a pipe: stdin fed
 * from a buffer, stdout/stderr captured into a buffer), whether the child
 * gets a process group or a session of its own and dies with casbench
 * (PR_SET_PDEATHSIG), and a timeout after which its process group is
 * killed.  The parent waits on a pidfd (a short sleep loop where the kernel
 * has none) and decodes the wait status into cb_spawn_status.
 *
 * The child: signal mask emptied, SIGPIPE back to default, streams set, the
 * environment built in the parent beforehand (nothing allocates between
 * fork and exec), then the caller's child_setup hook, then execvpe.  When
 * exec fails it says "casbench: cannot start FILE: REASON" on its stderr and
 * exits 127, as a shell would.
 *
 * Use: fill a cb_spawn (zero is "inherit everything, no timeout"), then
 * cb_spawn_run (start + finish), or cb_spawn_run_all for several at once
 * (the probes), or cb_spawn_start and cb_spawn_detach to hand the child to
 * another loop (the process pool watches the harnesses).  cb_spawn_clear
 * frees the captured buffers. */
#ifndef CB_PROCESS_H
#define CB_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/util.h"

typedef enum {
    CB_IO_INHERIT = 0,   /* the parent's stream */
    CB_IO_NULL,          /* /dev/null */
    CB_IO_FD,            /* .fd, opened by the caller (left open) */
    CB_IO_FILE,          /* .path: stdin reads it; stdout/stderr truncate it (no symlink, no FIFO) */
    CB_IO_APPEND,        /* .path appended to (cb_open_append: a regular file) */
    CB_IO_PIPE,          /* stdin: fed .data; stdout/stderr: captured into cb_spawn.out/.err */
    CB_IO_STDOUT,        /* stderr only: wherever stdout goes (2>&1) */
} cb_spawn_io_kind;

typedef struct {
    cb_spawn_io_kind kind;
    const char *path;
    int fd;
    const char *data;    /* CB_IO_PIPE stdin: written, then the pipe closed */
    size_t len;
} cb_spawn_io;

typedef enum {
    CB_SPAWN_SAME_GROUP = 0,
    CB_SPAWN_NEW_GROUP,      /* setpgid(0, 0): the timeout kills the whole group */
    CB_SPAWN_NEW_SESSION,    /* setsid(), else setpgid: terminal signals never reach it */
} cb_spawn_group;

/* How it ended. */
typedef struct {
    bool started;        /* forked (an exec failure is exit 127) */
    bool timed_out;      /* killed with its group at the timeout */
    int wstatus;         /* the raw wait status, when started */
    int exit_code;       /* its exit status, or -1 when it did not exit */
    int signo;           /* the signal that ended it, or 0 */
} cb_spawn_status;

typedef struct cb_spawn {
    char *const *argv;            /* argv[0] is looked up on PATH unless .file names it */
    const char *file;             /* the executable when it is not argv[0] (looked up on PATH) */
    const char *const *env;       /* NULL-terminated: "NAME=VALUE" sets, "NAME" unsets; NULL: none */
    const char *cwd;              /* NULL: the parent's */
    cb_spawn_io in, out, err;
    cb_spawn_group group;
    bool die_with_parent;         /* PR_SET_PDEATHSIG = SIGKILL */
    double timeout;               /* seconds (0: none): then its group is SIGKILLed */
    size_t capture_max;           /* stop keeping captured output past this many bytes (0: no cap) */
    void (*child_setup)(void *arg);   /* in the child, after the streams, before exec */
    void *child_arg;
    /* results */
    cb_buf out_buf, err_buf;      /* captured stdout / stderr */
    bool in_unsent;               /* stdin's data could not all be written (it closed its input) */
    cb_spawn_status status;
    /* internal */
    pid_t pid;
    int pidfd, in_fd, out_fd, err_fd;
    size_t in_off;
    int64_t deadline_ns;
} cb_spawn;

/* The signals that stop casbench and what it runs: SIGINT, SIGTERM,
 * SIGHUP (the pool, the probes and a Slurm task watch these). */
sigset_t cb_stop_signals(void);
/* Block them, so that one arriving before whoever watches them (the pool's
 * signalfd, the probes, the environment checks) is kept pending, not lost. */
void cb_block_stop_signals(void);
/* Whether one of them arrived while blocked and is still pending. */
bool cb_stop_pending(void);

/* pidfd_open(2) (-1 where the kernel has none); the one copy. */
int cb_pidfd_open(pid_t pid);

/* Start P.  -1 with err when it cannot (a pipe, a file, fork). */
int cb_spawn_start(cb_spawn *p, cb_err *err);
/* Feed stdin, collect the captured output, wait for the exit (killing the
 * group at the timeout) and fill p->status. */
void cb_spawn_finish(cb_spawn *p);
/* Start and finish.  -1 with err when it could not start. */
int cb_spawn_run(cb_spawn *p, cb_err *err);
/* Run N at once until all have ended or timed out (a child that could not
 * start has status.started false).  With STOP_ON_SIGNAL, SIGINT, SIGTERM or
 * SIGHUP (blocked by the caller, as during a run) kills them all at once
 * and its number is returned; otherwise 0. */
int cb_spawn_run_all(cb_spawn *ps, size_t n, bool stop_on_signal);
/* After cb_spawn_start: write what stdin is to get (blocking), close the
 * parent's ends and return the pid; the caller now waits for it. */
pid_t cb_spawn_detach(cb_spawn *p);
/* Free the captured output. */
void cb_spawn_clear(cb_spawn *p);

/* The first line ARGV prints on stdout (malloc'd, without the newline),
 * or NULL when it cannot run, fails, prints nothing or takes longer than
 * TIMEOUT_S seconds (then its process group is killed). */
char *cb_command_first_line(char **argv, double timeout_s);

/* Exited with status 0, in time. */
bool cb_spawn_ok(const cb_spawn_status *st);
/* "exit status N", "signal N" or "timed out" (into BUF). */
const char *cb_spawn_describe(const cb_spawn_status *st, char *buf, size_t size);
/* The captured output as a string (may be "", never NULL; the buffer stays P's). */
const char *cb_spawn_text(cb_buf *b);

#endif
