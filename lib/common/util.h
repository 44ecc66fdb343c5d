/* util.h — the few helpers every part of casbench uses: allocation that
 * never returns NULL, a growable byte buffer, atomic file writes, monotonic
 * clocks.  Kept small on purpose: anything domain-specific lives elsewhere. */
#ifndef CB_UTIL_H
#define CB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *cb_xmalloc(size_t n);
void *cb_xcalloc(size_t n, size_t size);
void *cb_xrealloc(void *p, size_t n);
char *cb_xstrdup(const char *s);
char *cb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t cb_next_pow2(size_t n);
/* Called (when set) before cb_x*alloc gives up on an allocation of N bytes;
 * a harness under its memory limit sets it (harness/common/memlimit.h). */
extern void (*cb_out_of_memory_hook)(size_t n);

/* A growable byte buffer; zero-initialise ({0}) to start. */
typedef struct cb_buf {
    char *data;
    size_t len, cap;
} cb_buf;
void cb_buf_reserve(cb_buf *b, size_t extra);
void cb_buf_put(cb_buf *b, const void *p, size_t n);
void cb_buf_putc(cb_buf *b, char c);
void cb_buf_puts(cb_buf *b, const char *s);
void cb_buf_printf(cb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cb_buf_vprintf(cb_buf *b, const char *fmt, va_list ap);
char *cb_buf_take(cb_buf *b);   /* NUL-terminated, caller frees; b is reset */
void cb_buf_free(cb_buf *b);

/* A hash map keyed by pointers (value bodies), with two small counters per
 * entry whose meaning is the user's: the pickle codec's open containers and
 * memo, the dataset validator's "already checked".  Zero-initialise. */
typedef struct cb_pm_entry {
    const void *key;
    uint32_t a, b;
} cb_pm_entry;
typedef struct cb_ptrmap {
    cb_pm_entry *e;
    size_t cap, len;   /* cap is a power of two or 0 */
} cb_ptrmap;
cb_pm_entry *cb_pm_find(const cb_ptrmap *m, const void *k);   /* NULL when absent */
cb_pm_entry *cb_pm_insert(cb_ptrmap *m, const void *k);       /* adds a zeroed entry if absent */
void cb_pm_free(cb_ptrmap *m);

/* Whole-file I/O.  cb_write_file_atomic writes to PATH.tmp.PID then renames,
 * so a reader never sees a half-written file (docs/design.md §10).
 * cb_write_files_atomic does so for n files that belong together (a dataset's
 * polys.pickle and run_list.pickle): every one is written and fsynced under
 * its temporary name before any is renamed, in the order given, so a write
 * that fails (a full disk) leaves all the old files as they were and no new
 * one.  Renaming within a directory needs no data blocks.
 * cb_read_file reads only regular files (a FIFO or a device is refused, never
 * blocks). */
struct cb_err;
int cb_read_file(const char *path, char **data, size_t *len, struct cb_err *err);
int cb_write_file_atomic(const char *path, const void *data, size_t len, struct cb_err *err);
int cb_write_files_atomic(size_t n, const char *const *paths, const void *const *data, const size_t *lens,
                          struct cb_err *err);
int cb_mkdir_p(const char *path, struct cb_err *err);
/* Open PATH for appending (created 0644 if missing), as every file a results
 * directory holds is appended to: never through a symbolic link planted at
 * PATH, never blocking on a FIFO, only a regular file.  The descriptor, or
 * -1 with err. */
int cb_open_append(const char *path, struct cb_err *err);

/* Lowercase hex SHA-256 of data into hex[65] (OpenSSL's libcrypto). */
void cb_sha256_hex(const void *data, size_t len, char hex[65]);

/* Clocks, in nanoseconds. */
int64_t cb_now_ns(void);        /* CLOCK_MONOTONIC */
int64_t cb_cpu_now_ns(void);    /* CLOCK_PROCESS_CPUTIME_ID */

#endif
