/* fuzz_ranges.c — libFuzzer target for gen's range options (lib/data/ranges.c).
 * Any input must give either ranges or a one-line error: no crash, no leak,
 * no hang (numbers and nesting are bounded by the parser). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    cb_ranges r;
    cb_err err;
    if (cb_ranges_parse(s, &r, &err) == 0) {
        mpz_t n, lo, hi;
        mpz_inits(n, lo, hi, NULL);
        for (size_t i = 0; i < r.n; i++) {
            cb_range_part_len(&r.parts[i], n);
            cb_range_part_min_max(&r.parts[i], lo, hi);
            if (mpz_sgn(n) <= 0 || mpz_cmp(lo, hi) > 0)
                abort();   /* parsed ranges are never empty */
        }
        mpz_clears(n, lo, hi, NULL);
        cb_ranges_free(&r);
    } else if (strchr(err.msg, '\n')) {
        abort();           /* errors are one line */
    }
    mpz_t v;
    mpz_init(v);
    cb_int_expr_eval(s, v, &err);
    mpz_clear(v);
    free(s);
    return 0;
}
