/* pyrandom.c — CPython's random.Random (see pyrandom.h).  The generator core
 * follows Modules/_randommodule.c (MT19937, init_by_array, getrandbits); the
 * draws follow Lib/random.py 3.11–3.13 (_randbelow_with_getrandbits,
 * randrange).  Every function here consumes exactly the 32-bit words CPython
 * consumes, in the same order: that is what makes a seed reproduce the
 * original generator's datasets. */
/* The word generator and the draw loops are the whole cost of gen: let GCC
 * vectorise and unroll them (-O3) whatever the build's level. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include "data/pyrandom.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum { N = 624, M = 397 };
#define MATRIX_A 0x9908b0dfU
#define UPPER_MASK 0x80000000U
#define LOWER_MASK 0x7fffffffU

static void init_genrand(cb_pyrandom *r, uint32_t s)
{
    r->mt[0] = s;
    for (int i = 1; i < N; i++)
        r->mt[i] = 1812433253U * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->index = N;
}

static void init_by_array(cb_pyrandom *r, const uint32_t *key, size_t len)
{
    uint32_t *mt = r->mt;
    init_genrand(r, 19650218U);
    size_t i = 1, j = 0;
    for (size_t k = N > len ? N : len; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
        i++, j++;
        if (i >= N) {
            mt[0] = mt[N - 1];
            i = 1;
        }
        if (j >= len)
            j = 0;
    }
    for (size_t k = N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= N) {
            mt[0] = mt[N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000U;   /* MSB is 1, assuring a non-zero initial array */
}

/* random_seed(): the key is abs(seed) cut into 32-bit words, least
 * significant first; 0 gives the one-word key [0]. */
void cb_pyrandom_seed(cb_pyrandom *r, const mpz_t seed)
{
    size_t bits = mpz_sgn(seed) ? mpz_sizeinbase(seed, 2) : 0;
    size_t words = bits == 0 ? 1 : (bits - 1) / 32 + 1, got = 0;
    uint32_t *key = cb_xcalloc(words, sizeof *key);
    mpz_export(key, &got, -1, sizeof *key, 0, 0, seed);   /* exports abs(seed) */
    init_by_array(r, key, words);
    free(key);
}

void cb_pyrandom_seed_i64(cb_pyrandom *r, int64_t seed)
{
    mpz_t z;
    mpz_init_set_si(z, seed);
    cb_pyrandom_seed(r, z);
    mpz_clear(z);
}

void cb_pyrandom_refill(cb_pyrandom *r)
{
    static const uint32_t mag01[2] = {0x0U, MATRIX_A};
    uint32_t *mt = r->mt, y;
    int kk;
    for (kk = 0; kk < N - M; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    for (; kk < N - 1; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
    r->index = 0;
}

static unsigned __int128 getrandbits128(cb_pyrandom *r, unsigned k)
{
    unsigned __int128 v = 0;
    for (unsigned shift = 0; k > 0; shift += 32) {
        uint32_t w = cb_pyrandom_u32(r);
        if (k < 32) {
            w >>= 32 - k;
            k = 0;
        } else {
            k -= 32;
        }
        v |= (unsigned __int128)w << shift;
    }
    return v;
}

void cb_pyrandom_getrandbits(cb_pyrandom *r, unsigned long k, mpz_t out)
{
    if (k == 0) {
        mpz_set_ui(out, 0);
        return;
    }
    size_t words = (k - 1) / 32 + 1;
    uint32_t stackbuf[64], *w = words <= 64 ? stackbuf : cb_xmalloc(words * sizeof *w);
    for (size_t i = 0; i < words; i++, k -= 32) {
        uint32_t x = cb_pyrandom_u32(r);
        if (k < 32)
            x >>= 32 - k;
        w[i] = x;
    }
    mpz_import(out, words, -1, sizeof *w, 0, 0, w);
    if (w != stackbuf)
        free(w);
}

void cb_pyrandom_randbelow(cb_pyrandom *r, const mpz_t n, mpz_t out)
{
    unsigned long k = mpz_sizeinbase(n, 2);
    cb_pyrandom_getrandbits(r, k, out);
    while (mpz_cmp(out, n) >= 0)
        cb_pyrandom_getrandbits(r, k, out);
}

/* random.py: n = (width + step - 1) // step for step > 0,
 *            n = (width + step + 1) // step for step < 0 (floor division). */
void cb_pyrandom_range_len(const mpz_t start, const mpz_t stop, const mpz_t step, mpz_t n)
{
    mpz_sub(n, stop, start);
    mpz_add(n, n, step);
    if (mpz_sgn(step) > 0)
        mpz_sub_ui(n, n, 1);
    else
        mpz_add_ui(n, n, 1);
    mpz_fdiv_q(n, n, step);
}

static int range_error(const mpz_t start, const mpz_t stop, const mpz_t step, cb_err *err)
{
    if (mpz_sgn(step) == 0)
        return cb_fail(err, "zero step for randrange()");
    char *a = mpz_get_str(NULL, 10, start), *b = mpz_get_str(NULL, 10, stop);
    if (mpz_cmp_ui(step, 1) == 0) {
        cb_fail(err, "empty range in randrange(%s, %s)", a, b);
    } else {
        char *c = mpz_get_str(NULL, 10, step);
        cb_fail(err, "empty range in randrange(%s, %s, %s)", a, b, c);
        free(c);
    }
    free(a);
    free(b);
    return -1;
}

int cb_pyrandom_randrange(cb_pyrandom *r, const mpz_t start, const mpz_t stop, const mpz_t step,
                          mpz_t out, cb_err *err)
{
    cb_pyrandom_sampler s;
    if (cb_pyrandom_sampler_init(&s, start, stop, step, err) < 0)
        return -1;
    cb_pyrandom_draw_mpz(r, &s, out);
    cb_pyrandom_sampler_clear(&s);
    return 0;
}

/* ---- samplers ---- */

enum { MODE_MPZ, MODE_I64, MODE_I128 };

static bool fits_bits_signed(const mpz_t z, unsigned bits)
{
    /* -2**(bits-1) <= z < 2**(bits-1) */
    if (mpz_sgn(z) >= 0)
        return mpz_sizeinbase(z, 2) < bits || mpz_sgn(z) == 0;
    mpz_t t;
    mpz_init(t);
    mpz_add_ui(t, z, 1);
    mpz_neg(t, t);   /* -z - 1 >= 0 */
    bool ok = mpz_sgn(t) == 0 || mpz_sizeinbase(t, 2) < bits;
    mpz_clear(t);
    return ok;
}

static void set_i128(__int128 *out, const mpz_t z)
{
    uint64_t w[2] = {0, 0};
    mpz_t a;
    mpz_init(a);
    mpz_abs(a, z);
    mpz_export(w, NULL, -1, sizeof w[0], 0, 0, a);
    mpz_clear(a);
    unsigned __int128 u = ((unsigned __int128)w[1] << 64) | w[0];
    if (mpz_sgn(z) < 0)
        u = -u;
    *out = (__int128)u;
}

int cb_pyrandom_sampler_init(cb_pyrandom_sampler *s, const mpz_t start, const mpz_t stop,
                             const mpz_t step, cb_err *err)
{
    if (mpz_sgn(step) == 0)
        return range_error(start, stop, step, err);
    mpz_init(s->n);
    cb_pyrandom_range_len(start, stop, step, s->n);
    if (mpz_sgn(s->n) <= 0) {
        mpz_clear(s->n);
        return range_error(start, stop, step, err);
    }
    mpz_init_set(s->start, start);
    mpz_init_set(s->step, step);
    s->k = mpz_sizeinbase(s->n, 2);
    /* last = start + step * (n - 1); the values lie between start and last */
    mpz_t last;
    mpz_init(last);
    mpz_sub_ui(last, s->n, 1);
    mpz_mul(last, last, step);
    mpz_add(last, last, start);
    s->mode = MODE_MPZ;
    if (s->k <= 64 && fits_bits_signed(start, 64) && fits_bits_signed(last, 64)) {
        s->mode = MODE_I64;
        s->n64 = 0;
        mpz_export(&s->n64, NULL, -1, sizeof s->n64, 0, 0, s->n);
        s->start64 = mpz_get_si(start);
        /* |step| <= |last - start| < 2**64 when n > 1; kept modulo 2**64 */
        __int128 step128 = 0;
        if (mpz_cmp_ui(s->n, 1) != 0)
            set_i128(&step128, step);   /* step may be huge when n == 1: unused */
        s->step64 = (int64_t)(uint64_t)step128;
    } else if (s->k <= 128 && fits_bits_signed(start, 128) && fits_bits_signed(last, 128)) {
        s->mode = MODE_I128;
        __int128 n;
        set_i128(&n, s->n);
        s->n128 = (unsigned __int128)n;
        set_i128(&s->start128, start);
        if (mpz_cmp_ui(s->n, 1) == 0)
            s->step128 = 0;
        else
            set_i128(&s->step128, step);
    }
    mpz_clear(last);
    return 0;
}

void cb_pyrandom_sampler_clear(cb_pyrandom_sampler *s)
{
    mpz_clear(s->start);
    mpz_clear(s->step);
    mpz_clear(s->n);
}

bool cb_pyrandom_sampler_is_i64(const cb_pyrandom_sampler *s) { return s->mode == MODE_I64; }
bool cb_pyrandom_sampler_is_i128(const cb_pyrandom_sampler *s) { return s->mode != MODE_MPZ; }

static unsigned __int128 randbelow128(cb_pyrandom *r, unsigned __int128 n, unsigned k)
{
    unsigned __int128 x = getrandbits128(r, k);
    while (x >= n)
        x = getrandbits128(r, k);
    return x;
}

/* start + step * r modulo 2**128: exact, the true value is known to fit. */
__int128 cb_pyrandom_draw_i128(cb_pyrandom *r, const cb_pyrandom_sampler *s)
{
    if (s->mode == MODE_I64)
        return cb_pyrandom_draw_i64(r, s);
    unsigned __int128 x = randbelow128(r, s->n128, (unsigned)s->k);
    return (__int128)((unsigned __int128)s->start128 + (unsigned __int128)s->step128 * x);
}

static void set_mpz_i128(mpz_t out, __int128 v)
{
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    uint64_t w[2] = {(uint64_t)u, (uint64_t)(u >> 64)};
    mpz_import(out, 2, -1, sizeof w[0], 0, 0, w);
    if (v < 0)
        mpz_neg(out, out);
}

void cb_pyrandom_draw_mpz(cb_pyrandom *r, const cb_pyrandom_sampler *s, mpz_t out)
{
    if (s->mode == MODE_I64) {
        mpz_set_si(out, cb_pyrandom_draw_i64(r, s));
    } else if (s->mode == MODE_I128) {
        set_mpz_i128(out, cb_pyrandom_draw_i128(r, s));
    } else {
        cb_pyrandom_randbelow(r, s->n, out);
        mpz_mul(out, out, s->step);
        mpz_add(out, out, s->start);
    }
}
