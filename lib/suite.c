/* suite.c — the built-in default suite (see suite.h).
 *
 * Random part: systems keyed as `casbench gen` keys them, (generators,
 * terms, range(exponents), range(coefficients)), each holding a few
 * polynomials, drawn with CPython's random.Random (lib/pyrandom.h) from a
 * fixed seed.  Standard part: cyclic-4 and katsura-3 from lib/systems.h, for
 * groebner.
 *
 * SEAM (lib/gen.h): the random systems should come from lib/gen.h, the
 * engine of `casbench gen`, so that the suite's systems are exactly what
 * `casbench gen --seed 20260101 ...` writes.  gen.h was not there when this
 * was written; gen_system() below draws the same way the original generator
 * does (per polynomial: `terms` draws of an exponent tuple then a
 * coefficient, a repeated exponent overwriting its coefficient in place)
 * and should be replaced by a call into gen.h. */
#include "suite.h"
#include "poly.h"
#include "pyrandom.h"
#include "systems.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE_SEED 20260101

/* Sizes: (generators, terms); exponents in range(0, 5); per size two
 * systems, coefficients in range(1, 1000) and in range(-999, 1000), three
 * polynomials each.  Small enough for SymPy. */
static const struct { int gens, terms; } sizes[] = {{2, 6}, {3, 8}, {4, 10}};
#define EXP_STOP 5
#define COEFF_STOP 1000
#define COEFF_NEG_START (-999)
#define PER_SYSTEM 3

/* One random system (see the SEAM note above). */
static cb_value gen_system(cb_pyrandom *rng, int gens, int terms, int64_t coeff_start)
{
    cb_value names = cb_list_new((size_t)gens);
    for (int g = 0; g < gens; g++) {
        char buf[16];
        snprintf(buf, sizeof buf, "x%d", g);
        cb_seq_push(names, cb_str_c(buf));
    }
    cb_value polys = cb_list_new(PER_SYSTEM);
    for (int p = 0; p < PER_SYSTEM; p++) {
        cb_value poly = cb_dict_new((size_t)terms);
        for (int t = 0; t < terms; t++) {
            cb_value exps = cb_tuple_new((size_t)gens);
            for (int g = 0; g < gens; g++)
                cb_seq_push(exps, cb_int((int64_t)cb_pyrandom_randbelow64(rng, EXP_STOP)));
            int64_t c = coeff_start + (int64_t)cb_pyrandom_randbelow64(rng, (uint64_t)(COEFF_STOP - coeff_start));
            cb_dict_set(poly, exps, cb_int(c));
        }
        cb_seq_push(polys, poly);
    }
    return cb_tuple_of(2, names, polys);
}

static cb_value key_of(int gens, int terms, int64_t coeff_start)
{
    return cb_tuple_of(4, cb_int(gens), cb_int(terms), cb_range_i(0, EXP_STOP, 1),
                       cb_range_i(coeff_start, COEFF_STOP, 1));
}

static void add_call(cb_value run_list, const char *fn, cb_value args)
{
    cb_value list;
    if (!cb_dict_get_str(run_list, fn, &list)) {
        cb_dict_set_str(run_list, fn, cb_list_new(8));
        cb_dict_get_str(run_list, fn, &list);
    }
    cb_seq_push(list, args);
}

int cb_suite_build(cb_value *polys, cb_value *run_list, json_object **desc, json_object **seeds,
                   cb_err *err)
{
    cb_systems_out out;
    cb_systems_out_init(&out);
    static const char *const standard[] = {"cyclic-4", "katsura-3"};
    cb_value rl = cb_dict_new(12), ps = cb_dict_new(8);
    cb_pyrandom rng;
    cb_pyrandom_seed_i64(&rng, SUITE_SEED);
    size_t n = sizeof sizes / sizeof *sizes;
    for (size_t i = 0; i < n; i++)
        for (int neg = 0; neg < 2; neg++) {
            int64_t c0 = neg ? COEFF_NEG_START : 1;
            cb_dict_set(ps, key_of(sizes[i].gens, sizes[i].terms, c0),
                        gen_system(&rng, sizes[i].gens, sizes[i].terms, c0));
        }
    /* The pairwise functions zip the polynomials of the two systems of a
     * size; the unary ones take the first system. */
    /* resultant only on the smallest size: SymPy's subresultants take
     * minutes on three generators already */
    static const char *const binary[] = {"add", "sub", "mult", "divmod", "resultant", "gcd", "lcm"};
    for (size_t f = 0; f < sizeof binary / sizeof *binary; f++)
        for (size_t i = 0; i < (strcmp(binary[f], "resultant") ? n : 1); i++) {
            add_call(rl, binary[f], cb_tuple_of(2, key_of(sizes[i].gens, sizes[i].terms, 1),
                                                key_of(sizes[i].gens, sizes[i].terms, COEFF_NEG_START)));
        }
    for (size_t i = 0; i < n; i++) {
        add_call(rl, "factor", cb_tuple_of(1, key_of(sizes[i].gens, sizes[i].terms, 1)));
        add_call(rl, "leading_coefficient", cb_tuple_of(1, key_of(sizes[i].gens, sizes[i].terms, 1)));
    }
    for (size_t i = 0; i < sizeof standard / sizeof *standard; i++)
        if (cb_systems_build(standard[i], &out, err) < 0) {
            cb_systems_out_clear(&out);
            cb_release(rl);
            cb_release(ps);
            return cb_fail_prefix(err, "default suite");
        }
    for (size_t i = 0; i < cb_len(out.polys); i++)
        cb_dict_set(ps, cb_retain(cb_dict_key(out.polys, i)), cb_retain(cb_dict_val(out.polys, i)));
    for (size_t i = 0; i < cb_len(out.run_list); i++) {
        cb_value entries = cb_dict_val(out.run_list, i);
        for (size_t e = 0; e < cb_len(entries); e++)
            add_call(rl, cb_str_data(cb_dict_key(out.run_list, i)), cb_retain(cb_item(entries, e)));
    }
    cb_systems_out_clear(&out);

    json_object *d = json_object_new_object();
    json_object_object_add(d, "suite", json_object_new_string("default"));
    json_object *rand = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        char buf[96];
        snprintf(buf, sizeof buf, "%d generators, %d terms, exponents 0-%d, coefficients 1-%d and %d-%d, %d polynomials",
                 sizes[i].gens, sizes[i].terms, EXP_STOP - 1, COEFF_STOP - 1, COEFF_NEG_START, COEFF_STOP - 1,
                 PER_SYSTEM);
        json_object_array_add(rand, json_object_new_string(buf));
    }
    json_object_object_add(d, "random", rand);
    json_object *std = json_object_new_array();
    for (size_t i = 0; i < sizeof standard / sizeof *standard; i++)
        json_object_array_add(std, json_object_new_string(standard[i]));
    json_object_object_add(d, "standard", std);
    *seeds = json_object_new_object();
    json_object_object_add(*seeds, "suite", json_object_new_int(SUITE_SEED));
    *polys = ps;
    *run_list = rl;
    *desc = d;
    return 0;
}
