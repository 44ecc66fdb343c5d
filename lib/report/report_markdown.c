/* report_markdown.c — the markdown report (`casbench report --format
 * markdown`): the text report's layout (report_write_document in
 * report_text.c) with markdown headings, a list of warnings, pipe tables,
 * and user text (paths, names, messages) escaped so that it reads
 * literally. */
#include "report/report_model.h"

/* PREFIX, then TEXT (user text escaped), on one line: markdown wraps. */
static void md_paragraph(cb_buf *out, const char *prefix, const char *text, int user, size_t width)
{
    (void)width;
    cb_buf_puts(out, prefix);
    if (user)
        cb_md_escape(out, text);
    else
        cb_buf_puts(out, text);
    cb_buf_putc(out, '\n');
}

static void md_table(const cb_table *t, size_t width, cb_buf *out)
{
    (void)width;
    cb_table_render(t, CB_TABLE_MARKDOWN, out);
}

static const report_doc_style markdown_style = {
    .table = md_table, .paragraph = md_paragraph, .after_table = "",
    .title = "# casbench report\n\n", .warnings = "## Warnings\n\n", .warning = "- ",
    .summary = "## Summary\n\n", .timings = "## Timings\n\n", .memory = "## Memory\n\n",
    .profiles = "## CPU profiles\n\n", .verification = "## Verification\n\n",
};

void report_write_markdown(const cb_results *r, const char *baseline, int cold, cb_buf *out)
{
    report_write_document(r, baseline, cold, &markdown_style, 0, out);
}
