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

#include "error.h"

typedef struct {
    uint32_t mt[624];
    int index;
} cb_pyrandom;

/* random.Random(seed) for an int seed (its sign is ignored, as in CPython). */
void cb_pyrandom_seed(cb_pyrandom *r, const mpz_t seed);
void cb_pyrandom_seed_i64(cb_pyrandom *r, int64_t seed);

/* The raw 32-bit output (genrand_uint32). */
uint32_t cb_pyrandom_u32(cb_pyrandom *r);
/* getrandbits(k): for k <= 64 as a machine word, for any k into out. */
uint64_t cb_pyrandom_getrandbits64(cb_pyrandom *r, unsigned k);
void cb_pyrandom_getrandbits(cb_pyrandom *r, unsigned long k, mpz_t out);
/* _randbelow(n) for n > 0. */
uint64_t cb_pyrandom_randbelow64(cb_pyrandom *r, uint64_t n);
void cb_pyrandom_randbelow(cb_pyrandom *r, const mpz_t n, mpz_t out);
/* randrange(start, stop, step): 0, or -1 with Python's ValueError text in
 * err for an empty range or a zero step. */
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
int64_t cb_pyrandom_draw_i64(cb_pyrandom *r, const cb_pyrandom_sampler *s);
__int128 cb_pyrandom_draw_i128(cb_pyrandom *r, const cb_pyrandom_sampler *s);
void cb_pyrandom_draw_mpz(cb_pyrandom *r, const cb_pyrandom_sampler *s, mpz_t out);

#endif
