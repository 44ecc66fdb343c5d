/* describe.h — `casbench describe`: what a dataset holds, as text.
 *
 * For a generated dataset (every key a (generators, terms, exp_range,
 * coeff_range) tuple) the very table the original tool printed: a pandas
 * DataFrame with one row per polynomial and the columns generators, terms,
 * exp_range, coeff_range (ranges as (start, stop, step)), gens, poly, printed
 * by DataFrame.to_string(max_rows=10, max_colwidth=20) — reproduced here
 * byte for byte, pandas' formatting rules included (see describe.c).
 *
 * For any other dataset, one row per system: generators, polynomials, terms,
 * total degree and the largest coefficient's size in bits. */
#ifndef CB_DESCRIBE_H
#define CB_DESCRIBE_H

#include <stdbool.h>

#include "common/error.h"
#include "common/util.h"
#include "data/value.h"

/* True when every key is a generated (generators, terms, exp_range,
 * coeff_range) key (also for an empty dataset, as the original printed an
 * empty DataFrame). */
bool cb_describe_is_generated(cb_value polys);

/* Appends the description of a validated dataset (cb_dataset_validate) to
 * out, ending with a newline. */
int cb_describe(cb_value polys, cb_buf *out, cb_err *err);

/* The pandas-style table of a generated dataset / the per-system table. */
void cb_describe_generated(cb_value polys, cb_buf *out);
int cb_describe_systems(cb_value polys, cb_buf *out, cb_err *err);

#endif
