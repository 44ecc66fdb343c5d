/* mt_stack.c — the call stack of each counted allocation.
 *
 * Native frames: libunwind's unw_backtrace (DWARF CFI with its per-thread
 * cache, correct without frame pointers, which Debian's libraries lack),
 * loaded with dlopen so the preload pulls in nothing at link time and
 * libunwind's own `backtrace` symbols stay local.  Fallback: glibc's
 * backtrace(), primed in the constructor (its first call dlopens libgcc_s,
 * which mallocs).  CASBENCH_MEMTRACK_UNWIND=libunwind|glibc|none chooses.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt_internal.h"

typedef int (*unw_backtrace_fn)(void **, int);
static unw_backtrace_fn unw_bt;
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
        }
    }
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

/* Under Python (python_active), the native frames end where the interpreter
 * begins: the Python frames tell that part better, and libunwind's walk
 * through the deep interpreter stack was half the tracker's cost there.
 * So a short walk first; the full one only when it did not reach libpython
 * (an extension's allocation: gmpy2, python-flint). */
static void capture_native(mt_stack *st, int python_active)
{
    void *buf[MT_NATIVE_FRAMES + 8];
    int n = 0, cut = -1;
    if (python_active && python_hi) {
        n = unwind(buf, 8);
        for (int i = 0; i < n && cut < 0; i++)
            if ((uintptr_t)buf[i] >= python_lo && (uintptr_t)buf[i] < python_hi)
                cut = i;
        if (cut < 0 && n == 8)
            n = unwind(buf, MT_NATIVE_FRAMES + 8);
    } else {
        n = unwind(buf, MT_NATIVE_FRAMES + 8);
    }
    if (cut >= 0)
        n = cut;
    int i = 0;
    while (i < n && (uintptr_t)buf[i] >= self_lo && (uintptr_t)buf[i] < self_hi)
        i++;
    int k = 0;
    for (; i < n && k < MT_NATIVE_FRAMES; i++)
        st->native[k++] = (uintptr_t)buf[i];
    st->n_native = (uint16_t)k;
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

void mt_stack_capture(mt_stack *st)
{
    capture_python(st);
    capture_native(st, st->n_py > 0);
}
