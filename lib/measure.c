/* measure.c — the measurement settings of a run and their defaults per
 * mode (see measure.h, docs/measurement.md). */
#include "measure.h"
#include "bounds.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

cb_measure cb_measure_defaults(void)
{
    return (cb_measure){.warmup = -1, .min_time_auto = true, .min_time = 0};
}

int cb_measure_parse_min_time(const char *s, cb_measure *m, cb_err *err)
{
    if (!strcmp(s, "auto")) {
        m->min_time_auto = true;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0)
        return cb_fail(err, "--min-time: '%s' is not auto or a number of seconds >= 0", s);
    if (v > CB_MAX_SECONDS)   /* the clock arithmetic's bound, as for --timeout */
        return cb_fail(err, "--min-time: '%s' is more than %g seconds, the longest limit casbench takes", s,
                       CB_MAX_SECONDS);
    m->min_time_auto = false;
    m->min_time = v;
    return 0;
}

int cb_measure_warmup(const cb_measure *m, cb_mode mode)
{
    if (mode == CB_MODE_VERIFY)
        return 0;
    if (m->warmup >= 0)
        return m->warmup;
    return mode == CB_MODE_MEM ? 0 : CB_WARMUP_DEFAULT;
}

double cb_measure_min_time(const cb_measure *m, cb_mode mode)
{
    if (mode == CB_MODE_MEM || mode == CB_MODE_VERIFY)
        return 0;
    return m->min_time_auto ? CB_MIN_TIME_AUTO : m->min_time;
}

void cb_measure_to_json(const cb_measure *m, json_object *options)
{
    json_object_object_add(options, "warmup", json_object_new_int(cb_measure_warmup(m, CB_MODE_BENCHMARK)));
    json_object_object_add(options, "min_time", m->min_time_auto ? json_object_new_string("auto")
                                                                  : json_object_new_double(m->min_time));
    json_object_object_add(options, "min_time_target",
                           json_object_new_double(cb_measure_min_time(m, CB_MODE_BENCHMARK)));
}
