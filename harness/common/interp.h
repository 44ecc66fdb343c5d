/* interp.h — driving a long-lived interpreter subprocess from a C harness
 * (the singular and mathematica harnesses), and reading its tagged replies.
 *
 * Execution (docs/design.md §5) is still the supervisor's: a child is forked per call
 * and supervised with the time limit.  The work happens in one long-lived
 * interpreter (the "server") that has every polynomial defined once, so a
 * call sends only a short command:
 *
 *   - The server's stdin and stdout are two FIFOs in a private directory
 *     (/tmp/casbench-<tag>-XXXXXX), so that whichever process needs it (the
 *     call child of the moment) can talk to it, and whichever call child
 *     finds it missing or dirty starts a fresh one.  Its pid, a "busy" flag
 *     and the reply counter live in a page shared (MAP_SHARED) by the parent
 *     and all call children.
 *   - The parent keeps a write end of the input FIFO open, so when the
 *     harness goes away the server reads EOF and exits.
 *   - A command is followed by one that prints an end marker "@@E<seq>"
 *     alone on a line; the reply is every line before it.  Lines starting
 *     with "@@" are the answer; an error line (as the spec recognises it)
 *     makes the command fail with its message.
 *   - Time limit: the supervisor SIGTERMs the call child at the limit; its
 *     handler (cb_interp_catch_sigterm) SIGKILLs the server, and the next
 *     call starts a fresh one (definitions again, untimed).  A call child
 *     killed outright leaves the "busy" flag set, which has the same effect.
 *
 * Replies for verify: a result polynomial is one line "TAG COEFF@E1,E2,..."
 * per polynomial, "@@F MULT TERMS" per factor, "@@C COEFF" for a
 * coefficient; cb_interp_verify() turns them into the canonical text
 * (canon.h). */
#ifndef CB_INTERP_H
#define CB_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "canon.h"
#include "common/error.h"
#include "harness.h"
#include "common/util.h"
#include "data/value.h"

typedef struct cb_interp_spec {
    const char *name;         /* in messages: "Singular", "the Wolfram kernel" */
    const char *fifos;        /* "opening FIFOS: ...": "the Singular FIFOs" */
    const char *tmp_tag;      /* the FIFO directory /tmp/casbench-TAG-XXXXXX */
    const char *error_label;  /* an error line's message becomes "LABEL: message" */
    const char *sender;       /* "SENDER sent no ...": "Singular", "the kernel" */
    const char *output_label; /* "unexpected LABEL output": "Singular", "kernel" */
    /* The interpreter's command line, {file, argv[0], argv[1], ..., NULL}
     * (file looked up on PATH), every string heap-allocated: the caller
     * frees them.  NULL with err set when there is nothing to start. */
    char **(*command)(cb_err *err);
    /* Append the command that prints marker alone on a line. */
    void (*end_marker)(cb_buf *b, const char *marker);
    /* The message of a reply line (leading spaces skipped) that reports an
     * error, or NULL when the line is not one. */
    const char *(*error_text)(const char *line);
    /* What a fresh server is sent first (the polynomials...). */
    void (*definitions)(cb_buf *b);
    /* Text of an output line by which the interpreter says it ran out of
     * memory (it runs under the harness's limit, memlimit.h): the call ends
     * as having reached the limit.  NULL: none. */
    const char *out_of_memory;
} cb_interp_spec;


/* A dataset system as the interpreter is sent it. */
typedef struct cb_interp_system {
    int nvars;
    long npolys;
    char **text;       /* the interpreter's expression of each polynomial */
    bool *zero;        /* per polynomial: it is zero */
    char *error;       /* why it cannot be used: its calls are `error` */
} cb_interp_system;

/* How the interpreter writes a polynomial: a sum of terms, each a
 * coefficient times powers of generators. */
typedef struct cb_interp_text {
    /* Append a nonzero coefficient (decimal digits c, sign sgn), preceded
     * by the "+" between terms when it is not the first. */
    void (*coeff)(cb_buf *b, bool first, const char *c, int sgn);
    /* Append "*" and generator k (from 0) to the power e >= 1. */
    void (*power)(cb_buf *b, int k, long long e);
    long long max_exp;        /* the largest exponent it takes */
    const char *exp_error;    /* "term N: EXP_ERROR" for an exponent out of range */
} cb_interp_text;

/* The dataset dict's systems (*n of them, in its order), each polynomial
 * written as text says ("0" when it has no nonzero term); a polynomial
 * that cannot be written gives its system an error (with where); a system
 * without generators gets the error no_gens. */
cb_interp_system *cb_interp_systems(cb_value polys_dict, size_t *n, const cb_interp_text *text,
                                    const char *no_gens, cb_err *err);
/* Is system s the first usable one with its number of generators (the one
 * whose definitions make the ring)? */
bool cb_interp_first_with_nvars(const cb_interp_system *v, size_t s);
/* The checks every call makes on its systems sa and sb (sb -1: a single
 * argument): neither has an error, a pair has the same generators; *npairs
 * is the shorter length of a pair. */
int cb_interp_check_call(const cb_interp_system *v, int sa, int sb, long *npairs, cb_err *err);

/* In setup (the parent): the shared page and the FIFOs; removes them and
 * kills the server at exit.  spec must outlive the process. */
int cb_interp_init(const cb_interp_spec *spec, cb_err *err);
/* In prepare (the call child): SIGTERM kills the server, then exits 143. */
void cb_interp_catch_sigterm(void);
/* This process's connection to a clean server (starting one if needed). */
int cb_interp_connect(cb_err *err);
/* Send cmd and its end marker; the reply's "@@" lines (but the marker) are
 * appended to lines (each with '\n'; NULL: dropped), the first error line
 * goes into err.  -1 on an error or when the server died. */
int cb_interp_exchange(const char *cmd, cb_buf *lines, cb_err *err);

/* For a timed_repeat op: send cmd, which runs the call's executions
 * between two reads of the interpreter's clocks and prints "@@T WALL CPU"
 * (numbers in units of unit_ns nanoseconds); their nanoseconds. */
int cb_interp_timed(const char *cmd, double unit_ns, int64_t *wall_ns, int64_t *cpu_ns, cb_err *err);

/* How a verify reply reads (its lines) and is written canonically. */
typedef enum {
    CB_REPLY_POLY,            /* one "@@P" polynomial, as it is */
    CB_REPLY_POLY_POSITIVE,   /* one "@@P" polynomial, positive leading coeff. */
    CB_REPLY_QUOREM,          /* two "@@P" polynomials: "Q | R" */
    CB_REPLY_FACTORS,         /* "@@F MULT TERMS" lines: the factor line */
    CB_REPLY_COEFF,           /* one "@@C COEFF" line, as it is */
    CB_REPLY_BASIS,           /* "@@P" lines: primitive, positive, sorted */
} cb_reply_kind;

/* The reply kind of a run-list function (docs/protocol.md, "The verify
 * digest": how each function's result is written). */
cb_reply_kind cb_interp_reply_kind(const char *function);

/* Verify mode: for each of the call's nitems items, send the command that
 * cmd(b, i) writes and append the canonical text of its reply (items joined
 * by '\n') to out. */
int cb_interp_verify(cb_buf *out, long nitems, void (*cmd)(cb_buf *b, long i), cb_reply_kind kind,
                     int nvars, cb_err *err);

#endif
