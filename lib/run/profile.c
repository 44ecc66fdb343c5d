/* profile.c — CPU profiling of cpu-mode runners: the perf (or samply)
 * command around a harness, and the post-processing of its recording into
 * per-call folded stacks, flame graphs and the records' `profile` (see
 * profile.h; the choices are explained in docs/profiling.md). */
#define _GNU_SOURCE
#include "run/profile.h"
#include "run/flamegraph.h"
#include "common/paths.h"
#include "common/process.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* DWARF call graphs: Debian's FLINT, GMP and CPython have no frame
 * pointers, and with frame pointers a FLINT multiplication shows almost no
 * fmpz_mpoly_mul frames (docs/profiling.md).  16 KiB of stack per sample
 * reach main() from a Python harness's deepest calls. */
#define CALL_GRAPH "dwarf,16384"
/* samply copies the stack too and unwinds it afterwards with the binaries'
 * unwind tables (framehop). */
#define SAMPLY_CALL_GRAPH "samply (stack copies, .eh_frame unwinding)"

static int paranoid_level(void)
{
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int level = 2;
    if (f) {
        if (fscanf(f, "%d", &level) != 1)
            level = 2;
        fclose(f);
    }
    return level;
}

/* cpu-clock, user space only where the kernel does not let this user
 * sample it (perf_event_paranoid >= 2): perf would fall back to that by
 * itself, but under the name "cpu-clock:u", and the control fifo's
 * "enable cpu-clock" would then find no event. */
static const char *event_name(void)
{
    return geteuid() == 0 || paranoid_level() < 2 ? "cpu-clock" : "cpu-clock:u";
}

static const char *profiler_of(const cb_run_settings *s)
{
    return s->cpu_profiler && *s->cpu_profiler ? s->cpu_profiler : "perf";
}

static int rate_of(const cb_run_settings *s)
{
    return s->profile_rate > 0 ? s->profile_rate : CB_PROFILE_DEFAULT_RATE;
}

char *cb_profiler_path(const char *profiler)
{
    const char *name = profiler && *profiler ? profiler : "perf";
    if (!strcmp(name, "samply")) {
        char *own = cb_prefix_path("cargo/bin/samply");
        if (access(own, X_OK) == 0)
            return own;
        free(own);
    }
    return cb_which(name);
}

char *cb_profiler_version(const char *profiler)
{
    char *exe = cb_profiler_path(profiler);
    if (!exe)
        return NULL;
    char *argv[] = {exe, "--version", NULL};
    char *v = cb_command_first_line(argv, 10);
    free(exe);
    return v;
}

const char *cb_profile_unavailable(const char *profiler)
{
    static char why[512];
    const char *name = profiler && *profiler ? profiler : "perf";
    char *exe = cb_profiler_path(name);
    if (!exe) {
        if (!strcmp(name, "samply"))
            snprintf(why, sizeof why, "samply is not installed (not in %s/cargo/bin, not on PATH; "
                     "tools/install-deps.sh installs it)", cb_prefix());
        else
            snprintf(why, sizeof why, "%s is not installed (not on PATH)%s", name,
                     !strcmp(name, "perf") ? "; Debian: apt-get install linux-perf" : "");
        return why;
    }
    free(exe);
    if (!strcmp(name, "samply") && paranoid_level() > 1) {
        /* samply reads the setting itself and refuses, even as root */
        snprintf(why, sizeof why,
                 "samply refuses to record: kernel.perf_event_paranoid is %d (it needs 1 or less: "
                 "sysctl kernel.perf_event_paranoid=1; tools/install-deps.sh samply does that as root)",
                 paranoid_level());
        return why;
    }
    if (!strcmp(name, "perf") && geteuid() != 0) {
        int level = paranoid_level();
        if (level > 2) {
            snprintf(why, sizeof why,
                     "perf cannot sample: kernel.perf_event_paranoid is %d (needs 2 or less: "
                     "sysctl kernel.perf_event_paranoid=2)", level);
            return why;
        }
    }
    return NULL;
}

/* "3.13.0" -> 313 */
static int version_number(const char *v)
{
    int major = 0, minor = 0;
    if (!v || sscanf(v, "%d.%d", &major, &minor) != 2)
        return 0;
    return major * 100 + minor;
}

const char *cb_profile_python_frames(const cb_runner *r, const cb_run_settings *s)
{
    if (!cb_library_is_python(r->spec->lib))
        return NULL;
    if (r->spec->lib->interpreter || r->spec->env < 0 || (size_t)r->spec->env >= s->n_envs)
        return "none";   /* sage --python: its interpreter is not ours to flag */
    int v = version_number(s->envs[r->spec->env].version);
    if (v >= 312 && !strcmp(profiler_of(s), "samply"))
        return "perf-map";               /* samply unwinds through -X perf's trampolines */
    if (v >= 313)
        return "perf_jit";               /* whole Python stacks with DWARF */
    if (v >= 312)
        return "perf-map innermost";     /* -X perf: DWARF unwinding stops there */
    return "none";                       /* no perf support before 3.12 */
}

/* ------------------------------------------------------------ recording */

static char *profiles_path(const cb_run_settings *s, const char *runner, const char *suffix)
{
    return cb_xasprintf("%s/profiles/%s%s", s->results_dir, runner, suffix);
}

static void argv_push(char ***argv, size_t *n, char *word)
{
    *argv = cb_xrealloc(*argv, (*n + 2) * sizeof **argv);
    (*argv)[(*n)++] = word;
    (*argv)[*n] = NULL;
}

static int make_fifo(const char *path, cb_err *err)
{
    unlink(path);
    if (mkfifo(path, 0600) < 0)
        return cb_fail(err, "cannot create the fifo %s: %s", path, strerror(errno));
    return 0;
}

/* The harness command with the interpreter flag that names Python frames
 * right after the interpreter (before --python-flags and the script). */
static void push_harness(char ***out, size_t *n, char **argv, const char *pyframes)
{
    const char *flag = pyframes && !strcmp(pyframes, "perf_jit")        ? "perf_jit"
                       : pyframes && !strncmp(pyframes, "perf-map", 8) ? "perf"
                                                                        : NULL;
    for (size_t i = 0; argv[i]; i++) {
        argv_push(out, n, cb_xstrdup(argv[i]));
        if (i == 0 && flag) {
            argv_push(out, n, cb_xstrdup("-X"));
            argv_push(out, n, cb_xstrdup(flag));
        }
    }
}

static int wrap_perf(cb_runner *r, const cb_run_settings *s, char ***argv, cb_value *cfg, cb_err *err)
{
    const char *id = r->spec->id;
    char *ctl = profiles_path(s, id, ".ctl"), *ack = profiles_path(s, id, ".ack");
    char *data = profiles_path(s, id, ".perf.data");
    int rc = -1;
    if (make_fifo(ctl, err) < 0 || make_fifo(ack, err) < 0)
        goto out;
    char **w = NULL;
    size_t n = 0;
    /* LD_BIND_NOW=1 from the start: a C harness otherwise re-executes
     * itself with it (harness/common), and after that second exec in the
     * same pid, perf 6.1's DWARF unwinding of the call children fails now
     * and then for a whole recording (every stack cut at its leaf: seen in
     * 1 recording of 4).  --no-buildid-cache: perf would copy every DSO,
     * each jitted Python function included, into ~/.debug. */
    const char *head[] = {"env", "LD_BIND_NOW=1", "perf", "record", "-q", "--no-buildid-cache", "-e", event_name(),
                          "-F", NULL, "--call-graph", CALL_GRAPH, "-k", "mono", NULL, "-D", "-1", "-o", data, "--"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) {
        if (i == 9)
            argv_push(&w, &n, cb_xasprintf("%d", rate_of(s)));
        else if (i == 14)
            argv_push(&w, &n, cb_xasprintf("--control=fifo:%s,%s", ctl, ack));
        else
            argv_push(&w, &n, cb_xstrdup(head[i]));
    }
    push_harness(&w, &n, *argv, cb_profile_python_frames(r, s));
    cb_argv_free(*argv);
    *argv = w;
    cb_value p = cb_dict_new(4);
    cb_dict_set_str(p, "control_fifo", cb_str_c(ctl));
    cb_dict_set_str(p, "ack_fifo", cb_str_c(ack));
    /* by name: perf 6.1's bare "disable" also stops the tracking event, and
     * the fork and mmap records of the next call children would be lost */
    char *on = cb_xasprintf("enable %s", event_name()), *off = cb_xasprintf("disable %s", event_name());
    cb_dict_set_str(p, "enable", cb_str_c(on));
    cb_dict_set_str(p, "disable", cb_str_c(off));
    free(on);
    free(off);
    *cfg = p;
    rc = 0;
out:
    free(ctl);
    free(ack);
    free(data);
    return rc;
}

static void wrap_samply(cb_runner *r, const cb_run_settings *s, char ***argv)
{
    char **w = NULL;
    size_t n = 0;
    char *exe = cb_profiler_path("samply");
    argv_push(&w, &n, exe ? exe : cb_xstrdup("samply"));
    /* --unstable-presymbolicate: the symbols beside the profile
     * (RUNNER.samply.json.syms.json), which post-processing needs and a
     * viewer loading the profile later may not find */
    const char *head[] = {"record", "--save-only", "--unstable-presymbolicate", "--rate"};
    for (size_t i = 0; i < 4; i++)
        argv_push(&w, &n, cb_xstrdup(head[i]));
    argv_push(&w, &n, cb_xasprintf("%d", rate_of(s)));
    argv_push(&w, &n, cb_xstrdup("-o"));
    argv_push(&w, &n, profiles_path(s, r->spec->id, ".samply.json.gz"));
    argv_push(&w, &n, cb_xstrdup("--"));
    push_harness(&w, &n, *argv, cb_profile_python_frames(r, s));
    cb_argv_free(*argv);
    *argv = w;
}

int cb_cpu_profile_wrap(cb_runner *r, const cb_run_settings *s, char ***argv, cb_value *profile_cfg,
                        cb_err *err)
{
    *profile_cfg = cb_none();
    char *dir = cb_xasprintf("%s/profiles", s->results_dir);
    int rc = cb_mkdir_p(dir, err);
    free(dir);
    if (rc < 0)
        return -1;
    if (!strcmp(profiler_of(s), "samply")) {
        wrap_samply(r, s, argv);   /* no control channel: the whole process */
        return 0;
    }
    return wrap_perf(r, s, argv, profile_cfg, err);
}

/* ------------------------------------------------------ running perf */

static void log_line(const char *log_path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(const char *log_path, const char *fmt, ...)
{
    int fd = cb_open_append(log_path, NULL);
    if (fd < 0)
        return;
    cb_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cb_buf_putc(&b, '\n');
    if (write(fd, b.data, b.len) < 0) {
        /* best effort: the log is for the reader */
    }
    cb_buf_free(&b);
    close(fd);
}

/* Run ARGV with stdout to OUT_PATH (truncated; NULL: /dev/null) and stderr
 * appended to LOG_PATH. */
static int run_tool(char *const argv[], const char *out_path, const char *log_path, cb_err *err)
{
    cb_spawn p = {.argv = argv, .in.kind = CB_IO_NULL, .out = {.kind = out_path ? CB_IO_FILE : CB_IO_NULL, .path = out_path},
                  .err = {.kind = CB_IO_APPEND, .path = log_path}};
    if (cb_spawn_run(&p, err) < 0)
        return -1;
    if (!cb_spawn_ok(&p.status)) {
        char how[64];
        return cb_fail(err, "%s %s failed (%s); see the runner's log", argv[0], argv[1],
                       cb_spawn_describe(&p.status, how, sizeof how));
    }
    return 0;
}

/* ------------------------------------------------ perf script parsing */

/* One frame line of `perf script`: "   ADDR SYMBOL+0xOFF (DSO)" -> the
 * frame's name: the function; "QUALNAME [file.py]" for a Python function
 * (perf map / jitdump symbols "py::QUALNAME:PATH"); "SYMBOL [kernel]";
 * "[DSO]" when the symbol is unknown.  ';' cannot appear (folded format). */
static char *frame_name(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    const char *sym = strchr(line, ' ');
    if (!sym)
        return cb_xstrdup("[unknown]");
    sym++;
    const char *dso = strrchr(sym, '(');
    size_t len = dso && dso > sym ? (size_t)(dso - sym) : strlen(sym);
    while (len && sym[len - 1] == ' ')
        len--;
    /* strip "+0xOFFSET" */
    for (size_t i = len; i-- > 0;) {
        if (sym[i] == '+' && i + 2 < len && sym[i + 1] == '0' && sym[i + 2] == 'x') {
            len = i;
            break;
        }
    }
    char *dso_name = NULL;
    if (dso) {
        const char *end = strrchr(dso, ')');
        size_t dl = end ? (size_t)(end - dso - 1) : strlen(dso + 1);
        dso_name = cb_xasprintf("%.*s", (int)dl, dso + 1);
    }
    char *name;
    if (len == 0 || (len == 9 && !memcmp(sym, "[unknown]", 9))) {
        const char *base = dso_name ? strrchr(dso_name, '/') : NULL;
        name = cb_xasprintf("[%s]", base ? base + 1 : dso_name && strcmp(dso_name, "[unknown]") ? dso_name : "unknown");
    } else if (len > 4 && !memcmp(sym, "py::", 4)) {
        const char *colon = memchr(sym + 4, ':', len - 4);
        if (colon) {
            const char *path_end = sym + len, *base = path_end;
            while (base > colon + 1 && base[-1] != '/')
                base--;
            name = cb_xasprintf("%.*s [%.*s]", (int)(colon - sym - 4), sym + 4, (int)(path_end - base), base);
        } else {
            name = cb_xasprintf("%.*s", (int)(len - 4), sym + 4);
        }
    } else if (dso_name && !strncmp(dso_name, "[kernel", 7)) {
        name = cb_xasprintf("%.*s [kernel]", (int)len, sym);
    } else {
        name = cb_xasprintf("%.*s", (int)len, sym);
    }
    free(dso_name);
    for (char *p = name; *p; p++)
        if (*p == ';' || *p == '\n')
            *p = ':';
    return name;
}

/* The pid of a sample header "COMM PID/TID TIME: PERIOD EVENT:", or -1. */
static int header_pid(const char *line)
{
    for (const char *p = line; *p; p++) {
        if ((p == line || p[-1] != ' ') || *p < '0' || *p > '9')
            continue;
        char *end;
        long pid = strtol(p, &end, 10);
        if (*end == '/' && end[1] >= '0' && end[1] <= '9')
            return (int)pid;
    }
    return -1;
}

typedef struct {
    int pid;
    char **stacks;   /* folded, root first */
    size_t n, cap;
} pid_samples;

typedef struct {
    pid_samples *pids;
    size_t n, cap;
} sample_set;

static pid_samples *samples_of(sample_set *set, int pid)
{
    for (size_t i = set->n; i-- > 0;)
        if (set->pids[i].pid == pid)
            return &set->pids[i];
    if (set->n == set->cap) {
        set->cap = set->cap ? 2 * set->cap : 16;
        set->pids = cb_xrealloc(set->pids, set->cap * sizeof *set->pids);
    }
    set->pids[set->n] = (pid_samples){.pid = pid};
    return &set->pids[set->n++];
}

static void add_sample(sample_set *set, int pid, char **frames, size_t nf)
{
    if (pid < 0 || !nf)
        return;
    cb_buf b = {0};
    for (size_t i = nf; i-- > 0;) {
        cb_buf_puts(&b, frames[i]);
        if (i)
            cb_buf_putc(&b, ';');
    }
    pid_samples *ps = samples_of(set, pid);
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 64;
        ps->stacks = cb_xrealloc(ps->stacks, ps->cap * sizeof *ps->stacks);
    }
    ps->stacks[ps->n++] = cb_buf_take(&b);
}

/* Split `perf script` text into samples per pid (frames leaf first in the
 * text, folded root first). */
static void parse_script(char *text, sample_set *set)
{
    char **frames = NULL;
    size_t nf = 0, cap = 0;
    int pid = -1;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (*line == ' ' || *line == '\t') {
            if (nf == cap) {
                cap = cap ? 2 * cap : 64;
                frames = cb_xrealloc(frames, cap * sizeof *frames);
            }
            frames[nf++] = frame_name(line);
        } else {
            add_sample(set, pid, frames, nf);
            for (size_t i = 0; i < nf; i++)
                free(frames[i]);
            nf = 0;
            pid = *line ? header_pid(line) : -1;
        }
        line = nl ? nl + 1 : NULL;
    }
    add_sample(set, pid, frames, nf);
    for (size_t i = 0; i < nf; i++)
        free(frames[i]);
    free(frames);
}

static void sample_set_free(sample_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        for (size_t k = 0; k < set->pids[i].n; k++)
            free(set->pids[i].stacks[k]);
        free(set->pids[i].stacks);
    }
    free(set->pids);
}

/* ------------------------------------------------- per-call results */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct stacks of PS with their counts (PS's strings borrowed). */
static size_t fold(pid_samples *ps, cb_folded **out)
{
    qsort(ps->stacks, ps->n, sizeof *ps->stacks, cmp_str);
    cb_folded *f = cb_xcalloc(ps->n ? ps->n : 1, sizeof *f);
    size_t n = 0;
    for (size_t i = 0; i < ps->n; i++) {
        if (n && !strcmp(f[n - 1].stack, ps->stacks[i]))
            f[n - 1].count++;
        else
            f[n++] = (cb_folded){ps->stacks[i], 1};
    }
    *out = f;
    return n;
}

typedef struct {
    char *name;
    long self, total, seen;   /* seen: the last stack that counted it in total */
} fn_count;

typedef struct {
    fn_count *slots;
    size_t cap, n;
} fn_table;

static uint64_t hash_str(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static fn_count *fn_get(fn_table *t, const char *name, size_t len)
{
    if (2 * (t->n + 1) > t->cap) {
        fn_table bigger = {cb_xcalloc(t->cap ? 2 * t->cap : 256, sizeof(fn_count)), t->cap ? 2 * t->cap : 256, 0};
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].name)
                continue;
            size_t j = hash_str(t->slots[i].name, strlen(t->slots[i].name)) & (bigger.cap - 1);
            while (bigger.slots[j].name)
                j = (j + 1) & (bigger.cap - 1);
            bigger.slots[j] = t->slots[i];
            bigger.n++;
        }
        free(t->slots);
        *t = bigger;
    }
    size_t j = hash_str(name, len) & (t->cap - 1);
    while (t->slots[j].name && (strlen(t->slots[j].name) != len || memcmp(t->slots[j].name, name, len)))
        j = (j + 1) & (t->cap - 1);
    if (!t->slots[j].name) {
        t->slots[j] = (fn_count){.name = cb_xasprintf("%.*s", (int)len, name), .seen = -1};
        t->n++;
    }
    return &t->slots[j];
}

/* The supervisors' timed loops (harness/common's child_body, the Python
 * runtime's Supervisor._child_timed): the frames from the root to them are
 * casbench's own, in every sample, and would fill the top of the total
 * list; totals count the frames above them (docs/profiling.md). */
static const char *called_code(const char *stack)
{
    static const char *const loops[] = {"child_body", "Supervisor._child_timed [runtime.py]"};
    const char *from = stack;
    for (size_t k = 0; k < 2; k++) {
        size_t len = strlen(loops[k]);
        for (const char *p = stack; (p = strstr(p, loops[k])); p += len)
            if ((p == stack || p[-1] == ';') && p[len] == ';' && p + len + 1 > from)
                from = p + len + 1;
    }
    return from;
}

static void count_functions(const cb_folded *f, size_t n, fn_table *t)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = f[i].stack, *leaf = p, *from = called_code(p);
        while (*p) {
            const char *end = strchr(p, ';');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            fn_count *c = fn_get(t, p, len);
            if (p >= from && c->seen != (long)i) {   /* recursion counts once per stack */
                c->seen = (long)i;
                c->total += f[i].count;
            }
            leaf = p;
            p += len + (end != NULL);
        }
        size_t leaf_len = strlen(leaf);
        fn_get(t, leaf, leaf_len)->self += f[i].count;
    }
}

static int by_self, cmp_dir;
static int cmp_fn(const void *a, const void *b)
{
    const fn_count *x = a, *y = b;
    long vx = by_self ? x->self : x->total, vy = by_self ? y->self : y->total;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    return strcmp(x->name, y->name) * cmp_dir;
}

static json_object *top_list(fn_table *t, bool self, long samples)
{
    fn_count *all = cb_xcalloc(t->n ? t->n : 1, sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].name && (self ? t->slots[i].self : t->slots[i].total) > 0)
            all[n++] = t->slots[i];
    by_self = self;
    cmp_dir = 1;
    qsort(all, n, sizeof *all, cmp_fn);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n && i < CB_PROFILE_TOP; i++) {
        long v = self ? all[i].self : all[i].total;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "function", json_object_new_string(all[i].name));
        json_object_object_add(o, "samples", json_object_new_int64(v));
        json_object_object_add(o, "percent", json_object_new_double((double)(int64_t)(10000.0 * v / samples + 0.5) / 100));
        json_object_array_add(a, o);
    }
    free(all);
    return a;
}

static void fn_table_free(fn_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].name);
    free(t->slots);
}

/* A call of the runner, from its record. */
typedef struct {
    long call;
    int pid;
    char *function, *args;   /* args: "'a', 'b'" for titles */
} call_info;

static json_object *rel(const char *name)
{
    char *s = cb_xasprintf("profiles/%s", name);
    json_object *j = json_object_new_string(s);
    free(s);
    return j;
}

/* Folded stacks, flame graph and the record's `profile` of one call. */
static json_object *call_profile(const cb_runner *r, const cb_run_settings *s, const call_info *c,
                                 pid_samples *ps, const char *pyframes, bool samply, cb_err *err)
{
    const char *id = r->spec->id;
    cb_folded *f = NULL;
    size_t n = ps ? fold(ps, &f) : 0;
    long samples = 0;
    cb_buf text = {0};
    for (size_t i = 0; i < n; i++) {
        cb_buf_printf(&text, "%s %ld\n", f[i].stack, f[i].count);
        samples += f[i].count;
    }
    char *base = cb_xasprintf("%s.call%ld", id, c->call);
    char *folded_name = cb_xasprintf("%s.folded", base), *svg_name = cb_xasprintf("%s.svg", base);
    char *folded_path = profiles_path(s, base, ".folded"), *svg_path = profiles_path(s, base, ".svg");
    json_object *p = NULL;
    if (cb_write_file_atomic(folded_path, text.data ? text.data : "", text.len, err) == 0) {
        cb_buf svg = {0};
        char *title = cb_xasprintf("%s: %s(%s)", id, c->function, c->args);
        char *sub = cb_xasprintf("call %ld, pid %d: %ld samples of %s at %d Hz, %s call graphs%s%s", c->call, c->pid,
                                 samples, samply ? "samply" : event_name(), rate_of(s),
                                 samply ? SAMPLY_CALL_GRAPH : CALL_GRAPH, pyframes ? ", Python frames: " : "",
                                 pyframes ? pyframes : "");
        cb_flamegraph_svg(title, sub, f, n, &svg);
        free(title);
        free(sub);
        if (cb_write_file_atomic(svg_path, svg.data, svg.len, err) == 0) {
            fn_table t = {0};
            count_functions(f, n, &t);
            p = json_object_new_object();
            json_object_object_add(p, "profiler", json_object_new_string(samply ? "samply" : "perf"));
            json_object_object_add(p, "event", samply ? NULL : json_object_new_string(event_name()));
            json_object_object_add(p, "rate", json_object_new_int(rate_of(s)));
            json_object_object_add(p, "call_graph", json_object_new_string(samply ? SAMPLY_CALL_GRAPH : CALL_GRAPH));
            json_object_object_add(p, "python_frames", pyframes ? json_object_new_string(pyframes) : NULL);
            json_object_object_add(p, "samples", json_object_new_int64(samples));
            json_object_object_add(p, "folded", rel(folded_name));
            json_object_object_add(p, "flamegraph", rel(svg_name));
            char *txt = cb_xasprintf(samply ? "%s.samply.json.gz" : "%s.perf.txt", id);
            json_object_object_add(p, samply ? "profile" : "perf_script", rel(txt));
            free(txt);
            json_object_object_add(p, "top_self", top_list(&t, true, samples ? samples : 1));
            json_object_object_add(p, "top_total", top_list(&t, false, samples ? samples : 1));
            fn_table_free(&t);
        }
        cb_buf_free(&svg);
    }
    cb_buf_free(&text);
    free(f);
    free(base);
    free(folded_name);
    free(svg_name);
    free(folded_path);
    free(svg_path);
    return p;
}

/* This runner's calls that ran in a child, from calls.jsonl. */
static size_t runner_calls(const char *calls_jsonl, const char *runner, call_info **out, cb_err *err)
{
    cb_calls recs;
    size_t n = 0;
    *out = NULL;
    if (cb_calls_read(calls_jsonl, &recs, err) < 0)
        return 0;
    call_info *calls = cb_xmalloc((recs.n ? recs.n : 1) * sizeof *calls);
    for (size_t i = 0; i < recs.n; i++) {
        const cb_record *rec = &recs.recs[i];
        json_object *v;
        if (strcmp(rec->runner, runner) || !json_object_object_get_ex(rec->obj, "pid", &v) || json_object_get_int(v) <= 0)
            continue;
        call_info *c = &calls[n++];
        c->pid = json_object_get_int(v);
        c->call = json_object_object_get_ex(rec->obj, "call", &v) ? json_object_get_int64(v) : (long)n - 1;
        c->function = cb_xstrdup(rec->function);
        c->args = cb_xstrdup(rec->args);
    }
    cb_calls_free(&recs);
    *out = calls;
    return n;
}

/* Python's perf support leaves /tmp/perf-PID.map (-X perf) and
 * /tmp/jit-PID.dump plus perf inject's /tmp/jitted-PID-N.so (-X perf_jit)
 * for every pid; remove those of the pids whose files TEXT's symbols name
 * (the harness parent's, whose code the children inherit, and the
 * children's own). */
static void add_pid(int **pids, size_t *n, size_t *cap, int pid)
{
    for (size_t i = 0; i < *n; i++)
        if ((*pids)[i] == pid)
            return;
    if (pid <= 0)
        return;
    if (*n == *cap)
        *pids = cb_xrealloc(*pids, (*cap = *cap ? 2 * *cap : 16) * sizeof **pids);
    (*pids)[(*n)++] = pid;
}

static void remove_python_perf_files(const char *text, const char *tasks)
{
    size_t n = 0, cap = 0;
    int *pids = NULL;
    /* TASKS: `perf script -F pid --show-task-events`, each line led by the
     * pid of the process that forked, exec'd or exited: every process of
     * the recording, the harness parent included */
    for (const char *line = tasks; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (memmem(line, len, "PERF_RECORD_", 12))
            add_pid(&pids, &n, &cap, atoi(line));
        line = end ? end + 1 : NULL;
    }
    static const char *const marks[] = {"/tmp/jitted-", "/tmp/perf-"};
    for (size_t m = 0; m < 2; m++) {
        size_t ml = strlen(marks[m]);
        for (const char *p = text; (p = strstr(p, marks[m])); p += ml) {
            add_pid(&pids, &n, &cap, atoi(p + ml));
        }
    }
    DIR *d = opendir("/tmp");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int pid = 0;
        if (!strncmp(e->d_name, "jitted--", 8)) {   /* perf inject's, from a corrupt record */
            char *path = cb_xasprintf("/tmp/%s", e->d_name);
            unlink(path);
            free(path);
            continue;
        }
        if (sscanf(e->d_name, "jitted-%d-", &pid) != 1 && sscanf(e->d_name, "jit-%d.dump", &pid) != 1 &&
            sscanf(e->d_name, "perf-%d.map", &pid) != 1)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (pids[i] == pid) {
                char *path = cb_xasprintf("/tmp/%s", e->d_name);
                unlink(path);
                free(path);
                break;
            }
        }
    }
    if (d)
        closedir(d);
    free(pids);
}

static int write_index(const cb_runner *r, const cb_run_settings *s, json_object *calls, const char *pyframes,
                       cb_err *err)
{
    json_object *idx = json_object_new_object();
    json_object_object_add(idx, "runner", json_object_new_string(r->spec->id));
    json_object_object_add(idx, "profiler", json_object_new_string(profiler_of(s)));
    json_object_object_add(idx, "rate", json_object_new_int(rate_of(s)));
    json_object_object_add(idx, "python_frames", pyframes ? json_object_new_string(pyframes) : NULL);
    json_object_object_add(idx, "calls", calls);
    char *path = profiles_path(s, r->spec->id, ".calls.json");
    const char *text = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    int rc = cb_write_file_atomic(path, text, strlen(text), err);
    free(path);
    json_object_put(idx);
    return rc;
}

/* Each of the runner's calls: its samples (by its child's pid) into the
 * per-call folded stacks, flame graph and `profile`; the index array, or
 * NULL with err. */
static json_object *index_calls(const cb_runner *r, const cb_run_settings *s, sample_set *set, const call_info *calls,
                                size_t ncalls, const char *pyframes, bool samply, cb_err *err)
{
    json_object *index = json_object_new_array();
    for (size_t i = 0; i < ncalls; i++) {
        pid_samples *ps = NULL;
        for (size_t k = 0; k < set->n && !ps; k++)
            if (set->pids[k].pid == calls[i].pid)
                ps = &set->pids[k];
        json_object *p = call_profile(r, s, &calls[i], ps, pyframes, samply, err);
        if (!p) {
            json_object_put(index);
            return NULL;
        }
        json_object *e = json_object_new_object();
        json_object_object_add(e, "call", json_object_new_int64(calls[i].call));
        json_object_object_add(e, "pid", json_object_new_int(calls[i].pid));
        json_object_object_add(e, "profile", p);
        json_object_array_add(index, e);
    }
    return index;
}

/* ------------------------------------------------- samply's profile */

/* A JSON file, gzip-compressed or not (zlib reads both), or NULL with err. */
static json_object *read_json_gz(const char *path, cb_err *err)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        cb_fail(err, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    cb_buf b = {0};
    char chunk[65536];
    int n;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0)
        cb_buf_put(&b, chunk, (size_t)n);
    gzclose(f);
    cb_buf_putc(&b, 0);
    json_object *j = json_tokener_parse(b.data);
    cb_buf_free(&b);
    if (!j)
        cb_fail(err, "%s is not a JSON profile", path);
    return j;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int64_t at(json_object *array, size_t i)
{
    return json_object_get_int64(json_object_array_get_idx(array, i));
}

/* The symbols of one library from samply's .syms.json sidecar. */
typedef struct {
    uint64_t rva, size;
    const char *name;
} sym;
typedef struct {
    const char *code_id, *debug_name;
    sym *syms;
    size_t n;
} lib_syms;

static int cmp_sym(const void *a, const void *b)
{
    const sym *x = a, *y = b;
    return x->rva < y->rva ? -1 : x->rva > y->rva;
}

static lib_syms *load_syms(json_object *sidecar, size_t *n)
{
    json_object *strings = get(sidecar, "string_table"), *data = get(sidecar, "data");
    size_t nl = data ? json_object_array_length(data) : 0;
    lib_syms *out = cb_xcalloc(nl ? nl : 1, sizeof *out);
    for (size_t i = 0; i < nl; i++) {
        json_object *d = json_object_array_get_idx(data, i), *table = get(d, "symbol_table");
        lib_syms *l = &out[i];
        l->code_id = json_object_get_string(get(d, "code_id"));
        l->debug_name = json_object_get_string(get(d, "debug_name"));
        l->n = table ? json_object_array_length(table) : 0;
        l->syms = cb_xcalloc(l->n ? l->n : 1, sizeof *l->syms);
        for (size_t k = 0; k < l->n; k++) {
            json_object *e = json_object_array_get_idx(table, k);
            l->syms[k] = (sym){(uint64_t)json_object_get_int64(get(e, "rva")),
                               (uint64_t)json_object_get_int64(get(e, "size")),
                               json_object_get_string(json_object_array_get_idx(strings,
                                                      (size_t)json_object_get_int64(get(e, "symbol"))))};
        }
        qsort(l->syms, l->n, sizeof *l->syms, cmp_sym);
    }
    *n = nl;
    return out;
}

static const char *lookup_sym(const lib_syms *l, uint64_t rva)
{
    size_t lo = 0, hi = l ? l->n : 0;
    while (lo < hi) {   /* the last symbol starting at or before rva */
        size_t mid = (lo + hi) / 2;
        if (l->syms[mid].rva <= rva)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return NULL;
    const sym *s = &l->syms[lo - 1];
    return !s->size || rva < s->rva + s->size ? s->name : NULL;
}

/* A frame's name in the perf path's style (frame_name): the symbol; for a
 * Python function of CPython's perf map ("py::QUALNAME:PATH"), "QUALNAME
 * [FILE]"; "[LIB]" when the address has no symbol. */
static char *samply_frame_name(const char *func, const lib_syms *l, uint64_t rva, const char *lib_name)
{
    char *name;
    if (!strncmp(func, "0x", 2)) {
        const char *found = lookup_sym(l, rva);
        name = found ? cb_xstrdup(found) : cb_xasprintf("[%s]", lib_name ? lib_name : "unknown");
    } else if (!strncmp(func, "py::", 4) && strrchr(func + 4, ':')) {
        const char *colon = strchr(func + 4, ':'), *base = strrchr(colon + 1, '/');
        name = cb_xasprintf("%.*s [%s]", (int)(colon - func - 4), func + 4, base ? base + 1 : colon + 1);
    } else {
        name = cb_xstrdup(func);
    }
    for (char *p = name; *p; p++)
        if (*p == ';' || *p == '\n')
            *p = ':';
    return name;
}

/* Every thread's samples of PROFILE (Firefox Profiler's processed format,
 * as samply writes it) into SET by pid, frames named with SIDECAR's symbols.
 * Frames whose name is a bare address are samply's unsymbolicated native
 * ones; the others (CPython's perf-map or jitdump functions) are named. */
static void samply_samples(json_object *profile, json_object *sidecar, sample_set *set)
{
    size_t nls;
    lib_syms *ls = load_syms(sidecar, &nls);
    json_object *libs = get(profile, "libs"), *threads = get(profile, "threads");
    size_t nlibs = libs ? json_object_array_length(libs) : 0;
    const lib_syms **by_lib = cb_xcalloc(nlibs ? nlibs : 1, sizeof *by_lib);
    for (size_t i = 0; i < nlibs; i++) {
        json_object *lib = json_object_array_get_idx(libs, i);
        const char *code = json_object_get_string(get(lib, "codeId")), *dn = json_object_get_string(get(lib, "debugName"));
        for (size_t k = 0; k < nls && !by_lib[i]; k++)
            if ((code && ls[k].code_id && !strcasecmp(code, ls[k].code_id)) ||
                (!code && dn && ls[k].debug_name && !strcmp(dn, ls[k].debug_name)))
                by_lib[i] = &ls[k];
    }
    for (size_t t = 0; threads && t < json_object_array_length(threads); t++) {
        json_object *th = json_object_array_get_idx(threads, t);
        json_object *strings = get(th, "stringArray"), *frames = get(th, "frameTable"), *funcs = get(th, "funcTable");
        json_object *res = get(th, "resourceTable"), *stacks = get(th, "stackTable"), *samples = get(th, "samples");
        const char *pid_text = json_object_get_string(get(th, "pid"));
        if (!strings || !frames || !funcs || !res || !stacks || !samples || !pid_text || strchr(pid_text, '.'))
            continue;   /* "PID.N": an earlier process of a reused pid (the C harness re-executes itself) */
        int pid = atoi(pid_text);
        size_t nf = (size_t)json_object_get_int64(get(frames, "length"));
        char **names = cb_xcalloc(nf ? nf : 1, sizeof *names);
        json_object *faddr = get(frames, "address"), *ffunc = get(frames, "func"), *fname = get(funcs, "name");
        json_object *fres = get(funcs, "resource"), *rlib = get(res, "lib");
        bool *label = cb_xcalloc(nf ? nf : 1, sizeof *label);
        for (size_t f = 0; f < nf; f++) {
            size_t fn = (size_t)at(ffunc, f);
            json_object *rj = json_object_array_get_idx(fres, fn);
            int64_t r = rj ? json_object_get_int64(rj) : -1, lib = r >= 0 ? at(rlib, (size_t)r) : -1;
            const char *lib_name = lib >= 0 && (size_t)lib < nlibs
                                       ? json_object_get_string(get(json_object_array_get_idx(libs, (size_t)lib), "name"))
                                       : NULL;
            const char *raw = json_object_get_string(json_object_array_get_idx(strings, (size_t)at(fname, fn)));
            names[f] = samply_frame_name(raw, lib >= 0 && (size_t)lib < nlibs ? by_lib[lib] : NULL,
                                         (uint64_t)at(faddr, f), lib_name);
            /* samply gives each perf-map function a second frame "QUALNAME:PATH"
             * next to "py::QUALNAME:PATH": the same function, named once */
            label[f] = strncmp(raw, "py::", 4) && strncmp(raw, "0x", 2) && (strstr(raw, ":/") || strstr(raw, ":<"));
            if (label[f]) {
                const char *colon = strstr(raw, ":/") ? strstr(raw, ":/") : strstr(raw, ":<");
                const char *base = strrchr(colon + 1, '/');
                free(names[f]);
                names[f] = cb_xasprintf("%.*s [%s]", (int)(colon - raw), raw, base ? base + 1 : colon + 1);
            }
        }
        json_object *prefix = get(stacks, "prefix"), *sframe = get(stacks, "frame");
        json_object *sstack = get(samples, "stack"), *weight = get(samples, "weight");
        size_t ns = (size_t)json_object_get_int64(get(samples, "length")), cap = 64;
        char **chain = cb_xcalloc(cap, sizeof *chain);
        for (size_t i = 0; i < ns; i++) {
            json_object *sj = json_object_array_get_idx(sstack, i);
            if (!sj || json_object_get_type(sj) == json_type_null)
                continue;
            size_t depth = 0;
            for (int64_t st = json_object_get_int64(sj); st >= 0 && depth < 100000;) {
                if (depth == cap)
                    chain = cb_xrealloc(chain, (cap *= 2) * sizeof *chain);
                size_t f = (size_t)at(sframe, (size_t)st);
                if (!(label[f] && depth && !strcmp(chain[depth - 1], names[f])))
                    chain[depth++] = names[f];   /* leaf first */
                json_object *pj = json_object_array_get_idx(prefix, (size_t)st);
                st = pj && json_object_get_type(pj) != json_type_null ? json_object_get_int64(pj) : -1;
            }
            int64_t w = weight && json_object_get_type(weight) == json_type_array ? at(weight, i) : 1;
            for (int64_t k = 0; k < w; k++)
                add_sample(set, pid, chain, depth);
        }
        free(chain);
        for (size_t f = 0; f < nf; f++)
            free(names[f]);
        free(names);
        free(label);
    }
    for (size_t i = 0; i < nls; i++)
        free(ls[i].syms);
    free(ls);
    free(by_lib);
}

/* CPython's perf support leaves /tmp/perf-PID.map (-X perf) and
 * /tmp/jit-PID.dump (-X perf_jit) for every pid of the recording. */
static void remove_samply_python_files(json_object *profile)
{
    json_object *threads = get(profile, "threads");
    for (size_t t = 0; threads && t < json_object_array_length(threads); t++) {
        const char *pid = json_object_get_string(get(json_object_array_get_idx(threads, t), "pid"));
        if (!pid)
            continue;
        int p = atoi(pid);
        char *map = cb_xasprintf("/tmp/perf-%d.map", p), *dump = cb_xasprintf("/tmp/jit-%d.dump", p);
        unlink(map);
        unlink(dump);
        free(map);
        free(dump);
    }
}

/* samply's saved profile (RUNNER.samply.json.gz, kept: it opens in Firefox
 * Profiler) split by pid into the same per-call folded stacks, flame graphs
 * and `profile` objects as perf's. */
static int finish_samply(const cb_runner *r, const cb_run_settings *s, cb_err *err)
{
    const char *id = r->spec->id;
    const char *pyframes = cb_profile_python_frames(r, s);
    char *path = profiles_path(s, id, ".samply.json.gz"), *syms_path = profiles_path(s, id, ".samply.json.syms.json");
    json_object *profile = NULL, *sidecar = NULL, *index = NULL;
    call_info *calls = NULL;
    size_t ncalls = 0;
    sample_set set = {0};
    int rc = -1;
    if (access(path, R_OK) < 0) {
        cb_fail(err, "no recording %s: samply did not run (see the runner's log)", path);
        goto out;
    }
    if (!(profile = read_json_gz(path, err)) || !(sidecar = read_json_gz(syms_path, err)))
        goto out;
    samply_samples(profile, sidecar, &set);
    if (pyframes)
        remove_samply_python_files(profile);
    ncalls = runner_calls(s->calls_jsonl, id, &calls, err);
    if (!(index = index_calls(r, s, &set, calls, ncalls, pyframes, true, err)))
        goto out;
    rc = write_index(r, s, index, pyframes, err);
    index = NULL;
out:
    json_object_put(index);
    json_object_put(profile);
    json_object_put(sidecar);
    for (size_t i = 0; i < ncalls; i++) {
        free(calls[i].function);
        free(calls[i].args);
    }
    free(calls);
    sample_set_free(&set);
    free(path);
    free(syms_path);
    return rc;
}

static int finish_perf(const cb_runner *r, const cb_run_settings *s, cb_err *err)
{
    const char *id = r->spec->id;
    const char *pyframes = cb_profile_python_frames(r, s);
    char *data = profiles_path(s, id, ".perf.data"), *jit = profiles_path(s, id, ".jit.data");
    char *txt = profiles_path(s, id, ".perf.txt"), *tmp = profiles_path(s, id, ".perf.txt.tmp");
    char *script_in = data, *text = NULL;
    size_t len = 0;
    int rc = -1;
    call_info *calls = NULL;
    size_t ncalls = 0;
    sample_set set = {0};
    json_object *index = NULL;
    if (access(data, R_OK) < 0) {
        cb_fail(err, "no recording %s: perf did not run (see the runner's log)", data);
        goto out;
    }
    if (pyframes && !strcmp(pyframes, "perf_jit")) {
        char *inject[] = {"perf", "inject", "--jit", "-i", data, "-o", jit, NULL};
        if (run_tool(inject, NULL, r->log_path, err) < 0)
            goto out;
        script_in = jit;
    }
    /* the text Firefox Profiler and speedscope import (their docs: -F +pid);
     * --no-inline: addr2line on every address would take minutes */
    char *script[] = {"perf", "script", "-F", "+pid", "--no-inline", "-i", script_in, NULL};
    if (run_tool(script, tmp, r->log_path, err) < 0 || rename(tmp, txt) < 0 ||
        cb_read_file(txt, &text, &len, err) < 0)
        goto out;
    if (pyframes) {
        char *tasks_path = profiles_path(s, id, ".tasks.tmp"), *tasks = NULL;
        char *events[] = {"perf", "script", "-F", "pid", "--show-task-events", "-i", script_in, NULL};
        size_t tl;
        cb_err ignored;
        if (run_tool(events, tasks_path, r->log_path, &ignored) < 0 || cb_read_file(tasks_path, &tasks, &tl, &ignored) < 0)
            tasks = NULL;
        remove_python_perf_files(text, tasks);
        unlink(tasks_path);
        free(tasks_path);
        free(tasks);
    }
    parse_script(text, &set);
    ncalls = runner_calls(s->calls_jsonl, id, &calls, err);
    if (!(index = index_calls(r, s, &set, calls, ncalls, pyframes, false, err)))
        goto out;
    rc = write_index(r, s, index, pyframes, err);
    index = NULL;
out:
    json_object_put(index);
    unlink(tmp);
    unlink(data);   /* DWARF recordings are large; the text is the artefact */
    unlink(jit);
    for (size_t i = 0; i < ncalls; i++) {
        free(calls[i].function);
        free(calls[i].args);
    }
    free(calls);
    sample_set_free(&set);
    free(text);
    free(data);
    free(jit);
    free(txt);
    free(tmp);
    return rc;
}

int cb_profile_finish(const cb_runner *r, const cb_run_settings *s, cb_err *err)
{
    char *ctl = profiles_path(s, r->spec->id, ".ctl"), *ack = profiles_path(s, r->spec->id, ".ack");
    unlink(ctl);
    unlink(ack);
    free(ctl);
    free(ack);
    int rc = !strcmp(profiler_of(s), "samply") ? finish_samply(r, s, err) : finish_perf(r, s, err);
    if (rc < 0)
        log_line(r->log_path, "casbench: profile post-processing: %s", err->msg);
    return rc;
}

/* ---------------------------------------------- records at the end */

typedef struct {
    char *runner;
    json_object *index;   /* the runner's calls.json, or NULL when it has none */
} runner_index;

static json_object *index_for(const char *results_dir, const char *runner, runner_index **cache, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*cache)[i].runner, runner))
            return (*cache)[i].index;
    char *path = cb_xasprintf("%s/profiles/%s.calls.json", results_dir, runner);
    cb_err ignored;
    json_object *idx = access(path, R_OK) == 0 ? cb_json_read_file(path, &ignored) : NULL;
    free(path);
    *cache = cb_xrealloc(*cache, (*n + 1) * sizeof **cache);
    (*cache)[(*n)++] = (runner_index){cb_xstrdup(runner), idx};
    return idx;
}

static json_object *profile_in(json_object *index, int64_t call, int pid)
{
    json_object *calls, *v;
    if (!index || !json_object_object_get_ex(index, "calls", &calls))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(calls); i++) {
        json_object *e = json_object_array_get_idx(calls, i);
        if (json_object_object_get_ex(e, "call", &v) && json_object_get_int64(v) == call &&
            json_object_object_get_ex(e, "pid", &v) && json_object_get_int(v) == pid &&
            json_object_object_get_ex(e, "profile", &v))
            return v;
    }
    return NULL;
}

/* REC with its `profile` added (from the runner's profile index); false
 * when it has none to add. */
static bool merge_profile(const cb_record *rec, const char *results_dir, runner_index **cache, size_t *n)
{
    json_object *v, *p;
    if (strcmp(rec->mode, "cpu") || (json_object_object_get_ex(rec->obj, "profile", &v) && v) ||
        !json_object_object_get_ex(rec->obj, "pid", &v) || !v)
        return false;
    int pid = json_object_get_int(v);
    int64_t call = json_object_object_get_ex(rec->obj, "call", &v) ? json_object_get_int64(v) : -1;
    p = profile_in(index_for(results_dir, rec->runner, cache, n), call, pid);
    if (p)
        json_object_object_add(rec->obj, "profile", json_object_get(p));
    return p != NULL;
}

/* calls.jsonl rewritten (atomically, and only when a record gained a
 * profile) as its records; a torn last line stays as it is. */
int cb_profile_merge_records(const char *results_dir, const char *calls_jsonl, cb_err *err)
{
    cb_calls recs;
    if (cb_calls_read(calls_jsonl, &recs, err) < 0)
        return -1;
    runner_index *cache = NULL;
    size_t n = 0;
    cb_buf out = {0};
    bool changed = false;
    for (size_t i = 0; i < recs.n; i++) {
        changed |= merge_profile(&recs.recs[i], results_dir, &cache, &n);
        cb_record_line(recs.recs[i].obj, &out);
    }
    char *data = NULL;
    size_t len = 0;
    if (changed && recs.torn_tail && cb_read_file(calls_jsonl, &data, &len, err) == 0 && len > (size_t)recs.valid_len)
        cb_buf_put(&out, data + recs.valid_len, len - (size_t)recs.valid_len);
    int rc = changed ? cb_write_file_atomic(calls_jsonl, out.data, out.len, err) : 0;
    for (size_t i = 0; i < n; i++) {
        free(cache[i].runner);
        json_object_put(cache[i].index);
    }
    free(cache);
    cb_buf_free(&out);
    cb_calls_free(&recs);
    free(data);
    return rc;
}
