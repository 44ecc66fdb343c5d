/* test_format.c — unit tests of lib/common/format.c: times with three significant
 * digits at every unit and rounding edge (a carry moves to the next unit,
 * never "10 ms" or "1000 µs" or "2 min 60 s"), the terminal width rule
 * ($COLUMNS when not a terminal, 80 without it) and word wrapping. */
#include "check.h"
#include "common/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int shows(double s, const char *want)
{
    char buf[32];
    cb_format_seconds(s, buf, sizeof buf);
    if (strcmp(buf, want))
        printf("    %.17g s: got '%s', want '%s'\n", s, buf, want);
    return !strcmp(buf, want);
}

TEST(three_significant_digits_in_every_unit)
{
    CHECK(shows(43.1e-9, "43.1 ns"));
    CHECK(shows(0.5e-9, "0.500 ns"));
    CHECK(shows(12.3e-6, "12.3 µs"));
    CHECK(shows(1.1e-3, "1.10 ms"));     /* never "1.1 ms" beside "1.11 ms" */
    CHECK(shows(1.11e-3, "1.11 ms"));
    CHECK(shows(2e-3, "2.00 ms"));
    CHECK(shows(0.123, "123 ms"));
    CHECK(shows(1.23, "1.23 s"));
    CHECK(shows(1, "1.00 s"));
    CHECK(shows(30, "30.0 s"));
    CHECK(shows(59.94, "59.9 s"));
}

TEST(rounding_carries_into_the_next_unit)
{
    CHECK(shows(9.9951e-3, "10.0 ms"));
    CHECK(shows(9.9949e-3, "9.99 ms"));
    {   /* 9.995 ms itself sits on the edge in binary: either, with three digits */
        char buf[32];
        cb_format_seconds(9.995e-3, buf, sizeof buf);
        CHECK_MSG(!strcmp(buf, "9.99 ms") || !strcmp(buf, "10.0 ms"), "'%s'", buf);
    }
    CHECK(shows(999.96e-6, "1.00 ms"));   /* not "1000 µs" */
    CHECK(shows(999.96e-9, "1.00 µs"));
    CHECK(shows(0.99996, "1.00 s"));
    CHECK(shows(99.96e-3, "100 ms"));
}

TEST(minutes_and_hours_never_show_60)
{
    CHECK(shows(59.99, "1 min 00 s"));    /* 60.0 s after rounding */
    CHECK(shows(60, "1 min 00 s"));
    CHECK(shows(119.6, "2 min 00 s"));    /* not "1 min 60 s" */
    CHECK(shows(179.6, "3 min 00 s"));    /* not "2 min 60 s" */
    CHECK(shows(123.4, "2 min 03 s"));
    CHECK(shows(3599.4, "59 min 59 s"));
    CHECK(shows(3599.6, "1 h 00 min"));
    CHECK(shows(7199.9, "2 h 00 min"));   /* not "1 h 60 min" */
    CHECK(shows(3 * 3600 + 5 * 60 + 10, "3 h 05 min"));
}

TEST(odd_values)
{
    CHECK(shows(NAN, "?"));
    CHECK(shows(0, "0 s"));
    CHECK(shows(INFINITY, "inf"));
    CHECK(shows(-1.1e-3, "-1.10 ms"));
}

TEST(width_from_columns_or_80)
{
    setenv("COLUMNS", "60", 1);
    CHECK(cb_term_width(-1) == 60);
    setenv("COLUMNS", "5", 1);
    CHECK(cb_term_width(-1) == CB_MIN_WIDTH);
    setenv("COLUMNS", "wide", 1);
    CHECK(cb_term_width(-1) == 80);
    unsetenv("COLUMNS");
    CHECK(cb_term_width(-1) == 80);
}

/* Every line of S at most W display columns; the words of TEXT all there,
 * in order. */
static int wrapped_ok(const char *text, size_t w, size_t indent)
{
    cb_buf b = {0};
    cb_wrap(&b, text, w, indent);
    char *s = cb_buf_take(&b);
    int ok = 1;
    cb_buf words = {0};
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        if (cb_text_width(line) > w || (line[0] && line[strlen(line) - 1] == ' '))
            ok = 0, printf("    line '%s' longer than %zu or with a trailing blank\n", line, w);
        cb_buf_puts(&words, line);
    }
    /* the text without blanks equals the output without blanks */
    cb_buf a = {0};
    for (const char *p = text; *p; p++)
        if (*p != ' ' && *p != '\n')
            cb_buf_putc(&a, *p);
    cb_buf c = {0};
    for (size_t i = 0; i < words.len; i++)
        if (words.data[i] != ' ')
            cb_buf_putc(&c, words.data[i]);
    if (a.len != c.len || memcmp(a.data, c.data, a.len))
        ok = 0, printf("    text lost or changed\n");
    cb_buf_free(&a);
    cb_buf_free(&c);
    cb_buf_free(&words);
    free(s);
    return ok;
}

TEST(wrap_fits_and_keeps_every_word)
{
    const char *t = "warning: 1 of 3 calls are noisy (their rounds disagree: the interval of the median is "
                    "wider than ±10 %), worst selftest selftest_cold('us:50000') at ±41 %";
    CHECK(wrapped_ok(t, 80, 2));
    CHECK(wrapped_ok(t, 40, 2));
    CHECK(wrapped_ok(t, 20, 4));
    CHECK(wrapped_ok("/a/very/long/path/without/any/blank/in/it/at/all/calls.jsonl", 20, 2));
    cb_buf b = {0};
    cb_wrap(&b, "short  line", 80, 2);   /* a line that fits stays as it is */
    CHECK(b.data && !strcmp(b.data, "short  line\n"));
    b.len = 0;
    cb_wrap(&b, "one two three", 9, 2);
    CHECK(b.data && !strcmp(b.data, "one two\n  three\n"));
    cb_buf_free(&b);
}

int main(void)
{
    RUN(three_significant_digits_in_every_unit);
    RUN(rounding_carries_into_the_next_unit);
    RUN(minutes_and_hours_never_show_60);
    RUN(odd_values);
    RUN(width_from_columns_or_80);
    RUN(wrap_fits_and_keeps_every_word);
    return check_done();
}
