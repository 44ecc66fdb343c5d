/* value.h — casbench's model of Python values.
 *
 * Everything casbench reads or writes as a pickle (datasets, run lists, run
 * configs, results) is a tree of cb_value.  The set of types is exactly what
 * docs/design.md §3.3 allows: None, bool, int (any size, GMP beyond 64 bits), float,
 * str (UTF-8), bytes, tuple, list, dict (insertion ordered), set, frozenset
 * and range.
 *
 * A cb_value is a small handle passed by value.  Scalars (None, bool, small
 * int, float) live inside the handle; everything else points to a reference-
 * counted body, so that a pickle's shared references stay shared and copying
 * a handle is cheap.  Ownership follows one rule: a function that stores a
 * value it was given *takes* the caller's reference ("steals"); a function
 * that returns a value stored elsewhere *borrows* it.  cb_retain() makes an
 * extra reference, cb_release() drops one.  Containers are mutable while they
 * are being built (by the pickle reader or a generator) and treated as
 * immutable afterwards.
 */
#ifndef CB_VALUE_H
#define CB_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gmp.h>

typedef enum {
    CB_NONE = 0,
    CB_BOOL,
    CB_INT,       /* small (int64) or big (mpz) — cb_int_is_big() tells */
    CB_FLOAT,
    CB_STR,       /* UTF-8, length-counted, may contain NUL */
    CB_BYTES,
    CB_TUPLE,
    CB_LIST,
    CB_DICT,
    CB_SET,
    CB_FROZENSET,
    CB_RANGE,
} cb_type;

typedef struct cb_bigint cb_bigint;   /* { refcount; mpz_t z; } */
typedef struct cb_str    cb_str;      /* { refcount; size_t len; char data[]; } */
typedef struct cb_seq    cb_seq;      /* tuple, list, set, frozenset */
typedef struct cb_dict   cb_dict;
typedef struct cb_range  cb_range;

typedef struct cb_value {
    uint8_t type;       /* cb_type */
    uint8_t big;        /* CB_INT only: 1 when u.big holds the value */
    union {
        bool b;
        int64_t i;
        double f;
        cb_bigint *big;
        cb_str *str;
        cb_seq *seq;
        cb_dict *dict;
        cb_range *range;
    } u;
} cb_value;

struct cb_bigint { long refcount; mpz_t z; };
struct cb_str    { long refcount; size_t len; char data[]; };  /* data NUL-terminated too */
struct cb_seq    { long refcount; size_t len, cap; cb_value *items; };
struct cb_range  { long refcount; cb_value start, stop, step; };  /* three CB_INT */
struct cb_dict {
    long refcount;
    size_t len, cap;
    cb_value *keys, *vals;      /* insertion order */
    uint32_t *index;            /* open-addressing hash index into keys, or NULL */
    size_t index_cap;
};

/* ---- constructors (each returns a new reference) ---- */
cb_value cb_none(void);
cb_value cb_bool(bool b);
cb_value cb_int(int64_t i);
cb_value cb_int_mpz(const mpz_t z);      /* copies z; normalises to small when it fits */
cb_value cb_float(double f);
cb_value cb_str_new(const char *s, size_t len);
cb_value cb_str_c(const char *s);        /* NUL-terminated */
cb_value cb_bytes_new(const void *p, size_t len);
cb_value cb_tuple_new(size_t cap);       /* empty; fill with cb_seq_push */
cb_value cb_list_new(size_t cap);
cb_value cb_set_new(size_t cap);
cb_value cb_frozenset_new(size_t cap);
cb_value cb_dict_new(size_t cap);
cb_value cb_range_new(cb_value start, cb_value stop, cb_value step);  /* steals */
cb_value cb_range_i(int64_t start, int64_t stop, int64_t step);

/* Convenience: build a tuple from n values, stealing them. */
cb_value cb_tuple_of(size_t n, ...);

/* ---- reference counting ---- */
cb_value cb_retain(cb_value v);          /* returns v */
void cb_release(cb_value v);

/* ---- inspection ---- */
static inline bool cb_is(cb_value v, cb_type t) { return v.type == t; }
bool cb_is_seq(cb_value v);              /* tuple, list, set, frozenset */
const char *cb_type_name(cb_type t);     /* Python's name: "int", "dict", ... */

bool cb_int_is_big(cb_value v);
bool cb_int_fits_i64(cb_value v);
int64_t cb_int_get_i64(cb_value v);      /* caller checked cb_int_fits_i64 */
void cb_int_get_mpz(cb_value v, mpz_t out);   /* out must be initialised */
int cb_int_sgn(cb_value v);

const char *cb_str_data(cb_value v);     /* str or bytes */
size_t cb_str_len(cb_value v);

size_t cb_len(cb_value v);               /* seq, dict */
cb_value cb_item(cb_value seq, size_t i);         /* borrowed */
void cb_seq_push(cb_value seq, cb_value item);    /* steals item */
void cb_seq_set(cb_value seq, size_t i, cb_value item);  /* steals, releases old */

/* dict: keys compare by Python equality (1 == 1.0 == True, tuples by items) */
cb_value cb_dict_key(cb_value d, size_t i);       /* borrowed, i-th in insertion order */
cb_value cb_dict_val(cb_value d, size_t i);       /* borrowed */
bool cb_dict_get(cb_value d, cb_value key, cb_value *out);  /* borrowed *out */
bool cb_dict_get_str(cb_value d, const char *key, cb_value *out);
long cb_dict_find(cb_value d, cb_value key);      /* index or -1 */
/* Insert or overwrite in place (an existing key keeps its position, as in
 * Python).  Steals key and val. */
void cb_dict_set(cb_value d, cb_value key, cb_value val);
void cb_dict_set_str(cb_value d, const char *key, cb_value val);  /* steals val */
/* Append without looking for an existing key: for builders that know keys are
 * unique (e.g. the pickle reader does NOT use this; it needs Python semantics). */
void cb_dict_append_unique(cb_value d, cb_value key, cb_value val);
/* Makes room for n entries in total, so that filling a dict of known size
 * never regrows or rehashes it. */
void cb_dict_reserve(cb_value d, size_t n);

/* ---- Python semantics ---- */
bool cb_equal(cb_value a, cb_value b);
uint64_t cb_hash(cb_value v);
/* Python repr(): "'a'", "(1, 2)", "range(0, 10)", "{1: 2}", ... (malloc'd) */
char *cb_repr(cb_value v);
struct cb_buf;
void cb_repr_into(struct cb_buf *b, cb_value v);
void cb_repr_float(struct cb_buf *b, double f);   /* Python's repr(float) */

#endif
