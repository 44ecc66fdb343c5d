/* dataset.h — polynomial datasets and run lists (docs/design.md §3.1, §3.2).
 *
 * A dataset (polys.pickle) is a dict: system key (a str, or for generated
 * systems the tuple (generators, terms, exp_range, coeff_range)) -> (gens,
 * polys), gens a list of str, polys a list of dicts exponent-tuple ->
 * coefficient (an int, or its decimal string).  A run list (run_list.pickle)
 * is a dict: function name -> list of tuples of system keys.
 *
 * Everything that reads these files goes through here, so that nothing ever
 * runs on invalid input: the loaders validate, and their errors name the
 * system key (as Python's repr) and the polynomial index, or the function and
 * the run-list entry. */
#ifndef CB_DATASET_H
#define CB_DATASET_H

#include <gmp.h>

#include "common/error.h"
#include "data/value.h"

/* Checks the shape of a dataset (§3.1): 0 when valid, else -1 and err.
 * Each distinct shared body is checked once, so the time is proportional to
 * the pickle's size, however often it references one polynomial. */
int cb_dataset_validate(cb_value polys, cb_err *err);
/* Loads (safe pickle reader) and validates; *polys is a new reference. */
int cb_dataset_load(const char *path, cb_value *polys, cb_err *err);

/* Checks a run list against the function table (lib/data/functions.h) and the
 * dataset: unknown function, wrong arity, key not in the dataset; and that
 * the systems it names do not share polynomials so much that a harness
 * would parse more than CB_EXPANSION_FACTOR × their distinct size +
 * CB_EXPANSION_FLOOR (terms × (generators + 1); see dataset.c). */
#define CB_EXPANSION_FACTOR 8
#define CB_EXPANSION_FLOOR (1 << 20)
int cb_runlist_validate(cb_value run_list, cb_value polys, cb_err *err);
int cb_runlist_load(const char *path, cb_value polys, cb_value *run_list, cb_err *err);

/* Accessors for a validated system value (gens, polys); both borrowed. */
cb_value cb_system_gens(cb_value system);    /* list of str */
cb_value cb_system_polys(cb_value system);   /* list of dict */

/* A coefficient is an int or its decimal string ("-12"); out must be
 * initialised.  0 on success, -1 (and err) for anything else. */
int cb_coeff_get_mpz(cb_value coeff, mpz_t out, cb_err *err);

/* Writes polys.pickle and run_list.pickle (and dataset.json when
 * dataset_json is not NULL) into dir, creating dir, as one: all are written
 * before any replaces its old version (cb_write_files_atomic), so a full
 * disk leaves the old pair, or none, never a new polys.pickle without its
 * run list.  polys or run_list may be a None value to skip that file. */
int cb_dataset_write(const char *dir, cb_value polys, cb_value run_list,
                     const char *dataset_json, cb_err *err);
/* The same with polys.pickle's bytes already made (gen streams them); NULL
 * skips it. */
int cb_dataset_write_pickled(const char *dir, const void *polys_pickle, size_t polys_len, cb_value run_list,
                             const char *dataset_json, cb_err *err);

#endif
