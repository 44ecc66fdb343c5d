/* results_pickle.c — results.pickle, the original tool's layout, built
 * from the call records (see results_pickle.h). */
#define _GNU_SOURCE   /* qsort_r */
#include "run/results_pickle.h"
#include "data/pickle.h"
#include "common/util.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* JSON -> value; arrays become tuples when AS_TUPLE (mem rows). */
static cb_value from_json(json_object *o, bool as_tuple)
{
    switch (json_object_get_type(o)) {
    case json_type_null: return cb_none();
    case json_type_boolean: return cb_bool(json_object_get_boolean(o));
    case json_type_int: return cb_int(json_object_get_int64(o));
    case json_type_double: return cb_float(json_object_get_double(o));
    case json_type_string: return cb_str_new(json_object_get_string(o), (size_t)json_object_get_string_len(o));
    case json_type_array: {
        size_t n = json_object_array_length(o);
        cb_value v = as_tuple ? cb_tuple_new(n) : cb_list_new(n);
        for (size_t i = 0; i < n; i++)
            cb_seq_push(v, from_json(json_object_array_get_idx(o, i), false));
        return v;
    }
    case json_type_object: {
        cb_value d = cb_dict_new(8);
        json_object_object_foreach(o, k, val)
            cb_dict_set_str(d, k, from_json(val, false));
        return d;
    }
    }
    return cb_none();
}

static cb_value times_of(json_object *rec)
{
    json_object *t;
    cb_value list = cb_list_new(4);
    if (json_object_object_get_ex(rec, "times", &t) && json_object_is_type(t, json_type_array))
        for (size_t i = 0; i < json_object_array_length(t); i++)
            cb_seq_push(list, cb_float(json_object_get_double(json_object_array_get_idx(t, i))));
    return list;
}

/* The original's vocabulary (docs/report.md, "results.pickle"): its
 * readers take min() of every timing list and fields 2 and 6 of every
 * memory row, so no value is ever empty.  A call that did not finish is
 * [inf], as the original stored a call that waited out its limit; in mem
 * mode one row of inf; the precise status stays in calls.jsonl. */
cb_value cb_result_not_finished(const char *type, const char *status)
{
    cb_value l = cb_list_new(1);
    if (!strcmp(type, "mem")) {
        char *what = cb_xasprintf("casbench: %s", status ? status : "no record");
        cb_seq_push(l, cb_tuple_of(7, cb_str_c(what), cb_str_c(""), cb_float(INFINITY), cb_float(100.0),
                                   cb_float(INFINITY), cb_float(100.0), cb_float(INFINITY)));
        free(what);
    } else {
        cb_seq_push(l, cb_float(INFINITY));
    }
    return l;
}

cb_value cb_result_mem_rows(cb_value rows)
{
    if (cb_len(rows) == 0)   /* nothing allocated: one row of zeros */
        cb_seq_push(rows, cb_tuple_of(7, cb_str_c("casbench: no allocation"), cb_str_c(""), cb_int(0),
                                      cb_float(0.0), cb_int(0), cb_float(0.0), cb_int(0)));
    return rows;
}

static cb_value result_of(const cb_record *r, const char *type)
{
    json_object *rec = r->obj;
    const char *status = r->status;
    if (!strcmp(type, "verify"))
        return r->digest && status && !strcmp(status, "ok") ? cb_str_c(r->digest) : cb_none();
    if (!status || strcmp(status, "ok"))
        return cb_result_not_finished(type, status);
    if (!strcmp(type, "mem")) {
        json_object *mem, *rows;
        cb_value l = cb_list_new(8);
        if (json_object_object_get_ex(rec, "mem", &mem) && json_object_object_get_ex(mem, "rows", &rows) &&
            json_object_is_type(rows, json_type_array))
            for (size_t i = 0; i < json_object_array_length(rows); i++)
                cb_seq_push(l, from_json(json_object_array_get_idx(rows, i), true));
        return cb_result_mem_rows(l);
    }
    cb_value times = times_of(rec);
    if (cb_len(times))
        return times;
    cb_release(times);
    return cb_result_not_finished(type, status);
}

/* Python's flags as the original's runners kept them: a list of the
 * interpreter's arguments (--python-flags split at blanks), [] otherwise. */
static cb_value flags_list(const char *flags)
{
    cb_value l = cb_list_new(2);
    for (const char *p = flags; p && *p;) {
        size_t n = strcspn(p, " \t\n");
        if (n)
            cb_seq_push(l, cb_str_new(p, n));
        p += n;
        p += strspn(p, " \t\n");
    }
    return l;
}

static cb_value runner_dict(const cb_runner_info *in)
{
    cb_value d = cb_dict_new(6);
    cb_dict_set_str(d, "library", cb_str_c(in->library));
    cb_dict_set_str(d, "flags", flags_list(in->flags));
    cb_dict_set_str(d, "gc", in->gc < 0 ? cb_none() : cb_bool(in->gc));
    cb_dict_set_str(d, "type", cb_str_c(in->type));
    cb_dict_set_str(d, "venv", in->venv ? cb_str_c(in->venv) : cb_none());
    cb_dict_set_str(d, "results", cb_dict_new(16));
    return d;
}

/* The records results.pickle is built from, as indices into CALLS: the
 * newest record of each call and round (a resumed run may hold two), in
 * round order, and in file order within a round. */
static int cmp_round_then_place(const void *x, const void *y, void *calls)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int ri = ((const cb_calls *)calls)->recs[i].round, rj = ((const cb_calls *)calls)->recs[j].round;
    return ri != rj ? (ri > rj) - (ri < rj) : (i > j) - (i < j);
}

static size_t *pickle_records(const cb_calls *calls, size_t *n)
{
    size_t *out = cb_xmalloc((calls->n + 1) * sizeof *out);
    cb_strset seen = {0};
    *n = 0;
    for (size_t i = calls->n; i-- > 0;)
        if (cb_strset_add(&seen, calls->recs[i].key))
            out[(*n)++] = i;
    cb_strset_free(&seen);
    qsort_r(out, *n, sizeof *out, cmp_round_then_place, (void *)calls);
    return out;
}

/* A call's rounds pooled (--rounds): the times of its rounds in round
 * order; a round that did not finish makes the whole call [inf]. */
static cb_value pool_rounds(cb_value have, cb_value next)
{
    bool unfinished = (cb_len(have) == 1 && cb_is(cb_item(have, 0), CB_FLOAT) && isinf(cb_item(have, 0).u.f)) ||
                      (cb_len(next) == 1 && cb_is(cb_item(next, 0), CB_FLOAT) && isinf(cb_item(next, 0).u.f));
    if (unfinished) {
        cb_release(next);
        return cb_result_not_finished("benchmark", NULL);
    }
    cb_value out = cb_list_new(cb_len(have) + cb_len(next));
    for (size_t i = 0; i < cb_len(have); i++)
        cb_seq_push(out, cb_retain(cb_item(have, i)));
    for (size_t i = 0; i < cb_len(next); i++)
        cb_seq_push(out, cb_retain(cb_item(next, i)));
    cb_release(next);
    return out;
}

cb_value cb_results_value(const cb_calls *calls, const cb_runner_info *infos, size_t n_infos,
                          cb_value polys)
{
    cb_value by_repr = cb_dict_new(64);
    if (polys.type == CB_DICT)
        for (size_t i = 0; i < cb_len(polys); i++) {
            char *r = cb_repr(cb_dict_key(polys, i));
            cb_dict_set(by_repr, cb_str_c(r), cb_retain(cb_dict_key(polys, i)));
            free(r);
        }
    cb_value out = cb_dict_new(2);
    cb_dict_set_str(out, "python", cb_list_new(8));
    cb_dict_set_str(out, "external", cb_list_new(8));
    cb_value runners = cb_dict_new(16);   /* id -> runner dict */
    cb_value order = cb_list_new(16);     /* (group, runner dict) in order */
    for (size_t i = 0; i < n_infos; i++) {
        cb_value d = runner_dict(&infos[i]);
        cb_seq_push(order, cb_tuple_of(2, cb_str_c(infos[i].group), cb_retain(d)));
        cb_dict_set_str(runners, infos[i].id, d);
    }
    size_t n_recs;
    size_t *recs = pickle_records(calls, &n_recs);
    for (size_t i = 0; i < n_recs; i++) {
        const cb_record *rec = &calls->recs[recs[i]];
        cb_value rd;
        if (!cb_dict_get_str(runners, rec->runner, &rd)) {
            /* a runner this plan does not have (e.g. a resumed run's):
             * describe it from its record */
            json_object *env = NULL, *gc = NULL;
            json_object_object_get_ex(rec->obj, "env", &env);
            json_object_object_get_ex(rec->obj, "gc", &gc);
            cb_runner_info in = {
                .id = rec->runner, .library = rec->library ? rec->library : rec->runner,
                .group = env && json_object_is_type(env, json_type_string) ? "python" : "external",
                .gc = gc && json_object_is_type(gc, json_type_boolean) ? json_object_get_boolean(gc) : -1,
                .type = rec->mode,
                .venv = env && json_object_is_type(env, json_type_string) ? json_object_get_string(env) : NULL,
            };
            rd = runner_dict(&in);
            cb_seq_push(order, cb_tuple_of(2, cb_str_c(in.group), cb_retain(rd)));
            cb_dict_set_str(runners, rec->runner, rd);
        }
        cb_value type_v, results;
        cb_dict_get_str(rd, "type", &type_v);
        cb_dict_get_str(rd, "results", &results);
        json_object *args = NULL;   /* absent: no arguments */
        json_object_object_get_ex(rec->obj, "args", &args);
        size_t nargs = args ? json_object_array_length(args) : 0;
        cb_value argt = cb_tuple_new(nargs);
        for (size_t a = 0; a < nargs; a++) {
            json_object *s = json_object_array_get_idx(args, a);
            cb_value repr = cb_str_c(json_object_get_string(s)), key;
            if (cb_dict_get(by_repr, repr, &key))
                cb_seq_push(argt, cb_retain(key));
            else
                cb_seq_push(argt, cb_retain(repr));
            cb_release(repr);
        }
        cb_value k = cb_tuple_of(2, cb_str_c(rec->function), argt), value, have;
        value = result_of(rec, cb_str_data(type_v));
        bool timing = !strcmp(cb_str_data(type_v), "benchmark") || !strcmp(cb_str_data(type_v), "cpu");
        if (timing && rec->round > 0 && cb_dict_get(results, k, &have))
            value = pool_rounds(have, value);
        cb_dict_set(results, k, value);
    }
    free(recs);
    /* a runner without a single record is left out: an empty results dict
     * is more than the original's readers can take (calls.jsonl and
     * run.json still say what became of it) */
    for (size_t i = 0; i < cb_len(order); i++) {
        cb_value pair = cb_item(order, i), d = cb_item(pair, 1), results, group;
        cb_dict_get_str(d, "results", &results);
        if (cb_len(results) && cb_dict_get_str(out, cb_str_data(cb_item(pair, 0)), &group))
            cb_seq_push(group, cb_retain(d));
    }
    cb_release(order);
    cb_release(runners);
    cb_release(by_repr);
    return out;
}

int cb_results_write_pickle(const char *path, const cb_calls *calls, const cb_runner_info *infos,
                            size_t n_infos, cb_value polys, cb_err *err)
{
    cb_value v = cb_results_value(calls, infos, n_infos, polys);
    int rc = cb_pickle_dump_file(path, v, err);
    cb_release(v);
    return rc;
}

/* ---------- reading the original tool's results.pickle ---------- */

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

typedef struct {
    cb_calls *out;
    void (*warn)(void *ctx, const char *fmt, ...);
    void *ctx;
} pickle_reader;

static void no_warning(void *ctx, const char *fmt, ...)
{
    (void)ctx, (void)fmt;
}

static void push_record(cb_calls *c, json_object *o)
{
    cb_record r;
    if (cb_record_decode(o, c->n, &r) < 0)
        return;   /* cannot be: the fields are the ones a record needs */
    c->recs = cb_xrealloc(c->recs, (c->n + 1) * sizeof *c->recs);
    c->recs[c->n++] = r;
}

static void runner_records(pickle_reader *pr, cb_value runner, const char *kind, size_t idx)
{
    cb_value lib, results, v;
    if (!cb_is(runner, CB_DICT) || !cb_dict_get_str(runner, "library", &lib) || !cb_is(lib, CB_STR) ||
        !cb_dict_get_str(runner, "results", &results) || !cb_is(results, CB_DICT)) {
        pr->warn(pr->ctx, "results.pickle: %s runner %zu has no library or results, skipped", kind, idx);
        return;
    }
    const char *type = "benchmark";
    if (cb_dict_get_str(runner, "type", &v) && cb_is(v, CB_STR))
        type = cb_str_data(v);
    for (size_t i = 0; i < cb_len(results); i++) {
        cb_value key = cb_dict_key(results, i), val = cb_dict_val(results, i);
        if (!cb_is(key, CB_TUPLE) || cb_len(key) != 2 || !cb_is(cb_item(key, 0), CB_STR)) {
            pr->warn(pr->ctx, "results.pickle: %s runner %zu: result key %zu is not (function, args), skipped",
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
            /* casbench's row for a call that did not finish (cb_result_not_finished):
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
        push_record(pr->out, o);
    }
}

int cb_results_pickle_read(const char *path, cb_calls *out, void (*warn)(void *ctx, const char *fmt, ...), void *ctx,
                           cb_err *err)
{
    memset(out, 0, sizeof *out);
    pickle_reader pr = {out, warn ? warn : no_warning, ctx};
    cb_value top;
    if (cb_pickle_load_file(path, &top, err) < 0)
        return -1;
    if (!cb_is(top, CB_DICT)) {
        cb_release(top);
        return cb_fail(err, "%s: not the results layout (a dict of \"python\"/\"external\" runner lists)", path);
    }
    const char *kinds[] = {"python", "external"};
    for (size_t k = 0; k < 2; k++) {
        cb_value list;
        if (!cb_dict_get_str(top, kinds[k], &list))
            continue;
        if (!cb_is_seq(list)) {
            pr.warn(pr.ctx, "results.pickle: \"%s\" is not a list of runners, skipped", kinds[k]);
            continue;
        }
        for (size_t i = 0; i < cb_len(list); i++)
            runner_records(&pr, cb_item(list, i), kinds[k], i);
    }
    cb_release(top);
    return 0;
}
