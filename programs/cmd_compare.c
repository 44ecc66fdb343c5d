/* cmd_compare.c — placeholder until the command is written. */
#include "cli.h"

int cmd_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'compare' is not implemented yet");
}
