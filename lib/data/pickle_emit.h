/* pickle_emit.h — the codec's one way of writing pickle bytes: a streaming
 * emitter of protocol-4 opcodes.
 *
 * Two writers stand on it: the value writer (pickle_dump.c, cb_pickle_dump),
 * which walks a cb_value and decides what CPython's pickler would write
 * (memo, batches of 1000); and gen (gen.c), which writes a dataset's
 * polynomials straight from flat arrays without building values — that is
 * what makes gen fast, so the hot encoders are inline and write through a
 * pointer into room reserved beforehand:
 *
 *     unsigned char *p = cb_pickle_emit_reserve(e, 10 * n + 20);
 *     p = cb_pickle_put_int(p, x);  ...
 *     cb_pickle_emit_commit(e, p);
 *
 * Integers are always written as CPython writes them (BININT1, BININT2,
 * BININT, else LONG1/LONG4 with the fewest two's-complement bytes), whatever
 * the path (int64, 128-bit word, mpz), so the same number has the same bytes
 * whichever writer or path wrote it.
 *
 * Two styles (cb_pickle_emit_begin):
 *  - CB_PICKLE_CPYTHON: what CPython's pickler writes: ~64 KiB FRAMEs (a
 *    frame ends at a value's start once it holds 64 KiB: call
 *    cb_pickle_emit_boundary where CPython's save() starts; payloads of
 *    64 KiB or more stand outside frames), and the names of builtins.range
 *    memoized.  The value writer's bytes equal pickle.dumps(v, 4).
 *  - CB_PICKLE_COMPACT: no frames, and only builtins.range memoized (its
 *    memo index is 0 when written first): gen's datasets.  Python reads
 *    both the same.
 *
 * The memo indices are the emitter's (cb_pickle_emit_memoize returns the
 * index the MEMOIZE gave); which value a memo entry stands for is the
 * caller's business. */
#ifndef CB_PICKLE_EMIT_H
#define CB_PICKLE_EMIT_H

#include <gmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "data/pickle_ops.h"
#include "common/util.h"

enum cb_pickle_style { CB_PICKLE_CPYTHON, CB_PICKLE_COMPACT };

typedef struct cb_pickle_emitter {
    cb_buf *out;
    bool framed;           /* CB_PICKLE_CPYTHON */
    bool frame_open;
    size_t frame_start;    /* offset of the open frame's 9-byte header */
    uint32_t memo_next;    /* the index the next MEMOIZE gives */
    int64_t range_memo;    /* memo index of builtins.range, -1 until written */
} cb_pickle_emitter;

/* Starts a pickle (PROTO 4) at the end of OUT. */
void cb_pickle_emit_begin(cb_pickle_emitter *e, cb_buf *out, enum cb_pickle_style style);
/* STOP, then the last frame's header; OUT stays NUL-terminated. */
void cb_pickle_emit_end(cb_pickle_emitter *e);
/* A value starts here: the frame ends if it holds 64 KiB (CPython's
 * commit_frame at the start of save()).  Nothing in the compact style. */
void cb_pickle_emit_boundary(cb_pickle_emitter *e);

/* ---- writing through a pointer: reserve, put_*, commit ---- */

void cb_pickle_emit_open_frame(cb_pickle_emitter *e);

/* Room for N more bytes (opening a frame in the CPython style); returns
 * where to write. */
static inline unsigned char *cb_pickle_emit_reserve(cb_pickle_emitter *e, size_t n)
{
    if (e->framed && !e->frame_open)
        cb_pickle_emit_open_frame(e);
    cb_buf *b = e->out;
    if (__builtin_expect(b->len + n + 1 > b->cap, 0))
        cb_buf_reserve(b, n);
    return (unsigned char *)b->data + b->len;
}

/* The bytes up to END are written. */
static inline void cb_pickle_emit_commit(cb_pickle_emitter *e, unsigned char *end)
{
    e->out->len = (size_t)((char *)end - e->out->data);
}

static inline unsigned char *cb_pickle_put_le(unsigned char *p, uint64_t x, int n)
{
    for (int i = 0; i < n; i++, x >>= 8)
        *p++ = (unsigned char)x;
    return p;
}

/* LONG1 of V in the fewest two's-complement bytes (at most 18 bytes). */
static inline unsigned char *cb_pickle_put_long1(unsigned char *p, __int128 v)
{
    unsigned __int128 m = (unsigned __int128)(v ^ (v >> 127));   /* |v|, or |v|-1 when negative */
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    int bits = hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) : 0;
    int n = bits / 8 + 1;   /* room for the sign bit */
    unsigned __int128 u = (unsigned __int128)v;
    *p++ = CB_PK_LONG1;
    *p++ = (unsigned char)n;
    for (int i = 0; i < n; i++)
        *p++ = (unsigned char)(u >> (8 * i));
    return p;
}

/* An int as CPython writes it (at most 10 bytes). */
static inline unsigned char *cb_pickle_put_int(unsigned char *p, int64_t v)
{
    if ((uint64_t)v < 256) {
        *p++ = CB_PK_BININT1;
        *p++ = (unsigned char)v;
    } else if ((uint64_t)v < 65536) {
        *p++ = CB_PK_BININT2;
        p = cb_pickle_put_le(p, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        *p++ = CB_PK_BININT;
        p = cb_pickle_put_le(p, (uint64_t)v, 4);
    } else {
        p = cb_pickle_put_long1(p, v);
    }
    return p;
}

/* A 128-bit int as CPython writes it (at most 18 bytes). */
static inline unsigned char *cb_pickle_put_i128(unsigned char *p, __int128 v)
{
    if (v >= INT64_MIN && v <= INT64_MAX)
        return cb_pickle_put_int(p, (int64_t)v);
    return cb_pickle_put_long1(p, v);
}

/* A tuple of N items: MARK before them when N > 3, then the closing opcode
 * (EMPTY_TUPLE, TUPLE1..3 or TUPLE) after them. */
static inline unsigned char *cb_pickle_put_tuple_begin(unsigned char *p, size_t n)
{
    if (n > 3)
        *p++ = CB_PK_MARK;
    return p;
}

static inline unsigned char *cb_pickle_put_tuple_end(unsigned char *p, size_t n)
{
    static const unsigned char small[4] = {CB_PK_EMPTY_TUPLE, CB_PK_TUPLE1, CB_PK_TUPLE2, CB_PK_TUPLE3};
    *p++ = n < 4 ? small[n] : CB_PK_TUPLE;
    return p;
}

/* ---- one call per item ---- */

/* A one-byte opcode: MARK, EMPTY_DICT/LIST/SET, APPEND(S), SETITEM(S),
 * ADDITEMS, FROZENSET, TUPLE*, REDUCE, NONE, NEWTRUE, NEWFALSE... */
static inline void cb_pickle_emit_op(cb_pickle_emitter *e, int op)
{
    unsigned char *p = cb_pickle_emit_reserve(e, 1);
    *p++ = (unsigned char)op;
    cb_pickle_emit_commit(e, p);
}

static inline void cb_pickle_emit_int(cb_pickle_emitter *e, int64_t v)
{
    cb_pickle_emit_commit(e, cb_pickle_put_int(cb_pickle_emit_reserve(e, 10), v));
}

static inline void cb_pickle_emit_i128(cb_pickle_emitter *e, __int128 v)
{
    cb_pickle_emit_commit(e, cb_pickle_put_i128(cb_pickle_emit_reserve(e, 18), v));
}

static inline void cb_pickle_emit_tuple_begin(cb_pickle_emitter *e, size_t n)
{
    if (n > 3)
        cb_pickle_emit_op(e, CB_PK_MARK);
}

static inline void cb_pickle_emit_tuple_end(cb_pickle_emitter *e, size_t n)
{
    cb_pickle_emit_commit(e, cb_pickle_put_tuple_end(cb_pickle_emit_reserve(e, 1), n));
}

void cb_pickle_emit_mpz(cb_pickle_emitter *e, const mpz_t z);    /* any size: LONG1 or LONG4 */
void cb_pickle_emit_float(cb_pickle_emitter *e, double d);       /* BINFLOAT */
void cb_pickle_emit_str(cb_pickle_emitter *e, const char *s, size_t n);     /* UTF-8: *BINUNICODE* */
void cb_pickle_emit_bytes(cb_pickle_emitter *e, const void *s, size_t n);   /* *BINBYTES* */

/* MEMOIZE the value just written; returns its memo index. */
uint32_t cb_pickle_emit_memoize(cb_pickle_emitter *e);
/* BINGET / LONG_BINGET of a memo index. */
void cb_pickle_emit_get(cb_pickle_emitter *e, uint32_t idx);

/* The global builtins.range, the only one casbench writes (a range is
 * REDUCE(range, (start, stop, step))): STACK_GLOBAL and MEMOIZE the first
 * time, BINGET after. */
void cb_pickle_emit_range_global(cb_pickle_emitter *e);

#endif
