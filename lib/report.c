/* report.c — reads a results directory into records (calls.jsonl, or the
 * original tool's results.pickle) and renders the summary `run` prints and
 * the reports of `casbench report` (see report.h, docs/report.md). */
#include "report.h"
#include "stats.h"
#include "table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
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
    return 0;
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
        free(res->recs[res->n].env);
        free(res->recs[res->n].args);
        free(res->recs[res->n].times);
        json_object_put(o);
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

int cb_results_pickle_records(cb_results *res, const char *path, cb_err *err);

/* The short form of an env for labels: its version number when it has one. */
static char *env_short(const char *env)
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

/* Labels say what tells a library's runners apart: env (short form when that
 * stays unique), gc, and mode when not benchmark. */
static void make_labels(cb_results *res)
{
    for (size_t i = 0; i < res->n; i++) {
        cb_record *r = &res->recs[i];
        int envs = 0, gcs = 0, shorts_clash = 0;
        char *mine = r->env ? env_short(r->env) : NULL;
        for (size_t j = 0; j < res->n; j++) {
            cb_record *q = &res->recs[j];
            if (strcmp(q->library, r->library))
                continue;
            if (!str_eq(q->env, r->env)) {
                envs = 1;
                char *other = q->env ? env_short(q->env) : NULL;
                if (str_eq(other, mine))
                    shorts_clash = 1;
                free(other);
            }
            if (q->gc != r->gc)
                gcs = 1;
        }
        cb_buf b = {0};
        cb_buf_puts(&b, r->library);
        if (envs)
            cb_buf_printf(&b, " [%s]", r->env ? (shorts_clash ? r->env : mine) : "default");
        if (gcs)
            cb_buf_printf(&b, " gc=%s", r->gc == 1 ? "on" : r->gc == 0 ? "off" : "?");
        free(mine);
        r->label = cb_buf_take(&b);
    }
}

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
        rc = cb_results_pickle_records(out, pkl, err);
    } else {
        rc = cb_fail(err, "%s: no calls.jsonl or results.pickle (not a results directory?)", dir);
    }
    if (rc == 0 && stat(runjson, &st) == 0) {
        out->run = json_object_from_file(runjson);
        if (!out->run)
            add_warning(out, "%s: not valid JSON, ignored", runjson);
    }
    free(jsonl);
    free(pkl);
    free(runjson);
    if (rc < 0) {
        cb_results_free(out);
        return -1;
    }
    make_labels(out);
    return 0;
}

void cb_results_free(cb_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        json_object_put(r->recs[i].obj);
        free(r->recs[i].env);
        free(r->recs[i].args);
        free(r->recs[i].times);
        free(r->recs[i].label);
    }
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    free(r->recs);
    free(r->dir);
    json_object_put(r->run);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------- per-call stats */

void cb_record_stats(const cb_record *r, cb_call_stats *s)
{
    memset(s, 0, sizeof *s);
    s->min = s->median = s->stdev = NAN;
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
    s->median = cb_stats_median(r->times, r->ntimes);
    s->stdev = cb_stats_stdev(r->times, r->ntimes);
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

/* Distinct strings in first-seen order. */
typedef struct {
    const char **v;
    size_t n;
} strset;

static size_t strset_add(strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x))
            return i;
    s->v = cb_xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n] = x;
    return s->n++;
}

/* The records of the timing mode a report shows: benchmark, else cpu. */
static int is_timing(const cb_results *r, const cb_record *rec)
{
    int have_bench = 0;
    for (size_t i = 0; i < r->n && !have_bench; i++)
        have_bench = !strcmp(r->recs[i].mode, "benchmark");
    return !strcmp(rec->mode, have_bench ? "benchmark" : "cpu");
}

static cb_table *summary_table(const cb_results *res)
{
    strset funcs = {0}, labels = {0};
    for (size_t i = 0; i < res->n; i++)
        if (is_timing(res, &res->recs[i])) {
            strset_add(&funcs, res->recs[i].function);
            strset_add(&labels, res->recs[i].label);
        }
    cb_table *t = cb_table_new("Summary: median over each function's calls of the call's median time");
    cb_table_add_column(t, NULL, "function", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "calls", CB_ALIGN_RIGHT);
    for (size_t l = 0; l < labels.n; l++)
        cb_table_add_column(t, NULL, labels.v[l], CB_ALIGN_RIGHT);
    double *meds = cb_xmalloc((res->n + 1) * sizeof *meds);
    int any_dnf = 0;
    for (size_t f = 0; f < funcs.n; f++) {
        cb_table_add_row(t);
        cb_table_set(t, 0, funcs.v[f]);
        strset calls = {0};
        for (size_t l = 0; l < labels.n; l++) {
            size_t nm = 0, ncalls = 0, timeouts = 0, failed = 0;
            const cb_record *last = NULL;
            double limit = 0;
            for (size_t i = 0; i < res->n; i++) {
                const cb_record *r = &res->recs[i];
                if (!is_timing(res, r) || strcmp(r->function, funcs.v[f]) || strcmp(r->label, labels.v[l]))
                    continue;
                strset_add(&calls, r->args);
                ncalls++;
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
            char a[64], lim[32];
            cb_buf cellb = {0};
            if (nm)
                cb_buf_puts(&cellb, cb_format_seconds(cb_stats_median(meds, nm), a, sizeof a));
            else if (ncalls == 1)
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
            cb_table_set(t, 2 + l, cellb.data);
            cb_buf_free(&cellb);
            if (!nm)
                cb_table_set_class(t, 2 + l, "dnf");
        }
        cb_table_set_num(t, 1, "", (double)calls.n);
        cb_table_setf(t, 1, "%zu", calls.n);
        free(calls.v);
    }
    if (any_dnf)
        cb_table_add_note(t, "\">T\": calls that timed out at the limit T; DNF: calls that crashed or failed; "
                             "neither is counted in the median");
    free(meds);
    free(funcs.v);
    free(labels.v);
    return t;
}

int cb_report_summary(const char *results_dir, FILE *out, cb_err *err)
{
    cb_results res;
    if (cb_results_load(results_dir, &res, err) < 0)
        return -1;
    cb_table *t = summary_table(&res);
    cb_buf b = {0};
    if (cb_table_nrows(t))
        cb_table_render(t, CB_TABLE_TEXT, &b);
    else
        cb_buf_printf(&b, "no timed calls in %s\n", results_dir);
    fwrite(b.data, 1, b.len, out);
    cb_buf_free(&b);
    cb_table_free(t);
    cb_results_free(&res);
    return 0;
}

/* ------------------------------------------ the original tool's results */

#include "pickle.h"
#include "value.h"

/* Weak until lib/pickle.c lands in the tree, so this file links on its own. */
#pragma weak cb_pickle_load_file

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
    case CB_FLOAT: return json_object_new_double(v.u.f);
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
            json_object *mem = json_object_new_object();
            json_object_object_add(mem, "rows", value_json(val));
            json_object_object_add(o, "mem", mem);
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

int cb_results_pickle_records(cb_results *res, const char *path, cb_err *err)
{
    cb_value top;
    if (!cb_pickle_load_file)
        return cb_fail(err, "%s: this casbench was built without the pickle reader", path);
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
