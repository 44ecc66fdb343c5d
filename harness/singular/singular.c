/* singular.c — the `singular` harness: drives Debian's Singular interpreter
 * (docs/design.md §6, §7), `ring R = integer, (x(1..n)), lp`, or with the run's
 * --singular-ring rational `ring R = 0, (x(1..n)), lp` (QQ, the ring of
 * published Singular timings; docs/external.md).
 *
 * Execution (docs/design.md §5) is harness/common's: a child is forked per call and
 * supervised with the time limit.  What differs is where the work happens:
 * in one long-lived Singular process (the "server") which has the rings and
 * every polynomial defined once, so a call sends only a short command.  The
 * server machinery — FIFOs, shared page, exchange, restart after a kill,
 * the verify replies — is harness/common/interp.c's; this file supplies
 * what is Singular's (cb_interp_spec) and the commands.
 *
 *   - Timing is Singular's own: each repeat is one command that reads
 *     `rtimer` (wall) and `timer` (CPU) around the operation (a `for` loop
 *     of it when the repeat has several executions), in microseconds
 *     (system("--ticks-per-sec", 1000000)); the pipe round trip and the
 *     polynomials' transfer are not timed (timed_repeat op).
 *   - Time limit: the supervisor SIGTERMs the call child at the limit; its
 *     handler SIGKILLs the server, and the next call starts a fresh one
 *     (re-defining rings and polynomials, untimed).  A call child killed
 *     outright leaves the "busy" flag set, which has the same effect.
 *   - The record's `pid` and `max_rss_kib` are the call child's (the
 *     supervisor's); the server's are not in the record (docs/external.md).
 *
 * Functions (generator k is x(k+1); "a", "b" a pair of polynomials):
 *   add, sub, mult   a + b, a - b, a * b
 *   divmod           division(a, b): Singular's division over ZZ; over QQ
 *                    q = a / b (factory's division, the FLINT path Singular
 *                    takes for exact quotients) and r = a - q*b
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
#include "data/dataset.h"
#include "harness.h"
#include "interp.h"
#include "common/paths.h"
#include "common/process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cb_interp_system *systems;   /* polynomials as Singular expressions */
static size_t nsystems;
static bool grevlex;
static bool over_qq;          /* --singular-ring rational: ring 0, not integer */
#define COEFFS (over_qq ? "0" : "integer")   /* the rings' coefficients, as Singular writes them */
/* mem mode: the allocation tracker would see only the call child talking
 * to the server, not the server's work, so no call is offered there
 * (`unsupported`, docs/external.md). */
static bool mem_mode;

/* -------------------------------------------------------------- server */

static const char *error_text(const char *line)
{
    return line[0] == '?' ? line + 1 + strspn(line + 1, " ") : NULL;
}

static void end_marker(cb_buf *b, const char *marker)
{
    cb_buf_printf(b, "print(\"%s\");", marker);
}

static char **command(cb_err *err)
{
    (void)err;
    static const char *argv[] = {"Singular", "Singular", "-q", "--no-rc", "-t", "--ticks-per-sec=1000000"};
    enum { N = sizeof argv / sizeof *argv };
    char **v = cb_xcalloc(N + 1, sizeof *v);
    for (size_t i = 0; i < N; i++)
        v[i] = cb_xstrdup(argv[i]);
    return v;
}

/* The rings and polynomials, defined in a fresh server. */
static void definitions(cb_buf *b)
{
    cb_buf_puts(b, "system(\"--ticks-per-sec\", 1000000);\n"
                   "proc cbp(poly p) { string s = \"\"; while (p != 0) { s = s + string(leadcoef(p))"
                   " + \"@\" + string(leadexp(p)) + \" \"; p = p - lead(p); } return(s); }\n"
                   "proc cbdivmod(poly a, poly b) { poly q = a / b; list L = matrix(q), ideal(a - q * b);"
                   " return(L); }\n");
    for (size_t s = 0; s < nsystems; s++) {
        const cb_interp_system *sy = &systems[s];
        if (sy->error)
            continue;
        if (cb_interp_first_with_nvars(systems, s))
            cb_buf_printf(b, "ring R%d = %s, (x(1..%d)), lp;\n", sy->nvars, COEFFS, sy->nvars);
        else
            cb_buf_printf(b, "setring R%d;\n", sy->nvars);
        for (long i = 0; i < sy->npolys; i++)
            cb_buf_printf(b, "poly p_%zu_%ld = %s;\n", s, i, sy->text[i]);
    }
}

static const cb_interp_spec server = {
    .name = "Singular",
    .fifos = "the Singular FIFOs",
    .tmp_tag = "singular",
    .error_label = "Singular",
    .sender = "Singular",
    .output_label = "Singular",
    .command = command,
    .end_marker = end_marker,
    .error_text = error_text,
    .definitions = definitions,
    .out_of_memory = "no more memory",   /* omalloc: "Singular error: no more memory" */
};


/* --------------------------------------------------------------- setup */

/* Polynomials as "(c)*x(1)^e1*x(2)^e2+(c)*...". */
static void coeff(cb_buf *b, bool first, const char *c, int sgn)
{
    (void)sgn;
    cb_buf_printf(b, "%s(%s)", first ? "" : "+", c);
}

static void power(cb_buf *b, int k, long long e)
{
    cb_buf_printf(b, "*x(%d)^%lld", k + 1, e);
}

static const cb_interp_text text = {
    .coeff = coeff,
    .power = power,
    .max_exp = 0x7fffffff,
    .exp_error = "exponents must be ints in 0..2^31-1",
};

static int setup(const cb_config *cfg, cb_err *err)
{
    grevlex = cfg->grevlex;
    cb_value ring_name;
    if (cb_dict_get_str(cfg->raw, "singular_ring", &ring_name) && cb_is(ring_name, CB_STR) &&
        !strcmp(cb_str_data(ring_name), "rational"))
        over_qq = true;
    mem_mode = cfg->mode == CB_MODE_MEM;
    systems = cb_interp_systems(cfg->polys, &nsystems, &text, "Singular needs at least one generator", err);
    return cb_interp_init(&server, err);
}

/* ---------------------------------------------------------------- calls */

static cb_fn_id cur;
static int sa, sb = -1;       /* system indices */
static long npairs;
static int nvars;

static bool supports(const char *function)
{
    return cb_function_index(function) >= 0 && !mem_mode;
}

/* The expression of item i of the call (pair i, polynomial i). */
static void expr(cb_buf *b, long i)
{
    char a[64], c[64];
    snprintf(a, sizeof a, "p_%d_%ld", sa, i);
    snprintf(c, sizeof c, "p_%d_%ld", sb, i);
    switch (cur) {
    case CB_FN_ADD: cb_buf_printf(b, "%s + %s", a, c); break;
    case CB_FN_SUB: cb_buf_printf(b, "%s - %s", a, c); break;
    case CB_FN_MULT: cb_buf_printf(b, "%s * %s", a, c); break;
    case CB_FN_DIVMOD: cb_buf_printf(b, "%s(%s, %s)", over_qq ? "cbdivmod" : "division", a, c); break;
    case CB_FN_RESULTANT: cb_buf_printf(b, "resultant(q_%d_%ld, q_%d_%ld, var(1))", sa, i, sb, i); break;
    case CB_FN_GCD: cb_buf_printf(b, "gcd(%s, %s)", a, c); break;
    case CB_FN_LCM: cb_buf_printf(b, "(%s / gcd(%s, %s)) * %s", a, a, c, c); break;
    case CB_FN_FACTOR: cb_buf_printf(b, "factorize(%s)", a); break;
    case CB_FN_LC: cb_buf_printf(b, "leadcoef(%s)", a); break;
    case CB_FN_GROEBNER: cb_buf_puts(b, "std(I_)"); break;
    }
}

static long items(void)
{
    return cur == CB_FN_GROEBNER ? 1 : sb >= 0 ? npairs : systems[sa].npolys;
}

static int prepare(const cb_call *c, cb_err *err)
{
    cb_interp_catch_sigterm();
    cur = (cb_fn_id)cb_function_index(c->function);
    sa = c->sys[0];
    sb = c->nargs > 1 ? c->sys[1] : -1;
    if (cb_interp_check_call(systems, sa, sb, &npairs, err) < 0)
        return -1;
    nvars = systems[sa].nvars;
    if (sb >= 0 && cur == CB_FN_DIVMOD)
        for (long i = 0; i < npairs; i++)
            if (systems[sb].zero[i])
                return cb_fail(err, "division by zero (pair %ld)", i);
    if (cb_interp_connect(err) < 0)
        return -1;
    /* untimed: the call's ring and what must be mapped into it */
    cb_buf cmd = {0};
    cb_buf_printf(&cmd, "setring R%d;\n", nvars);
    if (cur == CB_FN_RESULTANT) {
        cb_buf_printf(&cmd, "if (!defined(Q%d)) { ring Q%d = 0, (x(1..%d)), lp; setring R%d; }\n", nvars,
                      nvars, nvars, nvars);
        cb_buf_printf(&cmd, "setring Q%d;\n", nvars);
        for (long i = 0; i < npairs; i++)
            cb_buf_printf(&cmd, "if (defined(q_%d_%ld)) { kill q_%d_%ld; } poly q_%d_%ld = fetch(R%d, p_%d_%ld);\n"
                                "if (defined(q_%d_%ld)) { kill q_%d_%ld; } poly q_%d_%ld = fetch(R%d, p_%d_%ld);\n",
                          sa, i, sa, i, sa, i, nvars, sa, i, sb, i, sb, i, sb, i, nvars, sb, i);
    } else if (cur == CB_FN_GROEBNER) {
        cb_buf_puts(&cmd, "if (defined(I_)) { kill I_; }\nideal I_ = ");
        for (long i = 0; i < systems[sa].npolys; i++)
            cb_buf_printf(&cmd, "%sp_%d_%ld", i ? ", " : "", sa, i);
        cb_buf_puts(&cmd, systems[sa].npolys ? ";\n" : "0;\n");
        if (grevlex) {
            cb_buf_printf(&cmd, "if (!defined(D%d)) { ring D%d = %s, (x(1..%d)), dp; setring R%d; }\n",
                          nvars, nvars, COEFFS, nvars, nvars);
            cb_buf_printf(&cmd, "setring D%d; if (defined(I_)) { kill I_; } ideal I_ = fetch(R%d, I_);\n",
                          nvars, nvars);
        }
    }
    int rc = cb_interp_exchange(cmd.data, NULL, err);
    cb_buf_free(&cmd);
    return rc;
}

/* LOOPS executions in Singular, timed there (in microseconds): wall and CPU
 * nanoseconds.  One execution is the statements themselves; several run
 * in a `for` loop inside the one timed command (so no pipe round trip is
 * timed or paid per execution; the loop's own bookkeeping is, and each
 * execution's assignment frees the previous one's results). */
static int timed_repeat(const cb_call *c, int64_t loops, int64_t *wall_ns, int64_t *cpu_ns, cb_err *err)
{
    (void)c;
    cb_buf cmd = {0};
    cb_buf_printf(&cmd, "if (defined(RES_)) { kill RES_; }\nlist RES_;\n%s"
                        "int c0_ = timer; int t0_ = rtimer;\n", loops > 1 ? "int l_;\n" : "");
    if (loops > 1)
        cb_buf_printf(&cmd, "for (l_ = 1; l_ <= %lld; l_++) {\n", (long long)loops);
    long n = items();
    for (long i = 0; i < n; i++) {
        cb_buf_printf(&cmd, "RES_[%ld] = ", i + 1);
        expr(&cmd, i);
        cb_buf_puts(&cmd, ";\n");
    }
    if (loops > 1)
        cb_buf_puts(&cmd, "}\n");
    cb_buf_printf(&cmd, "int t1_ = rtimer; int c1_ = timer;\n"
                        "print(\"@@T \" + string(t1_ - t0_) + \" \" + string(c1_ - c0_));\n"
                        "kill RES_, c0_, t0_, t1_, c1_%s;\n", loops > 1 ? ", l_" : "");
    int rc = cb_interp_timed(cmd.data, 1000.0, wall_ns, cpu_ns, err);
    cb_buf_free(&cmd);
    return rc;
}

/* -------------------------------------------------------------- verify */

/* The command that prints item i's result for verify. */
static void verify_cmd(cb_buf *b, long i)
{
    cb_buf_puts(b, "if (defined(V_)) { kill V_; }\ndef V_ = ");
    expr(b, i);
    cb_buf_puts(b, ";\n");
    switch (cur) {
    case CB_FN_DIVMOD:
        cb_buf_puts(b, "print(\"@@P \" + cbp(V_[1][1,1])); print(\"@@P \" + cbp(V_[2][1]));\n");
        break;
    case CB_FN_FACTOR:
        cb_buf_puts(b, "int k_; for (k_ = 1; k_ <= size(V_[1]); k_++) { print(\"@@F \" + string(V_[2][k_])"
                       " + \" \" + cbp(V_[1][k_])); } kill k_;\n");
        break;
    case CB_FN_LC:
        cb_buf_puts(b, "print(\"@@C \" + string(V_));\n");
        break;
    case CB_FN_GROEBNER:
        cb_buf_puts(b, "int k_; for (k_ = 1; k_ <= ncols(V_); k_++) { print(\"@@P \" + cbp(V_[k_])); } kill k_;\n");
        break;
    default:
        cb_buf_puts(b, "print(\"@@P \" + cbp(V_));\n");
    }
}

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    return cb_interp_verify(out, items(), verify_cmd, cb_interp_reply_kind(c->function), nvars, err);
}

/* --------------------------------------------------------------- probe */

static void probe(json_object *out)
{
    char *exe = cb_which("Singular");
    if (!exe) {
        cb_probe_unavailable(out, "Singular is not on PATH");
        json_object_object_add(out, "version", NULL);
        return;
    }
    char *argv[] = {exe, "--dump-versiontuple", NULL};
    char *line = cb_command_first_line(argv, 30);
    if (line)
        line[strcspn(line, "\r")] = 0;
    if (!line || !line[0])
        cb_probe_unavailable(out, "Singular --dump-versiontuple gave no version");
    const char *version = line && line[0] ? line : NULL;
    cb_probe_versions(out, version, "singular", version, "path", exe, (char *)NULL);
    free(line);
    free(exe);
}

static const cb_harness_ops ops = {
    .library = "singular", .probe = probe, .setup = setup, .supports = supports, .prepare = prepare,
    .verify = verify, .timed_repeat = timed_repeat
};

CB_HARNESS_MAIN(ops)
