/* test_supervisor.c — the fork-per-call supervisor (harness/common/supervisor.c):
 * statuses, streamed times kept across a timeout or a crash, the SIGTERM ->
 * SIGKILL escalation, large messages through the pipe, peak RSS. */
#define _GNU_SOURCE
#include "check.h"
#include "supervisor.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void body_three_times(cb_sup_child *ch, void *arg)
{
    (void)arg;
    for (int i = 1; i <= 3; i++)
        cb_sup_send_time(ch, i * 1000000, i * 500000, 1);
    cb_sup_send_done(ch);
}

static void body_one_then_hang(cb_sup_child *ch, void *arg)
{
    (void)arg;
    cb_sup_send_time(ch, 2000000, 2000000, 4);
    signal(SIGTERM, SIG_IGN);
    for (;;)
        pause();
}

static void body_done_then_hang(cb_sup_child *ch, void *arg)
{
    (void)arg;
    cb_sup_send_time(ch, 1000, 1000, 1);
    cb_sup_send_done(ch);
    signal(SIGTERM, SIG_IGN);
    for (;;)
        pause();
}

static void body_hang_default(cb_sup_child *ch, void *arg)
{
    (void)ch, (void)arg;
    for (;;)
        pause();
}

__attribute__((no_sanitize("address", "undefined"), noinline)) static void segfault(void)
{
    signal(SIGSEGV, SIG_DFL);
    volatile uintptr_t addr = 16;
    *(volatile int *)addr = 1;
}

static void body_time_then_segv(cb_sup_child *ch, void *arg)
{
    (void)arg;
    cb_sup_send_time(ch, 1000, 1000, 1);
    segfault();
}

static void body_error(cb_sup_child *ch, void *arg)
{
    (void)arg;
    cb_sup_send_error(ch, "division by zero");
}

static void body_exit(cb_sup_child *ch, void *arg)
{
    (void)ch;
    _exit(*(int *)arg);
}

static void body_big_text(cb_sup_child *ch, void *arg)
{
    size_t n = *(size_t *)arg;
    char *s = malloc(n);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    cb_sup_send_text(ch, CB_TEXT_RESULT, s, n);
    cb_sup_send_text(ch, CB_TEXT_DIGEST, "abc", 3);
    cb_sup_send_done(ch);
}

static char *volatile keep;   /* so that the compiler keeps the allocation */

static void body_alloc(cb_sup_child *ch, void *arg)
{
    size_t n = *(size_t *)arg;
    char *p = keep = malloc(n);
    memset(p, 1, n);
    cb_sup_send_time(ch, 1, 1, 1);
    cb_sup_send_done(ch);
    free(p);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* cb_sup_run, and how long it took in seconds. */
static double run_took(const cb_sup_limits *lim, cb_sup_body body, cb_sup_result *res)
{
    double t0 = now_s();
    cb_sup_run(lim, body, NULL, res);
    return now_s() - t0;
}

TEST(ok_streams_every_time)
{
    cb_sup_limits lim = {5, 1};
    cb_sup_result res = {0};
    CHECK(cb_sup_run(&lim, body_three_times, NULL, &res) == 0);
    CHECK_MSG(res.status == CB_CALL_OK, "status %s: %.*s", cb_call_status_name(res.status),
              (int)res.error.len, res.error.data);
    CHECK_MSG(res.ntimes == 3, "%zu times", res.ntimes);
    if (res.ntimes == 3) {
        CHECK(res.times[0] == 0.001 && res.times[2] == 0.003);
        CHECK(res.cpu_times[1] == 0.001);
    }
    CHECK(res.pid > 0 && res.pid != getpid());
    CHECK(res.max_rss_kib > 0);
    CHECK(res.started > 1.6e9);
    /* the result is reusable: a second call starts from a clean slate */
    CHECK(cb_sup_run(&lim, body_three_times, NULL, &res) == 0);
    CHECK(res.ntimes == 3 && res.status == CB_CALL_OK && res.error.len == 0);
    cb_sup_result_free(&res);
}

TEST(timeout_ignoring_sigterm_is_killed_and_keeps_times)
{
    cb_sup_limits lim = {0.3, 0.2};
    cb_sup_result res = {0};
    double took = run_took(&lim, body_one_then_hang, &res);
    CHECK_MSG(res.status == CB_CALL_TIMEOUT, "status %s", cb_call_status_name(res.status));
    CHECK_MSG(took >= 0.45 && took < 2.0, "took %.3f s (timeout 0.3 + grace 0.2)", took);
    CHECK_MSG(res.ntimes == 1 && res.loops == 4, "%zu times, loops %lld", res.ntimes, (long long)res.loops);
    if (res.ntimes == 1)
        CHECK(res.times[0] == 0.0005);   /* per execution: 2 ms / 4 loops */
    CHECK(res.error.len && strstr(res.error.data, "timed out after 0.3 s"));
    /* reaped: nothing left to wait for */
    CHECK(kill(res.pid, 0) < 0);
    cb_sup_result_free(&res);
}

TEST(timeout_obeying_sigterm_needs_no_grace)
{
    cb_sup_limits lim = {0.2, 5};
    cb_sup_result res = {0};
    double took = run_took(&lim, body_hang_default, &res);
    CHECK(res.status == CB_CALL_TIMEOUT);
    CHECK_MSG(took < 1.5, "took %.3f s: SIGTERM should have ended it", took);
    cb_sup_result_free(&res);
}

TEST(done_but_stuck_is_stopped_and_stays_ok)
{
    cb_sup_limits lim = {0.2, 0.1};
    cb_sup_result res = {0};
    double took = run_took(&lim, body_done_then_hang, &res);
    CHECK_MSG(res.status == CB_CALL_OK, "status %s", cb_call_status_name(res.status));
    CHECK(res.ntimes == 1);
    CHECK_MSG(took < 1.5, "took %.3f s", took);
    CHECK(kill(res.pid, 0) < 0);
    cb_sup_result_free(&res);
}

TEST(segfault_is_crashed_with_signal_name)
{
    cb_sup_limits lim = {5, 1};
    cb_sup_result res = {0};
    cb_sup_run(&lim, body_time_then_segv, NULL, &res);
    CHECK_MSG(res.status == CB_CALL_CRASHED, "status %s: %.*s", cb_call_status_name(res.status),
              (int)res.error.len, res.error.data);
    CHECK(res.error.len == 7 && !memcmp(res.error.data, "SIGSEGV", 7));
    CHECK(res.ntimes == 1);
    cb_sup_result_free(&res);
}

TEST(error_message_and_exit_statuses)
{
    cb_sup_limits lim = {5, 1};
    cb_sup_result res = {0};
    cb_sup_run(&lim, body_error, NULL, &res);
    CHECK(res.status == CB_CALL_ERROR);
    CHECK(res.error.len == 16 && !memcmp(res.error.data, "division by zero", 16));
    int code = 3;
    cb_sup_run(&lim, body_exit, &code, &res);
    CHECK(res.status == CB_CALL_ERROR);
    CHECK(res.error.len && strstr(res.error.data, "exited with status 3"));
    code = 0;
    cb_sup_run(&lim, body_exit, &code, &res);
    CHECK(res.status == CB_CALL_ERROR);
    CHECK(res.error.len && strstr(res.error.data, "before finishing"));
    cb_sup_result_free(&res);
}

TEST(large_text_crosses_the_pipe)
{
    cb_sup_limits lim = {10, 1};
    cb_sup_result res = {0};
    size_t n = 3u << 20;   /* far beyond the pipe's buffer */
    cb_sup_run(&lim, body_big_text, &n, &res);
    CHECK(res.status == CB_CALL_OK);
    CHECK_MSG(res.text[CB_TEXT_RESULT].len == n, "got %zu bytes", res.text[CB_TEXT_RESULT].len);
    int intact = res.text[CB_TEXT_RESULT].len == n;
    for (size_t i = 0; intact && i < n; i++)
        intact = res.text[CB_TEXT_RESULT].data[i] == (char)('a' + i % 26);
    CHECK(intact);
    CHECK(res.has_text[CB_TEXT_DIGEST] && res.text[CB_TEXT_DIGEST].len == 3);
    CHECK(!res.has_text[CB_TEXT_MEM]);
    cb_sup_result_free(&res);
}

TEST(peak_rss_is_the_childs)
{
    cb_sup_limits lim = {10, 1};
    cb_sup_result res = {0};
    size_t n = 64u << 20;
    cb_sup_run(&lim, body_alloc, &n, &res);
    CHECK(res.status == CB_CALL_OK);
    CHECK_MSG(res.max_rss_kib >= 64 * 1024, "max_rss_kib %ld", res.max_rss_kib);
    cb_sup_result_free(&res);
}

TEST(no_limit_and_signal_names)
{
    cb_sup_limits lim = {0, 1};
    cb_sup_result res = {0};
    cb_sup_run(&lim, body_three_times, NULL, &res);
    CHECK(res.status == CB_CALL_OK && res.ntimes == 3);
    cb_sup_result_free(&res);
    char name[32];
    cb_signal_name(SIGKILL, name, sizeof name);
    CHECK(!strcmp(name, "SIGKILL"));
    cb_signal_name(SIGABRT, name, sizeof name);
    CHECK(!strcmp(name, "SIGABRT"));
    CHECK(!strcmp(cb_call_status_name(CB_CALL_UNSUPPORTED), "unsupported"));
}

int main(void)
{
    RUN(ok_streams_every_time);
    RUN(timeout_ignoring_sigterm_is_killed_and_keeps_times);
    RUN(timeout_obeying_sigterm_needs_no_grace);
    RUN(done_but_stuck_is_stopped_and_stays_ok);
    RUN(segfault_is_crashed_with_signal_name);
    RUN(error_message_and_exit_statuses);
    RUN(large_text_crosses_the_pipe);
    RUN(peak_rss_is_the_childs);
    RUN(no_limit_and_signal_names);
    return check_done();
}
