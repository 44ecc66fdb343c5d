/* cmd_run.c — placeholder until the command is written. */
#include "cli.h"

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'run' is not implemented yet");
}
