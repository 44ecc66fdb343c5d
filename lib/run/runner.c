/* runner.c — config pickle, harness start, unavailable records (see
 * runner.h). */
#define _GNU_SOURCE
#include "run/runner.h"
#include "common/bounds.h"
#include "data/pickle.h"
#include "common/process.h"
#include "run/profilers.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

size_t cb_runlist_count(cb_value run_list)
{
    size_t n = 0;
    for (size_t i = 0; i < cb_len(run_list); i++)
        n += cb_len(cb_dict_val(run_list, i));
    return n;
}

cb_value cb_polys_subset(cb_value polys, cb_value run_list)
{
    cb_value sub = cb_dict_new(8);
    for (size_t f = 0; f < cb_len(run_list); f++) {
        cb_value entries = cb_dict_val(run_list, f);
        for (size_t e = 0; e < cb_len(entries); e++) {
            cb_value args = cb_item(entries, e);
            for (size_t a = 0; a < cb_len(args); a++) {
                cb_value key = cb_item(args, a), sys;
                if (cb_dict_find(sub, key) >= 0 || !cb_dict_get(polys, key, &sys))
                    continue;
                cb_dict_set(sub, cb_retain(key), cb_retain(sys));
            }
        }
    }
    return sub;
}

static cb_value str_or_none(const char *s)
{
    return s ? cb_str_c(s) : cb_none();
}

static cb_value record_fields(const cb_runner *r)
{
    cb_value rec = cb_dict_new(5);
    cb_dict_set_str(rec, "runner", cb_str_c(r->spec->id));
    cb_dict_set_str(rec, "library", cb_str_c(r->spec->lib->id));
    cb_dict_set_str(rec, "env", str_or_none(r->env_label));
    cb_dict_set_str(rec, "gc", r->spec->gc < 0 ? cb_none() : cb_bool(r->spec->gc));
    cb_dict_set_str(rec, "mode", cb_str_c(cb_mode_name(r->spec->mode)));
    return rec;
}

int cb_runner_write_config(cb_runner *r, const cb_run_settings *s, cb_value polys, cb_err *err)
{
    cb_value cfg = cb_dict_new(16);
    cb_dict_set_str(cfg, "type", cb_str_c(cb_mode_name(r->spec->mode)));
    cb_dict_set_str(cfg, "run_list", cb_retain(r->run_list));
    cb_dict_set_str(cfg, "call_numbers", cb_retain(r->call_numbers));
    cb_dict_set_str(cfg, "round", cb_int(r->round));
    cb_dict_set_str(cfg, "call_order", cb_retain(r->call_order));
    cb_dict_set_str(cfg, "loops", cb_retain(r->loops));
    cb_dict_set_str(cfg, "polys", cb_polys_subset(polys, r->run_list));
    cb_dict_set_str(cfg, "gc", cb_bool(r->spec->gc != 0));
    cb_dict_set_str(cfg, "repeats", cb_int(cb_measure_repeats(&s->measure, r->spec->mode)));
    cb_dict_set_str(cfg, "log_file", cb_str_c(r->log_path));
    cb_dict_set_str(cfg, "timeout", cb_float(s->timeout));
    cb_dict_set_str(cfg, "library", cb_str_c(r->spec->lib->id));
    cb_dict_set_str(cfg, "calls_jsonl", cb_str_c(s->calls_jsonl));
    cb_dict_set_str(cfg, "record", record_fields(r));
    cb_dict_set_str(cfg, "warmup", cb_int(cb_measure_warmup(&s->measure, r->spec->mode)));
    cb_dict_set_str(cfg, "min_time", cb_float(cb_measure_min_time(&s->measure, r->spec->mode)));
    cb_dict_set_str(cfg, "order", cb_str_c(s->order));
    cb_dict_set_str(cfg, "singular_ring", cb_str_c(s->singular_ring ? s->singular_ring : "integer"));
    cb_dict_set_str(cfg, "grace", cb_float(s->grace));
    cb_dict_set_str(cfg, "profile", cb_none());
    /* the mode's profiler wraps the command and fills in its keys */
    const cb_profiler *pf = cb_profiler_of(s, r->spec->mode);
    if (pf && pf->begin && pf->begin(r, s, cfg, err) < 0) {
        cb_release(cfg);
        return -1;
    }
    cb_dict_set_str(cfg, "perturb", cb_none());
    int rc = cb_pickle_dump_file(r->config_path, cfg, err);
    cb_release(cfg);
    return rc;
}

/* In the harness's child, before exec: pin it to its CPU (a failure is
 * said in the log, its stderr by now). */
static void pin_to_cpu(void *arg)
{
    int cpu = *(const int *)arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0)
        dprintf(2, "casbench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

/* The harness's environment changes ("NAME=VALUE" sets, "NAME" unsets),
 * malloc'd (cb_argv_free): the library variant's, the memory limit (applied
 * by the harness itself, lib/common/bounds.h) and the profiler's. */
static char **harness_env(const cb_runner *r, const cb_run_settings *s)
{
    const cb_profiler *pf = cb_profiler_of(s, r->spec->mode);
    char **extra = pf && pf->env ? pf->env(r, s) : NULL;
    size_t n = 0, k = 0;
    while (r->spec->lib->env[n])
        n++;
    while (extra && extra[k])
        k++;
    char **env = cb_xcalloc(n + k + 2, sizeof *env), **e = env;
    for (size_t i = 0; i < n; i++)
        *e++ = cb_xstrdup(r->spec->lib->env[i]);
    if (s->memory_limit)
        *e++ = cb_xasprintf("%s=%llu", CB_MEMORY_LIMIT_ENV, (unsigned long long)s->memory_limit);
    else
        *e++ = cb_xstrdup(CB_MEMORY_LIMIT_ENV);
    for (size_t i = 0; i < k; i++)
        *e++ = extra[i];
    free(extra);
    return env;
}

pid_t cb_runner_start(cb_runner *r, const cb_run_settings *s, int cpu, cb_err *err)
{
    int log_fd = cb_open_append(r->log_path, err);
    if (log_fd < 0)
        return -1;
    {
        cb_buf head = {0};
        cb_buf_printf(&head, "casbench: runner %s, round %d, %zu calls:", r->spec->id, r->round, r->n_calls);
        for (const char *const *v = r->spec->lib->env; *v; v++)
            cb_buf_printf(&head, " %s", *v);
        for (char **a = r->argv; *a; a++)
            cb_buf_printf(&head, " %s", *a);
        cb_buf_putc(&head, '\n');
        if (write(log_fd, head.data, head.len) < 0) {
            /* the log is best effort; the harness writes to it too */
        }
        cb_buf_free(&head);
    }
    char **env = harness_env(r, s);
    /* Its stdin gets two short lines: far below the pipe's capacity, so
     * writing them never blocks even if the harness has not started reading. */
    char *lines = cb_xasprintf("%s\n%s\n", r->config_path, r->results_path);
    /* A session of its own (hence a process group of its own, id = pid):
     * the engine stops the runner by its group, terminal signals never reach
     * it, and with the kernel's autogrouping (sched_autogroup_enabled) each
     * runner is scheduled as a job of its own, as two terminals would be, so
     * that on a machine shared with other work N runners get N shares rather
     * than one between them.  It dies with casbench, even on kill -9. */
    cb_spawn p = {.argv = r->argv, .env = (const char *const *)env,
                  .in = {.kind = CB_IO_PIPE, .data = lines, .len = strlen(lines)}, .out = {.kind = CB_IO_FD, .fd = log_fd}, .err.kind = CB_IO_STDOUT,
                  .group = CB_SPAWN_NEW_SESSION, .die_with_parent = true,
                  .child_setup = cpu >= 0 ? pin_to_cpu : NULL, .child_arg = &cpu};
    int rc = cb_spawn_start(&p, err);
    close(log_fd);
    cb_argv_free(env);
    if (rc < 0) {
        free(lines);
        return -1;
    }
    /* the pool waits for it; a harness that exits before reading its
     * input (p.in_unsent) says why in its log and exit status */
    pid_t pid = cb_spawn_detach(&p);
    free(lines);
    r->pid = pid;
    r->cpu = cpu;
    r->state = CB_RUNNER_RUNNING;
    r->started_ns = cb_now_ns();
    return pid;
}

int cb_runner_write_records(const cb_runner *r, const cb_run_settings *s, const cb_engine_records *what,
                            size_t *written, cb_err *err)
{
    if (written)
        *written = 0;
    int fd = cb_open_append(s->calls_jsonl, err);
    if (fd < 0)
        return -1;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    double now = (double)tv.tv_sec + tv.tv_usec / 1e6;
    int rc = 0;
    size_t k = 0;   /* the call's index in r->run_list, hence in r->call_numbers */
    for (size_t f = 0; f < cb_len(r->run_list) && rc == 0; f++) {
        const char *fname = cb_str_data(cb_dict_key(r->run_list, f));
        cb_value entries = cb_dict_val(r->run_list, f);
        for (size_t e = 0; e < cb_len(entries) && rc == 0; e++, k++) {
            cb_value args = cb_item(entries, e);
            if (what->recorded) {
                char *key = cb_call_key_entry(r->spec->id, fname, args, r->round);
                bool have = cb_strset_has(what->recorded, key);
                free(key);
                if (have)
                    continue;
            }
            json_object *ja = json_object_new_array();
            for (size_t a = 0; a < cb_len(args); a++) {
                char *repr = cb_repr(cb_item(args, a));
                json_object_array_add(ja, json_object_new_string(repr));
                free(repr);
            }
            cb_record_fields rf = {
                .runner = r->spec->id, .library = r->spec->lib->id, .env = r->env_label, .gc = r->spec->gc,
                .mode = cb_mode_name(r->spec->mode), .function = fname, .args = ja,
                .call = cb_int_get_i64(cb_item(r->call_numbers, k)), .round = r->round, .status = what->status,
                .warmup = cb_measure_warmup(&s->measure, r->spec->mode),
                .min_time = cb_measure_min_time(&s->measure, r->spec->mode), .max_rss_kib = -1,
                .error = what->error, .error_len = strlen(what->error), .timeout = s->timeout,
                .memory_limit = s->memory_limit, .memory_limit_hit = what->memory_limit_hit,
                .host = s->hostname, .started = now, .skipped = what->skipped,
            };
            cb_buf line = {0};
            cb_record_encode(&rf, &line);
            json_object_put(ja);
            if (write(fd, line.data, line.len) != (ssize_t)line.len)
                rc = cb_fail(err, "writing %s: %s", s->calls_jsonl, strerror(errno));
            else if (written)
                (*written)++;
            cb_buf_free(&line);
        }
    }
    close(fd);
    return rc;
}

void cb_runner_free(cb_runner *r)
{
    cb_argv_free(r->argv);
    cb_release(r->run_list);
    cb_release(r->call_numbers);
    cb_release(r->call_order);
    cb_release(r->loops);
    free(r->config_path);
    free(r->results_path);
    free(r->log_path);
    memset(r, 0, sizeof *r);
}
