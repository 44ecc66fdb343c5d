/* plot.c — drives gnuplot to draw the HTML report's charts as inline SVG
 * (see plot.h).  The data goes into the script as datablocks, so one
 * temporary directory holds the script, gnuplot's messages and the SVG; it
 * is removed before returning. */
#define _GNU_SOURCE
#include "report/plot.h"

#include "common/process.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run ARGV with stdout and stderr to LOG (NULL: /dev/null); return the
 * exit status or -1. */
static int run_quiet(char *const argv[], const char *log)
{
    cb_spawn p = {.argv = argv, .in.kind = CB_IO_NULL, .out = {.kind = log ? CB_IO_FILE : CB_IO_NULL, .path = log},
                  .err.kind = CB_IO_STDOUT};
    cb_err err;
    if (cb_spawn_run(&p, &err) < 0)
        return -1;
    return p.status.exit_code;
}

int cb_plot_available(void)
{
    static int known = -1;
    if (known < 0) {
        char *argv[] = {"gnuplot", "-e", "set terminal svg", NULL};
        known = run_quiet(argv, NULL) == 0;
    }
    return known;
}

/* A gnuplot single-quoted string: ' doubles, no newlines. */
static void gp_str(cb_buf *b, const char *s)
{
    cb_buf_putc(b, '\'');
    for (; s && *s; s++) {
        if (*s == '\'')
            cb_buf_puts(b, "''");
        else if (*s == '\n' || *s == '\r')
            cb_buf_putc(b, ' ');
        else
            cb_buf_putc(b, *s);
    }
    cb_buf_putc(b, '\'');
}

/* A double-quoted field of a datablock (no quotes or newlines inside). */
static void gp_field(cb_buf *b, const char *s)
{
    cb_buf_putc(b, '"');
    for (; s && *s; s++)
        cb_buf_putc(b, *s == '"' ? '\'' : (*s == '\n' || *s == '\r') ? ' ' : *s);
    cb_buf_putc(b, '"');
}

static void gp_num(cb_buf *b, double v)
{
    if (isfinite(v))
        cb_buf_printf(b, " %.10g", v);
    else
        cb_buf_puts(b, " ?");
}

static void script_head(const cb_plot *p, const char *svg, cb_buf *s)
{
    int w = p->width ? p->width : 720, h = p->height ? p->height : 400;
    cb_buf_printf(s, "set terminal svg size %d,%d dynamic font 'Sans,13' background '#ffffff'\n", w, h);
    cb_buf_puts(s, "set output ");
    gp_str(s, svg);
    cb_buf_puts(s, "\nset termoption noenhanced\nset encoding utf8\nset datafile missing '?'\n");
    cb_buf_puts(s, "set key outside top center horizontal noautotitle\nset grid ytics lc rgb '#dddddd'\n");
    if (p->title) {
        cb_buf_puts(s, "set title ");
        gp_str(s, p->title);
        cb_buf_putc(s, '\n');
    }
    if (p->xlabel) {
        cb_buf_puts(s, "set xlabel ");
        gp_str(s, p->xlabel);
        cb_buf_putc(s, '\n');
    }
    if (p->ylabel) {
        cb_buf_puts(s, "set ylabel ");
        gp_str(s, p->ylabel);
        cb_buf_putc(s, '\n');
    }
    if (p->logx)
        cb_buf_puts(s, "set logscale x\n");
    if (p->logy)
        cb_buf_puts(s, "set logscale y\nset format y '%g'\n");
}

static void script_lines(const cb_plot *p, cb_buf *s)
{
    size_t drawn = 0;
    for (size_t k = 0; k < p->nseries; k++) {
        cb_buf_printf(s, "$s%zu << EOD\n", k);
        for (size_t i = 0; i < p->npoints; i++) {
            double y = p->y[k * p->npoints + i];
            if (!isfinite(y) || !isfinite(p->x[i]) || (p->logy && y <= 0) || (p->logx && p->x[i] <= 0))
                continue;
            gp_num(s, p->x[i]);
            gp_num(s, y);
            cb_buf_putc(s, '\n');
        }
        cb_buf_puts(s, "EOD\n");
    }
    /* small integer axes (generators, terms) get a tick per integer */
    int integral = p->npoints > 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->npoints; i++) {
        integral &= p->x[i] == floor(p->x[i]);
        lo = fmin(lo, p->x[i]), hi = fmax(hi, p->x[i]);
    }
    if (integral && !p->logx && hi - lo <= 12)
        cb_buf_puts(s, "set xtics 1\n");
    cb_buf_puts(s, "set offsets graph 0.04, graph 0.04, graph 0.05, graph 0.05\nplot ");
    for (size_t k = 0; k < p->nseries; k++) {
        cb_buf_printf(s, "%s$s%zu using 1:2 with linespoints lw 2 pt %zu ps 1.3 title ", drawn++ ? ", " : "", k,
                      k % 13 + 1);
        gp_str(s, p->series[k]);
    }
    cb_buf_putc(s, '\n');
}

static void script_bars(const cb_plot *p, cb_buf *s)
{
    cb_buf_puts(s, "$d << EOD\n");
    for (size_t i = 0; i < p->npoints; i++) {
        gp_field(s, p->categories[i]);
        for (size_t k = 0; k < p->nseries; k++) {
            double y = p->y[k * p->npoints + i];
            gp_num(s, (p->logy && y <= 0) ? NAN : y);
        }
        cb_buf_putc(s, '\n');
    }
    cb_buf_puts(s, "EOD\n");
    if (p->logy) {   /* bars stand on the axis floor: keep the smallest visible */
        double lo = INFINITY, hi = 0;
        for (size_t i = 0; i < p->nseries * p->npoints; i++)
            if (isfinite(p->y[i]) && p->y[i] > 0)
                lo = fmin(lo, p->y[i]), hi = fmax(hi, p->y[i]);
        if (hi > 0)
            cb_buf_printf(s, "set yrange [%.10g:%.10g]\n", lo / 4, hi * 2);
    }
    cb_buf_puts(s, "set style data histograms\nset style histogram clustered gap 1\n"
                   "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                   "set xtics rotate by -30 left nomirror\n");
    cb_buf_puts(s, "plot ");
    for (size_t k = 0; k < p->nseries; k++) {
        cb_buf_printf(s, "%s$d using %zu%s title ", k ? ", " : "", k + 2, k ? "" : ":xtic(1)");
        gp_str(s, p->series[k]);
    }
    cb_buf_putc(s, '\n');
}

int cb_plot_svg(const cb_plot *p, cb_buf *out, cb_err *err)
{
    char dir[] = "/tmp/casbench-plot.XXXXXX";
    if (!mkdtemp(dir))
        return cb_fail(err, "plot: cannot create a temporary directory: %s", strerror(errno));
    char *script = cb_xasprintf("%s/plot.gp", dir), *svg = cb_xasprintf("%s/plot.svg", dir);
    char *log = cb_xasprintf("%s/gnuplot.log", dir);
    cb_buf s = {0};
    script_head(p, svg, &s);
    if (p->kind == CB_PLOT_LINES)
        script_lines(p, &s);
    else
        script_bars(p, &s);
    int rc = cb_write_file_atomic(script, s.data, s.len, err);
    cb_buf_free(&s);
    if (rc == 0) {
        char *argv[] = {"gnuplot", script, NULL};
        int st = run_quiet(argv, log);
        char *data = NULL;
        size_t len = 0;
        cb_err ignored;
        if (st != 0) {
            char *msg = NULL;
            size_t mlen = 0;
            if (cb_read_file(log, &msg, &mlen, &ignored) == 0) {
                for (char *c = msg; *c; c++)   /* one line */
                    if (*c == '\n')
                        *c = ' ';
                rc = cb_fail(err, "plot: gnuplot failed: %.300s", msg);
                free(msg);
            } else {
                rc = cb_fail(err, "plot: gnuplot could not be run");
            }
        } else if (cb_read_file(svg, &data, &len, err) < 0) {
            rc = -1;
        } else {
            char *start = strstr(data, "<svg");
            if (!start)
                rc = cb_fail(err, "plot: gnuplot wrote no <svg> element");
            else
                cb_buf_put(out, start, len - (size_t)(start - data));
            free(data);
        }
    }
    unlink(script);
    unlink(svg);
    unlink(log);
    rmdir(dir);
    free(script);
    free(svg);
    free(log);
    return rc;
}
