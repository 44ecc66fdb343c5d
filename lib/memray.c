/* memray.c — can memray profile this runner? (see memray.h)
 *
 * Asks the runner's own interpreter: `PYTHON -c "import memray"` (for
 * SageMath `sage --python -c ...`), stderr captured, 30 s at most.  The
 * answer is cached per interpreter: several runners share one. */
#define _GNU_SOURCE
#include "memray.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

typedef struct {
    char *python;
    const char *reason;   /* NULL: importable */
} memray_answer;

static memray_answer answers[64];   /* reachable until exit: the reasons are borrowed */
static size_t n_answers;

/* The last non-empty line of text (the exception, for a traceback). */
static char *last_line(const char *text)
{
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return cb_xasprintf("%.*s", (int)(end - start), start);
}

/* Runs argv with stderr into err; returns the exit status, -1 if it could
 * not run or took longer than 30 s (then it is killed). */
static int run_capture(char *const *argv, cb_buf *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        cb_buf_printf(err, "cannot start %s: %s", argv[0], strerror(rc));
        return -1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char chunk[4096];
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int left = 30000 - (int)((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = { fds[0], POLLIN, 0 };
        if (left <= 0 || poll(&p, 1, left) == 0) {
            kill(pid, SIGKILL);
            cb_buf_puts(err, "timed out");
            break;
        }
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (err->len < 65536)
            cb_buf_put(err, chunk, (size_t)n);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *cb_memray_unavailable(const cb_library *lib, char *const *argv)
{
    if (!cb_library_is_python(lib) || !argv || !argv[0])
        return "memray profiles Python processes only; use the built-in tracker (--memory-profiling)";
    for (size_t i = 0; i < n_answers; i++)
        if (!strcmp(answers[i].python, argv[0]))
            return answers[i].reason;
    char *cmd[5];
    size_t k = 0;
    cmd[k++] = argv[0];
    if (lib->interpreter)
        cmd[k++] = "--python";
    cmd[k++] = "-c";
    cmd[k++] = "import memray";
    cmd[k] = NULL;
    cb_buf err = {0};
    int status = run_capture(cmd, &err);
    char *text = cb_buf_take(&err);
    const char *reason = NULL;
    if (status != 0) {
        char *why = last_line(text ? text : "");
        reason = cb_xasprintf("memray is not importable by %s: %s", argv[0], *why ? why : "import failed");
        free(why);
    }
    free(text);
    if (n_answers < sizeof answers / sizeof answers[0])
        answers[n_answers++] = (memray_answer){ cb_xstrdup(argv[0]), reason };
    return reason;
}
