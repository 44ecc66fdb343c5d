/* literature.c — builders of the classic benchmark problems (see
 * literature.h; definitions, sources and term counts in docs/literature.md).
 *
 * Every definition is written as its source writes it — a short polynomial
 * in FLINT's pretty syntax raised to a power, or a product of such — and
 * expanded with FLINT (fmpz_mpoly, lex with the variables in the order
 * listed, which is the order the sources benchmark in).  Inputs are stored
 * as one-polynomial systems "SPEC:name", so that the binary functions of
 * the run list (mult, divmod, gcd) zip exactly one pair. */
#include "data/literature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <flint/fmpz_mpoly.h>

#include "data/poly.h"
#include "common/util.h"

/* ---- a polynomial ring with named variables ---- */

typedef struct {
    fmpz_mpoly_ctx_t ctx;
    slong nvars;
    char **vars;
} ring;

static void ring_init(ring *r, slong nvars, const char *const *vars)
{
    fmpz_mpoly_ctx_init(r->ctx, nvars, ORD_LEX);
    r->nvars = nvars;
    r->vars = cb_xcalloc((size_t)nvars, sizeof *r->vars);
    for (slong i = 0; i < nvars; i++)
        r->vars[i] = cb_xasprintf("%s", vars[i]);
}

/* Variables PREFIX0 ... PREFIX(n-1). */
static void ring_init_indexed(ring *r, slong nvars, const char *prefix)
{
    fmpz_mpoly_ctx_init(r->ctx, nvars, ORD_LEX);
    r->nvars = nvars;
    r->vars = cb_xcalloc((size_t)nvars, sizeof *r->vars);
    for (slong i = 0; i < nvars; i++)
        r->vars[i] = cb_xasprintf("%s%ld", prefix, (long)i);
}

static void ring_clear(ring *r)
{
    for (slong i = 0; i < r->nvars; i++)
        free(r->vars[i]);
    free(r->vars);
    fmpz_mpoly_ctx_clear(r->ctx);
}

/* a = (text)^e.  The texts are this file's constants, so a parse failure is
 * a bug here; it is still reported rather than ignored. */
static int power(fmpz_mpoly_t a, const char *text, ulong e, const ring *r, cb_err *err)
{
    fmpz_mpoly_t base;
    fmpz_mpoly_init(base, r->ctx);
    int bad = fmpz_mpoly_set_str_pretty(base, text, (const char **)r->vars, r->ctx);
    if (!bad)
        bad = !fmpz_mpoly_pow_ui(a, base, e, r->ctx);
    fmpz_mpoly_clear(base, r->ctx);
    if (bad)
        return cb_fail(err, "internal: cannot expand (%s)^%lu", text, (unsigned long)e);
    return 0;
}

/* Adds system "KEY:NAME" holding the single polynomial a; the full key is
 * written to *full (caller frees). */
static int add_input(cb_systems_out *out, const char *key, const char *name, const fmpz_mpoly_t a,
                     const ring *r, char **full, cb_err *err)
{
    *full = cb_xasprintf("%s:%s", key, name);
    cb_value polys = cb_list_new(1);
    cb_seq_push(polys, cb_poly_from_fmpz_mpoly(a, r->ctx));
    cb_value sys = cb_system_new((const char *const *)r->vars, (size_t)r->nvars, polys);
    return cb_systems_add(out, *full, sys, err);
}

/* Adds inputs a (named na) and b (named nb) and the call fn(a, b). */
static int add_pair(cb_systems_out *out, const char *key, const char *fn, const char *na,
                    const fmpz_mpoly_t a, const char *nb, const fmpz_mpoly_t b, const ring *r,
                    cb_err *err)
{
    char *ka = NULL, *kb = NULL;
    int rc = add_input(out, key, na, a, r, &ka, err);
    if (rc == 0)
        rc = add_input(out, key, nb, b, r, &kb, err);
    if (rc == 0) {
        const char *keys[2] = {ka, kb};
        cb_systems_add_call(out, fn, 2, keys);
    }
    free(ka);
    free(kb);
    return rc;
}

/* The mult problem f*g for f = (ftext)^m, g = (gtext)^n, or g = f + 1 when
 * gtext is NULL (Fateman's form). */
static int build_mult(const char *key, slong nvars, const char *const *vars, const char *ftext,
                      ulong m, const char *gtext, ulong n, cb_systems_out *out, cb_err *err)
{
    ring r;
    ring_init(&r, nvars, vars);
    fmpz_mpoly_t f, g;
    fmpz_mpoly_init(f, r.ctx);
    fmpz_mpoly_init(g, r.ctx);
    int rc = power(f, ftext, m, &r, err);
    if (rc == 0 && gtext)
        rc = power(g, gtext, n, &r, err);
    else if (rc == 0)
        fmpz_mpoly_add_ui(g, f, 1, r.ctx);
    if (rc == 0)
        rc = add_pair(out, key, "mult", "f", f, "g", g, &r, err);
    fmpz_mpoly_clear(f, r.ctx);
    fmpz_mpoly_clear(g, r.ctx);
    ring_clear(&r);
    return rc;
}

/* The exact division problem p / g with p = f*g, f = (ftext)^m,
 * g = (gtext)^n: systems p and g, call divmod(p, g).  The divisor is the
 * second factor, as in the D5.13 report's sparse division. */
static int build_div(const char *key, slong nvars, const char *const *vars, const char *ftext,
                     ulong m, const char *gtext, ulong n, cb_systems_out *out, cb_err *err)
{
    ring r;
    ring_init(&r, nvars, vars);
    fmpz_mpoly_t f, g, p;
    fmpz_mpoly_init(f, r.ctx);
    fmpz_mpoly_init(g, r.ctx);
    fmpz_mpoly_init(p, r.ctx);
    int rc = power(f, ftext, m, &r, err);
    if (rc == 0)
        rc = power(g, gtext, n, &r, err);
    if (rc == 0) {
        fmpz_mpoly_mul(p, f, g, r.ctx);
        rc = add_pair(out, key, "divmod", "p", p, "g", g, &r, err);
    }
    fmpz_mpoly_clear(f, r.ctx);
    fmpz_mpoly_clear(g, r.ctx);
    fmpz_mpoly_clear(p, r.ctx);
    ring_clear(&r);
    return rc;
}

/* ---- multiplication and division ---- */

static const char *const xyzt[] = {"x", "y", "z", "t"};
static const char *const xyztu[] = {"x", "y", "z", "t", "u"};
#define FATEMAN_BASE "1 + x + y + z + t"
#define PEARCE_F "1 + x + y + 2*z^2 + 3*t^3 + 5*u^5"
#define PEARCE_G "1 + u + t + 2*z^2 + 3*y^3 + 5*x^5"

int cb_lit_build_fateman(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    return build_mult(key, 4, xyzt, FATEMAN_BASE, (ulong)p[0], NULL, 0, out, err);
}

int cb_lit_build_fateman3(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    return build_mult(key, 3, xyzt, "x + y + z + 1", (ulong)p[0], NULL, 0, out, err);
}

int cb_lit_build_pearce(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    return build_mult(key, 5, xyztu, PEARCE_F, (ulong)p[0], PEARCE_G, (ulong)p[1], out, err);
}

int cb_lit_build_pearcediv(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    return build_div(key, 5, xyztu, PEARCE_F, (ulong)p[0], PEARCE_G, (ulong)p[1], out, err);
}

int cb_lit_build_dense(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    return build_mult(key, 4, xyzt, FATEMAN_BASE, (ulong)p[0], FATEMAN_BASE, (ulong)p[1], out, err);
}

int cb_lit_build_densediv(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    return build_div(key, 4, xyzt, FATEMAN_BASE, (ulong)p[0], FATEMAN_BASE, (ulong)p[1], out, err);
}

/* Monagan–Pearce products, as in Singular's Tst/Long/factorizeQ_l.tst:
 * f = (base_f)^e + 1 and g = (base_g)^e + 1, or g = f + 1 when base_g is
 * NULL; case 6 is a product of three powers on each side. */
typedef struct {
    slong nvars;
    const char *vars[5];
    const char *f, *g;
    ulong e;
} mp_case;

static const mp_case mp_cases[] = {
    {3, {"x", "y", "z"}, "1 + x + y + z", NULL, 20},
    {3, {"x", "y", "z"}, "1 + x^2 + y^2 + z^2", NULL, 20},
    {3, {"x", "y", "z"}, "1 + x + y + z", NULL, 30},
    {4, {"x", "y", "z", "t"}, "1 + x + y + z + t", NULL, 20},
    {5, {"u", "v", "w", "x", "y"}, "1 + u^2 + v + w^2 + x - y", "1 + u + v^2 + w + x^2 - y", 10},
    {3, {"x", "y", "z"}, "(1 + x)*(1 + y)*(1 + z)", "(1 - x)*(1 - y)*(1 - z)", 20},
};

/* mp-K: the published powers; mp-K-E: E instead (p[1] is 0 for mp-K). */
int cb_lit_build_mp(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    const mp_case *c = &mp_cases[p[0] - 1];
    ulong e = p[1] > 0 ? (ulong)p[1] : c->e;
    ring r;
    ring_init(&r, c->nvars, c->vars);
    fmpz_mpoly_t f, g, prod;
    fmpz_mpoly_init(f, r.ctx);
    fmpz_mpoly_init(g, r.ctx);
    fmpz_mpoly_init(prod, r.ctx);
    int rc = power(f, c->f, e, &r, err);
    if (rc == 0)
        fmpz_mpoly_add_ui(f, f, 1, r.ctx);
    if (rc == 0 && c->g) {
        rc = power(g, c->g, e, &r, err);
        fmpz_mpoly_add_ui(g, g, 1, r.ctx);
    } else if (rc == 0) {
        fmpz_mpoly_add_ui(g, f, 1, r.ctx);
    }
    if (rc == 0)
        rc = add_pair(out, key, "mult", "f", f, "g", g, &r, err);
    char *kp = NULL;
    if (rc == 0) {
        fmpz_mpoly_mul(prod, f, g, r.ctx);
        rc = add_input(out, key, "p", prod, &r, &kp, err);
    }
    if (rc == 0) {
        const char *keys[1] = {kp};
        cb_systems_add_call(out, "factor", 1, keys);
    }
    free(kp);
    fmpz_mpoly_clear(f, r.ctx);
    fmpz_mpoly_clear(g, r.ctx);
    fmpz_mpoly_clear(prod, r.ctx);
    ring_clear(&r);
    return rc;
}

/* ---- gcd ---- */

/* FLINT's fmpz_mpoly/profile/p-gcd.c pairs (a, b), in x, y, z, t, u: the
 * problem is gcd(a^m1 b^n1, a^m2 b^n2).  dense3's b is FLINT's text as
 * written, "y*z + y*z" being 2yz. */
static const struct {
    const char *name;
    slong nvars;
    const char *a, *b;
} gcd_pairs[] = {
    {"sparse", 5, "1 + x + y^5 + z^4 + t^40 + u^50", "1 + x^9 + y^2 + z^11 + t^7 + u^27"},
    {"sparse3", 3, "1 + x^2 + y^20 + z^33", "1 + x^21 + y^11 + z^7"},
    {"dense2", 2, "1 + x + 2*y + x*y", "1 + 2*x + y + x*y"},
    {"dense3", 3, "1 + x + y + z + x*y + x*z", "1 + x + y + z + y*z + y*z"},
    {"semisparse2", 2, "1 + x + 2*y", "1 + x + y"},
    {"semisparse3", 3, "1 + 2*x + 3*y - z", "1 + x + y + z"},
    {"semisparse4", 4, "1 + 2*x + 3*y - z - 2*t", "1 + x + y + z + t"},
    {"semisparse5", 5, "1 + 2*x + 3*y - z - 2*t - 3*u", "1 + x + y + z + t + u"},
    {"boldsparse4", 4, "1 + x + y^2 + z^3 + t^4", "1 + x^4 + y^3 + z^2 + t"},
    {"boldsparse5", 5, "1 + x + y^2 + z^3 + t^4 + u^5", "1 + x^5 + y^4 + z^3 + t^2 + u"},
    {"heavysparse5", 5, "1 + x + y^2 + z^6 + t^4 + u^9", "1 + x^9 + y^4 + z^3 + t^7 + u"},
};

/* A = a^m * b^n. */
static int power_product(fmpz_mpoly_t A, const char *a, ulong m, const char *b, ulong n,
                         const ring *r, cb_err *err)
{
    fmpz_mpoly_t t;
    fmpz_mpoly_init(t, r->ctx);
    int rc = power(A, a, m, r, err);
    if (rc == 0)
        rc = power(t, b, n, r, err);
    if (rc == 0)
        fmpz_mpoly_mul(A, A, t, r->ctx);
    fmpz_mpoly_clear(t, r->ctx);
    return rc;
}

int cb_lit_build_gcd(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    const char *name = key + strlen("gcd-");
    size_t i, n = sizeof gcd_pairs / sizeof *gcd_pairs;
    for (i = 0; i < n; i++) {
        size_t len = strlen(gcd_pairs[i].name);
        if (strncmp(name, gcd_pairs[i].name, len) == 0 && name[len] == '-')
            break;
    }
    if (i == n)
        return cb_fail(err, "internal: no gcd pair for '%s'", key);
    ring r;
    ring_init(&r, gcd_pairs[i].nvars, xyztu);
    fmpz_mpoly_t A, B;
    fmpz_mpoly_init(A, r.ctx);
    fmpz_mpoly_init(B, r.ctx);
    int rc = power_product(A, gcd_pairs[i].a, (ulong)p[0], gcd_pairs[i].b, (ulong)p[1], &r, err);
    if (rc == 0)
        rc = power_product(B, gcd_pairs[i].a, (ulong)p[2], gcd_pairs[i].b, (ulong)p[3], &r, err);
    if (rc == 0)
        rc = add_pair(out, key, "gcd", "a", A, "b", B, &r, err);
    fmpz_mpoly_clear(A, r.ctx);
    fmpz_mpoly_clear(B, r.ctx);
    ring_clear(&r);
    return rc;
}

/* The Liao–Fateman gcd families ("Fateman's GCD benchmark" in SymPy's
 * polys/specialpolys.py, fateman_poly_F_1..3) in N variables x, y0 ...
 * y(N-2), with s = sum y_i:
 *   1: u = x + s, v = x^2 + sum y_i^2:
 *      f = (u+1)(u+2), g = (v+1)(-3x^2 y0 + y0^2 - 1)      (gcd 1)
 *   2: d = (x+s+1)^2, f = d (x-s-2)^2, g = d (x+s+2)^2      (gcd d)
 *   3: as 2 with every variable to the power N:
 *      s' = sum y_i^N, d = (x^N+s'+1)^2, f = d (x^N-s'-2)^2,
 *      g = d (x^N+s'+2)^2                                   (gcd d) */
static char *lf_sum(slong v, const char *head, const char *sign, const char *power)
{
    cb_buf b = {0};
    cb_buf_puts(&b, head);
    for (slong i = 0; i < v; i++)
        cb_buf_printf(&b, " %s y%ld%s", sign, (long)i, power);
    return cb_buf_take(&b);
}

static int lf_expr(fmpz_mpoly_t a, const char *text, const ring *r, cb_err *err)
{
    return power(a, text, 1, r, err);
}

int cb_lit_build_lfgcd(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    long c = p[0];
    slong v = p[1] - 1;
    ring r;
    fmpz_mpoly_ctx_init(r.ctx, v + 1, ORD_LEX);
    r.nvars = v + 1;
    r.vars = cb_xcalloc((size_t)(v + 1), sizeof *r.vars);
    r.vars[0] = cb_xasprintf("x");
    for (slong i = 0; i < v; i++)
        r.vars[i + 1] = cb_xasprintf("y%ld", (long)i);
    char *e = NULL, *ft = NULL, *gt = NULL;
    if (c == 1) {
        e = lf_sum(v, "x", "+", "");
        char *e2 = lf_sum(v, "x^2", "+", "^2");
        ft = cb_xasprintf("(%s + 1)*(%s + 2)", e, e);
        gt = cb_xasprintf("(%s + 1)*(-3*x^2*y0 + y0^2 - 1)", e2);
        free(e2);
    } else {
        /* 2 and 3 differ only in the power every variable carries */
        char *pw = c == 2 ? cb_xstrdup("") : cb_xasprintf("^%ld", (long)(v + 1));
        char *head = cb_xasprintf("x%s", pw);
        e = lf_sum(v, head, "+", pw);
        char *e2 = lf_sum(v, head, "-", pw);
        ft = cb_xasprintf("(%s + 1)^2*(%s - 2)^2", e, e2);
        gt = cb_xasprintf("(%s + 1)^2*(%s + 2)^2", e, e);
        free(e2);
        free(pw);
        free(head);
    }
    fmpz_mpoly_t f, g;
    fmpz_mpoly_init(f, r.ctx);
    fmpz_mpoly_init(g, r.ctx);
    int rc = lf_expr(f, ft, &r, err);
    if (rc == 0)
        rc = lf_expr(g, gt, &r, err);
    if (rc == 0)
        rc = add_pair(out, key, "gcd", "f", f, "g", g, &r, err);
    fmpz_mpoly_clear(f, r.ctx);
    fmpz_mpoly_clear(g, r.ctx);
    ring_clear(&r);
    free(e);
    free(ft);
    free(gt);
    return rc;
}

/* ---- factorisation ---- */

/* p = (x + s^i)(y + s^i), s = 1 + x + y + z + t, expanded; factor(p). */
int cb_lit_build_factor(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    ring r;
    ring_init(&r, 4, xyzt);
    fmpz_mpoly_t s, a, b, prod;
    fmpz_mpoly_init(s, r.ctx);
    fmpz_mpoly_init(a, r.ctx);
    fmpz_mpoly_init(b, r.ctx);
    fmpz_mpoly_init(prod, r.ctx);
    int rc = power(s, FATEMAN_BASE, (ulong)p[0], &r, err);
    char *kp = NULL;
    if (rc == 0) {
        fmpz_mpoly_gen(a, 0, r.ctx);
        fmpz_mpoly_add(a, a, s, r.ctx);
        fmpz_mpoly_gen(b, 1, r.ctx);
        fmpz_mpoly_add(b, b, s, r.ctx);
        fmpz_mpoly_mul(prod, a, b, r.ctx);
        rc = add_input(out, key, "p", prod, &r, &kp, err);
    }
    if (rc == 0) {
        const char *keys[1] = {kp};
        cb_systems_add_call(out, "factor", 1, keys);
    }
    free(kp);
    fmpz_mpoly_clear(s, r.ctx);
    fmpz_mpoly_clear(a, r.ctx);
    fmpz_mpoly_clear(b, r.ctx);
    fmpz_mpoly_clear(prod, r.ctx);
    ring_clear(&r);
    return rc;
}

/* ---- graph 3-colouring ---- */

/* The ideal of proper 3-colourings of a graph on n vertices (Bayer's
 * construction): x_i^3 - 1 for every vertex, x_i^2 + x_i x_j + x_j^2 for
 * every edge {i, j}; one system KEY (no suffix), groebner on it. */
static int build_colouring(const char *key, slong n, size_t nedges, const int (*edges)[2],
                           cb_systems_out *out, cb_err *err)
{
    ring r;
    ring_init_indexed(&r, n, "x");
    fmpz_mpoly_t a;
    fmpz_mpoly_init(a, r.ctx);
    cb_value polys = cb_list_new((size_t)n + nedges);
    int rc = 0;
    for (slong i = 0; i < n && rc == 0; i++) {
        char *t = cb_xasprintf("x%ld^3 - 1", (long)i);
        rc = power(a, t, 1, &r, err);
        if (rc == 0)
            cb_seq_push(polys, cb_poly_from_fmpz_mpoly(a, r.ctx));
        free(t);
    }
    for (size_t k = 0; k < nedges && rc == 0; k++) {
        int i = edges[k][0], j = edges[k][1];
        char *t = cb_xasprintf("x%d^2 + x%d*x%d + x%d^2", i, i, j, j);
        rc = power(a, t, 1, &r, err);
        if (rc == 0)
            cb_seq_push(polys, cb_poly_from_fmpz_mpoly(a, r.ctx));
        free(t);
    }
    if (rc == 0) {
        rc = cb_systems_add(out, key, cb_system_new((const char *const *)r.vars, (size_t)n, polys), err);
        if (rc == 0)
            cb_systems_add_call(out, "groebner", 1, &key);
    } else {
        cb_release(polys);
    }
    fmpz_mpoly_clear(a, r.ctx);
    ring_clear(&r);
    return rc;
}

int cb_lit_build_color3_cycle(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    int n = (int)p[0];
    int (*edges)[2] = cb_xcalloc((size_t)n, sizeof *edges);
    for (int i = 0; i < n; i++) {
        edges[i][0] = i;
        edges[i][1] = (i + 1) % n;
    }
    int rc = build_colouring(key, n, (size_t)n, (const int (*)[2])edges, out, err);
    free(edges);
    return rc;
}

int cb_lit_build_color3_complete(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    int n = (int)p[0];
    size_t m = (size_t)n * (size_t)(n - 1) / 2, k = 0;
    int (*edges)[2] = cb_xcalloc(m, sizeof *edges);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            edges[k][0] = i;
            edges[k][1] = j;
            k++;
        }
    int rc = build_colouring(key, n, m, (const int (*)[2])edges, out, err);
    free(edges);
    return rc;
}

/* Petersen graph: outer 5-cycle 0..4, spokes i - i+5, inner pentagram
 * 5+i - 5+(i+2 mod 5).  10 vertices, 15 edges, chromatic number 3. */
int cb_lit_build_color3_petersen(const char *key, const long *p, cb_systems_out *out, cb_err *err)
{
    (void)p;
    int edges[15][2];
    for (int i = 0; i < 5; i++) {
        edges[i][0] = i;
        edges[i][1] = (i + 1) % 5;
        edges[5 + i][0] = i;
        edges[5 + i][1] = i + 5;
        edges[10 + i][0] = 5 + i;
        edges[10 + i][1] = 5 + (i + 2) % 5;
    }
    return build_colouring(key, 10, 15, (const int (*)[2])edges, out, err);
}
