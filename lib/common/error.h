/* error.h — casbench's one error-reporting style.
 *
 * Library code never prints and never exits.  A function that can fail takes
 * a `cb_err *` as its last argument, fills it with one line that says what
 * went wrong and where (file, byte offset, system key, option...), and
 * returns -1 (or NULL/false).  The command layer prints it as
 * "casbench: <message>" and exits with status 2 (bad input) — see
 * cb_die() in programs/cli.h.  Messages start lower-case and carry no
 * trailing period or newline. */
#ifndef CB_ERROR_H
#define CB_ERROR_H

typedef struct cb_err {
    char msg[1024];
} cb_err;

/* Format into err (if non-NULL) and return -1. */
int cb_fail(cb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix an existing message: "context: old message". Returns -1. */
int cb_fail_prefix(cb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
