/* gen.c — random datasets drawn as the original generator drew them (see
 * gen.h for the algorithm), written directly as protocol-4 pickle bytes
 * through the codec's emit API (pickle_emit.h, the compact style).
 *
 * Speed comes from never building a value tree for the polynomials: each
 * polynomial's terms are drawn into flat arrays (exponents as int64, the
 * coefficient as a 128-bit word or, for huge ranges, an mpz), deduplicated
 * with a small open-addressing table (a repeated exponent overwrites the
 * coefficient in place, as `poly[exps] = c` does in Python), then encoded
 * straight into the output buffer by the emit API's inline encoders. */
/* The word generator and the draw loops are the whole cost of gen: let GCC
 * vectorise and unroll them (-O3) whatever the build's level. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3")
#endif
#include "data/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/pickle_emit.h"
#include "data/pyrandom.h"

enum {
    MAX_GENERATORS = 10000,
    MAX_VALUES = 100000,        /* values of --generators / --terms */
    MAX_SYSTEMS = 1000000,
};
#define MAX_TERMS 2147483647L

static const char *field_names[4] = {"gens", "terms", "exp_range", "coeff_range"};

int cb_gen_field_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, field_names[i]))
            return i;
    return -1;
}

const char *cb_gen_field_name(int field) { return field >= 0 && field < 4 ? field_names[field] : "?"; }

/* ---------------------------------------------------------------- options */

static int check_bounds(const cb_ranges *r, const char *option, const char *lo_text, long lo,
                        const char *hi_text, const mpz_t hi, cb_err *err)
{
    mpz_t mn, mx;
    mpz_inits(mn, mx, NULL);
    int rc = 0;
    for (size_t i = 0; i < r->n && rc == 0; i++) {
        cb_range_part_min_max(&r->parts[i], mn, mx);
        if (mpz_cmp_si(mn, lo) < 0 || mpz_cmp(mx, hi) > 0) {
            char *a = mpz_get_str(NULL, 10, r->parts[i].start), *b = mpz_get_str(NULL, 10, r->parts[i].stop),
                 *c = mpz_get_str(NULL, 10, r->parts[i].step);
            rc = cb_fail(err, "%s: range(%.60s, %.60s, %.60s) goes outside %s..%s", option, a, b, c,
                         lo_text, hi_text);
            free(a), free(b), free(c);
        }
    }
    mpz_clears(mn, mx, NULL);
    return rc;
}

static int count_values(const cb_ranges *r, const char *option, size_t *count, cb_err *err)
{
    mpz_t n, total;
    mpz_inits(n, total, NULL);
    for (size_t i = 0; i < r->n; i++) {
        cb_range_part_len(&r->parts[i], n);
        mpz_add(total, total, n);
    }
    int rc = 0;
    if (mpz_cmp_ui(total, MAX_VALUES) > 0)
        rc = cb_fail(err, "%s: more than %d values", option, MAX_VALUES);
    else
        *count = mpz_get_ui(total);
    mpz_clears(n, total, NULL);
    return rc;
}

static long *expand(const cb_ranges *r, size_t *count);

/* The whole dataset is built in memory: refuse what cannot fit (about
 * three bytes per drawn number). */
static int check_draws(const cb_gen_options *o, cb_err *err)
{
    size_t ng, nt;
    long *gv = expand(&o->generators, &ng), *tv = expand(&o->terms, &nt);
    double draws = 0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nt; j++)
            draws += (double)(gv[i] + 1) * (double)tv[j];
    draws *= (double)o->exponents.n * (double)o->coefficients.n * (double)o->number;
    free(gv);
    free(tv);
    if (draws > 4294967296.0)
        return cb_fail(err, "the options ask for %.3g random numbers, more than 2**32; "
                       "ask for fewer systems, terms or polynomials", draws);
    return 0;
}

int cb_gen_check(const cb_gen_options *o, cb_err *err)
{
    mpz_t hi;
    mpz_init(hi);
    size_t ng = 0, nt = 0;
    int rc = 0;
    mpz_set_ui(hi, MAX_GENERATORS);
    rc = check_bounds(&o->generators, "--generators", "0", 0, "10000", hi, err);
    if (rc == 0) {
        mpz_set_si(hi, MAX_TERMS);
        rc = check_bounds(&o->terms, "--terms", "0", 0, "2**31-1", hi, err);
    }
    if (rc == 0) {
        mpz_set_ui(hi, 1);
        mpz_mul_2exp(hi, hi, 63);
        mpz_sub_ui(hi, hi, 1);
        rc = check_bounds(&o->exponents, "--exponents", "0", 0, "2**63-1", hi, err);
    }
    if (rc == 0)
        rc = count_values(&o->generators, "--generators", &ng, err);
    if (rc == 0)
        rc = count_values(&o->terms, "--terms", &nt, err);
    if (rc == 0 && (double)ng * (double)nt * (double)o->exponents.n * (double)o->coefficients.n > MAX_SYSTEMS)
        rc = cb_fail(err, "more than %d systems (the options multiply)", MAX_SYSTEMS);
    if (rc == 0 && (o->number < 0 || o->number > MAX_TERMS))
        rc = cb_fail(err, "--number: %ld is not between 0 and 2**31-1", o->number);
    if (rc == 0)
        rc = check_draws(o, err);
    mpz_clear(hi);
    return rc;
}

/* ------------------------------------------------------------ key helpers */

static cb_value range_value(const cb_range_part *p)
{
    return cb_range_new(cb_int_mpz(p->start), cb_int_mpz(p->stop), cb_int_mpz(p->step));
}

/* Python compares ranges as sequences: (len, first, step) decides, the
 * first only when len > 0 and the step only when len > 1. */
static cb_value canon_range(cb_value r)
{
    mpz_t a, b, c, n;
    mpz_inits(a, b, c, n, NULL);
    cb_int_get_mpz(r.u.range->start, a);
    cb_int_get_mpz(r.u.range->stop, b);
    cb_int_get_mpz(r.u.range->step, c);
    if (mpz_sgn(c) == 0)
        mpz_set_ui(c, 1);   /* not a valid range; keep it comparable */
    mpz_sub(n, b, a);
    mpz_cdiv_q(n, n, c);
    if (mpz_sgn(n) <= 0)
        mpz_set_ui(n, 0), mpz_set_ui(a, 0);
    if (mpz_cmp_ui(n, 1) <= 0)
        mpz_set_ui(c, 0);
    cb_value t = cb_tuple_of(3, cb_int_mpz(n), cb_int_mpz(a), cb_int_mpz(c));
    mpz_clears(a, b, c, n, NULL);
    return t;
}

static cb_value canon_any(cb_value v)
{
    if (v.type == CB_RANGE)
        return canon_range(v);
    if (v.type == CB_TUPLE) {
        cb_value t = cb_tuple_new(cb_len(v));
        for (size_t i = 0; i < cb_len(v); i++)
            cb_seq_push(t, canon_any(cb_item(v, i)));
        return t;
    }
    return cb_retain(v);
}

bool cb_gen_key_equal(cb_value a, cb_value b)
{
    cb_value ca = canon_any(a), cb = canon_any(b);
    bool eq = ca.type == cb.type && cb_equal(ca, cb);
    cb_release(ca);
    cb_release(cb);
    return eq;
}

/* ------------------------------------------------------ pickle encoding */

/* gen writes through the codec's emit API (pickle_emit.h) in the compact
 * style: no frames, builtins.range as memo 0, nothing else memoized. */

/* range(start, stop, step): REDUCE(builtins.range, (start, stop, step)) */
static void put_range(cb_pickle_emitter *e, const cb_range_part *p)
{
    cb_pickle_emit_range_global(e);
    cb_pickle_emit_mpz(e, p->start);
    cb_pickle_emit_mpz(e, p->stop);
    cb_pickle_emit_mpz(e, p->step);
    cb_pickle_emit_tuple_end(e, 3);
    cb_pickle_emit_op(e, CB_PK_REDUCE);
}

/* The key (generators, terms, exp_range, coeff_range). */
static void put_key(cb_pickle_emitter *e, long g, long t, const cb_range_part *ep, const cb_range_part *cp)
{
    cb_pickle_emit_tuple_begin(e, 4);
    cb_pickle_emit_int(e, g);
    cb_pickle_emit_int(e, t);
    put_range(e, ep);
    put_range(e, cp);
    cb_pickle_emit_tuple_end(e, 4);
}

/* ------------------------------------------------------ drawing systems */

/* One polynomial's terms, reused from one polynomial to the next.  Arrays
 * and the hash table grow with the distinct terms actually drawn (not with
 * the terms asked for: with few possible exponents most draws collide). */
typedef struct {
    size_t ngens, nterms, cap;   /* distinct terms so far, their capacity */
    size_t exps_alloc, coef_alloc;   /* allocated int64s / coefficients */
    bool big;                    /* coefficients in coefz, else coef */
    int64_t *exps;               /* nterms * ngens */
    __int128 *coef;
    mpz_t *coefz;                /* initialised up to nz */
    size_t nz;
    uint32_t *slots;             /* hash table of term index + 1; 0 empty */
    size_t nslots;
} poly_buf;

static void poly_reset(poly_buf *pb, int ngens, bool big)
{
    pb->ngens = (size_t)ngens;
    pb->big = big;
    pb->nterms = 0;
    /* the arrays outlive the polynomial; their capacity in terms depends on
     * this system's number of generators */
    pb->cap = pb->exps_alloc / (ngens ? (size_t)ngens : 1);
    if (pb->coef_alloc < pb->cap)
        pb->cap = pb->coef_alloc;
    if (big && pb->nz < pb->cap)
        pb->cap = pb->nz;
    if (!pb->slots) {
        pb->nslots = 64;
        pb->slots = cb_xmalloc(pb->nslots * sizeof *pb->slots);
    }
    memset(pb->slots, 0, pb->nslots * sizeof *pb->slots);
}

static void poly_free(poly_buf *pb)
{
    for (size_t i = 0; i < pb->nz; i++)
        mpz_clear(pb->coefz[i]);
    free(pb->coefz);
    free(pb->exps);
    free(pb->coef);
    free(pb->slots);
}

static inline uint64_t hash_exps(const int64_t *e, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint64_t)e[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

static void poly_grow(poly_buf *pb)
{
    size_t cap = pb->cap ? 2 * pb->cap : 64, g = pb->ngens ? pb->ngens : 1;
    if (cap * g > pb->exps_alloc) {
        pb->exps_alloc = cap * g;
        pb->exps = cb_xrealloc(pb->exps, pb->exps_alloc * sizeof *pb->exps);
    }
    if (cap > pb->coef_alloc) {
        pb->coef_alloc = cap;
        pb->coef = cb_xrealloc(pb->coef, cap * sizeof *pb->coef);
    }
    if (pb->big && pb->nz < cap) {
        pb->coefz = cb_xrealloc(pb->coefz, cap * sizeof *pb->coefz);
        for (; pb->nz < cap; pb->nz++)
            mpz_init(pb->coefz[pb->nz]);
    }
    pb->cap = cap;
    if (2 * cap > pb->nslots) {   /* keep the table at most half full */
        pb->nslots = cb_next_pow2(2 * cap);
        free(pb->slots);
        pb->slots = cb_xcalloc(pb->nslots, sizeof *pb->slots);
        size_t mask = pb->nslots - 1;
        for (size_t t = 0; t < pb->nterms; t++) {
            size_t s = hash_exps(pb->exps + t * pb->ngens, pb->ngens) & mask;
            while (pb->slots[s])
                s = (s + 1) & mask;
            pb->slots[s] = (uint32_t)(t + 1);
        }
    }
}

/* Finds the term with exponents e, or adds it; returns its index. */
static inline size_t poly_term(poly_buf *pb, const int64_t *e)
{
    if (pb->nterms == pb->cap)
        poly_grow(pb);
    size_t mask = pb->nslots - 1, g = pb->ngens;
    for (size_t s = hash_exps(e, g) & mask;; s = (s + 1) & mask) {
        uint32_t t = pb->slots[s];
        if (t == 0) {
            size_t idx = pb->nterms++;
            memcpy(pb->exps + idx * g, e, g * sizeof *e);
            pb->slots[s] = (uint32_t)(idx + 1);
            return idx;
        }
        if (memcmp(pb->exps + (t - 1) * g, e, g * sizeof *e) == 0)
            return t - 1;
    }
}

/* One polynomial: {exponents tuple: coefficient, ...}, its terms in one
 * SETITEMS.  The inner loop writes through a pointer (pickle_emit.h). */
static void write_poly(cb_pickle_emitter *e, const poly_buf *pb, bool big)
{
    size_t g = pb->ngens;
    cb_pickle_emit_op(e, CB_PK_EMPTY_DICT);
    if (pb->nterms == 0)
        return;
    cb_pickle_emit_op(e, CB_PK_MARK);
    for (size_t t = 0; t < pb->nterms; t++) {
        unsigned char *p = cb_pickle_emit_reserve(e, g * 10 + 20);
        p = cb_pickle_put_tuple_begin(p, g);
        const int64_t *x = pb->exps + t * g;
        for (size_t j = 0; j < g; j++)
            p = cb_pickle_put_int(p, x[j]);
        p = cb_pickle_put_tuple_end(p, g);
        if (!big)
            p = cb_pickle_put_i128(p, pb->coef[t]);
        cb_pickle_emit_commit(e, p);
        if (big)
            cb_pickle_emit_mpz(e, pb->coefz[t]);
    }
    cb_pickle_emit_op(e, CB_PK_SETITEMS);
}

/* Draws `number` polynomials of one system, in the original's order: for
 * each term, the exponents one generator after the other, then the
 * coefficient. */
static void draw_system(cb_pickle_emitter *e, cb_pyrandom *rng, poly_buf *pb, int ngens, long terms, long number,
                        const cb_pyrandom_sampler *es, const cb_pyrandom_sampler *cs)
{
    bool big = !cb_pyrandom_sampler_is_i128(cs), small64 = cb_pyrandom_sampler_is_i64(cs);
    int64_t x[64], *ev = ngens <= 64 ? x : cb_xmalloc((size_t)ngens * sizeof *ev);
    cb_pickle_emit_op(e, CB_PK_EMPTY_LIST);
    if (number > 0)
        cb_pickle_emit_op(e, CB_PK_MARK);
    for (long n = 0; n < number; n++) {
        poly_reset(pb, ngens, big);
        for (long t = 0; t < terms; t++) {
            for (int j = 0; j < ngens; j++)
                ev[j] = cb_pyrandom_draw_i64(rng, es);
            size_t idx = poly_term(pb, ev);
            if (small64)
                pb->coef[idx] = cb_pyrandom_draw_i64(rng, cs);
            else if (!big)
                pb->coef[idx] = cb_pyrandom_draw_i128(rng, cs);
            else
                cb_pyrandom_draw_mpz(rng, cs, pb->coefz[idx]);
        }
        write_poly(e, pb, big);
    }
    if (number > 0)
        cb_pickle_emit_op(e, CB_PK_APPENDS);
    if (ev != x)
        free(ev);
}

static void write_gens(cb_pickle_emitter *e, int ngens)
{
    cb_pickle_emit_op(e, CB_PK_EMPTY_LIST);
    if (ngens == 0)
        return;
    cb_pickle_emit_op(e, CB_PK_MARK);
    char name[16];
    for (int i = 0; i < ngens; i++)
        cb_pickle_emit_str(e, name, (size_t)snprintf(name, sizeof name, "x%d", i));
    cb_pickle_emit_op(e, CB_PK_APPENDS);
}

/* The values of one part of --generators or --terms, in order. */
static long *expand_part(const cb_range_part *part, size_t *count)
{
    mpz_t len, x;
    mpz_inits(len, x, NULL);
    cb_range_part_len(part, len);
    unsigned long m = mpz_get_ui(len);   /* bounded by cb_gen_check */
    long *v = cb_xmalloc((m ? m : 1) * sizeof *v);
    for (unsigned long k = 0; k < m; k++) {
        mpz_mul_ui(x, part->step, k);
        mpz_add(x, x, part->start);
        v[k] = mpz_get_si(x);
    }
    mpz_clears(len, x, NULL);
    *count = m;
    return v;
}

/* The values of --generators or --terms, every part expanded in order. */
static long *expand(const cb_ranges *r, size_t *count)
{
    size_t n = 0;
    long *v = cb_xmalloc(sizeof *v);
    for (size_t i = 0; i < r->n; i++) {
        size_t m;
        long *part = expand_part(&r->parts[i], &m);
        v = cb_xrealloc(v, (n + m + 1) * sizeof *v);
        memcpy(v + n, part, m * sizeof *v);
        n += m;
        free(part);
    }
    *count = n;
    return v;
}

/* About how many bytes the pickle takes (an upper estimate for exponents
 * below 65536 and coefficients below 2**128; it only saves regrowth). */
static size_t estimate_size(const cb_gen_options *o, const long *gv, size_t ng, const long *tv, size_t nt)
{
    double bytes = 64;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nt; j++)
            bytes += (double)o->number * (double)tv[j] * (double)(3 * gv[i] + 2 + 18) + 64.0 * (double)gv[i] + 256;
    bytes *= (double)o->exponents.n * (double)o->coefficients.n;
    return bytes > 1e10 ? (size_t)1e10 : (size_t)bytes;
}

/* One sampler per part; returns how many were initialised (all, unless a
 * range is empty, which cb_ranges_parse already refuses). */
static size_t init_samplers(const cb_ranges *r, cb_pyrandom_sampler *s, cb_err *err)
{
    for (size_t i = 0; i < r->n; i++)
        if (cb_pyrandom_sampler_init(&s[i], r->parts[i].start, r->parts[i].stop, r->parts[i].step, err) < 0)
            return i;
    return r->n;
}

/* The run-list entries of one element of the product of the options'
 * parts, as the original formed them: its systems (`element`, in drawing
 * order) grouped by the groupby fields (groups in order of first
 * appearance), itertools.combinations_with_replacement(group, 2) group after
 * group onto `pairs`, every system onto `singles`. */
static void element_entries(cb_value element, const int *groupby, int ngroupby, cb_value pairs, cb_value singles)
{
    cb_value index = cb_dict_new(0), groups = cb_list_new(0);
    for (size_t i = 0; i < cb_len(element); i++) {
        cb_value k = cb_item(element, i);
        cb_value gk = cb_tuple_new((size_t)ngroupby);
        for (int f = 0; f < ngroupby; f++)
            cb_seq_push(gk, canon_any(cb_item(k, (size_t)groupby[f])));
        cb_value at;
        if (!cb_dict_get(index, gk, &at)) {
            at = cb_int((int64_t)cb_len(groups));
            cb_dict_set(index, cb_retain(gk), at);
            cb_seq_push(groups, cb_list_new(0));
        }
        cb_seq_push(cb_item(groups, (size_t)at.u.i), cb_retain(k));
        cb_release(gk);
        cb_seq_push(singles, cb_tuple_of(1, cb_retain(k)));
    }
    for (size_t g = 0; g < cb_len(groups); g++) {
        cb_value grp = cb_item(groups, g);
        for (size_t i = 0; i < cb_len(grp); i++)
            for (size_t j = i; j < cb_len(grp); j++)
                cb_seq_push(pairs, cb_tuple_of(2, cb_retain(cb_item(grp, i)), cb_retain(cb_item(grp, j))));
    }
    cb_release(index);
    cb_release(groups);
}

static const char *pair_functions[] = {"add", "mult", "divmod", "resultant", "gcd"};

/* The run list the original wrote: one list of pairs shared by the pair
 * functions (as its pickle shares it), leading_coefficient on the singles. */
static cb_value run_list_of(cb_value pairs, cb_value singles)
{
    cb_value rl = cb_dict_new(8);
    for (size_t f = 0; f < sizeof pair_functions / sizeof *pair_functions; f++)
        cb_dict_set_str(rl, pair_functions[f], cb_retain(pairs));
    cb_dict_set_str(rl, "leading_coefficient", cb_retain(singles));
    return rl;
}

/* One element of the product: every generators value of its part, every
 * terms value of its part, one system each, drawn and written in order. */
typedef struct element_ctx {
    const cb_gen_options *o;
    cb_pickle_emitter *e;
    cb_pyrandom *rng;
    poly_buf *pb;
    cb_gen_progress progress;
    void *pctx;
} element_ctx;

static cb_value draw_element(element_ctx *x, size_t gp, size_t tp, size_t ci, size_t ei,
                             const cb_pyrandom_sampler *es, const cb_pyrandom_sampler *cs)
{
    const cb_range_part *ep = &x->o->exponents.parts[ei], *cp = &x->o->coefficients.parts[ci];
    size_t ng, nt;
    long *gv = expand_part(&x->o->generators.parts[gp], &ng), *tv = expand_part(&x->o->terms.parts[tp], &nt);
    cb_value element = cb_list_new(ng * nt);
    for (size_t gi = 0; gi < ng; gi++)
        for (size_t ti = 0; ti < nt; ti++) {
            cb_value key = cb_tuple_of(4, cb_int(gv[gi]), cb_int(tv[ti]), range_value(ep), range_value(cp));
            if (x->progress)
                x->progress(x->pctx, key, x->o->number);
            put_key(x->e, gv[gi], tv[ti], ep, cp);
            write_gens(x->e, (int)gv[gi]);
            draw_system(x->e, x->rng, x->pb, (int)gv[gi], tv[ti], x->o->number, es, cs);
            cb_pickle_emit_tuple_end(x->e, 2);
            cb_seq_push(element, key);
        }
    free(gv);
    free(tv);
    return element;
}

int cb_gen_polys(const cb_gen_options *o, cb_buf *out, cb_value *keys, cb_value *run_list,
                 cb_gen_progress progress, void *ctx, cb_err *err)
{
    if (cb_gen_check(o, err) < 0)
        return -1;
    size_t ng, nt;
    long *gv = expand(&o->generators, &ng), *tv = expand(&o->terms, &nt);
    size_t ne = o->exponents.n, nc = o->coefficients.n;
    cb_pyrandom_sampler *es = cb_xcalloc(ne, sizeof *es), *cs = cb_xcalloc(nc, sizeof *cs);
    size_t e_ok = init_samplers(&o->exponents, es, err), c_ok = 0;
    int rc = e_ok == ne ? 0 : -1;
    if (rc == 0) {
        c_ok = init_samplers(&o->coefficients, cs, err);
        rc = c_ok == nc ? 0 : -1;
    }

    cb_value keylist = cb_list_new(0), seen = cb_dict_new(0), pairs = cb_list_new(0), singles = cb_list_new(0);
    if (rc == 0) {
        cb_pyrandom rng;
        cb_pyrandom_seed(&rng, o->seed);
        poly_buf pb = {0};
        cb_pickle_emitter e;
        element_ctx x = {o, &e, &rng, &pb, progress, ctx};
        cb_buf_reserve(out, estimate_size(o, gv, ng, tv, nt));   /* no regrowth copies */
        cb_pickle_emit_begin(&e, out, CB_PICKLE_COMPACT);
        cb_pickle_emit_op(&e, CB_PK_EMPTY_DICT);
        cb_pickle_emit_op(&e, CB_PK_MARK);
        /* itertools.product(generators, terms, coefficients, exponents) over
         * the parts — coefficients before exponents, as the original */
        for (size_t gp = 0; gp < o->generators.n; gp++)
            for (size_t tp = 0; tp < o->terms.n; tp++)
                for (size_t ci = 0; ci < nc; ci++)
                    for (size_t ei = 0; ei < ne; ei++) {
                        cb_value element = draw_element(&x, gp, tp, ci, ei, &es[ei], &cs[ci]);
                        element_entries(element, o->groupby, o->ngroupby, pairs, singles);
                        /* the dataset keeps the first of equal keys, as dict.update */
                        for (size_t i = 0; i < cb_len(element); i++) {
                            cb_value key = cb_item(element, i), ck = canon_any(key);
                            if (cb_dict_find(seen, ck) < 0) {
                                cb_dict_set(seen, ck, cb_none());
                                cb_seq_push(keylist, cb_retain(key));
                            } else {
                                cb_release(ck);
                            }
                        }
                        cb_release(element);
                    }
        cb_pickle_emit_op(&e, CB_PK_SETITEMS);
        cb_pickle_emit_end(&e);
        poly_free(&pb);
    }
    cb_release(seen);
    for (size_t i = 0; i < e_ok; i++)
        cb_pyrandom_sampler_clear(&es[i]);
    for (size_t i = 0; i < c_ok; i++)
        cb_pyrandom_sampler_clear(&cs[i]);
    free(es), free(cs), free(gv), free(tv);
    if (rc == 0 && run_list)
        *run_list = run_list_of(pairs, singles);
    cb_release(pairs);
    cb_release(singles);
    if (rc < 0) {
        cb_release(keylist);
        return -1;
    }
    *keys = keylist;
    return 0;
}

/* ---------------------------------------------------------- run lists */

cb_value cb_gen_merge_run_lists(cb_value old, cb_value add)
{
    cb_value rl = cb_dict_new(cb_len(old) + cb_len(add));
    for (size_t i = 0; i < cb_len(old); i++) {
        cb_value name = cb_dict_key(old, i), more;
        cb_value list = cb_list_new(cb_len(cb_dict_val(old, i)));
        for (size_t j = 0; j < cb_len(cb_dict_val(old, i)); j++)
            cb_seq_push(list, cb_retain(cb_item(cb_dict_val(old, i), j)));
        if (cb_dict_get(add, name, &more))
            for (size_t j = 0; j < cb_len(more); j++)
                cb_seq_push(list, cb_retain(cb_item(more, j)));
        cb_dict_set(rl, cb_retain(name), list);
    }
    for (size_t i = 0; i < cb_len(add); i++)
        if (cb_dict_find(rl, cb_dict_key(add, i)) < 0)
            cb_dict_set(rl, cb_retain(cb_dict_key(add, i)), cb_retain(cb_dict_val(add, i)));
    return rl;
}

/* ---------------------------------------------------------------- merge */

void cb_gen_merge(cb_value base, cb_value add)
{
    cb_value index = cb_dict_new(cb_len(base));   /* canonical key -> position */
    for (size_t i = 0; i < cb_len(base); i++)
        cb_dict_set(index, canon_any(cb_dict_key(base, i)), cb_int((int64_t)i));
    for (size_t i = 0; i < cb_len(add); i++) {
        cb_value k = cb_dict_key(add, i), val = cb_dict_val(add, i), ck = canon_any(k), at;
        if (cb_dict_get(index, ck, &at)) {   /* Python keeps the old key object */
            cb_dict_set(base, cb_retain(cb_dict_key(base, (size_t)at.u.i)), cb_retain(val));
        } else {
            cb_dict_set(index, cb_retain(ck), cb_int((int64_t)cb_len(base)));
            cb_dict_set(base, cb_retain(k), cb_retain(val));
        }
        cb_release(ck);
    }
    cb_release(index);
}
