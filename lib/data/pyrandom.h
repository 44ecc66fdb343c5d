/* pyrandom.h — CPython's random.Random, bit for bit.
 *
 * `casbench gen` must draw the very numbers the original Python generator
 * drew, so this is CPython's Mersenne Twister (Modules/_randommodule.c) with
 * its seeding from an int (init_by_array over the 32-bit words of abs(seed),
 * least significant first), getrandbits(k) for any k (32-bit words assembled
 * least significant first, the last one shifted right), and Lib/random.py's
 * _randbelow_with_getrandbits and randrange(start, stop, step).  Big
 * integers go through GMP.
 *
 * For the generator's hot loop, a cb_pyrandom_sampler precomputes one
 * randrange(start, stop, step) and draws it without GMP whenever the numbers
 * fit in machine words. */
#ifndef CB_PYRANDOM_H
#define CB_PYRANDOM_H

#include <stdbool.h>
#include <stdint.h>
#include <gmp.h>

#include "common/error.h"

typedef struct {
    uint32_t mt[624];
    int index;
} cb_pyrandom;

/* random.Random(seed) for an int seed (its sign is ignored, as in CPython). */
void cb_pyrandom_seed(cb_pyrandom *r, const mpz_t seed);
void cb_pyrandom_seed_i64(cb_pyrandom *r, int64_t seed);

/* The raw 32-bit output (genrand_uint32), inline: the generator's hot loop
 * lives on it. */
void cb_pyrandom_refill(cb_pyrandom *r);   /* the next 624 words */
static inline uint32_t cb_pyrandom_u32(cb_pyrandom *r)
{
    if (r->index >= 624)
        cb_pyrandom_refill(r);
    uint32_t y = r->mt[r->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

/* getrandbits(k) for k <= 64: words least significant first, the last one
 * keeping its top bits; k <= 32 takes one word (CPython's fast path). */
static inline uint64_t cb_pyrandom_getrandbits64(cb_pyrandom *r, unsigned k)
{
    if (k == 0)
        return 0;
    if (k <= 32)
        return cb_pyrandom_u32(r) >> (32 - k);
    uint64_t lo = cb_pyrandom_u32(r);
    uint64_t hi = cb_pyrandom_u32(r) >> (64 - k);
    return lo | hi << 32;
}

/* getrandbits(k) for any k into out. */
void cb_pyrandom_getrandbits(cb_pyrandom *r, unsigned long k, mpz_t out);
/* _randbelow(n) for n > 0: k = n.bit_length() (not of n-1: n may be 1, as
 * in random.py), draw k bits until below n. */
static inline uint64_t cb_pyrandom_randbelow64(cb_pyrandom *r, uint64_t n)
{
    unsigned k = 64 - (unsigned)__builtin_clzll(n);
    uint64_t x = cb_pyrandom_getrandbits64(r, k);
    while (x >= n)
        x = cb_pyrandom_getrandbits64(r, k);
    return x;
}
void cb_pyrandom_randbelow(cb_pyrandom *r, const mpz_t n, mpz_t out);
/* randrange(start, stop, step): 0, or -1 with Python 3.12's ValueError text
 * in err for an empty range or a zero step. */
int cb_pyrandom_randrange(cb_pyrandom *r, const mpz_t start, const mpz_t stop, const mpz_t step,
                          mpz_t out, cb_err *err);

/* len(range(start, stop, step)) as randrange computes it (step != 0);
 * negative when empty. */
void cb_pyrandom_range_len(const mpz_t start, const mpz_t stop, const mpz_t step, mpz_t n);

/* One randrange(start, stop, step) prepared for repeated draws. */
typedef struct {
    mpz_t start, step, n;      /* n = number of values, > 0 */
    unsigned long k;           /* n's bit length */
    int mode;                  /* how draws are computed, see pyrandom.c */
    uint64_t n64;
    int64_t start64, step64;
    __int128 start128, step128;
    unsigned __int128 n128;
} cb_pyrandom_sampler;

int cb_pyrandom_sampler_init(cb_pyrandom_sampler *s, const mpz_t start, const mpz_t stop,
                             const mpz_t step, cb_err *err);
void cb_pyrandom_sampler_clear(cb_pyrandom_sampler *s);
/* True when every value of the range fits in int64 (then use draw_i64). */
bool cb_pyrandom_sampler_is_i64(const cb_pyrandom_sampler *s);
/* True when every value fits in a signed 128-bit word (draw_i128). */
bool cb_pyrandom_sampler_is_i128(const cb_pyrandom_sampler *s);
/* start + step * r, computed modulo 2**64: exact, the true value fits. */
static inline int64_t cb_pyrandom_draw_i64(cb_pyrandom *r, const cb_pyrandom_sampler *s)
{
    uint64_t x = cb_pyrandom_randbelow64(r, s->n64);
    return (int64_t)((uint64_t)s->start64 + (uint64_t)s->step64 * x);
}
__int128 cb_pyrandom_draw_i128(cb_pyrandom *r, const cb_pyrandom_sampler *s);
void cb_pyrandom_draw_mpz(cb_pyrandom *r, const cb_pyrandom_sampler *s, mpz_t out);

#endif
