/* table.h — one table model, several renderers.
 *
 * `report`, `compare` and `run`'s summary build their tables once as a
 * cb_table (a title, columns grouped under optional group headers, rows of
 * cells, notes under the table) and render them as aligned text for a
 * terminal, GitHub markdown, CSV, JSON or an HTML <table> — the exports
 * hyperfine offers.  A cell is text, optionally with the number it stands for
 * (CSV and JSON write the number; text, markdown and HTML the text). */
#ifndef CB_TABLE_H
#define CB_TABLE_H

#include <stddef.h>

#include "common/util.h"

typedef enum { CB_ALIGN_LEFT, CB_ALIGN_RIGHT } cb_align;
typedef enum { CB_TABLE_TEXT, CB_TABLE_MARKDOWN, CB_TABLE_CSV, CB_TABLE_JSON, CB_TABLE_HTML } cb_table_format;

typedef struct cb_table cb_table;

cb_table *cb_table_new(const char *title);     /* title may be NULL */
void cb_table_free(cb_table *t);
/* group: a header spanning consecutive columns with the same group (NULL:
 * none).  Returns the column's index. */
size_t cb_table_add_column(cb_table *t, const char *group, const char *name, cb_align align);
size_t cb_table_ncolumns(const cb_table *t);
size_t cb_table_nrows(const cb_table *t);
void cb_table_add_row(cb_table *t);            /* the following sets fill this row */
void cb_table_set(cb_table *t, size_t col, const char *text);
void cb_table_setf(cb_table *t, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cb_table_set_num(cb_table *t, size_t col, const char *text, double value);
/* A CSS class for the cell in HTML (e.g. "dnf", "slower"). */
void cb_table_set_class(cb_table *t, size_t col, const char *cls);
void cb_table_add_note(cb_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first N columns label the rows (default 1): a text table split into
 * blocks to fit a terminal repeats them in each block. */
void cb_table_set_row_labels(cb_table *t, size_t n);

/* CB_TABLE_TEXT renders at any width; cb_table_render_text fits WIDTH
 * columns (0: any): a wider table is split into blocks of whole column
 * groups (a library's columns), each repeating the row labels, or, when
 * even one group is too wide, written a paragraph per row; title and notes
 * wrap (docs/report.md, "Text that fits the terminal"). */
void cb_table_render(const cb_table *t, cb_table_format f, cb_buf *out);
void cb_table_render_text(const cb_table *t, size_t width, cb_buf *out);

/* Escapes for the renderers, exported for other HTML/CSV/markdown writers.
 * cb_md_escape makes any text literal in GitHub/CommonMark markdown, table
 * cells included: HTML's < > & as entities (no tag, no script reaches a
 * renderer), markdown's \ ` * _ [ ] | ~ # backslash-escaped (no emphasis,
 * link, code span or cell break), line breaks as spaces. */
void cb_html_escape(cb_buf *out, const char *s);
void cb_md_escape(cb_buf *out, const char *s);
void cb_csv_field(cb_buf *out, const char *s);   /* quoted when needed (RFC 4180) */

#endif
