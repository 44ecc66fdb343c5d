/* cmd_systems.c — placeholder until the command is written. */
#include "cli.h"

int cmd_systems(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'systems' is not implemented yet");
}
