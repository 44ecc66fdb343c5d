/* format.h — text for people: times and durations, the terminal's width,
 * and text wrapped to it.
 *
 * Every time casbench prints for a person (report and compare tables, the
 * summary `run` prints, the progress line) goes through cb_format_seconds,
 * so a column never shows "1.1 ms" beside "1.11 ms" and a duration never
 * reads "2 min 60 s" (docs/report.md, "Text that fits the terminal").
 * Machine-readable outputs (JSON, CSV, calls.jsonl) keep full precision. */
#ifndef CB_FORMAT_H
#define CB_FORMAT_H

#include <stddef.h>

#include "common/util.h"

/* A time or duration in seconds, rounded to three significant digits which
 * are all shown: "43.1 ns", "12.3 µs", "1.10 ms", "123 ms", "1.23 s",
 * "59.9 s"; from 60 s (after rounding) whole seconds, "1 min 00 s",
 * "2 min 03 s"; from an hour whole minutes, "1 h 05 min".  Rounding carries
 * into the next unit (999.96 µs is "1.00 ms", 59.99 s is "1 min 00 s").
 * NAN is "?".  Writes into buf (32 bytes hold any value) and returns it. */
const char *cb_format_seconds(double s, char *buf, size_t n);

/* The width text output should fit: the terminal's (TIOCGWINSZ) when FD is
 * a terminal, else $COLUMNS when set to a number, else 80; never under
 * CB_MIN_WIDTH.  FD -1: not a terminal. */
#define CB_MIN_WIDTH 20
size_t cb_term_width(int fd);

/* Display columns of UTF-8 text: one per code point (what casbench prints —
 * µ, ×, ± — is all single-width). */
size_t cb_text_width(const char *s);
size_t cb_text_columns(const char *s, size_t len);   /* of its first LEN bytes */

/* TEXT appended to OUT in lines of at most WIDTH columns (0: no limit),
 * each ending in '\n': broken at spaces, a word longer than a line broken
 * where it must; lines after the first start with INDENT spaces.  A '\n'
 * in TEXT starts a new line. */
void cb_wrap(cb_buf *out, const char *text, size_t width, size_t indent);

#endif
