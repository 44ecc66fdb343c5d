/* cmd_collect.c — `casbench collect RESULTS_DIR`: after `casbench run
 * --executor slurm --no-wait` (or a wait that was cut short), merge the
 * Slurm tasks' records into calls.jsonl, rebuild results.pickle, update
 * run.json and print the summary (lib/run/slurm.h, docs/slurm.md). */
#include "cli.h"
#include "parse_options.h"
#include "report/report.h"
#include "run/slurm.h"

#include <stdio.h>
#include <stdlib.h>

static const char description[] =
    "Merges the records of a Slurm run's tasks (RESULTS_DIR/slurm/calls/) into\n"
    "calls.jsonl, each call once, with the node it ran on; rebuilds\n"
    "results.pickle; sets run.json's status (complete, running while the job is\n"
    "still queued, or incomplete) and prints the summary table.  Safe to run\n"
    "any number of times, also while the job runs.  Calls without a record are\n"
    "run by 'casbench run --resume RESULTS_DIR'.\n";

static const char epilogue[] =
    "Exit status: 0 when every planned call has a record, 1 when some have\n"
    "none yet, 2 on bad input.\n";

static const cb_option options[] = {{0}};
static const cb_cmd_spec spec = {
    .name = "collect", .args = "RESULTS_DIR", .min_args = 1, .max_args = 1,
    .description = description, .epilogue = epilogue, .options = options,
};

int cmd_collect(int argc, char **argv)
{
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *dir = pos.v[0];
    free(pos.v);
    cb_err err;
    cb_collect_result res;
    if (cb_slurm_collect(dir, &res, &err) < 0)
        cb_die(&err);
    if (cb_report_summary(dir, stdout, &err) < 0)
        fprintf(stderr, "casbench: no summary: %s\n", err.msg);
    fprintf(stderr, "casbench: collected %zu new records; %zu of %zu calls have a record%s\n", res.merged,
            res.expected - res.missing, res.expected,
            res.queued ? " (the Slurm job is still running)" : res.missing ? " (run --resume for the rest)" : "");
    return res.missing ? 1 : 0;
}
