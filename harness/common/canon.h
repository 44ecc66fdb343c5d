/* canon.h — the canonical result text of docs/protocol.md ("The verify
 * digest"), shared by every C harness so that they all write it the same way.
 *
 * A harness copies a result polynomial into a cb_terms (coefficients as GMP
 * integers, exponents over the system's generators in the dataset's order),
 * in any term order; cb_canon_poly() sorts the terms in descending
 * lexicographic order, normalises as asked, and appends the text
 * "COEFF@E1.E2...En COEFF@..." ("0" for the zero polynomial).  The digest is
 * the lowercase hex SHA-256 of the whole text (cb_sha256_hex, util.h). */
#ifndef CB_CANON_H
#define CB_CANON_H

#include <gmp.h>
#include <stddef.h>

#include "common/util.h"

typedef struct cb_terms {
    size_t nvars, n, cap;
    mpz_t *coeffs;
    unsigned long *exps;   /* n rows of nvars exponents */
} cb_terms;

void cb_terms_init(cb_terms *t, size_t nvars);
void cb_terms_reset(cb_terms *t, size_t nvars);   /* empty it, keep the storage */
void cb_terms_clear(cb_terms *t);
/* Append a term with exponent vector exp (nvars entries); returns its
 * coefficient, set to 0, for the caller to fill. */
mpz_ptr cb_terms_push(cb_terms *t, const unsigned long *exp);

enum {
    CB_CANON_POSITIVE = 1,    /* negate when the leading coefficient is negative */
    CB_CANON_PRIMITIVE = 2,   /* divide by the gcd of the coefficients */
};
/* Sort t in place (descending lex), drop zero terms, normalise per flags,
 * append the text to out. */
void cb_canon_poly(cb_buf *out, cb_terms *t, int flags);

/* The factor line: "CONTENT * (F1)^M1 * ...".  Each factor is made primitive
 * with a positive leading coefficient (what it loses goes into the content,
 * to the power of its multiplicity); constant factors fold into the content;
 * factors are sorted by their text F (byte order), then by multiplicity. */
void cb_canon_factor(cb_buf *out, const mpz_t content, cb_terms *factors,
                     const unsigned long *mults, size_t n);

/* Sort lines by byte order and append them joined with "\n". */
void cb_canon_sorted_lines(cb_buf *out, char **lines, size_t n);

#endif
