/* suite.h — the built-in default suite that `casbench run` runs when it is
 * given no dataset (docs/design.md §9): random systems of a few sizes drawn by
 * lib/data/gen.h with a fixed seed (so every machine times the same
 * polynomials), plus the standard cyclic and katsura systems for groebner.  Sized so that `make run` finishes in under two
 * minutes on a 2-core machine with FLINT and the SymPy variants. */
#ifndef CB_SUITE_H
#define CB_SUITE_H

#include <json-c/json.h>

#include "common/defaults.h"
#include "common/error.h"
#include "data/value.h"

/* The suite's time limit per call is CB_SUITE_TIMEOUT (defaults.h); its
 * rounds and repeats are the defaults (lib/run/measure.h). */
#define CB_SUITE_OUTPUT "casbench-results"

/* New references in *polys and *run_list; *desc (run.json's "dataset") says
 * what the suite is; *seeds lists the seeds used. */
int cb_suite_build(cb_value *polys, cb_value *run_list, json_object **desc, json_object **seeds,
                   cb_err *err);

#endif
