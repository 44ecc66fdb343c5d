/* bounds.h — what keeps every phase of a run bounded (docs/design.md §10,
 * docs/run.md "Limits"): the time and memory limits and the processes a run
 * leaves behind.
 *
 *   - Seconds: option values are checked against CB_MAX_SECONDS, and every
 *     conversion to nanoseconds saturates (cb_seconds_to_ns), so that no
 *     value turns into an instant deadline or wraps around.
 *   - Memory: `--memory-limit SIZE` is passed to every harness (probe and
 *     run) in the environment variable CB_MEMORY_LIMIT_ENV.  A harness
 *     applies it as RLIMIT_DATA relative to what it has mapped when it
 *     starts (cb_memlimit_apply), and each call child relative to the
 *     harness it is forked from: SIZE is what a process may map beyond its
 *     start.  RLIMIT_DATA rather than RLIMIT_AS because it counts only
 *     private writable memory, not the address space that runtimes reserve
 *     and never touch (AddressSanitizer's shadow, PARI's stack reserve,
 *     glibc's per-thread arenas); no cgroup is needed, so it works in any
 *     container and on any cluster node.
 *   - Processes: the engine makes itself a child subreaper
 *     (PR_SET_CHILD_SUBREAPER), so a process that a harness or a call
 *     started and that left its process group or session (setsid) is
 *     re-parented to casbench instead of init when its parent exits;
 *     cb_sweep_strays() kills and reaps every such stray. */
#ifndef CB_BOUNDS_H
#define CB_BOUNDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/defaults.h"   /* CB_MAX_SECONDS, CB_STARTUP_TIMEOUT_DEFAULT, CB_MEMORY_LIMIT_ENV, CB_EXIT_MEMORY_LIMIT */
#include "common/error.h"

/* Seconds to nanoseconds, saturating at INT64_MAX (NaN and negatives: 0). */
int64_t cb_seconds_to_ns(double seconds);
/* a + b nanoseconds, saturating at INT64_MAX. */
int64_t cb_ns_add(int64_t a, int64_t b);

/* A size option: "none" or "0" (no limit: *bytes = 0), or a number with
 * an optional binary unit K, M, G, T (also KB/KiB..., any case): "512M",
 * "1.5G", "1073741824".  At least 1 MiB.  -1 with err quoting S. */
int cb_parse_size(const char *opt, const char *s, uint64_t *bytes, cb_err *err);
/* "512 MiB", "1.5 GiB", "none" (for 0), into buf. */
const char *cb_format_size(uint64_t bytes, char *buf, size_t size);
/* The default --memory-limit: half the machine's physical memory divided
 * by the runners at once, so that every harness and every call child at
 * its limit still fit in memory together.  0 when unknown. */
uint64_t cb_default_memory_limit(int cores);

/* Memory limits inside a harness process. */
/* The limit CB_MEMORY_LIMIT_ENV gives this process (0: none). */
uint64_t cb_memlimit_from_env(void);
/* This process's private writable memory (VmData), in bytes; 0 unknown. */
uint64_t cb_memlimit_data_bytes(void);
/* Set RLIMIT_DATA's soft limit to BASE + BYTES (BASE: the process's
 * VmData when 0) without touching the hard limit; nothing when BYTES is 0.
 * Returns the limit set (0: none). */
uint64_t cb_memlimit_apply(uint64_t bytes, uint64_t base);

/* Processes. */
/* Make this process a child subreaper (orphans below it come back to it). */
int cb_become_subreaper(void);
/* Kill (SIGKILL, with the process group when it leads one) and reap every
 * child of this process whose pid is not in KEEP: the strays that came
 * back to a subreaper.  Returns how many. */
size_t cb_sweep_strays(const pid_t *keep, size_t n_keep);

#endif
