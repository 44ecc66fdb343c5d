/* cmd_systems.c — `casbench systems OUTPUT_DIR NAME-N...`: writes the
 * standard benchmark families (lib/data/systems.c) as a dataset and a run list.
 * Everything is built in memory first, so a bad spec leaves no file. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data/dataset.h"
#include "parse_options.h"
#include "data/systems.h"
#include "common/util.h"

static const char description[] =
    "Builds standard benchmark systems from their definitions and writes\n"
    "OUTPUT_DIR/polys.pickle (key NAME-N -> (gens, polys)), a run list\n"
    "OUTPUT_DIR/run_list.pickle (groebner on each ideal; mult, divmod, gcd or\n"
    "factor on the literature problems, docs/literature.md), and\n"
    "OUTPUT_DIR/dataset.json (how it was made).  Definitions: docs/systems.md.\n";

/* The families, after the options: the registry says which exist. */
static void families(FILE *f)
{
    size_t n;
    const cb_family *fams = cb_families(&n);
    fprintf(f, "families:\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %-12s %s", fams[i].synopsis, fams[i].summary);
        /* parameter ranges in synopsis order, e.g. "(1-30, 1-30)" */
        for (int j = 0; j < fams[i].nparams; j++)
            fprintf(f, "%s%ld-%ld", j ? ", " : " (", fams[i].min[j], fams[i].max[j]);
        fprintf(f, "%s\n", fams[i].nparams ? ")" : "");
    }
    fprintf(f, "\nexample: casbench systems out cyclic-6 katsura-5 noon-4 eco-6\n");
}

static const cb_option options[] = {{0}};
static const cb_cmd_spec spec = {
    .name = "systems", .args = "OUTPUT_DIR NAME-N...", .min_args = 2, .max_args = -1,
    .description = description, .more_help = families, .options = options,
};

/* Counts the terms of every polynomial of a system (gens, polys). */
static size_t system_terms(cb_value sys)
{
    cb_value polys = cb_item(sys, 1);
    size_t terms = 0;
    for (size_t i = 0; i < cb_len(polys); i++)
        terms += cb_len(cb_item(polys, i));
    return terms;
}

int cmd_systems(int argc, char **argv)
{
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    const char *dir = pos.v[0];
    cb_systems_out out;
    cb_systems_out_init(&out);
    cb_err err;
    json_object *meta = json_object_new_object(), *specs = json_object_new_array();
    json_object_object_add(meta, "source", json_object_new_string("casbench systems"));
    for (int i = 1; i < pos.n; i++) {
        if (cb_systems_build(pos.v[i], &out, &err) < 0)
            cb_die(&err);
        json_object_array_add(specs, json_object_new_string(pos.v[i]));
    }
    json_object_object_add(meta, "systems", specs);
    const char *json = json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PRETTY);
    char *json_nl = cb_xasprintf("%s\n", json);
    if (cb_dataset_write(dir, out.polys, out.run_list, json_nl, &err) < 0)
        cb_die(&err);
    for (size_t i = 0; i < cb_len(out.polys); i++) {
        cb_value sys = cb_dict_val(out.polys, i);
        printf("%s: %zu generators, %zu polynomials, %zu terms\n",
               cb_str_data(cb_dict_key(out.polys, i)), cb_len(cb_item(sys, 0)),
               cb_len(cb_item(sys, 1)), system_terms(sys));
    }
    printf("wrote %s/polys.pickle, run_list.pickle, dataset.json (%zu systems)\n", dir,
           cb_len(out.polys));
    free(json_nl);
    free(pos.v);
    json_object_put(meta);
    cb_systems_out_clear(&out);
    return 0;
}
