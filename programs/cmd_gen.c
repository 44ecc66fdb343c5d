/* cmd_gen.c — placeholder until the command is written. */
#include "cli.h"

int cmd_gen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'gen' is not implemented yet");
}
