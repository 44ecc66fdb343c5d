/* describe.c — dataset descriptions (see describe.h).
 *
 * The generated-dataset table reimplements the parts of pandas'
 * DataFrame.to_string(max_rows=10, max_colwidth=20) that such a frame
 * reaches (pandas/io/formats/format.py and printing.py):
 *   - cells: int columns as f"{x: d}", object columns as " " + pprint_thing(x)
 *     (lists "[a, b]", tuples "(a,)" / "(a, b)", dicts "{k: v}", strings
 *     unquoted with \t \n \r escaped, but quoted and unescaped inside a
 *     dict; at most 100 items per container);
 *   - a cell longer than 20 characters becomes its first 17 + "...";
 *     cells are right-justified to the column's width, which is at least the
 *     header's (numeric headers get a leading space);
 *   - more than 10 rows: the first 5 and the last 5 around a row of "..."
 *     (".." where the column is at most 3 wide; left-justified in the index);
 *   - the index column is left-justified, columns are joined by one space
 *     (adjoin), every column but the last padded to its width.
 * Widths count code points, as Python's len() does. */
#include "report/describe.h"

#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "report/table.h"

enum { MAX_ROWS = 10, MAX_COLWIDTH = 20, MAX_SEQ_ITEMS = 100, NEST_DEPTH = 3 };
/* A cell is cut at 20 code points; rendering stops once it is surely
 * longer (4 bytes per code point at most). */
enum { ENOUGH_BYTES = 4 * (MAX_COLWIDTH + 1) };

static size_t ulen(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Byte length of the first `chars` code points of s. */
static size_t uprefix(const char *s, size_t n, size_t chars)
{
    size_t i = 0, c = 0;
    while (i < n) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (c == chars)
                break;
            c++;
        }
        i++;
    }
    return i;
}

/* ------------------------------------------------------ pprint_thing */

static bool full(const cb_buf *b, size_t start) { return b->len - start >= ENOUGH_BYTES; }

static void put_escaped(cb_buf *b, const char *s, size_t n, bool escape)
{
    if (!escape) {
        cb_buf_put(b, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '\t': cb_buf_puts(b, "\\t"); break;
        case '\n': cb_buf_puts(b, "\\n"); break;
        case '\r': cb_buf_puts(b, "\\r"); break;
        default: cb_buf_putc(b, s[i]);
        }
    }
}

/* pprint_thing(v, lvl, escape_chars, quote_strings): a cell starts with
 * escape on and quote off; inside a dict pandas switches to quoted strings
 * and no escapes (its _pprint_dict passes only quote_strings=True). */
static void pprint(cb_buf *b, size_t start, cb_value v, int lvl, bool escape, bool quote)
{
    if (full(b, start))
        return;
    switch (v.type) {
    case CB_STR:
        if (quote)
            cb_buf_putc(b, '\'');
        put_escaped(b, cb_str_data(v), cb_str_len(v), escape);
        if (quote)
            cb_buf_putc(b, '\'');
        return;
    case CB_DICT:
        if (lvl < NEST_DEPTH) {
            cb_buf_putc(b, '{');
            size_t n = cb_len(v);
            for (size_t i = 0; i < n && i < MAX_SEQ_ITEMS && !full(b, start); i++) {
                if (i)
                    cb_buf_puts(b, ", ");
                pprint(b, start, cb_dict_key(v, i), lvl + 1, false, true);
                cb_buf_puts(b, ": ");
                pprint(b, start, cb_dict_val(v, i), lvl + 1, false, true);
            }
            cb_buf_puts(b, n > MAX_SEQ_ITEMS ? ", ...}" : "}");
            return;
        }
        break;
    case CB_TUPLE: case CB_LIST: case CB_SET: case CB_FROZENSET:
        if (lvl < NEST_DEPTH) {
            const char *open = v.type == CB_SET ? "{" : v.type == CB_LIST ? "[" : "(";
            const char *close = v.type == CB_SET ? "}" : v.type == CB_LIST ? "]" : ")";
            cb_buf_puts(b, open);
            size_t n = cb_len(v);
            for (size_t i = 0; i < n && i < MAX_SEQ_ITEMS && !full(b, start); i++) {
                if (i)
                    cb_buf_puts(b, ", ");
                pprint(b, start, cb_item(v, i), lvl + 1, escape, quote);
            }
            if (n > MAX_SEQ_ITEMS)
                cb_buf_puts(b, ", ...");
            else if (v.type == CB_TUPLE && n == 1)
                cb_buf_putc(b, ',');
            cb_buf_puts(b, close);
            return;
        }
        break;
    case CB_INT:
        if (cb_int_is_big(v)) {
            mpz_t z;
            mpz_init(z);
            cb_int_get_mpz(v, z);
            char *s = mpz_get_str(NULL, 10, z);
            cb_buf_puts(b, s);
            free(s);
            mpz_clear(z);
        } else {
            cb_buf_printf(b, "%lld", (long long)cb_int_get_i64(v));
        }
        return;
    default:
        break;
    }
    char *r = cb_repr(v);   /* str() of what remains: None, bools, floats, deep nesting */
    put_escaped(b, r, strlen(r), escape);
    free(r);
}

/* One object cell: " " + pprint_thing(v), as a malloc'd string. */
static char *object_cell(cb_value v)
{
    cb_buf b = {0};
    cb_buf_putc(&b, ' ');
    pprint(&b, 1, v, 0, true, false);
    return cb_buf_take(&b);
}

static char *int_cell(cb_value v)
{
    cb_buf b = {0};
    if (cb_int_sgn(v) >= 0)
        cb_buf_putc(&b, ' ');
    pprint(&b, b.len, v, 0, true, false);
    return cb_buf_take(&b);
}

/* --------------------------------------------------- the pandas table */

typedef struct {
    char **cells;    /* header at 0, then the rows (and the dot row) */
    size_t n;
} strcol;

/* _make_fixed_width: cut cells longer than min(max(len), 20) to 17 + "...",
 * then right-justify to that width (at least `minimum`). */
static size_t fixed_width(char **cells, size_t n, size_t minimum)
{
    size_t w = minimum;
    for (size_t i = 0; i < n; i++) {
        size_t l = ulen(cells[i], strlen(cells[i]));
        if (l > w)
            w = l;
    }
    if (w > MAX_COLWIDTH)
        w = MAX_COLWIDTH;
    for (size_t i = 0; i < n; i++) {
        size_t bytes = strlen(cells[i]), l = ulen(cells[i], bytes);
        cb_buf b = {0};
        if (l > w) {
            cb_buf_put(&b, cells[i], uprefix(cells[i], bytes, w - 3));
            cb_buf_puts(&b, "...");
            l = w;
        } else {
            for (size_t k = l; k < w; k++)
                cb_buf_putc(&b, ' ');
            cb_buf_put(&b, cells[i], bytes);
            l = w;
        }
        free(cells[i]);
        cells[i] = cb_buf_take(&b);
    }
    return w;
}

static char *justify(const char *s, size_t width, bool left)
{
    size_t l = ulen(s, strlen(s));
    cb_buf b = {0};
    if (left)
        cb_buf_puts(&b, s);
    for (size_t k = l; k < width; k++)
        cb_buf_putc(&b, ' ');
    if (!left)
        cb_buf_puts(&b, s);
    return cb_buf_take(&b);
}

/* A data column: the cells of the shown rows, formatted, fixed-width, with
 * its header. */
static void finish_column(strcol *c, const char *name, bool numeric, char **cells, size_t n)
{
    fixed_width(cells, n, 0);   /* format_array's pass */
    char *header = numeric ? cb_xasprintf(" %s", name) : cb_xstrdup(name);
    size_t hw = ulen(header, strlen(header));
    size_t w = fixed_width(cells, n, hw);   /* _to_str_columns' pass */
    if (hw > w)
        w = hw;
    c->n = n + 1;
    c->cells = cb_xmalloc((n + 2) * sizeof *c->cells);
    c->cells[0] = justify(header, w, false);
    memcpy(c->cells + 1, cells, n * sizeof *cells);
    free(header);
}

/* The "..." row after the first half (row_num data rows). */
static void insert_dots(strcol *c, size_t row_num, bool is_index)
{
    size_t w = ulen(c->cells[row_num], strlen(c->cells[row_num]));
    char *dots = justify(w > 3 ? "..." : "..", w, is_index);
    memmove(c->cells + row_num + 2, c->cells + row_num + 1, (c->n - row_num - 1) * sizeof *c->cells);
    c->cells[row_num + 1] = dots;
    c->n++;
}

/* adjoin(1, *strcols): every column but the last left-justified to its
 * widest cell plus one space. */
static void adjoin(cb_buf *out, strcol *cols, size_t ncols)
{
    size_t *w = cb_xcalloc(ncols, sizeof *w);
    for (size_t c = 0; c < ncols; c++)
        for (size_t r = 0; r < cols[c].n; r++) {
            size_t l = ulen(cols[c].cells[r], strlen(cols[c].cells[r]));
            if (l > w[c])
                w[c] = l;
        }
    for (size_t r = 0; r < cols[0].n; r++) {
        for (size_t c = 0; c < ncols; c++) {
            char *cell = justify(cols[c].cells[r], c + 1 < ncols ? w[c] + 1 : w[c], true);
            cb_buf_puts(out, cell);
            free(cell);
        }
        cb_buf_putc(out, '\n');
    }
    free(w);
}

bool cb_describe_is_generated(cb_value polys)
{
    for (size_t i = 0; i < cb_len(polys); i++) {
        cb_value k = cb_dict_key(polys, i);
        if (!(k.type == CB_TUPLE && cb_len(k) == 4 && cb_item(k, 0).type == CB_INT &&
              cb_item(k, 1).type == CB_INT && cb_item(k, 2).type == CB_RANGE && cb_item(k, 3).type == CB_RANGE))
            return false;
    }
    return true;
}

static cb_value range_tuple(cb_value r)
{
    return cb_tuple_of(3, cb_retain(r.u.range->start), cb_retain(r.u.range->stop), cb_retain(r.u.range->step));
}

void cb_describe_generated(cb_value polys, cb_buf *out)
{
    static const char *names[6] = {"generators", "terms", "exp_range", "coeff_range", "gens", "poly"};
    size_t total = 0;
    for (size_t i = 0; i < cb_len(polys); i++)
        total += cb_len(cb_item(cb_dict_val(polys, i), 1));
    if (total == 0) {
        cb_buf_puts(out, "Empty DataFrame\nColumns: [generators, terms, exp_range, coeff_range, gens, poly]\n"
                         "Index: []\n");
        return;
    }
    bool truncated = total > MAX_ROWS;
    size_t half = MAX_ROWS / 2, shown = truncated ? MAX_ROWS : total;
    char **cells[6], **index = cb_xmalloc(shown * sizeof *index);
    for (int c = 0; c < 6; c++)
        cells[c] = cb_xmalloc(shown * sizeof *cells[c]);
    size_t row = 0, k = 0;
    for (size_t i = 0; i < cb_len(polys); i++) {
        cb_value key = cb_dict_key(polys, i), sys = cb_dict_val(polys, i), ps = cb_item(sys, 1);
        for (size_t j = 0; j < cb_len(ps); j++, row++) {
            if (truncated && row >= half && row < total - half)
                continue;
            cb_value er = range_tuple(cb_item(key, 2)), cr = range_tuple(cb_item(key, 3));
            index[k] = cb_xasprintf("%zu", row);
            cells[0][k] = int_cell(cb_item(key, 0));
            cells[1][k] = int_cell(cb_item(key, 1));
            cells[2][k] = object_cell(er);
            cells[3][k] = object_cell(cr);
            cells[4][k] = object_cell(cb_item(sys, 0));
            cells[5][k] = object_cell(cb_item(ps, j));
            cb_release(er);
            cb_release(cr);
            k++;
        }
    }
    strcol cols[7];
    /* the index: left-justified to its widest label, no header */
    size_t iw = 0;
    for (size_t r = 0; r < shown; r++)
        iw = strlen(index[r]) > iw ? strlen(index[r]) : iw;
    cols[0].n = shown + 1;
    cols[0].cells = cb_xmalloc((shown + 2) * sizeof *cols[0].cells);
    cols[0].cells[0] = cb_xstrdup("");
    for (size_t r = 0; r < shown; r++) {
        cols[0].cells[r + 1] = justify(index[r], iw, true);
        free(index[r]);
    }
    free(index);
    for (int c = 0; c < 6; c++) {
        finish_column(&cols[c + 1], names[c], c < 2, cells[c], shown);
        free(cells[c]);
    }
    if (truncated)
        for (int c = 0; c < 7; c++)
            insert_dots(&cols[c], half, c == 0);
    adjoin(out, cols, 7);
    for (int c = 0; c < 7; c++) {
        for (size_t r = 0; r < cols[c].n; r++)
            free(cols[c].cells[r]);
        free(cols[c].cells);
    }
}

/* ------------------------------------------------- per-system table */

/* Size figures of a polynomial, a list of them or a part of one.  A pickle
 * shares references, so each distinct body (list, polynomial, exponent
 * tuple, coefficient string) is measured once and remembered: the work is
 * proportional to the file, not to what its references expand to. */
typedef struct poly_stats {
    size_t terms, bits;
    unsigned __int128 degree;
} poly_stats;

typedef struct stats_cache {
    cb_ptrmap index;     /* body -> a: 1 + position in `st` */
    poly_stats *st;
    size_t n, cap;
    mpz_t z;
} stats_cache;

static const poly_stats *cached(stats_cache *c, cb_value v)
{
    cb_pm_entry *e = cb_pm_find(&c->index, v.u.seq);
    return e ? &c->st[e->a - 1] : NULL;
}

static poly_stats remember(stats_cache *c, cb_value v, poly_stats s)
{
    if (c->n < UINT32_MAX - 1) {
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            c->st = cb_xrealloc(c->st, c->cap * sizeof *c->st);
        }
        c->st[c->n++] = s;
        cb_pm_insert(&c->index, v.u.seq)->a = (uint32_t)c->n;
    }
    return s;
}

static unsigned __int128 monomial_degree(stats_cache *c, cb_value mon)
{
    const poly_stats *s = cached(c, mon);
    if (s)
        return s->degree;
    unsigned __int128 d = 0;
    for (size_t g = 0; g < cb_len(mon); g++)
        d += (uint64_t)cb_int_get_i64(cb_item(mon, g));
    return remember(c, mon, (poly_stats){.degree = d}).degree;
}

static int coeff_bits(stats_cache *c, cb_value coeff, size_t *bits, cb_err *err)
{
    const poly_stats *s = coeff.type == CB_STR ? cached(c, coeff) : NULL;
    if (s) {
        *bits = s->bits;
        return 0;
    }
    if (cb_coeff_get_mpz(coeff, c->z, err) < 0)
        return -1;
    *bits = mpz_sgn(c->z) ? mpz_sizeinbase(c->z, 2) : 0;
    if (coeff.type == CB_STR)
        remember(c, coeff, (poly_stats){.bits = *bits});
    return 0;
}

static int measure_poly(stats_cache *c, cb_value poly, poly_stats *out, cb_err *err)
{
    const poly_stats *s = cached(c, poly);
    if (s) {
        *out = *s;
        return 0;
    }
    poly_stats r = {.terms = cb_len(poly)};
    for (size_t m = 0; m < cb_len(poly); m++) {
        unsigned __int128 d = monomial_degree(c, cb_dict_key(poly, m));
        size_t nb;
        if (coeff_bits(c, cb_dict_val(poly, m), &nb, err) < 0)
            return -1;
        r.degree = d > r.degree ? d : r.degree;
        r.bits = nb > r.bits ? nb : r.bits;
    }
    *out = remember(c, poly, r);
    return 0;
}

static int measure_polys(stats_cache *c, cb_value ps, poly_stats *out, cb_err *err)
{
    const poly_stats *s = cached(c, ps);
    if (s) {
        *out = *s;
        return 0;
    }
    poly_stats r = {0};
    for (size_t p = 0; p < cb_len(ps); p++) {
        poly_stats one;
        if (measure_poly(c, cb_item(ps, p), &one, err) < 0)
            return -1;
        r.terms = r.terms + one.terms < r.terms ? SIZE_MAX : r.terms + one.terms;   /* shared: may be huge */
        r.degree = one.degree > r.degree ? one.degree : r.degree;
        r.bits = one.bits > r.bits ? one.bits : r.bits;
    }
    *out = remember(c, ps, r);
    return 0;
}

int cb_describe_systems(cb_value polys, cb_buf *out, cb_err *err)
{
    cb_table *t = cb_table_new(NULL);
    size_t c_name = cb_table_add_column(t, NULL, "system", CB_ALIGN_LEFT);
    size_t c_gens = cb_table_add_column(t, NULL, "generators", CB_ALIGN_RIGHT);
    size_t c_polys = cb_table_add_column(t, NULL, "polynomials", CB_ALIGN_RIGHT);
    size_t c_terms = cb_table_add_column(t, NULL, "terms", CB_ALIGN_RIGHT);
    size_t c_deg = cb_table_add_column(t, NULL, "total degree", CB_ALIGN_RIGHT);
    size_t c_bits = cb_table_add_column(t, NULL, "coefficient bits", CB_ALIGN_RIGHT);
    stats_cache cache = {0};
    mpz_init(cache.z);
    int rc = 0;
    for (size_t i = 0; i < cb_len(polys) && rc == 0; i++) {
        cb_value key = cb_dict_key(polys, i), sys = cb_dict_val(polys, i);
        cb_value gens = cb_item(sys, 0), ps = cb_item(sys, 1);
        poly_stats st;
        if ((rc = measure_polys(&cache, ps, &st, err)) < 0)
            break;
        cb_table_add_row(t);
        if (key.type == CB_STR) {
            cb_table_set(t, c_name, cb_str_data(key));
        } else {
            char *r = cb_repr(key);
            cb_table_set(t, c_name, r);
            free(r);
        }
        cb_table_setf(t, c_gens, "%zu", cb_len(gens));
        cb_table_setf(t, c_polys, "%zu", cb_len(ps));
        cb_table_setf(t, c_terms, "%zu", st.terms);
        if (st.degree > UINT64_MAX)
            cb_table_set(t, c_deg, ">2**64");
        else
            cb_table_setf(t, c_deg, "%llu", (unsigned long long)st.degree);
        cb_table_setf(t, c_bits, "%zu", st.bits);
    }
    mpz_clear(cache.z);
    cb_pm_free(&cache.index);
    free(cache.st);
    if (rc == 0)
        cb_table_render(t, CB_TABLE_TEXT, out);
    cb_table_free(t);
    return rc;
}

int cb_describe(cb_value polys, cb_buf *out, cb_err *err)
{
    if (cb_describe_is_generated(polys)) {
        cb_describe_generated(polys, out);
        return 0;
    }
    return cb_describe_systems(polys, out, err);
}
