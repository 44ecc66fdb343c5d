/* cmd_import_phc.c — `casbench import-phc OUTPUT_DIR FILE...`: turns
 * PHCpack-format files (lib/data/phc.c) into a dataset (key: the file's base
 * name) and a run list calling groebner on each system.
 *
 * A system whose coefficients are not all integers (decimals such as 1.1,
 * fractions, the imaginary unit) is skipped with one line on stderr; that is
 * not an error.  A file that does not parse is: one line naming FILE:LINE,
 * exit 2, and nothing written.  When no file imports, that is an error too
 * (exit 2), since an empty dataset is of no use. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data/dataset.h"
#include "parse_options.h"
#include "data/phc.h"
#include "data/systems.h"
#include "common/util.h"

static const char description[] =
    "Reads polynomial systems in PHCpack's format (a count line, then that many\n"
    "polynomials ended by ';'; the sections after them are ignored) and writes\n"
    "OUTPUT_DIR/polys.pickle (key: the file's base name; generators sorted by\n"
    "name, exponents in that order), OUTPUT_DIR/run_list.pickle (groebner on\n"
    "each system) and OUTPUT_DIR/dataset.json.\n\n"
    "Systems with a non-integer or complex coefficient are skipped, one line\n"
    "each on stderr.  Details and limits: docs/systems.md.\n";

static const char epilogue[] =
    "Exit status: 0 when at least one system was imported, 2 on a file that\n"
    "does not parse (FILE:LINE: reason) or when none imports.\n";

static cb_phc_options opt;
static const cb_option options[] = {
    {.name = "first-paragraph", .kind = CB_OPT_FLAG, .target = &opt.first_paragraph,
     .help = "read only the first paragraph after the count line (up to the first blank line), as the original "
             "tool did; it keeps the original's systems and generators but drops the equations after a blank "
             "line"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "import-phc", .args = "OUTPUT_DIR FILE...", .min_args = 2, .max_args = -1,
    .description = description, .epilogue = epilogue, .options = options,
};

int cmd_import_phc(int argc, char **argv)
{
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *dir = pos.v[0];
    const char **files = pos.v + 1;
    int nfiles = pos.n - 1;

    /* keys are base names: refuse a clash before reading anything */
    cb_value seen = cb_dict_new((size_t)nfiles);
    for (int i = 0; i < nfiles; i++) {
        cb_value prev;
        const char *name = cb_phc_system_name(files[i]);
        if (cb_dict_get_str(seen, name, &prev))
            cb_die_msg("import-phc: %s and %s would both be system '%s' (keys are base names)",
                       cb_str_data(prev), files[i], name);
        cb_dict_set_str(seen, name, cb_str_c(files[i]));
    }
    cb_release(seen);

    cb_systems_out out;
    cb_systems_out_init(&out);
    json_object *meta = json_object_new_object(), *jfiles = json_object_new_array(),
                *skipped = json_object_new_object();
    cb_err err;
    for (int i = 0; i < nfiles; i++) {
        const char *name = cb_phc_system_name(files[i]);
        cb_value sys;
        int rc = cb_phc_read_file(files[i], &opt, &sys, &err);
        if (rc < 0)
            cb_die(&err);
        json_object_array_add(jfiles, json_object_new_string(files[i]));
        if (rc == CB_PHC_SKIPPED) {
            fprintf(stderr, "casbench: skipping %s: %s\n", name, err.msg);
            json_object_object_add(skipped, name, json_object_new_string(err.msg));
            continue;
        }
        if (cb_systems_add(&out, name, sys, &err) < 0)
            cb_die(&err);   /* cannot happen: names were checked above */
        cb_systems_add_call(&out, "groebner", 1, &name);
    }
    size_t imported = cb_len(out.polys), nskipped = (size_t)nfiles - imported;
    if (imported == 0)
        cb_die_msg("import-phc: no system imported (%zu skipped)", nskipped);

    json_object_object_add(meta, "source", json_object_new_string("casbench import-phc"));
    json_object_object_add(meta, "first_paragraph", json_object_new_boolean(opt.first_paragraph));
    json_object_object_add(meta, "files", jfiles);
    json_object_object_add(meta, "skipped", skipped);
    char *json = cb_xasprintf("%s\n", json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PRETTY));
    if (cb_dataset_write(dir, out.polys, out.run_list, json, &err) < 0)
        cb_die(&err);
    printf("imported %zu systems, skipped %zu; wrote %s/polys.pickle, run_list.pickle, dataset.json\n",
           imported, nskipped, dir);
    free(json);
    free(pos.v);
    json_object_put(meta);
    cb_systems_out_clear(&out);
    return 0;
}
