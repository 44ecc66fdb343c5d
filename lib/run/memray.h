/* memray.h — `--memory-profiler memray` (docs/design.md §8.3): whether memray can
 * profile a runner.  memray sees Python processes only, and only where it is
 * importable; otherwise the runner is `unavailable` with the reason this
 * gives.  (The default profiler is casbench's own tracker, docs/memory.md.) */
#ifndef CB_MEMRAY_H
#define CB_MEMRAY_H

#include "run/libraries.h"

/* NULL when memray can profile LIB's harness started with ARGV (its first
 * word, the interpreter, is asked to import memray), else why not.  The
 * reason lives until the process ends. */
const char *cb_memray_unavailable(const cb_library *lib, char *const *argv);

#endif
