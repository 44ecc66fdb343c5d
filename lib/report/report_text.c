/* report_text.c — the text report of `casbench report`, the summary `run`
 * prints at its end, and the document layout the markdown report shares
 * (report_markdown.c gives its own headings and escaping through a
 * report_doc_style).  The tables come from report_tables.c, the warnings
 * from report_noise.c; see report_model.h for how the files fit. */
#include "report/report_model.h"

#include <stdbool.h>
#include <stdlib.h>

/* The calls libraries disagree on (records with a digest); nothing when the
 * run has no verify records. */
static void verify_section(const cb_results *r, const report_doc_style *st, size_t width, cb_buf *out)
{
    size_t ng;
    grid *g = report_grids_build(r, report_is_verify, &ng);
    verify_counts vc = {0};
    cb_buf body = {0};
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = report_verify_table(&g[f], &vc);
        if (cb_table_nrows(t)) {
            st->table(t, width, &body);
            cb_buf_puts(&body, st->after_table);
        }
        cb_table_free(t);
    }
    if (ng) {
        cb_buf_puts(out, st->verification);
        cb_buf counts = {0};
        cb_buf_printf(&counts, "%zu calls compared across libraries: %zu agree, %zu disagree", vc.checked, vc.agree,
                      vc.disagree);
        if (vc.expected)
            cb_buf_printf(&counts, " (%zu of them by design)", vc.expected);
        if (vc.unverified)
            cb_buf_printf(&counts, "; %zu calls not computed by every library", vc.unverified);
        if (body.len)
            cb_buf_puts(&counts, " (listed below)");
        st->paragraph(out, "", counts.data, 0, width);
        cb_buf_putc(out, '\n');
        cb_buf_free(&counts);
        if (body.len)
            cb_buf_put(out, body.data, body.len);
    }
    cb_buf_free(&body);
    report_grids_free(g, ng);
}

/* One table per function of the records WANT keeps, under HEADING. */
static void function_tables(const cb_results *r, record_filter want, const char *heading,
                            cb_table *(*table)(const grid *g, const cb_results *r, const void *arg),
                            const void *arg, const report_doc_style *st, size_t width, cb_buf *out)
{
    size_t ng;
    grid *g = report_grids_build(r, want, &ng);
    if (ng)
        cb_buf_puts(out, heading);
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = table(&g[f], r, arg);
        st->table(t, width, out);
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
                           size_t width, cb_buf *out)
{
    char *line = report_run_line(r);
    st->paragraph(out, st->title, line, 1, width);
    cb_buf_putc(out, '\n');
    free(line);
    char **warn = NULL;
    size_t nwarn = 0;
    report_all_warnings(r, &warn, &nwarn);
    if (nwarn) {
        cb_buf_puts(out, st->warnings);
        for (size_t i = 0; i < nwarn; i++)
            st->paragraph(out, st->warning, warn[i], 1, width);
        cb_buf_putc(out, '\n');
    }
    report_free_lines(warn, nwarn);

    bool timed = false;
    for (size_t i = 0; i < r->n && !timed; i++)
        timed = cb_record_is_timing(r, &r->recs[i]);
    if (timed) {
        cb_table *s = report_summary_table(r);
        cb_buf_puts(out, st->summary);
        st->table(s, width, out);
        cb_table_free(s);
        cb_buf_puts(out, st->timings);
        char *note = report_timings_note(r, cold);
        st->paragraph(out, "", note, 0, width);
        cb_buf_putc(out, '\n');
        free(note);
    }
    timing_args ta = {baseline, cold};
    function_tables(r, cb_record_is_timing, "", timing_table, &ta, st, width, out);
    function_tables(r, report_is_mem, st->memory, memory_table, NULL, st, width, out);
    function_tables(r, report_is_profiled, st->profiles, profile_table, NULL, st, width, out);
    verify_section(r, st, width, out);
}

/* A paragraph wrapped to the width, its lines after the first indented
 * when it has a prefix ("warning: "). */
static void text_paragraph(cb_buf *out, const char *prefix, const char *text, int user, size_t width)
{
    (void)user;   /* text shows user text as it is */
    char *s = cb_xasprintf("%s%s", prefix, text);
    cb_wrap(out, s, width, *prefix ? 2 : 0);
    free(s);
}

static const report_doc_style text_style = {
    .table = cb_table_render_text, .paragraph = text_paragraph, .after_table = "\n",
    .title = "casbench report: ", .warnings = "", .warning = "warning: ", .summary = "", .timings = "\n",
    .memory = "Memory (--memory-profiling)\n\n", .profiles = "CPU profiles (--cpu-profiling)\n\n",
    .verification = "Verification (--verify)\n\n",
};

void report_write_text(const cb_results *r, const char *baseline, int cold, size_t width, cb_buf *out)
{
    report_write_document(r, baseline, cold, &text_style, width, out);
}

int cb_report_summary(const char *results_dir, FILE *out, cb_err *err)
{
    cb_results res;
    if (cb_results_load(results_dir, &res, err) < 0)
        return -1;
    size_t width = cb_term_width(fileno(out));
    cb_table *t = report_summary_table(&res);
    cb_buf b = {0};
    if (cb_table_nrows(t))
        cb_table_render_text(t, width, &b);
    verify_section(&res, &text_style, width, &b);
    if (!b.len)
        text_paragraph(&b, "no timed or verified calls in ", results_dir, 1, width);
    fwrite(b.data, 1, b.len, out);
    cb_buf_free(&b);
    cb_table_free(t);
    cb_results_free(&res);
    return 0;
}
