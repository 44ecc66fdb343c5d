/* cmd_describe.c — `casbench describe POLYS.pickle`: prints what a dataset
 * holds (lib/report/describe.c): for a generated dataset the table the original
 * tool printed, byte for byte; for any other, one row per system.  `casbench
 * gen POLYS.pickle --describe`, the original's spelling, comes here too. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "data/dataset.h"
#include "report/describe.h"
#include "parse_options.h"
#include "common/util.h"

static const char description[] =
    "Loads and validates a dataset and describes it.  A generated dataset\n"
    "(casbench gen) prints as the original tool's table: one row per\n"
    "polynomial with its system's generators, terms, exp_range, coeff_range,\n"
    "gens and the start of the polynomial, as pandas prints it\n"
    "(DataFrame.to_string(max_rows=10, max_colwidth=20)).  Any other dataset\n"
    "prints one row per system: generators, polynomials, terms, total degree\n"
    "and the largest coefficient in bits.  A directory means DIR/polys.pickle.\n";

static const cb_option options[] = {{0}};
static const cb_cmd_spec spec = {
    .name = "describe", .args = "POLYS.pickle", .min_args = 1, .max_args = 1,
    .description = description, .options = options,
};

int cli_describe(const char *given)
{
    struct stat st;
    char *path = stat(given, &st) == 0 && S_ISDIR(st.st_mode) ? cb_xasprintf("%s/polys.pickle", given)
                                                               : cb_xstrdup(given);
    cb_value polys;
    cb_err err;
    if (cb_dataset_load(path, &polys, &err) < 0)
        cb_die(&err);
    cb_buf out = {0};
    if (cb_describe(polys, &out, &err) < 0)
        cb_die(&err);
    fwrite(out.data, 1, out.len, stdout);
    cb_buf_free(&out);
    cb_release(polys);
    free(path);
    return 0;
}

int cmd_describe(int argc, char **argv)
{
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *path = pos.v[0];
    free(pos.v);
    return cli_describe(path);
}
