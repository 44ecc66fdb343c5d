/* cmd_report.c — `casbench report`: tables and charts from a results
 * directory, in text, markdown, CSV, JSON or self-contained HTML.  The work
 * is in lib/report.c; this file parses options and writes the output. */
#include "cli.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: casbench report RESULTS_DIR [--format text|markdown|csv|json|html]\n"
    "                       [--baseline LIB] [--cold] [-o FILE]\n"
    "\n"
    "Tables of every function's calls (argument tuples x libraries: minimum and\n"
    "median wall time per execution of the timed repeats, spread, '>30 s' for\n"
    "timeouts, 'DNF (...)' for other failures),\n"
    "memory tables when the run has memory data, and the calls on which libraries\n"
    "disagree when it was run with --verify.  Reads casbench's calls.jsonl, or the\n"
    "original tool's results.pickle.\n"
    "\n"
    "  --format F     text (default, for a terminal), markdown, csv (tidy: one row\n"
    "                 per call and repeat with every record field, for pandas),\n"
    "                 json, or html (one self-contained file with gnuplot charts)\n"
    "  --baseline LIB add each library's speed-up over LIB (a library id, or a label\n"
    "                 as the tables show it) and a geometric mean per function\n"
    "  --cold         add a 'cold' column per library: the wall time of each call's\n"
    "                 first, untimed execution (--warmup; docs/measurement.md)\n"
    "  -o FILE        write to FILE (atomically) instead of stdout\n";

int cmd_report(int argc, char **argv)
{
    if (cb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *dir = NULL, *output = NULL;
    cb_report_opts opts = {CB_REPORT_TEXT, NULL, 0};
    cb_err err;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
            const char *v = a[8] == '=' ? a + 9 : has_value ? argv[++i] : NULL;
            if (!v)
                cb_die_msg("--format needs a value (text, markdown, csv, json or html)");
            if (cb_report_parse_format(v, &opts.format, &err) < 0)
                cb_die(&err);
        } else if (!strcmp(a, "--baseline") || !strncmp(a, "--baseline=", 11)) {
            opts.baseline = a[10] == '=' ? a + 11 : has_value ? argv[++i] : NULL;
            if (!opts.baseline)
                cb_die_msg("--baseline needs a library");
        } else if (!strcmp(a, "--cold")) {
            opts.cold = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!has_value)
                cb_die_msg("%s needs a file name", a);
            output = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cb_die_msg("report: unknown option '%s' (see 'casbench report --help')", a);
        } else if (!dir) {
            dir = a;
        } else {
            cb_die_msg("report: one results directory only ('%s' is extra)", a);
        }
    }
    if (!dir)
        cb_die_msg("report: which results directory? (see 'casbench report --help')");
    cb_results res;
    if (cb_results_load(dir, &res, &err) < 0)
        cb_die(&err);
    cb_buf out = {0};
    if (cb_report_write(&res, &opts, &out, &err) < 0) {
        cb_results_free(&res);
        cb_die(&err);
    }
    cb_results_free(&res);
    int rc = 0;
    if (output) {
        if (cb_write_file_atomic(output, out.data ? out.data : "", out.len, &err) < 0)
            rc = -1;
    } else if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
        rc = cb_fail(&err, "cannot write the report to stdout");
    }
    cb_buf_free(&out);
    if (rc < 0)
        cb_die(&err);
    return 0;
}
