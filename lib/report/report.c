/* report.c — the entry of `casbench report`'s rendering (report.h): the
 * format names, the baseline, and one writer per format.  How the report's
 * files fit together is in report_model.h. */
#include "report/report_model.h"

#include <string.h>

int cb_report_parse_format(const char *s, cb_report_format *out, cb_err *err)
{
    static const struct {
        const char *name;
        cb_report_format f;
    } names[] = {{"text", CB_REPORT_TEXT}, {"markdown", CB_REPORT_MARKDOWN}, {"md", CB_REPORT_MARKDOWN},
                 {"csv", CB_REPORT_CSV}, {"json", CB_REPORT_JSON}, {"html", CB_REPORT_HTML}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].f;
            return 0;
        }
    return cb_fail(err, "--format %s: unknown format (text, markdown, csv, json or html)", s);
}

int cb_report_write(const cb_results *r, const cb_report_opts *o, cb_buf *out, cb_err *err)
{
    const char *baseline;
    if (report_resolve_baseline(r, o->baseline, &baseline, err) < 0)
        return -1;
    switch (o->format) {
    case CB_REPORT_TEXT: report_write_text(r, baseline, o->cold, o->width, out); break;
    case CB_REPORT_MARKDOWN: report_write_markdown(r, baseline, o->cold, out); break;
    case CB_REPORT_CSV: report_write_csv(r, out); break;
    case CB_REPORT_JSON: report_write_json(r, baseline, out); break;
    case CB_REPORT_HTML: report_write_html(r, baseline, o->cold, out); break;
    }
    return 0;
}
