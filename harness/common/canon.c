/* canon.c — canonical result text and SHA-256 digest (see canon.h and
 * docs/protocol.md).  Runs only in verify mode, untimed, so it favours
 * clarity over speed. */
#include "canon.h"

#include <stdlib.h>
#include <string.h>

void cb_terms_init(cb_terms *t, size_t nvars)
{
    memset(t, 0, sizeof *t);
    t->nvars = nvars;
}

void cb_terms_reset(cb_terms *t, size_t nvars)
{
    for (size_t i = 0; i < t->n; i++)
        mpz_clear(t->coeffs[i]);
    t->n = 0;
    if (nvars != t->nvars) {
        free(t->exps);
        t->exps = NULL;
        free(t->coeffs);
        t->coeffs = NULL;
        t->cap = 0;
        t->nvars = nvars;
    }
}

void cb_terms_clear(cb_terms *t)
{
    cb_terms_reset(t, t->nvars);
    free(t->coeffs);
    free(t->exps);
    memset(t, 0, sizeof *t);
}

mpz_ptr cb_terms_push(cb_terms *t, const unsigned long *exp)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->coeffs = cb_xrealloc(t->coeffs, t->cap * sizeof *t->coeffs);
        t->exps = cb_xrealloc(t->exps, t->cap * (t->nvars ? t->nvars : 1) * sizeof *t->exps);
    }
    if (t->nvars)
        memcpy(t->exps + t->n * t->nvars, exp, t->nvars * sizeof *exp);
    mpz_init(t->coeffs[t->n]);
    return t->coeffs[t->n++];
}

/* qsort has no context argument: the row width travels in a static. */
static size_t sort_nvars;
static const unsigned long *sort_exps;

static int cmp_term_desc(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const unsigned long *ei = sort_exps + i * sort_nvars, *ej = sort_exps + j * sort_nvars;
    for (size_t k = 0; k < sort_nvars; k++)
        if (ei[k] != ej[k])
            return ei[k] < ej[k] ? 1 : -1;
    return 0;
}

/* Reorder t's terms into descending lex order, summing the terms of equal
 * exponents (a kernel may hand back an uncollected sum: Mathics3 10's
 * Expand does) and dropping zero coefficients. */
static void sort_terms(cb_terms *t)
{
    size_t n = t->n, nv = t->nvars;
    size_t *order = cb_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_nvars = nv;
    sort_exps = t->exps;
    qsort(order, n, sizeof *order, cmp_term_desc);
    mpz_t *coeffs = cb_xmalloc((t->cap ? t->cap : 1) * sizeof *coeffs);
    unsigned long *exps = cb_xmalloc((t->cap ? t->cap : 1) * (nv ? nv : 1) * sizeof *exps);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (m && (!nv || !memcmp(exps + (m - 1) * nv, t->exps + i * nv, nv * sizeof *exps))) {
            mpz_add(coeffs[m - 1], coeffs[m - 1], t->coeffs[i]);   /* like terms */
            mpz_clear(t->coeffs[i]);
            continue;
        }
        if (m && mpz_sgn(coeffs[m - 1]) == 0)   /* the previous one summed to 0 */
            mpz_clear(coeffs[--m]);
        memcpy(coeffs[m], t->coeffs[i], sizeof(mpz_t));   /* move, no copy */
        if (nv)
            memcpy(exps + m * nv, t->exps + i * nv, nv * sizeof *exps);
        m++;
    }
    if (m && mpz_sgn(coeffs[m - 1]) == 0)
        mpz_clear(coeffs[--m]);
    free(order);
    free(t->coeffs);
    free(t->exps);
    t->coeffs = coeffs;
    t->exps = exps;
    t->n = m;
}

static void put_mpz(cb_buf *out, const mpz_t z)
{
    size_t need = mpz_sizeinbase(z, 10) + 2;
    cb_buf_reserve(out, need);
    mpz_get_str(out->data + out->len, 10, z);
    out->len += strlen(out->data + out->len);
}

/* Divide by the content and/or fix the sign; returns the factor taken out
 * (content with sign) in `taken` when non-NULL. */
static void normalise(cb_terms *t, int flags, mpz_t taken)
{
    mpz_t g;
    mpz_init_set_ui(g, 1);
    if ((flags & CB_CANON_PRIMITIVE) && t->n) {
        mpz_set_ui(g, 0);
        for (size_t i = 0; i < t->n; i++)
            mpz_gcd(g, g, t->coeffs[i]);
    }
    if ((flags & CB_CANON_POSITIVE) && t->n && mpz_sgn(t->coeffs[0]) < 0)
        mpz_neg(g, g);
    if (mpz_cmp_ui(g, 1) != 0)
        for (size_t i = 0; i < t->n; i++)
            mpz_divexact(t->coeffs[i], t->coeffs[i], g);
    if (taken)
        mpz_set(taken, g);
    mpz_clear(g);
}

static void write_terms(cb_buf *out, const cb_terms *t)
{
    if (t->n == 0) {
        cb_buf_putc(out, '0');
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            cb_buf_putc(out, ' ');
        put_mpz(out, t->coeffs[i]);
        cb_buf_putc(out, '@');
        for (size_t k = 0; k < t->nvars; k++)
            cb_buf_printf(out, k ? ".%lu" : "%lu", t->exps[i * t->nvars + k]);
    }
}

void cb_canon_poly(cb_buf *out, cb_terms *t, int flags)
{
    sort_terms(t);
    normalise(t, flags, NULL);
    write_terms(out, t);
}

static int is_constant(const cb_terms *t)
{
    for (size_t i = 0; i < t->n; i++)
        for (size_t k = 0; k < t->nvars; k++)
            if (t->exps[i * t->nvars + k])
                return 0;
    return 1;
}

typedef struct {
    char *text;
    unsigned long mult;
} factor_text;

static int cmp_factor(const void *a, const void *b)
{
    const factor_text *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    if (c)
        return c;
    return x->mult < y->mult ? -1 : x->mult > y->mult;
}

void cb_canon_factor(cb_buf *out, const mpz_t content, cb_terms *factors,
                     const unsigned long *mults, size_t n)
{
    mpz_t c, taken, pw;
    mpz_init_set(c, content);
    mpz_inits(taken, pw, NULL);
    factor_text *ft = cb_xmalloc((n ? n : 1) * sizeof *ft);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        cb_terms *f = &factors[i];
        sort_terms(f);
        if (f->n == 0 || is_constant(f)) {
            /* a constant factor (or zero) belongs to the content */
            if (f->n == 0)
                mpz_set_ui(pw, 0);
            else
                mpz_pow_ui(pw, f->coeffs[0], mults[i]);
            mpz_mul(c, c, pw);
            continue;
        }
        normalise(f, CB_CANON_POSITIVE | CB_CANON_PRIMITIVE, taken);
        mpz_pow_ui(pw, taken, mults[i]);
        mpz_mul(c, c, pw);
        cb_buf b = {0};
        write_terms(&b, f);
        ft[m].text = cb_buf_take(&b);
        ft[m].mult = mults[i];
        m++;
    }
    qsort(ft, m, sizeof *ft, cmp_factor);
    put_mpz(out, c);
    if (mpz_sgn(c) != 0)
        for (size_t i = 0; i < m; i++)
            cb_buf_printf(out, " * (%s)^%lu", ft[i].text, ft[i].mult);
    for (size_t i = 0; i < m; i++)
        free(ft[i].text);
    free(ft);
    mpz_clears(c, taken, pw, NULL);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cb_canon_sorted_lines(cb_buf *out, char **lines, size_t n)
{
    qsort(lines, n, sizeof *lines, cmp_line);
    for (size_t i = 0; i < n; i++) {
        if (i)
            cb_buf_putc(out, '\n');
        cb_buf_puts(out, lines[i]);
    }
}
