/* report_read.c — reads a results directory into the report's model
 * (cb_results, report.h): the records of calls.jsonl (casbench's runs,
 * through lib/run/record.h's one reader) or, for runs of the original tool,
 * records rebuilt from results.pickle (lib/run/results_pickle.h); run.json;
 * then the records of
 * a call's rounds merged into one call, in run-list order, and the labels
 * that tell a library's environments apart.  Everything else in
 * lib/report*.c works on what this file builds (report_model.h). */
#define _GNU_SOURCE   /* qsort_r */
#include "report/report_model.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "report/stats.h"

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

static void add_warning(void *results, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(void *results, const char *fmt, ...)
{
    cb_results *res = results;
    cb_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    res->warnings = cb_xrealloc(res->warnings, (res->nwarnings + 1) * sizeof *res->warnings);
    res->warnings[res->nwarnings++] = cb_buf_take(&b);
}

/* The records of calls.jsonl (lib/run/record.h: its one reader, its one rule
 * for a torn last line) or of a results.pickle (lib/run/results_pickle.h),
 * taken over into RES; what was skipped becomes a warning.  A record needs
 * a library and a status to be shown. */
static int load_records(cb_results *res, const char *path, bool pickle, cb_err *err)
{
    cb_calls c;
    if ((pickle ? cb_results_pickle_read(path, &c, add_warning, res, err) : cb_calls_read(path, &c, err)) < 0)
        return -1;
    for (size_t i = 0; i < c.bad_lines; i++)
        add_warning(res, "%s line %zu: not a call record, skipped", path, c.bad_linenos[i]);
    if (c.torn_tail)
        add_warning(res, "%s: its last line is unfinished (a writer stopped in the middle of it), skipped", path);
    res->recs = cb_xmalloc((c.n ? c.n : 1) * sizeof *res->recs);
    for (size_t i = 0; i < c.n; i++) {
        if (!c.recs[i].library || !c.recs[i].status) {
            add_warning(res, "%s: record %zu without library or status, skipped", res->source, i + 1);
            cb_record_free(&c.recs[i]);
            continue;
        }
        res->recs[res->n] = c.recs[i];
        res->recs[res->n].seq = res->n;
        res->n++;
    }
    c.n = 0;   /* the records are RES's now */
    cb_calls_free(&c);
    return 0;
}

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
 * backend): then each host's timings get their own column. */
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
        rc = load_records(out, jsonl, false, err);
    } else if (stat(pkl, &st) == 0) {
        out->source = "results.pickle";
        rc = load_records(out, pkl, true, err);
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
        cb_record_free(&r->recs[i]);
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
            cb_record_free(&recs[refs[idx[keep - 1]].index]);
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
    }
    out->status = worst->status;
    out->error = worst->error;
    out->cold_time = ncold ? cb_stats_median(colds, ncold) : NAN;
    for (size_t k = 0; k < keep; k++) {
        cb_record *q = &recs[refs[idx[k]].index];
        if (q != last) {   /* its obj now belongs to out->round_objs */
            q->obj = NULL;
            cb_record_free(q);
        }
    }
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
