/* mem_workload.c — the FLINT multiplication the memory benches measure.
 *
 * Built by bench/mem_vs_heaptrack.sh and bench/mem_overhead.sh (cc ... -lflint
 * -lgmp -ldl), never by the Makefile.  Usage:
 *
 *   mem_workload MODE NVARS NTERMS BITS REPEATS
 *
 * It builds two random fmpz_mpoly (fixed seed: every run is the same
 * sequence of allocations), then MODE "setup" stops there, and MODE "call"
 * multiplies them REPEATS times inside casbench_mem_begin/end when the
 * tracker is preloaded (looked up with dlsym, as the harnesses do), keeping
 * the last product alive.  A setup run ends in _exit: no exit handler frees
 * anything (libstdc++ frees its 71 KB emergency pool in one, in heaptrack's
 * runs), so heaptrack's "leaked" figure of a setup run is the live level at
 * the call's start.
 * Prints "call_seconds S" (monotonic clock around the call),
 * "call_cpu_seconds S" (this process's CPU time, steadier on a shared
 * machine) and, with the
 * tracker, the report JSON on a line starting with "report ". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <flint/fmpz_mpoly.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s setup|call NVARS NTERMS BITS REPEATS\n", argv[0]);
        return 2;
    }
    int call = !strcmp(argv[1], "call");
    slong nvars = atol(argv[2]), nterms = atol(argv[3]);
    flint_bitcnt_t bits = (flint_bitcnt_t)atol(argv[4]);
    int repeats = atoi(argv[5]);
    void (*begin)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_begin");
    void (*end)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_end");
    char *(*report)(void) = (char *(*)(void))dlsym(RTLD_DEFAULT, "casbench_mem_report_json");

    flint_rand_t st;
    flint_randinit(st);
    fmpz_mpoly_ctx_t ctx;
    fmpz_mpoly_ctx_init(ctx, nvars, ORD_LEX);
    fmpz_mpoly_t p, q, r;
    fmpz_mpoly_init(p, ctx);
    fmpz_mpoly_init(q, ctx);
    fmpz_mpoly_init(r, ctx);
    fmpz_mpoly_randtest_bound(p, st, nterms, bits, 20, ctx);
    fmpz_mpoly_randtest_bound(q, st, nterms, bits, 20, ctx);
    if (!call) {
        fflush(stdout);
        _exit(0);   /* no exit handlers: heaptrack's "leaked" is every live block now */
    }
    if (begin)
        begin();
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < repeats; i++)
        fmpz_mpoly_mul(r, p, q, ctx);
    double t1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (end)
        end();
    printf("call_seconds %.6f\ncall_cpu_seconds %.6f\nterms %ld\n", t1 - t0, c1 - c0,
           (long)fmpz_mpoly_length(r, ctx));
    if (report) {
        char *s = report();
        printf("report %s\n", s);
        free(s);
    }
    return 0;
}
