/* paths.c — locating harnesses and the tracker from /proc/self/exe (see
 * paths.h). */
#include "common/paths.h"
#include "common/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory of the running executable (malloc'd). */
static char *exe_dir(cb_err *err)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0) {
        cb_fail(err, "cannot read /proc/self/exe to find the harnesses");
        return NULL;
    }
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = 0;
    return cb_xstrdup(buf);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* NAME beside the executable (the build tree) or in PREFIX/libexec/casbench
 * (an install), as IS accepts it; the real path, or NULL and err saying
 * "WHAT: looked for ... and ...". */
static char *find_beside_exe(const char *name, int (*is)(const char *), const char *what, cb_err *err)
{
    char *dir = exe_dir(err);
    if (!dir)
        return NULL;
    char *build = cb_xasprintf("%s/%s", dir, name);
    char *inst = cb_xasprintf("%s/../libexec/casbench/%s", dir, name);
    char *found = is(build) ? build : is(inst) ? inst : NULL;
    char real[PATH_MAX];
    if (!found)
        cb_fail(err, "%s: looked for %s and %s", what, build, inst);
    else   /* PREFIX/bin/../libexec/... reads better as PREFIX/libexec/... */
        found = cb_xstrdup(realpath(found, real) ? real : found);
    free(build);
    free(inst);
    free(dir);
    return found;
}

char *cb_harness_dir(cb_err *err)
{
    const char *env = getenv("CASBENCH_HARNESS_DIR");
    if (env && *env)
        return cb_xstrdup(env);
    return find_beside_exe("harness", is_dir, "no harness directory", err);
}

char *cb_tracker_path(cb_err *err)
{
    return find_beside_exe("libcasbench-memtrack.so", is_file, "the allocation tracker is not built", err);
}

char *cb_c_harness_path(const char *harness_dir, const char *name)
{
    return cb_xasprintf("%s/casbench-harness-%s", harness_dir, name);
}

char *cb_python_harness_path(const char *harness_dir)
{
    return cb_xasprintf("%s/python/casbench_harness.py", harness_dir);
}

const char *cb_prefix(void)
{
    const char *p = getenv("CASBENCH_PREFIX");
    return p && *p ? p : CB_DEFAULT_PREFIX;
}

char *cb_prefix_path(const char *rel)
{
    return cb_xasprintf("%s/%s", cb_prefix(), rel);
}

char *cb_which(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? cb_xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char *cand = n ? cb_xasprintf("%.*s/%s", (int)n, path, name) : cb_xasprintf("./%s", name);
        if (is_file(cand) && access(cand, X_OK) == 0)
            return cand;
        free(cand);
        path += n;
        if (*path == ':')
            path++;
    }
    return NULL;
}
