/* poly.h — the bridge between FLINT polynomials and casbench's dataset values.
 *
 * Builders (lib/data/systems.c, lib/data/phc.c) do their arithmetic with FLINT's
 * fmpz_mpoly / fmpq_mpoly and turn each result into the dataset form of
 * docs/design.md §3.1 here: a dict from exponent tuple (one int per generator, in
 * the context's variable order) to coefficient (a Python int), and a system
 * value (gens, polys).  Keeping the conversion in one place means every
 * builder writes terms the same way (ascending in the context's ordering,
 * as the original tool's dicts read). */
#ifndef CB_POLY_H
#define CB_POLY_H

#include <flint/fmpq_mpoly.h>
#include <flint/fmpz_mpoly.h>

#include "common/error.h"
#include "data/value.h"

/* The dict of p: exponent tuple -> int, terms in ascending order. */
cb_value cb_poly_from_fmpz_mpoly(const fmpz_mpoly_t p, const fmpz_mpoly_ctx_t ctx);

/* The same for a rational polynomial whose coefficients must all be
 * integers: 0 and *out, or -1 with err naming the first non-integer
 * coefficient ("non-integer coefficient 11/10"). */
int cb_poly_from_fmpq_mpoly(const fmpq_mpoly_t p, const fmpq_mpoly_ctx_t ctx,
                            cb_value *out, cb_err *err);

/* A system value (gens, polys): gens copied from names, polys stolen. */
cb_value cb_system_new(const char *const *names, size_t ngens, cb_value polys);

#endif
