/* cmd_report.c — placeholder until the command is written. */
#include "cli.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'report' is not implemented yet");
}
