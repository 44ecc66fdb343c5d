/* flamegraph.c — folded stacks to an SVG flame graph (see flamegraph.h).
 *
 * The stacks are merged into a tree (a node per distinct path from the
 * root), whose children are then sorted by name, as flamegraph.pl sorts the
 * folded lines; each node is drawn at x = samples before it, width = its
 * samples, scaled to the image.  Boxes narrower than a tenth of a pixel are
 * left out (flamegraph.pl's --minwidth), with their subtrees. */
#include "run/flamegraph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FG_WIDTH 1200.0
#define FG_FRAME_H 16
#define FG_PAD_X 10.0
#define FG_PAD_TOP 54
#define FG_PAD_BOTTOM 24
#define FG_FONT 12
#define FG_CHAR_W (FG_FONT * 0.59)
#define FG_MIN_W 0.1

typedef struct fg_node {
    char *name;
    long samples;
    struct fg_node **kids;
    size_t nkids, cap;
} fg_node;

static fg_node *child(fg_node *n, const char *name, size_t len)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (strlen(n->kids[i]->name) == len && !memcmp(n->kids[i]->name, name, len))
            return n->kids[i];
    if (n->nkids == n->cap) {
        n->cap = n->cap ? 2 * n->cap : 4;
        n->kids = cb_xrealloc(n->kids, n->cap * sizeof *n->kids);
    }
    fg_node *k = cb_xcalloc(1, sizeof *k);
    k->name = cb_xasprintf("%.*s", (int)len, name);
    n->kids[n->nkids++] = k;
    return k;
}

static void add_stack(fg_node *root, const char *stack, long count)
{
    fg_node *n = root;
    root->samples += count;
    for (const char *p = stack; *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) {
            n = child(n, p, len);
            n->samples += count;
        }
        p += len + (end != NULL);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(fg_node *const *)a)->name, (*(fg_node *const *)b)->name);
}

static int depth_of(fg_node *n)
{
    int d = 0;
    if (n->nkids > 1)
        qsort(n->kids, n->nkids, sizeof *n->kids, by_name);
    for (size_t i = 0; i < n->nkids; i++) {
        int k = depth_of(n->kids[i]);
        if (k > d)
            d = k;
    }
    return d + 1;
}

static void free_tree(fg_node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        free_tree(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n);
}

void cb_xml_escape(cb_buf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&': cb_buf_puts(out, "&amp;"); break;
        case '<': cb_buf_puts(out, "&lt;"); break;
        case '>': cb_buf_puts(out, "&gt;"); break;
        case '"': cb_buf_puts(out, "&quot;"); break;
        case '\'': cb_buf_puts(out, "&apos;"); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            cb_buf_putc(out, *p < 0x20 && *p != '\t' ? '?' : (char)*p);
        }
    }
}

/* flamegraph.pl's palettes, drawn from a hash of the name so that a function
 * keeps its colour across graphs: "hot" for native code, greens for Python
 * frames ("name [file.py]"), blues for the kernel. */
static void colour(const char *name, char *out, size_t size)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0, v3 = ((h >> 16) & 0xff) / 255.0;
    size_t len = strlen(name);
    if (len > 4 && !strcmp(name + len - 4, ".py]"))
        snprintf(out, size, "rgb(%d,%d,%d)", (int)(50 + 60 * v3), (int)(170 + 60 * v1), (int)(50 + 60 * v2));
    else if (strstr(name, "[kernel]"))
        snprintf(out, size, "rgb(%d,%d,%d)", (int)(80 + 60 * v3), (int)(130 + 60 * v1), (int)(200 + 55 * v2));
    else
        snprintf(out, size, "rgb(%d,%d,%d)", (int)(205 + 50 * v3), (int)(230 * v1), (int)(55 * v2));
}

typedef struct {
    cb_buf *out;
    double scale;      /* pixels per sample */
    long total;
    int height;
} fg_draw;

static void draw_box(fg_draw *d, const fg_node *n, double x, int depth)
{
    double w = n->samples * d->scale;
    int y = d->height - FG_PAD_BOTTOM - (depth + 1) * FG_FRAME_H;
    char fill[32];
    colour(n->name, fill, sizeof fill);
    cb_buf_puts(d->out, "<g><title>");
    cb_xml_escape(d->out, n->name);
    cb_buf_printf(d->out, " (%ld sample%s, %.2f%%)</title>", n->samples, n->samples == 1 ? "" : "s",
                  100.0 * (double)n->samples / (double)d->total);
    cb_buf_printf(d->out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" rx=\"2\" ry=\"2\"/>",
                  x, y, w, FG_FRAME_H - 1, fill);
    size_t fits = (size_t)((w - 6) / FG_CHAR_W), len = strlen(n->name);
    if (fits >= 3) {
        cb_buf_printf(d->out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + 11.5);
        if (len <= fits) {
            cb_xml_escape(d->out, n->name);
        } else {
            char *cut = cb_xasprintf("%.*s..", (int)(fits - 2), n->name);
            cb_xml_escape(d->out, cut);
            free(cut);
        }
        cb_buf_puts(d->out, "</text>");
    }
    cb_buf_puts(d->out, "</g>\n");
}

static void draw(fg_draw *d, const fg_node *n, double x, int depth)
{
    if (n->samples * d->scale < FG_MIN_W)
        return;
    draw_box(d, n, x, depth);
    for (size_t i = 0; i < n->nkids; i++) {
        draw(d, n->kids[i], x, depth + 1);
        x += n->kids[i]->samples * d->scale;
    }
}

void cb_flamegraph_svg(const char *title, const char *subtitle, const cb_folded *stacks, size_t n, cb_buf *out)
{
    fg_node *root = cb_xcalloc(1, sizeof *root);
    root->name = cb_xstrdup("all");
    for (size_t i = 0; i < n; i++)
        if (stacks[i].count > 0)
            add_stack(root, stacks[i].stack, stacks[i].count);
    int depth = depth_of(root);
    int height = FG_PAD_TOP + depth * FG_FRAME_H + FG_PAD_BOTTOM;
    cb_buf_printf(out,
                  "<?xml version=\"1.0\" standalone=\"no\"?>\n"
                  "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "xmlns=\"http://www.w3.org/2000/svg\">\n"
                  "<style>text { font-family: Verdana, sans-serif; font-size: %dpx; fill: black; }\n"
                  "g:hover rect { stroke: black; stroke-width: 0.5; }\n"
                  ".title { font-size: 17px; text-anchor: middle; }\n"
                  ".sub { fill: #555; text-anchor: middle; }</style>\n"
                  "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n"
                  "<text class=\"title\" x=\"%.0f\" y=\"24\">",
                  (int)FG_WIDTH, height, (int)FG_WIDTH, height, FG_FONT, FG_WIDTH / 2);
    cb_xml_escape(out, title ? title : "Flame graph");
    cb_buf_printf(out, "</text>\n<text class=\"sub\" x=\"%.0f\" y=\"42\">", FG_WIDTH / 2);
    cb_xml_escape(out, subtitle ? subtitle : "");
    cb_buf_puts(out, "</text>\n");
    if (root->samples > 0) {
        fg_draw d = {out, (FG_WIDTH - 2 * FG_PAD_X) / (double)root->samples, root->samples, height};
        draw(&d, root, FG_PAD_X, 0);
    } else {
        cb_buf_printf(out, "<text x=\"%.0f\" y=\"%d\" class=\"sub\">no samples</text>\n", FG_WIDTH / 2,
                      height - FG_PAD_BOTTOM - 4);
    }
    cb_buf_puts(out, "</svg>\n");
    free_tree(root);
}
