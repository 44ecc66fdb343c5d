/* dataset.c — loading and validating datasets and run lists (docs/design.md §3.1,
 * §3.2).  The pickle reader (pickle_load.c) only guarantees a well-formed value;
 * this file checks it has the shape every harness relies on, so that nothing
 * runs on invalid input and each error names the system key (as Python's
 * repr) and the polynomial index, or the function and the run-list entry. */
#include "data/dataset.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/functions.h"
#include "data/pickle.h"
#include "common/util.h"

/* A value's repr, shortened (a key can be long, the line must stay
 * readable); repr also escapes what would break the one-line message. */
static char *short_repr(cb_value v)
{
    char *r = cb_repr(v);
    if (strlen(r) > 200)
        strcpy(r + 190, "...");
    return r;
}

/* Fails with "PREFIX: MESSAGE" where PREFIX names a value by its repr. */
static int fail_at(cb_err *err, const char *what, cb_value v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(cb_err *err, const char *what, cb_value v, const char *fmt, ...)
{
    char *r = short_repr(v);
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

/* A coefficient that is not an int must be a decimal string: 0 when it is. */
static int coeff_text_check(cb_value coeff, cb_err *err)
{
    if (coeff.type != CB_STR)
        return cb_fail(err, "coefficient is a %s, not an int or a decimal string",
                       cb_type_name(coeff.type));
    const char *s = cb_str_data(coeff);
    size_t n = cb_str_len(coeff), i = 0, j;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (j = i; j < n && isdigit((unsigned char)s[j]); j++)
        ;
    if (i == n || n > 100000 || j < n) {
        size_t cut = n < 40 ? n : 40;
        while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;   /* not inside a UTF-8 sequence */
        cb_value head = cb_str_new(s, cut);
        char *r = cb_repr(head);
        cb_fail(err, "coefficient %s is not a decimal integer", r);
        free(r);
        cb_release(head);
        return -1;
    }
    return 0;
}

int cb_coeff_get_mpz(cb_value coeff, mpz_t out, cb_err *err)
{
    if (coeff.type == CB_INT) {
        cb_int_get_mpz(coeff, out);
        return 0;
    }
    if (coeff_text_check(coeff, err) < 0)
        return -1;
    const char *s = cb_str_data(coeff);
    size_t i = s[0] == '-' || s[0] == '+';
    mpz_set_str(out, s + i, 10);
    if (s[0] == '-')
        mpz_neg(out, out);
    return 0;
}

/* ---- what validation has already checked ----
 *
 * A pickle keeps Python's shared references (pickle_load.c), so a 300 KB file can
 * name one polynomial millions of times.  Validation checks each distinct
 * body once: `seen` maps a checked body to what it was found valid for —
 * a polynomial or a list of them for one number of generators (a non-empty
 * polynomial fits no other), or for any (empty ones); an exponent tuple, a
 * coefficient string or a generator list simply valid.  The work is then
 * proportional to the distinct objects, hence to the file's size. */
enum { VALID = 1, VALID_ANY_GENS = 2, VALID_FOR_NGENS = 3 };

typedef struct checker {
    cb_ptrmap seen;
} checker;

static const void *body(cb_value v) { return v.u.seq; }   /* the union's pointer, whatever the type */

static bool checked_for(checker *c, cb_value v, size_t ngens)
{
    cb_pm_entry *e = cb_pm_find(&c->seen, body(v));
    return e && (e->a == VALID || e->a == VALID_ANY_GENS || (e->a == VALID_FOR_NGENS && e->b == ngens));
}

static void mark_checked(checker *c, cb_value v, int how, size_t ngens)
{
    if (how == VALID_FOR_NGENS && ngens >= UINT32_MAX)
        return;   /* cannot be recorded: checked again when met again */
    cb_pm_entry *e = cb_pm_insert(&c->seen, body(v));
    e->a = (uint32_t)how;
    e->b = (uint32_t)ngens;
}

static int check_monomial(checker *c, cb_value key, size_t index, cb_value mon, size_t ngens, cb_err *err)
{
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
    if (checked_for(c, mon, ngens))
        return 0;
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
    mark_checked(c, mon, VALID, 0);
    return 0;
}

/* A coefficient is an int, or a decimal string (checked once per body). */
static int check_coeff(checker *c, cb_value coeff, cb_err *err)
{
    if (coeff.type == CB_INT || (coeff.type == CB_STR && checked_for(c, coeff, 0)))
        return 0;
    if (coeff_text_check(coeff, err) < 0)
        return -1;
    mark_checked(c, coeff, VALID, 0);
    return 0;
}

static int check_poly(checker *c, cb_value key, size_t index, cb_value poly, size_t ngens, cb_err *err)
{
    if (poly.type != CB_DICT)
        return fail_at(err, "system", key, "polynomial %zu is a %s, not a dict", index,
                       cb_type_name(poly.type));
    if (checked_for(c, poly, ngens))
        return 0;
    for (size_t t = 0; t < cb_len(poly); t++) {
        if (check_monomial(c, key, index, cb_dict_key(poly, t), ngens, err) < 0)
            return -1;
        cb_err cerr;
        if (check_coeff(c, cb_dict_val(poly, t), &cerr) < 0)
            return fail_at(err, "system", key, "polynomial %zu: %s", index, cerr.msg);
    }
    mark_checked(c, poly, cb_len(poly) ? VALID_FOR_NGENS : VALID_ANY_GENS, ngens);
    return 0;
}

/* Generator names: non-empty, distinct (a set, not a quadratic scan). */
static int check_gens(checker *c, cb_value key, cb_value gens, cb_err *err)
{
    if (gens.type != CB_LIST && gens.type != CB_TUPLE)
        return fail_at(err, "system", key, "gens is a %s, not a list", cb_type_name(gens.type));
    if (checked_for(c, gens, 0))
        return 0;
    cb_value names = cb_dict_new(cb_len(gens));
    int rc = 0;
    for (size_t g = 0; g < cb_len(gens) && rc == 0; g++) {
        cb_value name = cb_item(gens, g);
        if (name.type != CB_STR || cb_str_len(name) == 0)
            rc = fail_at(err, "system", key, "generator %zu is not a non-empty str", g);
        else if (cb_dict_find(names, name) >= 0)
        {
            char *r = short_repr(name);
            rc = fail_at(err, "system", key, "generator %s appears twice", r);
            free(r);
        }
        else
            cb_dict_append_unique(names, cb_retain(name), cb_none());
    }
    cb_release(names);
    if (rc == 0)
        mark_checked(c, gens, VALID, 0);
    return rc;
}

static int check_polys(checker *c, cb_value key, cb_value polys, size_t ngens, cb_err *err)
{
    if (polys.type != CB_LIST && polys.type != CB_TUPLE)
        return fail_at(err, "system", key, "polys is a %s, not a list", cb_type_name(polys.type));
    if (checked_for(c, polys, ngens))
        return 0;
    bool any_gens = true;
    for (size_t i = 0; i < cb_len(polys); i++) {
        cb_value p = cb_item(polys, i);
        if (check_poly(c, key, i, p, ngens, err) < 0)
            return -1;
        any_gens &= cb_len(p) == 0;
    }
    mark_checked(c, polys, any_gens ? VALID_ANY_GENS : VALID_FOR_NGENS, ngens);
    return 0;
}

static int check_system(checker *c, cb_value key, cb_value sys, cb_err *err)
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
    if (check_gens(c, key, gens, err) < 0)
        return -1;
    return check_polys(c, key, polys, cb_len(gens), err);
}

int cb_dataset_validate(cb_value polys, cb_err *err)
{
    if (polys.type != CB_DICT)
        return cb_fail(err, "dataset: a dataset is a dict of systems, not a %s",
                       cb_type_name(polys.type));
    checker c = {0};
    int rc = 0;
    for (size_t i = 0; i < cb_len(polys) && rc == 0; i++)
        rc = check_system(&c, cb_dict_key(polys, i), cb_dict_val(polys, i), err);
    cb_pm_free(&c.seen);
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

/* Run-list validation remembers, like the dataset's, what it has checked:
 * an entry tuple (by body, with the arity it was checked for) and a system
 * key (by body, with the system's position), so that shared entries and
 * keys cost one look-up each; `used` marks the systems the run list names. */
typedef struct runlist_checker {
    cb_ptrmap entries, keys;
    bool *used;
} runlist_checker;

static int entry_fail(cb_err *err, const cb_function *fn, size_t index, cb_value entry, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int entry_fail(cb_err *err, const cb_function *fn, size_t index, cb_value entry, const char *fmt, ...)
{
    char *r = short_repr(entry), msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cb_fail(err, "run list: function '%s', entry %zu %s: %s", fn->name, index, r, msg);
    free(r);
    return -1;
}

/* The position of key in the dataset, or -1. */
static long system_index(runlist_checker *c, cb_value key, cb_value polys)
{
    bool has_body = key.type == CB_STR || key.type == CB_TUPLE;
    cb_pm_entry *e = has_body ? cb_pm_find(&c->keys, key.u.seq) : NULL;
    if (e)
        return (long)e->a - 1;
    long i = cb_dict_find(polys, key);
    if (i >= 0 && has_body && (size_t)i < UINT32_MAX - 1)
        cb_pm_insert(&c->keys, key.u.seq)->a = (uint32_t)i + 1;
    return i;
}

static int check_entry(runlist_checker *c, const cb_function *fn, size_t index, cb_value entry, cb_value polys,
                       cb_err *err)
{
    if (entry.type != CB_TUPLE && entry.type != CB_LIST)
        return cb_fail(err, "run list: function '%s', entry %zu is a %s, not a tuple of "
                       "system keys", fn->name, index, cb_type_name(entry.type));
    cb_pm_entry *seen = cb_pm_find(&c->entries, entry.u.seq);
    if (seen && seen->a == (uint32_t)fn->arity)
        return 0;
    if ((int)cb_len(entry) != fn->arity)
        return entry_fail(err, fn, index, entry, "takes %d system%s, got %zu", fn->arity,
                          fn->arity == 1 ? "" : "s", cb_len(entry));
    for (size_t a = 0; a < cb_len(entry); a++) {
        long i = system_index(c, cb_item(entry, a), polys);
        if (i < 0) {
            char *k = cb_repr(cb_item(entry, a));
            int rc = entry_fail(err, fn, index, entry, "system %.200s is not in the dataset", k);
            free(k);
            return rc;
        }
        c->used[i] = true;
    }
    cb_pm_insert(&c->entries, entry.u.seq)->a = (uint32_t)fn->arity;
    return 0;
}

/* ---- the work a harness does parsing what the run list names ----
 *
 * A harness parses each system it is given into its library's objects, one
 * polynomial after the other, whatever the pickle shares.  Sharing can make
 * that work (terms × (generators + 1), summed over the systems the run list
 * names) far larger than the file; it is refused beyond
 * CB_EXPANSION_FACTOR times the distinct objects' size (terms of distinct
 * polynomials plus lengths of distinct exponent tuples) plus
 * CB_EXPANSION_FLOOR, so that parsing stays linear in the input.  Datasets
 * written by gen, systems, import-phc or Python (without deliberate
 * sharing) expand by a factor of 1. */
typedef struct expansion {
    cb_ptrmap lists;     /* polys list -> its terms (a: low 32 bits, b: high) */
    cb_ptrmap counted;   /* polynomial or exponent tuple already counted as distinct */
    double expanded, distinct;
} expansion;

static uint64_t list_terms(expansion *x, cb_value list)
{
    cb_pm_entry *e = cb_pm_find(&x->lists, list.u.seq);
    if (e)
        return (uint64_t)e->b << 32 | e->a;
    uint64_t terms = 0;
    for (size_t p = 0; p < cb_len(list); p++) {
        cb_value poly = cb_item(list, p);
        terms += cb_len(poly);
        if (cb_pm_find(&x->counted, poly.u.dict))
            continue;
        cb_pm_insert(&x->counted, poly.u.dict);
        x->distinct += (double)cb_len(poly);
        for (size_t t = 0; t < cb_len(poly); t++) {
            cb_value mon = cb_dict_key(poly, t);
            if (!cb_pm_find(&x->counted, mon.u.seq)) {
                cb_pm_insert(&x->counted, mon.u.seq);
                x->distinct += (double)cb_len(mon);
            }
        }
    }
    e = cb_pm_insert(&x->lists, list.u.seq);
    e->a = (uint32_t)terms;
    e->b = (uint32_t)(terms >> 32);
    return terms;
}

static int check_expansion(cb_value polys, const bool *used, cb_err *err)
{
    expansion x = {0};
    for (size_t i = 0; i < cb_len(polys); i++)
        if (used[i]) {
            cb_value sys = cb_dict_val(polys, i);
            double ngens = (double)cb_len(cb_system_gens(sys));
            x.expanded += (double)list_terms(&x, cb_system_polys(sys)) * (ngens + 1);
        }
    cb_pm_free(&x.lists);
    cb_pm_free(&x.counted);
    double limit = CB_EXPANSION_FACTOR * x.distinct + CB_EXPANSION_FLOOR;
    if (x.expanded > limit)
        return cb_fail(err, "run list: its systems share polynomials so much that a harness would parse "
                       "%.3g terms×generators out of %.3g distinct (at most %d× that + %d): write the "
                       "shared polynomials out (docs/run.md)", x.expanded, x.distinct,
                       CB_EXPANSION_FACTOR, CB_EXPANSION_FLOOR);
    return 0;
}

int cb_runlist_validate(cb_value run_list, cb_value polys, cb_err *err)
{
    if (run_list.type != CB_DICT)
        return cb_fail(err, "run list: a run list is a dict of functions, not a %s",
                       cb_type_name(run_list.type));
    runlist_checker c = {.used = cb_xcalloc(cb_len(polys) + 1, sizeof *c.used)};
    int rc = 0;
    for (size_t i = 0; i < cb_len(run_list) && rc == 0; i++) {
        cb_value name = cb_dict_key(run_list, i), entries = cb_dict_val(run_list, i);
        if (name.type != CB_STR) {
            char *r = short_repr(name);
            rc = cb_fail(err, "run list: function name %s is not a str", r);
            free(r);
            break;
        }
        const cb_function *fn = cb_function_find(cb_str_data(name));
        if (!fn) {
            char *r = short_repr(name);
            rc = cb_fail(err, "run list: unknown function %s", r);
            free(r);
            break;
        }
        if (entries.type != CB_LIST && entries.type != CB_TUPLE) {
            rc = cb_fail(err, "run list: function '%s': entries are a %s, not a list",
                         fn->name, cb_type_name(entries.type));
            break;
        }
        for (size_t e = 0; e < cb_len(entries) && rc == 0; e++)
            rc = check_entry(&c, fn, e, cb_item(entries, e), polys, err);
    }
    if (rc == 0)
        rc = check_expansion(polys, c.used, err);
    cb_pm_free(&c.entries);
    cb_pm_free(&c.keys);
    free(c.used);
    return rc;
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

int cb_dataset_write_pickled(const char *dir, const void *polys_pickle, size_t polys_len, cb_value run_list,
                             const char *dataset_json, cb_err *err)
{
    if (cb_mkdir_p(dir, err) < 0)
        return -1;
    /* polys.pickle last: were a rename to fail, it never stands without its run list */
    char *paths[3];
    const void *data[3];
    size_t lens[3], n = 0;
    cb_buf rl = {0};
    if (dataset_json) {
        paths[n] = cb_xasprintf("%s/dataset.json", dir);
        data[n] = dataset_json;
        lens[n++] = strlen(dataset_json);
    }
    if (run_list.type != CB_NONE) {
        cb_pickle_dump(run_list, &rl);
        paths[n] = cb_xasprintf("%s/run_list.pickle", dir);
        data[n] = rl.data;
        lens[n++] = rl.len;
    }
    if (polys_pickle) {
        paths[n] = cb_xasprintf("%s/polys.pickle", dir);
        data[n] = polys_pickle;
        lens[n++] = polys_len;
    }
    int rc = cb_write_files_atomic(n, (const char *const *)paths, data, lens, err);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    cb_buf_free(&rl);
    return rc;
}

int cb_dataset_write(const char *dir, cb_value polys, cb_value run_list,
                     const char *dataset_json, cb_err *err)
{
    cb_buf p = {0};
    if (polys.type != CB_NONE)
        cb_pickle_dump(polys, &p);
    int rc = cb_dataset_write_pickled(dir, polys.type != CB_NONE ? p.data : NULL, p.len, run_list, dataset_json,
                                      err);
    cb_buf_free(&p);
    return rc;
}
