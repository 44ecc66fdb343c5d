/* record.c — the call record: encoding, decoding, the JSONL reader and the
 * tail follower, call identities (see record.h). */
#define _GNU_SOURCE
#include "run/record.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------- writing ---------- */

static json_object *doubles(const double *v, size_t n)
{
    json_object *a = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_double(v[i]));
    return a;
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

void cb_record_line(json_object *rec, cb_buf *line)
{
    size_t len;
    const char *s = json_object_to_json_string_length(rec, JSON_C_TO_STRING_PLAIN, &len);
    cb_buf_put(line, s, len);
    cb_buf_putc(line, '\n');
}

void cb_record_encode(const cb_record_fields *f, cb_buf *line)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "runner", str_or_null(f->runner));
    json_object_object_add(o, "library", str_or_null(f->library));
    json_object_object_add(o, "env", str_or_null(f->env));
    json_object_object_add(o, "gc", f->gc < 0 ? NULL : json_object_new_boolean(f->gc));
    json_object_object_add(o, "mode", str_or_null(f->mode));
    json_object_object_add(o, "function", str_or_null(f->function));
    json_object_object_add(o, "args", f->args ? json_object_get(f->args) : json_object_new_array());
    json_object_object_add(o, "call", json_object_new_int64(f->call));
    json_object_object_add(o, "round", json_object_new_int(f->round));
    json_object_object_add(o, "status", str_or_null(f->status));
    json_object_object_add(o, "times", doubles(f->times, f->ntimes));
    json_object_object_add(o, "cpu_times", doubles(f->cpu_times, f->cpu_times ? f->ntimes : 0));
    json_object_object_add(o, "loops", json_object_new_int64(f->ntimes ? f->loops : 0));
    json_object_object_add(o, "warmup", json_object_new_int(f->warmup));
    json_object_object_add(o, "min_time", json_object_new_double(f->min_time));
    json_object_object_add(o, "cold_time", f->has_cold ? json_object_new_double(f->cold_time) : NULL);
    json_object_object_add(o, "cold_cpu_time", f->has_cold ? json_object_new_double(f->cold_cpu_time) : NULL);
    json_object_object_add(o, "max_rss_kib", f->max_rss_kib < 0 ? NULL : json_object_new_int64(f->max_rss_kib));
    json_object_object_add(o, "pid", f->pid ? json_object_new_int(f->pid) : NULL);
    json_object_object_add(o, "error", f->error ? json_object_new_string_len(f->error, (int)f->error_len) : NULL);
    json_object_object_add(o, "timeout", f->timeout > 0 ? json_object_new_double(f->timeout) : NULL);
    json_object_object_add(o, "memory_limit", f->memory_limit ? json_object_new_int64((int64_t)f->memory_limit) : NULL);
    json_object_object_add(o, "memory_limit_hit", json_object_new_boolean(f->memory_limit_hit));
    json_object_object_add(o, "host", str_or_null(f->host));
    json_object_object_add(o, "started", json_object_new_double(f->started));
    if (f->skipped)
        json_object_object_add(o, "skipped", json_object_new_boolean(1));
    if (f->extra) {
        json_object_object_foreach(f->extra, k, v)
            json_object_object_add(o, k, json_object_get(v));
    }
    cb_record_line(o, line);
    json_object_put(o);
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

const char *cb_record_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

double cb_record_num(json_object *o, const char *key, double dflt)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return dflt;
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
        return json_object_get_double(v);
    return dflt;
}

int cb_record_round(json_object *rec)
{
    json_object *v;
    if (!json_object_object_get_ex(rec, "round", &v) || !json_object_is_type(v, json_type_int))
        return 0;
    int64_t r = json_object_get_int64(v);
    return r < 0 ? -1 : r > INT_MAX ? -1 : (int)r;
}

/* RUNNER's key of REC: its `args` (absent: none) must be strings. */
static char *key_with(json_object *rec, const char *runner, const char *fn)
{
    json_object *args = NULL;
    int round = cb_record_round(rec);
    if (!runner || !fn || round < 0 ||
        (json_object_object_get_ex(rec, "args", &args) && !json_object_is_type(args, json_type_array)))
        return NULL;
    size_t n = args ? json_object_array_length(args) : 0;
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

char *cb_call_key_of(json_object *rec)
{
    json_object *args;
    if (!json_object_object_get_ex(rec, "args", &args))
        return NULL;
    return key_with(rec, cb_record_str(rec, "runner"), cb_record_str(rec, "function"));
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

/* ---------- decoding ---------- */

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
            if (cb_record_str(v, keys[i]))
                return cb_xstrdup(cb_record_str(v, keys[i]));
    }
    return cb_xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static char *args_text(json_object *o)
{
    json_object *v;
    cb_buf b = {0};
    if (json_object_object_get_ex(o, "args", &v) && json_object_is_type(v, json_type_array))
        for (size_t i = 0; i < json_object_array_length(v); i++)
            cb_buf_printf(&b, "%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(v, i)));
    return b.data ? cb_buf_take(&b) : cb_xstrdup("");
}

static void decode_times(cb_record *r)
{
    json_object *v;
    if (!json_object_object_get_ex(r->obj, "times", &v) || !json_object_is_type(v, json_type_array))
        return;
    size_t n = json_object_array_length(v);
    r->times = cb_xmalloc((n ? n : 1) * sizeof *r->times);
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(v, i);
        double t = json_object_get_double(x);
        if ((json_object_is_type(x, json_type_double) || json_object_is_type(x, json_type_int)) && isfinite(t) &&
            t >= 0)
            r->times[r->ntimes++] = t;
    }
}

int cb_record_decode(json_object *o, size_t seq, cb_record *r)
{
    memset(r, 0, sizeof *r);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return -1;
    }
    r->obj = o;
    r->library = cb_record_str(o, "library");
    r->runner = cb_record_str(o, "runner") ? cb_record_str(o, "runner") : r->library;
    r->function = cb_record_str(o, "function");
    if (!(r->key = key_with(o, r->runner, r->function))) {
        json_object_put(o);
        memset(r, 0, sizeof *r);
        return -1;
    }
    r->seq = seq;
    r->mode = cb_record_str(o, "mode") ? cb_record_str(o, "mode") : "benchmark";
    r->status = cb_record_str(o, "status");
    r->error = cb_record_str(o, "error");
    r->digest = cb_record_str(o, "digest");
    r->host = cb_record_str(o, "host");
    r->env = env_text(o);
    json_object *v;
    r->gc = json_object_object_get_ex(o, "gc", &v) && json_object_is_type(v, json_type_boolean)
                ? json_object_get_boolean(v) : -1;
    r->args = args_text(o);
    decode_times(r);
    r->timeout = cb_record_num(o, "timeout", 0);
    r->cold_time = cb_record_num(o, "cold_time", NAN);
    r->round = cb_record_round(o);
    r->skipped = json_object_object_get_ex(o, "skipped", &v) && json_object_get_boolean(v);
    r->rounds = cb_xmalloc(sizeof *r->rounds);
    r->rounds[0] = (cb_round){.round = r->round, .status = r->status, .first = 0, .ntimes = r->ntimes,
                              .timeout = r->timeout, .skipped = r->skipped};
    r->nrounds = 1;
    return 0;
}

/* A complete JSON value filling the line (blanks after it allowed). */
static json_object *parse_line(const char *line, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, line, (int)(len > INT32_MAX ? INT32_MAX : len));
    bool complete = json_tokener_get_error(tok) == json_tokener_success && len <= INT32_MAX;
    for (size_t i = json_tokener_get_parse_end(tok); complete && i < len; i++)
        complete = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
    json_tokener_free(tok);
    if (!complete) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int cb_record_parse(const char *line, size_t len, size_t seq, cb_record *r)
{
    return cb_record_decode(parse_line(line, len), seq, r);
}

void cb_record_free(cb_record *r)
{
    if (r->round_objs)
        for (size_t k = 0; k < r->nrounds; k++)
            json_object_put(r->round_objs[k]);
    else
        json_object_put(r->obj);
    void *owned[] = {r->round_objs, r->rounds, r->key, r->env, r->args, r->times, r->label};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        free(owned[i]);
    memset(r, 0, sizeof *r);
}

/* ---------- reading a file ---------- */

/* Each complete line of DATA (the rule of record.h), to EACH; returns the
 * length of the complete lines. */
static size_t each_line(const char *data, size_t len, void (*each)(void *ctx, const char *line, size_t n),
                        void *ctx)
{
    size_t pos = 0;
    const char *nl;
    while (pos < len && (nl = memchr(data + pos, '\n', len - pos))) {
        size_t n = (size_t)(nl - (data + pos));
        each(ctx, data + pos, n);
        pos += n + 1;
    }
    return pos;
}

typedef struct {
    cb_calls *c;
    size_t lineno;
} read_ctx;

static void read_line(void *vctx, const char *line, size_t n)
{
    read_ctx *rc = vctx;
    cb_calls *c = rc->c;
    rc->lineno++;
    c->valid_len += (off_t)n + 1;
    bool blank = true;
    for (size_t i = 0; blank && i < n; i++)
        blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
    if (blank)
        return;
    cb_record r;
    if (cb_record_parse(line, n, c->n, &r) < 0) {
        c->bad_linenos = cb_xrealloc(c->bad_linenos, (c->bad_lines + 1) * sizeof *c->bad_linenos);
        c->bad_linenos[c->bad_lines++] = rc->lineno;
        return;
    }
    if ((c->n & (c->n - 1)) == 0)   /* 0, 1, 2, 4, ...: grow at the powers of two */
        c->recs = cb_xrealloc(c->recs, (c->n ? 2 * c->n : 1) * sizeof *c->recs);
    c->recs[c->n++] = r;
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
    read_ctx rc = {out, 0};
    size_t good = each_line(data, len, read_line, &rc);
    out->torn_tail = good < len;
    free(data);
    return 0;
}

void cb_calls_free(cb_calls *c)
{
    for (size_t i = 0; i < c->n; i++)
        cb_record_free(&c->recs[i]);
    free(c->recs);
    free(c->bad_linenos);
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

/* ---------- following a file ---------- */

void cb_calls_tail_init(cb_calls_tail *t, const char *path, off_t start)
{
    memset(t, 0, sizeof *t);
    t->path = cb_xstrdup(path);
    t->offset = start;
}

typedef struct {
    cb_calls_tail *t;
    void (*on_record)(void *ctx, const cb_record *rec);
    void *ctx;
} tail_ctx;

static void tail_line(void *vctx, const char *line, size_t n)
{
    tail_ctx *tc = vctx;
    cb_record r;
    if (n && cb_record_parse(line, n, tc->t->seq, &r) == 0) {
        tc->t->seq++;
        tc->on_record(tc->ctx, &r);
        cb_record_free(&r);
    }
}

void cb_calls_tail_read(cb_calls_tail *t, void (*on_record)(void *ctx, const cb_record *rec), void *ctx)
{
    int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    char buf[65536];
    tail_ctx tc = {t, on_record, ctx};
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, t->offset);
        if (n <= 0)
            break;
        t->offset += n;
        t->partial = cb_xrealloc(t->partial, t->partial_len + (size_t)n + 1);
        memcpy(t->partial + t->partial_len, buf, (size_t)n);
        t->partial_len += (size_t)n;
        size_t used = each_line(t->partial, t->partial_len, tail_line, &tc);
        memmove(t->partial, t->partial + used, t->partial_len - used);
        t->partial_len -= used;
    }
    close(fd);
}

void cb_calls_tail_free(cb_calls_tail *t)
{
    free(t->path);
    free(t->partial);
    memset(t, 0, sizeof *t);
}
