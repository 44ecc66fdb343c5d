/* selftest.c — the `selftest` harness (docs/design.md §6): functions whose behaviour
 * is known, so that casbench's own tests and benches can exercise every path
 * of the supervisor (ok, timeout, crashed, error) and check its timing.
 *
 * Every function takes one argument, a system of the dataset (any valid
 * system: its polynomials are ignored).  The function's parameters are read
 * from that system's KEY, so that they show in the call record's `args`:
 *   - a str key: the integers after its last ':' (or the whole string),
 *     separated by commas: "us:1000" -> 1000, "alloc:1048576,8" -> 1048576, 8;
 *   - an int key: that integer; a tuple key: its int items.
 * Missing parameters are 0 unless said otherwise.
 * CASBENCH_SELFTEST_SCALE=F (a number > 0, default 1) multiplies the
 * durations of selftest_sleep, selftest_busy and selftest_cold: a change of
 * known size with the same call identity, so that `compare` pairs the calls
 * of a run made with it and of one made without (bench/compare_rounds.sh).
 *
 *   selftest_noop          returns at once (per-call overhead measurements)
 *   selftest_sleep  US     sleeps US microseconds (nanosleep)
 *   selftest_busy   US     spins until the thread has used US microseconds of
 *                          CPU (CLOCK_THREAD_CPUTIME_ID): wall == CPU on an
 *                          idle core, the reference of bench/timing_accuracy.sh
 *   selftest_hang   N      the first N executions in the call's child return at
 *                          once, then it ignores SIGTERM and never returns
 *                          (needs SIGKILL: the supervisor's grace path)
 *   selftest_segv   N      like hang, but then dies of a real SIGSEGV
 *   selftest_abort  N      like hang, but then abort()s (SIGABRT)
 *   selftest_alloc  N,K    allocates N bytes K times (touching every page),
 *                          then frees them all (peak RSS ~ N*K); a refused
 *                          allocation ends the call through the memory-limit
 *                          handler (memlimit.h), as GMP's would
 *   selftest_spawn         starts a grandchild that calls setsid() and sleeps
 *                          forever ignoring SIGTERM and SIGHUP, then returns:
 *                          a process that escapes its call's process group
 *   selftest_exit   CODE   _exit(CODE) (CODE 0 included: a child that exits
 *                          before finishing the call)
 *   selftest_error         fails with the message "selftest_error: raised on
 *                          purpose" (the `error` status)
 *   selftest_cold  US      the first execution in the call's child spins US
 *                          microseconds of CPU (as selftest_busy), the later
 *                          ones return at once: a call whose cold execution
 *                          is slow (docs/measurement.md)
 *
 * verify mode runs the function once and gives the text "FUNCTION P1,P2".
 *
 * Set-up (the phase before the first call) does what the dataset's str keys
 * ask, so that the engine's bounds on it can be tested (the ":N" makes them
 * keys the functions above also take, with parameter N):
 *   "setup-hang:0"    ignores SIGTERM and never finishes parsing
 *   "setup-alloc:N"   allocates and touches N bytes while parsing
 *   "setup-spawn:0"   starts a grandchild as selftest_spawn does
 * and `--probe` never answers when CASBENCH_SELFTEST_PROBE=hang. */
#define _GNU_SOURCE
#include "harness.h"
#include "memlimit.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARAMS 4
static long long params[MAX_PARAMS];
static int nparams;

static int parse_params(cb_value key, cb_err *err)
{
    memset(params, 0, sizeof params);
    nparams = 0;
    if (cb_is(key, CB_INT)) {
        params[nparams++] = cb_int_fits_i64(key) ? cb_int_get_i64(key) : 0;
        return 0;
    }
    if (cb_is(key, CB_TUPLE)) {
        for (size_t i = 0; i < cb_len(key) && nparams < MAX_PARAMS; i++) {
            cb_value v = cb_item(key, i);
            if (cb_is(v, CB_INT) && cb_int_fits_i64(v))
                params[nparams++] = cb_int_get_i64(v);
        }
        return 0;
    }
    if (!cb_is(key, CB_STR))
        return cb_fail(err, "selftest: system keys carry the parameters (str, int or tuple)");
    const char *s = cb_str_data(key), *colon = strrchr(s, ':');
    if (colon)
        s = colon + 1;
    while (*s && nparams < MAX_PARAMS) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s)
            return cb_fail(err, "selftest: cannot read parameters from key '%s'", cb_str_data(key));
        params[nparams++] = v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return cb_fail(err, "selftest: cannot read parameters from key '%s'", cb_str_data(key));
    }
    return 0;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Its own frame (noinline), and the clock read every 32768 additions (some
 * 10-40 microseconds): the clock is a system call, so reading it more often would
 * put most samples of a CPU profile in the kernel, not here (lib/run/profile.c's
 * test wants this function as the top self frame).  The last 50 microseconds
 * go in steps of 256 additions, so that the spin ends within about a
 * microsecond of US: a coarse last step would add up to 40 microseconds,
 * 40 % of a 100-microsecond spin, and make CASBENCH_SELFTEST_SCALE's
 * slowdown smaller than it says (bench/compare_rounds.sh). */
__attribute__((noinline)) static void selftest_busy(long long us)
{
    int64_t end = thread_cpu_ns() + us * 1000, now;
    volatile unsigned sink = 0;
    while ((now = thread_cpu_ns()) < end)
        for (unsigned i = 0, n = end - now > 50000 ? 32768 : 256; i < n; i++)
            sink += i;
}

static void sleep_us(long long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) < 0)
        ;
}

/* A real invalid access, not raise(): what a buggy library does.  Sanitizers
 * stay out of it (they would turn it into an exit status), and the handler
 * they install is reset first. */
__attribute__((no_sanitize("address", "undefined"), noinline)) static void segfault(void)
{
    signal(SIGSEGV, SIG_DFL);
    volatile uintptr_t addr = 16;   /* opaque to the compiler */
    *(volatile int *)addr = 1;
}

static void hang(void)
{
    signal(SIGTERM, SIG_IGN);
    for (;;)
        pause();
}

static int alloc(long long n, long long k, cb_err *err)
{
    if (n < 0 || k < 0 || k > 1000000)
        return cb_fail(err, "selftest_alloc: bad parameters %lld,%lld", n, k);
    /* the pointer array comes from mmap, not malloc, so that in mem mode the
     * tracker sees exactly K allocations of N bytes (tests/integration/mem_*) */
    size_t array_bytes = ((size_t)k + 1) * sizeof(char *);
    char **blocks = mmap(NULL, array_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (blocks == MAP_FAILED)
        return cb_fail(err, "selftest_alloc: out of memory");
    for (long long i = 0; i < k; i++) {
        blocks[i] = malloc((size_t)n ? (size_t)n : 1);
        if (!blocks[i])
            cb_memlimit_fail((size_t)n);
        memset(blocks[i], (int)i, (size_t)n);
    }
    for (long long i = 0; i < k; i++)
        free(blocks[i]);
    munmap(blocks, array_bytes);
    return 0;
}

/* A grandchild in a session of its own that outlives whoever started it
 * unless something kills it. */
static void spawn_escapee(void)
{
    pid_t pid = fork();
    if (pid != 0)
        return;
    setsid();
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    for (;;)
        pause();
}

/* CASBENCH_SELFTEST_SCALE (see the top), read once in setup. */
static double scale = 1;

static int run_function(const cb_call *c, cb_err *err)
{
    const char *f = c->function + strlen("selftest_");
    long long p0 = params[0];
    long long us = (long long)((double)p0 * scale + 0.5);   /* a duration's microseconds */
    /* hang, segv, abort: the first p0 executions succeed */
    bool misbehave_now = c->execution >= p0;
    if (!strcmp(f, "noop"))
        return 0;
    if (!strcmp(f, "sleep"))
        sleep_us(us);
    else if (!strcmp(f, "busy"))
        selftest_busy(us);
    else if (!strcmp(f, "cold")) {
        if (c->execution == 0)
            selftest_busy(us);
    }
    else if (!strcmp(f, "hang")) {
        if (misbehave_now)
            hang();
    } else if (!strcmp(f, "segv")) {
        if (misbehave_now)
            segfault();
    } else if (!strcmp(f, "abort")) {
        if (misbehave_now)
            abort();
    } else if (!strcmp(f, "alloc"))
        return alloc(p0, params[1], err);
    else if (!strcmp(f, "exit"))
        _exit((int)p0);
    else if (!strcmp(f, "spawn"))
        spawn_escapee();
    else if (!strcmp(f, "error"))
        return cb_fail(err, "selftest_error: raised on purpose");
    else
        return cb_fail(err, "selftest: no function %s", c->function);
    return 0;
}

static bool supports(const char *function)
{
    for (int i = 0; i < cb_n_selftest_functions; i++)
        if (!strcmp(cb_selftest_functions[i].name, function))
            return true;
    return false;
}

static int prepare(const cb_call *c, cb_err *err)
{
    return parse_params(cb_item(c->args, 0), err);
}

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    cb_call once = *c;
    once.execution = 0;
    if (run_function(&once, err) < 0)
        return -1;
    cb_buf_puts(out, c->function);
    for (int i = 0; i < nparams; i++)
        cb_buf_printf(out, "%c%lld", i ? ',' : ' ', params[i]);
    return 0;
}

static int setup(const cb_config *cfg, cb_err *err)
{
    const char *sc = getenv("CASBENCH_SELFTEST_SCALE");
    if (sc && *sc) {
        char *end;
        scale = strtod(sc, &end);
        if (*end || !(scale > 0) || scale > 1e6)
            return cb_fail(err, "CASBENCH_SELFTEST_SCALE=%s: not a number > 0", sc);
    }
    for (size_t i = 0; i < cb_len(cfg->polys); i++) {
        cb_value key = cb_dict_key(cfg->polys, i);
        const char *k = cb_is(key, CB_STR) ? cb_str_data(key) : "";
        if (!strncmp(k, "setup-hang:", 11)) {
            hang();
        } else if (!strncmp(k, "setup-alloc:", 12)) {
            size_t n = (size_t)strtoull(k + 12, NULL, 10);
            char *p = malloc(n ? n : 1);
            if (!p)
                cb_memlimit_fail(n);
            memset(p, 1, n);
            free(p);
        } else if (!strncmp(k, "setup-spawn:", 12)) {

            spawn_escapee();
        }
    }
    return 0;
}

static void probe(json_object *out)
{
    const char *how = getenv("CASBENCH_SELFTEST_PROBE");
    if (how && !strcmp(how, "hang"))
        hang();
    cb_probe_versions(out, "1", "selftest", "1", (char *)NULL);
}

static const cb_harness_ops ops = {
    .library = "selftest", .probe = probe, .setup = setup, .supports = supports, .prepare = prepare,
    .call = run_function, .verify = verify
};

CB_HARNESS_MAIN(ops)
