/* libraries.h — the registry of libraries casbench can run (docs/design.md §6), the
 * Python environments they run in, and probing whether a library is
 * available.
 *
 * A library id (`flint`, `sympy-dmp-gmpy`, ...) names a harness and the
 * environment variables that select the variant.  Whether it is available is
 * never guessed by the engine: the harness itself answers `--probe LIBRARY`
 * with one JSON object (docs/protocol.md, "Probing"), so a new library is a
 * new harness and a row here, not a change to the engine. */
#ifndef CB_LIBRARIES_H
#define CB_LIBRARIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "common/error.h"

typedef enum {
    CB_LIB_C,          /* HARNESS_DIR/casbench-harness-NAME */
    CB_LIB_PYTHON,     /* PYTHON [flags] HARNESS_DIR/python/casbench_harness.py */
    CB_LIB_EXTERNAL,   /* a harness driving another system's interpreter (Singular, ...) */
} cb_lib_kind;

typedef struct {
    const char *id;
    cb_lib_kind kind;
    const char *harness;        /* C/external: NAME of casbench-harness-NAME */
    const char *env[3];         /* "NAME=VALUE" set for the harness; NULL-terminated */
    const char *interpreter;    /* Python-hosted with its own interpreter (sagemath:
                                 * "sage"), started as INTERPRETER --python; NULL:
                                 * the environments of --venvs */
    bool hidden;                /* not part of "every available library" (selftest) */
    const char *description;
    const char *fallback_python;  /* with interpreter: the Python to use when the
                                   * interpreter is not on PATH, or NULL */
} cb_library;

extern const cb_library cb_libraries[];
extern const int cb_n_libraries;
const cb_library *cb_library_find(const char *id);
/* Python-hosted: runs per gc setting (and per environment unless it brings
 * its own interpreter). */
bool cb_library_is_python(const cb_library *lib);
/* The "python" or "external" list of results.pickle. */
const char *cb_library_group(const cb_library *lib);

/* A Python environment of --venvs. */
typedef struct {
    char *given;      /* as the user wrote it */
    char *python;     /* the interpreter started (sys.executable) */
    char *version;    /* "3.11.7" */
    char *label;      /* the record's `env`: "PYTHON VERSION" */
    char *prefix;     /* its sys.prefix: what tells two environments apart */
} cb_pyenv;

/* Resolve a --venvs word (a venv directory -> DIR/bin/python, relative to
 * the current directory even without a '/' when such a directory exists; or
 * a Python executable, looked up on PATH when it has no '/') by running it
 * once.  Fails with a one-line message when the path is missing or not a Python. */
int cb_pyenv_resolve(const char *given, cb_pyenv *out, cb_err *err);
void cb_pyenv_free(cb_pyenv *e);

/* The default Python environments, when no --venvs is given (docs/design.md §6):
 * casbench's pinned venvs PREFIX/venv-3.11, venv-3.12, venv-3.13 that exist
 * (lib/common/paths.h; tools/install-deps.sh builds them), then python3 on PATH and
 * Debian's /usr/bin/python3 where they are other environments (another
 * sys.prefix).  A pinned venv that exists but does not run is left out and
 * NOTE(its message, ctx) is called (NOTE may be NULL); a missing one is
 * simply not there.  *ENVS is malloc'd; returns how many. */
size_t cb_pyenv_defaults(cb_pyenv **envs, void (*note)(const char *msg, void *ctx), void *ctx);

/* The interpreter a library that brings its own runs under: its launcher
 * (`sage`) when on PATH, else fallback_python when present, else the
 * launcher's name (then reported missing); NULL for the others. */
const char *cb_library_interpreter(const cb_library *lib);

/* The argv (NULL-terminated, malloc'd strings) that starts LIB's harness:
 * ENV is used for Python libraries without their own interpreter,
 * PYTHON_FLAGS (may be NULL) are split on blanks and go before the script. */
char **cb_library_argv(const cb_library *lib, const cb_pyenv *env, const char *python_flags,
                       const char *harness_dir);
void cb_argv_free(char **argv);
/* A missing harness or interpreter, as the reason a runner is unavailable,
 * or NULL when the argv can be started. */
char *cb_library_missing(const cb_library *lib, char **argv);


/* The answer of a harness's --probe. */
typedef struct {
    bool available;
    char *reason;           /* when not available */
    char *version;          /* the library's version, or NULL */
    json_object *json;      /* the whole probe object (versions, functions), or NULL */
} cb_probe;

typedef struct {
    const cb_library *lib;
    char **argv;            /* as from cb_library_argv (borrowed) */
    cb_probe result;        /* filled by cb_probe_all */
} cb_probe_job;

/* Probe every job at once (they are short), each at most TIMEOUT_S seconds
 * and under MEMORY_LIMIT (bytes, 0: none; lib/common/bounds.h).  A harness that is
 * missing, fails, times out or prints no JSON object gives available = false
 * with the reason; nothing here is an error.  Returns 0, or the signal
 * (SIGINT, SIGTERM, SIGHUP, when the caller blocks them) that stopped every
 * probe at once. */
int cb_probe_all(cb_probe_job *jobs, size_t n, double timeout_s, uint64_t memory_limit);
void cb_probe_free(cb_probe *p);

#endif
