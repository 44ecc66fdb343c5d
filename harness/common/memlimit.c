/* memlimit.c — the memory limit inside a C harness (see memlimit.h). */
#define _GNU_SOURCE
#include "memlimit.h"
#include "common/bounds.h"
#include "supervisor.h"
#include "common/util.h"

#include <flint/flint.h>
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CB_ASAN 1
#endif
#endif

#ifdef CB_ASAN
/* Read by ASan at start-up (ASAN_OPTIONS still wins): a refused allocation
 * returns NULL to our handler instead of ending in an ASan report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

static uint64_t limit_bytes;   /* SIZE, 0: none */
static uint64_t call_base;     /* the harness's VmData before the first call */

uint64_t cb_memlimit_bytes(void)
{
    return limit_bytes;
}

_Noreturn void cb_memlimit_exceeded(const char *what)
{
    char msg[400], size[32];
    cb_format_size(limit_bytes, size, sizeof size);
    if (limit_bytes)
        snprintf(msg, sizeof msg, "memory limit of %s reached (%s)", size, what);
    else
        snprintf(msg, sizeof msg, "out of memory (%s)", what);
    cb_sup_child *ch = cb_sup_current_child();
    if (ch) {
        if (limit_bytes)
            cb_sup_send_memory_limit(ch, msg);
        else
            cb_sup_send_error(ch, msg);
        _exit(0);
    }
    dprintf(2, "casbench harness: %s while loading the dataset\n", msg);
    _exit(limit_bytes ? CB_EXIT_MEMORY_LIMIT : 1);
}

_Noreturn void cb_memlimit_fail(size_t n)
{
    char what[64], size[32];
    snprintf(what, sizeof what, "allocating %s failed", cb_format_size(n, size, sizeof size));
    cb_memlimit_exceeded(what);
}

/* GMP's and FLINT's allocators, failing through the handler. */
static void *gmp_alloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        cb_memlimit_fail(n);
    return p;
}

static void *gmp_realloc(void *p, size_t old, size_t n)
{
    (void)old;
    void *q = realloc(p, n);
    if (!q && n)
        cb_memlimit_fail(n);
    return q;
}

static void gmp_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

static void *hooked_flint_alloc(size_t n)
{
    return gmp_alloc(n);
}

static void *hooked_flint_calloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p && n && size)
        cb_memlimit_fail(n * size);
    return p;
}

static void *hooked_flint_realloc(void *p, size_t n)
{
    return gmp_realloc(p, 0, n);
}

static void oom_hook(size_t n)
{
    cb_memlimit_fail(n);
}

void cb_memlimit_start(void)
{
    limit_bytes = cb_memlimit_from_env();
    if (limit_bytes && !cb_memlimit_apply(limit_bytes, 0))
        limit_bytes = 0;   /* could not be set: the records say "no limit" */
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
    __flint_set_memory_functions(hooked_flint_alloc, hooked_flint_calloc, hooked_flint_realloc, free);
    cb_out_of_memory_hook = oom_hook;
}

void cb_memlimit_exec_child(void)
{
    if (!limit_bytes)
        return;
    struct rlimit rl;
    if (getrlimit(RLIMIT_DATA, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < limit_bytes ? rl.rlim_max : (rlim_t)limit_bytes;
        setrlimit(RLIMIT_DATA, &rl);
    }
}

void cb_memlimit_before_calls(void)
{
    call_base = limit_bytes ? cb_memlimit_data_bytes() : 0;
}

void cb_memlimit_enter_call(void)
{
    if (limit_bytes && call_base)
        cb_memlimit_apply(limit_bytes, call_base);
}
