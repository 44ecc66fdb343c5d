/* cmd_compare.c — `casbench compare A B`: per call, the ratio of B's time to
 * A's with a confidence interval, flagged faster / slower / same; exit
 * status 1 when something got slower than the threshold with confidence or
 * newly fails, so a CI job can act on it.  The statistics are in lib/compare.c. */
#include "cli.h"
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: casbench compare RESULTS_A RESULTS_B [--threshold 10%] [--confidence 0.95]\n"
    "                        [--format text|markdown|csv|json] [-o FILE]\n"
    "\n"
    "Pairs the calls of two results directories by library, environment, function\n"
    "and arguments, and estimates each ratio B / A of the repeat times with a\n"
    "confidence interval (Hodges-Lehmann estimate, Mann-Whitney interval).  A call\n"
    "is 'slower' when the whole interval is above 1 + threshold, 'faster' when it\n"
    "is below 1 / (1 + threshold), 'unsure' when only the estimate is beyond the\n"
    "threshold, 'same' otherwise.  A timeout counts as at least the limit.  Warns\n"
    "when the runs are not comparable (CPU, versions, --min-time, noise).\n"
    "\n"
    "  --threshold T    relative change that matters: 10% (default), 5%, 0.2\n"
    "  --confidence C   two-sided confidence of the intervals (default 0.95)\n"
    "  --format F       text (default), markdown, csv or json\n"
    "  -o FILE          write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit status: 1 when some call is slower with confidence or newly fails\n"
    "(ok in A, crashed or failed in B), 0 otherwise, 2 on bad input.\n";

static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc)
        cb_die_msg("%s needs a value", name);
    return argv[++*i];
}

static int is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

int cmd_compare(int argc, char **argv)
{
    if (cb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *dirs[2] = {NULL, NULL}, *output = NULL;
    cb_compare_opts opts = {0.10, 0.95};
    cb_table_format format = CB_TABLE_TEXT;
    cb_err err;
    int ndirs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_opt(a, "--threshold")) {
            if (cb_compare_parse_threshold(value_of(argc, argv, &i, "--threshold"), &opts.threshold, &err) < 0)
                cb_die(&err);
        } else if (is_opt(a, "--confidence")) {
            const char *v = value_of(argc, argv, &i, "--confidence");
            char *end;
            opts.confidence = strtod(v, &end);
            if (*end == '%')
                opts.confidence /= 100, end++;
            if (end == v || *end || !(opts.confidence > 0 && opts.confidence < 1))
                cb_die_msg("--confidence %s: expected a level between 0 and 1, such as 0.95", v);
        } else if (is_opt(a, "--format")) {
            const char *v = value_of(argc, argv, &i, "--format");
            if (!strcmp(v, "text"))
                format = CB_TABLE_TEXT;
            else if (!strcmp(v, "markdown") || !strcmp(v, "md"))
                format = CB_TABLE_MARKDOWN;
            else if (!strcmp(v, "csv"))
                format = CB_TABLE_CSV;
            else if (!strcmp(v, "json"))
                format = CB_TABLE_JSON;
            else
                cb_die_msg("--format %s: unknown format (text, markdown, csv or json)", v);
        } else if (!strcmp(a, "-o") || is_opt(a, "--output")) {
            output = value_of(argc, argv, &i, a[1] == 'o' ? "-o" : "--output");
        } else if (a[0] == '-' && a[1]) {
            cb_die_msg("compare: unknown option '%s' (see 'casbench compare --help')", a);
        } else if (ndirs < 2) {
            dirs[ndirs++] = a;
        } else {
            cb_die_msg("compare: two results directories only ('%s' is extra)", a);
        }
    }
    if (ndirs != 2)
        cb_die_msg("compare: needs two results directories, A and B (see 'casbench compare --help')");
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
