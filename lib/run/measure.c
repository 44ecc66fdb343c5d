/* measure.c — the measurement settings of a run and their defaults per
 * mode (see measure.h, docs/measurement.md). */
#include "run/measure.h"
#include "common/bounds.h"
#include "common/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

cb_measure cb_measure_defaults(void)
{
    return (cb_measure){.warmup = -1, .min_time_auto = true, .min_time = 0, .rounds = -1, .repeats = -1};
}

int cb_measure_parse_min_time(const char *s, cb_measure *m, cb_err *err)
{
    if (!strcmp(s, "auto")) {
        m->min_time_auto = true;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0)
        return cb_fail(err, "--min-time: '%s' is not auto or a number of seconds >= 0", s);
    if (v > CB_MAX_SECONDS)   /* the clock arithmetic's bound, as for --timeout */
        return cb_fail(err, "--min-time: '%s' is more than %g seconds, the longest limit casbench takes", s,
                       CB_MAX_SECONDS);
    m->min_time_auto = false;
    m->min_time = v;
    return 0;
}

int cb_measure_warmup(const cb_measure *m, cb_mode mode)
{
    if (mode == CB_MODE_VERIFY)
        return 0;
    if (m->warmup >= 0)
        return m->warmup;
    return mode == CB_MODE_MEM ? 0 : CB_WARMUP_DEFAULT;
}

double cb_measure_min_time(const cb_measure *m, cb_mode mode)
{
    if (mode == CB_MODE_MEM || mode == CB_MODE_VERIFY)
        return 0;
    return m->min_time_auto ? CB_MIN_TIME_AUTO : m->min_time;
}

int cb_measure_parse_seed(const char *s, cb_measure *m, cb_err *err)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0 || s[0] == '+' || s[0] == ' ')
        return cb_fail(err, "--seed: '%s' is not an integer from 0 to %lld", s, (long long)INT64_MAX);
    m->seed_given = true;
    m->seed = v;
    return 0;
}

int cb_measure_rounds(const cb_measure *m, cb_mode mode)
{
    if (mode != CB_MODE_BENCHMARK)
        return 1;
    return m->rounds >= 1 ? m->rounds : CB_ROUNDS_DEFAULT;
}

int cb_measure_repeats(const cb_measure *m, cb_mode mode)
{
    (void)mode;   /* the same in every mode */
    return m->repeats >= 1 ? m->repeats : CB_REPEATS_DEFAULT;
}

int64_t cb_measure_draw_seed(void)
{
    uint64_t v;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)   /* never short for 8 bytes; a fallback all the same */
        v = (uint64_t)time(NULL) * 6364136223846793005u ^ (uint64_t)getpid();
    return (int64_t)(v >> 1);
}

/* splitmix64: the order's generator (small, and the same on every
 * platform, so that a recorded seed gives the same order everywhere). */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void cb_measure_round_order(int64_t seed, const char *runner, int round, size_t *rank, size_t n)
{
    uint64_t state = (uint64_t)seed;
    for (const char *c = runner; *c; c++)   /* FNV-1a of the runner's id */
        state = (state ^ (unsigned char)*c) * 1099511628211u;
    state ^= (uint64_t)round * 0xd1b54a32d192ed03u;
    splitmix64(&state);
    size_t *order = cb_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {   /* Fisher-Yates; the modulo bias is below 2^-40 for any run list */
        size_t j = (size_t)(splitmix64(&state) % i);
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t pos = 0; pos < n; pos++)
        rank[order[pos]] = pos;
    free(order);
}

void cb_measure_to_json(const cb_measure *m, json_object *options)
{
    json_object_object_add(options, "warmup", json_object_new_int(cb_measure_warmup(m, CB_MODE_BENCHMARK)));
    json_object_object_add(options, "min_time", m->min_time_auto ? json_object_new_string("auto")
                                                                  : json_object_new_double(m->min_time));
    json_object_object_add(options, "min_time_target",
                           json_object_new_double(cb_measure_min_time(m, CB_MODE_BENCHMARK)));
    json_object_object_add(options, "rounds", json_object_new_int(cb_measure_rounds(m, CB_MODE_BENCHMARK)));
    json_object_object_add(options, "repeats", json_object_new_int(cb_measure_repeats(m, CB_MODE_BENCHMARK)));
    json_object_object_add(options, "seed", m->seed_given ? json_object_new_int64(m->seed) : NULL);
}
