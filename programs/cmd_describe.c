/* cmd_describe.c — placeholder until the command is written. */
#include "cli.h"

int cmd_describe(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'describe' is not implemented yet");
}
