/* pickle.h — casbench's one pickle codec (docs/design.md §3.3): reading and
 * writing values.
 *
 * The codec's files: pickle_ops.h (the opcodes, defined once),
 * pickle_load.c (the reader), pickle_text.c (the text codecs the reader
 * needs), pickle_emit.h/.c (the emit API: the one way of writing pickle
 * bytes, used by the value writer and by gen's streaming writer, gen.c),
 * pickle_dump.c (the value writer).
 *
 * Reads protocols 0–5 and writes protocol 4.  The reader is safe on
 * untrusted input: it executes nothing, accepts only the globals
 * builtins.range, builtins.set, builtins.frozenset and _codecs.encode, never
 * trusts a length or a memo index, and reports failures as one line with the
 * byte offset ("pickle: offset 123: truncated BINUNICODE").  The writer emits
 * what Python's pickle.load reads back as the same value, types, order and
 * shared references included.
 *
 * Decisions (details at the top of pickle_load.c and pickle_dump.c):
 *  - Python 2 strings (STRING, BINSTRING, SHORT_BINSTRING) load as latin-1
 *    text into str, like pickle.load(encoding="latin1"); BYTEARRAY8 loads
 *    as bytes.
 *  - Below protocol 3 Python writes b"" as builtins.bytes(): that global is
 *    not among the four allowed, so such a pickle is refused.
 *  - Refused as well: recursive structures, values nested deeper than 1000
 *    levels, more than 10000 open MARKs, memo indices beyond the input's
 *    size, unhashable dict keys or set items, and keys whose hashing and
 *    comparison would cost more than 64 steps per input byte (shared
 *    sub-values; frozensets count quadratically, so a key frozenset of
 *    thousands of items needs a file of matching size).
 *  - The writer's bytes equal CPython's pickle.dumps(v, protocol=4) for the
 *    same value and sharing (tested against CPython 3.11). */
#ifndef CB_PICKLE_H
#define CB_PICKLE_H

#include "common/error.h"
#include "common/util.h"
#include "data/value.h"

int cb_pickle_load(const void *data, size_t len, cb_value *out, cb_err *err);
int cb_pickle_load_file(const char *path, cb_value *out, cb_err *err);   /* errors name the file */
void cb_pickle_dump(cb_value v, cb_buf *out);                            /* appends protocol 4 */
int cb_pickle_dump_file(const char *path, cb_value v, cb_err *err);      /* atomic: tmp + rename */

#endif
