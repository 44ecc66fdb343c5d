/* defaults.h — the numbers more than one layer of casbench relies on, in one
 * place: the engine (lib/), the CLI's --help (programs/), the C harnesses
 * (harness/common) and, mirrored, the Python harness runtime
 * (harness/python/casbench/runtime.py, which cannot include a C header).
 * tests/integration/defaults_shared.py reads this file and checks every
 * Python mirror (named in the comment beside the number) against it, and
 * that --help states the defaults given here.
 *
 * Plain #defines with no dependencies, so that any file (the fuzzers, the
 * tracker) may include it.  What each number means for a user is in
 * docs/design.md and the pages it links; why these values, in the comments. */
#ifndef CB_DEFAULTS_H
#define CB_DEFAULTS_H

/* ---- time limits (docs/run.md, "Limits") ---- */

/* --timeout of a run on a dataset, seconds per call. */
#define CB_RUN_TIMEOUT_DEFAULT 60.0
/* --timeout of the built-in default suite: short, so that a slow library
 * is cut off instead of holding the whole run up. */
#define CB_SUITE_TIMEOUT 10.0
/* Seconds between SIGTERM and SIGKILL for a call past its limit: what the
 * engine puts in the config's `grace`, and what a harness takes when the
 * config has none (Python: runtime.GRACE_DEFAULT). */
#define CB_GRACE_DEFAULT 1.0
/* --startup-timeout: the seconds a harness may take to answer --probe, and
 * to load the dataset before its first record. */
#define CB_STARTUP_TIMEOUT_DEFAULT 120.0
/* Slack on the engine's deadlines for a harness's records, beyond the
 * call's timeout and grace: the first record (after --startup-timeout), and
 * each next one (outside calls a harness only writes a record and forks). */
#define CB_FIRST_RECORD_SLACK 2.0
#define CB_RECORD_SLACK 30.0
/* The longest time limit casbench takes (--timeout, --min-time,
 * --startup-timeout): 1e6 s, 11.6 days.  Larger values are refused by the
 * command line; in a harness config they saturate (Python:
 * runtime.MAX_SECONDS). */
#define CB_MAX_SECONDS 1e6

/* ---- measurement (docs/measurement.md says why these values) ---- */

/* The target of --min-time auto, in seconds: a repeat of at least 10 ms. */
#define CB_MIN_TIME_AUTO 0.01
/* Untimed executions before the timed repeats when --warmup is not given
 * (benchmark and cpu modes; mem and verify: none). */
#define CB_WARMUP_DEFAULT 1
/* Rounds of a benchmark runner when --rounds is not given, and timed
 * repeats per call and round when --repeats is not given (the round's value
 * is the fastest of them; docs/measurement.md, "Why these defaults"). */
#define CB_ROUNDS_DEFAULT 3
#define CB_REPEATS_DEFAULT 3
/* The most rounds a run takes (--rounds, and what a results directory may
 * say it had). */
#define CB_MAX_ROUNDS 10000
/* The most repeats and warm-up executions, and the highest round, a harness
 * takes from its config (more: clamped; a round beyond it: 0)
 * (Python: runtime.MAX_COUNT). */
#define CB_MAX_COUNT 1000000
/* The calibration rule (cb_next_loops, harness/common/supervisor.h; Python:
 * runtime.next_loops): after N executions lasted less than the target, try
 * enough for CB_CALIBRATION_MARGIN x the target at the measured speed, at
 * least CB_CALIBRATION_MIN_GROWTH and at most CB_CALIBRATION_MAX_GROWTH
 * times N, and never more than 2^CB_MAX_LOOPS_LOG2 executions. */
#define CB_CALIBRATION_MARGIN 1.25
#define CB_CALIBRATION_MIN_GROWTH 2.0
#define CB_CALIBRATION_MAX_GROWTH 100.0
#define CB_MAX_LOOPS_LOG2 40

/* ---- memory (docs/run.md, "Limits") ---- */

/* The default --memory-limit is the machine's physical memory divided by
 * this and by the runners at once, so that every harness and every call
 * child at its limit still fit in memory together. */
#define CB_MEMORY_LIMIT_SHARE 2
/* The smallest --memory-limit taken, bytes (1 MiB). */
#define CB_MEMORY_LIMIT_MIN 1048576.0
/* The environment variable that gives a harness its memory limit (bytes,
 * decimal; absent or 0: none) (Python: runtime.MEMORY_LIMIT_ENV). */
#define CB_MEMORY_LIMIT_ENV "CASBENCH_MEMORY_LIMIT"
/* Exit status of a harness that reached its memory limit outside a call
 * (while loading the dataset): the engine records its calls as `error`
 * with memory_limit_hit (Python: runtime.EXIT_MEMORY_LIMIT). */
#define CB_EXIT_MEMORY_LIMIT 3

/* ---- probes, profiles, verify ---- */

/* The most bytes of a harness's --probe answer the engine reads: a probe
 * says a few hundred; more is a harness gone wrong, not to be held in
 * memory. */
#define CB_PROBE_OUTPUT_MAX (1u << 20)
/* cpu mode: samples per second when --profile-rate is not given. */
#define CB_PROFILE_DEFAULT_RATE 500
/* cpu mode: the functions a record's `profile` lists, by self and by total
 * samples. */
#define CB_PROFILE_TOP 20
/* verify mode: the characters of the canonical text in a record's
 * `result_head` (Python: canonical.HEAD_CHARS). */
#define CB_RESULT_HEAD_CHARS 200

#endif
