/* mode.c — a mode's name and back (see mode.h). */
#include "common/mode.h"

#include <string.h>

#define CB_MODE_NAME_(id, name) [id] = name,
static const char *const mode_names[] = {CB_MODES(CB_MODE_NAME_)};
#undef CB_MODE_NAME_

const char *cb_mode_name(cb_mode m)
{
    return (unsigned)m < sizeof mode_names / sizeof *mode_names ? mode_names[m] : "?";
}

int cb_mode_parse(const char *name, cb_mode *out)
{
    for (unsigned m = 0; m < sizeof mode_names / sizeof *mode_names; m++)
        if (!strcmp(name, mode_names[m])) {
            *out = (cb_mode)m;
            return 0;
        }
    return -1;
}
