/* test_table.c — unit tests of lib/table.c: the five renderers of one
 * table (alignment with multi-byte characters, CSV quoting per RFC 4180,
 * markdown escaping, JSON that json-c reads back, HTML escaping). */
#include "check.h"
#include "table.h"

#include <json-c/json.h>
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
static size_t columns(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

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

int main(void)
{
    RUN(text_aligns_by_display_width);
    RUN(csv_quotes_and_numbers);
    RUN(markdown_escapes_pipes_and_html);
    RUN(json_reads_back);
    RUN(html_escapes_and_groups);
    return check_done();
}
