/* profilers.c — the table of profilers and their hooks (see profilers.h).
 * perf's and samply's work is in profile.c, memray's check in memray.c;
 * what the tracker and memray need of the engine is small enough to be
 * here. */
#define _GNU_SOURCE
#include "run/profilers.h"
#include "run/memray.h"
#include "run/profile.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- perf, samply */

static const char *perf_unavailable(const cb_runner *r, const cb_run_settings *s)
{
    (void)r, (void)s;
    return cb_profile_unavailable("perf");
}

static const char *samply_unavailable(const cb_runner *r, const cb_run_settings *s)
{
    (void)r, (void)s;
    return cb_profile_unavailable("samply");
}

static int cpu_begin(cb_runner *r, const cb_run_settings *s, cb_value cfg, cb_err *err)
{
    cb_value profile;
    if (cb_cpu_profile_wrap(r, s, &r->argv, &profile, err) < 0)
        return -1;
    cb_dict_set_str(cfg, "profile", profile);
    return 0;
}

static int cpu_end(const cb_runner *r, const cb_run_settings *s, cb_err *err)
{
    return cb_profile_finish(r, s, err);
}

/* ------------------------------------------------ casbench's tracker */

static const char *tracker_unavailable(const cb_runner *r, const cb_run_settings *s)
{
    (void)r;
    return s->tracker ? NULL
                      : "memory profiling needs the allocation tracker (libcasbench-memtrack.so), which is not built";
}

static int tracker_begin(cb_runner *r, const cb_run_settings *s, cb_value cfg, cb_err *err)
{
    (void)r, (void)s, (void)err;
    cb_dict_set_str(cfg, "mem_profiler", cb_str_c("casbench"));
    return 0;
}

/* Preloaded; the Python harnesses' pymalloc arenas would hide their
 * allocations from it, so they allocate with malloc. */
static char **tracker_env(const cb_runner *r, const cb_run_settings *s)
{
    (void)r;
    if (!s->tracker)
        return NULL;
    char **env = cb_xcalloc(3, sizeof *env);
    env[0] = cb_xasprintf("LD_PRELOAD=%s", s->tracker);
    env[1] = cb_xstrdup("PYTHONMALLOC=malloc");
    return env;
}

/* --------------------------------------------------------------- memray */

static const char *memray_unavailable(const cb_runner *r, const cb_run_settings *s)
{
    (void)s;
    return cb_memray_unavailable(r->spec->lib, r->argv);
}

/* memray tracks in-process, no preload; it sees pymalloc's own allocations
 * (trace_python_allocators), so PYTHONMALLOC stays.  Its capture file of
 * call N: profiles/RUNNER.callN.memray. */
static int memray_begin(cb_runner *r, const cb_run_settings *s, cb_value cfg, cb_err *err)
{
    cb_dict_set_str(cfg, "mem_profiler", cb_str_c("memray"));
    char *dir = cb_xasprintf("%s/profiles", s->results_dir), *prefix = cb_xasprintf("%s/%s", dir, r->spec->id);
    int rc = cb_mkdir_p(dir, err);
    cb_dict_set_str(cfg, "mem_capture", cb_str_c(prefix));
    free(dir);
    free(prefix);
    return rc;
}

/* ---------------------------------------------------------------- table */

static const cb_profiler profilers[] = {
    {.name = "perf", .mode = CB_MODE_CPU, .unavailable = perf_unavailable, .begin = cpu_begin, .end = cpu_end,
     .report = cb_profile_merge_records},
    {.name = "samply", .mode = CB_MODE_CPU, .unavailable = samply_unavailable, .begin = cpu_begin, .end = cpu_end,
     .report = cb_profile_merge_records},
    {.name = "casbench", .mode = CB_MODE_MEM, .unavailable = tracker_unavailable, .begin = tracker_begin,
     .env = tracker_env},
    {.name = "memray", .mode = CB_MODE_MEM, .unavailable = memray_unavailable, .begin = memray_begin},
};

const cb_profiler *cb_profiler_find(cb_mode mode, const char *name)
{
    for (size_t i = 0; i < sizeof profilers / sizeof *profilers; i++)
        if (profilers[i].mode == mode && (!name || !*name || !strcmp(profilers[i].name, name)))
            return &profilers[i];
    return NULL;
}

const cb_profiler *cb_profiler_of(const cb_run_settings *s, cb_mode mode)
{
    return cb_profiler_find(mode, mode == CB_MODE_CPU ? s->cpu_profiler : mode == CB_MODE_MEM ? s->mem_profiler : NULL);
}
