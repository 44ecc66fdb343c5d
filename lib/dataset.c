/* dataset.c — loading and validating datasets and run lists (DESIGN §3.1,
 * §3.2).  The pickle reader (pickle.c) only guarantees a well-formed value;
 * this file checks it has the shape every harness relies on, so that nothing
 * runs on invalid input and each error names the system key (as Python's
 * repr) and the polynomial index, or the function and the run-list entry. */
#include "dataset.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "functions.h"
#include "pickle.h"
#include "util.h"

/* Fails with "PREFIX: MESSAGE" where PREFIX names a value by its repr
 * (shortened: a key can be long, the line must stay readable). */
static int fail_at(cb_err *err, const char *what, cb_value v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(cb_err *err, const char *what, cb_value v, const char *fmt, ...)
{
    char *r = cb_repr(v);
    if (strlen(r) > 200)
        strcpy(r + 190, "...");
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cb_fail(err, "%s %s: %s", what, r, msg);
    free(r);
    return -1;
}

static bool is_int(cb_value v) { return v.type == CB_INT; }
static bool is_seq2(cb_value v) { return (v.type == CB_TUPLE || v.type == CB_LIST) && cb_len(v) == 2; }

/* A key is a name, or the tuple (generators, terms, exp_range, coeff_range)
 * that gen writes. */
static bool key_ok(cb_value key)
{
    if (key.type == CB_STR)
        return true;
    return key.type == CB_TUPLE && cb_len(key) == 4 && is_int(cb_item(key, 0)) &&
           is_int(cb_item(key, 1)) && cb_item(key, 2).type == CB_RANGE &&
           cb_item(key, 3).type == CB_RANGE;
}

int cb_coeff_get_mpz(cb_value coeff, mpz_t out, cb_err *err)
{
    if (coeff.type == CB_INT) {
        cb_int_get_mpz(coeff, out);
        return 0;
    }
    if (coeff.type != CB_STR)
        return cb_fail(err, "coefficient is a %s, not an int or a decimal string",
                       cb_type_name(coeff.type));
    const char *s = cb_str_data(coeff);
    size_t n = cb_str_len(coeff), i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i == n || n > 100000)
        return cb_fail(err, "coefficient '%.40s' is not a decimal integer", s);
    for (size_t j = i; j < n; j++)
        if (!isdigit((unsigned char)s[j]))
            return cb_fail(err, "coefficient '%.40s' is not a decimal integer", s);
    mpz_set_str(out, s + i, 10);
    if (s[0] == '-')
        mpz_neg(out, out);
    return 0;
}

static int check_poly(cb_value key, size_t index, cb_value poly, size_t ngens, mpz_t tmp, cb_err *err)
{
    if (poly.type != CB_DICT)
        return fail_at(err, "system", key, "polynomial %zu is a %s, not a dict", index,
                       cb_type_name(poly.type));
    for (size_t t = 0; t < cb_len(poly); t++) {
        cb_value mon = cb_dict_key(poly, t);
        if (mon.type != CB_TUPLE)
            return fail_at(err, "system", key, "polynomial %zu: exponent %s is not a tuple",
                           index, cb_type_name(mon.type));
        if (cb_len(mon) != ngens) {
            char *r = cb_repr(mon);
            int rc = fail_at(err, "system", key,
                             "polynomial %zu: exponent %.60s has %zu entries for %zu generators",
                             index, r, cb_len(mon), ngens);
            free(r);
            return rc;
        }
        for (size_t g = 0; g < ngens; g++) {
            cb_value e = cb_item(mon, g);
            if (!is_int(e) || cb_int_sgn(e) < 0 || !cb_int_fits_i64(e)) {
                char *r = cb_repr(mon);
                int rc = fail_at(err, "system", key,
                                 "polynomial %zu: exponent %.60s: entry %zu is not a "
                                 "non-negative int below 2**63", index, r, g);
                free(r);
                return rc;
            }
        }
        cb_err cerr;
        if (cb_coeff_get_mpz(cb_dict_val(poly, t), tmp, &cerr) < 0)
            return fail_at(err, "system", key, "polynomial %zu: %s", index, cerr.msg);
    }
    return 0;
}

static int check_system(cb_value key, cb_value sys, mpz_t tmp, cb_err *err)
{
    if (!key_ok(key))
        return fail_at(err, "system", key, "a key must be a str or a tuple "
                       "(generators, terms, exp_range, coeff_range)");
    if (!is_seq2(sys)) {
        if (sys.type == CB_TUPLE || sys.type == CB_LIST)
            return fail_at(err, "system", key, "value must be a pair (gens, polys), not a %s of %zu",
                           cb_type_name(sys.type), cb_len(sys));
        return fail_at(err, "system", key, "value must be a tuple (gens, polys), not a %s",
                       cb_type_name(sys.type));
    }
    cb_value gens = cb_item(sys, 0), polys = cb_item(sys, 1);
    if (gens.type != CB_LIST && gens.type != CB_TUPLE)
        return fail_at(err, "system", key, "gens is a %s, not a list", cb_type_name(gens.type));
    for (size_t g = 0; g < cb_len(gens); g++) {
        cb_value name = cb_item(gens, g);
        if (name.type != CB_STR || cb_str_len(name) == 0)
            return fail_at(err, "system", key, "generator %zu is not a non-empty str", g);
        for (size_t h = 0; h < g; h++)
            if (cb_equal(name, cb_item(gens, h)))
                return fail_at(err, "system", key, "generator '%s' appears twice",
                               cb_str_data(name));
    }
    if (polys.type != CB_LIST && polys.type != CB_TUPLE)
        return fail_at(err, "system", key, "polys is a %s, not a list", cb_type_name(polys.type));
    for (size_t i = 0; i < cb_len(polys); i++)
        if (check_poly(key, i, cb_item(polys, i), cb_len(gens), tmp, err) < 0)
            return -1;
    return 0;
}

int cb_dataset_validate(cb_value polys, cb_err *err)
{
    if (polys.type != CB_DICT)
        return cb_fail(err, "dataset: a dataset is a dict of systems, not a %s",
                       cb_type_name(polys.type));
    mpz_t tmp;
    mpz_init(tmp);
    int rc = 0;
    for (size_t i = 0; i < cb_len(polys) && rc == 0; i++)
        rc = check_system(cb_dict_key(polys, i), cb_dict_val(polys, i), tmp, err);
    mpz_clear(tmp);
    return rc;
}

int cb_dataset_load(const char *path, cb_value *polys, cb_err *err)
{
    cb_value v;
    if (cb_pickle_load_file(path, &v, err) < 0)
        return -1;
    if (cb_dataset_validate(v, err) < 0) {
        cb_release(v);
        return cb_fail_prefix(err, "%s", path);
    }
    *polys = v;
    return 0;
}

static int check_entry(const cb_function *fn, size_t index, cb_value entry, cb_value polys,
                       cb_err *err)
{
    if (entry.type != CB_TUPLE && entry.type != CB_LIST)
        return cb_fail(err, "run list: function '%s', entry %zu is a %s, not a tuple of "
                       "system keys", fn->name, index, cb_type_name(entry.type));
    char *r = cb_repr(entry);
    if (strlen(r) > 200)
        strcpy(r + 190, "...");
    int rc = 0;
    if ((int)cb_len(entry) != fn->arity)
        rc = cb_fail(err, "run list: function '%s', entry %zu %s: takes %d system%s, got %zu",
                     fn->name, index, r, fn->arity, fn->arity == 1 ? "" : "s", cb_len(entry));
    for (size_t a = 0; rc == 0 && a < cb_len(entry); a++)
        if (cb_dict_find(polys, cb_item(entry, a)) < 0) {
            char *k = cb_repr(cb_item(entry, a));
            rc = cb_fail(err, "run list: function '%s', entry %zu %s: system %.200s is not in "
                         "the dataset", fn->name, index, r, k);
            free(k);
        }
    free(r);
    return rc;
}

int cb_runlist_validate(cb_value run_list, cb_value polys, cb_err *err)
{
    if (run_list.type != CB_DICT)
        return cb_fail(err, "run list: a run list is a dict of functions, not a %s",
                       cb_type_name(run_list.type));
    for (size_t i = 0; i < cb_len(run_list); i++) {
        cb_value name = cb_dict_key(run_list, i), entries = cb_dict_val(run_list, i);
        if (name.type != CB_STR) {
            char *r = cb_repr(name);
            cb_fail(err, "run list: function name %.200s is not a str", r);
            free(r);
            return -1;
        }
        const cb_function *fn = cb_function_find(cb_str_data(name));
        if (!fn)
            return cb_fail(err, "run list: unknown function '%.200s'", cb_str_data(name));
        if (entries.type != CB_LIST && entries.type != CB_TUPLE)
            return cb_fail(err, "run list: function '%s': entries are a %s, not a list",
                           fn->name, cb_type_name(entries.type));
        for (size_t e = 0; e < cb_len(entries); e++)
            if (check_entry(fn, e, cb_item(entries, e), polys, err) < 0)
                return -1;
    }
    return 0;
}

int cb_runlist_load(const char *path, cb_value polys, cb_value *run_list, cb_err *err)
{
    cb_value v;
    if (cb_pickle_load_file(path, &v, err) < 0)
        return -1;
    if (cb_runlist_validate(v, polys, err) < 0) {
        cb_release(v);
        return cb_fail_prefix(err, "%s", path);
    }
    *run_list = v;
    return 0;
}

cb_value cb_system_gens(cb_value system) { return cb_item(system, 0); }
cb_value cb_system_polys(cb_value system) { return cb_item(system, 1); }

int cb_dataset_write(const char *dir, cb_value polys, cb_value run_list,
                     const char *dataset_json, cb_err *err)
{
    if (cb_mkdir_p(dir, err) < 0)
        return -1;
    char *path;
    int rc = 0;
    if (polys.type != CB_NONE) {
        path = cb_xasprintf("%s/polys.pickle", dir);
        rc = cb_pickle_dump_file(path, polys, err);
        free(path);
    }
    if (rc == 0 && run_list.type != CB_NONE) {
        path = cb_xasprintf("%s/run_list.pickle", dir);
        rc = cb_pickle_dump_file(path, run_list, err);
        free(path);
    }
    if (rc == 0 && dataset_json) {
        path = cb_xasprintf("%s/dataset.json", dir);
        rc = cb_write_file_atomic(path, dataset_json, strlen(dataset_json), err);
        free(path);
    }
    return rc;
}
