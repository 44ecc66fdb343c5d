/* format.c — times and durations as people read them, the terminal's
 * width and word wrapping (see format.h). */
#include "common/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* X (> 0, finite) rounded to three significant digits: the rounded value,
 * and how many decimals show all three. */
static double round3(double x, int *decimals)
{
    char e[32];
    snprintf(e, sizeof e, "%.2e", x);   /* the C library rounds correctly: "9.99e+00", "1.00e+01" */
    double r = strtod(e, NULL);
    int exp10 = atoi(strchr(e, 'e') + 1);
    *decimals = exp10 >= 2 ? 0 : 2 - exp10;
    return r;
}

const char *cb_format_seconds(double s, char *buf, size_t n)
{
    if (isnan(s)) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (isinf(s)) {
        snprintf(buf, n, "%sinf", s < 0 ? "-" : "");
        return buf;
    }
    if (s < 0) {
        char pos[32];
        snprintf(buf, n, "-%s", cb_format_seconds(-s, pos, sizeof pos));
        return buf;
    }
    if (s == 0) {
        snprintf(buf, n, "0 s");
        return buf;
    }
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1e-9, "ns"}, {1e-6, "µs"}, {1e-3, "ms"}, {1, "s"}};
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof *units && s >= units[u + 1].scale)
        u++;
    int decimals;
    double x = round3(s / units[u].scale, &decimals);
    if (x >= 1000 && u + 1 < sizeof units / sizeof *units)   /* 999.96 µs rounds to 1.00 ms */
        x = round3(s / units[++u].scale, &decimals);
    if (units[u].scale < 1 || x < 60) {
        snprintf(buf, n, "%.*f %s", decimals, x, units[u].unit);
        return buf;
    }
    double whole = round(s);   /* minutes and seconds, rounded before they are split */
    if (whole < 3600) {
        snprintf(buf, n, "%.0f min %02.0f s", floor(whole / 60), fmod(whole, 60));
        return buf;
    }
    double minutes = round(s / 60);
    snprintf(buf, n, "%.0f h %02.0f min", floor(minutes / 60), fmod(minutes, 60));
    return buf;
}

size_t cb_term_width(int fd)
{
    size_t w = 80;
    struct winsize ws;
    const char *cols = getenv("COLUMNS");
    char *end;
    if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        w = ws.ws_col;
    } else if (cols && *cols) {
        long v = strtol(cols, &end, 10);
        if (!*end && v > 0)
            w = v > 100000 ? 100000 : (size_t)v;
    }
    return w < CB_MIN_WIDTH ? CB_MIN_WIDTH : w;
}

size_t cb_text_columns(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

size_t cb_text_width(const char *s)
{
    return cb_text_columns(s, strlen(s));
}

/* Bytes of S that make up its first N code points. */
static size_t bytes_of_columns(const char *s, size_t len, size_t n)
{
    size_t i = 0;
    while (i < len && n) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static void newline(cb_buf *out, size_t indent)
{
    cb_buf_putc(out, '\n');
    for (size_t k = 0; k < indent; k++)
        cb_buf_putc(out, ' ');
}

/* One line of TEXT (no '\n'), wrapped: the blanks between two words on one
 * output line kept as they are, those where it breaks dropped. */
static void wrap_line(cb_buf *out, const char *s, size_t len, size_t width, size_t indent)
{
    size_t i = 0;
    while (i < len && s[i] == ' ')   /* the line's own indent stays */
        i++;
    if (i + 1 >= width)
        i = 0;
    cb_buf_put(out, s, i);
    size_t col = i, gap = 0;
    int fresh = 1;    /* no word on the current output line yet */
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        size_t ww = cb_text_columns(s + i, j - i);
        if (!fresh && col + gap + ww > width) {   /* the word goes on the next line */
            newline(out, indent);
            col = indent, fresh = 1;
        }
        if (!fresh) {
            cb_buf_put(out, s + i - gap, gap);
            col += gap;
        }
        while (col + cb_text_columns(s + i, j - i) > width) {   /* a word longer than a line */
            size_t b = bytes_of_columns(s + i, j - i, width > col ? width - col : 1);
            cb_buf_put(out, s + i, b);
            newline(out, indent);
            col = indent;
            i += b;
        }
        cb_buf_put(out, s + i, j - i);
        col += cb_text_columns(s + i, j - i);
        fresh = 0;
        for (gap = 0, i = j; i < len && s[i] == ' '; i++)
            gap++;
    }
    cb_buf_putc(out, '\n');
}

void cb_wrap(cb_buf *out, const char *text, size_t width, size_t indent)
{
    if (width && indent + 1 >= width)
        indent = 0;
    for (const char *p = text;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (!width) {
            cb_buf_put(out, p, len);
            cb_buf_putc(out, '\n');
        } else {
            wrap_line(out, p, len, width, indent);
        }
        if (!nl)
            break;
        p = nl + 1;
    }
}
