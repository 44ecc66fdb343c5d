/* run_setup.h — the policy of `casbench run` between its command line and
 * the run engine (run.h): what runs when the command line does not say
 * (the default suite and its limits, every available library, the default
 * Python environments, gc on, benchmark mode, a runner per usable CPU, the
 * memory limit that follows from it), the names it gives resolved (Python
 * environments into working interpreters), the dataset loaded and
 * validated and its run list filtered; and, for `run --resume DIR` alone,
 * the command line DIR was run with.  Everything is checked before
 * anything runs: a bad dataset, venv or number is one line in err.
 *
 * The CLI (programs/cmd_run.c) parses the options: what needs looking up
 * goes in a cb_run_request, the rest straight into the cb_run_opts (0 or
 * NULL where the option was not given); cb_run_setup completes the
 * cb_run_opts for cb_run. */
#ifndef CB_RUN_SETUP_H
#define CB_RUN_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/defaults.h"   /* CB_RUN_TIMEOUT_DEFAULT, CB_SUITE_TIMEOUT, CB_GRACE_DEFAULT */
#include "common/error.h"
#include "run/libraries.h"
#include "run/run.h"

typedef struct {
    /* the dataset: all three, or none for the built-in default suite */
    const char *polys, *run_list, *output;
    const char *base_dir;                 /* relative POLYS and RUN_LIST are under it (NULL: the cwd) */
    const char *const *filter;            /* --run-list-filter: function names */
    size_t n_filter;
    const cb_library *const *libs;        /* --libraries; none: every library that is available */
    size_t n_libs;
    const char *const *venvs;             /* --venvs; none: the default environments */
    size_t n_venvs;
    long cores;                           /* 0: the default */
    double timeout;                       /* 0: the default */
    const char *memory_limit;             /* as given ("4G", "none"), or NULL */
    /* told when a default environment exists but does not run (may be NULL) */
    void (*note)(const char *msg, void *ctx);
    void *note_ctx;

    /* made by cb_run_setup, freed by cb_run_setup_free */
    struct {
        cb_value polys, run_list, filtered;
        json_object *dataset, *seeds;
        cb_pyenv *envs;
        size_t n_envs;
        const cb_library **libs;
        char *polys_path, *run_list_path;
    } made;
} cb_run_request;

/* Fills O's dataset (polys, run_list, dataset, seeds, output), libraries,
 * environments, timeout, cores, memory limit and only_available
 * from REQ, and gives O's other fields left 0 or NULL their defaults (gc
 * on, benchmark mode, lex order, the start-up timeout, the grace).  -1 with
 * one line in err on a bad dataset, run list, filter, venv or --pin. */
int cb_run_setup(cb_run_request *req, cb_run_opts *o, cb_err *err);
void cb_run_setup_free(cb_run_request *req);

/* `run --resume DIR` alone: the command line DIR's run.json recorded
 * (*argv NULL-terminated, cb_argv_free it; argv[0] is "run") and the
 * working directory it ran in (*cwd, malloc'd, NULL when not recorded),
 * read as data: strings only, each checked. */
int cb_run_recorded_command(const char *dir, char ***argv, int *argc, char **cwd, cb_err *err);

#endif
