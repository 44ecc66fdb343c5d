/* report_html.c — the HTML report (`casbench report --format html`): one
 * self-contained page with the tables of report_tables.c and, per function,
 * charts drawn by gnuplot (lib/report/plot.h) as inline SVG. */
#include "report/report_model.h"
#include "report/plot.h"
#include "report/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- plots */

/* Generators and terms of a generated system's key, the repr of
 * (generators, terms, exp_range, coeff_range). */
static int generated_key(const char *repr, long *gens, long *terms)
{
    int used = 0;
    return repr && sscanf(repr, "(%ld, %ld, range(%n", gens, terms, &used) == 2 && used > 0;
}

static const char *first_arg(const cb_record *r)
{
    json_object *a = report_jget(r->obj, "args");
    if (!a || !json_object_is_type(a, json_type_array) || !json_object_array_length(a))
        return NULL;
    return json_object_get_string(json_object_array_get_idx(a, 0));
}

typedef double (*cell_value)(const cb_record *r);

static double timing_value(const cb_record *r)
{
    cb_call_stats s;
    cb_record_stats(r, &s);
    return s.ok ? s.median : NAN;
}

double memory_value(const cb_record *r) { return report_mem_number(r, "peak_bytes"); }

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A line chart of VALUE against the generated keys' generators (which = 0)
 * or terms (which = 1), one line per label, the geometric mean of the calls
 * sharing an x.  Returns 0 when it drew nothing (fewer than 2 x values). */
static int plot_generated(const grid *g, cell_value value, int which, const char *what, cb_buf *html,
                          cb_err *err)
{
    size_t nrows = g->args.n, nx = 0;
    double *xs = cb_xmalloc((nrows + 1) * sizeof *xs), *rowx = cb_xmalloc((nrows + 1) * sizeof *rowx);
    for (size_t a = 0; a < nrows; a++) {
        rowx[a] = NAN;
        for (size_t l = 0; l < g->labels.n && isnan(rowx[a]); l++) {
            long gens, terms;
            const cb_record *r = report_grid_at(g, a, l);
            if (r && generated_key(first_arg(r), &gens, &terms))
                rowx[a] = (double)(which ? terms : gens);
        }
        int seen = isnan(rowx[a]);
        for (size_t k = 0; k < nx && !seen; k++)
            seen = xs[k] == rowx[a];
        if (!seen)
            xs[nx++] = rowx[a];
    }
    int drawn = 0, rc = 0;
    if (nx >= 2) {
        qsort(xs, nx, sizeof *xs, cmp_dbl);
        double *y = cb_xmalloc(g->labels.n * nx * sizeof *y), *vals = cb_xmalloc((nrows + 1) * sizeof *vals);
        for (size_t l = 0; l < g->labels.n; l++)
            for (size_t k = 0; k < nx; k++) {
                size_t nv = 0;
                for (size_t a = 0; a < nrows; a++)
                    if (rowx[a] == xs[k] && report_grid_at(g, a, l)) {
                        double v = value(report_grid_at(g, a, l));
                        if (isfinite(v) && v > 0)
                            vals[nv++] = v;
                    }
                y[l * nx + k] = nv ? cb_stats_geomean(vals, nv) : NAN;
            }
        char title[300];
        snprintf(title, sizeof title, "%s: %s against %s", g->function, what, which ? "terms" : "generators");
        cb_plot p = {.kind = CB_PLOT_LINES, .title = title, .xlabel = which ? "terms" : "generators",
                     .ylabel = value == timing_value ? "seconds (log scale)" : "bytes (log scale)",
                     .logy = 1, .nseries = g->labels.n, .series = g->labels.v, .npoints = nx, .x = xs, .y = y};
        cb_buf_puts(html, "<figure class=\"plot\">");
        rc = cb_plot_svg(&p, html, err);
        cb_buf_printf(html, "<figcaption>geometric mean over the calls with the same number of %s</figcaption>"
                            "</figure>\n",
                      which ? "terms" : "generators");
        drawn = rc == 0;
        free(y);
        free(vals);
    }
    free(xs);
    free(rowx);
    return rc < 0 ? -1 : drawn;
}

/* A clustered bar chart: a group per argument tuple, a bar per label. */
static int plot_bars(const grid *g, cell_value value, const char *what, cb_buf *html, cb_err *err)
{
    size_t n = g->args.n;
    double *y = cb_xmalloc((g->labels.n * n + 1) * sizeof *y);
    int any = 0;
    for (size_t l = 0; l < g->labels.n; l++)
        for (size_t a = 0; a < n; a++) {
            const cb_record *r = report_grid_at(g, a, l);
            y[l * n + a] = r ? value(r) : NAN;
            any |= isfinite(y[l * n + a]) && y[l * n + a] > 0;
        }
    int rc = 0;
    if (any) {
        char title[300];
        snprintf(title, sizeof title, "%s: %s per system", g->function, what);
        cb_plot p = {.kind = CB_PLOT_BARS, .title = title, .xlabel = "system",
                     .ylabel = value == timing_value ? "seconds (log scale)" : "bytes (log scale)",
                     .logy = 1, .nseries = g->labels.n, .series = g->labels.v, .npoints = n,
                     .categories = g->args.v, .y = y, .height = n > 12 ? 560 : 420};
        cb_buf_puts(html, "<figure class=\"plot\">");
        rc = cb_plot_svg(&p, html, err);
        cb_buf_puts(html, "</figure>\n");
    }
    free(y);
    return rc < 0 ? -1 : any;
}

/* The charts of one function; a failure to plot becomes a note in the page. */
static void function_plots(const grid *g, cell_value value, const char *what, cb_buf *html, size_t *nplots,
                           char **plot_error)
{
    if (!cb_plot_available()) {
        if (!*plot_error)
            *plot_error = cb_xstrdup("gnuplot with the svg terminal is not installed: no charts");
        return;
    }
    cb_err err;
    int generated = 0;
    for (size_t a = 0; a < g->args.n && !generated; a++)
        for (size_t l = 0; l < g->labels.n && !generated; l++) {
            long x, y;
            generated = report_grid_at(g, a, l) && generated_key(first_arg(report_grid_at(g, a, l)), &x, &y);
        }
    cb_buf_puts(html, "<div class=\"plots\">\n");
    int rc = 0;
    if (generated) {
        for (int which = 1; which >= 0 && rc >= 0; which--) {
            rc = plot_generated(g, value, which, what, html, &err);
            if (rc > 0)
                (*nplots)++;
        }
    } else if (g->args.n <= 60) {
        rc = plot_bars(g, value, what, html, &err);
        if (rc > 0)
            (*nplots)++;
    }
    cb_buf_puts(html, "</div>\n");
    if (rc < 0 && !*plot_error)
        *plot_error = cb_xstrdup(err.msg);
}

/* ---------------------------------------------------------------- HTML */

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1400px;"
    "padding:0 1em;color:#222}\n"
    "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:.9em}\n"
    "caption{text-align:left;font-weight:bold;font-size:1.1em;padding:.3em 0}\n"
    "th,td{border:1px solid #ddd;padding:.25em .6em}th{background:#f3f3f3}th.group{background:#e8eef7}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.dnf{color:#a00;background:#fff3f3}td.noisy{color:#a60}td.expected{color:#666}\n"
    ".warnings{background:#fff8e1;border:1px solid #f0d070;padding:.5em 1em}\n"
    ".note{color:#555;font-size:.9em}.meta{color:#555}\n"
    ".plots{display:flex;flex-wrap:wrap;gap:1em}figure.plot{margin:0;flex:1 1 560px;max-width:900px}\n"
    "figure.plot svg{display:block;width:100%;height:auto}figcaption{color:#555;font-size:.85em}\n";

/* Counts the charts the browser really laid out, for tests and for readers
 * whose browser could not draw them (data-plots-drawn on <body>). */
static const char html_script[] =
    "window.addEventListener('load',function(){var n=0;"
    "document.querySelectorAll('figure.plot svg').forEach(function(s){var b=s.getBoundingClientRect();"
    "if(b.width>0&&b.height>0&&s.querySelectorAll('path,rect,polyline').length>0)n++;});"
    "document.body.setAttribute('data-plots-drawn',String(n));"
    "document.body.setAttribute('data-tables',String(document.querySelectorAll('table').length));});\n";

static void html_section(cb_buf *out, const char *tag, const char *text)
{
    cb_buf_printf(out, "<%s>", tag);
    cb_html_escape(out, text);
    cb_buf_printf(out, "</%s>\n", tag);
}

void report_write_html(const cb_results *r, const char *baseline, int cold, cb_buf *out)
{
    cb_buf body = {0};
    size_t nplots = 0;
    char *plot_error = NULL;
    char *line = report_run_line(r);
    html_section(&body, "h1", "casbench report");
    cb_buf_puts(&body, "<p class=\"meta\">");
    cb_html_escape(&body, line);
    cb_buf_puts(&body, "</p>\n");

    size_t ng;
    grid *g = report_grids_build(r, cb_record_is_timing, &ng);
    if (ng) {
        html_section(&body, "h2", "Summary");
        cb_table *s = report_summary_table(r);
        cb_table_render(s, CB_TABLE_HTML, &body);
        cb_table_free(s);
        html_section(&body, "h2", "Timings");
        char *what = report_timings_note(r, cold);
        char *note = cb_xasprintf("%s  Charts use the median wall time of the calls that finished; log scale.", what);
        html_section(&body, "p", note);
        free(note);
        free(what);
    }
    for (size_t f = 0; f < ng; f++) {
        cb_buf_printf(&body, "<section class=\"function\" id=\"time-%zu\">\n", f);
        cb_table *t = report_function_table(&g[f], baseline, cold);
        cb_table_render(t, CB_TABLE_HTML, &body);
        cb_table_free(t);
        function_plots(&g[f], timing_value, "median time", &body, &nplots, &plot_error);
        cb_buf_puts(&body, "</section>\n");
    }
    report_grids_free(g, ng);

    g = report_grids_build(r, report_is_mem, &ng);
    if (ng)
        html_section(&body, "h2", "Memory");
    for (size_t f = 0; f < ng; f++) {
        cb_buf_printf(&body, "<section class=\"memory\" id=\"mem-%zu\">\n", f);
        cb_table *t = report_memory_table(&g[f]);
        cb_table_render(t, CB_TABLE_HTML, &body);
        cb_table_free(t);
        function_plots(&g[f], memory_value, "peak memory", &body, &nplots, &plot_error);
        cb_buf_puts(&body, "</section>\n");
    }
    report_grids_free(g, ng);

    g = report_grids_build(r, report_is_profiled, &ng);
    if (ng)
        html_section(&body, "h2", "CPU profiles");
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = report_profile_table(&g[f], r->dir);
        cb_table_render(t, CB_TABLE_HTML, &body);
        cb_table_free(t);
    }
    report_grids_free(g, ng);

    g = report_grids_build(r, report_is_verify, &ng);
    if (ng) {
        html_section(&body, "h2", "Verification");
        verify_counts vc = {0};
        cb_buf vb = {0};
        for (size_t f = 0; f < ng; f++) {
            cb_table *t = report_verify_table(&g[f], &vc);
            if (cb_table_nrows(t))
                cb_table_render(t, CB_TABLE_HTML, &vb);
            cb_table_free(t);
        }
        char *s = cb_xasprintf("%zu calls compared across libraries: %zu agree, %zu disagree (%zu of them by "
                               "design).",
                               vc.checked, vc.agree, vc.disagree, vc.expected);
        html_section(&body, "p", s);
        free(s);
        if (vb.len)
            cb_buf_put(&body, vb.data, vb.len);
        cb_buf_free(&vb);
    }
    report_grids_free(g, ng);

    cb_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>casbench report: ");
    cb_html_escape(out, r->dir);
    cb_buf_printf(out, "</title>\n<style>\n%s</style>\n<script>\n%s</script>\n</head>\n", html_style, html_script);
    cb_buf_printf(out, "<body data-plots=\"%zu\">\n", nplots);
    char **warn = NULL;
    size_t nwarn = 0;
    report_all_warnings(r, &warn, &nwarn);
    if (plot_error)
        report_push_line(&warn, &nwarn, plot_error);
    /* the title first, then warnings, then the rest */
    char *h1end = strstr(body.data ? body.data : "", "</p>\n");
    size_t head_len = h1end ? (size_t)(h1end + 5 - body.data) : 0;
    cb_buf_put(out, body.data, head_len);
    if (nwarn) {
        cb_buf_puts(out, "<div class=\"warnings\"><strong>Warnings</strong>\n<ul>\n");
        for (size_t i = 0; i < nwarn; i++)
            html_section(out, "li", warn[i]);
        cb_buf_puts(out, "</ul></div>\n");
    }
    report_free_lines(warn, nwarn);
    cb_buf_put(out, body.data + head_len, body.len - head_len);
    cb_buf_puts(out, "</body>\n</html>\n");
    cb_buf_free(&body);
    free(line);
}
