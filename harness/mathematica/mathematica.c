/* mathematica.c — the `mathematica` and `mathics` harnesses: drives a
 * Wolfram Language kernel, docs/design.md §6, §7.
 *
 *   mathematica  a Wolfram kernel (`WolframKernel`, or `wolframscript` when
 *                that is what is on PATH).  UNTESTED AGAINST A REAL KERNEL:
 *                Mathematica cannot be installed where casbench is developed.
 *   mathics      the same Wolfram Language text, run by Mathics3 (a free WL
 *                interpreter; tools/install-deps.sh puts it in
 *                PREFIX/venv-mathics): its own command `mathics -q
 *                --no-readline -f /dev/stdin`, which evaluates its input line
 *                by line.  Tested for real (tests/integration/mathics_run.py).
 * What differs between the two is only the kernel command and its version;
 * every expression sent is the same text (`--wl CONFIG` prints it; tests/
 * integration/mathematica_text.py holds it against hand-written files).
 *
 * The machinery is the singular harness's, in harness/common/interp.c:
 * one long-lived kernel (the "server") whose stdin and stdout are two FIFOs,
 * its pid, a "busy" flag and the reply counter in a page shared by the
 * parent and the call children; the polynomials are defined once per
 * server; timing is the kernel's own (Timing and AbsoluteTiming around the
 * operation, or around a Do loop of it for a repeat of several executions,
 * printed as integer nanoseconds; timed_repeat op); at the time limit the
 * call child's SIGTERM handler SIGKILLs the kernel and the next call starts
 * a fresh one.
 *
 * Mathematica's kernel runs a read-eval loop over its stdin (Read[...,
 * Expression]); Mathics3's reads its input file line by line; either way
 * each command is one Wolfram Language expression on one line.  A command
 * that emits messages (Check) prints "@@X" and is an `error` with them.
 *
 * Which functions a kernel has is asked, not assumed: at setup (and in the
 * probe) the kernel is asked which of the WL functions the calls use exist
 * (Names["System`NAME"]); a casbench function whose text needs one that
 * does not is `unsupported` with its name (Mathics3 10.0.1 has Expand,
 * Coefficient and Exponent, but no PolynomialGCD, PolynomialLCM,
 * PolynomialReduce, Resultant, FactorList or GroebnerBasis).
 *
 * Generators are the symbols x1, x2, ...; polynomial i of system s is
 * cbP[s, i]; cbG[n] is {x1, ..., xn}.  Functions ("a", "b" a pair):
 *   add, sub         a + b, a - b (Plus collects like terms)
 *   mult             Expand[a*b]
 *   divmod           PolynomialReduce[a, {b}, gens, CoefficientDomain -> Integers]
 *   resultant        Resultant[a, b, x1]
 *   gcd, lcm         PolynomialGCD[a, b], PolynomialLCM[a, b]
 *   factor           FactorList[a]
 *   leading_coefficient  the lex leading coefficient: Coefficient of the
 *                    highest power of x1, then of x2 in that, ... (Fold)
 *   groebner         GroebnerBasis[polys, gens, MonomialOrder -> Lexicographic
 *                    (DegreeReverseLexicographic with --order grevlex),
 *                    CoefficientDomain -> Integers]
 * Results for --verify are printed term by term (cbTerms: the terms of the
 * expanded polynomial, each as COEFF@E1,E2,... from Exponent and the
 * coefficient at all generators 1), text both kernels evaluate alike. */
#define _GNU_SOURCE
#include "canon.h"
#include "data/dataset.h"
#include "harness.h"
#include "interp.h"
#include "common/paths.h"
#include "common/process.h"
#include "data/pickle.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static cb_interp_system *systems;   /* polynomials as Wolfram Language expressions */
static size_t nsystems;
static bool grevlex;
/* mem mode: the allocation tracker would see only the call child talking
 * to the server, not the server's work, so no call is offered there
 * (`unsupported`, docs/external.md). */
static bool mem_mode;

/* The library this process runs: `mathics` (Mathics3's command) or
 * `mathematica` (a Wolfram kernel). */
static bool use_mathics;

/* Mathics3's command: PREFIX/venv-mathics/bin/mathics (lib/common/paths.h), else
 * `mathics` on PATH; NULL when neither is there. */
static char *mathics_path(void)
{
    char *own = cb_prefix_path("venv-mathics/bin/mathics");
    if (access(own, X_OK) == 0)
        return own;
    free(own);
    return cb_which("mathics");
}

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

static const char *missing_kernel(void)
{
    return use_mathics ? "Mathics3 is not installed (no venv-mathics/bin/mathics in $CASBENCH_PREFIX, default "
                         "/opt/casbench, and no mathics on PATH; tools/install-deps.sh installs it)"
                       : "wolframscript/WolframKernel not on PATH";
}

/* The kernel's read-eval loop over its stdin. */
static const char *server_loop =
    "cbIn = OpenRead[\"/dev/stdin\"]; "
    "While[True, cbE = Read[cbIn, Hold[Expression]]; "
    "If[cbE === EndOfFile, Exit[0]]; ReleaseHold[cbE]]";
/* The kernel's command line (cb_interp_spec.command), {file, argv..., NULL}. */
static char **command(cb_err *err)
{
    if (use_mathics) {
        char *exe = mathics_path();
        if (!exe) {
            cb_fail(err, "%s", missing_kernel());
            return NULL;
        }
        /* its file reader evaluates each line as it reads it; no prompts */
        char **v = cb_xcalloc(7, sizeof *v);
        const char *args[] = {"mathics", "-q", "--no-readline", "-f", "/dev/stdin"};
        v[0] = exe;
        for (size_t i = 0; i < 5; i++)
            v[i + 1] = cb_xstrdup(args[i]);
        return v;
    }
    bool script;
    char *exe = kernel_path(&script);
    if (!exe) {
        cb_fail(err, "%s", missing_kernel());
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

/* A command that emits messages prints "@@X MESSAGES" (cbRun[E, OUT]:
 * E under Check, then OUT, the printing, only when E emitted none: Print
 * stays outside Check, which Mathics3 10 trips on any output). */
static const char *error_text(const char *line)
{
    return !strncmp(line, "@@X ", 4) ? line + 4 : NULL;
}

/* The helpers and polynomials, defined once in a fresh kernel: one
 * expression per line. */
static void definitions(cb_buf *b)
{
    cb_buf_puts(b,
        "SetAttributes[cbRun, HoldAll]; cbRun[e_, out_] := If[Check[e; True, Print[\"@@X \", "
        "If[ListQ[$MessageList], StringRiffle[ToString /@ $MessageList, \"; \"], \"a message was emitted\"]]; "
        "False], out]\n"
        "cbNum[t_] := ToString[Round[10^9 t]]\n"
        "cbTermList[p_] := With[{e = Expand[p]}, Which[e === 0, {}, Head[e] === Plus, List @@ e, True, {e}]]\n"
        "cbExps[t_, g_] := StringRiffle[ToString[Exponent[t, #]] & /@ g, \",\"]\n"
        "cbTerms[p_, g_] := StringRiffle[(ToString[# /. Thread[g -> 1], InputForm] <> \"@\" <> cbExps[#, g]) & "
        "/@ cbTermList[p], \" \"]\n"
        "cbLC[p_, g_] := If[p === 0, 0, Fold[Coefficient[#1, #2, Exponent[#1, #2]] &, Expand[p], g]]\n");
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

static int ask_functions(cb_err *err);

static int setup(const cb_config *cfg, cb_err *err)
{
    grevlex = cfg->grevlex;
    mem_mode = cfg->mode == CB_MODE_MEM;
    use_mathics = cfg->library && !strcmp(cfg->library, "mathics");
    parse_systems(cfg->polys, err);
    /* a kernel that does not answer is every call's error (with the reason,
     * at connect), not the harness's */
    cb_err ignored;
    if (!mem_mode)
        ask_functions(&ignored);
    return cb_interp_init(&server, err);
}

/* ---------------------------------------------------------------- calls */

static cb_fn_id cur;
static int sa, sb = -1;
static long npairs;
static int nvars;

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

/* LOOPS timed executions (a Do loop in the kernel when more than one): the
 * results kept in cbR, wall and CPU nanoseconds printed by the kernel
 * (integers: no number format to parse). */
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
    cb_buf_puts(b, loops > 1 ? "];]], " : "};]], ");
    cb_buf_puts(b, "Print[\"@@T \", cbNum[cbT[[2, 1]]], \" \", cbNum[cbT[[1]]]]]; cbR = Null");
}

/* Verify: item i's result printed as "@@P COEFF@E1,E2 ..." lines (or "@@F
 * MULT TERMS" per factor, "@@C COEFF"). */
static void verify_cmd(cb_buf *b, long i)
{
    cb_buf_puts(b, "cbRun[cbV = ");
    expr(b, i);
    cb_buf_puts(b, ", ");
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
    cb_buf cmd = {0}, out = {0};
    timed_cmd(&cmd, loops);
    int rc = cb_interp_exchange(cmd.data, &out, err);
    long long w = -1, cp = -1;
    if (rc == 0 && (!out.data || sscanf(out.data, "@@T %lld %lld", &w, &cp) != 2))
        rc = cb_fail(err, "the kernel sent no timing");
    *wall_ns = w;
    *cpu_ns = cp;
    cb_buf_free(&out);
    cb_buf_free(&cmd);
    return rc;
}

/* -------------------------------------------------------------- verify */

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    return cb_interp_verify(out, items(), verify_cmd, cb_interp_reply_kind(c->function), nvars, err);
}

/* ------------------------------------------------ what the kernel has */

/* The WL functions a casbench function's text needs beyond those of every
 * call (COMMON: timing, messages, the verify printers). */
static const char *const COMMON[] = {"Expand", "Exponent", "Coefficient", "Thread", "StringRiffle", "Timing",
                                     "AbsoluteTiming", "Check", "Fold", "Round", NULL};
static const char *needs(cb_fn_id f)
{
    switch (f) {
    case CB_FN_DIVMOD: return "PolynomialReduce";
    case CB_FN_RESULTANT: return "Resultant";
    case CB_FN_GCD: return "PolynomialGCD";
    case CB_FN_LCM: return "PolynomialLCM";
    case CB_FN_FACTOR: return "FactorList";
    case CB_FN_GROEBNER: return "GroebnerBasis";
    default: return NULL;   /* Plus, Expand, Coefficient: COMMON */
    }
}

static char *kernel_names;     /* ",A,B,...," the kernel has; NULL: not asked */
static char *kernel_version;   /* its version, or NULL */
static char missing_why[160];

/* The first WL function FUNCTION's text needs that the kernel lacks. */
static const char *lacking(const char *function)
{
    if (!kernel_names)
        return NULL;
    int f = cb_function_index(function);
    const char *own = f >= 0 ? needs((cb_fn_id)f) : NULL;
    for (size_t i = 0; COMMON[i] || own; i++) {
        const char *name = COMMON[i] ? COMMON[i] : own;
        char key[64];
        snprintf(key, sizeof key, ",%s,", name);
        if (!strstr(kernel_names, key))
            return name;
        if (!COMMON[i])
            break;
    }
    return NULL;
}

/* Start the kernel once, send it TEXT (one expression per line) and end of
 * input, and collect its output until it exits, at most TIMEOUT_S seconds
 * (then it is killed).  The kernel command is the server's. */
static int ask_kernel(const char *text, double timeout_s, cb_buf *out, cb_err *err)
{
    char **cmd = command(err);
    if (!cmd)
        return -1;
    static const char *const no_preload[] = {"LD_PRELOAD", NULL};
    cb_spawn p = {.file = cmd[0], .argv = cmd + 1, .env = no_preload,
                  .in = {.kind = CB_IO_PIPE, .data = text, .len = strlen(text)}, .out.kind = CB_IO_PIPE,
                  .err.kind = CB_IO_STDOUT, .group = CB_SPAWN_NEW_GROUP, .timeout = timeout_s,
                  .capture_max = 1u << 20};
    int rc = cb_spawn_run(&p, err);
    for (size_t i = 0; cmd[i]; i++)
        free(cmd[i]);
    free(cmd);
    if (rc < 0)
        return -1;
    cb_buf_puts(out, cb_spawn_text(&p.out_buf));
    cb_spawn_clear(&p);
    const char *who = use_mathics ? "Mathics3" : "the Wolfram kernel";
    if (p.status.timed_out)
        return cb_fail(err, "%s did not answer within %g s", who, timeout_s);
    if (p.in_unsent)
        return cb_fail(err, "%s did not read its input", who);
    return 0;
}

/* The text after "TAG " on a line of OUT (malloc'd), or NULL. */
static char *tagged(const char *out, const char *tag)
{
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        size_t tl = strlen(tag);
        if (!strncmp(p, tag, tl) && p[tl] == ' ') {
            const char *v = p + tl + 1;
            return cb_xasprintf("%.*s", (int)strcspn(v, "\r\n"), v);
        }
    }
    return NULL;
}

/* Ask the kernel its version and which of the WL functions exist. */
static int ask_functions(cb_err *err)
{
    cb_buf q = {0}, out = {0};
    cb_buf_puts(&q, "Print[\"@@V \", $VersionNumber]\nPrint[\"@@W \", $Version]\n"
                    "Print[\"@@N ,\", StringRiffle[Select[{");
    bool first = true;
    for (size_t i = 0; COMMON[i]; i++, first = false)
        cb_buf_printf(&q, "%s\"%s\"", first ? "" : ", ", COMMON[i]);
    for (int f = 0; f < cb_n_functions; f++)
        if (needs((cb_fn_id)f))
            cb_buf_printf(&q, ", \"%s\"", needs((cb_fn_id)f));
    cb_buf_puts(&q, "}, Names[\"System`\" <> #] =!= {} &], \",\"], \",\"]\n");
    int rc = ask_kernel(q.data, 120, &out, err);
    char *text = out.data ? cb_buf_take(&out) : cb_xstrdup("");
    if (rc == 0) {
        kernel_names = tagged(text, "@@N");
        char *v = tagged(text, use_mathics ? "@@W" : "@@V");
        if (v && use_mathics) {            /* "Mathics3 10.0.1 Running on ..." */
            char name[32] = "", ver[64] = "";
            if (sscanf(v, "%31s %63s", name, ver) == 2)
                kernel_version = cb_xstrdup(ver);
            free(v);
        } else {
            kernel_version = v;
        }
        if (!kernel_names) {
            char *last = strrchr(text, '\n') && strrchr(text, '\n')[1] ? strrchr(text, '\n') + 1 : text;
            rc = cb_fail(err, "%s did not say which functions it has%s%.200s",
                         use_mathics ? "Mathics3" : "the Wolfram kernel", *last ? ": " : "", last);
        }
    }
    free(text);
    cb_buf_free(&q);
    return rc;
}

static bool supports(const char *function)
{
    return cb_function_index(function) >= 0 && !mem_mode && !lacking(function);
}

static const char *unsupported_reason(const char *function)
{
    const char *name = lacking(function);
    if (mem_mode)
        return "memory profiling sees only the call child, not the kernel's work";
    if (!name)
        return NULL;
    snprintf(missing_why, sizeof missing_why, "%s %s has no %s", use_mathics ? "Mathics3" : "the Wolfram kernel",
             kernel_version ? kernel_version : "", name);
    return missing_why;
}

/* --------------------------------------------------------------- probe */

static void probe(json_object *out)
{
    char *exe = NULL;
    bool script = false;
    exe = use_mathics ? mathics_path() : kernel_path(&script);
    if (!exe) {
        cb_probe_unavailable(out, missing_kernel());
        json_object_object_add(out, "version", NULL);
        return;
    }
    cb_err err;
    if (ask_functions(&err) < 0) {
        char *why = use_mathics ? cb_xasprintf("Mathics3 did not start: %s", err.msg)
                                : cb_xasprintf("the Wolfram kernel did not start (license? see the runner log): %s",
                                               err.msg);
        cb_probe_unavailable(out, why);
        free(why);
    }
    cb_probe_versions(out, kernel_version, "kernel", exe, (char *)NULL);
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
    .library = "mathematica", .probe = probe, .setup = setup, .supports = supports,
    .unsupported_reason = unsupported_reason, .prepare = prepare, .verify = verify,
    .timed_repeat = timed_repeat
};

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--wl"))
        return print_wl(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "--probe") && !strcmp(argv[2], "mathics")) {
        /* the same harness for Mathics3: only the library id differs (a run
         * reads it from the config's `library` in setup) */
        cb_harness_ops mathics_ops = ops;
        mathics_ops.library = "mathics";
        use_mathics = true;
        return cb_harness_main(argc, argv, &mathics_ops);
    }
    return cb_harness_main(argc, argv, &ops);
}
