/* plot.h — charts for the HTML report, drawn by gnuplot.
 *
 * A cb_plot is either a line chart (numeric x, one line per series: time
 * against terms or generators) or a clustered bar chart (one group of bars
 * per category, one bar per series: time per system for groebner, memory).
 * cb_plot_svg() writes a gnuplot script with the data inline, runs gnuplot
 * (svg terminal, no mouse scripts, so the result needs nothing from the
 * network) and returns the <svg> element, ready to be inlined in HTML.
 * Missing values are NAN and are left out. */
#ifndef CB_PLOT_H
#define CB_PLOT_H

#include <stddef.h>

#include "common/error.h"
#include "common/util.h"

typedef enum { CB_PLOT_LINES, CB_PLOT_BARS } cb_plot_kind;

typedef struct cb_plot {
    cb_plot_kind kind;
    const char *title, *xlabel, *ylabel;
    int logx, logy;
    size_t nseries;
    const char **series;       /* nseries names (legend) */
    size_t npoints;
    double *x;                 /* LINES: npoints x values, shared by the series */
    const char **categories;   /* BARS: npoints category names */
    double *y;                 /* nseries × npoints, row-major: y[s * npoints + i] */
    int width, height;         /* pixels; 0: 900 × 420 */
} cb_plot;

/* True when a gnuplot that can write SVG is on PATH (checked once). */
int cb_plot_available(void);

/* Append the chart as one <svg ...>...</svg> element to out. */
int cb_plot_svg(const cb_plot *p, cb_buf *out, cb_err *err);

#endif
