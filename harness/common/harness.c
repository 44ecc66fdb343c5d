/* harness.c — the protocol side of every C harness (see harness.h and
 * docs/protocol.md): config in, one forked call per run-list entry through
 * the supervisor, call records and the results pickle out, --probe.
 *
 * Split of work per call, chosen to keep the supervision overhead near the
 * fork floor (bench/overhead_c.sh): everything that can be decided once —
 * argument lookups, key reprs, the record's fixed fields, the memory-tracker
 * and profiler hooks — is prepared before the first fork; the child does no
 * JSON work (it sends raw times over the pipe); the parent builds one JSON
 * line per call and writes it with a single write() to calls.jsonl (O_APPEND,
 * so concurrent runners never interleave). */
#define _GNU_SOURCE
#include "harness.h"
#include "common/bounds.h"
#include "canon.h"
#include "data/dataset.h"
#include "supervisor.h"
#include "memlimit.h"
#include "data/pickle.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ config */

static double num_or(cb_value v, double def)
{
    if (cb_is(v, CB_FLOAT))
        return v.u.f;
    if (cb_is(v, CB_BOOL))
        return v.u.b;
    if (cb_is(v, CB_INT))
        return cb_int_fits_i64(v) ? (double)cb_int_get_i64(v) : def;
    return def;
}

static cb_value get(cb_value d, const char *key)
{
    cb_value v = cb_none();
    cb_dict_get_str(d, key, &v);
    return v;
}

static const char *str_or(cb_value v, const char *def)
{
    return cb_is(v, CB_STR) ? cb_str_data(v) : def;
}

static int decode_config(cb_value raw, const cb_harness_ops *ops, cb_config *cfg, cb_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    if (!cb_is(raw, CB_DICT))
        return cb_fail(err, "config: expected a dict, got %s", cb_type_name(raw.type));
    cfg->raw = raw;
    cfg->type = str_or(get(raw, "type"), "benchmark");
    if (cb_mode_parse(cfg->type, &cfg->mode) < 0)
        return cb_fail(err, "config: unknown type '%s'", cfg->type);
    cfg->run_list = get(raw, "run_list");
    cfg->polys = get(raw, "polys");
    if (!cb_is(cfg->run_list, CB_DICT))
        return cb_fail(err, "config: run_list must be a dict");
    if (!cb_is(cfg->polys, CB_DICT))
        return cb_fail(err, "config: polys must be a dict");
    cfg->gc = num_or(get(raw, "gc"), 0) != 0;
    double repeats = num_or(get(raw, "repeats"), 3);
    cfg->repeats = repeats < 1 ? 1 : repeats > CB_MAX_COUNT ? CB_MAX_COUNT : (int)repeats;
    cfg->timeout = num_or(get(raw, "timeout"), 0);
    cfg->grace = num_or(get(raw, "grace"), CB_GRACE_DEFAULT);
    double warmup = num_or(get(raw, "warmup"), 0);
    cfg->warmup = warmup < 0 ? 0 : warmup > CB_MAX_COUNT ? CB_MAX_COUNT : (int)warmup;
    cfg->min_time = num_or(get(raw, "min_time"), 0);
    if (!(cfg->min_time > 0))   /* also NaN */
        cfg->min_time = 0;
    if (cfg->min_time > CB_MAX_SECONDS)
        cfg->min_time = CB_MAX_SECONDS;
    /* mem mode counts exactly one execution per tracked repeat; verify
     * computes once (docs/measurement.md) */
    if (cfg->mode == CB_MODE_MEM || cfg->mode == CB_MODE_VERIFY)
        cfg->min_time = 0;
    if (cfg->mode == CB_MODE_VERIFY)
        cfg->warmup = 0;
    cfg->grevlex = !strcmp(str_or(get(raw, "order"), "lex"), "grevlex");
    cfg->library = str_or(get(raw, "library"), ops->library);
    cfg->calls_jsonl = str_or(get(raw, "calls_jsonl"), NULL);
    cfg->log_file = str_or(get(raw, "log_file"), NULL);
    cfg->record = get(raw, "record");
    cfg->profile = get(raw, "profile");
    cfg->perturb = get(raw, "perturb");
    cfg->result_text = num_or(get(raw, "result_text"), 0) != 0;
    double round = num_or(get(raw, "round"), 0);
    cfg->round = round < 0 || round > CB_MAX_COUNT ? 0 : (int)round;
    cfg->call_order = get(raw, "call_order");
    cfg->loops = get(raw, "loops");
    return 0;
}

/* An int item of a config list that runs parallel to the run list's calls
 * (`call_order`, `loops`), or DEF when there is none. */
static int64_t call_item(cb_value list, size_t i, int64_t def)
{
    if (!cb_is(list, CB_LIST) || i >= cb_len(list) || !cb_is(cb_item(list, i), CB_INT) ||
        !cb_int_fits_i64(cb_item(list, i)))
        return def;
    return cb_int_get_i64(cb_item(list, i));
}

/* The order the calls run in: by their rank in the config's `call_order`
 * (the engine's shuffle for the round; ties in run-list order), or the run
 * list's order without one.  -1 with err when `call_order` is not a list
 * of one integer per call. */
typedef struct {
    int64_t rank;
    size_t index;
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->rank != b->rank)
        return (a->rank > b->rank) - (a->rank < b->rank);
    return (a->index > b->index) - (a->index < b->index);
}

static int call_sequence(const cb_config *cfg, size_t ncalls, size_t **order, cb_err *err)
{
    cb_value co = cfg->call_order;
    *order = NULL;
    if (!cb_is(co, CB_NONE) && (!cb_is(co, CB_LIST) || cb_len(co) != ncalls))
        return cb_fail(err, "config: call_order must be a list of one rank per call (%zu)", ncalls);
    ranked *r = cb_xmalloc((ncalls ? ncalls : 1) * sizeof *r);
    for (size_t i = 0; i < ncalls; i++) {
        if (cb_is(co, CB_LIST) && (!cb_is(cb_item(co, i), CB_INT) || !cb_int_fits_i64(cb_item(co, i)))) {
            free(r);
            return cb_fail(err, "config: call_order[%zu] is not an integer", i);
        }
        r[i] = (ranked){call_item(co, i, 0), i};
    }
    qsort(r, ncalls, sizeof *r, cmp_ranked);
    *order = cb_xmalloc((ncalls ? ncalls : 1) * sizeof **order);
    for (size_t i = 0; i < ncalls; i++)
        (*order)[i] = r[i].index;
    free(r);
    return 0;
}

/* ------------------------------------------------------ texts -> JSON */

/* A JSON text from the child (memory report, profile): parsed, or kept as a
 * string when it is not JSON. */
static json_object *json_or_string(const cb_buf *b)
{
    char *s = cb_xmalloc(b->len + 1);
    memcpy(s, b->data, b->len);
    s[b->len] = 0;
    json_object *o = json_tokener_parse(s);
    if (!o)
        o = json_object_new_string(s);
    free(s);
    return o;
}

/* --------------------------------------------------------------- plan */

typedef struct {
    const char *function;
    const cb_function *fn;
    cb_value args;          /* borrowed from run_list */
    int sys[8];
    int nargs;
    json_object *args_json; /* reprs, built once */
    cb_call_status pre;     /* decided without forking (unsupported, error), or OK */
    char *pre_error;
} plan_call;

static int plan_calls(const cb_config *cfg, const cb_harness_ops *ops, plan_call **out, size_t *n)
{
    size_t cap = 16, len = 0;
    plan_call *calls = cb_xmalloc(cap * sizeof *calls);
    cb_value rl = cfg->run_list;
    for (size_t f = 0; f < cb_len(rl); f++) {
        cb_value name = cb_dict_key(rl, f), entries = cb_dict_val(rl, f);
        if (!cb_is(name, CB_STR) || !cb_is_seq(entries))
            continue;   /* the engine validated the run list; skip junk */
        for (size_t e = 0; e < cb_len(entries); e++) {
            if (len == cap)
                calls = cb_xrealloc(calls, (cap *= 2) * sizeof *calls);
            plan_call *c = &calls[len++];
            memset(c, 0, sizeof *c);
            c->function = cb_str_data(name);
            c->fn = cb_function_find(c->function);
            c->args = cb_item(entries, e);
            c->args_json = json_object_new_array();
            bool is_seq = cb_is_seq(c->args);
            size_t na = is_seq ? cb_len(c->args) : 0;
            for (size_t a = 0; a < na; a++) {
                cb_value key = cb_item(c->args, a);
                char *r = cb_repr(key);
                json_object_array_add(c->args_json, json_object_new_string(r));
                long idx = cb_dict_find(cfg->polys, key);
                if (idx < 0 && !c->pre_error) {
                    c->pre = CB_CALL_ERROR;
                    c->pre_error = cb_xasprintf("system %s is not in the dataset", r);
                }
                if (a < sizeof c->sys / sizeof *c->sys)
                    c->sys[a] = (int)idx;
                free(r);
            }
            c->nargs = (int)na;
            if (!c->fn || !ops->supports(c->function)) {
                c->pre = CB_CALL_UNSUPPORTED;
                free(c->pre_error);
                const char *why = c->fn && ops->unsupported_reason ? ops->unsupported_reason(c->function) : NULL;
                c->pre_error = cb_xasprintf("%s does not offer %s%s%s", cfg->library, c->function, why ? ": " : "",
                                            why ? why : "");
            } else if (!c->pre_error && (!is_seq || (int)na != c->fn->arity)) {
                c->pre = CB_CALL_ERROR;
                c->pre_error = cb_xasprintf("%s takes %d argument(s)", c->function, c->fn->arity);
            }
        }
    }
    *out = calls;
    *n = len;
    return 0;
}

/* ----------------------------------------------------- the child's side */

typedef void (*hook_fn)(void);
typedef char *(*report_fn)(void);

/* The profilers around each timed repeat, as lib/run/profilers.c lists them
 * for the engine and harness/python/casbench/profilers.py for the Python
 * runtime: each has begin and end hooks (begins run in list order, ends in
 * reverse, so the outer one brackets the inner) and may report JSON after
 * the repeats.  A C harness has two: perf, told through its --control fifo
 * to sample only the timed repeats (cpu mode), and casbench's allocation
 * tracker, preloaded in mem mode, whose hooks it finds by name. */
typedef struct harness_profiler {
    void (*begin)(const struct harness_profiler *p);
    void (*end)(const struct harness_profiler *p);
    char *(*report)(const struct harness_profiler *p);   /* malloc'd JSON, or NULL */
    int ctl_fd, ack_fd;               /* perf: the --control fifos, or -1 */
    char *enable_cmd, *disable_cmd;   /* perf: the profile's "enable"/"disable" words + '\n' */
    hook_fn mem_begin, mem_end;       /* the tracker's */
    report_fn mem_report;
} harness_profiler;

typedef struct {
    const cb_harness_ops *ops;
    const cb_config *cfg;
    cb_call call;
    harness_profiler profilers[2];
    size_t nprofilers;
    const harness_profiler *tracker;  /* among them, or NULL: reads a dead child's counts */
    int64_t given_loops;    /* the loop count an earlier round found (0: calibrate) */
    bool perturb;           /* corrupt this call's digest (tests) */
} child_ctx;

static void perf_send(const harness_profiler *p, const char *cmd)
{
    if (write(p->ctl_fd, cmd, strlen(cmd)) < 0)
        return;
    if (p->ack_fd >= 0) {
        char ack[16];
        if (read(p->ack_fd, ack, sizeof ack) < 0)
            return;
    }
}

static void perf_begin(const harness_profiler *p)
{
    perf_send(p, p->enable_cmd);
}

static void perf_end(const harness_profiler *p)
{
    perf_send(p, p->disable_cmd);
}

static void tracker_begin(const harness_profiler *p)
{
    p->mem_begin();
}

static void tracker_end(const harness_profiler *p)
{
    p->mem_end();
}

static char *tracker_report(const harness_profiler *p)
{
    return p->mem_report ? p->mem_report() : NULL;
}

static void profilers_begin(const child_ctx *cx)
{
    for (size_t i = 0; i < cx->nprofilers; i++)
        cx->profilers[i].begin(&cx->profilers[i]);
}

static void profilers_end(const child_ctx *cx)
{
    for (size_t i = cx->nprofilers; i-- > 0;)
        cx->profilers[i].end(&cx->profilers[i]);
}

static void child_verify(cb_sup_child *ch, child_ctx *cx)
{
    cb_err err = {{0}};
    cb_buf text = {0};
    if (cx->ops->verify(&cx->call, &text, &err) < 0) {
        cb_sup_send_error(ch, err.msg);
        return;
    }
    if (cx->perturb)
        cb_buf_puts(&text, "\nperturbed");
    char hex[65];
    cb_sha256_hex(text.data ? text.data : "", text.len, hex);
    cb_sup_send_text(ch, CB_TEXT_DIGEST, hex, 64);
    cb_sup_send_text(ch, CB_TEXT_HEAD, text.data ? text.data : "", text.len < CB_RESULT_HEAD_CHARS ? text.len : CB_RESULT_HEAD_CHARS);
    if (cx->cfg->result_text)
        cb_sup_send_text(ch, CB_TEXT_RESULT, text.data ? text.data : "", text.len);
    cb_sup_send_done(ch);
}

static inline int64_t ts_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* `loops` executions of the call in a row, measured: by the library itself
 * (timed_repeat), or by the supervisor's clocks around call() -- the CPU
 * clock outside the wall interval, as it is a system call. */
static int measure(child_ctx *cx, int64_t loops, int64_t *wall_ns, int64_t *cpu_ns, cb_err *err)
{
    cb_call *call = &cx->call;
    if (cx->ops->timed_repeat) {
        int rc = cx->ops->timed_repeat(call, loops, wall_ns, cpu_ns, err);
        call->execution += loops;
        return rc;
    }
    int64_t c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t t0 = ts_ns(CLOCK_MONOTONIC);
    int rc = 0;
    for (int64_t i = 0; i < loops && rc == 0; i++) {
        rc = cx->ops->call(call, err);
        call->execution++;
    }
    int64_t t1 = ts_ns(CLOCK_MONOTONIC);
    int64_t c1 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
    *wall_ns = t1 - t0;
    *cpu_ns = c1 - c0;
    return rc;
}

/* Warm-up, then calibration (docs/measurement.md): *loops executions per
 * timed repeat.  None of these executions is a timed repeat; the first
 * one's time goes to the parent as the cold time. */
static int warm_up_and_calibrate(cb_sup_child *ch, child_ctx *cx, int64_t *loops, cb_err *err)
{
    int64_t wall, cpu;
    cx->call.repeat = -1;
    for (int w = 0; w < cx->cfg->warmup; w++) {
        if (measure(cx, 1, &wall, &cpu, err) < 0)
            return -1;
        if (w == 0)
            cb_sup_send_cold(ch, wall, cpu);
    }
    *loops = 1;
    int64_t target = cb_seconds_to_ns(cx->cfg->min_time);
    if (target > 0 && cx->given_loops > 0) {   /* an earlier round's count: every round times the same */
        *loops = cx->given_loops;
        return 0;
    }
    while (target > 0) {
        if (measure(cx, *loops, &wall, &cpu, err) < 0)
            return -1;
        if (wall >= target)
            break;
        *loops = cb_next_loops(*loops, wall, target);
    }
    return 0;
}

static void child_body(cb_sup_child *ch, void *arg)
{
    child_ctx *cx = arg;
    cb_call *call = &cx->call;
    cb_err err = {{0}};
    cb_memlimit_enter_call();
    if (cx->ops->prepare && cx->ops->prepare(call, &err) < 0) {
        cb_sup_send_error(ch, err.msg);
        return;
    }
    if (cx->cfg->mode == CB_MODE_VERIFY) {
        child_verify(ch, cx);
        return;
    }
    int64_t loops;
    if (warm_up_and_calibrate(ch, cx, &loops, &err) < 0) {
        cb_sup_send_error(ch, err.msg[0] ? err.msg : "failed");
        return;
    }
    for (int r = 0; r < cx->cfg->repeats; r++) {
        call->repeat = r;
        profilers_begin(cx);
        int64_t wall, cpu;
        int rc = measure(cx, loops, &wall, &cpu, &err);
        profilers_end(cx);
        if (rc < 0) {
            cb_sup_send_error(ch, err.msg[0] ? err.msg : "failed");
            return;
        }
        cb_sup_send_time(ch, wall, cpu, loops);
    }
    for (size_t i = 0; i < cx->nprofilers; i++) {
        const harness_profiler *p = &cx->profilers[i];
        char *json = p->report ? p->report(p) : NULL;
        if (json)
            cb_sup_send_text(ch, CB_TEXT_MEM, json, strlen(json));
    }
    cb_sup_send_done(ch);
}

/* ------------------------------------------------------------ records */

typedef struct {
    const cb_config *cfg;
    int fd;                 /* calls.jsonl, or -1 */
    const char *runner, *library, *env, *mode;   /* the config's `record` (lib/run/runner.c) */
    int gc;
    char host[256];
    cb_value results;       /* the results pickle's dict */
} recorder;

static void recorder_init(recorder *rec, const cb_config *cfg, cb_err *err, int *rc)
{
    memset(rec, 0, sizeof *rec);
    rec->cfg = cfg;
    rec->fd = -1;
    rec->results = cb_dict_new(16);
    gethostname(rec->host, sizeof rec->host - 1);
    /* the config's `record` (lib/run/runner.c), or what the harness knows itself */
    cb_value r = cb_is(cfg->record, CB_DICT) ? cfg->record : cb_dict_new(0), gc;
    rec->runner = str_or(get(r, "runner"), NULL);
    rec->library = str_or(get(r, "library"), cfg->library);
    rec->env = str_or(get(r, "env"), NULL);
    rec->mode = str_or(get(r, "mode"), cfg->type);
    rec->gc = !cb_dict_get_str(r, "gc", &gc) ? cfg->gc : cb_is(gc, CB_BOOL) ? gc.u.b : -1;
    if (!cb_is(cfg->record, CB_DICT))
        cb_release(r);   /* an empty dict: nothing borrowed from it */
    *rc = 0;
    if (cfg->calls_jsonl && (rec->fd = cb_open_append(cfg->calls_jsonl, err)) < 0)
        *rc = -1;
}

static void recorder_free(recorder *rec)
{
    if (rec->fd >= 0)
        close(rec->fd);
    cb_release(rec->results);
}

static json_object *text_json(const cb_sup_result *res, cb_text_kind k)
{
    if (!res->has_text[k])
        return NULL;
    return json_object_new_string_len(res->text[k].data ? res->text[k].data : "", (int)res->text[k].len);
}

/* The mode's own fields of the record (docs/protocol.md). */
static json_object *mode_fields(const cb_config *cfg, const cb_sup_result *res)
{
    json_object *o = json_object_new_object();
    if (cfg->mode == CB_MODE_VERIFY) {
        json_object_object_add(o, "digest", text_json(res, CB_TEXT_DIGEST));
        json_object_object_add(o, "result_head", text_json(res, CB_TEXT_HEAD));
        if (cfg->result_text)
            json_object_object_add(o, "result", text_json(res, CB_TEXT_RESULT));
    }
    if (cfg->mode == CB_MODE_MEM)
        json_object_object_add(o, "mem", res->has_text[CB_TEXT_MEM] ? json_or_string(&res->text[CB_TEXT_MEM]) : NULL);
    if (res->has_text[CB_TEXT_PROFILE])
        json_object_object_add(o, "profile", json_or_string(&res->text[CB_TEXT_PROFILE]));
    return o;
}

static void write_record(recorder *rec, const plan_call *c, int index, const cb_sup_result *res)
{
    if (rec->fd < 0)
        return;
    const cb_config *cfg = rec->cfg;
    json_object *extra = mode_fields(cfg, res);
    cb_record_fields f = {
        .runner = rec->runner, .library = rec->library, .env = rec->env, .gc = rec->gc, .mode = rec->mode,
        .function = c->function, .args = c->args_json, .call = index, .round = cfg->round,
        .status = cb_call_status_name(res->status),
        .times = res->times, .cpu_times = res->cpu_times, .ntimes = res->ntimes, .loops = res->loops,
        .warmup = cfg->warmup, .min_time = cfg->min_time,
        .has_cold = res->has_cold, .cold_time = res->cold_time, .cold_cpu_time = res->cold_cpu_time,
        .max_rss_kib = res->max_rss_kib, .pid = res->pid,
        .error = res->status == CB_CALL_OK ? NULL : res->error.data ? res->error.data : "",
        .error_len = res->status == CB_CALL_OK ? 0 : res->error.len,
        .timeout = cfg->timeout, .memory_limit = cb_memlimit_bytes(), .memory_limit_hit = res->memory_limit_hit,
        .host = rec->host, .started = res->started, .extra = extra,
    };
    cb_buf line = {0};
    cb_record_encode(&f, &line);
    json_object_put(extra);
    /* one write() per line: the line and its newline together */
    ssize_t w = write(rec->fd, line.data, line.len);
    if (w != (ssize_t)line.len)
        fprintf(stderr, "harness: writing %s: %s\n", cfg->calls_jsonl, w < 0 ? strerror(errno) : "short write");
    cb_buf_free(&line);
}

/* mem mode: the tracker's rows of docs/design.md §8.3 when its report has them */
static cb_value mem_rows(const cb_sup_result *res)
{
    cb_value rows = cb_list_new(0);
    if (!res->has_text[CB_TEXT_MEM])
        return rows;
    json_object *o = json_or_string(&res->text[CB_TEXT_MEM]);
    json_object *a;
    if (json_object_object_get_ex(o, "rows", &a) && json_object_is_type(a, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            json_object *row = json_object_array_get_idx(a, i);
            cb_value t = cb_tuple_new(8);
            for (size_t j = 0; j < json_object_array_length(row); j++) {
                json_object *x = json_object_array_get_idx(row, j);
                if (json_object_is_type(x, json_type_int))
                    cb_seq_push(t, cb_int(json_object_get_int64(x)));
                else if (json_object_is_type(x, json_type_double))
                    cb_seq_push(t, cb_float(json_object_get_double(x)));
                else if (json_object_is_type(x, json_type_string))
                    cb_seq_push(t, cb_str_c(json_object_get_string(x)));
                else
                    cb_seq_push(t, cb_none());
            }
            cb_seq_push(rows, t);
        }
    }
    json_object_put(o);
    return rows;
}

static void add_result(recorder *rec, const plan_call *c, const cb_sup_result *res)
{
    cb_value key = cb_tuple_of(2, cb_str_c(c->function), cb_retain(c->args));
    cb_value val;
    if (rec->cfg->mode == CB_MODE_VERIFY) {
        val = res->status == CB_CALL_OK && res->has_text[CB_TEXT_DIGEST]
                  ? cb_str_new(res->text[CB_TEXT_DIGEST].data, res->text[CB_TEXT_DIGEST].len)
                  : cb_none();
    } else if (res->status != CB_CALL_OK || (rec->cfg->mode != CB_MODE_MEM && !res->ntimes)) {
        /* the original's vocabulary, as results.pickle (lib/run/results_pickle.h) */
        val = cb_result_not_finished(rec->cfg->type, cb_call_status_name(res->status));
    } else if (rec->cfg->mode == CB_MODE_MEM) {
        val = cb_result_mem_rows(mem_rows(res));
    } else {
        val = cb_list_new(res->ntimes);
        for (size_t i = 0; i < res->ntimes; i++)
            cb_seq_push(val, cb_float(res->times[i]));
    }
    cb_dict_set(rec->results, key, val);
}

/* ------------------------------------------------------------- probing */

int cb_harness_term(cb_value terms, size_t t, int nvars, cb_value *exps, mpz_t coeff, cb_err *err)
{
    *exps = cb_dict_key(terms, t);
    if (!cb_is_seq(*exps) || (int)cb_len(*exps) != nvars)
        return cb_fail(err, "term %zu: exponent tuple of the wrong length", t);
    return cb_coeff_get_mpz(cb_dict_val(terms, t), coeff, err) < 0 ? -1 : 0;
}

void cb_probe_versions(json_object *out, const char *version, ...)
{
    json_object_object_add(out, "version", version ? json_object_new_string(version) : NULL);
    json_object *v = json_object_new_object();
    va_list ap;
    va_start(ap, version);
    for (const char *name; (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        json_object_object_add(v, name, value ? json_object_new_string(value) : NULL);
    }
    va_end(ap);
    json_object_object_add(out, "versions", v);
}

void cb_probe_unavailable(json_object *out, const char *reason)
{
    json_object_object_add(out, "available", json_object_new_boolean(0));
    json_object_object_add(out, "reason", json_object_new_string(reason));
}

static int probe(const cb_harness_ops *ops, const char *library)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "library", json_object_new_string(library));
    json_object_object_add(o, "available", json_object_new_boolean(1));
    if (ops->probe)
        ops->probe(o);
    if (strcmp(library, ops->library)) {
        json_object_object_add(o, "available", json_object_new_boolean(0));
        char *why = cb_xasprintf("this harness runs '%s', not '%s'", ops->library, library);
        json_object_object_add(o, "reason", json_object_new_string(why));
        free(why);
    }
    json_object *fns = json_object_new_array();
    for (int i = 0; i < cb_n_functions; i++)
        if (ops->supports(cb_functions[i].name))
            json_object_array_add(fns, json_object_new_string(cb_functions[i].name));
    for (int i = 0; i < cb_n_selftest_functions; i++)
        if (ops->supports(cb_selftest_functions[i].name))
            json_object_array_add(fns, json_object_new_string(cb_selftest_functions[i].name));
    json_object_object_add(o, "functions", fns);
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return 0;
}

/* --------------------------------------------------------------- main */

static char *read_line(FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n <= 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
    return line;
}

/* The profilers of this run (child_ctx): perf when the config names its
 * control fifo (cpu mode), the tracker when it is preloaded. */
static void profilers_open(const cb_config *cfg, child_ctx *cx)
{
    const char *ctl = cfg->mode == CB_MODE_CPU && cb_is(cfg->profile, CB_DICT)
                          ? str_or(get(cfg->profile, "control_fifo"), NULL) : NULL;
    int ctl_fd = ctl ? open(ctl, O_WRONLY | O_CLOEXEC) : -1;
    if (ctl_fd >= 0) {
        const char *ack = str_or(get(cfg->profile, "ack_fifo"), NULL);
        /* "enable cpu-clock" rather than "enable": perf 6.1's bare "disable"
         * also stops its tracking event, losing the fork/mmap records of the
         * next call children (lib/run/profile.c) */
        cx->profilers[cx->nprofilers++] = (harness_profiler){
            .begin = perf_begin, .end = perf_end, .ctl_fd = ctl_fd,
            .ack_fd = ack ? open(ack, O_RDONLY | O_CLOEXEC) : -1,
            .enable_cmd = cb_xasprintf("%s\n", str_or(get(cfg->profile, "enable"), "enable")),
            .disable_cmd = cb_xasprintf("%s\n", str_or(get(cfg->profile, "disable"), "disable")),
        };
    }
    hook_fn mem_begin = (hook_fn)dlsym(RTLD_DEFAULT, "casbench_mem_begin");
    hook_fn mem_end = (hook_fn)dlsym(RTLD_DEFAULT, "casbench_mem_end");
    if (mem_begin && mem_end) {
        cx->profilers[cx->nprofilers] = (harness_profiler){
            .begin = tracker_begin, .end = tracker_end, .report = tracker_report, .ctl_fd = -1, .ack_fd = -1,
            .mem_begin = mem_begin, .mem_end = mem_end,
            .mem_report = (report_fn)dlsym(RTLD_DEFAULT, "casbench_mem_report_json"),
        };
        cx->tracker = &cx->profilers[cx->nprofilers++];
    }
}

static void profilers_close(child_ctx *cx)
{
    for (size_t i = 0; i < cx->nprofilers; i++) {
        harness_profiler *p = &cx->profilers[i];
        if (p->ctl_fd >= 0)
            close(p->ctl_fd);
        if (p->ack_fd >= 0)
            close(p->ack_fd);
        free(p->enable_cmd);
        free(p->disable_cmd);
    }
}

/* A child that died inside the call (timeout, crash) could not send its
 * memory report; the tracker keeps its counts in a page shared with the
 * parent (tracker/memtrack.h), so read them here — if they are this child's. */
static void fetch_mem_report(const child_ctx *cx, cb_sup_result *res)
{
    if (!cx->tracker || res->pid <= 0)
        return;
    char *s = tracker_report(cx->tracker);
    if (!s)
        return;
    json_object *o = json_tokener_parse(s), *pid;
    if (o && json_object_object_get_ex(o, "pid", &pid) && json_object_get_int(pid) == res->pid) {
        cb_buf_puts(&res->text[CB_TEXT_MEM], s);
        res->has_text[CB_TEXT_MEM] = 1;
    }
    json_object_put(o);
    free(s);
}

static long self_rss_kib(void)
{
    long size = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* After setup the harness holds its own copy of the polynomials: drop the
 * dataset's values so that the process forked per call is small. */
static void drop_dataset_values(cb_value polys)
{
    for (size_t i = 0; i < cb_len(polys); i++)
        cb_dict_set(polys, cb_retain(cb_dict_key(polys, i)), cb_none());
    malloc_trim(0);
}

static bool is_perturbed(const cb_config *cfg, const plan_call *c)
{
    cb_value p = cfg->perturb;
    return cb_is(p, CB_TUPLE) && cb_len(p) == 2 && cb_is(cb_item(p, 0), CB_STR) &&
           !strcmp(cb_str_data(cb_item(p, 0)), c->function) && cb_equal(cb_item(p, 1), c->args);
}

/* A call decided without forking: unsupported, or an argument problem. */
static void record_unforked(const plan_call *c, cb_sup_result *res)
{
    cb_sup_result_reset(res);
    res->status = c->pre;
    cb_buf_puts(&res->error, c->pre_error);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    res->started = (double)now.tv_sec + now.tv_nsec / 1e9;
}

/* The record's `call` of the i-th entry: its position in the run's whole run
 * list, which the engine sends as `call_numbers` (a resumed runner is given
 * only the calls still missing); i itself without it. */
static int call_number(const cb_config *cfg, size_t i)
{
    cb_value nums = get(cfg->raw, "call_numbers");
    if (cb_is(nums, CB_LIST) && i < cb_len(nums) && cb_is(cb_item(nums, i), CB_INT) &&
        cb_int_fits_i64(cb_item(nums, i)))
        return (int)cb_int_get_i64(cb_item(nums, i));
    return (int)i;
}

/* The loop of docs/design.md §5.1: one forked child per run-list entry, in ORDER. */
static void run_calls(const cb_harness_ops *ops, const cb_config *cfg, const plan_call *calls,
                      const size_t *order, size_t ncalls, recorder *rec, const char *prog)
{
    child_ctx cx = {.ops = ops, .cfg = cfg};
    profilers_open(cfg, &cx);
    cb_sup_limits lim = {cfg->timeout, cfg->grace};
    cb_sup_result res = {0};
    size_t nok = 0;
    int64_t start = cb_now_ns();
    for (size_t n = 0; n < ncalls; n++) {
        size_t i = order[n];
        const plan_call *c = &calls[i];
        if (c->pre != CB_CALL_OK) {
            record_unforked(c, &res);
        } else {
            cx.call = (cb_call){.function = c->function, .fn = c->fn, .nargs = c->nargs,
                                .sys = c->sys, .args = c->args, .index = call_number(cfg, i), .cfg = cfg};
            cx.perturb = is_perturbed(cfg, c);
            cx.given_loops = call_item(cfg->loops, i, 0);
            cb_sup_run(&lim, child_body, &cx, &res);
            if (res.stopped_by) {
                /* a stop signal reached the call from outside (scancel
                 * signals every process of the task, one by one): the
                 * harness stops the same way, without a record, so that
                 * --resume runs the call again instead of calling it a crash */
                signal(res.stopped_by, SIG_DFL);
                raise(res.stopped_by);
            }
            if (cfg->mode == CB_MODE_MEM && !res.has_text[CB_TEXT_MEM])
                fetch_mem_report(&cx, &res);
        }

        /* the harness is a child subreaper (cb_harness_main): what a call
         * left running comes back to it; reap those that have ended */
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        nok += res.status == CB_CALL_OK;
        write_record(rec, c, call_number(cfg, i), &res);
        add_result(rec, c, &res);
    }
    cb_sup_result_free(&res);
    profilers_close(&cx);
    fprintf(stderr, "%s: %zu calls (%zu ok) in %.3f s; harness RSS %ld KiB\n", prog, ncalls, nok,
            (double)(cb_now_ns() - start) / 1e9, self_rss_kib());
}

static int run(const cb_harness_ops *ops, const char *prog, const char *config_path,
               const char *results_path)
{
    cb_err err = {{0}};
    cb_value raw;
    cb_config cfg;
    if (cb_pickle_load_file(config_path, &raw, &err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return 2;
    }
    if (decode_config(raw, ops, &cfg, &err) < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, config_path, err.msg);
        cb_release(raw);
        return 2;
    }
    int status = 0, rc;
    plan_call *calls = NULL;
    size_t ncalls = 0, *order = NULL;
    recorder rec;
    recorder_init(&rec, &cfg, &err, &rc);
    bool failed = rc < 0 || (ops->setup && ops->setup(&cfg, &err) < 0);
    if (!failed) {
        plan_calls(&cfg, ops, &calls, &ncalls);
        failed = call_sequence(&cfg, ncalls, &order, &err) < 0;
    }
    if (failed) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        status = 2;
    } else {
        drop_dataset_values(cfg.polys);
        cb_memlimit_before_calls();
        run_calls(ops, &cfg, calls, order, ncalls, &rec, prog);
        if (cb_pickle_dump_file(results_path, rec.results, &err) < 0) {
            fprintf(stderr, "%s: %s\n", prog, err.msg);
            status = 2;
        }
    }
    for (size_t i = 0; i < ncalls; i++) {
        json_object_put(calls[i].args_json);
        free(calls[i].pre_error);
    }
    free(calls);
    free(order);
    recorder_free(&rec);
    cb_release(raw);
    return status;
}

/* Every call runs in a fresh child, so with lazy binding each child would
 * look up again (ld.so's do_lookup_x, faulting in symbol tables) every
 * library function the parent never called — per-call overhead that the
 * fork floor does not have.  So resolve everything once, at start-up: re-exec
 * once with LD_BIND_NOW=1 (stdin is still unread; pid, process group and
 * parent-death signal survive execve).  If the re-exec fails, carry on. */
static void bind_now(char **argv)
{
    if (getenv("LD_BIND_NOW"))
        return;
    setenv("LD_BIND_NOW", "1", 1);
    execv("/proc/self/exe", argv);
}

static void usage(const char *prog, const cb_harness_ops *ops, FILE *f)
{
    fprintf(f,
            "usage: %s [--probe LIBRARY]\n"
            "The casbench harness for '%s' (docs/protocol.md).  Reads two lines on stdin:\n"
            "the run-config pickle's path and the results pickle's path; runs every call of\n"
            "the run list in a forked child; appends one JSON record per call to the config's\n"
            "calls_jsonl; writes the results pickle; exits 0.\n"
            "--probe LIBRARY prints the library's availability, versions and functions as JSON.\n",
            prog, ops->library);
}

int cb_harness_main(int argc, char **argv, const cb_harness_ops *ops)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(prog, ops, stdout);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--probe")) {
        cb_memlimit_start();
        return probe(ops, argv[2]);
    }
    if (argc != 1) {
        usage(prog, ops, stderr);
        return 2;
    }
    /* Die with whoever started us (casbench, or a profiler it put in
     * between): a harness orphaned by kill -9 must not keep appending. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    bind_now(argv);
    /* Orphans of the calls (an interpreter server a call child started, a
     * process a call left behind, with setsid or not) come back to the
     * harness rather than leave the runner; they end with it at the latest
     * (lib/common/bounds.h). */
    cb_become_subreaper();
    cb_memlimit_start();
    char *config_path = read_line(stdin), *results_path = read_line(stdin);
    int status;
    if (!config_path || !results_path || !*config_path || !*results_path) {
        fprintf(stderr, "%s: expected two lines on stdin: the config pickle's path and the results pickle's path\n", prog);
        status = 2;
    } else {
        status = run(ops, prog, config_path, results_path);
    }
    free(config_path);
    free(results_path);
    return status;
}
