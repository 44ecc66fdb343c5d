/* cmd_import_phc.c — placeholder until the command is written. */
#include "cli.h"

int cmd_import_phc(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'import_phc' is not implemented yet");
}
