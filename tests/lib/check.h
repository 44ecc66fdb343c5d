/* check.h — the tiny unit-test harness of casbench's C tests.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_MSG(ok, "got %d", v); }
 *   int main(void) { RUN(name); ...; return check_done(); }
 *
 * Each test prints "PASS: file:name" or "FAIL: file:name: detail", the
 * lines tests/run-tests.sh counts. */
#ifndef CB_CHECK_H
#define CB_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_ = 0, check_cur_failed_ = 0, check_total_failed_ = 0;

#define TEST(name) static void test_##name(void)
#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        if (!(cond)) {                                                           \
            printf("    %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);  \
            printf(__VA_ARGS__);                                                 \
            printf("\n");                                                        \
            check_cur_failed_ = 1;                                               \
        }                                                                        \
    } while (0)
#define CHECK(cond) CHECK_MSG(cond, "%s", "")
#define RUN(name)                                                                \
    do {                                                                         \
        check_cur_failed_ = 0;                                                   \
        test_##name();                                                           \
        printf("%s: %s:%s\n", check_cur_failed_ ? "FAIL" : "PASS", __FILE__, #name); \
        fflush(stdout);                                                          \
        check_total_failed_ += check_cur_failed_;                                \
    } while (0)
#define SKIP(name, why) printf("SKIP: %s:%s: %s\n", __FILE__, #name, why)

static inline int check_done(void)
{
    (void)check_failed_;
    return check_total_failed_ ? 1 : 0;
}

#endif
