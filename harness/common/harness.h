/* harness.h — what a C harness implements, the one main() they share, and
 * the small helpers their ops share (terms, function tables, probe answers).
 *
 * A C harness (docs/protocol.md) puppeteers one library.  All the protocol
 * work — reading the run config, walking the run list, forking a child per
 * call, timing repeats, enforcing the time limit, writing call records and
 * the results pickle, answering --probe — lives in harness/common.  A harness
 * supplies only a cb_harness_ops: parse the polynomials once, and do one call.
 *
 *     static const cb_harness_ops ops = {
 *         .library = "flint", .probe = probe, .setup = setup,
 *         .supports = supports, .prepare = prepare, .call = call,
 *         .verify = verify,
 *     };
 *     CB_HARNESS_MAIN(ops)   (main() that runs cb_harness_main)
 *
 * Life of a harness process:
 *   1. setup(cfg) in the parent: parse cfg->polys into the library's objects,
 *      indexed by the system's position in cfg->polys (dict order).  After
 *      setup the parent drops the dataset's values (keeping the keys) so that
 *      the process forked per call stays small: setup must copy what it needs.
 *   2. for each run-list entry (functions in the run list's order, entries in
 *      order; or by their rank in the config's `call_order`, the round's
 *      shuffle): supports(function) is asked in the parent (no: the call is
 *      recorded `unsupported`, nothing forked); then a child is forked, which
 *      runs prepare(call) once untimed, then call(call) `warmup` times
 *      untimed (the first one's time is the record's cold time), then
 *      calibrates the loop count when min_time > 0 (unless the config's
 *      `loops` gives the count an earlier round found), then runs `repeats`
 *      timed repeats of `loops` executions each (docs/measurement.md); or
 *      in verify mode verify(call) once.  The child exits after the call,
 *      so call() may leak or leave state behind; it must not print to
 *      stdout.
 *   3. the results pickle is written; exit 0.
 *
 * Return conventions: 0 for success; -1 with a message in err (the call is
 * recorded as `error` with that message; the repeats finished before it are
 * kept). */
#ifndef CB_HARNESS_H
#define CB_HARNESS_H

#include <gmp.h>
#include <stdbool.h>
#include <json-c/json.h>

#include "common/error.h"
#include "data/functions.h"
#include "common/mode.h"
#include "common/util.h"
#include "data/value.h"

/* The run config (docs/protocol.md, "The run config"), decoded. */
typedef struct cb_config {
    cb_mode mode;
    const char *type;         /* "benchmark", "cpu", "mem", "verify" */
    cb_value run_list;        /* borrowed from the config dict */
    cb_value polys;           /* dataset dict; during setup only (see above) */
    bool gc;
    int repeats;              /* >= 1 */
    double timeout;           /* seconds for a whole call; <= 0: none */
    double grace;             /* SIGTERM -> SIGKILL, default 1.0 */
    int warmup;               /* untimed executions before the repeats (absent: 0) */
    double min_time;          /* calibration target, seconds; 0 (absent): one
                               * execution per repeat (docs/measurement.md) */
    bool grevlex;             /* config order == "grevlex" (default lex) */
    const char *library;      /* config `library`, or the harness's own */
    const char *calls_jsonl;  /* NULL: no records */
    const char *log_file;     /* NULL: none */
    cb_value record;          /* dict copied into every record, or None */
    cb_value profile;         /* dict with control_fifo / ack_fifo, or None */
    cb_value perturb;         /* (function, args) whose digest to corrupt, or None */
    bool result_text;         /* verify: put the whole canonical text in the record */
    int round;                /* the round this harness runs (--rounds; absent: 0), in every record */
    cb_value call_order;      /* list: each call's rank in the round, or None: run-list order */
    cb_value loops;           /* list: each call's loop count from an earlier round (0: calibrate), or None */
    cb_value raw;             /* the whole config dict */
} cb_config;

/* One run-list entry, as the harness sees it in the child. */
typedef struct cb_call {
    const char *function;     /* run-list name, e.g. "gcd" */
    const cb_function *fn;    /* its lib/data/functions.h entry (arity, kind) */
    int nargs;
    const int *sys;           /* per argument: index of the system in cfg->polys */
    cb_value args;            /* the run-list tuple of system keys (borrowed) */
    int index;                /* position in the run list */
    int repeat;               /* timed repeat, from 0; -1 in warm-up and calibration */
    long execution;           /* executions so far in this child (call() only) */
    const cb_config *cfg;
} cb_call;

typedef struct cb_harness_ops {
    const char *library;      /* the library id this harness runs: "flint" */
    /* --probe: add "version" (str) and "versions" (object) to out; may set
     * "available": false and "reason".  NULL: only the defaults. */
    void (*probe)(json_object *out);
    /* Parse the dataset once (parent, before anything is timed). */
    int (*setup)(const cb_config *cfg, cb_err *err);
    /* Does the library offer this function? (parent, no fork when not) */
    bool (*supports)(const char *function);
    /* Optional: why it does not (appended to the `unsupported` record's
     * "LIBRARY does not offer FUNCTION"), or NULL. */
    const char *(*unsupported_reason)(const char *function);
    /* Optional: per-call preparation in the child, untimed (check the
     * arguments, allocate outputs...). */
    int (*prepare)(const cb_call *call, cb_err *err);
    /* One execution of the function, timed by the caller (not needed with
     * timed_repeat). */
    int (*call)(const cb_call *call, cb_err *err);
    /* Verify mode: compute the result untimed and append its canonical text
     * (docs/protocol.md, "The verify digest"; see canon.h) to out. */
    int (*verify)(const cb_call *call, cb_buf *out, cb_err *err);
    /* Optional, for harnesses that drive another interpreter (Singular):
     * `loops` (>= 1) executions in a row, measured by the library itself
     * (its own clock, so that talking to the interpreter is not timed),
     * instead of the supervisor's clock around call().  Sets their total wall
     * and CPU nanoseconds.  The supervisor calls it for the warm-up (loops 1),
     * the calibration and each timed repeat alike. */
    int (*timed_repeat)(const cb_call *call, int64_t loops, int64_t *wall_ns, int64_t *cpu_ns, cb_err *err);
} cb_harness_ops;

/* For a setup op: term t of a polynomial (dict exponent tuple ->
 * coefficient) over nvars generators: its exponent tuple (checked to have
 * nvars entries) into *exps, its coefficient into coeff.  -1 with err. */
int cb_harness_term(cb_value terms, size_t t, int nvars, cb_value *exps, mpz_t coeff, cb_err *err);

/* For a probe op: add "version" (NULL: null) and "versions", an object of
 * the (name, version) pairs that follow, up to a NULL name (a NULL version:
 * null). */
void cb_probe_versions(json_object *out, const char *version, ...);
/* For a probe op: the library cannot be used here ("available": false, and
 * the reason). */
void cb_probe_unavailable(json_object *out, const char *reason);

/* The whole harness: `--probe LIBRARY`, `--help`, or the protocol on stdin
 * (line 1: config pickle path, line 2: results pickle path).  Returns the
 * exit status: 0 when the results were written, 2 on bad input. */
int cb_harness_main(int argc, char **argv, const cb_harness_ops *ops);

/* The main() of a harness that needs nothing before the protocol:
 * CB_HARNESS_MAIN(ops) after its table of operations. */
#define CB_HARNESS_MAIN(ops) \
    int main(int argc, char **argv) { return cb_harness_main(argc, argv, &(ops)); }

#endif
