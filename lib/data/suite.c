/* suite.c — the built-in default suite (see suite.h).
 *
 * Random part: for each size, exactly what
 *     casbench gen DIR --generators G --terms T --exponents 0-5 \
 *         --coefficients '1-1000,(-999)-1000' --number 3 --seed 20260101
 * writes (lib/data/gen.h, the original generator's draws): two systems per size,
 * keyed (G, T, range(0, 5), range(1, 1000)) and (..., range(-999, 1000)).
 * The run list is the suite's own (below), not gen's: gen's would run
 * resultant on every pair, which SymPy cannot finish on three generators.
 * Standard part: cyclic-4 and katsura-3 from lib/data/systems.h, for groebner,
 * and small instances of the literature families (lib/data/literature.h). */
#include "data/suite.h"
#include "data/gen.h"
#include "data/pickle.h"
#include "data/ranges.h"
#include "data/systems.h"
#include "common/util.h"

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

static cb_value key_of(int gens, int terms, int64_t coeff_start)
{
    return cb_tuple_of(4, cb_int(gens), cb_int(terms), cb_range_i(0, EXP_STOP, 1),
                       cb_range_i(coeff_start, COEFF_STOP, 1));
}

/* The systems of one size, through gen, merged into POLYS. */
static int gen_size(int gens, int terms, cb_value polys, cb_err *err)
{
    char g[16], t[16];
    snprintf(g, sizeof g, "%d", gens);
    snprintf(t, sizeof t, "%d", terms);
    cb_gen_options o;
    memset(&o, 0, sizeof o);
    int rc = -1;
    if (cb_ranges_parse(g, &o.generators, err) < 0)
        return -1;
    if (cb_ranges_parse(t, &o.terms, err) < 0)
        goto free_g;
    if (cb_ranges_parse("0-5", &o.exponents, err) < 0)
        goto free_t;
    if (cb_ranges_parse("1-1000,(-999)-1000", &o.coefficients, err) < 0)
        goto free_e;
    o.number = PER_SYSTEM;
    o.groupby[0] = CB_GEN_GENS;
    o.groupby[1] = CB_GEN_TERMS;
    o.ngroupby = 2;
    mpz_init_set_si(o.seed, SUITE_SEED);
    cb_buf bytes = {0};
    cb_value keys, drawn;
    if (cb_gen_check(&o, err) == 0 && cb_gen_polys(&o, &bytes, &keys, NULL, NULL, NULL, err) == 0) {
        if (cb_pickle_load(bytes.data, bytes.len, &drawn, err) == 0) {
            for (size_t i = 0; i < cb_len(drawn); i++)
                cb_dict_set(polys, cb_retain(cb_dict_key(drawn, i)), cb_retain(cb_dict_val(drawn, i)));
            cb_release(drawn);
            rc = 0;
        }
        cb_release(keys);
    }
    cb_buf_free(&bytes);
    mpz_clear(o.seed);
    cb_ranges_free(&o.coefficients);
free_e:
    cb_ranges_free(&o.exponents);
free_t:
    cb_ranges_free(&o.terms);
free_g:
    cb_ranges_free(&o.generators);
    return rc;
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
    /* small instances of every literature family (lib/data/literature.h) */
    static const char *const standard[] = {"cyclic-4", "katsura-3", "eco-4", "noon-3", "fateman-4", "fateman3-5",
        "pearce-3-3", "dense-4-4", "pearcediv-3-3", "densediv-4-4", "mp-1-4", "gcd-dense2-3-2-2-3",
        "gcd-semisparse3-2-1-1-2", "lfgcd-2-3", "factor-1", "color3-cycle-4"};
    cb_value rl = cb_dict_new(12), ps = cb_dict_new(8);
    size_t n = sizeof sizes / sizeof *sizes;
    for (size_t i = 0; i < n; i++)
        if (gen_size(sizes[i].gens, sizes[i].terms, ps, err) < 0) {
            cb_systems_out_clear(&out);
            cb_release(rl);
            cb_release(ps);
            return cb_fail_prefix(err, "default suite");
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
