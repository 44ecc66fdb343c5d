/* flint.c — the `flint` harness: FLINT 2.9's fmpz_mpoly, and Calcium's
 * fmpz_mpoly_buchberger_naive + autoreduction for groebner (docs/design.md §6, §7).
 *
 * Everything but the library calls is harness/common's (harness.h): this
 * file parses the dataset into fmpz_mpoly once (setup), and runs one call.
 * Rings: one fmpz_mpoly context per number of generators, in lex order
 * (ORD_LEX: x0 > x1 > ..., the dataset's generator order) unless the config
 * says order "grevlex" (ORD_DEGREVLEX).
 *
 *   add, sub, mult    fmpz_mpoly_add / sub / mul on the zipped pairs
 *   divmod            fmpz_mpoly_divrem (FLINT's division over ZZ)
 *   resultant         fmpz_mpoly_resultant w.r.t. generator 0
 *   gcd               fmpz_mpoly_gcd
 *   lcm               a / gcd(a, b) * b (FLINT 2.9 has no fmpz_mpoly_lcm)
 *   factor            fmpz_mpoly_factor
 *   leading_coefficient  the coefficient of the leading term (term 0, in
 *                     the ring's order; verify writes the lex one, as
 *                     docs/protocol.md says)
 *   groebner          fmpz_mpoly_buchberger_naive, then
 *                     fmpz_mpoly_vec_autoreduction_groebner (reduced basis)
 *
 * Each timed execution allocates and frees its results, as a call in an
 * interpreted library does.  Binary functions need both systems to have the
 * same number of generators (else the call is an `error`); a zero divisor is
 * an `error` ("division by zero") rather than FLINT's abort. */
#include "canon.h"
#include "data/dataset.h"
#include "harness.h"

#include <flint/flint.h>
#include <flint/fmpz_mpoly.h>
#include <flint/fmpz_mpoly_factor.h>
#include <calcium/calcium.h>
#include <calcium/utils_flint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int nvars;
    slong npolys;
    fmpz_mpoly_struct *polys;
    fmpz_mpoly_ctx_struct *ctx;
    char *error;   /* why it could not be parsed: its calls are `error` */
} flint_system;

static flint_system *systems;
static size_t nsystems;
static fmpz_mpoly_ctx_struct **ctxs;   /* by number of generators */
static int nctxs;
static ordering_t ring_order = ORD_LEX;

/* ------------------------------------------------------------- parsing */

static fmpz_mpoly_ctx_struct *ctx_for(int nvars)
{
    if (nvars >= nctxs) {
        ctxs = cb_xrealloc(ctxs, (size_t)(nvars + 1) * sizeof *ctxs);
        for (int i = nctxs; i <= nvars; i++)
            ctxs[i] = NULL;
        nctxs = nvars + 1;
    }
    if (!ctxs[nvars]) {
        ctxs[nvars] = cb_xmalloc(sizeof(fmpz_mpoly_ctx_struct));
        fmpz_mpoly_ctx_init(ctxs[nvars], nvars, ring_order);
    }
    return ctxs[nvars];
}

static int parse_poly(fmpz_mpoly_t p, cb_value terms, int nvars, const fmpz_mpoly_ctx_t ctx, cb_err *err)
{
    ulong *exp = cb_xmalloc((size_t)(nvars ? nvars : 1) * sizeof *exp);
    fmpz *fexp = NULL;   /* only for exponents beyond a machine word */
    mpz_t z;
    fmpz_t c;
    mpz_init(z);
    fmpz_init(c);
    int rc = 0;
    for (size_t t = 0; t < cb_len(terms) && rc == 0; t++) {
        cb_value e;
        if ((rc = cb_harness_term(terms, t, nvars, &e, z, err)) < 0)
            break;
        fmpz_set_mpz(c, z);
        bool big = false;
        for (int k = 0; k < nvars; k++) {
            cb_value x = cb_item(e, (size_t)k);
            if (!cb_is(x, CB_INT) || cb_int_sgn(x) < 0) {
                rc = cb_fail(err, "term %zu: exponents must be non-negative ints", t);
                break;
            }
            if (cb_int_fits_i64(x))
                exp[k] = (ulong)cb_int_get_i64(x);
            else
                big = true;
        }
        if (rc)
            break;
        if (!big) {
            fmpz_mpoly_push_term_fmpz_ui(p, c, exp, ctx);
            continue;
        }
        if (!fexp)
            fexp = _fmpz_vec_init(nvars);
        fmpz *fptrs[64];
        fmpz **pp = nvars <= 64 ? fptrs : cb_xmalloc((size_t)nvars * sizeof *pp);
        for (int k = 0; k < nvars; k++) {
            cb_int_get_mpz(cb_item(e, (size_t)k), z);
            fmpz_set_mpz(fexp + k, z);
            pp[k] = fexp + k;
        }
        fmpz_mpoly_push_term_fmpz_fmpz(p, c, pp, ctx);
        if (pp != fptrs)
            free(pp);
    }
    fmpz_mpoly_sort_terms(p, ctx);
    fmpz_mpoly_combine_like_terms(p, ctx);
    if (fexp)
        _fmpz_vec_clear(fexp, nvars);
    fmpz_clear(c);
    mpz_clear(z);
    free(exp);
    return rc;
}

static int setup(const cb_config *cfg, cb_err *err)
{
    ring_order = cfg->grevlex ? ORD_DEGREVLEX : ORD_LEX;
    nsystems = cb_len(cfg->polys);
    systems = cb_xcalloc(nsystems ? nsystems : 1, sizeof *systems);
    for (size_t s = 0; s < nsystems; s++) {
        cb_value sys = cb_dict_val(cfg->polys, s);
        cb_value gens = cb_system_gens(sys), polys = cb_system_polys(sys);
        flint_system *fs = &systems[s];
        fs->nvars = (int)cb_len(gens);
        fs->ctx = ctx_for(fs->nvars);
        fs->npolys = (slong)cb_len(polys);
        fs->polys = cb_xmalloc((size_t)(fs->npolys ? fs->npolys : 1) * sizeof *fs->polys);
        for (slong i = 0; i < fs->npolys; i++) {
            fmpz_mpoly_init(fs->polys + i, fs->ctx);
            if (!fs->error && parse_poly(fs->polys + i, cb_item(polys, (size_t)i), fs->nvars, fs->ctx, err) < 0) {
                /* one bad system fails its own calls, not the runner */
                char *key = cb_repr(cb_dict_key(cfg->polys, s));
                cb_fail_prefix(err, "system %s, polynomial %ld", key, (long)i);
                fs->error = cb_xstrdup(err->msg);
                free(key);
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- calls */

/* The call being run, set by prepare() in the child. */
static cb_fn_id cur;
static const flint_system *A, *B;
static slong npairs;
static fmpz_mpoly_vec_t ideal;   /* groebner's input, built untimed */

static bool supports(const char *function)
{
    return cb_function_index(function) >= 0;
}

static int prepare(const cb_call *c, cb_err *err)
{
    cur = (cb_fn_id)cb_function_index(c->function);
    A = &systems[c->sys[0]];
    B = c->nargs > 1 ? &systems[c->sys[1]] : NULL;
    if (A->error || (B && B->error))
        return cb_fail(err, "%s", A->error ? A->error : B->error);
    if (B) {
        if (A->nvars != B->nvars)
            return cb_fail(err, "the systems have %d and %d generators", A->nvars, B->nvars);
        npairs = A->npolys < B->npolys ? A->npolys : B->npolys;
        if (cur == CB_FN_DIVMOD)
            for (slong i = 0; i < npairs; i++)
                if (fmpz_mpoly_is_zero(B->polys + i, B->ctx))
                    return cb_fail(err, "division by zero (pair %ld)", (long)i);
        if (cur == CB_FN_RESULTANT && A->nvars == 0)
            return cb_fail(err, "resultant needs at least one generator");
    }
    if (cur == CB_FN_GROEBNER) {
        fmpz_mpoly_vec_init(ideal, 0, A->ctx);
        for (slong i = 0; i < A->npolys; i++)
            fmpz_mpoly_vec_append(ideal, A->polys + i, A->ctx);
    }
    return 0;
}

/* lcm(a, b) = a / gcd(a, b) * b; zero when either is zero. */
static int lcm(fmpz_mpoly_t r, const fmpz_mpoly_t a, const fmpz_mpoly_t b, const fmpz_mpoly_ctx_t ctx)
{
    if (fmpz_mpoly_is_zero(a, ctx) || fmpz_mpoly_is_zero(b, ctx)) {
        fmpz_mpoly_zero(r, ctx);
        return 1;
    }
    fmpz_mpoly_t g;
    fmpz_mpoly_init(g, ctx);
    int ok = fmpz_mpoly_gcd(g, a, b, ctx) && fmpz_mpoly_divides(g, a, g, ctx);
    if (ok)
        fmpz_mpoly_mul(r, g, b, ctx);
    fmpz_mpoly_clear(g, ctx);
    return ok;
}

/* One binary operation on pair i; results in r (and r2 for divmod).
 * Returns 0 when FLINT could not compute it. */
static int binary(slong i, fmpz_mpoly_t r, fmpz_mpoly_t r2)
{
    const fmpz_mpoly_struct *a = A->polys + i, *b = B->polys + i;
    const fmpz_mpoly_ctx_struct *ctx = A->ctx;
    switch (cur) {
    case CB_FN_ADD: fmpz_mpoly_add(r, a, b, ctx); return 1;
    case CB_FN_SUB: fmpz_mpoly_sub(r, a, b, ctx); return 1;
    case CB_FN_MULT: fmpz_mpoly_mul(r, a, b, ctx); return 1;
    case CB_FN_DIVMOD: fmpz_mpoly_divrem(r, r2, a, b, ctx); return 1;
    case CB_FN_RESULTANT: return fmpz_mpoly_resultant(r, a, b, 0, ctx);
    case CB_FN_GCD: return fmpz_mpoly_gcd(r, a, b, ctx);
    case CB_FN_LCM: return lcm(r, a, b, ctx);
    default: return 0;
    }
}

static int call(const cb_call *c, cb_err *err)
{
    (void)c;
    const fmpz_mpoly_ctx_struct *ctx = A->ctx;
    if (B) {
        for (slong i = 0; i < npairs; i++) {
            fmpz_mpoly_t r, r2;
            fmpz_mpoly_init(r, ctx);
            fmpz_mpoly_init(r2, ctx);
            int ok = binary(i, r, r2);
            fmpz_mpoly_clear(r, ctx);
            fmpz_mpoly_clear(r2, ctx);
            if (!ok)
                return cb_fail(err, "FLINT could not compute %s of pair %ld", cb_functions[cur].name, (long)i);
        }
        return 0;
    }
    if (cur == CB_FN_GROEBNER) {
        fmpz_mpoly_vec_t G, H;
        fmpz_mpoly_vec_init(G, 0, ctx);
        fmpz_mpoly_vec_init(H, 0, ctx);
        fmpz_mpoly_buchberger_naive(G, ideal, ctx);
        fmpz_mpoly_vec_autoreduction_groebner(H, G, ctx);
        fmpz_mpoly_vec_clear(H, ctx);
        fmpz_mpoly_vec_clear(G, ctx);
        return 0;
    }
    for (slong i = 0; i < A->npolys; i++) {
        const fmpz_mpoly_struct *a = A->polys + i;
        if (cur == CB_FN_FACTOR) {
            fmpz_mpoly_factor_t f;
            fmpz_mpoly_factor_init(f, ctx);
            int ok = fmpz_mpoly_factor(f, a, ctx);
            fmpz_mpoly_factor_clear(f, ctx);
            if (!ok)
                return cb_fail(err, "FLINT could not factor polynomial %ld", (long)i);
        } else {
            fmpz_t lc;
            fmpz_init(lc);
            if (a->length > 0)
                fmpz_mpoly_get_term_coeff_fmpz(lc, a, 0, ctx);
            fmpz_clear(lc);
        }
    }
    return 0;
}

/* -------------------------------------------------------------- verify */

static int to_terms(cb_terms *t, const fmpz_mpoly_t p, int nvars, const fmpz_mpoly_ctx_t ctx, cb_err *err)
{
    cb_terms_reset(t, (size_t)nvars);
    ulong *exp = cb_xmalloc((size_t)(nvars ? nvars : 1) * sizeof *exp);
    for (slong i = 0; i < p->length; i++) {
        if (!fmpz_mpoly_term_exp_fits_ui(p, i, ctx)) {
            free(exp);
            return cb_fail(err, "an exponent of the result exceeds a machine word");
        }
        fmpz_mpoly_get_term_exp_ui(exp, p, i, ctx);
        fmpz_get_mpz(cb_terms_push(t, exp), p->coeffs + i);
    }
    free(exp);
    return 0;
}

static int put_poly(cb_buf *out, cb_terms *t, const fmpz_mpoly_t p, int flags, cb_err *err)
{
    if (to_terms(t, p, A->nvars, A->ctx, err) < 0)
        return -1;
    cb_canon_poly(out, t, flags);
    return 0;
}

static int verify_binary(cb_buf *out, cb_terms *t, cb_err *err)
{
    const fmpz_mpoly_ctx_struct *ctx = A->ctx;
    int flags = cur == CB_FN_GCD || cur == CB_FN_LCM ? CB_CANON_POSITIVE : 0;
    int rc = 0;
    for (slong i = 0; i < npairs && rc == 0; i++) {
        fmpz_mpoly_t r, r2;
        fmpz_mpoly_init(r, ctx);
        fmpz_mpoly_init(r2, ctx);
        if (!binary(i, r, r2))
            rc = cb_fail(err, "FLINT could not compute %s of pair %ld", cb_functions[cur].name, (long)i);
        if (i)
            cb_buf_putc(out, '\n');
        if (rc == 0)
            rc = put_poly(out, t, r, flags, err);
        if (rc == 0 && cur == CB_FN_DIVMOD) {
            cb_buf_puts(out, " | ");
            rc = put_poly(out, t, r2, 0, err);
        }
        fmpz_mpoly_clear(r, ctx);
        fmpz_mpoly_clear(r2, ctx);
    }
    return rc;
}

static int verify_factor(cb_buf *out, const fmpz_mpoly_t a, cb_err *err)
{
    const fmpz_mpoly_ctx_struct *ctx = A->ctx;
    fmpz_mpoly_factor_t f;
    fmpz_mpoly_factor_init(f, ctx);
    int rc = fmpz_mpoly_factor(f, a, ctx) ? 0 : cb_fail(err, "FLINT could not factor");
    cb_terms *fs = cb_xcalloc((size_t)(f->num ? f->num : 1), sizeof *fs);
    unsigned long *mults = cb_xcalloc((size_t)(f->num ? f->num : 1), sizeof *mults);
    for (slong i = 0; i < f->num && rc == 0; i++) {
        cb_terms_init(&fs[i], (size_t)A->nvars);
        rc = to_terms(&fs[i], f->poly + i, A->nvars, ctx, err);
        mults[i] = fmpz_get_ui(f->exp + i);
    }
    if (rc == 0) {
        mpz_t content;
        mpz_init(content);
        fmpz_get_mpz(content, f->constant);
        cb_canon_factor(out, content, fs, mults, (size_t)f->num);
        mpz_clear(content);
    }
    for (slong i = 0; i < f->num; i++)
        cb_terms_clear(&fs[i]);
    free(fs);
    free(mults);
    fmpz_mpoly_factor_clear(f, ctx);
    return rc;
}

static int verify_groebner(cb_buf *out, cb_terms *t, cb_err *err)
{
    const fmpz_mpoly_ctx_struct *ctx = A->ctx;
    fmpz_mpoly_vec_t G, H;
    fmpz_mpoly_vec_init(G, 0, ctx);
    fmpz_mpoly_vec_init(H, 0, ctx);
    fmpz_mpoly_buchberger_naive(G, ideal, ctx);
    fmpz_mpoly_vec_autoreduction_groebner(H, G, ctx);
    char **lines = cb_xcalloc((size_t)(H->length ? H->length : 1), sizeof *lines);
    int rc = 0;
    slong n = 0;
    for (slong i = 0; i < H->length && rc == 0; i++) {
        if (fmpz_mpoly_is_zero(fmpz_mpoly_vec_entry(H, i), ctx))
            continue;
        cb_buf b = {0};
        rc = put_poly(&b, t, fmpz_mpoly_vec_entry(H, i), CB_CANON_PRIMITIVE | CB_CANON_POSITIVE, err);
        lines[n++] = cb_buf_take(&b);
    }
    if (rc == 0)
        cb_canon_sorted_lines(out, lines, (size_t)n);
    for (slong i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    fmpz_mpoly_vec_clear(H, ctx);
    fmpz_mpoly_vec_clear(G, ctx);
    return rc;
}

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    (void)c;
    cb_terms t;
    cb_terms_init(&t, (size_t)A->nvars);
    int rc = 0;
    if (B)
        rc = verify_binary(out, &t, err);
    else if (cur == CB_FN_GROEBNER)
        rc = verify_groebner(out, &t, err);
    else
        for (slong i = 0; i < A->npolys && rc == 0; i++) {
            if (i)
                cb_buf_putc(out, '\n');
            if (cur == CB_FN_FACTOR) {
                rc = verify_factor(out, A->polys + i, err);
            } else {
                /* the leading coefficient in lex order: the first term of
                 * the canonical (lex-sorted) text */
                rc = to_terms(&t, A->polys + i, A->nvars, A->ctx, err);
                if (rc == 0) {
                    cb_buf tmp = {0};
                    cb_canon_poly(&tmp, &t, 0);
                    cb_buf_puts(out, t.n ? "" : "0");
                    if (t.n) {
                        char *s = mpz_get_str(NULL, 10, t.coeffs[0]);
                        cb_buf_puts(out, s);
                        free(s);
                    }
                    cb_buf_free(&tmp);
                }
            }
        }
    cb_terms_clear(&t);
    return rc;
}

/* --------------------------------------------------------------- probe */

static void probe(json_object *out)
{
    cb_probe_versions(out, flint_version, "flint", flint_version, "calcium", calcium_version(), "gmp", gmp_version,
                      (char *)NULL);
}

static const cb_harness_ops ops = {
    .library = "flint", .probe = probe, .setup = setup, .supports = supports, .prepare = prepare,
    .call = call, .verify = verify
};

CB_HARNESS_MAIN(ops)
