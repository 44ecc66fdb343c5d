/* test_bounds.c — unit tests of lib/common/bounds.c: saturating time arithmetic,
 * --memory-limit sizes, the memory limit as RLIMIT_DATA (in a child: an
 * allocation past it fails, one within it does not), and sweeping a stray
 * that left its session. */
#define _GNU_SOURCE
#include "common/bounds.h"
#include "check.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(seconds)
{
    CHECK(cb_seconds_to_ns(1.5) == 1500000000);
    CHECK(cb_seconds_to_ns(0) == 0);
    CHECK(cb_seconds_to_ns(-3) == 0);
    CHECK(cb_seconds_to_ns(NAN) == 0);
    CHECK(cb_seconds_to_ns(1e10) == INT64_MAX);   /* 1e19 ns: beyond int64, saturates */
    CHECK(cb_seconds_to_ns(INFINITY) == INT64_MAX);
    CHECK(cb_ns_add(INT64_MAX - 5, 10) == INT64_MAX);
    CHECK(cb_ns_add(100, 10) == 110);
    CHECK(cb_ns_add(cb_seconds_to_ns(1e6), cb_seconds_to_ns(1e6)) == 2000000000000000);
}

TEST(sizes)
{
    uint64_t b;
    cb_err err;
    CHECK(cb_parse_size("--memory-limit", "512M", &b, &err) == 0 && b == 512ull << 20);
    CHECK(cb_parse_size("--memory-limit", "1.5G", &b, &err) == 0 && b == 3ull << 29);
    CHECK(cb_parse_size("--memory-limit", "4GiB", &b, &err) == 0 && b == 4ull << 30);
    CHECK(cb_parse_size("--memory-limit", "2t", &b, &err) == 0 && b == 2ull << 40);
    CHECK(cb_parse_size("--memory-limit", "1048576", &b, &err) == 0 && b == 1048576);
    CHECK(cb_parse_size("--memory-limit", "none", &b, &err) == 0 && b == 0);
    CHECK(cb_parse_size("--memory-limit", "0", &b, &err) == 0 && b == 0);
    static const char *const bad[] = {"", "M", "-1G", "1X", "1Gx", "10K", "1e30T", "nan", "inf", " 1G"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(cb_parse_size("--memory-limit", bad[i], &b, &err) < 0 && strstr(err.msg, "--memory-limit"),
                  "'%s' accepted", bad[i]);
    char buf[32];
    CHECK(!strcmp(cb_format_size(512ull << 20, buf, sizeof buf), "512 MiB"));
    CHECK(!strcmp(cb_format_size(3ull << 29, buf, sizeof buf), "1.5 GiB"));
    CHECK(!strcmp(cb_format_size(0, buf, sizeof buf), "none"));
    CHECK(cb_default_memory_limit(2) > 0 && cb_default_memory_limit(1) >= 2 * cb_default_memory_limit(2) - 1);
}

#if defined(__SANITIZE_ADDRESS__)
/* as in a harness (harness/common/memlimit.c): a refused allocation is NULL */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

/* In a child: the limit applied, then allocate N bytes and touch them;

 * exit 0 when malloc gave them, 1 when it refused. */
static int alloc_under_limit(uint64_t limit, size_t n)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (!cb_memlimit_apply(limit, 0))
            _exit(2);
        char *p = malloc(n);
        if (!p)
            _exit(1);
        memset(p, 1, n);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(memory_limit)
{
    CHECK(cb_memlimit_data_bytes() > 0);
    CHECK(alloc_under_limit(64ull << 20, 256ull << 20) == 1);   /* past the limit: refused */
    CHECK(alloc_under_limit(64ull << 20, 16ull << 20) == 0);    /* within it: fine */
    CHECK(cb_memlimit_apply(0, 0) == 0);                         /* 0: no limit, nothing set */
}

TEST(sweep)
{
    /* a child that starts a grandchild in a session of its own and exits:
     * as a subreaper, we get the grandchild back, and the sweep ends it */
    CHECK(cb_become_subreaper() == 0);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t child = fork();
    if (child == 0) {
        pid_t g = fork();
        if (g == 0) {
            setsid();
            signal(SIGTERM, SIG_IGN);
            for (;;)
                pause();
        }
        if (write(fds[1], &g, sizeof g) != sizeof g)
            _exit(1);
        _exit(0);
    }
    pid_t g = 0;
    CHECK(read(fds[0], &g, sizeof g) == sizeof g);
    waitpid(child, NULL, 0);
    CHECK(g > 0 && kill(g, 0) == 0);   /* still there, now ours */
    pid_t keep_none[1];
    CHECK(cb_sweep_strays(keep_none, 0) == 1);
    CHECK(kill(g, 0) < 0);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    RUN(seconds);
    RUN(sizes);
    RUN(memory_limit);
    RUN(sweep);
    return check_done();
}
