/* mathematica.c — the `mathematica` harness: drives a Wolfram kernel
 * (`WolframKernel`, or `wolframscript` when that is what is on PATH),
 * DESIGN §6, §7.  UNTESTED AGAINST A REAL KERNEL: Mathematica cannot be
 * installed where casbench is developed.  What is tested is the Wolfram
 * Language text this file sends (`--wl CONFIG`, tests/integration/
 * mathematica_text.sh against hand-written files of expected text).
 *
 * The machinery is the singular harness's, in harness/common/interp.c:
 * one long-lived kernel (the "server") whose stdin and stdout are two FIFOs,
 * its pid, a "busy" flag and the reply counter in a page shared by the
 * parent and the call children; the polynomials are defined once per
 * server; timing is the kernel's own (Timing and AbsoluteTiming around the
 * operation, or around a Do loop of it for a repeat of several executions,
 * timed_repeat op); at the time limit the call child's SIGTERM
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
#include "interp.h"
#include "paths.h"
#include "pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cb_interp_system *systems;   /* polynomials as Wolfram Language expressions */
static size_t nsystems;
static bool grevlex;
/* mem mode: the allocation tracker would see only the call child talking
 * to the server, not the server's work, so no call is offered there
 * (`unsupported`, docs/external.md). */
static bool mem_mode;

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
/* The kernel's command line (cb_interp_spec.command). */
static char **command(cb_err *err)
{
    bool script;
    char *exe = kernel_path(&script);
    if (!exe) {
        cb_fail(err, "wolframscript/WolframKernel not on PATH");
        return NULL;
    }
    char **v = cb_xcalloc(5, sizeof *v);
    v[0] = exe;
    if (script) {
        v[1] = cb_xstrdup("wolframscript");
        v[2] = cb_xstrdup("-code");
        v[3] = cb_xstrdup(server_loop);
    } else {
        v[1] = cb_xstrdup(exe);
        v[2] = cb_xstrdup("-noprompt");
        v[3] = cb_xstrdup("-run");
        v[4] = cb_xstrdup(server_loop);
    }
    return v;
}

static void end_marker(cb_buf *b, const char *marker)
{
    cb_buf_printf(b, "Print[\"%s\"]", marker);
}

/* A command that emits messages prints "@@X MESSAGES" (cbRun). */
static const char *error_text(const char *line)
{
    return !strncmp(line, "@@X ", 4) ? line + 4 : NULL;
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
        const cb_interp_system *sy = &systems[s];
        if (sy->error)
            continue;
        if (cb_interp_first_with_nvars(systems, s)) {
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

static const cb_interp_spec server = {
    .name = "the Wolfram kernel",
    .fifos = "the kernel's FIFOs",
    .tmp_tag = "wolfram",
    .error_label = "Wolfram kernel",
    .sender = "the kernel",
    .output_label = "kernel",
    .command = command,
    .end_marker = end_marker,
    .error_text = error_text,
    .definitions = definitions,
    .out_of_memory = "No more memory available",
};


/* --------------------------------------------------------------- setup */

/* "c*x1^e1*x2^e2 + (-c)*x1 + ..." (exponent 1 omitted), "0" when empty. */
static void coeff(cb_buf *b, bool first, const char *c, int sgn)
{
    cb_buf_printf(b, sgn < 0 ? "%s(%s)" : "%s%s", first ? "" : " + ", c);
}

static void power(cb_buf *b, int k, long long e)
{
    if (e == 1)
        cb_buf_printf(b, "*x%d", k + 1);
    else
        cb_buf_printf(b, "*x%d^%lld", k + 1, e);
}

static const cb_interp_text text = {
    .coeff = coeff,
    .power = power,
    .max_exp = INT64_MAX,
    .exp_error = "exponents must be non-negative ints below 2^63",
};

/* Parse the dataset into texts (no kernel needed: --wl uses this too). */
static void parse_systems(cb_value polys_dict, cb_err *err)
{
    systems = cb_interp_systems(polys_dict, &nsystems, &text, "the Wolfram harness needs at least one generator",
                                err);
}

static int setup(const cb_config *cfg, cb_err *err)
{
    grevlex = cfg->grevlex;
    mem_mode = cfg->mode == CB_MODE_MEM;
    parse_systems(cfg->polys, err);
    return cb_interp_init(&server, err);
}

/* ---------------------------------------------------------------- calls */

static cb_fn_id cur;
static int sa, sb = -1;
static long npairs;
static int nvars;

static bool supports(const char *function)
{
    return cb_function_index(function) >= 0 && !mem_mode;
}

static long items(void)
{
    return cur == CB_FN_GROEBNER ? 1 : sb >= 0 ? npairs : systems[sa].npolys;
}

/* The expression of item i of the call (pair i, polynomial i, the ideal). */
static void expr(cb_buf *b, long i)
{
    char a[64], c[64];
    snprintf(a, sizeof a, "cbP[%d, %ld]", sa, i);
    snprintf(c, sizeof c, "cbP[%d, %ld]", sb, i);
    switch (cur) {
    case CB_FN_ADD: cb_buf_printf(b, "%s + %s", a, c); break;
    case CB_FN_SUB: cb_buf_printf(b, "%s - %s", a, c); break;
    case CB_FN_MULT: cb_buf_printf(b, "Expand[%s*%s]", a, c); break;
    case CB_FN_DIVMOD:
        cb_buf_printf(b, "PolynomialReduce[%s, {%s}, cbG[%d], CoefficientDomain -> Integers]", a, c, nvars);
        break;
    case CB_FN_RESULTANT: cb_buf_printf(b, "Resultant[%s, %s, x1]", a, c); break;
    case CB_FN_GCD: cb_buf_printf(b, "PolynomialGCD[%s, %s]", a, c); break;
    case CB_FN_LCM: cb_buf_printf(b, "PolynomialLCM[%s, %s]", a, c); break;
    case CB_FN_FACTOR: cb_buf_printf(b, "FactorList[%s]", a); break;
    case CB_FN_LC: cb_buf_printf(b, "cbLC[%s, cbG[%d]]", a, nvars); break;
    case CB_FN_GROEBNER:
        cb_buf_puts(b, "GroebnerBasis[{");
        for (long k = 0; k < systems[sa].npolys; k++)
            cb_buf_printf(b, "%scbP[%d, %ld]", k ? ", " : "", sa, k);
        cb_buf_printf(b, "}, cbG[%d], MonomialOrder -> %s, CoefficientDomain -> Integers]", nvars,
                      grevlex ? "DegreeReverseLexicographic" : "Lexicographic");
        break;
    }
}

/* LOOPS timed executions (a Do loop in the kernel when more than one):
 * the results kept in cbR, wall and CPU seconds printed by the kernel. */
static void timed_cmd(cb_buf *b, int64_t loops)
{
    cb_buf_puts(b, loops > 1 ? "cbRun[cbT = Timing[AbsoluteTiming[Do[cbR = {" : "cbRun[cbT = Timing[AbsoluteTiming[cbR = {");
    for (long i = 0; i < items(); i++) {
        if (i)
            cb_buf_puts(b, ", ");
        expr(b, i);
    }
    if (loops > 1)
        cb_buf_printf(b, "}, {%lld}", (long long)loops);
    cb_buf_puts(b, loops > 1 ? "];]]; " : "};]]; ");
    cb_buf_puts(b, "Print[\"@@T \", cbNum[cbT[[2, 1]]], \" \", cbNum[cbT[[1]]]]; cbR = Null]");
}

/* Verify: item i's result printed as "@@P COEFF@E1,E2 ..." lines (or "@@F
 * MULT TERMS" per factor, "@@C COEFF"). */
static void verify_cmd(cb_buf *b, long i)
{
    cb_buf_puts(b, "cbRun[cbV = ");
    expr(b, i);
    cb_buf_puts(b, "; ");
    switch (cur) {
    case CB_FN_DIVMOD:
        cb_buf_printf(b, "Print[\"@@P \", cbTerms[cbV[[1, 1]], cbG[%d]]]; "
                         "Print[\"@@P \", cbTerms[cbV[[2]], cbG[%d]]]", nvars, nvars);
        break;
    case CB_FN_FACTOR:
        cb_buf_printf(b, "Scan[Print[\"@@F \", #[[2]], \" \", cbTerms[#[[1]], cbG[%d]]] &, cbV]", nvars);
        break;
    case CB_FN_LC:
        cb_buf_puts(b, "Print[\"@@C \", cbV]");
        break;
    case CB_FN_GROEBNER:
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
    cur = (cb_fn_id)cb_function_index(function);
    sa = sys[0];
    sb = nargs > 1 ? sys[1] : -1;
    if (cb_interp_check_call(systems, sa, sb, &npairs, err) < 0)
        return -1;
    nvars = systems[sa].nvars;
    return 0;
}

static int prepare(const cb_call *c, cb_err *err)
{
    cb_interp_catch_sigterm();
    if (select_call(c->function, c->nargs, c->sys, err) < 0)
        return -1;
    return cb_interp_connect(err);
}

static int timed_repeat(const cb_call *c, int64_t loops, int64_t *wall_ns, int64_t *cpu_ns, cb_err *err)
{
    (void)c;
    cb_buf cmd = {0};
    timed_cmd(&cmd, loops);
    int rc = cb_interp_timed(cmd.data, 1e9, wall_ns, cpu_ns, err);
    cb_buf_free(&cmd);
    return rc;
}

/* -------------------------------------------------------------- verify */

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    return cb_interp_verify(out, items(), verify_cmd, cb_interp_reply_kind(c->function), nvars, err);
}

/* --------------------------------------------------------------- probe */

static void probe(json_object *out)
{
    bool script;
    char *exe = kernel_path(&script);
    if (!exe) {
        cb_probe_unavailable(out, "wolframscript/WolframKernel not on PATH");
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
    if (!line[0])
        cb_probe_unavailable(out, "the Wolfram kernel did not start (license? see the runner log)");
    cb_probe_versions(out, line[0] ? line : NULL, "kernel", exe, (char *)NULL);
    free(exe);
}

/* ------------------------------------------------------------ --wl mode */

/* `--wl CONFIG`: print the Wolfram Language text the harness would send for
 * the config's dataset and run list (definitions, then per call the timed
 * command of one execution and of three, and the verify commands), without
 * a kernel. */
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
            if (cb_function_index(fn) < 0) {
                cb_buf_puts(&out, "(* unsupported *)\n");
                continue;
            }
            if (sys[0] < 0 || (nargs > 1 && sys[1] < 0) || select_call(fn, nargs, sys, &err) < 0) {
                cb_buf_printf(&out, "(* error: %s *)\n", sys[0] < 0 ? "no such system" : err.msg);
                continue;
            }
            timed_cmd(&out, 1);
            cb_buf_putc(&out, '\n');
            timed_cmd(&out, 3);   /* a repeat of 3 executions */
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
    .verify = verify,
    .timed_repeat = timed_repeat,
};

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--wl"))
        return print_wl(argv[2]);
    return cb_harness_main(argc, argv, &ops);
}
