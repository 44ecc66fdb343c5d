/* results.c — the results directory, reading calls.jsonl, results.pickle
 * (see results.h). */
#define _GNU_SOURCE
#include "results.h"
#include "pickle.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------- the directory ---------- */

int cb_results_dir_create(const char *output, char **dir, cb_err *err)
{
    if (cb_mkdir_p(output, err) < 0)
        return -1;
    char stamp[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "results_%Y-%m-%d_%H-%M-%S", &tm);
    char *d = NULL;
    for (int k = 1; k < 1000; k++) {
        d = k == 1 ? cb_xasprintf("%s/%s", output, stamp) : cb_xasprintf("%s/%s-%d", output, stamp, k);
        if (mkdir(d, 0755) == 0)
            break;
        int e = errno;
        free(d);
        d = NULL;
        if (e != EEXIST)
            return cb_fail(err, "cannot create the results directory in %s: %s", output, strerror(e));
    }
    if (!d)
        return cb_fail(err, "cannot create a results directory in %s", output);
    static const char *const subs[] = {"logs", "runners", "profiles"};
    for (size_t i = 0; i < 3; i++) {
        char *s = cb_xasprintf("%s/%s", d, subs[i]);
        int rc = mkdir(s, 0755);
        free(s);
        if (rc < 0 && errno != EEXIST) {
            cb_fail(err, "cannot create %s/%s: %s", d, subs[i], strerror(errno));
            free(d);
            return -1;
        }
    }
    *dir = d;
    return 0;
}

/* ---------- call identity ---------- */

char *cb_call_key(const char *runner, const char *function, const char *const *args, size_t nargs, int round)
{
    cb_buf b = {0};
    cb_buf_puts(&b, runner);
    cb_buf_putc(&b, '\x1f');
    cb_buf_puts(&b, function);
    for (size_t i = 0; i < nargs; i++) {
        cb_buf_putc(&b, i ? '\x1e' : '\x1f');
        cb_buf_puts(&b, args[i]);
    }
    if (round > 0)   /* round 0 keeps the key of a run without rounds */
        cb_buf_printf(&b, "\x1d%d", round);
    return cb_buf_take(&b);
}

static const char *get_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int cb_record_round(json_object *rec)
{
    json_object *v;
    if (!json_object_object_get_ex(rec, "round", &v) || !json_object_is_type(v, json_type_int))
        return 0;
    int64_t r = json_object_get_int64(v);
    return r < 0 ? -1 : r > INT_MAX ? -1 : (int)r;
}

char *cb_call_key_of(json_object *rec)
{
    const char *runner = get_str(rec, "runner"), *fn = get_str(rec, "function");
    json_object *args;
    int round = cb_record_round(rec);
    if (!runner || !fn || round < 0 || !json_object_object_get_ex(rec, "args", &args) ||
        !json_object_is_type(args, json_type_array))
        return NULL;
    size_t n = json_object_array_length(args);
    const char **a = cb_xcalloc(n ? n : 1, sizeof *a);
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(args, i);
        if (!json_object_is_type(s, json_type_string)) {
            free(a);
            return NULL;
        }
        a[i] = json_object_get_string(s);
    }
    char *k = cb_call_key(runner, fn, a, n, round);
    free(a);
    return k;
}

char *cb_call_key_entry(const char *runner, const char *function, cb_value args, int round)
{
    size_t n = cb_len(args);
    char **a = cb_xcalloc(n ? n : 1, sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = cb_repr(cb_item(args, i));
    char *k = cb_call_key(runner, function, (const char *const *)a, n, round);
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
    return k;
}

/* ---------- a string set (open addressing, FNV-1a) ---------- */

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t strset_slot(char **slots, size_t cap, const char *key)
{
    size_t i = (size_t)fnv(key) & (cap - 1);
    while (slots[i] && strcmp(slots[i], key))
        i = (i + 1) & (cap - 1);
    return i;
}

bool cb_strset_has(const cb_strset *s, const char *key)
{
    return s->cap && s->slots[strset_slot(s->slots, s->cap, key)];
}

bool cb_strset_add(cb_strset *s, const char *key)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        char **slots = cb_xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                slots[strset_slot(slots, cap, s->slots[i])] = s->slots[i];
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t i = strset_slot(s->slots, s->cap, key);
    if (s->slots[i])
        return false;
    s->slots[i] = cb_xstrdup(key);
    s->n++;
    return true;
}

void cb_strset_free(cb_strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* ---------- reading calls.jsonl ---------- */

/* A JSON object with runner, function and args, or NULL. */
static json_object *parse_record(const char *line, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    for (size_t i = json_tokener_get_parse_end(tok); complete && i < len; i++)
        complete = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
    json_tokener_free(tok);
    if (!o || !complete || !json_object_is_type(o, json_type_object) || !get_str(o, "runner") ||
        !get_str(o, "function")) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int cb_calls_read(const char *path, cb_calls *out, cb_err *err)
{
    memset(out, 0, sizeof *out);
    char *data;
    size_t len;
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return 0;
    if (cb_read_file(path, &data, &len, err) < 0)
        return -1;
    size_t cap = 0, pos = 0;
    while (pos < len) {
        char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl) {
            out->torn_tail = true;
            break;
        }
        size_t llen = (size_t)(nl - (data + pos));
        if (llen) {
            json_object *o = parse_record(data + pos, llen);
            char *key = o ? cb_call_key_of(o) : NULL;
            if (!key) {
                json_object_put(o);
                out->bad_lines++;
            } else {
                if (out->n == cap) {
                    cap = cap ? 2 * cap : 64;
                    out->recs = cb_xrealloc(out->recs, cap * sizeof *out->recs);
                }
                out->recs[out->n++] = (cb_call_rec){
                    .obj = o, .runner = get_str(o, "runner"), .function = get_str(o, "function"),
                    .status = get_str(o, "status"), .key = key,
                };
            }
        }
        pos += llen + 1;
        out->valid_len = (off_t)pos;
    }
    free(data);
    return 0;
}

void cb_calls_free(cb_calls *c)
{
    for (size_t i = 0; i < c->n; i++) {
        json_object_put(c->recs[i].obj);
        free(c->recs[i].key);
    }
    free(c->recs);
    memset(c, 0, sizeof *c);
}

int cb_calls_truncate(const char *path, off_t len, cb_err *err)
{
    /* not truncate(2): it would follow a symbolic link planted at PATH */
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 0 : cb_fail(err, "cannot truncate %s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        rc = cb_fail(err, "cannot truncate %s: not a regular file", path);
    else if (ftruncate(fd, len) < 0)
        rc = cb_fail(err, "cannot truncate %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

int cb_results_path_check(const char *dir, const char *path, cb_err *err)
{
    char root[PATH_MAX], parent[PATH_MAX];
    if (!realpath(dir, root))
        return cb_fail(err, "%s: %s", dir, strerror(errno));
    size_t rl = strlen(root);
    if (strncmp(path, root, rl) || path[rl] != '/')
        return cb_fail(err, "%s is outside the results directory %s", path, root);
    for (const char *c = path + rl + 1;;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return cb_fail(err, "%s is not a plain path inside the results directory %s", path, root);
        if (!c[n])
            break;
        c += n + 1;
    }
    /* the directory it is in must be that very directory, not a symbolic
     * link on the way out of the results directory */
    char *dirpart = cb_xstrdup(path);
    *strrchr(dirpart, '/') = 0;
    bool same = realpath(dirpart, parent) && !strcmp(parent, dirpart);
    free(dirpart);
    if (!same)
        return cb_fail(err, "%s leads outside the results directory %s (a symbolic link, or a missing directory)",
                       path, root);
    return 0;
}

json_object *cb_json_read_file(const char *path, cb_err *err)
{
    char *data;
    size_t len;
    if (cb_read_file(path, &data, &len, err) < 0)
        return NULL;
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, data, (int)(len > INT32_MAX ? INT32_MAX : len));
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    while (e == json_tokener_success && end < len && strchr(" \t\r\n", data[end]))
        end++;
    if (e != json_tokener_success || end < len) {
        cb_fail(err, "%s: not a JSON document (%s at byte %zu)", path,
                e != json_tokener_success ? json_tokener_error_desc(e) : "text after it", end);
        json_object_put(o);
        o = NULL;
    } else if (!o) {
        cb_fail(err, "%s: null where a JSON object was expected", path);
    }
    json_tokener_free(tok);
    free(data);
    return o;
}

/* ---------- following calls.jsonl ---------- */

void cb_calls_tail_init(cb_calls_tail *t, const char *path, off_t start)
{
    memset(t, 0, sizeof *t);
    t->path = cb_xstrdup(path);
    t->offset = start;
}

void cb_calls_tail_read(cb_calls_tail *t, void (*on_record)(void *ctx, json_object *rec), void *ctx)
{
    int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    char buf[65536];
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, t->offset);
        if (n <= 0)
            break;
        t->offset += n;
        t->partial = cb_xrealloc(t->partial, t->partial_len + (size_t)n + 1);
        memcpy(t->partial + t->partial_len, buf, (size_t)n);
        t->partial_len += (size_t)n;
        size_t pos = 0;
        char *nl;
        while ((nl = memchr(t->partial + pos, '\n', t->partial_len - pos))) {
            size_t llen = (size_t)(nl - (t->partial + pos));
            json_object *o = llen ? parse_record(t->partial + pos, llen) : NULL;
            if (o) {
                on_record(ctx, o);
                json_object_put(o);
            }
            pos += llen + 1;
        }
        memmove(t->partial, t->partial + pos, t->partial_len - pos);
        t->partial_len -= pos;
    }
    close(fd);
}

void cb_calls_tail_free(cb_calls_tail *t)
{
    free(t->path);
    free(t->partial);
    memset(t, 0, sizeof *t);
}

/* ---------- results.pickle ---------- */

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

static cb_value result_of(json_object *rec, const char *status, const char *type)
{
    if (!strcmp(type, "verify")) {
        const char *d = get_str(rec, "digest");
        return d && status && !strcmp(status, "ok") ? cb_str_c(d) : cb_none();
    }
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
typedef struct {
    size_t index;
    int round;
} round_rec;

static int cmp_round_rec(const void *x, const void *y)
{
    const round_rec *a = x, *b = y;
    if (a->round != b->round)
        return (a->round > b->round) - (a->round < b->round);
    return (a->index > b->index) - (a->index < b->index);
}

static round_rec *pickle_records(const cb_calls *calls, size_t *n)
{
    round_rec *out = cb_xmalloc((calls->n + 1) * sizeof *out);
    cb_strset seen = {0};
    *n = 0;
    for (size_t i = calls->n; i-- > 0;)
        if (cb_strset_add(&seen, calls->recs[i].key))
            out[(*n)++] = (round_rec){i, cb_record_round(calls->recs[i].obj)};
    cb_strset_free(&seen);
    qsort(out, *n, sizeof *out, cmp_round_rec);
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
    round_rec *recs = pickle_records(calls, &n_recs);
    for (size_t i = 0; i < n_recs; i++) {
        const cb_call_rec *rec = &calls->recs[recs[i].index];
        cb_value rd;
        if (!cb_dict_get_str(runners, rec->runner, &rd)) {
            /* a runner this plan does not have (e.g. a resumed run's):
             * describe it from its record */
            json_object *env = NULL, *gc = NULL;
            json_object_object_get_ex(rec->obj, "env", &env);
            json_object_object_get_ex(rec->obj, "gc", &gc);
            const char *lib = get_str(rec->obj, "library"), *mode = get_str(rec->obj, "mode");
            cb_runner_info in = {
                .id = rec->runner, .library = lib ? lib : rec->runner,
                .group = env && json_object_is_type(env, json_type_string) ? "python" : "external",
                .gc = gc && json_object_is_type(gc, json_type_boolean) ? json_object_get_boolean(gc) : -1,
                .type = mode ? mode : "benchmark",
                .venv = env && json_object_is_type(env, json_type_string) ? json_object_get_string(env) : NULL,
            };
            rd = runner_dict(&in);
            cb_seq_push(order, cb_tuple_of(2, cb_str_c(in.group), cb_retain(rd)));
            cb_dict_set_str(runners, rec->runner, rd);
        }
        cb_value type_v, results;
        cb_dict_get_str(rd, "type", &type_v);
        cb_dict_get_str(rd, "results", &results);
        json_object *args;
        json_object_object_get_ex(rec->obj, "args", &args);
        cb_value argt = cb_tuple_new(json_object_array_length(args));
        for (size_t a = 0; a < json_object_array_length(args); a++) {
            json_object *s = json_object_array_get_idx(args, a);
            cb_value repr = cb_str_c(json_object_get_string(s)), key;
            if (cb_dict_get(by_repr, repr, &key))
                cb_seq_push(argt, cb_retain(key));
            else
                cb_seq_push(argt, cb_retain(repr));
            cb_release(repr);
        }
        cb_value k = cb_tuple_of(2, cb_str_c(rec->function), argt), value, have;
        value = result_of(rec->obj, rec->status, cb_str_data(type_v));
        bool timing = !strcmp(cb_str_data(type_v), "benchmark") || !strcmp(cb_str_data(type_v), "cpu");
        if (timing && recs[i].round > 0 && cb_dict_get(results, k, &have))
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
