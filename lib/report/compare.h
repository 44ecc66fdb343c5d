/* compare.h — `casbench compare A B`: did B get faster or slower than A?
 *
 * Calls are paired by (library, environment, gc, function, args).  For each
 * pair the ratio B / A is estimated with its confidence interval
 * (Hodges–Lehmann + Mann–Whitney, stats.h) from the independent samples of
 * the two runs: with rounds (--rounds) on both sides, one value per round,
 * the median of that round's repeats; when a side ran one round, the
 * repeats themselves, as before, with a warning that repeats from one
 * child are not independent (docs/measurement.md).  Each row says how many
 * samples of which kind its verdict rests on.  Flags:
 *   slower  the whole interval is above 1 + threshold
 *   faster  the whole interval is below 1 / (1 + threshold)
 *   unsure  the estimate is beyond the threshold, the interval is not
 *   same    otherwise
 * A timed-out call is censored: its repeats count as "at least the limit"
 * (only the bound that stays valid is used, so a verdict is never made up
 * from a timeout).  The comparison also says when the two runs are not
 * comparable (host CPU, library or interpreter versions, --min-time, noise). */
#ifndef CB_COMPARE_H
#define CB_COMPARE_H

#include "report/report.h"
#include "report/stats.h"
#include "report/table.h"

typedef enum { CB_CMP_SAME, CB_CMP_FASTER, CB_CMP_SLOWER, CB_CMP_UNSURE, CB_CMP_NA } cb_verdict;

typedef struct cb_compare_opts {
    double threshold;        /* relative, 0.10 for 10 % */
    double confidence;       /* requested two-sided level, 0.95 */
} cb_compare_opts;

typedef struct cb_compare_row {
    char *label, *function, *args;
    const cb_record *a, *b;  /* either may be NULL: the call ran in one run only */
    int a_censored, b_censored;
    cb_ratio_ci ci;          /* valid when `have_ratio` */
    int have_ratio;
    int lo_known, hi_known;  /* censoring leaves one side of the interval open */
    size_t na, nb;           /* the samples the interval rests on */
    int by_rounds;           /* they are rounds (independent); else repeats of one child each */
    cb_verdict verdict;
    char *note;              /* why no verdict, or NULL */
} cb_compare_row;

typedef struct cb_comparison {
    cb_compare_opts opts;
    cb_compare_row *rows;
    size_t n;
    char **warnings;         /* comparability */
    size_t nwarnings;
    size_t count[5];         /* rows per verdict */
    size_t newly_failed;     /* calls ok in A that crashed or failed in B (not timeouts) */
    double min_confidence;   /* the lowest actual confidence of an interval */
    size_t by_repeats;       /* rows whose samples are repeats of one child (a run without rounds) */
} cb_comparison;

int cb_compare(const cb_results *a, const cb_results *b, const cb_compare_opts *o, cb_comparison *out,
               cb_err *err);
void cb_comparison_free(cb_comparison *c);
const char *cb_verdict_name(cb_verdict v);

/* The comparison as tables (rows, then a geometric-mean summary per
 * library) in a table format, warnings first. */
void cb_compare_render(const cb_comparison *c, cb_table_format f, cb_buf *out);

/* Parse "10%", "10 %" or "0.1" into 0.10. */
int cb_compare_parse_threshold(const char *s, double *out, cb_err *err);

#endif
