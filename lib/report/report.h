/* report.h — reading a results directory and turning it into reports.
 *
 * A results directory (docs/design.md §3.5) is read into a cb_results: one
 * cb_record per call, from calls.jsonl (casbench's own runs, the source of
 * truth) or, for runs of the original tool, rebuilt from results.pickle; plus
 * run.json when there is one.  `run` prints cb_report_summary() at its end;
 * `report` renders cb_report_write() in one of five formats; `compare`
 * (compare.h) pairs the records of two cb_results. */
#ifndef CB_REPORT_H
#define CB_REPORT_H

#include <stdio.h>
#include <json-c/json.h>

#include "common/error.h"
#include "common/format.h"
#include "run/record.h"
#include "common/util.h"

/* One call, as recorded: cb_record and cb_round (lib/run/record.h); the
 * records of a call's rounds (one per round, --rounds) are merged into one:
 * its times are all rounds' repeats, its status the worst of theirs. */

typedef struct cb_results {
    char *dir;
    const char *source;      /* "calls.jsonl" or "results.pickle" */
    cb_record *recs;
    size_t n;
    json_object *run;        /* run.json, or NULL */
    const char *timing_mode; /* "benchmark", or "cpu" when no call was benchmarked */
    char **warnings;         /* things the reader skipped, one line each */
    size_t nwarnings;
} cb_results;

int cb_results_load(const char *dir, cb_results *out, cb_err *err);
void cb_results_free(cb_results *r);

/* A round's one value: its fastest repeat (docs/measurement.md,
 * "Statistics").  The machine's interference only ever adds time, and the
 * repeats of one child are not independent samples of it anyway: their
 * minimum is the round's best estimate of the undisturbed time. */
double cb_round_value(const cb_record *r, const cb_round *rd);

/* What one call took, or why it has none (docs/measurement.md,
 * "Statistics"): per round its value (cb_round_value); the call's median is
 * the median of those (of its repeats with one round), with the
 * distribution-free interval of that median over the rounds; the minimum,
 * standard deviation and spread are of all rounds' repeats.  A timed-out
 * call is censored: `median` is the limit (a lower bound). */
typedef struct cb_call_stats {
    int ok;                  /* every round ok, with at least one time */
    int censored;            /* timed out: the time is at least `median` */
    double min, median, stdev;
    double spread;           /* median absolute deviation of the repeats (robust to one slow repeat) */
    size_t n;                /* timed repeats, all rounds */
    size_t rounds;           /* rounds with times: the independent samples */
    double lo, hi;           /* the median's interval over the rounds (NAN with fewer than 2) */
    double coverage;         /* its confidence (cb_stats_median_ci) */
    int noisy;               /* cb_call_noisy */
} cb_call_stats;
void cb_record_stats(const cb_record *r, cb_call_stats *s);

/* The confidence the per-call intervals aim at. */
#define CB_CALL_CONFIDENCE 0.95
/* A call is noisy when its time is not known to within ± this (relative):
 * with rounds, the half-width of its interval over the rounds is above
 * NOISE * median; with one round, the spread (MAD) of its repeats is
 * (docs/measurement.md, "Noise"). */
#define CB_CALL_NOISE 0.10

/* Whether a record belongs to the timings a report shows: benchmark mode,
 * or cpu mode when the run has no benchmark records. */
int cb_record_is_timing(const cb_results *r, const cb_record *rec);

/* The short form of an env for labels ("py3.11.7"); malloc'd. */
char *cb_env_short(const char *env);

/* The mark a call that did not finish gets: ">30 s" for a timeout, "DNF
 * (SIGSEGV)", "error", "unsupported", ...  into buf. */
const char *cb_record_mark(const cb_record *r, char *buf, size_t n);

typedef enum { CB_REPORT_TEXT, CB_REPORT_MARKDOWN, CB_REPORT_CSV, CB_REPORT_JSON, CB_REPORT_HTML } cb_report_format;

typedef struct cb_report_opts {
    cb_report_format format;
    const char *baseline;    /* a label or library id, or NULL */
    int cold;                /* a `cold` column per library: the cold execution's time */
    size_t width;            /* text: the columns it fits (cb_term_width); 0: any */
} cb_report_opts;

/* Parse "text", "markdown"/"md", "csv", "json", "html". */
int cb_report_parse_format(const char *s, cb_report_format *out, cb_err *err);

/* The whole report of r, appended to out. */
int cb_report_write(const cb_results *r, const cb_report_opts *o, cb_buf *out, cb_err *err);

/* The summary table `run` prints at its end: function × library, each call's
 * median time summarised by the median over the function's calls, and how
 * many calls did not finish; fitted to OUT's width (cb_term_width). */
int cb_report_summary(const char *results_dir, FILE *out, cb_err *err);

/* Warnings about how trustworthy the numbers are, as pyperf's `check`: from
 * run.json's noise info (governor, turbo, load, pinning) and from the records
 * (spread over 10 % of the median, repeats under 1 ms).  One line each,
 * appended to *lines (caller frees each and the array). */
void cb_report_noise_warnings(const cb_results *r, char ***lines, size_t *n);

#endif
