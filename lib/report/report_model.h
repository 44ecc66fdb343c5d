/* report_model.h — what the report's files share; private to lib/report*.c.
 *
 * `casbench report` and the summary `run` prints are split by concern, one
 * exporter per format as hyperfine keeps them:
 *
 *   report_read.c      a results directory -> cb_results (calls.jsonl, the
 *                      original tool's results.pickle, run.json; rounds
 *                      merged into calls, labels)
 *   report_model.c     per-call statistics, the function × args × labels
 *                      grids every table is built from, small JSON helpers
 *   report_tables.c    the tables (summary, timings, verification, memory,
 *                      CPU profiles) as cb_table, and the texts around them
 *   report_noise.c     the warnings about how trustworthy the numbers are
 *   report_text.c      the text report and `run`'s summary; the document
 *                      layout markdown shares
 *   report_markdown.c  the markdown report
 *   report_csv.c, report_json.c, report_html.c  the other formats
 *   report.c           the entry: format names, baseline, dispatch
 *
 * The public interface stays lib/report/report.h. */
#ifndef CB_REPORT_MODEL_H
#define CB_REPORT_MODEL_H

#include "report/report.h"
#include "report/table.h"

/* ------------------------------------------------------- JSON helpers */

const char *report_jstr(json_object *o, const char *key);   /* a string member, or NULL */
double report_jnum(json_object *o, const char *key, double dflt);
json_object *report_jget(json_object *o, const char *key);  /* NULL when o is no object */
const char *report_jpath_str(json_object *o, const char *a, const char *b);   /* o[a][b] (b NULL: o[a]) */

/* Lines (warnings): push takes ownership of s. */
void report_push_line(char ***lines, size_t *n, char *s);
void report_free_lines(char **lines, size_t n);

/* ---------------------------------------------------------- string set */

/* Distinct strings in first-seen order, with a hash index (a run has
 * thousands of argument tuples per function).  Strings are borrowed. */
typedef struct {
    const char **v;
    size_t n;
    size_t *slot;      /* index + 1, 0 = empty; cap is a power of two */
    size_t cap;
} strset;

size_t report_strset_add(strset *s, const char *x);   /* x's index, added if new */
void report_strset_free(strset *s);

/* ------------------------------------------------------ per-call stats */

/* How well a call's time is known, relative to its median: with rounds,
 * the half-width of the interval of the median over the rounds; with one
 * round, the spread of its repeats (their MAD). */
double report_call_uncertainty(const cb_call_stats *s);

/* ------------------------------------------------ grids: args × labels */

/* One function's calls: a row per argument tuple, a column per label; a
 * cell is the call's last record (a resumed call keeps its newest). */
typedef struct {
    const char *function;
    strset args, labels;
    const cb_record **cell;   /* args.n × labels.n */
} grid;

/* Which records a grid holds (cb_record_is_timing is one). */
typedef int (*record_filter)(const cb_results *r, const cb_record *rec);
int report_is_verify(const cb_results *r, const cb_record *rec);
int report_is_mem(const cb_results *r, const cb_record *rec);
int report_is_profiled(const cb_results *r, const cb_record *rec);

/* One grid per function among the records WANT keeps, in first-seen order. */
grid *report_grids_build(const cb_results *r, record_filter want, size_t *ngrids);
void report_grids_free(grid *g, size_t n);
const cb_record *report_grid_at(const grid *g, size_t a, size_t l);   /* NULL: no such call */

/* ------------------------------------------------------------ tables */

/* `run`'s summary: function × label, the median over each function's calls. */
cb_table *report_summary_table(const cb_results *res);
/* One function's timings; BASELINE (a label or NULL) adds speed-ups. */
cb_table *report_function_table(const grid *g, const char *baseline, int cold);

typedef struct {
    size_t checked, agree, disagree, expected, unverified;
} verify_counts;
/* The calls of one function the libraries disagree on or did not all
 * compute; counts into *vc. */
cb_table *report_verify_table(const grid *g, verify_counts *vc);
/* Why a disagreement is expected (docs/protocol.md), or NULL. */
const char *report_expected_disagreement(const char *function, const cb_record **recs, size_t n);

cb_table *report_memory_table(const grid *g);
/* A number of the record's `mem` (NAN when absent; the original tool's
 * rows stand in for the peak). */
double report_mem_number(const cb_record *r, const char *key);
cb_table *report_profile_table(const grid *g, const char *dir);

/* --baseline WANT (a label or a library id) as the label it names; NULL
 * when WANT is NULL. */
int report_resolve_baseline(const cb_results *r, const char *want, const char **label, cb_err *err);
/* The speed-up of LIB over BASE on one call (BASE time / LIB time) as text;
 * *value gets the number when both finished (NAN otherwise). */
void report_speedup_text(const cb_record *base, const cb_record *lib, char *buf, size_t n, double *value);

/* One line about where the numbers come from; malloc'd. */
char *report_run_line(const cb_results *r);
/* Which time the timing tables show and what their columns are; malloc'd. */
char *report_timings_note(const cb_results *r, int cold);

/* ------------------------------------------------------------ warnings */

/* The reader's warnings, then cb_report_noise_warnings'. */
void report_all_warnings(const cb_results *r, char ***lines, size_t *n);

/* ------------------------------------------------------------ writers */

/* The layout the text and markdown reports share (report_write_document,
 * report_text.c), and what tells them apart. */
typedef struct report_doc_style {
    void (*table)(const cb_table *t, size_t width, cb_buf *out);
    /* PREFIX then TEXT (USER: paths, names, messages), ending the line */
    void (*paragraph)(cb_buf *out, const char *prefix, const char *text, int user, size_t width);
    const char *title;          /* before the run line */
    const char *warnings;       /* heading of the warnings */
    const char *warning;        /* before each warning */
    const char *summary, *timings, *memory, *profiles, *verification;   /* the sections' headings */
    const char *after_table;    /* after each table */
} report_doc_style;
/* WIDTH: the columns text fits (0: any). */
void report_write_document(const cb_results *r, const char *baseline, int cold, const report_doc_style *st,
                           size_t width, cb_buf *out);

void report_write_text(const cb_results *r, const char *baseline, int cold, size_t width, cb_buf *out);
void report_write_markdown(const cb_results *r, const char *baseline, int cold, cb_buf *out);
void report_write_csv(const cb_results *r, cb_buf *out);
void report_write_json(const cb_results *r, const char *baseline, cb_buf *out);
void report_write_html(const cb_results *r, const char *baseline, int cold, cb_buf *out);

#endif
