/* mt_report.c — the tracker's JSON report: counters, top call sites, rows.
 *
 * Everything is read from the shared page, so the report works in the
 * process that counted and in its parent after that child died.  Native
 * frames are symbolised here, never while counting: dladdr gives
 * "symbol+0xoff (library)" for exported symbols and "library+0xoff" for the
 * rest (one dladdr per distinct address, cached: dladdr scans a library's
 * symbol table).  Python frames print as "file:line function".
 *
 * Rows (docs/design.md §8.3, as memray's summary reporter defines them): taken at
 * the region's peak, over the blocks allocated in the region and live then.
 * A site's "functions" are its Python frames when it has any (the Python
 * line that caused the allocation is what a Python user acts on), else its
 * native frames.  own_memory of a function: bytes live at the peak whose
 * innermost function it is; total_memory: bytes live at the peak with the
 * function anywhere in the stack (each site counted once per function, so
 * recursion does not double count); n_allocations: the number of those
 * blocks (memray's "allocation count": not yet freed, function and callees).
 * Percentages are of all bytes live at the peak.  At most MT_ROWS rows,
 * largest total first.
 *
 * The JSON is written by hand: the preload keeps no dependency besides libc
 * (json-c would load into every harness and allocate through the hooks). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <sys/auxv.h>
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtrack.h"
#include "mt_internal.h"

#define MT_TOP 10
#define MT_ROWS 100
#define MT_SHOW_FRAMES 16

/* ---- a growable string ---- */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = 0;
}

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_json_str(sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            sb_put(b, e, 2);
        } else if (c < 0x20) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_put(b, (const char *)&c, 1);
        }
    }
    sb_put(b, "\"", 1);
}

/* ---- native symbols, cached by address ---- */
typedef struct sym {
    uintptr_t addr;
    char *func;     /* the function's name, or "lib+0xoff" when unknown (for rows) */
    char *file;     /* the library's path */
    char *frame;    /* "sym+0xoff (lib)" */
    int in_python;  /* inside libpython (or the interpreter binary) */
} sym;

typedef struct symcache {
    sym *tab;
    size_t cap;
    const char *python_file;
} symcache;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- libdw (elfutils), when installed: names dladdr cannot give ----
 * dladdr knows exported symbols only; libdw also reads .symtab (static
 * functions, executables linked without -rdynamic, e.g. the harnesses) and,
 * where there is DWARF, source lines.  Asked only about addresses of the
 * executable that dladdr cannot name.  CASBENCH_MEMTRACK_NO_LIBDW=1 turns it off.  Loaded with dlopen and declared here
 * (opaque types, x86-64 ELF64), so neither the build nor the preload needs it. */
typedef struct {
    void *find_elf, *find_debuginfo, *section_address;
    char **debuginfo_path;
} dw_callbacks;
static struct {
    int tried;
    void *dwfl;
    dw_callbacks cb;
    void *(*begin)(const dw_callbacks *);
    int (*report_begin)(void *);
    int (*proc_report)(void *, pid_t);
    int (*report_end)(void *, void *, void *);
    void *(*addrmodule)(void *, uint64_t);
    const char *(*addrinfo)(void *, uint64_t, uint64_t *, Elf64_Sym *, uint32_t *, void **, uint64_t *);
    void *(*getsrc)(void *, uint64_t);
    const char *(*lineinfo)(void *, uint64_t *, int *, int *, uint64_t *, uint64_t *);
} dw;

static void dw_open(void)
{
    if (dw.tried)
        return;
    dw.tried = 1;
    if (getenv("CASBENCH_MEMTRACK_NO_LIBDW"))
        return;
    void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    *(void **)&dw.begin = dlsym(h, "dwfl_begin");
    *(void **)&dw.report_begin = dlsym(h, "dwfl_report_begin");
    *(void **)&dw.proc_report = dlsym(h, "dwfl_linux_proc_report");
    *(void **)&dw.report_end = dlsym(h, "dwfl_report_end");
    *(void **)&dw.addrmodule = dlsym(h, "dwfl_addrmodule");
    *(void **)&dw.addrinfo = dlsym(h, "dwfl_module_addrinfo");
    *(void **)&dw.getsrc = dlsym(h, "dwfl_module_getsrc");
    *(void **)&dw.lineinfo = dlsym(h, "dwfl_lineinfo");
    dw.cb.find_elf = dlsym(h, "dwfl_linux_proc_find_elf");
    dw.cb.find_debuginfo = dlsym(h, "dwfl_standard_find_debuginfo");
    if (!dw.begin || !dw.report_begin || !dw.proc_report || !dw.report_end || !dw.addrmodule
        || !dw.addrinfo || !dw.getsrc || !dw.lineinfo || !dw.cb.find_elf || !dw.cb.find_debuginfo)
        return;
    dw.dwfl = dw.begin(&dw.cb);
    if (dw.dwfl && (dw.report_begin(dw.dwfl) < 0 || dw.proc_report(dw.dwfl, getpid()) != 0
                    || dw.report_end(dw.dwfl, NULL, NULL) != 0))
        dw.dwfl = NULL;   /* (leaked: a report is rare, and this is the error path) */
}

/* name (and "file:line" when known) of addr through libdw; 0 if it does not know */
static int dw_name(uintptr_t addr, char *name, size_t size, char *where, size_t wsize, uintptr_t *off)
{
    dw_open();
    if (!dw.dwfl)
        return 0;
    void *mod = dw.addrmodule(dw.dwfl, addr - 1);
    if (!mod)
        return 0;
    uint64_t o = 0;
    Elf64_Sym sym;
    const char *n = dw.addrinfo(mod, addr - 1, &o, &sym, NULL, NULL, NULL);
    if (!n)
        return 0;
    snprintf(name, size, "%.*s", (int)strcspn(n, "@"), n);   /* no "@@GLIBC_2.34" */
    *off = (uintptr_t)o + 1;
    where[0] = 0;
    void *line = dw.getsrc(mod, addr - 1);
    int lineno = 0;
    const char *src = line ? dw.lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (src && lineno > 0)
        snprintf(where, wsize, "%s:%d", src, lineno);
    return 1;
}

static int first_module(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(uintptr_t *)data = (uintptr_t)info->dlpi_addr;
    return 1;   /* the first module is the executable */
}

/* the executable's load address, as dladdr's dli_fbase gives it */
static uintptr_t main_base(void)
{
    static uintptr_t base;
    static int known;
    if (!known) {
        uintptr_t bias = 0;
        dl_iterate_phdr(first_module, &bias);
        Dl_info di;
        /* dli_fbase is the mapping's start, not the bias: ask dladdr about main's own code */
        base = dladdr((void *)(bias + getauxval(AT_ENTRY) - bias), &di) ? (uintptr_t)di.dli_fbase : bias;
        known = 1;
    }
    return base;
}

static const sym *symbolise(symcache *c, uintptr_t addr)
{
    size_t i = (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 40) & (c->cap - 1);
    while (c->tab[i].addr && c->tab[i].addr != addr)
        i = (i + 1) & (c->cap - 1);
    sym *s = &c->tab[i];
    if (s->addr)
        return s;
    s->addr = addr;
    Dl_info di;
    char func[512], frame[2048], where[1024];
    const char *file = "?";
    uintptr_t off;
    if (dladdr((void *)(addr - 1), &di) && di.dli_fname) {
        file = di.dli_fname[0] ? di.dli_fname : "(main)";
        if (di.dli_sname) {
            snprintf(func, sizeof func, "%s", di.dli_sname);
            snprintf(frame, sizeof frame, "%s+0x%" PRIxPTR " (%s)", func, addr - (uintptr_t)di.dli_saddr,
                     base_name(file));
        } else if ((uintptr_t)di.dli_fbase == main_base()
                   && dw_name(addr, func, sizeof func, where, sizeof where, &off)) {
            /* the executable only: libdw reads a module's tables on first use,
             * 0.2 s for libc's and libflint's (which dladdr mostly names) */
            if (where[0])
                snprintf(frame, sizeof frame, "%s %s (%s)", where, func, base_name(file));
            else
                snprintf(frame, sizeof frame, "%s+0x%" PRIxPTR " (%s)", func, off, base_name(file));
        } else {
            /* no name: the offset in the library stands for the function */
            snprintf(func, sizeof func, "%s+0x%" PRIxPTR, base_name(file), addr - (uintptr_t)di.dli_fbase);
            snprintf(frame, sizeof frame, "%s (%s)", func, base_name(file));
        }
        s->in_python = c->python_file && !strcmp(file, c->python_file);
    } else {
        snprintf(func, sizeof func, "0x%" PRIxPTR, addr);
        snprintf(frame, sizeof frame, "0x%" PRIxPTR " (?)", addr);
    }
    s->func = strdup(func);
    s->file = strdup(file);
    s->frame = strdup(frame);
    return s;
}

static void symcache_free(symcache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->tab[i].addr) {
            free(c->tab[i].func);
            free(c->tab[i].file);
            free(c->tab[i].frame);
        }
    free(c->tab);
}

static const char *py_name(uint32_t f) { return mt_sh->pool + mt_sh->funcs[f].name_off; }
static const char *py_file(uint32_t f) { return mt_sh->pool + mt_sh->funcs[f].file_off; }

static int site_valid(const mt_site *s) { return s->gen == mt_sh->gen && (s->count || s->snap_count || s->live_count); }

/* The site's numbers at the peak (see the lazy snapshot in mt_state.c). */
static int64_t peak_bytes_of(const mt_site *s) { return s->snap_epoch == mt_sh->peak_epoch ? s->snap_bytes : s->live_bytes; }
static int64_t peak_count_of(const mt_site *s) { return s->snap_epoch == mt_sh->peak_epoch ? s->snap_count : s->live_count; }

static void write_frames(sbuf *b, symcache *c, const mt_site *s, uint32_t index)
{
    sb_put(b, "[", 1);
    int shown = 0;
    if (index == MT_SITE_OTHER) {
        sb_json_str(b, "(other call sites: the site table was full)");
        shown++;
    }
    for (unsigned i = 0; i < s->stack.n_native && shown < MT_SHOW_FRAMES; i++) {
        const sym *y = symbolise(c, s->stack.native[i]);
        if (s->stack.n_py && y->in_python)
            break;   /* from here on, the interpreter: the Python frames say it better */
        if (shown++)
            sb_put(b, ",", 1);
        sb_json_str(b, y->frame);
    }
    for (unsigned i = 0; i < s->stack.n_py && shown < MT_SHOW_FRAMES; i++) {
        char line[1600];
        uint32_t f = s->stack.py_func[i];
        snprintf(line, sizeof line, "%s:%d %s", py_file(f), (int)s->stack.py_line[i], py_name(f));
        if (shown++)
            sb_put(b, ",", 1);
        sb_json_str(b, line);
    }
    sb_put(b, "]", 1);
}

typedef struct top_ctx {
    const mt_site *sites;
    int by_bytes;
} top_ctx;
static top_ctx top_sort;

static int cmp_site(const void *a, const void *b)
{
    const mt_site *x = &top_sort.sites[*(const uint32_t *)a], *y = &top_sort.sites[*(const uint32_t *)b];
    uint64_t u = top_sort.by_bytes ? x->bytes : x->count, v = top_sort.by_bytes ? y->bytes : y->count;
    uint64_t u2 = top_sort.by_bytes ? x->count : x->bytes, v2 = top_sort.by_bytes ? y->count : y->bytes;
    if (u != v)
        return u < v ? 1 : -1;
    if (u2 != v2)
        return u2 < v2 ? 1 : -1;
    return x->stack.n_native != y->stack.n_native ? (x->stack.n_native < y->stack.n_native ? -1 : 1)
         : memcmp(x->stack.native, y->stack.native, x->stack.n_native * sizeof x->stack.native[0]);
}

static void write_top(sbuf *b, symcache *c, uint32_t *idx, uint32_t n, int by_bytes)
{
    top_sort = (top_ctx){ mt_sh->sites, by_bytes };
    qsort(idx, n, sizeof *idx, cmp_site);
    sb_put(b, "[", 1);
    for (uint32_t k = 0; k < n && k < MT_TOP; k++) {
        const mt_site *s = &mt_sh->sites[idx[k]];
        if (k)
            sb_put(b, ",", 1);
        sb_put(b, "{\"frames\":", 10);
        write_frames(b, c, s, idx[k]);
        sb_printf(b, ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", s->count, s->bytes);
    }
    sb_put(b, "]", 1);
}

/* ---- rows ---- */
typedef struct row {
    const char *func, *file;   /* borrowed from the symbol cache or the pool */
    int64_t total, own, n;
    uint32_t last_site;        /* the site that last added to total (dedup) */
} row;

typedef struct rowtab {
    row *tab;
    size_t cap, n;
} rowtab;

static uint64_t str_hash(const char *a, const char *b)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;
    for (; *b; b++)
        h = (h ^ (unsigned char)*b) * 0x100000001b3ull;
    return h;
}

static row *row_get(rowtab *t, const char *func, const char *file)
{
    size_t i = (size_t)str_hash(func, file) & (t->cap - 1);
    while (t->tab[i].func && (strcmp(t->tab[i].func, func) || strcmp(t->tab[i].file, file)))
        i = (i + 1) & (t->cap - 1);
    row *r = &t->tab[i];
    if (!r->func) {
        r->func = func;
        r->file = file;
        r->last_site = UINT32_MAX;
        t->n++;
    }
    return r;
}

static void row_add(rowtab *t, const char *func, const char *file, uint32_t site, int own, int64_t bytes, int64_t count)
{
    row *r = row_get(t, func, file);
    if (own)
        r->own += bytes;
    if (r->last_site != site) {
        r->last_site = site;
        r->total += bytes;
        r->n += count;
    }
}

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    if (x->own != y->own)
        return x->own < y->own ? 1 : -1;
    return strcmp(x->func, y->func);
}

/* Room for every frame of n sites at most half full: a power of two. */
static size_t table_size(uint32_t n)
{
    size_t want = ((size_t)n + 1) * (MT_NATIVE_FRAMES + MT_PY_FRAMES) * 2, cap = 256;
    while (cap < want)
        cap *= 2;
    return cap;
}

static void write_rows(sbuf *b, symcache *c, const uint32_t *idx, uint32_t n)
{
    size_t cap = table_size(n);
    rowtab t = { calloc(cap, sizeof(row)), cap, 0 };
    if (!t.tab) {
        b->oom = 1;
        return;
    }
    int64_t all = 0;
    for (uint32_t k = 0; k < n && t.n * 2 < t.cap; k++) {
        const mt_site *s = &mt_sh->sites[idx[k]];
        int64_t bytes = peak_bytes_of(s), count = peak_count_of(s);
        if (bytes <= 0 && count <= 0)
            continue;
        all += bytes;
        if (idx[k] == MT_SITE_OTHER) {
            row_add(&t, "(other call sites)", "?", idx[k], 1, bytes, count);
        } else if (s->stack.n_py) {
            for (unsigned i = 0; i < s->stack.n_py; i++)
                row_add(&t, py_name(s->stack.py_func[i]), py_file(s->stack.py_func[i]), idx[k], i == 0, bytes, count);
        } else {
            for (unsigned i = 0; i < s->stack.n_native; i++) {
                const sym *y = symbolise(c, s->stack.native[i]);
                row_add(&t, y->func, y->file, idx[k], i == 0, bytes, count);
            }
        }
    }
    /* compact and sort */
    size_t m = 0;
    for (size_t i = 0; i < t.cap; i++)
        if (t.tab[i].func)
            t.tab[m++] = t.tab[i];
    qsort(t.tab, m, sizeof *t.tab, cmp_row);
    sb_put(b, "[", 1);
    for (size_t i = 0; i < m && i < MT_ROWS; i++) {
        const row *r = &t.tab[i];
        if (i)
            sb_put(b, ",", 1);
        sb_put(b, "[", 1);
        sb_json_str(b, r->func);
        sb_put(b, ",", 1);
        sb_json_str(b, r->file);
        sb_printf(b, ",%" PRId64 ",%.4f,%" PRId64 ",%.4f,%" PRId64 "]", r->total,
                  all > 0 ? 100.0 * (double)r->total / (double)all : 0.0, r->own,
                  all > 0 ? 100.0 * (double)r->own / (double)all : 0.0, r->n);
    }
    sb_put(b, "]", 1);
    free(t.tab);
}

static const char *python_dso(void)
{
    static char path[4096];
    Dl_info di;
    uintptr_t a = mt_python_eval_addr();
    if (!a || !dladdr((void *)a, &di) || !di.dli_fname)
        return NULL;
    snprintf(path, sizeof path, "%s", di.dli_fname[0] ? di.dli_fname : "(main)");
    return path;
}

char *mt_report(int rows_only)
{
    sbuf b = { 0 };
    uint32_t n = 0;
    uint32_t *idx = malloc(MT_SITES * sizeof *idx);
    if (!idx)
        return NULL;
    if (mt_sh)   /* the list, not a scan: untouched pages of the shared page stay untouched */
        for (uint32_t k = 0; k < mt_sh->n_sites && k < MT_SITES; k++) {
            uint32_t i = mt_sh->site_list[k];
            if (site_valid(&mt_sh->sites[i]))
                idx[n++] = i;
        }
    size_t cap = table_size(n);
    symcache c = { calloc(cap, sizeof(sym)), cap, python_dso() };
    if (!c.tab) {
        free(idx);
        return NULL;
    }
    if (rows_only) {
        if (mt_sh)
            write_rows(&b, &c, idx, n);
        else
            sb_put(&b, "[]", 2);
    } else if (!mt_sh) {
        sb_printf(&b, "{\"tracker\":\"casbench-memtrack\",\"error\":\"no shared page\"}");
    } else {
        const mt_shared *h = mt_sh;
        sb_printf(&b, "{\"tracker\":\"casbench-memtrack\",\"pid\":%d,\"complete\":%s,", (int)h->pid,
                  h->complete ? "true" : "false");
        sb_printf(&b, "\"allocations\":%" PRIu64 ",\"frees\":%" PRIu64 ",", h->allocations, h->frees);
        sb_printf(&b, "\"bytes_allocated\":%" PRIu64 ",\"bytes_freed\":%" PRIu64 ",", h->bytes_allocated, h->bytes_freed);
        int64_t at_peak = 0;
        for (uint32_t k = 0; k < n; k++)
            at_peak += peak_bytes_of(&h->sites[idx[k]]);
        sb_printf(&b, "\"peak_bytes\":%" PRId64 ",\"call_bytes_at_peak\":%" PRId64 ",", h->peak, at_peak);
        sb_printf(&b, "\"level_at_begin\":%" PRId64 ",", h->level_at_begin);
        sb_printf(&b, "\"temporary\":%" PRIu64 ",\"temporary_adjacent\":%" PRIu64 ",", h->temporary,
                  h->temporary_adjacent);
        sb_printf(&b, "\"python_frames\":%s,", h->python ? "true" : "false");
        sb_printf(&b, "\"sites\":%" PRIu32 ",\"sites_dropped\":%" PRIu64 ",", h->n_sites, h->sites_dropped);
        sb_put(&b, "\"top_by_count\":", 15);
        write_top(&b, &c, idx, n, 0);
        sb_put(&b, ",\"top_by_bytes\":", 16);
        write_top(&b, &c, idx, n, 1);
        sb_put(&b, ",\"rows\":", 8);
        write_rows(&b, &c, idx, n);
        sb_put(&b, "}", 1);
    }
    free(idx);
    symcache_free(&c);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

MT_API char *casbench_mem_report_json(void)
{
    mt_guard += 2;
    char *s = mt_report(0);
    mt_guard -= 2;
    return s;
}

MT_API char *casbench_mem_report_rows_json(void)
{
    mt_guard += 2;
    char *s = mt_report(1);
    mt_guard -= 2;
    return s;
}
