/* fuzz_results.c — libFuzzer target for what casbench reads from a results
 * directory, which is data (docs/run.md, "Resume"): calls.jsonl records
 * (lib/run/record.c, rebuilt into results.pickle's value), the original
 * tool's results.pickle read back into records (lib/run/results_pickle.c),
 * run.json as JSON (cb_json_read_file), and the size option
 * (--memory-limit, lib/common/bounds.c).
 * Any input gives records, a value or a one-line error: no crash (json-c
 * asserts on a wrong type included), no leak, no hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bounds.h"
#include "run/record.h"
#include "run/results_dir.h"
#include "run/results_pickle.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/casbench-fuzz-results.%ld", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    cb_err err;
    cb_calls calls;
    if (cb_calls_read(path, &calls, &err) == 0) {
        cb_runner_info info = {.id = "r", .library = "selftest", .group = "external", .type = "benchmark"};
        cb_release(cb_results_value(&calls, &info, 1, cb_none()));
        cb_calls_free(&calls);
    } else if (strchr(err.msg, '\n')) {
        abort();
    }
    /* the same bytes as an original tool's results.pickle (report reads it) */
    cb_calls legacy;
    if (cb_results_pickle_read(path, &legacy, NULL, NULL, &err) == 0)
        cb_calls_free(&legacy);
    else if (strchr(err.msg, '\n'))
        abort();
    json_object *o = cb_json_read_file(path, &err);
    if (!o && strchr(err.msg, '\n'))
        abort();
    json_object_put(o);
    /* the first line as a --memory-limit value */
    char line[64];
    size_t n = 0;
    while (n < size && n < sizeof line - 1 && data[n] != '\n' && data[n])
        n++;
    memcpy(line, data, n);
    line[n] = 0;
    uint64_t bytes;
    if (cb_parse_size("--memory-limit", line, &bytes, &err) < 0 && strchr(err.msg, '\n'))
        abort();
    unlink(path);
    return 0;
}
