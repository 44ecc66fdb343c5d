/* ranges.c — parsing and evaluating gen's range options (see ranges.h for
 * the grammar).  A small recursive-descent parser over one part at a time:
 *
 *   part  := sum [ '-' sum [ ':' sum ] ]
 *   sum   := term { '+' term }          ('-' too, inside parentheses only)
 *   term  := unary { ('*' | '//' | '%') unary }
 *   unary := ('-' | '+') unary | power
 *   power := atom [ '**' unary ]
 *   atom  := decimal integer (digits, '_' between digits) | '(' sum ')'
 *
 * Every intermediate value is bounded (LIMIT_BITS) before it is computed, so
 * hostile input like 2**2**100 is refused instead of exhausting memory. */
#include "data/ranges.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum { LIMIT_BITS = 1000000, MAX_DEPTH = 100 };

typedef struct {
    const char *s;    /* the part being parsed (not NUL-terminated) */
    size_t len, pos;
    int depth;
    cb_err *err;
    bool failed;
    const char *what;   /* "range" or "number", for messages */
} parser;

/* Copies at most 200 bytes of s for an error message, control characters
 * shown as '?' so that the message stays one line. */
static void quote(char *out, const char *s, size_t len)
{
    size_t n = len > 200 ? 200 : len;
    for (size_t i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    strcpy(out + n, len > 200 ? "..." : "");
}

/* Errors quote the whole part: "bad range '5-': a number is missing at the end". */
static int perr(parser *p, const char *what)
{
    if (p->failed)
        return -1;
    p->failed = true;
    char q[210];
    quote(q, p->s, p->len);
    return cb_fail(p->err, "bad %s '%s': %s", p->what ? p->what : "range", q, what);
}

static int perr_here(parser *p, const char *what)
{
    char msg[300], c[4];
    if (p->pos >= p->len) {
        snprintf(msg, sizeof msg, "%s at the end", what);
    } else {
        quote(c, p->s + p->pos, 1);
        snprintf(msg, sizeof msg, "%s at '%s' (column %zu)", what, c, p->pos + 1);
    }
    return perr(p, msg);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

static bool peek(parser *p, const char *tok)
{
    skip_ws(p);
    size_t n = strlen(tok);
    return p->pos + n <= p->len && memcmp(p->s + p->pos, tok, n) == 0;
}

static bool too_big(const mpz_t z) { return mpz_sizeinbase(z, 2) > LIMIT_BITS; }

static int parse_sum(parser *p, mpz_t out, bool allow_minus);
static int parse_unary(parser *p, mpz_t out);

static int parse_number(parser *p, mpz_t out)
{
    size_t start = p->pos;
    char *digits = cb_xmalloc(p->len - start + 1);
    size_t n = 0;
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (isdigit((unsigned char)c)) {
            digits[n++] = c;
        } else if (c == '_' && n > 0 && p->pos + 1 < p->len && isdigit((unsigned char)p->s[p->pos + 1]) &&
                   isdigit((unsigned char)p->s[p->pos - 1])) {
            /* Python's 1_000 */
        } else {
            break;
        }
        p->pos++;
    }
    digits[n] = 0;
    int rc = 0;
    if (n > LIMIT_BITS / 3)
        rc = perr(p, "number too large (the limit is 2**1000000)");
    else
        mpz_set_str(out, digits, 10);
    free(digits);
    return rc;
}

static int parse_atom(parser *p, mpz_t out)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return perr_here(p, "a number is missing");
    char c = p->s[p->pos];
    if (isdigit((unsigned char)c))
        return parse_number(p, out);
    if (c != '(')
        return perr_here(p, "expected a number or '('");
    if (++p->depth > MAX_DEPTH)
        return perr(p, "nested too deeply");
    p->pos++;
    if (parse_sum(p, out, true) < 0)
        return -1;
    if (!peek(p, ")"))
        return perr_here(p, "expected ')'");
    p->pos++;
    p->depth--;
    return 0;
}

/* base ** exp, refusing negative exponents (Python would give a float) and
 * results beyond LIMIT_BITS before computing them. */
static int power(parser *p, mpz_t base, const mpz_t exp)
{
    if (mpz_sgn(exp) < 0)
        return perr(p, "negative exponent (not an integer)");
    if (mpz_cmpabs_ui(base, 1) <= 0) {   /* 0, 1, -1: any exponent */
        if (mpz_sgn(exp) == 0)
            mpz_set_ui(base, 1);
        else if (mpz_sgn(base) < 0 && mpz_even_p(exp))
            mpz_set_ui(base, 1);
        return 0;
    }
    size_t bits = mpz_sizeinbase(base, 2);   /* |base| >= 2**(bits-1) */
    if (!mpz_fits_ulong_p(exp) || (double)(bits - 1) * mpz_get_d(exp) > LIMIT_BITS ||
        mpz_get_ui(exp) > LIMIT_BITS)
        return perr(p, "number too large (the limit is 2**1000000)");
    mpz_pow_ui(base, base, mpz_get_ui(exp));
    return too_big(base) ? perr(p, "number too large (the limit is 2**1000000)") : 0;
}

static int parse_power(parser *p, mpz_t out)
{
    if (parse_atom(p, out) < 0)
        return -1;
    if (!peek(p, "**"))
        return 0;
    p->pos += 2;
    mpz_t e;
    mpz_init(e);
    int rc = parse_unary(p, e);   /* right-associative; 2**-1 reaches power() */
    if (rc == 0)
        rc = power(p, out, e);
    mpz_clear(e);
    return rc;
}

static int parse_unary(parser *p, mpz_t out)
{
    skip_ws(p);
    if (p->pos < p->len && (p->s[p->pos] == '-' || p->s[p->pos] == '+')) {
        bool neg = p->s[p->pos] == '-';
        p->pos++;
        if (++p->depth > MAX_DEPTH)
            return perr(p, "nested too deeply");
        if (parse_unary(p, out) < 0)
            return -1;
        p->depth--;
        if (neg)
            mpz_neg(out, out);
        return 0;
    }
    return parse_power(p, out);
}

static int parse_term(parser *p, mpz_t out)
{
    if (parse_unary(p, out) < 0)
        return -1;
    mpz_t rhs;
    mpz_init(rhs);
    int rc = 0;
    for (;;) {
        char op;
        if (peek(p, "**"))
            break;
        if (peek(p, "*"))
            op = '*', p->pos += 1;
        else if (peek(p, "//"))
            op = '/', p->pos += 2;
        else if (peek(p, "%"))
            op = '%', p->pos += 1;
        else if (peek(p, "/")) {
            rc = perr_here(p, "only integer division '//' is allowed");
            break;
        } else
            break;
        if ((rc = parse_unary(p, rhs)) < 0)
            break;
        if (op != '*' && mpz_sgn(rhs) == 0) {
            rc = perr(p, "division by zero");
            break;
        }
        if (op == '*')
            mpz_mul(out, out, rhs);
        else if (op == '/')
            mpz_fdiv_q(out, out, rhs);   /* Python floors */
        else
            mpz_fdiv_r(out, out, rhs);   /* result has the divisor's sign */
        if (too_big(out)) {
            rc = perr(p, "number too large (the limit is 2**1000000)");
            break;
        }
    }
    mpz_clear(rhs);
    return rc;
}

static int parse_sum(parser *p, mpz_t out, bool allow_minus)
{
    if (parse_term(p, out) < 0)
        return -1;
    mpz_t rhs;
    mpz_init(rhs);
    int rc = 0;
    while (peek(p, "+") || (allow_minus && peek(p, "-"))) {
        bool minus = p->s[p->pos] == '-';
        p->pos++;
        if ((rc = parse_term(p, rhs)) < 0)
            break;
        if (minus)
            mpz_sub(out, out, rhs);
        else
            mpz_add(out, out, rhs);
        if (too_big(out)) {
            rc = perr(p, "number too large (the limit is 2**1000000)");
            break;
        }
    }
    mpz_clear(rhs);
    return rc;
}

void cb_range_part_len(const cb_range_part *r, mpz_t n)
{
    /* Python's len(range): ceil((stop - start) / step), at least 0 */
    mpz_sub(n, r->stop, r->start);
    mpz_cdiv_q(n, n, r->step);
    if (mpz_sgn(n) < 0)
        mpz_set_ui(n, 0);
}

void cb_range_part_min_max(const cb_range_part *r, mpz_t min, mpz_t max)
{
    mpz_t last;
    mpz_init(last);
    cb_range_part_len(r, last);
    mpz_sub_ui(last, last, 1);
    mpz_mul(last, last, r->step);
    mpz_add(last, last, r->start);
    if (mpz_sgn(r->step) > 0)
        mpz_set(min, r->start), mpz_set(max, last);
    else
        mpz_set(min, last), mpz_set(max, r->start);
    mpz_clear(last);
}

static int parse_part(const char *s, size_t len, cb_range_part *out, cb_err *err)
{
    parser p = {s, len, 0, 0, err, false, "range"};
    mpz_inits(out->start, out->stop, out->step, NULL);
    mpz_set_ui(out->step, 1);
    int rc = parse_sum(&p, out->start, false);
    if (rc == 0 && peek(&p, "-")) {
        p.pos++;
        rc = parse_sum(&p, out->stop, false);
        if (rc == 0 && peek(&p, ":")) {
            p.pos++;
            rc = parse_sum(&p, out->step, false);
        }
    } else if (rc == 0 && peek(&p, ":")) {
        rc = perr_here(&p, "a step needs a stop (write A-B:S)");
    } else if (rc == 0) {
        mpz_add_ui(out->stop, out->start, 1);
    }
    skip_ws(&p);
    if (rc == 0 && p.pos < p.len)
        rc = perr_here(&p, "unexpected character");
    if (rc == 0 && mpz_sgn(out->step) == 0)
        rc = perr(&p, "the step is 0");
    if (rc == 0) {
        mpz_t n;
        mpz_init(n);
        cb_range_part_len(out, n);
        if (mpz_sgn(n) == 0)
            rc = perr(&p, "the range is empty (the stop is exclusive)");
        mpz_clear(n);
    }
    if (rc < 0)
        mpz_clears(out->start, out->stop, out->step, NULL);
    return rc;
}

int cb_ranges_parse(const char *text, cb_ranges *out, cb_err *err)
{
    out->parts = NULL;
    out->n = 0;
    size_t cap = 0;
    const char *s = text;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        /* trim, so that errors quote the part as the user wrote it */
        const char *a = s, *b = s + len;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a == b) {
            char q[210];
            quote(q, text, strlen(text));
            cb_ranges_free(out);
            return cb_fail(err, "bad range '%s': an empty part", q);
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 4;
            out->parts = cb_xrealloc(out->parts, cap * sizeof *out->parts);
        }
        if (parse_part(a, (size_t)(b - a), &out->parts[out->n], err) < 0) {
            cb_ranges_free(out);
            return -1;
        }
        out->n++;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

void cb_ranges_free(cb_ranges *r)
{
    for (size_t i = 0; i < r->n; i++)
        mpz_clears(r->parts[i].start, r->parts[i].stop, r->parts[i].step, NULL);
    free(r->parts);
    r->parts = NULL;
    r->n = 0;
}

int cb_int_expr_eval(const char *text, mpz_t out, cb_err *err)
{
    parser p = {text, strlen(text), 0, 0, err, false, "number"};
    if (parse_sum(&p, out, true) < 0)
        return -1;
    skip_ws(&p);
    if (p.pos < p.len)
        return perr_here(&p, "unexpected character");
    return 0;
}
