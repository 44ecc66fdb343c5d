/* paths.h — where casbench finds the programs it starts.
 *
 * casbench runs from its build tree and from an install alike (DESIGN §10):
 * the harnesses are found relative to the running executable
 * (/proc/self/exe), never by a compiled-in path:
 *   build tree:  build/casbench         -> build/harness/,
 *                                          build/libcasbench-memtrack.so
 *   installed:   PREFIX/bin/casbench    -> PREFIX/libexec/casbench/harness/,
 *                                          PREFIX/libexec/casbench/libcasbench-memtrack.so
 * CASBENCH_HARNESS_DIR overrides the harness directory (for developers
 * trying a harness out of tree). */
#ifndef CB_PATHS_H
#define CB_PATHS_H

#include "error.h"

/* The directory holding the harnesses (malloc'd), or NULL with err. */
char *cb_harness_dir(cb_err *err);
/* The allocation tracker .so (malloc'd), or NULL with err when not built. */
char *cb_tracker_path(cb_err *err);
/* The C harness executable of NAME: HARNESS_DIR/casbench-harness-NAME. */
char *cb_c_harness_path(const char *harness_dir, const char *name);
/* The Python harness script: HARNESS_DIR/python/casbench_harness.py. */
char *cb_python_harness_path(const char *harness_dir);
/* Look NAME up on PATH as execvp would (NAME with a '/' is returned as is
 * when executable); malloc'd, or NULL when not found. */
char *cb_which(const char *name);

#endif
