/* test_stats.c — unit tests of lib/report/stats.c: descriptive statistics, the
 * exact Mann–Whitney distribution (checked against brute-force enumeration
 * of every ordering), and the Hodges–Lehmann ratio interval — equal to the
 * textbook quadratic computation (every pairwise difference sorted, kept
 * here as `reference_ratio_ci`) and within a memory limit for 20,000
 * repeats a side.
 *
 * `test_stats bench fast|reference N` times one N-against-N interval and
 * prints "seconds max_rss_kib" (bench/compare_stats.sh). */
#include "check.h"
#include "report/stats.h"

#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int close_to(double a, double b, double rel) { return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)); }

TEST(descriptive)
{
    double x[] = {3, 1, 2, 10};
    CHECK(cb_stats_min(x, 4) == 1);
    CHECK(cb_stats_max(x, 4) == 10);
    CHECK(cb_stats_median(x, 4) == 2.5);
    CHECK(x[0] == 3);   /* not reordered */
    CHECK(cb_stats_median(x, 3) == 2);
    /* MAD of {1,2,3,10}: median 2.5, deviations {1.5,.5,.5,7.5} -> 1 */
    CHECK(cb_stats_mad(x, 4) == 1);
    CHECK(fabs(cb_stats_stdev((double[]){2, 4, 4, 4, 5, 5, 7, 9}, 8) - sqrt(32.0 / 7)) < 1e-12);
    CHECK(close_to(cb_stats_geomean((double[]){1, 100}, 2), 10, 1e-12));
    CHECK(close_to(cb_stats_geomean((double[]){-1, 4, 0, 1}, 4), 2, 1e-12));   /* non-positive skipped */
    CHECK(isnan(cb_stats_median(x, 0)));
    CHECK(isnan(cb_stats_geomean(x, 0)));
}

/* The interval of the median over rounds: order statistics with the
 * binomial coverage, e.g. 5 values: [min, max] at 1 - 2/32; 9 values:
 * [x(2), x(8)] at 1 - 20/512; checked against the binomial sums. */
TEST(median_interval)
{
    double lo, hi, cov;
    double five[] = {5, 1, 4, 2, 3};
    cb_stats_median_ci(five, 5, 0.95, &lo, &hi, &cov);
    CHECK(lo == 1 && hi == 5 && fabs(cov - (1 - 2.0 / 32)) < 1e-12);
    double three[] = {3, 1, 2};
    cb_stats_median_ci(three, 3, 0.95, &lo, &hi, &cov);
    CHECK(lo == 1 && hi == 3 && fabs(cov - 0.75) < 1e-12);
    double nine[] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    cb_stats_median_ci(nine, 9, 0.95, &lo, &hi, &cov);
    CHECK_MSG(lo == 2 && hi == 8 && fabs(cov - (1 - 20.0 / 512)) < 1e-12, "%g %g %g", lo, hi, cov);
    cb_stats_median_ci(nine, 9, 0.8, &lo, &hi, &cov);   /* P(<=2) = 46/512: 1 - 92/512 >= 0.8 */
    CHECK_MSG(lo == 3 && hi == 7 && fabs(cov - (1 - 92.0 / 512)) < 1e-12, "%g %g %g", lo, hi, cov);
    cb_stats_median_ci(nine, 1, 0.95, &lo, &hi, &cov);
    CHECK(lo == 9 && hi == 9 && cov == 0);
    cb_stats_median_ci(nine, 0, 0.95, &lo, &hi, &cov);
    CHECK(isnan(lo) && isnan(hi) && cov == 0);
    /* many values: the coverage stays at the level (no underflow), the
     * ranks near n/2 - 1.96 sqrt(n)/2 */
    enum { N = 4001 };
    static double big[N];
    for (int i = 0; i < N; i++)
        big[i] = (double)((i * 7919) % N);
    cb_stats_median_ci(big, N, 0.95, &lo, &hi, &cov);
    CHECK_MSG(cov >= 0.95 && cov < 0.96 && fabs(lo - (N / 2.0 - 1.96 * sqrt(N) / 2)) < 3 && lo + hi == N - 1,
              "%g %g %g", lo, hi, cov);
}

/* Count U for every way of choosing which of the m+n ranks belong to x. */
static void brute_counts(int m, int n, double *counts)
{
    int N = m + n;
    for (int u = 0; u <= m * n; u++)
        counts[u] = 0;
    for (unsigned mask = 0; mask < (1u << N); mask++) {
        if (__builtin_popcount(mask) != m)
            continue;
        int u = 0, ys_below = 0;
        for (int r = 0; r < N; r++) {   /* rank r ascending */
            if (mask & (1u << r))
                u += ys_below;          /* this x beats every y below it */
            else
                ys_below++;
        }
        counts[u]++;
    }
}

TEST(mann_whitney_exact_distribution)
{
    for (int m = 1; m <= 6; m++)
        for (int n = 1; n <= 6; n++) {
            double counts[64], total = 0, cum = 0;
            brute_counts(m, n, counts);
            for (int u = 0; u <= m * n; u++)
                total += counts[u];
            for (int u = 0; u <= m * n; u++) {
                cum += counts[u];
                double got = cb_stats_mw_cdf((size_t)m, (size_t)n, u);
                CHECK_MSG(fabs(got - cum / total) < 1e-12, "m=%d n=%d u=%d: %g vs %g", m, n, u, got, cum / total);
            }
        }
}

TEST(mann_whitney_p)
{
    /* complete separation of 3 vs 3: p = 2 / C(6,3) = 0.1 */
    double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    CHECK(fabs(cb_stats_mann_whitney_p(a, 3, b, 3) - 0.1) < 1e-12);
    CHECK(fabs(cb_stats_mann_whitney_p(b, 3, a, 3) - 0.1) < 1e-12);
    /* identical samples: no evidence at all */
    CHECK(cb_stats_mann_whitney_p(a, 3, a, 3) > 0.99);
}

TEST(ratio_interval)
{
    /* b = 2a exactly: every pairwise log ratio centres on log 2 */
    double a[] = {1.0, 1.1, 1.2, 0.9, 1.05}, b[5];
    for (int i = 0; i < 5; i++)
        b[i] = 2 * a[i];
    cb_ratio_ci ci;
    cb_stats_ratio_ci(a, 5, b, 5, 0.95, &ci);
    CHECK_MSG(close_to(ci.ratio, 2, 1e-9), "ratio %g", ci.ratio);
    CHECK(ci.lo <= 2 && ci.hi >= 2 && ci.lo > 1);
    CHECK_MSG(ci.confidence >= 0.95 && ci.confidence < 0.99, "confidence %g", ci.confidence);
    /* 3 vs 3 cannot reach 95 %: the widest interval, 90 % */
    cb_stats_ratio_ci(a, 3, b, 3, 0.95, &ci);
    CHECK_MSG(fabs(ci.confidence - 0.9) < 1e-12, "confidence %g", ci.confidence);
    CHECK(close_to(ci.lo, 2 * 1.0 / 1.2, 1e-9) && close_to(ci.hi, 2 * 1.2 / 1.0, 1e-9));
    /* 5 vs 5 at 95 %: k = 3 (P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252) */
    double x[] = {1, 2, 3, 4, 5}, y[] = {1, 2, 3, 4, 5};
    cb_stats_ratio_ci(x, 5, y, 5, 0.95, &ci);
    CHECK(close_to(ci.confidence, 1 - 2 * 4.0 / 252, 1e-12));
    CHECK(close_to(ci.ratio, 1, 1e-12));
    CHECK(ci.lo < 1 && ci.hi > 1);
    /* large samples use the normal approximation and still cover */
    double big_a[60], big_b[60];
    for (int i = 0; i < 60; i++)
        big_a[i] = 1 + 0.01 * (i % 7), big_b[i] = 3 * (1 + 0.01 * ((i * 3) % 7));
    cb_stats_ratio_ci(big_a, 60, big_b, 60, 0.95, &ci);
    CHECK(close_to(ci.ratio, 3, 0.02) && ci.lo > 2.8 && ci.hi < 3.2);
    CHECK(ci.p_value < 1e-10);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The interval as stats.c computed it before the selection algorithm: all
 * m·n differences stored and sorted, order statistics read off.  The rank k
 * comes from the same distribution function (tested above). */
static void reference_ratio_ci(const double *a, size_t na, const double *b, size_t nb, double confidence,
                               cb_ratio_ci *out)
{
    size_t mn = na * nb;
    double *d = malloc(mn * sizeof *d);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            d[i * nb + j] = log(b[j] > 1e-12 ? b[j] : 1e-12) - log(a[i] > 1e-12 ? a[i] : 1e-12);
    qsort(d, mn, sizeof *d, cmp_double);
    out->ratio = exp(mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2);
    size_t k = 1;
    double half_alpha = (1 - confidence) / 2;
    if (mn <= 2500) {
        /* the largest k with P(U ≤ k−1) ≤ α/2, by bisection (the cdf rises) */
        size_t hi = (mn + 1) / 2;
        while (k < hi) {
            size_t mid = k + (hi - k + 1) / 2;
            if (cb_stats_mw_cdf(na, nb, (long)mid - 1) <= half_alpha)
                k = mid;
            else
                hi = mid - 1;
        }
    } else {
        /* the normal approximation's rank, as in stats.c */
        double lo = -40, hi = 40;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (0.5 * erfc(mid / sqrt(2.0)) > half_alpha)
                lo = mid;
            else
                hi = mid;
        }
        double kk = floor((double)mn / 2 - (lo + hi) / 2 * sqrt((double)mn * (double)(na + nb + 1) / 12));
        k = kk < 1 ? 1 : (size_t)kk;
    }
    if (k > (mn + 1) / 2)
        k = (mn + 1) / 2;
    out->lo = exp(d[k - 1]);
    out->hi = exp(d[mn - k]);
    out->confidence = 1 - 2 * cb_stats_mw_cdf(na, nb, (long)k - 1);
    /* the p-value by its definition: every pair compared */
    double u = 0;
    int ties = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            double x = log(b[j] > 1e-12 ? b[j] : 1e-12), y = log(a[i] > 1e-12 ? a[i] : 1e-12);
            u += x > y ? 1 : x == y ? 0.5 : 0;
            ties |= x == y;
        }
    out->p_value = ties || mn > 2500 ? NAN : 2 * cb_stats_mw_cdf(nb, na, (long)fmin(u, (double)mn - u));
    if (out->p_value > 1)
        out->p_value = 1;
    free(d);
}

/* Samples drawn from a few distinct values (ties within and across the
 * samples) or continuous ones, scaled apart by a random factor. */
static void random_sample(double *x, size_t n, unsigned *seed, int tied, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * (tied ? 1 + (double)(rand_r(seed) % 4) / 8 : 0.5 + (double)rand_r(seed) / RAND_MAX);
}

TEST(ratio_interval_equals_quadratic)
{
    unsigned seed = 14;
    int mismatches = 0;
    for (int trial = 0; trial < 3000; trial++) {
        size_t na = 1 + (size_t)rand_r(&seed) % (trial < 2500 ? 12 : 70);
        size_t nb = 1 + (size_t)rand_r(&seed) % (trial < 2500 ? 12 : 70);
        int tied = trial % 3 == 0;
        double a[70], b[70], scale = trial % 5 == 0 ? 1 : 0.5 + 2.0 * rand_r(&seed) / RAND_MAX;
        random_sample(a, na, &seed, tied, 1);
        random_sample(b, nb, &seed, tied, scale);
        double conf = (double[]){0.95, 0.9, 0.99, 0.5}[trial % 4];
        cb_ratio_ci got, want;
        cb_stats_ratio_ci(a, na, b, nb, conf, &got);
        reference_ratio_ci(a, na, b, nb, conf, &want);
        int same = got.ratio == want.ratio && got.lo == want.lo && got.hi == want.hi &&
                   got.confidence == want.confidence && (isnan(want.p_value) || got.p_value == want.p_value);
        if (!same && mismatches++ < 5)
            CHECK_MSG(0, "trial %d (%zu vs %zu): ratio %.17g/%.17g lo %.17g/%.17g hi %.17g/%.17g p %.17g/%.17g", trial,
                      na, nb, got.ratio, want.ratio, got.lo, want.lo, got.hi, want.hi, got.p_value, want.p_value);
    }
    CHECK_MSG(mismatches == 0, "%d mismatches", mismatches);
}

/* Virtual memory in use now (so the limit below also works under ASan,
 * whose shadow mappings count towards RLIMIT_AS). */
static rlim_t vm_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

/* 20,000 repeats a side: 4·10^8 pairwise differences would need 3.2 GB;
 * the interval must come within 256 MB more than the process already maps. */
TEST(ratio_interval_many_repeats_bounded_memory)
{
    size_t n = 20000;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    unsigned seed = 7;
    random_sample(a, n, &seed, 0, 1);
    random_sample(b, n, &seed, 0, 2);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {vm_bytes() + (256u << 20), vm_bytes() + (256u << 20)};
        setrlimit(RLIMIT_AS, &rl);
        cb_ratio_ci ci;
        cb_stats_ratio_ci(a, n, b, n, 0.95, &ci);
        _exit(ci.lo < 2 && 2 < ci.hi && ci.lo > 1.9 && ci.hi < 2.1 ? 0 : 3);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x (3: wrong interval; signal: out of memory)", st);
    free(a);
    free(b);
}

/* bench/compare_stats.sh: one N-against-N interval, by either method. */
static int bench(const char *which, size_t n)
{
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    unsigned seed = 1;
    random_sample(a, n, &seed, 0, 1);
    random_sample(b, n, &seed, 0, 1.5);
    struct timespec t0, t1;
    cb_ratio_ci ci;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (strcmp(which, "reference") == 0)
        reference_ratio_ci(a, n, b, n, 0.95, &ci);
    else
        cb_stats_ratio_ci(a, n, b, n, 0.95, &ci);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%.6f %ld %.17g %.17g %.17g\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
           ru.ru_maxrss, ci.ratio, ci.lo, ci.hi);
    free(a);
    free(b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "bench") == 0)
        return bench(argv[2], (size_t)strtoull(argv[3], NULL, 10));
    RUN(descriptive);
    RUN(median_interval);
    RUN(mann_whitney_exact_distribution);
    RUN(mann_whitney_p);
    RUN(ratio_interval);
    RUN(ratio_interval_equals_quadratic);
    RUN(ratio_interval_many_repeats_bounded_memory);
    return check_done();
}
