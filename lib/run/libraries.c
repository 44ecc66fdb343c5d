/* libraries.c — the library registry, Python environments and probes (see
 * libraries.h). */
#define _GNU_SOURCE
#include "run/libraries.h"
#include "common/bounds.h"
#include "common/paths.h"
#include "common/process.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const cb_library cb_libraries[] = {
    {"flint", CB_LIB_C, "flint", {NULL}, NULL, false,
     "FLINT fmpz_mpoly (C), Calcium's Buchberger for groebner", NULL},
    {"python-flint", CB_LIB_PYTHON, NULL, {NULL}, NULL, false,
     "python-flint fmpz_mpoly_ctx, lex order", NULL},
    {"sympy-dmp", CB_LIB_PYTHON, NULL, {"SYMPY_GROUND_TYPES=python", NULL}, NULL, false,
     "SymPy Poly (DMP), python ground types", NULL},
    {"sympy-dmp-gmpy", CB_LIB_PYTHON, NULL, {"SYMPY_GROUND_TYPES=gmpy", NULL}, NULL, false,
     "SymPy Poly (DMP), gmpy2 ground types", NULL},
    {"sympy-dmp-flint", CB_LIB_PYTHON, NULL, {"SYMPY_GROUND_TYPES=flint", NULL}, NULL, false,
     "SymPy Poly (DMP), python-flint ground types", NULL},
    {"sympy-domains", CB_LIB_PYTHON, NULL, {"SYMPY_GROUND_TYPES=python", NULL}, NULL, false,
     "SymPy PolyElement of ZZ[gens], python ground types", NULL},
    {"sympy-domains-gmpy", CB_LIB_PYTHON, NULL, {"SYMPY_GROUND_TYPES=gmpy", NULL}, NULL, false,
     "SymPy PolyElement of ZZ[gens], gmpy2 ground types", NULL},
    {"sympy-domains-flint", CB_LIB_PYTHON, NULL, {"SYMPY_GROUND_TYPES=flint", NULL}, NULL, false,
     "SymPy PolyElement of ZZ[gens], python-flint ground types", NULL},
    {"sagemath", CB_LIB_PYTHON, NULL, {NULL}, "sage", false,
     "SageMath PolynomialRing(ZZ, ...) under sage --python (or Debian's python3-sage)",
     "/usr/bin/python3"},
    {"singular", CB_LIB_EXTERNAL, "singular", {NULL}, NULL, false,
     "the Singular interpreter, ring r = integer, (...), lp", NULL},
    {"pari", CB_LIB_C, "pari", {NULL}, NULL, false, "PARI/GP's libpari (C)", NULL},
    {"mathematica", CB_LIB_EXTERNAL, "mathematica", {NULL}, NULL, false,
     "Mathematica through wolframscript / WolframKernel", NULL},
    {"mathics", CB_LIB_EXTERNAL, "mathematica", {NULL}, NULL, false,
     "the Mathematica harness's Wolfram Language text run by Mathics3 (a free WL interpreter)", NULL},
    {"selftest", CB_LIB_C, "selftest", {NULL}, NULL, true,
     "functions of known behaviour for casbench's own tests (only when asked for)", NULL},
};
const int cb_n_libraries = sizeof cb_libraries / sizeof *cb_libraries;

const cb_library *cb_library_find(const char *id)
{
    for (int i = 0; i < cb_n_libraries; i++)
        if (!strcmp(cb_libraries[i].id, id))
            return &cb_libraries[i];
    return NULL;
}

bool cb_library_is_python(const cb_library *lib)
{
    return lib->kind == CB_LIB_PYTHON;
}

const char *cb_library_group(const cb_library *lib)
{
    return lib->kind == CB_LIB_PYTHON ? "python" : "external";
}

/* ---------- running a short command and capturing its output ---------- */

/* A command whose stdout and stderr are captured (a probe says little: at
 * most 1 MiB of each is kept), in a process group of its own that dies
 * with casbench (a probe that hangs must not outlive it). */
static cb_spawn capture(char **argv, const char *const *env, double timeout_s)
{
    return (cb_spawn){.argv = argv, .env = env, .in.kind = CB_IO_NULL, .out.kind = CB_IO_PIPE,
                      .err.kind = CB_IO_PIPE, .group = CB_SPAWN_NEW_GROUP, .die_with_parent = true,
                      .timeout = timeout_s, .capture_max = CB_PROBE_OUTPUT_MAX};
}

/* Run every capture concurrently until all have exited and closed their
 * output, or the timeout passes (then their process groups are killed).
 * SIGINT, SIGTERM or SIGHUP (when blocked, as during a run) stops them all
 * at once: the signal's number is returned, else 0. */
static int capture_all(cb_spawn *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cb_err err;
        if (cb_spawn_start(&cs[i], &err) < 0)
            cb_buf_puts(&cs[i].err_buf, err.msg);
    }
    return cb_spawn_run_all(cs, n, true);
}

static char *last_line(cb_buf *b)
{
    if (!b->len)
        return cb_xstrdup("");
    char *s = cb_xmalloc(b->len + 1);
    memcpy(s, b->data, b->len);
    s[b->len] = 0;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = 0;
    char *nl = strrchr(s, '\n');
    char *r = cb_xstrdup(nl ? nl + 1 : s);
    free(s);
    return r;
}

/* ---------- Python environments ---------- */

/* GIVEN as a path, or, when it has no '/', a directory of the current one
 * if DIR_BY_NAME and such a directory exists, else a name on PATH. */
static int pyenv_resolve(const char *given, bool dir_by_name, cb_pyenv *out, cb_err *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    char *exe;
    bool is_dir = dir_by_name && stat(given, &st) == 0 && S_ISDIR(st.st_mode);
    if (strchr(given, '/') || is_dir) {
        if (stat(given, &st) < 0)
            return cb_fail(err, "--venvs: %s: %s", given, strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            exe = cb_xasprintf("%s/bin/python", given);
            if (access(exe, X_OK) < 0) {
                cb_fail(err, "--venvs: %s is a directory but not a venv (no executable bin/python)", given);
                free(exe);
                return -1;
            }
        } else {
            if (access(given, X_OK) < 0)
                return cb_fail(err, "--venvs: %s is not executable", given);
            exe = cb_xstrdup(given);
        }
    } else {
        exe = cb_which(given);
        if (!exe)
            return cb_fail(err, "--venvs: %s: not found on PATH", given);
    }
    char *argv[] = {exe, "-c",
                    "import sys; print('casbench-python'); print(sys.executable); "
                    "print('%d.%d.%d' % sys.version_info[:3]); print(sys.prefix)",
                    NULL};
    cb_spawn c = capture(argv, NULL, 30);
    int signo = capture_all(&c, 1);
    if (signo)   /* stopped by a blocked SIGINT/SIGTERM: keep it pending for the caller */
        raise(signo);
    int ok = cb_spawn_ok(&c.status) && !strncmp(cb_spawn_text(&c.out_buf), "casbench-python\n", 16);
    if (!ok) {
        char *why = last_line(&c.err_buf);
        cb_fail(err, "--venvs: %s is not a working Python interpreter%s%s", given, *why ? ": " : "", why);
        free(why);
        free(exe);
        cb_spawn_clear(&c);
        return -1;
    }
    char *text = cb_buf_take(&c.out_buf);
    char *line2 = text + 16, *nl = strchr(line2, '\n');
    char *line3 = nl ? nl + 1 : line2 + strlen(line2);
    if (nl)
        *nl = 0;
    char *line4 = line3 + strcspn(line3, "\n");
    if (*line4)
        *line4++ = 0;
    line4[strcspn(line4, "\n")] = 0;
    out->given = cb_xstrdup(given);
    /* A venv's python must be started by its own path (that is what selects
     * the venv); sys.executable also bypasses launchers such as pyenv shims. */
    out->python = cb_xstrdup(*line2 ? line2 : exe);
    out->version = cb_xstrdup(line3);
    out->label = cb_xasprintf("%s %s", out->python, out->version);
    out->prefix = cb_xstrdup(line4);
    free(text);
    free(exe);
    cb_spawn_clear(&c);
    return 0;
}

/* A --venvs word: an existing directory wins over an interpreter of that
 * name on PATH, so that `--venvs .venv-312` is the venv of the current
 * directory, as the original took it. */
int cb_pyenv_resolve(const char *given, cb_pyenv *out, cb_err *err)
{
    return pyenv_resolve(given, true, out, err);
}

void cb_pyenv_free(cb_pyenv *e)
{
    free(e->given);
    free(e->python);
    free(e->version);
    free(e->label);
    free(e->prefix);
    memset(e, 0, sizeof *e);
}

/* Is E's environment one of the first N of ENVS (the same sys.prefix)? */
static bool pyenv_known(const cb_pyenv *envs, size_t n, const cb_pyenv *e)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(e->prefix, a))
        snprintf(a, sizeof a, "%s", e->prefix);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a, realpath(envs[i].prefix, b) ? b : envs[i].prefix))
            return true;
    return false;
}

size_t cb_pyenv_defaults(cb_pyenv **envs, void (*note)(const char *msg, void *ctx), void *ctx)
{
    static const char *const pinned[] = {"venv-3.11", "venv-3.12", "venv-3.13"};
    static const char *const others[] = {"python3", "/usr/bin/python3"};
    size_t n = 0, cap = sizeof pinned / sizeof *pinned + sizeof others / sizeof *others;
    cb_pyenv *out = cb_xcalloc(cap, sizeof *out);
    for (size_t i = 0; i < cap; i++) {
        bool own = i < sizeof pinned / sizeof *pinned;
        char *word = own ? cb_prefix_path(pinned[i]) : cb_xstrdup(others[i - sizeof pinned / sizeof *pinned]);
        struct stat st;
        cb_err err;
        cb_pyenv e;
        if (own && stat(word, &st) < 0) {
            free(word);       /* not installed: tools/install-deps.sh */
            continue;
        }
        /* python3 is the one on PATH, whatever directories the cwd holds */
        if (pyenv_resolve(word, false, &e, &err) < 0) {
            if (own && note)   /* python3 missing from PATH is no news */
                note(err.msg, ctx);
        } else if (pyenv_known(out, n, &e)) {
            cb_pyenv_free(&e);
        } else {
            out[n++] = e;
        }
        free(word);
    }
    *envs = out;
    return n;
}

/* ---------- harness command lines ---------- */

static void push(char ***argv, size_t *n, char *s)
{
    *argv = cb_xrealloc(*argv, (*n + 2) * sizeof **argv);
    (*argv)[(*n)++] = s;
    (*argv)[*n] = NULL;
}

const char *cb_library_interpreter(const cb_library *lib)
{
    if (!lib->interpreter)
        return NULL;
    char *own = cb_which(lib->interpreter);
    if (own) {
        free(own);
        return lib->interpreter;
    }
    if (lib->fallback_python && access(lib->fallback_python, X_OK) == 0)
        return lib->fallback_python;
    return lib->interpreter;
}

char **cb_library_argv(const cb_library *lib, const cb_pyenv *env, const char *python_flags,
                       const char *harness_dir)
{
    char **argv = NULL;
    size_t n = 0;
    if (lib->kind != CB_LIB_PYTHON) {
        push(&argv, &n, cb_c_harness_path(harness_dir, lib->harness));
        return argv;
    }
    const char *interp = cb_library_interpreter(lib);
    if (interp && interp == lib->fallback_python) {
        /* No `sage` launcher, but a distribution's Sage library for its
         * system Python (Debian 12: python3-sage for /usr/bin/python3):
         * the harness's probe tells whether `import sage.all` works. */
        push(&argv, &n, cb_xstrdup(interp));
    } else if (interp) {
        push(&argv, &n, cb_xstrdup(interp));
        push(&argv, &n, cb_xstrdup("--python"));
    } else {
        push(&argv, &n, cb_xstrdup(env ? env->python : "python3"));
    }
    for (const char *p = python_flags ? python_flags : ""; *p;) {
        p += strspn(p, " \t");
        size_t k = strcspn(p, " \t");
        if (k)
            push(&argv, &n, cb_xasprintf("%.*s", (int)k, p));
        p += k;
    }
    push(&argv, &n, cb_python_harness_path(harness_dir));
    return argv;
}

void cb_argv_free(char **argv)
{
    for (char **a = argv; a && *a; a++)
        free(*a);
    free(argv);
}

char *cb_library_missing(const cb_library *lib, char **argv)
{
    char *exe = cb_which(argv[0]);
    if (!exe)
        return lib->kind == CB_LIB_PYTHON && lib->interpreter
                   ? cb_xasprintf("%s is not installed (not on PATH)", argv[0])
                   : cb_xasprintf("%s is missing (harness not built?)", argv[0]);
    free(exe);
    if (lib->kind == CB_LIB_PYTHON) {
        char **last = argv;
        while (last[1])
            last++;
        if (access(*last, R_OK) < 0)
            return cb_xasprintf("the Python harness %s is missing", *last);
    }
    return NULL;
}

/* ---------- probes ---------- */

static char *json_str_dup(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return cb_xstrdup(json_object_get_string(v));
}

/* The last line of OUT that parses as a JSON object (a harness may print
 * warnings before it). */
static json_object *probe_json(cb_buf *out)
{
    if (!out->len)
        return NULL;
    char *text = cb_xmalloc(out->len + 1);
    memcpy(text, out->data, out->len);
    text[out->len] = 0;
    json_object *found = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_object *o = json_tokener_parse(line);
        if (o && json_object_is_type(o, json_type_object)) {
            json_object_put(found);
            found = o;
        } else {
            json_object_put(o);
        }
    }
    free(text);
    return found;
}

static void probe_fill(cb_probe *p, cb_spawn *c, double timeout_s)
{
    memset(p, 0, sizeof *p);
    const cb_spawn_status *st = &c->status;
    if (!st->started) {
        p->reason = cb_xasprintf("cannot start %s", c->argv[0]);
        return;
    }
    if (st->timed_out) {
        p->reason = cb_xasprintf("--probe did not answer within %g s", timeout_s);
        return;
    }
    json_object *o = probe_json(&c->out_buf);
    if (!o || st->exit_code != 0) {
        char *why = last_line(&c->err_buf);
        if (st->signo)
            p->reason = cb_xasprintf("--probe died of signal %d%s%s", st->signo, *why ? ": " : "", why);
        else if (!o)
            p->reason = cb_xasprintf("--probe printed no JSON object (exit %d)%s%s", st->exit_code,
                                     *why ? ": " : "", why);
        else
            p->reason = cb_xasprintf("--probe failed (exit %d)%s%s", st->exit_code, *why ? ": " : "", why);
        free(why);
        json_object_put(o);
        return;
    }
    json_object *av;
    p->available = json_object_object_get_ex(o, "available", &av) && json_object_get_boolean(av);
    p->reason = json_str_dup(o, "reason");
    if (!p->available && !p->reason)
        p->reason = cb_xstrdup("the harness says it is not available");
    p->version = json_str_dup(o, "version");
    p->json = o;
}

/* LIB's environment variables, then LIMIT_ENV (may be NULL). */
static const char **probe_env(const cb_library *lib, const char *limit_env)
{
    size_t n = 0;
    while (lib->env[n])
        n++;
    const char **env = cb_xcalloc(n + 2, sizeof *env);
    memcpy(env, lib->env, n * sizeof *env);
    env[n] = limit_env;
    return env;
}

int cb_probe_all(cb_probe_job *jobs, size_t n, double timeout_s, uint64_t memory_limit)
{
    char *limit_env = memory_limit ? cb_xasprintf("%s=%llu", CB_MEMORY_LIMIT_ENV, (unsigned long long)memory_limit)
                                   : NULL;
    cb_spawn *cs = cb_xcalloc(n ? n : 1, sizeof *cs);
    size_t *map = cb_xcalloc(n ? n : 1, sizeof *map), nc = 0;
    for (size_t i = 0; i < n; i++) {
        cb_probe_job *j = &jobs[i];
        memset(&j->result, 0, sizeof j->result);
        char *missing = cb_library_missing(j->lib, j->argv);
        if (missing) {
            j->result.reason = missing;
            continue;
        }
        size_t len = 0;
        while (j->argv[len])
            len++;
        char **a = cb_xcalloc(len + 3, sizeof *a);
        memcpy(a, j->argv, len * sizeof *a);
        a[len] = "--probe";
        a[len + 1] = (char *)j->lib->id;
        cs[nc] = capture(a, probe_env(j->lib, limit_env), timeout_s);
        map[nc++] = i;
    }
    int signo = capture_all(cs, nc);
    for (size_t k = 0; k < nc; k++) {
        probe_fill(&jobs[map[k]].result, &cs[k], timeout_s);
        cb_spawn_clear(&cs[k]);
        free((char **)cs[k].argv);
        free((char **)cs[k].env);
    }
    free(cs);
    free(map);
    free(limit_env);
    return signo;
}

void cb_probe_free(cb_probe *p)
{
    free(p->reason);
    free(p->version);
    json_object_put(p->json);
    memset(p, 0, sizeof *p);
}
