/* cmd_run_runner.c — `casbench run-runner RESULTS_DIR INDEX`: what one
 * Slurm array task runs (lib/run/slurm.h): task INDEX of the results
 * directory's task table, started and waited for exactly as the local pool
 * starts a runner.  Not meant to be typed; `casbench run --executor slurm`
 * writes the sbatch script that calls it. */
#include "cli.h"
#include "parse_options.h"
#include "run/slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char description[] =
    "Runs task INDEX (the Slurm array task id) of RESULTS_DIR/slurm/tasks-K.json\n"
    "(default: the latest submission): starts the runner's harness, writes its\n"
    "records to the task's own file and how it ended to slurm/status/.  SIGTERM\n"
    "(scancel) is passed on to the harness; finished calls are kept.\n";

static const char epilogue[] = "Exit status: the harness's (128+N when killed by signal N), 2 on bad input.\n";

/* INDEX: the Slurm array task id */
static long parse_index(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        cb_die_msg("run-runner: INDEX '%s' is not a number >= 0", s);
    return v;
}

static long submission;
static const cb_option options[] = {
    {.name = "submission", .kind = CB_OPT_INT, .arg = "K", .min = 0, .max = 1000000000, .target = &submission,
     .help = "the submission whose task table to read (default: the latest)"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "run-runner", .args = "RESULTS_DIR INDEX", .min_args = 2, .max_args = 2,
    .description = description, .epilogue = epilogue, .options = options,
};

int cmd_run_runner(int argc, char **argv)
{
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *dir = pos.v[0], *index_text = pos.v[1];
    free(pos.v);
    long index = parse_index(index_text);
    cb_err err;
    int status;
    if (cb_slurm_run_task(dir, (int)submission, index, &status, &err) < 0)
        cb_die(&err);
    return status;
}
