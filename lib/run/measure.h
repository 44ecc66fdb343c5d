/* measure.h — how a run measures each call (docs/design.md §8.1, docs/measurement.md):
 * the `--warmup`, `--min-time`, `--rounds` and `--seed` options, their
 * defaults per mode, what the harnesses are told (config keys `warmup`,
 * `min_time`, `round`, `call_order`, `loops`) and what run.json records.
 * The policy lives here; the CLI only parses the words, the engine
 * (lib/run/run.c) schedules the rounds, and the supervisors
 * (harness/common/harness.c, harness/python/casbench/runtime.py) only do
 * what the config says.
 *
 * Defaults, per mode:
 *   benchmark, cpu   one warm-up execution, loops calibrated to the auto
 *                    target (perf samples only the timed repeats);
 *   mem              no warm-up unless --warmup is given, one execution per
 *                    tracked repeat whatever --min-time says (the tracker
 *                    counts exactly one execution, as the original did);
 *   verify           no warm-up, no loops: one computation.
 * Rounds: benchmark runners execute the run list --rounds times, each round
 * a fresh harness process with its calls in an order shuffled from the run's
 * seed; cpu, mem and verify runners run one round, in run-list order. */
#ifndef CB_MEASURE_H
#define CB_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "common/defaults.h"   /* CB_MIN_TIME_AUTO, CB_WARMUP_DEFAULT, CB_ROUNDS_DEFAULT, CB_REPEATS_DEFAULT, CB_MAX_ROUNDS */
#include "common/error.h"
#include "run/plan.h"

typedef struct {
    int warmup;          /* --warmup N; -1: not given (the mode's default) */
    bool min_time_auto;  /* --min-time auto */
    double min_time;     /* --min-time S (seconds >= 0) when not auto */
    int rounds;          /* --rounds R (>= 1); -1: not given (CB_ROUNDS_DEFAULT) */
    int repeats;         /* --repeats N (>= 1) per call and round; -1: not given */
    bool seed_given;     /* --seed S given; otherwise the engine draws one */
    int64_t seed;        /* the call order's seed (>= 0), once given or drawn */
} cb_measure;

/* The defaults: --warmup not given, --min-time auto. */
cb_measure cb_measure_defaults(void);
/* --min-time's value: "auto" or a number of seconds >= 0.  -1 with err. */
int cb_measure_parse_min_time(const char *s, cb_measure *m, cb_err *err);
/* What a runner of this mode is told: its untimed executions per call, and
 * the calibration target in seconds (0: one execution per repeat). */
int cb_measure_warmup(const cb_measure *m, cb_mode mode);
double cb_measure_min_time(const cb_measure *m, cb_mode mode);
/* --seed's value: an integer from 0 to 2^63 - 1.  -1 with err. */
int cb_measure_parse_seed(const char *s, cb_measure *m, cb_err *err);
/* The rounds a runner of this mode runs: --rounds (or the default) for
 * benchmark runners, 1 for the others. */
int cb_measure_rounds(const cb_measure *m, cb_mode mode);
/* The timed repeats per call and round of a runner of this mode: --repeats,
 * or CB_REPEATS_DEFAULT. */
int cb_measure_repeats(const cb_measure *m, cb_mode mode);
/* A seed for the call order when --seed was not given (from the kernel's
 * random source). */
int64_t cb_measure_draw_seed(void);
/* The order of a round: RANK[i] (0 .. n-1, a permutation) is the position
 * in the round at which call i of the run list runs, drawn from the seed,
 * the runner's id and the round, so that the same run (and its --resume)
 * gives the same orders.  Benchmark runners only; NULL ranks: none. */
void cb_measure_round_order(int64_t seed, const char *runner, int round, size_t *rank, size_t n);
/* run.json "options": `warmup` and `min_time_target` (seconds) as the
 * benchmark and cpu runners have them, `min_time` as given ("auto" or the
 * seconds), `rounds` and `repeats` of benchmark runners and the order's
 * `seed`; each runner's own are in run.json's "runners". */
void cb_measure_to_json(const cb_measure *m, json_object *options);

#endif
