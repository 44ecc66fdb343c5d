/* overhead_c_floor.c — the floor that fork-per-call sets, for
 * bench/overhead_c.sh: a bare pipe + fork + (child writes its time and
 * exits) + read + wait4 loop, in a C process made as large as the harness
 * it is compared with (same shared libraries, linked by the script; the
 * same resident memory, touched here).  Prints the median microseconds per
 * iteration.
 *
 *   overhead_c_floor RSS_KIB ITERATIONS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s RSS_KIB ITERATIONS\n", argv[0]);
        return 2;
    }
    long target = atol(argv[1]), n = atol(argv[2]);
    long have = rss_kib();
    if (target > have) {   /* grow to the harness's resident size */
        size_t bytes = (size_t)(target - have) * 1024;
        char *ballast = malloc(bytes);
        memset(ballast, 1, bytes);
    }
    int64_t *t = malloc((size_t)n * sizeof *t);
    for (long i = 0; i < n; i++) {
        int64_t t0 = now_ns();
        int fds[2];
        if (pipe(fds) < 0)
            return 1;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            int64_t x[3] = {now_ns(), 0, 1};
            if (write(fds[1], x, sizeof x) < 0)
                _exit(1);
            _exit(0);
        }
        close(fds[1]);
        int64_t x[3];
        if (read(fds[0], x, sizeof x) < 0)
            return 1;
        close(fds[0]);
        int status;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        t[i] = now_ns() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("%.1f %ld\n", t[n / 2] / 1e3, rss_kib());
    return 0;
}
