/* plan.h — expanding the options of `casbench run` into runners (docs/design.md §2):
 * one runner per library × environment × gc × mode.  Environments and gc
 * settings multiply only Python-hosted libraries; a library that brings its
 * own interpreter (sagemath: `sage --python`) runs per gc but not per
 * environment.  The plan is pure data: availability is filled in afterwards
 * from the harnesses' probes.
 *
 * A runner's id names it in records, logs and --resume, so it is derived
 * only from what the runner is:
 *     LIBRARY[.envN][.gc-on|.gc-off].MODE
 * with N the position of the environment in --venvs (0 for the default
 * python3), e.g. "flint.benchmark", "sympy-dmp.env1.gc-off.benchmark". */
#ifndef CB_PLAN_H
#define CB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "run/libraries.h"
#include "common/mode.h"


typedef struct {
    char *id;
    const cb_library *lib;
    int env;            /* index into the plan's environments; -1 when not per environment */
    int gc;             /* 1 on, 0 off, -1 not Python-hosted */
    cb_mode mode;
    int probe;          /* index into the plan's probes (one per library × environment) */
} cb_runner_spec;

typedef struct {
    const cb_library *lib;
    int env;
} cb_probe_key;

typedef struct {
    cb_runner_spec *runners;
    size_t n_runners;
    cb_probe_key *probes;       /* distinct (library, environment) pairs, in plan order */
    size_t n_probes;
} cb_plan;

typedef struct {
    const cb_library *const *libs;
    size_t n_libs;
    size_t n_envs;              /* >= 1 */
    const bool *gcs;            /* the --gc settings, in order (1 or 2) */
    size_t n_gcs;
    const cb_mode *modes;
    size_t n_modes;
} cb_plan_opts;

/* Order: mode, then library, then environment, then gc, so that with
 * several cores, the runners of different libraries interleave. */
int cb_plan_build(const cb_plan_opts *o, cb_plan *out, cb_err *err);
void cb_plan_free(cb_plan *p);
/* The runner with this id, or NULL. */
const cb_runner_spec *cb_plan_find(const cb_plan *p, const char *id);

#endif
