/* pickle.c — casbench's pickle codec (DESIGN §3.3, interface in pickle.h).
 *
 * The reader is a stack machine over an in-memory buffer, in the manner of
 * CPython's unpickler, restricted so that untrusted input can do no harm:
 *
 *  - Nothing executes.  GLOBAL/STACK_GLOBAL resolve only builtins.range,
 *    builtins.set, builtins.frozenset and _codecs.encode (also under their
 *    Python 2 names __builtin__.*, __builtin__.xrange), to markers that
 *    REDUCE/NEWOBJ turn into values by code of ours.  Any other global is
 *    refused by name.
 *  - Every length is checked against the bytes left before anything is
 *    allocated; memo indices are bounded by the input size; MARKs nest at
 *    most CB_PICKLE_MAX_MARKS deep and values at most CB_PICKLE_MAX_DEPTH
 *    (casbench's own code walks values recursively).
 *  - No reference cycle can form: a list, dict or set can be mutated
 *    (APPEND, SETITEM, ADDITEMS...) only while it is not yet inside another
 *    container ("open"); once placed, it is "sealed".  Python's pickler
 *    always fills a container before placing it, so only recursive data is
 *    refused, which casbench's value model cannot hold anyway.
 *  - Dict keys and set items must be hashable, as in Python, and the total
 *    hashing work is bounded linearly by the input size, so that shared
 *    sub-values cannot make a small pickle hash for ever.
 *
 * Each error is one line "pickle: offset N: what", N being the offset of
 * the opcode that failed.  Python 2 strings (STRING, BINSTRING,
 * SHORT_BINSTRING) are read as latin-1 text into str, like
 * pickle.load(encoding="latin1").
 *
 * The writer emits protocol 4 the way CPython's pickler does (same opcodes,
 * MEMOIZE of every str/bytes/tuple/list/dict/set/frozenset/range, BINGET for
 * a body met twice, ~64 KiB frames, large strings outside frames), so that
 * for the same value the bytes are usually identical to pickle.dumps(v, 4).
 */
#include "pickle.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CB_PICKLE_MAX_MARKS 10000
#define CB_PICKLE_MAX_DEPTH 1000
#define FRAME_TARGET (64 * 1024)
#define BATCH 1000

enum {
    OP_MARK = '(', OP_STOP = '.', OP_POP = '0', OP_POP_MARK = '1', OP_DUP = '2',
    OP_FLOAT = 'F', OP_INT = 'I', OP_BININT = 'J', OP_BININT1 = 'K', OP_LONG = 'L',
    OP_BININT2 = 'M', OP_NONE = 'N', OP_PERSID = 'P', OP_BINPERSID = 'Q', OP_REDUCE = 'R',
    OP_STRING = 'S', OP_BINSTRING = 'T', OP_SHORT_BINSTRING = 'U', OP_UNICODE = 'V',
    OP_BINUNICODE = 'X', OP_APPEND = 'a', OP_BUILD = 'b', OP_GLOBAL = 'c', OP_DICT = 'd',
    OP_EMPTY_DICT = '}', OP_APPENDS = 'e', OP_GET = 'g', OP_BINGET = 'h', OP_INST = 'i',
    OP_LONG_BINGET = 'j', OP_LIST = 'l', OP_EMPTY_LIST = ']', OP_OBJ = 'o', OP_PUT = 'p',
    OP_BINPUT = 'q', OP_LONG_BINPUT = 'r', OP_SETITEM = 's', OP_TUPLE = 't',
    OP_EMPTY_TUPLE = ')', OP_SETITEMS = 'u', OP_BINFLOAT = 'G',
    OP_PROTO = 0x80, OP_NEWOBJ = 0x81, OP_EXT1 = 0x82, OP_EXT2 = 0x83, OP_EXT4 = 0x84,
    OP_TUPLE1 = 0x85, OP_TUPLE2 = 0x86, OP_TUPLE3 = 0x87, OP_NEWTRUE = 0x88,
    OP_NEWFALSE = 0x89, OP_LONG1 = 0x8a, OP_LONG4 = 0x8b,
    OP_BINBYTES = 'B', OP_SHORT_BINBYTES = 'C',
    OP_SHORT_BINUNICODE = 0x8c, OP_BINUNICODE8 = 0x8d, OP_BINBYTES8 = 0x8e,
    OP_EMPTY_SET = 0x8f, OP_ADDITEMS = 0x90, OP_FROZENSET = 0x91, OP_NEWOBJ_EX = 0x92,
    OP_STACK_GLOBAL = 0x93, OP_MEMOIZE = 0x94, OP_FRAME = 0x95,
    OP_BYTEARRAY8 = 0x96, OP_NEXT_BUFFER = 0x97, OP_READONLY_BUFFER = 0x98,
};

static const char *op_name(int op)
{
    switch (op) {
    case OP_MARK: return "MARK"; case OP_STOP: return "STOP"; case OP_POP: return "POP";
    case OP_POP_MARK: return "POP_MARK"; case OP_DUP: return "DUP"; case OP_FLOAT: return "FLOAT";
    case OP_INT: return "INT"; case OP_BININT: return "BININT"; case OP_BININT1: return "BININT1";
    case OP_LONG: return "LONG"; case OP_BININT2: return "BININT2"; case OP_NONE: return "NONE";
    case OP_PERSID: return "PERSID"; case OP_BINPERSID: return "BINPERSID";
    case OP_REDUCE: return "REDUCE"; case OP_STRING: return "STRING";
    case OP_BINSTRING: return "BINSTRING"; case OP_SHORT_BINSTRING: return "SHORT_BINSTRING";
    case OP_UNICODE: return "UNICODE"; case OP_BINUNICODE: return "BINUNICODE";
    case OP_APPEND: return "APPEND"; case OP_BUILD: return "BUILD"; case OP_GLOBAL: return "GLOBAL";
    case OP_DICT: return "DICT"; case OP_EMPTY_DICT: return "EMPTY_DICT";
    case OP_APPENDS: return "APPENDS"; case OP_GET: return "GET"; case OP_BINGET: return "BINGET";
    case OP_INST: return "INST"; case OP_LONG_BINGET: return "LONG_BINGET";
    case OP_LIST: return "LIST"; case OP_EMPTY_LIST: return "EMPTY_LIST"; case OP_OBJ: return "OBJ";
    case OP_PUT: return "PUT"; case OP_BINPUT: return "BINPUT"; case OP_LONG_BINPUT: return "LONG_BINPUT";
    case OP_SETITEM: return "SETITEM"; case OP_TUPLE: return "TUPLE";
    case OP_EMPTY_TUPLE: return "EMPTY_TUPLE"; case OP_SETITEMS: return "SETITEMS";
    case OP_BINFLOAT: return "BINFLOAT"; case OP_PROTO: return "PROTO"; case OP_NEWOBJ: return "NEWOBJ";
    case OP_EXT1: return "EXT1"; case OP_EXT2: return "EXT2"; case OP_EXT4: return "EXT4";
    case OP_TUPLE1: return "TUPLE1"; case OP_TUPLE2: return "TUPLE2"; case OP_TUPLE3: return "TUPLE3";
    case OP_NEWTRUE: return "NEWTRUE"; case OP_NEWFALSE: return "NEWFALSE";
    case OP_LONG1: return "LONG1"; case OP_LONG4: return "LONG4";
    case OP_BINBYTES: return "BINBYTES"; case OP_SHORT_BINBYTES: return "SHORT_BINBYTES";
    case OP_SHORT_BINUNICODE: return "SHORT_BINUNICODE"; case OP_BINUNICODE8: return "BINUNICODE8";
    case OP_BINBYTES8: return "BINBYTES8"; case OP_EMPTY_SET: return "EMPTY_SET";
    case OP_ADDITEMS: return "ADDITEMS"; case OP_FROZENSET: return "FROZENSET";
    case OP_NEWOBJ_EX: return "NEWOBJ_EX"; case OP_STACK_GLOBAL: return "STACK_GLOBAL";
    case OP_MEMOIZE: return "MEMOIZE"; case OP_FRAME: return "FRAME";
    case OP_BYTEARRAY8: return "BYTEARRAY8"; case OP_NEXT_BUFFER: return "NEXT_BUFFER";
    case OP_READONLY_BUFFER: return "READONLY_BUFFER";
    default: return NULL;
    }
}

/* ====================================================================== */
/*                                reader                                  */
/* ====================================================================== */

/* Marker values that live only on the reader's stack and memo: a resolved
 * global (u.i says which) and an empty memo slot.  cb_release ignores
 * them (no refcount). */
#define PK_GLOBAL 200
#define PK_EMPTY 201
enum { G_RANGE, G_SET, G_FROZENSET, G_ENCODE };
static const char *global_name[] = {"builtins.range", "builtins.set", "builtins.frozenset", "_codecs.encode"};

/* A stack or memo entry.  depth: nesting of an immutable value (0 for
 * scalars); for lists, dicts and sets the current depth lives in the open
 * map instead, since a copy on the stack may predate their filling.
 * weight: 0 when unhashable, else an upper bound of the work to hash or
 * compare it (saturating). */
typedef struct {
    cb_value v;
    uint32_t depth, weight;
} slot;

typedef struct {
    const unsigned char *data;
    size_t len, pos, op;   /* op: offset of the opcode being run */
    int opcode;
    slot *stack;
    size_t sp, scap;
    size_t *marks;
    size_t nmarks, mcap;
    slot *memo;
    size_t memo_cap, memo_count, memo_limit;
    cb_ptrmap open;           /* list/dict/set body -> a: depth, b: sealed */
    uint64_t work, work_budget;
    cb_err *err;
} reader;

static int rfail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(reader *r, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cb_fail(r->err, "pickle: offset %zu: %s", r->op, msg);
}

static const char *cur_name(reader *r)
{
    const char *n = op_name(r->opcode);
    return n ? n : "?";
}

/* Quote untrusted text for a one-line message: printable ASCII as is,
 * anything else as \xNN, at most ~80 characters. */
static void quote_into(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o > 80) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = 0;
}

static const char *value_type_name(cb_value v)
{
    if (v.type == PK_GLOBAL)
        return "global";
    return cb_type_name((cb_type)v.type);
}

static bool is_mutable(cb_value v) { return v.type == CB_LIST || v.type == CB_DICT || v.type == CB_SET; }

static const void *body_of(cb_value v)
{
    switch (v.type) {
    case CB_LIST: case CB_SET: case CB_TUPLE: case CB_FROZENSET: return v.u.seq;
    case CB_DICT: return v.u.dict;
    default: return NULL;
    }
}

static uint32_t sat32(uint64_t x) { return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x; }

/* Weights saturate at UINT32_MAX, which no input can afford anyway. */
static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b > UINT32_MAX ? UINT32_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    a = a > UINT32_MAX ? UINT32_MAX : a;
    b = b > UINT32_MAX ? UINT32_MAX : b;
    return sat32(a * b);   /* both below 2**32: no overflow */
}

/* ---------- input ---------- */

static int need(reader *r, size_t n)
{
    if (n > r->len - r->pos)
        return rfail(r, "truncated %s: needs %zu bytes, %zu left", cur_name(r), n, r->len - r->pos);
    return 0;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t x = 0;
    for (int i = n - 1; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

/* The text argument of a protocol-0 opcode: up to the newline (excluded). */
static int read_line(reader *r, const char **s, size_t *n)
{
    const unsigned char *start = r->data + r->pos;
    const unsigned char *nl = memchr(start, '\n', r->len - r->pos);
    if (!nl)
        return rfail(r, "truncated %s: no newline", cur_name(r));
    *s = (const char *)start;
    *n = (size_t)(nl - start);
    r->pos += *n + 1;
    return 0;
}

/* ---------- stack ---------- */

static void grow_stack(reader *r)
{
    r->scap = r->scap ? r->scap * 2 : 64;
    r->stack = cb_xrealloc(r->stack, r->scap * sizeof *r->stack);
}

static inline void push(reader *r, cb_value v, uint32_t depth, uint32_t weight)
{
    if (__builtin_expect(r->sp == r->scap, 0))
        grow_stack(r);
    r->stack[r->sp++] = (slot){v, depth, weight};
}

static void push_scalar(reader *r, cb_value v) { push(r, v, 0, 1); }

static uint32_t str_weight(size_t len) { return sat32(1 + len / 16); }

static void push_str(reader *r, cb_value v) { push(r, v, 0, str_weight(cb_str_len(v))); }

static void push_int(reader *r, cb_value v)
{
    uint32_t w = 1;
    if (v.big)
        w = sat32(1 + mpz_size(v.u.big->z) / 4);
    push(r, v, 0, w);
}

static size_t fence(reader *r) { return r->nmarks ? r->marks[r->nmarks - 1] : 0; }

/* The stack must hold n entries above the current mark. */
static int need_stack(reader *r, size_t n)
{
    if (r->sp - fence(r) < n)
        return rfail(r, "%s: stack underflow", cur_name(r));
    return 0;
}

/* Pops the topmost mark; *at is where its items start. */
static int pop_mark(reader *r, size_t *at)
{
    if (!r->nmarks)
        return rfail(r, "%s: no MARK on the stack", cur_name(r));
    *at = r->marks[--r->nmarks];
    return 0;
}

static void drop_from(reader *r, size_t at)
{
    while (r->sp > at)
        cb_release(r->stack[--r->sp].v);
}

/* Registers a new list/dict/set as open, with its depth. */
static void open_container(reader *r, cb_value v, uint32_t depth)
{
    cb_pm_entry *e = cb_pm_insert(&r->open, body_of(v));
    e->a = depth;
    e->b = 0;
}

static int check_depth(reader *r, uint64_t depth)
{
    if (depth > CB_PICKLE_MAX_DEPTH)
        return rfail(r, "%s: values nested deeper than %d levels", cur_name(r), CB_PICKLE_MAX_DEPTH);
    return 0;
}

/* A value about to be stored inside `target` (a body, or NULL for a new
 * container): it must be a real value, not the target itself; lists, dicts
 * and sets become sealed.  *depth gets its nesting depth. */
static int place(reader *r, const slot *s, const void *target, uint32_t *depth)
{
    if (s->v.type == PK_GLOBAL)
        return rfail(r, "%s: global %s used as a value (only calling it is supported)", cur_name(r),
                     global_name[s->v.u.i]);
    if (is_mutable(s->v)) {
        const void *b = body_of(s->v);
        if (b == target)
            return rfail(r, "%s: recursive structure (a %s inside itself)", cur_name(r), value_type_name(s->v));
        cb_pm_entry *e = cb_pm_find(&r->open, b);
        if (!e)   /* cannot happen: every mutable body the reader makes is registered */
            return rfail(r, "%s: internal error: unknown container", cur_name(r));
        e->b = 1;
        *depth = e->a;
    } else {
        *depth = s->depth;
    }
    return 0;
}

/* Dict keys and set items: hashable as in Python, with bounded total work. */
static int check_hashable(reader *r, const slot *s)
{
    if (s->v.type == PK_GLOBAL)
        return rfail(r, "%s: global %s used as a value (only calling it is supported)", cur_name(r),
                     global_name[s->v.u.i]);
    if (s->weight == 0)
        return rfail(r, "%s: unhashable %s used as a dict key or set item", cur_name(r), value_type_name(s->v));
    r->work += s->weight;
    if (r->work > r->work_budget)
        return rfail(r, "%s: keys too costly to hash for the input size (pathological sharing)", cur_name(r));
    return 0;
}

/* The target of APPEND/SETITEM/ADDITEMS at stack index i: of type t, open. */
static int open_target(reader *r, size_t i, cb_type t, cb_pm_entry **e)
{
    cb_value v = r->stack[i].v;
    if (v.type != t)
        return rfail(r, "%s: expected a %s to fill, found %s", cur_name(r), cb_type_name(t), value_type_name(v));
    *e = cb_pm_find(&r->open, body_of(v));
    if (!*e || (*e)->b)
        return rfail(r, "%s: the %s is already inside another container (recursive structure)", cur_name(r),
                     cb_type_name(t));
    return 0;
}

/* Adds `n` hashable values (stolen) to a set/frozenset body, skipping those
 * already there (Python equality). */
static void set_add(cb_value set, cb_value *items, size_t n)
{
    cb_seq *s = set.u.seq;
    if (s->len + n <= 8) {
        for (size_t k = 0; k < n; k++) {
            bool dup = false;
            for (size_t i = 0; i < s->len && !dup; i++)
                dup = cb_equal(s->items[i], items[k]);
            if (dup)
                cb_release(items[k]);
            else
                cb_seq_push(set, items[k]);
        }
        return;
    }
    cb_value index = cb_dict_new(s->len + n);
    for (size_t i = 0; i < s->len; i++)
        cb_dict_append_unique(index, cb_retain(s->items[i]), cb_none());
    for (size_t k = 0; k < n; k++) {
        if (cb_dict_find(index, items[k]) >= 0) {
            cb_release(items[k]);
        } else {
            cb_dict_append_unique(index, cb_retain(items[k]), cb_none());
            cb_seq_push(set, items[k]);
        }
    }
    cb_release(index);
}

/* ---------- building containers from stack items ---------- */

/* Replaces stack[at..sp) with a tuple (or frozenset) of those items. */
static int build_tuple(reader *r, size_t at, cb_type type)
{
    size_t n = r->sp - at;
    uint32_t depth = 0;
    uint64_t weight = 1;
    bool hashable = true;
    for (size_t i = at; i < r->sp; i++) {
        uint32_t d;
        if (r->stack[i].v.type <= CB_FLOAT) {   /* fast path: None, bool, int, float */
            weight += r->stack[i].weight;
            continue;
        }
        if (type == CB_FROZENSET) {
            if (check_hashable(r, &r->stack[i]) < 0)
                return -1;
            d = r->stack[i].depth;   /* hashable, so not a list/dict/set */
        } else if (place(r, &r->stack[i], NULL, &d) < 0) {
            return -1;
        }
        if (d > depth)
            depth = d;
        if (r->stack[i].weight == 0)
            hashable = false;
        weight += r->stack[i].weight;
    }
    if (check_depth(r, (uint64_t)depth + 1) < 0)
        return -1;
    cb_value t;
    if (type == CB_FROZENSET) {
        weight = sat_mul(weight, n + 1);   /* frozenset equality is quadratic in cb_equal */
        t = cb_frozenset_new(n);
        cb_value *items = cb_xmalloc((n ? n : 1) * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = r->stack[at + i].v;
        set_add(t, items, n);
        free(items);
    } else {
        t = cb_tuple_new(n);
        for (size_t i = 0; i < n; i++)
            t.u.seq->items[i] = r->stack[at + i].v;
        t.u.seq->len = n;
    }
    r->sp = at;
    push(r, t, depth + 1, hashable ? sat32(weight) : 0);
    return 0;
}

/* Appends stack[at..sp) to the list at stack[at-1]. */
static int do_appends(reader *r, size_t at)
{
    if (at == 0 || at - 1 < fence(r))
        return rfail(r, "%s: stack underflow", cur_name(r));
    cb_pm_entry *e;
    if (open_target(r, at - 1, CB_LIST, &e) < 0)
        return -1;
    cb_value list = r->stack[at - 1].v;
    uint32_t depth = e->a;
    for (size_t i = at; i < r->sp; i++) {
        uint32_t d;
        if (place(r, &r->stack[i], list.u.seq, &d) < 0)
            return -1;
        if (d + 1 > depth)
            depth = d + 1;
    }
    if (check_depth(r, depth) < 0)
        return -1;
    e->a = depth;
    cb_seq *s = list.u.seq;
    size_t n = r->sp - at;
    if (s->len + n > s->cap) {
        s->cap = s->len + n > s->cap * 2 ? s->len + n : s->cap * 2;
        s->items = cb_xrealloc(s->items, s->cap * sizeof *s->items);
    }
    for (size_t i = at; i < r->sp; i++)
        s->items[s->len++] = r->stack[i].v;
    r->sp = at;
    return 0;
}

/* Sets the key/value pairs stack[at..sp) into the dict at stack[at-1]. */
static int do_setitems(reader *r, size_t at)
{
    if (at == 0 || at - 1 < fence(r))
        return rfail(r, "%s: stack underflow", cur_name(r));
    if ((r->sp - at) % 2)
        return rfail(r, "%s: odd number of items for key/value pairs", cur_name(r));
    cb_pm_entry *e;
    if (open_target(r, at - 1, CB_DICT, &e) < 0)
        return -1;
    cb_value dict = r->stack[at - 1].v;
    uint32_t depth = e->a;
    for (size_t i = at; i < r->sp; i += 2) {
        uint32_t d;
        if (check_hashable(r, &r->stack[i]) < 0 || place(r, &r->stack[i + 1], dict.u.dict, &d) < 0)
            return -1;
        if (r->stack[i].depth + 1 > depth)
            depth = r->stack[i].depth + 1;
        if (d + 1 > depth)
            depth = d + 1;
    }
    if (check_depth(r, depth) < 0)
        return -1;
    e->a = depth;
    size_t need = dict.u.dict->len + (r->sp - at) / 2;
    if (need > dict.u.dict->cap)   /* doubling: batches of 1000 must not rehash every time */
        cb_dict_reserve(dict, need > dict.u.dict->cap * 2 ? need : dict.u.dict->cap * 2);
    for (size_t i = at; i < r->sp; i += 2)
        cb_dict_set(dict, r->stack[i].v, r->stack[i + 1].v);
    r->sp = at;
    return 0;
}

/* Adds stack[at..sp) to the set at stack[at-1]. */
static int do_additems(reader *r, size_t at)
{
    if (at == 0 || at - 1 < fence(r))
        return rfail(r, "%s: stack underflow", cur_name(r));
    cb_pm_entry *e;
    if (open_target(r, at - 1, CB_SET, &e) < 0)
        return -1;
    uint32_t depth = e->a;
    for (size_t i = at; i < r->sp; i++) {
        if (check_hashable(r, &r->stack[i]) < 0)
            return -1;
        if (r->stack[i].depth + 1 > depth)
            depth = r->stack[i].depth + 1;
    }
    if (check_depth(r, depth) < 0)
        return -1;
    e->a = depth;
    size_t n = r->sp - at;
    cb_value *items = cb_xmalloc((n ? n : 1) * sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = r->stack[at + i].v;
    set_add(r->stack[at - 1].v, items, n);
    free(items);
    r->sp = at;
    return 0;
}

/* LIST / DICT: a new container from the items above the mark. */
static int build_list_or_dict(reader *r, size_t at, cb_type type)
{
    size_t n = r->sp - at;
    cb_value c = type == CB_LIST ? cb_list_new(n) : cb_dict_new(n / 2);
    /* Push it below its items so do_appends/do_setitems can fill it. */
    push(r, cb_none(), 0, 1);
    memmove(&r->stack[at + 1], &r->stack[at], n * sizeof *r->stack);
    r->stack[at] = (slot){c, 1, 0};
    open_container(r, c, 1);
    return type == CB_LIST ? do_appends(r, at + 1) : do_setitems(r, at + 1);
}

/* ---------- hashability of values found inside containers ---------- */

/* For set(iterable)/frozenset(iterable) the items come from inside a
 * container, without slot data: walk them (bounded by the work budget). */
static uint64_t walk_weight(reader *r, cb_value v, bool *hashable)
{
    if (++r->work > r->work_budget)
        return 0;
    switch (v.type) {
    case CB_LIST: case CB_DICT: case CB_SET:
        *hashable = false;
        return 0;
    case CB_STR: case CB_BYTES:
        return str_weight(cb_str_len(v));
    case CB_TUPLE: case CB_FROZENSET: {
        uint64_t w = 1;
        for (size_t i = 0; i < v.u.seq->len && *hashable && r->work <= r->work_budget; i++)
            w = sat_add(w, walk_weight(r, v.u.seq->items[i], hashable));
        if (v.type == CB_FROZENSET)
            w = sat_mul(w, v.u.seq->len + 1);
        return w;
    }
    default:
        return 1;
    }
}

/* Items of `src` (list, tuple, set, frozenset, or a dict's keys) added to a
 * new set/frozenset `dst`. */
static int fill_set_from(reader *r, cb_value dst, cb_value src, uint32_t *depth, uint64_t *weight)
{
    size_t n = cb_len(src);
    bool from_dict = src.type == CB_DICT;
    cb_value *items = cb_xmalloc((n ? n : 1) * sizeof *items);
    *depth = 1;
    *weight = 1;
    for (size_t i = 0; i < n; i++) {
        cb_value x = from_dict ? cb_dict_key(src, i) : cb_item(src, i);
        bool hashable = true;
        uint64_t w = walk_weight(r, x, &hashable);
        r->work += w;   /* the hashing that set_add will do */
        if (!hashable || r->work > r->work_budget) {
            while (i)
                cb_release(items[--i]);
            free(items);
            if (!hashable)
                return rfail(r, "%s: unhashable item in the argument of set()/frozenset()", cur_name(r));
            return rfail(r, "%s: set items too costly to hash for the input size", cur_name(r));
        }
        *weight += w;
        items[i] = cb_retain(x);
    }
    set_add(dst, items, n);
    free(items);
    /* depth: the source is already within bounds and one level deeper than
     * its items; the new set sits at the same level as the source. */
    return 0;
}

static int int_arg(reader *r, cb_value v, cb_value *out, const char *what)
{
    if (v.type == CB_BOOL) {
        *out = cb_int(v.u.b);
        return 0;
    }
    if (v.type != CB_INT)
        return rfail(r, "%s: %s argument must be an int, not %s", cur_name(r), what, value_type_name(v));
    *out = cb_retain(v);
    return 0;
}

/* latin-1 bytes -> UTF-8 str */
static cb_value latin1_to_str(const unsigned char *p, size_t n)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += p[i] >> 7;
    if (!extra)
        return cb_str_new((const char *)p, n);
    char *buf = cb_xmalloc(n + extra);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            buf[o++] = (char)p[i];
        } else {
            buf[o++] = (char)(0xc0 | (p[i] >> 6));
            buf[o++] = (char)(0x80 | (p[i] & 0x3f));
        }
    }
    cb_value v = cb_str_new(buf, o);
    free(buf);
    return v;
}

/* Decodes one UTF-8 sequence (surrogates allowed, as Python's
 * 'surrogatepass'); returns its length, or 0 when invalid. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t min;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; *cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; *cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; *cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (p[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff)
        return 0;
    return len;
}

static bool utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* fast path: 8 ASCII bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        uint32_t cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static void utf8_put(cb_buf *b, uint32_t cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xc0 | cp >> 6); t[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xe0 | cp >> 12); t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        t[0] = (char)(0xf0 | cp >> 18); t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); t[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    cb_buf_put(b, t, n);
}

static bool ascii_ieq(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (x == '_')
            x = '-';
        if (x != y)
            return false;
    }
    return true;
}

/* _codecs.encode(str[, encoding[, 'strict']]) -> bytes */
static int call_encode(reader *r, cb_value args, cb_value *out)
{
    size_t n = cb_len(args);
    if (n < 1 || n > 3 || cb_item(args, 0).type != CB_STR)
        return rfail(r, "%s: _codecs.encode needs (str[, encoding]) arguments", cur_name(r));
    for (size_t i = 1; i < n; i++)
        if (cb_item(args, i).type != CB_STR)
            return rfail(r, "%s: _codecs.encode: encoding and errors must be str", cur_name(r));
    cb_value s = cb_item(args, 0);
    enum { ENC_UTF8, ENC_LATIN1, ENC_ASCII } enc = ENC_UTF8;
    if (n >= 2) {
        const char *e = cb_str_data(cb_item(args, 1));
        size_t el = cb_str_len(cb_item(args, 1));
        if (ascii_ieq(e, el, "latin1") || ascii_ieq(e, el, "latin-1") || ascii_ieq(e, el, "iso-8859-1") ||
            ascii_ieq(e, el, "iso8859-1"))
            enc = ENC_LATIN1;
        else if (ascii_ieq(e, el, "utf-8") || ascii_ieq(e, el, "utf8"))
            enc = ENC_UTF8;
        else if (ascii_ieq(e, el, "ascii") || ascii_ieq(e, el, "us-ascii"))
            enc = ENC_ASCII;
        else {
            char q[128];
            quote_into(q, sizeof q, e, el);
            return rfail(r, "%s: _codecs.encode: unsupported encoding '%s'", cur_name(r), q);
        }
    }
    if (n == 3 && !ascii_ieq(cb_str_data(cb_item(args, 2)), cb_str_len(cb_item(args, 2)), "strict"))
        return rfail(r, "%s: _codecs.encode: only errors='strict' is supported", cur_name(r));
    const unsigned char *p = (const unsigned char *)cb_str_data(s);
    size_t len = cb_str_len(s);
    unsigned char *buf = cb_xmalloc(len ? len : 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_next(p + i, len - i, &cp);   /* the str was validated: k > 0 */
        bool ok = enc == ENC_UTF8 ? !(cp >= 0xd800 && cp <= 0xdfff) : cp < (enc == ENC_LATIN1 ? 0x100u : 0x80u);
        if (!ok || !k) {
            free(buf);
            return rfail(r, "%s: _codecs.encode: character U+%04X cannot be encoded", cur_name(r), (unsigned)cp);
        }
        if (enc == ENC_UTF8) {
            memcpy(buf + o, p + i, k);
            o += k;
        } else {
            buf[o++] = (unsigned char)cp;
        }
        i += k;
    }
    *out = cb_bytes_new(buf, o);
    free(buf);
    return 0;
}

/* REDUCE (newobj=false) or NEWOBJ (newobj=true) of an allowed global. */
static int call_global(reader *r, int g, cb_value args, bool newobj)
{
    size_t n = cb_len(args);
    if (g == G_ENCODE) {
        if (newobj)
            return rfail(r, "%s: _codecs.encode is not a class", cur_name(r));
        cb_value b;
        if (call_encode(r, args, &b) < 0)
            return -1;
        push_str(r, b);
        return 0;
    }
    if (g == G_RANGE) {
        if (n < 1 || n > 3)
            return rfail(r, "%s: range expects 1 to 3 arguments, got %zu", cur_name(r), n);
        cb_value a[3];
        size_t got = 0;
        for (; got < n; got++)
            if (int_arg(r, cb_item(args, got), &a[got], "range") < 0) {
                while (got)
                    cb_release(a[--got]);
                return -1;
            }
        cb_value start = n == 1 ? cb_int(0) : a[0], stop = n == 1 ? a[0] : a[1], step = n == 3 ? a[2] : cb_int(1);
        if (cb_int_sgn(step) == 0) {
            cb_release(start);
            cb_release(stop);
            cb_release(step);
            return rfail(r, "%s: range() step must not be zero", cur_name(r));
        }
        cb_value rg = cb_range_new(start, stop, step);
        uint64_t w = 1;
        cb_value parts[3] = {start, stop, step};
        for (int i = 0; i < 3; i++)
            w += parts[i].big ? 1 + mpz_size(parts[i].u.big->z) / 4 : 1;
        push(r, rg, 1, sat32(w));
        return 0;
    }
    /* set / frozenset */
    bool frozen = g == G_FROZENSET;
    cb_value s = frozen ? cb_frozenset_new(0) : cb_set_new(0);
    uint32_t depth = 1;
    uint64_t weight = 1;
    if (!(newobj && !frozen) && n > 0) {   /* set.__new__ ignores its arguments */
        cb_value src = cb_item(args, 0);
        if (n > 1) {
            cb_release(s);
            return rfail(r, "%s: %s expects at most 1 argument", cur_name(r), global_name[g]);
        }
        if (!cb_is_seq(src) && src.type != CB_DICT) {
            cb_release(s);
            return rfail(r, "%s: %s of a %s is not supported", cur_name(r), global_name[g], value_type_name(src));
        }
        if (fill_set_from(r, s, src, &depth, &weight) < 0) {
            cb_release(s);
            return -1;
        }
    }
    if (frozen) {
        push(r, s, depth, sat32(sat_mul(weight, cb_len(s) + 1)));
    } else {
        push(r, s, depth, 0);
        open_container(r, s, depth);
    }
    return 0;
}

/* Depth of the value in a slot (open map for lists/dicts/sets). */
static uint32_t slot_depth(reader *r, const slot *s)
{
    if (is_mutable(s->v)) {
        cb_pm_entry *e = cb_pm_find(&r->open, body_of(s->v));
        return e ? e->a : 1;
    }
    return s->depth;
}

static int op_reduce(reader *r, bool newobj)
{
    if (need_stack(r, 2) < 0)
        return -1;
    slot *fn = &r->stack[r->sp - 2], *args = &r->stack[r->sp - 1];
    if (fn->v.type != PK_GLOBAL)
        return rfail(r, "%s: can only call an allowed global, not a %s", cur_name(r), value_type_name(fn->v));
    if (args->v.type != CB_TUPLE)
        return rfail(r, "%s: arguments must be a tuple, not %s", cur_name(r), value_type_name(args->v));
    int g = (int)fn->v.u.i;
    cb_value a = args->v;
    uint32_t args_depth = slot_depth(r, args);
    r->sp -= 2;   /* fn holds no reference; a is released below */
    int rc = call_global(r, g, a, newobj);
    if (rc == 0 && (g == G_SET || g == G_FROZENSET)) {
        /* the new set is no deeper than the arguments tuple */
        slot *top = &r->stack[r->sp - 1];
        if (args_depth > top->depth) {
            if (g == G_SET)
                cb_pm_find(&r->open, body_of(top->v))->a = args_depth;
            else
                top->depth = args_depth;
        }
    }
    cb_release(a);
    return rc;
}

/* ---------- globals ---------- */

static int resolve_global(reader *r, const char *mod, size_t ml, const char *name, size_t nl)
{
#define IS(s, n, lit) ((n) == sizeof(lit) - 1 && memcmp((s), (lit), (n)) == 0)
    bool builtins = IS(mod, ml, "builtins") || IS(mod, ml, "__builtin__");
    int g = -1;
    if (builtins && IS(name, nl, "range"))
        g = G_RANGE;
    else if (IS(mod, ml, "__builtin__") && IS(name, nl, "xrange"))
        g = G_RANGE;
    else if (builtins && IS(name, nl, "set"))
        g = G_SET;
    else if (builtins && IS(name, nl, "frozenset"))
        g = G_FROZENSET;
    else if (IS(mod, ml, "_codecs") && IS(name, nl, "encode"))
        g = G_ENCODE;
#undef IS
    if (g < 0) {
        char qm[128], qn[128];
        quote_into(qm, sizeof qm, mod, ml);
        quote_into(qn, sizeof qn, name, nl);
        return rfail(r, "refusing global '%s.%s' (only builtins.range, builtins.set, builtins.frozenset and "
                        "_codecs.encode are allowed)", qm, qn);
    }
    return g;
}

static void push_global(reader *r, int g)
{
    cb_value v = {0};
    v.type = PK_GLOBAL;
    v.u.i = g;
    push(r, v, 0, 0);
}

/* ---------- numbers in text (protocol 0) ---------- */

static int parse_int_text(reader *r, const char *s, size_t n, bool long_suffix, cb_value *out)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (long_suffix && n && s[n - 1] == 'L')
        n--;
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        goto bad;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            goto bad;
    if (n - i <= 18) {
        int64_t x = 0;
        for (size_t k = i; k < n; k++)
            x = x * 10 + (s[k] - '0');
        *out = cb_int(neg ? -x : x);
        return 0;
    }
    char *tmp = cb_xmalloc(n - i + 1);
    memcpy(tmp, s + i, n - i);
    tmp[n - i] = 0;
    mpz_t z;
    mpz_init_set_str(z, tmp, 10);
    free(tmp);
    if (neg)
        mpz_neg(z, z);
    *out = cb_int_mpz(z);
    mpz_clear(z);
    return 0;
bad:;
    char q[128];
    quote_into(q, sizeof q, s, n);
    return rfail(r, "%s: invalid integer literal '%s'", cur_name(r), q);
}

static int parse_float_text(reader *r, const char *s, size_t n, double *out)
{
    char buf[400];
    char q[128];
    if (n == 0 || n >= sizeof buf || memchr(s, 'x', n) || memchr(s, 'X', n) || memchr(s, '(', n))
        goto bad;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    *out = strtod(buf, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (end == buf || *end)
        goto bad;
    return 0;
bad:
    quote_into(q, sizeof q, s, n);
    return rfail(r, "%s: invalid float literal '%s'", cur_name(r), q);
}

/* Signed little-endian two's complement (LONG1/LONG4). */
static cb_value decode_long(const unsigned char *p, size_t n)
{
    if (n == 0)
        return cb_int(0);
    if (n <= 8) {
        uint64_t x = le(p, (int)n);
        if (n < 8 && (p[n - 1] & 0x80))
            x |= ~(uint64_t)0 << (8 * n);
        return cb_int((int64_t)x);   /* 8 bytes: exactly an int64 */
    }
    /* Built in place (no copy through cb_int_mpz): big coefficients are common. */
    cb_bigint *b = cb_xmalloc(sizeof *b);
    b->refcount = 1;
    mpz_init2(b->z, 8 * n);
    mpz_import(b->z, n, -1, 1, 0, 0, p);
    if (p[n - 1] & 0x80) {
        mpz_t t;
        mpz_init(t);
        mpz_setbit(t, 8 * n);
        mpz_sub(b->z, b->z, t);
        mpz_clear(t);
    }
    if (mpz_fits_slong_p(b->z)) {   /* a non-minimal encoding of a small int */
        cb_value v = cb_int(mpz_get_si(b->z));
        mpz_clear(b->z);
        free(b);
        return v;
    }
    cb_value v = {0};
    v.type = CB_INT;
    v.big = 1;
    v.u.big = b;
    return v;
}

/* ---------- Python 2 / protocol 0 string decoding ---------- */

/* codecs.escape_decode of a STRING argument (without quotes), then latin-1. */
static cb_value escape_decode(const unsigned char *s, size_t n, bool *ok)
{
    unsigned char *buf = cb_xmalloc(n ? n : 1);
    size_t o = 0;
    *ok = true;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            buf[o++] = s[i];
            continue;
        }
        if (++i == n) {   /* trailing backslash */
            *ok = false;
            break;
        }
        unsigned char c = s[i];
        switch (c) {
        case '\n': break;
        case '\\': buf[o++] = '\\'; break;
        case '\'': buf[o++] = '\''; break;
        case '"': buf[o++] = '"'; break;
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case 't': buf[o++] = '\t'; break;
        case 'n': buf[o++] = '\n'; break;
        case 'r': buf[o++] = '\r'; break;
        case 'v': buf[o++] = '\v'; break;
        case 'a': buf[o++] = '\a'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            unsigned x = c - '0';
            for (int k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
                x = x * 8 + (unsigned)(s[++i] - '0');
            buf[o++] = (unsigned char)x;
            break;
        }
        case 'x': {
            unsigned x = 0;
            for (int k = 0; k < 2; k++) {
                unsigned char h = i + 1 < n ? s[i + 1] : 0;
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                      : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) {
                    *ok = false;
                    break;
                }
                x = x * 16 + (unsigned)d;
                i++;
            }
            buf[o++] = (unsigned char)x;
            break;
        }
        default:
            buf[o++] = '\\';
            buf[o++] = c;
            break;
        }
        if (!*ok)
            break;
    }
    cb_value v = *ok ? latin1_to_str(buf, o) : cb_none();
    free(buf);
    return v;
}

/* raw-unicode-escape (UNICODE opcode) -> UTF-8 str. */
static cb_value raw_unicode_escape(const unsigned char *s, size_t n, bool *ok)
{
    cb_buf b = {0};
    *ok = true;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i++];
        if (c != '\\' || i == n || (s[i] != 'u' && s[i] != 'U')) {
            utf8_put(&b, c);
            if (c == '\\' && i < n)   /* a backslash and the next char, both literal */
                utf8_put(&b, s[i++]);
            continue;
        }
        int count = s[i++] == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < count; k++, i++) {
            unsigned char h = i < n ? s[i] : 0;
            int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (d < 0) {
                *ok = false;
                break;
            }
            cp = cp << 4 | (uint32_t)d;
        }
        if (!*ok || cp > 0x10ffff) {
            *ok = false;
            break;
        }
        utf8_put(&b, cp);
    }
    cb_value v = *ok ? cb_str_new(b.data ? b.data : "", b.len) : cb_none();
    cb_buf_free(&b);
    return v;
}

/* ---------- memo ---------- */

static int memo_put(reader *r, uint64_t idx)
{
    if (need_stack(r, 1) < 0)
        return -1;
    if (idx >= r->memo_limit)
        return rfail(r, "%s: memo index %llu out of range", cur_name(r), (unsigned long long)idx);
    if (idx >= r->memo_cap) {
        size_t cap = r->memo_cap ? r->memo_cap : 64;
        while (cap <= idx)
            cap *= 2;
        if (cap > r->memo_limit)   /* memory stays within 24 bytes per input byte */
            cap = r->memo_limit;
        r->memo = cb_xrealloc(r->memo, cap * sizeof *r->memo);
        for (size_t i = r->memo_cap; i < cap; i++)
            r->memo[i].v.type = PK_EMPTY;
        r->memo_cap = cap;
    }
    slot *m = &r->memo[idx];
    if (m->v.type == PK_EMPTY)
        r->memo_count++;
    else
        cb_release(m->v);
    *m = r->stack[r->sp - 1];
    cb_retain(m->v);
    return 0;
}

static int memo_get(reader *r, uint64_t idx)
{
    if (idx >= r->memo_cap || r->memo[idx].v.type == PK_EMPTY)
        return rfail(r, "%s: memo index %llu is not defined", cur_name(r), (unsigned long long)idx);
    slot s = r->memo[idx];
    push(r, cb_retain(s.v), s.depth, s.weight);
    return 0;
}

/* ---------- the main loop ---------- */

static int read_text_memo_index(reader *r, uint64_t *idx)
{
    const char *s;
    size_t n;
    if (read_line(r, &s, &n) < 0)
        return -1;
    uint64_t x = 0;
    if (n == 0 || n > 18)
        goto bad;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            goto bad;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *idx = x;
    return 0;
bad:;
    char q[128];
    quote_into(q, sizeof q, s, n);
    return rfail(r, "%s: invalid memo index '%s'", cur_name(r), q);
}

/* A length-prefixed string argument: nbytes of little-endian length. */
static int read_counted(reader *r, int nbytes, bool is_signed, const unsigned char **p, size_t *n)
{
    if (need(r, (size_t)nbytes) < 0)
        return -1;
    uint64_t len = le(r->data + r->pos, nbytes);
    if (is_signed && nbytes == 4 && (len & 0x80000000u))
        return rfail(r, "%s: negative length", cur_name(r));
    r->pos += (size_t)nbytes;
    if (len > r->len - r->pos)
        return rfail(r, "%s: length %llu exceeds the %zu bytes left (truncated or corrupt)", cur_name(r),
                     (unsigned long long)len,
                     r->len - r->pos);
    *p = r->data + r->pos;
    *n = (size_t)len;
    r->pos += (size_t)len;
    return 0;
}

static int push_unicode(reader *r, const unsigned char *p, size_t n)
{
    if (!utf8_valid(p, n))
        return rfail(r, "%s: invalid UTF-8", cur_name(r));
    push_str(r, cb_str_new((const char *)p, n));
    return 0;
}

static int step(reader *r, bool *done)
{
    r->op = r->pos;
    r->opcode = r->data[r->pos++];
    const unsigned char *p;
    size_t n, at;
    const char *s;
    cb_value v;
    switch (r->opcode) {
    case OP_PROTO:
        if (need(r, 1) < 0)
            return -1;
        if (r->data[r->pos] > 5)
            return rfail(r, "unsupported pickle protocol %d", r->data[r->pos]);
        r->pos++;
        return 0;
    case OP_FRAME:
        if (need(r, 8) < 0)
            return -1;
    {
        /* Opcodes are read linearly from memory; a frame only has to fit. */
        uint64_t flen = le(r->data + r->pos, 8);
        r->pos += 8;
        if (flen > r->len - r->pos)
            return rfail(r, "FRAME: length %llu exceeds the %zu bytes left (truncated or corrupt)",
                         (unsigned long long)flen, r->len - r->pos);
        return 0;
    }
    case OP_STOP:
        if (need_stack(r, 1) < 0)
            return -1;
        if (r->stack[r->sp - 1].v.type == PK_GLOBAL)
            return rfail(r, "STOP: the result is a global, not a value");
        *done = true;
        return 0;
    case OP_MARK:
        if (r->nmarks == CB_PICKLE_MAX_MARKS)
            return rfail(r, "MARK: more than %d nested marks", CB_PICKLE_MAX_MARKS);
        if (r->nmarks == r->mcap) {
            r->mcap = r->mcap ? r->mcap * 2 : 16;
            r->marks = cb_xrealloc(r->marks, r->mcap * sizeof *r->marks);
        }
        r->marks[r->nmarks++] = r->sp;
        return 0;
    case OP_POP:
        if (r->nmarks && r->marks[r->nmarks - 1] == r->sp) {
            r->nmarks--;
            return 0;
        }
        if (need_stack(r, 1) < 0)
            return -1;
        cb_release(r->stack[--r->sp].v);
        return 0;
    case OP_POP_MARK:
        if (pop_mark(r, &at) < 0)
            return -1;
        drop_from(r, at);
        return 0;
    case OP_DUP:
        if (need_stack(r, 1) < 0)
            return -1;
        push(r, cb_retain(r->stack[r->sp - 1].v), r->stack[r->sp - 1].depth, r->stack[r->sp - 1].weight);
        return 0;

    /* scalars */
    case OP_NONE: push_scalar(r, cb_none()); return 0;
    case OP_NEWTRUE: push_scalar(r, cb_bool(true)); return 0;
    case OP_NEWFALSE: push_scalar(r, cb_bool(false)); return 0;
    case OP_BININT1:
        if (need(r, 1) < 0)
            return -1;
        push_scalar(r, cb_int(r->data[r->pos++]));
        return 0;
    case OP_BININT2:
        if (need(r, 2) < 0)
            return -1;
        push_scalar(r, cb_int((int64_t)le(r->data + r->pos, 2)));
        r->pos += 2;
        return 0;
    case OP_BININT:
        if (need(r, 4) < 0)
            return -1;
        push_scalar(r, cb_int((int32_t)(uint32_t)le(r->data + r->pos, 4)));
        r->pos += 4;
        return 0;
    case OP_LONG1:
    case OP_LONG4:
        if (read_counted(r, r->opcode == OP_LONG1 ? 1 : 4, true, &p, &n) < 0)
            return -1;
        push_int(r, decode_long(p, n));
        return 0;
    case OP_INT:
        if (read_line(r, &s, &n) < 0)
            return -1;
        if (n == 2 && s[0] == '0' && (s[1] == '0' || s[1] == '1')) {
            push_scalar(r, cb_bool(s[1] == '1'));
            return 0;
        }
        if (parse_int_text(r, s, n, false, &v) < 0)
            return -1;
        push_int(r, v);
        return 0;
    case OP_LONG:
        if (read_line(r, &s, &n) < 0 || parse_int_text(r, s, n, true, &v) < 0)
            return -1;
        push_int(r, v);
        return 0;
    case OP_BINFLOAT: {
        if (need(r, 8) < 0)
            return -1;
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | r->data[r->pos + i];
        r->pos += 8;
        double d;
        memcpy(&d, &bits, sizeof d);
        push_scalar(r, cb_float(d));
        return 0;
    }
    case OP_FLOAT: {
        double d = 0;
        if (read_line(r, &s, &n) < 0 || parse_float_text(r, s, n, &d) < 0)
            return -1;
        push_scalar(r, cb_float(d));
        return 0;
    }

    /* strings and bytes */
    case OP_SHORT_BINUNICODE:
    case OP_BINUNICODE:
    case OP_BINUNICODE8:
        if (read_counted(r, r->opcode == OP_SHORT_BINUNICODE ? 1 : r->opcode == OP_BINUNICODE ? 4 : 8, false, &p,
                         &n) < 0)
            return -1;
        return push_unicode(r, p, n);
    case OP_SHORT_BINBYTES:
    case OP_BINBYTES:
    case OP_BINBYTES8:
    case OP_BYTEARRAY8:
        if (read_counted(r, r->opcode == OP_SHORT_BINBYTES ? 1 : r->opcode == OP_BINBYTES ? 4 : 8, false, &p, &n) <
            0)
            return -1;
        push_str(r, cb_bytes_new(p, n));
        return 0;
    case OP_SHORT_BINSTRING:
    case OP_BINSTRING:
        if (read_counted(r, r->opcode == OP_SHORT_BINSTRING ? 1 : 4, true, &p, &n) < 0)
            return -1;
        push_str(r, latin1_to_str(p, n));
        return 0;
    case OP_STRING: {
        bool ok;
        if (read_line(r, &s, &n) < 0)
            return -1;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
            n--;
        if (n < 2 || s[0] != s[n - 1] || (s[0] != '\'' && s[0] != '"'))
            return rfail(r, "STRING: the argument must be quoted");
        v = escape_decode((const unsigned char *)s + 1, n - 2, &ok);
        if (!ok)
            return rfail(r, "STRING: invalid escape");
        push_str(r, v);
        return 0;
    }
    case OP_UNICODE: {
        bool ok;
        if (read_line(r, &s, &n) < 0)
            return -1;
        v = raw_unicode_escape((const unsigned char *)s, n, &ok);
        if (!ok)
            return rfail(r, "UNICODE: invalid \\u escape");
        push_str(r, v);
        return 0;
    }

    /* containers */
    case OP_EMPTY_TUPLE: push(r, cb_tuple_new(0), 1, 1); return 0;
    case OP_TUPLE1:
    case OP_TUPLE2:
    case OP_TUPLE3:
        n = (size_t)(r->opcode - OP_TUPLE1 + 1);
        if (need_stack(r, n) < 0)
            return -1;
        return build_tuple(r, r->sp - n, CB_TUPLE);
    case OP_TUPLE:
        if (pop_mark(r, &at) < 0)
            return -1;
        return build_tuple(r, at, CB_TUPLE);
    case OP_FROZENSET:
        if (pop_mark(r, &at) < 0)
            return -1;
        return build_tuple(r, at, CB_FROZENSET);
    case OP_EMPTY_LIST:
    case OP_EMPTY_DICT:
    case OP_EMPTY_SET:
        v = r->opcode == OP_EMPTY_LIST ? cb_list_new(0) : r->opcode == OP_EMPTY_DICT ? cb_dict_new(0) : cb_set_new(0);
        push(r, v, 1, 0);
        open_container(r, v, 1);
        return 0;
    case OP_LIST:
        if (pop_mark(r, &at) < 0)
            return -1;
        return build_list_or_dict(r, at, CB_LIST);
    case OP_DICT:
        if (pop_mark(r, &at) < 0)
            return -1;
        return build_list_or_dict(r, at, CB_DICT);
    case OP_APPEND:
        if (need_stack(r, 2) < 0)
            return -1;
        return do_appends(r, r->sp - 1);
    case OP_APPENDS:
        if (pop_mark(r, &at) < 0)
            return -1;
        return do_appends(r, at);
    case OP_SETITEM:
        if (need_stack(r, 3) < 0)
            return -1;
        return do_setitems(r, r->sp - 2);
    case OP_SETITEMS:
        if (pop_mark(r, &at) < 0)
            return -1;
        return do_setitems(r, at);
    case OP_ADDITEMS:
        if (pop_mark(r, &at) < 0)
            return -1;
        return do_additems(r, at);

    /* memo */
    case OP_MEMOIZE: return memo_put(r, r->memo_count);
    case OP_BINPUT:
        if (need(r, 1) < 0)
            return -1;
        return memo_put(r, r->data[r->pos++]);
    case OP_LONG_BINPUT:
        if (need(r, 4) < 0)
            return -1;
        r->pos += 4;
        return memo_put(r, le(r->data + r->pos - 4, 4));
    case OP_PUT: {
        uint64_t idx;
        return read_text_memo_index(r, &idx) < 0 ? -1 : memo_put(r, idx);
    }
    case OP_BINGET:
        if (need(r, 1) < 0)
            return -1;
        return memo_get(r, r->data[r->pos++]);
    case OP_LONG_BINGET:
        if (need(r, 4) < 0)
            return -1;
        r->pos += 4;
        return memo_get(r, le(r->data + r->pos - 4, 4));
    case OP_GET: {
        uint64_t idx;
        return read_text_memo_index(r, &idx) < 0 ? -1 : memo_get(r, idx);
    }

    /* globals and calls */
    case OP_GLOBAL:
    case OP_INST: {
        const char *m, *nm;
        size_t ml, nl;
        if (read_line(r, &m, &ml) < 0 || read_line(r, &nm, &nl) < 0)
            return -1;
        int g = resolve_global(r, m, ml, nm, nl);
        if (g < 0)
            return -1;
        if (r->opcode == OP_INST)
            return rfail(r, "INST: unsupported opcode (instantiates %s)", global_name[g]);
        push_global(r, g);
        return 0;
    }
    case OP_STACK_GLOBAL: {
        if (need_stack(r, 2) < 0)
            return -1;
        cb_value m = r->stack[r->sp - 2].v, nm = r->stack[r->sp - 1].v;
        if (m.type != CB_STR || nm.type != CB_STR)
            return rfail(r, "STACK_GLOBAL: module and name must be str");
        int g = resolve_global(r, cb_str_data(m), cb_str_len(m), cb_str_data(nm), cb_str_len(nm));
        if (g < 0)
            return -1;
        drop_from(r, r->sp - 2);
        push_global(r, g);
        return 0;
    }
    case OP_REDUCE: return op_reduce(r, false);
    case OP_NEWOBJ: return op_reduce(r, true);

    case OP_PERSID: case OP_BINPERSID: case OP_BUILD: case OP_OBJ: case OP_EXT1: case OP_EXT2:
    case OP_EXT4: case OP_NEWOBJ_EX: case OP_NEXT_BUFFER: case OP_READONLY_BUFFER:
        return rfail(r, "unsupported opcode %s (casbench reads plain data only)", op_name(r->opcode));
    default:
        return rfail(r, "unknown opcode 0x%02x", r->opcode);
    }
}

static void reader_free(reader *r)
{
    drop_from(r, 0);
    free(r->stack);
    free(r->marks);
    for (size_t i = 0; i < r->memo_cap; i++)
        if (r->memo[i].v.type != PK_EMPTY)
            cb_release(r->memo[i].v);
    free(r->memo);
    cb_pm_free(&r->open);
}

int cb_pickle_load(const void *data, size_t len, cb_value *out, cb_err *err)
{
    reader r = {0};
    r.data = data;
    r.len = len;
    r.err = err;
    r.memo_limit = len + 16;   /* the pickler numbers memo entries as it writes them */
    r.work_budget = (uint64_t)len * 64 + (1u << 24);
    bool done = false;
    int rc = 0;
    while (!done) {
        if (r.pos >= r.len) {
            r.op = r.len;
            rc = cb_fail(err, "pickle: offset %zu: truncated: no STOP opcode", r.len);
            break;
        }
        if ((rc = step(&r, &done)) < 0)
            break;
    }
    if (rc == 0) {
        *out = r.stack[--r.sp].v;
    }
    reader_free(&r);
    return rc;
}

int cb_pickle_load_file(const char *path, cb_value *out, cb_err *err)
{
    char *data;
    size_t len;
    if (cb_read_file(path, &data, &len, err) < 0)
        return -1;
    int rc = cb_pickle_load(data, len, out, err);
    free(data);
    if (rc < 0)
        cb_fail_prefix(err, "%s", path);
    return rc;
}

/* ====================================================================== */
/*                                writer                                  */
/* ====================================================================== */

typedef struct {
    cb_buf *out;
    size_t frame_start;   /* offset of the reserved 9-byte FRAME header */
    bool frame_open;
    cb_ptrmap memo;          /* body -> a: memo index (only bodies with refcount > 1) */
    uint32_t memo_next;
    int64_t range_global; /* memo index of builtins.range, or -1 */
} writer;

/* Space for n more bytes, opening a frame if none is open (Python's framer
 * writes every opcode into the current frame). */
static unsigned char *w_reserve(writer *w, size_t n)
{
    if (!w->frame_open) {
        cb_buf_reserve(w->out, 9 + n);
        w->frame_start = w->out->len;
        w->out->len += 9;
        w->frame_open = true;
    } else {
        cb_buf_reserve(w->out, n);
    }
    return (unsigned char *)w->out->data + w->out->len;
}

static void w_commit(writer *w, unsigned char *end) { w->out->len = (size_t)(end - (unsigned char *)w->out->data); }

static void w_byte(writer *w, unsigned char c)
{
    unsigned char *p = w_reserve(w, 1);
    *p++ = c;
    w_commit(w, p);
}

static unsigned char *put_le(unsigned char *p, uint64_t x, int n)
{
    for (int i = 0; i < n; i++, x >>= 8)
        *p++ = (unsigned char)x;
    return p;
}

/* Ends the current frame: writes its header, or removes the header when the
 * frame is shorter than 4 bytes (as Python does). */
static void frame_close(writer *w)
{
    if (!w->frame_open)
        return;
    size_t len = w->out->len - w->frame_start - 9;
    unsigned char *h = (unsigned char *)w->out->data + w->frame_start;
    if (len >= 4) {
        h[0] = OP_FRAME;
        put_le(h + 1, len, 8);
    } else {
        memmove(h, h + 9, len);
        w->out->len -= 9;
    }
    w->frame_open = false;
}

/* Python's save() starts by committing the frame once it reached 64 KiB. */
static void frame_boundary(writer *w)
{
    if (w->frame_open && w->out->len - w->frame_start - 9 >= FRAME_TARGET)
        frame_close(w);
}

static void w_get(writer *w, uint32_t idx)
{
    unsigned char *p = w_reserve(w, 5);
    if (idx < 256) {
        *p++ = OP_BINGET;
        *p++ = (unsigned char)idx;
    } else {
        *p++ = OP_LONG_BINGET;
        p = put_le(p, idx, 4);
    }
    w_commit(w, p);
}

/* MEMOIZE; bodies referenced more than once are remembered for BINGET. */
static void w_memoize(writer *w, const void *body, long refcount)
{
    w_byte(w, OP_MEMOIZE);
    if (refcount > 1)
        cb_pm_insert(&w->memo, body)->a = w->memo_next;
    w->memo_next++;
}

static bool w_memo_hit(writer *w, const void *body, long refcount)
{
    if (refcount <= 1)
        return false;
    cb_pm_entry *e = cb_pm_find(&w->memo, body);
    if (!e)
        return false;
    w_get(w, e->a);
    return true;
}

static void w_int64(writer *w, int64_t i)
{
    unsigned char *p = w_reserve(w, 10);
    if (i >= 0 && i <= 0xff) {
        *p++ = OP_BININT1;
        *p++ = (unsigned char)i;
    } else if (i >= 0 && i <= 0xffff) {
        *p++ = OP_BININT2;
        p = put_le(p, (uint64_t)i, 2);
    } else if (i >= INT32_MIN && i <= INT32_MAX) {
        *p++ = OP_BININT;
        p = put_le(p, (uint64_t)i, 4);
    } else {
        /* encode_long: (bit_length >> 3) + 1 bytes of two's complement,
         * minus a redundant 0xff sign byte for negatives. */
        uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
        int bits = 64 - __builtin_clzll(mag);
        int nb = (bits >> 3) + 1;
        unsigned char b[9];
        uint64_t x = (uint64_t)i;
        for (int k = 0; k < 9; k++, x = (uint64_t)((int64_t)x >> 8))
            b[k] = (unsigned char)x;
        if (nb > 9)
            nb = 9;
        if (i < 0 && nb > 1 && b[nb - 1] == 0xff && (b[nb - 2] & 0x80))
            nb--;
        *p++ = OP_LONG1;
        *p++ = (unsigned char)nb;
        memcpy(p, b, (size_t)nb);
        p += nb;
    }
    w_commit(w, p);
}

static void w_bigint(writer *w, const mpz_t z)
{
    size_t bits = mpz_sizeinbase(z, 2);
    size_t nb = (bits >> 3) + 1;
    unsigned char *b = cb_xcalloc(nb, 1);
    mpz_t t;
    mpz_init(t);
    if (mpz_sgn(z) < 0) {
        mpz_ui_pow_ui(t, 2, 8 * nb);
        mpz_add(t, t, z);
    } else {
        mpz_set(t, z);
    }
    size_t count;
    mpz_export(b, &count, -1, 1, 0, 0, t);
    mpz_clear(t);
    if (mpz_sgn(z) < 0 && nb > 1 && b[nb - 1] == 0xff && (b[nb - 2] & 0x80))
        nb--;
    unsigned char *p = w_reserve(w, 5 + nb);
    if (nb < 256) {
        *p++ = OP_LONG1;
        *p++ = (unsigned char)nb;
    } else {
        *p++ = OP_LONG4;
        p = put_le(p, nb, 4);
    }
    memcpy(p, b, nb);
    w_commit(w, p + nb);
    free(b);
}

/* str/bytes payloads: large ones go outside any frame, as in Python. */
static void w_counted(writer *w, int op1, int op4, int op8, const char *data, size_t n)
{
    if (n <= 0xff) {
        unsigned char *p = w_reserve(w, 2 + n);
        *p++ = (unsigned char)op1;
        *p++ = (unsigned char)n;
        memcpy(p, data, n);
        w_commit(w, p + n);
        return;
    }
    bool large = n >= FRAME_TARGET;
    if (large)
        frame_close(w);
    unsigned char hdr[9];
    size_t hn;
    if (n > 0xffffffffu) {
        hdr[0] = (unsigned char)op8;
        put_le(hdr + 1, n, 8);
        hn = 9;
    } else {
        hdr[0] = (unsigned char)op4;
        put_le(hdr + 1, n, 4);
        hn = 5;
    }
    if (large) {
        cb_buf_put(w->out, hdr, hn);
        cb_buf_put(w->out, data, n);
    } else {
        unsigned char *p = w_reserve(w, hn + n);
        memcpy(p, hdr, hn);
        memcpy(p + hn, data, n);
        w_commit(w, p + hn + n);
    }
}

static void save(writer *w, cb_value v);

static void save_str_c(writer *w, const char *s)
{
    frame_boundary(w);
    w_counted(w, OP_SHORT_BINUNICODE, OP_BINUNICODE, OP_BINUNICODE8, s, strlen(s));
    w_byte(w, OP_MEMOIZE);
    w->memo_next++;
}

/* Items of a list/dict/set, in batches of 1000 exactly as CPython's C
 * pickler writes them (a single item alone; for dicts and sets a batch
 * follows every full one, even when empty). */
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

static void save_batches(writer *w, cb_value v)
{
    size_t n = cb_len(v), start = 0, k;
    if (n == 0)
        return;
    if (n == 1 && v.type != CB_SET) {
        save_items(w, v, 0, 1);
        w_byte(w, v.type == CB_DICT ? OP_SETITEM : OP_APPEND);
        return;
    }
    int close = v.type == CB_DICT ? OP_SETITEMS : v.type == CB_SET ? OP_ADDITEMS : OP_APPENDS;
    do {
        k = n - start < BATCH ? n - start : BATCH;
        w_byte(w, OP_MARK);
        save_items(w, v, start, k);
        w_byte(w, (unsigned char)close);
        start += k;
    } while (v.type == CB_LIST ? start < n : k == BATCH);
}

static void save(writer *w, cb_value v)
{
    frame_boundary(w);
    switch (v.type) {
    case CB_NONE: w_byte(w, OP_NONE); return;
    case CB_BOOL: w_byte(w, v.u.b ? OP_NEWTRUE : OP_NEWFALSE); return;
    case CB_INT:
        if (v.big)
            w_bigint(w, v.u.big->z);
        else
            w_int64(w, v.u.i);
        return;
    case CB_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v.u.f, sizeof bits);
        unsigned char *p = w_reserve(w, 9);
        *p++ = OP_BINFLOAT;
        for (int i = 7; i >= 0; i--)
            *p++ = (unsigned char)(bits >> (8 * i));
        w_commit(w, p);
        return;
    }
    case CB_STR:
    case CB_BYTES:
        if (w_memo_hit(w, v.u.str, v.u.str->refcount))
            return;
        if (v.type == CB_STR)
            w_counted(w, OP_SHORT_BINUNICODE, OP_BINUNICODE, OP_BINUNICODE8, v.u.str->data, v.u.str->len);
        else
            w_counted(w, OP_SHORT_BINBYTES, OP_BINBYTES, OP_BINBYTES8, v.u.str->data, v.u.str->len);
        w_memoize(w, v.u.str, v.u.str->refcount);
        return;
    case CB_TUPLE: {
        cb_seq *s = v.u.seq;
        if (s->len == 0) {
            w_byte(w, OP_EMPTY_TUPLE);
            return;
        }
        if (w_memo_hit(w, s, s->refcount))
            return;
        if (s->len > 3)
            w_byte(w, OP_MARK);
        for (size_t i = 0; i < s->len; i++)
            save(w, s->items[i]);
        w_byte(w, s->len > 3 ? OP_TUPLE : (unsigned char)(OP_TUPLE1 + s->len - 1));
        w_memoize(w, s, s->refcount);
        return;
    }
    case CB_LIST:
    case CB_SET:
        if (w_memo_hit(w, v.u.seq, v.u.seq->refcount))
            return;
        w_byte(w, v.type == CB_LIST ? OP_EMPTY_LIST : OP_EMPTY_SET);
        w_memoize(w, v.u.seq, v.u.seq->refcount);
        save_batches(w, v);
        return;
    case CB_DICT:
        if (w_memo_hit(w, v.u.dict, v.u.dict->refcount))
            return;
        w_byte(w, OP_EMPTY_DICT);
        w_memoize(w, v.u.dict, v.u.dict->refcount);
        save_batches(w, v);
        return;
    case CB_FROZENSET:
        if (w_memo_hit(w, v.u.seq, v.u.seq->refcount))
            return;
        w_byte(w, OP_MARK);
        for (size_t i = 0; i < v.u.seq->len; i++)
            save(w, v.u.seq->items[i]);
        w_byte(w, OP_FROZENSET);
        w_memoize(w, v.u.seq, v.u.seq->refcount);
        return;
    case CB_RANGE: {
        cb_range *rg = v.u.range;
        if (w_memo_hit(w, rg, rg->refcount))
            return;
        /* save_reduce(range, (start, stop, step)): the global, then the args */
        frame_boundary(w);
        if (w->range_global >= 0) {
            w_get(w, (uint32_t)w->range_global);
        } else {
            save_str_c(w, "builtins");
            save_str_c(w, "range");
            w_byte(w, OP_STACK_GLOBAL);
            w_byte(w, OP_MEMOIZE);
            w->range_global = w->memo_next++;
        }
        frame_boundary(w);
        save(w, rg->start);
        save(w, rg->stop);
        save(w, rg->step);
        w_byte(w, OP_TUPLE3);
        w_byte(w, OP_MEMOIZE);
        w->memo_next++;
        w_byte(w, OP_REDUCE);
        w_memoize(w, rg, rg->refcount);
        return;
    }
    default:
        w_byte(w, OP_NONE);   /* unreachable: no other types exist */
        return;
    }
}

void cb_pickle_dump(cb_value v, cb_buf *out)
{
    writer w = {0};
    w.out = out;
    w.range_global = -1;
    cb_buf_put(out, "\x80\x04", 2);
    save(&w, v);
    w_byte(&w, OP_STOP);
    frame_close(&w);
    cb_pm_free(&w.memo);
    if (out->data)
        out->data[out->len] = 0;
}

int cb_pickle_dump_file(const char *path, cb_value v, cb_err *err)
{
    cb_buf b = {0};
    cb_pickle_dump(v, &b);
    int rc = cb_write_file_atomic(path, b.data, b.len, err);
    cb_buf_free(&b);
    return rc;
}
