/* paper_counts.c — term counts of the large literature products, straight
 * from FLINT (bench/paper_counts.sh builds and runs it).  Too big for a test
 * through casbench's dataset values (5.8 million terms), so they are checked
 * here: Pearce's (1+x+y+2z^2+3t^3+5u^5)^m (1+u+t+2z^2+3y^3+5x^5)^n and
 * Fateman's f (f+1), f = (1+x+y+z+t)^n.  Prints "name terms". */
#include <stdio.h>
#include <stdlib.h>

#include <flint/fmpz_mpoly.h>

static slong product_terms(const char **vars, slong nvars, const char *a, ulong m, const char *b,
                           ulong n, int plus_one)
{
    fmpz_mpoly_ctx_t ctx;
    fmpz_mpoly_t f, g, p;
    fmpz_mpoly_ctx_init(ctx, nvars, ORD_LEX);
    fmpz_mpoly_init(f, ctx);
    fmpz_mpoly_init(g, ctx);
    fmpz_mpoly_init(p, ctx);
    if (fmpz_mpoly_set_str_pretty(f, a, vars, ctx) || fmpz_mpoly_set_str_pretty(g, b, vars, ctx)) {
        fprintf(stderr, "paper_counts: bad polynomial text\n");
        exit(2);
    }
    fmpz_mpoly_pow_ui(f, f, m, ctx);
    fmpz_mpoly_pow_ui(g, g, n, ctx);
    if (plus_one)
        fmpz_mpoly_add_ui(g, f, 1, ctx);
    fmpz_mpoly_mul(p, f, g, ctx);
    slong len = fmpz_mpoly_length(p, ctx);
    fmpz_mpoly_clear(f, ctx);
    fmpz_mpoly_clear(g, ctx);
    fmpz_mpoly_clear(p, ctx);
    fmpz_mpoly_ctx_clear(ctx);
    return len;
}

int main(void)
{
    const char *v5[] = {"x", "y", "z", "t", "u"};
    const char *v4[] = {"x", "y", "z", "t"};
    const char *v3[] = {"x", "y", "z"};
    printf("pearce-12-12 product %ld (published 5821335)\n",
           (long)product_terms(v5, 5, "1+x+y+2*z^2+3*t^3+5*u^5", 12, "1+u+t+2*z^2+3*y^3+5*x^5", 12, 0));
    printf("fateman-20 product %ld (published 135751)\n",
           (long)product_terms(v4, 4, "1+x+y+z+t", 20, "1", 1, 1));
    printf("fateman3-20 product %ld (published 12341)\n",
           (long)product_terms(v3, 3, "x+y+z+1", 20, "1", 1, 1));
    return 0;
}
