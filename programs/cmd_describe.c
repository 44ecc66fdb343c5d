/* cmd_describe.c — `casbench describe POLYS.pickle`: prints what a dataset
 * holds (lib/describe.c): for a generated dataset the table the original
 * tool printed, byte for byte; for any other, one row per system. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "dataset.h"
#include "describe.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: casbench describe POLYS.pickle\n\n"
               "Loads and validates a dataset and describes it.  A generated dataset\n"
               "(casbench gen) prints as the original tool's table: one row per\n"
               "polynomial with its system's generators, terms, exp_range, coeff_range,\n"
               "gens and the start of the polynomial, as pandas prints it\n"
               "(DataFrame.to_string(max_rows=10, max_colwidth=20)).  Any other dataset\n"
               "prints one row per system: generators, polynomials, terms, total degree\n"
               "and the largest coefficient in bits.  A directory means DIR/polys.pickle.\n");
}

int cmd_describe(int argc, char **argv)
{
    if (cb_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != 0)) {
        usage(stderr);
        return 2;
    }
    struct stat st;
    char *path = stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode) ? cb_xasprintf("%s/polys.pickle", argv[1])
                                                                : cb_xstrdup(argv[1]);
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
