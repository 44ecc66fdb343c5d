/* systems.c — the table of standard benchmark families and their builders
 * (see systems.h; definitions and sources in docs/systems.md).
 *
 * Each builder states its family's definition directly as sums of terms in
 * a FLINT fmpz_mpoly (FLINT sorts terms and combines like ones), then hands
 * the polynomials to lib/data/poly.c for the dataset form.  Generators keep the
 * definition's order (z0 > z1 > ...), which is the order the Gröbner
 * benchmarks use; they are not re-sorted by name. */
#include "data/systems.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <flint/fmpz_mpoly.h>

#include "data/literature.h"
#include "data/poly.h"
#include "common/util.h"

/* ---- building polynomials term by term ---- */

typedef struct {
    fmpz_mpoly_ctx_t ctx;
    slong nvars;
    char **names;
    ulong *exps;         /* scratch exponent vector */
    fmpz_mpoly_t cur;    /* the polynomial being written */
    cb_value polys;      /* finished polynomials (list of dicts) */
} builder;

static void builder_init(builder *b, slong nvars, const char *prefix, long first_index)
{
    fmpz_mpoly_ctx_init(b->ctx, nvars, ORD_LEX);
    b->nvars = nvars;
    b->names = cb_xcalloc((size_t)nvars, sizeof *b->names);
    for (slong i = 0; i < nvars; i++)
        b->names[i] = cb_xasprintf("%s%ld", prefix, first_index + (long)i);
    b->exps = cb_xcalloc((size_t)nvars, sizeof *b->exps);
    fmpz_mpoly_init(b->cur, b->ctx);
    b->polys = cb_list_new((size_t)nvars);
}

/* Adds c * prod(vars[k]) to the current polynomial; vars may repeat. */
static void term(builder *b, slong c, int nv, const slong *vars)
{
    memset(b->exps, 0, (size_t)b->nvars * sizeof *b->exps);
    for (int k = 0; k < nv; k++)
        b->exps[vars[k]]++;
    fmpz_mpoly_push_term_si_ui(b->cur, c, b->exps, b->ctx);
}
static void term0(builder *b, slong c) { term(b, c, 0, NULL); }
static void term1(builder *b, slong c, slong v) { term(b, c, 1, &v); }
static void term2(builder *b, slong c, slong v, slong w)
{
    slong vs[2] = {v, w};
    term(b, c, 2, vs);
}

/* Finishes the current polynomial: sort, combine like terms, store. */
static void end_poly(builder *b)
{
    fmpz_mpoly_sort_terms(b->cur, b->ctx);
    fmpz_mpoly_combine_like_terms(b->cur, b->ctx);
    cb_seq_push(b->polys, cb_poly_from_fmpz_mpoly(b->cur, b->ctx));
    fmpz_mpoly_zero(b->cur, b->ctx);
}

/* Adds the finished system to out under key, with one groebner entry. */
static int builder_finish(builder *b, const char *key, cb_systems_out *out, cb_err *err)
{
    cb_value sys = cb_system_new((const char *const *)b->names, (size_t)b->nvars, b->polys);
    b->polys = cb_none();
    int rc = cb_systems_add(out, key, sys, err);
    if (rc == 0)
        cb_systems_add_call(out, "groebner", 1, &key);
    fmpz_mpoly_clear(b->cur, b->ctx);
    fmpz_mpoly_ctx_clear(b->ctx);
    for (slong i = 0; i < b->nvars; i++)
        free(b->names[i]);
    free(b->names);
    free(b->exps);
    return rc;
}

/* ---- the families ---- */

/* cyclic-n, in z0..z(n-1): for k = 1..n-1, sum over i of the product of k
 * cyclically consecutive variables starting at z_i; then z0*...*z(n-1) - 1. */
static int build_cyclic(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    slong n = p[0];
    builder b;
    builder_init(&b, n, "z", 0);
    slong *vars = cb_xcalloc((size_t)n, sizeof *vars);
    for (slong k = 1; k < n; k++) {
        for (slong i = 0; i < n; i++) {
            for (slong j = 0; j < k; j++)
                vars[j] = (i + j) % n;
            term(&b, 1, (int)k, vars);
        }
        end_poly(&b);
    }
    for (slong j = 0; j < n; j++)
        vars[j] = j;
    term(&b, 1, (int)n, vars);
    term0(&b, -1);
    end_poly(&b);
    free(vars);
    return builder_finish(&b, key, out, err);
}

/* katsura-n, in u0..un (n+1 variables, as PHCpack's katsura6..10 and
 * Singular's katsura(n+1)), with u_{-l} = u_l and u_l = 0 for |l| > n:
 *   for m = 0..n-1:  sum_{l=-n..n} u_|l| u_|m-l|  -  u_m
 *   u0 + 2 (u1 + ... + un) - 1 */
static int build_katsura(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    slong n = p[0];
    builder b;
    builder_init(&b, n + 1, "u", 0);
    for (slong m = 0; m < n; m++) {
        for (slong l = -n; l <= n; l++) {
            slong a = labs(l), c = labs(m - l);
            if (c <= n)
                term2(&b, 1, a, c);
        }
        term1(&b, -1, m);
        end_poly(&b);
    }
    term1(&b, 1, 0);
    for (slong i = 1; i <= n; i++)
        term1(&b, 2, i);
    term0(&b, -1);
    end_poly(&b);
    return builder_finish(&b, key, out, err);
}

/* eco-n (Morgan's economics problem), in x1..xn:
 *   for k = 1..n-1:  (x_k + sum_{i=1..n-k-1} x_i x_{i+k}) x_n - k
 *   x1 + ... + x(n-1) + 1 */
static int build_eco(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    slong n = p[0];
    builder b;
    builder_init(&b, n, "x", 1);
    slong xn = n - 1;   /* variable index of x_n */
    for (slong k = 1; k <= n - 1; k++) {
        term2(&b, 1, k - 1, xn);
        for (slong i = 1; i <= n - k - 1; i++) {
            slong vs[3] = {i - 1, i + k - 1, xn};
            term(&b, 1, 3, vs);
        }
        term0(&b, -k);
        end_poly(&b);
    }
    for (slong i = 0; i < n - 1; i++)
        term1(&b, 1, i);
    term0(&b, 1);
    end_poly(&b);
    return builder_finish(&b, key, out, err);
}

/* noon-n (Noonburg's neural network), in x1..xn, denominators cleared:
 *   x_i (sum_{j != i} x_j^2) - 1.1 x_i + 1,  times 10:
 *   10 x_i sum_{j != i} x_j^2 - 11 x_i + 10 */
static int build_noon(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    slong n = p[0];
    builder b;
    builder_init(&b, n, "x", 1);
    for (slong i = 0; i < n; i++) {
        for (slong j = 0; j < n; j++) {
            if (j == i)
                continue;
            slong vs[3] = {i, j, j};
            term(&b, 10, 3, vs);
        }
        term1(&b, -11, i);
        term0(&b, 10);
        end_poly(&b);
    }
    return builder_finish(&b, key, out, err);
}

static const cb_family families[] = {
    {"cyclic", 1, {2}, {100}, "cyclic-N", "cyclic N-roots, N equations in z0..z(N-1)", build_cyclic},
    {"katsura", 1, {1}, {100}, "katsura-N", "Katsura's magnetism problem, N+1 equations in u0..uN", build_katsura},
    {"eco", 1, {2}, {100}, "eco-N", "Morgan's economics problem, N equations in x1..xN", build_eco},
    {"noon", 1, {2}, {100}, "noon-N", "Noonburg's neural network (x10), N equations in x1..xN", build_noon},
    CB_LITERATURE_FAMILIES,   /* issue 9: lib/data/literature.h */
};

const cb_family *cb_families(size_t *count)
{
    *count = sizeof families / sizeof *families;
    return families;
}

/* ---- output and spec parsing ---- */

void cb_systems_out_init(cb_systems_out *out)
{
    out->polys = cb_dict_new(8);
    out->run_list = cb_dict_new(2);
}

void cb_systems_out_clear(cb_systems_out *out)
{
    cb_release(out->polys);
    cb_release(out->run_list);
    out->polys = out->run_list = cb_none();
}

int cb_systems_add(cb_systems_out *out, const char *key, cb_value system, cb_err *err)
{
    if (cb_dict_get_str(out->polys, key, NULL)) {
        cb_release(system);
        return cb_fail(err, "system '%s' given twice", key);
    }
    cb_dict_set_str(out->polys, key, system);
    return 0;
}

void cb_systems_add_call(cb_systems_out *out, const char *function, size_t nkeys,
                         const char *const *keys)
{
    cb_value entries;
    if (!cb_dict_get_str(out->run_list, function, &entries)) {
        cb_dict_set_str(out->run_list, function, cb_list_new(4));
        cb_dict_get_str(out->run_list, function, &entries);
    }
    cb_value t = cb_tuple_new(nkeys);
    for (size_t i = 0; i < nkeys; i++)
        cb_seq_push(t, cb_str_c(keys[i]));
    cb_seq_push(entries, t);
}

/* Reads "-N-M..." after a family name: exactly f->nparams decimal numbers.
 * Returns the number read, or -1 when the text is not of that form. */
static int parse_params(const char *s, const cb_family *f, long *params)
{
    int k = 0;
    while (*s) {
        if (*s != '-' || s[1] < '0' || s[1] > '9' || k == f->nparams)
            return -1;
        errno = 0;
        char *end;
        long v = strtol(s + 1, &end, 10);
        if (errno == ERANGE)
            v = LONG_MAX;   /* reported as out of range below */
        params[k++] = v;
        s = end;
    }
    return k;
}

/* A family may have rows of different parameter counts (mp-K, mp-K-E): the
 * first row of the name whose count fits builds; none fits, an error that
 * names the first row's synopsis. */
int cb_systems_build(const char *spec, cb_systems_out *out, cb_err *err)
{
    size_t n;
    const cb_family *fams = cb_families(&n), *named = NULL;
    for (size_t i = 0; i < n; i++) {
        const cb_family *f = &fams[i];
        size_t len = strlen(f->name);
        if (strncmp(spec, f->name, len) != 0 || (spec[len] != '-' && spec[len] != '\0'))
            continue;
        long params[CB_FAMILY_MAX_PARAMS] = {0};
        int k = parse_params(spec + len, f, params);
        if (!named)
            named = f;
        if (k != f->nparams)
            continue;
        cb_buf key = {0};
        cb_buf_puts(&key, f->name);
        for (int j = 0; j < k; j++) {
            if (params[j] < f->min[j] || params[j] > f->max[j]) {
                cb_buf_free(&key);
                return cb_fail(err, "'%s': parameter %d of %s must be between %ld and %ld",
                               spec, j + 1, f->synopsis, f->min[j], f->max[j]);
            }
            cb_buf_printf(&key, "-%ld", params[j]);
        }
        char *canonical = cb_buf_take(&key);
        int rc = f->build(canonical, params, out, err);
        free(canonical);
        return rc;
    }
    if (named) {
        cb_buf forms = {0};
        for (size_t i = 0; i < n; i++)
            if (!strcmp(fams[i].name, named->name))
                cb_buf_printf(&forms, "%s%s", forms.len ? " or " : "", fams[i].synopsis);
        char *list = cb_buf_take(&forms);
        cb_fail(err, "'%s': expected %s", spec, list);
        free(list);
        return -1;
    }
    cb_buf names = {0};
    for (size_t i = 0; i < n; i++)
        cb_buf_printf(&names, "%s%s", i ? ", " : "", fams[i].synopsis);
    char *list = cb_buf_take(&names);
    cb_fail(err, "unknown system '%s' (known: %s)", spec, list);
    free(list);
    return -1;
}
