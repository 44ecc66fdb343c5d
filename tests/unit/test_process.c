/* test_process.c — unit tests of lib/common/process.c, the one process-spawning
 * API: captured stdout and stderr, stdin fed from a buffer, environment set
 * and unset, working directory, files and 2>&1, exit statuses and signals
 * decoded, an exec failure (127), the timeout killing the whole process
 * group (a grandchild too), several run at once, a detached child, and the
 * first-line helper. */
#define _GNU_SOURCE
#include "check.h"
#include "common/process.h"
#include "common/util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static cb_spawn sh(const char *script)
{
    static char *argv[8][4];
    static int k;
    char **a = argv[k++ % 8];
    a[0] = "sh";
    a[1] = "-c";
    a[2] = (char *)script;
    a[3] = NULL;
    return (cb_spawn){.argv = a, .in.kind = CB_IO_NULL, .out.kind = CB_IO_PIPE, .err.kind = CB_IO_PIPE};
}

TEST(capture)
{
    cb_spawn p = sh("echo out; echo err >&2; exit 3");
    cb_err err;
    CHECK(cb_spawn_run(&p, &err) == 0);
    CHECK(!strcmp(cb_spawn_text(&p.out_buf), "out\n"));
    CHECK(!strcmp(cb_spawn_text(&p.err_buf), "err\n"));
    CHECK(p.status.started && !p.status.timed_out && p.status.exit_code == 3 && p.status.signo == 0);
    CHECK(!cb_spawn_ok(&p.status));
    char how[64];
    CHECK(!strcmp(cb_spawn_describe(&p.status, how, sizeof how), "exit status 3"));
    cb_spawn_clear(&p);
}

TEST(stdin_large)
{
    /* more than a pipe holds, echoed back: feeding and reading interleave */
    size_t n = 1u << 20;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 26);
    cb_spawn p = sh("cat");
    p.in = (cb_spawn_io){.kind = CB_IO_PIPE, .data = data, .len = n};
    cb_err err;
    CHECK(cb_spawn_run(&p, &err) == 0);
    CHECK(cb_spawn_ok(&p.status) && !p.in_unsent);
    CHECK_MSG(p.out_buf.len == n && !memcmp(p.out_buf.data, data, n), "%zu bytes back", p.out_buf.len);
    cb_spawn_clear(&p);
    /* a child that does not read: the rest is not sent, and nothing dies of SIGPIPE */
    cb_spawn q = sh("exec 0<&-; echo closed");
    q.in = (cb_spawn_io){.kind = CB_IO_PIPE, .data = data, .len = n};
    CHECK(cb_spawn_run(&q, &err) == 0);
    CHECK(cb_spawn_ok(&q.status) && q.in_unsent);
    cb_spawn_clear(&q);
    free(data);
}

TEST(env_and_cwd)
{
    setenv("CB_TEST_GONE", "here", 1);
    setenv("CB_TEST_KEPT", "kept", 1);
    static const char *const env[] = {"CB_TEST_SET=1=2", "CB_TEST_GONE", NULL};
    cb_spawn p = sh("echo \"$CB_TEST_SET|${CB_TEST_GONE-unset}|$CB_TEST_KEPT|$(pwd)\"");
    p.env = env;
    p.cwd = "/";
    cb_err err;
    CHECK(cb_spawn_run(&p, &err) == 0);
    CHECK_MSG(!strcmp(cb_spawn_text(&p.out_buf), "1=2|unset|kept|/\n"), "%s", cb_spawn_text(&p.out_buf));
    CHECK(!strcmp(getenv("CB_TEST_GONE"), "here"));   /* the parent's is untouched */
    cb_spawn_clear(&p);
}

TEST(files)
{
    char dir[] = "/tmp/cb-test-process-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *out = cb_xasprintf("%s/out", dir), *log = cb_xasprintf("%s/log", dir);
    CHECK(cb_write_file_atomic(log, "old\n", 4, NULL) == 0);
    CHECK(cb_write_file_atomic(out, "stale text\n", 11, NULL) == 0);
    cb_spawn p = sh("echo o; echo e >&2");
    p.out = (cb_spawn_io){.kind = CB_IO_FILE, .path = out};
    p.err = (cb_spawn_io){.kind = CB_IO_APPEND, .path = log};
    cb_err err;
    CHECK(cb_spawn_run(&p, &err) == 0 && cb_spawn_ok(&p.status));
    char *text;
    size_t len;
    CHECK(cb_read_file(out, &text, &len, &err) == 0 && len == 2 && !memcmp(text, "o\n", 2));
    free(text);
    CHECK(cb_read_file(log, &text, &len, &err) == 0 && len == 6 && !memcmp(text, "old\ne\n", 6));
    free(text);
    /* 2>&1 into a file */
    cb_spawn q = sh("echo a; echo b >&2");
    q.out = (cb_spawn_io){.kind = CB_IO_FILE, .path = out};
    q.err.kind = CB_IO_STDOUT;
    CHECK(cb_spawn_run(&q, &err) == 0);
    CHECK(cb_read_file(out, &text, &len, &err) == 0 && len == 4 && !memcmp(text, "a\nb\n", 4));
    free(text);
    /* a file that cannot be opened: an error, nothing started */
    cb_spawn r = sh("true");
    r.out = (cb_spawn_io){.kind = CB_IO_APPEND, .path = dir};
    CHECK(cb_spawn_run(&r, &err) < 0 && strstr(err.msg, dir) && !r.status.started);
    unlink(out);
    unlink(log);
    rmdir(dir);
    free(out);
    free(log);
}

TEST(exec_failure_and_signal)
{
    char *argv[] = {"/nonexistent/casbench-no-such-program", NULL};
    cb_spawn p = {.argv = argv, .err.kind = CB_IO_PIPE};
    cb_err err;
    CHECK(cb_spawn_run(&p, &err) == 0);
    CHECK(p.status.exit_code == 127);
    CHECK_MSG(strstr(cb_spawn_text(&p.err_buf), "cannot start /nonexistent/casbench-no-such-program"), "%s",
              cb_spawn_text(&p.err_buf));
    cb_spawn_clear(&p);
    cb_spawn q = sh("kill -TERM $$");
    CHECK(cb_spawn_run(&q, &err) == 0);
    char how[64];
    CHECK(q.status.signo == SIGTERM && q.status.exit_code == -1);
    CHECK(!strcmp(cb_spawn_describe(&q.status, how, sizeof how), "signal 15"));
    cb_spawn_clear(&q);
}

/* PID has exited (gone, or a zombie nobody has reaped yet). */
static int exited(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 1;
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && (p[2] == 'Z' || p[2] == 'X');
}

TEST(timeout_kills_group)
{
    /* the grandchild keeps stdout open and would outlive its parent */
    char pidfile[] = "/tmp/cb-test-process-pid-XXXXXX";
    int fd = mkstemp(pidfile);
    close(fd);
    char *script = cb_xasprintf("sleep 30 & echo $! > %s; wait", pidfile);
    cb_spawn p = sh(script);
    p.group = CB_SPAWN_NEW_GROUP;
    p.timeout = 0.3;
    int64_t t0 = cb_now_ns();
    cb_err err;
    CHECK(cb_spawn_run(&p, &err) == 0);
    double took = (double)(cb_now_ns() - t0) / 1e9;
    CHECK(p.status.timed_out && p.status.signo == SIGKILL && !cb_spawn_ok(&p.status));
    CHECK_MSG(took < 5, "took %.2f s", took);
    char *text;
    size_t len;
    CHECK(cb_read_file(pidfile, &text, &len, &err) == 0);
    pid_t grandchild = (pid_t)atol(text);
    free(text);
    /* killed with the group (reparented to init or a subreaper, then reaped) */
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = grandchild > 0 && exited(grandchild);
        if (!gone)
            usleep(10000);
    }
    CHECK_MSG(gone, "grandchild %d survived", (int)grandchild);
    unlink(pidfile);
    free(script);
    cb_spawn_clear(&p);
}

TEST(run_all)
{
    /* three at once: the whole takes about the longest, not the sum */
    cb_spawn ps[3] = {sh("sleep 0.4; echo a"), sh("sleep 0.4; echo b"), sh("sleep 0.4; echo c")};
    cb_err err;
    for (int i = 0; i < 3; i++)
        CHECK(cb_spawn_start(&ps[i], &err) == 0);
    int64_t t0 = cb_now_ns();
    CHECK(cb_spawn_run_all(ps, 3, false) == 0);
    double took = (double)(cb_now_ns() - t0) / 1e9;
    CHECK_MSG(took < 1.1, "took %.2f s", took);
    for (int i = 0; i < 3; i++) {
        char want[3] = {(char)('a' + i), '\n', 0};
        CHECK(cb_spawn_ok(&ps[i].status) && !strcmp(cb_spawn_text(&ps[i].out_buf), want));
        cb_spawn_clear(&ps[i]);
    }
}

TEST(detach)
{
    cb_spawn p = sh("read a; read b; exit $((a + b))");
    p.in = (cb_spawn_io){.kind = CB_IO_PIPE, .data = "2\n3\n", .len = 4};
    p.out.kind = CB_IO_NULL;
    p.err.kind = CB_IO_NULL;
    cb_err err;
    CHECK(cb_spawn_start(&p, &err) == 0);
    pid_t pid = cb_spawn_detach(&p);
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5);
}

TEST(first_line)
{
    char *ok[] = {"sh", "-c", "echo first; echo second", NULL};
    char *line = cb_command_first_line(ok, 10);
    CHECK(line && !strcmp(line, "first"));
    free(line);
    char *fails[] = {"sh", "-c", "echo first; exit 1", NULL};
    CHECK(cb_command_first_line(fails, 10) == NULL);
    char *slow[] = {"sh", "-c", "echo first; sleep 30", NULL};
    CHECK(cb_command_first_line(slow, 0.2) == NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(capture);
    RUN(stdin_large);
    RUN(env_and_cwd);
    RUN(files);
    RUN(exec_failure_and_signal);
    RUN(timeout_kills_group);
    RUN(run_all);
    RUN(detach);
    RUN(first_line);
    return check_done();
}
