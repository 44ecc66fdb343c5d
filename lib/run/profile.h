/* profile.h — CPU profiling of cpu-mode runners (docs/design.md §8.2,
 * docs/profiling.md).
 *
 * Recording: cb_cpu_profile_wrap (the `begin` of perf and samply in the
 * table of profilers, lib/run/profilers.h) turns a runner's harness command into
 *     env LD_BIND_NOW=1 perf record -q --no-buildid-cache -e cpu-clock
 *         -F RATE --call-graph dwarf,16384 -k mono --control=fifo:CTL,ACK
 *         -D -1 -o profiles/RUNNER.perf.data -- HARNESS...
 * (cpu-clock:u for users who may not sample the kernel)
 * (a Python 3.13+ harness also gets `-X perf_jit`, 3.12 `-X perf`), and
 * gives the harness the fifos in its config's `profile`, so that sampling is
 * on only inside the timed repeats of each call (the harness writes
 * "enable cpu-clock" / "disable cpu-clock").  With --cpu-profiler samply the
 * command is `samply record --save-only --rate RATE -o FILE -- HARNESS...`
 * (samply from PREFIX/cargo/bin, see cb_profiler_path).
 *
 * After the runner exits, cb_profile_finish post-processes: `perf inject
 * --jit` (perf_jit), `perf script -F +pid` into profiles/RUNNER.perf.txt
 * (opens in Firefox Profiler and speedscope), samples split by pid, which is
 * the call's child; per call profiles/RUNNER.callN.folded and .svg, and the
 * record's `profile` object (top 20 functions by self and total samples)
 * into the index profiles/RUNNER.calls.json.  At the end of the run,
 * cb_profile_merge_records puts each call's `profile` into its record, so
 * that calls.jsonl keeps one record per call. */
#ifndef CB_PROFILE_H
#define CB_PROFILE_H

#include "common/defaults.h"   /* CB_PROFILE_DEFAULT_RATE, CB_PROFILE_TOP */
#include "common/error.h"
#include "run/runner.h"


/* PROFILER's executable (malloc'd), or NULL when there is none: perf on
 * PATH; samply where tools/install-deps.sh installs it, PREFIX/cargo/bin/
 * samply (lib/common/paths.h), else on PATH. */
char *cb_profiler_path(const char *profiler);
/* Its version line ("perf version 6.1.192", "samply 0.13.1"), malloc'd, or
 * NULL. */
char *cb_profiler_version(const char *profiler);

/* Why PROFILER ("perf" or "samply") cannot run here, or NULL when it can.
 * The text is static (valid until the next call). */
const char *cb_profile_unavailable(const char *profiler);

/* What names Python functions for a runner: "perf_jit", "perf-map
 * innermost", "none", or NULL for a harness that is not Python. */
const char *cb_profile_python_frames(const cb_runner *r, const cb_run_settings *s);

/* Wrap the harness argv of a cpu-mode runner in the profiler command and
 * return the config's `profile` value (None when the profiler needs no
 * control channel). */
int cb_cpu_profile_wrap(cb_runner *r, const cb_run_settings *s, char ***argv, cb_value *profile_cfg,
                        cb_err *err);

/* After runner R's process exited: post-process its recording into the
 * artefacts above.  Problems are also appended to the runner's log. */
int cb_profile_finish(const cb_runner *r, const cb_run_settings *s, cb_err *err);

/* Add each call's `profile` from the profiles/RUNNER.calls.json indexes to
 * the cpu-mode records of CALLS_JSONL that have none (rewritten atomically;
 * only when no harness is writing to it any more). */
int cb_profile_merge_records(const char *results_dir, const char *calls_jsonl, cb_err *err);

#endif
