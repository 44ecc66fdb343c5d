/* report_model.c — what every part of the report computes from the records
 * read by report_read.c: each call's statistics (cb_record_stats), how a
 * time or an unfinished call is shown, the function × args × labels grids
 * the tables are built from, and small JSON and string-set helpers
 * (report_model.h). */
#include "report/report_model.h"
#include "report/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- per-call stats */

double cb_round_value(const cb_record *r, const cb_round *rd)
{
    return cb_stats_min(r->times + rd->first, rd->ntimes);
}

void cb_record_stats(const cb_record *r, cb_call_stats *s)
{
    memset(s, 0, sizeof *s);
    s->min = s->median = s->stdev = s->spread = s->lo = s->hi = NAN;
    if (!strcmp(r->status, "timeout")) {
        s->censored = 1;
        double lim = r->timeout > 0 ? r->timeout : NAN;
        s->min = s->median = lim;
        return;
    }
    if (strcmp(r->status, "ok") || !r->ntimes)
        return;
    s->ok = 1;
    s->n = r->ntimes;
    s->min = cb_stats_min(r->times, r->ntimes);
    s->stdev = cb_stats_stdev(r->times, r->ntimes);
    s->spread = cb_stats_mad(r->times, r->ntimes);
    double *values = cb_xmalloc((r->nrounds ? r->nrounds : 1) * sizeof *values);
    for (size_t k = 0; k < r->nrounds; k++)
        if (r->rounds[k].ntimes)
            values[s->rounds++] = cb_round_value(r, &r->rounds[k]);
    if (s->rounds > 1) {
        s->median = cb_stats_median(values, s->rounds);
        cb_stats_median_ci(values, s->rounds, CB_CALL_CONFIDENCE, &s->lo, &s->hi, &s->coverage);
        s->noisy = (s->hi - s->lo) / 2 > CB_CALL_NOISE * s->median;
    } else {
        s->median = cb_stats_median(r->times, r->ntimes);
        s->noisy = s->n > 1 && s->spread > CB_CALL_NOISE * s->median;
    }
    free(values);
}

/* How well a call's time is known, relative to its median: with rounds,
 * the half-width of the interval of the median over the rounds; with one
 * round, the spread of its repeats (their MAD). */
double report_call_uncertainty(const cb_call_stats *s)
{
    if (!(s->median > 0))
        return 0;
    if (s->rounds > 1)
        return (s->hi - s->lo) / 2 / s->median;
    return s->spread / s->median;
}

const char *cb_record_mark(const cb_record *r, char *buf, size_t n)
{
    if (!strcmp(r->status, "timeout")) {
        char t[32];
        if (r->timeout > 0)
            snprintf(buf, n, ">%s", cb_format_seconds(r->timeout, t, sizeof t));
        else
            snprintf(buf, n, "DNF (timeout)");
    } else if (!strcmp(r->status, "crashed")) {
        snprintf(buf, n, "DNF (%s)", r->error ? r->error : "crashed");
    } else if (!strcmp(r->status, "ok")) {
        snprintf(buf, n, "DNF (no time)");
    } else {
        snprintf(buf, n, "DNF (%s)", r->status);
    }
    return buf;
}

static uint64_t str_hash(const char *x)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (; *x; x++)
        h = (h ^ (unsigned char)*x) * 1099511628211ull;
    return h;
}

static void strset_index(strset *s, size_t i)
{
    size_t m = s->cap - 1, h = (size_t)str_hash(s->v[i]) & m;
    while (s->slot[h])
        h = (h + 1) & m;
    s->slot[h] = i + 1;
}

size_t report_strset_add(strset *s, const char *x)
{
    if (s->cap) {
        size_t m = s->cap - 1;
        for (size_t h = (size_t)str_hash(x) & m; s->slot[h]; h = (h + 1) & m)
            if (!strcmp(s->v[s->slot[h] - 1], x))
                return s->slot[h] - 1;
    }
    s->v = cb_xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = x;
    if (2 * s->n > s->cap) {   /* grow and rehash */
        free(s->slot);
        s->cap = s->cap ? 2 * s->cap : 16;
        s->slot = cb_xcalloc(s->cap, sizeof *s->slot);
        for (size_t i = 0; i < s->n; i++)
            strset_index(s, i);
    } else {
        strset_index(s, s->n - 1);
    }
    return s->n - 1;
}

void report_strset_free(strset *s)
{
    free(s->v);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

int cb_record_is_timing(const cb_results *r, const cb_record *rec)
{
    return !strcmp(rec->mode, r->timing_mode ? r->timing_mode : "benchmark");
}

/* ------------------------------------------------ grids: args × labels */

void report_grids_free(grid *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        report_strset_free(&g[i].args);
        report_strset_free(&g[i].labels);
        free(g[i].cell);
    }
    free(g);
}

int report_is_verify(const cb_results *r, const cb_record *rec)
{
    (void)r;
    return !strcmp(rec->mode, "verify") || rec->digest;
}

int report_is_mem(const cb_results *r, const cb_record *rec)
{
    (void)r;
    json_object *m;
    return json_object_object_get_ex(rec->obj, "mem", &m) && m;
}

int report_is_profiled(const cb_results *r, const cb_record *rec)
{
    (void)r;
    json_object *p;
    return json_object_object_get_ex(rec->obj, "profile", &p) && p && json_object_is_type(p, json_type_object);
}

grid *report_grids_build(const cb_results *r, record_filter want, size_t *ngrids)
{
    strset funcs = {0};
    size_t *of = cb_xmalloc((r->n + 1) * sizeof *of);   /* each record's function, or SIZE_MAX */
    for (size_t i = 0; i < r->n; i++)
        of[i] = want(r, &r->recs[i]) ? report_strset_add(&funcs, r->recs[i].function) : SIZE_MAX;
    grid *g = cb_xcalloc(funcs.n ? funcs.n : 1, sizeof *g);
    size_t *a_of = cb_xmalloc((r->n + 1) * sizeof *a_of), *l_of = cb_xmalloc((r->n + 1) * sizeof *l_of);
    for (size_t i = 0; i < r->n; i++)
        if (of[i] != SIZE_MAX) {
            g[of[i]].function = funcs.v[of[i]];
            a_of[i] = report_strset_add(&g[of[i]].args, r->recs[i].args);
            l_of[i] = report_strset_add(&g[of[i]].labels, r->recs[i].label);
        }
    for (size_t f = 0; f < funcs.n; f++)
        g[f].cell = cb_xcalloc(g[f].args.n * g[f].labels.n + 1, sizeof *g[f].cell);
    for (size_t i = 0; i < r->n; i++)   /* in file order: a resumed call keeps its newest record */
        if (of[i] != SIZE_MAX)
            g[of[i]].cell[a_of[i] * g[of[i]].labels.n + l_of[i]] = &r->recs[i];
    *ngrids = funcs.n;
    report_strset_free(&funcs);
    free(of);
    free(a_of);
    free(l_of);
    return g;
}

const cb_record *report_grid_at(const grid *g, size_t a, size_t l)
{
    return g->cell[a * g->labels.n + l];
}

json_object *report_jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, key, &v);
    return v;
}

const char *report_jpath_str(json_object *o, const char *a, const char *b)
{
    json_object *v = report_jget(o, a);
    if (b)
        v = report_jget(v, b);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

void report_push_line(char ***lines, size_t *n, char *s)
{
    *lines = cb_xrealloc(*lines, (*n + 1) * sizeof **lines);
    (*lines)[(*n)++] = s;
}

void report_free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* the record layer's (lib/run/record.h) */
const char *report_jstr(json_object *o, const char *key) { return cb_record_str(o, key); }
double report_jnum(json_object *o, const char *key, double dflt) { return cb_record_num(o, key, dflt); }

