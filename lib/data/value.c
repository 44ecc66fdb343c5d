/* value.c — construction, reference counting, equality, hashing and repr of
 * cb_value (see value.h for the model and the ownership rule). */
#include "data/value.h"
#include "common/util.h"
#include "common/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- constructors ---------- */

cb_value cb_none(void) { cb_value v = {0}; v.type = CB_NONE; return v; }
cb_value cb_bool(bool b) { cb_value v = {0}; v.type = CB_BOOL; v.u.b = b; return v; }
cb_value cb_int(int64_t i) { cb_value v = {0}; v.type = CB_INT; v.u.i = i; return v; }
cb_value cb_float(double f) { cb_value v = {0}; v.type = CB_FLOAT; v.u.f = f; return v; }

cb_value cb_int_mpz(const mpz_t z)
{
    if (mpz_fits_slong_p(z))
        return cb_int(mpz_get_si(z));
    cb_value v = {0};
    v.type = CB_INT;
    v.big = 1;
    v.u.big = cb_xmalloc(sizeof *v.u.big);
    v.u.big->refcount = 1;
    mpz_init_set(v.u.big->z, z);
    return v;
}

static cb_value str_like(cb_type t, const void *p, size_t len)
{
    cb_value v = {0};
    v.type = t;
    v.u.str = cb_xmalloc(sizeof *v.u.str + len + 1);
    v.u.str->refcount = 1;
    v.u.str->len = len;
    if (len)
        memcpy(v.u.str->data, p, len);
    v.u.str->data[len] = 0;
    return v;
}
cb_value cb_str_new(const char *s, size_t len) { return str_like(CB_STR, s, len); }
cb_value cb_str_c(const char *s) { return str_like(CB_STR, s, strlen(s)); }
cb_value cb_bytes_new(const void *p, size_t len) { return str_like(CB_BYTES, p, len); }

/* Tuples and frozensets get their items in the same block as the body (one
 * allocation instead of two: datasets hold millions of exponent tuples);
 * pushing past the capacity moves the items to a block of their own. */
static bool items_inline(const cb_seq *s) { return s->items == (cb_value *)(s + 1); }

static cb_value seq_new(cb_type t, size_t cap)
{
    cb_value v = {0};
    v.type = t;
    bool inline_items = cap && (t == CB_TUPLE || t == CB_FROZENSET);
    v.u.seq = cb_xmalloc(sizeof *v.u.seq + (inline_items ? cap * sizeof(cb_value) : 0));
    v.u.seq->refcount = 1;
    v.u.seq->len = 0;
    v.u.seq->cap = cap;
    v.u.seq->items = inline_items ? (cb_value *)(v.u.seq + 1) : cap ? cb_xmalloc(cap * sizeof(cb_value)) : NULL;
    return v;
}
cb_value cb_tuple_new(size_t cap) { return seq_new(CB_TUPLE, cap); }
cb_value cb_list_new(size_t cap) { return seq_new(CB_LIST, cap); }
cb_value cb_set_new(size_t cap) { return seq_new(CB_SET, cap); }
cb_value cb_frozenset_new(size_t cap) { return seq_new(CB_FROZENSET, cap); }

cb_value cb_dict_new(size_t cap)
{
    cb_value v = {0};
    v.type = CB_DICT;
    v.u.dict = cb_xcalloc(1, sizeof *v.u.dict);
    v.u.dict->refcount = 1;
    v.u.dict->cap = cap;
    if (cap) {
        v.u.dict->keys = cb_xmalloc(cap * sizeof(cb_value));
        v.u.dict->vals = cb_xmalloc(cap * sizeof(cb_value));
    }
    return v;
}

cb_value cb_range_new(cb_value start, cb_value stop, cb_value step)
{
    cb_value v = {0};
    v.type = CB_RANGE;
    v.u.range = cb_xmalloc(sizeof *v.u.range);
    v.u.range->refcount = 1;
    v.u.range->start = start;
    v.u.range->stop = stop;
    v.u.range->step = step;
    return v;
}
cb_value cb_range_i(int64_t a, int64_t b, int64_t s) { return cb_range_new(cb_int(a), cb_int(b), cb_int(s)); }

cb_value cb_tuple_of(size_t n, ...)
{
    cb_value t = cb_tuple_new(n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        cb_seq_push(t, va_arg(ap, cb_value));
    va_end(ap);
    return t;
}

/* ---------- reference counting ---------- */

static long *refcount_of(cb_value v)
{
    switch (v.type) {
    case CB_INT: return v.big ? &v.u.big->refcount : NULL;
    case CB_STR: case CB_BYTES: return &v.u.str->refcount;
    case CB_TUPLE: case CB_LIST: case CB_SET: case CB_FROZENSET: return &v.u.seq->refcount;
    case CB_DICT: return &v.u.dict->refcount;
    case CB_RANGE: return &v.u.range->refcount;
    default: return NULL;
    }
}

cb_value cb_retain(cb_value v)
{
    long *rc = refcount_of(v);
    if (rc)
        (*rc)++;
    return v;
}

void cb_release(cb_value v)
{
    long *rc = refcount_of(v);
    if (!rc || --(*rc) > 0)
        return;
    switch (v.type) {
    case CB_INT:
        mpz_clear(v.u.big->z);
        free(v.u.big);
        break;
    case CB_STR: case CB_BYTES:
        free(v.u.str);
        break;
    case CB_TUPLE: case CB_LIST: case CB_SET: case CB_FROZENSET:
        for (size_t i = 0; i < v.u.seq->len; i++)
            cb_release(v.u.seq->items[i]);
        if (!items_inline(v.u.seq))
            free(v.u.seq->items);
        free(v.u.seq);
        break;
    case CB_DICT:
        for (size_t i = 0; i < v.u.dict->len; i++) {
            cb_release(v.u.dict->keys[i]);
            cb_release(v.u.dict->vals[i]);
        }
        free(v.u.dict->keys);
        free(v.u.dict->vals);
        free(v.u.dict->index);
        free(v.u.dict);
        break;
    case CB_RANGE:
        cb_release(v.u.range->start);
        cb_release(v.u.range->stop);
        cb_release(v.u.range->step);
        free(v.u.range);
        break;
    default:
        break;
    }
}

/* ---------- inspection ---------- */

bool cb_is_seq(cb_value v)
{
    return v.type == CB_TUPLE || v.type == CB_LIST || v.type == CB_SET || v.type == CB_FROZENSET;
}

const char *cb_type_name(cb_type t)
{
    static const char *names[] = {"NoneType", "bool", "int", "float", "str", "bytes", "tuple",
                                  "list", "dict", "set", "frozenset", "range"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

bool cb_int_is_big(cb_value v) { return v.type == CB_INT && v.big; }
bool cb_int_fits_i64(cb_value v) { return v.type == CB_BOOL || (v.type == CB_INT && !v.big); }
int64_t cb_int_get_i64(cb_value v) { return v.type == CB_BOOL ? v.u.b : v.u.i; }

void cb_int_get_mpz(cb_value v, mpz_t out)
{
    if (v.type == CB_INT && v.big)
        mpz_set(out, v.u.big->z);
    else
        mpz_set_si(out, cb_int_get_i64(v));
}

int cb_int_sgn(cb_value v)
{
    if (v.type == CB_INT && v.big)
        return mpz_sgn(v.u.big->z);
    int64_t i = cb_int_get_i64(v);
    return (i > 0) - (i < 0);
}

const char *cb_str_data(cb_value v) { return v.u.str->data; }
size_t cb_str_len(cb_value v) { return v.u.str->len; }

size_t cb_len(cb_value v)
{
    if (cb_is_seq(v))
        return v.u.seq->len;
    if (v.type == CB_DICT)
        return v.u.dict->len;
    if (v.type == CB_STR || v.type == CB_BYTES)
        return v.u.str->len;
    return 0;
}

cb_value cb_item(cb_value seq, size_t i) { return seq.u.seq->items[i]; }

void cb_seq_push(cb_value seq, cb_value item)
{
    cb_seq *s = seq.u.seq;
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        if (items_inline(s)) {
            cb_value *items = cb_xmalloc(s->cap * sizeof(cb_value));
            memcpy(items, s->items, s->len * sizeof(cb_value));
            s->items = items;
        } else {
            s->items = cb_xrealloc(s->items, s->cap * sizeof(cb_value));
        }
    }
    s->items[s->len++] = item;
}

void cb_seq_set(cb_value seq, size_t i, cb_value item)
{
    cb_release(seq.u.seq->items[i]);
    seq.u.seq->items[i] = item;
}

/* ---------- dict ---------- */

#define EMPTY_SLOT UINT32_MAX

static void dict_reindex(cb_dict *d, size_t cap)
{
    free(d->index);
    d->index_cap = cap;
    d->index = cb_xmalloc(cap * sizeof(uint32_t));
    memset(d->index, 0xff, cap * sizeof(uint32_t));
    for (size_t i = 0; i < d->len; i++) {
        size_t h = cb_hash(d->keys[i]) & (cap - 1);
        while (d->index[h] != EMPTY_SLOT)
            h = (h + 1) & (cap - 1);
        d->index[h] = (uint32_t)i;
    }
}

/* Probes the hash index for key, whose hash is h: its position, or -1. */
static long dict_probe(const cb_dict *d, cb_value key, uint64_t h)
{
    size_t i = h & (d->index_cap - 1);
    while (d->index[i] != EMPTY_SLOT) {
        if (cb_equal(d->keys[d->index[i]], key))
            return d->index[i];
        i = (i + 1) & (d->index_cap - 1);
    }
    return -1;
}

/* Small dicts (the common case: a polynomial term's few keys, a config) are
 * searched linearly; an index is built once a dict grows past 8 keys.
 * *h receives the key's hash when it was computed (so that an insertion
 * right after need not hash again), else stays untouched. */
static long dict_find(cb_dict *d, cb_value key, uint64_t *h, bool *hashed)
{
    if (d->len <= 8 && !d->index) {
        for (size_t i = 0; i < d->len; i++)
            if (cb_equal(d->keys[i], key))
                return (long)i;
        return -1;
    }
    if (!d->index || d->index_cap < d->len * 2)
        dict_reindex(d, cb_next_pow2(d->len * 4));
    *h = cb_hash(key);
    *hashed = true;
    return dict_probe(d, key, *h);
}

long cb_dict_find(cb_value dv, cb_value key)
{
    uint64_t h;
    bool hashed = false;
    return dict_find(dv.u.dict, key, &h, &hashed);
}

static void dict_append(cb_dict *d, cb_value key, cb_value val, uint64_t h, bool hashed)
{
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 4;
        d->keys = cb_xrealloc(d->keys, d->cap * sizeof(cb_value));
        d->vals = cb_xrealloc(d->vals, d->cap * sizeof(cb_value));
    }
    size_t i = d->len++;
    d->keys[i] = key;
    d->vals[i] = val;
    if (d->index) {
        if (d->index_cap < d->len * 2) {
            dict_reindex(d, cb_next_pow2(d->len * 4));
        } else {
            size_t slot = (hashed ? h : cb_hash(key)) & (d->index_cap - 1);
            while (d->index[slot] != EMPTY_SLOT)
                slot = (slot + 1) & (d->index_cap - 1);
            d->index[slot] = (uint32_t)i;
        }
    }
}

void cb_dict_append_unique(cb_value dv, cb_value key, cb_value val) { dict_append(dv.u.dict, key, val, 0, false); }

void cb_dict_set(cb_value dv, cb_value key, cb_value val)
{
    uint64_t h = 0;
    bool hashed = false;
    long i = dict_find(dv.u.dict, key, &h, &hashed);
    if (i >= 0) {
        cb_release(key);   /* Python keeps the first key object */
        cb_release(dv.u.dict->vals[i]);
        dv.u.dict->vals[i] = val;
        return;
    }
    dict_append(dv.u.dict, key, val, h, hashed);
}

void cb_dict_reserve(cb_value dv, size_t n)
{
    cb_dict *d = dv.u.dict;
    if (n > d->cap) {
        d->cap = n;
        d->keys = cb_xrealloc(d->keys, n * sizeof(cb_value));
        d->vals = cb_xrealloc(d->vals, n * sizeof(cb_value));
    }
    if (n > 8 && (!d->index || d->index_cap < n * 2))
        dict_reindex(d, cb_next_pow2(n * 4));
}

void cb_dict_set_str(cb_value d, const char *key, cb_value val) { cb_dict_set(d, cb_str_c(key), val); }

cb_value cb_dict_key(cb_value d, size_t i) { return d.u.dict->keys[i]; }
cb_value cb_dict_val(cb_value d, size_t i) { return d.u.dict->vals[i]; }

bool cb_dict_get(cb_value d, cb_value key, cb_value *out)
{
    long i = cb_dict_find(d, key);
    if (i < 0)
        return false;
    if (out)
        *out = d.u.dict->vals[i];
    return true;
}

bool cb_dict_get_str(cb_value d, const char *key, cb_value *out)
{
    /* A stack str body avoids an allocation per lookup. */
    size_t n = strlen(key);
    struct { cb_str s; char buf[64]; } tmp;
    if (n >= sizeof tmp.buf) {
        cb_value k = cb_str_c(key);
        bool r = cb_dict_get(d, k, out);
        cb_release(k);
        return r;
    }
    tmp.s.refcount = 1;
    tmp.s.len = n;
    memcpy(tmp.s.data, key, n + 1);
    cb_value k = {0};
    k.type = CB_STR;
    k.u.str = &tmp.s;
    return cb_dict_get(d, k, out);
}

/* ---------- equality and hashing (Python semantics) ---------- */

/* len(range), as Python computes it: ranges compare and hash as sequences. */
static void range_len(const cb_range *r, mpz_t len)
{
    mpz_t a, b, s;
    mpz_inits(a, b, s, NULL);
    cb_int_get_mpz(r->start, a);
    cb_int_get_mpz(r->stop, b);
    cb_int_get_mpz(r->step, s);
    if (mpz_sgn(s) < 0) {   /* count from the other end with a positive step */
        mpz_swap(a, b);
        mpz_neg(s, s);
    }
    mpz_set_ui(len, 0);
    if (mpz_cmp(b, a) > 0) {   /* (b - a - 1) // s + 1 */
        mpz_sub(len, b, a);
        mpz_sub_ui(len, len, 1);
        mpz_fdiv_q(len, len, s);
        mpz_add_ui(len, len, 1);
    }
    mpz_clears(a, b, s, NULL);
}

/* Python's range equality: same length, then same first item, then same step. */
static bool range_equal(const cb_range *x, const cb_range *y)
{
    mpz_t lx, ly;
    mpz_inits(lx, ly, NULL);
    range_len(x, lx);
    range_len(y, ly);
    bool eq = mpz_cmp(lx, ly) == 0 &&
              (mpz_sgn(lx) == 0 ||
               (cb_equal(x->start, y->start) && (mpz_cmp_ui(lx, 1) == 0 || cb_equal(x->step, y->step))));
    mpz_clears(lx, ly, NULL);
    return eq;
}

static bool is_number(cb_value v) { return v.type == CB_BOOL || v.type == CB_INT || v.type == CB_FLOAT; }

static int num_cmp_equal(cb_value a, cb_value b)
{
    if (a.type == CB_FLOAT || b.type == CB_FLOAT) {
        if (a.type == CB_FLOAT && b.type == CB_FLOAT)
            return a.u.f == b.u.f;
        cb_value f = a.type == CB_FLOAT ? a : b, n = a.type == CB_FLOAT ? b : a;
        if (!isfinite(f.u.f))
            return 0;
        mpz_t z;
        mpz_init(z);
        cb_int_get_mpz(n, z);
        int eq = mpz_cmp_d(z, f.u.f) == 0;
        mpz_clear(z);
        return eq;
    }
    if (cb_int_fits_i64(a) && cb_int_fits_i64(b))
        return cb_int_get_i64(a) == cb_int_get_i64(b);
    if (cb_int_fits_i64(a) != cb_int_fits_i64(b))
        return 0;   /* big ints are normalised: a big never equals a small */
    return mpz_cmp(a.u.big->z, b.u.big->z) == 0;
}

static bool set_contains(cb_value s, cb_value x)
{
    for (size_t i = 0; i < s.u.seq->len; i++)
        if (cb_equal(s.u.seq->items[i], x))
            return true;
    return false;
}

bool cb_equal(cb_value a, cb_value b)
{
    if (is_number(a) && is_number(b))
        return num_cmp_equal(a, b);
    bool aset = a.type == CB_SET || a.type == CB_FROZENSET, bset = b.type == CB_SET || b.type == CB_FROZENSET;
    if (aset && bset) {
        if (a.u.seq->len != b.u.seq->len)
            return false;
        for (size_t i = 0; i < a.u.seq->len; i++)
            if (!set_contains(b, a.u.seq->items[i]))
                return false;
        return true;
    }
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case CB_NONE: return true;
    case CB_STR: case CB_BYTES:
        return a.u.str == b.u.str ||
               (a.u.str->len == b.u.str->len && memcmp(a.u.str->data, b.u.str->data, a.u.str->len) == 0);
    case CB_TUPLE: case CB_LIST:
        if (a.u.seq == b.u.seq)
            return true;
        if (a.u.seq->len != b.u.seq->len)
            return false;
        for (size_t i = 0; i < a.u.seq->len; i++)
            if (!cb_equal(a.u.seq->items[i], b.u.seq->items[i]))
                return false;
        return true;
    case CB_DICT:
        if (a.u.dict->len != b.u.dict->len)
            return false;
        for (size_t i = 0; i < a.u.dict->len; i++) {
            cb_value bv;
            if (!cb_dict_get(b, a.u.dict->keys[i], &bv) || !cb_equal(a.u.dict->vals[i], bv))
                return false;
        }
        return true;
    case CB_RANGE:
        return a.u.range == b.u.range || range_equal(a.u.range, b.u.range);
    default:
        return false;
    }
}

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

uint64_t cb_hash(cb_value v)
{
    switch (v.type) {
    case CB_NONE: return 0x5a5a;
    case CB_BOOL: return mix(0, (uint64_t)v.u.b);
    case CB_INT:
        if (!v.big)
            return mix(0, (uint64_t)v.u.i);
        return mix(hash_bytes(v.u.big->z->_mp_d, sizeof(mp_limb_t) * (size_t)abs(v.u.big->z->_mp_size)),
                   (uint64_t)v.u.big->z->_mp_size);
    case CB_FLOAT: {
        double f = v.u.f;
        if (isfinite(f) && f == floor(f)) {   /* hash as the equal int */
            if (f >= -9.2e18 && f <= 9.2e18)
                return mix(0, (uint64_t)(int64_t)f);
            mpz_t z;
            mpz_init_set_d(z, f);
            cb_value iv = cb_int_mpz(z);
            uint64_t h = cb_hash(iv);
            cb_release(iv);
            mpz_clear(z);
            return h;
        }
        uint64_t bits;
        memcpy(&bits, &f, sizeof bits);
        return mix(7, bits);
    }
    case CB_STR: return hash_bytes(v.u.str->data, v.u.str->len);
    case CB_BYTES: return mix(3, hash_bytes(v.u.str->data, v.u.str->len));
    case CB_TUPLE: case CB_LIST: {
        uint64_t h = 0x345678 + v.type;
        for (size_t i = 0; i < v.u.seq->len; i++) {
            cb_value x = v.u.seq->items[i];   /* small ints inline: exponent tuples are hot */
            h = mix(h, x.type == CB_INT && !x.big ? mix(0, (uint64_t)x.u.i) : cb_hash(x));
        }
        return h;
    }
    case CB_SET: case CB_FROZENSET: {
        uint64_t h = 0x1f;   /* order independent */
        for (size_t i = 0; i < v.u.seq->len; i++)
            h += cb_hash(v.u.seq->items[i]) * 0x9e3779b97f4a7c15ULL;
        return h;
    }
    case CB_RANGE: {   /* as Python: hash((len, start or None, step or None)) */
        mpz_t len;
        mpz_init(len);
        range_len(v.u.range, len);
        cb_value lv = cb_int_mpz(len);
        uint64_t h = mix(11, cb_hash(lv));
        if (mpz_sgn(len) > 0)
            h = mix(h, cb_hash(v.u.range->start));
        if (mpz_cmp_ui(len, 1) > 0)
            h = mix(h, cb_hash(v.u.range->step));
        cb_release(lv);
        mpz_clear(len);
        return h;
    }
    default:
        return 0;   /* dicts are not hashable in Python; never used as keys */
    }
}

/* ---------- repr ---------- */

static void repr_str(cb_buf *b, cb_value v)
{
    const unsigned char *s = (const unsigned char *)v.u.str->data;
    size_t n = v.u.str->len;
    bool bytes = v.type == CB_BYTES;
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    if (bytes)
        cb_buf_putc(b, 'b');
    cb_buf_putc(b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == (unsigned char)q || c == '\\') {
            cb_buf_putc(b, '\\');
            cb_buf_putc(b, (char)c);
        } else if (c == '\n') cb_buf_puts(b, "\\n");
        else if (c == '\r') cb_buf_puts(b, "\\r");
        else if (c == '\t') cb_buf_puts(b, "\\t");
        else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) cb_buf_printf(b, "\\x%02x", c);
        else cb_buf_putc(b, (char)c);   /* UTF-8 passes through (printable in Python's sense, mostly) */
    }
    cb_buf_putc(b, q);
}

void cb_repr_float(cb_buf *b, double f)
{
    if (isnan(f)) { cb_buf_puts(b, "nan"); return; }
    if (isinf(f)) { cb_buf_puts(b, f > 0 ? "inf" : "-inf"); return; }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {   /* shortest repr that round-trips, as Python */
        snprintf(tmp, sizeof tmp, "%.*g", prec, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    /* Python: repr uses exponent form when exp < -4 or >= 16 */
    char *e = strchr(tmp, 'e');
    if (e) {
        int ex = atoi(e + 1);
        if (ex >= -4 && ex < 16) {
            snprintf(tmp, sizeof tmp, "%.17g", f);   /* rare path: fall back to fixed */
            double g = f;
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(tmp, sizeof tmp, "%.*f", prec, g);
                if (strtod(tmp, NULL) == f)
                    break;
            }
        } else {
            /* Python writes 1e+16 as '1e+16' and 1e-05 as '1e-05': same as C */
        }
        cb_buf_puts(b, tmp);
        return;
    }
    cb_buf_puts(b, tmp);
    if (!strchr(tmp, '.') && !strchr(tmp, 'n') && !strchr(tmp, 'i'))
        cb_buf_puts(b, ".0");
}

static void repr_into(cb_buf *b, cb_value v)
{
    switch (v.type) {
    case CB_NONE: cb_buf_puts(b, "None"); break;
    case CB_BOOL: cb_buf_puts(b, v.u.b ? "True" : "False"); break;
    case CB_INT:
        if (v.big) {
            char *s = mpz_get_str(NULL, 10, v.u.big->z);
            cb_buf_puts(b, s);
            free(s);
        } else {
            cb_buf_printf(b, "%lld", (long long)v.u.i);
        }
        break;
    case CB_FLOAT: cb_repr_float(b, v.u.f); break;
    case CB_STR: case CB_BYTES: repr_str(b, v); break;
    case CB_TUPLE: case CB_LIST: {
        cb_buf_putc(b, v.type == CB_TUPLE ? '(' : '[');
        for (size_t i = 0; i < v.u.seq->len; i++) {
            if (i)
                cb_buf_puts(b, ", ");
            repr_into(b, v.u.seq->items[i]);
        }
        if (v.type == CB_TUPLE && v.u.seq->len == 1)
            cb_buf_putc(b, ',');
        cb_buf_putc(b, v.type == CB_TUPLE ? ')' : ']');
        break;
    }
    case CB_SET: case CB_FROZENSET: {
        bool fz = v.type == CB_FROZENSET;
        if (v.u.seq->len == 0) {
            cb_buf_puts(b, fz ? "frozenset()" : "set()");
            break;
        }
        cb_buf_puts(b, fz ? "frozenset({" : "{");
        for (size_t i = 0; i < v.u.seq->len; i++) {
            if (i)
                cb_buf_puts(b, ", ");
            repr_into(b, v.u.seq->items[i]);
        }
        cb_buf_puts(b, fz ? "})" : "}");
        break;
    }
    case CB_DICT:
        cb_buf_putc(b, '{');
        for (size_t i = 0; i < v.u.dict->len; i++) {
            if (i)
                cb_buf_puts(b, ", ");
            repr_into(b, v.u.dict->keys[i]);
            cb_buf_puts(b, ": ");
            repr_into(b, v.u.dict->vals[i]);
        }
        cb_buf_putc(b, '}');
        break;
    case CB_RANGE:
        cb_buf_puts(b, "range(");
        repr_into(b, v.u.range->start);
        cb_buf_puts(b, ", ");
        repr_into(b, v.u.range->stop);
        if (!(cb_int_fits_i64(v.u.range->step) && cb_int_get_i64(v.u.range->step) == 1)) {
            cb_buf_puts(b, ", ");
            repr_into(b, v.u.range->step);
        }
        cb_buf_putc(b, ')');
        break;
    }
}

void cb_repr_into(cb_buf *b, cb_value v) { repr_into(b, v); }

char *cb_repr(cb_value v)
{
    cb_buf b = {0};
    repr_into(&b, v);
    return cb_buf_take(&b);
}
