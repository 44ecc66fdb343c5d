/* report_json.c — the JSON report (`casbench report --format json`): per
 * function and call, each library's statistics (the timing tables'
 * numbers, unrounded), speed-ups over a baseline, and the verification's
 * disagreements. */
#include "report/report_model.h"
#include "report/stats.h"
#include "data/value.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A JSON number written as Python's repr writes it (shortest round trip). */
static json_object *jdouble(double v)
{
    if (!isfinite(v))
        return NULL;
    cb_buf b = {0};
    cb_repr_float(&b, v);
    json_object *o = json_object_new_double_s(v, b.data);
    cb_buf_free(&b);
    return o;
}

static json_object *json_report(const cb_results *r, const char *baseline)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "results_dir", json_object_new_string(r->dir));
    json_object_object_add(o, "source", json_object_new_string(r->source));
    json_object_object_add(o, "run", r->run ? json_object_get(r->run) : NULL);
    char **warn = NULL;
    size_t nwarn = 0;
    report_all_warnings(r, &warn, &nwarn);
    json_object *w = json_object_new_array();
    for (size_t i = 0; i < nwarn; i++)
        json_object_array_add(w, json_object_new_string(warn[i]));
    report_free_lines(warn, nwarn);
    json_object_object_add(o, "warnings", w);
    json_object_object_add(o, "baseline", baseline ? json_object_new_string(baseline) : NULL);
    json_object_object_add(o, "clock", json_object_new_string("wall"));   /* of min, median, stdev, mad, cold */

    size_t ng;
    grid *g = report_grids_build(r, cb_record_is_timing, &ng);
    json_object *funcs = json_object_new_array();
    for (size_t f = 0; f < ng; f++) {
        json_object *fo = json_object_new_object(), *calls = json_object_new_array();
        json_object_object_add(fo, "function", json_object_new_string(g[f].function));
        long bl = -1;
        json_object *labels = json_object_new_array();
        for (size_t l = 0; l < g[f].labels.n; l++) {
            json_object_array_add(labels, json_object_new_string(g[f].labels.v[l]));
            if (baseline && !strcmp(baseline, g[f].labels.v[l]))
                bl = (long)l;
        }
        json_object_object_add(fo, "libraries", labels);
        double *ups = cb_xmalloc((g[f].args.n + 1) * g[f].labels.n * sizeof *ups);
        size_t *nups = cb_xcalloc(g[f].labels.n, sizeof *nups);
        for (size_t a = 0; a < g[f].args.n; a++) {
            json_object *co = json_object_new_object(), *res = json_object_new_object();
            const cb_record *any = NULL;
            for (size_t l = 0; l < g[f].labels.n; l++) {
                const cb_record *rec = report_grid_at(&g[f], a, l);
                if (!rec)
                    continue;
                any = rec;
                cb_call_stats s;
                cb_record_stats(rec, &s);
                json_object *x = json_object_new_object();
                json_object_object_add(x, "status", json_object_new_string(rec->status));
                json_object_object_add(x, "repeats", json_object_new_int64((int64_t)s.n));
                json_object_object_add(x, "rounds", json_object_new_int64((int64_t)rec->nrounds));
                json_object_object_add(x, "min", s.ok ? jdouble(s.min) : NULL);
                json_object_object_add(x, "median", s.ok ? jdouble(s.median) : NULL);
                json_object_object_add(x, "ci_low", s.ok ? jdouble(s.lo) : NULL);
                json_object_object_add(x, "ci_high", s.ok ? jdouble(s.hi) : NULL);
                json_object_object_add(x, "confidence", s.ok && s.rounds > 1 ? jdouble(s.coverage) : NULL);
                json_object_object_add(x, "noisy", json_object_new_boolean(s.noisy));
                json_object_object_add(x, "stdev", s.ok ? jdouble(s.stdev) : NULL);
                json_object_object_add(x, "mad", s.ok ? jdouble(s.spread) : NULL);
                json_object_object_add(x, "at_least", s.censored ? jdouble(s.median) : NULL);
                json_object_object_add(x, "cold", jdouble(rec->cold_time));
                json_object_object_add(x, "error", rec->error ? json_object_new_string(rec->error) : NULL);
                if (bl >= 0 && (long)l != bl) {
                    char b[48];
                    double v;
                    report_speedup_text(report_grid_at(&g[f], a, (size_t)bl), rec, b, sizeof b, &v);
                    json_object_object_add(x, "speedup", jdouble(v));
                    if (isfinite(v))
                        ups[l * (g[f].args.n + 1) + nups[l]++] = v;
                }
                json_object_object_add(res, g[f].labels.v[l], x);
            }
            json_object_object_add(co, "args", json_object_get(report_jget(any->obj, "args")));
            json_object_object_add(co, "results", res);
            json_object_array_add(calls, co);
        }
        json_object_object_add(fo, "calls", calls);
        if (bl >= 0) {
            json_object *gm = json_object_new_object();
            for (size_t l = 0; l < g[f].labels.n; l++)
                if ((long)l != bl) {
                    json_object *x = json_object_new_object();
                    json_object_object_add(x, "speedup", jdouble(cb_stats_geomean(ups + l * (g[f].args.n + 1), nups[l])));
                    json_object_object_add(x, "calls", json_object_new_int64((int64_t)nups[l]));
                    json_object_object_add(gm, g[f].labels.v[l], x);
                }
            json_object_object_add(fo, "geomean_speedup", gm);
        }
        free(ups);
        free(nups);
        json_object_array_add(funcs, fo);
    }
    report_grids_free(g, ng);
    json_object_object_add(o, "functions", funcs);

    g = report_grids_build(r, report_is_verify, &ng);
    json_object *dis = json_object_new_array();
    verify_counts vc = {0};
    for (size_t f = 0; f < ng; f++) {
        for (size_t a = 0; a < g[f].args.n; a++) {
            json_object *groups = json_object_new_object();
            const cb_record *any = NULL;
            const cb_record **oks = cb_xmalloc((g[f].labels.n + 1) * sizeof *oks);
            size_t ndig = 0, nok = 0;
            for (size_t l = 0; l < g[f].labels.n; l++) {
                const cb_record *rec = report_grid_at(&g[f], a, l);
                if (!rec || strcmp(rec->status, "ok") || !rec->digest)
                    continue;
                any = rec;
                oks[nok++] = rec;
                json_object *list = report_jget(groups, rec->digest);
                if (!list) {
                    list = json_object_new_array();
                    json_object_object_add(groups, rec->digest, list);
                    ndig++;
                }
                json_object_array_add(list, json_object_new_string(rec->label));
            }
            vc.checked += nok >= 2;
            if (ndig > 1) {
                json_object *d = json_object_new_object();
                json_object_object_add(d, "function", json_object_new_string(g[f].function));
                json_object_object_add(d, "args", json_object_get(report_jget(any->obj, "args")));
                json_object_object_add(d, "digests", groups);
                const char *why = report_expected_disagreement(g[f].function, oks, nok);
                json_object_object_add(d, "expected", why ? json_object_new_string(why) : NULL);
                json_object_array_add(dis, d);
                vc.disagree++;
                vc.expected += why != NULL;
            } else {
                json_object_put(groups);
            }
            free(oks);
        }
    }
    if (ng) {
        json_object *v = json_object_new_object();
        json_object_object_add(v, "compared", json_object_new_int64((int64_t)vc.checked));
        json_object_object_add(v, "disagree", json_object_new_int64((int64_t)vc.disagree));
        json_object_object_add(v, "expected", json_object_new_int64((int64_t)vc.expected));
        json_object_object_add(v, "disagreements", dis);
        json_object_object_add(o, "verify", v);
    } else {
        json_object_put(dis);
    }
    report_grids_free(g, ng);
    return o;
}

void report_write_json(const cb_results *r, const char *baseline, cb_buf *out)
{
    json_object *j = json_report(r, baseline);
    cb_buf_puts(out, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    cb_buf_putc(out, '\n');
    json_object_put(j);
}
