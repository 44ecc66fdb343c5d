/* interp.c — the interpreter server of interp.h: its FIFOs and shared page,
 * starting and killing it, the command/reply exchange, the repeat loop of a
 * timed_repeat op, the systems as text with the checks a call makes, and
 * turning tagged verify replies into canonical text.
 * Used by the singular and mathematica harnesses, which supply only what
 * their interpreter's language says (cb_interp_spec). */
#define _GNU_SOURCE
#include "interp.h"

#include "common/bounds.h"
#include "data/dataset.h"
#include "memlimit.h"
#include "common/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Shared by the parent and every call child. */
typedef struct {
    volatile pid_t pid;       /* the server, 0: none */
    volatile int busy;        /* a command is in flight (its reply unread) */
    volatile long seq;        /* reply markers: @@E<seq> */
    volatile int starts;      /* servers started so far */
    volatile pid_t parent;    /* the harness (cleans up at exit) */
} shared_state;

static const cb_interp_spec *spec;
static shared_state *shared;
static char fifo_dir[64], in_path[96], out_path[96];
static int keep_fd = -1;      /* parent's write end of the input FIFO */
static int to_fd = -1, from_fd = -1;   /* this process's ends */

/* Lines read from the server. */
static cb_buf inbuf;
static size_t inpos;

/* ------------------------------------------------------------- server */

static bool alive(pid_t pid)
{
    if (pid <= 0 || kill(pid, 0) < 0)
        return false;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static void kill_server(void)
{
    pid_t pid = shared ? shared->pid : 0;
    if (pid > 0) {
        kill(pid, SIGKILL);
        /* reap it when it is ours; otherwise wait until it is gone */
        for (int i = 0; i < 200 && alive(pid); i++) {
            waitpid(pid, NULL, WNOHANG);
            usleep(5000);
        }
        waitpid(pid, NULL, WNOHANG);
        shared->pid = 0;
    }
}

static void on_sigterm(int sig)
{
    (void)sig;
    if (shared && shared->pid > 0)
        kill(shared->pid, SIGKILL);
    if (shared)
        shared->pid = 0;
    _exit(143);
}

void cb_interp_catch_sigterm(void)
{
    signal(SIGTERM, on_sigterm);
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Next line from the server (without '\n') into line; -1 when the server
 * died.  No timeout: the supervisor's limit applies to the whole call. */
static int read_line(cb_buf *line, cb_err *err)
{
    for (;;) {
        char *nl = inbuf.data ? memchr(inbuf.data + inpos, '\n', inbuf.len - inpos) : NULL;
        if (nl) {
            line->len = 0;
            cb_buf_put(line, inbuf.data + inpos, (size_t)(nl - (inbuf.data + inpos)));
            inpos = (size_t)(nl - inbuf.data) + 1;
            if (inpos == inbuf.len)
                inbuf.len = inpos = 0;
            return 0;
        }
        struct pollfd p = {from_fd, POLLIN, 0};
        int r = poll(&p, 1, 200);
        if (r < 0 && errno != EINTR)
            return cb_fail(err, "poll: %s", strerror(errno));
        if (r <= 0) {
            if (!alive(shared->pid))
                return cb_fail(err, "%s (pid %d) died", spec->name, (int)shared->pid);
            continue;
        }
        char chunk[65536];
        ssize_t n = read(from_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return cb_fail(err, "%s closed its output", spec->name);
        cb_buf_put(&inbuf, chunk, (size_t)n);
    }
}

int cb_interp_exchange(const char *cmd, cb_buf *lines, cb_err *err)
{
    long seq = ++shared->seq;
    char marker[48];
    snprintf(marker, sizeof marker, "@@E%ld", seq);
    cb_buf msg = {0};
    cb_buf_printf(&msg, "%s\n", cmd);
    spec->end_marker(&msg, marker);
    cb_buf_putc(&msg, '\n');
    shared->busy = 1;
    int rc = write_all(to_fd, msg.data, msg.len);
    cb_buf_free(&msg);
    if (rc < 0)
        return cb_fail(err, "writing to %s: %s", spec->name, strerror(errno));
    cb_buf line = {0};
    bool failed = false;
    char *oom = NULL;
    while ((rc = read_line(&line, err)) == 0) {
        cb_buf_putc(&line, 0);
        line.len--;
        if (!strcmp(line.data, marker))
            break;
        const char *s = line.data + strspn(line.data, " ");
        if (spec->out_of_memory && !oom && strstr(s, spec->out_of_memory))
            oom = cb_xasprintf("%s: %.200s", spec->name, s);
        const char *error = spec->error_text(s);
        if (error && !failed) {
            failed = true;
            cb_fail(err, "%s: %s", spec->error_label, error);
        } else if (!strncmp(s, "@@", 2) && lines) {
            cb_buf_puts(lines, s);
            cb_buf_putc(lines, '\n');
        }
    }
    cb_buf_free(&line);
    if (oom) {
        kill_server();
        cb_memlimit_exceeded(oom);
    }
    if (rc == 0)
        shared->busy = 0;
    return rc < 0 || failed ? -1 : 0;
}

static void free_strings(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* In the server's child, before exec: its own memory limit. */
static void server_limits(void *arg)
{
    (void)arg;
    signal(SIGTERM, SIG_DFL);
    cb_memlimit_exec_child();
}

static int start_server(cb_err *err)
{
    kill_server();
    shared->busy = 0;
    char **command = spec->command(err);
    if (!command)
        return -1;
    /* its stdin and stdout are the FIFOs (whichever call child comes next
     * talks to it); the allocation tracker (mem mode) counts only in the
     * call child's timed region: it has nothing to do in the server */
    static const char *const no_preload[] = {"LD_PRELOAD", NULL};
    int in = open(in_path, O_RDONLY | O_CLOEXEC), out = open(out_path, O_RDWR | O_CLOEXEC);
    cb_spawn p = {.file = command[0], .argv = command + 1, .env = no_preload, .in = {.kind = CB_IO_FD, .fd = in},
                  .out = {.kind = CB_IO_FD, .fd = out}, .err.kind = CB_IO_STDOUT,
                  .child_setup = server_limits};
    int rc = in < 0 || out < 0 ? cb_fail(err, "opening %s: %s", spec->fifos, strerror(errno)) : cb_spawn_start(&p, err);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    free_strings(command);
    if (rc < 0)
        return -1;
    pid_t pid = cb_spawn_detach(&p);   /* kill_server reaps it */
    shared->pid = pid;
    shared->starts++;
    inbuf.len = inpos = 0;
    cb_buf defs = {0};
    spec->definitions(&defs);
    rc = cb_interp_exchange(defs.data, NULL, err);
    cb_buf_free(&defs);
    if (rc < 0)
        cb_fail_prefix(err, "starting %s", spec->name);
    return rc;
}

int cb_interp_connect(cb_err *err)
{
    if (to_fd < 0)
        to_fd = open(in_path, O_WRONLY | O_CLOEXEC);
    if (from_fd < 0)
        from_fd = open(out_path, O_RDWR | O_CLOEXEC);   /* never blocks; EOF seen by liveness */
    if (to_fd < 0 || from_fd < 0)
        return cb_fail(err, "opening %s: %s", spec->fifos, strerror(errno));
    if (shared->pid > 0 && !shared->busy && alive(shared->pid))
        return 0;
    return start_server(err);
}

static void cleanup(void)
{
    if (!shared || getpid() != shared->parent)
        return;   /* only the parent cleans up */
    kill_server();
    unlink(in_path);
    unlink(out_path);
    rmdir(fifo_dir);
}

int cb_interp_init(const cb_interp_spec *s, cb_err *err)
{
    spec = s;
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return cb_fail(err, "mmap: %s", strerror(errno));
    shared = page;
    shared->parent = getpid();
    snprintf(fifo_dir, sizeof fifo_dir, "/tmp/casbench-%s-XXXXXX", spec->tmp_tag);
    if (!mkdtemp(fifo_dir))
        return cb_fail(err, "mkdtemp: %s", strerror(errno));
    snprintf(in_path, sizeof in_path, "%s/in", fifo_dir);
    snprintf(out_path, sizeof out_path, "%s/out", fifo_dir);
    if (mkfifo(in_path, 0600) < 0 || mkfifo(out_path, 0600) < 0)
        return cb_fail(err, "mkfifo: %s", strerror(errno));
    keep_fd = open(in_path, O_RDWR);   /* the server reads EOF when we are gone */
    atexit(cleanup);
    return 0;
}

/* ------------------------------------------------------------ systems */

/* One polynomial (dict exponent-tuple -> coefficient) as the interpreter's
 * text; NULL with err when it cannot be written. */
static char *poly_text(cb_value terms, int nvars, const cb_interp_text *text, bool *zero, cb_err *err)
{
    cb_buf b = {0};
    mpz_t z;
    mpz_init(z);
    int rc = 0;
    size_t nterms = 0;
    for (size_t t = 0; t < cb_len(terms) && rc == 0; t++) {
        cb_value e;
        if ((rc = cb_harness_term(terms, t, nvars, &e, z, err)) < 0)
            break;
        if (!mpz_sgn(z))
            continue;
        char *c = mpz_get_str(NULL, 10, z);
        text->coeff(&b, nterms++ == 0, c, mpz_sgn(z));
        free(c);
        for (int k = 0; k < nvars && rc == 0; k++) {
            cb_value x = cb_item(e, (size_t)k);
            if (!cb_is(x, CB_INT) || cb_int_sgn(x) < 0 || !cb_int_fits_i64(x)
                || cb_int_get_i64(x) > text->max_exp)
                rc = cb_fail(err, "term %zu: %s", t, text->exp_error);
            else if (cb_int_get_i64(x))
                text->power(&b, k, (long long)cb_int_get_i64(x));
        }
    }
    mpz_clear(z);
    *zero = nterms == 0;
    if (nterms == 0)
        cb_buf_puts(&b, "0");
    if (rc < 0) {
        cb_buf_free(&b);
        return NULL;
    }
    return cb_buf_take(&b);
}

cb_interp_system *cb_interp_systems(cb_value polys_dict, size_t *n, const cb_interp_text *text,
                                    const char *no_gens, cb_err *err)
{
    *n = cb_len(polys_dict);
    cb_interp_system *v = cb_xcalloc(*n ? *n : 1, sizeof *v);
    for (size_t s = 0; s < *n; s++) {
        cb_value sys = cb_dict_val(polys_dict, s);
        cb_value polys = cb_system_polys(sys);
        cb_interp_system *sy = &v[s];
        sy->nvars = (int)cb_len(cb_system_gens(sys));
        sy->npolys = (long)cb_len(polys);
        sy->text = cb_xcalloc((size_t)(sy->npolys ? sy->npolys : 1), sizeof *sy->text);
        sy->zero = cb_xcalloc((size_t)(sy->npolys ? sy->npolys : 1), sizeof *sy->zero);
        if (sy->nvars == 0)
            sy->error = cb_xstrdup(no_gens);
        for (long i = 0; i < sy->npolys && !sy->error; i++) {
            sy->text[i] = poly_text(cb_item(polys, (size_t)i), sy->nvars, text, &sy->zero[i], err);
            if (!sy->text[i]) {
                char *key = cb_repr(cb_dict_key(polys_dict, s));
                cb_fail_prefix(err, "system %s, polynomial %ld", key, i);
                sy->error = cb_xstrdup(err->msg);
                free(key);
            }
        }
    }
    return v;
}

bool cb_interp_first_with_nvars(const cb_interp_system *v, size_t s)
{
    for (size_t t = 0; t < s; t++)
        if (!v[t].error && v[t].nvars == v[s].nvars)
            return false;
    return true;
}

int cb_interp_check_call(const cb_interp_system *v, int sa, int sb, long *npairs, cb_err *err)
{
    const cb_interp_system *A = &v[sa], *B = sb >= 0 ? &v[sb] : NULL;
    if (A->error || (B && B->error))
        return cb_fail(err, "%s", A->error ? A->error : B->error);
    if (B) {
        if (A->nvars != B->nvars)
            return cb_fail(err, "the systems have %d and %d generators", A->nvars, B->nvars);
        *npairs = A->npolys < B->npolys ? A->npolys : B->npolys;
    }
    return 0;
}

/* ---------------------------------------------------------- the repeats */

int cb_interp_timed(const char *cmd, double unit_ns, int64_t *wall_ns, int64_t *cpu_ns, cb_err *err)
{
    cb_buf out = {0};
    int rc = cb_interp_exchange(cmd, &out, err);
    double w = -1, cp = -1;
    if (rc == 0 && (!out.data || sscanf(out.data, "@@T %lf %lf", &w, &cp) != 2))
        rc = cb_fail(err, "%s sent no timing", spec->sender);
    *wall_ns = (int64_t)(w * unit_ns);
    *cpu_ns = (int64_t)(cp * unit_ns);
    cb_buf_free(&out);
    return rc;
}

/* -------------------------------------------------------------- verify */

/* "COEFF@E1,E2,... COEFF@..." into t (nvars exponents a term). */
static int parse_terms(cb_terms *t, const char *s, int nvars, cb_err *err)
{
    cb_terms_reset(t, (size_t)nvars);
    unsigned long *exp = cb_xcalloc((size_t)nvars, sizeof *exp);
    int rc = 0;
    while (*s == ' ')
        s++;
    while (*s && rc == 0) {
        const char *at = strchr(s, '@');
        if (!at) {
            rc = cb_fail(err, "unexpected %s output: %.60s", spec->output_label, s);
            break;
        }
        char *c = cb_xasprintf("%.*s", (int)(at - s), s);
        s = at + 1;
        for (int k = 0; k < nvars && rc == 0; k++) {
            char *end;
            exp[k] = strtoul(s, &end, 10);
            if (end == s)
                rc = cb_fail(err, "unexpected %s exponents: %.60s", spec->output_label, s);
            s = *end == ',' ? end + 1 : end;
        }
        if (rc == 0 && mpz_set_str(cb_terms_push(t, exp), c, 10) < 0)
            rc = cb_fail(err, "a coefficient is not an integer: %.60s", c);
        free(c);
        while (*s == ' ')
            s++;
    }
    free(exp);
    return rc;
}

/* The lines of a reply starting with tag (e.g. "@@P "), in order. */
static char **lines_with(const char *reply, const char *tag, size_t *n)
{
    char **v = NULL;
    *n = 0;
    size_t tl = strlen(tag);
    for (const char *p = reply; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= tl && !strncmp(p, tag, tl)) {
            v = cb_xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = cb_xasprintf("%.*s", (int)(len - tl), p + tl);
        }
        p = nl ? nl + 1 : NULL;
    }
    return v;
}

static void free_lines(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* "@@F MULT TERMS" lines: the canonical factor line (content 1). */
static int canon_factors(cb_buf *out, char **v, size_t n, int nvars, cb_err *err)
{
    int rc = 0;
    cb_terms *fs = cb_xcalloc(n ? n : 1, sizeof *fs);
    unsigned long *mults = cb_xcalloc(n ? n : 1, sizeof *mults);
    for (size_t k = 0; k < n; k++) {
        char *sp;
        mults[k] = strtoul(v[k], &sp, 10);
        cb_terms_init(&fs[k], (size_t)nvars);
        if (rc == 0)
            rc = parse_terms(&fs[k], sp, nvars, err);
    }
    if (rc == 0) {
        mpz_t one;
        mpz_init_set_ui(one, 1);
        cb_canon_factor(out, one, fs, mults, n);
        mpz_clear(one);
    }
    for (size_t k = 0; k < n; k++)
        cb_terms_clear(&fs[k]);
    free(fs);
    free(mults);
    return rc;
}

/* "@@P" lines of a basis: primitive, positive, zeros dropped, sorted. */
static int canon_basis(cb_buf *out, cb_terms *t, char **v, size_t n, int nvars, cb_err *err)
{
    int rc = 0;
    char **texts = cb_xcalloc(n ? n : 1, sizeof *texts);
    size_t m = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        rc = parse_terms(t, v[k], nvars, err);
        if (rc == 0 && t->n) {
            cb_buf b = {0};
            cb_canon_poly(&b, t, CB_CANON_PRIMITIVE | CB_CANON_POSITIVE);
            texts[m++] = cb_buf_take(&b);
        }
    }
    if (rc == 0)
        cb_canon_sorted_lines(out, texts, m);
    free_lines(texts, m);
    return rc;
}

static int canon_reply(cb_buf *out, cb_terms *t, const char *r, cb_reply_kind kind, int nvars, cb_err *err)
{
    size_t n = 0;
    char **v = NULL;
    int rc = 0;
    if (kind == CB_REPLY_COEFF) {
        v = lines_with(r, "@@C ", &n);
        if (n != 1)
            rc = cb_fail(err, "%s sent no leading coefficient", spec->sender);
        else
            cb_buf_puts(out, v[0]);
    } else if (kind == CB_REPLY_FACTORS) {
        v = lines_with(r, "@@F ", &n);
        rc = canon_factors(out, v, n, nvars, err);
    } else if (kind == CB_REPLY_BASIS) {
        v = lines_with(r, "@@P ", &n);
        rc = canon_basis(out, t, v, n, nvars, err);
    } else {
        v = lines_with(r, "@@P ", &n);
        if (n != (kind == CB_REPLY_QUOREM ? 2u : 1u))
            rc = cb_fail(err, "%s sent %zu results", spec->sender, n);
        for (size_t k = 0; k < n && rc == 0; k++) {
            if (k)
                cb_buf_puts(out, " | ");
            rc = parse_terms(t, v[k], nvars, err);
            if (rc == 0)
                cb_canon_poly(out, t, kind == CB_REPLY_POLY_POSITIVE ? CB_CANON_POSITIVE : 0);
        }
    }
    free_lines(v, n);
    return rc;
}

cb_reply_kind cb_interp_reply_kind(const char *function)
{
    static const struct {
        const char *function;
        cb_reply_kind kind;
    } kinds[] = {
        {"leading_coefficient", CB_REPLY_COEFF}, {"factor", CB_REPLY_FACTORS}, {"groebner", CB_REPLY_BASIS},
        {"divmod", CB_REPLY_QUOREM},             {"gcd", CB_REPLY_POLY_POSITIVE}, {"lcm", CB_REPLY_POLY_POSITIVE},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(kinds[i].function, function))
            return kinds[i].kind;
    return CB_REPLY_POLY;
}

int cb_interp_verify(cb_buf *out, long nitems, void (*cmd)(cb_buf *b, long i), cb_reply_kind kind,
                     int nvars, cb_err *err)
{
    cb_terms t;
    cb_terms_init(&t, (size_t)nvars);
    int rc = 0;
    for (long i = 0; i < nitems && rc == 0; i++) {
        if (i)
            cb_buf_putc(out, '\n');
        cb_buf command = {0}, reply = {0};
        cmd(&command, i);
        rc = cb_interp_exchange(command.data, &reply, err);
        cb_buf_free(&command);
        if (rc == 0)
            rc = canon_reply(out, &t, reply.data ? reply.data : "", kind, nvars, err);
        cb_buf_free(&reply);
    }
    cb_terms_clear(&t);
    return rc;
}
