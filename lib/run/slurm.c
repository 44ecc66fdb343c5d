/* slurm.c — the Slurm backend, run-runner, merging and collect (see
 * slurm.h and docs/slurm.md). */
#define _GNU_SOURCE
#include "run/slurm.h"
#include "common/bounds.h"
#include "data/dataset.h"
#include "common/hostinfo.h"
#include "run/libraries.h"
#include "common/paths.h"
#include "data/pickle.h"
#include "run/plan.h"
#include "common/process.h"
#include "run/profilers.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "common/util.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#define POLL_FIRST_MS 1000
#define POLL_MAX_MS 30000

/* ---------- small helpers ---------- */

static json_object *jget(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v = jget(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static json_object *jnew_str(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static double unix_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static char *tasks_path(const char *dir, int k)
{
    return cb_xasprintf("%s/slurm/tasks-%d.json", dir, k);
}

/* The number of the latest submission (0: none). */
static int latest_submission(const char *dir)
{
    int k = 0;
    for (;;) {
        char *p = tasks_path(dir, k + 1);
        bool there = access(p, F_OK) == 0;
        free(p);
        if (!there)
            return k;
        k++;
    }
}

bool cb_slurm_is_slurm_dir(const char *results_dir)
{
    return latest_submission(results_dir) > 0;
}

/* ---------- reading a submission's task table ---------- */

static bool jtype(json_object *o, const char *key, json_type t, bool or_null)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return or_null;
    return json_object_is_type(v, t);
}

/* Task I of submission PATH, checked: every field of the type casbench
 * writes, every file it names a file of DIR (cb_results_path_check), so
 * that run-runner and collect never write (or read) outside the results
 * directory, whatever the tasks file says. */
static int check_task(const char *dir, const char *path, size_t i, json_object *t, cb_err *err)
{
    static const char *const strings[] = {"runner", "library", "mode"};
    static const char *const files[] = {"config", "results", "log", "records", "status"};
    if (!json_object_is_type(t, json_type_object))
        return cb_fail(err, "%s: task %zu is not an object", path, i);
    for (size_t k = 0; k < 3; k++)
        if (!jtype(t, strings[k], json_type_string, false))
            return cb_fail(err, "%s: task %zu: \"%s\" is missing or not a string", path, i, strings[k]);
    if (!jtype(t, "calls", json_type_int, false) || json_object_get_int64(jget(t, "calls")) < 0 ||
        !jtype(t, "gc", json_type_boolean, true) || !jtype(t, "env", json_type_int, true) ||
        !jtype(t, "shard", json_type_int, true) || !jtype(t, "round", json_type_int, true) ||
        (jget(t, "round") && (json_object_get_int64(jget(t, "round")) < 0 ||
                              json_object_get_int64(jget(t, "round")) >= CB_MAX_ROUNDS)))
        return cb_fail(err, "%s: task %zu: \"calls\", \"gc\", \"env\", \"shard\" or \"round\" has the wrong type",
                       path, i);
    json_object *cmd = jget(t, "command");
    if (!cmd || !json_object_is_type(cmd, json_type_array) || !json_object_array_length(cmd))
        return cb_fail(err, "%s: task %zu: \"command\" is not a list of words", path, i);
    for (size_t w = 0; w < json_object_array_length(cmd); w++)
        if (!json_object_is_type(json_object_array_get_idx(cmd, w), json_type_string))
            return cb_fail(err, "%s: task %zu: \"command\" is not a list of words", path, i);
    for (size_t k = 0; k < 5; k++) {
        if (!jtype(t, files[k], json_type_string, false))
            return cb_fail(err, "%s: task %zu: \"%s\" is missing or not a string", path, i, files[k]);
        if (cb_results_path_check(dir, jstr(t, files[k]), err) < 0)
            return cb_fail_prefix(err, "%s: task %zu: \"%s\"", path, i, files[k]);
    }
    return 0;
}

/* slurm/tasks-K.json of DIR, read as data (cb_json_read_file) and checked
 * whole, or NULL with err naming the file and what is wrong. */
static json_object *load_submission(const char *dir, int k, cb_err *err)
{
    char *path = tasks_path(dir, k);
    json_object *sub = cb_json_read_file(path, err), *tasks = NULL;
    int rc = sub ? 0 : -1;
    if (rc == 0 && (!json_object_is_type(sub, json_type_object) || !(tasks = jget(sub, "tasks")) ||
                    !json_object_is_type(tasks, json_type_array)))
        rc = cb_fail(err, "%s: \"tasks\" is not a list", path);
    if (rc == 0 && (!jtype(sub, "job", json_type_string, true) || !jtype(sub, "tracker", json_type_string, true) ||
                    !jtype(sub, "mem_profiler", json_type_string, true) ||
                    !jtype(sub, "memory_limit", json_type_int, true)))
        rc = cb_fail(err, "%s: \"job\", \"tracker\", \"mem_profiler\" or \"memory_limit\" has the wrong type", path);
    for (size_t i = 0; rc == 0 && i < json_object_array_length(tasks); i++)
        rc = check_task(dir, path, i, json_object_array_get_idx(tasks, i), err);
    free(path);
    if (rc < 0) {
        json_object_put(sub);
        return NULL;
    }
    return sub;
}

/* Run ARGV (a Slurm client), its stdout into *OUT (may be NULL), stderr
 * into *ERRTEXT (may be NULL; trailing blanks dropped).  Returns how it
 * ended. */
static cb_spawn_status run_capture(char *const *argv, char **out, char **errtext)
{
    cb_spawn p = {.argv = argv, .in.kind = CB_IO_NULL, .out.kind = CB_IO_PIPE, .err.kind = CB_IO_PIPE};
    cb_err err;
    if (cb_spawn_run(&p, &err) < 0)
        cb_buf_puts(&p.err_buf, err.msg);
    if (out)
        *out = cb_xstrdup(cb_spawn_text(&p.out_buf));
    if (errtext) {
        char *e = cb_xstrdup(cb_spawn_text(&p.err_buf));
        size_t l = strlen(e);
        while (l && (e[l - 1] == '\n' || e[l - 1] == ' '))
            e[--l] = 0;
        *errtext = e;
    }
    cb_spawn_clear(&p);
    return p.status;
}

/* Whether squeue still lists JOB: 1 yes, 0 no, -1 squeue failed (the job
 * id unknown to it counts as gone). */
static int job_queued(const char *job, size_t *lines)
{
    char *argv[] = {"squeue", "-h", "-j", (char *)job, "-o", "%T", NULL};
    char *out = NULL, *e = NULL;
    cb_spawn_status st = run_capture(argv, &out, &e);
    int rc;
    size_t n = 0;
    if (cb_spawn_ok(&st)) {
        for (char *p = out; *p; p++)
            n += *p == '\n';
        rc = n > 0;
    } else {
        rc = e && strstr(e, "Invalid job id") ? 0 : -1;
    }
    if (lines)
        *lines = n;
    free(out);
    free(e);
    return rc;
}

static void scancel(const char *job)
{
    char *argv[] = {"scancel", (char *)job, NULL};
    run_capture(argv, NULL, NULL);
}

/* 'word' for sh. */
static void sh_quote(cb_buf *b, const char *s)
{
    cb_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            cb_buf_puts(b, "'\\''");
        else
            cb_buf_putc(b, *s);
    }
    cb_buf_putc(b, '\'');
}

/* ---------- tasks ---------- */

/* The run list's calls FROM..FROM+N (in run-list order) as a run list. */
static cb_value runlist_slice(cb_value run_list, size_t from, size_t n)
{
    cb_value out = cb_dict_new(4);
    size_t pos = 0;
    for (size_t f = 0; f < cb_len(run_list); f++) {
        cb_value entries = cb_dict_val(run_list, f);
        cb_value keep = cb_list_new(4);
        for (size_t e = 0; e < cb_len(entries); e++, pos++)
            if (pos >= from && pos < from + n)
                cb_seq_push(keep, cb_retain(cb_item(entries, e)));
        if (cb_len(keep))
            cb_dict_set(out, cb_retain(cb_dict_key(run_list, f)), keep);
        else
            cb_release(keep);
    }
    return out;
}

/* Items FROM..FROM+N of the list L (new ref). */
static cb_value list_slice(cb_value l, size_t from, size_t n)
{
    cb_value out = cb_list_new(n);
    for (size_t i = from; i < from + n && i < cb_len(l); i++)
        cb_seq_push(out, cb_retain(cb_item(l, i)));
    return out;
}

/* Write task TI's config pickle (a shard of runner R: its calls FROM..) and
 * describe it. */
static json_object *make_task(const char *dir, int k, size_t ti, cb_runner *r, cb_value slice, size_t from,
                              size_t n_calls, int shard, const cb_run_settings *s, cb_value polys, cb_err *err)
{
    char round[32] = "";
    if (r->round)   /* round 0 keeps the names of a run without rounds */
        snprintf(round, sizeof round, ".round%d", r->round);
    char *tag = shard < 0 ? cb_xasprintf("%s%s", r->spec->id, round)
                          : cb_xasprintf("%s%s.shard%d", r->spec->id, round, shard);
    cb_runner t = *r;   /* the same runner with its own run list and files */
    t.run_list = slice;
    t.call_numbers = list_slice(r->call_numbers, from, n_calls);   /* the records' `call` */
    t.call_order = cb_is(r->call_order, CB_LIST) ? list_slice(r->call_order, from, n_calls) : cb_none();
    t.loops = cb_is(r->loops, CB_LIST) ? list_slice(r->loops, from, n_calls) : cb_none();
    t.n_calls = n_calls;
    t.config_path = cb_xasprintf("%s/runners/%s.s%d.config.pickle", dir, tag, k);
    t.results_path = cb_xasprintf("%s/runners/%s.s%d.results.pickle", dir, tag, k);
    t.log_path = cb_xasprintf("%s/logs/%s.log", dir, tag);
    char *records = cb_xasprintf("%s/slurm/calls/%d.%zu.jsonl", dir, k, ti);
    cb_run_settings ts = *s;
    ts.calls_jsonl = records;
    json_object *j = NULL;
    if (cb_runner_write_config(&t, &ts, polys, err) == 0) {
        j = json_object_new_object();
        json_object_object_add(j, "runner", json_object_new_string(r->spec->id));
        json_object_object_add(j, "shard", shard < 0 ? NULL : json_object_new_int(shard));
        json_object_object_add(j, "round", json_object_new_int(r->round));
        json_object_object_add(j, "library", json_object_new_string(r->spec->lib->id));
        json_object_object_add(j, "env", r->spec->env < 0 ? NULL : json_object_new_int(r->spec->env));
        json_object_object_add(j, "gc", r->spec->gc < 0 ? NULL : json_object_new_boolean(r->spec->gc));
        json_object_object_add(j, "mode", json_object_new_string(cb_mode_name(r->spec->mode)));
        json_object_object_add(j, "calls", json_object_new_int64((int64_t)n_calls));
        json_object *argv = json_object_new_array();
        for (char **a = r->argv; *a; a++)
            json_object_array_add(argv, json_object_new_string(*a));
        json_object_object_add(j, "command", argv);
        json_object_object_add(j, "config", json_object_new_string(t.config_path));
        json_object_object_add(j, "results", json_object_new_string(t.results_path));
        json_object_object_add(j, "log", json_object_new_string(t.log_path));
        json_object_object_add(j, "records", json_object_new_string(records));
        char *st = cb_xasprintf("%s/slurm/status/%d.%zu.json", dir, k, ti);
        json_object_object_add(j, "status", json_object_new_string(st));
        free(st);
    }
    free(tag);
    cb_release(t.call_numbers);
    cb_release(t.call_order);
    cb_release(t.loops);
    free(t.config_path);
    free(t.results_path);
    free(t.log_path);
    free(records);
    return j;
}

static json_object *make_tasks(const char *dir, int k, const cb_slurm_opts *o, const cb_run_settings *s,
                               cb_value polys, cb_runner *runners, const size_t *jobs, size_t n_jobs, cb_err *err)
{
    json_object *tasks = json_object_new_array();
    for (size_t j = 0; j < n_jobs; j++) {
        cb_runner *r = &runners[jobs[j]];
        size_t per = o->shard_calls ? o->shard_calls : r->n_calls;
        int shards = (int)((r->n_calls + per - 1) / per);
        for (int sh = 0; sh < shards; sh++) {
            size_t from = (size_t)sh * per, n = r->n_calls - from < per ? r->n_calls - from : per;
            cb_value slice = runlist_slice(r->run_list, from, n);
            json_object *t = make_task(dir, k, json_object_array_length(tasks), r, slice, from, n,
                                       o->shard_calls ? sh : -1, s, polys, err);
            cb_release(slice);
            if (!t) {
                json_object_put(tasks);
                return NULL;
            }
            json_object_array_add(tasks, t);
        }
    }
    return tasks;
}

/* ---------- submission ---------- */

static int write_script(const char *path, const cb_slurm_opts *o, const char *dir, int k, cb_err *err)
{
    cb_buf b = {0};
    cb_buf_puts(&b, "#!/bin/sh\n# casbench: one array task = one runner (or shard); see docs/slurm.md\nexec ");
    sh_quote(&b, o->casbench);
    cb_buf_puts(&b, " run-runner ");
    sh_quote(&b, dir);
    cb_buf_printf(&b, " \"$SLURM_ARRAY_TASK_ID\" --submission %d\n", k);
    int rc = cb_write_file_atomic(path, b.data, b.len, err);
    cb_buf_free(&b);
    if (rc == 0 && chmod(path, 0755) < 0)
        rc = cb_fail(err, "chmod %s: %s", path, strerror(errno));
    return rc;
}

/* The sbatch command of a submission: OUTPUT the tasks' log pattern, then
 * the words of --slurm-args (the user's options win), then SCRIPT; with
 * TEST_ONLY, `--test-only` (sbatch checks everything, submits nothing).
 * NULL with err when --slurm-args cannot be split into words. */
static char **sbatch_argv(const char *slurm_args, bool test_only, size_t n_tasks, const char *output,
                          const char *script, cb_err *err)
{
    wordexp_t we = {0};
    bool have_we = false;
    if (slurm_args && *slurm_args) {
        int w = wordexp(slurm_args, &we, WRDE_NOCMD);
        if (w) {
            cb_fail(err, "--slurm-args: cannot split '%s' into words%s", slurm_args,
                    w == WRDE_CMDSUB ? " (no command substitution)" : "");
            return NULL;
        }
        have_we = true;
    }
    size_t n = 0, cap = 9 + (have_we ? we.we_wordc : 0);
    char **argv = cb_xcalloc(cap + 1, sizeof *argv);
    argv[n++] = cb_xstrdup("sbatch");
    argv[n++] = cb_xstrdup(test_only ? "--test-only" : "--parsable");
    argv[n++] = cb_xstrdup("--job-name=casbench");
    argv[n++] = cb_xasprintf("--array=0-%zu", n_tasks - 1);
    argv[n++] = cb_xasprintf("--output=%s", output);
    argv[n++] = cb_xstrdup("--open-mode=append");
    for (size_t i = 0; have_we && i < we.we_wordc; i++)   /* the user's options win */
        argv[n++] = cb_xstrdup(we.we_wordv[i]);
    argv[n++] = cb_xstrdup(script);
    if (have_we)
        wordfree(&we);
    return argv;
}

/* sbatch's failure as err: what it printed, its lines joined by "; ". */
static int sbatch_failed(const cb_spawn_status *st, const char *e, cb_err *err)
{
    if (!st->started)
        return cb_fail(err, "cannot run sbatch: %s", e && *e ? e : "?");
    if (!e || !*e)
        return cb_fail(err, "sbatch failed: %s", st->exit_code == 127 ? "not found (is Slurm installed?)" : "?");
    cb_buf b = {0};
    for (const char *p = e; *p; p++)
        *p == '\n' ? cb_buf_puts(&b, "; ") : cb_buf_putc(&b, *p);
    cb_buf_putc(&b, 0);
    cb_fail(err, "sbatch failed: %s", b.data);
    cb_buf_free(&b);
    return -1;
}



int cb_slurm_check_args(const char *slurm_args, cb_err *err)
{
    char tmpl[] = "/tmp/casbench-sbatch-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return cb_fail(err, "--slurm-args: cannot check them with sbatch --test-only: %s", strerror(errno));
    static const char script[] = "#!/bin/sh\ntrue\n";
    bool written = write(fd, script, sizeof script - 1) == (ssize_t)(sizeof script - 1);
    close(fd);
    char **argv = written ? sbatch_argv(slurm_args, true, 1, "/dev/null", tmpl, err) : NULL;
    int rc = -1;
    if (!written) {
        cb_fail(err, "--slurm-args: cannot write %s", tmpl);
    } else if (argv) {
        char *e = NULL;
        cb_spawn_status st = run_capture(argv, NULL, &e);
        rc = cb_spawn_ok(&st) ? 0 : sbatch_failed(&st, e, err);
        if (rc < 0)
            cb_fail_prefix(err, "--executor slurm: sbatch --test-only refuses the submission");
        free(e);
    }
    cb_argv_free(argv);
    unlink(tmpl);
    return rc;
}

/* sbatch the array; *job gets the job id. */
static int submit(const cb_slurm_opts *o, const char *dir, int k, size_t n_tasks, char **job, cb_err *err)
{
    char *script = cb_xasprintf("%s/slurm/submit-%d.sh", dir, k);
    char *output = cb_xasprintf("%s/logs/slurm-%d.%%a.out", dir, k);
    char **argv = write_script(script, o, dir, k, err) < 0 ? NULL
                : sbatch_argv(o->slurm_args, false, n_tasks, output, script, err);
    free(output);
    if (!argv) {
        free(script);
        return -1;
    }
    char *out = NULL, *e = NULL;
    cb_spawn_status st = run_capture(argv, &out, &e);
    int rc = 0;
    if (!cb_spawn_ok(&st)) {
        rc = sbatch_failed(&st, e, err);
    } else {
        char *semi = strchr(out, ';');    /* --parsable: JOBID[;CLUSTER] */
        if (semi)
            *semi = 0;
        out[strcspn(out, "\n")] = 0;
        if (!*out)
            rc = cb_fail(err, "sbatch printed no job id");
        else
            *job = cb_xstrdup(out);
    }
    free(out);
    free(e);
    cb_argv_free(argv);
    free(script);
    return rc;
}

static size_t count_status_files(json_object *tasks)
{
    size_t done = 0;
    for (size_t i = 0; i < json_object_array_length(tasks); i++)
        done += access(jstr(json_object_array_get_idx(tasks, i), "status"), F_OK) == 0;
    return done;
}

/* Sleep MS, or less when a signal of SET arrives: its number, else 0. */
static int sleep_or_signal(const sigset_t *set, int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig > 0 ? sig : 0;
}

/* Ask squeue until the job has left the queue.  Returns 0, or the signal
 * that stopped the wait (the job is then cancelled). */
static int wait_job(const char *job, json_object *tasks, FILE *log)
{
    sigset_t set = cb_stop_signals();
    int ms = POLL_FIRST_MS, failures = 0, signo = 0;
    size_t n_tasks = json_object_array_length(tasks), last_done = (size_t)-1;
    for (;;) {
        size_t listed = 0;
        int q = job_queued(job, &listed);
        if (q == 0)
            break;
        if (q < 0 && ++failures >= 5)   /* the controller is gone: stop asking */
            break;
        if (q > 0)
            failures = 0;
        size_t done = count_status_files(tasks);
        if (log && done != last_done) {
            fprintf(log, "casbench: slurm job %s: %zu of %zu tasks finished\n", job, done, n_tasks);
            fflush(log);
            last_done = done;
        }
        if ((signo = sleep_or_signal(&set, ms))) {
            if (log)
                fprintf(log, "casbench: %s: cancelling slurm job %s\n", strsignal(signo), job);
            scancel(job);
            for (int i = 0; i < 60 && job_queued(job, NULL) > 0; i++)   /* until it has stopped */
                sleep_or_signal(&set, 500);
            return signo;
        }
        /* every task has reported: the job leaves the queue in a moment */
        ms = done == n_tasks ? 250 : ms * 3 / 2 > POLL_MAX_MS ? POLL_MAX_MS : ms * 3 / 2;
    }
    return 0;
}

/* After the wait: each runner's records and how its tasks ended. */
static void runner_outcomes(json_object *tasks, cb_runner *runners, const size_t *jobs, size_t n_jobs)
{
    for (size_t j = 0; j < n_jobs; j++) {
        cb_runner *r = &runners[jobs[j]];
        r->state = CB_RUNNER_DONE;
        r->wstatus = 0;
        r->done = 0;
        for (size_t i = 0; i < json_object_array_length(tasks); i++) {
            json_object *t = json_object_array_get_idx(tasks, i), *round = jget(t, "round");
            if (strcmp(jstr(t, "runner"), r->spec->id) || (round ? json_object_get_int(round) : 0) != r->round)
                continue;   /* another runner's task, or another round's */
            cb_calls c;
            cb_err e;
            if (cb_calls_read(jstr(t, "records"), &c, &e) == 0) {
                r->done += c.n;
                for (size_t n = 0; n < c.n; n++)
                    if (c.recs[n].status && !strcmp(c.recs[n].status, "timeout"))
                        r->timeouts++;
                    else if (c.recs[n].status && strcmp(c.recs[n].status, "ok") && strcmp(c.recs[n].status, "unsupported"))
                        r->failures++;
                cb_calls_free(&c);
            }
            cb_err ignored;   /* no status file: the task never reported */
            json_object *st = cb_json_read_file(jstr(t, "status"), &ignored);
            json_object *ex = jget(st, "exit");
            if (!st)
                r->wstatus = SIGKILL;              /* never reported back: cancelled or lost */
            else if (!ex || !json_object_is_type(ex, json_type_int))
                r->wstatus = SIGTERM;              /* the harness was killed */
            else if (json_object_get_int(ex) && !r->wstatus)
                r->wstatus = (json_object_get_int(ex) & 0xff) << 8;
            json_object_put(st);
        }
    }
}

int cb_slurm_execute(void *ctx, const cb_run_settings *s, cb_value polys, cb_runner *runners, const size_t *jobs,
                     size_t n_jobs, bool *pending, cb_err *err)
{
    const cb_slurm_opts *o = ctx;
    char dir[PATH_MAX];   /* absolute: the tasks run elsewhere */
    if (!realpath(s->results_dir, dir))
        return cb_fail(err, "%s: %s", s->results_dir, strerror(errno));
    *pending = false;
    static const char *const subs[] = {"slurm", "slurm/calls", "slurm/status"};
    for (size_t i = 0; i < 3; i++) {
        char *d = cb_xasprintf("%s/%s", dir, subs[i]);
        int rc = cb_mkdir_p(d, err);
        free(d);
        if (rc < 0)
            return -1;
    }
    /* what collect needs to rebuild results.pickle without the dataset */
    char *pp = cb_xasprintf("%s/slurm/polys.pickle", dir), *rp = cb_xasprintf("%s/slurm/run_list.pickle", dir);
    int rc = cb_pickle_dump_file(pp, polys, err);
    if (rc == 0)
        rc = cb_pickle_dump_file(rp, o->run_list, err);
    free(pp);
    free(rp);
    if (rc < 0)
        return -1;
    if (!n_jobs)
        return 0;
    int k = latest_submission(dir) + 1;
    json_object *tasks = make_tasks(dir, k, o, s, polys, runners, jobs, n_jobs, err);
    if (!tasks)
        return -1;
    json_object *sub = json_object_new_object();
    json_object_object_add(sub, "submission", json_object_new_int(k));
    json_object_object_add(sub, "job", NULL);
    json_object_object_add(sub, "submitted_unix", json_object_new_double(unix_now()));
    json_object_object_add(sub, "tracker", jnew_str(s->tracker));
    json_object_object_add(sub, "mem_profiler", jnew_str(s->mem_profiler));
    json_object_object_add(sub, "memory_limit", s->memory_limit ? json_object_new_int64((int64_t)s->memory_limit) : NULL);
    json_object_object_add(sub, "slurm_args", jnew_str(o->slurm_args));
    json_object_object_add(sub, "tasks", tasks);
    char *path = tasks_path(dir, k), *job = NULL;
    rc = cb_json_write_file(path, sub, err);   /* before sbatch: a task may start at once */
    if (rc == 0)
        rc = submit(o, dir, k, json_object_array_length(tasks), &job, err);
    if (rc == 0) {
        json_object_object_add(sub, "job", json_object_new_string(job));
        rc = cb_json_write_file(path, sub, err);
    }
    if (rc == 0 && o->log)
        fprintf(o->log, "casbench: submitted slurm job %s: %zu tasks (%s)\n", job, json_object_array_length(tasks),
                path);
    int signo = 0;
    if (rc == 0 && o->no_wait) {
        *pending = true;
        for (size_t j = 0; j < n_jobs; j++)
            runners[jobs[j]].state = CB_RUNNER_RUNNING;
    } else if (rc == 0) {
        signo = wait_job(job, tasks, o->log);
        size_t merged;
        rc = cb_slurm_merge(dir, &merged, err);
        runner_outcomes(tasks, runners, jobs, n_jobs);
    } else {
        /* not submitted: a failed submission must not look like a submission */
        unlink(path);
    }
    free(path);
    free(job);
    json_object_put(sub);
    return rc < 0 ? -1 : signo;
}

/* ---------- run-runner ---------- */

static int write_status(const char *path, int wstatus, bool stopped, double started, cb_err *err)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "exit", WIFEXITED(wstatus) ? json_object_new_int(WEXITSTATUS(wstatus)) : NULL);
    json_object_object_add(j, "signal", WIFSIGNALED(wstatus) ? json_object_new_string(strsignal(WTERMSIG(wstatus))) : NULL);
    json_object_object_add(j, "stopped", json_object_new_boolean(stopped));
    json_object_object_add(j, "node", jnew_str(getenv("SLURMD_NODENAME")));
    const char *aj = getenv("SLURM_ARRAY_JOB_ID"), *at = getenv("SLURM_ARRAY_TASK_ID");
    char *job = aj && at ? cb_xasprintf("%s_%s", aj, at) : NULL;
    json_object_object_add(j, "job", jnew_str(job));
    free(job);
    json_object *host = cb_hostinfo();
    json_object_object_add(j, "host", json_object_get(jget(host, "hostname")));
    json_object_object_add(j, "cpu_model", json_object_get(jget(host, "cpu_model")));
    json_object_put(host);
    json_object_object_add(j, "started", json_object_new_double(started));
    json_object_object_add(j, "ended", json_object_new_double(unix_now()));
    int rc = cb_json_write_file(path, j, err);
    json_object_put(j);
    return rc;
}

/* A checked task (load_submission) as a runner. */
static int task_runner(json_object *task, cb_runner_spec *spec, cb_runner *r, cb_err *err)
{
    const char *lib_id = jstr(task, "library"), *mode = jstr(task, "mode");
    json_object *cmd = jget(task, "command");
    if (!(spec->lib = cb_library_find(lib_id)))
        return cb_fail(err, "unknown library '%s'", lib_id);
    spec->id = (char *)jstr(task, "runner");
    json_object *gc = jget(task, "gc"), *env = jget(task, "env");
    spec->gc = gc ? json_object_get_boolean(gc) : -1;
    spec->env = env ? json_object_get_int(env) : -1;
    spec->mode = !strcmp(mode, "cpu") ? CB_MODE_CPU : !strcmp(mode, "mem") ? CB_MODE_MEM
               : !strcmp(mode, "verify") ? CB_MODE_VERIFY : CB_MODE_BENCHMARK;
    size_t n = json_object_array_length(cmd);
    r->spec = spec;
    r->argv = cb_xcalloc(n + 1, sizeof *r->argv);
    for (size_t i = 0; i < n; i++)
        r->argv[i] = cb_xstrdup(json_object_get_string(json_object_array_get_idx(cmd, i)));
    r->config_path = cb_xstrdup(jstr(task, "config"));
    r->results_path = cb_xstrdup(jstr(task, "results"));
    r->log_path = cb_xstrdup(jstr(task, "log"));
    r->n_calls = (size_t)json_object_get_int64(jget(task, "calls"));
    r->round = jget(task, "round") ? json_object_get_int(jget(task, "round")) : 0;   /* checked (check_task) */
    r->cpu = -1;
    r->available = true;
    return 0;
}

/* The signals a task waits for: its harness ending, and SIGINT/SIGTERM/
 * SIGHUP (scancel, the node going down), which it passes on. */
static void task_signals(sigset_t *set)
{
    *set = cb_stop_signals();
    sigaddset(set, SIGCHLD);
}

/* Wait for the harness; the stop signals are passed on to its process
 * group. */
static int wait_harness(pid_t pid, bool *stopped)
{
    sigset_t set;
    task_signals(&set);
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            kill(-pid, SIGKILL);   /* whatever it left behind */
            return st;
        }
        if (w < 0 && errno != EINTR)
            return -1;
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            *stopped = true;
            kill(-pid, SIGTERM);
        }
    }
}

int cb_slurm_run_task(const char *results_dir, int submission, long index, int *exit_status, cb_err *err)
{
    *exit_status = 1;
    int k = submission > 0 ? submission : latest_submission(results_dir);
    if (k <= 0)
        return cb_fail(err, "%s has no Slurm submission (no slurm/tasks-1.json)", results_dir);
    json_object *sub = load_submission(results_dir, k, err);
    if (!sub)
        return -1;
    json_object *tasks = jget(sub, "tasks");
    if (index < 0 || (size_t)index >= json_object_array_length(tasks)) {
        cb_fail(err, "%s/slurm/tasks-%d.json has no task %ld", results_dir, k, index);
        json_object_put(sub);
        return -1;
    }
    json_object *task = json_object_array_get_idx(tasks, (size_t)index);
    cb_runner_spec spec = {0};
    cb_runner r = {0};
    int rc = task_runner(task, &spec, &r, err);
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    /* the tracker preloaded into the harness is this casbench's own, never
     * a path the tasks file names (a results directory is data) */
    char *tracker = jstr(sub, "tracker") ? cb_tracker_path(NULL) : NULL;
    const char *mem_profiler = jstr(sub, "mem_profiler");
    if (mem_profiler && !cb_profiler_find(CB_MODE_MEM, mem_profiler))
        rc = cb_fail(err, "%s/slurm/tasks-%d.json: unknown mem_profiler '%s'", results_dir, k, mem_profiler);
    json_object *limit = jget(sub, "memory_limit");
    cb_run_settings s = {
        .results_dir = results_dir, .calls_jsonl = jstr(task, "records"), .tracker = tracker,
        .mem_profiler = mem_profiler, .hostname = host,
        .memory_limit = limit && json_object_get_int64(limit) > 0 ? (uint64_t)json_object_get_int64(limit) : 0,
    };
    cb_become_subreaper();   /* what the harness leaves behind comes back here (lib/common/bounds.h) */
    sigset_t set;
    task_signals(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);   /* the harness child unblocks them */
    signal(SIGPIPE, SIG_IGN);
    double started = unix_now();
    pid_t pid = rc == 0 ? cb_runner_start(&r, &s, -1, err) : -1;
    if (pid > 0) {
        bool stopped = false;
        int st = wait_harness(pid, &stopped);
        *exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
        cb_sweep_strays(NULL, 0);
        rc = write_status(jstr(task, "status"), st, stopped, started, err);
    } else {
        rc = -1;
    }
    free(tracker);
    cb_runner_free(&r);
    json_object_put(sub);
    return rc;
}

/* ---------- merging ---------- */

static int append_all(const char *path, const cb_buf *b, cb_err *err)
{
    if (!b->len)
        return 0;
    int fd = cb_open_append(path, err);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return cb_fail(err, "writing %s: %s", path, strerror(errno));
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0 && errno != EINVAL) {
        close(fd);
        return cb_fail(err, "fsync %s: %s", path, strerror(errno));
    }
    close(fd);
    return 0;
}

/* Task T's records not yet in SEEN, onto OUT (with where they ran). */
static void merge_task(json_object *t, cb_strset *seen, cb_buf *out, size_t *merged)
{
    cb_calls c;
    cb_err e;
    if (cb_calls_read(jstr(t, "records"), &c, &e) < 0)
        return;
    json_object *st = cb_json_read_file(jstr(t, "status"), &e);   /* NULL: not reported */
    for (size_t i = 0; i < c.n; i++) {
        if (!c.recs[i].key || !cb_strset_add(seen, c.recs[i].key))
            continue;
        json_object *rec = c.recs[i].obj;
        json_object_object_add(rec, "node", json_object_get(jget(st, "node")));
        json_object_object_add(rec, "slurm_job", json_object_get(jget(st, "job")));
        json_object_object_add(rec, "cpu_model", json_object_get(jget(st, "cpu_model")));
        cb_record_line(rec, out);
        (*merged)++;
    }
    json_object_put(st);
    cb_calls_free(&c);
}

int cb_slurm_merge(const char *results_dir, size_t *merged, cb_err *err)
{
    *merged = 0;
    char *calls_path = cb_xasprintf("%s/calls.jsonl", results_dir);
    cb_calls calls;
    if (cb_calls_read(calls_path, &calls, err) < 0) {
        free(calls_path);
        return -1;
    }
    int rc = calls.torn_tail ? cb_calls_truncate(calls_path, calls.valid_len, err) : 0;
    cb_strset seen = {0};
    for (size_t i = 0; i < calls.n; i++)
        if (calls.recs[i].key)
            cb_strset_add(&seen, calls.recs[i].key);
    cb_calls_free(&calls);
    cb_buf out = {0};
    int last = latest_submission(results_dir);
    for (int k = 1; rc == 0 && k <= last; k++) {
        json_object *sub = load_submission(results_dir, k, err), *tasks = jget(sub, "tasks");
        if (!sub)
            rc = -1;
        for (size_t i = 0; tasks && i < json_object_array_length(tasks); i++)
            merge_task(json_object_array_get_idx(tasks, i), &seen, &out, merged);
        json_object_put(sub);
    }
    if (rc == 0)
        rc = append_all(calls_path, &out, err);
    cb_buf_free(&out);
    cb_strset_free(&seen);
    free(calls_path);
    return rc;
}

/* The job id of DIR's latest submission (NULL: none, or not submitted);
 * *sub holds it (free it); -1 in *rc with err when the tasks file is bad. */
static const char *latest_job(const char *dir, json_object **sub, int *rc, cb_err *err)
{
    *sub = load_submission(dir, latest_submission(dir), err);
    *rc = *sub ? 0 : -1;
    return jstr(*sub, "job");
}

int cb_slurm_prepare_resume(const char *results_dir, cb_err *err)
{
    json_object *sub;
    int rc;
    const char *job = latest_job(results_dir, &sub, &rc, err);
    if (rc == 0 && job && job_queued(job, NULL) > 0)
        rc = cb_fail(err, "--resume: slurm job %s of %s is still queued or running; wait for it (or scancel %s)",
                     job, results_dir, job);
    json_object_put(sub);
    size_t merged;
    return rc < 0 ? -1 : cb_slurm_merge(results_dir, &merged, err);
}

/* ---------- collect ---------- */

static int lock_dir(const char *dir, int *fd, cb_err *err)
{
    char *path = cb_xasprintf("%s/run.lock", dir);
    *fd = cb_open_append(path, err);
    free(path);
    if (*fd < 0)
        return -1;
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        close(*fd);
        *fd = -1;
        return cb_fail(err, "%s is in use by a casbench run (run.lock is held); it collects when its job ends", dir);
    }
    return 0;
}

/* The runners results.pickle lists (run.json's, not dropped). */
static cb_runner_info *infos_of(json_object *run, const char *path, size_t *n, int **rounds, cb_err *err)
{
    json_object *runners = jget(run, "runners");
    if (!runners || !json_object_is_type(runners, json_type_array)) {
        cb_fail(err, "%s: \"runners\" is not a list", path);
        return NULL;
    }
    size_t len = json_object_array_length(runners);
    cb_runner_info *infos = cb_xcalloc(len ? len : 1, sizeof *infos);
    *rounds = cb_xcalloc(len ? len : 1, sizeof **rounds);
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        json_object *r = json_object_array_get_idx(runners, i), *gc = jget(r, "gc");
        if (!json_object_is_type(r, json_type_object) || !jstr(r, "id") || !jstr(r, "library") || !jstr(r, "mode") ||
            !jstr(r, "group") || (strcmp(jstr(r, "group"), "python") && strcmp(jstr(r, "group"), "external")) ||
            !jtype(r, "flags", json_type_string, true) || !jtype(r, "venv", json_type_string, true) ||
            !jtype(r, "gc", json_type_boolean, true) || !jtype(r, "dropped", json_type_boolean, true)) {
            cb_fail(err, "%s: runners[%zu] is not a runner as casbench writes it", path, i);
            free(infos);
            free(*rounds);
            return NULL;
        }
        json_object *rl = jget(r, "rounds");   /* one entry per round (run.c); none: one round */
        size_t nr = rl && json_object_is_type(rl, json_type_array) ? json_object_array_length(rl) : 1;
        if (nr < 1 || nr > CB_MAX_ROUNDS) {
            cb_fail(err, "%s: runners[%zu] has %zu rounds (1 to %d)", path, i, nr, CB_MAX_ROUNDS);
            free(infos);
            free(*rounds);
            return NULL;
        }
        if (json_object_get_boolean(jget(r, "dropped")))
            continue;
        (*rounds)[*n] = (int)nr;
        infos[(*n)++] = (cb_runner_info){
            .id = jstr(r, "id"), .library = jstr(r, "library"), .group = jstr(r, "group"),
            .flags = jstr(r, "flags"), .gc = gc ? json_object_get_boolean(gc) : -1,
            .type = jstr(r, "mode"), .venv = jstr(r, "venv"),
        };
    }
    return infos;
}

static size_t count_missing(const cb_calls *calls, const cb_runner_info *infos, const int *rounds, size_t n_infos,
                            cb_value run_list, size_t *expected)
{
    cb_strset have = {0};
    for (size_t i = 0; i < calls->n; i++)
        if (calls->recs[i].key)
            cb_strset_add(&have, calls->recs[i].key);
    size_t missing = 0;
    *expected = 0;
    for (size_t r = 0; r < n_infos; r++)
        for (int round = 0; round < rounds[r]; round++)
            for (size_t f = 0; f < cb_len(run_list); f++) {
                cb_value entries = cb_dict_val(run_list, f);
                for (size_t e = 0; e < cb_len(entries); e++) {
                    char *key = cb_call_key_entry(infos[r].id, cb_str_data(cb_dict_key(run_list, f)),
                                                  cb_item(entries, e), round);
                    missing += !cb_strset_has(&have, key);
                    (*expected)++;
                    free(key);
                }
            }
    cb_strset_free(&have);
    return missing;
}

static int collect_locked(const char *dir, cb_collect_result *res, cb_err *err)
{
    if (cb_slurm_merge(dir, &res->merged, err) < 0)
        return -1;
    char *rj = cb_xasprintf("%s/run.json", dir), *cj = cb_xasprintf("%s/calls.jsonl", dir);
    char *pp = cb_xasprintf("%s/slurm/polys.pickle", dir), *rp = cb_xasprintf("%s/slurm/run_list.pickle", dir);
    char *out = cb_xasprintf("%s/results.pickle", dir);
    json_object *run = cb_json_read_file(rj, err), *sub = NULL;
    cb_value polys = cb_none(), run_list = cb_none();   /* replaced by the loads */
    cb_calls calls = {0};
    cb_runner_info *infos = NULL;
    int *rounds = NULL;
    size_t n_infos = 0;
    int rc = -1;
    if (!run)
        goto out;
    if (!json_object_is_type(run, json_type_object)) {
        cb_fail(err, "%s: not a JSON object", rj);
        goto out;
    }
    /* the dataset as collect reads it back: validated as any dataset */
    if (cb_dataset_load(pp, &polys, err) < 0 || cb_runlist_load(rp, polys, &run_list, err) < 0)
        goto out;
    if (cb_calls_read(cj, &calls, err) < 0)
        goto out;
    if (!(infos = infos_of(run, rj, &n_infos, &rounds, err)))
        goto out;
    res->recorded = calls.n;
    res->missing = count_missing(&calls, infos, rounds, n_infos, run_list, &res->expected);
    int jrc;
    const char *job = latest_job(dir, &sub, &jrc, err);
    if (jrc < 0)
        goto out;
    res->queued = job && job_queued(job, NULL) > 0;
    if (cb_results_write_pickle(out, &calls, infos, n_infos, polys, err) < 0)
        goto out;
    json_object_object_add(run, "status", json_object_new_string(res->queued ? "running"
                                                                   : res->missing ? "incomplete" : "complete"));
    json_object_object_add(run, "collected_unix", json_object_new_double(unix_now()));
    json_object_object_add(run, "calls_missing", json_object_new_int64((int64_t)res->missing));
    if (!res->queued && !jget(run, "ended_unix"))
        json_object_object_add(run, "ended_unix", json_object_new_double(unix_now()));
    rc = cb_json_write_file(rj, run, err);
out:
    json_object_put(run);
    json_object_put(sub);
    cb_release(polys);
    cb_release(run_list);
    cb_calls_free(&calls);
    free(infos);
    free(rounds);
    free(rj);
    free(cj);
    free(pp);
    free(rp);
    free(out);
    return rc;
}

int cb_slurm_collect(const char *results_dir, cb_collect_result *res, cb_err *err)
{
    memset(res, 0, sizeof *res);
    if (!cb_slurm_is_slurm_dir(results_dir))
        return cb_fail(err, "%s is not a results directory of a Slurm run (no slurm/tasks-1.json)", results_dir);
    int fd;
    if (lock_dir(results_dir, &fd, err) < 0)
        return -1;
    int rc = collect_locked(results_dir, res, err);
    close(fd);
    return rc;
}
