/* pickle.h — casbench's one pickle codec (DESIGN §3.3).
 *
 * Reads protocols 0–5 and writes protocol 4.  The reader is safe on
 * untrusted input: it executes nothing, accepts only the globals
 * builtins.range, builtins.set, builtins.frozenset and _codecs.encode, never
 * trusts a length or a memo index, and reports failures as one line with the
 * byte offset ("pickle: offset 123: truncated BINUNICODE").  The writer emits
 * what Python's pickle.load reads back as the same value, types, order and
 * shared references included. */
#ifndef CB_PICKLE_H
#define CB_PICKLE_H

#include "error.h"
#include "util.h"
#include "value.h"

int cb_pickle_load(const void *data, size_t len, cb_value *out, cb_err *err);
int cb_pickle_load_file(const char *path, cb_value *out, cb_err *err);   /* errors name the file */
void cb_pickle_dump(cb_value v, cb_buf *out);                            /* appends protocol 4 */
int cb_pickle_dump_file(const char *path, cb_value v, cb_err *err);      /* atomic: tmp + rename */

#endif
