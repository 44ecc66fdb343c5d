/* stats.h — the statistics behind `report` and `compare`.
 *
 * Descriptive: minimum, median, sample standard deviation, geometric mean.
 *
 * Inferential (for `compare`): the ratio of two samples of run times B / A is
 * estimated on the log scale with the Hodges–Lehmann estimator (the median of
 * all pairwise differences log b_j − log a_i), with the distribution-free
 * confidence interval that inverts the Mann–Whitney (Wilcoxon rank-sum) test
 * — the interval between two order statistics of those pairwise differences,
 * whose ranks come from the exact null distribution of the U statistic (a
 * normal approximation for large samples).  The two-sided Mann–Whitney
 * p-value is reported alongside (exact without ties, normal with a tie
 * correction otherwise).  With few repeats the nominal confidence may not be
 * reachable (3 against 3 repeats: at most 90 %); the interval is then the
 * widest one (all pairwise differences) and `confidence` says what it
 * really is.  The pairwise differences are never stored: their order
 * statistics are selected in O(m + n) memory (stats.c).  See docs/report.md. */
#ifndef CB_STATS_H
#define CB_STATS_H

#include <stddef.h>

double cb_stats_min(const double *x, size_t n);     /* NAN when n == 0 */
double cb_stats_max(const double *x, size_t n);
double cb_stats_median(const double *x, size_t n);  /* does not reorder x */
double cb_stats_stdev(const double *x, size_t n);   /* sample (n − 1); 0 when n < 2 */
/* Median absolute deviation from the median: a spread one cold or
 * interrupted repeat does not blow up (the tables' "±"). */
double cb_stats_mad(const double *x, size_t n);
/* Geometric mean of the positive values of x; NAN when there are none. */
double cb_stats_geomean(const double *x, size_t n);

/* A distribution-free confidence interval for the median of the
 * population X's n values come from (independent samples: with --rounds,
 * the per-round values of a call): the order statistics [x(k), x(n+1-k)]
 * with the largest k whose coverage 1 - 2 P(Binomial(n, 1/2) <= k - 1) is
 * at least CONFIDENCE.  With few values that level may be unreachable (5
 * values: at most 93.75 %); the interval is then [min, max] and *coverage
 * says what it really is.  n == 0: NANs; n == 1: the value, coverage 0. */
void cb_stats_median_ci(const double *x, size_t n, double confidence, double *lo, double *hi, double *coverage);

/* The estimate of b / a with its confidence interval. */
typedef struct cb_ratio_ci {
    double ratio;       /* exp(Hodges–Lehmann estimate of the log shift) */
    double lo, hi;      /* confidence interval of the ratio */
    double confidence;  /* the interval's actual coverage (≤ requested when unreachable) */
    double p_value;     /* two-sided Mann–Whitney p-value of "no shift" */
} cb_ratio_ci;

/* a: na > 0 positive times, b: nb > 0 positive times (values ≤ 0 are
 * clamped to 1e-12).  confidence: requested two-sided level, e.g. 0.95. */
void cb_stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                       double confidence, cb_ratio_ci *out);

/* The two-sided Mann–Whitney p-value for samples x and y. */
double cb_stats_mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny);

/* P(U ≤ u) under the null hypothesis, exact (no ties) for samples of sizes m
 * and n; used for the interval's ranks.  Normal approximation when m·n is
 * large. */
double cb_stats_mw_cdf(size_t m, size_t n, long u);

#endif
