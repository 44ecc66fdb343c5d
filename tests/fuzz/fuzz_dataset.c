/* fuzz_dataset.c — libFuzzer target for dataset and run-list validation
 * (lib/data/dataset.c) and `describe` (lib/report/describe.c) on whatever the pickle
 * reader accepts.
 *
 * The input is a pickle of a dataset, or of a pair (dataset, run list).  A
 * pickle shares references, so a few hundred bytes can name one polynomial
 * millions of times: validation, the run-list checks (including the refusal
 * of run lists that would expand beyond CB_EXPANSION_FACTOR × the distinct
 * size) and describe must take time proportional to the input, never to
 * the expanded tree — libFuzzer's -timeout catches any input that does not.
 * Refusals are one line; a dataset that validates is described without
 * error.
 *
 * Built by `make fuzz` as build/fuzz/fuzz_dataset; tests/fuzz/run-fuzz.sh
 * runs it briefly on tests/fuzz/corpus/dataset/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "report/describe.h"
#include "data/pickle.h"

static void check_one_line(const cb_err *err)
{
    if (!err->msg[0] || strchr(err->msg, '\n'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_value v;
    cb_err err;
    if (cb_pickle_load(data, size, &v, &err) < 0)
        return 0;
    bool pair = cb_is(v, CB_TUPLE) && cb_len(v) == 2;
    cb_value polys = pair ? cb_item(v, 0) : v;
    if (cb_dataset_validate(polys, &err) < 0) {
        check_one_line(&err);
    } else {
        cb_buf out = {0};
        if (cb_describe(polys, &out, &err) < 0)
            abort();   /* a valid dataset always has a description */
        cb_buf_free(&out);
        if (pair && cb_runlist_validate(cb_item(v, 1), polys, &err) < 0)
            check_one_line(&err);
    }
    cb_release(v);
    return 0;
}
