/* functions.c — the table of docs/design.md §7. */
#include "data/functions.h"

#include <string.h>

const cb_function cb_functions[] = {
    {"add", 2, CB_ARGS_PAIRS},
    {"sub", 2, CB_ARGS_PAIRS},
    {"mult", 2, CB_ARGS_PAIRS},
    {"divmod", 2, CB_ARGS_PAIRS},
    {"resultant", 2, CB_ARGS_PAIRS},
    {"gcd", 2, CB_ARGS_PAIRS},
    {"lcm", 2, CB_ARGS_PAIRS},
    {"factor", 1, CB_ARGS_EACH},
    {"leading_coefficient", 1, CB_ARGS_EACH},
    {"groebner", 1, CB_ARGS_SYSTEM},
};
const int cb_n_functions = sizeof cb_functions / sizeof *cb_functions;
_Static_assert(sizeof cb_functions / sizeof *cb_functions == CB_FN_COUNT, "cb_fn_id follows cb_functions[]");

int cb_function_index(const char *name)
{
    for (int i = 0; i < cb_n_functions; i++)
        if (!strcmp(cb_functions[i].name, name))
            return i;
    return -1;
}

/* harness/selftest/selftest.c documents what each one does */
const cb_function cb_selftest_functions[] = {
    {"selftest_noop", 1, CB_ARGS_SYSTEM},
    {"selftest_sleep", 1, CB_ARGS_SYSTEM},
    {"selftest_busy", 1, CB_ARGS_SYSTEM},
    {"selftest_hang", 1, CB_ARGS_SYSTEM},
    {"selftest_segv", 1, CB_ARGS_SYSTEM},
    {"selftest_abort", 1, CB_ARGS_SYSTEM},
    {"selftest_alloc", 1, CB_ARGS_SYSTEM},
    {"selftest_exit", 1, CB_ARGS_SYSTEM},
    {"selftest_error", 1, CB_ARGS_SYSTEM},
    {"selftest_cold", 1, CB_ARGS_SYSTEM},
    {"selftest_spawn", 1, CB_ARGS_SYSTEM},
};
const int cb_n_selftest_functions = sizeof cb_selftest_functions / sizeof *cb_selftest_functions;

const cb_function *cb_function_find(const char *name)
{
    int i = cb_function_index(name);
    if (i >= 0)
        return &cb_functions[i];
    if (!strncmp(name, "selftest_", 9))
        for (int i = 0; i < cb_n_selftest_functions; i++)
            if (!strcmp(cb_selftest_functions[i].name, name))
                return &cb_selftest_functions[i];
    return NULL;
}
