/* flamegraph.h — an SVG flame graph from folded stacks (docs/design.md §8.2), as
 * Brendan Gregg's flamegraph.pl draws it: the root at the bottom, each frame
 * a box as wide as its share of the samples, siblings in alphabetical order,
 * the function name written in the box where it fits, and on hover (the
 * SVG <title>) the whole name with its sample count and percentage.  No
 * script: the file is plain SVG that any browser shows.
 *
 * lib/run/profile.c writes one per profiled call; the input is what it also
 * writes as the call's folded stacks ("root;child;leaf COUNT"). */
#ifndef CB_FLAMEGRAPH_H
#define CB_FLAMEGRAPH_H

#include <stddef.h>

#include "common/util.h"

/* One folded stack: frames root first, separated by ';'. */
typedef struct {
    const char *stack;
    long count;
} cb_folded;

/* Append the SVG of STACKS (any order, duplicates allowed) to OUT.  TITLE and
 * SUBTITLE are drawn on top (escaped here). */
void cb_flamegraph_svg(const char *title, const char *subtitle, const cb_folded *stacks, size_t n, cb_buf *out);

/* Append TEXT to OUT with XML's special characters escaped. */
void cb_xml_escape(cb_buf *out, const char *text);

#endif
