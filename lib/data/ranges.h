/* ranges.h — the range options of `casbench gen` (docs/design.md §3.4).
 *
 * An option is comma-separated parts "A", "A-B" or "A-B:S", read as Python's
 * range(A, A+1), range(A, B) and range(A, B, S).  A, B and S are integer
 * expressions of any size with + * // % ** and parentheses, evaluated with GMP
 * (never eval), with Python's meaning (// and % floor, ** binds tighter than
 * unary minus and groups to the right).
 *
 * The range separator is a '-' at parenthesis depth 0 that follows an operand;
 * a '-' where an operand is expected is a unary minus, so "-5--1" is
 * range(-5, -1).  Subtraction is therefore only available inside
 * parentheses: "(2**66-1)-2**66".  The original tool split parts on '-'
 * before eval'ing them, so everything it accepted means the same here.
 *
 * Refused, with a one-line error quoting the part: syntax errors, empty
 * ranges, a zero step, division by zero, negative exponents, and numbers
 * above 2**1000000 (e.g. 2**2**100) or nesting deeper than 100. */
#ifndef CB_RANGES_H
#define CB_RANGES_H

#include <stddef.h>
#include <gmp.h>

#include "common/error.h"

typedef struct {
    mpz_t start, stop, step;
} cb_range_part;

typedef struct {
    cb_range_part *parts;
    size_t n;
} cb_ranges;

/* Parses an option; on success out holds n >= 1 non-empty ranges (free with
 * cb_ranges_free).  On failure nothing needs freeing. */
int cb_ranges_parse(const char *text, cb_ranges *out, cb_err *err);
void cb_ranges_free(cb_ranges *r);

/* Evaluates one integer expression (the whole text) into out (initialised). */
int cb_int_expr_eval(const char *text, mpz_t out, cb_err *err);

/* len(range) of a part (> 0 for parsed parts), its smallest and largest
 * values. */
void cb_range_part_len(const cb_range_part *p, mpz_t n);
void cb_range_part_min_max(const cb_range_part *p, mpz_t min, mpz_t max);

#endif
