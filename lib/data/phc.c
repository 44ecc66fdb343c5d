/* phc.c — the PHCpack-format reader (see phc.h).
 *
 * Three steps per file: find the polynomial text (the count line, then
 * either that many ';'-terminated polynomials or, for compatibility with
 * the original tool, the first paragraph), scan its tokens once (which
 * checks them and yields the variables, sorted by name, that fix the FLINT
 * context), and parse each polynomial by recursive descent into an exact
 * fmpq_mpoly, reading the tokens again one at a time (no token list: memory
 * does not grow with the text).  Every intermediate result is charged
 * against a word budget before it is computed, so memory stays bounded
 * whatever the input (x^99999999999, (x+y+1)^1000000, deep parentheses are
 * refused with a clear error), and every operation's work is charged
 * against a work budget that grows with the text's length, so CPU time is
 * bounded by the input too (a chain of 27,000 products is refused early). */
#include "data/phc.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <flint/fmpq_mpoly.h>

#include "data/poly.h"
#include "common/util.h"

typedef enum {
    T_NUM, T_IDENT, T_IMAG, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_POW,
    T_LPAREN, T_RPAREN, T_SEMI, T_END,
} tok_type;

typedef struct {
    tok_type type;
    unsigned line;
    size_t pos, len;     /* the token's text */
} token;

typedef struct {
    const char *text;
    size_t len;
    const char *name;
    cb_err *err;
    size_t pos, stop;    /* the lexer: the next token starts at pos, the text ends at stop */
    unsigned line;       /* pos's line */
    token tok;           /* the current token */
    char **vars;         /* sorted, unique; index = FLINT variable */
    size_t nvars;
    fmpq_mpoly_ctx_t ctx;
    int ctx_ready;
    uint64_t live;       /* words charged to the budget */
    uint64_t budget;     /* words */
    double work;         /* word operations charged to the work budget */
    double work_budget;
} parser;

static int perr(parser *P, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(parser *P, unsigned line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cb_fail(P->err, "%s:%u: %s", P->name, line, msg);
}

/* ---- finding the polynomial text ---- */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

static size_t line_end(const parser *P, size_t pos)
{
    const char *nl = memchr(P->text + pos, '\n', P->len - pos);
    return nl ? (size_t)(nl - P->text) : P->len;
}

static int line_is_blank(const parser *P, size_t pos, size_t end)
{
    for (size_t i = pos; i < end; i++)
        if (!is_blank(P->text[i]))
            return 0;
    return 1;
}

/* Reads the count line (after any blank lines): "N" or "N M".  Sets *body to
 * the start of the next line and *line to its number. */
static int read_count_line(parser *P, long *count, size_t *body, unsigned *line)
{
    size_t pos = 0;
    unsigned ln = 1;
    while (pos < P->len) {
        size_t end = line_end(P, pos);
        if (!line_is_blank(P, pos, end))
            break;
        pos = end + 1;
        ln++;
    }
    size_t end = pos < P->len ? line_end(P, pos) : P->len;
    long nums[2] = {0, 0};
    int k = 0;
    size_t i = pos;
    while (i < end) {
        if (is_blank(P->text[i])) {
            i++;
            continue;
        }
        if (!is_digit(P->text[i]) || k == 2)
            return perr(P, ln, "expected the count line (number of equations, optionally of variables)");
        long v = 0;
        while (i < end && is_digit(P->text[i])) {
            if (v > CB_PHC_MAX_POLYS)
                break;
            v = v * 10 + (P->text[i++] - '0');
        }
        if (i < end && is_digit(P->text[i]))
            return perr(P, ln, "the count line's number is too large (limit %d)", CB_PHC_MAX_POLYS);
        nums[k++] = v;
    }
    if (k == 0)
        return perr(P, ln, "expected the count line (number of equations, optionally of variables)");
    if (nums[0] < 1 || nums[0] > CB_PHC_MAX_POLYS)
        return perr(P, ln, "the number of equations must be between 1 and %d", CB_PHC_MAX_POLYS);
    *count = nums[0];
    *body = end < P->len ? end + 1 : P->len;
    *line = ln + 1;
    return 0;
}

/* The first paragraph after the count line: skip blank lines, then up to the
 * next blank line or the end. */
static void first_paragraph(const parser *P, size_t *start, size_t *stop, unsigned *line)
{
    size_t pos = *start;
    while (pos < P->len) {
        size_t end = line_end(P, pos);
        if (!line_is_blank(P, pos, end))
            break;
        pos = end + 1;
        (*line)++;
    }
    *start = pos < P->len ? pos : P->len;
    while (pos < P->len) {
        size_t end = line_end(P, pos);
        if (line_is_blank(P, pos, end))
            break;
        pos = end + 1;
    }
    *stop = pos < P->len ? pos : P->len;
}

/* ---- tokens ---- */

/* digits [. digits] [(e|E) [+-] digits], or . digits ... */
static int lex_number(parser *P, size_t i, size_t stop, unsigned line, size_t *end)
{
    size_t s = i;
    while (i < stop && is_digit(P->text[i]))
        i++;
    if (i < stop && P->text[i] == '.') {
        i++;
        while (i < stop && is_digit(P->text[i]))
            i++;
    }
    if (i < stop && (P->text[i] == 'e' || P->text[i] == 'E')) {
        size_t j = i + 1;
        if (j < stop && (P->text[j] == '+' || P->text[j] == '-'))
            j++;
        if (j < stop && is_digit(P->text[j])) {
            size_t d = j;
            while (j < stop && is_digit(P->text[j]))
                j++;
            long e = 0;
            for (size_t k = d; k < j && e <= CB_PHC_MAX_DEC_EXP; k++)
                e = e * 10 + (P->text[k] - '0');
            if (e > CB_PHC_MAX_DEC_EXP)
                return perr(P, line, "decimal exponent in '%.*s' exceeds the limit %d",
                            (int)(j - s > 40 ? 40 : j - s), P->text + s, CB_PHC_MAX_DEC_EXP);
            i = j;
        }
    }
    if (i - s > CB_PHC_MAX_NUMBER)
        return perr(P, line, "number longer than %d characters", CB_PHC_MAX_NUMBER);
    *end = i;
    return 0;
}

static void lex_start(parser *P, size_t start, size_t stop, unsigned line)
{
    P->pos = start;
    P->stop = stop;
    P->line = line;
}

/* Reads the next token of [pos, stop) into P->tok (T_END at stop). */
static int lex_next(parser *P)
{
    size_t i = P->pos, stop = P->stop;
    while (i < stop && (P->text[i] == '\n' || is_blank(P->text[i])))
        P->line += P->text[i++] == '\n';
    P->pos = i;
    if (i == stop) {
        P->tok = (token){T_END, P->line, i, 0};
        return 0;
    }
    char c = P->text[i];
    tok_type t;
    size_t n = 1;
    if (is_digit(c) || (c == '.' && i + 1 < stop && is_digit(P->text[i + 1]))) {
        size_t end = i;
        if (lex_number(P, i, stop, P->line, &end) < 0)
            return -1;
        t = T_NUM, n = end - i;
    } else if (is_alpha(c)) {
        while (i + n < stop && (is_alpha(P->text[i + n]) || is_digit(P->text[i + n])))
            n++;
        t = n == 1 && (c == 'i' || c == 'I') ? T_IMAG : T_IDENT;
    } else {
        switch (c) {
        case '+': t = T_PLUS; break;
        case '-': t = T_MINUS; break;
        case '/': t = T_SLASH; break;
        case '^': t = T_POW; break;
        case '(': t = T_LPAREN; break;
        case ')': t = T_RPAREN; break;
        case ';': t = T_SEMI; break;
        case '*':
            t = T_STAR;
            if (i + 1 < stop && P->text[i + 1] == '*')
                t = T_POW, n = 2;
            break;
        default:
            if ((unsigned char)c >= 0x21 && (unsigned char)c < 0x7f)
                return perr(P, P->line, "unexpected character '%c'", c);
            return perr(P, P->line, "unexpected byte 0x%02x", (unsigned char)c);
        }
    }
    P->tok = (token){t, P->line, i, n};
    P->pos = i + n;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds an identifier to the variables, kept sorted by name (Python's
 * sorted() on str: code points, so 'B' < 'b' and 'x10' < 'x2').  Returns -1
 * when there would be more than CB_PHC_MAX_VARS. */
static int add_var(parser *P, const token *t)
{
    char *name = cb_xasprintf("%.*s", (int)t->len, P->text + t->pos);
    if (P->nvars && bsearch(&name, P->vars, P->nvars, sizeof *P->vars, cmp_name)) {
        free(name);
        return 0;
    }
    if (P->nvars == CB_PHC_MAX_VARS) {
        free(name);
        return -1;
    }
    /* insertion keeps the array sorted for the lookups above */
    P->vars = cb_xrealloc(P->vars, (P->nvars + 1) * sizeof *P->vars);
    size_t k = P->nvars;
    while (k > 0 && strcmp(P->vars[k - 1], name) > 0) {
        P->vars[k] = P->vars[k - 1];
        k--;
    }
    P->vars[k] = name;
    P->nvars++;
    return 0;
}

/* What the first pass over the tokens found. */
typedef struct scan_result {
    long semis;              /* ';' tokens */
    unsigned last_line;      /* line of the last token (of the end when none) */
    const char *imag;        /* the first i or I, or NULL */
    unsigned imag_line, too_many_vars_line;   /* 0: none */
} scan_result;

/* Reads every token of [start, stop) once, stopping right after the
 * semis-th ';' when semis > 0 (which then becomes the text's end): checks
 * them, collects the variables, notes the first imaginary unit. */
static int scan(parser *P, size_t start, size_t stop, unsigned line, long semis, scan_result *r)
{
    *r = (scan_result){0};
    lex_start(P, start, stop, line);
    for (;;) {
        if (semis > 0 && r->semis == semis) {
            P->stop = P->pos;
            break;
        }
        if (lex_next(P) < 0)
            return -1;
        if (P->tok.type == T_END) {
            if (!r->last_line)
                r->last_line = P->tok.line;
            break;
        }
        r->last_line = P->tok.line;
        if (P->tok.type == T_SEMI)
            r->semis++;
        else if (P->tok.type == T_IMAG && !r->imag)
            r->imag = P->text + P->tok.pos, r->imag_line = P->tok.line;
        else if (P->tok.type == T_IDENT && !r->too_many_vars_line && add_var(P, &P->tok) < 0)
            r->too_many_vars_line = P->tok.line;
    }
    return 0;
}

static slong var_index(parser *P, const token *t)
{
    char *name = cb_xasprintf("%.*s", (int)t->len, P->text + t->pos);
    char **hit = bsearch(&name, P->vars, P->nvars, sizeof *P->vars, cmp_name);
    free(name);
    return hit ? (slong)(hit - P->vars) : -1;
}

/* ---- the budget ----
 *
 * A polynomial costs (variables + 3 + coefficient bits / 64) words per term,
 * roughly what FLINT stores.  Before each operation the parser bounds the
 * size of its result (terms and coefficient bits) from the operands and
 * refuses it when the polynomials alive would then exceed
 * the budget (CB_PHC_BUDGET_WORDS by default).  Bounds saturate at BITS_CAP so nothing overflows. */

#define BITS_CAP (UINT64_C(1) << 40)

static slong plen(parser *P, const fmpq_mpoly_t a) { return fmpq_mpoly_length(a, P->ctx); }

/* An upper bound on the bits of any coefficient (numerator and
 * denominator) of a: content times the integer polynomial. */
static uint64_t height(parser *P, const fmpq_mpoly_t a)
{
    if (fmpq_mpoly_is_zero(a, P->ctx))
        return 0;
    slong zb = fmpz_mpoly_max_bits(a->zpoly);
    return (uint64_t)(zb < 0 ? -zb : zb) + fmpz_bits(fmpq_numref(a->content)) +
           fmpz_bits(fmpq_denref(a->content));
}

static uint64_t bitlen(uint64_t x) { return x ? 64 - (uint64_t)__builtin_clzll(x) : 0; }

static uint64_t words_per_term(const parser *P, uint64_t bits)
{
    return P->nvars + 3 + (bits < BITS_CAP ? bits : BITS_CAP) / 64;
}

static uint64_t cost(parser *P, const fmpq_mpoly_t a)
{
    return (uint64_t)plen(P, a) * words_per_term(P, height(P, a));
}

/* Refuses a result of up to est_terms terms of est_bits-bit coefficients
 * when it would not fit in what is left of the budget. */
static int reserve(parser *P, uint64_t est_terms, uint64_t est_bits, unsigned line)
{
    uint64_t room = P->live < P->budget ? P->budget - P->live : 0;
    if (est_terms > room / words_per_term(P, est_bits))
        return perr(P, line, "expression too large (up to %llu terms of %llu-bit coefficients; "
                    "the limit is %lu words in memory)", (unsigned long long)est_terms,
                    (unsigned long long)(est_bits < BITS_CAP ? est_bits : BITS_CAP),
                    (unsigned long)P->budget);
    return 0;
}

/* ---- the work budget ----
 *
 * Memory alone does not bound time: (x+1)*(x+1)*...*(x+1) keeps a few
 * thousand terms alive but costs cubic time in the chain's length.  So each
 * operation's work is estimated from its operands before it runs and
 * charged; the total may not exceed a budget proportional to the memory
 * budget and to the text's length (phc.h).  The unit is about 2 ns of CPU
 * on the machine that calibrated it (tests/integration/phc_limits.py
 * measures legitimate and hostile inputs): a fixed cost per operation, per
 * term-by-term step a coefficient operation through fmpz (function calls,
 * allocation) plus its words, and GMP's cost for large coefficients; an
 * upper bound of FLINT's algorithms (merging for sums, heap products,
 * power series for powers of polynomials, squaring for powers of terms). */

#define WORK_PER_OP   256.0   /* any operation or primary: calls, allocation */
#define WORK_PER_STEP 64.0    /* one coefficient operation on small numbers */

static double coeff_words(uint64_t bits) { return (double)(bits < BITS_CAP ? bits : BITS_CAP) / 64 + 1; }

/* Multiplying coefficients of wa and wb words: schoolbook, or GMP's FFT
 * beyond a few thousand words (n log n). */
static double coeff_mul_work(double wa, double wb)
{
    double n = wa + wb, fft = 8 * n * log2(n + 2);
    return wa * wb < fft ? wa * wb : fft;
}

/* Comparing or adding exponent vectors: packed, several variables a word. */
static double exp_work(const parser *P) { return (double)P->nvars / 8 + 1; }

static int charge(parser *P, double work, unsigned line)
{
    work += WORK_PER_OP;
    if (P->work + work > P->work_budget)
        return perr(P, line, "expression too costly to compute (about %.3g work units; the limit "
                    "for this text is %.3g)", P->work + work, P->work_budget);
    P->work += work;
    return 0;
}

static void drop(parser *P, fmpq_mpoly_t a)
{
    P->live -= cost(P, a);
    fmpq_mpoly_clear(a, P->ctx);
}

static slong degree(parser *P, const fmpq_mpoly_t a)
{
    slong d = fmpq_mpoly_total_degree_si(a, P->ctx);
    return d < 0 ? 0 : d;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b < BITS_CAP ? a + b : BITS_CAP; }
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return a && b > BITS_CAP / a ? BITS_CAP : (a * b < BITS_CAP ? a * b : BITS_CAP);
}

/* ---- arithmetic, each bounded before it runs; b is consumed ---- */

static int op_add(parser *P, fmpq_mpoly_t a, fmpq_mpoly_t b, int negate, unsigned line)
{
    uint64_t old = cost(P, a);
    /* rationals: the sum's integer coefficients can carry both heights */
    uint64_t bits = sat_add(sat_add(height(P, a), height(P, b)), 1);
    int rc = charge(P, (double)(plen(P, a) + plen(P, b)) * (WORK_PER_STEP / 4 + exp_work(P) + coeff_words(bits)),
                    line);
    if (rc == 0)
        rc = reserve(P, (uint64_t)(plen(P, a) + plen(P, b)), bits, line);
    if (rc == 0) {
        if (negate)
            fmpq_mpoly_sub(a, a, b, P->ctx);
        else
            fmpq_mpoly_add(a, a, b, P->ctx);
        P->live = P->live - old + cost(P, a);
    }
    drop(P, b);
    return rc;
}

static int op_mul(parser *P, fmpq_mpoly_t a, fmpq_mpoly_t b, unsigned line)
{
    uint64_t old = cost(P, a), la = (uint64_t)plen(P, a), lb = (uint64_t)plen(P, b);
    int rc = 0;
    if (degree(P, a) + degree(P, b) > CB_PHC_MAX_EXPONENT)
        rc = perr(P, line, "degree exceeds the limit %d", CB_PHC_MAX_EXPONENT);
    else
        rc = charge(P, (double)la * (double)lb *
                           (WORK_PER_STEP + exp_work(P) * (double)(bitlen(la < lb ? la : lb) + 1) +
                            coeff_mul_work(coeff_words(height(P, a)), coeff_words(height(P, b)))),
                    line);
    if (rc == 0)
        rc = reserve(P, la * lb, sat_add(sat_add(height(P, a), height(P, b)), bitlen(la < lb ? la : lb) + 1),
                     line);
    if (rc == 0) {
        fmpq_mpoly_mul(a, a, b, P->ctx);
        P->live = P->live - old + cost(P, a);
    }
    drop(P, b);
    return rc;
}

static int op_div(parser *P, fmpq_mpoly_t a, fmpq_mpoly_t b, unsigned line)
{
    uint64_t old = cost(P, a);
    int rc = 0;
    if (!fmpq_mpoly_is_fmpq(b, P->ctx)) {
        rc = perr(P, line, "division by a non-constant expression");
    } else if (fmpq_mpoly_is_zero(b, P->ctx)) {
        rc = perr(P, line, "division by zero");
    } else if ((rc = charge(P, (double)plen(P, a) * (WORK_PER_STEP + exp_work(P) +
                                    coeff_mul_work(coeff_words(height(P, a)), coeff_words(height(P, b)))),
                            line)) == 0 &&
               (rc = reserve(P, (uint64_t)plen(P, a), sat_add(height(P, a), height(P, b)), line)) == 0) {
        fmpq_t c;
        fmpq_init(c);
        fmpq_mpoly_get_fmpq(c, b, P->ctx);
        fmpq_mpoly_scalar_div_fmpq(a, a, c, P->ctx);
        fmpq_clear(c);
        P->live = P->live - old + cost(P, a);
    }
    drop(P, b);
    return rc;
}

/* An upper bound on the terms of a t-term polynomial to the e: the number
 * of monomials of degree e in t variables, C(t-1+e, t-1), saturated. */
static uint64_t power_terms(uint64_t t, uint64_t e, uint64_t cap)
{
    if (t <= 1 || e == 0)
        return 1;
    uint64_t n = t - 1 + e, r = t - 1 < e ? t - 1 : e, v = 1;
    for (uint64_t i = 1; i <= r; i++) {
        v = v * (n - r + i) / i;   /* exact: a binomial coefficient at every step */
        if (v > cap)
            return cap + 1;
    }
    return v;
}

static int op_pow(parser *P, fmpq_mpoly_t a, ulong e, unsigned line)
{
    uint64_t old = cost(P, a), t = (uint64_t)plen(P, a);
    if ((uint64_t)degree(P, a) * e > CB_PHC_MAX_EXPONENT)
        return perr(P, line, "degree exceeds the limit %d", CB_PHC_MAX_EXPONENT);
    /* coefficients of a^e are at most (t * 2^height)^e; a term's is c^e
     * exactly, 1 bit when c = ±1 (x^1000000 is no big number) */
    uint64_t bits = sat_mul(e, sat_add(height(P, a), bitlen(t)));
    if (t == 1) {
        fmpq_t c;
        fmpq_init(c);
        fmpq_mpoly_get_term_coeff_fmpq(c, a, 0, P->ctx);
        bits = fmpz_is_pm1(fmpq_numref(c)) ? 1 : sat_mul(e, fmpz_bits(fmpq_numref(c)));
        bits = sat_add(bits, fmpz_is_one(fmpq_denref(c)) ? 1 : sat_mul(e, fmpz_bits(fmpq_denref(c))));
        fmpq_clear(c);
    }
    uint64_t terms = power_terms(t, e, P->budget);
    if (reserve(P, terms, bits, line) < 0)
        return -1;
    /* a term: log e squarings of the growing coefficient; a polynomial: a
     * power series, a few coefficient operations per result term and term
     * of a, through a heap */
    double w = coeff_words(bits), work =
        t <= 1 ? (double)bitlen(e) * coeff_mul_work(w, w)
               : (double)terms * (double)t *
                     (3 * WORK_PER_STEP + exp_work(P) * (double)(bitlen(t) + 1) +
                      3 * coeff_mul_work(w, coeff_words(height(P, a))));
    if (charge(P, work, line) < 0)
        return -1;
    fmpq_mpoly_t r;
    fmpq_mpoly_init(r, P->ctx);
    int ok = fmpq_mpoly_pow_ui(r, a, e, P->ctx);
    if (ok)
        fmpq_mpoly_swap(a, r, P->ctx);
    fmpq_mpoly_clear(r, P->ctx);
    if (!ok)
        return perr(P, line, "power could not be computed");
    P->live = P->live - old + cost(P, a);
    return 0;
}

/* ---- parsing ---- */

static const token *peek(parser *P) { return &P->tok; }

/* The next token.  The first pass read this very text without an error, so
 * reading it again cannot fail (were it to, the end stops the parse). */
static void advance(parser *P)
{
    if (lex_next(P) < 0)
        P->tok = (token){T_END, P->line, P->pos, 0};
}

static int unexpected(parser *P, const token *t, const char *wanted)
{
    if (t->type == T_END)
        return perr(P, t->line, "expected %s, found the end of the text", wanted);
    return perr(P, t->line, "expected %s, found '%.*s'", wanted,
                (int)(t->len > 30 ? 30 : t->len), P->text + t->pos);
}

/* A number token to its exact value. */
static void number_value(parser *P, const token *t, fmpq_t q)
{
    const char *s = P->text + t->pos, *end = s + t->len;
    char *digits = cb_xmalloc(t->len + 2);
    size_t nd = 0;
    long frac = 0, exp10 = 0;
    int in_frac = 0;
    for (; s < end && (is_digit(*s) || *s == '.'); s++) {
        if (*s == '.') {
            in_frac = 1;
            continue;
        }
        digits[nd++] = *s;
        frac += in_frac;
    }
    if (nd == 0)
        digits[nd++] = '0';
    digits[nd] = '\0';
    if (s < end) {   /* exponent, bounded by the lexer */
        s++;
        int neg = *s == '-';
        if (*s == '+' || *s == '-')
            s++;
        for (; s < end; s++)
            exp10 = exp10 * 10 + (*s - '0');
        if (neg)
            exp10 = -exp10;
    }
    fmpz_set_str(fmpq_numref(q), digits, 10);
    fmpz_one(fmpq_denref(q));
    long scale = exp10 - frac;
    fmpz_t p10;
    fmpz_init(p10);
    fmpz_set_ui(p10, 10);
    fmpz_pow_ui(p10, p10, (ulong)(scale < 0 ? -scale : scale));
    if (scale >= 0)
        fmpz_mul(fmpq_numref(q), fmpq_numref(q), p10);
    else
        fmpz_set(fmpq_denref(q), p10);
    fmpq_canonicalise(q);
    fmpz_clear(p10);
    free(digits);
}

static int parse_sum(parser *P, fmpq_mpoly_t out, int depth);

/* number | variable | ( sum ) — out is initialised and zero. */
static int parse_primary(parser *P, fmpq_mpoly_t out, int depth)
{
    const token *t = peek(P);
    if (charge(P, t->type == T_NUM ? (double)t->len : 0, t->line) < 0 ||
        reserve(P, 1, t->type == T_NUM ? 4 * t->len + 4 : 1, t->line) < 0)
        return -1;
    switch (t->type) {
    case T_NUM: {
        fmpq_t q;
        fmpq_init(q);
        number_value(P, t, q);
        fmpq_mpoly_set_fmpq(out, q, P->ctx);
        fmpq_clear(q);
        advance(P);
        break;
    }
    case T_IDENT:
        fmpq_mpoly_gen(out, var_index(P, t), P->ctx);
        advance(P);
        break;
    case T_LPAREN:
        if (depth >= CB_PHC_MAX_DEPTH)
            return perr(P, t->line, "parentheses nested deeper than %d", CB_PHC_MAX_DEPTH);
        advance(P);
        if (parse_sum(P, out, depth + 1) < 0)
            return -1;
        if (peek(P)->type != T_RPAREN)
            return unexpected(P, peek(P), "')'");
        advance(P);
        return 0;   /* charged by parse_sum */
    default:
        return unexpected(P, t, "a number, a variable or '('");
    }
    P->live += cost(P, out);
    return 0;
}

/* ^ e, ** e, ^(e): a non-negative integer literal. */
static int parse_exponent(parser *P, ulong *e)
{
    int paren = 0;
    if (peek(P)->type == T_LPAREN) {
        paren = 1;
        advance(P);
    }
    if (peek(P)->type == T_PLUS)
        advance(P);
    const token *t = peek(P);
    if (t->type == T_MINUS)
        return perr(P, t->line, "negative exponent: not a polynomial");
    if (t->type != T_NUM)
        return unexpected(P, t, "an integer exponent");
    const char *s = P->text + t->pos;
    uint64_t v = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (!is_digit(s[i]))
            return perr(P, t->line, "exponent '%.*s' is not an integer",
                        (int)(t->len > 30 ? 30 : t->len), s);
        if (v <= CB_PHC_MAX_EXPONENT)
            v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > CB_PHC_MAX_EXPONENT)
        return perr(P, t->line, "exponent %.*s exceeds the limit %d",
                    (int)(t->len > 30 ? 30 : t->len), s, CB_PHC_MAX_EXPONENT);
    advance(P);
    if (paren) {
        if (peek(P)->type != T_RPAREN)
            return unexpected(P, peek(P), "')'");
        advance(P);
    }
    *e = (ulong)v;
    return 0;
}

/* primary [^ exponent] */
static int parse_power(parser *P, fmpq_mpoly_t out, int depth)
{
    if (parse_primary(P, out, depth) < 0)
        return -1;
    if (peek(P)->type != T_POW)
        return 0;
    unsigned line = peek(P)->line;
    advance(P);
    ulong e = 0;
    if (parse_exponent(P, &e) < 0 || op_pow(P, out, e, line) < 0)
        return -1;
    if (peek(P)->type == T_POW)
        return perr(P, peek(P)->line, "chained powers need parentheses");
    return 0;
}

/* (+|-)* power — signs read in a loop, so that '- - - x' needs no stack */
static int parse_unary(parser *P, fmpq_mpoly_t out, int depth)
{
    int negative = 0;
    while (peek(P)->type == T_PLUS || peek(P)->type == T_MINUS)
        negative ^= peek(P)->type == T_MINUS, advance(P);
    if (parse_power(P, out, depth) < 0)
        return -1;
    if (negative)
        fmpq_mpoly_neg(out, out, P->ctx);
    return 0;
}

/* unary ((*|/) unary)* */
static int parse_product(parser *P, fmpq_mpoly_t out, int depth)
{
    if (parse_unary(P, out, depth) < 0)
        return -1;
    while (peek(P)->type == T_STAR || peek(P)->type == T_SLASH) {
        token op = *peek(P);
        advance(P);
        fmpq_mpoly_t b;
        fmpq_mpoly_init(b, P->ctx);
        if (parse_unary(P, b, depth) < 0) {
            drop(P, b);
            return -1;
        }
        int rc = op.type == T_STAR ? op_mul(P, out, b, op.line) : op_div(P, out, b, op.line);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* product ((+|-) product)* — a leading sign belongs to the first unary.
 *
 * The summands are added as a binary counter: each new one is pushed, and
 * while the two on top stand for equally many summands they are added.  So
 * sums of similar sizes are added (n log n work for n summands, where adding
 * each into a growing sum would be quadratic: every addition rewrites the
 * sum, and rescales it when the contents differ), and at most one partial
 * sum per bit of n is alive: `x+x+...+x` takes no more memory than x. */
static int parse_sum(parser *P, fmpq_mpoly_t out, int depth)
{
    if (parse_product(P, out, depth) < 0)
        return -1;
    if (peek(P)->type != T_PLUS && peek(P)->type != T_MINUS)
        return 0;
    fmpq_mpoly_struct parts[66];
    unsigned level[66];   /* parts[i] is the sum of 2^level[i] summands; levels fall to the top */
    size_t n = 1;
    parts[0] = *out;      /* moved out here, and back into out at the end */
    level[0] = 0;
    unsigned line = peek(P)->line;
    int rc = 0;
    while (rc == 0 && (peek(P)->type == T_PLUS || peek(P)->type == T_MINUS)) {
        int minus = peek(P)->type == T_MINUS;
        advance(P);
        fmpq_mpoly_init(&parts[n], P->ctx);
        level[n] = 0;
        rc = parse_product(P, &parts[n], depth);
        if (rc == 0 && minus)
            fmpq_mpoly_neg(&parts[n], &parts[n], P->ctx);
        n++;
        for (; rc == 0 && n >= 2 && level[n - 1] == level[n - 2]; n--) {
            rc = op_add(P, &parts[n - 2], &parts[n - 1], 0, line);   /* consumes parts[n - 1] */
            level[n - 2]++;
        }
    }
    for (; rc == 0 && n >= 2; n--)
        rc = op_add(P, &parts[n - 2], &parts[n - 1], 0, line);
    for (; n >= 2; n--)
        drop(P, &parts[n - 1]);
    *out = parts[0];
    return rc;
}

/* One polynomial, from the current token to ';' (or the end of the text
 * in first-paragraph mode).  Returns 1 when it is not over the integers. */
static int parse_polynomial(parser *P, int index, cb_value polys, cb_err *skip)
{
    unsigned line = peek(P)->line;
    fmpq_mpoly_t p;
    fmpq_mpoly_init(p, P->ctx);
    if (parse_sum(P, p, 0) < 0) {
        drop(P, p);
        return -1;
    }
    const token *t = peek(P);
    if (t->type != T_SEMI && t->type != T_END) {
        drop(P, p);
        return unexpected(P, t, "an operator or ';'");
    }
    if (t->type == T_SEMI)
        advance(P);
    /* the dataset value is larger than FLINT's packed terms: a tuple of
     * handles per exponent vector, dict slots and index, big integers; it
     * is charged, next to the polynomial it is made from, for good */
    uint64_t terms = (uint64_t)plen(P, p), bits = height(P, p);
    uint64_t per_term = 2 * P->nvars + 16 + (bits > 62 ? 7 + (bits < BITS_CAP ? bits : BITS_CAP) / 64 : 0);
    uint64_t room = P->live < P->budget ? P->budget - P->live : 0;
    if (terms > room / per_term) {
        drop(P, p);
        return perr(P, line, "expression too large (%llu terms of %llu-bit coefficients as dataset values; "
                    "the limit is %lu words in memory)", (unsigned long long)terms, (unsigned long long)bits,
                    (unsigned long)P->budget);
    }
    P->live += terms * per_term;
    cb_value dict;
    int rc = cb_poly_from_fmpq_mpoly(p, P->ctx, &dict, skip);
    drop(P, p);
    if (rc < 0) {
        cb_fail_prefix(skip, "polynomial %d (line %u)", index, line);
        return 1;
    }
    cb_seq_push(polys, dict);
    return 0;
}

/* Parses the polynomials of [start, stop), which scan() found; builds the
 * system. */
static int parse_system(parser *P, const scan_result *r, size_t start, unsigned line, int skip_empty,
                        cb_value *system)
{
    if (r->imag) {
        cb_fail(P->err, "complex coefficient ('%c' at line %u)", *r->imag, r->imag_line);
        return CB_PHC_SKIPPED;
    }
    if (r->too_many_vars_line)
        return perr(P, r->too_many_vars_line, "more than %d variables", CB_PHC_MAX_VARS);
    fmpq_mpoly_ctx_init(P->ctx, (slong)P->nvars, ORD_LEX);
    P->ctx_ready = 1;
    lex_start(P, start, P->stop, line);
    advance(P);
    cb_value polys = cb_list_new(8);
    int index = 0;
    while (peek(P)->type != T_END) {
        if (peek(P)->type == T_SEMI) {
            if (!skip_empty) {
                cb_release(polys);
                return perr(P, peek(P)->line, "empty polynomial");
            }
            advance(P);
            continue;
        }
        cb_err skip;
        int rc = parse_polynomial(P, ++index, polys, &skip);
        if (rc != 0) {
            cb_release(polys);
            if (rc > 0)
                *P->err = skip;
            return rc < 0 ? -1 : CB_PHC_SKIPPED;
        }
    }
    if (cb_len(polys) == 0) {
        cb_release(polys);
        return perr(P, peek(P)->line, "no polynomial");
    }
    *system = cb_system_new((const char *const *)P->vars, P->nvars, polys);
    return CB_PHC_IMPORTED;
}

int cb_phc_parse(const char *text, size_t len, const char *name,
                 const cb_phc_options *opt, cb_value *system, cb_err *err)
{
    parser P = {.text = text, .len = len, .name = name, .err = err,
                .budget = opt && opt->budget_words ? opt->budget_words : CB_PHC_BUDGET_WORDS};
    P.work_budget = (double)P.budget * CB_PHC_WORK_PER_BUDGET_WORD + (double)len * CB_PHC_WORK_PER_BYTE;
    long count = 0;
    size_t body = 0, stop = len;
    unsigned line = 1;
    scan_result r;
    int rc = read_count_line(&P, &count, &body, &line);
    if (rc == 0 && opt && opt->first_paragraph) {
        first_paragraph(&P, &body, &stop, &line);
        rc = scan(&P, body, stop, line, 0, &r);
        if (rc == 0)
            rc = parse_system(&P, &r, body, line, 1, system);
    } else if (rc == 0) {
        rc = scan(&P, body, len, line, count, &r);
        if (rc == 0 && r.semis < count)
            rc = perr(&P, r.last_line, "expected %ld polynomials ended by ';', found %ld", count, r.semis);
        if (rc == 0)
            rc = parse_system(&P, &r, body, line, 0, system);
    }
    if (P.ctx_ready)
        fmpq_mpoly_ctx_clear(P.ctx);
    for (size_t i = 0; i < P.nvars; i++)
        free(P.vars[i]);
    free(P.vars);
    return rc;
}

int cb_phc_read_file(const char *path, const cb_phc_options *opt, cb_value *system,
                     cb_err *err)
{
    char *data;
    size_t len;
    if (cb_read_file(path, &data, &len, err) < 0)
        return -1;
    int rc = cb_phc_parse(data, len, path, opt, system, err);
    free(data);
    return rc;
}

const char *cb_phc_system_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}
