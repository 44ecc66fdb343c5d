/* pickle_emit.c — the emit API's out-of-line half (pickle_emit.h): frames,
 * counted strings, big integers, floats, the memo and builtins.range.  The
 * per-number encoders gen's inner loop calls are inline in the header.
 *
 * Frames follow CPython's _Framer: every opcode goes into the open frame; a
 * frame ends at the start of a value once it holds FRAME_TARGET bytes, and
 * before a payload of FRAME_TARGET bytes or more, which is written outside
 * any frame; a frame shorter than 4 bytes gets no header. */
#include "data/pickle_emit.h"

#include <string.h>

#define FRAME_TARGET (64 * 1024)

void cb_pickle_emit_begin(cb_pickle_emitter *e, cb_buf *out, enum cb_pickle_style style)
{
    *e = (cb_pickle_emitter){.out = out, .framed = style == CB_PICKLE_CPYTHON, .range_memo = -1};
    cb_buf_put(out, "\x80\x04", 2);   /* PROTO 4, outside any frame */
}

/* Reserves the 9-byte header of a new frame, written when it closes. */
void cb_pickle_emit_open_frame(cb_pickle_emitter *e)
{
    cb_buf_reserve(e->out, 9);
    e->frame_start = e->out->len;
    e->out->len += 9;
    e->frame_open = true;
}

static void frame_close(cb_pickle_emitter *e)
{
    if (!e->frame_open)
        return;
    size_t len = e->out->len - e->frame_start - 9;
    unsigned char *h = (unsigned char *)e->out->data + e->frame_start;
    if (len >= 4) {
        h[0] = CB_PK_FRAME;
        cb_pickle_put_le(h + 1, len, 8);
    } else {
        memmove(h, h + 9, len);
        e->out->len -= 9;
    }
    e->frame_open = false;
}

void cb_pickle_emit_boundary(cb_pickle_emitter *e)
{
    if (e->frame_open && e->out->len - e->frame_start - 9 >= FRAME_TARGET)
        frame_close(e);
}

void cb_pickle_emit_end(cb_pickle_emitter *e)
{
    cb_pickle_emit_op(e, CB_PK_STOP);
    frame_close(e);
    e->out->data[e->out->len] = 0;   /* cb_buf keeps room for it */
}

/* Beyond 128 bits: n = the fewest bytes, negatives as z + 2**(8n). */
static void emit_big(cb_pickle_emitter *e, const mpz_t z)
{
    mpz_t t;
    mpz_init(t);
    if (mpz_sgn(z) < 0)
        mpz_com(t, z);   /* -z - 1: its bit length decides, as for v ^ (v >> 127) */
    else
        mpz_set(t, z);
    size_t n = mpz_sizeinbase(t, 2) / 8 + 1;
    if (mpz_sgn(z) < 0) {
        mpz_ui_pow_ui(t, 2, 8 * n);
        mpz_add(t, t, z);
    }
    unsigned char *p = cb_pickle_emit_reserve(e, n + 5);
    if (n < 256) {
        *p++ = CB_PK_LONG1;
        *p++ = (unsigned char)n;
    } else {
        *p++ = CB_PK_LONG4;
        p = cb_pickle_put_le(p, n, 4);
    }
    memset(p, 0, n);
    mpz_export(p, NULL, -1, 1, 0, 0, t);
    cb_pickle_emit_commit(e, p + n);
    mpz_clear(t);
}

void cb_pickle_emit_mpz(cb_pickle_emitter *e, const mpz_t z)
{
    if (mpz_sizeinbase(z, 2) > 127) {
        emit_big(e, z);
        return;
    }
    uint64_t w[2] = {0, 0};
    mpz_export(w, NULL, -1, sizeof w[0], 0, 0, z);
    __int128 v = (__int128)(((unsigned __int128)w[1] << 64) | w[0]);
    cb_pickle_emit_i128(e, mpz_sgn(z) < 0 ? -v : v);
}

void cb_pickle_emit_float(cb_pickle_emitter *e, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    unsigned char *p = cb_pickle_emit_reserve(e, 9);
    *p++ = CB_PK_BINFLOAT;
    for (int i = 7; i >= 0; i--)   /* big-endian */
        *p++ = (unsigned char)(bits >> (8 * i));
    cb_pickle_emit_commit(e, p);
}

/* A payload with a 1-, 4- or 8-byte length; large ones outside any frame. */
static void emit_counted(cb_pickle_emitter *e, int op1, int op4, int op8, const void *data, size_t n)
{
    if (n <= 0xff) {
        unsigned char *p = cb_pickle_emit_reserve(e, 2 + n);
        *p++ = (unsigned char)op1;
        *p++ = (unsigned char)n;
        memcpy(p, data, n);
        cb_pickle_emit_commit(e, p + n);
        return;
    }
    unsigned char hdr[9];
    size_t hn = n > 0xffffffffu ? 9 : 5;
    hdr[0] = (unsigned char)(hn == 9 ? op8 : op4);
    cb_pickle_put_le(hdr + 1, n, (int)hn - 1);
    if (n >= FRAME_TARGET) {
        frame_close(e);
        cb_buf_put(e->out, hdr, hn);
        cb_buf_put(e->out, data, n);
        return;
    }
    unsigned char *p = cb_pickle_emit_reserve(e, hn + n);
    memcpy(p, hdr, hn);
    memcpy(p + hn, data, n);
    cb_pickle_emit_commit(e, p + hn + n);
}

void cb_pickle_emit_str(cb_pickle_emitter *e, const char *s, size_t n)
{
    emit_counted(e, CB_PK_SHORT_BINUNICODE, CB_PK_BINUNICODE, CB_PK_BINUNICODE8, s, n);
}

void cb_pickle_emit_bytes(cb_pickle_emitter *e, const void *s, size_t n)
{
    emit_counted(e, CB_PK_SHORT_BINBYTES, CB_PK_BINBYTES, CB_PK_BINBYTES8, s, n);
}

uint32_t cb_pickle_emit_memoize(cb_pickle_emitter *e)
{
    cb_pickle_emit_op(e, CB_PK_MEMOIZE);
    return e->memo_next++;
}

void cb_pickle_emit_get(cb_pickle_emitter *e, uint32_t idx)
{
    unsigned char *p = cb_pickle_emit_reserve(e, 5);
    if (idx < 256) {
        *p++ = CB_PK_BINGET;
        *p++ = (unsigned char)idx;
    } else {
        *p++ = CB_PK_LONG_BINGET;
        p = cb_pickle_put_le(p, idx, 4);
    }
    cb_pickle_emit_commit(e, p);
}

/* A global's module or name: CPython saves it as any str (a value: frame
 * boundary, memoized). */
static void emit_name(cb_pickle_emitter *e, const char *s)
{
    if (e->framed)
        cb_pickle_emit_boundary(e);
    cb_pickle_emit_str(e, s, strlen(s));
    if (e->framed)
        cb_pickle_emit_memoize(e);
}

void cb_pickle_emit_range_global(cb_pickle_emitter *e)
{
    if (e->range_memo >= 0) {
        cb_pickle_emit_get(e, (uint32_t)e->range_memo);
        return;
    }
    emit_name(e, "builtins");
    emit_name(e, "range");
    cb_pickle_emit_op(e, CB_PK_STACK_GLOBAL);
    e->range_memo = cb_pickle_emit_memoize(e);
}
