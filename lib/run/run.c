/* run.c — one `casbench run` from plan to results directory (see run.h). */
#define _GNU_SOURCE
#include "run/run.h"
#include "common/format.h"
#include "common/bounds.h"
#include "data/pickle.h"
#include "common/hostinfo.h"
#include "common/paths.h"
#include "common/process.h"
#include "run/pool.h"
#include "run/profilers.h"
#include "run/progress.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "run/runner.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CASBENCH_VERSION
#define CASBENCH_VERSION "0.1.0"
#endif

typedef struct {
    const cb_run_opts *o;
    cb_plan plan;
    cb_probe_job *probes;
    char **probe_argv_owned;   /* argv per probe (owned here; runners copy) */
    cb_runner *runners;        /* one per runner and round, a runner's rounds in a row */
    size_t n_runners;
    size_t *jobs;              /* runner index per pool job (rounds interleaved) */
    size_t n_jobs;
    cb_run_settings settings;
    char *dir, *calls_path, *tracker, *harness_dir, hostname[256];
    cb_progress progress;
    cb_calls_tail tail;
    int inotify_fd;
    int lock_fd;               /* flock on DIR/run.lock while this run owns DIR */
    bool stopping;
    json_object *run_json;
    json_object *identity;     /* what a --resume must match (run_identity) */
    json_object *earlier;      /* what earlier rounds recorded per call (note_outcome) */
} run_state;

/* Beyond the limits that cover them, what a harness may take before its
 * first record (its start-up is covered by --startup-timeout, the call by
 * --timeout and the grace), and between two records (writing a record, a
 * memory profiler reading its capture, starting the next child), before
 * the engine considers it stuck (docs/run.md, "Limits"). */

static double unix_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static json_object *iso_now(void)
{
    char buf[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
    return json_object_new_string(buf);
}

static char **argv_copy(char **argv)
{
    size_t n = 0;
    while (argv[n])
        n++;
    char **c = cb_xcalloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = cb_xstrdup(argv[i]);
    return c;
}

/* ---------- probes ---------- */

/* Returns 0, or the signal that stopped the probes. */
static int probe_libraries(run_state *s)
{
    const cb_run_opts *o = s->o;
    s->probes = cb_xcalloc(s->plan.n_probes ? s->plan.n_probes : 1, sizeof *s->probes);
    for (size_t i = 0; i < s->plan.n_probes; i++) {
        const cb_probe_key *k = &s->plan.probes[i];
        s->probes[i].lib = k->lib;
        s->probes[i].argv = cb_library_argv(k->lib, k->env >= 0 ? &o->envs[k->env] : NULL, o->python_flags,
                                            s->harness_dir);
    }
    int signo = cb_probe_all(s->probes, s->plan.n_probes, o->startup_timeout, o->memory_limit);
    cb_sweep_strays(NULL, 0);   /* what a probe left behind came back to us */
    return signo;
}

/* ---------- runners ---------- */

/* The entries of RUN_LIST that RUNNER has no record for in ROUND (new
 * ref), and in *numbers (new ref) the position of each in the whole run
 * list: the records' `call`, which must not restart from 0 in a resumed
 * run. */
static cb_value remaining_calls(cb_value run_list, const char *runner, int round, const cb_strset *done, size_t *n,
                                cb_value *numbers)
{
    cb_value out = cb_dict_new(cb_len(run_list));
    *numbers = cb_list_new(8);
    *n = 0;
    long position = 0;
    for (size_t f = 0; f < cb_len(run_list); f++) {
        cb_value name = cb_dict_key(run_list, f), entries = cb_dict_val(run_list, f);
        cb_value keep = cb_list_new(cb_len(entries));
        for (size_t e = 0; e < cb_len(entries); e++, position++) {
            cb_value args = cb_item(entries, e);
            char *key = cb_call_key_entry(runner, cb_str_data(name), args, round);
            if (!cb_strset_has(done, key)) {
                cb_seq_push(keep, cb_retain(args));
                cb_seq_push(*numbers, cb_int(position));
                (*n)++;
            }
            free(key);
        }
        if (cb_len(keep))
            cb_dict_set(out, cb_retain(name), keep);
        else
            cb_release(keep);
    }
    return out;
}

/* One runner per plan runner and round (measure.h: benchmark runners run
 * --rounds rounds, the others one), a runner's rounds next to each other. */
static void make_runners(run_state *s, const cb_strset *done)
{
    const cb_run_opts *o = s->o;
    size_t total = 0;
    for (size_t i = 0; i < s->plan.n_runners; i++)
        total += (size_t)cb_measure_rounds(&o->measure, s->plan.runners[i].mode);
    s->runners = cb_xcalloc(total ? total : 1, sizeof *s->runners);
    for (size_t i = 0; i < s->plan.n_runners; i++) {
        const cb_runner_spec *sp = &s->plan.runners[i];
        for (int round = 0; round < cb_measure_rounds(&o->measure, sp->mode); round++) {
            cb_runner *r = &s->runners[s->n_runners++];
            const cb_probe *pr = &s->probes[sp->probe].result;
            r->spec = sp;
            r->round = round;
            r->argv = argv_copy(s->probes[sp->probe].argv);
            if (sp->env >= 0)
                r->env_label = o->envs[sp->env].label;
            else if (sp->lib->interpreter)
                r->env_label = cb_library_interpreter(sp->lib);   /* "sage" or its fallback */
            else if (!strcmp(sp->lib->id, "singular") && o->singular_ring && !strcmp(o->singular_ring, "rational"))
                r->env_label = "QQ";   /* its results are not those of ring integer: keep them apart */
            r->available = pr->available;
            r->reason = pr->reason;
            const cb_profiler *pf = cb_profiler_of(&s->settings, sp->mode);
            const char *no_profiler;
            if (r->available && pf && pf->unavailable && (no_profiler = pf->unavailable(r, &s->settings))) {
                r->available = false;
                r->reason = no_profiler;
            }
            r->dropped = !r->available && o->only_available;
            r->run_list = remaining_calls(o->run_list, sp->id, round, done, &r->n_calls, &r->call_numbers);
            /* round 0 keeps the file names of a run without rounds */
            char *tag = round ? cb_xasprintf("%s.round%d", sp->id, round) : cb_xstrdup(sp->id);
            r->config_path = cb_xasprintf("%s/runners/%s.config.pickle", s->dir, tag);
            r->results_path = cb_xasprintf("%s/runners/%s.results.pickle", s->dir, tag);
            r->log_path = cb_xasprintf("%s/logs/%s.log", s->dir, sp->id);   /* the rounds append to one log */
            free(tag);
            r->cpu = -1;
            r->state = CB_RUNNER_PENDING;
        }
    }
}

/* ---------- what earlier rounds said ---------- */

/* Per call of a benchmark runner, "RUNNER\x1fCALL" -> [the loop count of
 * its first round that finished (0: none yet), the first round in which
 * it timed out (-1: none)]: later rounds time the same loop count instead
 * of calibrating again, and do not run a call that timed out
 * (docs/measurement.md, "Rounds").  Fed with every record: those of a
 * resumed directory and those that arrive. */
static char *outcome_key(const char *runner, int64_t call)
{
    return cb_xasprintf("%s\x1f%lld", runner, (long long)call);
}

static void note_outcome(run_state *s, const cb_record *rec)
{
    json_object *v;
    if (strcmp(rec->mode, "benchmark") || !json_object_object_get_ex(rec->obj, "call", &v) ||
        !json_object_is_type(v, json_type_int))
        return;
    char *key = outcome_key(rec->runner, json_object_get_int64(v));
    json_object *o;
    if (!json_object_object_get_ex(s->earlier, key, &o)) {
        o = json_object_new_array();
        json_object_array_add(o, json_object_new_int64(0));
        json_object_array_add(o, json_object_new_int(-1));
        json_object_object_add(s->earlier, key, o);
    }
    free(key);
    const char *status = rec->status ? rec->status : "";
    int64_t loops = json_object_object_get_ex(rec->obj, "loops", &v) && json_object_is_type(v, json_type_int)
                        ? json_object_get_int64(v) : 0;
    if (!strcmp(status, "ok") && loops > 0 && json_object_get_int64(json_object_array_get_idx(o, 0)) == 0)
        json_object_array_put_idx(o, 0, json_object_new_int64(loops));
    int was = json_object_get_int(json_object_array_get_idx(o, 1));
    if (!strcmp(status, "timeout") && (was < 0 || rec->round < was))
        json_object_array_put_idx(o, 1, json_object_new_int(rec->round));
}

/* Before round R->round of a benchmark runner starts: the calls that timed
 * out in another round get a `skipped` record instead of running again; the
 * others run in the round's shuffled order (measure.h), with the loop count
 * of their earlier rounds.  -1 with err when a record cannot be written. */
static int prepare_round(run_state *s, cb_runner *r, cb_err *err)
{
    if (r->spec->mode != CB_MODE_BENCHMARK)
        return 0;
    size_t total = cb_runlist_count(s->o->run_list);
    size_t *rank = cb_xmalloc((total ? total : 1) * sizeof *rank);
    cb_measure_round_order(s->o->measure.seed, r->spec->id, r->round, rank, total);
    cb_value keep = cb_dict_new(cb_len(r->run_list)), numbers = cb_list_new(r->n_calls);
    cb_value order = cb_list_new(r->n_calls), loops = cb_list_new(r->n_calls);
    size_t k = 0, kept = 0;
    int rc = 0;
    for (size_t f = 0; f < cb_len(r->run_list); f++) {
        cb_value name = cb_dict_key(r->run_list, f), entries = cb_dict_val(r->run_list, f);
        cb_value list = cb_list_new(cb_len(entries));
        for (size_t e = 0; e < cb_len(entries); e++, k++) {
            cb_value args = cb_item(entries, e), number = cb_item(r->call_numbers, k);
            int64_t call = cb_int_get_i64(number), call_loops = 0;
            int timed_out = -1;
            char *key = outcome_key(r->spec->id, call);
            json_object *o;
            if (json_object_object_get_ex(s->earlier, key, &o)) {
                call_loops = json_object_get_int64(json_object_array_get_idx(o, 0));
                timed_out = json_object_get_int(json_object_array_get_idx(o, 1));
            }
            free(key);
            if (timed_out >= 0 && timed_out != r->round) {
                cb_runner one = *r;   /* this call alone */
                one.run_list = cb_dict_new(1);
                cb_value only = cb_list_new(1);
                cb_seq_push(only, cb_retain(args));
                cb_dict_set(one.run_list, cb_retain(name), only);
                one.call_numbers = cb_list_new(1);
                cb_seq_push(one.call_numbers, cb_retain(number));
                char *why = cb_xasprintf("not run in this round: it timed out in round %d, and a call that timed "
                                         "out runs in one round only (docs/measurement.md)", timed_out);
                cb_engine_records what = {.status = "timeout", .error = why, .skipped = true};
                if (rc == 0)
                    rc = cb_runner_write_records(&one, &s->settings, &what, NULL, err);
                free(why);
                cb_release(one.run_list);
                cb_release(one.call_numbers);
                continue;
            }
            cb_seq_push(list, cb_retain(args));
            cb_seq_push(numbers, cb_retain(number));
            cb_seq_push(order, cb_int((int64_t)rank[call >= 0 && (size_t)call < total ? (size_t)call : 0]));
            cb_seq_push(loops, cb_int(call_loops));
            kept++;
        }
        if (cb_len(list))
            cb_dict_set(keep, cb_retain(name), list);
        else
            cb_release(list);
    }
    free(rank);
    cb_release(r->run_list);
    cb_release(r->call_numbers);
    cb_release(r->call_order);
    cb_release(r->loops);
    r->run_list = keep;
    r->call_numbers = numbers;
    r->call_order = order;
    r->loops = loops;
    r->n_calls = kept;
    return rc;
}

/* ---------- run.json ---------- */

static json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* How one harness process (a runner's round) went: its state, exit status
 * or signal, seconds and CPU, into J. */
static void round_json(const cb_runner *r, json_object *j)
{
    static const char *const states[] = {"pending", "running", "done", "skipped"};
    json_object_object_add(j, "state", json_object_new_string(states[r->state]));
    if (r->state == CB_RUNNER_DONE && r->pid > 0) {
        if (WIFEXITED(r->wstatus))
            json_object_object_add(j, "exit_status", json_object_new_int(WEXITSTATUS(r->wstatus)));
        else if (WIFSIGNALED(r->wstatus))
            json_object_object_add(j, "signal", json_object_new_string(strsignal(WTERMSIG(r->wstatus))));
        json_object_object_add(j, "seconds", json_object_new_double((double)(r->ended_ns - r->started_ns) / 1e9));
    }
    json_object_object_add(j, "cpu", r->cpu >= 0 ? json_object_new_int(r->cpu) : NULL);
}

/* One entry per runner of the plan; a benchmark runner's rounds are listed
 * in its "rounds" (each with its calls, state, exit status, seconds, CPU),
 * and its own state, exit status, seconds and CPU are its first round's
 * that did not end cleanly, else its last round's (seconds: all rounds'). */
static json_object *runners_json(run_state *s)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < s->n_runners;) {
        const cb_runner *r = &s->runners[i];
        const cb_runner_spec *sp = r->spec;
        size_t n = 0, calls = 0;
        while (i + n < s->n_runners && s->runners[i + n].spec == sp)
            calls += s->runners[i + n++].n_calls;
        json_object *j = json_object_new_object();
        json_object_object_add(j, "id", json_object_new_string(sp->id));
        json_object_object_add(j, "library", json_object_new_string(sp->lib->id));
        json_object_object_add(j, "group", json_object_new_string(cb_library_group(sp->lib)));
        json_object_object_add(j, "env", jstr(r->env_label));
        json_object_object_add(j, "venv", sp->env >= 0 ? jstr(s->o->envs[sp->env].given) : NULL);
        json_object_object_add(j, "flags", cb_library_is_python(sp->lib) ? jstr(s->o->python_flags ? s->o->python_flags : "") : NULL);
        json_object_object_add(j, "gc", sp->gc < 0 ? NULL : json_object_new_boolean(sp->gc));
        json_object_object_add(j, "mode", json_object_new_string(cb_mode_name(sp->mode)));
        json_object_object_add(j, "warmup", json_object_new_int(cb_measure_warmup(&s->o->measure, sp->mode)));
        json_object_object_add(j, "min_time", json_object_new_double(cb_measure_min_time(&s->o->measure, sp->mode)));
        json_object_object_add(j, "repeats", json_object_new_int(cb_measure_repeats(&s->o->measure, sp->mode)));
        json_object_object_add(j, "available", json_object_new_boolean(r->available));
        json_object_object_add(j, "dropped", json_object_new_boolean(r->dropped));
        json_object_object_add(j, "reason", r->available ? NULL : jstr(r->reason));
        json_object_object_add(j, "calls", json_object_new_int64((int64_t)calls));
        json_object *cmd = json_object_new_array();
        for (char **x = r->argv; *x; x++)
            json_object_array_add(cmd, json_object_new_string(*x));
        json_object_object_add(j, "command", cmd);
        const cb_runner *shown = &s->runners[i + n - 1];
        double seconds = 0;
        bool any_seconds = false;
        json_object *rounds = json_object_new_array();
        for (size_t k = 0; k < n; k++) {
            const cb_runner *q = &s->runners[i + k];
            json_object *rj = json_object_new_object();
            json_object_object_add(rj, "round", json_object_new_int(q->round));
            json_object_object_add(rj, "calls", json_object_new_int64((int64_t)q->n_calls));
            round_json(q, rj);
            json_object_array_add(rounds, rj);
            if (q->state == CB_RUNNER_DONE && q->pid > 0) {
                seconds += (double)(q->ended_ns - q->started_ns) / 1e9;
                any_seconds = true;
                if (shown == &s->runners[i + n - 1] && (q->wstatus != 0 || q->settled))
                    shown = q;
            }
        }
        round_json(shown, j);
        /* the runner is running while one of its rounds is, done when all
         * have ended (or had nothing to run) */
        size_t ended = 0, skipped = 0, running = 0;
        for (size_t k = 0; k < n; k++) {
            cb_runner_state st = s->runners[i + k].state;
            ended += st == CB_RUNNER_DONE || st == CB_RUNNER_SKIPPED;
            skipped += st == CB_RUNNER_SKIPPED;
            running += st == CB_RUNNER_RUNNING;
        }
        json_object_object_add(j, "state", json_object_new_string(running ? "running" : skipped == n ? "skipped"
                                                                  : ended == n ? "done" : "pending"));
        if (any_seconds)
            json_object_object_add(j, "seconds", json_object_new_double(seconds));
        json_object_object_add(j, "log", json_object_new_string(r->log_path + strlen(s->dir) + 1));
        json_object_object_add(j, "rounds", rounds);
        json_object_array_add(a, j);
        i += n;
    }
    return a;
}

static json_object *libraries_json(run_state *s)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < s->plan.n_probes; i++) {
        const cb_probe_key *k = &s->plan.probes[i];
        const cb_probe *p = &s->probes[i].result;
        json_object *j = json_object_new_object();
        json_object_object_add(j, "library", json_object_new_string(k->lib->id));
        json_object_object_add(j, "env", k->env >= 0 ? json_object_new_string(s->o->envs[k->env].label)
                                                     : jstr(cb_library_interpreter(k->lib)));
        json_object_object_add(j, "available", json_object_new_boolean(p->available));
        json_object_object_add(j, "reason", jstr(p->reason));
        json_object_object_add(j, "version", jstr(p->version));
        json_object *v;
        if (p->json && json_object_object_get_ex(p->json, "versions", &v))
            json_object_object_add(j, "versions", json_object_get(v));
        if (p->json && json_object_object_get_ex(p->json, "functions", &v))
            json_object_object_add(j, "functions", json_object_get(v));
        json_object_array_add(a, j);
    }
    return a;
}

static json_object *options_json(const cb_run_opts *o)
{
    json_object *j = json_object_new_object();
    json_object *libs = json_object_new_array(), *gcs = json_object_new_array(), *modes = json_object_new_array();
    for (size_t i = 0; i < o->n_libs; i++)
        json_object_array_add(libs, json_object_new_string(o->libs[i]->id));
    for (size_t i = 0; i < o->n_gcs; i++)
        json_object_array_add(gcs, json_object_new_boolean(o->gcs[i]));
    for (size_t i = 0; i < o->n_modes; i++)
        json_object_array_add(modes, json_object_new_string(cb_mode_name(o->modes[i])));
    json_object_object_add(j, "libraries", libs);
    json_object_object_add(j, "gc", gcs);
    json_object_object_add(j, "modes", modes);
    json_object_object_add(j, "cores", json_object_new_int(o->cores));
    json_object_object_add(j, "timeout", json_object_new_double(o->timeout));
    cb_measure_to_json(&o->measure, j);
    json_object_object_add(j, "grace", json_object_new_double(o->grace));
    json_object_object_add(j, "startup_timeout", json_object_new_double(o->startup_timeout));
    json_object_object_add(j, "memory_limit", o->memory_limit ? json_object_new_int64((int64_t)o->memory_limit) : NULL);
    json_object_object_add(j, "order", json_object_new_string(o->order));
    json_object_object_add(j, "singular_ring",
                           json_object_new_string(o->singular_ring ? o->singular_ring : "integer"));
    json_object_object_add(j, "pin", json_object_new_boolean(o->pin));
    json_object_object_add(j, "python_flags", jstr(o->python_flags));
    json_object_object_add(j, "cpu_profiler", json_object_new_string(o->cpu_profiler ? o->cpu_profiler : "perf"));
    json_object_object_add(j, "mem_profiler", json_object_new_string(o->mem_profiler ? o->mem_profiler : "casbench"));
    json_object_object_add(j, "profile_rate", json_object_new_int(o->profile_rate > 0 ? o->profile_rate : CB_PROFILE_DEFAULT_RATE));
    return j;
}

/* Each environment, with the versions its Python harness reported in the
 * first probe run there (interpreter, sympy, python-flint, gmpy2, memray;
 * harness/python/adapters: versions()), null when none ran there. */
static json_object *environments_json(run_state *s)
{
    const cb_run_opts *o = s->o;
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < o->n_envs; i++) {
        json_object *j = json_object_new_object(), *versions = NULL;
        json_object_object_add(j, "given", json_object_new_string(o->envs[i].given));
        json_object_object_add(j, "python", json_object_new_string(o->envs[i].python));
        json_object_object_add(j, "version", json_object_new_string(o->envs[i].version));
        json_object_object_add(j, "label", json_object_new_string(o->envs[i].label));
        json_object_object_add(j, "prefix", jstr(o->envs[i].prefix));
        for (size_t k = 0; k < s->plan.n_probes && s->probes && !versions; k++) {
            const cb_probe *p = &s->probes[k].result;
            json_object *v;
            if (s->plan.probes[k].env == (int)i && p->json && json_object_object_get_ex(p->json, "versions", &v))
                versions = json_object_get(v);
        }
        json_object_object_add(j, "versions", versions);
        json_object_array_add(a, j);
    }
    return a;
}

static json_object *command_json(const cb_run_opts *o)
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < o->argc; i++)
        json_object_array_add(a, json_object_new_string(o->argv[i]));
    return a;
}

/* The run.json of a new run, or the old one updated for --resume (its
 * first start is kept; each resume is listed). */
static void run_json_begin(run_state *s, json_object *old)
{
    const cb_run_opts *o = s->o;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "casbench_version", json_object_new_string(CASBENCH_VERSION));
    json_object_object_add(j, "command_line", command_json(o));
    char cwd[4096];
    json_object_object_add(j, "cwd", getcwd(cwd, sizeof cwd) ? json_object_new_string(cwd) : NULL);
    json_object *host = cb_hostinfo(), *noise;
    if (json_object_object_get_ex(host, "noise", &noise)) {
        json_object_object_add(noise, "pinned", json_object_new_boolean(o->pin));
        json_object_object_add(noise, "cores_used", json_object_new_int(o->cores));
    }
    json_object *v;
    if (old && json_object_object_get_ex(old, "started", &v)) {
        json_object_object_add(j, "started", json_object_get(v));
        json_object_object_add(j, "started_unix", json_object_object_get_ex(old, "started_unix", &v) ? json_object_get(v) : NULL);
        json_object *resumes = json_object_object_get_ex(old, "resumed", &v) && json_object_is_type(v, json_type_array)
                                   ? json_object_get(v) : json_object_new_array();
        json_object *r = json_object_new_object();
        json_object_object_add(r, "started", iso_now());
        json_object_object_add(r, "started_unix", json_object_new_double(unix_now()));
        json_object_object_add(r, "command_line", command_json(o));
        json_object_array_add(resumes, r);
        json_object_object_add(j, "resumed", resumes);
        if (json_object_object_get_ex(old, "host", &v))
            json_object_object_add(j, "first_host", json_object_get(v));
    } else {
        json_object_object_add(j, "started", iso_now());
        json_object_object_add(j, "started_unix", json_object_new_double(unix_now()));
    }
    json_object_object_add(j, "ended", NULL);
    json_object_object_add(j, "status", json_object_new_string("running"));
    json_object_object_add(j, "host", host);
    json_object_object_add(j, "noise", json_object_get(noise));
    json_object_object_add(j, "options", options_json(o));
    json_object_object_add(j, "identity", json_object_get(s->identity));
    json_object_object_add(j, "dataset", o->dataset ? json_object_get(o->dataset) : NULL);
    json_object_object_add(j, "seeds", o->seeds ? json_object_get(o->seeds) : NULL);
    json_object_object_add(j, "environments", environments_json(s));
    json_object_object_add(j, "libraries", libraries_json(s));
    s->run_json = j;
}

static int run_json_write(run_state *s, const char *status, cb_err *err)
{
    json_object_object_add(s->run_json, "status", json_object_new_string(status));
    if (strcmp(status, "running")) {
        json_object_object_add(s->run_json, "ended", iso_now());
        json_object_object_add(s->run_json, "ended_unix", json_object_new_double(unix_now()));
    }
    json_object_object_add(s->run_json, "runners", runners_json(s));
    char *path = cb_xasprintf("%s/" CB_RUN_JSON, s->dir);
    int rc = cb_json_write_file(path, s->run_json, err);
    free(path);
    return rc;
}

/* ---------- the pool's callbacks ---------- */

static cb_runner *runner_by_id(run_state *s, const char *id, int round)
{
    for (size_t i = 0; i < s->n_runners; i++)
        if (s->runners[i].round == round && !strcmp(s->runners[i].spec->id, id))
            return &s->runners[i];
    return NULL;
}

static void on_record(void *ctx, const cb_record *rec)
{
    run_state *s = ctx;
    note_outcome(s, rec);
    cb_runner *r = runner_by_id(s, rec->runner, rec->round);
    if (!r || r->state == CB_RUNNER_SKIPPED)
        return;
    if (rec->skipped) {
        cb_progress_record(&s->progress, rec->obj);   /* a call of the round, but not its harness's */
        return;
    }
    const char *status = rec->status ? rec->status : "";
    r->done++;
    r->last_record_ns = cb_now_ns();
    if (!strcmp(status, "timeout"))
        r->timeouts++;
    else if (strcmp(status, "ok") && strcmp(status, "unsupported"))
        r->failures++;
    cb_progress_record(&s->progress, rec->obj);
}

static void on_watch(void *ctx)
{
    run_state *s = ctx;
    char buf[4096];
    while (read(s->inotify_fd, buf, sizeof buf) > 0)
        ;
    cb_calls_tail_read(&s->tail, on_record, s);
}

static void on_tick(void *ctx)
{
    cb_progress_draw(&((run_state *)ctx)->progress);
}

/* A runner's name in progress lines: its id, and its round when it has
 * rounds (into buf). */
static const char *runner_name(const run_state *s, const cb_runner *r, char *buf, size_t n)
{
    if (cb_measure_rounds(&s->o->measure, r->spec->mode) > 1)
        snprintf(buf, n, "%s round %d", r->spec->id, r->round);
    else
        snprintf(buf, n, "%s", r->spec->id);
    return buf;
}

static pid_t job_start(void *ctx, size_t i, int cpu, cb_err *err)
{
    run_state *s = ctx;
    cb_runner *r = &s->runners[s->jobs[i]];
    char name[256];
    if (prepare_round(s, r, err) < 0)
        return -1;
    cb_calls_tail_read(&s->tail, on_record, s);   /* the skipped calls' records */
    if (!r->n_calls) {   /* every call timed out in another round */
        r->state = CB_RUNNER_DONE;
        s->progress.running++;   /* finished() counts it down */
        cb_progress_runner_finished(&s->progress, runner_name(s, r, name, sizeof name), 0, 0, 0, 0, 0,
                                    "nothing to run: its calls timed out in another round", NULL);
        return 0;
    }
    if (cb_runner_write_config(r, &s->settings, s->o->polys, err) < 0)
        return -1;
    pid_t pid = cb_runner_start(r, &s->settings, cpu, err);
    if (pid > 0)
        cb_progress_runner_started(&s->progress, runner_name(s, r, name, sizeof name), r->n_calls, r->argv);
    return pid;
}

/* A round of a runner starts when its previous round has ended: it reuses
 * that round's loop counts and skips its timeouts, and a runner's rounds
 * never run at the same time. */
static bool job_ready(void *ctx, size_t i)
{
    run_state *s = ctx;
    const cb_runner *r = &s->runners[s->jobs[i]];
    if (r->round == 0)
        return true;
    const cb_runner *prev = r - 1;   /* make_runners: a runner's rounds in a row */
    return prev->state == CB_RUNNER_DONE || prev->state == CB_RUNNER_SKIPPED;
}

static void job_failed(void *ctx, size_t i, const cb_err *err)
{
    run_state *s = ctx;
    cb_runner *r = &s->runners[s->jobs[i]];
    r->state = CB_RUNNER_DONE;
    r->wstatus = -1;
    s->progress.running++;   /* finished() counts it down */
    char name[256];
    cb_progress_runner_finished(&s->progress, runner_name(s, r, name, sizeof name), r->done, r->n_calls,
                                r->timeouts, r->failures, 0, err->msg, NULL);
}

/* When runner job I must have written its next record: its first within
 * --startup-timeout plus one call's limit of its start, each further one
 * within a call's limit of the one before (the harness enforces the limit
 * itself; this catches a harness that hangs outside a call). */
static int64_t job_deadline(void *ctx, size_t i)
{
    run_state *s = ctx;
    const cb_runner *r = &s->runners[s->jobs[i]];
    const cb_run_settings *st = &s->settings;
    if (!(st->timeout > 0) && r->last_record_ns)
        return INT64_MAX;
    double call = (st->timeout > 0 ? st->timeout : 0) + st->grace;
    if (!r->last_record_ns)
        return cb_ns_add(r->started_ns, cb_seconds_to_ns(st->startup_timeout + call + CB_FIRST_RECORD_SLACK));
    return cb_ns_add(r->last_record_ns, cb_seconds_to_ns(call + CB_RECORD_SLACK));
}

static bool job_expired(void *ctx, size_t i)
{
    run_state *s = ctx;
    cb_calls_tail_read(&s->tail, on_record, s);   /* a record not yet announced */
    if (job_deadline(ctx, i) > cb_now_ns())
        return false;
    s->runners[s->jobs[i]].stuck = true;
    return true;
}

/* The keys of R's calls that have a record in calls.jsonl. */
static void recorded_calls(run_state *s, const cb_runner *r, cb_strset *out)
{
    cb_calls calls;
    cb_err ignored;
    if (cb_calls_read(s->calls_path, &calls, &ignored) < 0)
        return;
    for (size_t k = 0; k < calls.n; k++)
        if (!strcmp(calls.recs[k].runner, r->spec->id))
            cb_strset_add(out, calls.recs[k].key);
    cb_calls_free(&calls);
}

/* A harness that never got to some of its calls because it was stuck
 * before its first record (the dataset did not load in time) or reached
 * its memory limit outside a call: those calls get records that say so
 * (docs/design.md §10: every phase is bounded, and recorded).  Returns whether
 * every call of R now has a record. */
static bool record_unreached(run_state *s, cb_runner *r, int wstatus, const char **how)
{
    const cb_run_settings *st = &s->settings;
    bool memory = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == CB_EXIT_MEMORY_LIMIT;
    bool startup = r->stuck && !r->last_record_ns;
    if (!memory && !startup)
        return false;
    char limit[32], waited[32], *error;
    cb_format_size(st->memory_limit, limit, sizeof limit);
    if (memory)
        error = cb_xasprintf("the harness reached its memory limit of %s while loading the dataset "
                             "(before this call)", limit);
    else
        error = cb_xasprintf("the harness wrote no record within %s of its start: loading the dataset took "
                             "longer than --startup-timeout %g s (plus the call's limit); it was stopped",
                             cb_format_seconds((double)(cb_now_ns() - r->started_ns) / 1e9, waited, sizeof waited),
                             st->startup_timeout);
    cb_strset have = {0};
    recorded_calls(s, r, &have);
    cb_err err;
    cb_engine_records what = {.status = memory ? "error" : "timeout", .error = error, .memory_limit_hit = memory,
                              .recorded = &have};
    bool ok = cb_runner_write_records(r, st, &what, NULL, &err) == 0;

    cb_strset_free(&have);
    free(error);
    cb_calls_tail_read(&s->tail, on_record, s);   /* count them */
    *how = memory ? "its harness reached the memory limit while loading the dataset; its calls are recorded"
                  : "stopped: its harness did not load the dataset within --startup-timeout; its calls are recorded";
    return ok;
}

static void job_exited(void *ctx, size_t i, int wstatus)
{
    run_state *s = ctx;
    cb_runner *r = &s->runners[s->jobs[i]];
    cb_calls_tail_read(&s->tail, on_record, s);   /* records written just before the exit */
    r->state = CB_RUNNER_DONE;
    r->wstatus = wstatus;
    r->ended_ns = cb_now_ns();
    const char *settled = NULL;
    r->settled = !s->stopping && record_unreached(s, r, wstatus, &settled);
    const cb_profiler *pf = cb_profiler_of(&s->settings, r->spec->mode);
    if (pf && pf->end) {
        cb_err perr;   /* a failure is in the runner's log; its records stay without its profile */
        pf->end(r, &s->settings, &perr);
    }
    char how[128];
    const char *h = NULL;
    if (r->settled) {
        h = settled;
    } else if (r->stuck) {
        snprintf(how, sizeof how, "stopped: no record for %g s (the harness hangs outside a call)",
                 (double)(r->ended_ns - (r->last_record_ns ? r->last_record_ns : r->started_ns)) / 1e9);
        h = how;
    } else if (WIFSIGNALED(wstatus)) {
        snprintf(how, sizeof how, "%s by %s", s->stopping ? "stopped" : "killed", strsignal(WTERMSIG(wstatus)));
        h = how;
    } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus)) {
        snprintf(how, sizeof how, "the harness exited with status %d", WEXITSTATUS(wstatus));
        h = how;
    } else if (r->done < r->n_calls) {
        snprintf(how, sizeof how, "the harness exited after %zu of %zu calls", r->done, r->n_calls);
        h = how;
    }
    char name[256];
    cb_progress_runner_finished(&s->progress, runner_name(s, r, name, sizeof name), r->done, r->n_calls,
                                r->timeouts, r->failures, (double)(r->ended_ns - r->started_ns) / 1e9, h,
                                h ? r->log_path : NULL);
}

/* ---------- the run ---------- */

static int lock_dir(run_state *s, const char *dir, cb_err *err)
{
    return (s->lock_fd = cb_results_dir_lock(dir, err)) < 0 ? -1 : 0;
}

/* --resume retries the calls of libraries that were unavailable (one may
 * have been installed since): their records go, and the runner writes new
 * ones, ok or unavailable again.  The file is rewritten atomically. */
static int drop_unavailable(const char *path, const cb_calls *calls, cb_err *err)
{
    cb_buf b = {0};
    for (size_t i = 0; i < calls->n; i++) {
        if (calls->recs[i].status && !strcmp(calls->recs[i].status, "unavailable"))
            continue;
        cb_record_line(calls->recs[i].obj, &b);
    }
    int rc = cb_write_file_atomic(path, b.data ? b.data : "", b.len, err);
    cb_buf_free(&b);
    return rc;
}

/* ---------- what a results directory was run for ---------- */

static json_object *sha256_of(cb_value v)
{
    cb_buf b = {0};
    cb_pickle_dump(v, &b);
    char hex[65];
    cb_sha256_hex(b.data ? b.data : "", b.len, hex);
    cb_buf_free(&b);
    return json_object_new_string(hex);
}

/* What identifies a run's records, so that --resume never mixes two runs in
 * one calls.jsonl: the content of the dataset and of the (filtered) run list
 * (SHA-256 of their canonical pickles: the same for the same data, whatever
 * file it came from, also for the default suite), and every option that
 * changes what a record means (options_json's, so that a new option is in
 * it unless dropped here).  Not in it: --cores, --pin, --startup-timeout,
 * -v, the backend (how the calls are scheduled, not what they measure). */
static json_object *run_identity(const cb_run_opts *o)
{
    json_object *j = json_object_new_object(), *opt = options_json(o);
    json_object_object_add(j, "dataset_sha256", sha256_of(o->polys));
    json_object_object_add(j, "run_list_sha256", sha256_of(o->run_list));
    static const char *const dropped[] = {"cores", "pin", "startup_timeout", "memory_limit"};
    for (size_t k = 0; k < sizeof dropped / sizeof *dropped; k++)
        json_object_object_del(opt, dropped[k]);
    /* the limit as given: its default follows --cores and the machine */
    json_object_object_add(opt, "memory_limit", o->memory_limit_given ? json_object_new_string(o->memory_limit_given)
                                                                        : json_object_new_string("default"));
    json_object *envs = json_object_new_array();
    for (size_t i = 0; i < o->n_envs; i++)
        json_object_array_add(envs, json_object_new_string(o->envs[i].label));
    json_object_object_add(opt, "environments", envs);
    json_object_object_add(opt, "all_available", json_object_new_boolean(o->only_available));
    json_object_object_add(j, "options", opt);
    return j;
}

/* --resume DIR: refuse when DIR was run for another dataset, run list or
 * set of options (its records would be mixed with this run's). */
static int check_identity(const char *dir, json_object *old_run, json_object *now, cb_err *err)
{
    json_object *was;
    if (!old_run || !json_object_is_type(old_run, json_type_object) ||
        !json_object_object_get_ex(old_run, "identity", &was) || !json_object_is_type(was, json_type_object))
        return cb_fail(err, "--resume: %s/run.json does not say what the run was for (no \"identity\"): "
                       "cannot check that this run is the same; start a new run", dir);
    static const struct {
        const char *key, *what;
    } parts[] = {{"dataset_sha256", "another dataset (POLYS)"}, {"run_list_sha256", "another run list (RUN_LIST, --run-list-filter)"}};
    for (size_t k = 0; k < 2; k++) {
        json_object *a = NULL, *b = NULL;
        json_object_object_get_ex(was, parts[k].key, &a);
        json_object_object_get_ex(now, parts[k].key, &b);
        if (!json_object_equal(a, b))
            return cb_fail(err, "--resume: %s was run on %s: resuming it would mix two runs' records in one "
                           "calls.jsonl", dir, parts[k].what);
    }
    json_object *wo = NULL, *no = NULL;
    json_object_object_get_ex(was, "options", &wo);
    json_object_object_get_ex(now, "options", &no);
    if (!wo || !json_object_is_type(wo, json_type_object))
        return cb_fail(err, "--resume: %s/run.json: \"identity\" has no options", dir);
    json_object_object_foreach(no, key, value) {
        json_object *old = NULL;
        json_object_object_get_ex(wo, key, &old);
        if (!json_object_equal(old, value))
            return cb_fail(err, "--resume: %s was run with %s %s, not %s: resuming it would mix two runs' records "
                           "in one calls.jsonl", dir, key,
                           old ? json_object_to_json_string_ext(old, JSON_C_TO_STRING_PLAIN) : "(none)",
                           json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
    }
    return 0;
}

static int open_results_dir(run_state *s, cb_strset *done, json_object **old_run_json, cb_err *err)
{
    const cb_run_opts *o = s->o;
    *old_run_json = NULL;
    if (!o->resume_dir)
        return cb_results_dir_create(o->output, &s->dir, err) < 0 ? -1 : lock_dir(s, s->dir, err);
    if (!cb_results_dir_is(o->resume_dir))
        return cb_fail(err, "--resume: %s is not a results directory (no run.json or calls.jsonl)", o->resume_dir);
    char *rj = cb_xasprintf("%s/" CB_RUN_JSON, o->resume_dir);
    char *cj = cb_xasprintf("%s/" CB_CALLS_JSONL, o->resume_dir);
    if (lock_dir(s, o->resume_dir, err) < 0) {
        free(rj);
        free(cj);
        return -1;
    }
    if (!(*old_run_json = cb_json_read_file(rj, err)) || check_identity(o->resume_dir, *old_run_json, s->identity, err) < 0) {
        free(rj);
        free(cj);
        return -1;
    }
    cb_calls calls;
    int rc = cb_calls_read(cj, &calls, err);
    if (rc == 0 && calls.torn_tail)
        rc = cb_calls_truncate(cj, calls.valid_len, err);   /* a killed writer's half line */
    size_t unavailable = 0;
    for (size_t i = 0; rc == 0 && i < calls.n; i++) {
        if (calls.recs[i].status && !strcmp(calls.recs[i].status, "unavailable")) {
            unavailable++;
        } else {
            cb_strset_add(done, calls.recs[i].key);
            note_outcome(s, &calls.recs[i]);
        }
    }
    if (rc == 0 && unavailable)
        rc = drop_unavailable(cj, &calls, err);
    cb_calls_free(&calls);
    free(rj);
    free(cj);
    if (rc < 0)
        return -1;
    s->dir = cb_xstrdup(o->resume_dir);
    return cb_results_dir_reopen(s->dir, err);
}

static int write_results_pickle(run_state *s, cb_run_result *res, cb_err *err)
{
    cb_calls calls;
    if (cb_calls_read(s->calls_path, &calls, err) < 0)
        return -1;
    res->calls_recorded = calls.n;
    cb_runner_info *infos = cb_xcalloc(s->plan.n_runners ? s->plan.n_runners : 1, sizeof *infos);
    size_t n_infos = 0;
    for (size_t i = 0; i < s->n_runners; i++) {
        const cb_runner_spec *sp = s->runners[i].spec;
        if (s->runners[i].dropped || s->runners[i].round)
            continue;
        infos[n_infos++] = (cb_runner_info){
            .id = sp->id, .library = sp->lib->id, .group = cb_library_group(sp->lib),
            .flags = cb_library_is_python(sp->lib) ? (s->o->python_flags ? s->o->python_flags : "") : NULL,
            .gc = sp->gc, .type = cb_mode_name(sp->mode),
            .venv = sp->env >= 0 ? s->o->envs[sp->env].given : NULL,
        };
    }
    char *path = cb_xasprintf("%s/results.pickle", s->dir);
    int rc = cb_results_write_pickle(path, &calls, infos, n_infos, s->o->polys, err);
    free(path);
    free(infos);
    cb_calls_free(&calls);
    return rc;
}

static void state_free(run_state *s)
{
    for (size_t i = 0; i < s->n_runners && s->runners; i++)
        cb_runner_free(&s->runners[i]);
    free(s->runners);
    for (size_t i = 0; i < s->plan.n_probes && s->probes; i++) {
        cb_argv_free(s->probes[i].argv);
        cb_probe_free(&s->probes[i].result);
    }
    free(s->probes);
    free(s->jobs);
    cb_plan_free(&s->plan);
    free(s->calls_path);
    free(s->tracker);
    free(s->harness_dir);
    cb_calls_tail_free(&s->tail);
    if (s->inotify_fd >= 0)
        close(s->inotify_fd);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    json_object_put(s->run_json);
    json_object_put(s->identity);
    json_object_put(s->earlier);
}

/* The pool's jobs: the runners' rounds interleaved, every runner's round 0
 * first, then every runner's round 1, and so on, so that each runner's
 * rounds spread over the whole run (docs/measurement.md).  Runners with
 * nothing to run are skipped.  Returns the calls the jobs have. */
static size_t queue_rounds(run_state *s)
{
    size_t total = 0;
    int rounds = 1;
    s->jobs = cb_xcalloc(s->n_runners ? s->n_runners : 1, sizeof *s->jobs);
    for (size_t i = 0; i < s->n_runners; i++)
        if (s->runners[i].round + 1 > rounds)
            rounds = s->runners[i].round + 1;
    for (int round = 0; round < rounds; round++)
        for (size_t i = 0; i < s->n_runners; i++) {
            cb_runner *r = &s->runners[i];
            if (r->round != round)
                continue;
            if (r->available && r->n_calls) {
                s->jobs[s->n_jobs++] = i;
                total += r->n_calls;
            } else {
                r->state = CB_RUNNER_SKIPPED;
            }
        }
    return total;
}

static int run_pool(run_state *s, cb_err *err)
{
    const cb_run_opts *o = s->o;
    size_t total = queue_rounds(s);
    struct stat st;
    off_t start = stat(s->calls_path, &st) == 0 ? st.st_size : 0;
    cb_calls_tail_init(&s->tail, s->calls_path, start);
    s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->inotify_fd >= 0 && inotify_add_watch(s->inotify_fd, s->calls_path, IN_MODIFY) < 0) {
        close(s->inotify_fd);
        s->inotify_fd = -1;
    }
    bool tty = isatty(fileno(o->log));
    cb_progress_init(&s->progress, o->log, tty, o->verbose, total, s->n_jobs);
    cb_progress_draw(&s->progress);
    cb_pool_opts po = {.cores = o->cores, .pin = o->pin, .grace_ms = 1000};
    cb_pool_ops ops = {
        .ctx = s, .start = job_start, .ready = job_ready, .failed = job_failed, .exited = job_exited,
        .watch_fd = s->inotify_fd, .on_watch = on_watch,
        .tick_ms = tty ? 1000 : 0, .on_tick = on_tick,
        .deadline = job_deadline, .expired = job_expired,
    };
    int rc = cb_pool_run(s->n_jobs, &po, &ops, err);
    cb_progress_end(&s->progress);
    return rc;
}

/* Another backend (run.h): the same runners as the pool would get, each
 * round prepared before it is handed over (the backend runs them when it
 * can, so a round knows only what the records had when it was prepared). */
static int run_backend(run_state *s, bool *pending, cb_err *err)
{
    queue_rounds(s);
    size_t kept = 0;
    for (size_t j = 0; j < s->n_jobs; j++) {
        cb_runner *r = &s->runners[s->jobs[j]];
        if (prepare_round(s, r, err) < 0)
            return -1;
        if (r->n_calls)
            s->jobs[kept++] = s->jobs[j];
        else
            r->state = CB_RUNNER_SKIPPED;
    }
    s->n_jobs = kept;
    const cb_backend *x = s->o->backend;
    return x->run(x->ctx, &s->settings, s->o->polys, s->runners, s->jobs, s->n_jobs, pending, err);
}

/* The call order's seed: --seed, else the one the resumed run recorded
 * (its orders go on), else a new one (recorded in run.json). */
static int64_t order_seed(const cb_run_opts *o)
{
    if (o->measure.seed_given)
        return o->measure.seed;
    if (o->resume_dir) {
        char *path = cb_xasprintf("%s/run.json", o->resume_dir);
        cb_err ignored;   /* not readable: open_results_dir says so */
        json_object *old = cb_json_read_file(path, &ignored), *opts, *seed;
        free(path);
        int64_t v = -1;
        if (old && json_object_object_get_ex(old, "options", &opts) && json_object_is_type(opts, json_type_object) &&
            json_object_object_get_ex(opts, "seed", &seed) && json_object_is_type(seed, json_type_int))
            v = json_object_get_int64(seed);
        json_object_put(old);
        if (v >= 0)
            return v;
    }
    return cb_measure_draw_seed();
}

int cb_run(const cb_run_opts *given, cb_run_result *res, cb_err *err)
{
    memset(res, 0, sizeof *res);
    cb_run_opts resolved = *given;   /* with the seed settled */
    resolved.measure.seed = order_seed(given);
    resolved.measure.seed_given = true;
    const cb_run_opts *o = &resolved;
    cb_block_stop_signals();   /* a Ctrl-C from here on stops the run cleanly */
    /* A harness that dies before reading its two stdin lines must not take
     * casbench down with SIGPIPE (the runner's child restores it). */
    signal(SIGPIPE, SIG_IGN);
    run_state s = {.o = o, .inotify_fd = -1, .lock_fd = -1, .earlier = json_object_new_object()};
    cb_strset done = {0};
    json_object *old = NULL;
    int rc = -1;
    if (!(s.harness_dir = cb_harness_dir(err)))
        goto out;
    cb_plan_opts po = {
        .libs = o->libs, .n_libs = o->n_libs, .n_envs = o->n_envs, .gcs = o->gcs, .n_gcs = o->n_gcs,
        .modes = o->modes, .n_modes = o->n_modes,
    };
    if (cb_plan_build(&po, &s.plan, err) < 0)
        goto out;
    for (size_t m = 0; m < o->n_modes; m++)
        if (o->modes[m] == CB_MODE_MEM && !s.tracker)
            s.tracker = cb_tracker_path(NULL);
    /* whatever a harness or a call leaves running comes back to casbench
     * and is swept (lib/common/bounds.h) */
    cb_become_subreaper();
    s.identity = run_identity(o);
    if ((res->signo = probe_libraries(&s))) {
        rc = 0;   /* stopped while probing: nothing ran, nothing written */
        goto out;
    }
    if (open_results_dir(&s, &done, &old, err) < 0)
        goto out;
    s.calls_path = cb_xasprintf("%s/calls.jsonl", s.dir);
    int fd = cb_open_append(s.calls_path, err);
    if (fd < 0)
        goto out;
    close(fd);
    if (gethostname(s.hostname, sizeof s.hostname) < 0)
        strcpy(s.hostname, "?");
    s.hostname[sizeof s.hostname - 1] = 0;
    s.settings = (cb_run_settings){
        .results_dir = s.dir, .calls_jsonl = s.calls_path, .harness_dir = s.harness_dir,
        .tracker = s.tracker, .python_flags = o->python_flags, .envs = o->envs, .n_envs = o->n_envs,
        .timeout = o->timeout, .measure = o->measure, .grace = o->grace,
        .startup_timeout = o->startup_timeout, .memory_limit = o->memory_limit,
        .order = o->order, .singular_ring = o->singular_ring, .hostname = s.hostname,
        .cpu_profiler = o->cpu_profiler, .profile_rate = o->profile_rate, .mem_profiler = o->mem_profiler,
    };
    make_runners(&s, &done);
    run_json_begin(&s, old);
    if (run_json_write(&s, "running", err) < 0)
        goto out;
    for (size_t i = 0; i < s.n_runners; i++) {
        cb_runner *r = &s.runners[i];
        if (r->dropped)
            continue;
        res->runners += r->round == 0;
        res->calls_planned += cb_runlist_count(o->run_list);
        if (r->available)
            continue;
        res->runners_unavailable += r->round == 0;
        cb_engine_records what = {.status = "unavailable", .error = r->reason ? r->reason : "unavailable"};
        if (r->n_calls && cb_runner_write_records(r, &s.settings, &what, NULL, err) < 0)
            goto out;
    }
    int prc = o->backend ? run_backend(&s, &res->pending, err) : run_pool(&s, err);
    if (prc < 0)
        goto out;
    res->signo = prc;
    for (size_t i = 0; i < s.n_runners; i++) {
        cb_runner *r = &s.runners[i];
        /* failed: could not start, killed, non-zero exit, or exited
         * without a record for every call it was given, in some round
         * (counted once per runner) */
        if (r->state == CB_RUNNER_DONE && !r->settled &&
            (r->wstatus == -1 || !WIFEXITED(r->wstatus) || WEXITSTATUS(r->wstatus) || r->done < r->n_calls)) {
            res->runners_failed++;
            while (i + 1 < s.n_runners && s.runners[i + 1].spec == r->spec)
                i++;
        }
    }
    for (size_t m = 0; m < o->n_modes; m++) {   /* every harness has exited: calls.jsonl is still */
        const cb_profiler *pf = cb_profiler_of(&s.settings, o->modes[m]);
        if (pf && pf->report && pf->report(s.dir, s.calls_path, err) < 0)
            goto out;
    }
    if (write_results_pickle(&s, res, err) < 0)
        goto out;
    const char *status = "complete";
    char sigbuf[64];
    if (prc) {
        snprintf(sigbuf, sizeof sigbuf, "interrupted (%s)", sigabbrev_np(prc) ? sigabbrev_np(prc) : "signal");
        status = sigbuf;
    } else if (res->pending) {
        status = "submitted";
    }
    if (run_json_write(&s, status, err) < 0)
        goto out;
    res->dir = cb_xstrdup(s.dir);
    rc = 0;
out:
    cb_sweep_strays(NULL, 0);
    free(s.dir);
    json_object_put(old);
    cb_strset_free(&done);
    state_free(&s);
    return rc;
}
