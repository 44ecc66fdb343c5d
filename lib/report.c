/* report.c — reads a results directory into records (calls.jsonl, or the
 * original tool's results.pickle) and renders the summary `run` prints and
 * the reports of `casbench report` (see report.h, docs/report.md). */
#define _GNU_SOURCE   /* qsort_r */
#include "report.h"
#include "pickle.h"
#include "results.h"
#include "plot.h"
#include "stats.h"
#include "table.h"
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- reading */

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static double jnum(json_object *o, const char *key, double dflt)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return dflt;
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
        return json_object_get_double(v);
    return dflt;
}

/* The display text of `env`: a string as is, an object by its "version" or
 * "python" or "path", anything else as JSON. */
static char *env_text(json_object *o)
{
    json_object *v;
    if (!json_object_object_get_ex(o, "env", &v) || !v)
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return cb_xstrdup(json_object_get_string(v));
    if (json_object_is_type(v, json_type_object)) {
        const char *keys[] = {"version", "python", "path", "executable"};
        for (size_t i = 0; i < 4; i++)
            if (jstr(v, keys[i]))
                return cb_xstrdup(jstr(v, keys[i]));
    }
    return cb_xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int fill_record(cb_record *r, json_object *o, size_t seq)
{
    memset(r, 0, sizeof *r);
    r->obj = o;
    r->seq = seq;
    r->runner = jstr(o, "runner");
    r->library = jstr(o, "library");
    r->mode = jstr(o, "mode");
    r->function = jstr(o, "function");
    r->status = jstr(o, "status");
    r->error = jstr(o, "error");
    r->digest = jstr(o, "digest");
    if (!r->library || !r->function || !r->status)
        return -1;
    if (!r->mode)
        r->mode = "benchmark";
    if (!r->runner)
        r->runner = r->library;
    r->env = env_text(o);
    json_object *v;
    r->gc = json_object_object_get_ex(o, "gc", &v) && json_object_is_type(v, json_type_boolean)
                ? json_object_get_boolean(v)
                : -1;
    cb_buf b = {0};
    if (json_object_object_get_ex(o, "args", &v) && json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *a = json_object_array_get_idx(v, i);
            if (i)
                cb_buf_puts(&b, ", ");
            cb_buf_puts(&b, json_object_is_type(a, json_type_string) ? json_object_get_string(a)
                                                                    : json_object_to_json_string(a));
        }
    }
    r->args = b.data ? cb_buf_take(&b) : cb_xstrdup("");
    if (json_object_object_get_ex(o, "times", &v) && json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        r->times = cb_xmalloc((n ? n : 1) * sizeof *r->times);
        for (size_t i = 0; i < n; i++) {
            double t = json_object_get_double(json_object_array_get_idx(v, i));
            if (isfinite(t) && t >= 0)
                r->times[r->ntimes++] = t;
        }
    }
    r->timeout = jnum(o, "timeout", 0);
    r->cold_time = jnum(o, "cold_time", NAN);
    int round = cb_record_round(o);
    r->rounds = cb_xmalloc(sizeof *r->rounds);
    r->rounds[0] = (cb_round){
        .round = round < 0 ? 0 : round, .status = r->status, .first = 0, .ntimes = r->ntimes,
        .timeout = r->timeout, .skipped = json_object_object_get_ex(o, "skipped", &v) && json_object_get_boolean(v),
    };
    r->nrounds = 1;
    return 0;
}

static void record_free(cb_record *r)
{
    if (r->round_objs)
        for (size_t k = 0; k < r->nrounds; k++)
            json_object_put(r->round_objs[k]);
    else
        json_object_put(r->obj);
    free(r->round_objs);
    free(r->rounds);
    free(r->env);
    free(r->args);
    free(r->times);
    free(r->label);
}

static void add_warning(cb_results *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(cb_results *res, const char *fmt, ...)
{
    cb_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    res->warnings = cb_xrealloc(res->warnings, (res->nwarnings + 1) * sizeof *res->warnings);
    res->warnings[res->nwarnings++] = cb_buf_take(&b);
}

static void push_record(cb_results *res, json_object *o, size_t *cap, size_t lineno)
{
    if (res->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        res->recs = cb_xrealloc(res->recs, *cap * sizeof *res->recs);
    }
    if (fill_record(&res->recs[res->n], o, res->n) < 0) {
        add_warning(res, "%s line %zu: record without library, function or status, skipped", res->source, lineno);
        record_free(&res->recs[res->n]);
        return;
    }
    res->n++;
}

static int load_jsonl(cb_results *res, const char *path, cb_err *err)
{
    char *data;
    size_t len, cap = 0;
    if (cb_read_file(path, &data, &len, err) < 0)
        return -1;
    size_t lineno = 0;
    for (char *line = data; line < data + len;) {
        char *end = memchr(line, '\n', (size_t)(data + len - line));
        if (!end)
            end = data + len;
        lineno++;
        size_t n = (size_t)(end - line);
        while (n && isspace((unsigned char)line[n - 1]))
            n--;
        if (n) {
            json_tokener *tok = json_tokener_new();
            json_object *o = json_tokener_parse_ex(tok, line, (int)n);
            int complete = json_tokener_get_error(tok) == json_tokener_success &&
                           json_tokener_get_parse_end(tok) == n;
            json_tokener_free(tok);
            if (!o || !complete || !json_object_is_type(o, json_type_object)) {
                add_warning(res, "%s line %zu: not a JSON object, skipped", path, lineno);
                json_object_put(o);
            } else {
                push_record(res, o, &cap, lineno);
            }
        }
        line = end + 1;
    }
    free(data);
    return 0;
}

/* The records of a results.pickle in the original layout (below). */
static int results_pickle_records(cb_results *res, const char *path, cb_err *err);

/* The short form of an env for labels: its version number when it has one. */
char *cb_env_short(const char *env)
{
    for (const char *p = env; *p; p++)
        if (isdigit((unsigned char)*p) && p[1] == '.' && isdigit((unsigned char)p[2])) {
            const char *e = p;
            while (isdigit((unsigned char)*e) || *e == '.')
                e++;
            while (p > env && isdigit((unsigned char)p[-1]))
                p--;
            return cb_xasprintf("py%.*s", (int)(e - p), p);
        }
    return cb_xstrdup(env);
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* One (library, env, gc, host) a run used; a run has few, its records many.
 * The host tells variants apart only when a run spans hosts (the Slurm
 * executor): then each host's timings get their own column. */
typedef struct {
    const char *library, *env, *host;
    int gc;
    char *label;
} variant;

static size_t variant_of(variant **vs, size_t *nv, const cb_record *r)
{
    const char *host = jstr(r->obj, "host");
    for (size_t k = 0; k < *nv; k++)
        if (!strcmp((*vs)[k].library, r->library) && str_eq((*vs)[k].env, r->env) && (*vs)[k].gc == r->gc &&
            str_eq((*vs)[k].host, host))
            return k;
    *vs = cb_xrealloc(*vs, (*nv + 1) * sizeof **vs);
    (*vs)[*nv] = (variant){r->library, r->env, host, r->gc, NULL};
    return (*nv)++;
}

static char *variant_label(const variant *vs, size_t nv, const variant *v)
{
    int envs = 0, gcs = 0, hosts = 0, shorts_clash = 0;
    char *mine = v->env ? cb_env_short(v->env) : NULL;
    for (size_t k = 0; k < nv; k++) {
        const variant *q = &vs[k];
        if (strcmp(q->library, v->library))
            continue;
        if (!str_eq(q->env, v->env)) {
            envs = 1;
            char *other = q->env ? cb_env_short(q->env) : NULL;
            if (str_eq(other, mine))
                shorts_clash = 1;
            free(other);
        }
        if (q->gc != v->gc)
            gcs = 1;
        if (!str_eq(q->host, v->host))
            hosts = 1;
    }
    cb_buf b = {0};
    cb_buf_puts(&b, v->library);
    if (envs)
        cb_buf_printf(&b, " [%s]", v->env ? (shorts_clash ? v->env : mine) : "default");
    if (gcs)
        cb_buf_printf(&b, " gc=%s", v->gc == 1 ? "on" : v->gc == 0 ? "off" : "?");
    if (hosts)
        cb_buf_printf(&b, " @%s", v->host ? v->host : "?");
    free(mine);
    return cb_buf_take(&b);
}

/* Labels say what tells a library's runners apart: env (short form when that
 * stays unique) and gc. */
static void make_labels(cb_results *res)
{
    variant *vs = NULL;
    size_t nv = 0;
    size_t *idx = cb_xmalloc((res->n + 1) * sizeof *idx);
    for (size_t i = 0; i < res->n; i++)
        idx[i] = variant_of(&vs, &nv, &res->recs[i]);
    for (size_t k = 0; k < nv; k++)
        vs[k].label = variant_label(vs, nv, &vs[k]);
    for (size_t i = 0; i < res->n; i++)
        res->recs[i].label = cb_xstrdup(vs[idx[i]].label);
    for (size_t k = 0; k < nv; k++)
        free(vs[k].label);
    free(vs);
    free(idx);
}

static void merge_rounds(cb_results *res);

int cb_results_load(const char *dir, cb_results *out, cb_err *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return cb_fail(err, "%s: not a results directory (%s)", dir, stat(dir, &st) < 0 ? strerror(errno) : "not a directory");
    out->dir = cb_xstrdup(dir);
    char *jsonl = cb_xasprintf("%s/calls.jsonl", dir);
    char *pkl = cb_xasprintf("%s/results.pickle", dir);
    char *runjson = cb_xasprintf("%s/run.json", dir);
    int rc = 0;
    if (stat(jsonl, &st) == 0) {
        out->source = "calls.jsonl";
        rc = load_jsonl(out, jsonl, err);
    } else if (stat(pkl, &st) == 0) {
        out->source = "results.pickle";
        rc = results_pickle_records(out, pkl, err);
    } else {
        rc = cb_fail(err, "%s: no calls.jsonl or results.pickle (not a results directory?)", dir);
    }
    if (rc == 0 && stat(runjson, &st) == 0) {
        cb_err jerr;
        out->run = cb_json_read_file(runjson, &jerr);
        if (out->run && !json_object_is_type(out->run, json_type_object)) {
            json_object_put(out->run);
            out->run = NULL;
            snprintf(jerr.msg, sizeof jerr.msg, "%s: not a JSON object", runjson);
        }
        if (!out->run)
            add_warning(out, "%s, ignored", jerr.msg);
    }
    free(jsonl);
    free(pkl);
    free(runjson);
    if (rc < 0) {
        cb_results_free(out);
        return -1;
    }
    /* results.pickle records carry no limit: run.json's --timeout is it */
    json_object *opts, *limit;
    if (out->run && json_object_object_get_ex(out->run, "options", &opts) &&
        json_object_object_get_ex(opts, "timeout", &limit))
        for (size_t i = 0; i < out->n; i++)
            if (!(out->recs[i].timeout > 0))
                out->recs[i].timeout = out->recs[i].rounds[0].timeout = json_object_get_double(limit);
    merge_rounds(out);
    make_labels(out);
    out->timing_mode = "cpu";
    for (size_t i = 0; i < out->n; i++)
        if (!strcmp(out->recs[i].mode, "benchmark"))
            out->timing_mode = "benchmark";
    return 0;
}

void cb_results_free(cb_results *r)
{
    for (size_t i = 0; i < r->n; i++)
        record_free(&r->recs[i]);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    free(r->recs);
    free(r->dir);
    json_object_put(r->run);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------- per-call stats */

/* The median of a round's repeats: the round's one value (the repeats of
 * one child are not independent; docs/measurement.md). */
static double round_value(const cb_record *r, const cb_round *rd)
{
    return cb_stats_median(r->times + rd->first, rd->ntimes);
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
            values[s->rounds++] = round_value(r, &r->rounds[k]);
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
static double call_uncertainty(const cb_call_stats *s)
{
    if (!(s->median > 0))
        return 0;
    if (s->rounds > 1)
        return (s->hi - s->lo) / 2 / s->median;
    return s->spread / s->median;
}

const char *cb_format_seconds(double s, char *buf, size_t n)
{
    if (isnan(s))
        snprintf(buf, n, "?");
    else if (s < 1e-6)
        snprintf(buf, n, "%.3g ns", s * 1e9);
    else if (s < 1e-3)
        snprintf(buf, n, "%.3g µs", s * 1e6);
    else if (s < 1)
        snprintf(buf, n, "%.3g ms", s * 1e3);
    else if (s < 120)
        snprintf(buf, n, "%.3g s", s);
    else
        snprintf(buf, n, "%.0f min %.0f s", floor(s / 60), fmod(s, 60));
    return buf;
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

/* ----------------------------------------------------------- the summary */

static int is_timing(const cb_results *r, const cb_record *rec) { return cb_record_is_timing(r, rec); }

/* Distinct strings in first-seen order, with a hash index (a run has
 * thousands of argument tuples per function). */
typedef struct {
    const char **v;
    size_t n;
    size_t *slot;      /* index + 1, 0 = empty; cap is a power of two */
    size_t cap;
} strset;

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

static size_t strset_add(strset *s, const char *x)
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

static void strset_free(strset *s)
{
    free(s->v);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------- rounds */

/* How bad a round's outcome is, for the merged call's status: a call that
 * failed in one round failed, one that timed out in one round timed out. */
static int severity(const char *status)
{
    if (!strcmp(status, "ok"))
        return 0;
    if (!strcmp(status, "unsupported") || !strcmp(status, "unavailable"))
        return 1;
    return !strcmp(status, "timeout") ? 2 : 3;
}

typedef struct {
    size_t index;      /* into res->recs */
    size_t group;      /* the call, whatever its round */
    int round;
} round_ref;

static int cmp_round_ref(const void *x, const void *y)
{
    const round_ref *a = x, *b = y;
    if (a->group != b->group)
        return (a->group > b->group) - (a->group < b->group);
    if (a->round != b->round)
        return (a->round > b->round) - (a->round < b->round);
    return (a->index > b->index) - (a->index < b->index);
}

/* The records of rounds REFS[0..n) of one call (one per round, newest
 * last for a round recorded twice by a resume) as one record, into OUT. */
static void merge_call(cb_record *recs, const round_ref *refs, size_t n, cb_record *out)
{
    /* a round recorded twice keeps its newest record (the later in the file) */
    size_t keep = 0, *idx = cb_xmalloc(n * sizeof *idx);
    for (size_t k = 0; k < n; k++) {
        if (keep && refs[idx[keep - 1]].round == refs[k].round) {
            record_free(&recs[refs[idx[keep - 1]].index]);
            idx[keep - 1] = k;
        } else {
            idx[keep++] = k;
        }
    }
    cb_record *last = &recs[refs[idx[keep - 1]].index];
    *out = *last;   /* its fields, label and obj; times, rounds and cold time from all */
    size_t ntimes = 0;
    for (size_t k = 0; k < keep; k++)
        ntimes += recs[refs[idx[k]].index].ntimes;
    out->times = cb_xmalloc((ntimes ? ntimes : 1) * sizeof *out->times);
    out->rounds = cb_xmalloc(keep * sizeof *out->rounds);
    out->round_objs = cb_xmalloc(keep * sizeof *out->round_objs);
    out->ntimes = out->nrounds = 0;
    double *colds = cb_xmalloc(keep * sizeof *colds);
    size_t ncold = 0;
    const cb_record *worst = NULL;
    for (size_t k = 0; k < keep; k++) {
        cb_record *q = &recs[refs[idx[k]].index];
        cb_round rd = q->rounds[0];
        rd.first = out->ntimes;
        memcpy(out->times + out->ntimes, q->times, q->ntimes * sizeof *q->times);
        out->ntimes += q->ntimes;
        out->rounds[out->nrounds] = rd;
        out->round_objs[out->nrounds++] = q->obj;
        if (isfinite(q->cold_time))
            colds[ncold++] = q->cold_time;
        if (!worst || severity(q->status) > severity(worst->status))
            worst = q;
        if (q != last) {   /* its obj now belongs to out->round_objs */
            free(q->rounds);
            free(q->env);
            free(q->args);
            free(q->times);
            free(q->label);
        }
    }
    out->status = worst->status;
    out->error = worst->error;
    out->cold_time = ncold ? cb_stats_median(colds, ncold) : NAN;
    free(last->rounds);
    free(last->times);
    free(colds);
    free(idx);
}

static int cmp_call_order(const void *x, const void *y, void *numbered)
{
    const cb_record *a = x, *b = y;
    if (*(bool *)numbered) {
        int64_t ca = json_object_get_int64(json_object_object_get(a->obj, "call"));
        int64_t cb = json_object_get_int64(json_object_object_get(b->obj, "call"));
        if (ca != cb)
            return (ca > cb) - (ca < cb);
    }
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The records of one call's rounds (the same runner, host, function and
 * arguments) become one record (cb_record), and the calls are put in
 * run-list order (their `call`), the order of a run without rounds. */
static void merge_rounds(cb_results *res)
{
    if (!res->n)
        return;
    strset calls = {0};
    round_ref *refs = cb_xmalloc(res->n * sizeof *refs);
    char **keys = cb_xmalloc(res->n * sizeof *keys);
    for (size_t i = 0; i < res->n; i++) {
        const cb_record *r = &res->recs[i];
        const char *host = jstr(r->obj, "host");
        keys[i] = cb_xasprintf("%s\x1f%s\x1f%s\x1f%s", r->runner, host ? host : "", r->function, r->args);
        refs[i] = (round_ref){i, strset_add(&calls, keys[i]), r->rounds[0].round};
    }
    size_t ncalls = calls.n;
    qsort(refs, res->n, sizeof *refs, cmp_round_ref);
    cb_record *merged = cb_xmalloc(ncalls * sizeof *merged);
    size_t m = 0;
    for (size_t i = 0; i < res->n;) {
        size_t j = i;
        while (j < res->n && refs[j].group == refs[i].group)
            j++;
        if (j - i == 1 && !res->recs[refs[i].index].round_objs)
            merged[m] = res->recs[refs[i].index];   /* one round: as it is */
        else
            merge_call(res->recs, refs + i, j - i, &merged[m]);
        merged[m].seq = refs[i].index;   /* its first record's place */
        m++;
        i = j;
    }
    for (size_t i = 0; i < res->n; i++)
        free(keys[i]);
    free(keys);
    free(refs);
    strset_free(&calls);
    free(res->recs);
    res->recs = merged;
    res->n = m;
    /* run-list order: by `call` when every record has one, then by first place */
    bool numbered = true;
    for (size_t i = 0; i < m && numbered; i++) {
        json_object *c = NULL;
        numbered = json_object_object_get_ex(merged[i].obj, "call", &c) && json_object_is_type(c, json_type_int);
    }
    qsort_r(merged, m, sizeof *merged, cmp_call_order, &numbered);
    for (size_t i = 0; i < m; i++)
        merged[i].seq = i;
}


int cb_record_is_timing(const cb_results *r, const cb_record *rec)
{
    return !strcmp(rec->mode, r->timing_mode ? r->timing_mode : "benchmark");
}

/* ------------------------------------------------ grids: args × labels */

/* One function's calls: a row per argument tuple, a column per label; a
 * cell is the call's last record (a resumed call keeps its newest). */
typedef struct {
    const char *function;
    strset args, labels;
    const cb_record **cell;   /* args.n × labels.n */
} grid;

static void grids_free(grid *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        strset_free(&g[i].args);
        strset_free(&g[i].labels);
        free(g[i].cell);
    }
    free(g);
}

typedef int (*record_filter)(const cb_results *r, const cb_record *rec);

static int is_verify(const cb_results *r, const cb_record *rec)
{
    (void)r;
    return !strcmp(rec->mode, "verify") || rec->digest;
}

static int is_mem(const cb_results *r, const cb_record *rec)
{
    (void)r;
    json_object *m;
    return json_object_object_get_ex(rec->obj, "mem", &m) && m;
}

static grid *grids_build(const cb_results *r, record_filter want, size_t *ngrids)
{
    strset funcs = {0};
    size_t *of = cb_xmalloc((r->n + 1) * sizeof *of);   /* each record's function, or SIZE_MAX */
    for (size_t i = 0; i < r->n; i++)
        of[i] = want(r, &r->recs[i]) ? strset_add(&funcs, r->recs[i].function) : SIZE_MAX;
    grid *g = cb_xcalloc(funcs.n ? funcs.n : 1, sizeof *g);
    size_t *a_of = cb_xmalloc((r->n + 1) * sizeof *a_of), *l_of = cb_xmalloc((r->n + 1) * sizeof *l_of);
    for (size_t i = 0; i < r->n; i++)
        if (of[i] != SIZE_MAX) {
            g[of[i]].function = funcs.v[of[i]];
            a_of[i] = strset_add(&g[of[i]].args, r->recs[i].args);
            l_of[i] = strset_add(&g[of[i]].labels, r->recs[i].label);
        }
    for (size_t f = 0; f < funcs.n; f++)
        g[f].cell = cb_xcalloc(g[f].args.n * g[f].labels.n + 1, sizeof *g[f].cell);
    for (size_t i = 0; i < r->n; i++)   /* in file order: a resumed call keeps its newest record */
        if (of[i] != SIZE_MAX)
            g[of[i]].cell[a_of[i] * g[of[i]].labels.n + l_of[i]] = &r->recs[i];
    *ngrids = funcs.n;
    strset_free(&funcs);
    free(of);
    free(a_of);
    free(l_of);
    return g;
}

static const cb_record *grid_at(const grid *g, size_t a, size_t l)
{
    return g->cell[a * g->labels.n + l];
}

static cb_table *summary_table(const cb_results *res)
{
    size_t ng;
    grid *g = grids_build(res, is_timing, &ng);
    strset labels = {0};
    for (size_t f = 0; f < ng; f++)
        for (size_t l = 0; l < g[f].labels.n; l++)
            strset_add(&labels, g[f].labels.v[l]);
    cb_table *t = cb_table_new("Summary: median over each function's calls of the call's median wall time");
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
                const cb_record *r = grid_at(gf, a, l);
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
            size_t col = 2 + strset_add(&labels, gf->labels.v[l]);
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
                const cb_record *r = grid_at(&g[f], a, l);
                if (r && !strcmp(r->status, "unavailable") && r->error) {
                    size_t before = said.n;
                    strset_add(&said, r->label);
                    if (said.n > before)
                        cb_table_add_note(t, "%s unavailable: %s", r->label, r->error);
                }
            }
    strset_free(&said);
    strset_free(&labels);
    grids_free(g, ng);
    return t;
}

static void verify_section(const cb_results *r, int md, cb_buf *out);

int cb_report_summary(const char *results_dir, FILE *out, cb_err *err)
{
    cb_results res;
    if (cb_results_load(results_dir, &res, err) < 0)
        return -1;
    cb_table *t = summary_table(&res);
    cb_buf b = {0};
    if (cb_table_nrows(t))
        cb_table_render(t, CB_TABLE_TEXT, &b);
    verify_section(&res, 0, &b);
    if (!b.len)
        cb_buf_printf(&b, "no timed or verified calls in %s\n", results_dir);
    fwrite(b.data, 1, b.len, out);
    cb_buf_free(&b);
    cb_table_free(t);
    cb_results_free(&res);
    return 0;
}

/* ------------------------------------------ the original tool's results */


/* A pickled value as JSON (rows of memory data, flags). */
static json_object *value_json(cb_value v)
{
    switch (v.type) {
    case CB_NONE: return NULL;
    case CB_BOOL: return json_object_new_boolean(v.u.b);
    case CB_INT:
        if (cb_int_fits_i64(v))
            return json_object_new_int64(cb_int_get_i64(v));
        return json_object_new_double(NAN);
    case CB_FLOAT: {
        if (!isfinite(v.u.f))
            return json_object_new_double(v.u.f);
        cb_buf b = {0};
        cb_repr_float(&b, v.u.f);   /* Python's repr: what the original tool's users see */
        json_object *o = json_object_new_double_s(v.u.f, b.data);
        cb_buf_free(&b);
        return o;
    }
    case CB_STR: return json_object_new_string_len(cb_str_data(v), (int)cb_str_len(v));
    case CB_TUPLE: case CB_LIST: case CB_SET: case CB_FROZENSET: {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < cb_len(v); i++)
            json_object_array_add(a, value_json(cb_item(v, i)));
        return a;
    }
    default: {
        char *s = cb_repr(v);
        json_object *o = json_object_new_string(s);
        free(s);
        return o;
    }
    }
}

static void runner_records(cb_results *res, cb_value runner, const char *kind, size_t idx, size_t *cap)
{
    cb_value lib, results, v;
    if (!cb_is(runner, CB_DICT) || !cb_dict_get_str(runner, "library", &lib) || !cb_is(lib, CB_STR) ||
        !cb_dict_get_str(runner, "results", &results) || !cb_is(results, CB_DICT)) {
        add_warning(res, "results.pickle: %s runner %zu has no library or results, skipped", kind, idx);
        return;
    }
    const char *type = "benchmark";
    if (cb_dict_get_str(runner, "type", &v) && cb_is(v, CB_STR))
        type = cb_str_data(v);
    for (size_t i = 0; i < cb_len(results); i++) {
        cb_value key = cb_dict_key(results, i), val = cb_dict_val(results, i);
        if (!cb_is(key, CB_TUPLE) || cb_len(key) != 2 || !cb_is(cb_item(key, 0), CB_STR)) {
            add_warning(res, "results.pickle: %s runner %zu: result key %zu is not (function, args), skipped",
                        kind, idx, i);
            continue;
        }
        json_object *o = json_object_new_object();
        char *rid = cb_xasprintf("%s-%s-%zu", kind, cb_str_data(lib), idx);
        json_object_object_add(o, "runner", json_object_new_string(rid));
        free(rid);
        json_object_object_add(o, "library", json_object_new_string(cb_str_data(lib)));
        json_object_object_add(o, "env", cb_dict_get_str(runner, "venv", &v) ? value_json(v) : NULL);
        json_object_object_add(o, "gc", cb_dict_get_str(runner, "gc", &v) ? value_json(v) : NULL);
        json_object_object_add(o, "mode", json_object_new_string(type));
        if (cb_dict_get_str(runner, "flags", &v))
            json_object_object_add(o, "flags", value_json(v));
        json_object_object_add(o, "function", json_object_new_string(cb_str_data(cb_item(key, 0))));
        json_object *args = json_object_new_array();
        cb_value a = cb_item(key, 1);
        if (cb_is_seq(a)) {
            for (size_t k = 0; k < cb_len(a); k++) {
                char *s = cb_repr(cb_item(a, k));
                json_object_array_add(args, json_object_new_string(s));
                free(s);
            }
        } else {
            char *s = cb_repr(a);
            json_object_array_add(args, json_object_new_string(s));
            free(s);
        }
        json_object_object_add(o, "args", args);
        json_object_object_add(o, "call", json_object_new_int64((int64_t)i));
        const char *status = "ok";
        if (!strcmp(type, "mem")) {
            /* casbench's row for a call that did not finish (lib/results.h):
             * its status, no rows */
            cb_value row = cb_is_seq(val) && cb_len(val) == 1 ? cb_item(val, 0) : cb_none();
            cb_value what = cb_is_seq(row) && cb_len(row) == 7 ? cb_item(row, 0) : cb_none();
            bool unfinished = cb_is(what, CB_STR) && !strncmp(cb_str_data(what), "casbench: ", 10) &&
                              cb_is(cb_item(row, 2), CB_FLOAT) && isinf(cb_item(row, 2).u.f);
            json_object *mem = json_object_new_object();
            json_object_object_add(mem, "rows", unfinished ? json_object_new_array() : value_json(val));
            json_object_object_add(o, "mem", mem);
            if (unfinished)
                status = cb_str_data(what) + 10;
        } else if (cb_is_seq(val)) {
            json_object *times = json_object_new_array();
            int inf = 0;
            for (size_t k = 0; k < cb_len(val); k++) {
                cb_value t = cb_item(val, k);
                double d = cb_is(t, CB_FLOAT) ? t.u.f : cb_is(t, CB_INT) ? (double)cb_int_get_i64(t) : NAN;
                if (isinf(d))
                    inf = 1;
                else if (!isnan(d))
                    json_object_array_add(times, json_object_new_double(d));
            }
            if (inf)
                status = "timeout";
            else if (!json_object_array_length(times))
                status = "error";
            json_object_object_add(o, "times", times);
            if (!strcmp(status, "error"))
                json_object_object_add(o, "error", json_object_new_string("no time recorded"));
        } else if (!strcmp(type, "verify") && cb_is(val, CB_STR)) {
            json_object_object_add(o, "digest", value_json(val));
        }
        json_object_object_add(o, "status", json_object_new_string(status));
        push_record(res, o, cap, i + 1);
    }
}

static int results_pickle_records(cb_results *res, const char *path, cb_err *err)
{
    cb_value top;
    if (cb_pickle_load_file(path, &top, err) < 0)
        return -1;
    if (!cb_is(top, CB_DICT)) {
        cb_release(top);
        return cb_fail(err, "%s: not the results layout (a dict of \"python\"/\"external\" runner lists)", path);
    }
    size_t cap = 0;
    const char *kinds[] = {"python", "external"};
    for (size_t k = 0; k < 2; k++) {
        cb_value list;
        if (!cb_dict_get_str(top, kinds[k], &list))
            continue;
        if (!cb_is_seq(list)) {
            add_warning(res, "results.pickle: \"%s\" is not a list of runners, skipped", kinds[k]);
            continue;
        }
        for (size_t i = 0; i < cb_len(list); i++)
            runner_records(res, cb_item(list, i), kinds[k], i, &cap);
    }
    cb_release(top);
    return 0;
}

/* ---------------------------------------------------------- the baseline */

static int resolve_baseline(const cb_results *r, const char *want, const char **label, cb_err *err)
{
    *label = NULL;
    if (!want)
        return 0;
    strset labels = {0}, matches = {0};
    for (size_t i = 0; i < r->n; i++)
        if (is_timing(r, &r->recs[i])) {
            strset_add(&labels, r->recs[i].label);
            if (!strcmp(r->recs[i].label, want))
                *label = r->recs[i].label;
            if (!strcmp(r->recs[i].library, want))
                strset_add(&matches, r->recs[i].label);
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
    strset_free(&labels);
    strset_free(&matches);
    return rc;
}

/* The speed-up of LIB over BASE on one call (BASE time / LIB time) as text;
 * *value gets the number when both finished (NAN otherwise). */
static void speedup_text(const cb_record *base, const cb_record *lib, char *buf, size_t n, double *value)
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

static cb_table *function_table(const grid *g, const char *baseline, int cold)
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
            const cb_record *r = grid_at(g, a, l);
            size_t c = col[l];
            char b1[48], b2[48];
            if (!r)
                continue;
            cb_call_stats s;
            cb_record_stats(r, &s);
            if (s.ok) {
                double u = call_uncertainty(&s);
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
                speedup_text(grid_at(g, a, (size_t)bl), r, b1, sizeof b1, &v);
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

/* ------------------------------------------------------ noise warnings */

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, key, &v);
    return v;
}

static const char *jpath_str(json_object *o, const char *a, const char *b)
{
    json_object *v = jget(o, a);
    if (b)
        v = jget(v, b);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* run.json["host"]["noise"], or run.json["noise"]. */
static json_object *run_noise(json_object *run)
{
    json_object *n = jget(jget(run, "host"), "noise");
    return n ? n : jget(run, "noise");
}

static void push_line(char ***lines, size_t *n, char *s)
{
    *lines = cb_xrealloc(*lines, (*n + 1) * sizeof **lines);
    (*lines)[(*n)++] = s;
}

/* Was the run pinned?  1, 0, or -1 when run.json does not say. */
static int run_pinned(json_object *run)
{
    const char *paths[][2] = {{"pin", NULL}, {"pinned", NULL}, {"options", "pin"}, {"noise", "pinned"}};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        json_object *v = jget(run, paths[i][0]);
        if (paths[i][1])
            v = jget(v, paths[i][1]);
        if (v && json_object_is_type(v, json_type_boolean))
            return json_object_get_boolean(v);
    }
    json_object *v = jget(jget(jget(run, "host"), "noise"), "pinned");
    if (v && json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v);
    return -1;
}

/* A run that spans hosts (the Slurm executor, docs/slurm.md): the calls per
 * host, and a warning for each function whose timed calls ran on more than
 * one CPU model (records carry `cpu_model` when merged from Slurm tasks). */
static void host_warnings(const cb_results *r, char ***lines, size_t *n)
{
    const char **hosts = cb_xcalloc(r->n + 1, sizeof *hosts);
    size_t *counts = cb_xcalloc(r->n + 1, sizeof *counts), nh = 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *h = jstr(r->recs[i].obj, "host");
        if (!h)
            continue;
        size_t k = 0;
        while (k < nh && strcmp(hosts[k], h))
            k++;
        if (k == nh)
            hosts[nh++] = h;
        counts[k]++;
    }
    if (nh > 1) {
        cb_buf b = {0};
        cb_buf_printf(&b, "the calls ran on %zu hosts:", nh);
        for (size_t k = 0; k < nh; k++)
            cb_buf_printf(&b, "%s %s (%zu calls)", k ? "," : "", hosts[k], counts[k]);
        push_line(lines, n, cb_buf_take(&b));
    }
    for (size_t i = 0; i < r->n; i++) {   /* each function once, at its first timed record */
        const cb_record *a = &r->recs[i];
        const char *cpu = jstr(a->obj, "cpu_model");
        if (!cpu || !is_timing(r, a) || strcmp(a->status, "ok"))
            continue;
        bool first = true, other = false;
        for (size_t j = 0; j < r->n && first; j++) {
            const cb_record *b = &r->recs[j];
            if (j != i && is_timing(r, b) && !strcmp(b->status, "ok") && !strcmp(b->function, a->function) &&
                jstr(b->obj, "cpu_model")) {
                if (j < i)
                    first = false;
                else if (strcmp(jstr(b->obj, "cpu_model"), cpu))
                    other = true;
            }
        }
        if (first && other)
            push_line(lines, n, cb_xasprintf("%s: its calls ran on different CPU models (%s and others): "
                                             "their times are not comparable", a->function, cpu));
    }
    free(hosts);
    free(counts);
}

void cb_report_noise_warnings(const cb_results *r, char ***lines, size_t *n)
{
    json_object *noise = run_noise(r->run);
    json_object *gov = jget(noise, "governor");
    if (gov && json_object_is_type(gov, json_type_string) && strcmp(json_object_get_string(gov), "performance"))
        push_line(lines, n, cb_xasprintf("the CPU frequency governor was '%s', not 'performance': times vary "
                                         "with the clock speed",
                                         json_object_get_string(gov)));
    else if (gov && json_object_is_type(gov, json_type_array))
        push_line(lines, n, cb_xstrdup("the CPUs had different frequency governors"));
    json_object *turbo = jget(noise, "turbo");
    if (turbo && json_object_is_type(turbo, json_type_boolean) && json_object_get_boolean(turbo))
        push_line(lines, n, cb_xstrdup("turbo boost was on: the clock speed depends on temperature and load"));
    json_object *load = jget(noise, "loadavg");
    json_object *host = jget(r->run, "host");
    double cpus = jnum(host, "usable_cpus", jnum(host, "cores", 1));
    if (load && json_object_is_type(load, json_type_array) && json_object_array_length(load) > 0) {
        double l1 = json_object_get_double(json_object_array_get_idx(load, 0));
        if (l1 >= 0.5 * (cpus > 0 ? cpus : 1))
            push_line(lines, n, cb_xasprintf("the load average was %.2f at the start (%g CPUs): other "
                                             "processes competed for the CPUs",
                                             l1, cpus));
    }
    if (r->run && run_pinned(r->run) == 0)
        push_line(lines, n, cb_xstrdup("runners were not pinned to CPUs (--pin): the scheduler may move them"));

    size_t noisy = 0, fast = 0, timed = 0, one_round = 0;
    const cb_record *worst = NULL;
    double worst_rel = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cb_record *rec = &r->recs[i];
        if (!is_timing(r, rec))
            continue;
        cb_call_stats s;
        cb_record_stats(rec, &s);
        if (!s.ok)
            continue;
        timed++;
        one_round += s.rounds < 2;
        double rel = call_uncertainty(&s);
        if (s.noisy) {
            noisy++;
            if (rel > worst_rel)
                worst_rel = rel, worst = rec;
        }
        json_object *loops = jget(rec->obj, "loops");
        if (s.median < 1e-3 && (!loops || json_object_get_int64(loops) <= 1))
            fast++;
    }
    if (noisy && one_round == timed)
        push_line(lines, n, cb_xasprintf("%zu of %zu calls are noisy (spread of the repeats over %.0f %% of the "
                                         "median), worst %s %s(%s) at %.0f %%; with one round the repeats come "
                                         "from one child: run --rounds 3 or more to see the machine's drift",
                                         noisy, timed, 100 * CB_CALL_NOISE, worst->label, worst->function,
                                         worst->args, 100 * worst_rel));
    else if (noisy)
        push_line(lines, n, cb_xasprintf("%zu of %zu calls are noisy (their rounds disagree: the interval of the "
                                         "median is wider than ±%.0f %%), worst %s %s(%s) at ±%.0f %%",
                                         noisy, timed, 100 * CB_CALL_NOISE, worst->label, worst->function,
                                         worst->args, 100 * worst_rel));
    if (fast)
        push_line(lines, n, cb_xasprintf("%zu of %zu calls have repeats under 1 ms, too short to time "
                                         "reliably: run with --min-time auto (the default) to loop them",
                                         fast, timed));
    host_warnings(r, lines, n);
}

/* ------------------------------------------------------------ verify */

static int label_is_sympy(const char *label) { return !strncmp(label, "sympy", 5); }

/* Why a disagreement is expected (docs/protocol.md), or NULL. */
static const char *expected_disagreement(const char *function, const cb_record **recs, size_t n)
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

typedef struct {
    size_t checked, agree, disagree, expected, unverified;
} verify_counts;

static cb_table *verify_table(const grid *g, verify_counts *vc)
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
            const cb_record *r = grid_at(g, a, l);
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
            if (expected_disagreement(g->function, ok, nok))
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
        const char *why = differ ? expected_disagreement(g->function, ok, nok) : NULL;
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

static double mem_number(const cb_record *r, const char *key)
{
    json_object *m = jget(r->obj, "mem"), *v = jget(m, key);
    if (v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
        return json_object_get_double(v);
    if (strcmp(key, "peak_bytes"))
        return NAN;
    /* The original tool's rows carry no peak: the largest total stands in. */
    json_object *rows = jget(m, "rows");
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

static cb_table *memory_table(const grid *g)
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
            const cb_record *r = grid_at(g, a, l);
            if (!r)
                continue;
            char b[48];
            size_t c = 1 + 3 * l;
            double peak = mem_number(r, "peak_bytes"), tot = mem_number(r, "bytes_allocated"),
                   cnt = mem_number(r, "allocations");
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

static int is_profiled(const cb_results *r, const cb_record *rec)
{
    (void)r;
    json_object *p;
    return json_object_object_get_ex(rec->obj, "profile", &p) && p && json_object_is_type(p, json_type_object);
}

/* Per call: samples, the functions with the most self samples, and where
 * the flame graph is (DESIGN §8.2; the artefacts stay in the results dir). */
static cb_table *profile_table(const grid *g, const char *dir)
{
    cb_table *t = cb_table_new(g->function);
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "library", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "samples", CB_ALIGN_RIGHT);
    cb_table_add_column(t, NULL, "top functions (self samples)", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "flame graph", CB_ALIGN_LEFT);
    for (size_t a = 0; a < g->args.n; a++)
        for (size_t l = 0; l < g->labels.n; l++) {
            const cb_record *r = grid_at(g, a, l);
            if (!r)
                continue;
            json_object *p = jget(r->obj, "profile"), *top = jget(p, "top_self");
            cb_table_add_row(t);
            cb_table_set(t, 0, g->args.v[a]);
            cb_table_set(t, 1, g->labels.v[l]);
            json_object *n = jget(p, "samples");
            double samples = n ? json_object_get_double(n) : NAN;
            if (!isnan(samples)) {
                char b[32];
                snprintf(b, sizeof b, "%.0f", samples);
                cb_table_set_num(t, 2, b, samples);
            }
            cb_buf tb = {0};
            for (size_t i = 0; top && json_object_is_type(top, json_type_array) && i < json_object_array_length(top) && i < 3; i++) {
                json_object *e = json_object_array_get_idx(top, i);
                cb_buf_printf(&tb, "%s%s %.1f%%", i ? ", " : "", jpath_str(e, "function", NULL) ? jpath_str(e, "function", NULL) : "?",
                              jnum(e, "percent", NAN));
            }
            if (!tb.len && samples == 0)
                cb_buf_puts(&tb, "no samples: the call was shorter than the sampling period");
            cb_table_set(t, 3, tb.len ? tb.data : "");
            cb_buf_free(&tb);
            const char *fg = jpath_str(p, "flamegraph", NULL);
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
    json_object *a = jget(r->obj, "args");
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

static double memory_value(const cb_record *r) { return mem_number(r, "peak_bytes"); }

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
            const cb_record *r = grid_at(g, a, l);
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
                    if (rowx[a] == xs[k] && grid_at(g, a, l)) {
                        double v = value(grid_at(g, a, l));
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
            const cb_record *r = grid_at(g, a, l);
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
            generated = grid_at(g, a, l) && generated_key(first_arg(grid_at(g, a, l)), &x, &y);
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

/* ------------------------------------------------ header and warnings */


/* One line about where the numbers come from. */
static char *run_line(const cb_results *r)
{
    cb_buf b = {0};
    cb_buf_printf(&b, "%zu call records from %s/%s", r->n, r->dir, r->source);
    const char *v = jpath_str(r->run, "casbench_version", NULL);
    if (!v)
        v = jpath_str(r->run, "version", NULL);
    if (v)
        cb_buf_printf(&b, "; casbench %s", v);
    const char *cpu = jpath_str(r->run, "host", "cpu_model");
    if (cpu)
        cb_buf_printf(&b, "; %s", cpu);
    json_object *cores = jget(jget(r->run, "host"), "cores");
    if (cores)
        cb_buf_printf(&b, " (%d cores)", json_object_get_int(cores));
    const char *started = jpath_str(r->run, "started", NULL);
    if (!started)
        started = jpath_str(r->run, "start", NULL);
    if (started)
        cb_buf_printf(&b, "; started %s", started);
    return cb_buf_take(&b);
}

static void all_warnings(const cb_results *r, char ***lines, size_t *n)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        push_line(lines, n, cb_xstrdup(r->warnings[i]));
    cb_report_noise_warnings(r, lines, n);
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* ------------------------------------------------- text and markdown */

/* The calls libraries disagree on (records with a digest), as text or
 * markdown; nothing when the run has no verify records. */
static void verify_section(const cb_results *r, int md, cb_buf *out)
{
    cb_table_format tf = md ? CB_TABLE_MARKDOWN : CB_TABLE_TEXT;
    size_t ng;
    grid *g = grids_build(r, is_verify, &ng);
    verify_counts vc = {0};
    cb_buf body = {0};
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = verify_table(&g[f], &vc);
        if (cb_table_nrows(t)) {
            cb_table_render(t, tf, &body);
            if (!md)
                cb_buf_putc(&body, '\n');
        }
        cb_table_free(t);
    }
    if (ng) {
        cb_buf_printf(out, md ? "## Verification\n\n" : "Verification (--verify)\n\n");
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
    grids_free(g, ng);
}

/* Which time the timing tables show and what their columns are, said under
 * their heading in every format (docs/measurement.md); malloc'd. */
static char *timings_note(const cb_results *r, int cold)
{
    size_t rounds = 0;
    double coverage = 1;
    for (size_t i = 0; i < r->n; i++) {
        cb_call_stats s;
        if (!is_timing(r, &r->recs[i]))
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
                          "the median over the rounds of each round's median (a call ran in up to %zu rounds, "
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

/* User-controlled text (paths, names, messages) as it is, or literal in markdown. */
static void put_text(cb_buf *out, const char *s, int md)
{
    if (md)
        cb_md_escape(out, s);
    else
        cb_buf_puts(out, s);
}

static void write_text(const cb_results *r, const char *baseline, int cold, int md, cb_buf *out)
{
    cb_table_format tf = md ? CB_TABLE_MARKDOWN : CB_TABLE_TEXT;
    char *line = run_line(r);
    cb_buf_puts(out, md ? "# casbench report\n\n" : "casbench report: ");
    put_text(out, line, md);
    cb_buf_puts(out, "\n\n");
    free(line);
    char **warn = NULL;
    size_t nwarn = 0;
    all_warnings(r, &warn, &nwarn);
    if (nwarn) {
        cb_buf_puts(out, md ? "## Warnings\n\n" : "");
        for (size_t i = 0; i < nwarn; i++) {
            cb_buf_puts(out, md ? "- " : "warning: ");
            put_text(out, warn[i], md);
            cb_buf_putc(out, '\n');
        }
        cb_buf_putc(out, '\n');
    }
    free_lines(warn, nwarn);

    size_t ng;
    grid *g = grids_build(r, is_timing, &ng);
    if (ng) {
        cb_table *s = summary_table(r);
        if (md)
            cb_buf_puts(out, "## Summary\n\n");
        cb_table_render(s, tf, out);
        cb_table_free(s);
        cb_buf_puts(out, md ? "## Timings\n\n" : "\n");
        char *note = timings_note(r, cold);
        cb_buf_printf(out, "%s\n\n", note);
        free(note);
    }
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = function_table(&g[f], baseline, cold);
        cb_table_render(t, tf, out);
        if (!md)
            cb_buf_putc(out, '\n');
        cb_table_free(t);
    }
    grids_free(g, ng);

    g = grids_build(r, is_mem, &ng);
    if (ng)
        cb_buf_puts(out, md ? "## Memory\n\n" : "Memory (--memory-profiling)\n\n");
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = memory_table(&g[f]);
        cb_table_render(t, tf, out);
        if (!md)
            cb_buf_putc(out, '\n');
        cb_table_free(t);
    }
    grids_free(g, ng);

    g = grids_build(r, is_profiled, &ng);
    if (ng)
        cb_buf_puts(out, md ? "## CPU profiles\n\n" : "CPU profiles (--cpu-profiling)\n\n");
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = profile_table(&g[f], r->dir);
        cb_table_render(t, tf, out);
        if (!md)
            cb_buf_putc(out, '\n');
        cb_table_free(t);
    }
    grids_free(g, ng);

    verify_section(r, md, out);
}

/* ----------------------------------------------------------------- CSV */

static void csv_value(cb_buf *out, json_object *v)
{
    if (!v)
        return;
    switch (json_object_get_type(v)) {
    case json_type_string: cb_csv_field(out, json_object_get_string(v)); break;
    case json_type_boolean: cb_buf_puts(out, json_object_get_boolean(v) ? "True" : "False"); break;
    case json_type_int: cb_buf_printf(out, "%lld", (long long)json_object_get_int64(v)); break;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (isfinite(d))   /* a parsed number keeps its text: no reformatting */
            cb_buf_puts(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        else
            cb_repr_float(out, d);
        break;
    }
    default: cb_csv_field(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
}

/* The rows of one record (a round of a call): one per repeat. */
static void csv_rows(cb_buf *out, const strset *keys, const char *label, json_object *obj)
{
    json_object *times = jget(obj, "times"), *cpu = jget(obj, "cpu_times");
    size_t nt = times && json_object_is_type(times, json_type_array) ? json_object_array_length(times) : 0;
    size_t nc = cpu && json_object_is_type(cpu, json_type_array) ? json_object_array_length(cpu) : 0;
    size_t rows = nt > nc ? nt : nc;
    for (size_t rep = 0; rep < (rows ? rows : 1); rep++) {
        cb_csv_field(out, label);
        for (size_t k = 1; k < keys->n; k++) {
            cb_buf_putc(out, ',');
            csv_value(out, jget(obj, keys->v[k]));
        }
        cb_buf_putc(out, ',');
        if (rows)
            cb_buf_printf(out, "%zu", rep);
        cb_buf_putc(out, ',');
        if (rep < nt)
            csv_value(out, json_object_array_get_idx(times, rep));
        cb_buf_putc(out, ',');
        if (rep < nc)
            csv_value(out, json_object_array_get_idx(cpu, rep));
        cb_buf_puts(out, "\r\n");
    }
}

/* A record's records: each round's (round order), or itself. */
static size_t record_objs(const cb_record *rec, json_object *const **objs)
{
    *objs = rec->round_objs ? rec->round_objs : &rec->obj;
    return rec->round_objs ? rec->nrounds : 1;
}

/* Tidy CSV: one row per call, round and repeat, every field of the round's
 * record (`round` among them), with times/cpu_times spread over the rows
 * as repeat, wall_time, cpu_time (the header says which clock; cold_time
 * is a field of the record). */
static void write_csv(const cb_results *r, cb_buf *out)
{
    strset keys = {0};
    strset_add(&keys, "label");
    for (size_t i = 0; i < r->n; i++) {
        json_object *const *objs;
        size_t nobjs = record_objs(&r->recs[i], &objs);
        for (size_t o = 0; o < nobjs; o++) {
            json_object_object_foreach(objs[o], k, v) {
                (void)v;
                if (strcmp(k, "times") && strcmp(k, "cpu_times"))
                    strset_add(&keys, k);
            }
        }
    }
    for (size_t k = 0; k < keys.n; k++) {
        cb_csv_field(out, keys.v[k]);
        cb_buf_putc(out, ',');
    }
    cb_buf_puts(out, "repeat,wall_time,cpu_time\r\n");
    for (size_t i = 0; i < r->n; i++) {
        json_object *const *objs;
        size_t nobjs = record_objs(&r->recs[i], &objs);
        for (size_t o = 0; o < nobjs; o++)
            csv_rows(out, &keys, r->recs[i].label, objs[o]);
    }
    strset_free(&keys);
}

/* ---------------------------------------------------------------- JSON */

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
    all_warnings(r, &warn, &nwarn);
    json_object *w = json_object_new_array();
    for (size_t i = 0; i < nwarn; i++)
        json_object_array_add(w, json_object_new_string(warn[i]));
    free_lines(warn, nwarn);
    json_object_object_add(o, "warnings", w);
    json_object_object_add(o, "baseline", baseline ? json_object_new_string(baseline) : NULL);
    json_object_object_add(o, "clock", json_object_new_string("wall"));   /* of min, median, stdev, mad, cold */

    size_t ng;
    grid *g = grids_build(r, is_timing, &ng);
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
                const cb_record *rec = grid_at(&g[f], a, l);
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
                    speedup_text(grid_at(&g[f], a, (size_t)bl), rec, b, sizeof b, &v);
                    json_object_object_add(x, "speedup", jdouble(v));
                    if (isfinite(v))
                        ups[l * (g[f].args.n + 1) + nups[l]++] = v;
                }
                json_object_object_add(res, g[f].labels.v[l], x);
            }
            json_object_object_add(co, "args", json_object_get(jget(any->obj, "args")));
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
    grids_free(g, ng);
    json_object_object_add(o, "functions", funcs);

    g = grids_build(r, is_verify, &ng);
    json_object *dis = json_object_new_array();
    verify_counts vc = {0};
    for (size_t f = 0; f < ng; f++) {
        for (size_t a = 0; a < g[f].args.n; a++) {
            json_object *groups = json_object_new_object();
            const cb_record *any = NULL;
            const cb_record **oks = cb_xmalloc((g[f].labels.n + 1) * sizeof *oks);
            size_t ndig = 0, nok = 0;
            for (size_t l = 0; l < g[f].labels.n; l++) {
                const cb_record *rec = grid_at(&g[f], a, l);
                if (!rec || strcmp(rec->status, "ok") || !rec->digest)
                    continue;
                any = rec;
                oks[nok++] = rec;
                json_object *list = jget(groups, rec->digest);
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
                json_object_object_add(d, "args", json_object_get(jget(any->obj, "args")));
                json_object_object_add(d, "digests", groups);
                const char *why = expected_disagreement(g[f].function, oks, nok);
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
    grids_free(g, ng);
    return o;
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

static void write_html(const cb_results *r, const char *baseline, int cold, cb_buf *out)
{
    cb_buf body = {0};
    size_t nplots = 0;
    char *plot_error = NULL;
    char *line = run_line(r);
    html_section(&body, "h1", "casbench report");
    cb_buf_puts(&body, "<p class=\"meta\">");
    cb_html_escape(&body, line);
    cb_buf_puts(&body, "</p>\n");

    size_t ng;
    grid *g = grids_build(r, is_timing, &ng);
    if (ng) {
        html_section(&body, "h2", "Summary");
        cb_table *s = summary_table(r);
        cb_table_render(s, CB_TABLE_HTML, &body);
        cb_table_free(s);
        html_section(&body, "h2", "Timings");
        char *what = timings_note(r, cold);
        char *note = cb_xasprintf("%s  Charts use the median wall time of the calls that finished; log scale.", what);
        html_section(&body, "p", note);
        free(note);
        free(what);
    }
    for (size_t f = 0; f < ng; f++) {
        cb_buf_printf(&body, "<section class=\"function\" id=\"time-%zu\">\n", f);
        cb_table *t = function_table(&g[f], baseline, cold);
        cb_table_render(t, CB_TABLE_HTML, &body);
        cb_table_free(t);
        function_plots(&g[f], timing_value, "median time", &body, &nplots, &plot_error);
        cb_buf_puts(&body, "</section>\n");
    }
    grids_free(g, ng);

    g = grids_build(r, is_mem, &ng);
    if (ng)
        html_section(&body, "h2", "Memory");
    for (size_t f = 0; f < ng; f++) {
        cb_buf_printf(&body, "<section class=\"memory\" id=\"mem-%zu\">\n", f);
        cb_table *t = memory_table(&g[f]);
        cb_table_render(t, CB_TABLE_HTML, &body);
        cb_table_free(t);
        function_plots(&g[f], memory_value, "peak memory", &body, &nplots, &plot_error);
        cb_buf_puts(&body, "</section>\n");
    }
    grids_free(g, ng);

    g = grids_build(r, is_profiled, &ng);
    if (ng)
        html_section(&body, "h2", "CPU profiles");
    for (size_t f = 0; f < ng; f++) {
        cb_table *t = profile_table(&g[f], r->dir);
        cb_table_render(t, CB_TABLE_HTML, &body);
        cb_table_free(t);
    }
    grids_free(g, ng);

    g = grids_build(r, is_verify, &ng);
    if (ng) {
        html_section(&body, "h2", "Verification");
        verify_counts vc = {0};
        cb_buf vb = {0};
        for (size_t f = 0; f < ng; f++) {
            cb_table *t = verify_table(&g[f], &vc);
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
    grids_free(g, ng);

    cb_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>casbench report: ");
    cb_html_escape(out, r->dir);
    cb_buf_printf(out, "</title>\n<style>\n%s</style>\n<script>\n%s</script>\n</head>\n", html_style, html_script);
    cb_buf_printf(out, "<body data-plots=\"%zu\">\n", nplots);
    char **warn = NULL;
    size_t nwarn = 0;
    all_warnings(r, &warn, &nwarn);
    if (plot_error)
        push_line(&warn, &nwarn, plot_error);
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
    free_lines(warn, nwarn);
    cb_buf_put(out, body.data + head_len, body.len - head_len);
    cb_buf_puts(out, "</body>\n</html>\n");
    cb_buf_free(&body);
    free(line);
}

/* --------------------------------------------------------------- entry */

int cb_report_parse_format(const char *s, cb_report_format *out, cb_err *err)
{
    static const struct {
        const char *name;
        cb_report_format f;
    } names[] = {{"text", CB_REPORT_TEXT}, {"markdown", CB_REPORT_MARKDOWN}, {"md", CB_REPORT_MARKDOWN},
                 {"csv", CB_REPORT_CSV}, {"json", CB_REPORT_JSON}, {"html", CB_REPORT_HTML}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].f;
            return 0;
        }
    return cb_fail(err, "--format %s: unknown format (text, markdown, csv, json or html)", s);
}

int cb_report_write(const cb_results *r, const cb_report_opts *o, cb_buf *out, cb_err *err)
{
    const char *baseline;
    if (resolve_baseline(r, o->baseline, &baseline, err) < 0)
        return -1;
    switch (o->format) {
    case CB_REPORT_TEXT: write_text(r, baseline, o->cold, 0, out); break;
    case CB_REPORT_MARKDOWN: write_text(r, baseline, o->cold, 1, out); break;
    case CB_REPORT_CSV: write_csv(r, out); break;
    case CB_REPORT_HTML: write_html(r, baseline, o->cold, out); break;
    case CB_REPORT_JSON: {
        json_object *j = json_report(r, baseline);
        cb_buf_puts(out, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        cb_buf_putc(out, '\n');
        json_object_put(j);
        break;
    }
    }
    return 0;
}
