/* bounds.c — time conversions, sizes, memory limits and stray processes
 * (see bounds.h). */
#define _GNU_SOURCE
#include "common/bounds.h"
#include "common/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------- time ---------- */

int64_t cb_seconds_to_ns(double seconds)
{
    if (!(seconds > 0))
        return 0;
    if (seconds >= (double)INT64_MAX / 1e9)
        return INT64_MAX;
    return (int64_t)(seconds * 1e9);
}

int64_t cb_ns_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    return a + b;
}

/* ---------- sizes ---------- */

int cb_parse_size(const char *opt, const char *s, uint64_t *bytes, cb_err *err)
{
    if (!strcasecmp(s, "none") || !strcmp(s, "0")) {
        *bytes = 0;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v <= 0 || !isdigit((unsigned char)*s))
        return cb_fail(err, "%s: '%s' is not a size (e.g. 512M, 4G, none)", opt, s);
    static const char units[] = "KMGT";
    double scale = 1;
    if (*end) {
        const char *u = strchr(units, toupper((unsigned char)*end));
        if (!u)
            return cb_fail(err, "%s: '%s' is not a size (units: K, M, G, T)", opt, s);
        scale = ldexp(1.0, 10 * (int)(u - units + 1));
        end++;
        if (!strcasecmp(end, "ib") || !strcasecmp(end, "b"))
            end += strlen(end);
        if (*end)
            return cb_fail(err, "%s: '%s' is not a size (units: K, M, G, T)", opt, s);
    }
    v *= scale;
    if (v < CB_MEMORY_LIMIT_MIN)
        return cb_fail(err, "%s: '%s' is less than 1 MiB", opt, s);
    if (v >= 18446744073709551615.0)
        return cb_fail(err, "%s: '%s' is too large", opt, s);
    *bytes = (uint64_t)v;
    return 0;
}

const char *cb_format_size(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (!bytes) {
        snprintf(buf, size, "none");
        return buf;
    }
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0 || v == floor(v))
        snprintf(buf, size, "%.0f %s", v, units[u]);
    else
        snprintf(buf, size, "%.3g %s", v, units[u]);
    return buf;
}

uint64_t cb_default_memory_limit(int cores)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return 0;
    uint64_t total = (uint64_t)pages * (uint64_t)page;
    return total / CB_MEMORY_LIMIT_SHARE / (uint64_t)(cores > 0 ? cores : 1);
}

/* ---------- memory limits ---------- */

uint64_t cb_memlimit_from_env(void)
{
    const char *s = getenv(CB_MEMORY_LIMIT_ENV);
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return errno || *end ? 0 : (uint64_t)v;
}

uint64_t cb_memlimit_data_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmData: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return (uint64_t)kib * 1024;
}

uint64_t cb_memlimit_apply(uint64_t bytes, uint64_t base)
{
    if (!bytes)
        return 0;
    if (!base)
        base = cb_memlimit_data_bytes();
    struct rlimit rl;
    if (getrlimit(RLIMIT_DATA, &rl) < 0)
        return 0;
    uint64_t limit = base + bytes < base ? UINT64_MAX : base + bytes;
    if (rl.rlim_max != RLIM_INFINITY && limit > rl.rlim_max)
        limit = rl.rlim_max;
    rl.rlim_cur = (rlim_t)limit;
    return setrlimit(RLIMIT_DATA, &rl) == 0 ? limit : 0;
}

/* ---------- processes ---------- */

int cb_become_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* This process's children: from /proc/self/task/TID/children (every
 * thread's), or, on a kernel without that file, by reading each process's
 * parent in /proc/PID/stat. */
static size_t list_children(pid_t **out)
{
    size_t n = 0, cap = 16;
    pid_t *v = cb_xmalloc(cap * sizeof *v);
    bool have_children_files = false;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        have_children_files = true;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1) {
            if (n == cap)
                v = cb_xrealloc(v, (cap *= 2) * sizeof *v);
            v[n++] = (pid_t)pid;
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    if (!have_children_files && (d = opendir("/proc"))) {
        pid_t self = getpid();
        while ((e = readdir(d))) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t len = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[len] = 0;
            char *p = strrchr(buf, ')');
            char state;
            long ppid;
            if (p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 && ppid == self) {
                if (n == cap)
                    v = cb_xrealloc(v, (cap *= 2) * sizeof *v);
                v[n++] = (pid_t)atol(e->d_name);
            }
        }
        closedir(d);
    }
    *out = v;
    return n;
}

size_t cb_sweep_strays(const pid_t *keep, size_t n_keep)
{
    size_t swept = 0;
    /* a killed stray's own children come back to us in turn: a few rounds */
    for (int round = 0; round < 16; round++) {
        pid_t *kids;
        size_t n = list_children(&kids), found = 0;
        for (size_t i = 0; i < n; i++) {
            bool kept = false;
            for (size_t k = 0; k < n_keep && !kept; k++)
                kept = keep[k] == kids[i];
            if (kept)
                continue;
            if (getpgid(kids[i]) == kids[i])
                kill(-kids[i], SIGKILL);
            kill(kids[i], SIGKILL);
            while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
                ;
            found++;
        }
        free(kids);
        swept += found;
        if (!found)
            break;
    }
    return swept;
}
