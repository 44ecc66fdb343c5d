/* hostinfo.c — the host description of run.json (see hostinfo.h). */
#define _GNU_SOURCE
#include "common/hostinfo.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* First line of a small file, trailing newline removed; NULL when absent. */
static char *read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *r = fgets(buf, (int)n, f);
    fclose(f);
    if (!r)
        return NULL;
    buf[strcspn(buf, "\n")] = 0;
    return buf;
}

/* The value after "KEY<spaces>:" in a /proc file of "key : value" lines. */
static char *proc_field(const char *path, const char *key, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[512];
    char *found = NULL;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':'))
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        v += strspn(v, " \t");
        v[strcspn(v, "\n")] = 0;
        snprintf(buf, n, "%s", v);
        found = buf;
        break;
    }
    fclose(f);
    return found;
}

int cb_host_usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* The governors of all CPUs: one string when they agree, a list otherwise. */
static json_object *governor(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    json_object *list = json_object_new_array();
    char first[64] = "", buf[64], path[128];
    int differ = 0, seen = 0;
    for (long c = 0; c < ncpu && c < 1024; c++) {
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", c);
        if (!read_line(path, buf, sizeof buf))
            continue;
        if (!seen++)
            snprintf(first, sizeof first, "%s", buf);
        else if (strcmp(first, buf))
            differ = 1;
        json_object_array_add(list, json_object_new_string(buf));
    }
    if (!seen || !differ) {
        json_object_put(list);
        return seen ? json_object_new_string(first) : NULL;
    }
    return list;
}

static json_object *turbo(void)
{
    char buf[32];
    if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf))
        return json_object_new_boolean(atoi(buf) == 0);
    if (read_line("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf))
        return json_object_new_boolean(atoi(buf) != 0);
    return NULL;
}

static json_object *loadavg(void)
{
    double l[3];
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return NULL;
    int n = fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]);
    fclose(f);
    if (n != 3)
        return NULL;
    json_object *a = json_object_new_array();
    for (int i = 0; i < 3; i++)
        json_object_array_add(a, json_object_new_double(l[i]));
    return a;
}

json_object *cb_hostinfo(void)
{
    json_object *h = json_object_new_object();
    char buf[256];
    struct utsname u;

    if (gethostname(buf, sizeof buf) == 0) {
        buf[sizeof buf - 1] = 0;
        json_object_object_add(h, "hostname", json_object_new_string(buf));
    }
    const char *model = proc_field("/proc/cpuinfo", "model name", buf, sizeof buf);
    if (!model)   /* arm64 has no "model name" */
        model = proc_field("/proc/cpuinfo", "CPU implementer", buf, sizeof buf);
    json_object_object_add(h, "cpu_model", str_or_null(model));
    json_object_object_add(h, "cores", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_object_add(h, "usable_cpus", json_object_new_int(cb_host_usable_cpus()));
    if (uname(&u) == 0) {
        json_object_object_add(h, "kernel", json_object_new_string(u.release));
        json_object_object_add(h, "machine", json_object_new_string(u.machine));
    }
    const char *mem = proc_field("/proc/meminfo", "MemTotal", buf, sizeof buf);
    json_object_object_add(h, "memory_kib", mem ? json_object_new_int64(atoll(mem)) : NULL);

    json_object *noise = json_object_new_object();
    json_object_object_add(noise, "governor", governor());
    json_object_object_add(noise, "turbo", turbo());
    json_object_object_add(noise, "loadavg", loadavg());
    const char *aslr = read_line("/proc/sys/kernel/randomize_va_space", buf, sizeof buf);
    json_object_object_add(noise, "aslr", aslr ? json_object_new_int(atoi(aslr)) : NULL);
    json_object_object_add(h, "noise", noise);
    return h;
}
