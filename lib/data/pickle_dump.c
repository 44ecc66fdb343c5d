/* pickle_dump.c — the value writer: cb_pickle_dump and cb_pickle_dump_file
 * (pickle.h), a cb_value to protocol-4 bytes.
 *
 * It decides what CPython's C pickler would write for the same value and
 * leaves the bytes to the emit API (pickle_emit.h, CPython style): the same
 * opcodes, a MEMOIZE after every str/bytes/tuple/list/dict/set/frozenset/
 * range, a BINGET for a body met again (shared references stay shared),
 * list/dict/set items in batches of 1000, a frame boundary where CPython's
 * save() starts.  For the same value and sharing its bytes equal
 * pickle.dumps(v, 4) (tests/integration/pickle_python.py checks this). */
#include "data/pickle.h"
#include "data/pickle_emit.h"

#include <string.h>

#define BATCH 1000

typedef struct {
    cb_pickle_emitter e;
    cb_ptrmap memo;   /* body -> a: memo index (only bodies with refcount > 1) */
} writer;

/* MEMOIZE; a body referenced more than once is remembered for BINGET. */
static void memoize(writer *w, const void *body, long refcount)
{
    uint32_t idx = cb_pickle_emit_memoize(&w->e);
    if (refcount > 1)
        cb_pm_insert(&w->memo, body)->a = idx;
}

/* A body written before: BINGET it and say so. */
static bool memo_hit(writer *w, const void *body, long refcount)
{
    if (refcount <= 1)
        return false;
    cb_pm_entry *e = cb_pm_find(&w->memo, body);
    if (!e)
        return false;
    cb_pickle_emit_get(&w->e, e->a);
    return true;
}

static void save(writer *w, cb_value v);

static void save_int(writer *w, cb_value v)
{
    if (v.big)
        cb_pickle_emit_mpz(&w->e, v.u.big->z);
    else
        cb_pickle_emit_int(&w->e, v.u.i);
}

static void save_items(writer *w, cb_value v, size_t from, size_t k)
{
    for (size_t i = from; i < from + k; i++) {
        if (v.type == CB_DICT) {
            save(w, v.u.dict->keys[i]);
            save(w, v.u.dict->vals[i]);
        } else {
            save(w, v.u.seq->items[i]);
        }
    }
}

/* Items of a list/dict/set, in batches of 1000 exactly as CPython's C
 * pickler writes them (a single item alone; for dicts and sets a batch
 * follows every full one, even when empty). */
static void save_batches(writer *w, cb_value v)
{
    size_t n = cb_len(v), start = 0, k;
    if (n == 0)
        return;
    if (n == 1 && v.type != CB_SET) {
        save_items(w, v, 0, 1);
        cb_pickle_emit_op(&w->e, v.type == CB_DICT ? CB_PK_SETITEM : CB_PK_APPEND);
        return;
    }
    int close = v.type == CB_DICT ? CB_PK_SETITEMS : v.type == CB_SET ? CB_PK_ADDITEMS : CB_PK_APPENDS;
    do {
        k = n - start < BATCH ? n - start : BATCH;
        cb_pickle_emit_op(&w->e, CB_PK_MARK);
        save_items(w, v, start, k);
        cb_pickle_emit_op(&w->e, close);
        start += k;
    } while (v.type == CB_LIST ? start < n : k == BATCH);
}

static void save_tuple(writer *w, cb_seq *s)
{
    if (s->len == 0) {
        cb_pickle_emit_tuple_end(&w->e, 0);   /* EMPTY_TUPLE, never memoized */
        return;
    }
    if (memo_hit(w, s, s->refcount))
        return;
    cb_pickle_emit_tuple_begin(&w->e, s->len);
    for (size_t i = 0; i < s->len; i++)
        save(w, s->items[i]);
    cb_pickle_emit_tuple_end(&w->e, s->len);
    memoize(w, s, s->refcount);
}

/* list, set, dict: the empty container, memoized, then its items. */
static void save_mutable(writer *w, cb_value v, const void *body, long refcount, int empty_op)
{
    if (memo_hit(w, body, refcount))
        return;
    cb_pickle_emit_op(&w->e, empty_op);
    memoize(w, body, refcount);
    save_batches(w, v);
}

static void save_frozenset(writer *w, cb_seq *s)
{
    if (memo_hit(w, s, s->refcount))
        return;
    cb_pickle_emit_op(&w->e, CB_PK_MARK);
    for (size_t i = 0; i < s->len; i++)
        save(w, s->items[i]);
    cb_pickle_emit_op(&w->e, CB_PK_FROZENSET);
    memoize(w, s, s->refcount);
}

/* save_reduce(range, (start, stop, step)): the global, the arguments'
 * tuple (memoized), REDUCE. */
static void save_range(writer *w, cb_range *rg)
{
    if (memo_hit(w, rg, rg->refcount))
        return;
    cb_pickle_emit_range_global(&w->e);
    save(w, rg->start);
    save(w, rg->stop);
    save(w, rg->step);
    cb_pickle_emit_tuple_end(&w->e, 3);
    cb_pickle_emit_memoize(&w->e);
    cb_pickle_emit_op(&w->e, CB_PK_REDUCE);
    memoize(w, rg, rg->refcount);
}

static void save_str(writer *w, cb_value v)
{
    cb_str *s = v.u.str;
    if (memo_hit(w, s, s->refcount))
        return;
    if (v.type == CB_STR)
        cb_pickle_emit_str(&w->e, s->data, s->len);
    else
        cb_pickle_emit_bytes(&w->e, s->data, s->len);
    memoize(w, s, s->refcount);
}

static void save(writer *w, cb_value v)
{
    cb_pickle_emit_boundary(&w->e);
    switch (v.type) {
    case CB_NONE: cb_pickle_emit_op(&w->e, CB_PK_NONE); return;
    case CB_BOOL: cb_pickle_emit_op(&w->e, v.u.b ? CB_PK_NEWTRUE : CB_PK_NEWFALSE); return;
    case CB_INT: save_int(w, v); return;
    case CB_FLOAT: cb_pickle_emit_float(&w->e, v.u.f); return;
    case CB_STR: case CB_BYTES: save_str(w, v); return;
    case CB_TUPLE: save_tuple(w, v.u.seq); return;
    case CB_LIST: save_mutable(w, v, v.u.seq, v.u.seq->refcount, CB_PK_EMPTY_LIST); return;
    case CB_SET: save_mutable(w, v, v.u.seq, v.u.seq->refcount, CB_PK_EMPTY_SET); return;
    case CB_DICT: save_mutable(w, v, v.u.dict, v.u.dict->refcount, CB_PK_EMPTY_DICT); return;
    case CB_FROZENSET: save_frozenset(w, v.u.seq); return;
    case CB_RANGE: save_range(w, v.u.range); return;
    default: cb_pickle_emit_op(&w->e, CB_PK_NONE); return;   /* unreachable: no other types exist */
    }
}

void cb_pickle_dump(cb_value v, cb_buf *out)
{
    writer w = {0};
    cb_pickle_emit_begin(&w.e, out, CB_PICKLE_CPYTHON);
    save(&w, v);
    cb_pickle_emit_end(&w.e);
    cb_pm_free(&w.memo);
}

int cb_pickle_dump_file(const char *path, cb_value v, cb_err *err)
{
    cb_buf b = {0};
    cb_pickle_dump(v, &b);
    int rc = cb_write_file_atomic(path, b.data, b.len, err);
    cb_buf_free(&b);
    return rc;
}
