/* test_measure.c — the measurement settings (docs/measurement.md): the
 * calibration rule cb_next_loops (harness/common/supervisor.c; the Python
 * runtime's next_loops is checked against the same table in
 * tests/integration/python_runtime.py), and lib/run/measure.c's defaults per
 * mode and --min-time parsing; the modes' names (lib/common/mode.h) both ways. */
#include "check.h"
#include "supervisor.h"
#include "run/measure.h"
#include "common/mode.h"

#include <math.h>

TEST(next_loops)
{
    static const struct {
        int64_t loops, wall_ns, target_ns, want;
    } table[] = {
        {1, 2000000, 20000000, 13},         /* 1.25 * 20 / 2 = 12.5, up */
        {1, 1000, 10000000, 100},           /* at most 100 times as many */
        {1, 0, 10000000, 100},              /* a step the clock did not see */
        {100, 100000, 10000000, 10000},
        {100, 9000000, 10000000, 200},      /* at least twice as many */
        {7353, 9999999, 10000000, 14706},
        {3, 1000000, 10000000, 38},         /* 37.5, up */
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        int64_t got = cb_next_loops(table[i].loops, table[i].wall_ns, table[i].target_ns);
        CHECK_MSG(got == table[i].want, "row %zu: %lld, want %lld", i, (long long)got, (long long)table[i].want);
    }
    CHECK(cb_next_loops((int64_t)1 << 39, 1, 10000000) == (int64_t)1 << 40);   /* bounded */
}

TEST(defaults_per_mode)
{
    cb_measure m = cb_measure_defaults();
    CHECK(cb_measure_warmup(&m, CB_MODE_BENCHMARK) == 1 && cb_measure_warmup(&m, CB_MODE_CPU) == 1);
    CHECK(cb_measure_warmup(&m, CB_MODE_MEM) == 0 && cb_measure_warmup(&m, CB_MODE_VERIFY) == 0);
    CHECK(cb_measure_min_time(&m, CB_MODE_BENCHMARK) == CB_MIN_TIME_AUTO && CB_MIN_TIME_AUTO == 0.01);
    CHECK(cb_measure_min_time(&m, CB_MODE_CPU) == CB_MIN_TIME_AUTO);
    CHECK(cb_measure_min_time(&m, CB_MODE_MEM) == 0 && cb_measure_min_time(&m, CB_MODE_VERIFY) == 0);
    m.warmup = 3;
    CHECK(cb_measure_warmup(&m, CB_MODE_MEM) == 3 && cb_measure_warmup(&m, CB_MODE_VERIFY) == 0);
}

TEST(parse_min_time)
{
    cb_measure m = cb_measure_defaults();
    cb_err err;
    CHECK(cb_measure_parse_min_time("0.25", &m, &err) == 0 && !m.min_time_auto && m.min_time == 0.25);
    CHECK(cb_measure_min_time(&m, CB_MODE_BENCHMARK) == 0.25 && cb_measure_min_time(&m, CB_MODE_MEM) == 0);
    CHECK(cb_measure_parse_min_time("0", &m, &err) == 0 && cb_measure_min_time(&m, CB_MODE_BENCHMARK) == 0);
    CHECK(cb_measure_parse_min_time("auto", &m, &err) == 0 && m.min_time_auto);
    const char *bad[] = {"-1", "x", "", "1s", "nan", "inf", "Auto"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(cb_measure_parse_min_time(bad[i], &m, &err) < 0 && strstr(err.msg, "--min-time"), "'%s'", bad[i]);
    CHECK(m.min_time_auto);   /* a bad value changes nothing */
    json_object *o = json_object_new_object();
    cb_measure_to_json(&m, o);
    CHECK(!strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                  "{\"warmup\":1,\"min_time\":\"auto\",\"min_time_target\":0.01,\"rounds\":3,\"repeats\":3,"
                  "\"seed\":null}"));
    json_object_put(o);
}

TEST(rounds_and_seed)
{
    cb_measure m = cb_measure_defaults();
    cb_err err;
    CHECK(cb_measure_rounds(&m, CB_MODE_BENCHMARK) == CB_ROUNDS_DEFAULT);
    CHECK(cb_measure_rounds(&m, CB_MODE_CPU) == 1 && cb_measure_rounds(&m, CB_MODE_MEM) == 1 &&
          cb_measure_rounds(&m, CB_MODE_VERIFY) == 1);
    /* 3 timed repeats per call and round by default, in every mode and
     * whatever the rounds */
    CHECK(CB_REPEATS_DEFAULT == 3);
    CHECK(cb_measure_repeats(&m, CB_MODE_BENCHMARK) == 3 && cb_measure_repeats(&m, CB_MODE_CPU) == 3 &&
          cb_measure_repeats(&m, CB_MODE_MEM) == 3);
    m.rounds = 1;
    CHECK(cb_measure_repeats(&m, CB_MODE_BENCHMARK) == 3);
    m.rounds = 7;
    CHECK(cb_measure_rounds(&m, CB_MODE_BENCHMARK) == 7 && cb_measure_rounds(&m, CB_MODE_MEM) == 1);
    CHECK(cb_measure_repeats(&m, CB_MODE_BENCHMARK) == 3);
    m.repeats = 5;   /* --repeats: per round, in every mode */
    CHECK(cb_measure_repeats(&m, CB_MODE_BENCHMARK) == 5 && cb_measure_repeats(&m, CB_MODE_MEM) == 5);
    m.repeats = -1;
    CHECK(cb_measure_parse_seed("0", &m, &err) == 0 && m.seed_given && m.seed == 0);
    CHECK(cb_measure_parse_seed("9223372036854775807", &m, &err) == 0 && m.seed == INT64_MAX);
    const char *bad[] = {"-1", "x", "", "1.5", "9223372036854775808", " 3", "+3", "3 "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(cb_measure_parse_seed(bad[i], &m, &err) < 0 && strstr(err.msg, "--seed"), "'%s'", bad[i]);
    CHECK(m.seed == INT64_MAX);
    json_object *o = json_object_new_object();
    cb_measure_to_json(&m, o);
    CHECK(json_object_get_int(json_object_object_get(o, "rounds")) == 7 &&
          json_object_get_int64(json_object_object_get(o, "seed")) == INT64_MAX);
    json_object_put(o);
    CHECK(cb_measure_draw_seed() >= 0);
}

/* The order of a round: a permutation, the same for the same seed, runner
 * and round (a --resume goes on with it), another one otherwise. */
TEST(round_order)
{
    enum { N = 50 };
    size_t a[N], b[N], c[N], d[N], e[N];
    cb_measure_round_order(42, "flint.benchmark", 1, a, N);
    cb_measure_round_order(42, "flint.benchmark", 1, b, N);
    cb_measure_round_order(42, "flint.benchmark", 2, c, N);
    cb_measure_round_order(42, "pari.benchmark", 1, d, N);
    cb_measure_round_order(43, "flint.benchmark", 1, e, N);
    bool seen[N] = {false};
    size_t fixed = 0;
    for (size_t i = 0; i < N; i++) {
        CHECK(a[i] < N && !seen[a[i]]);
        seen[a[i]] = true;
        fixed += a[i] == i;
    }
    CHECK(!memcmp(a, b, sizeof a));
    CHECK(memcmp(a, c, sizeof a) && memcmp(a, d, sizeof a) && memcmp(a, e, sizeof a));
    CHECK_MSG(fixed < 10, "%zu of %d calls keep their place", fixed, N);   /* shuffled, not the run list's order */
    size_t one;
    cb_measure_round_order(1, "x", 0, &one, 1);
    CHECK(one == 0);
    cb_measure_round_order(1, "x", 0, NULL, 0);   /* an empty run list */
}

TEST(mode_names)
{
    static const char *const names[] = {"benchmark", "cpu", "mem", "verify"};
    for (int m = CB_MODE_BENCHMARK; m <= CB_MODE_VERIFY; m++) {
        cb_mode back = (cb_mode)-1;
        CHECK_MSG(!strcmp(cb_mode_name((cb_mode)m), names[m]), "%d: %s", m, cb_mode_name((cb_mode)m));
        CHECK(cb_mode_parse(names[m], &back) == 0 && back == (cb_mode)m);
    }
    cb_mode untouched = CB_MODE_MEM;
    CHECK(cb_mode_parse("Benchmark", &untouched) < 0 && untouched == CB_MODE_MEM);   /* names are exact */
    CHECK(cb_mode_parse("", &untouched) < 0 && cb_mode_parse("verify ", &untouched) < 0);
    CHECK(!strcmp(cb_mode_name((cb_mode)4), "?"));
}

int main(void)
{
    RUN(next_loops);
    RUN(defaults_per_mode);
    RUN(parse_min_time);
    RUN(rounds_and_seed);
    RUN(round_order);
    RUN(mode_names);
    return check_done();
}
