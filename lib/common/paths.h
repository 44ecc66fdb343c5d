/* paths.h — where casbench finds the programs it starts.
 *
 * casbench runs from its build tree and from an install alike (docs/design.md §10):
 * the harnesses are found relative to the running executable
 * (/proc/self/exe), never by a compiled-in path:
 *   build tree:  build/casbench         -> build/harness/,
 *                                          build/libcasbench-memtrack.so
 *   installed:   PREFIX/bin/casbench    -> PREFIX/libexec/casbench/harness/,
 *                                          PREFIX/libexec/casbench/libcasbench-memtrack.so
 * CASBENCH_HARNESS_DIR overrides the harness directory (for developers
 * trying a harness out of tree).
 *
 * What casbench installs outside Debian (tools/install-deps.sh) lives under
 * one prefix, $CASBENCH_PREFIX, default /opt/casbench: the pinned venvs
 * venv-3.11, venv-3.12, venv-3.13 and venv-mathics, samply in cargo/bin,
 * speedscope in node_modules.  casbench finds them there, not on PATH. */
#ifndef CB_PATHS_H
#define CB_PATHS_H

#include "common/error.h"

/* The directory holding the harnesses (malloc'd), or NULL with err. */
char *cb_harness_dir(cb_err *err);
/* The allocation tracker .so (malloc'd), or NULL with err when not built. */
char *cb_tracker_path(cb_err *err);
/* The C harness executable of NAME: HARNESS_DIR/casbench-harness-NAME. */
char *cb_c_harness_path(const char *harness_dir, const char *name);
/* The Python harness script: HARNESS_DIR/python/casbench_harness.py. */
char *cb_python_harness_path(const char *harness_dir);
/* The install prefix: $CASBENCH_PREFIX, or CB_DEFAULT_PREFIX (borrowed). */
#define CB_DEFAULT_PREFIX "/opt/casbench"
const char *cb_prefix(void);
/* PREFIX/REL (malloc'd). */
char *cb_prefix_path(const char *rel);

/* Look NAME up on PATH as execvp would (NAME with a '/' is returned as is
 * when executable); malloc'd, or NULL when not found. */
char *cb_which(const char *name);

#endif
