/* report_markdown.c — the markdown report (`casbench report --format
 * markdown`): the text report's layout (report_write_document in
 * report_text.c) with markdown headings, a list of warnings, pipe tables,
 * and user text (paths, names, messages) escaped so that it reads
 * literally. */
#include "report_model.h"

static void put_escaped(cb_buf *out, const char *s) { cb_md_escape(out, s); }

static const report_doc_style markdown_style = {
    .tables = CB_TABLE_MARKDOWN,
    .title = "# casbench report\n\n",
    .warnings = "## Warnings\n\n",
    .warning = "- ",
    .summary = "## Summary\n\n",
    .timings = "## Timings\n\n",
    .memory = "## Memory\n\n",
    .profiles = "## CPU profiles\n\n",
    .verification = "## Verification\n\n",
    .after_table = "",
    .put_text = put_escaped,
};

void report_write_markdown(const cb_results *r, const char *baseline, int cold, cb_buf *out)
{
    report_write_document(r, baseline, cold, &markdown_style, out);
}
