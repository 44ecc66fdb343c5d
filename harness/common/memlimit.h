/* memlimit.h — a C harness under its memory limit (lib/common/bounds.h;
 * docs/protocol.md, "Limits").
 *
 * cb_memlimit_start() runs first in cb_harness_main, for --probe as for a
 * run: it applies CASBENCH_MEMORY_LIMIT as RLIMIT_DATA beyond what the
 * harness has mapped at that point, and routes the allocation failures of
 * GMP, FLINT, casbench's own cb_x*alloc and of harness code
 * (cb_memlimit_fail) to one handler.  GMP and FLINT cannot take a failed
 * allocation back (they abort), so the handler ends the process after
 * saying why, allocating nothing:
 *   - in a call child: a memory-limit message to the harness over the
 *     supervisor's pipe; the record is `error` with memory_limit_hit true;
 *   - in the harness itself (loading the dataset): one line on stderr and
 *     exit status CB_EXIT_MEMORY_LIMIT; the engine records the calls.
 * Without a limit, the same failure is a plain error (exit status 1).
 * cb_memlimit_before_calls() (after setup) measures the harness, and
 * cb_memlimit_enter_call() (first thing in each call child) gives the call
 * its own SIZE beyond the harness it was forked from.
 *
 * Under AddressSanitizer (a harness built with -fsanitize=address) the
 * limit still applies, as RLIMIT_DATA beyond the terabytes of shadow memory
 * ASan mapped at start-up (an address-space limit would leave it no room
 * at all); what ASan maps afterwards with mmap — every allocation of 128 KiB
 * or more — counts, but its small-object allocator hands out memory from a
 * region reserved at start-up, which no rlimit sees.  So under ASan the
 * harness also sets allocator_may_return_null=1, so that a refused
 * allocation comes back as NULL to the handler above instead of an ASan
 * report. */
#ifndef CB_MEMLIMIT_H
#define CB_MEMLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Apply the limit from the environment; install the failure handler. */
void cb_memlimit_start(void);
/* The limit in force (bytes; 0: none). */
uint64_t cb_memlimit_bytes(void);
/* In the harness after setup: the base each call's limit counts from. */
void cb_memlimit_before_calls(void);
/* In a call child: the call's own limit. */
void cb_memlimit_enter_call(void);
/* An allocation of N bytes failed (for harness code that allocates with
 * malloc directly): ends the process as described above. */
_Noreturn void cb_memlimit_fail(size_t n);
/* The same for a failure WHAT says (an interpreter's "no more memory"):
 * under a limit, the memory-limit message; without one, a plain error. */
_Noreturn void cb_memlimit_exceeded(const char *what);
/* The limit an interpreter server the harness starts gets (interp.c): SIZE
 * as its RLIMIT_DATA, its own start-up included; call between fork and
 * exec. */
void cb_memlimit_exec_child(void);

#endif
