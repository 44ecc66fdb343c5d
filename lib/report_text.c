/* report_text.c — the text report of `casbench report`, the summary `run`
 * prints at its end, and the document layout the markdown report shares
 * (report_markdown.c gives its own headings and escaping through a
 * report_doc_style).  The tables come from report_tables.c, the warnings
 * from report_noise.c; see report_model.h for how the files fit. */
#include "report_model.h"

#include <stdbool.h>
#include <stdlib.h>

/* The calls libraries disagree on (records with a digest); nothing when the
 * run has no verify records. */
static void verify_section(const cb_results *r, const report_doc_style *st, cb_buf *out)
{
    size_t ng;
    grid *g = report_grids_build(r, report_is_verify, &ng);
    verify_counts vc = {0};
    cb_buf body = {0};
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = report_verify_table(&g[f], &vc);
        if (cb_table_nrows(t)) {
            cb_table_render(t, st->tables, &body);
            cb_buf_puts(&body, st->after_table);
        }
        cb_table_free(t);
    }
    if (ng) {
        cb_buf_puts(out, st->verification);
        cb_buf_printf(out, "%zu calls compared across libraries: %zu agree, %zu disagree", vc.checked, vc.agree,
                      vc.disagree);
        if (vc.expected)
            cb_buf_printf(out, " (%zu of them by design)", vc.expected);
        if (vc.unverified)
            cb_buf_printf(out, "; %zu calls not computed by every library", vc.unverified);
        cb_buf_puts(out, body.len ? " (listed below)\n\n" : "\n\n");
        if (body.len)
            cb_buf_put(out, body.data, body.len);
    }
    cb_buf_free(&body);
    report_grids_free(g, ng);
}

/* One table per function of the records WANT keeps, under HEADING. */
static void function_tables(const cb_results *r, record_filter want, const char *heading,
                            cb_table *(*table)(const grid *g, const cb_results *r, const void *arg),
                            const void *arg, const report_doc_style *st, cb_buf *out)
{
    size_t ng;
    grid *g = report_grids_build(r, want, &ng);
    if (ng)
        cb_buf_puts(out, heading);
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = table(&g[f], r, arg);
        cb_table_render(t, st->tables, out);
        cb_buf_puts(out, st->after_table);
        cb_table_free(t);
    }
    report_grids_free(g, ng);
}

typedef struct {
    const char *baseline;
    int cold;
} timing_args;

static cb_table *timing_table(const grid *g, const cb_results *r, const void *arg)
{
    (void)r;
    const timing_args *ta = arg;
    return report_function_table(g, ta->baseline, ta->cold);
}

static cb_table *memory_table(const grid *g, const cb_results *r, const void *arg)
{
    (void)r, (void)arg;
    return report_memory_table(g);
}

static cb_table *profile_table(const grid *g, const cb_results *r, const void *arg)
{
    (void)arg;
    return report_profile_table(g, r->dir);
}

void report_write_document(const cb_results *r, const char *baseline, int cold, const report_doc_style *st,
                           cb_buf *out)
{
    char *line = report_run_line(r);
    cb_buf_puts(out, st->title);
    st->put_text(out, line);
    cb_buf_puts(out, "\n\n");
    free(line);
    char **warn = NULL;
    size_t nwarn = 0;
    report_all_warnings(r, &warn, &nwarn);
    if (nwarn) {
        cb_buf_puts(out, st->warnings);
        for (size_t i = 0; i < nwarn; i++) {
            cb_buf_puts(out, st->warning);
            st->put_text(out, warn[i]);
            cb_buf_putc(out, '\n');
        }
        cb_buf_putc(out, '\n');
    }
    report_free_lines(warn, nwarn);

    bool timed = false;
    for (size_t i = 0; i < r->n && !timed; i++)
        timed = cb_record_is_timing(r, &r->recs[i]);
    if (timed) {
        cb_table *s = report_summary_table(r);
        cb_buf_puts(out, st->summary);
        cb_table_render(s, st->tables, out);
        cb_table_free(s);
        cb_buf_puts(out, st->timings);
        char *note = report_timings_note(r, cold);
        cb_buf_printf(out, "%s\n\n", note);
        free(note);
    }
    timing_args ta = {baseline, cold};
    function_tables(r, cb_record_is_timing, "", timing_table, &ta, st, out);
    function_tables(r, report_is_mem, st->memory, memory_table, NULL, st, out);
    function_tables(r, report_is_profiled, st->profiles, profile_table, NULL, st, out);
    verify_section(r, st, out);
}

static void put_plain(cb_buf *out, const char *s) { cb_buf_puts(out, s); }

static const report_doc_style text_style = {
    .tables = CB_TABLE_TEXT,
    .title = "casbench report: ",
    .warnings = "",
    .warning = "warning: ",
    .summary = "",
    .timings = "\n",
    .memory = "Memory (--memory-profiling)\n\n",
    .profiles = "CPU profiles (--cpu-profiling)\n\n",
    .verification = "Verification (--verify)\n\n",
    .after_table = "\n",
    .put_text = put_plain,
};

void report_write_text(const cb_results *r, const char *baseline, int cold, cb_buf *out)
{
    report_write_document(r, baseline, cold, &text_style, out);
}

int cb_report_summary(const char *results_dir, FILE *out, cb_err *err)
{
    cb_results res;
    if (cb_results_load(results_dir, &res, err) < 0)
        return -1;
    cb_table *t = report_summary_table(&res);
    cb_buf b = {0};
    if (cb_table_nrows(t))
        cb_table_render(t, CB_TABLE_TEXT, &b);
    verify_section(&res, &text_style, &b);
    if (!b.len)
        cb_buf_printf(&b, "no timed or verified calls in %s\n", results_dir);
    fwrite(b.data, 1, b.len, out);
    cb_buf_free(&b);
    cb_table_free(t);
    cb_results_free(&res);
    return 0;
}
