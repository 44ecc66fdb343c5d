/* gen.h — random polynomial datasets, drawn exactly as the original Python
 * generator drew them (docs/design.md §9), so that a seed gives the very same
 * polys.pickle and run_list.pickle.
 *
 * What the original did (its PolynomialGenerator.generate), with G, T, C, E
 * the comma-separated parts of --generators, --terms, --coefficients and
 * --exponents, each a range:
 *   rng = random.Random(seed)
 *   for gen_part, terms_part, coeff_range, exp_range in product(G, T, C, E):
 *       res = {}                      # one element of the product
 *       for generators in gen_part:
 *           for terms in terms_part:
 *               polys = []
 *               for _ in range(number):
 *                   poly = {}
 *                   for _ in range(terms):
 *                       exps = tuple(rng.randrange(exp_range.start, exp_range.stop, exp_range.step)
 *                                    for _ in range(generators))
 *                       poly[exps] = rng.randrange(coeff_range.start, coeff_range.stop, coeff_range.step)
 *                   polys.append(poly)
 *               res[(generators, terms, exp_range, coeff_range)] = (["x0", ...], polys)
 *       groups: res's keys by the --groupby fields, in order of first appearance
 *       singles += [(k,) for k in res]
 *       pairs += combinations_with_replacement(group, 2) for each group
 *       dataset.update(res)
 *   run_list = {"add": pairs, "mult": pairs, "divmod": pairs, "resultant": pairs,
 *               "gcd": pairs, "leading_coefficient": singles}
 * Coefficients loop before exponents; pairs never cross an element.  A term
 * drawn onto an existing exponent overwrites its coefficient in place, so a
 * polynomial can have fewer terms than asked.  The documented outputs
 * (tests/fixtures/describe/) are reproduced bit for bit.
 *
 * The draws go straight into compact arrays and out as protocol-4 pickle
 * bytes (no value tree is built), which is what makes gen fast. */
#ifndef CB_GEN_H
#define CB_GEN_H

#include <stdbool.h>
#include <gmp.h>

#include "common/error.h"
#include "data/ranges.h"
#include "common/util.h"
#include "data/value.h"

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
 * reference; duplicates already merged as a Python dict would), and
 * *run_list (when not NULL) the original's run list (above), grouped by
 * o->groupby. */
int cb_gen_polys(const cb_gen_options *o, cb_buf *out, cb_value *keys, cb_value *run_list,
                 cb_gen_progress progress, void *ctx, cb_err *err);

/* --append's run list, as the original merged them: a function in both
 * gets old's entries then add's, a function in one keeps its entries.  The
 * original built the dict from a set of names (an order that changes with
 * Python's hash seed); casbench keeps old's functions in their order, then
 * add's new ones in theirs.  Returns a new dict; neither input changes. */
cb_value cb_gen_merge_run_lists(cb_value old, cb_value add);

/* Python's == between two dataset keys: ranges compare as the sequences
 * they stand for (range(0, 9, 2) == range(0, 10, 2)). */
bool cb_gen_key_equal(cb_value a, cb_value b);

/* --append: merges `add` into `base` (both datasets) as dict.update does:
 * an existing key keeps its place (and its key object) and gets the new
 * value, a new key goes to the end. */
void cb_gen_merge(cb_value base, cb_value add);

#endif
