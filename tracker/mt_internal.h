/* mt_internal.h — what the tracker's files share (never installed).
 *
 * Files:
 *   mt_hooks.c   the interposed malloc family, start-up bootstrap, fork
 *   mt_state.c   the counting core: shared page, live-block table, sites
 *   mt_stack.c   per-allocation call stacks: native (libunwind) and Python
 *   mt_report.c  symbolisation and the JSON report
 *
 * Re-entrancy: mt_guard is a thread-local depth.  While it is non-zero the
 * thread is inside the tracker, and the hooks forward to glibc without
 * bookkeeping, so the tracker's own work never recurses, and a signal
 * handler that allocates while its thread holds the tracker's lock never
 * deadlocks on it (that allocation is simply not counted). */
#ifndef CB_MT_INTERNAL_H
#define CB_MT_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* ---- glibc's allocator, found with dlsym(RTLD_NEXT) ---- */
typedef struct mt_real {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
} mt_real;
extern mt_real mt_libc;

extern __thread int mt_guard __attribute__((tls_model("initial-exec")));
extern atomic_int mt_counting;   /* 1 inside a region of this process */

/* ---- call stacks ---- */
#define MT_NATIVE_FRAMES 24
#define MT_PY_FRAMES 12

typedef struct mt_stack {
    uint16_t n_native, n_py;
    uint32_t *hint;   /* capture's stack-cache entry: site index, generation (see mt_stack.c) */
    uintptr_t native[MT_NATIVE_FRAMES];   /* innermost first, return addresses */
    uint32_t py_func[MT_PY_FRAMES];       /* index into the shared function table */
    int32_t py_line[MT_PY_FRAMES];
} mt_stack;

void mt_stack_init(void);              /* constructor: load libunwind, prime it */
void mt_stack_python_init(void);       /* at begin: find libpython's API, if any */
int mt_stack_python_enabled(void);
/* Who called the hook: its return address and the hook's CFA (the caller's
 * stack pointer at the call), taken by the hook itself. */
typedef struct mt_caller {
    uintptr_t ra, cfa;
} mt_caller;
#define MT_CALLER() ((mt_caller){ (uintptr_t)__builtin_return_address(0), (uintptr_t)__builtin_dwarf_cfa() })
void mt_stack_capture(mt_stack *st, mt_caller who);   /* fill st for the current allocation */
uintptr_t mt_python_eval_addr(void);   /* an address inside libpython, or 0 */

/* ---- the shared page ---- */
#define MT_SITE_BITS 14
#define MT_SITES (1u << MT_SITE_BITS)
#define MT_SITE_OTHER 0            /* slot 0: allocations once the table is full */
#define MT_FUNC_BITS 12
#define MT_FUNCS (1u << MT_FUNC_BITS)
#define MT_POOL_BYTES (1u << 20)

typedef struct mt_site {
    uint32_t gen;           /* valid when equal to mt_shared.gen */
    uint32_t hash32;
    mt_stack stack;
    uint64_t count, bytes;  /* allocations made here, bytes they asked for */
    int64_t live_bytes, live_count;
    int64_t snap_bytes, snap_count;   /* at the last peak (see mt_state.c) */
    uint64_t snap_epoch;
} mt_site;

typedef struct mt_func {     /* one Python code object, named */
    uint32_t gen;
    uintptr_t code;
    uint32_t name_off, file_off;   /* offsets into pool */
} mt_func;

typedef struct mt_shared {
    uint32_t gen;
    pid_t pid;                  /* the process that counted */
    int started, complete, python;
    uint64_t allocations, frees, bytes_allocated, bytes_freed;
    uint64_t temporary;          /* memray's: freed before its thread's next allocation */
    uint64_t temporary_adjacent; /* heaptrack's: the very next event frees it */
    int64_t live, peak, level_at_begin;
    uint64_t peak_epoch;
    uint32_t n_sites, n_funcs, pool_used;
    uint64_t sites_dropped;     /* allocations counted in MT_SITE_OTHER */
    uintptr_t last_event_alloc; /* the last event, when it was an allocation */
    uint16_t site_list[MT_SITES];   /* indices of the sites in use, n_sites of them (+ OTHER) */
    mt_site sites[MT_SITES];
    mt_func funcs[MT_FUNCS];
    char pool[MT_POOL_BYTES];
} mt_shared;

extern mt_shared *mt_sh;

void mt_state_init(void);            /* constructor: map the shared page */
void mt_state_fork_prepare(void);
void mt_state_fork_parent(void);
void mt_state_fork_child(void);
void mt_on_alloc(void *p, size_t n, mt_caller who);   /* counting, guard == 0 */
void mt_on_free(void *p);                        /* counting, guard == 0, before the real free */
void mt_on_internal_alloc(void *p);              /* counting, guard == 1 (tracker's own Python calls) */
void *mt_realloc_counted(void *p, size_t n, mt_caller who);   /* counting, guard == 0: the whole realloc */
extern int mt_test_raise;
void mt_lock(void);
void mt_unlock(void);
/* intern a Python function under the lock; returns its index or UINT32_MAX */
uint32_t mt_intern_func(uintptr_t code, const char *name, const char *file);
int mt_func_lookup(uintptr_t code, uint32_t *idx);   /* under the lock */

/* ---- report ---- */
char *mt_report(int rows_only);

#pragma GCC visibility pop

#define MT_API __attribute__((visibility("default")))

#endif
