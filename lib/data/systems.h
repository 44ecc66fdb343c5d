/* systems.h — the standard benchmark families, built from their definitions.
 *
 * `casbench systems DIR cyclic-6 katsura-5 ...` turns each NAME-N... spec
 * into dataset entries and run-list entries through one table of families
 * (name -> parameter ranges -> builder).  A new family (issue 9: Fateman,
 * Pearce, gcd and factorisation inputs...) is one builder function and one
 * table row: a builder may add several systems and call any function of
 * lib/data/functions.h on them, so multiplication pairs fit as well as ideals.
 * The definitions are written down in docs/systems.md. */
#ifndef CB_SYSTEMS_H
#define CB_SYSTEMS_H

#include "common/error.h"
#include "data/value.h"

#define CB_FAMILY_MAX_PARAMS 4

/* What builders write into: a dataset dict (key -> (gens, polys)) and a
 * run list (function -> list of key tuples), both in insertion order. */
typedef struct cb_systems_out {
    cb_value polys;
    cb_value run_list;
} cb_systems_out;

typedef struct cb_family {
    const char *name;                  /* "cyclic" */
    int nparams;                       /* integer size parameters after the name */
    long min[CB_FAMILY_MAX_PARAMS];    /* inclusive bounds, per parameter */
    long max[CB_FAMILY_MAX_PARAMS];
    const char *synopsis;              /* "cyclic-N" */
    const char *summary;               /* one line for --help */
    /* Adds the systems of spec `key` (canonical, e.g. "cyclic-6"). */
    int (*build)(const char *key, const long *params, cb_systems_out *out, cb_err *err);
} cb_family;

const cb_family *cb_families(size_t *count);

void cb_systems_out_init(cb_systems_out *out);
void cb_systems_out_clear(cb_systems_out *out);

/* Parses "NAME-N[-M...]" against the table and builds it into out.
 * Unknown family, malformed or out-of-range parameters, and a spec already
 * built are errors naming the spec. */
int cb_systems_build(const char *spec, cb_systems_out *out, cb_err *err);

/* For builders: add a system under key (error if the key exists; steals
 * system), and add one run-list entry `function(keys...)`. */
int cb_systems_add(cb_systems_out *out, const char *key, cb_value system, cb_err *err);
void cb_systems_add_call(cb_systems_out *out, const char *function, size_t nkeys,
                         const char *const *keys);

#endif
