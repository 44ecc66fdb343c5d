/* singular.c — the `singular` harness: drives Debian's Singular interpreter
 * (DESIGN §6, §7), `ring R = integer, (x(1..n)), lp`.
 *
 * Execution (DESIGN §5) is harness/common's: a child is forked per call and
 * supervised with the time limit.  What differs is where the work happens:
 * in one long-lived Singular process (the "server") which has the rings and
 * every polynomial defined once, so a call sends only a short command.
 *
 *   - The server's stdin and stdout are two FIFOs in a private directory, so
 *     that whichever process needs it (the call child of the moment) can
 *     talk to it, and whichever call child finds it missing or dirty can
 *     start a fresh one.  Its pid, a "busy" flag and the reply counter live
 *     in a page shared (MAP_SHARED) by the parent and all call children.
 *   - The parent keeps a write end of the input FIFO open, so when the
 *     harness goes away the server reads EOF and exits.
 *   - Timing is Singular's own: each repeat is one command that reads
 *     `rtimer` (wall) and `timer` (CPU) around the operation, in
 *     microseconds (system("--ticks-per-sec", 1000000)); the pipe round trip
 *     and the polynomials' transfer are not timed (timed_repeat op).
 *   - Time limit: the executor SIGTERMs the call child at the limit; its
 *     handler SIGKILLs the server, and the next call starts a fresh one
 *     (re-defining rings and polynomials, untimed).  A call child killed
 *     outright leaves the "busy" flag set, which has the same effect.
 *   - The record's `pid` and `max_rss_kib` are the call child's (the
 *     executor's); the server's are not in the record (docs/external.md).
 *
 * Functions (generator k is x(k+1); "a", "b" a pair of polynomials):
 *   add, sub, mult   a + b, a - b, a * b
 *   divmod           division(a, b): Singular's division over ZZ
 *   gcd              gcd(a, b)
 *   lcm              (a / gcd(a, b)) * b (Singular has no polynomial lcm
 *                    without libraries)
 *   resultant        resultant(a, b, var(1)) in the same ring over QQ
 *                    (Singular does not implement it over `integer`); the
 *                    polynomials are mapped there untimed
 *   factor           factorize(a) over ZZ
 *   leading_coefficient  leadcoef(a) (lp: the lex one)
 *   groebner         std(I) over `integer` (a strong basis), in lp, or dp
 *                    with --order grevlex (the ideal mapped untimed) */
#define _GNU_SOURCE
#include "canon.h"
#include "dataset.h"
#include "harness.h"
#include "paths.h"

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

typedef struct {
    int nvars;
    long npolys;
    char **text;       /* Singular expression of each polynomial */
    bool *zero;
    char *error;       /* why it cannot be used: its calls are `error` */
} sing_system;

static sing_system *systems;
static size_t nsystems;
static bool grevlex;
/* mem mode: the allocation tracker would see only the call child talking
 * to the server, not the server's work, so no call is offered there
 * (`unsupported`, docs/external.md). */
static bool mem_mode;

/* Shared by the parent and every call child. */
typedef struct {
    volatile pid_t pid;       /* the server, 0: none */
    volatile int busy;        /* a command is in flight (its reply unread) */
    volatile long seq;        /* reply markers: @@E<seq> */
    volatile int starts;      /* servers started so far */
} shared_state;

static shared_state *shared;
static char fifo_dir[64], in_path[96], out_path[96];
static int keep_fd = -1;      /* parent's write end of the input FIFO */
static int to_fd = -1, from_fd = -1;   /* this process's ends */

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

/* Lines read from the server. */
static cb_buf inbuf;
static size_t inpos;

/* Next line from the server (without '\n') into line; -1 when the server
 * died.  No timeout: the executor's limit applies to the whole call. */
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
                return cb_fail(err, "Singular (pid %d) died", (int)shared->pid);
            continue;
        }
        char chunk[65536];
        ssize_t n = read(from_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return cb_fail(err, "Singular closed its output");
        cb_buf_put(&inbuf, chunk, (size_t)n);
    }
}

/* Send a command followed by its end marker; collect the reply's lines
 * starting with "@@" (except the marker) into lines (joined by '\n'), and
 * the first error line ("? ...") into err.  Returns -1 on an error. */
static int exchange(const char *cmd, cb_buf *lines, cb_err *err)
{
    long seq = ++shared->seq;
    char marker[48];
    snprintf(marker, sizeof marker, "@@E%ld", seq);
    cb_buf msg = {0};
    cb_buf_printf(&msg, "%s\nprint(\"%s\");\n", cmd, marker);
    shared->busy = 1;
    int rc = write_all(to_fd, msg.data, msg.len);
    cb_buf_free(&msg);
    if (rc < 0)
        return cb_fail(err, "writing to Singular: %s", strerror(errno));
    cb_buf line = {0};
    bool failed = false;
    while ((rc = read_line(&line, err)) == 0) {
        cb_buf_putc(&line, 0);
        line.len--;
        if (!strcmp(line.data, marker))
            break;
        const char *s = line.data + strspn(line.data, " ");
        if (s[0] == '?' && !failed) {
            failed = true;
            cb_fail(err, "Singular: %s", s + 1 + strspn(s + 1, " "));
        } else if (!strncmp(s, "@@", 2) && lines) {
            cb_buf_puts(lines, s);
            cb_buf_putc(lines, '\n');
        }
    }
    cb_buf_free(&line);
    if (rc == 0)
        shared->busy = 0;
    return rc < 0 || failed ? -1 : 0;
}

/* The rings and polynomials, defined in a fresh server. */
static void definitions(cb_buf *b)
{
    cb_buf_puts(b, "system(\"--ticks-per-sec\", 1000000);\n"
                   "proc cbp(poly p) { string s = \"\"; while (p != 0) { s = s + string(leadcoef(p))"
                   " + \"@\" + string(leadexp(p)) + \" \"; p = p - lead(p); } return(s); }\n");
    for (size_t s = 0; s < nsystems; s++) {
        const sing_system *sy = &systems[s];
        if (sy->error)
            continue;
        bool first = true;
        for (size_t t = 0; t < s; t++)
            if (!systems[t].error && systems[t].nvars == sy->nvars)
                first = false;
        if (first)
            cb_buf_printf(b, "ring R%d = integer, (x(1..%d)), lp;\n", sy->nvars, sy->nvars);
        else
            cb_buf_printf(b, "setring R%d;\n", sy->nvars);
        for (long i = 0; i < sy->npolys; i++)
            cb_buf_printf(b, "poly p_%zu_%ld = %s;\n", s, i, sy->text[i]);
    }
}

static int start_server(cb_err *err)
{
    kill_server();
    shared->busy = 0;
    pid_t pid = fork();
    if (pid < 0)
        return cb_fail(err, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open(in_path, O_RDONLY), out = open(out_path, O_RDWR);
        if (in < 0 || out < 0)
            _exit(127);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        signal(SIGTERM, SIG_DFL);
        /* the allocation tracker (mem mode) counts only in the call child's
         * timed region: it has nothing to do in the server */
        unsetenv("LD_PRELOAD");
        execlp("Singular", "Singular", "-q", "--no-rc", "-t", "--ticks-per-sec=1000000", (char *)NULL);
        _exit(127);
    }
    shared->pid = pid;
    shared->starts++;
    inbuf.len = inpos = 0;
    cb_buf defs = {0};
    definitions(&defs);
    int rc = exchange(defs.data, NULL, err);
    cb_buf_free(&defs);
    if (rc < 0)
        cb_fail_prefix(err, "starting Singular");
    return rc;
}

/* This process's connection to a clean server (starting one if needed). */
static int connect_server(cb_err *err)
{
    if (to_fd < 0)
        to_fd = open(in_path, O_WRONLY | O_CLOEXEC);
    if (from_fd < 0)
        from_fd = open(out_path, O_RDWR | O_CLOEXEC);   /* never blocks; EOF seen by liveness */
    if (to_fd < 0 || from_fd < 0)
        return cb_fail(err, "opening the Singular FIFOs: %s", strerror(errno));
    if (shared->pid > 0 && !shared->busy && alive(shared->pid))
        return 0;
    return start_server(err);
}

static void cleanup(void)
{
    if (!shared || getpid() != *(volatile pid_t *)&shared[1])
        return;   /* only the parent cleans up */
    kill_server();
    unlink(in_path);
    unlink(out_path);
    rmdir(fifo_dir);
}

/* --------------------------------------------------------------- setup */

static char *poly_text(cb_value terms, int nvars, bool *zero, cb_err *err)
{
    cb_buf b = {0};
    mpz_t z;
    mpz_init(z);
    int rc = 0;
    size_t nterms = 0;
    for (size_t t = 0; t < cb_len(terms) && rc == 0; t++) {
        cb_value e = cb_dict_key(terms, t);
        if (!cb_is_seq(e) || (int)cb_len(e) != nvars) {
            rc = cb_fail(err, "term %zu: exponent tuple of the wrong length", t);
            break;
        }
        if (cb_coeff_get_mpz(cb_dict_val(terms, t), z, err) < 0) {
            rc = -1;
            break;
        }
        if (!mpz_sgn(z))
            continue;
        char *c = mpz_get_str(NULL, 10, z);
        cb_buf_printf(&b, "%s(%s)", nterms++ ? "+" : "", c);
        free(c);
        for (int k = 0; k < nvars && rc == 0; k++) {
            cb_value x = cb_item(e, (size_t)k);
            if (!cb_is(x, CB_INT) || cb_int_sgn(x) < 0 || !cb_int_fits_i64(x)
                || cb_int_get_i64(x) > 0x7fffffff)
                rc = cb_fail(err, "term %zu: exponents must be ints in 0..2^31-1", t);
            else if (cb_int_get_i64(x))
                cb_buf_printf(&b, "*x(%d)^%lld", k + 1, (long long)cb_int_get_i64(x));
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

static int setup(const cb_config *cfg, cb_err *err)
{
    grevlex = cfg->grevlex;
    mem_mode = cfg->mode == CB_MODE_MEM;
    nsystems = cb_len(cfg->polys);
    systems = cb_xcalloc(nsystems ? nsystems : 1, sizeof *systems);
    for (size_t s = 0; s < nsystems; s++) {
        cb_value sys = cb_dict_val(cfg->polys, s);
        cb_value polys = cb_system_polys(sys);
        sing_system *sy = &systems[s];
        sy->nvars = (int)cb_len(cb_system_gens(sys));
        sy->npolys = (long)cb_len(polys);
        sy->text = cb_xcalloc((size_t)(sy->npolys ? sy->npolys : 1), sizeof *sy->text);
        sy->zero = cb_xcalloc((size_t)(sy->npolys ? sy->npolys : 1), sizeof *sy->zero);
        if (sy->nvars == 0)
            sy->error = cb_xstrdup("Singular needs at least one generator");
        for (long i = 0; i < sy->npolys && !sy->error; i++) {
            sy->text[i] = poly_text(cb_item(polys, (size_t)i), sy->nvars, &sy->zero[i], err);
            if (!sy->text[i]) {
                char *key = cb_repr(cb_dict_key(cfg->polys, s));
                cb_fail_prefix(err, "system %s, polynomial %ld", key, i);
                sy->error = cb_xstrdup(err->msg);
                free(key);
            }
        }
    }
    /* the shared page: state, then the parent's pid (for cleanup) */
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return cb_fail(err, "mmap: %s", strerror(errno));
    shared = page;
    *(volatile pid_t *)&shared[1] = getpid();
    snprintf(fifo_dir, sizeof fifo_dir, "/tmp/casbench-singular-XXXXXX");
    if (!mkdtemp(fifo_dir))
        return cb_fail(err, "mkdtemp: %s", strerror(errno));
    snprintf(in_path, sizeof in_path, "%s/in", fifo_dir);
    snprintf(out_path, sizeof out_path, "%s/out", fifo_dir);
    if (mkfifo(in_path, 0600) < 0 || mkfifo(out_path, 0600) < 0)
        return cb_fail(err, "mkfifo: %s", strerror(errno));
    keep_fd = open(in_path, O_RDWR);   /* the server sees EOF when we are gone */
    atexit(cleanup);
    return 0;
}

/* ---------------------------------------------------------------- calls */

typedef enum { F_ADD, F_SUB, F_MULT, F_DIVMOD, F_RESULTANT, F_GCD, F_LCM, F_FACTOR, F_LC, F_GROEBNER } fid;
static const char *fnames[] = {"add", "sub", "mult", "divmod", "resultant", "gcd", "lcm",
                               "factor", "leading_coefficient", "groebner"};
enum { NF = sizeof fnames / sizeof *fnames };

static fid cur;
static int sa, sb = -1;       /* system indices */
static long npairs;
static int nvars;
static const char *ring;      /* the ring the call runs in */
static char ring_buf[32];

static int find(const char *name)
{
    for (int i = 0; i < NF; i++)
        if (!strcmp(fnames[i], name))
            return i;
    return -1;
}

static bool supports(const char *function)
{
    return find(function) >= 0 && !mem_mode;
}

/* The expression of item i of the call (pair i, polynomial i). */
static void expr(cb_buf *b, long i)
{
    char a[64], c[64];
    snprintf(a, sizeof a, "p_%d_%ld", sa, i);
    snprintf(c, sizeof c, "p_%d_%ld", sb, i);
    switch (cur) {
    case F_ADD: cb_buf_printf(b, "%s + %s", a, c); break;
    case F_SUB: cb_buf_printf(b, "%s - %s", a, c); break;
    case F_MULT: cb_buf_printf(b, "%s * %s", a, c); break;
    case F_DIVMOD: cb_buf_printf(b, "division(%s, %s)", a, c); break;
    case F_RESULTANT: cb_buf_printf(b, "resultant(q_%d_%ld, q_%d_%ld, var(1))", sa, i, sb, i); break;
    case F_GCD: cb_buf_printf(b, "gcd(%s, %s)", a, c); break;
    case F_LCM: cb_buf_printf(b, "(%s / gcd(%s, %s)) * %s", a, a, c, c); break;
    case F_FACTOR: cb_buf_printf(b, "factorize(%s)", a); break;
    case F_LC: cb_buf_printf(b, "leadcoef(%s)", a); break;
    case F_GROEBNER: cb_buf_puts(b, "std(I_)"); break;
    }
}

static long items(void)
{
    return cur == F_GROEBNER ? 1 : sb >= 0 ? npairs : systems[sa].npolys;
}

static int prepare(const cb_call *c, cb_err *err)
{
    signal(SIGTERM, on_sigterm);
    cur = (fid)find(c->function);
    sa = c->sys[0];
    sb = c->nargs > 1 ? c->sys[1] : -1;
    const sing_system *A = &systems[sa], *B = sb >= 0 ? &systems[sb] : NULL;
    if (A->error || (B && B->error))
        return cb_fail(err, "%s", A->error ? A->error : B->error);
    nvars = A->nvars;
    if (B) {
        if (A->nvars != B->nvars)
            return cb_fail(err, "the systems have %d and %d generators", A->nvars, B->nvars);
        npairs = A->npolys < B->npolys ? A->npolys : B->npolys;
        if (cur == F_DIVMOD)
            for (long i = 0; i < npairs; i++)
                if (B->zero[i])
                    return cb_fail(err, "division by zero (pair %ld)", i);
    }
    if (connect_server(err) < 0)
        return -1;
    /* untimed: the call's ring and what must be mapped into it */
    cb_buf cmd = {0};
    snprintf(ring_buf, sizeof ring_buf, "R%d", nvars);
    ring = ring_buf;
    cb_buf_printf(&cmd, "setring R%d;\n", nvars);
    if (cur == F_RESULTANT) {
        snprintf(ring_buf, sizeof ring_buf, "Q%d", nvars);
        cb_buf_printf(&cmd, "if (!defined(Q%d)) { ring Q%d = 0, (x(1..%d)), lp; setring R%d; }\n", nvars,
                      nvars, nvars, nvars);
        cb_buf_printf(&cmd, "setring Q%d;\n", nvars);
        for (long i = 0; i < npairs; i++)
            cb_buf_printf(&cmd, "if (defined(q_%d_%ld)) { kill q_%d_%ld; } poly q_%d_%ld = fetch(R%d, p_%d_%ld);\n"
                                "if (defined(q_%d_%ld)) { kill q_%d_%ld; } poly q_%d_%ld = fetch(R%d, p_%d_%ld);\n",
                          sa, i, sa, i, sa, i, nvars, sa, i, sb, i, sb, i, sb, i, nvars, sb, i);
    } else if (cur == F_GROEBNER) {
        cb_buf_puts(&cmd, "if (defined(I_)) { kill I_; }\nideal I_ = ");
        for (long i = 0; i < A->npolys; i++)
            cb_buf_printf(&cmd, "%sp_%d_%ld", i ? ", " : "", sa, i);
        cb_buf_puts(&cmd, A->npolys ? ";\n" : "0;\n");
        if (grevlex) {
            snprintf(ring_buf, sizeof ring_buf, "D%d", nvars);
            cb_buf_printf(&cmd, "if (!defined(D%d)) { ring D%d = integer, (x(1..%d)), dp; setring R%d; }\n",
                          nvars, nvars, nvars, nvars);
            cb_buf_printf(&cmd, "setring D%d; if (defined(I_)) { kill I_; } ideal I_ = fetch(R%d, I_);\n",
                          nvars, nvars);
        }
    }
    int rc = exchange(cmd.data, NULL, err);
    cb_buf_free(&cmd);
    return rc;
}

static int call(const cb_call *c, cb_err *err)
{
    (void)c;
    (void)err;
    return 0;   /* never used: timed_repeat does the work */
}

/* One execution in Singular, timed there: wall and CPU microseconds. */
static int run_once(int64_t *wall_us, int64_t *cpu_us, cb_err *err)
{
    cb_buf cmd = {0}, out = {0};
    cb_buf_printf(&cmd, "if (defined(RES_)) { kill RES_; }\nlist RES_;\n"
                        "int c0_ = timer; int t0_ = rtimer;\n");
    long n = items();
    for (long i = 0; i < n; i++) {
        cb_buf_printf(&cmd, "RES_[%ld] = ", i + 1);
        expr(&cmd, i);
        cb_buf_puts(&cmd, ";\n");
    }
    cb_buf_puts(&cmd, "int t1_ = rtimer; int c1_ = timer;\n"
                      "print(\"@@T \" + string(t1_ - t0_) + \" \" + string(c1_ - c0_));\n"
                      "kill RES_, c0_, t0_, t1_, c1_;\n");
    int rc = exchange(cmd.data, &out, err);
    long long w = -1, cp = -1;
    if (rc == 0 && (!out.data || sscanf(out.data, "@@T %lld %lld", &w, &cp) != 2))
        rc = cb_fail(err, "Singular sent no timing");
    *wall_us = w;
    *cpu_us = cp;
    cb_buf_free(&cmd);
    cb_buf_free(&out);
    return rc;
}

static int timed_repeat(const cb_call *c, int64_t *wall_ns, int64_t *cpu_ns, int64_t *loops, cb_err *err)
{
    int64_t min_ns = (int64_t)(c->cfg->min_time * 1e9);
    *wall_ns = *cpu_ns = *loops = 0;
    do {
        int64_t w, cp;
        if (run_once(&w, &cp, err) < 0)
            return -1;
        *wall_ns += w * 1000;
        *cpu_ns += cp * 1000;
        ++*loops;
    } while (min_ns > 0 && *wall_ns < min_ns);
    return 0;
}

/* -------------------------------------------------------------- verify */

/* "COEFF@E1,E2,... COEFF@..." (cbp's output) into t. */
static int parse_terms(cb_terms *t, const char *s, cb_err *err)
{
    cb_terms_reset(t, (size_t)nvars);
    unsigned long *exp = cb_xcalloc((size_t)nvars, sizeof *exp);
    int rc = 0;
    while (*s == ' ')
        s++;
    while (*s && rc == 0) {
        const char *at = strchr(s, '@');
        if (!at) {
            rc = cb_fail(err, "unexpected Singular output: %.60s", s);
            break;
        }
        char *c = cb_xasprintf("%.*s", (int)(at - s), s);
        s = at + 1;
        for (int k = 0; k < nvars && rc == 0; k++) {
            char *end;
            exp[k] = strtoul(s, &end, 10);
            if (end == s)
                rc = cb_fail(err, "unexpected Singular exponents: %.60s", s);
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

/* The command that prints item i's result for verify. */
static void verify_cmd(cb_buf *b, long i)
{
    cb_buf_puts(b, "if (defined(V_)) { kill V_; }\ndef V_ = ");
    expr(b, i);
    cb_buf_puts(b, ";\n");
    switch (cur) {
    case F_DIVMOD:
        cb_buf_puts(b, "print(\"@@P \" + cbp(V_[1][1,1])); print(\"@@P \" + cbp(V_[2][1]));\n");
        break;
    case F_FACTOR:
        cb_buf_puts(b, "int k_; for (k_ = 1; k_ <= size(V_[1]); k_++) { print(\"@@F \" + string(V_[2][k_])"
                       " + \" \" + cbp(V_[1][k_])); } kill k_;\n");
        break;
    case F_LC:
        cb_buf_puts(b, "print(\"@@C \" + string(V_));\n");
        break;
    case F_GROEBNER:
        cb_buf_puts(b, "int k_; for (k_ = 1; k_ <= ncols(V_); k_++) { print(\"@@P \" + cbp(V_[k_])); } kill k_;\n");
        break;
    default:
        cb_buf_puts(b, "print(\"@@P \" + cbp(V_));\n");
    }
}

static int verify_item(cb_buf *out, cb_terms *t, long i, cb_err *err)
{
    cb_buf cmd = {0}, reply = {0};
    verify_cmd(&cmd, i);
    int rc = exchange(cmd.data, &reply, err);
    cb_buf_free(&cmd);
    const char *r = reply.data ? reply.data : "";
    size_t n = 0;
    char **v = NULL;
    if (rc == 0 && cur == F_LC) {
        v = lines_with(r, "@@C ", &n);
        if (n != 1)
            rc = cb_fail(err, "Singular sent no leading coefficient");
        else
            cb_buf_puts(out, v[0]);
    } else if (rc == 0 && cur == F_FACTOR) {
        v = lines_with(r, "@@F ", &n);
        cb_terms *fs = cb_xcalloc(n ? n : 1, sizeof *fs);
        unsigned long *mults = cb_xcalloc(n ? n : 1, sizeof *mults);
        for (size_t k = 0; k < n; k++) {
            char *sp;
            mults[k] = strtoul(v[k], &sp, 10);
            cb_terms_init(&fs[k], (size_t)nvars);
            if (rc == 0)
                rc = parse_terms(&fs[k], sp, err);
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
    } else if (rc == 0 && cur == F_GROEBNER) {
        v = lines_with(r, "@@P ", &n);
        char **texts = cb_xcalloc(n ? n : 1, sizeof *texts);
        size_t m = 0;
        for (size_t k = 0; k < n && rc == 0; k++) {
            rc = parse_terms(t, v[k], err);
            if (rc == 0 && t->n) {
                cb_buf b = {0};
                cb_canon_poly(&b, t, CB_CANON_PRIMITIVE | CB_CANON_POSITIVE);
                texts[m++] = cb_buf_take(&b);
            }
        }
        if (rc == 0)
            cb_canon_sorted_lines(out, texts, m);
        free_lines(texts, m);
    } else if (rc == 0) {
        v = lines_with(r, "@@P ", &n);
        if (n != (cur == F_DIVMOD ? 2u : 1u))
            rc = cb_fail(err, "Singular sent %zu results", n);
        for (size_t k = 0; k < n && rc == 0; k++) {
            if (k)
                cb_buf_puts(out, " | ");
            rc = parse_terms(t, v[k], err);
            if (rc == 0)
                cb_canon_poly(out, t, cur == F_GCD || cur == F_LCM ? CB_CANON_POSITIVE : 0);
        }
    }
    free_lines(v, n);
    cb_buf_free(&reply);
    return rc;
}

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    (void)c;
    cb_terms t;
    cb_terms_init(&t, (size_t)nvars);
    int rc = 0;
    for (long i = 0; i < items() && rc == 0; i++) {
        if (i)
            cb_buf_putc(out, '\n');
        rc = verify_item(out, &t, i, err);
    }
    cb_terms_clear(&t);
    return rc;
}

/* --------------------------------------------------------------- probe */

static void probe(json_object *out)
{
    char *exe = cb_which("Singular");
    if (!exe) {
        json_object_object_add(out, "available", json_object_new_boolean(0));
        json_object_object_add(out, "reason", json_object_new_string("Singular is not on PATH"));
        json_object_object_add(out, "version", NULL);
        return;
    }
    char line[256] = "";
    FILE *p = popen("Singular --dump-versiontuple 2>/dev/null", "r");
    if (p) {
        if (!fgets(line, sizeof line, p))
            line[0] = 0;
        pclose(p);
    }
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) {
        json_object_object_add(out, "available", json_object_new_boolean(0));
        json_object_object_add(out, "reason", json_object_new_string("Singular --dump-versiontuple gave no version"));
    }
    json_object_object_add(out, "version", line[0] ? json_object_new_string(line) : NULL);
    json_object *v = json_object_new_object();
    json_object_object_add(v, "singular", line[0] ? json_object_new_string(line) : NULL);
    json_object_object_add(v, "path", json_object_new_string(exe));
    json_object_object_add(out, "versions", v);
    free(exe);
}

static const cb_harness_ops ops = {
    .library = "singular",
    .probe = probe,
    .setup = setup,
    .supports = supports,
    .prepare = prepare,
    .call = call,
    .verify = verify,
    .timed_repeat = timed_repeat,
};

int main(int argc, char **argv)
{
    (void)keep_fd;
    (void)ring;
    return cb_harness_main(argc, argv, &ops);
}
