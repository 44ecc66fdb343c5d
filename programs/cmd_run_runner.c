/* cmd_run_runner.c — `casbench run-runner RESULTS_DIR INDEX`: what one
 * Slurm array task runs (lib/slurm.h): task INDEX of the results
 * directory's task table, started and waited for exactly as the local pool
 * starts a runner.  Not meant to be typed; `casbench run --executor slurm`
 * writes the sbatch script that calls it. */
#include "cli.h"
#include "slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: casbench run-runner RESULTS_DIR INDEX [--submission K]\n"
    "\n"
    "Runs task INDEX (the Slurm array task id) of RESULTS_DIR/slurm/tasks-K.json\n"
    "(default: the latest submission): starts the runner's harness, writes its\n"
    "records to the task's own file and how it ended to slurm/status/.  SIGTERM\n"
    "(scancel) is passed on to the harness; finished calls are kept.\n"
    "\n"
    "Exit status: the harness's (128+N when killed by signal N), 2 on bad input.\n";

static long parse_index(const char *what, const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        cb_die_msg("run-runner: %s '%s' is not a number >= 0", what, s);
    return v;
}

int cmd_run_runner(int argc, char **argv)
{
    if (cb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *pos[2];
    int npos = 0;
    long submission = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--submission")) {
            if (i + 1 >= argc)
                cb_die_msg("--submission needs a value");
            submission = parse_index("--submission", argv[++i]);
        } else if (argv[i][0] == '-') {
            cb_die_msg("run-runner: unknown option '%s' (see 'casbench run-runner --help')", argv[i]);
        } else if (npos == 2) {
            cb_die_msg("run-runner: unexpected argument '%s'", argv[i]);
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos != 2)
        cb_die_msg("run-runner needs RESULTS_DIR INDEX (see 'casbench run-runner --help')");
    long index = parse_index("INDEX", pos[1]);
    cb_err err;
    int status;
    if (cb_slurm_run_task(pos[0], (int)submission, index, &status, &err) < 0)
        cb_die(&err);
    return status;
}
