/* mt_state.c — the tracker's counting core.
 *
 * Two tables, both outside the malloc heap (mmap), so bookkeeping never
 * allocates through the hooks:
 *
 * - the shared page (mt_shared, MAP_SHARED, made by the constructor): the
 *   region's counters, the call-site table (one entry per distinct stack,
 *   open addressing) and the Python function names.  A call child forked by
 *   the harness writes here and its parent reads it after the child died,
 *   which is how a call stopped at its limit keeps what it counted.  Entries
 *   carry a generation number, so begin() resets the page in O(1) instead of
 *   clearing megabytes.
 * - the live-block map (private to the process, remade by each begin):
 *   pointer -> (requested size, site) of every block allocated inside the
 *   region and not yet freed; it gives frees their size, hence live bytes
 *   and the peak.
 *
 * Peak snapshot per site (for the memray-style rows): memray's summary
 * reports each function's share of the memory live *at the peak*.  Copying
 * every site at every new peak would be O(sites) per allocation, so each
 * site keeps a lazy snapshot: a new peak bumps peak_epoch; a site about to
 * change whose snap_epoch is older first copies its live numbers into its
 * snapshot.  A site untouched since the last peak still holds its peak value
 * in live_*.  O(1) per allocation.
 *
 * Locking: one process-private mutex around table updates.  Stacks are
 * captured before taking it (unwinding may take the loader's lock; holding
 * ours meanwhile could deadlock with a thread in dlopen that mallocs).
 * Across fork, the prepare/parent/child handlers keep the mutex consistent. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mt_internal.h"

mt_shared *mt_sh;
atomic_int mt_counting;
static pthread_mutex_t mt_mutex = PTHREAD_MUTEX_INITIALIZER;

static void *map_zeroed(size_t bytes, int shared)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* ---- live-block map ----
 * A radix map of the address space instead of a hash table: glibc's chunks
 * are at least 32 bytes apart, so p >> 5 names a live block uniquely, and
 * consecutive allocations land in consecutive slots (one cache line and one
 * TLB entry serve many of them; a hash table's random probes cost a cache and
 * TLB miss each, which dominated the tracker's time).  Levels: 12 bits
 * (static), 15 bits and 15 bits (each a 256 KB mmap made on first use), for
 * 47-bit user addresses.  A slot is 8 bytes: present bit, site, size.  The
 * metadata costs a quarter of the heap span it covers, only where the region
 * allocates; begin() unmaps it all. */
#define L1_BITS 12
#define L2_BITS 15
#define L3_BITS 15
#define GRAIN 5
typedef uint64_t mt_slot;
#define SLOT_PRESENT (1ull << 63)
#define SLOT_SITE(v) ((uint32_t)(((v) >> 48) & 0x7FFFu))
#define SLOT_SIZE(v) ((v) & ((1ull << 48) - 1))
#define MT_INTERNAL 0x7FFFu

static mt_slot **live_l1[1u << L1_BITS];

static void live_reset(void)
{
    for (size_t i = 0; i < (1u << L1_BITS); i++) {
        mt_slot **l2 = live_l1[i];
        if (!l2)
            continue;
        for (size_t j = 0; j < (1u << L2_BITS); j++)
            if (l2[j])
                munmap(l2[j], sizeof(mt_slot) << L3_BITS);
        munmap(l2, sizeof(mt_slot *) << L2_BITS);
        live_l1[i] = NULL;
    }
}

/* The slot of p; NULL when p is out of range, or (create == 0) not mapped. */
static inline mt_slot *live_slot(uintptr_t p, int create)
{
    uintptr_t k = p >> GRAIN;
    size_t i1 = (k >> (L2_BITS + L3_BITS)), i2 = (k >> L3_BITS) & ((1u << L2_BITS) - 1);
    size_t i3 = k & ((1u << L3_BITS) - 1);
    if (i1 >= (1u << L1_BITS))
        return NULL;
    mt_slot **l2 = live_l1[i1];
    if (!l2) {
        if (!create || !(l2 = map_zeroed(sizeof(mt_slot *) << L2_BITS, 0)))
            return NULL;
        live_l1[i1] = l2;
    }
    mt_slot *l3 = l2[i2];
    if (!l3) {
        if (!create || !(l3 = map_zeroed(sizeof(mt_slot) << L3_BITS, 0)))
            return NULL;
        l2[i2] = l3;
    }
    return &l3[i3];
}

/* Returns 0, or -1 when p cannot be recorded (the block goes untracked). */
static int live_put(uintptr_t p, uint64_t size, uint32_t site)
{
    mt_slot *s = live_slot(p, 1);
    if (!s || size >= (1ull << 48))
        return -1;
    *s = SLOT_PRESENT | (uint64_t)site << 48 | size;
    return 0;
}

/* ---- sites ---- */
static uint32_t stack_hash(const mt_stack *st)
{
    uint64_t h = 0xcbf29ce484222325ull ^ st->n_native ^ ((uint64_t)st->n_py << 16);
    for (unsigned i = 0; i < st->n_native; i++)
        h = (h ^ st->native[i]) * 0x100000001b3ull;
    for (unsigned i = 0; i < st->n_py; i++)
        h = (h ^ st->py_func[i] ^ ((uint64_t)(uint32_t)st->py_line[i] << 32)) * 0x100000001b3ull;
    h ^= h >> 29;
    return (uint32_t)h | 1;   /* never 0 */
}

static int stack_equal(const mt_stack *a, const mt_stack *b)
{
    return a->n_native == b->n_native && a->n_py == b->n_py
        && !memcmp(a->native, b->native, a->n_native * sizeof a->native[0])
        && !memcmp(a->py_func, b->py_func, a->n_py * sizeof a->py_func[0])
        && !memcmp(a->py_line, b->py_line, a->n_py * sizeof a->py_line[0]);
}

static void site_touch(mt_site *s)   /* lazy peak snapshot, see top */
{
    if (s->snap_epoch != mt_sh->peak_epoch) {
        s->snap_bytes = s->live_bytes;
        s->snap_count = s->live_count;
        s->snap_epoch = mt_sh->peak_epoch;
    }
}

static uint32_t site_find(const mt_stack *st)
{
    uint32_t h = stack_hash(st), gen = mt_sh->gen;
    uint32_t i = (h >> 3) & (MT_SITES - 1);
    for (;;) {
        if (i == MT_SITE_OTHER) {
            i = 1;
            continue;
        }
        mt_site *s = &mt_sh->sites[i];
        if (s->gen != gen) {
            if ((mt_sh->n_sites + 1) * 8 > MT_SITES * 7)
                break;   /* table full: lump into "other" */
            memset(s, 0, sizeof *s);
            s->gen = gen;
            s->hash32 = h;
            s->stack = *st;
            s->snap_epoch = mt_sh->peak_epoch;
            mt_sh->site_list[mt_sh->n_sites++] = (uint16_t)i;
            return i;
        }
        if (s->hash32 == h && stack_equal(&s->stack, st))
            return i;
        i = (i + 1) & (MT_SITES - 1);
    }
    mt_site *o = &mt_sh->sites[MT_SITE_OTHER];
    if (o->gen != gen) {
        memset(o, 0, sizeof *o);
        o->gen = gen;
        o->snap_epoch = mt_sh->peak_epoch;
        mt_sh->site_list[mt_sh->n_sites++] = MT_SITE_OTHER;
    }
    return MT_SITE_OTHER;
}

/* ---- locking and fork ---- */
void mt_lock(void) { pthread_mutex_lock(&mt_mutex); }
void mt_unlock(void) { pthread_mutex_unlock(&mt_mutex); }

void mt_state_init(void)
{
    mt_sh = map_zeroed(sizeof *mt_sh, 1);
}

void mt_state_fork_prepare(void) { mt_lock(); }
void mt_state_fork_parent(void) { mt_unlock(); }

/* The child of a counting process starts its own counts in a private page;
 * the child of a process that was not counting (the harness forking a call
 * child) keeps the shared page, so its parent can read what it counts. */
void mt_state_fork_child(void)
{
    pthread_mutex_init(&mt_mutex, NULL);
    if (!atomic_load(&mt_counting))
        return;
    mt_shared *own = map_zeroed(sizeof *own, 0);
    if (!own) {
        atomic_store(&mt_counting, 0);   /* never write into the parent's page */
        return;
    }
    own->gen = mt_sh->gen + 1;
    own->pid = getpid();
    own->started = 1;
    own->python = mt_sh->python;
    own->peak_epoch = 1;
    mt_sh = own;
    live_reset();
}

/* ---- the region ---- */
MT_API void casbench_mem_begin(void)
{
    mt_guard++;
    atomic_store(&mt_counting, 0);
    mt_stack_python_init();
    struct mallinfo2 mi = mallinfo2();
    mt_lock();
    live_reset();
    if (mt_sh) {
        uint32_t gen = mt_sh->gen + 1;
        /* counters only: sites and functions are reset by the generation */
        memset(mt_sh, 0, offsetof(mt_shared, sites));
        mt_sh->gen = gen;
        mt_sh->pid = getpid();
        mt_sh->started = 1;
        mt_sh->python = mt_stack_python_enabled();
        mt_sh->peak_epoch = 1;
        mt_sh->level_at_begin = (int64_t)(mi.uordblks + mi.hblkhd);
    }
    mt_unlock();
    atomic_store(&mt_counting, mt_sh != NULL);
    mt_guard--;
}

MT_API void casbench_mem_end(void)
{
    atomic_store(&mt_counting, 0);
    if (mt_sh && mt_sh->started)
        mt_sh->complete = 1;
}

/* ---- events (guard held by the caller) ----
 * Temporary allocations, two ways (they differ a lot on Python code, which
 * often frees something else between allocating a block and freeing it):
 * "temporary" as memray defines it, a block freed before its thread's next
 * allocation; "temporary_adjacent" as heaptrack counts it, a free that is
 * the very next allocator event after the block's allocation. */
static __thread uintptr_t tl_last_alloc __attribute__((tls_model("initial-exec")));
static __thread uint32_t tl_last_gen __attribute__((tls_model("initial-exec")));

static void note_peak(void)
{
    if (mt_sh->live > mt_sh->peak) {
        mt_sh->peak = mt_sh->live;
        mt_sh->peak_epoch++;
    }
}

static void alloc_locked(void *p, size_t n, const mt_stack *st)
{
    uint32_t si;
    if (st->hint && st->hint[1] == mt_sh->gen && mt_sh->sites[st->hint[0]].gen == mt_sh->gen) {
        si = st->hint[0];    /* a stack-cache hit: no hashing, no comparing */
    } else {
        si = site_find(st);
        if (st->hint) {
            st->hint[0] = si;
            st->hint[1] = mt_sh->gen;
        }
    }
    mt_site *s = &mt_sh->sites[si];
    site_touch(s);
    s->count++;
    s->bytes += n;
    s->live_bytes += (int64_t)n;
    s->live_count++;
    if (si == MT_SITE_OTHER)
        mt_sh->sites_dropped++;
    mt_sh->allocations++;
    mt_sh->bytes_allocated += n;
    if (live_put((uintptr_t)p, n, si) == 0)
        mt_sh->live += (int64_t)n;
    tl_last_alloc = (uintptr_t)p;
    tl_last_gen = mt_sh->gen;
    mt_sh->last_event_alloc = (uintptr_t)p;
    note_peak();
}

/* The free of p, whose map slot is `slot` (NULL or empty: p was allocated
 * before the region, and counts as a free of `untracked` bytes, what glibc
 * held for it: the heap shrinks below the level at begin). */
static void free_at(void *p, mt_slot *slot, size_t untracked)
{
    if (slot && (*slot & SLOT_PRESENT)) {
        mt_slot b = *slot;
        *slot = 0;
        if (SLOT_SITE(b) == MT_INTERNAL)
            return;
        mt_site *s = &mt_sh->sites[SLOT_SITE(b)];
        site_touch(s);
        s->live_bytes -= (int64_t)SLOT_SIZE(b);
        s->live_count--;
        mt_sh->live -= (int64_t)SLOT_SIZE(b);
        mt_sh->bytes_freed += SLOT_SIZE(b);
    } else {
        mt_sh->live -= (int64_t)untracked;
        mt_sh->bytes_freed += untracked;
    }
    mt_sh->frees++;
    if (tl_last_alloc == (uintptr_t)p && tl_last_gen == mt_sh->gen) {
        mt_sh->temporary++;
        tl_last_alloc = 0;
    }
    if (mt_sh->last_event_alloc == (uintptr_t)p)
        mt_sh->temporary_adjacent++;
    mt_sh->last_event_alloc = 0;
}

/* What glibc holds for p when the map does not know it (p still allocated). */
static size_t untracked_size(void *p, const mt_slot *slot)
{
    if ((slot && (*slot & SLOT_PRESENT)) || !mt_libc.malloc_usable_size)
        return 0;
    return mt_libc.malloc_usable_size(p);
}

/* Test hook (tests/integration/mem_tracker.sh): CASBENCH_MEMTRACK_TEST_RAISE=SIG
 * raises SIG while the lock is held, every 64th allocation, to show that a
 * handler which allocates then neither deadlocks nor disturbs the counts. */
int mt_test_raise;

void mt_on_alloc(void *p, size_t n, mt_caller who)
{
    mt_stack st;
    mt_stack_capture(&st, who);   /* guard 1: Python API allocations are "internal" */
    mt_guard = 2;
    mt_lock();
    if (atomic_load_explicit(&mt_counting, memory_order_relaxed)) {
        alloc_locked(p, n, &st);
        if (mt_test_raise && mt_sh->allocations % 64 == 0)
            raise(mt_test_raise);
    }
    mt_unlock();
    mt_guard = 1;
}

void mt_on_internal_alloc(void *p)
{
    mt_lock();
    live_put((uintptr_t)p, 0, MT_INTERNAL);
    mt_unlock();
}

void mt_on_free(void *p)
{
    mt_lock();
    if (atomic_load_explicit(&mt_counting, memory_order_relaxed)) {
        mt_slot *slot = live_slot((uintptr_t)p, 0);   /* one lookup */
        free_at(p, slot, untracked_size(p, slot));
    }
    mt_unlock();
}

/* realloc while counting (guard 0).  The real realloc runs under the lock, so
 * no other thread can be handed the old address and record it before the old
 * block's bookkeeping is done.  It counts as "old freed, then new allocated",
 * as heaptrack and memray record it: the moment inside a moving realloc when
 * both blocks exist is not part of the peak (with the other order, FLINT's
 * growing arrays raise the peak by the old array's size; measured). */
void *mt_realloc_counted(void *p, size_t n, mt_caller who)
{
    mt_stack st;
    mt_guard = 1;
    mt_stack_capture(&st, who);
    mt_guard = 2;
    mt_lock();
    int counting = atomic_load_explicit(&mt_counting, memory_order_relaxed);
    mt_slot *slot = p && counting ? live_slot((uintptr_t)p, 0) : NULL;
    size_t untracked = p && counting ? untracked_size(p, slot) : 0;   /* while p is valid */
    void *q = mt_libc.realloc(p, n);
    if (counting && (q || n == 0)) {     /* failed with n > 0: p untouched, nothing happened */
        if (p)
            free_at(p, slot, untracked);
        if (q)
            alloc_locked(q, n, &st);
    }
    mt_unlock();
    mt_guard = 0;
    return q;
}

/* ---- Python function names (called with the GIL held, which serialises them) ---- */
int mt_func_lookup(uintptr_t code, uint32_t *idx)
{
    uint32_t i = (uint32_t)((code >> 4) * 0x9E3779B1u) >> (32 - MT_FUNC_BITS);
    for (uint32_t k = 0; k < MT_FUNCS; k++, i = (i + 1) & (MT_FUNCS - 1)) {
        mt_func *f = &mt_sh->funcs[i];
        if (f->gen != mt_sh->gen) {
            *idx = i;       /* where it would go */
            return 0;
        }
        if (f->code == code) {
            *idx = i;
            return 1;
        }
    }
    *idx = UINT32_MAX;
    return 0;
}

static uint32_t pool_add(const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > 4096)
        n = 4096;
    if (mt_sh->pool_used + n > MT_POOL_BYTES)
        return UINT32_MAX;
    uint32_t off = mt_sh->pool_used;
    memcpy(mt_sh->pool + off, s, n - 1);
    mt_sh->pool[off + n - 1] = 0;
    mt_sh->pool_used += (uint32_t)n;
    return off;
}

uint32_t mt_intern_func(uintptr_t code, const char *name, const char *file)
{
    uint32_t i;
    if (mt_func_lookup(code, &i))
        return i;
    if (i == UINT32_MAX || (mt_sh->n_funcs + 1) * 4 > MT_FUNCS * 3)
        return UINT32_MAX;
    mt_func *f = &mt_sh->funcs[i];
    f->name_off = pool_add(name);
    f->file_off = pool_add(file);
    if (f->name_off == UINT32_MAX || f->file_off == UINT32_MAX)
        return UINT32_MAX;
    f->code = code;
    f->gen = mt_sh->gen;
    mt_sh->n_funcs++;
    return i;
}
