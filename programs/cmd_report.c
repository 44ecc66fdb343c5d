/* cmd_report.c — `casbench report`: tables and charts from a results
 * directory, in text, markdown, CSV, JSON or self-contained HTML.  The work
 * is in lib/report*.c; this file parses options and writes the output. */
#include "cli.h"
#include "parse_options.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char description[] =
    "Tables of every function's calls (argument tuples x libraries: minimum and\n"
    "median wall time per execution of the timed repeats, spread, '>30.0 s' for\n"
    "timeouts, 'DNF (...)' for other failures),\n"
    "memory tables when the run has memory data, and the calls on which libraries\n"
    "disagree when it was run with --verify.  Reads casbench's calls.jsonl, or the\n"
    "original tool's results.pickle.\n"
    "\n"
    "Text fits the terminal: its width on a terminal, else $COLUMNS, else 80\n"
    "columns (also with -o).  A table wider than that is split into blocks of\n"
    "libraries, each repeating the row labels (docs/report.md).\n";

static cb_report_opts opts;
static bool cold;
static const char *output;

static int opt_format(const cb_option *opt, const char *value, cb_err *err)
{
    return cb_report_parse_format(value, opt->target, err);
}

static const cb_option options[] = {
    {.name = "format", .kind = CB_OPT_VALUE, .arg = "text|markdown|csv|json|html", .fn = opt_format,
     .target = &opts.format,
     .help = "text (default, for a terminal), markdown, csv (tidy: one row per call and repeat with every record "
             "field, for pandas), json, or html (one self-contained file with gnuplot charts)"},
    {.name = "baseline", .kind = CB_OPT_VALUE, .arg = "LIB", .target = &opts.baseline,
     .help = "add each library's speed-up over LIB (a library id, or a label as the tables show it) and a "
             "geometric mean per function"},
    {.name = "cold", .kind = CB_OPT_FLAG, .target = &cold,
     .help = "add a 'cold' column per library: the wall time of each call's first, untimed execution (--warmup; "
             "docs/measurement.md)"},
    {.name = "output", .short_name = 'o', .kind = CB_OPT_VALUE, .arg = "FILE", .target = &output,
     .help = "write to FILE (atomically) instead of stdout"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "report", .args = "RESULTS_DIR", .min_args = 1, .max_args = 1,
    .description = description, .options = options,
};

int cmd_report(int argc, char **argv)
{
    opts = (cb_report_opts){CB_REPORT_TEXT, NULL, 0, 0};
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *dir = pos.v[0];
    free(pos.v);
    opts.cold = cold;
    opts.width = cb_term_width(output ? -1 : fileno(stdout));
    cb_err err;
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
