/* run_setup.c — `casbench run`'s defaults and the resolution of what its
 * command line names, before anything runs (see run_setup.h). */
#include "run/run_setup.h"

#include "common/bounds.h"
#include "data/dataset.h"
#include "data/functions.h"
#include "common/hostinfo.h"
#include "common/paths.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "data/suite.h"
#include "common/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char *absolute(const char *path)
{
    char buf[PATH_MAX];
    return realpath(path, buf) ? cb_xstrdup(buf) : cb_xstrdup(path);
}

/* A path of the command line, under BASE when relative (a recorded run's
 * own working directory: casbench does not chdir there). */
static char *under(const char *base, const char *path)
{
    return !base || path[0] == '/' ? cb_xstrdup(path) : cb_xasprintf("%s/%s", base, path);
}

/* Keep only the functions of --run-list-filter (in the run list's order). */
static int filter_run_list(cb_value run_list, const char *const *filter, size_t n, cb_value *out, cb_err *err)
{
    if (!n) {
        *out = cb_retain(run_list);
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        if (!cb_function_find(filter[k]))
            return cb_fail(err, "--run-list-filter: unknown function '%s'", filter[k]);
        cb_value key = cb_str_c(filter[k]);
        bool present = cb_dict_find(run_list, key) >= 0;
        cb_release(key);
        if (!present)
            return cb_fail(err, "--run-list-filter: the run list has no '%s' entries", filter[k]);
    }
    *out = cb_dict_new(n);
    for (size_t i = 0; i < cb_len(run_list); i++) {
        const char *name = cb_str_data(cb_dict_key(run_list, i));
        for (size_t k = 0; k < n; k++)
            if (!strcmp(name, filter[k])) {
                cb_dict_set(*out, cb_retain(cb_dict_key(run_list, i)), cb_retain(cb_dict_val(run_list, i)));
                break;
            }
    }
    return 0;
}

/* Python environments: every one given must be a working interpreter;
 * without --venvs, the default ones (libraries.h), of which there must be
 * one when a Python library is to run. */
static int setup_envs(cb_run_request *req, cb_err *err)
{
    if (req->n_venvs) {
        req->made.envs = cb_xcalloc(req->n_venvs, sizeof *req->made.envs);
        for (size_t i = 0; i < req->n_venvs; i++) {
            if (cb_pyenv_resolve(req->venvs[i], &req->made.envs[i], err) < 0)
                return -1;
            req->made.n_envs++;
        }
        return 0;
    }
    bool need_python = !req->n_libs;
    for (size_t i = 0; i < req->n_libs; i++)
        need_python |= cb_library_is_python(req->libs[i]) && !req->libs[i]->interpreter;
    req->made.n_envs = cb_pyenv_defaults(&req->made.envs, req->note, req->note_ctx);
    if (!req->made.n_envs && need_python)
        return cb_fail(err, "no Python environment: no venv in %s (tools/install-deps.sh builds them), no python3 "
                       "on PATH, no /usr/bin/python3; give one with --venvs", cb_prefix());
    if (!req->made.n_envs) {   /* no Python library asked for: a placeholder */
        req->made.envs = cb_xrealloc(req->made.envs, sizeof *req->made.envs);
        req->made.envs[req->made.n_envs++] = (cb_pyenv){cb_xstrdup("python3"), cb_xstrdup("python3"),
                                                        cb_xstrdup("?"), cb_xstrdup("python3 ?"), cb_xstrdup("?")};
    }
    return 0;
}

/* The dataset given, or the default suite with its own limits. */
static int setup_dataset(cb_run_request *req, cb_run_opts *o, cb_err *err)
{
    if (req->polys) {
        req->made.polys_path = under(req->base_dir, req->polys);
        req->made.run_list_path = under(req->base_dir, req->run_list);
        if (cb_dataset_load(req->made.polys_path, &req->made.polys, err) < 0 ||
            cb_runlist_load(req->made.run_list_path, req->made.polys, &req->made.run_list, err) < 0)
            return -1;
        req->made.dataset = json_object_new_object();
        const char *paths[2] = {req->made.polys_path, req->made.run_list_path};
        for (int k = 0; k < 2; k++) {
            char *abs = absolute(paths[k]);
            json_object_object_add(req->made.dataset, k ? "run_list" : "polys", json_object_new_string(abs));
            free(abs);
        }
        o->output = req->output;
    } else {
        if (cb_suite_build(&req->made.polys, &req->made.run_list, &req->made.dataset, &req->made.seeds, err) < 0)
            return -1;
        o->output = CB_SUITE_OUTPUT;
        if (!req->timeout)
            req->timeout = CB_SUITE_TIMEOUT;
    }
    if (filter_run_list(req->made.run_list, req->filter, req->n_filter, &req->made.filtered, err) < 0)
        return -1;
    if (!cb_runlist_count(req->made.filtered))
        return cb_fail(err, "the run list has no calls%s", req->n_filter ? " after --run-list-filter" : "");
    o->polys = req->made.polys;
    o->run_list = req->made.filtered;
    o->dataset = req->made.dataset;
    o->seeds = req->made.seeds;
    return 0;
}

int cb_run_setup(cb_run_request *req, cb_run_opts *o, cb_err *err)
{
    memset(&req->made, 0, sizeof req->made);
    int usable = cb_host_usable_cpus();
    long cores = req->cores ? req->cores : usable;
    if (o->pin && cores > usable)
        return cb_fail(err, "--pin: --cores %ld needs %ld CPUs of its own, but only %d are usable", cores, cores,
                       usable);
    if (setup_envs(req, err) < 0 || setup_dataset(req, o, err) < 0)
        return -1;

    /* every library, or the ones asked for */
    if (req->n_libs) {
        o->libs = req->libs;
        o->n_libs = req->n_libs;
    } else {
        req->made.libs = cb_xcalloc((size_t)cb_n_libraries, sizeof *req->made.libs);
        for (int i = 0; i < cb_n_libraries; i++)
            if (!cb_libraries[i].hidden)
                req->made.libs[o->n_libs++] = &cb_libraries[i];
        o->libs = req->made.libs;
    }
    o->only_available = !req->n_libs;
    o->envs = req->made.envs;
    o->n_envs = req->made.n_envs;

    o->cores = (int)cores;
    o->timeout = req->timeout ? req->timeout : CB_RUN_TIMEOUT_DEFAULT;
    o->memory_limit = cb_default_memory_limit(o->cores);
    o->memory_limit_given = req->memory_limit;
    if (req->memory_limit && cb_parse_size("--memory-limit", req->memory_limit, &o->memory_limit, err) < 0)
        return -1;

    static const bool gc_on = true;
    static const cb_mode benchmark = CB_MODE_BENCHMARK;
    if (!o->n_gcs) {
        o->gcs = &gc_on;
        o->n_gcs = 1;
    }
    if (!o->n_modes) {
        o->modes = &benchmark;
        o->n_modes = 1;
    }
    if (!o->order)
        o->order = "lex";
    if (!o->singular_ring)
        o->singular_ring = "integer";
    if (!o->startup_timeout)
        o->startup_timeout = CB_STARTUP_TIMEOUT_DEFAULT;
    if (!o->grace)
        o->grace = CB_GRACE_DEFAULT;
    return 0;
}

void cb_run_setup_free(cb_run_request *req)
{
    cb_release(req->made.filtered);
    cb_release(req->made.run_list);
    cb_release(req->made.polys);
    json_object_put(req->made.dataset);
    json_object_put(req->made.seeds);
    for (size_t i = 0; i < req->made.n_envs; i++)
        cb_pyenv_free(&req->made.envs[i]);
    free(req->made.envs);
    free(req->made.libs);
    free(req->made.polys_path);
    free(req->made.run_list_path);
    memset(&req->made, 0, sizeof req->made);
}

int cb_run_recorded_command(const char *dir, char ***argv_out, int *argc_out, char **cwd, cb_err *err)
{
    char *path = cb_xasprintf("%s/run.json", dir);
    cb_err why;
    json_object *j = cb_json_read_file(path, &why), *cmd, *wd;
    int rc = -1;
    if (!j) {
        cb_fail(err, "--resume: %s; give the run's options again with --resume DIR", why.msg);
        goto out;
    }
    if (!json_object_is_type(j, json_type_object) || !json_object_object_get_ex(j, "command_line", &cmd) ||
        !json_object_is_type(cmd, json_type_array) || !json_object_array_length(cmd)) {
        cb_fail(err, "--resume: %s has no command line to repeat; give the run's options again", path);
        goto out;
    }
    size_t n = json_object_array_length(cmd);
    for (size_t i = 0; i < n; i++)
        if (!json_object_is_type(json_object_array_get_idx(cmd, i), json_type_string)) {
            cb_fail(err, "--resume: %s: command_line[%zu] is not a string", path, i);
            goto out;
        }
    char **argv = cb_xcalloc(n + 1, sizeof *argv);
    for (size_t i = 0; i < n; i++)
        argv[i] = cb_xstrdup(json_object_get_string(json_object_array_get_idx(cmd, i)));
    *argv_out = argv;
    *argc_out = (int)n;
    *cwd = json_object_object_get_ex(j, "cwd", &wd) && json_object_is_type(wd, json_type_string)
               ? cb_xstrdup(json_object_get_string(wd)) : NULL;
    rc = 0;
out:
    json_object_put(j);
    free(path);
    return rc;
}
