/* fuzz_pickle.c — libFuzzer target for the pickle codec: the reader
 * (lib/data/pickle_load.c) and the value writer (lib/data/pickle_dump.c).
 *
 * Any input may be refused, but must never crash, leak, hang or trip the
 * sanitizers.  Whatever loads must dump, load again, and dump to the very
 * same bytes: the writer is deterministic and the reader rebuilds the same
 * value (the same sharing included).  Values are compared through their
 * dumps rather than cb_equal because dumps are linear in the input even when
 * a tiny pickle builds a hugely shared tree.
 *
 * Built by `make fuzz` as build/fuzz/fuzz_pickle; tests/fuzz/run-fuzz.sh
 * runs it briefly on tests/fuzz/corpus/pickle/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/pickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_value v;
    cb_err err;
    if (cb_pickle_load(data, size, &v, &err) < 0) {
        if (strncmp(err.msg, "pickle: offset ", 15) != 0 || strchr(err.msg, '\n'))
            abort();   /* every error is one line with the offset */
        return 0;
    }
    cb_buf first = {0}, second = {0};
    cb_pickle_dump(v, &first);
    cb_value again;
    if (cb_pickle_load(first.data, first.len, &again, &err) < 0)
        abort();   /* casbench must read what it writes */
    cb_pickle_dump(again, &second);
    if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0)
        abort();
    cb_release(again);
    cb_release(v);
    cb_buf_free(&first);
    cb_buf_free(&second);
    return 0;
}
