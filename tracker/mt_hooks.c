/* mt_hooks.c — the interposed malloc family of the allocation tracker.
 *
 * Each hook calls glibc's function (found with dlsym(RTLD_NEXT)) and, only
 * while a region is being counted (mt_counting) and the thread is not
 * already inside the tracker (mt_guard), tells mt_state.c about the block.
 * Outside a region a hook costs one relaxed atomic load.
 *
 * Start-up: the first malloc may come before the constructor (another
 * library's constructor, the dynamic loader), and dlsym itself calls calloc
 * while we resolve.  Until glibc's functions are known, requests are served
 * from a small static bootstrap arena; its blocks are never given back
 * (free ignores them) and realloc moves them to the real heap.
 *
 * Fork: pthread_atfork keeps the tracker's lock consistent, and the child of
 * a counting process starts its own counts (mt_state_fork_child).
 *
 * realloc counts as a free of the old block and an allocation of the new
 * one (as heaptrack does; see mt_realloc_counted for the order); reallocarray goes through realloc; cfree (a
 * compat symbol only very old binaries use) is free.  Requested sizes are
 * counted, not the allocator's rounded-up sizes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mt_internal.h"

mt_real mt_libc;
__thread int mt_guard __attribute__((tls_model("initial-exec")));

/* ---- bootstrap arena ---- */
static _Alignas(64) char arena[128 * 1024];
static size_t arena_used;

static int in_arena(const void *p)
{
    return (const char *)p >= arena && (const char *)p < arena + sizeof arena;
}

static void *arena_alloc(size_t n, size_t align)
{
    if (align < 16)
        align = 16;
    size_t start = (arena_used + 16 + align - 1) & ~(align - 1);   /* room for the size */
    if (n > sizeof arena || start + n > sizeof arena)
        return NULL;
    memcpy(arena + start - sizeof(size_t), &n, sizeof n);
    arena_used = start + n;
    return arena + start;   /* static storage: already zero */
}

static size_t arena_size(const void *p)
{
    size_t n;
    memcpy(&n, (const char *)p - sizeof n, sizeof n);
    return n;
}

static void resolve(void)
{
    static int resolving;
    if (resolving || mt_libc.free)
        return;
    resolving = 1;
    mt_real r;
    *(void **)&r.calloc = dlsym(RTLD_NEXT, "calloc");
    *(void **)&r.malloc = dlsym(RTLD_NEXT, "malloc");
    *(void **)&r.realloc = dlsym(RTLD_NEXT, "realloc");
    *(void **)&r.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    *(void **)&r.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    *(void **)&r.memalign = dlsym(RTLD_NEXT, "memalign");
    *(void **)&r.valloc = dlsym(RTLD_NEXT, "valloc");
    *(void **)&r.pvalloc = dlsym(RTLD_NEXT, "pvalloc");
    *(void **)&r.malloc_usable_size = dlsym(RTLD_NEXT, "malloc_usable_size");
    *(void **)&r.free = dlsym(RTLD_NEXT, "free");
    mt_libc = r;
    resolving = 0;
}

#define COUNTING() __builtin_expect(atomic_load_explicit(&mt_counting, memory_order_relaxed), 0)

static inline void track_alloc(void *p, size_t n, mt_caller who)
{
    if (!p)
        return;
    if (mt_guard == 0) {
        mt_guard = 1;
        mt_on_alloc(p, n, who);
        mt_guard = 0;
    } else if (mt_guard == 1) {
        mt_guard = 2;
        mt_on_internal_alloc(p);
        mt_guard = 1;
    }
}

static void track_free(void *p)
{
    if (mt_guard <= 1) {
        int g = mt_guard;
        mt_guard = 2;
        mt_on_free(p);
        mt_guard = g;
    }
}

MT_API void *malloc(size_t n)
{
    if (__builtin_expect(!mt_libc.malloc, 0)) {
        resolve();
        if (!mt_libc.malloc)
            return arena_alloc(n, 16);
    }
    void *p = mt_libc.malloc(n);
    if (COUNTING())
        track_alloc(p, n, MT_CALLER());
    return p;
}

MT_API void *calloc(size_t k, size_t n)
{
    if (__builtin_expect(!mt_libc.calloc, 0)) {
        resolve();
        if (!mt_libc.calloc) {
            size_t bytes;
            return __builtin_mul_overflow(k, n, &bytes) ? NULL : arena_alloc(bytes, 16);
        }
    }
    void *p = mt_libc.calloc(k, n);
    if (COUNTING())
        track_alloc(p, k * n, MT_CALLER());
    return p;
}

MT_API void free(void *p)
{
    if (!p || in_arena(p))
        return;
    if (__builtin_expect(!mt_libc.free, 0))
        resolve();
    if (COUNTING())
        track_free(p);
    mt_libc.free(p);
}

MT_API void cfree(void *p) { free(p); }

MT_API void *realloc(void *p, size_t n)
{
    if (__builtin_expect(!mt_libc.realloc, 0))
        resolve();
    if (p && in_arena(p)) {
        void *q = malloc(n);
        if (q) {
            size_t old = arena_size(p);
            memcpy(q, p, old < n ? old : n);
        }
        return q;
    }
    if (!mt_libc.realloc)
        return arena_alloc(n, 16);
    if (!COUNTING() || mt_guard >= 2)
        return mt_libc.realloc(p, n);
    if (mt_guard == 0)
        return mt_realloc_counted(p, n, MT_CALLER());
    if (p)                          /* guard 1: inside the tracker's Python calls */
        track_free(p);
    void *q = mt_libc.realloc(p, n);
    track_alloc(q, n, MT_CALLER());
    return q;
}

MT_API void *reallocarray(void *p, size_t k, size_t n)
{
    size_t bytes;
    if (__builtin_mul_overflow(k, n, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, bytes);
}

MT_API int posix_memalign(void **out, size_t align, size_t n)
{
    if (__builtin_expect(!mt_libc.posix_memalign, 0)) {
        resolve();
        if (!mt_libc.posix_memalign) {
            *out = arena_alloc(n, align);
            return *out ? 0 : ENOMEM;
        }
    }
    int rc = mt_libc.posix_memalign(out, align, n);
    if (rc == 0 && COUNTING())
        track_alloc(*out, n, MT_CALLER());
    return rc;
}

/* aligned_alloc, memalign, valloc and pvalloc share one shape. */
#define ALIGNED_HOOK(name, params, args, align, size)                        \
    MT_API void *name params                                                 \
    {                                                                        \
        if (__builtin_expect(!mt_libc.name, 0)) {                            \
            resolve();                                                       \
            if (!mt_libc.name)                                               \
                return arena_alloc(size, align);                             \
        }                                                                    \
        void *p = mt_libc.name args;                                         \
        if (COUNTING())                                                      \
            track_alloc(p, size, MT_CALLER());                               \
        return p;                                                            \
    }

ALIGNED_HOOK(aligned_alloc, (size_t align, size_t n), (align, n), align, n)
ALIGNED_HOOK(memalign, (size_t align, size_t n), (align, n), align, n)
ALIGNED_HOOK(valloc, (size_t n), (n), 4096, n)
ALIGNED_HOOK(pvalloc, (size_t n), (n), 4096, n)

/* ---- constructor and fork ---- */
static void fork_prepare(void) { mt_state_fork_prepare(); }
static void fork_parent(void) { mt_state_fork_parent(); }
static void fork_child(void) { mt_state_fork_child(); }

__attribute__((constructor)) static void mt_init(void)
{
    mt_guard++;
    resolve();
    mt_state_init();
    mt_stack_init();
    const char *raise_sig = getenv("CASBENCH_MEMTRACK_TEST_RAISE");
    mt_test_raise = raise_sig ? atoi(raise_sig) : 0;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    mt_guard--;
}
