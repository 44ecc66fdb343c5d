/* mode.h — the four modes of a run (docs/design.md §8), defined once for
 * the library (plan, runner, measure, slurm) and the C harnesses
 * (harness/common/harness.h), since a mode's name is what the run config's
 * `type` and every record's `mode` say.  The Python runtime's MODES
 * (harness/python/casbench/runtime.py) lists the same names in the same
 * order; tests/integration/defaults_shared.py reads CB_MODES below and
 * checks it. */
#ifndef CB_MODE_H
#define CB_MODE_H

/* X(ENUMERATOR, "name"), in the order of the enum. */
#define CB_MODES(X)                 \
    X(CB_MODE_BENCHMARK, "benchmark") \
    X(CB_MODE_CPU, "cpu")             \
    X(CB_MODE_MEM, "mem")             \
    X(CB_MODE_VERIFY, "verify")

#define CB_MODE_ENUMERATOR_(id, name) id,
typedef enum { CB_MODES(CB_MODE_ENUMERATOR_) } cb_mode;
#undef CB_MODE_ENUMERATOR_

/* The config's `type` and the records' `mode`: "benchmark", "cpu", "mem",
 * "verify" ("?" for a value that is no mode). */
const char *cb_mode_name(cb_mode m);
/* NAME's mode into *OUT: 0, or -1 when NAME is no mode's name. */
int cb_mode_parse(const char *name, cb_mode *out);

#endif
