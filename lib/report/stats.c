/* stats.c — descriptive statistics and the Hodges–Lehmann / Mann–Whitney
 * ratio estimate used by `compare` (see stats.h for the method). */
#include "report/stats.h"
#include "common/util.h"

#include <math.h>
#include <stdint.h>
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

void cb_stats_median_ci(const double *x, size_t n, double confidence, double *lo, double *hi, double *coverage)
{
    *lo = *hi = NAN;
    *coverage = 0;
    if (!n)
        return;
    double *s = cb_xmalloc(n * sizeof *s);
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    /* P(Bin(n, 1/2) <= j) for j = 0, 1, ...: each term from its logarithm,
     * so that a large n underflows only the negligible first terms */
    size_t k = 1;
    double ln2n = (double)n * log(2.0), lgn = lgamma((double)n + 1);
    double tail = exp(-ln2n);   /* P(<= 0) */
    *coverage = n > 1 ? 1 - 2 * tail : 0;
    for (size_t j = 1; j < (n + 1) / 2; j++) {
        tail += exp(lgn - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) - ln2n);   /* P(<= j) */
        if (1 - 2 * tail < confidence)
            break;
        k = j + 1;
        *coverage = 1 - 2 * tail;
    }
    *lo = s[k - 1];
    *hi = s[n - k];
    free(s);
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
    if (n > m) {   /* U's distribution is symmetric in m and n: keep the table small */
        size_t t = m;
        m = n;
        n = t;
    }
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

/* How many of the ascending s[0..n) are < v, or ≤ v when `or_equal`. */
static size_t count_below(const double *s, size_t n, double v, int or_equal)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < v || (or_equal && s[mid] == v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

double cb_stats_mann_whitney_p(const double *x, size_t nx, const double *y, size_t ny)
{
    if (!nx || !ny)
        return NAN;
    /* U = #(x > y) + ½ #(x = y), counted against y sorted: O((m+n) log n) */
    double *ys = cb_xmalloc(ny * sizeof *ys), u = 0;
    memcpy(ys, y, ny * sizeof *ys);
    qsort(ys, ny, sizeof *ys, cmp_double);
    int ties = 0;
    for (size_t i = 0; i < nx; i++) {
        size_t below = count_below(ys, ny, x[i], 0), upto = count_below(ys, ny, x[i], 1);
        u += (double)below + 0.5 * (double)(upto - below);
        ties |= upto > below;
    }
    free(ys);
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

/* A small deterministic generator for the selection's pivots (splitmix64):
 * the result never depends on the pivots, only the work does. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The pairwise differences y[j] − x[i] of two ascending samples, seen as an
 * m × n matrix whose rows (fixed i) ascend in j and whose columns descend
 * in i — rounding is monotone, so this holds for the computed doubles too.
 * `lo[i], hi[i]` bound the row positions still in play. */
typedef struct pair_diffs {
    const double *x, *y;
    size_t m, n;
    size_t *lo, *hi, *below, *upto;
} pair_diffs;

/* Per row, how many differences are < p (below) and ≤ p (upto): a staircase
 * walk, O(m + n) since the counts never decrease down the rows. */
static void count_around(pair_diffs *pd, double p, size_t *nbelow, size_t *nupto)
{
    size_t jb = 0, ju = 0, sb = 0, su = 0;
    for (size_t i = 0; i < pd->m; i++) {
        while (jb < pd->n && pd->y[jb] - pd->x[i] < p)
            jb++;
        if (ju < jb)
            ju = jb;
        while (ju < pd->n && pd->y[ju] - pd->x[i] <= p)
            ju++;
        pd->below[i] = jb;
        pd->upto[i] = ju;
        sb += jb;
        su += ju;
    }
    *nbelow = sb;
    *nupto = su;
}

/* The k-th smallest (0-based) of the m·n differences, without forming them:
 * pick a random difference still in play as the pivot, count around it,
 * and drop from every row the side the k-th one cannot lie in (the pivot
 * goes too, so each round shrinks the set; expected O(log mn) rounds of
 * O(m + n) work, O(m + n) memory) — the selection of Johnson & Mizoguchi
 * (1978) and Monahan (1984), with a random pivot. */
static double kth_difference(pair_diffs *pd, size_t k)
{
    uint64_t seed = 0x5eed;
    for (size_t i = 0; i < pd->m; i++)
        pd->lo[i] = 0, pd->hi[i] = pd->n;
    for (;;) {
        size_t live = 0;
        for (size_t i = 0; i < pd->m; i++)
            live += pd->hi[i] - pd->lo[i];
        size_t r = (size_t)(splitmix64(&seed) % live), i = 0;
        while (r >= pd->hi[i] - pd->lo[i])
            r -= pd->hi[i] - pd->lo[i], i++;
        double p = pd->y[pd->lo[i] + r] - pd->x[i];
        size_t nbelow, nupto;
        count_around(pd, p, &nbelow, &nupto);
        if (k >= nbelow && k < nupto)
            return p;
        for (size_t row = 0; row < pd->m; row++) {
            if (k < nbelow) {
                if (pd->hi[row] > pd->below[row])
                    pd->hi[row] = pd->below[row];
            } else if (pd->lo[row] < pd->upto[row]) {
                pd->lo[row] = pd->upto[row];
            }
            if (pd->lo[row] > pd->hi[row])
                pd->lo[row] = pd->hi[row];
        }
    }
}

static double *sorted_logs(const double *t, size_t n)
{
    double *l = cb_xmalloc(n * sizeof *l);
    for (size_t i = 0; i < n; i++)
        l[i] = log(t[i] > 1e-12 ? t[i] : 1e-12);
    qsort(l, n, sizeof *l, cmp_double);
    return l;
}

/* The rank k of the interval [D(k), D(mn+1−k)] (1-based): the largest k with
 * P(U ≤ k−1) ≤ α/2. */
static size_t interval_rank(size_t na, size_t nb, double confidence)
{
    size_t mn = na * nb, k = 1;
    double half_alpha = (1 - confidence) / 2;
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
    return k > (mn + 1) / 2 ? (mn + 1) / 2 : k;
}

void cb_stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                       double confidence, cb_ratio_ci *out)
{
    size_t mn = na * nb;
    double *la = sorted_logs(a, na), *lb = sorted_logs(b, nb);
    size_t *rows = cb_xmalloc(4 * na * sizeof *rows);
    pair_diffs pd = {la, lb, na, nb, rows, rows + na, rows + 2 * na, rows + 3 * na};
    double mid = kth_difference(&pd, mn / 2);
    out->ratio = exp(mn % 2 ? mid : (kth_difference(&pd, mn / 2 - 1) + mid) / 2);

    size_t k = interval_rank(na, nb, confidence);
    out->lo = exp(kth_difference(&pd, k - 1));
    out->hi = exp(kth_difference(&pd, mn - k));
    out->confidence = 1 - 2 * cb_stats_mw_cdf(na, nb, (long)k - 1);
    out->p_value = cb_stats_mann_whitney_p(lb, nb, la, na);
    free(rows);
    free(la);
    free(lb);
}
