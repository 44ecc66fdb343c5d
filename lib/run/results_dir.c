/* results_dir.c — the results directory: create, lock, reopen for
 * --resume, its JSON files and paths (see results_dir.h). */
#define _GNU_SOURCE
#include "run/results_dir.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const subdirs[] = {"logs", "runners", "profiles"};

int cb_results_dir_create(const char *output, char **dir, cb_err *err)
{
    if (cb_mkdir_p(output, err) < 0)
        return -1;
    char stamp[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "results_%Y-%m-%d_%H-%M-%S", &tm);
    char *d = NULL;
    for (int k = 1; k < 1000; k++) {
        d = k == 1 ? cb_xasprintf("%s/%s", output, stamp) : cb_xasprintf("%s/%s-%d", output, stamp, k);
        if (mkdir(d, 0755) == 0)
            break;
        int e = errno;
        free(d);
        d = NULL;
        if (e != EEXIST)
            return cb_fail(err, "cannot create the results directory in %s: %s", output, strerror(e));
    }
    if (!d)
        return cb_fail(err, "cannot create a results directory in %s", output);
    for (size_t i = 0; i < 3; i++) {
        char *s = cb_xasprintf("%s/%s", d, subdirs[i]);
        int rc = mkdir(s, 0755);
        free(s);
        if (rc < 0 && errno != EEXIST) {
            cb_fail(err, "cannot create %s/%s: %s", d, subdirs[i], strerror(errno));
            free(d);
            return -1;
        }
    }
    *dir = d;
    return 0;
}

int cb_results_dir_lock(const char *dir, cb_err *err)
{
    char *path = cb_xasprintf("%s/" CB_RUN_LOCK, dir);
    int fd = cb_open_append(path, err);   /* a regular file, not through a planted link */
    free(path);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return cb_fail(err, "%s is in use by another casbench run (run.lock is held)", dir);
    }
    return fd;
}

int cb_results_dir_is(const char *dir)
{
    struct stat st;
    char *rj = cb_xasprintf("%s/" CB_RUN_JSON, dir), *cj = cb_xasprintf("%s/" CB_CALLS_JSONL, dir);
    int is = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (access(rj, F_OK) == 0 || access(cj, F_OK) == 0);
    free(rj);
    free(cj);
    return is;
}

int cb_results_dir_reopen(const char *dir, cb_err *err)
{
    for (size_t i = 0; i < 3; i++) {
        /* its own directories, not symbolic links leading out of it */
        struct stat st;
        char *d = cb_xasprintf("%s/%s", dir, subdirs[i]);
        mkdir(d, 0755);
        int rc = lstat(d, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : cb_fail(err, "--resume: %s is not a directory", d);
        free(d);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int cb_json_write_file(const char *path, json_object *j, cb_err *err)
{
    cb_buf b = {0};
    cb_buf_puts(&b, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    cb_buf_putc(&b, '\n');
    int rc = cb_write_file_atomic(path, b.data, b.len, err);
    cb_buf_free(&b);
    return rc;
}

int cb_results_path_check(const char *dir, const char *path, cb_err *err)
{
    char root[PATH_MAX], parent[PATH_MAX];
    if (!realpath(dir, root))
        return cb_fail(err, "%s: %s", dir, strerror(errno));
    size_t rl = strlen(root);
    if (strncmp(path, root, rl) || path[rl] != '/')
        return cb_fail(err, "%s is outside the results directory %s", path, root);
    for (const char *c = path + rl + 1;;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return cb_fail(err, "%s is not a plain path inside the results directory %s", path, root);
        if (!c[n])
            break;
        c += n + 1;
    }
    /* the directory it is in must be that very directory, not a symbolic
     * link on the way out of the results directory */
    char *dirpart = cb_xstrdup(path);
    *strrchr(dirpart, '/') = 0;
    bool same = realpath(dirpart, parent) && !strcmp(parent, dirpart);
    free(dirpart);
    if (!same)
        return cb_fail(err, "%s leads outside the results directory %s (a symbolic link, or a missing directory)",
                       path, root);
    return 0;
}

json_object *cb_json_read_file(const char *path, cb_err *err)
{
    char *data;
    size_t len;
    if (cb_read_file(path, &data, &len, err) < 0)
        return NULL;
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, data, (int)(len > INT32_MAX ? INT32_MAX : len));
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    while (e == json_tokener_success && end < len && strchr(" \t\r\n", data[end]))
        end++;
    if (e != json_tokener_success || end < len) {
        cb_fail(err, "%s: not a JSON document (%s at byte %zu)", path,
                e != json_tokener_success ? json_tokener_error_desc(e) : "text after it", end);
        json_object_put(o);
        o = NULL;
    } else if (!o) {
        cb_fail(err, "%s: null where a JSON object was expected", path);
    }
    json_tokener_free(tok);
    free(data);
    return o;
}

