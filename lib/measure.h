/* measure.h — how a run measures each call (DESIGN §8.1, docs/measurement.md):
 * the `--warmup` and `--min-time` options, their defaults per mode, what the
 * harnesses are told (config keys `warmup`, `min_time`) and what run.json
 * records.  The policy lives here; the CLI only parses the words, and the
 * executors (harness/common/harness.c, harness/python/casbench/runtime.py)
 * only do what the config says.
 *
 * Defaults, per mode:
 *   benchmark, cpu   one warm-up execution, loops calibrated to the auto
 *                    target (perf samples only the timed repeats);
 *   mem              no warm-up unless --warmup is given, one execution per
 *                    tracked repeat whatever --min-time says (the tracker
 *                    counts exactly one execution, as the original did);
 *   verify           no warm-up, no loops: one computation. */
#ifndef CB_MEASURE_H
#define CB_MEASURE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "error.h"
#include "plan.h"

/* The target of --min-time auto, in seconds: a repeat of at least 10 ms
 * (docs/measurement.md says why). */
#define CB_MIN_TIME_AUTO 0.01
/* Untimed executions before the timed repeats when --warmup is not given
 * (benchmark and cpu modes). */
#define CB_WARMUP_DEFAULT 1

typedef struct {
    int warmup;          /* --warmup N; -1: not given (the mode's default) */
    bool min_time_auto;  /* --min-time auto */
    double min_time;     /* --min-time S (seconds >= 0) when not auto */
} cb_measure;

/* The defaults: --warmup not given, --min-time auto. */
cb_measure cb_measure_defaults(void);
/* --min-time's value: "auto" or a number of seconds >= 0.  -1 with err. */
int cb_measure_parse_min_time(const char *s, cb_measure *m, cb_err *err);
/* What a runner of this mode is told: its untimed executions per call, and
 * the calibration target in seconds (0: one execution per repeat). */
int cb_measure_warmup(const cb_measure *m, cb_mode mode);
double cb_measure_min_time(const cb_measure *m, cb_mode mode);
/* run.json "options": `warmup` and `min_time_target` (seconds) as the
 * benchmark and cpu runners have them, and `min_time` as given ("auto" or
 * the seconds); each runner's own are in run.json's "runners". */
void cb_measure_to_json(const cb_measure *m, json_object *options);

#endif
