/* pari.c — the `pari` harness: multivariate polynomials over ZZ in libpari
 * (PARI/GP 2.15, Debian's libpari-dev), docs/design.md §6, §7.
 *
 * Everything but the library calls is harness/common's (harness.h): this
 * file parses the dataset into PARI objects once (setup) and runs one call.
 *
 * PARI's multivariate polynomials are recursive: a t_POL in the variable of
 * highest priority whose coefficients are polynomials in the lower ones.  So
 * each generator gets its own PARI variable, the first generator the
 * highest priority (created first with fetch_var(), which always hands out
 * a variable below every existing one).  Then the main variable is the first
 * generator, and the recursive leading coefficient is the lex one.
 *
 *   add, sub, mult     gadd / gsub / gmul
 *   divmod             RgX_pseudodivrem in the first generator:
 *                      lc(b)^(deg a - deg b + 1) a = q b + r, with
 *                      coefficients in ZZ[other generators] (SymPy's pdiv;
 *                      PARI's poldivrem would leave ZZ for QQ(others))
 *   gcd, lcm           ggcd / glcm
 *   resultant          polresultant0 in the first generator
 *   factor             factor(); PARI factors over QQ[gens] and drops the
 *                      integer content, so verify puts it back (p divided by
 *                      the product of the primitive factors)
 *   leading_coefficient  the recursive leading coefficient (pollead down to
 *                      an integer): the lex one
 *   groebner           unsupported (PARI has no Gröbner bases)
 *
 * Robustness: the PARI stack starts at 64 MiB and may grow to 4 GiB of
 * reserved address space (parisizemax), so big inputs grow it instead of
 * aborting; every call runs under pari_CATCH, so a PARI error (division by
 * zero, stack exhausted, ...) is an `error` record with PARI's message
 * ("PARI: ...", e.g. divmod by a zero polynomial) — or, when the memory
 * limit refused to grow the stack, a call (or set-up) that reached the limit
 * (memlimit.h).  PARI
 * installs no signal handlers (no INIT_SIGm: a crash stays a crash for the
 * supervisor) and leaves GMP's allocators alone (INIT_noINTGMPm). */
#include "common/bounds.h"
#include "canon.h"
#include "data/dataset.h"
#include "harness.h"
#include "memlimit.h"

#include <pari/pari.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int nvars;
    long npolys;
    GEN *polys;        /* gclone'd, so they outlive the stack */
    long *vars;        /* PARI variable of each generator */
    char *error;       /* why it could not be parsed: its calls are `error` */
} pari_system;

static pari_system *systems;
static size_t nsystems;
static long *var_pool;   /* PARI variable of generator k, by priority */
static int var_pool_n;

/* --------------------------------------------------------------- setup */

/* The PARI variables of the generators, shared by all systems: generator 0
 * must be above generator 1 and so on.  fetch_var() returns a variable of
 * lower priority than every variable in use, so creating them in generator
 * order gives generator 0 the highest priority. */
static void make_vars(int max)
{
    var_pool = cb_xmalloc((size_t)(max ? max : 1) * sizeof *var_pool);
    for (int i = 0; i < max; i++)
        var_pool[i] = fetch_var();
    var_pool_n = max;
}

static long gen_var(int k)
{
    return var_pool[k];
}

static GEN mpz_to_int(const mpz_t z)
{
    /* strtoi() reads digits only: the sign is applied here */
    char *s = mpz_get_str(NULL, 10, z);
    GEN r = strtoi(s[0] == '-' ? s + 1 : s);
    if (s[0] == '-')
        r = negi(r);
    free(s);
    return r;
}

/* One term: c * x0^e0 * ... built from the lowest-priority variable up, so
 * the recursion nests the right way. */
static GEN monomial_of(GEN c, const long *exp, int nvars)
{
    GEN t = c;
    for (int k = nvars - 1; k >= 0; k--)
        if (exp[k])
            t = gmul(t, pol_xn(exp[k], gen_var(k)));
    return t;
}

static int parse_poly(GEN *out, cb_value terms, int nvars, cb_err *err)
{
    pari_sp av = avma;
    long *exp = cb_xmalloc((size_t)(nvars ? nvars : 1) * sizeof *exp);
    mpz_t z;
    mpz_init(z);
    GEN p = gen_0;
    int rc = 0;
    for (size_t t = 0; t < cb_len(terms) && rc == 0; t++) {
        cb_value e;
        if ((rc = cb_harness_term(terms, t, nvars, &e, z, err)) < 0)
            break;
        for (int k = 0; k < nvars; k++) {
            cb_value x = cb_item(e, (size_t)k);
            if (!cb_is(x, CB_INT) || cb_int_sgn(x) < 0 || !cb_int_fits_i64(x)
                || cb_int_get_i64(x) > (1L << 40))
                rc = cb_fail(err, "term %zu: exponents must be ints in 0..2^40", t);
            else
                exp[k] = (long)cb_int_get_i64(x);
        }
        if (rc == 0)
            p = gadd(p, monomial_of(mpz_to_int(z), exp, nvars));
    }
    if (rc == 0)
        *out = gclone(p);
    set_avma(av);
    mpz_clear(z);
    free(exp);
    return rc;
}

/* parisizemax was lowered to the memory limit (main). */
static bool stack_clipped;

/* Run f under pari_CATCH: a PARI error becomes -1 with its message.  The
 * PARI stack running out under the memory limit (parisizemax lowered to
 * it, or a growth below parisizemax refused) ends the call, or the harness
 * while it loads the dataset, as having reached the limit (memlimit.h);
 * without a limit it stays PARI's own error. */

static int guarded(int (*f)(void *, cb_err *), void *arg, cb_err *err)
{
    volatile int rc = 0;
    pari_sp av = avma;
    pari_CATCH(CATCH_ALL) {
        GEN e = pari_err_last();
        char *msg = pari_err2str(e);
        long num = err_get_num(e);
        if ((num == e_STACK || num == e_MEM) && cb_memlimit_bytes() &&
            (stack_clipped || pari_mainstack->size < pari_mainstack->vsize)) {
            char what[200];
            snprintf(what, sizeof what, "PARI: %.*s", (int)strcspn(msg, "\n"), msg);   /* its first line */
            cb_memlimit_exceeded(what);

        }
        rc = cb_fail(err, "PARI: %s", msg);
        pari_free(msg);
    } pari_TRY {
        rc = f(arg, err);
    } pari_ENDCATCH;
    set_avma(av);
    return rc;
}

typedef struct {
    GEN *out;
    cb_value terms;
    int nvars;
} parse_args;

static int parse_thunk(void *arg, cb_err *err)
{
    parse_args *a = arg;
    return parse_poly(a->out, a->terms, a->nvars, err);
}

static int setup(const cb_config *cfg, cb_err *err)
{
    nsystems = cb_len(cfg->polys);
    systems = cb_xcalloc(nsystems ? nsystems : 1, sizeof *systems);
    int maxvars = 0;
    for (size_t s = 0; s < nsystems; s++) {
        int n = (int)cb_len(cb_system_gens(cb_dict_val(cfg->polys, s)));
        if (n > maxvars)
            maxvars = n;
    }
    make_vars(maxvars);
    for (size_t s = 0; s < nsystems; s++) {
        cb_value sys = cb_dict_val(cfg->polys, s);
        cb_value polys = cb_system_polys(sys);
        pari_system *ps = &systems[s];
        ps->nvars = (int)cb_len(cb_system_gens(sys));
        ps->npolys = (long)cb_len(polys);
        ps->polys = cb_xcalloc((size_t)(ps->npolys ? ps->npolys : 1), sizeof *ps->polys);
        for (long i = 0; i < ps->npolys && !ps->error; i++)
            if (guarded(parse_thunk, &(parse_args){&ps->polys[i], cb_item(polys, (size_t)i), ps->nvars}, err) < 0) {
                char *key = cb_repr(cb_dict_key(cfg->polys, s));
                cb_fail_prefix(err, "system %s, polynomial %ld", key, i);
                ps->error = cb_xstrdup(err->msg);
                free(key);
            }
    }
    return 0;
}

/* ---------------------------------------------------------------- calls */

static cb_fn_id cur;
static const pari_system *A, *B;
static long npairs;

static bool supports(const char *function)
{
    int f = cb_function_index(function);
    return f >= 0 && f != CB_FN_GROEBNER;   /* PARI has no Gröbner bases */
}

static int prepare(const cb_call *c, cb_err *err)
{
    cur = (cb_fn_id)cb_function_index(c->function);
    A = &systems[c->sys[0]];
    B = c->nargs > 1 ? &systems[c->sys[1]] : NULL;
    if (A->error || (B && B->error))
        return cb_fail(err, "%s", A->error ? A->error : B->error);
    if (B) {
        if (A->nvars != B->nvars)
            return cb_fail(err, "the systems have %d and %d generators", A->nvars, B->nvars);
        npairs = A->npolys < B->npolys ? A->npolys : B->npolys;
        if ((cur == CB_FN_RESULTANT || cur == CB_FN_DIVMOD) && A->nvars == 0)
            return cb_fail(err, "%s needs at least one generator", cb_functions[cur].name);
    }
    return 0;
}

/* p as a t_POL in the first generator (a constant in it becomes degree 0). */
static GEN in_main_var(GEN p)
{
    long v = gen_var(0);
    if (typ(p) == t_POL && varn(p) == v)
        return p;
    return scalarpol(p, v);
}

/* The recursive leading coefficient: the lex one. */
static GEN lex_lead(GEN p)
{
    while (typ(p) == t_POL)
        p = signe(p) ? gel(p, lg(p) - 1) : gen_0;
    return p;
}

/* One binary operation on pair i; the remainder of divmod in *r2. */
static GEN binary(long i, GEN *r2)
{
    GEN a = A->polys[i], b = B->polys[i];
    switch (cur) {
    case CB_FN_ADD: return gadd(a, b);
    case CB_FN_SUB: return gsub(a, b);
    case CB_FN_MULT: return gmul(a, b);
    case CB_FN_DIVMOD: return RgX_pseudodivrem(in_main_var(a), in_main_var(b), r2);
    case CB_FN_RESULTANT: return polresultant0(in_main_var(a), in_main_var(b), gen_var(0), 0);
    case CB_FN_GCD: return ggcd(a, b);
    case CB_FN_LCM: return glcm(a, b);
    default: return gen_0;
    }
}

static int call_body(void)
{
    pari_sp av = avma;
    if (B) {
        for (long i = 0; i < npairs; i++) {
            GEN r2 = NULL;
            (void)binary(i, &r2);
            set_avma(av);
        }
        return 0;
    }
    for (long i = 0; i < A->npolys; i++) {
        if (cur == CB_FN_FACTOR)
            (void)factor(A->polys[i]);
        else
            (void)lex_lead(A->polys[i]);
        set_avma(av);
    }
    return 0;
}

static int call_thunk(void *arg, cb_err *err)
{
    (void)arg;
    (void)err;
    return call_body();
}

static int call(const cb_call *c, cb_err *err)
{
    (void)c;
    return guarded(call_thunk, NULL, err);
}

/* -------------------------------------------------------------- verify */

/* Walk a recursive polynomial into t, exponents in exp (all zero between
 * calls). */
static int walk(cb_terms *t, GEN p, unsigned long *exp, int nvars, cb_err *err)
{
    if (typ(p) == t_INT) {
        if (signe(p)) {
            char *s = itostr(p);
            mpz_set_str(cb_terms_push(t, exp), s, 10);
        }
        return 0;
    }
    if (typ(p) != t_POL)
        return cb_fail(err, "a result coefficient is not an integer (PARI type %s)", type_name(typ(p)));
    int k = -1;
    for (int j = 0; j < nvars; j++)
        if (gen_var(j) == varn(p))
            k = j;
    if (k < 0)
        return cb_fail(err, "a result has a variable that is not a generator");
    for (long d = 0; d <= degpol(p); d++) {
        exp[k] = (unsigned long)d;
        if (walk(t, gel(p, d + 2), exp, nvars, err) < 0)
            return -1;
    }
    exp[k] = 0;
    return 0;
}

static int put_poly(cb_buf *out, cb_terms *t, GEN p, int flags, cb_err *err)
{
    cb_terms_reset(t, (size_t)A->nvars);
    unsigned long *exp = cb_xcalloc((size_t)(A->nvars ? A->nvars : 1), sizeof *exp);
    int rc = walk(t, p, exp, A->nvars, err);
    free(exp);
    if (rc == 0)
        cb_canon_poly(out, t, flags);
    return rc;
}

static int int_to_mpz(mpz_t z, GEN x, cb_err *err)
{
    if (typ(x) != t_INT)
        return cb_fail(err, "expected an integer, PARI gave a %s", type_name(typ(x)));
    char *s = itostr(x);
    mpz_set_str(z, s, 10);
    return 0;
}

/* CONTENT * (F1)^M1 ...: PARI's factors made primitive; the content is p
 * divided by their product (an integer, by Gauss's lemma). */
static int verify_factor(cb_buf *out, GEN p, cb_err *err)
{
    mpz_t content;
    mpz_init(content);
    int rc = 0;
    if (typ(p) != t_POL) {
        rc = int_to_mpz(content, p, err);
        if (rc == 0)
            cb_canon_factor(out, content, NULL, NULL, 0);
        mpz_clear(content);
        return rc;
    }
    GEN f = factor(p), fs = gel(f, 1), ms = gel(f, 2);
    long n = lg(fs) - 1;
    GEN prod = gen_1;
    cb_terms *ts = cb_xcalloc((size_t)(n ? n : 1), sizeof *ts);
    unsigned long *mults = cb_xcalloc((size_t)(n ? n : 1), sizeof *mults);
    for (long i = 0; i < n; i++) {
        GEN fi = Q_primpart(gel(fs, i + 1));
        mults[i] = (unsigned long)itos(gel(ms, i + 1));
        prod = gmul(prod, gpowgs(fi, (long)mults[i]));
        cb_terms_init(&ts[i], (size_t)A->nvars);
        unsigned long *exp = cb_xcalloc((size_t)(A->nvars ? A->nvars : 1), sizeof *exp);
        if (rc == 0)
            rc = walk(&ts[i], fi, exp, A->nvars, err);
        free(exp);
    }
    if (rc == 0)
        rc = int_to_mpz(content, simplify_shallow(gdiv(p, prod)), err);
    if (rc == 0)
        cb_canon_factor(out, content, ts, mults, (size_t)n);
    for (long i = 0; i < n; i++)
        cb_terms_clear(&ts[i]);
    free(ts);
    free(mults);
    mpz_clear(content);
    return rc;
}

static int verify_body(cb_buf *out, cb_err *err)
{
    cb_terms t;
    cb_terms_init(&t, (size_t)A->nvars);
    int rc = 0;
    if (B) {
        int flags = cur == CB_FN_GCD || cur == CB_FN_LCM ? CB_CANON_POSITIVE : 0;
        for (long i = 0; i < npairs && rc == 0; i++) {
            GEN r2 = NULL;
            if (i)
                cb_buf_putc(out, '\n');
            GEN r = binary(i, &r2);
            rc = put_poly(out, &t, r, flags, err);
            if (rc == 0 && cur == CB_FN_DIVMOD) {
                cb_buf_puts(out, " | ");
                rc = put_poly(out, &t, r2, 0, err);
            }
        }
    } else {
        for (long i = 0; i < A->npolys && rc == 0; i++) {
            if (i)
                cb_buf_putc(out, '\n');
            if (cur == CB_FN_FACTOR) {
                rc = verify_factor(out, A->polys[i], err);
            } else {
                mpz_t z;
                mpz_init(z);
                rc = int_to_mpz(z, lex_lead(A->polys[i]), err);
                if (rc == 0) {
                    char *s = mpz_get_str(NULL, 10, z);
                    cb_buf_puts(out, s);
                    free(s);
                }
                mpz_clear(z);
            }
        }
    }
    cb_terms_clear(&t);
    return rc;
}

static cb_buf *verify_out;

static int verify_thunk(void *arg, cb_err *err)
{
    (void)arg;
    return verify_body(verify_out, err);
}

static int verify(const cb_call *c, cb_buf *out, cb_err *err)
{
    (void)c;
    verify_out = out;
    return guarded(verify_thunk, NULL, err);
}

/* --------------------------------------------------------------- probe */

static void probe(json_object *out)
{
    char v[64];
    snprintf(v, sizeof v, "%lu.%lu.%lu", (unsigned long)(PARI_VERSION_CODE >> 16),
             (unsigned long)((PARI_VERSION_CODE >> 8) & 255), (unsigned long)(PARI_VERSION_CODE & 255));
    /* the library actually loaded, which may be newer than the headers */
    GEN lv = pari_version();
    if (typ(lv) == t_VEC && lg(lv) >= 4)
        snprintf(v, sizeof v, "%ld.%ld.%ld", itos(gel(lv, 1)), itos(gel(lv, 2)), itos(gel(lv, 3)));
    cb_probe_versions(out, v, "pari", v, "gmp", gmp_version, (char *)NULL);
}

static const cb_harness_ops ops = {
    .library = "pari", .probe = probe, .setup = setup, .supports = supports, .prepare = prepare,
    .call = call, .verify = verify
};

int main(int argc, char **argv)
{
    /* Under a memory limit below parisizemax, the stack may grow only to
     * the limit: PARI then raises e_STACK at once, where a refused growth
     * inside parisizemax makes it retry forever (new_chunk_resize). */
    size_t stack = (size_t)64 << 20, stack_max = (size_t)4 << 30;
    uint64_t limit = cb_memlimit_from_env();
    if (limit && limit < stack_max) {
        stack_max = (size_t)limit;
        stack_clipped = true;
        if (stack > stack_max)
            stack = stack_max;
    }
    pari_init_opts(stack, 0, INIT_DFTm | INIT_noINTGMPm);
    paristack_setsize(stack, stack_max);
    DEBUGMEM = 0;   /* no "increasing stack size" chatter */
    int rc = cb_harness_main(argc, argv, &ops);
    pari_close();
    return rc;
}
