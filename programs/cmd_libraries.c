/* cmd_libraries.c — `casbench libraries`: every library of the registry
 * (lib/run/libraries.h) with whether it is available in each environment, its
 * version, and why not when it is not.  Availability comes from each
 * harness's own --probe, run all at once, so this answers exactly what
 * `casbench run` would find. */
#include "common/bounds.h"
#include "cli.h"
#include "common/hostinfo.h"
#include "run/libraries.h"
#include "parse_options.h"
#include "common/paths.h"
#include "run/profile.h"
#include "report/table.h"
#include "common/util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char description[] =
    "Lists every library casbench can run, with whether it is available in each\n"
    "environment (Python libraries: once per --venvs entry; default: casbench's\n"
    "pinned venvs in $CASBENCH_PREFIX, default /opt/casbench, python3 on PATH and\n"
    "/usr/bin/python3, as 'casbench run' uses them), its version, and the reason\n"
    "when it is not available.  Each harness is asked with --probe, as 'casbench\n"
    "run' does.  The profilers follow: perf and samply (--cpu-profiler), casbench's\n"
    "allocation tracker and memray in each environment (--memory-profiler).\n";

static cb_optlist venv_list;
static const char *flags;
static cb_table_format fmt;
static const cb_option options[] = {
    {.name = "venvs", .kind = CB_OPT_VALUES, .arg = "V", .target = &venv_list,
     .help = "Python environments, as 'casbench run --venvs' takes them (default: the ones 'casbench run' "
             "uses)"},
    {.name = "python-flags", .kind = CB_OPT_VALUE, .arg = "FLAGS", .target = &flags,
     .help = "interpreter flags for the Python harnesses' probes, as 'casbench run --python-flags'"},
    {.name = "format", .kind = CB_OPT_VALUE, .arg = "text|markdown|csv|json", .fn = cb_opt_table_format,
     .target = &fmt, .help = "text (default), markdown, csv or json"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "libraries",
    .description = description, .options = options,
};

/* The default environments left out (they exist but do not run). */
typedef struct {
    char **msgs;
    size_t n;
} left_out;

static void note_env(const char *msg, void *ctx)
{
    left_out *lo = ctx;
    lo->msgs = cb_xrealloc(lo->msgs, (lo->n + 1) * sizeof *lo->msgs);
    lo->msgs[lo->n++] = cb_xstrdup(msg);
}

static const char *kind_name(const cb_library *lib)
{
    switch (lib->kind) {
    case CB_LIB_C: return "C";
    case CB_LIB_PYTHON: return "Python";
    case CB_LIB_EXTERNAL: return "external";
    }
    return "?";
}

static void row(cb_table *t, const char *name, const char *kind, const char *env, bool ok, const char *version,
                const char *why)
{
    cb_table_add_row(t);
    cb_table_set(t, 0, name);
    cb_table_set(t, 1, kind);
    cb_table_set(t, 2, env);
    cb_table_set(t, 3, ok ? "yes" : "no");
    cb_table_set(t, 4, version ? version : "-");
    cb_table_set(t, 5, why);
}

/* The profilers: perf and samply (--cpu-profiler), casbench's tracker and
 * memray per environment (--memory-profiler), memray's version from the
 * environment's Python probes (harness/python/adapters: "versions"). */
static void add_profiler_rows(cb_table *t, const cb_probe_job *jobs, const int *job_env, size_t nj,
                              const cb_pyenv *envs, char *const *env_errors, int nvenvs)
{
    static const char *const cpu[] = {"perf", "samply"};
    for (size_t k = 0; k < 2; k++) {
        const char *why = cb_profile_unavailable(cpu[k]);
        char *path = cb_profiler_path(cpu[k]), *version = why ? NULL : cb_profiler_version(cpu[k]);
        row(t, cpu[k], "cpu profiler", path ? path : "-", !why, version,
            why ? why : k ? "--cpu-profiling --cpu-profiler samply: Firefox Profiler's format, split per call"
                          : "--cpu-profiling (the default profiler): perf record, split per call");
        free(path);
        free(version);
    }
    cb_err err;
    char *tracker = cb_tracker_path(&err);
    row(t, "casbench-tracker", "memory profiler", tracker ? tracker : "-", tracker != NULL, NULL,
        tracker ? "--memory-profiling (the default profiler): LD_PRELOAD allocation tracker" : err.msg);
    free(tracker);
    for (int e = 0; e < nvenvs; e++) {
        if (env_errors[e])
            continue;
        const char *version = NULL;
        bool probed = false;
        for (size_t j = 0; j < nj && !probed; j++) {
            json_object *v, *m;
            if (job_env[j] != e || !jobs[j].result.json ||
                !json_object_object_get_ex(jobs[j].result.json, "versions", &v))
                continue;
            probed = true;
            if (json_object_object_get_ex(v, "memray", &m) && json_object_is_type(m, json_type_string))
                version = json_object_get_string(m);
        }
        row(t, "memray", "memory profiler", envs[e].label, version != NULL, version,
            version ? "--memory-profiler memray: memray.Tracker, native traces, Python allocators"
                    : probed ? "memray is not installed in this environment"
                             : "this environment's Python harness did not answer its probe");
    }
}

int cmd_libraries(int argc, char **argv)
{
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    free(pos.v);
    const char **venvs = venv_list.n ? venv_list.v : NULL;
    int nvenvs = venv_list.n;
    cb_err err;
    const char **owned_venvs = NULL;
    char *hdir = cb_harness_dir(&err);
    if (!hdir)
        cb_die(&err);
    /* Environments: a broken one is reported in the table, not fatal, so
     * that the user sees everything at once. */
    cb_pyenv *envs;
    char **env_errors;
    if (venvs) {
        envs = cb_xcalloc((size_t)nvenvs, sizeof *envs);
        env_errors = cb_xcalloc((size_t)nvenvs, sizeof *env_errors);
        for (int e = 0; e < nvenvs; e++)
            if (cb_pyenv_resolve(venvs[e], &envs[e], &err) < 0)
                env_errors[e] = cb_xstrdup(err.msg);
    } else {
        left_out lo = {0};
        size_t n = cb_pyenv_defaults(&envs, note_env, &lo);
        nvenvs = (int)(n + lo.n);
        envs = cb_xrealloc(envs, (size_t)(nvenvs ? nvenvs : 1) * sizeof *envs);
        env_errors = cb_xcalloc((size_t)(nvenvs ? nvenvs : 1), sizeof *env_errors);
        venvs = cb_xcalloc((size_t)(nvenvs ? nvenvs : 1), sizeof *venvs);
        for (size_t e = 0; e < n; e++)
            venvs[e] = envs[e].given;
        for (size_t k = 0; k < lo.n; k++) {
            memset(&envs[n + k], 0, sizeof *envs);
            env_errors[n + k] = lo.msgs[k];
            venvs[n + k] = "(default)";
        }
        free(lo.msgs);
        owned_venvs = venvs;
    }

    cb_probe_job *jobs = cb_xcalloc((size_t)(cb_n_libraries * nvenvs), sizeof *jobs);
    int *job_env = cb_xcalloc((size_t)(cb_n_libraries * nvenvs), sizeof *job_env);
    size_t nj = 0;
    for (int l = 0; l < cb_n_libraries; l++) {
        const cb_library *lib = &cb_libraries[l];
        bool per_env = cb_library_is_python(lib) && !lib->interpreter;
        for (int e = 0; e < (per_env ? nvenvs : 1); e++) {
            if (per_env && env_errors[e]) {
                job_env[nj] = e;
                jobs[nj++] = (cb_probe_job){.lib = lib, .argv = NULL};
                continue;
            }
            jobs[nj] = (cb_probe_job){.lib = lib, .argv = cb_library_argv(lib, per_env ? &envs[e] : NULL, flags, hdir)};
            job_env[nj++] = per_env ? e : -1;
        }
    }
    /* probe only the jobs that have a command */
    cb_probe_job *live = cb_xcalloc(nj ? nj : 1, sizeof *live);
    size_t *map = cb_xcalloc(nj ? nj : 1, sizeof *map), nl = 0;
    for (size_t j = 0; j < nj; j++)
        if (jobs[j].argv) {
            live[nl] = jobs[j];
            map[nl++] = j;
        }
    /* as `casbench run` probes: its default limits (lib/common/bounds.h) */
    cb_probe_all(live, nl, CB_STARTUP_TIMEOUT_DEFAULT, cb_default_memory_limit(cb_host_usable_cpus()));
    for (size_t k = 0; k < nl; k++)
        jobs[map[k]].result = live[k].result;

    cb_table *t = cb_table_new(NULL);
    size_t c_lib = cb_table_add_column(t, NULL, "library", CB_ALIGN_LEFT);
    size_t c_kind = cb_table_add_column(t, NULL, "kind", CB_ALIGN_LEFT);
    size_t c_env = cb_table_add_column(t, NULL, "environment", CB_ALIGN_LEFT);
    size_t c_av = cb_table_add_column(t, NULL, "available", CB_ALIGN_LEFT);
    size_t c_ver = cb_table_add_column(t, NULL, "version", CB_ALIGN_LEFT);
    size_t c_why = cb_table_add_column(t, NULL, "reason / description", CB_ALIGN_LEFT);
    for (size_t j = 0; j < nj; j++) {
        const cb_library *lib = jobs[j].lib;
        const cb_probe *p = &jobs[j].result;
        int e = job_env[j];
        cb_table_add_row(t);
        cb_table_set(t, c_lib, lib->id);
        cb_table_set(t, c_kind, kind_name(lib));
        if (e >= 0)
            cb_table_set(t, c_env, env_errors[e] ? venvs[e] : envs[e].label);
        else
            cb_table_set(t, c_env, lib->interpreter ? cb_library_interpreter(lib) : "-");
        cb_table_set(t, c_av, p->available ? "yes" : "no");
        cb_table_set(t, c_ver, p->version ? p->version : "-");
        if (e >= 0 && env_errors[e])
            cb_table_set(t, c_why, env_errors[e]);
        else
            cb_table_set(t, c_why, p->available ? lib->description : p->reason ? p->reason : "?");
    }
    add_profiler_rows(t, jobs, job_env, nj, envs, env_errors, nvenvs);
    cb_buf out = {0};
    cb_table_render(t, fmt, &out);
    fwrite(out.data, 1, out.len, stdout);
    cb_buf_free(&out);
    cb_table_free(t);
    for (size_t j = 0; j < nj; j++) {
        cb_argv_free(jobs[j].argv);
        cb_probe_free(&jobs[j].result);
    }
    for (int e = 0; e < nvenvs; e++) {
        cb_pyenv_free(&envs[e]);
        free(env_errors[e]);
    }
    free(envs);
    free(env_errors);
    free(owned_venvs);
    free(venv_list.v);
    free(jobs);
    free(live);
    free(map);
    free(job_env);
    free(hdir);
    return 0;
}
