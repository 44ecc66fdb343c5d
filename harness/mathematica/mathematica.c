/* mathematica.c — the `mathematica` harness: drives a Wolfram kernel
 * (`WolframKernel`, or `wolframscript` when that is what is on PATH),
 * DESIGN §6, §7.  UNTESTED AGAINST A REAL KERNEL: Mathematica cannot be
 * installed where casbench is developed.  What is tested is the Wolfram
 * Language text this file sends (`--wl CONFIG`, tests/integration/
 * mathematica_text.sh against hand-written files of expected text).
 *
 * The machinery is the singular harness's (harness/singular/singular.c):
 * one long-lived kernel (the "server") whose stdin and stdout are two FIFOs,
 * its pid, a "busy" flag and the reply counter in a page shared by the
 * parent and the call children; the polynomials are defined once per
 * server; timing is the kernel's own (Timing and AbsoluteTiming around the
 * operation, timed_repeat op); at the time limit the call child's SIGTERM
 * handler SIGKILLs the kernel and the next call starts a fresh one.
 *
 * The kernel runs a read-eval loop over its stdin (Read[..., Expression]),
 * so each command is one Wolfram Language expression; a command that emits
 * messages (Check) prints "@@X" and is an `error` with them.
 *
 * Generators are the symbols x1, x2, ...; polynomial i of system s is
 * cbP[s, i]; cbG[n] is {x1, ..., xn}.  Functions ("a", "b" a pair):
 *   add, sub         a + b, a - b (Plus collects like terms)
 *   mult             Expand[a*b]
 *   divmod           PolynomialReduce[a, {b}, gens, CoefficientDomain -> Integers]
 *   resultant        Resultant[a, b, x1]
 *   gcd, lcm         PolynomialGCD[a, b], PolynomialLCM[a, b]
 *   factor           FactorList[a]
 *   leading_coefficient  the first of CoefficientRules[a, gens, "Lexicographic"]
 *   groebner         GroebnerBasis[polys, gens, MonomialOrder -> Lexicographic
 *                    (DegreeReverseLexicographic with --order grevlex),
 *                    CoefficientDomain -> Integers] */
#define _GNU_SOURCE
#include "canon.h"
#include "dataset.h"
#include "harness.h"
#include "paths.h"
#include "pickle.h"

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
    char **text;       /* Wolfram Language expression of each polynomial */
    char *error;       /* why it cannot be used: its calls are `error` */
} wl_system;

static wl_system *systems;
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
    volatile pid_t parent;    /* the harness (cleans up at exit) */
} shared_state;

static shared_state *shared;
static char fifo_dir[64], in_path[96], out_path[96];
static int keep_fd = -1;      /* parent's write end of the input FIFO */
static int to_fd = -1, from_fd = -1;   /* this process's ends */

/* The kernel to start: WolframKernel (or math), else wolframscript. */
static char *kernel_path(bool *is_script)
{
    static const char *kernels[] = {"WolframKernel", "math"};
    for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++) {
        char *p = cb_which(kernels[i]);
        if (p) {
            *is_script = false;
            return p;
        }
    }
    *is_script = true;
    return cb_which("wolframscript");
}

/* The kernel's read-eval loop over its stdin. */
static const char *server_loop =
    "cbIn = OpenRead[\"/dev/stdin\"]; "
    "While[True, cbE = Read[cbIn, Hold[Expression]]; "
    "If[cbE === EndOfFile, Exit[0]]; ReleaseHold[cbE]]";
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
                return cb_fail(err, "the Wolfram kernel (pid %d) died", (int)shared->pid);
            continue;
        }
        char chunk[65536];
        ssize_t n = read(from_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return cb_fail(err, "the Wolfram kernel closed its output");
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
    cb_buf_printf(&msg, "%s\nPrint[\"%s\"]\n", cmd, marker);
    shared->busy = 1;
    int rc = write_all(to_fd, msg.data, msg.len);
    cb_buf_free(&msg);
    if (rc < 0)
        return cb_fail(err, "writing to the Wolfram kernel: %s", strerror(errno));
    cb_buf line = {0};
    bool failed = false;
    while ((rc = read_line(&line, err)) == 0) {
        cb_buf_putc(&line, 0);
        line.len--;
        if (!strcmp(line.data, marker))
            break;
        const char *s = line.data + strspn(line.data, " ");
        if (!strncmp(s, "@@X ", 4) && !failed) {
            failed = true;
            cb_fail(err, "Wolfram kernel: %s", s + 4);
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

/* The helpers and polynomials, defined once in a fresh kernel: one
 * expression per line. */
static void definitions(cb_buf *b)
{
    cb_buf_puts(b,
        "SetAttributes[cbRun, HoldAll]; cbRun[e_] := Check[e, Print[\"@@X \", "
        "StringRiffle[ToString /@ $MessageList, \"; \"]]]\n"
        "cbNum[t_] := ToString[CForm[N[t]]]\n"
        "cbTerms[p_, g_] := StringRiffle[(ToString[#[[2]], InputForm] <> \"@\" <> "
        "StringRiffle[ToString /@ #[[1]], \",\"]) & /@ CoefficientRules[p, g], \" \"]\n"
        "cbLC[p_, g_] := If[p === 0, 0, CoefficientRules[p, g, \"Lexicographic\"][[1, 2]]]\n");
    for (size_t s = 0; s < nsystems; s++) {
        const wl_system *sy = &systems[s];
        if (sy->error)
            continue;
        bool first = true;
        for (size_t t = 0; t < s; t++)
            if (!systems[t].error && systems[t].nvars == sy->nvars)
                first = false;
        if (first) {
            cb_buf_printf(b, "cbG[%d] = {", sy->nvars);
            for (int k = 1; k <= sy->nvars; k++)
                cb_buf_printf(b, "%sx%d", k > 1 ? ", " : "", k);
            cb_buf_puts(b, "};\n");
        }
        for (long i = 0; i < sy->npolys; i++)
            cb_buf_printf(b, "cbP[%zu, %ld] = %s;\n", s, i, sy->text[i]);
    }
    if (b->len)
        b->len--;   /* exchange() adds the newline */
}

static int start_server(cb_err *err)
{
    kill_server();
    shared->busy = 0;
    bool script;
    char *exe = kernel_path(&script);
    if (!exe)
        return cb_fail(err, "wolframscript/WolframKernel not on PATH");
    pid_t pid = fork();
    if (pid < 0) {
        free(exe);
        return cb_fail(err, "fork: %s", strerror(errno));
    }
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
        if (script)
            execl(exe, "wolframscript", "-code", server_loop, (char *)NULL);
        else
            execl(exe, exe, "-noprompt", "-run", server_loop, (char *)NULL);
        _exit(127);
    }
    free(exe);
    shared->pid = pid;
    shared->starts++;
    inbuf.len = inpos = 0;
    cb_buf defs = {0};
    definitions(&defs);
    int rc = exchange(defs.data, NULL, err);
    cb_buf_free(&defs);
    if (rc < 0)
        cb_fail_prefix(err, "starting the Wolfram kernel");
    return rc;
}

static int connect_server(cb_err *err)
{
    if (to_fd < 0)
        to_fd = open(in_path, O_WRONLY | O_CLOEXEC);
    if (from_fd < 0)
        from_fd = open(out_path, O_RDWR | O_CLOEXEC);
    if (to_fd < 0 || from_fd < 0)
        return cb_fail(err, "opening the kernel's FIFOs: %s", strerror(errno));
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

/* --------------------------------------------------------------- setup */

/* "c*x1^e1*x2^e2 + (-c)*x1 + ..." (exponent 1 omitted), "0" when empty. */
static char *poly_text(cb_value terms, int nvars, cb_err *err)
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
        cb_buf_printf(&b, mpz_sgn(z) < 0 ? "%s(%s)" : "%s%s", nterms++ ? " + " : "", c);
        free(c);
        for (int k = 0; k < nvars && rc == 0; k++) {
            cb_value x = cb_item(e, (size_t)k);
            if (!cb_is(x, CB_INT) || cb_int_sgn(x) < 0 || !cb_int_fits_i64(x))
                rc = cb_fail(err, "term %zu: exponents must be non-negative ints below 2^63", t);
            else if (cb_int_get_i64(x) == 1)
                cb_buf_printf(&b, "*x%d", k + 1);
            else if (cb_int_get_i64(x) > 1)
                cb_buf_printf(&b, "*x%d^%lld", k + 1, (long long)cb_int_get_i64(x));
        }
    }
    mpz_clear(z);
    if (nterms == 0)
        cb_buf_puts(&b, "0");
    if (rc < 0) {
        cb_buf_free(&b);
        return NULL;
    }
    return cb_buf_take(&b);
}

/* Parse the dataset into texts (no kernel needed: --wl uses this too). */
static void parse_systems(cb_value polys_dict, cb_err *err)
{
    nsystems = cb_len(polys_dict);
    systems = cb_xcalloc(nsystems ? nsystems : 1, sizeof *systems);
    for (size_t s = 0; s < nsystems; s++) {
        cb_value sys = cb_dict_val(polys_dict, s);
        cb_value polys = cb_system_polys(sys);
        wl_system *sy = &systems[s];
        sy->nvars = (int)cb_len(cb_system_gens(sys));
        sy->npolys = (long)cb_len(polys);
        sy->text = cb_xcalloc((size_t)(sy->npolys ? sy->npolys : 1), sizeof *sy->text);
        if (sy->nvars == 0)
            sy->error = cb_xstrdup("the Wolfram harness needs at least one generator");
        for (long i = 0; i < sy->npolys && !sy->error; i++) {
            sy->text[i] = poly_text(cb_item(polys, (size_t)i), sy->nvars, err);
            if (!sy->text[i]) {
                char *key = cb_repr(cb_dict_key(polys_dict, s));
                cb_fail_prefix(err, "system %s, polynomial %ld", key, i);
                sy->error = cb_xstrdup(err->msg);
                free(key);
            }
        }
    }
}

static int setup(const cb_config *cfg, cb_err *err)
{
    grevlex = cfg->grevlex;
    mem_mode = cfg->mode == CB_MODE_MEM;
    parse_systems(cfg->polys, err);
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return cb_fail(err, "mmap: %s", strerror(errno));
    shared = page;
    shared->parent = getpid();
    snprintf(fifo_dir, sizeof fifo_dir, "/tmp/casbench-wolfram-XXXXXX");
    if (!mkdtemp(fifo_dir))
        return cb_fail(err, "mkdtemp: %s", strerror(errno));
    snprintf(in_path, sizeof in_path, "%s/in", fifo_dir);
    snprintf(out_path, sizeof out_path, "%s/out", fifo_dir);
    if (mkfifo(in_path, 0600) < 0 || mkfifo(out_path, 0600) < 0)
        return cb_fail(err, "mkfifo: %s", strerror(errno));
    keep_fd = open(in_path, O_RDWR);   /* the kernel reads EOF when we are gone */
    atexit(cleanup);
    return 0;
}

/* ---------------------------------------------------------------- calls */

typedef enum { F_ADD, F_SUB, F_MULT, F_DIVMOD, F_RESULTANT, F_GCD, F_LCM, F_FACTOR, F_LC, F_GROEBNER } fid;
static const char *fnames[] = {"add", "sub", "mult", "divmod", "resultant", "gcd", "lcm",
                               "factor", "leading_coefficient", "groebner"};
enum { NF = sizeof fnames / sizeof *fnames };

static fid cur;
static int sa, sb = -1;
static long npairs;
static int nvars;

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

static long items(void)
{
    return cur == F_GROEBNER ? 1 : sb >= 0 ? npairs : systems[sa].npolys;
}

/* The expression of item i of the call (pair i, polynomial i, the ideal). */
static void expr(cb_buf *b, long i)
{
    char a[64], c[64];
    snprintf(a, sizeof a, "cbP[%d, %ld]", sa, i);
    snprintf(c, sizeof c, "cbP[%d, %ld]", sb, i);
    switch (cur) {
    case F_ADD: cb_buf_printf(b, "%s + %s", a, c); break;
    case F_SUB: cb_buf_printf(b, "%s - %s", a, c); break;
    case F_MULT: cb_buf_printf(b, "Expand[%s*%s]", a, c); break;
    case F_DIVMOD:
        cb_buf_printf(b, "PolynomialReduce[%s, {%s}, cbG[%d], CoefficientDomain -> Integers]", a, c, nvars);
        break;
    case F_RESULTANT: cb_buf_printf(b, "Resultant[%s, %s, x1]", a, c); break;
    case F_GCD: cb_buf_printf(b, "PolynomialGCD[%s, %s]", a, c); break;
    case F_LCM: cb_buf_printf(b, "PolynomialLCM[%s, %s]", a, c); break;
    case F_FACTOR: cb_buf_printf(b, "FactorList[%s]", a); break;
    case F_LC: cb_buf_printf(b, "cbLC[%s, cbG[%d]]", a, nvars); break;
    case F_GROEBNER:
        cb_buf_puts(b, "GroebnerBasis[{");
        for (long k = 0; k < systems[sa].npolys; k++)
            cb_buf_printf(b, "%scbP[%d, %ld]", k ? ", " : "", sa, k);
        cb_buf_printf(b, "}, cbG[%d], MonomialOrder -> %s, CoefficientDomain -> Integers]", nvars,
                      grevlex ? "DegreeReverseLexicographic" : "Lexicographic");
        break;
    }
}

/* One timed execution: the results kept in cbR, wall and CPU seconds
 * printed by the kernel. */
static void timed_cmd(cb_buf *b)
{
    cb_buf_puts(b, "cbRun[cbT = Timing[AbsoluteTiming[cbR = {");
    for (long i = 0; i < items(); i++) {
        if (i)
            cb_buf_puts(b, ", ");
        expr(b, i);
    }
    cb_buf_puts(b, "};]]; Print[\"@@T \", cbNum[cbT[[2, 1]]], \" \", cbNum[cbT[[1]]]]; cbR = Null]");
}

/* Verify: item i's result printed as "@@P COEFF@E1,E2 ..." lines (or "@@F
 * MULT TERMS" per factor, "@@C COEFF"). */
static void verify_cmd(cb_buf *b, long i)
{
    cb_buf_puts(b, "cbRun[cbV = ");
    expr(b, i);
    cb_buf_puts(b, "; ");
    switch (cur) {
    case F_DIVMOD:
        cb_buf_printf(b, "Print[\"@@P \", cbTerms[cbV[[1, 1]], cbG[%d]]]; "
                         "Print[\"@@P \", cbTerms[cbV[[2]], cbG[%d]]]", nvars, nvars);
        break;
    case F_FACTOR:
        cb_buf_printf(b, "Scan[Print[\"@@F \", #[[2]], \" \", cbTerms[#[[1]], cbG[%d]]] &, cbV]", nvars);
        break;
    case F_LC:
        cb_buf_puts(b, "Print[\"@@C \", cbV]");
        break;
    case F_GROEBNER:
        cb_buf_printf(b, "Scan[Print[\"@@P \", cbTerms[#, cbG[%d]]] &, cbV]", nvars);
        break;
    default:
        cb_buf_printf(b, "Print[\"@@P \", cbTerms[cbV, cbG[%d]]]", nvars);
    }
    cb_buf_puts(b, "]");
}

/* Select the call; the checks that need no kernel. */
static int select_call(const char *function, int nargs, const int *sys, cb_err *err)
{
    cur = (fid)find(function);
    sa = sys[0];
    sb = nargs > 1 ? sys[1] : -1;
    const wl_system *A = &systems[sa], *B = sb >= 0 ? &systems[sb] : NULL;
    if (A->error || (B && B->error))
        return cb_fail(err, "%s", A->error ? A->error : B->error);
    nvars = A->nvars;
    if (B) {
        if (A->nvars != B->nvars)
            return cb_fail(err, "the systems have %d and %d generators", A->nvars, B->nvars);
        npairs = A->npolys < B->npolys ? A->npolys : B->npolys;
    }
    return 0;
}

static int prepare(const cb_call *c, cb_err *err)
{
    signal(SIGTERM, on_sigterm);
    if (select_call(c->function, c->nargs, c->sys, err) < 0)
        return -1;
    return connect_server(err);
}

static int call(const cb_call *c, cb_err *err)
{
    (void)c;
    (void)err;
    return 0;   /* never used: timed_repeat does the work */
}

static int run_once(int64_t *wall_ns, int64_t *cpu_ns, cb_err *err)
{
    cb_buf cmd = {0}, out = {0};
    timed_cmd(&cmd);
    int rc = exchange(cmd.data, &out, err);
    double w = -1, cp = -1;
    if (rc == 0 && (!out.data || sscanf(out.data, "@@T %lf %lf", &w, &cp) != 2))
        rc = cb_fail(err, "the kernel sent no timing");
    *wall_ns = (int64_t)(w * 1e9);
    *cpu_ns = (int64_t)(cp * 1e9);
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
        *wall_ns += w;
        *cpu_ns += cp;
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
            rc = cb_fail(err, "unexpected kernel output: %.60s", s);
            break;
        }
        char *c = cb_xasprintf("%.*s", (int)(at - s), s);
        s = at + 1;
        for (int k = 0; k < nvars && rc == 0; k++) {
            char *end;
            exp[k] = strtoul(s, &end, 10);
            if (end == s)
                rc = cb_fail(err, "unexpected kernel exponents: %.60s", s);
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
            rc = cb_fail(err, "the kernel sent no leading coefficient");
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
            rc = cb_fail(err, "the kernel sent %zu results", n);
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
    bool script;
    char *exe = kernel_path(&script);
    if (!exe) {
        json_object_object_add(out, "available", json_object_new_boolean(0));
        json_object_object_add(out, "reason", json_object_new_string("wolframscript/WolframKernel not on PATH"));
        json_object_object_add(out, "version", NULL);
        return;
    }
    char *cmd = script ? cb_xasprintf("'%s' -code 'Print[$VersionNumber]' 2>/dev/null </dev/null", exe)
                       : cb_xasprintf("'%s' -noprompt -run 'Print[$VersionNumber]; Exit[0]' 2>/dev/null </dev/null",
                                      exe);
    char line[256] = "";
    FILE *p = popen(cmd, "r");
    if (p) {
        if (!fgets(line, sizeof line, p))
            line[0] = 0;
        pclose(p);
    }
    free(cmd);
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) {
        json_object_object_add(out, "available", json_object_new_boolean(0));
        json_object_object_add(out, "reason", json_object_new_string("the Wolfram kernel did not start "
                                                                     "(license? see the runner log)"));
    }
    json_object_object_add(out, "version", line[0] ? json_object_new_string(line) : NULL);
    json_object *v = json_object_new_object();
    json_object_object_add(v, "kernel", json_object_new_string(exe));
    json_object_object_add(out, "versions", v);
    free(exe);
}

/* ------------------------------------------------------------ --wl mode */

/* `--wl CONFIG`: print the Wolfram Language text the harness would send for
 * the config's dataset and run list (definitions, then per call the timed
 * command and the verify commands), without a kernel. */
static int print_wl(const char *config_path)
{
    cb_err err = {{0}};
    cb_value cfg, polys, run_list, order;
    if (cb_pickle_load_file(config_path, &cfg, &err) < 0) {
        fprintf(stderr, "casbench-harness-mathematica: %s\n", err.msg);
        return 2;
    }
    if (!cb_dict_get_str(cfg, "polys", &polys) || !cb_dict_get_str(cfg, "run_list", &run_list)) {
        fprintf(stderr, "casbench-harness-mathematica: %s: no polys or run_list\n", config_path);
        cb_release(cfg);
        return 2;
    }
    grevlex = cb_dict_get_str(cfg, "order", &order) && cb_is(order, CB_STR)
              && !strcmp(cb_str_data(order), "grevlex");
    parse_systems(polys, &err);
    cb_buf out = {0};
    cb_buf_puts(&out, "(* definitions *)\n");
    definitions(&out);
    cb_buf_puts(&out, "\n");
    int index = 0;
    for (size_t f = 0; f < cb_len(run_list); f++) {
        const char *fn = cb_str_data(cb_dict_key(run_list, f));
        cb_value entries = cb_dict_val(run_list, f);
        for (size_t e = 0; e < cb_len(entries); e++, index++) {
            cb_value args = cb_item(entries, e);
            char *r = cb_repr(args);
            cb_buf_printf(&out, "(* call %d: %s %s *)\n", index, fn, r);
            free(r);
            int sys[2] = {-1, -1}, nargs = (int)cb_len(args);
            for (int k = 0; k < nargs && k < 2; k++)
                sys[k] = (int)cb_dict_find(polys, cb_item(args, (size_t)k));
            if (find(fn) < 0) {
                cb_buf_puts(&out, "(* unsupported *)\n");
                continue;
            }
            if (sys[0] < 0 || (nargs > 1 && sys[1] < 0) || select_call(fn, nargs, sys, &err) < 0) {
                cb_buf_printf(&out, "(* error: %s *)\n", sys[0] < 0 ? "no such system" : err.msg);
                continue;
            }
            timed_cmd(&out);
            cb_buf_putc(&out, '\n');
            for (long i = 0; i < items(); i++) {
                verify_cmd(&out, i);
                cb_buf_putc(&out, '\n');
            }
        }
    }
    fwrite(out.data, 1, out.len, stdout);
    cb_buf_free(&out);
    cb_release(cfg);
    return 0;
}

static const cb_harness_ops ops = {
    .library = "mathematica",
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
    if (argc == 3 && !strcmp(argv[1], "--wl"))
        return print_wl(argv[2]);
    return cb_harness_main(argc, argv, &ops);
}
