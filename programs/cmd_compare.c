/* cmd_compare.c — `casbench compare A B`: per call, the ratio of B's time to
 * A's with a confidence interval, flagged faster / slower / same; exit
 * status 1 when something got slower than the threshold with confidence or
 * newly fails, so a CI job can act on it.  The statistics are in lib/report/compare.c. */
#include "cli.h"
#include "parse_options.h"
#include "report/compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char description[] =
    "Pairs the calls of two results directories by library, environment, function\n"
    "and arguments, and estimates each ratio B / A of the repeat times with a\n"
    "confidence interval (Hodges-Lehmann estimate, Mann-Whitney interval).  A call\n"
    "is 'slower' when the whole interval is above 1 + threshold, 'faster' when it\n"
    "is below 1 / (1 + threshold), 'unsure' when only the estimate is beyond the\n"
    "threshold, 'same' otherwise.  A timeout counts as at least the limit.  Warns\n"
    "when the runs are not comparable (CPU, versions, --min-time, noise).\n";

static const char epilogue[] =
    "Exit status: 1 when some call is slower with confidence or newly fails\n"
    "(ok in A, crashed or failed in B), 0 otherwise, 2 on bad input.\n";

static cb_compare_opts opts;
static cb_table_format format;
static const char *output;

static int opt_threshold(const cb_option *opt, const char *value, cb_err *err)
{
    return cb_compare_parse_threshold(value, opt->target, err);
}

/* a level between 0 and 1, or a percentage */
static int opt_confidence(const cb_option *opt, const char *value, cb_err *err)
{
    char *end;
    double c = strtod(value, &end);
    if (*end == '%')
        c /= 100, end++;
    if (end == value || *end || !(c > 0 && c < 1))
        return cb_fail(err, "--confidence %s: expected a level between 0 and 1, such as 0.95", value);
    *(double *)opt->target = c;
    return 0;
}

static const cb_option options[] = {
    {.name = "threshold", .kind = CB_OPT_VALUE, .arg = "T", .fn = opt_threshold, .target = &opts.threshold,
     .help = "relative change that matters: 10% (default), 5%, 0.2"},
    {.name = "confidence", .kind = CB_OPT_VALUE, .arg = "C", .fn = opt_confidence, .target = &opts.confidence,
     .help = "two-sided confidence of the intervals (default 0.95)"},
    {.name = "format", .kind = CB_OPT_VALUE, .arg = "text|markdown|csv|json", .fn = cb_opt_table_format,
     .target = &format, .help = "text (default), markdown, csv or json"},
    {.name = "output", .short_name = 'o', .kind = CB_OPT_VALUE, .arg = "FILE", .target = &output,
     .help = "write to FILE (atomically) instead of stdout"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "compare", .args = "RESULTS_A RESULTS_B", .min_args = 2, .max_args = 2,
    .description = description, .epilogue = epilogue, .options = options,
};

int cmd_compare(int argc, char **argv)
{
    opts = (cb_compare_opts){0.10, 0.95};
    format = CB_TABLE_TEXT;
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *dirs[2] = {pos.v[0], pos.v[1]};
    free(pos.v);
    cb_err err;
    cb_results a, b;
    if (cb_results_load(dirs[0], &a, &err) < 0)
        cb_die(&err);
    if (cb_results_load(dirs[1], &b, &err) < 0) {
        cb_results_free(&a);
        cb_die(&err);
    }
    cb_comparison c;
    if (cb_compare(&a, &b, &opts, &c, &err) < 0) {
        cb_results_free(&a);
        cb_results_free(&b);
        cb_die(&err);
    }
    cb_buf out = {0};
    cb_compare_render(&c, format, &out);
    /* a regression either way: confidently slower, or newly broken */
    int worse = c.count[CB_CMP_SLOWER] > 0 || c.newly_failed > 0;
    cb_comparison_free(&c);
    cb_results_free(&a);
    cb_results_free(&b);
    int rc = 0;
    if (output)
        rc = cb_write_file_atomic(output, out.data ? out.data : "", out.len, &err);
    else if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = cb_fail(&err, "cannot write to stdout");
    cb_buf_free(&out);
    if (rc < 0)
        cb_die(&err);
    return worse ? 1 : 0;
}
