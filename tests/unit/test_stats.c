/* test_stats.c — unit tests of lib/stats.c: descriptive statistics, the
 * exact Mann–Whitney distribution (checked against brute-force enumeration
 * of every ordering), and the Hodges–Lehmann ratio interval. */
#include "check.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>

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

int main(void)
{
    RUN(descriptive);
    RUN(mann_whitney_exact_distribution);
    RUN(mann_whitney_p);
    RUN(ratio_interval);
    return check_done();
}
