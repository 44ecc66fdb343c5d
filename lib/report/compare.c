/* compare.c — pairs the calls of two results directories and judges each
 * ratio B / A (see compare.h, docs/report.md). */
#include "report/compare.h"
#include "report/report_model.h"   /* report_jget */

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cb_verdict_name(cb_verdict v)
{
    static const char *names[] = {"same", "faster", "slower", "unsure", "n/a"};
    return names[v];
}

int cb_compare_parse_threshold(const char *s, double *out, cb_err *err)
{
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s)
        return cb_fail(err, "--threshold %s: not a number (e.g. 10%% or 0.1)", s);
    if (*end == '%')
        v /= 100, end++;
    if (*end || !isfinite(v) || v < 0 || v > 100)
        return cb_fail(err, "--threshold %s: expected a percentage such as 10%% or a fraction such as 0.1", s);
    *out = v;
    return 0;
}

/* ------------------------------------------------------------- pairing */

typedef struct {
    char *key;
    const cb_record *rec;
} keyed;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    return (a->rec->seq > b->rec->seq) - (a->rec->seq < b->rec->seq);
}

static int cmp_seq(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    return (a->rec->seq > b->rec->seq) - (a->rec->seq < b->rec->seq);
}

/* Does LIBRARY run in exactly one environment/gc setting in R? */
static int single_variant(const cb_results *r, const char *library)
{
    const cb_record *first = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const cb_record *q = &r->recs[i];
        if (!cb_record_is_timing(r, q) || strcmp(q->library, library))
            continue;
        if (!first)
            first = q;
        else if (q->gc != first->gc || ((q->env == NULL) != (first->env == NULL)) ||
                 (q->env && strcmp(q->env, first->env)))
            return 0;
    }
    return 1;
}

/* A call's identity across runs.  A library that ran in one environment in
 * both runs is paired whatever the environment (comparing interpreters is
 * a use of compare; the warning says so). */
static char *pair_key(const cb_record *r, int ignore_variant)
{
    if (ignore_variant)
        return cb_xasprintf("%s\x1f\x1f\x1f%s\x1f%s", r->library, r->function, r->args);
    return cb_xasprintf("%s\x1f%s\x1f%d\x1f%s\x1f%s", r->library, r->env ? r->env : "", r->gc, r->function,
                        r->args);
}

static keyed *index_run(const cb_results *r, const cb_results *other, size_t *n)
{
    keyed *k = cb_xmalloc((r->n + 1) * sizeof *k);
    size_t m = 0;
    /* whether each library ran in one variant in both runs, asked once per library */
    const char **libs = NULL;
    int *single_of = NULL;
    size_t nlibs = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cb_record *rec = &r->recs[i];
        if (!cb_record_is_timing(r, rec))
            continue;
        size_t l = 0;
        while (l < nlibs && strcmp(libs[l], rec->library))
            l++;
        if (l == nlibs) {
            libs = cb_xrealloc(libs, (nlibs + 1) * sizeof *libs);
            single_of = cb_xrealloc(single_of, (nlibs + 1) * sizeof *single_of);
            libs[nlibs] = rec->library;
            single_of[nlibs++] = single_variant(r, rec->library) && single_variant(other, rec->library);
        }
        int single = single_of[l];
        k[m].key = pair_key(rec, single);
        k[m].rec = rec;
        m++;
    }
    free(libs);
    free(single_of);
    qsort(k, m, sizeof *k, cmp_keyed);
    /* keep the newest record of a call (a resumed run may hold two) */
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        if (w && !strcmp(k[w - 1].key, k[i].key)) {
            free(k[w - 1].key);
            k[w - 1] = k[i];
        } else {
            k[w++] = k[i];
        }
    }
    *n = w;
    return k;
}

static keyed *find(keyed *k, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(k[mid].key, key);
        if (!c)
            return &k[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------- samples */

/* The repeat times of a call.  A timeout's repeats are censored: the
 * finished ones count as they are, the one cut off as at least what was left
 * of the limit; when none finished, the call counts as `other_n` repeats of
 * at least the limit each.  Returns the count (0: no usable sample). */
static size_t sample(const cb_record *r, size_t other_n, double **out, int *censored)
{
    cb_call_stats s;
    cb_record_stats(r, &s);
    *censored = s.censored;
    *out = NULL;
    if (s.ok) {
        *out = cb_xmalloc(r->ntimes * sizeof **out);
        memcpy(*out, r->times, r->ntimes * sizeof **out);
        return r->ntimes;
    }
    if (!s.censored || !(r->timeout > 0))
        return 0;
    double used = 0;
    for (size_t i = 0; i < r->ntimes; i++)
        used += r->times[i];
    size_t n = r->ntimes ? r->ntimes + (r->timeout > used) : (other_n ? other_n : 1);
    *out = cb_xmalloc(n * sizeof **out);
    if (r->ntimes) {
        memcpy(*out, r->times, r->ntimes * sizeof **out);
        if (r->timeout > used)
            (*out)[r->ntimes] = r->timeout - used;
    } else {
        for (size_t i = 0; i < n; i++)
            (*out)[i] = r->timeout;
    }
    return n;
}

/* The executions per repeat of round K of R (its record's `loops`; 1 when
 * it does not say). */
static double round_loops(const cb_record *r, size_t k)
{
    double loops = cb_record_num(r->round_objs ? r->round_objs[k] : r->obj, "loops", 1);
    return loops >= 1 ? loops : 1;
}

/* The samples of a call that ran in rounds: one per round, its value
 * (cb_round_value, the fastest repeat).  A round that timed out counts as
 * at least the fastest of its repeats and of the one cut off, taken as
 * what was left of the limit after the finished repeats (per execution),
 * or at least the limit when none finished; a round
 * skipped because the call timed out in another one counts as at least the
 * limit too (that is why it was skipped).  Returns the count (0: no usable
 * sample). */
static size_t round_samples(const cb_record *r, double **out, int *censored)
{
    cb_call_stats s;
    cb_record_stats(r, &s);
    *censored = s.censored;
    *out = NULL;
    if (!s.ok && !s.censored)
        return 0;
    *out = cb_xmalloc(r->nrounds * sizeof **out);
    size_t n = 0;
    for (size_t k = 0; k < r->nrounds; k++) {
        const cb_round *rd = &r->rounds[k];
        const double *t = r->times + rd->first;
        double limit = rd->timeout > 0 ? rd->timeout : r->timeout;
        if (!strcmp(rd->status, "ok") && rd->ntimes) {
            (*out)[n++] = cb_round_value(r, rd);
        } else if (!strcmp(rd->status, "timeout") && limit > 0) {
            double used = 0, loops = round_loops(r, k);
            for (size_t i = 0; i < rd->ntimes; i++)
                used += t[i] * loops;   /* t: per execution */
            double cut = rd->ntimes ? (limit - used) / loops : limit;   /* the unfinished repeat's share */
            double v = rd->ntimes ? cb_round_value(r, rd) : cut;
            (*out)[n++] = cut > 0 && cut < v ? cut : v;
        }
    }
    if (!n) {
        free(*out);
        *out = NULL;
    }
    return n;
}

/* Whether a call's verdict can rest on rounds: both sides ran in rounds. */
static int has_rounds(const cb_record *r)
{
    return r->nrounds > 1;
}

static void judge(cb_compare_row *row, const cb_compare_opts *o)
{
    char buf[64];
    row->verdict = CB_CMP_NA;
    if (!row->a || !row->b) {
        row->note = cb_xstrdup(row->a ? "only in A" : "only in B");
        return;
    }
    double *sa, *sb;
    int ca, cbz;
    size_t na, nb;
    row->by_rounds = has_rounds(row->a) && has_rounds(row->b);
    if (row->by_rounds) {
        na = round_samples(row->a, &sa, &ca);
        nb = round_samples(row->b, &sb, &cbz);
    } else {
        size_t nb0 = row->b->ntimes ? row->b->ntimes : 1, na0 = row->a->ntimes ? row->a->ntimes : 1;
        na = sample(row->a, nb0, &sa, &ca);
        nb = sample(row->b, na0, &sb, &cbz);
        /* a censored side with no repeats of its own mirrors the other side's count */
        if (ca && !row->a->ntimes && nb) {
            free(sa);
            na = sample(row->a, nb, &sa, &ca);
        }
        if (cbz && !row->b->ntimes && na) {
            free(sb);
            nb = sample(row->b, na, &sb, &cbz);
        }
    }
    row->na = na;
    row->nb = nb;
    row->a_censored = ca;
    row->b_censored = cbz;
    if (!na || !nb || (ca && cbz)) {
        if (ca && cbz)
            row->note = cb_xstrdup("both timed out");
        else if (!na)
            row->note = cb_xasprintf("A: %s", cb_record_mark(row->a, buf, sizeof buf));
        else
            row->note = cb_xasprintf("B: %s", cb_record_mark(row->b, buf, sizeof buf));
        free(sa);
        free(sb);
        return;
    }
    cb_stats_ratio_ci(sa, na, sb, nb, o->confidence, &row->ci);
    free(sa);
    free(sb);
    row->have_ratio = 1;
    /* B's times are lower bounds when B is censored: the true ratio is larger,
     * so only the lower end stays valid; the other way round for A. */
    row->lo_known = !ca;
    row->hi_known = !cbz;
    double up = 1 + o->threshold, down = 1 / (1 + o->threshold);
    if (row->lo_known && row->ci.lo > up)
        row->verdict = CB_CMP_SLOWER;
    else if (row->hi_known && row->ci.hi < down)
        row->verdict = CB_CMP_FASTER;
    else if (!row->lo_known || !row->hi_known)
        row->verdict = CB_CMP_UNSURE;
    else if (row->ci.ratio > up || row->ci.ratio < down)
        row->verdict = CB_CMP_UNSURE;
    else
        row->verdict = CB_CMP_SAME;
    if (ca)
        row->note = cb_xstrdup("A timed out: B / A is at most the estimate");
    else if (cbz)
        row->note = cb_xstrdup("B timed out: B / A is at least the estimate");
}

/* --------------------------------------------------------- comparability */

static const char *jtext(json_object *v)
{
    if (!v)
        return "none";
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                     : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void warn(cb_comparison *c, char *line)
{
    c->warnings = cb_xrealloc(c->warnings, (c->nwarnings + 1) * sizeof *c->warnings);
    c->warnings[c->nwarnings++] = line;
}

static int differ(json_object *x, json_object *y)
{
    if (!x || !y)
        return 0;   /* not recorded: nothing to say */
    return strcmp(jtext(x), jtext(y)) != 0;
}

/* The version of LIBRARY (in ENV) that run.json's "libraries" list records. */
static json_object *library_entry(json_object *run, const char *library, const char *env)
{
    json_object *libs = report_jget(run, "libraries"), *fallback = NULL;
    if (!libs || !json_object_is_type(libs, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(libs); i++) {
        json_object *e = json_object_array_get_idx(libs, i);
        const char *id = jtext(report_jget(e, "library"));
        if (strcmp(id, library))
            continue;
        json_object *ev = report_jget(e, "env");
        if (env && ev && !strcmp(jtext(ev), env))
            return e;
        if (!fallback)
            fallback = e;
    }
    return fallback;
}

static void comparability(const cb_results *a, const cb_results *b, cb_comparison *c)
{
    json_object *ha = report_jget(a->run, "host"), *hb = report_jget(b->run, "host");
    if (differ(report_jget(ha, "cpu_model"), report_jget(hb, "cpu_model")))
        warn(c, cb_xasprintf("not comparable: different CPUs (A: %s; B: %s)", jtext(report_jget(ha, "cpu_model")),
                             jtext(report_jget(hb, "cpu_model"))));
    else if (differ(report_jget(ha, "hostname"), report_jget(hb, "hostname")))
        warn(c, cb_xasprintf("the runs come from different hosts (A: %s; B: %s)", jtext(report_jget(ha, "hostname")),
                             jtext(report_jget(hb, "hostname"))));
    json_object *oa = report_jget(a->run, "options"), *ob = report_jget(b->run, "options");
    /* the target a --min-time meant ("auto": 0.01 s) when both runs say it */
    const char *mt = report_jget(oa, "min_time_target") && report_jget(ob, "min_time_target") ? "min_time_target" : "min_time";
    if (differ(report_jget(oa, mt), report_jget(ob, mt)))
        warn(c, cb_xasprintf("not comparable: --min-time was %s in A and %s in B", jtext(report_jget(oa, "min_time")),
                             jtext(report_jget(ob, "min_time"))));
    if (differ(report_jget(oa, "warmup"), report_jget(ob, "warmup")))
        warn(c, cb_xasprintf("not comparable: --warmup was %s in A and %s in B", jtext(report_jget(oa, "warmup")),
                             jtext(report_jget(ob, "warmup"))));
    if (differ(report_jget(oa, "repeats"), report_jget(ob, "repeats")))
        warn(c, cb_xasprintf("--repeats was %s in A and %s in B", jtext(report_jget(oa, "repeats")),
                             jtext(report_jget(ob, "repeats"))));
    if (differ(report_jget(oa, "timeout"), report_jget(ob, "timeout")))
        warn(c, cb_xasprintf("--timeout was %s in A and %s in B", jtext(report_jget(oa, "timeout")),
                             jtext(report_jget(ob, "timeout"))));

    /* Library and interpreter versions, and environments paired across. */
    for (size_t i = 0; i < c->n; i++) {
        const cb_compare_row *r = &c->rows[i];
        if (!r->a || !r->b)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = c->rows[j].a && c->rows[j].b && !strcmp(c->rows[j].a->library, r->a->library) &&
                   !strcmp(c->rows[j].label, r->label);
        if (seen)
            continue;
        if ((r->a->env || r->b->env) && (!r->a->env || !r->b->env || strcmp(r->a->env, r->b->env)))
            warn(c, cb_xasprintf("%s ran in different environments (A: %s; B: %s)", r->a->library,
                                 r->a->env ? r->a->env : "none", r->b->env ? r->b->env : "none"));
        json_object *ea = library_entry(a->run, r->a->library, r->a->env);
        json_object *eb = library_entry(b->run, r->b->library, r->b->env);
        if (differ(report_jget(ea, "version"), report_jget(eb, "version")))
            warn(c, cb_xasprintf("not comparable: %s version %s in A, %s in B", r->a->library,
                                 jtext(report_jget(ea, "version")), jtext(report_jget(eb, "version"))));
        json_object *va = report_jget(ea, "versions"), *vb = report_jget(eb, "versions");
        if (va && vb && json_object_is_type(va, json_type_object)) {
            json_object_object_foreach(va, name, v) {
                /* a dependency recorded as null is "not installed": that differs from a version */
                json_object *w = NULL;
                if (!json_object_object_get_ex(vb, name, &w))
                    continue;
                if ((v || w) && (!v || !w || differ(v, w)))
                    warn(c, cb_xasprintf("not comparable: %s runs with %s %s in A, %s in B", r->a->library, name,
                                         jtext(v), jtext(w)));
            }
        }
    }

    /* Either run too noisy to trust. */
    const cb_results *runs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        char **lines = NULL;
        size_t n = 0;
        cb_report_noise_warnings(runs[k], &lines, &n);
        for (size_t i = 0; i < n; i++) {
            warn(c, cb_xasprintf("%s: %s", k ? "B" : "A", lines[i]));
            free(lines[i]);
        }
        free(lines);
    }
}

/* ------------------------------------------------------------- compare */

/* The most rounds a timed call of R ran in. */
static size_t runs_rounds(const cb_results *r)
{
    size_t most = 0;
    for (size_t i = 0; i < r->n; i++)
        if (cb_record_is_timing(r, &r->recs[i]) && r->recs[i].nrounds > most)
            most = r->recs[i].nrounds;
    return most;
}

static void add_row(cb_comparison *c, const cb_record *a, const cb_record *b, size_t *cap)
{
    if (c->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        c->rows = cb_xrealloc(c->rows, *cap * sizeof *c->rows);
    }
    cb_compare_row *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    const cb_record *any = a ? a : b;
    r->a = a;
    r->b = b;
    r->label = cb_xstrdup(any->label);
    r->function = cb_xstrdup(any->function);
    r->args = cb_xstrdup(any->args);
    judge(r, &c->opts);
    c->count[r->verdict]++;
    c->by_repeats += r->have_ratio && !r->by_rounds;
    if (r->have_ratio && r->ci.confidence < c->min_confidence)
        c->min_confidence = r->ci.confidence;
}

int cb_compare(const cb_results *a, const cb_results *b, const cb_compare_opts *o, cb_comparison *out,
               cb_err *err)
{
    memset(out, 0, sizeof *out);
    out->opts = *o;
    out->min_confidence = 1;
    if (!(o->confidence > 0 && o->confidence < 1))
        return cb_fail(err, "confidence %g: must be between 0 and 1", o->confidence);
    size_t na, nb, cap = 0;
    keyed *ka = index_run(a, b, &na), *kb = index_run(b, a, &nb);
    char *used = cb_xcalloc(nb + 1, 1);
    /* in A's order (the order calls ran), then what only B has */
    keyed *byseq = cb_xmalloc((na + 1) * sizeof *byseq);
    memcpy(byseq, ka, na * sizeof *ka);
    qsort(byseq, na, sizeof *byseq, cmp_seq);
    for (size_t i = 0; i < na; i++) {
        keyed *m = find(kb, nb, byseq[i].key);
        if (m)
            used[m - kb] = 1;
        add_row(out, byseq[i].rec, m ? m->rec : NULL, &cap);
    }
    for (size_t j = 0; j < nb; j++)
        if (!used[j])
            add_row(out, NULL, kb[j].rec, &cap);
    for (size_t i = 0; i < na; i++)
        free(ka[i].key);
    for (size_t j = 0; j < nb; j++)
        free(kb[j].key);
    free(ka);
    free(kb);
    free(byseq);
    free(used);
    size_t broke = 0;
    const cb_compare_row *first = NULL;
    for (size_t i = 0; i < out->n; i++) {
        const cb_compare_row *r = &out->rows[i];
        if (r->a && r->b && !strcmp(r->a->status, "ok") && strcmp(r->b->status, "ok") &&
            strcmp(r->b->status, "timeout")) {
            if (!broke++)
                first = r;
        }
    }
    out->newly_failed = broke;
    if (broke)
        warn(out, cb_xasprintf("%zu call%s that finished in A failed in B, e.g. %s %s(%s): %s", broke,
                               broke == 1 ? "" : "s", first->label, first->function, first->args, first->note));
    if (out->by_repeats)
        warn(out, cb_xasprintf("%zu call%s compared by repeats, not rounds (%s ran one round): repeats from one "
                               "child are not independent samples, so their intervals are too narrow and a "
                               "verdict may not hold in the next run; run both with --rounds 3 or more",
                               out->by_repeats, out->by_repeats == 1 ? " is" : "s are",
                               runs_rounds(a) < 2 && runs_rounds(b) < 2 ? "both runs" : runs_rounds(a) < 2 ? "A" : "B"));
    comparability(a, b, out);
    if (!na && !nb)
        warn(out, cb_xstrdup("neither run has timed calls"));
    else if (out->count[CB_CMP_NA] == out->n)
        warn(out, cb_xstrdup("no call finished in both runs: nothing to compare"));
    return 0;
}

void cb_comparison_free(cb_comparison *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->rows[i].label);
        free(c->rows[i].function);
        free(c->rows[i].args);
        free(c->rows[i].note);
    }
    for (size_t i = 0; i < c->nwarnings; i++)
        free(c->warnings[i]);
    free(c->warnings);
    free(c->rows);
    memset(c, 0, sizeof *c);
}

/* -------------------------------------------------------------- output */

static const char *time_cell(const cb_record *r, char *buf, size_t n)
{
    if (!r) {
        snprintf(buf, n, "-");
        return buf;
    }
    cb_call_stats s;
    cb_record_stats(r, &s);
    if (s.ok)
        return cb_format_seconds(s.median, buf, n);
    return cb_record_mark(r, buf, n);
}

/* Ratios near 1 with three decimals (1.000, 0.953), others with three
 * significant digits (0.00412, 52.3, 1.2e+03). */
static const char *fmt_ratio(double v, char *buf, size_t n)
{
    if (v >= 0.1 && v < 10)
        snprintf(buf, n, "%.3f", v);
    else
        snprintf(buf, n, "%.3g", v);
    return buf;
}

static void ratio_cells(const cb_compare_row *r, char *ratio, char *ci, size_t n)
{
    ratio[0] = ci[0] = 0;
    if (!r->have_ratio)
        return;
    const char *pre = r->b_censored ? ">" : r->a_censored ? "<" : "";
    char lo[24], hi[24];
    snprintf(ratio, n, "%s%s", pre, fmt_ratio(r->ci.ratio, lo, sizeof lo));
    if (r->lo_known)
        fmt_ratio(r->ci.lo, lo, sizeof lo);
    else
        snprintf(lo, sizeof lo, "0");
    if (r->hi_known)
        fmt_ratio(r->ci.hi, hi, sizeof hi);
    else
        snprintf(hi, sizeof hi, "∞");
    snprintf(ci, n, "[%s, %s]", lo, hi);
}

/* What a verdict rests on: "5+5 rounds" (independent samples), or "3+3
 * repeats" (of one child each: not independent). */
static const char *samples_text(const cb_compare_row *r, char *buf, size_t n)
{
    snprintf(buf, n, "%zu+%zu %s", r->na, r->nb, r->by_rounds ? "rounds" : "repeats");
    return buf;
}

static cb_table *rows_table(const cb_comparison *c)
{
    cb_table *t = cb_table_new("B / A per call");
    cb_table_add_column(t, NULL, "library", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "function", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "A", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "B", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "B/A", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "interval", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "p", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "samples", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "verdict", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "note", CB_ALIGN_LEFT);
    for (size_t i = 0; i < c->n; i++) {
        const cb_compare_row *r = &c->rows[i];
        char b1[80], b2[80];
        cb_table_add_row(t);
        cb_table_set(t, 0, r->label);
        cb_table_set(t, 1, r->function);
        cb_table_set(t, 2, r->args);
        const cb_record *side[2] = {r->a, r->b};
        for (int k = 0; k < 2; k++) {   /* CSV/JSON get the median in seconds when there is one */
            cb_call_stats st;
            if (side[k])
                cb_record_stats(side[k], &st);
            if (side[k] && st.ok)
                cb_table_set_num(t, 3 + k, time_cell(side[k], b1, sizeof b1), st.median);
            else
                cb_table_set(t, 3 + k, time_cell(side[k], b1, sizeof b1));
        }
        ratio_cells(r, b1, b2, sizeof b1);
        if (r->have_ratio) {
            cb_table_set_num(t, 5, b1, r->ci.ratio);
            cb_table_set(t, 6, b2);
            snprintf(b1, sizeof b1, "%.2g", r->ci.p_value);
            cb_table_set_num(t, 7, b1, r->ci.p_value);
            cb_table_set(t, 8, samples_text(r, b1, sizeof b1));
        }
        cb_table_set(t, 9, cb_verdict_name(r->verdict));
        cb_table_set_class(t, 9, cb_verdict_name(r->verdict));
        cb_table_set(t, 10, r->note ? r->note : "");
    }
    return t;
}

static cb_table *summary_table(const cb_comparison *c)
{
    cb_table *t = cb_table_new("Summary: geometric mean of B / A over the calls both runs finished");
    cb_table_add_column(t, NULL, "library", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "calls", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "B/A", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "faster", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "slower", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "same", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "unsure", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "n/a", CB_ALIGN_RIGHT);
    double *ratios = cb_xmalloc((c->n + 1) * sizeof *ratios);
    /* one row per label, then "all" */
    for (size_t pass = 0; pass <= c->n; pass++) {
        const char *label = pass < c->n ? c->rows[pass].label : NULL;
        if (label) {
            int seen = 0;
            for (size_t j = 0; j < pass && !seen; j++)
                seen = !strcmp(c->rows[j].label, label);
            if (seen)
                continue;
        }
        size_t counts[5] = {0}, nr = 0;
        for (size_t i = 0; i < c->n; i++) {
            const cb_compare_row *r = &c->rows[i];
            if (label && strcmp(r->label, label))
                continue;
            counts[r->verdict]++;
            if (r->have_ratio && !r->a_censored && !r->b_censored)
                ratios[nr++] = r->ci.ratio;
        }
        cb_table_add_row(t);
        cb_table_set(t, 0, label ? label : "all");
        char b[32];
        snprintf(b, sizeof b, "%zu", nr);
        cb_table_set_num(t, 1, b, (double)nr);
        if (nr) {
            double g = cb_stats_geomean(ratios, nr);
            fmt_ratio(g, b, sizeof b);
            cb_table_set_num(t, 2, b, g);
        }
        const cb_verdict order[] = {CB_CMP_FASTER, CB_CMP_SLOWER, CB_CMP_SAME, CB_CMP_UNSURE, CB_CMP_NA};
        for (size_t k = 0; k < 5; k++) {
            snprintf(b, sizeof b, "%zu", counts[order[k]]);
            cb_table_set_num(t, 3 + k, b, (double)counts[order[k]]);
        }
    }
    free(ratios);
    return t;
}

static void notes(const cb_comparison *c, cb_table *t)
{
    cb_table_add_note(t, "B/A: ratio of the wall time per execution (Hodges-Lehmann estimate); interval: its "
                         "%.0f %% confidence interval from the Mann-Whitney test; p: Mann-Whitney p-value; samples: "
                         "what they rest on, A+B: rounds (one value each, the fastest of the round's repeats; "
                         "independent) or, when a run has one round, repeats (of one child: not independent)",
                      100 * c->opts.confidence);
    if (c->min_confidence < c->opts.confidence - 1e-9)
        cb_table_add_note(t, "too few samples for %.0f %% on some calls: their interval is the widest the samples "
                             "allow, down to %.0f %% confidence (more --rounds narrow it)",
                          100 * c->opts.confidence, 100 * c->min_confidence);
    cb_table_add_note(t, "slower / faster: the whole interval is beyond the %g %% threshold; unsure: only the "
                         "estimate is; a timeout counts as at least the limit",
                      100 * c->opts.threshold);
}

static json_object *jnum(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *side_json(const cb_record *r)
{
    if (!r)
        return NULL;
    json_object *o = json_object_new_object();
    cb_call_stats s;
    cb_record_stats(r, &s);
    json_object_object_add(o, "status", json_object_new_string(r->status));
    json_object_object_add(o, "median", s.ok ? jnum(s.median) : NULL);
    json_object_object_add(o, "at_least", s.censored ? jnum(s.median) : NULL);
    json_object_object_add(o, "repeats", json_object_new_int64((int64_t)s.n));
    json_object_object_add(o, "rounds", json_object_new_int64((int64_t)r->nrounds));
    json_object_object_add(o, "env", r->env ? json_object_new_string(r->env) : NULL);
    return o;
}

static void render_json(const cb_comparison *c, cb_buf *out)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "threshold", json_object_new_double(c->opts.threshold));
    json_object_object_add(o, "confidence", json_object_new_double(c->opts.confidence));
    json_object *w = json_object_new_array();
    for (size_t i = 0; i < c->nwarnings; i++)
        json_object_array_add(w, json_object_new_string(c->warnings[i]));
    json_object_object_add(o, "warnings", w);
    json_object *rows = json_object_new_array();
    for (size_t i = 0; i < c->n; i++) {
        const cb_compare_row *r = &c->rows[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "library", json_object_new_string(r->label));
        json_object_object_add(x, "function", json_object_new_string(r->function));
        json_object_object_add(x, "args", json_object_new_string(r->args));
        json_object_object_add(x, "a", side_json(r->a));
        json_object_object_add(x, "b", side_json(r->b));
        json_object_object_add(x, "ratio", r->have_ratio ? jnum(r->ci.ratio) : NULL);
        json_object_object_add(x, "ci_low", r->have_ratio && r->lo_known ? jnum(r->ci.lo) : NULL);
        json_object_object_add(x, "ci_high", r->have_ratio && r->hi_known ? jnum(r->ci.hi) : NULL);
        json_object_object_add(x, "confidence", r->have_ratio ? jnum(r->ci.confidence) : NULL);
        json_object_object_add(x, "p_value", r->have_ratio ? jnum(r->ci.p_value) : NULL);
        json_object *smp = NULL;
        if (r->have_ratio) {
            smp = json_object_new_object();
            json_object_object_add(smp, "a", json_object_new_int64((int64_t)r->na));
            json_object_object_add(smp, "b", json_object_new_int64((int64_t)r->nb));
            json_object_object_add(smp, "kind", json_object_new_string(r->by_rounds ? "rounds" : "repeats"));
        }
        json_object_object_add(x, "samples", smp);
        json_object_object_add(x, "verdict", json_object_new_string(cb_verdict_name(r->verdict)));
        json_object_object_add(x, "note", r->note ? json_object_new_string(r->note) : NULL);
        json_object_array_add(rows, x);
    }
    json_object_object_add(o, "calls", rows);
    json_object *counts = json_object_new_object();
    for (int v = 0; v < 5; v++)
        json_object_object_add(counts, cb_verdict_name((cb_verdict)v), json_object_new_int64((int64_t)c->count[v]));
    /* what the verdicts rest on (docs/measurement.md) */
    size_t compared = c->n - c->count[CB_CMP_NA];
    json_object_object_add(counts, "on_rounds", json_object_new_int64((int64_t)(compared - c->by_repeats)));
    json_object_object_add(counts, "on_repeats", json_object_new_int64((int64_t)c->by_repeats));
    json_object_object_add(o, "counts", counts);
    cb_buf_puts(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    cb_buf_putc(out, '\n');
    json_object_put(o);
}

void cb_compare_render(const cb_comparison *c, cb_table_format f, cb_buf *out)
{
    if (f == CB_TABLE_JSON) {
        render_json(c, out);
        return;
    }
    cb_table *rows = rows_table(c);
    if (f == CB_TABLE_CSV) {
        cb_table_render(rows, f, out);
        cb_table_free(rows);
        return;
    }
    for (size_t i = 0; i < c->nwarnings; i++) {
        cb_buf_puts(out, f == CB_TABLE_MARKDOWN ? "- warning: " : "warning: ");
        if (f == CB_TABLE_MARKDOWN)
            cb_md_escape(out, c->warnings[i]);
        else
            cb_buf_puts(out, c->warnings[i]);
        cb_buf_putc(out, '\n');
    }
    if (c->nwarnings)
        cb_buf_putc(out, '\n');
    notes(c, rows);
    cb_table_render(rows, f, out);
    cb_buf_putc(out, '\n');
    cb_table_free(rows);
    cb_table *s = summary_table(c);
    cb_table_render(s, f, out);
    cb_table_free(s);
    if (f == CB_TABLE_TEXT || f == CB_TABLE_MARKDOWN)
    {
        size_t compared = c->n - c->count[CB_CMP_NA];
        cb_buf_printf(out, "%s%zu slower, %zu faster, %zu same, %zu unsure, %zu not compared (threshold %g %%); "
                           "%zu verdict%s on rounds, %zu on repeats\n",
                      f == CB_TABLE_MARKDOWN ? "\n" : "", c->count[CB_CMP_SLOWER], c->count[CB_CMP_FASTER],
                      c->count[CB_CMP_SAME], c->count[CB_CMP_UNSURE], c->count[CB_CMP_NA], 100 * c->opts.threshold,
                      compared - c->by_repeats, compared - c->by_repeats == 1 ? "" : "s", c->by_repeats);
    }
}
