/* cmd_libraries.c — placeholder until the command is written. */
#include "cli.h"

int cmd_libraries(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cb_die_msg("'libraries' is not implemented yet");
}
