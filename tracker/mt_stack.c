/* mt_stack.c — the call stack of each counted allocation.
 *
 * Native frames: libunwind's unw_backtrace (DWARF CFI with its per-thread
 * cache, correct without frame pointers, which Debian's libraries lack),
 * loaded with dlopen so the preload pulls in nothing at link time and
 * libunwind's own `backtrace` symbols stay local.  Fallback: glibc's
 * backtrace(), primed in the constructor (its first call dlopens libgcc_s,
 * which mallocs).  CASBENCH_MEMTRACK_UNWIND=libunwind|nocache|glibc|none
 * chooses (nocache: libunwind without the stack cache below, for tests).
 * Leading frames inside the tracker itself are dropped, so frame 0 is the
 * caller of malloc.
 *
 * Python frames: when libpython's API is in the process (the interpreter
 * exports it) and this thread holds the GIL, walk PyEval_GetFrame ->
 * PyFrame_GetBack, recording each frame's function (interned by code object
 * into the shared page: name and file copied once) and line.  Calls made
 * here may allocate (PyEval_GetFrame materialises frame objects); the hooks
 * see mt_guard == 1 and mark those blocks as the tracker's own, so they are
 * never counted.  The collector is paused meanwhile (PyGC_Disable): on 3.11
 * an allocation can run a collection on the spot, and a collection inside
 * an arbitrary malloc (say, mid list-resize) could see half-updated objects.
 * CASBENCH_MEMTRACK_PYFRAMES=0 turns Python frames off. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt_internal.h"

typedef int (*unw_backtrace_fn)(void **, int);
static unw_backtrace_fn unw_bt;
/* libunwind's step API (no header needed: opaque buffers, x86-64 numbers) */
#define UNW_CURSOR_WORDS 127
#define UNW_RSP 7
#define UNW_RIP 16
typedef struct { uint64_t w[UNW_CURSOR_WORDS]; } unw_cursor;
static int (*unw_getcontext_fn)(ucontext_t *);
static int (*unw_init_local_fn)(unw_cursor *, ucontext_t *);
static int (*unw_step_fn)(unw_cursor *);
static int (*unw_get_reg_fn)(unw_cursor *, int, uint64_t *);
static pthread_key_t ucache_key;   /* see "the stack cache" below */
static int ucache_ok;
static void ucache_free(void *c);
static int use_glibc;
static uintptr_t self_lo, self_hi;   /* the tracker's own code */

static uintptr_t python_lo, python_hi; /* libpython's code (or the interpreter's) */

typedef struct code_range {
    uintptr_t here, lo, hi;
} code_range;

/* dl_iterate_phdr callback: the executable segment holding range->here */
static int find_code(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    code_range *r = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (r->here >= lo && r->here < hi) {
            r->lo = lo;
            r->hi = hi;
            return 1;
        }
    }
    return 0;
}

void mt_stack_init(void)
{
    code_range self = { (uintptr_t)&mt_stack_init, 0, 0 };
    dl_iterate_phdr(find_code, &self);
    self_lo = self.lo;
    self_hi = self.hi;
    const char *how = getenv("CASBENCH_MEMTRACK_UNWIND");
    if (how && !strcmp(how, "none"))
        return;
    if (!how || strcmp(how, "glibc")) {
        void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
        if (h) {
            unw_bt = (unw_backtrace_fn)dlsym(h, "unw_backtrace");
            int (*policy)(void *, int) = (int (*)(void *, int))dlsym(h, "_ULx86_64_set_caching_policy");
            void **space = (void **)dlsym(h, "_ULx86_64_local_addr_space");
            if (policy && space)
                policy(*space, 2 /* UNW_CACHE_PER_THREAD */);
            *(void **)&unw_getcontext_fn = dlsym(h, "_Ux86_64_getcontext");
            *(void **)&unw_init_local_fn = dlsym(h, "_ULx86_64_init_local");
            *(void **)&unw_step_fn = dlsym(h, "_ULx86_64_step");
            *(void **)&unw_get_reg_fn = dlsym(h, "_ULx86_64_get_reg");
            if (!unw_getcontext_fn || !unw_init_local_fn || !unw_step_fn || !unw_get_reg_fn
                || (how && !strcmp(how, "nocache")))
                unw_getcontext_fn = NULL;   /* no cache: unw_backtrace every time */
        }
    }
    ucache_ok = unw_getcontext_fn && pthread_key_create(&ucache_key, ucache_free) == 0;
    void *prime[4];
    if (unw_bt)
        unw_bt(prime, 4);
    else {
        use_glibc = 1;
        backtrace(prime, 4);
    }
}

static int unwind(void **buf, int max)
{
    if (unw_bt)
        return unw_bt(buf, max);
    return use_glibc ? backtrace(buf, max) : 0;
}

static int in_python(uintptr_t a) { return a >= python_lo && a < python_hi; }
static int in_self(uintptr_t a) { return a >= self_lo && a < self_hi; }

/* ---- the stack cache ----
 * Unwinding (libunwind, DWARF) was the tracker's largest cost on FLINT,
 * where the same few call chains allocate hundreds of thousands of times.
 * So each thread remembers recent chains, keyed by the hook's caller (its
 * return address and stack pointer at the call), with the stack address
 * where each further return address was found.  A lookup is valid when
 * every remembered slot still holds its return address: frame by frame,
 * the same return address at the same place means the same caller at the
 * same depth, so the chain is the same (the slots lie above the current
 * stack pointer, in this thread's live stack, so reading them is safe).
 * A miss walks the stack with libunwind's step API, which also gives the
 * slot addresses, and refills the entry. */
#define UCACHE 256   /* entries, two ways a set */
typedef struct ucache_entry {
    uintptr_t ra0, cfa0;
    uint32_t n, stop_python;  /* frames; the walk stopped at libpython */
    uint32_t site[2];         /* the site of this chain: index, region generation */
    uint32_t victim;          /* in a set's first way: which way to refill next */
    uintptr_t ra[MT_NATIVE_FRAMES];
    uintptr_t slot[MT_NATIVE_FRAMES];   /* where ra[i] was read (i >= 1) */
} ucache_entry;
static __thread ucache_entry *tl_ucache __attribute__((tls_model("initial-exec")));
static void ucache_free(void *c) { munmap(c, UCACHE * sizeof(ucache_entry)); }

static ucache_entry *ucache(void)
{
    if (!tl_ucache && ucache_ok) {
        void *c = mmap(NULL, UCACHE * sizeof(ucache_entry), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c == MAP_FAILED)
            return NULL;
        tl_ucache = c;
        pthread_setspecific(ucache_key, c);   /* munmapped when the thread ends */
    }
    return tl_ucache;
}

/* Walk from here with the step API; frames from the hook's caller on. */
static void walk_steps(ucache_entry *e, mt_caller who, int python_active)
{
    ucontext_t uc;
    unw_cursor cur;
    e->n = 0;
    e->stop_python = 0;
    if (unw_getcontext_fn(&uc) < 0 || unw_init_local_fn(&cur, &uc) < 0)
        return;
    uint64_t ip = 0, sp = 0;
    int started = 0;
    for (int guard = 0; guard < 64 + MT_NATIVE_FRAMES; guard++) {
        if (unw_get_reg_fn(&cur, UNW_RIP, &ip) < 0 || unw_get_reg_fn(&cur, UNW_RSP, &sp) < 0)
            break;
        if (!started) {
            /* the tracker's own frames, up to the hook's caller */
            if ((uintptr_t)sp == who.cfa && (uintptr_t)ip == who.ra)
                started = 1;
            else if (!in_self((uintptr_t)ip) || (uintptr_t)sp > who.cfa)
                break;   /* lost the hook: give up on the cache */
        }
        if (started) {
            if (python_active && in_python((uintptr_t)ip)) {
                e->stop_python = 1;
                break;
            }
            e->ra[e->n] = (uintptr_t)ip;
            e->slot[e->n] = (uintptr_t)sp - sizeof(uintptr_t);   /* where the call pushed ip */
            if (++e->n == MT_NATIVE_FRAMES)
                break;
        }
        if (unw_step_fn(&cur) <= 0)
            break;
    }
    if (!started)
        e->n = 0;
    e->ra0 = started ? who.ra : 0;
    e->cfa0 = who.cfa;
    e->site[1] = 0;
}

static int ucache_valid(const ucache_entry *e, mt_caller who)
{
    if (e->ra0 != who.ra || e->cfa0 != who.cfa || !e->ra0)
        return 0;
    for (uint32_t i = 1; i < e->n; i++)
        if (*(const uintptr_t *)e->slot[i] != e->ra[i])
            return 0;
    return 1;
}

static void capture_native_plain(mt_stack *st)
{
    void *buf[MT_NATIVE_FRAMES + 8];
    int n = unwind(buf, MT_NATIVE_FRAMES + 8);
    int i = 0;
    while (i < n && in_self((uintptr_t)buf[i]))
        i++;
    int k = 0;
    for (; i < n && k < MT_NATIVE_FRAMES; i++)
        st->native[k++] = (uintptr_t)buf[i];
    st->n_native = (uint16_t)k;
}

/* Under Python (python_active), the native frames end where the interpreter
 * begins: the Python frames tell that part better, and walking the deep
 * interpreter stack was half the tracker's cost there.  Most Python
 * allocations are made by libpython itself: no walk at all. */
static void capture_native(mt_stack *st, int python_active, mt_caller who)
{
    st->n_native = 0;
    st->hint = NULL;
    if (python_active && python_hi && in_python(who.ra))
        return;
    ucache_entry *c = unw_getcontext_fn && !in_self(who.ra) ? ucache() : NULL;
    if (!c) {
        capture_native_plain(st);
        if (python_active && python_hi)
            for (unsigned i = 0; i < st->n_native; i++)
                if (in_python(st->native[i])) {
                    st->n_native = (uint16_t)i;
                    break;
                }
        return;
    }
    /* two ways a set: a function called from two places at the same depth
     * (same key, different chains) alternates without evicting itself */
    ucache_entry *set = &c[((who.ra >> 4) ^ (who.cfa >> 3) * 0x9E3779B1u) & (UCACHE - 2)], *e = NULL;
    for (int w = 0; w < 2 && !e; w++)
        if (ucache_valid(&set[w], who) && !(set[w].stop_python && !python_active))
            e = &set[w];
    if (!e) {
        e = &set[set[0].victim];
        walk_steps(e, who, python_active);
    }
    set[0].victim = e == &set[0];   /* evict the least recently used way */
    if (!e->ra0) {              /* the walk did not find the hook's caller */
        capture_native_plain(st);
        return;
    }
    memcpy(st->native, e->ra, e->n * sizeof e->ra[0]);
    st->n_native = (uint16_t)e->n;
    if (!st->n_py)
        st->hint = e->site;   /* the stack is exactly the entry's: so is its site */
}

/* ---- Python ---- */
typedef void PyObj;
static struct {
    int tried, ok;
    int (*gil_check)(void);
    int (*is_initialized)(void);
    PyObj *(*get_frame)(void);          /* borrowed */
    PyObj *(*frame_code)(PyObj *);      /* new reference */
    PyObj *(*frame_back)(PyObj *);      /* new reference */
    int (*frame_line)(PyObj *);
    int (*frame_lasti)(PyObj *);        /* 3.11+; NULL before */
    void (*incref)(PyObj *);
    void (*decref)(PyObj *);
    PyObj *(*getattr)(PyObj *, const char *);
    const char *(*utf8)(PyObj *);
    void (*err_fetch)(PyObj **, PyObj **, PyObj **);
    void (*err_restore)(PyObj *, PyObj *, PyObj *);
    int (*gc_disable)(void);
    int (*gc_enable)(void);
} py;

#define PYSYM(field, name) (*(void **)&py.field = dlsym(RTLD_DEFAULT, name))

void mt_stack_python_init(void)
{
    if (py.tried)
        return;
    py.tried = 1;
    const char *want = getenv("CASBENCH_MEMTRACK_PYFRAMES");
    if (want && !strcmp(want, "0"))
        return;
    void *all[] = {
        PYSYM(gil_check, "PyGILState_Check"), PYSYM(is_initialized, "Py_IsInitialized"),
        PYSYM(get_frame, "PyEval_GetFrame"), PYSYM(frame_code, "PyFrame_GetCode"),
        PYSYM(frame_back, "PyFrame_GetBack"), PYSYM(frame_line, "PyFrame_GetLineNumber"),
        PYSYM(incref, "Py_IncRef"), PYSYM(decref, "Py_DecRef"),
        PYSYM(getattr, "PyObject_GetAttrString"), PYSYM(utf8, "PyUnicode_AsUTF8"),
        PYSYM(err_fetch, "PyErr_Fetch"), PYSYM(err_restore, "PyErr_Restore"),
        PYSYM(gc_disable, "PyGC_Disable"), PYSYM(gc_enable, "PyGC_Enable"),
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!all[i])
            return;
    PYSYM(frame_lasti, "PyFrame_GetLasti");
    py.ok = py.is_initialized() != 0;
    code_range r = { (uintptr_t)py.get_frame, 0, 0 };
    if (py.ok && dl_iterate_phdr(find_code, &r)) {
        python_lo = r.lo;
        python_hi = r.hi;
    }
}

int mt_stack_python_enabled(void) { return py.ok; }

uintptr_t mt_python_eval_addr(void) { return py.ok ? (uintptr_t)py.get_frame : 0; }

/* A string attribute of a code object, copied into out. */
static void code_attr(PyObj *code, const char *attr, const char *alt, char *out, size_t size)
{
    PyObj *s = py.getattr(code, attr);
    if (!s && alt)
        s = py.getattr(code, alt);
    const char *u = s ? py.utf8(s) : NULL;
    snprintf(out, size, "%s", u ? u : "?");
    if (s)
        py.decref(s);
}

static uint32_t func_index(PyObj *code)
{
    uint32_t idx;
    if (mt_func_lookup((uintptr_t)code, &idx))
        return idx;
    char name[512], file[1024];
    PyObj *et, *ev, *tb;
    py.err_fetch(&et, &ev, &tb);     /* keep an exception in flight intact */
    code_attr(code, "co_qualname", "co_name", name, sizeof name);
    code_attr(code, "co_filename", NULL, file, sizeof file);
    PyObj *e2, *v2, *t2;       /* drop what the lookups may have raised */
    py.err_fetch(&e2, &v2, &t2);
    PyObj *drop[] = { e2, v2, t2 };
    for (int i = 0; i < 3; i++)
        if (drop[i])
            py.decref(drop[i]);
    py.err_restore(et, ev, tb);
    idx = mt_intern_func((uintptr_t)code, name, file);
    if (idx != UINT32_MAX)
        py.incref(code);   /* keep the address from being reused by another code object */
    return idx;
}

/* Line numbers: PyFrame_GetLineNumber scans the code's line table from the
 * start, which made it most of the tracker's cost on SymPy.  A frame's line
 * is a function of (code object, last instruction), and the code objects we
 * have named are kept alive (func_index), so (code, lasti) -> line is cached
 * (direct-mapped; the GIL serialises its users). */
#define LINE_CACHE 8192
static struct line_entry {
    uintptr_t code;
    int lasti, line;
} line_cache[LINE_CACHE];

static int frame_line(PyObj *f, PyObj *code)
{
    if (!py.frame_lasti)
        return py.frame_line(f);
    int lasti = py.frame_lasti(f);
    if (lasti < 0)
        return py.frame_line(f);
    uintptr_t c = (uintptr_t)code;
    struct line_entry *e = &line_cache[((c >> 4) * 31 + (uintptr_t)lasti) & (LINE_CACHE - 1)];
    if (e->code != c || e->lasti != lasti) {
        e->code = c;
        e->lasti = lasti;
        e->line = py.frame_line(f);
    }
    return e->line;
}

static void capture_python(mt_stack *st)
{
    st->n_py = 0;
    if (!py.ok || !py.gil_check())
        return;
    int gc_was_on = py.gc_disable();
    PyObj *f = py.get_frame();
    if (f)
        py.incref(f);
    unsigned k = 0;
    while (f && k < MT_PY_FRAMES) {
        PyObj *code = py.frame_code(f);
        uint32_t idx = code ? func_index(code) : UINT32_MAX;
        if (idx != UINT32_MAX) {
            st->py_func[k] = idx;
            st->py_line[k] = frame_line(f, code);
            k++;
        }
        if (code)
            py.decref(code);
        PyObj *back = py.frame_back(f);
        py.decref(f);
        f = back;
    }
    if (f)
        py.decref(f);
    if (gc_was_on)
        py.gc_enable();
    st->n_py = (uint16_t)k;
}

void mt_stack_capture(mt_stack *st, mt_caller who)
{
    capture_python(st);
    capture_native(st, st->n_py > 0, who);
}
