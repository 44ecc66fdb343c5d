/* table.c — the table model and its text / markdown / CSV / JSON / HTML
 * renderers (see table.h). */
#include "report/table.h"
#include "common/format.h"
#include "data/value.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;
    char *cls;
    double num;
    int has_num;
} cell;

typedef struct {
    char *group, *name;
    cb_align align;
} column;

struct cb_table {
    char *title;
    column *cols;
    size_t ncols, capcols;
    cell **rows;          /* each row has ncols cells (grown on demand) */
    size_t *rowlen;
    size_t nrows, caprows;
    char **notes;
    size_t nnotes;
    size_t nlabels;       /* the first columns label the rows (text blocks repeat them) */
};

cb_table *cb_table_new(const char *title)
{
    cb_table *t = cb_xcalloc(1, sizeof *t);
    t->title = title ? cb_xstrdup(title) : NULL;
    t->nlabels = 1;
    return t;
}

void cb_table_free(cb_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++) {
        free(t->cols[i].group);
        free(t->cols[i].name);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->rowlen[r]; c++) {
            free(t->rows[r][c].text);
            free(t->rows[r][c].cls);
        }
        free(t->rows[r]);
    }
    for (size_t i = 0; i < t->nnotes; i++)
        free(t->notes[i]);
    free(t->notes);
    free(t->rows);
    free(t->rowlen);
    free(t->cols);
    free(t->title);
    free(t);
}

size_t cb_table_add_column(cb_table *t, const char *group, const char *name, cb_align align)
{
    if (t->ncols == t->capcols) {
        t->capcols = t->capcols ? 2 * t->capcols : 8;
        t->cols = cb_xrealloc(t->cols, t->capcols * sizeof *t->cols);
    }
    column *c = &t->cols[t->ncols];
    c->group = group ? cb_xstrdup(group) : NULL;
    c->name = cb_xstrdup(name ? name : "");
    c->align = align;
    return t->ncols++;
}

void cb_table_set_row_labels(cb_table *t, size_t n) { t->nlabels = n; }

size_t cb_table_ncolumns(const cb_table *t) { return t->ncols; }
size_t cb_table_nrows(const cb_table *t) { return t->nrows; }

void cb_table_add_row(cb_table *t)
{
    if (t->nrows == t->caprows) {
        t->caprows = t->caprows ? 2 * t->caprows : 16;
        t->rows = cb_xrealloc(t->rows, t->caprows * sizeof *t->rows);
        t->rowlen = cb_xrealloc(t->rowlen, t->caprows * sizeof *t->rowlen);
    }
    t->rows[t->nrows] = NULL;
    t->rowlen[t->nrows] = 0;
    t->nrows++;
}

/* The cell (col) of the current row, created empty when needed. */
static cell *cur_cell(cb_table *t, size_t col)
{
    if (!t->nrows)
        cb_table_add_row(t);
    size_t r = t->nrows - 1;
    if (col >= t->rowlen[r]) {
        t->rows[r] = cb_xrealloc(t->rows[r], (col + 1) * sizeof **t->rows);
        memset(t->rows[r] + t->rowlen[r], 0, (col + 1 - t->rowlen[r]) * sizeof **t->rows);
        t->rowlen[r] = col + 1;
    }
    return &t->rows[r][col];
}

void cb_table_set(cb_table *t, size_t col, const char *text)
{
    cell *c = cur_cell(t, col);
    free(c->text);
    c->text = cb_xstrdup(text ? text : "");
    c->has_num = 0;
}

void cb_table_setf(cb_table *t, size_t col, const char *fmt, ...)
{
    cb_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *s = cb_buf_take(&b);
    cb_table_set(t, col, s);
    free(s);
}

void cb_table_set_num(cb_table *t, size_t col, const char *text, double value)
{
    cb_table_set(t, col, text);
    cell *c = cur_cell(t, col);
    c->num = value;
    c->has_num = 1;
}

void cb_table_set_class(cb_table *t, size_t col, const char *cls)
{
    cell *c = cur_cell(t, col);
    free(c->cls);
    c->cls = cls ? cb_xstrdup(cls) : NULL;
}

void cb_table_add_note(cb_table *t, const char *fmt, ...)
{
    cb_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    t->notes = cb_xrealloc(t->notes, (t->nnotes + 1) * sizeof *t->notes);
    t->notes[t->nnotes++] = cb_buf_take(&b);
}

static const cell *get(const cb_table *t, size_t r, size_t c)
{
    static const cell empty = {0};
    return c < t->rowlen[r] ? &t->rows[r][c] : &empty;
}

static const char *text_of(const cb_table *t, size_t r, size_t c)
{
    const char *s = get(t, r, c)->text;
    return s ? s : "";
}

static void pad(cb_buf *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cb_buf_putc(out, ' ');
}

static void put_aligned(cb_buf *out, const char *s, size_t w, cb_align a)
{
    size_t sw = cb_text_width(s);
    if (a == CB_ALIGN_RIGHT)
        pad(out, w - sw);
    cb_buf_puts(out, s);
    if (a == CB_ALIGN_LEFT)
        pad(out, w - sw);
}

static int same_group(const column *a, const column *b)
{
    if (!a->group || !b->group)
        return 0;
    return !strcmp(a->group, b->group);
}

static int has_groups(const cb_table *t)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (t->cols[c].group)
            return 1;
    return 0;
}

static void trim_blanks(cb_buf *out)
{
    while (out->len && out->data[out->len - 1] == ' ')
        out->len--;
}

/* The end of the unit (a group's columns, or one column) starting at C. */
static size_t unit_end(const cb_table *t, size_t c)
{
    size_t e = c + 1;
    while (e < t->ncols && same_group(&t->cols[c], &t->cols[e]))
        e++;
    return e;
}

/* Each column's width: its widest cell or name; a group header wider than
 * its columns widens the last of them. */
static size_t *column_widths(const cb_table *t)
{
    size_t *w = cb_xcalloc(t->ncols + 1, sizeof *w);
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = cb_text_width(t->cols[c].name);
        for (size_t r = 0; r < t->nrows; r++)
            if (cb_text_width(text_of(t, r, c)) > w[c])
                w[c] = cb_text_width(text_of(t, r, c));
    }
    for (size_t c = 0; c < t->ncols;) {
        size_t e = unit_end(t, c);
        if (t->cols[c].group) {
            size_t span = 0;
            for (size_t k = c; k < e; k++)
                span += w[k] + (k > c ? 2 : 0);
            if (cb_text_width(t->cols[c].group) > span)
                w[e - 1] += cb_text_width(t->cols[c].group) - span;
        }
        c = e;
    }
    return w;
}

/* The columns COLS[0..n) (whole units, in order) as one aligned block:
 * group headers, column names, a rule, the rows. */
static void render_block(const cb_table *t, const size_t *cols, size_t n, const size_t *w, cb_buf *out)
{
    int groups = 0;
    for (size_t i = 0; i < n; i++)
        groups |= t->cols[cols[i]].group != NULL;
    if (groups) {
        for (size_t i = 0; i < n;) {
            size_t j = i + 1, span = w[cols[i]];
            while (j < n && same_group(&t->cols[cols[i]], &t->cols[cols[j]]))
                span += w[cols[j++]] + 2;
            if (i)
                cb_buf_puts(out, "  ");
            put_aligned(out, t->cols[cols[i]].group ? t->cols[cols[i]].group : "", span, CB_ALIGN_LEFT);
            i = j;
        }
        trim_blanks(out);
        cb_buf_putc(out, '\n');
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            cb_buf_puts(out, "  ");
        put_aligned(out, t->cols[cols[i]].name, w[cols[i]], t->cols[cols[i]].align);
        total += w[cols[i]] + (i ? 2 : 0);
    }
    trim_blanks(out);
    cb_buf_putc(out, '\n');
    for (size_t i = 0; i < total; i++)
        cb_buf_putc(out, '-');
    cb_buf_putc(out, '\n');
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                cb_buf_puts(out, "  ");
            put_aligned(out, text_of(t, r, cols[i]), w[cols[i]], t->cols[cols[i]].align);
        }
        trim_blanks(out);   /* no trailing blanks */
        cb_buf_putc(out, '\n');
    }
}

/* Whether every unit after the labels is a group (a library's columns). */
static int units_grouped(const cb_table *t, size_t nl)
{
    for (size_t c = nl; c < t->ncols; c++)
        if (!t->cols[c].group)
            return 0;
    return nl < t->ncols;
}

/* The column names of all units after the labels, each once, in their
 * order (the baseline has no "speed-up": the others' goes where they
 * have it); *n gets how many. */
static const char **unit_names(const cb_table *t, size_t nl, size_t *n)
{
    const char **names = cb_xmalloc((t->ncols + 1) * sizeof *names);
    *n = 0;
    for (size_t c = nl; c < t->ncols;) {
        size_t e = unit_end(t, c), at = 0;   /* where the unit's next new name goes */
        for (size_t k = c; k < e; k++) {
            size_t i = 0;
            while (i < *n && strcmp(names[i], t->cols[k].name))
                i++;
            if (i == *n) {
                memmove(names + at + 1, names + at, (*n - at) * sizeof *names);
                names[at] = t->cols[k].name;
                (*n)++;
                i = at;
            }
            at = i + 1;
        }
        c = e;
    }
    return names;
}

/* Row R's units as a small table, a row per unit (library) that has a
 * cell, a column per column name, indented by 2; 0 when it would not fit
 * WIDTH. */
static int row_as_table(const cb_table *t, size_t nl, size_t r, size_t width, cb_buf *out)
{
    size_t nn;
    const char **names = unit_names(t, nl, &nn);
    cb_table *m = cb_table_new(NULL);
    cb_table_add_column(m, NULL, "", CB_ALIGN_LEFT);
    for (size_t i = 0; i < nn; i++) {
        cb_align a = CB_ALIGN_RIGHT;
        for (size_t c = nl; c < t->ncols; c++)
            if (!strcmp(t->cols[c].name, names[i]))
                a = t->cols[c].align;
        cb_table_add_column(m, NULL, names[i], a);
    }
    for (size_t c = nl; c < t->ncols;) {
        size_t e = unit_end(t, c);
        int any = 0;
        for (size_t k = c; k < e; k++)
            any |= *text_of(t, r, k) != 0;
        if (any) {
            cb_table_add_row(m);
            cb_table_set(m, 0, t->cols[c].group);
            for (size_t k = c; k < e; k++)
                for (size_t i = 0; i < nn; i++)
                    if (!strcmp(names[i], t->cols[k].name))
                        cb_table_set(m, 1 + i, text_of(t, r, k));
        }
        c = e;
    }
    size_t *w = column_widths(m), total = 0;
    for (size_t c = 0; c < m->ncols; c++)
        total += w[c] + (c ? 2 : 0);
    int fits = total + 2 <= width;
    if (fits && m->nrows) {
        cb_buf b = {0};
        size_t *cols = cb_xmalloc(m->ncols * sizeof *cols);
        for (size_t c = 0; c < m->ncols; c++)
            cols[c] = c;
        render_block(m, cols, m->ncols, w, &b);
        for (size_t i = 0; i < b.len; i++) {   /* indented by 2 */
            if (i == 0 || b.data[i - 1] == '\n')
                cb_buf_puts(out, "  ");
            cb_buf_putc(out, b.data[i]);
        }
        cb_buf_free(&b);
        free(cols);
    }
    free(w);
    free(names);
    cb_table_free(m);
    return fits;
}

/* "  HEAD: item, item, ..." in lines of at most WIDTH, an item never
 * broken unless it is longer than a line. */
static void put_items(cb_buf *out, const char *head, const char *const *items, size_t n, size_t width)
{
    cb_buf line = {0};
    cb_buf_printf(&line, "  %s:", head);
    size_t on_line = 0;
    for (size_t i = 0; i < n; i++) {
        size_t need = cb_text_width(items[i]) + 1 + (i + 1 < n);   /* " item" and its comma */
        if (on_line && cb_text_width(line.data) + need > width) {
            cb_wrap(out, line.data, width, 6);
            line.len = 0;
            cb_buf_puts(&line, "     ");
            on_line = 0;
        }
        cb_buf_printf(&line, " %s%s", items[i], i + 1 < n ? "," : "");
        on_line++;
    }
    cb_wrap(out, line.data, width, 6);
    cb_buf_free(&line);
}

/* Too wide even for one unit beside the row labels: a paragraph per row,
 * its labels, then its units as a small table (a row per library, a
 * column per column name), or, when that is too wide too, a line per unit ("flint: min 1.10 ms, median
 * 1.11 ms"), all within WIDTH. */
static void render_transposed(const cb_table *t, size_t nlabels, size_t width, cb_buf *out)
{
    int grouped = units_grouped(t, nlabels);
    const char **items = cb_xmalloc((t->ncols + 1) * sizeof *items);
    char **owned = cb_xmalloc((t->ncols + 1) * sizeof *owned);
    for (size_t r = 0; r < t->nrows; r++) {
        cb_buf line = {0};
        for (size_t c = 0; c < nlabels; c++) {
            const char *s = text_of(t, r, c);
            if (!c)
                cb_buf_puts(&line, s);
            else if (*s)
                cb_buf_printf(&line, ", %s %s", t->cols[c].name, s);
        }
        cb_wrap(out, line.data ? line.data : "", width, 4);
        cb_buf_free(&line);
        if (grouped && row_as_table(t, nlabels, r, width, out))
            continue;
        for (size_t c = nlabels; c < t->ncols;) {
            size_t e = unit_end(t, c), n = 0;
            for (size_t k = c; k < e; k++) {
                const char *s = text_of(t, r, k);
                if (!*s)
                    continue;
                owned[n] = t->cols[c].group ? cb_xasprintf("%s %s", t->cols[k].name, s) : cb_xstrdup(s);
                items[n] = owned[n];
                n++;
            }
            if (n)
                put_items(out, t->cols[c].group ? t->cols[c].group : t->cols[c].name, items, n, width);
            for (size_t i = 0; i < n; i++)
                free(owned[i]);
            c = e;
        }
    }
    free(items);
    free(owned);
}

/* Text for a terminal WIDTH columns wide (0: any width).  A table wider
 * than that is split into blocks of units (a library's columns) that fit,
 * each repeating the row labels, as one reads a wide table printed on
 * narrow paper; when even one unit beside the labels is too wide, each row
 * becomes a paragraph (render_transposed).  The title and notes wrap. */
static void render_text(const cb_table *t, size_t width, cb_buf *out)
{
    size_t *w = column_widths(t);
    size_t nl = t->nlabels < t->ncols ? t->nlabels : t->ncols;
    size_t total = 0, labels = 0;
    for (size_t c = 0; c < t->ncols; c++)
        total += w[c] + (c ? 2 : 0);
    for (size_t c = 0; c < nl; c++)
        labels += w[c] + (c ? 2 : 0);
    int fits = !width || total <= width, blocks = !fits && nl < t->ncols;
    for (size_t c = nl; c < t->ncols && blocks;) {   /* every unit fits beside the labels */
        size_t e = unit_end(t, c), uw = 0;
        for (size_t k = c; k < e; k++)
            uw += w[k] + 2;
        blocks = labels + uw <= width;
        c = e;
    }
    if (t->title)
        cb_wrap(out, t->title, width, 2);
    size_t *cols = cb_xmalloc((t->ncols + 1) * sizeof *cols);
    if (fits) {
        for (size_t c = 0; c < t->ncols; c++)
            cols[c] = c;
        render_block(t, cols, t->ncols, w, out);
    } else if (blocks) {
        for (size_t c = nl, first = 1; c < t->ncols; first = 0) {
            size_t n = 0, used = labels;
            for (size_t k = 0; k < nl; k++)
                cols[n++] = k;
            while (c < t->ncols) {   /* as many units as fit */
                size_t e = unit_end(t, c), uw = 0;
                for (size_t k = c; k < e; k++)
                    uw += w[k] + 2;
                if (n > nl && used + uw > width)
                    break;
                for (size_t k = c; k < e; k++)
                    cols[n++] = k;
                used += uw;
                c = e;
            }
            if (!first)
                cb_buf_putc(out, '\n');
            render_block(t, cols, n, w, out);
        }
    } else {
        render_transposed(t, nl, width, out);
    }
    for (size_t i = 0; i < t->nnotes; i++)
        cb_wrap(out, t->notes[i], width, 2);
    free(cols);
    free(w);
}

void cb_table_render_text(const cb_table *t, size_t width, cb_buf *out)
{
    render_text(t, width, out);
}

void cb_md_escape(cb_buf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': cb_buf_puts(out, "&lt;"); break;
        case '>': cb_buf_puts(out, "&gt;"); break;
        case '&': cb_buf_puts(out, "&amp;"); break;
        case '\n': case '\r': cb_buf_putc(out, ' '); break;
        case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~': case '#':
            cb_buf_putc(out, '\\');
            cb_buf_putc(out, *s);
            break;
        default: cb_buf_putc(out, *s);
        }
    }
}

static void render_markdown(const cb_table *t, cb_buf *out)
{
    if (t->title) {
        cb_buf_puts(out, "### ");
        cb_md_escape(out, t->title);
        cb_buf_puts(out, "\n\n");
    }
    cb_buf_puts(out, "|");
    for (size_t c = 0; c < t->ncols; c++) {
        cb_buf_putc(out, ' ');
        if (t->cols[c].group) {
            cb_md_escape(out, t->cols[c].group);
            if (*t->cols[c].name)
                cb_buf_putc(out, ' ');
        }
        cb_md_escape(out, t->cols[c].name);
        cb_buf_puts(out, " |");
    }
    cb_buf_puts(out, "\n|");
    for (size_t c = 0; c < t->ncols; c++)
        cb_buf_puts(out, t->cols[c].align == CB_ALIGN_RIGHT ? "---:|" : ":---|");
    cb_buf_putc(out, '\n');
    for (size_t r = 0; r < t->nrows; r++) {
        cb_buf_puts(out, "|");
        for (size_t c = 0; c < t->ncols; c++) {
            cb_buf_putc(out, ' ');
            cb_md_escape(out, text_of(t, r, c));
            cb_buf_puts(out, " |");
        }
        cb_buf_putc(out, '\n');
    }
    if (t->nnotes)
        cb_buf_putc(out, '\n');
    for (size_t i = 0; i < t->nnotes; i++) {
        cb_md_escape(out, t->notes[i]);
        cb_buf_puts(out, "  \n");
    }
    cb_buf_putc(out, '\n');
}

void cb_csv_field(cb_buf *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        cb_buf_puts(out, s);
        return;
    }
    cb_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            cb_buf_putc(out, '"');
        cb_buf_putc(out, *s);
    }
    cb_buf_putc(out, '"');
}

/* Numbers as Python's repr writes them: the shortest text that reads back. */
static void put_number(cb_buf *out, double v)
{
    cb_repr_float(out, v);
}

static void render_csv(const cb_table *t, cb_buf *out)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            cb_buf_putc(out, ',');
        char *name = t->cols[c].group && *t->cols[c].name
                         ? cb_xasprintf("%s %s", t->cols[c].group, t->cols[c].name)
                         : cb_xstrdup(t->cols[c].group ? t->cols[c].group : t->cols[c].name);
        cb_csv_field(out, name);
        free(name);
    }
    cb_buf_puts(out, "\r\n");
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                cb_buf_putc(out, ',');
            const cell *x = get(t, r, c);
            if (x->has_num)
                put_number(out, x->num);
            else
                cb_csv_field(out, text_of(t, r, c));
        }
        cb_buf_puts(out, "\r\n");
    }
}

static void render_json(const cb_table *t, cb_buf *out)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "title", t->title ? json_object_new_string(t->title) : NULL);
    json_object *cols = json_object_new_array();
    for (size_t c = 0; c < t->ncols; c++) {
        json_object *col = json_object_new_object();
        json_object_object_add(col, "group", t->cols[c].group ? json_object_new_string(t->cols[c].group) : NULL);
        json_object_object_add(col, "name", json_object_new_string(t->cols[c].name));
        json_object_array_add(cols, col);
    }
    json_object_object_add(o, "columns", cols);
    json_object *rows = json_object_new_array();
    for (size_t r = 0; r < t->nrows; r++) {
        json_object *row = json_object_new_array();
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *x = get(t, r, c);
            if (x->has_num && isfinite(x->num)) {
                cb_buf num = {0};
                cb_repr_float(&num, x->num);
                json_object_array_add(row, json_object_new_double_s(x->num, num.data));
                cb_buf_free(&num);
            }
            else
                json_object_array_add(row, json_object_new_string(text_of(t, r, c)));
        }
        json_object_array_add(rows, row);
    }
    json_object_object_add(o, "rows", rows);
    json_object *notes = json_object_new_array();
    for (size_t i = 0; i < t->nnotes; i++)
        json_object_array_add(notes, json_object_new_string(t->notes[i]));
    json_object_object_add(o, "notes", notes);
    cb_buf_puts(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    cb_buf_putc(out, '\n');
    json_object_put(o);
}

void cb_html_escape(cb_buf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': cb_buf_puts(out, "&lt;"); break;
        case '>': cb_buf_puts(out, "&gt;"); break;
        case '&': cb_buf_puts(out, "&amp;"); break;
        case '"': cb_buf_puts(out, "&quot;"); break;
        default: cb_buf_putc(out, *s);
        }
    }
}

static void render_html(const cb_table *t, cb_buf *out)
{
    cb_buf_puts(out, "<table>\n");
    if (t->title) {
        cb_buf_puts(out, "<caption>");
        cb_html_escape(out, t->title);
        cb_buf_puts(out, "</caption>\n");
    }
    cb_buf_puts(out, "<thead>\n");
    if (has_groups(t)) {
        cb_buf_puts(out, "<tr>");
        for (size_t c = 0; c < t->ncols;) {
            size_t e = unit_end(t, c);
            cb_buf_printf(out, "<th colspan=\"%zu\" class=\"group\">", e - c);
            cb_html_escape(out, t->cols[c].group ? t->cols[c].group : "");
            cb_buf_puts(out, "</th>");
            c = e;
        }
        cb_buf_puts(out, "</tr>\n");
    }
    cb_buf_puts(out, "<tr>");
    for (size_t c = 0; c < t->ncols; c++) {
        cb_buf_puts(out, "<th>");
        cb_html_escape(out, t->cols[c].name);
        cb_buf_puts(out, "</th>");
    }
    cb_buf_puts(out, "</tr>\n</thead>\n<tbody>\n");
    for (size_t r = 0; r < t->nrows; r++) {
        cb_buf_puts(out, "<tr>");
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *x = get(t, r, c);
            cb_buf_printf(out, "<td class=\"%s%s%s\">", t->cols[c].align == CB_ALIGN_RIGHT ? "num" : "txt",
                          x->cls ? " " : "", x->cls ? x->cls : "");
            cb_html_escape(out, text_of(t, r, c));
            cb_buf_puts(out, "</td>");
        }
        cb_buf_puts(out, "</tr>\n");
    }
    cb_buf_puts(out, "</tbody>\n</table>\n");
    for (size_t i = 0; i < t->nnotes; i++) {
        cb_buf_puts(out, "<p class=\"note\">");
        cb_html_escape(out, t->notes[i]);
        cb_buf_puts(out, "</p>\n");
    }
}

void cb_table_render(const cb_table *t, cb_table_format f, cb_buf *out)
{
    switch (f) {
    case CB_TABLE_TEXT: render_text(t, 0, out); break;
    case CB_TABLE_MARKDOWN: render_markdown(t, out); break;
    case CB_TABLE_CSV: render_csv(t, out); break;
    case CB_TABLE_JSON: render_json(t, out); break;
    case CB_TABLE_HTML: render_html(t, out); break;
    }
}
