/* util.c — allocation, buffers, atomic file writes, clocks (see util.h). */
#include "common/util.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void (*cb_out_of_memory_hook)(size_t n);

static void oom(size_t n)
{
    if (cb_out_of_memory_hook)
        cb_out_of_memory_hook(n);   /* a harness under its memory limit: does not return */
    fprintf(stderr, "casbench: out of memory allocating %zu bytes\n", n);
    abort();
}

void *cb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *cb_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *cb_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

char *cb_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(cb_xmalloc(n), s, n);
}

char *cb_xasprintf(const char *fmt, ...)
{
    cb_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return cb_buf_take(&b);
}

size_t cb_next_pow2(size_t n)
{
    size_t p = 8;
    while (p < n)
        p <<= 1;
    return p;
}

void cb_buf_reserve(cb_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = cb_xrealloc(b->data, cap);
    b->cap = cap;
}

void cb_buf_put(cb_buf *b, const void *p, size_t n)
{
    cb_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void cb_buf_putc(cb_buf *b, char c)
{
    cb_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void cb_buf_puts(cb_buf *b, const char *s) { cb_buf_put(b, s, strlen(s)); }

void cb_buf_vprintf(cb_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    cb_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cb_buf_printf(cb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *cb_buf_take(cb_buf *b)
{
    if (!b->data)
        return cb_xstrdup("");
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void cb_buf_free(cb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int cb_read_file(const char *path, char **data, size_t *len, cb_err *err)
{
    /* O_NONBLOCK: a FIFO planted at PATH must not block the open (it is
     * then refused as not a regular file; regular files ignore the flag) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cb_fail(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cb_fail(err, "%s: not a regular file", path);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = cb_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap)
            buf = cb_xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            free(buf);
            return cb_fail(err, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

/* Writes data to a new file tmp and makes it durable (fsync); on failure
 * removes tmp and fails naming path. */
static int write_durably(const char *tmp, const char *path, const void *data, size_t len, cb_err *err)
{
    /* a new file, never through whatever is planted at the predictable
     * temporary name (a symlink, a FIFO); a stale one of ours goes first */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return cb_fail(err, "%s: %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    int e = 0;
    while (left && !e) {
        ssize_t w = write(fd, p, left);
        if (w > 0)
            p += w, left -= (size_t)w;
        else if (w == 0)
            e = ENOSPC;   /* a regular file takes no bytes only when there is no room */
        else if (errno != EINTR)
            e = errno;
    }
    if (!e && fsync(fd) < 0)
        e = errno;
    if (close(fd) < 0 && !e)
        e = errno;
    if (e) {
        unlink(tmp);
        return cb_fail(err, "%s: %s", path, strerror(e));
    }
    return 0;
}

int cb_write_files_atomic(size_t n, const char *const *paths, const void *const *data, const size_t *lens,
                          cb_err *err)
{
    char **tmps = cb_xcalloc(n ? n : 1, sizeof *tmps);
    int rc = 0;
    size_t written = 0;
    for (; written < n && rc == 0; written++) {
        tmps[written] = cb_xasprintf("%s.tmp.%ld", paths[written], (long)getpid());
        if (write_durably(tmps[written], paths[written], data[written], lens[written], err) < 0) {
            rc = -1;
            free(tmps[written]);
            tmps[written] = NULL;
        }
    }
    /* all or nothing: a failed write (a full disk) renames none of them */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (rename(tmps[i], paths[i]) < 0)
            rc = cb_fail(err, "%s: %s", paths[i], strerror(errno));
        free(tmps[i]);
        tmps[i] = NULL;
    }
    for (size_t i = 0; i < written; i++)
        if (tmps[i]) {
            unlink(tmps[i]);
            free(tmps[i]);
        }
    free(tmps);
    return rc;
}

int cb_write_file_atomic(const char *path, const void *data, size_t len, cb_err *err)
{
    return cb_write_files_atomic(1, &path, &data, &len, err);
}

int cb_open_append(const char *path, cb_err *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0)
        return cb_fail(err, "cannot open %s: %s", path,
                       errno == ELOOP ? "it is a symbolic link" : errno == ENXIO ? "it is a FIFO" : strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cb_fail(err, "cannot open %s: not a regular file", path);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int cb_mkdir_p(const char *path, cb_err *err)
{
    char *p = cb_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                cb_fail(err, "cannot create directory %s: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

void cb_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < mdlen && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = 0;
}

int64_t cb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cb_cpu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the pointer-keyed hash map (linear probing, at most half full) ---- */

static size_t pm_slot(const cb_ptrmap *m, const void *k)
{
    uint64_t h = (uint64_t)(uintptr_t)k * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h ^ (h >> 29)) & (m->cap - 1);
}

cb_pm_entry *cb_pm_find(const cb_ptrmap *m, const void *k)
{
    if (!m->cap)
        return NULL;
    for (size_t i = pm_slot(m, k);; i = (i + 1) & (m->cap - 1)) {
        if (m->e[i].key == k)
            return &m->e[i];
        if (!m->e[i].key)
            return NULL;
    }
}

cb_pm_entry *cb_pm_insert(cb_ptrmap *m, const void *k)
{
    if ((m->len + 1) * 2 > m->cap) {
        cb_ptrmap n = {0};
        n.cap = m->cap ? m->cap * 2 : 64;
        n.e = cb_xcalloc(n.cap, sizeof *n.e);
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key) {
                size_t j = pm_slot(&n, m->e[i].key);
                while (n.e[j].key)
                    j = (j + 1) & (n.cap - 1);
                n.e[j] = m->e[i];
            }
        n.len = m->len;
        free(m->e);
        *m = n;
    }
    size_t i = pm_slot(m, k);
    while (m->e[i].key && m->e[i].key != k)
        i = (i + 1) & (m->cap - 1);
    if (!m->e[i].key) {
        m->e[i].key = k;
        m->e[i].a = m->e[i].b = 0;
        m->len++;
    }
    return &m->e[i];
}

void cb_pm_free(cb_ptrmap *m)
{
    free(m->e);
    m->e = NULL;
    m->cap = m->len = 0;
}
