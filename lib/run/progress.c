/* progress.c — the live progress line and per-runner lines (see
 * progress.h). */
#include "run/progress.h"
#include "common/format.h"
#include "common/util.h"

#include <stdarg.h>
#include <string.h>

void cb_progress_init(cb_progress *p, FILE *out, bool tty, int verbose, size_t total_calls,
                      size_t n_runners)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = tty;
    p->verbose = verbose;
    p->total_calls = total_calls;
    p->n_runners = n_runners;
    p->start_ns = cb_now_ns();
}

static void clear_line(cb_progress *p)
{
    if (p->tty && p->line_shown) {
        fputs("\r\033[K", p->out);
        p->line_shown = false;
    }
}

/* The live line, fitted to the terminal's width: the counts a reader needs
 * most come first, the others are left out, least needed first, until the
 * line fits (a line wider than the terminal would wrap and never be
 * redrawn in place); at worst it is cut. */
static void live_line(const cb_progress *p, size_t width, cb_buf *line)
{
    double elapsed = (double)(cb_now_ns() - p->start_ns) / 1e9;
    char el[32], eta[48] = "ETA --", d[32];
    cb_format_seconds(elapsed, el, sizeof el);
    if (p->done_calls && p->done_calls < p->total_calls) {
        cb_format_seconds(elapsed / (double)p->done_calls * (double)(p->total_calls - p->done_calls), d, sizeof d);
        snprintf(eta, sizeof eta, "ETA %s", d);
    }
    char part[5][96];
    snprintf(part[0], sizeof part[0], "%zu running", p->running);
    snprintf(part[1], sizeof part[1], "%zu/%zu runners done", p->runners_done, p->n_runners);
    snprintf(part[2], sizeof part[2], "%zu timeouts", p->timeouts);
    snprintf(part[3], sizeof part[3], "%zu failed", p->failures);
    snprintf(part[4], sizeof part[4], "%s, %s", el, eta);
    /* what each shorter line keeps of parts 0..3 (elapsed and ETA always) */
    static const unsigned keep[] = {0xF, 0xE, 0xC, 0x0};
    for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
        line->len = 0;
        cb_buf_printf(line, "%zu/%zu calls", p->done_calls, p->total_calls);
        for (int i = 0; i < 4; i++)
            if (keep[k] >> i & 1)
                cb_buf_printf(line, ", %s", part[i]);
        cb_buf_printf(line, ", %s", part[4]);
        if (cb_text_width(line->data) < width)
            return;
    }
    while (line->len && cb_text_width(line->data) >= width) {   /* cut, on a character boundary */
        do
            line->len--;
        while (line->len && ((unsigned char)line->data[line->len] & 0xC0) == 0x80);
        line->data[line->len] = 0;
    }
}

void cb_progress_draw(cb_progress *p)
{
    if (!p->tty)
        return;
    cb_buf line = {0};
    live_line(p, cb_term_width(fileno(p->out)), &line);
    fprintf(p->out, "\r\033[K%s", line.data ? line.data : "");
    cb_buf_free(&line);
    fflush(p->out);
    p->line_shown = true;
}

void cb_progress_record(cb_progress *p, json_object *rec)
{
    json_object *v;
    const char *status = json_object_object_get_ex(rec, "status", &v) ? json_object_get_string(v) : "?";
    bool skipped = json_object_object_get_ex(rec, "skipped", &v) && json_object_get_boolean(v);
    p->done_calls++;
    if (skipped)
        ;   /* a round's call not run again after a timeout: done, not a new timeout */
    else if (!strcmp(status, "timeout"))
        p->timeouts++;
    else if (strcmp(status, "ok") && strcmp(status, "unsupported"))
        p->failures++;
    if (p->verbose >= 2) {
        clear_line(p);
        json_object *r, *f, *a;
        json_object_object_get_ex(rec, "runner", &r);
        json_object_object_get_ex(rec, "function", &f);
        json_object_object_get_ex(rec, "args", &a);
        fprintf(p->out, "casbench: %s %s%s: %s\n", json_object_get_string(r), json_object_get_string(f),
                a ? json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN) : "", status);
    }
    cb_progress_draw(p);
}

void cb_progress_runner_started(cb_progress *p, const char *id, size_t n_calls, char *const *argv)
{
    p->running++;
    if (p->verbose >= 1) {
        clear_line(p);
        fprintf(p->out, "casbench: start %s (%zu calls):", id, n_calls);
        for (char *const *a = argv; a && *a; a++)
            fprintf(p->out, " %s", *a);
        fputc('\n', p->out);
    }
    cb_progress_draw(p);
}

void cb_progress_runner_finished(cb_progress *p, const char *id, size_t calls_done, size_t n_calls,
                                 size_t timeouts, size_t failures, double seconds, const char *how,
                                 const char *log_path)
{
    if (p->running)
        p->running--;
    p->runners_done++;
    if (!p->tty || how || p->verbose) {
        clear_line(p);
        char d[32];
        cb_format_seconds(seconds, d, sizeof d);
        fprintf(p->out, "casbench: [%zu/%zu] %s: %zu/%zu calls, %zu timeouts, %zu failed, %s%s%s%s%s\n",
                p->runners_done, p->n_runners, id, calls_done, n_calls, timeouts, failures, d,
                how ? "; " : "", how ? how : "", how && log_path ? ", see " : "", how && log_path ? log_path : "");
    }
    fflush(p->out);
    cb_progress_draw(p);
}

void cb_progress_note(cb_progress *p, const char *fmt, ...)
{
    clear_line(p);
    va_list ap;
    va_start(ap, fmt);
    fputs("casbench: ", p->out);
    vfprintf(p->out, fmt, ap);
    fputc('\n', p->out);
    va_end(ap);
    fflush(p->out);
    cb_progress_draw(p);
}

void cb_progress_end(cb_progress *p)
{
    clear_line(p);
    fflush(p->out);
}
