/* value_check.h — checks on cb_value shared by the C unit tests of the
 * values and of the pickle codec (test_value.c, test_pickle.c): is a
 * value's repr the text CPython 3.11 gives for the same value?
 * Include after check.h. */
#ifndef CB_VALUE_CHECK_H
#define CB_VALUE_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "data/value.h"

/* Whether repr(v) is want; prints both when not.  v is not released. */
static inline bool repr_matches(cb_value v, const char *want)
{
    char *s = cb_repr(v);
    bool ok = strcmp(s, want) == 0;
    if (!ok)
        printf("    repr: got %s\n    want    %s\n", s, want);
    free(s);
    return ok;
}

#endif
