/* report_tables.c — the report's tables as cb_table (lib/report/table.h renders
 * them in every format): `run`'s summary, one timing table per function
 * (with speed-ups over a baseline), the verification, memory and CPU
 * profile tables, and the texts that go with them (the run line, the note
 * on what the timing columns are).  The writers (report_text.c,
 * report_html.c, ...) lay them out. */
#include "report/report_model.h"
#include "report/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- the summary */

cb_table *report_summary_table(const cb_results *res)
{
    size_t ng;
    grid *g = report_grids_build(res, cb_record_is_timing, &ng);
    strset labels = {0};
    for (size_t f = 0; f < ng; f++)
        for (size_t l = 0; l < g[f].labels.n; l++)
            report_strset_add(&labels, g[f].labels.v[l]);
    cb_table *t = cb_table_new("Summary: median over each function's calls of the call's median wall time");
    cb_table_set_row_labels(t, 2);   /* function, calls */
    cb_table_add_column(t, NULL, "function", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "calls", CB_ALIGN_RIGHT);
    for (size_t l = 0; l < labels.n; l++)
        cb_table_add_column(t, NULL, labels.v[l], CB_ALIGN_RIGHT);
    int any_dnf = 0;
    for (size_t f = 0; f < ng; f++) {
        const grid *gf = &g[f];
        double *meds = cb_xmalloc((gf->args.n + 1) * sizeof *meds);
        cb_table_add_row(t);
        cb_table_set(t, 0, gf->function);
        cb_table_set_num(t, 1, "", (double)gf->args.n);
        cb_table_setf(t, 1, "%zu", gf->args.n);
        for (size_t l = 0; l < gf->labels.n; l++) {
            size_t nm = 0, ncalls = 0, timeouts = 0, failed = 0;
            const cb_record *last = NULL;
            int mixed = 0;   /* statuses differ between the calls */
            double limit = 0;
            for (size_t a = 0; a < gf->args.n; a++) {
                const cb_record *r = report_grid_at(gf, a, l);
                if (!r)
                    continue;
                ncalls++;
                if (last && strcmp(last->status, r->status))
                    mixed = 1;
                last = r;
                cb_call_stats s;
                cb_record_stats(r, &s);
                if (s.ok)
                    meds[nm++] = s.median;
                else if (s.censored)
                    timeouts++, limit = r->timeout > limit ? r->timeout : limit;
                else if (strcmp(r->status, "unsupported") && strcmp(r->status, "unavailable"))
                    failed++;
            }
            if (!ncalls)
                continue;
            size_t col = 2 + report_strset_add(&labels, gf->labels.v[l]);
            char a[64], lim[32];
            cb_buf cellb = {0};
            if (nm)
                cb_buf_puts(&cellb, cb_format_seconds(cb_stats_median(meds, nm), a, sizeof a));
            else if (!mixed && strcmp(last->status, "timeout"))   /* all crashed alike, unsupported, ... */
                cb_buf_puts(&cellb, cb_record_mark(last, a, sizeof a));
            else if (timeouts && !failed)
                cb_buf_printf(&cellb, ">%s", cb_format_seconds(limit, lim, sizeof lim));
            else
                cb_buf_puts(&cellb, "DNF");
            if (nm && (timeouts || failed)) {
                cb_buf_puts(&cellb, " (");
                if (timeouts)
                    cb_buf_printf(&cellb, "%zu >%s", timeouts, cb_format_seconds(limit, lim, sizeof lim));
                if (failed)
                    cb_buf_printf(&cellb, "%s%zu DNF", timeouts ? ", " : "", failed);
                cb_buf_puts(&cellb, ")");
            }
            if (timeouts || failed)
                any_dnf = 1;
            cb_table_set(t, col, cellb.data);
            cb_buf_free(&cellb);
            if (!nm)
                cb_table_set_class(t, col, "dnf");
        }
        free(meds);
    }
    if (any_dnf)
        cb_table_add_note(t, "\">T\": calls that timed out at the limit T; DNF: calls that crashed or failed; "
                             "neither is counted in the median");
    /* why a library did not run at all (the engine records the reason) */
    strset said = {0};
    for (size_t f = 0; f < ng; f++)
        for (size_t a = 0; a < g[f].args.n; a++)
            for (size_t l = 0; l < g[f].labels.n; l++) {
                const cb_record *r = report_grid_at(&g[f], a, l);
                if (r && !strcmp(r->status, "unavailable") && r->error) {
                    size_t before = said.n;
                    report_strset_add(&said, r->label);
                    if (said.n > before)
                        cb_table_add_note(t, "%s unavailable: %s", r->label, r->error);
                }
            }
    report_strset_free(&said);
    report_strset_free(&labels);
    report_grids_free(g, ng);
    return t;
}

/* ---------------------------------------------------------- the baseline */

int report_resolve_baseline(const cb_results *r, const char *want, const char **label, cb_err *err)
{
    *label = NULL;
    if (!want)
        return 0;
    strset labels = {0}, matches = {0};
    for (size_t i = 0; i < r->n; i++)
        if (cb_record_is_timing(r, &r->recs[i])) {
            report_strset_add(&labels, r->recs[i].label);
            if (!strcmp(r->recs[i].label, want))
                *label = r->recs[i].label;
            if (!strcmp(r->recs[i].library, want))
                report_strset_add(&matches, r->recs[i].label);
        }
    int rc = 0;
    if (!*label && matches.n == 1) {
        *label = matches.v[0];
    } else if (!*label) {
        cb_buf b = {0};
        const strset *list = matches.n ? &matches : &labels;
        for (size_t i = 0; i < list->n; i++)
            cb_buf_printf(&b, "%s'%s'", i ? ", " : "", list->v[i]);
        rc = cb_fail(err, "--baseline %s: %s (%s)", want,
                     matches.n ? "ran in several environments; name one" : "no such library in the results",
                     b.data ? b.data : "no timed calls");
        cb_buf_free(&b);
    }
    report_strset_free(&labels);
    report_strset_free(&matches);
    return rc;
}

/* The speed-up of LIB over BASE on one call (BASE time / LIB time) as text;
 * *value gets the number when both finished (NAN otherwise). */
void report_speedup_text(const cb_record *base, const cb_record *lib, char *buf, size_t n, double *value)
{
    cb_call_stats b, l;
    *value = NAN;
    buf[0] = 0;
    if (!base || !lib)
        return;
    cb_record_stats(base, &b);
    cb_record_stats(lib, &l);
    if (b.ok && l.ok) {
        *value = b.median / l.median;
        snprintf(buf, n, "%.3g×", *value);
    } else if (b.ok && l.censored && isfinite(l.median)) {
        snprintf(buf, n, "<%.3g×", b.median / l.median);
    } else if (b.censored && l.ok && isfinite(b.median)) {
        snprintf(buf, n, ">%.3g×", b.median / l.median);
    }
}

/* ------------------------------------------------------- timing tables */

static const char *pct(double num, double den, char *buf, size_t n)
{
    if (!isfinite(num) || !isfinite(den) || den <= 0)
        buf[0] = 0;
    else
        snprintf(buf, n, "%.1f%%", 100 * num / den);
    return buf;
}

cb_table *report_function_table(const grid *g, const char *baseline, int cold)
{
    char title[256];
    snprintf(title, sizeof title, "%s (wall time per execution)", g->function);
    cb_table *t = cb_table_new(title);
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    long bl = -1;
    for (size_t l = 0; baseline && l < g->labels.n; l++)
        if (!strcmp(g->labels.v[l], baseline))
            bl = (long)l;
    size_t *col = cb_xmalloc((g->labels.n + 1) * sizeof *col);   /* first column of each label */
    for (size_t l = 0; l < g->labels.n; l++) {
        col[l] = cb_table_add_column(t, g->labels.v[l], "min", CB_ALIGN_RIGHT);
        cb_table_add_column(t, g->labels.v[l], "median", CB_ALIGN_RIGHT);
        cb_table_add_column(t, g->labels.v[l], "±", CB_ALIGN_RIGHT);
        if (bl >= 0 && (long)l != bl)
            cb_table_add_column(t, g->labels.v[l], "speed-up", CB_ALIGN_RIGHT);
        if (cold)
            cb_table_add_column(t, g->labels.v[l], "cold", CB_ALIGN_RIGHT);
    }
    double *ups = cb_xmalloc((g->args.n + 1) * g->labels.n * sizeof *ups);
    size_t *nups = cb_xcalloc(g->labels.n, sizeof *nups);
    for (size_t a = 0; a < g->args.n; a++) {
        cb_table_add_row(t);
        cb_table_set(t, 0, g->args.v[a]);
        for (size_t l = 0; l < g->labels.n; l++) {
            const cb_record *r = report_grid_at(g, a, l);
            size_t c = col[l];
            char b1[48], b2[48];
            if (!r)
                continue;
            cb_call_stats s;
            cb_record_stats(r, &s);
            if (s.ok) {
                double u = report_call_uncertainty(&s);
                cb_table_set_num(t, c, cb_format_seconds(s.min, b1, sizeof b1), s.min);
                cb_table_set_num(t, c + 1, cb_format_seconds(s.median, b1, sizeof b1), s.median);
                cb_table_set_num(t, c + 2, pct(u * s.median, s.median, b2, sizeof b2), u);
                if (s.noisy)
                    cb_table_set_class(t, c + 2, "noisy");
            } else {
                cb_table_set(t, c + 1, cb_record_mark(r, b1, sizeof b1));
                cb_table_set_class(t, c + 1, "dnf");
            }
            if (baseline && bl >= 0 && (long)l != bl) {
                double v;
                report_speedup_text(report_grid_at(g, a, (size_t)bl), r, b1, sizeof b1, &v);
                if (isfinite(v)) {
                    cb_table_set_num(t, c + 3, b1, v);
                    ups[l * (g->args.n + 1) + nups[l]++] = v;
                } else {
                    cb_table_set(t, c + 3, b1);
                }
                c++;
            }
            if (cold && isfinite(r->cold_time))
                cb_table_set_num(t, c + 3, cb_format_seconds(r->cold_time, b1, sizeof b1), r->cold_time);
        }
    }
    if (baseline && bl >= 0) {
        cb_buf b = {0};
        for (size_t l = 0; l < g->labels.n; l++) {
            if ((long)l == bl)
                continue;
            if (nups[l])
                cb_buf_printf(&b, "%s%s %.3g× (%zu call%s)", b.len ? "; " : "", g->labels.v[l],
                              cb_stats_geomean(ups + l * (g->args.n + 1), nups[l]), nups[l],
                              nups[l] == 1 ? "" : "s");
            else
                cb_buf_printf(&b, "%s%s: no call both finished", b.len ? "; " : "", g->labels.v[l]);
        }
        if (b.len)
            cb_table_add_note(t, "geometric mean speed-up over %s on the calls both finished: %s", baseline,
                              b.data);
        cb_buf_free(&b);
    } else if (baseline) {
        cb_table_add_note(t, "%s did not run %s: no speed-ups", baseline, g->function);
    }
    free(ups);
    free(nups);
    free(col);
    return t;
}

/* ------------------------------------------------------------ verify */

static int label_is_sympy(const char *label) { return !strncmp(label, "sympy", 5); }

/* Why a disagreement is expected (docs/protocol.md), or NULL. */
const char *report_expected_disagreement(const char *function, const cb_record **recs, size_t n)
{
    int sympy = 0, other = 0, singular = 0;
    for (size_t i = 0; i < n; i++) {
        if (label_is_sympy(recs[i]->library))
            sympy = 1;
        else
            other = 1;
        if (!strcmp(recs[i]->library, "singular"))
            singular = 1;
    }
    if (!strcmp(function, "divmod") && sympy && other)
        return "expected: SymPy's divmod is pseudo-division";
    if (!strcmp(function, "groebner") && singular)
        return "expected: Singular computes a strong basis over ZZ";
    return NULL;
}

cb_table *report_verify_table(const grid *g, verify_counts *vc)
{
    cb_table *t = cb_table_new(g->function);
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "results (digest: libraries)", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "note", CB_ALIGN_LEFT);
    const cb_record **ok = cb_xmalloc((g->labels.n + 1) * sizeof *ok);
    for (size_t a = 0; a < g->args.n; a++) {
        size_t nok = 0;
        cb_buf failed = {0};
        for (size_t l = 0; l < g->labels.n; l++) {
            const cb_record *r = report_grid_at(g, a, l);
            if (!r)
                continue;
            if (!strcmp(r->status, "ok") && r->digest)
                ok[nok++] = r;
            else if (strcmp(r->status, "unsupported"))
                cb_buf_printf(&failed, "%s%s (%s)", failed.len ? ", " : "", r->label,
                              r->error ? r->error : r->status);
        }
        if (failed.len)
            vc->unverified++;
        int differ = 0;
        for (size_t i = 1; i < nok; i++)
            if (strcmp(ok[i]->digest, ok[0]->digest))
                differ = 1;
        if (nok >= 2)
            vc->checked++;
        if (nok >= 2 && !differ)
            vc->agree++;
        if (differ) {
            vc->disagree++;
            if (report_expected_disagreement(g->function, ok, nok))
                vc->expected++;
        }
        if (!differ && !failed.len) {
            cb_buf_free(&failed);
            continue;
        }
        cb_table_add_row(t);
        cb_table_set(t, 0, g->args.v[a]);
        cb_buf groups = {0};
        if (differ) {
            char *done = cb_xcalloc(nok + 1, 1);
            for (size_t i = 0; i < nok; i++) {
                if (done[i])
                    continue;
                cb_buf_printf(&groups, "%s%.12s: ", groups.len ? " | " : "", ok[i]->digest);
                for (size_t j = i, first = 1; j < nok; j++)
                    if (!done[j] && !strcmp(ok[j]->digest, ok[i]->digest)) {
                        cb_buf_printf(&groups, "%s%s", first ? "" : ", ", ok[j]->label);
                        done[j] = 1, first = 0;
                    }
            }
            free(done);
        }
        cb_table_set(t, 1, groups.len ? groups.data : "");
        const char *why = differ ? report_expected_disagreement(g->function, ok, nok) : NULL;
        if (differ)   /* a disagreement by design is not an alarm */
            cb_table_set_class(t, 1, why ? "expected" : "dnf");
        cb_buf note = {0};
        if (why)
            cb_buf_puts(&note, why);
        if (failed.len)
            cb_buf_printf(&note, "%snot verified: %s", note.len ? "; " : "", failed.data);
        cb_table_set(t, 2, note.len ? note.data : "");
        cb_buf_free(&note);
        cb_buf_free(&groups);
        cb_buf_free(&failed);
    }
    free(ok);
    return t;
}

/* ------------------------------------------------------------ memory */

double report_mem_number(const cb_record *r, const char *key)
{
    json_object *m = report_jget(r->obj, "mem"), *v = report_jget(m, key);
    if (v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
        return json_object_get_double(v);
    if (strcmp(key, "peak_bytes"))
        return NAN;
    /* The original tool's rows carry no peak: the largest total stands in. */
    json_object *rows = report_jget(m, "rows");
    double best = NAN;
    for (size_t i = 0; rows && json_object_is_type(rows, json_type_array) && i < json_object_array_length(rows); i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        if (json_object_is_type(row, json_type_array) && json_object_array_length(row) >= 3) {
            double tot = json_object_get_double(json_object_array_get_idx(row, 2));
            if (isnan(best) || tot > best)
                best = tot;
        }
    }
    return best;
}

static const char *format_bytes(double b, char *buf, size_t n)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    if (isnan(b)) {
        buf[0] = 0;
        return buf;
    }
    while (fabs(b) >= 1024 && u < 4)
        b /= 1024, u++;
    snprintf(buf, n, u ? "%.3g %s" : "%.0f %s", b, units[u]);
    return buf;
}

cb_table *report_memory_table(const grid *g)
{
    cb_table *t = cb_table_new(g->function);
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    for (size_t l = 0; l < g->labels.n; l++) {
        cb_table_add_column(t, g->labels.v[l], "peak", CB_ALIGN_RIGHT);
        cb_table_add_column(t, g->labels.v[l], "allocated", CB_ALIGN_RIGHT);
        cb_table_add_column(t, g->labels.v[l], "allocations", CB_ALIGN_RIGHT);
    }
    for (size_t a = 0; a < g->args.n; a++) {
        cb_table_add_row(t);
        cb_table_set(t, 0, g->args.v[a]);
        for (size_t l = 0; l < g->labels.n; l++) {
            const cb_record *r = report_grid_at(g, a, l);
            if (!r)
                continue;
            char b[48];
            size_t c = 1 + 3 * l;
            double peak = report_mem_number(r, "peak_bytes"), tot = report_mem_number(r, "bytes_allocated"),
                   cnt = report_mem_number(r, "allocations");
            cb_table_set_num(t, c, format_bytes(peak, b, sizeof b), peak);
            cb_table_set_num(t, c + 1, format_bytes(tot, b, sizeof b), tot);
            if (!isnan(cnt)) {
                snprintf(b, sizeof b, "%.0f", cnt);
                cb_table_set_num(t, c + 2, b, cnt);
            }
            if (strcmp(r->status, "ok")) {
                cb_table_set(t, c + 2, cb_record_mark(r, b, sizeof b));
                cb_table_set_class(t, c + 2, "dnf");
            }
        }
    }
    cb_table_add_note(t, "peak: live heap bytes above the call's start; allocated: bytes allocated in all; "
                         "counted inside the call only");
    return t;
}

/* -------------------------------------------------------- CPU profiles */

/* Per call: samples, the functions with the most self samples, and where
 * the flame graph is (docs/design.md §8.2; the artefacts stay in the results dir). */
cb_table *report_profile_table(const grid *g, const char *dir)
{
    cb_table *t = cb_table_new(g->function);
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "library", CB_ALIGN_LEFT);
    cb_table_set_row_labels(t, 2);   /* args, library */
    cb_table_add_column(t, NULL, "samples", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "top functions (self samples)", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "flame graph", CB_ALIGN_LEFT);
    for (size_t a = 0; a < g->args.n; a++)
        for (size_t l = 0; l < g->labels.n; l++) {
            const cb_record *r = report_grid_at(g, a, l);
            if (!r)
                continue;
            json_object *p = report_jget(r->obj, "profile"), *top = report_jget(p, "top_self");
            cb_table_add_row(t);
            cb_table_set(t, 0, g->args.v[a]);
            cb_table_set(t, 1, g->labels.v[l]);
            json_object *n = report_jget(p, "samples");
            double samples = n ? json_object_get_double(n) : NAN;
            if (!isnan(samples)) {
                char b[32];
                snprintf(b, sizeof b, "%.0f", samples);
                cb_table_set_num(t, 2, b, samples);
            }
            cb_buf tb = {0};
            for (size_t i = 0; top && json_object_is_type(top, json_type_array) && i < json_object_array_length(top) && i < 3; i++) {
                json_object *e = json_object_array_get_idx(top, i);
                cb_buf_printf(&tb, "%s%s %.1f%%", i ? ", " : "", report_jpath_str(e, "function", NULL) ? report_jpath_str(e, "function", NULL) : "?",
                              report_jnum(e, "percent", NAN));
            }
            if (!tb.len && samples == 0)
                cb_buf_puts(&tb, "no samples: the call was shorter than the sampling period");
            cb_table_set(t, 3, tb.len ? tb.data : "");
            cb_buf_free(&tb);
            const char *fg = report_jpath_str(p, "flamegraph", NULL);
            if (fg && samples > 0) {
                char *path = fg[0] == '/' ? cb_xstrdup(fg) : cb_xasprintf("%s/%s", dir, fg);
                cb_table_set(t, 4, path);
                free(path);
            }
            if (strcmp(r->status, "ok")) {
                char b[64];
                cb_table_set(t, 3, cb_record_mark(r, b, sizeof b));
                cb_table_set_class(t, 3, "dnf");
            }
        }
    return t;
}

/* One line about where the numbers come from. */
char *report_run_line(const cb_results *r)
{
    cb_buf b = {0};
    cb_buf_printf(&b, "%zu call records from %s/%s", r->n, r->dir, r->source);
    const char *v = report_jpath_str(r->run, "casbench_version", NULL);
    if (!v)
        v = report_jpath_str(r->run, "version", NULL);
    if (v)
        cb_buf_printf(&b, "; casbench %s", v);
    const char *cpu = report_jpath_str(r->run, "host", "cpu_model");
    if (cpu)
        cb_buf_printf(&b, "; %s", cpu);
    json_object *cores = report_jget(report_jget(r->run, "host"), "cores");
    if (cores)
        cb_buf_printf(&b, " (%d cores)", json_object_get_int(cores));
    const char *started = report_jpath_str(r->run, "started", NULL);
    if (!started)
        started = report_jpath_str(r->run, "start", NULL);
    if (started)
        cb_buf_printf(&b, "; started %s", started);
    return cb_buf_take(&b);
}

/* Which time the timing tables show and what their columns are, said under
 * their heading in every format (docs/measurement.md); malloc'd. */
char *report_timings_note(const cb_results *r, int cold)
{
    size_t rounds = 0;
    double coverage = 1;
    for (size_t i = 0; i < r->n; i++) {
        cb_call_stats s;
        if (!cb_record_is_timing(r, &r->recs[i]))
            continue;
        cb_record_stats(&r->recs[i], &s);
        if (s.ok && s.rounds > rounds)
            rounds = s.rounds;
        if (s.ok && s.rounds > 1 && s.coverage < coverage)
            coverage = s.coverage;
    }
    cb_buf b = {0};
    if (rounds > 1)
        cb_buf_printf(&b, "Per call: the minimum of the timed repeats' wall time per execution over all rounds; "
                          "the median over the rounds of each round's fastest repeat (a call ran in up to %zu rounds, "
                          "each in a fresh process); ± the half-width of the distribution-free confidence "
                          "interval of that median over the rounds, as %% of the median (%.0f %% confidence%s).",
                      rounds, 100 * CB_CALL_CONFIDENCE,
                      coverage < CB_CALL_CONFIDENCE - 1e-9 ? ", less where few rounds cannot reach it" : "");
    else
        cb_buf_puts(&b, "Per call: minimum and median of the timed repeats' wall time per execution, ± the median "
                        "absolute deviation as % of the median (one round: its repeats come from one process and "
                        "say nothing of the machine's drift; --rounds runs more).");
    if (rounds > 1 && coverage < CB_CALL_CONFIDENCE - 1e-9)
        cb_buf_printf(&b, "  With %zu rounds the interval is the rounds' range, %.1f %% confidence.", rounds,
                      100 * coverage);
    cb_buf_puts(&b, cold ? "  cold: the wall time of the call's first, untimed execution (its warm-up; the median "
                           "over the rounds), never part of the repeats."
                         : "  The cold first execution is not among the repeats: --cold shows it.");
    cb_buf_puts(&b, "  CPU times are in the records.");
    return cb_buf_take(&b);
}
