/* report_read.c — reads a results directory into the report's model
 * (cb_results, report.h): the records of calls.jsonl (casbench's runs; the
 * only place the report reads that file) or, for runs of the original
 * tool, records rebuilt from results.pickle; run.json; then the records of
 * a call's rounds merged into one call, in run-list order, and the labels
 * that tell a library's environments apart.  Everything else in
 * lib/report*.c works on what this file builds (report_model.h). */
#define _GNU_SOURCE   /* qsort_r */
#include "report_model.h"
#include "pickle.h"
#include "results.h"
#include "stats.h"
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- records */

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
            if (report_jstr(v, keys[i]))
                return cb_xstrdup(report_jstr(v, keys[i]));
    }
    return cb_xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int fill_record(cb_record *r, json_object *o, size_t seq)
{
    memset(r, 0, sizeof *r);
    r->obj = o;
    r->seq = seq;
    r->runner = report_jstr(o, "runner");
    r->library = report_jstr(o, "library");
    r->mode = report_jstr(o, "mode");
    r->function = report_jstr(o, "function");
    r->status = report_jstr(o, "status");
    r->error = report_jstr(o, "error");
    r->digest = report_jstr(o, "digest");
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
    r->timeout = report_jnum(o, "timeout", 0);
    r->cold_time = report_jnum(o, "cold_time", NAN);
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
    const char *host = report_jstr(r->obj, "host");
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
        const char *host = report_jstr(r->obj, "host");
        keys[i] = cb_xasprintf("%s\x1f%s\x1f%s\x1f%s", r->runner, host ? host : "", r->function, r->args);
        refs[i] = (round_ref){i, report_strset_add(&calls, keys[i]), r->rounds[0].round};
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
    report_strset_free(&calls);
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
