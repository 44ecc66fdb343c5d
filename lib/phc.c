/* phc.c — the PHCpack-format reader (see phc.h).
 *
 * Three steps per file: find the polynomial text (the count line, then
 * either that many ';'-terminated polynomials or, for compatibility with
 * the original tool, the first paragraph), tokenise it (which also yields
 * the variables, sorted by name, that fix the FLINT context), and parse each
 * polynomial by recursive descent into an exact fmpq_mpoly.  Every
 * intermediate result is charged against a word budget before it is
 * computed, so memory stays bounded whatever the input (x^99999999999,
 * (x+y+1)^1000000, deep parentheses are refused with a clear error). */
#include "phc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <flint/fmpq_mpoly.h>

#include "poly.h"
#include "util.h"

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
    token *toks;
    size_t ntoks, cap, cur;
    char **vars;         /* sorted, unique; index = FLINT variable */
    size_t nvars;
    fmpq_mpoly_ctx_t ctx;
    int ctx_ready;
    uint64_t live;       /* words charged to the budget */
    uint64_t budget;     /* words */
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

static void push_token(parser *P, tok_type type, unsigned line, size_t pos, size_t len)
{
    if (P->ntoks == P->cap) {
        P->cap = P->cap ? 2 * P->cap : 256;
        P->toks = cb_xrealloc(P->toks, P->cap * sizeof *P->toks);
    }
    P->toks[P->ntoks++] = (token){type, line, pos, len};
}

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

/* Tokenises [start, stop); stops early after `semis` ';' when semis > 0.
 * Ends the token list with T_END; *found counts the ';' seen. */
static int lex(parser *P, size_t start, size_t stop, unsigned line, long semis, long *found)
{
    size_t i = start;
    *found = 0;
    while (i < stop && !(semis > 0 && *found == semis)) {
        char c = P->text[i];
        if (c == '\n') {
            line++;
            i++;
        } else if (is_blank(c)) {
            i++;
        } else if (is_digit(c) || (c == '.' && i + 1 < stop && is_digit(P->text[i + 1]))) {
            size_t end = i;
            if (lex_number(P, i, stop, line, &end) < 0)
                return -1;
            push_token(P, T_NUM, line, i, end - i);
            i = end;
        } else if (is_alpha(c)) {
            size_t s = i;
            while (i < stop && (is_alpha(P->text[i]) || is_digit(P->text[i])))
                i++;
            int imag = i - s == 1 && (c == 'i' || c == 'I');
            push_token(P, imag ? T_IMAG : T_IDENT, line, s, i - s);
        } else {
            tok_type t;
            size_t n = 1;
            switch (c) {
            case '+': t = T_PLUS; break;
            case '-': t = T_MINUS; break;
            case '/': t = T_SLASH; break;
            case '^': t = T_POW; break;
            case '(': t = T_LPAREN; break;
            case ')': t = T_RPAREN; break;
            case ';': t = T_SEMI; (*found)++; break;
            case '*':
                t = T_STAR;
                if (i + 1 < stop && P->text[i + 1] == '*')
                    t = T_POW, n = 2;
                break;
            default:
                if ((unsigned char)c >= 0x21 && (unsigned char)c < 0x7f)
                    return perr(P, line, "unexpected character '%c'", c);
                return perr(P, line, "unexpected byte 0x%02x", (unsigned char)c);
            }
            push_token(P, t, line, i, n);
            i += n;
        }
    }
    push_token(P, T_END, line, i, 0);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The variables: every identifier of the token list, sorted by name
 * (Python's sorted() on str: code points, so 'B' < 'b' and 'x10' < 'x2'). */
static int collect_vars(parser *P)
{
    for (size_t i = 0; i < P->ntoks; i++) {
        token *t = &P->toks[i];
        if (t->type != T_IDENT)
            continue;
        char *name = cb_xasprintf("%.*s", (int)t->len, P->text + t->pos);
        if (P->nvars && bsearch(&name, P->vars, P->nvars, sizeof *P->vars, cmp_name)) {
            free(name);
            continue;
        }
        if (P->nvars == CB_PHC_MAX_VARS) {
            free(name);
            return perr(P, t->line, "more than %d variables", CB_PHC_MAX_VARS);
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
    int rc = reserve(P, (uint64_t)(plen(P, a) + plen(P, b)),
                     sat_add(sat_add(height(P, a), height(P, b)), 1), line);
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
    } else if ((rc = reserve(P, (uint64_t)plen(P, a), sat_add(height(P, a), height(P, b)), line)) == 0) {
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
    /* coefficients of a^e are at most (t * 2^height)^e */
    uint64_t bits = sat_mul(e, sat_add(height(P, a), bitlen(t)));
    if (reserve(P, power_terms(t, e, P->budget), bits, line) < 0)
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

static const token *peek(parser *P) { return &P->toks[P->cur]; }

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
    if (reserve(P, 1, t->type == T_NUM ? 4 * t->len + 4 : 1, t->line) < 0)
        return -1;
    switch (t->type) {
    case T_NUM: {
        fmpq_t q;
        fmpq_init(q);
        number_value(P, t, q);
        fmpq_mpoly_set_fmpq(out, q, P->ctx);
        fmpq_clear(q);
        P->cur++;
        break;
    }
    case T_IDENT:
        fmpq_mpoly_gen(out, var_index(P, t), P->ctx);
        P->cur++;
        break;
    case T_LPAREN:
        if (depth >= CB_PHC_MAX_DEPTH)
            return perr(P, t->line, "parentheses nested deeper than %d", CB_PHC_MAX_DEPTH);
        P->cur++;
        if (parse_sum(P, out, depth + 1) < 0)
            return -1;
        if (peek(P)->type != T_RPAREN)
            return unexpected(P, peek(P), "')'");
        P->cur++;
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
        P->cur++;
    }
    if (peek(P)->type == T_PLUS)
        P->cur++;
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
    P->cur++;
    if (paren) {
        if (peek(P)->type != T_RPAREN)
            return unexpected(P, peek(P), "')'");
        P->cur++;
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
    P->cur++;
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
        negative ^= P->toks[P->cur++].type == T_MINUS;
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
        const token *op = &P->toks[P->cur++];
        fmpq_mpoly_t b;
        fmpq_mpoly_init(b, P->ctx);
        if (parse_unary(P, b, depth) < 0) {
            drop(P, b);
            return -1;
        }
        int rc = op->type == T_STAR ? op_mul(P, out, b, op->line) : op_div(P, out, b, op->line);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Adds up the n summands of parts[] pairwise, level by level, into parts[0]:
 * n log n work where adding them one by one into a growing sum would be
 * quadratic (each addition rewrites the whole sum, and rescales it when the
 * contents differ).  Every part is consumed. */
static int add_balanced(parser *P, fmpq_mpoly_struct *parts, size_t n, unsigned line)
{
    int rc = 0;
    for (size_t step = 1; step < n; step *= 2)
        for (size_t i = 0; i + step < n; i += 2 * step) {
            if (rc == 0)
                rc = op_add(P, &parts[i], &parts[i + step], 0, line);
            else
                drop(P, &parts[i + step]);
        }
    return rc;
}

/* product ((+|-) product)* — a leading sign belongs to the first unary */
static int parse_sum(parser *P, fmpq_mpoly_t out, int depth)
{
    if (parse_product(P, out, depth) < 0)
        return -1;
    if (peek(P)->type != T_PLUS && peek(P)->type != T_MINUS)
        return 0;
    size_t n = 1, cap = 8;
    fmpq_mpoly_struct *parts = cb_xmalloc(cap * sizeof *parts);
    parts[0] = *out;   /* moved out here, and back into out at the end */
    unsigned line = peek(P)->line;
    int rc = 0;
    while (rc == 0 && (peek(P)->type == T_PLUS || peek(P)->type == T_MINUS)) {
        int minus = P->toks[P->cur++].type == T_MINUS;
        if (n == cap)
            parts = cb_xrealloc(parts, (cap *= 2) * sizeof *parts);
        fmpq_mpoly_init(&parts[n], P->ctx);
        rc = parse_product(P, &parts[n], depth);
        if (rc == 0 && minus)
            fmpq_mpoly_neg(&parts[n], &parts[n], P->ctx);
        n++;
    }
    if (rc == 0) {
        rc = add_balanced(P, parts, n, line);
    } else {
        for (size_t i = 1; i < n; i++)
            drop(P, &parts[i]);
    }
    *out = parts[0];
    free(parts);
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
        P->cur++;
    cb_value dict;
    int rc = cb_poly_from_fmpq_mpoly(p, P->ctx, &dict, skip);
    if (rc < 0) {
        cb_fail_prefix(skip, "polynomial %d (line %u)", index, line);
        drop(P, p);
        return 1;
    }
    /* the dict replaces the FLINT polynomial but stays charged */
    fmpq_mpoly_clear(p, P->ctx);
    cb_seq_push(polys, dict);
    return 0;
}

/* The tokens of the polynomials are in P->toks; builds the system. */
static int parse_system(parser *P, int skip_empty, cb_value *system)
{
    for (size_t i = 0; i < P->ntoks; i++)
        if (P->toks[i].type == T_IMAG) {
            cb_fail(P->err, "complex coefficient ('%c' at line %u)",
                    P->text[P->toks[i].pos], P->toks[i].line);
            return CB_PHC_SKIPPED;
        }
    if (collect_vars(P) < 0)
        return -1;
    fmpq_mpoly_ctx_init(P->ctx, (slong)P->nvars, ORD_LEX);
    P->ctx_ready = 1;
    cb_value polys = cb_list_new(8);
    int index = 0;
    while (peek(P)->type != T_END) {
        if (peek(P)->type == T_SEMI) {
            if (!skip_empty) {
                cb_release(polys);
                return perr(P, peek(P)->line, "empty polynomial");
            }
            P->cur++;
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
    long count = 0, found = 0;
    size_t body = 0;
    unsigned line = 1;
    int rc = read_count_line(&P, &count, &body, &line);
    if (rc == 0 && opt && opt->first_paragraph) {
        size_t stop;
        first_paragraph(&P, &body, &stop, &line);
        rc = lex(&P, body, stop, line, 0, &found);
        if (rc == 0)
            rc = parse_system(&P, 1, system);
    } else if (rc == 0) {
        rc = lex(&P, body, len, line, count, &found);
        if (rc == 0 && found < count)
            rc = perr(&P, P.toks[P.ntoks > 1 ? P.ntoks - 2 : 0].line,
                      "expected %ld polynomials ended by ';', found %ld", count, found);
        if (rc == 0)
            rc = parse_system(&P, 0, system);
    }
    if (P.ctx_ready)
        fmpq_mpoly_ctx_clear(P.ctx);
    for (size_t i = 0; i < P.nvars; i++)
        free(P.vars[i]);
    free(P.vars);
    free(P.toks);
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
