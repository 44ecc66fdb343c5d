/* phc.h — reading polynomial systems in PHCpack's input format.
 *
 * A PHCpack file starts with a count line (the number of equations, and
 * optionally of variables), then that many polynomials, each ended by ';',
 * written with integer or decimal constants, variables, + - * / ^ (or **)
 * and parentheses; anything after the last polynomial (TITLE, ROOT COUNTS,
 * THE SOLUTIONS...) is ignored.  `casbench import-phc` turns each file into
 * one dataset system (gens sorted by name, exponents in that order); this
 * file knows nothing of the command line.
 *
 * Arithmetic is exact (FLINT fmpq_mpoly), so a system is imported exactly
 * when every coefficient of its expanded polynomials is an integer (1.0 and
 * 0.1E+01 are; 1.1 and 1/2 are not).  Systems with a non-integer or complex
 * (i, I) coefficient are skipped, with the reason.  Input is untrusted: every
 * size is bounded (the limits below), so that a file can neither exhaust
 * memory (the text + the budget) nor crash the reader nor keep it computing
 * beyond a work budget proportional to its length; refusals are one line
 * "NAME:LINE: what". */
#ifndef CB_PHC_H
#define CB_PHC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "data/value.h"

#define CB_PHC_MAX_EXPONENT   1000000     /* of any x^e, and total degree of any expression */
#define CB_PHC_MAX_DEPTH      32          /* nested parentheses */
#define CB_PHC_MAX_VARS       1000        /* distinct variables in a system */
#define CB_PHC_MAX_POLYS      100000      /* the count line's number of equations */
#define CB_PHC_MAX_NUMBER     10000       /* characters in one number */
#define CB_PHC_MAX_DEC_EXP    1000        /* |e| in a decimal such as 1.5E+03 */
#define CB_PHC_BUDGET_WORDS   (1UL << 23) /* default: terms x (variables + 3 + bits/64), summed */
/* CPU: the work of all the arithmetic, estimated before each operation
 * (phc.c; a unit is about 2 ns), may not exceed this many units per word of
 * the memory budget (about 2 s by default) plus this many per byte of text
 * (about 0.5 µs). */
#define CB_PHC_WORK_PER_BUDGET_WORD 128
#define CB_PHC_WORK_PER_BYTE        256

typedef struct cb_phc_options {
    /* Read only the first paragraph after the count line (up to the first
     * blank line), whatever the count line says, as the original tool did.
     * Off: read exactly the count line's number of polynomials. */
    bool first_paragraph;
    /* Memory budget in words (0: CB_PHC_BUDGET_WORDS); the fuzzer uses a
     * smaller one to stay fast. */
    unsigned long budget_words;
} cb_phc_options;

enum { CB_PHC_IMPORTED = 0, CB_PHC_SKIPPED = 1 };

/* Parses the text of one file.  Returns CB_PHC_IMPORTED with *system a new
 * (gens, polys) value; CB_PHC_SKIPPED with the reason in err (non-integer or
 * complex coefficients); -1 on malformed input, err being
 * "NAME:LINE: what is wrong". */
int cb_phc_parse(const char *text, size_t len, const char *name,
                 const cb_phc_options *opt, cb_value *system, cb_err *err);

/* Reads PATH and parses it (NAME in messages is the path). */
int cb_phc_read_file(const char *path, const cb_phc_options *opt, cb_value *system,
                     cb_err *err);

/* The dataset key of a file: its base name ("dir/cyclic5" -> "cyclic5"). */
const char *cb_phc_system_name(const char *path);

#endif
