/* test_table.c — unit tests of lib/report/table.c: the five renderers of one
 * table (alignment with multi-byte characters, CSV quoting per RFC 4180,
 * markdown escaping, JSON that json-c reads back, HTML escaping), and text
 * that fits a width: blocks of libraries repeating the row labels, or a
 * paragraph per row when even one library is too wide. */
#include "check.h"
#include "common/format.h"
#include "report/table.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cb_table *sample(void)
{
    cb_table *t = cb_table_new("add");
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    cb_table_add_column(t, "flint", "median", CB_ALIGN_RIGHT);
    cb_table_add_column(t, "flint", "±", CB_ALIGN_RIGHT);
    cb_table_add_row(t);
    cb_table_set(t, 0, "'a', \"b\"");
    cb_table_set_num(t, 1, "12.3 µs", 12.3e-6);
    cb_table_set(t, 2, "5.0%");
    cb_table_add_row(t);
    cb_table_set(t, 0, "x|y<z>&");
    cb_table_set(t, 1, ">30 s");
    cb_table_set_class(t, 1, "dnf");
    cb_table_add_note(t, "a note");
    return t;
}

/* The sample table rendered in format f (the caller frees the text). */
static char *render_sample(cb_table_format f)
{
    cb_table *t = sample();
    cb_buf b = {0};
    cb_table_render(t, f, &b);
    cb_table_free(t);
    return cb_buf_take(&b);
}

/* Display columns of a UTF-8 line (one per code point). */
#define columns cb_text_columns

TEST(text_aligns_by_display_width)
{
    char *s = render_sample(CB_TABLE_TEXT);
    /* lines: title, group, header, rule, row 1, row 2, note */
    char *lines[8] = {0};
    size_t n = 0;
    for (char *p = s; *p && n < 8; n++) {
        lines[n] = p;
        p = strchr(p, '\n');
        if (!p)
            break;
        *p++ = 0;
    }
    CHECK_MSG(n >= 7, "%zu lines", n);
    CHECK(!strcmp(lines[0], "add"));
    CHECK(strstr(lines[1], "flint") != NULL);
    /* right-aligned numbers end in the same column: "12.3 µs" and ">30 s" */
    const char *a = strstr(lines[4], "12.3 µs"), *b = strstr(lines[5], ">30 s");
    CHECK(a && b);
    if (a && b)
        CHECK_MSG(columns(lines[4], (size_t)(a - lines[4]) + strlen("12.3 µs")) ==
                      columns(lines[5], (size_t)(b - lines[5]) + strlen(">30 s")),
                  "'%s' / '%s'", lines[4], lines[5]);
    for (size_t i = 0; i < n; i++)
        CHECK_MSG(!*lines[i] || lines[i][strlen(lines[i]) - 1] != ' ', "trailing blank in '%s'", lines[i]);
    CHECK(!strcmp(lines[6], "a note"));
    free(s);
}

TEST(csv_quotes_and_numbers)
{
    char *s = render_sample(CB_TABLE_CSV);
    CHECK_MSG(!strncmp(s, "args,flint median,flint ±\r\n", 28), "%s", s);
    CHECK_MSG(strstr(s, "\"'a', \"\"b\"\"\",1.23e-05,5.0%\r\n") != NULL, "%s", s);
    CHECK(strstr(s, "x|y<z>&,>30 s,\r\n") != NULL);
    free(s);
}

/* markdown keeps the text literal: a pipe does not split the cell, and HTML
 * does not become a tag (issue 14) */
TEST(markdown_escapes_pipes_and_html)
{
    char *s = render_sample(CB_TABLE_MARKDOWN);
    CHECK(strstr(s, "| args | flint median | flint ± |") != NULL);
    CHECK(strstr(s, "|:---|---:|---:|") != NULL);
    CHECK_MSG(strstr(s, "| x\\|y&lt;z&gt;&amp; |") != NULL, "%s", s);
    free(s);
}

TEST(json_reads_back)
{
    char *s = render_sample(CB_TABLE_JSON);
    json_object *o = json_tokener_parse(s);
    CHECK(o != NULL);
    json_object *rows, *cols;
    CHECK(json_object_object_get_ex(o, "rows", &rows) && json_object_array_length(rows) == 2);
    CHECK(json_object_object_get_ex(o, "columns", &cols) && json_object_array_length(cols) == 3);
    json_object *cell = json_object_array_get_idx(json_object_array_get_idx(rows, 0), 1);
    CHECK(json_object_is_type(cell, json_type_double) && json_object_get_double(cell) == 12.3e-6);
    cell = json_object_array_get_idx(json_object_array_get_idx(rows, 1), 1);
    CHECK(json_object_is_type(cell, json_type_string) && !strcmp(json_object_get_string(cell), ">30 s"));
    json_object_put(o);
    free(s);
}

TEST(html_escapes_and_groups)
{
    char *s = render_sample(CB_TABLE_HTML);
    CHECK(strstr(s, "<th colspan=\"2\" class=\"group\">flint</th>") != NULL);
    CHECK(strstr(s, "x|y&lt;z&gt;&amp;") != NULL);
    CHECK(strstr(s, "&#39;") == NULL && strstr(s, "&quot;b&quot;") != NULL);
    CHECK(strstr(s, "<td class=\"num dnf\">&gt;30 s</td>") != NULL);
    free(s);
}

/* A wide table: 2 row-label columns, 4 libraries of 3 columns each. */
static cb_table *wide(void)
{
    cb_table *t = cb_table_new("mult (wall time per execution)");
    cb_table_add_column(t, NULL, "args", CB_ALIGN_LEFT);
    cb_table_add_column(t, NULL, "calls", CB_ALIGN_RIGHT);
    cb_table_set_row_labels(t, 2);
    const char *libs[] = {"flint", "python-flint", "sympy-dmp [py3.11.7]", "singular"};
    for (size_t l = 0; l < 4; l++) {
        cb_table_add_column(t, libs[l], "min", CB_ALIGN_RIGHT);
        cb_table_add_column(t, libs[l], "median", CB_ALIGN_RIGHT);
        cb_table_add_column(t, libs[l], "±", CB_ALIGN_RIGHT);
    }
    for (int r = 0; r < 3; r++) {
        cb_table_add_row(t);
        cb_table_setf(t, 0, "(%d, 10, range(0, 5), range(-9, 10))", r + 2);
        cb_table_setf(t, 1, "%d", r + 1);
        for (size_t l = 0; l < 4; l++) {
            cb_table_setf(t, 2 + 3 * l, "%zu.%d1 ms", l + 1, r);
            cb_table_setf(t, 3 + 3 * l, "%zu.%d2 ms", l + 1, r);
            cb_table_setf(t, 4 + 3 * l, "%zu.%d%%", l, r);
        }
    }
    cb_table_add_note(t, "a note long enough to be wrapped on a narrow terminal, which it must be, word by word");
    return t;
}

static char *render_width(const cb_table *t, size_t w)
{
    cb_buf b = {0};
    cb_table_render_text(t, w, &b);
    return cb_buf_take(&b);
}

TEST(text_fits_the_width_in_blocks)
{
    cb_table *t = wide();
    char *full = render_width(t, 0);
    size_t fullw = 0;
    for (char *p = full, *e; (e = strchr(p, '\n')); p = e + 1) {
        *e = 0;
        fullw = columns(p, strlen(p)) > fullw ? columns(p, strlen(p)) : fullw;
        *e = '\n';
    }
    CHECK_MSG(fullw > 120, "the test table is %zu wide", fullw);
    for (size_t w = 70; w <= 130; w += 30) {   /* 67 holds the labels and one library */
        char *s = render_width(t, w);
        size_t rows_with_args = 0, blocks = 0;
        for (char *p = s, *e; (e = strchr(p, '\n')); p = e + 1) {
            *e = 0;
            CHECK_MSG(columns(p, strlen(p)) <= w, "width %zu: '%s'", w, p);
            rows_with_args += !strncmp(p, "(2, 10,", 7);
            blocks += !strncmp(p, "args", 4);
            *e = '\n';
        }
        /* a block per group of libraries, each repeating the row labels */
        CHECK_MSG(blocks >= 2 && rows_with_args == blocks, "width %zu: %zu blocks, %zu rows of (2, ...)", w, blocks,
                  rows_with_args);
        /* every cell is there, once */
        for (size_t l = 0; l < 4; l++)
            for (int r = 0; r < 3; r++) {
                char cellv[32];
                snprintf(cellv, sizeof cellv, "%zu.%d2 ms", l + 1, r);
                char *at = strstr(s, cellv);
                CHECK_MSG(at && !strstr(at + 1, cellv), "width %zu: %s", w, cellv);
            }
        CHECK(strstr(s, "sympy-dmp [py3.11.7]") != NULL);
        free(s);
    }
    /* wide enough: the one-block layout, unchanged */
    char *same = render_width(t, 1000);
    CHECK(!strcmp(same, full));
    free(same);
    free(full);
    cb_table_free(t);
}

static int lines_fit(char *s, size_t w)
{
    int ok = 1;
    for (char *p = s, *e; (e = strchr(p, '\n')); p = e + 1) {
        *e = 0;
        if (columns(p, strlen(p)) > w)
            ok = 0, printf("    width %zu: '%s'\n", w, p);
        *e = '\n';
    }
    return ok;
}

TEST(text_too_narrow_for_a_library_goes_a_row_per_paragraph)
{
    cb_table *t = wide();
    /* 50 columns: each row's libraries as a small table, a row per library */
    char *s = render_width(t, 50);
    CHECK(lines_fit(s, 50));
    CHECK_MSG(strstr(s, "\n(2, 10, range(0, 5), range(-9, 10)), calls 1\n") != NULL, "%s", s);
    CHECK_MSG(strstr(s, "\n  flint                 1.01 ms  1.02 ms  0.0%\n") != NULL, "%s", s);
    CHECK_MSG(strstr(s, "\n  singular              4.21 ms  4.22 ms  3.2%\n") != NULL, "%s", s);
    free(s);
    /* 30 columns: a line per library, its cells named, a value never broken */
    s = render_width(t, 30);
    CHECK(lines_fit(s, 30));
    CHECK_MSG(strstr(s, "\n  flint: min 1.01 ms,\n      median 1.02 ms, ± 0.0%\n") != NULL, "%s", s);
    for (size_t l = 0; l < 4; l++)
        for (int r = 0; r < 3; r++) {
            char cellv[32];
            snprintf(cellv, sizeof cellv, "median %zu.%d2 ms", l + 1, r);
            CHECK_MSG(strstr(s, cellv) != NULL, "%s", cellv);
        }
    free(s);
    cb_table_free(t);
}

int main(void)
{
    RUN(text_aligns_by_display_width);
    RUN(csv_quotes_and_numbers);
    RUN(markdown_escapes_pipes_and_html);
    RUN(json_reads_back);
    RUN(html_escapes_and_groups);
    RUN(text_fits_the_width_in_blocks);
    RUN(text_too_narrow_for_a_library_goes_a_row_per_paragraph);
    return check_done();
}
