/* libraries.c — the library registry, Python environments and probes (see
 * libraries.h). */
#define _GNU_SOURCE
#include "libraries.h"
#include "bounds.h"
#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

typedef struct {
    char **argv;
    const char *const *env;   /* NAME=VALUE overrides, NULL-terminated, or NULL */
    char *limit_env;          /* CASBENCH_MEMORY_LIMIT=N, or NULL */
    cb_buf out, err;
    int status;               /* wait status; -1 when it could not start */
    bool timed_out;
    /* internal */
    pid_t pid;
    int out_fd, err_fd, pid_fd;
} capture;

static int pidfd_open_(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void capture_start(capture *c)
{
    int o[2], e[2];
    c->status = -1;
    c->pid = -1;
    c->out_fd = c->err_fd = c->pid_fd = -1;
    if (pipe2(o, O_CLOEXEC) < 0)
        return;
    if (pipe2(e, O_CLOEXEC) < 0) {
        close(o[0]);
        close(o[1]);
        return;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* dies with casbench (a probe that hangs must not outlive it) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(o[1], 1);
        dup2(e[1], 2);
        setpgid(0, 0);
        for (const char *const *v = c->env; v && *v; v++)
            putenv((char *)*v);
        if (c->limit_env)
            putenv(c->limit_env);
        execvp(c->argv[0], c->argv);
        dprintf(2, "cannot start %s: %s\n", c->argv[0], strerror(errno));
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    if (pid < 0) {
        close(o[0]);
        close(e[0]);
        return;
    }
    c->pid = pid;
    c->out_fd = o[0];
    c->err_fd = e[0];
    c->pid_fd = pidfd_open_(pid);
}

static void drain(int *fd, cb_buf *b)
{
    char buf[4096];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n > 0) {
        if (b->len < CB_PROBE_OUTPUT_MAX)   /* a probe says little; don't let one flood memory */
            cb_buf_put(b, buf, (size_t)n);
        return;
    }
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

/* Run every capture concurrently until all have exited and closed their
 * output, or the deadline passes (then their process groups are killed).
 * SIGINT, SIGTERM or SIGHUP (when blocked, as during a run) stops them all
 * at once: the signal's number is returned, else 0. */
static int capture_all(capture *cs, size_t n, double timeout_s)
{
    for (size_t i = 0; i < n; i++)
        capture_start(&cs[i]);
    int64_t deadline = cb_ns_add(cb_now_ns(), cb_seconds_to_ns(timeout_s));
    struct pollfd *pfd = cb_xcalloc(3 * n + 2, sizeof *pfd);
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGHUP);
    int sfd = signalfd(-1, &stops, SFD_CLOEXEC | SFD_NONBLOCK), signo = 0;
    for (;;) {
        size_t np = 0;
        if (sfd >= 0)
            pfd[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
        for (size_t i = 0; i < n; i++) {
            capture *c = &cs[i];
            if (c->out_fd >= 0)
                pfd[np++] = (struct pollfd){.fd = c->out_fd, .events = POLLIN};
            if (c->err_fd >= 0)
                pfd[np++] = (struct pollfd){.fd = c->err_fd, .events = POLLIN};
        }
        if (np == (sfd >= 0 ? 1u : 0u))
            break;
        int64_t left = deadline - cb_now_ns();
        if (left <= 0)
            break;
        int64_t left_ms = left / 1000000 + 1;
        int r = poll(pfd, np, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
        if (r < 0 && errno != EINTR)
            break;
        struct signalfd_siginfo si;
        if (sfd >= 0 && pfd[0].revents && read(sfd, &si, sizeof si) == sizeof si) {
            signo = (int)si.ssi_signo;
            deadline = cb_now_ns();   /* every probe is killed below, now */
            break;
        }
        for (size_t i = 0; i < n; i++) {
            capture *c = &cs[i];
            for (size_t k = 0; k < np; k++) {
                if (!pfd[k].revents)
                    continue;
                if (pfd[k].fd == c->out_fd)
                    drain(&c->out_fd, &c->out);
                else if (pfd[k].fd == c->err_fd)
                    drain(&c->err_fd, &c->err);
            }
        }
    }
    free(pfd);
    for (size_t i = 0; i < n; i++) {
        capture *c = &cs[i];
        if (c->pid <= 0)
            continue;
        int st;
        pid_t w = waitpid(c->pid, &st, WNOHANG);
        if (w == 0) {
            /* output closed but still running, or past the deadline: give it
             * what is left of the deadline, then kill its group. */
            if (c->pid_fd >= 0) {
                int64_t left_ms = (deadline - cb_now_ns()) / 1000000 + 1;
                struct pollfd p = {.fd = c->pid_fd, .events = POLLIN};
                if (left_ms > 0)
                    poll(&p, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
            }
            w = waitpid(c->pid, &st, WNOHANG);
            if (w == 0) {
                c->timed_out = true;
                kill(-c->pid, SIGKILL);
                kill(c->pid, SIGKILL);
                w = waitpid(c->pid, &st, 0);
            }
        }
        if (w == c->pid)
            c->status = st;
        if (c->out_fd >= 0)
            close(c->out_fd);
        if (c->err_fd >= 0)
            close(c->err_fd);
        if (c->pid_fd >= 0)
            close(c->pid_fd);
    }
    if (sfd >= 0)
        close(sfd);
    return signo;
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

char *cb_command_first_line(char **argv, double timeout_s)
{
    capture c = {.argv = argv};
    capture_all(&c, 1, timeout_s);
    char *line = NULL;
    if (!c.timed_out && c.status == 0 && c.out.len) {
        char *text = cb_buf_take(&c.out);
        text[strcspn(text, "\n")] = 0;
        line = *text ? cb_xstrdup(text) : NULL;
        free(text);
    }
    cb_buf_free(&c.out);
    cb_buf_free(&c.err);
    return line;
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
    capture c = {.argv = argv};
    capture_all(&c, 1, 30);
    int ok = c.status == 0 && c.out.len && !strncmp(c.out.data, "casbench-python\n", 16);
    if (!ok) {
        char *why = last_line(&c.err);
        cb_fail(err, "--venvs: %s is not a working Python interpreter%s%s", given, *why ? ": " : "", why);
        free(why);
        free(exe);
        cb_buf_free(&c.out);
        cb_buf_free(&c.err);
        return -1;
    }
    char *text = cb_buf_take(&c.out);
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
    cb_buf_free(&c.err);
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

static void probe_fill(cb_probe *p, capture *c, double timeout_s)
{
    memset(p, 0, sizeof *p);
    if (c->status == -1 && !c->timed_out) {
        p->reason = cb_xasprintf("cannot start %s", c->argv[0]);
        return;
    }
    if (c->timed_out) {
        p->reason = cb_xasprintf("--probe did not answer within %g s", timeout_s);
        return;
    }
    json_object *o = probe_json(&c->out);
    if (!o || !WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0) {
        char *why = last_line(&c->err);
        if (WIFSIGNALED(c->status))
            p->reason = cb_xasprintf("--probe died of signal %d%s%s", WTERMSIG(c->status), *why ? ": " : "", why);
        else if (!o)
            p->reason = cb_xasprintf("--probe printed no JSON object (exit %d)%s%s",
                                     WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1, *why ? ": " : "", why);
        else
            p->reason = cb_xasprintf("--probe failed (exit %d)%s%s", WEXITSTATUS(c->status), *why ? ": " : "", why);
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

int cb_probe_all(cb_probe_job *jobs, size_t n, double timeout_s, uint64_t memory_limit)
{
    char *limit_env = memory_limit ? cb_xasprintf("%s=%llu", CB_MEMORY_LIMIT_ENV, (unsigned long long)memory_limit)
                                   : NULL;
    capture *cs = cb_xcalloc(n ? n : 1, sizeof *cs);
    char ***argvs = cb_xcalloc(n ? n : 1, sizeof *argvs);
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
        argvs[nc] = a;
        cs[nc].argv = a;
        cs[nc].env = j->lib->env;
        cs[nc].limit_env = limit_env;
        map[nc++] = i;
    }
    int signo = capture_all(cs, nc, timeout_s);
    for (size_t k = 0; k < nc; k++) {
        probe_fill(&jobs[map[k]].result, &cs[k], timeout_s);
        cb_buf_free(&cs[k].out);
        cb_buf_free(&cs[k].err);
        free(argvs[k]);
    }
    free(cs);
    free(argvs);
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
