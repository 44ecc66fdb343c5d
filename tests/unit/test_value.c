/* test_value.c — unit tests of lib/data/value.c: construction, reference counting
 * (leaks show under the ASan build), Python's equality and hashing rules,
 * dict order and overwrite semantics, and repr.
 *
 * Expected reprs and equalities were produced by CPython 3.11 (repr(v),
 * v == w) for the same values; run under ASan the tests also prove every
 * reference is released. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "check.h"
#include "data/value.h"
#include "value_check.h"

/* repr_matches, releasing v (the tests build each value in the call) */
static bool repr_is(cb_value v, const char *want)
{
    bool ok = repr_matches(v, want);
    cb_release(v);
    return ok;
}

static cb_value set_of(cb_type t, size_t n, const int64_t *xs)
{
    cb_value s = t == CB_SET ? cb_set_new(0) : cb_frozenset_new(n);
    for (size_t i = 0; i < n; i++)
        cb_seq_push(s, cb_int(xs[i]));
    return s;
}

TEST(ints_normalise)
{
    cb_value a = pow2(63, 1, -1), b = pow2(63, 1, 0), c = pow2(63, -1, 0), d = pow2(63, -1, -1);
    CHECK(!cb_int_is_big(a) && cb_int_get_i64(a) == INT64_MAX);
    CHECK(cb_int_is_big(b) && !cb_int_fits_i64(b) && cb_int_sgn(b) == 1);
    CHECK(!cb_int_is_big(c) && cb_int_get_i64(c) == INT64_MIN);
    CHECK(cb_int_is_big(d) && cb_int_sgn(d) == -1);
    mpz_t z;
    mpz_init(z);
    cb_int_get_mpz(d, z);
    CHECK(mpz_sizeinbase(z, 2) == 64);
    cb_int_get_mpz(cb_bool(true), z);
    CHECK(mpz_cmp_ui(z, 1) == 0);
    mpz_clear(z);
    cb_release(b);
    cb_release(d);
}

TEST(python_equality)
{
    /* 1 == 1.0 == True, 0 == -0.0 == False, 2**70 == 2.0**70, nan != nan */
    CHECK(cb_equal(cb_int(1), cb_float(1.0)) && cb_equal(cb_int(1), cb_bool(true)));
    CHECK(cb_equal(cb_bool(false), cb_float(-0.0)));
    cb_value big = pow2(70, 1, 0);
    CHECK(cb_equal(big, cb_float(ldexp(1, 70))) && !cb_equal(big, cb_float(INFINITY)));
    CHECK(!cb_equal(big, cb_int(0)));
    cb_value big2 = pow2(70, 1, 0);
    CHECK(cb_equal(big, big2) && cb_hash(big) == cb_hash(big2));
    CHECK(cb_hash(big) == cb_hash(cb_float(ldexp(1, 70))));
    cb_release(big);
    cb_release(big2);
    CHECK(!cb_equal(cb_float(NAN), cb_float(NAN)));
    CHECK(cb_hash(cb_int(1)) == cb_hash(cb_float(1.0)) && cb_hash(cb_int(1)) == cb_hash(cb_bool(true)));
    /* str != bytes; (1,) != [1]; (1, 2) == (1.0, 2) */
    cb_value s = cb_str_c("ab"), b = cb_bytes_new("ab", 2);
    CHECK(!cb_equal(s, b));
    cb_release(s);
    cb_release(b);
    cb_value t = cb_tuple_of(1, cb_int(1)), l = cb_list_new(1);
    cb_seq_push(l, cb_int(1));
    CHECK(!cb_equal(t, l));
    cb_release(t);
    cb_release(l);
    cb_value t1 = cb_tuple_of(2, cb_int(1), cb_int(2)), t2 = cb_tuple_of(2, cb_float(1.0), cb_int(2));
    CHECK(cb_equal(t1, t2) && cb_hash(t1) == cb_hash(t2));
    cb_release(t1);
    cb_release(t2);
    /* {1, 2} == frozenset({2, 1}), with equal hashes */
    int64_t xs[] = {1, 2}, ys[] = {2, 1}, zs[] = {1, 3};
    cb_value s1 = set_of(CB_SET, 2, xs), s2 = set_of(CB_FROZENSET, 2, ys), s3 = set_of(CB_SET, 2, zs);
    CHECK(cb_equal(s1, s2) && cb_hash(s1) == cb_hash(s2) && !cb_equal(s1, s3));
    cb_release(s1);
    cb_release(s2);
    cb_release(s3);
    /* dicts equal regardless of order */
    cb_value d1 = cb_dict_new(0), d2 = cb_dict_new(0);
    cb_dict_set(d1, cb_int(1), cb_int(2));
    cb_dict_set(d1, cb_int(3), cb_int(4));
    cb_dict_set(d2, cb_int(3), cb_int(4));
    cb_dict_set(d2, cb_int(1), cb_int(2));
    CHECK(cb_equal(d1, d2));
    cb_dict_set(d2, cb_int(1), cb_int(5));
    CHECK(!cb_equal(d1, d2));
    cb_release(d1);
    cb_release(d2);
}

TEST(ranges_compare_as_sequences)
{
    /* CPython: range(0, 3, 2) == range(0, 4, 2); range(0) == range(5, 5);
     * range(1, 2, 5) == range(1, 2, 7); equal ranges hash alike */
    struct { int64_t a[3], b[3]; bool eq; } cases[] = {
        {{0, 3, 2}, {0, 4, 2}, true},  {{0, 0, 1}, {5, 5, 1}, true},  {{1, 2, 5}, {1, 2, 7}, true},
        {{0, 10, 1}, {0, 10, 2}, false}, {{10, 0, -3}, {10, -1, -3}, true}, {{0, 5, 1}, {1, 6, 1}, false},
        {{5, 0, 1}, {0, -5, -1}, false}, {{5, 0, 1}, {3, 3, -1}, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cb_value x = cb_range_i(cases[i].a[0], cases[i].a[1], cases[i].a[2]);
        cb_value y = cb_range_i(cases[i].b[0], cases[i].b[1], cases[i].b[2]);
        CHECK_MSG(cb_equal(x, y) == cases[i].eq, "case %zu", i);
        if (cases[i].eq)
            CHECK_MSG(cb_hash(x) == cb_hash(y), "hash case %zu", i);
        cb_release(x);
        cb_release(y);
    }
    /* big bounds */
    cb_value x = cb_range_new(pow2(65, 1, 0), pow2(66, 1, 0), pow2(64, 1, 0));
    cb_value y = cb_range_new(pow2(65, 1, 0), pow2(66, 1, -1), pow2(64, 1, 0));
    cb_value z = cb_range_new(pow2(65, 1, 0), pow2(66, 1, 1), pow2(64, 1, 0));
    CHECK(cb_equal(x, y) && !cb_equal(x, z) && cb_hash(x) == cb_hash(y));
    cb_release(x);
    cb_release(y);
    cb_release(z);
}

TEST(dict_order_and_overwrite)
{
    cb_value d = cb_dict_new(0);
    for (int i = 100; i > 0; i--)
        cb_dict_set(d, cb_tuple_of(2, cb_int(i), cb_int(-i)), cb_int(i));
    CHECK(cb_len(d) == 100);
    /* overwrite keeps the position and the first key object */
    cb_value k = cb_tuple_of(2, cb_float(50.0), cb_int(-50));
    cb_dict_set(d, k, cb_str_c("x"));
    CHECK(cb_len(d) == 100 && cb_dict_val(d, 50).type == CB_STR && cb_dict_key(d, 50).u.seq->items[0].type == CB_INT);
    for (int i = 100; i > 0; i--) {
        cb_value probe = cb_tuple_of(2, cb_int(i), cb_int(-i));
        CHECK_MSG(cb_dict_find(d, probe) == 100 - i, "key %d", i);
        cb_release(probe);
    }
    cb_value missing = cb_tuple_of(2, cb_int(1), cb_int(1));
    CHECK(cb_dict_find(d, missing) == -1 && !cb_dict_get(d, missing, NULL));
    cb_release(missing);
    cb_release(d);
    /* 1, True and 1.0 are one key; small dicts (linear) and reserved ones (indexed) agree */
    for (int reserve = 0; reserve <= 1; reserve++) {
        d = cb_dict_new(0);
        if (reserve)
            cb_dict_reserve(d, 1000);
        cb_dict_set(d, cb_int(1), cb_str_c("a"));
        cb_dict_set(d, cb_bool(true), cb_str_c("b"));
        cb_dict_set(d, cb_float(1.0), cb_str_c("c"));
        CHECK(repr_is(cb_retain(d), "{1: 'c'}"));
        for (int i = 0; i < 5000; i++)
            cb_dict_set(d, cb_int(i), cb_int(i));
        CHECK(cb_len(d) == 5000 && cb_int_get_i64(cb_dict_key(d, 0)) == 1 && cb_int_get_i64(cb_dict_key(d, 1)) == 0);
        cb_release(d);
    }
    /* string keys, short and long (the stack fast path of cb_dict_get_str) */
    d = cb_dict_new(0);
    char longkey[100];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[99] = 0;
    cb_dict_set_str(d, "type", cb_str_c("benchmark"));
    cb_dict_set_str(d, longkey, cb_int(7));
    cb_value out;
    CHECK(cb_dict_get_str(d, "type", &out) && out.type == CB_STR && strcmp(cb_str_data(out), "benchmark") == 0);
    CHECK(cb_dict_get_str(d, longkey, &out) && cb_int_get_i64(out) == 7);
    CHECK(!cb_dict_get_str(d, "typ", &out));
    cb_release(d);
}

TEST(sequences)
{
    /* a tuple filled past its capacity moves its items out of the body */
    cb_value t = cb_tuple_new(2);
    for (int i = 0; i < 50; i++)
        cb_seq_push(t, cb_str_c("x"));
    CHECK(cb_len(t) == 50 && cb_is_seq(t));
    cb_seq_set(t, 3, cb_int(3));
    CHECK(cb_item(t, 3).type == CB_INT && cb_item(t, 4).type == CB_STR);
    cb_value shared = cb_retain(t);
    cb_value outer = cb_tuple_of(2, t, shared);
    CHECK(cb_item(outer, 0).u.seq == cb_item(outer, 1).u.seq && t.u.seq->refcount == 2);
    cb_release(outer);
    CHECK(strcmp(cb_type_name(CB_FROZENSET), "frozenset") == 0 && strcmp(cb_type_name(CB_NONE), "NoneType") == 0);
    cb_value s = cb_str_new("a\0b", 3);
    CHECK(cb_len(s) == 3 && cb_str_data(s)[3] == 0);
    cb_release(s);
}

TEST(repr_like_python)
{
    CHECK(repr_is(cb_none(), "None"));
    CHECK(repr_is(cb_bool(true), "True"));
    CHECK(repr_is(cb_int(-5), "-5"));
    CHECK(repr_is(pow2(100, 1, 0), "1267650600228229401496703205376"));
    CHECK(repr_is(pow2(64, -1, 0), "-18446744073709551616"));
    double fs[] = {1.5, 1e16, 1e-05, 0.1, -0.0, INFINITY, NAN, 1e22, 120.0, 123456789.0, 2.5e-7};
    const char *fw[] = {"1.5", "1e+16", "1e-05", "0.1", "-0.0", "inf", "nan", "1e+22", "120.0", "123456789.0", "2.5e-07"};
    for (size_t i = 0; i < sizeof fs / sizeof *fs; i++)
        CHECK(repr_is(cb_float(fs[i]), fw[i]));
    CHECK(repr_is(cb_str_c("it's"), "\"it's\""));
    CHECK(repr_is(cb_str_c("a\"b"), "'a\"b'"));
    CHECK(repr_is(cb_str_c("a'b\"c"), "'a\\'b\"c'"));
    CHECK(repr_is(cb_str_c("\n\t\\\r"), "'\\n\\t\\\\\\r'"));
    CHECK(repr_is(cb_str_c("\x7f\x01"), "'\\x7f\\x01'"));
    CHECK(repr_is(cb_bytes_new("\0\xff'", 3), "b\"\\x00\\xff'\""));
    CHECK(repr_is(cb_tuple_of(1, cb_int(1)), "(1,)"));
    CHECK(repr_is(cb_list_new(0), "[]"));
    CHECK(repr_is(cb_dict_new(0), "{}"));
    CHECK(repr_is(cb_set_new(0), "set()"));
    CHECK(repr_is(cb_frozenset_new(0), "frozenset()"));
    int64_t xs[] = {1, 2};
    CHECK(repr_is(set_of(CB_SET, 2, xs), "{1, 2}"));
    CHECK(repr_is(set_of(CB_FROZENSET, 1, xs), "frozenset({1})"));
    CHECK(repr_is(cb_range_i(0, 5, 1), "range(0, 5)"));
    CHECK(repr_is(cb_range_i(0, 5, 2), "range(0, 5, 2)"));
    CHECK(repr_is(cb_range_i(-1, -10, -3), "range(-1, -10, -3)"));
    cb_value l = cb_list_new(0);
    cb_seq_push(l, cb_int(2));
    cb_value d = cb_dict_new(0);
    cb_dict_set_str(d, "a", cb_tuple_of(2, cb_int(1), l));
    CHECK(repr_is(d, "{'a': (1, [2])}"));
}

int main(void)
{
    RUN(ints_normalise);
    RUN(python_equality);
    RUN(ranges_compare_as_sequences);
    RUN(dict_order_and_overwrite);
    RUN(sequences);
    RUN(repr_like_python);
    return check_done();
}
