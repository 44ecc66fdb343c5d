/* pickle_load.c — the pickle reader: cb_pickle_load and cb_pickle_load_file
 * (pickle.h; docs/design.md §3.3), protocols 0-5.
 *
 * A stack machine over an in-memory buffer, in the manner of CPython's
 * unpickler: step() dispatches each opcode to the short handler of its
 * family (load_*, at the end).  The opcodes are pickle_ops.h's, shared with
 * the writers; the text codecs the protocol-0 and Python 2 opcodes need are
 * in pickle_text.c.  It is restricted so that untrusted input can do no harm:
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
 */
#include "data/pickle.h"
#include "data/pickle_ops.h"
#include "data/pickle_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CB_PICKLE_MAX_MARKS 10000
#define CB_PICKLE_MAX_DEPTH 1000

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
    bool done;                /* STOP was run */
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
    const char *n = cb_pickle_op_name(r->opcode);
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

/* APPENDS, SETITEMS, ADDITEMS: the items stack[at..sp) go into the
 * container stack[at-1], which must be a T and open.  Values are placed
 * (list items, dict values), keys must be hashable (dict keys, set items);
 * the container's depth grows to one more than its deepest item. */
static inline int admit_items(reader *r, size_t at, cb_type t)
{
    if (at == 0 || at - 1 < fence(r))
        return rfail(r, "%s: stack underflow", cur_name(r));
    if (t == CB_DICT && (r->sp - at) % 2)
        return rfail(r, "%s: odd number of items for key/value pairs", cur_name(r));
    cb_pm_entry *e = NULL;
    if (open_target(r, at - 1, t, &e) < 0)
        return -1;
    const void *body = body_of(r->stack[at - 1].v);
    uint32_t depth = e->a;
    for (size_t i = at; i < r->sp; i++) {
        uint32_t d;
        if (t == CB_SET || (t == CB_DICT && (i - at) % 2 == 0)) {
            if (check_hashable(r, &r->stack[i]) < 0)
                return -1;
            d = r->stack[i].depth;   /* hashable: not a list, dict or set */
        } else if (place(r, &r->stack[i], body, &d) < 0) {
            return -1;
        }
        if (d + 1 > depth)
            depth = d + 1;
    }
    if (check_depth(r, depth) < 0)
        return -1;
    e->a = depth;
    return 0;
}

/* Appends stack[at..sp) to the list at stack[at-1]. */
static int do_appends(reader *r, size_t at)
{
    if (admit_items(r, at, CB_LIST) < 0)
        return -1;
    cb_seq *s = r->stack[at - 1].v.u.seq;
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
    if (admit_items(r, at, CB_DICT) < 0)
        return -1;
    cb_value dict = r->stack[at - 1].v;
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
    if (admit_items(r, at, CB_SET) < 0)
        return -1;
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

/* ---------- calls of the allowed globals (REDUCE, NEWOBJ) ---------- */

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

/* _codecs.encode(str[, encoding[, 'strict']]) -> bytes */
static int call_encode(reader *r, cb_value args, cb_value *out)
{
    size_t n = cb_len(args);
    if (n < 1 || n > 3 || cb_item(args, 0).type != CB_STR)
        return rfail(r, "%s: _codecs.encode needs (str[, encoding]) arguments", cur_name(r));
    for (size_t i = 1; i < n; i++)
        if (cb_item(args, i).type != CB_STR)
            return rfail(r, "%s: _codecs.encode: encoding and errors must be str", cur_name(r));
    int enc = CB_ENC_UTF8;
    if (n >= 2) {
        const char *e = cb_str_data(cb_item(args, 1));
        size_t el = cb_str_len(cb_item(args, 1));
        if ((enc = cb_pickle_encoding_of(e, el)) < 0) {
            char q[128];
            quote_into(q, sizeof q, e, el);
            return rfail(r, "%s: _codecs.encode: unsupported encoding '%s'", cur_name(r), q);
        }
    }
    if (n == 3 && !cb_pickle_is_strict(cb_str_data(cb_item(args, 2)), cb_str_len(cb_item(args, 2))))
        return rfail(r, "%s: _codecs.encode: only errors='strict' is supported", cur_name(r));
    uint32_t bad;
    cb_value s = cb_item(args, 0);
    if (!cb_pickle_encode(cb_str_data(s), cb_str_len(s), (cb_pickle_encoding)enc, out, &bad))
        return rfail(r, "%s: _codecs.encode: character U+%04X cannot be encoded", cur_name(r), (unsigned)bad);
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

/* ---------- opcode arguments: text memo indices, counted strings ---------- */

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

/* ---------- opcodes, by family ---------- */

/* Each handler runs one opcode (r->opcode, its argument at r->pos);
 * step() at the end dispatches.  The BININTs, which datasets are mostly
 * made of, have one handler each, with no branching on the opcode. */

static int load_proto(reader *r)
{
    if (need(r, 1) < 0)
        return -1;
    if (r->data[r->pos] > 5)
        return rfail(r, "unsupported pickle protocol %d", r->data[r->pos]);
    r->pos++;
    return 0;
}

/* Opcodes are read linearly from memory; a frame only has to fit. */
static int load_frame(reader *r)
{
    if (need(r, 8) < 0)
        return -1;
    uint64_t flen = le(r->data + r->pos, 8);
    r->pos += 8;
    if (flen > r->len - r->pos)
        return rfail(r, "FRAME: length %llu exceeds the %zu bytes left (truncated or corrupt)",
                     (unsigned long long)flen, r->len - r->pos);
    return 0;
}

static int load_stop(reader *r)
{
    if (need_stack(r, 1) < 0)
        return -1;
    if (r->stack[r->sp - 1].v.type == PK_GLOBAL)
        return rfail(r, "STOP: the result is a global, not a value");
    r->done = true;
    return 0;
}

/* -- the stack: MARK, POP, POP_MARK, DUP -- */

static int load_mark(reader *r)
{
    if (r->nmarks == CB_PICKLE_MAX_MARKS)
        return rfail(r, "MARK: more than %d nested marks", CB_PICKLE_MAX_MARKS);
    if (r->nmarks == r->mcap) {
        r->mcap = r->mcap ? r->mcap * 2 : 16;
        r->marks = cb_xrealloc(r->marks, r->mcap * sizeof *r->marks);
    }
    r->marks[r->nmarks++] = r->sp;
    return 0;
}

static int load_pop(reader *r)
{
    if (r->nmarks && r->marks[r->nmarks - 1] == r->sp) {   /* POP of a MARK, as CPython */
        r->nmarks--;
        return 0;
    }
    if (need_stack(r, 1) < 0)
        return -1;
    cb_release(r->stack[--r->sp].v);
    return 0;
}

static int load_pop_mark(reader *r)
{
    size_t at = 0;
    if (pop_mark(r, &at) < 0)
        return -1;
    drop_from(r, at);
    return 0;
}

static int load_dup(reader *r)
{
    if (need_stack(r, 1) < 0)
        return -1;
    slot *top = &r->stack[r->sp - 1];
    push(r, cb_retain(top->v), top->depth, top->weight);
    return 0;
}

/* -- numbers -- */

static int load_constant(reader *r)   /* NONE, NEWTRUE, NEWFALSE */
{
    push_scalar(r, r->opcode == CB_PK_NONE ? cb_none() : cb_bool(r->opcode == CB_PK_NEWTRUE));
    return 0;
}

static int load_binint1(reader *r)   /* unsigned byte */
{
    if (need(r, 1) < 0)
        return -1;
    push_scalar(r, cb_int(r->data[r->pos++]));
    return 0;
}

static int load_binint2(reader *r)   /* unsigned 16 bits */
{
    if (need(r, 2) < 0)
        return -1;
    push_scalar(r, cb_int((int64_t)le(r->data + r->pos, 2)));
    r->pos += 2;
    return 0;
}

static int load_binint4(reader *r)   /* BININT: signed 32 bits */
{
    if (need(r, 4) < 0)
        return -1;
    push_scalar(r, cb_int((int32_t)(uint32_t)le(r->data + r->pos, 4)));
    r->pos += 4;
    return 0;
}

static int load_long_binary(reader *r)   /* LONG1, LONG4 */
{
    const unsigned char *p;
    size_t n;
    if (read_counted(r, r->opcode == CB_PK_LONG1 ? 1 : 4, true, &p, &n) < 0)
        return -1;
    push_int(r, decode_long(p, n));
    return 0;
}

static int load_int_text(reader *r)   /* INT: "00"/"01" are False/True (protocol 0) */
{
    const char *s;
    size_t n;
    cb_value v;
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
}

static int load_long_text(reader *r)   /* LONG: digits and an optional 'L' */
{
    const char *s;
    size_t n;
    cb_value v;
    if (read_line(r, &s, &n) < 0 || parse_int_text(r, s, n, true, &v) < 0)
        return -1;
    push_int(r, v);
    return 0;
}

static int load_binfloat(reader *r)   /* big-endian IEEE double */
{
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

static int load_float_text(reader *r)
{
    const char *s;
    size_t n;
    double d = 0;
    if (read_line(r, &s, &n) < 0 || parse_float_text(r, s, n, &d) < 0)
        return -1;
    push_scalar(r, cb_float(d));
    return 0;
}

/* -- strings and bytes -- */

/* The counted strings: SHORT_BINUNICODE, BINUNICODE, BINUNICODE8 (UTF-8
 * str); SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8 (bytes); Python 2's
 * SHORT_BINSTRING, BINSTRING (signed length; latin-1 text into str). */
static int load_counted(reader *r)
{
    int op = r->opcode, width = 4;
    if (op == CB_PK_SHORT_BINUNICODE || op == CB_PK_SHORT_BINBYTES || op == CB_PK_SHORT_BINSTRING)
        width = 1;
    else if (op == CB_PK_BINUNICODE8 || op == CB_PK_BINBYTES8 || op == CB_PK_BYTEARRAY8)
        width = 8;
    bool unicode = op == CB_PK_SHORT_BINUNICODE || op == CB_PK_BINUNICODE || op == CB_PK_BINUNICODE8;
    bool py2 = op == CB_PK_SHORT_BINSTRING || op == CB_PK_BINSTRING;
    const unsigned char *p;
    size_t n;
    if (read_counted(r, width, py2, &p, &n) < 0)
        return -1;
    if (unicode && !cb_pickle_utf8_valid(p, n))
        return rfail(r, "%s: invalid UTF-8", cur_name(r));
    push_str(r, unicode ? cb_str_new((const char *)p, n) : py2 ? cb_pickle_latin1_to_str(p, n) : cb_bytes_new(p, n));
    return 0;
}

static int load_string_text(reader *r)   /* STRING: a quoted Python 2 literal */
{
    const char *s;
    size_t n;
    bool ok;
    if (read_line(r, &s, &n) < 0)
        return -1;
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n < 2 || s[0] != s[n - 1] || (s[0] != '\'' && s[0] != '"'))
        return rfail(r, "STRING: the argument must be quoted");
    cb_value v = cb_pickle_escape_decode((const unsigned char *)s + 1, n - 2, &ok);
    if (!ok)
        return rfail(r, "STRING: invalid escape");
    push_str(r, v);
    return 0;
}

static int load_unicode_text(reader *r)   /* UNICODE: raw-unicode-escape */
{
    const char *s;
    size_t n;
    bool ok;
    if (read_line(r, &s, &n) < 0)
        return -1;
    cb_value v = cb_pickle_raw_unicode_escape((const unsigned char *)s, n, &ok);
    if (!ok)
        return rfail(r, "UNICODE: invalid \\u escape");
    push_str(r, v);
    return 0;
}

/* -- containers -- */

static int load_empty_tuple(reader *r)
{
    push(r, cb_tuple_new(0), 1, 1);
    return 0;
}

static int load_tuple_n(reader *r)   /* TUPLE1, TUPLE2, TUPLE3 */
{
    size_t n = (size_t)(r->opcode - CB_PK_TUPLE1 + 1);
    if (need_stack(r, n) < 0)
        return -1;
    return build_tuple(r, r->sp - n, CB_TUPLE);
}

/* The opcodes that take the items above the topmost MARK. */
static int load_marked(reader *r)   /* TUPLE, FROZENSET, LIST, DICT, APPENDS, SETITEMS, ADDITEMS */
{
    size_t at = 0;
    if (pop_mark(r, &at) < 0)
        return -1;
    switch (r->opcode) {
    case CB_PK_TUPLE: return build_tuple(r, at, CB_TUPLE);
    case CB_PK_FROZENSET: return build_tuple(r, at, CB_FROZENSET);
    case CB_PK_LIST: return build_list_or_dict(r, at, CB_LIST);
    case CB_PK_DICT: return build_list_or_dict(r, at, CB_DICT);
    case CB_PK_APPENDS: return do_appends(r, at);
    case CB_PK_SETITEMS: return do_setitems(r, at);
    default: return do_additems(r, at);
    }
}

static int load_empty_container(reader *r)   /* EMPTY_LIST, EMPTY_DICT, EMPTY_SET */
{
    cb_value v = r->opcode == CB_PK_EMPTY_LIST ? cb_list_new(0)
               : r->opcode == CB_PK_EMPTY_DICT ? cb_dict_new(0) : cb_set_new(0);
    push(r, v, 1, 0);
    open_container(r, v, 1);
    return 0;
}

static int load_append(reader *r)
{
    if (need_stack(r, 2) < 0)
        return -1;
    return do_appends(r, r->sp - 1);
}

static int load_setitem(reader *r)
{
    if (need_stack(r, 3) < 0)
        return -1;
    return do_setitems(r, r->sp - 2);
}

/* -- the memo -- */

static int load_memoize(reader *r) { return memo_put(r, r->memo_count); }

/* The 1- or 4-byte index of BINPUT, LONG_BINPUT, BINGET, LONG_BINGET. */
static int read_memo_index(reader *r, uint64_t *idx)
{
    int width = r->opcode == CB_PK_BINPUT || r->opcode == CB_PK_BINGET ? 1 : 4;
    if (need(r, (size_t)width) < 0)
        return -1;
    *idx = le(r->data + r->pos, width);
    r->pos += (size_t)width;
    return 0;
}

static int load_put(reader *r)   /* BINPUT, LONG_BINPUT, PUT */
{
    uint64_t idx;
    int rc = r->opcode == CB_PK_PUT ? read_text_memo_index(r, &idx) : read_memo_index(r, &idx);
    return rc < 0 ? -1 : memo_put(r, idx);
}

static int load_get(reader *r)   /* BINGET, LONG_BINGET, GET */
{
    uint64_t idx;
    int rc = r->opcode == CB_PK_GET ? read_text_memo_index(r, &idx) : read_memo_index(r, &idx);
    return rc < 0 ? -1 : memo_get(r, idx);
}

/* -- globals and calls -- */

static int load_global_text(reader *r)   /* GLOBAL; INST only to name what it would instantiate */
{
    const char *m, *nm;
    size_t ml, nl;
    if (read_line(r, &m, &ml) < 0 || read_line(r, &nm, &nl) < 0)
        return -1;
    int g = resolve_global(r, m, ml, nm, nl);
    if (g < 0)
        return -1;
    if (r->opcode == CB_PK_INST)
        return rfail(r, "INST: unsupported opcode (instantiates %s)", global_name[g]);
    push_global(r, g);
    return 0;
}

static int load_stack_global(reader *r)
{
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

static int load_reduce(reader *r) { return op_reduce(r, r->opcode == CB_PK_NEWOBJ); }   /* REDUCE, NEWOBJ */

/* Runs the opcode at r->pos: one handler per family.  A switch rather
 * than a table of function pointers, so that the compiler inlines the
 * handlers into it: a table loaded a 19 MB dataset ~5% slower. */
static int step(reader *r)
{
    r->op = r->pos;
    r->opcode = r->data[r->pos++];
    switch (r->opcode) {
    case CB_PK_PROTO: return load_proto(r);
    case CB_PK_FRAME: return load_frame(r);
    case CB_PK_STOP: return load_stop(r);
    case CB_PK_MARK: return load_mark(r);
    case CB_PK_POP: return load_pop(r);
    case CB_PK_POP_MARK: return load_pop_mark(r);
    case CB_PK_DUP: return load_dup(r);

    case CB_PK_NONE: case CB_PK_NEWTRUE: case CB_PK_NEWFALSE: return load_constant(r);
    case CB_PK_BININT1: return load_binint1(r);
    case CB_PK_BININT2: return load_binint2(r);
    case CB_PK_BININT: return load_binint4(r);
    case CB_PK_LONG1: case CB_PK_LONG4: return load_long_binary(r);
    case CB_PK_INT: return load_int_text(r);
    case CB_PK_LONG: return load_long_text(r);
    case CB_PK_BINFLOAT: return load_binfloat(r);
    case CB_PK_FLOAT: return load_float_text(r);

    case CB_PK_SHORT_BINUNICODE: case CB_PK_BINUNICODE: case CB_PK_BINUNICODE8:
    case CB_PK_SHORT_BINBYTES: case CB_PK_BINBYTES: case CB_PK_BINBYTES8: case CB_PK_BYTEARRAY8:
    case CB_PK_SHORT_BINSTRING: case CB_PK_BINSTRING: return load_counted(r);
    case CB_PK_STRING: return load_string_text(r);
    case CB_PK_UNICODE: return load_unicode_text(r);

    case CB_PK_EMPTY_TUPLE: return load_empty_tuple(r);
    case CB_PK_TUPLE1: case CB_PK_TUPLE2: case CB_PK_TUPLE3: return load_tuple_n(r);
    case CB_PK_TUPLE: case CB_PK_FROZENSET: case CB_PK_LIST: case CB_PK_DICT:
    case CB_PK_APPENDS: case CB_PK_SETITEMS: case CB_PK_ADDITEMS: return load_marked(r);
    case CB_PK_EMPTY_LIST: case CB_PK_EMPTY_DICT: case CB_PK_EMPTY_SET: return load_empty_container(r);
    case CB_PK_APPEND: return load_append(r);
    case CB_PK_SETITEM: return load_setitem(r);

    case CB_PK_MEMOIZE: return load_memoize(r);
    case CB_PK_BINPUT: case CB_PK_LONG_BINPUT: case CB_PK_PUT: return load_put(r);
    case CB_PK_BINGET: case CB_PK_LONG_BINGET: case CB_PK_GET: return load_get(r);

    case CB_PK_GLOBAL: case CB_PK_INST: return load_global_text(r);
    case CB_PK_STACK_GLOBAL: return load_stack_global(r);
    case CB_PK_REDUCE: case CB_PK_NEWOBJ: return load_reduce(r);

    case CB_PK_PERSID: case CB_PK_BINPERSID: case CB_PK_BUILD: case CB_PK_OBJ: case CB_PK_EXT1: case CB_PK_EXT2:
    case CB_PK_EXT4: case CB_PK_NEWOBJ_EX: case CB_PK_NEXT_BUFFER: case CB_PK_READONLY_BUFFER:
        return rfail(r, "unsupported opcode %s (casbench reads plain data only)", cur_name(r));
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
    int rc = 0;
    while (!r.done) {
        if (r.pos >= r.len) {
            r.op = r.len;
            rc = cb_fail(err, "pickle: offset %zu: truncated: no STOP opcode", r.len);
            break;
        }
        if ((rc = step(&r)) < 0)
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
