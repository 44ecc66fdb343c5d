/* fuzz_phc.c — libFuzzer target for the PHCpack reader (lib/data/phc.c).
 *
 * Any input may be refused or skipped, but must never crash, leak, hang,
 * trip the sanitizers or exceed the reader's memory budget (run-fuzz.sh
 * caps RSS) or work budget (libFuzzer's -timeout: the work budget bounds
 * CPU by the input's length; corpus/phc/chain and sum start the fuzzer on
 * long products and sums).  Both modes are tried.  Refusals are one line starting
 * "<input>:LINE: "; skips are one line.  What imports must be a valid
 * dataset system, and, printed back in PHCpack's format, must read again as
 * the very same value (when every generator occurs, so the printed text
 * names the same variables).
 *
 * Built by `make fuzz` as build/fuzz/fuzz_phc; tests/fuzz/run-fuzz.sh runs
 * it briefly on tests/fuzz/corpus/phc/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/phc.h"
#include "common/util.h"

/* An eighth of the default budget: the same code paths, but each input
 * stays well under libFuzzer's time limit on a loaded machine. */
#define FUZZ_BUDGET (CB_PHC_BUDGET_WORDS / 8)

static void check_refusal(const cb_err *err)
{
    const char *p = err->msg;
    if (strncmp(p, "<input>:", 8) != 0 || strchr(p, '\n'))
        abort();
    p += 8;
    if (*p < '0' || *p > '9')
        abort();
    while (*p >= '0' && *p <= '9')
        p++;
    if (p[0] != ':' || p[1] != ' ')
        abort();
}

/* The system as PHCpack text; returns 0 when some generator never occurs
 * (then the text would not name it and the round trip cannot hold), or
 * when a coefficient is longer than a number may be. */
static int print_system(cb_value sys, cb_buf *out)
{
    cb_value gens = cb_item(sys, 0), polys = cb_item(sys, 1);
    size_t n = cb_len(gens);
    char *seen = cb_xcalloc(n + 1, 1);
    cb_buf_printf(out, "%zu\n", cb_len(polys));
    for (size_t i = 0; i < cb_len(polys); i++) {
        cb_value p = cb_item(polys, i);
        cb_buf_puts(out, " 0");
        for (size_t t = 0; t < cb_len(p); t++) {
            cb_value e = cb_dict_key(p, t);
            char *c = cb_repr(cb_dict_val(p, t));
            if (strlen(c) > CB_PHC_MAX_NUMBER)
                seen[n] = 1;   /* would not read back: too long a number */
            cb_buf_printf(out, " + (%s)", c);
            free(c);
            for (size_t v = 0; v < n; v++) {
                int64_t x = cb_int_get_i64(cb_item(e, v));
                if (x > 0) {
                    seen[v] = 1;
                    cb_buf_printf(out, "*%s^%lld", cb_str_data(cb_item(gens, v)), (long long)x);
                }
            }
        }
        cb_buf_puts(out, ";\n");
    }
    int all = !seen[n];
    for (size_t v = 0; v < n; v++)
        all &= seen[v];
    free(seen);
    return all;
}

static void round_trip(cb_value sys)
{
    /* big systems read back correctly too, but slowly under the sanitizers */
    size_t terms = 0;
    for (size_t i = 0; i < cb_len(cb_item(sys, 1)); i++)
        terms += cb_len(cb_item(cb_item(sys, 1), i));
    if (terms > 5000)
        return;
    cb_buf text = {0};
    if (print_system(sys, &text)) {
        cb_value again;
        cb_err err;
        cb_phc_options opt = {.first_paragraph = false, .budget_words = FUZZ_BUDGET};
        int rc = cb_phc_parse(text.data, text.len, "<printed>", &opt, &again, &err);
        /* a long sum is bounded more loosely than the expression it came
         * from, so only the budgets (memory, work) may refuse the printed form */
        if (rc < 0 && !strstr(err.msg, "expression too large") && !strstr(err.msg, "expression too costly"))
            abort();
        if (rc == CB_PHC_SKIPPED || (rc == CB_PHC_IMPORTED && !cb_equal(sys, again)))
            abort();
        if (rc == CB_PHC_IMPORTED)
            cb_release(again);
    }
    cb_buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int mode = 0; mode < 2; mode++) {
        cb_phc_options opt = {.first_paragraph = mode, .budget_words = FUZZ_BUDGET};
        cb_value sys;
        cb_err err;
        int rc = cb_phc_parse((const char *)data, size, "<input>", &opt, &sys, &err);
        if (rc < 0) {
            check_refusal(&err);
            continue;
        }
        if (rc == CB_PHC_SKIPPED) {
            if (!err.msg[0] || strchr(err.msg, '\n'))
                abort();
            continue;
        }
        if (rc != CB_PHC_IMPORTED)
            abort();
        cb_value ds = cb_dict_new(1);
        cb_dict_set_str(ds, "input", cb_retain(sys));
        if (cb_dataset_validate(ds, &err) < 0)
            abort();
        cb_release(ds);
        round_trip(sys);
        cb_release(sys);
    }
    return 0;
}
