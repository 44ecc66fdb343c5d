/* cmd_libraries.c — `casbench libraries`: every library of the registry
 * (lib/libraries.h) with whether it is available in each environment, its
 * version, and why not when it is not.  Availability comes from each
 * harness's own --probe, run all at once, so this answers exactly what
 * `casbench run` would find. */
#include "bounds.h"
#include "cli.h"
#include "hostinfo.h"
#include "libraries.h"
#include "paths.h"
#include "table.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: casbench libraries [--venvs V...] [--python-flags FLAGS] [--format text|markdown|csv|json]\n"
    "\n"
    "Lists every library casbench can run, with whether it is available in each\n"
    "environment (Python libraries: once per --venvs entry, default python3 on\n"
    "PATH), its version, and the reason when it is not available.  Each harness\n"
    "is asked with --probe, as 'casbench run' does.\n";

static const char *kind_name(const cb_library *lib)
{
    switch (lib->kind) {
    case CB_LIB_C: return "C";
    case CB_LIB_PYTHON: return "Python";
    case CB_LIB_EXTERNAL: return "external";
    }
    return "?";
}

int cmd_libraries(int argc, char **argv)
{
    if (cb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *default_venv = "python3", *flags = NULL;
    const char **venvs = &default_venv;
    int nvenvs = 1;
    cb_table_format fmt = CB_TABLE_TEXT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--venvs")) {
            int n = 0;
            while (i + 1 + n < argc && argv[i + 1 + n][0] != '-')
                n++;
            if (!n)
                cb_die_msg("--venvs needs at least one value");
            venvs = (const char **)&argv[i + 1];
            nvenvs = n;
            i += n;
        } else if (!strcmp(argv[i], "--python-flags") && i + 1 < argc) {
            flags = argv[++i];
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "text")) fmt = CB_TABLE_TEXT;
            else if (!strcmp(f, "markdown") || !strcmp(f, "md")) fmt = CB_TABLE_MARKDOWN;
            else if (!strcmp(f, "csv")) fmt = CB_TABLE_CSV;
            else if (!strcmp(f, "json")) fmt = CB_TABLE_JSON;
            else cb_die_msg("--format: '%s' is not text, markdown, csv or json", f);
        } else {
            cb_die_msg("libraries: unexpected argument '%s' (see 'casbench libraries --help')", argv[i]);
        }
    }
    cb_err err;
    char *hdir = cb_harness_dir(&err);
    if (!hdir)
        cb_die(&err);
    /* Environments: a broken one is reported in the table, not fatal, so
     * that the user sees everything at once. */
    cb_pyenv *envs = cb_xcalloc((size_t)nvenvs, sizeof *envs);
    char **env_errors = cb_xcalloc((size_t)nvenvs, sizeof *env_errors);
    for (int e = 0; e < nvenvs; e++)
        if (cb_pyenv_resolve(venvs[e], &envs[e], &err) < 0)
            env_errors[e] = cb_xstrdup(err.msg);

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
    /* as `casbench run` probes: its default limits (lib/bounds.h) */
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
    free(jobs);
    free(live);
    free(map);
    free(job_env);
    free(hdir);
    return 0;
}
