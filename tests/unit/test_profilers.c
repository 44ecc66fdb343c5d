/* test_profilers.c — unit tests of lib/run/profilers.c, the table of profilers
 * the engine iterates: which profiler a mode and a name choose, and the
 * hooks of casbench's tracker and memray (the harness's environment, the
 * config's keys, why one cannot run).  perf's and samply's hooks run real
 * recordings: tests/integration/cpu_profile.py, samply_profile.py. */
#define _GNU_SOURCE
#include "check.h"
#include "run/profilers.h"
#include "common/util.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(choice)
{
    CHECK(!strcmp(cb_profiler_find(CB_MODE_CPU, NULL)->name, "perf"));   /* the defaults */
    CHECK(!strcmp(cb_profiler_find(CB_MODE_MEM, "")->name, "casbench"));
    CHECK(!strcmp(cb_profiler_find(CB_MODE_CPU, "samply")->name, "samply"));
    CHECK(cb_profiler_find(CB_MODE_MEM, "memray")->mode == CB_MODE_MEM);
    CHECK(cb_profiler_find(CB_MODE_CPU, "memray") == NULL);   /* a name of the other mode */
    CHECK(cb_profiler_find(CB_MODE_MEM, "valgrind") == NULL);
    CHECK(cb_profiler_find(CB_MODE_BENCHMARK, NULL) == NULL);
    CHECK(cb_profiler_find(CB_MODE_VERIFY, NULL) == NULL);
    cb_run_settings s = {.cpu_profiler = "samply", .mem_profiler = "memray"};
    CHECK(!strcmp(cb_profiler_of(&s, CB_MODE_CPU)->name, "samply"));
    CHECK(!strcmp(cb_profiler_of(&s, CB_MODE_MEM)->name, "memray"));
    CHECK(cb_profiler_of(&s, CB_MODE_BENCHMARK) == NULL);
    /* every profiler of a mode that profiles has the hooks the engine calls */
    const char *names[] = {"perf", "samply", "casbench", "memray"};
    for (size_t i = 0; i < 4; i++) {
        const cb_profiler *p = cb_profiler_find(i < 2 ? CB_MODE_CPU : CB_MODE_MEM, names[i]);
        CHECK_MSG(p && p->unavailable && p->begin, "%s", names[i]);
    }
}

TEST(tracker)
{
    const cb_profiler *p = cb_profiler_find(CB_MODE_MEM, "casbench");
    cb_runner_spec spec = {.id = "flint.mem", .lib = cb_library_find("flint"), .env = -1, .gc = -1,
                           .mode = CB_MODE_MEM};
    cb_runner r = {.spec = &spec};
    cb_run_settings none = {0}, s = {.tracker = "/opt/x/libcasbench-memtrack.so"};
    CHECK(p->unavailable(&r, &none) && strstr(p->unavailable(&r, &none), "allocation tracker"));
    CHECK(p->unavailable(&r, &s) == NULL);
    CHECK(p->env(&r, &none) == NULL);
    char **env = p->env(&r, &s);
    CHECK(env && env[0] && env[1] && !env[2]);
    CHECK(env && !strcmp(env[0], "LD_PRELOAD=/opt/x/libcasbench-memtrack.so"));
    CHECK(env && !strcmp(env[1], "PYTHONMALLOC=malloc"));
    cb_argv_free(env);
    cb_value cfg = cb_dict_new(2);
    cb_err err;
    CHECK(p->begin(&r, &s, cfg, &err) == 0);
    cb_value v;
    CHECK(cb_dict_get_str(cfg, "mem_profiler", &v) && !strcmp(cb_str_data(v), "casbench"));
    cb_release(cfg);
}

TEST(memray)
{
    const cb_profiler *p = cb_profiler_find(CB_MODE_MEM, "memray");
    char dir[] = "/tmp/cb-test-profilers-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cb_runner_spec spec = {.id = "sympy.mem", .lib = cb_library_find("flint"), .env = -1, .gc = -1,
                           .mode = CB_MODE_MEM};
    cb_runner r = {.spec = &spec};
    cb_run_settings s = {.results_dir = dir, .tracker = "/x.so"};
    /* memray sees Python processes only */
    CHECK(p->unavailable(&r, &s) && strstr(p->unavailable(&r, &s), "Python"));
    CHECK(p->env == NULL);   /* no preload: memray tracks in-process */
    cb_value cfg = cb_dict_new(2);
    cb_err err;
    CHECK(p->begin(&r, &s, cfg, &err) == 0);
    cb_value v;
    char *want = cb_xasprintf("%s/profiles/sympy.mem", dir), *profiles = cb_xasprintf("%s/profiles", dir);
    CHECK(cb_dict_get_str(cfg, "mem_profiler", &v) && !strcmp(cb_str_data(v), "memray"));
    CHECK(cb_dict_get_str(cfg, "mem_capture", &v) && !strcmp(cb_str_data(v), want));
    struct stat st;
    CHECK(stat(profiles, &st) == 0 && S_ISDIR(st.st_mode));
    rmdir(profiles);
    rmdir(dir);
    free(want);
    free(profiles);
    cb_release(cfg);
}

int main(void)
{
    RUN(choice);
    RUN(tracker);
    RUN(memray);
    return check_done();
}
