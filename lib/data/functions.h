/* functions.h — the functions casbench benchmarks (docs/design.md §7): their names,
 * arities and how they read their arguments.  One table, used by run-list
 * validation, every C harness and the reports. */
#ifndef CB_FUNCTIONS_H
#define CB_FUNCTIONS_H

typedef enum {
    CB_ARGS_PAIRS,    /* binary: zip the polynomials of two systems */
    CB_ARGS_EACH,     /* unary: each polynomial of one system */
    CB_ARGS_SYSTEM,   /* one system read as an ideal */
} cb_arg_kind;

typedef struct {
    const char *name;
    int arity;             /* number of systems in a run-list entry */
    cb_arg_kind kind;
} cb_function;

/* The functions of cb_functions[] by index, in its order: the C harnesses
 * switch on these. */
typedef enum {
    CB_FN_ADD, CB_FN_SUB, CB_FN_MULT, CB_FN_DIVMOD, CB_FN_RESULTANT, CB_FN_GCD, CB_FN_LCM,
    CB_FN_FACTOR, CB_FN_LC, CB_FN_GROEBNER
} cb_fn_id;
#define CB_FN_COUNT (CB_FN_GROEBNER + 1)

extern const cb_function cb_functions[];
extern const int cb_n_functions;
/* The index in cb_functions[] of a docs/design.md §7 function; -1 for any other
 * name (selftest functions included). */
int cb_function_index(const char *name);
/* The selftest library's functions (docs/design.md §6), for casbench's own tests:
 * names start with "selftest_", one argument; kept out of cb_functions so
 * that reports and the default suite never see them. */
extern const cb_function cb_selftest_functions[];
extern const int cb_n_selftest_functions;
/* Looks in both tables; NULL when unknown. */
const cb_function *cb_function_find(const char *name);

#endif
