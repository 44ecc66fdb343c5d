/* test_run_engine.c — unit tests of the run engine's pure parts and its
 * pool: plan expansion (library × environment × gc × mode), reading
 * calls.jsonl (torn last line, junk lines), results.pickle's layout built
 * from records, call identities, and the pool's limits and interruption
 * (real processes: /bin/sh). */
#define _GNU_SOURCE
#include "check.h"
#include "run/libraries.h"
#include "data/pickle.h"
#include "run/plan.h"
#include "run/pool.h"
#include "run/record.h"
#include "run/results_pickle.h"
#include "run/runner.h"
#include "common/util.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];

/* ---------- plan ---------- */

TEST(plan_expansion)
{
    const cb_library *libs[] = {cb_library_find("flint"), cb_library_find("sympy-dmp"),
                                cb_library_find("sagemath")};
    bool gcs[] = {true, false};
    cb_mode modes[] = {CB_MODE_BENCHMARK, CB_MODE_MEM};
    cb_plan_opts o = {.libs = libs, .n_libs = 3, .n_envs = 3, .gcs = gcs, .n_gcs = 2, .modes = modes, .n_modes = 2};
    cb_plan p;
    cb_err err;
    CHECK(cb_plan_build(&o, &p, &err) == 0);
    /* per mode: flint 1 + sympy-dmp 3 envs x 2 gc + sagemath 2 gc = 9 */
    CHECK_MSG(p.n_runners == 18, "%zu runners", p.n_runners);
    CHECK(!strcmp(p.runners[0].id, "flint.benchmark"));
    CHECK(p.runners[0].gc == -1 && p.runners[0].env == -1);
    CHECK(!strcmp(p.runners[1].id, "sympy-dmp.env0.gc-on.benchmark"));
    CHECK(!strcmp(p.runners[2].id, "sympy-dmp.env0.gc-off.benchmark"));
    CHECK(!strcmp(p.runners[6].id, "sympy-dmp.env2.gc-off.benchmark"));
    CHECK(!strcmp(p.runners[7].id, "sagemath.gc-on.benchmark"));
    CHECK(!strcmp(p.runners[9].id, "flint.mem"));
    /* probes: one per (library, environment): flint, dmp x 3, sagemath */
    CHECK_MSG(p.n_probes == 5, "%zu probes", p.n_probes);
    CHECK(p.runners[1].probe == p.runners[2].probe && p.runners[1].probe != p.runners[3].probe);
    CHECK(p.runners[10].probe == p.runners[1].probe);
    /* ids are unique */
    for (size_t i = 0; i < p.n_runners; i++)
        for (size_t j = 0; j < i; j++)
            CHECK_MSG(strcmp(p.runners[i].id, p.runners[j].id), "duplicate id %s", p.runners[i].id);
    CHECK(cb_plan_find(&p, "sagemath.gc-off.mem") != NULL);
    cb_plan_free(&p);

    bool same[] = {true, true};
    o.gcs = same;
    CHECK(cb_plan_build(&o, &p, &err) == -1 && strstr(err.msg, "twice"));
    cb_plan_free(&p);
}

TEST(library_argv)
{
    cb_pyenv env = {.python = "/usr/bin/python3"};
    char **a = cb_library_argv(cb_library_find("sympy-dmp-gmpy"), &env, "-X dev  -O", "/h");
    CHECK(!strcmp(a[0], "/usr/bin/python3") && !strcmp(a[1], "-X") && !strcmp(a[2], "dev") &&
          !strcmp(a[3], "-O") && !strcmp(a[4], "/h/python/casbench_harness.py") && !a[5]);
    cb_argv_free(a);
    /* sagemath brings its own interpreter: `sage --python` when the launcher
     * is on PATH, else Debian's /usr/bin/python3 (python3-sage) */
    const cb_library *sage = cb_library_find("sagemath");
    const char *interp = cb_library_interpreter(sage);
    a = cb_library_argv(sage, &env, NULL, "/h");
    if (!strcmp(interp, "sage"))
        CHECK(!strcmp(a[0], "sage") && !strcmp(a[1], "--python") && !strcmp(a[2], "/h/python/casbench_harness.py"));
    else
        CHECK(!strcmp(interp, "/usr/bin/python3") && !strcmp(a[0], "/usr/bin/python3") &&
              !strcmp(a[1], "/h/python/casbench_harness.py") && !a[2]);
    cb_argv_free(a);
    a = cb_library_argv(cb_library_find("flint"), NULL, "-O", "/h");
    CHECK(!strcmp(a[0], "/h/casbench-harness-flint") && !a[1]);
    cb_argv_free(a);
    CHECK(!strcmp(cb_library_find("sympy-domains-flint")->env[0], "SYMPY_GROUND_TYPES=flint"));
}

/* ---------- calls.jsonl ---------- */

static const char *rec(const char *runner, const char *fn, const char *args, const char *status, const char *times)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k],
             "{\"runner\":\"%s\",\"library\":\"%s\",\"env\":%s,\"gc\":%s,\"mode\":\"benchmark\",\"function\":\"%s\","
             "\"args\":%s,\"status\":\"%s\",\"times\":%s}\n",
             runner, strncmp(runner, "sympy", 5) ? "flint" : "sympy-dmp",
             strncmp(runner, "sympy", 5) ? "null" : "\"/usr/bin/python3 3.11.2\"",
             strncmp(runner, "sympy", 5) ? "null" : "true", fn, args, status, times);
    return buf[k];
}

static char *write_calls(const char *name, const char *text)
{
    char *path = cb_xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

TEST(calls_torn_tail)
{
    cb_buf b = {0};
    cb_buf_puts(&b, rec("flint.benchmark", "add", "[\"'a'\", \"'b'\"]", "ok", "[0.5, 0.25]"));
    cb_buf_puts(&b, "this line is junk\n");
    cb_buf_puts(&b, rec("flint.benchmark", "add", "[\"'b'\", \"'b'\"]", "timeout", "[]"));
    size_t good = b.len;
    cb_buf_puts(&b, "{\"runner\":\"flint.benchmark\",\"function\":\"mu");   /* killed mid-write */
    char *text = cb_buf_take(&b);
    char *path = write_calls("torn.jsonl", text);
    cb_calls c;
    cb_err err;
    CHECK(cb_calls_read(path, &c, &err) == 0);
    CHECK_MSG(c.n == 2, "%zu records", c.n);
    CHECK(c.torn_tail && c.bad_lines == 1);
    CHECK_MSG((size_t)c.valid_len == good, "valid_len %ld, want %zu", (long)c.valid_len, good);
    CHECK(!strcmp(c.recs[1].status, "timeout"));
    const char *args[] = {"'a'", "'b'"};
    char *k = cb_call_key("flint.benchmark", "add", args, 2, 0);
    CHECK(!strcmp(k, c.recs[0].key));
    free(k);
    cb_calls_free(&c);
    /* truncating drops exactly the torn tail */
    CHECK(cb_calls_truncate(path, (off_t)good, &err) == 0);
    CHECK(cb_calls_read(path, &c, &err) == 0 && c.n == 2 && !c.torn_tail && (size_t)c.valid_len == good);
    cb_calls_free(&c);
    /* a file without a trailing newline whose last line is complete JSON is still torn */
    free(path);
    path = write_calls("nonl.jsonl", "{\"runner\":\"x\",\"function\":\"add\",\"args\":[]}");
    CHECK(cb_calls_read(path, &c, &err) == 0 && c.n == 0 && c.torn_tail && c.valid_len == 0);
    cb_calls_free(&c);
    /* missing file: empty */
    CHECK(cb_calls_read("/nonexistent/calls.jsonl", &c, &err) == 0 && c.n == 0);
    free(path);
    free(text);
}

TEST(call_key_entry_matches_records)
{
    /* the engine identifies a run-list entry by the keys' Python reprs, as
     * harnesses write them in `args` */
    cb_value args = cb_tuple_of(2, cb_str_c("a"),
                                cb_tuple_of(4, cb_int(2), cb_int(10), cb_range_i(0, 10, 1), cb_range_i(1, 100, 1)));
    char *k1 = cb_call_key_entry("r", "gcd", args, 0);
    const char *reprs[] = {"'a'", "(2, 10, range(0, 10), range(1, 100))"};
    char *k2 = cb_call_key("r", "gcd", reprs, 2, 0);
    CHECK_MSG(!strcmp(k1, k2), "%s", k1);
    free(k1);
    free(k2);
    /* each round of a call is a call of its own (--rounds); round 0 is
     * the key of a record without `round` (a run without rounds) */
    k1 = cb_call_key_entry("r", "gcd", args, 2);
    k2 = cb_call_key("r", "gcd", reprs, 2, 0);
    CHECK(strcmp(k1, k2) != 0);
    json_object *rec = json_tokener_parse("{\"runner\":\"r\",\"function\":\"gcd\",\"round\":2,"
                                          "\"args\":[\"'a'\",\"(2, 10, range(0, 10), range(1, 100))\"]}");
    char *k3 = cb_call_key_of(rec);
    CHECK_MSG(k3 && !strcmp(k1, k3), "%s", k3 ? k3 : "(null)");
    free(k3);
    json_object_object_add(rec, "round", json_object_new_int(0));
    k3 = cb_call_key_of(rec);
    CHECK(k3 && !strcmp(k2, k3));
    free(k3);
    json_object_object_add(rec, "round", json_object_new_int(-1));   /* not a round: not a record */
    CHECK(cb_call_key_of(rec) == NULL && cb_record_round(rec) == -1);
    json_object_put(rec);
    free(k1);
    free(k2);
    cb_release(args);
}

TEST(strset)
{
    cb_strset s = {0};
    char buf[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "k%d", i);
        CHECK(cb_strset_add(&s, buf));
    }
    CHECK(!cb_strset_add(&s, "k10") && cb_strset_has(&s, "k999") && !cb_strset_has(&s, "k1000"));
    CHECK(s.n == 1000);
    cb_strset_free(&s);
}

TEST(results_layout)
{
    cb_buf b = {0};
    cb_buf_puts(&b, rec("flint.benchmark", "add", "[\"'a'\", \"'b'\"]", "ok", "[0.5, 0.25]"));
    cb_buf_puts(&b, rec("flint.benchmark", "gcd", "[\"'a'\", \"'b'\"]", "timeout", "[]"));
    cb_buf_puts(&b, rec("flint.benchmark", "factor", "[\"'a'\"]", "crashed", "[0.1]"));
    cb_buf_puts(&b, rec("sympy-dmp.env0.gc-on.benchmark", "add", "[\"'a'\", \"'zz'\"]", "ok", "[1.5]"));
    char *text = cb_buf_take(&b);
    char *path = write_calls("layout.jsonl", text);
    cb_calls c;
    cb_err err;
    CHECK(cb_calls_read(path, &c, &err) == 0 && c.n == 4);
    cb_value polys = cb_dict_new(2);
    cb_dict_set_str(polys, "a", cb_none());
    cb_dict_set_str(polys, "b", cb_none());
    cb_runner_info infos[] = {
        {.id = "flint.benchmark", .library = "flint", .group = "external", .gc = -1, .type = "benchmark"},
        {.id = "never.ran", .library = "pari", .group = "external", .gc = -1, .type = "benchmark"},
    };
    cb_value v = cb_results_value(&c, infos, 2, polys), py, ext;
    CHECK(cb_dict_get_str(v, "python", &py) && cb_dict_get_str(v, "external", &ext));
    CHECK(cb_len(ext) == 1 && cb_len(py) == 1);   /* the runner without records is left out */
    cb_value fl = cb_item(ext, 0), res, t, lib;
    CHECK(cb_dict_get_str(fl, "library", &lib) && !strcmp(cb_str_data(lib), "flint"));
    CHECK(cb_dict_get_str(fl, "results", &res) && cb_len(res) == 3);
    cb_value key = cb_tuple_of(2, cb_str_c("add"), cb_tuple_of(2, cb_str_c("a"), cb_str_c("b")));
    CHECK(cb_dict_get(res, key, &t) && cb_len(t) == 2 && cb_item(t, 1).u.f == 0.25);
    cb_release(key);
    key = cb_tuple_of(2, cb_str_c("gcd"), cb_tuple_of(2, cb_str_c("a"), cb_str_c("b")));
    CHECK(cb_dict_get(res, key, &t) && cb_len(t) == 1 && isinf(cb_item(t, 0).u.f));
    cb_release(key);
    key = cb_tuple_of(2, cb_str_c("factor"), cb_tuple_of(1, cb_str_c("a")));
    /* crashed: [inf], the original's value for a call that did not finish */
    CHECK(cb_dict_get(res, key, &t) && cb_len(t) == 1 && isinf(cb_item(t, 0).u.f));
    cb_release(key);
    cb_value flags;
    CHECK(cb_dict_get_str(fl, "flags", &flags) && flags.type == CB_LIST && cb_len(flags) == 0);
    /* a runner only in records: described from them; an unknown key stays a repr */
    cb_value sp = cb_item(py, 0), gc, venv;
    CHECK(cb_dict_get_str(sp, "gc", &gc) && gc.type == CB_BOOL && gc.u.b);
    CHECK(cb_dict_get_str(sp, "venv", &venv) && venv.type == CB_STR);
    CHECK(cb_dict_get_str(sp, "results", &res));
    key = cb_tuple_of(2, cb_str_c("add"), cb_tuple_of(2, cb_str_c("a"), cb_str_c("'zz'")));
    CHECK(cb_dict_get(res, key, &t) && cb_len(t) == 1);
    cb_release(key);
    /* it survives a pickle round trip */
    cb_buf pk = {0};
    cb_pickle_dump(v, &pk);
    cb_value back;
    CHECK(cb_pickle_load(pk.data, pk.len, &back, &err) == 0 && cb_equal(back, v));
    cb_release(back);
    cb_buf_free(&pk);
    cb_release(v);
    cb_release(polys);
    cb_calls_free(&c);
    free(path);
    free(text);
}

/* ---------- the tail reader ---------- */

static void count_rec(void *ctx, const cb_record *r)
{
    (void)r;
    (*(int *)ctx)++;
}

TEST(tail_reads_only_complete_lines)
{
    char *path = write_calls("tail.jsonl", "");
    cb_calls_tail t;
    cb_calls_tail_init(&t, path, 0);
    int n = 0;
    FILE *f = fopen(path, "a");
    fputs(rec("r", "add", "[]", "ok", "[1]"), f);
    fputs("{\"runner\":\"r\",\"function\":", f);
    fflush(f);
    cb_calls_tail_read(&t, count_rec, &n);
    CHECK(n == 1);
    fputs("\"add\",\"args\":[]}\n", f);
    fflush(f);
    cb_calls_tail_read(&t, count_rec, &n);
    CHECK_MSG(n == 2, "%d", n);
    fclose(f);
    cb_calls_tail_free(&t);
    free(path);
}

/* ---------- the pool ---------- */

typedef struct {
    const char *const *scripts;
    int running, max_running, exited, failed;
    int statuses[16];
    int cpus[16];
} pool_ctx;

static pid_t start_sh(void *vctx, size_t i, int cpu, cb_err *err)
{
    pool_ctx *c = vctx;
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", c->scripts[i], (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return cb_fail(err, "fork");
    setpgid(pid, pid);
    c->cpus[i] = cpu;
    if (++c->running > c->max_running)
        c->max_running = c->running;
    return pid;
}

static void failed_sh(void *vctx, size_t i, const cb_err *err)
{
    (void)i;
    (void)err;
    ((pool_ctx *)vctx)->failed++;
}

static void exited_sh(void *vctx, size_t i, int st)
{
    pool_ctx *c = vctx;
    c->running--;
    c->exited++;
    c->statuses[i] = st;
}

TEST(pool_limits_and_statuses)
{
    const char *scripts[] = {"sleep 0.2", "sleep 0.2; exit 3", "sleep 0.2", "kill -SEGV $$", "true"};
    pool_ctx c = {.scripts = scripts};
    cb_pool_ops ops = {.ctx = &c, .start = start_sh, .failed = failed_sh, .exited = exited_sh, .watch_fd = -1};
    cb_pool_opts o = {.cores = 2, .grace_ms = 500};
    cb_err err;
    CHECK(cb_pool_run(5, &o, &ops, &err) == 0);
    CHECK(c.exited == 5 && c.failed == 0 && c.running == 0);
    CHECK_MSG(c.max_running == 2, "max %d at once", c.max_running);
    CHECK(WIFEXITED(c.statuses[1]) && WEXITSTATUS(c.statuses[1]) == 3);
    CHECK(WIFSIGNALED(c.statuses[3]) && WTERMSIG(c.statuses[3]) == SIGSEGV);
}

TEST(pool_pins_distinct_cpus)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        SKIP(pool_pins_distinct_cpus, "one CPU");
        return;
    }
    const char *scripts[] = {"sleep 0.1", "sleep 0.1"};
    pool_ctx c = {.scripts = scripts};
    cb_pool_ops ops = {.ctx = &c, .start = start_sh, .failed = failed_sh, .exited = exited_sh, .watch_fd = -1};
    cb_pool_opts o = {.cores = 2, .pin = true, .grace_ms = 500};
    cb_err err;
    CHECK(cb_pool_run(2, &o, &ops, &err) == 0);
    CHECK_MSG(c.cpus[0] >= 0 && c.cpus[1] >= 0 && c.cpus[0] != c.cpus[1], "cpus %d %d", c.cpus[0], c.cpus[1]);
    o.cores = 4096;
    CHECK(cb_pool_run(2, &o, &ops, &err) == -1 && strstr(err.msg, "--pin"));
}

TEST(pool_interrupt_stops_everything)
{
    /* job 0 ignores SIGTERM and keeps a grandchild in its group; job 1
     * sends the pool SIGTERM; job 2 must never start */
    char s1[64];
    snprintf(s1, sizeof s1, "sleep 0.2; kill -TERM %d; sleep 30", (int)getpid());
    const char *scripts[] = {"trap '' TERM; sleep 30 & sleep 30; wait", s1, "true"};
    pool_ctx c = {.scripts = scripts};
    cb_pool_ops ops = {.ctx = &c, .start = start_sh, .failed = failed_sh, .exited = exited_sh, .watch_fd = -1};
    cb_pool_opts o = {.cores = 2, .grace_ms = 300};
    cb_err err;
    int64_t t0 = cb_now_ns();
    int rc = cb_pool_run(3, &o, &ops, &err);
    double secs = (double)(cb_now_ns() - t0) / 1e9;
    CHECK_MSG(rc == SIGTERM, "rc %d", rc);
    CHECK(c.exited == 2 && c.running == 0);
    CHECK(WIFSIGNALED(c.statuses[0]) && WTERMSIG(c.statuses[0]) == SIGKILL);
    /* the contract (docs/design.md §5.4, issue 3): every group gone within 2 s of the signal */
    CHECK_MSG(secs < 0.2 + 2.0, "%.3f s", secs);
    /* the pool's signals stay blocked (a later pool reads them): unblock */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cbtest-engine.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(plan_expansion);
    RUN(library_argv);
    RUN(calls_torn_tail);
    RUN(call_key_entry_matches_records);
    RUN(strset);
    RUN(results_layout);
    RUN(tail_reads_only_complete_lines);
    RUN(pool_limits_and_statuses);
    RUN(pool_pins_distinct_cpus);
    RUN(pool_interrupt_stops_everything);
    char *cmd = cb_xasprintf("rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", tmpdir);
    free(cmd);
    return check_done();
}
