/* stats.c — descriptive statistics and the Hodges–Lehmann / Mann–Whitney
 * ratio estimate used by `compare` (see stats.h for the method). */
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Exact U distribution up to this many pairs; normal approximation above. */
#define EXACT_MAX_PAIRS 2500

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cb_stats_min(const double *x, size_t n)
{
    if (!n)
        return NAN;
    double m = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] < m)
            m = x[i];
    return m;
}

double cb_stats_max(const double *x, size_t n)
{
    if (!n)
        return NAN;
    double m = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}

/* Median of an array the function may reorder. */
static double median_inplace(double *x, size_t n)
{
    if (!n)
        return NAN;
    qsort(x, n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

double cb_stats_median(const double *x, size_t n)
{
    if (!n)
        return NAN;
    double *c = cb_xmalloc(n * sizeof *c);
    memcpy(c, x, n * sizeof *c);
    double m = median_inplace(c, n);
    free(c);
    return m;
}

double cb_stats_stdev(const double *x, size_t n)
{
    if (n < 2)
        return 0;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

double cb_stats_mad(const double *x, size_t n)
{
    if (!n)
        return NAN;
    double med = cb_stats_median(x, n);
    double *d = cb_xmalloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = fabs(x[i] - med);
    double m = median_inplace(d, n);
    free(d);
    return m;
}

double cb_stats_geomean(const double *x, size_t n)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0 && isfinite(x[i])) {
            s += log(x[i]);
            k++;
        }
    return k ? exp(s / (double)k) : NAN;
}

/* Standard normal upper tail and its inverse (bisection is plenty here). */
static double norm_sf(double z) { return 0.5 * erfc(z / sqrt(2.0)); }

static double norm_isf(double p)
{
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (norm_sf(mid) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* Counts of U = 0..m·n over all C(m+n, m) orderings without ties:
 * N(i, j, u) = N(i−1, j, u−j) + N(i, j−1, u) — the largest value is either an
 * x (beating all j y's) or a y (beating none).  Returns a malloc'd array of
 * m·n + 1 counts. */
static double *mw_counts(size_t m, size_t n)
{
    size_t umax = m * n, w = umax + 1;
    double *old = cb_xcalloc((n + 1) * w, sizeof *old);
    double *cur = cb_xcalloc((n + 1) * w, sizeof *cur);
    for (size_t j = 0; j <= n; j++)
        old[j * w] = 1;   /* i = 0: U is 0 */
    for (size_t i = 1; i <= m; i++) {
        memset(cur, 0, (n + 1) * w * sizeof *cur);
        cur[0] = 1;       /* j = 0 */
        for (size_t j = 1; j <= n; j++)
            for (size_t u = 0; u <= i * j; u++) {
                double v = cur[(j - 1) * w + u];
                if (u >= j)
                    v += old[j * w + u - j];
                cur[j * w + u] = v;
            }
        double *t = old;
        old = cur;
        cur = t;
    }
    double *out = cb_xmalloc(w * sizeof *out);
    memcpy(out, old + n * w, w * sizeof *out);
    free(old);
    free(cur);
    return out;
}

double cb_stats_mw_cdf(size_t m, size_t n, long u)
{
    if (u < 0)
        return 0;
    if ((size_t)u >= m * n)
        return 1;
    if (m * n > EXACT_MAX_PAIRS) {
        double mu = (double)(m * n) / 2, sd = sqrt((double)(m * n) * (double)(m + n + 1) / 12);
        return 1 - norm_sf(((double)u + 0.5 - mu) / sd);
    }
    double *c = mw_counts(m, n), total = 0, below = 0;
    for (size_t k = 0; k <= m * n; k++) {
        total += c[k];
        if ((long)k <= u)
            below += c[k];
    }
    free(c);
    return below / total;
}

double cb_stats_mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny)
{
    if (!nx || !ny)
        return NAN;
    double u = 0;
    int ties = 0;
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++) {
            if (x[i] > y[j])
                u += 1;
            else if (x[i] == y[j])
                u += 0.5, ties = 1;
        }
    double mn = (double)(nx * ny);
    if (!ties && nx * ny <= EXACT_MAX_PAIRS) {
        long lo = (long)fmin(u, mn - u);
        double p = 2 * cb_stats_mw_cdf(nx, ny, lo);
        return p > 1 ? 1 : p;
    }
    /* Normal approximation with the tie correction of the variance. */
    size_t N = nx + ny;
    double *all = cb_xmalloc(N * sizeof *all);
    memcpy(all, x, nx * sizeof *all);
    memcpy(all + nx, y, ny * sizeof *all);
    qsort(all, N, sizeof *all, cmp_double);
    double tie_term = 0;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j < N && all[j] == all[i])
            j++;
        double t = (double)(j - i);
        tie_term += t * t * t - t;
        i = j;
    }
    free(all);
    double var = mn / 12 * ((double)N + 1 - tie_term / ((double)N * ((double)N - 1)));
    if (var <= 0)
        return 1;
    double z = (fabs(u - mn / 2) - 0.5) / sqrt(var);
    if (z < 0)
        z = 0;
    double p = 2 * norm_sf(z);
    return p > 1 ? 1 : p;
}

void cb_stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                       double confidence, cb_ratio_ci *out)
{
    size_t mn = na * nb;
    double *d = cb_xmalloc(mn * sizeof *d);
    double *la = cb_xmalloc(na * sizeof *la), *lb = cb_xmalloc(nb * sizeof *lb);
    for (size_t i = 0; i < na; i++)
        la[i] = log(a[i] > 1e-12 ? a[i] : 1e-12);
    for (size_t j = 0; j < nb; j++)
        lb[j] = log(b[j] > 1e-12 ? b[j] : 1e-12);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            d[i * nb + j] = lb[j] - la[i];
    qsort(d, mn, sizeof *d, cmp_double);
    out->ratio = exp(mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2);

    /* The largest k with P(U ≤ k−1) ≤ α/2 gives [D(k), D(mn+1−k)]. */
    double half_alpha = (1 - confidence) / 2;
    size_t k = 1;
    if (mn <= EXACT_MAX_PAIRS) {
        double *c = mw_counts(na, nb), total = 0, cum = 0;
        for (size_t u = 0; u <= mn; u++)
            total += c[u];
        for (size_t cand = 2; cand <= (mn + 1) / 2; cand++) {
            cum += c[cand - 2];   /* cum: count of U ≤ cand − 2 */
            if ((cum + c[cand - 1]) / total > half_alpha)
                break;
            k = cand;
        }
        free(c);
    } else {
        double z = norm_isf(half_alpha);
        double kk = floor((double)mn / 2 - z * sqrt((double)mn * (double)(na + nb + 1) / 12));
        k = kk < 1 ? 1 : (size_t)kk;
    }
    if (k > (mn + 1) / 2)
        k = (mn + 1) / 2;
    out->lo = exp(d[k - 1]);
    out->hi = exp(d[mn - k]);
    out->confidence = 1 - 2 * cb_stats_mw_cdf(na, nb, (long)k - 1);
    out->p_value = cb_stats_mann_whitney_p(lb, nb, la, na);
    free(d);
    free(la);
    free(lb);
}
