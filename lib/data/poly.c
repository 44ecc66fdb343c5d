/* poly.c — FLINT polynomials to dataset values (see poly.h). */
#include "data/poly.h"

#include <stdlib.h>

#include "common/util.h"

static cb_value exponent_tuple(const ulong *exps, slong n)
{
    cb_value t = cb_tuple_new((size_t)n);
    for (slong i = 0; i < n; i++)
        cb_seq_push(t, cb_int((int64_t)exps[i]));
    return t;
}

static cb_value int_from_fmpz(const fmpz_t c)
{
    if (fmpz_fits_si(c))
        return cb_int((int64_t)fmpz_get_si(c));
    mpz_t z;
    mpz_init(z);
    fmpz_get_mpz(z, c);
    cb_value v = cb_int_mpz(z);
    mpz_clear(z);
    return v;
}

cb_value cb_poly_from_fmpz_mpoly(const fmpz_mpoly_t p, const fmpz_mpoly_ctx_t ctx)
{
    slong nvars = fmpz_mpoly_ctx_nvars(ctx), len = fmpz_mpoly_length(p, ctx);
    ulong *exps = cb_xcalloc((size_t)nvars + 1, sizeof *exps);
    fmpz_t c;
    fmpz_init(c);
    cb_value d = cb_dict_new((size_t)len);
    /* FLINT keeps terms in descending order; emit them ascending. */
    for (slong i = len - 1; i >= 0; i--) {
        fmpz_mpoly_get_term_exp_ui(exps, p, i, ctx);
        fmpz_mpoly_get_term_coeff_fmpz(c, p, i, ctx);
        cb_dict_append_unique(d, exponent_tuple(exps, nvars), int_from_fmpz(c));
    }
    fmpz_clear(c);
    free(exps);
    return d;
}

int cb_poly_from_fmpq_mpoly(const fmpq_mpoly_t p, const fmpq_mpoly_ctx_t ctx,
                            cb_value *out, cb_err *err)
{
    slong nvars = fmpq_mpoly_ctx_nvars(ctx), len = fmpq_mpoly_length(p, ctx);
    ulong *exps = cb_xcalloc((size_t)nvars + 1, sizeof *exps);
    fmpq_t c;
    fmpq_init(c);
    cb_value d = cb_dict_new((size_t)len);
    int rc = 0;
    for (slong i = len - 1; i >= 0; i--) {
        fmpq_mpoly_get_term_coeff_fmpq(c, p, i, ctx);
        if (!fmpz_is_one(fmpq_denref(c))) {
            char *s = fmpq_get_str(NULL, 10, c);
            rc = cb_fail(err, "non-integer coefficient %s", s);
            flint_free(s);
            break;
        }
        fmpq_mpoly_get_term_exp_ui(exps, p, i, ctx);
        cb_dict_append_unique(d, exponent_tuple(exps, nvars), int_from_fmpz(fmpq_numref(c)));
    }
    fmpq_clear(c);
    free(exps);
    if (rc < 0) {
        cb_release(d);
        return -1;
    }
    *out = d;
    return 0;
}

cb_value cb_system_new(const char *const *names, size_t ngens, cb_value polys)
{
    cb_value gens = cb_list_new(ngens);
    for (size_t i = 0; i < ngens; i++)
        cb_seq_push(gens, cb_str_c(names[i]));
    return cb_tuple_of(2, gens, polys);
}
