/* test_canon.c — the canonical result text (harness/common/canon.c,
 * docs/protocol.md "The verify digest"): terms in descending lex order, like
 * terms summed (an interpreter may hand back an uncollected sum, as
 * Mathics3 10's Expand does), zero terms dropped, the zero polynomial "0". */
#include "canon.h"
#include "check.h"

#include <stdlib.h>

/* The canonical text of the terms COEFFS[i] * x^EXPS[2i] y^EXPS[2i+1]. */
static char *canon2(const long *coeffs, const unsigned long *exps, size_t n, int flags)
{
    cb_terms t;
    cb_terms_init(&t, 2);
    for (size_t i = 0; i < n; i++)
        mpz_set_si(cb_terms_push(&t, exps + 2 * i), coeffs[i]);
    cb_buf out = {0};
    cb_canon_poly(&out, &t, flags);
    cb_buf_putc(&out, 0);
    cb_terms_clear(&t);
    return out.data;
}

TEST(sorted_descending_lex)
{
    long c[] = {5, 3, -7};
    unsigned long e[] = {0, 1, 2, 0, 1, 3};
    char *s = canon2(c, e, 3, 0);
    CHECK_MSG(!strcmp(s, "3@2.0 -7@1.3 5@0.1"), "%s", s);
    free(s);
}

TEST(like_terms_summed)
{
    /* 2xy + 3 + 4xy - 3 + x^2: an uncollected sum */
    long c[] = {2, 3, 4, -3, 1};
    unsigned long e[] = {1, 1, 0, 0, 1, 1, 0, 0, 2, 0};
    char *s = canon2(c, e, 5, 0);
    CHECK_MSG(!strcmp(s, "1@2.0 6@1.1"), "%s", s);
    free(s);
}

TEST(like_terms_cancelling_to_zero)
{
    long c[] = {2, -2, 0};
    unsigned long e[] = {1, 1, 1, 1, 3, 0};
    char *s = canon2(c, e, 3, 0);
    CHECK_MSG(!strcmp(s, "0"), "%s", s);
    free(s);
    long c2[] = {-6, 4, 6, 9};   /* -6xy + 4y + 6xy + 9y = 13y */
    unsigned long e2[] = {1, 1, 0, 1, 1, 1, 0, 1};
    s = canon2(c2, e2, 4, CB_CANON_POSITIVE | CB_CANON_PRIMITIVE);
    CHECK_MSG(!strcmp(s, "1@0.1"), "%s", s);
    free(s);
}

int main(void)
{
    RUN(sorted_descending_lex);
    RUN(like_terms_summed);
    RUN(like_terms_cancelling_to_zero);
    return check_done();
}
