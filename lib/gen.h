/* gen.h — random polynomial datasets, drawn exactly as the original Python
 * generator drew them (DESIGN §9), so that a seed gives the very same
 * polys.pickle.
 *
 * What the original did, reconstructed from its documented outputs
 * (shared/fixtures/describe/, reproduced bit for bit by the tests):
 *   rng = random.Random(seed)
 *   for generators in G: for terms in T: for exp_range in E: for coeff_range in C:
 *       polys = []
 *       for _ in range(number):
 *           poly = {}
 *           for _ in range(terms):
 *               exps = tuple(rng.randrange(exp_range.start, exp_range.stop, exp_range.step)
 *                            for _ in range(generators))
 *               poly[exps] = rng.randrange(coeff_range.start, coeff_range.stop, coeff_range.step)
 *           polys.append(poly)
 *       dataset[(generators, terms, exp_range, coeff_range)] = (["x0", ...], polys)
 * G and T are the values of all parts of --generators and --terms, in order;
 * E and C the parts of --exponents and --coefficients, as range objects.  A
 * term drawn onto an existing exponent overwrites its coefficient in place,
 * so a polynomial can have fewer terms than asked.
 *
 * The draws go straight into compact arrays and out as protocol-4 pickle
 * bytes (no value tree is built), which is what makes gen fast. */
#ifndef CB_GEN_H
#define CB_GEN_H

#include <stdbool.h>
#include <gmp.h>

#include "error.h"
#include "ranges.h"
#include "util.h"
#include "value.h"

/* Fields of a generated key, for --groupby. */
typedef enum { CB_GEN_GENS = 0, CB_GEN_TERMS = 1, CB_GEN_EXP_RANGE = 2, CB_GEN_COEFF_RANGE = 3 } cb_gen_field;
int cb_gen_field_parse(const char *name);   /* "gens", "terms", "exp_range", "coeff_range"; -1 */
const char *cb_gen_field_name(int field);

typedef struct {
    cb_ranges generators, terms, exponents, coefficients;
    long number;           /* polynomials per system */
    mpz_t seed;
    int groupby[4], ngroupby;
} cb_gen_options;

/* Checks the options: generators and terms non-negative and within reason,
 * exponents non-negative and below 2**63. */
int cb_gen_check(const cb_gen_options *o, cb_err *err);

/* Called once per system before it is drawn (for -v). */
typedef void (*cb_gen_progress)(void *ctx, cb_value key, long number);

/* Draws every system and appends the whole dataset to out as one protocol-4
 * pickle; *keys receives the list of the keys in dataset order (new
 * reference; duplicates already merged as a Python dict would). */
int cb_gen_polys(const cb_gen_options *o, cb_buf *out, cb_value *keys, cb_gen_progress progress,
                 void *ctx, cb_err *err);

/* The run list over the generated keys among `keys` (str keys are left
 * out): systems grouped by the fields in groupby (groups in order of first
 * appearance, systems in dataset order); add, mult, divmod, resultant, gcd
 * on every pair of itertools.combinations_with_replacement(group, 2), and
 * leading_coefficient on every system; functions in that fixed order. */
cb_value cb_gen_run_list(cb_value keys, const int *groupby, int ngroupby);

/* Python's == between two dataset keys: ranges compare as the sequences
 * they stand for (range(0, 9, 2) == range(0, 10, 2)). */
bool cb_gen_key_equal(cb_value a, cb_value b);

/* --append: merges `add` into `base` (both datasets) as dict.update does:
 * an existing key keeps its place (and its key object) and gets the new
 * value, a new key goes to the end. */
void cb_gen_merge(cb_value base, cb_value add);

#endif
