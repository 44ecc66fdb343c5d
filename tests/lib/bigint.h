/* bigint.h — building big Python ints for the C unit tests: sign·2^e + add,
 * the values around every size boundary the pickle and value tests probe. */
#ifndef CB_TEST_BIGINT_H
#define CB_TEST_BIGINT_H

#include <gmp.h>

#include "data/value.h"

static inline cb_value pow2(unsigned long e, int sign, long add)
{
    mpz_t z;
    mpz_init(z);
    mpz_ui_pow_ui(z, 2, e);
    if (sign < 0)
        mpz_neg(z, z);
    if (add >= 0)
        mpz_add_ui(z, z, (unsigned long)add);
    else
        mpz_sub_ui(z, z, (unsigned long)-add);
    cb_value v = cb_int_mpz(z);
    mpz_clear(z);
    return v;
}

#endif
