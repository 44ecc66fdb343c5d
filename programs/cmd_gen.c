/* cmd_gen.c — `casbench gen OUTPUT_DIR [options]`: random polynomial
 * datasets, seed for seed the ones the original Python generator wrote
 * (lib/data/gen.c), plus their run list (add, mult, divmod, resultant, gcd on
 * grouped pairs, leading_coefficient on each system) and a dataset.json
 * recording the seed and options of every gen run that made the dataset.
 * Everything is drawn in memory before anything is written; each file is
 * written to a temporary name and renamed. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "parse_options.h"
#include "data/dataset.h"
#include "data/gen.h"
#include "data/pickle.h"
#include "data/ranges.h"
#include "common/util.h"

static const char description[] =
    "Draws random polynomials exactly as the original generator did (Python's\n"
    "random.Random(seed), randrange) and writes OUTPUT_DIR/polys.pickle,\n"
    "OUTPUT_DIR/run_list.pickle and OUTPUT_DIR/dataset.json.  One system per\n"
    "combination of the options' values, keyed (generators, terms, exp_range,\n"
    "coeff_range), each holding N polynomials over x0, x1, ...\n\n"
    "A range R is comma-separated parts A, A-B or A-B:S meaning range(A, A+1),\n"
    "range(A, B), range(A, B, S) (the stop is exclusive); A, B, S are integer\n"
    "expressions with + * // % ** and parentheses, e.g. \"1-5, 6-13:2\", \"2**65-2**66\".\n\n"
    "The options' parts multiply: for each element of the product of the parts of\n"
    "--generators, --terms, --coefficients and --exponents (in that order), every\n"
    "value of its generators and terms parts gets a system, and run-list pairs are\n"
    "formed among that element's systems only, as the original did.\n\n"
    "'casbench gen POLYS.pickle --describe', the original's spelling, prints the\n"
    "table 'casbench describe POLYS.pickle' prints, and writes nothing.\n";

typedef struct {
    const char *dir;       /* OUTPUT_DIR, or with --describe the dataset */
    const char *text[4];   /* generators, terms, exponents, coefficients */
    const char *number, *seed;
    int groupby[4], ngroupby;
    bool groupby_given, append, describe;
    int verbose;
} gen_args;

/* the original's defaults (its cli.py) */
static const char *const defaults[4] = {"1-10", "50", "0-10,100-1000:101", "0-1000"};
static const char *option_names[4] = {"--generators", "--terms", "--exponents", "--coefficients"};

/* --groupby KEY...: the keys replace the default (gens terms), each once */
static int opt_groupby(const cb_option *opt, const char *value, cb_err *err)
{
    gen_args *a = opt->target;
    int f = cb_gen_field_parse(value);
    if (f < 0)
        return cb_fail(err, "--groupby: unknown key '%s' (--groupby takes gens terms exp_range coeff_range)", value);
    if (!a->groupby_given) {
        a->groupby_given = true;
        a->ngroupby = 0;
    }
    for (int k = 0; k < a->ngroupby; k++)
        if (a->groupby[k] == f)
            return cb_fail(err, "--groupby: '%s' given twice", value);
    a->groupby[a->ngroupby++] = f;
    return 0;
}

static gen_args args;
static const cb_option options[] = {
    {.name = "generators", .kind = CB_OPT_VALUE, .arg = "R", .target = &args.text[0],
     .help = "numbers of generators (default 1-10, i.e. 1 to 9)"},
    {.name = "terms", .kind = CB_OPT_VALUE, .arg = "R", .target = &args.text[1],
     .help = "terms drawn per polynomial (default 50); a term drawn onto an existing exponent replaces its "
             "coefficient"},
    {.name = "coefficients", .kind = CB_OPT_VALUE, .arg = "R", .target = &args.text[3],
     .help = "coefficient ranges (default 0-1000)"},
    {.name = "exponents", .kind = CB_OPT_VALUE, .arg = "R", .target = &args.text[2],
     .help = "exponent ranges (default 0-10,100-1000:101)"},
    {.name = "number", .kind = CB_OPT_VALUE, .arg = "N", .target = &args.number,
     .help = "polynomials per system (default 10)"},
    {.name = "groupby", .kind = CB_OPT_VALUES, .arg = "KEY", .fn = opt_groupby, .target = &args,
     .help = "run-list pairs are formed within groups of systems equal in these of gens terms exp_range "
             "coeff_range (default: gens terms)"},
    {.name = "seed", .kind = CB_OPT_VALUE, .arg = "S", .target = &args.seed,
     .help = "the seed (default: drawn from /dev/urandom and printed)"},
    {.name = "append", .kind = CB_OPT_FLAG, .target = &args.append,
     .help = "merge into the dataset in OUTPUT_DIR (new systems are added, equal keys replaced); each "
             "function's run-list entries are the old ones followed by the new ones"},
    {.name = "describe", .kind = CB_OPT_FLAG, .target = &args.describe,
     .help = "describe the dataset given instead of OUTPUT_DIR (a polys.pickle, or a directory holding one), as "
             "'casbench describe' does; nothing is drawn or written"},
    {.name = "verbose", .short_name = 'v', .kind = CB_OPT_COUNT, .target = &args.verbose,
     .help = "print each system as it is drawn"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "gen", .args = "OUTPUT_DIR", .min_args = 1, .max_args = 1,
    .description = description, .options = options,
};

static void parse_args(int argc, char **argv)
{
    args = (gen_args){.text = {defaults[0], defaults[1], defaults[2], defaults[3]}, .number = "10",
                      .groupby = {CB_GEN_GENS, CB_GEN_TERMS}, .ngroupby = 2};
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    args.dir = pos.v[0];
    free(pos.v);
    if (args.describe) {
        for (int k = 0; k < 4; k++)
            if (args.text[k] != defaults[k])
                cb_die_msg("gen: --describe describes a dataset and draws nothing: %s has no use", option_names[k]);
        if (args.seed || args.append || args.groupby_given || strcmp(args.number, "10"))
            cb_die_msg("gen: --describe describes a dataset and draws nothing: %s has no use",
                       args.seed ? "--seed" : args.append ? "--append" : args.groupby_given ? "--groupby" : "--number");
    }
}

/* A fresh seed: 63 random bits, so it prints as a plain positive number. */
static void draw_seed(mpz_t seed)
{
    uint64_t x = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, &x, sizeof x) != (ssize_t)sizeof x)
        cb_die_msg("gen: cannot read /dev/urandom for a seed: %s (give --seed)", strerror(errno));
    close(fd);
    mpz_set_ui(seed, (unsigned long)(x >> 1));
}

static void progress(void *ctx, cb_value key, long number)
{
    (void)ctx;
    char *r = cb_repr(key);
    fprintf(stderr, "gen: %s: %ld polynomials\n", r, number);
    free(r);
}

/* dataset.json: {"source": "casbench gen", "runs": [{seed, options}, ...]};
 * --append adds a run to the existing list. */
static char *dataset_json(const gen_args *a, const mpz_t seed, long number)
{
    json_object *root = NULL;
    if (a->append) {
        char *path = cb_xasprintf("%s/dataset.json", a->dir);
        root = json_object_from_file(path);
        free(path);
        if (root && !json_object_is_type(root, json_type_object)) {
            json_object_put(root);
            root = NULL;
        }
    }
    if (!root)
        root = json_object_new_object();
    json_object_object_add(root, "source", json_object_new_string("casbench gen"));
    json_object *runs = NULL;
    if (!json_object_object_get_ex(root, "runs", &runs) || !json_object_is_type(runs, json_type_array)) {
        runs = json_object_new_array();
        json_object_object_add(root, "runs", runs);
    }
    json_object *run = json_object_new_object();
    char *s = mpz_get_str(NULL, 10, seed);
    json_object_object_add(run, "seed", mpz_fits_slong_p(seed) ? json_object_new_int64(mpz_get_si(seed))
                                                               : json_object_new_string(s));
    free(s);
    json_object_object_add(run, "generators", json_object_new_string(a->text[0]));
    json_object_object_add(run, "terms", json_object_new_string(a->text[1]));
    json_object_object_add(run, "exponents", json_object_new_string(a->text[2]));
    json_object_object_add(run, "coefficients", json_object_new_string(a->text[3]));
    json_object_object_add(run, "number", json_object_new_int64(number));
    json_object *gb = json_object_new_array();
    for (int i = 0; i < a->ngroupby; i++)
        json_object_array_add(gb, json_object_new_string(cb_gen_field_name(a->groupby[i])));
    json_object_object_add(run, "groupby", gb);
    json_object_object_add(run, "append", json_object_new_boolean(a->append));
    json_object_array_add(runs, run);
    char *out = cb_xasprintf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
    json_object_put(root);
    return out;
}

static long parse_number(const char *text)
{
    mpz_t n;
    mpz_init(n);
    cb_err err;
    if (cb_int_expr_eval(text, n, &err) < 0)
        cb_die_msg("gen: --number: %s", err.msg);
    if (mpz_sgn(n) < 0 || !mpz_fits_slong_p(n) || mpz_cmp_ui(n, 2147483647UL) > 0)
        cb_die_msg("gen: --number: '%s' is not between 0 and 2**31-1", text);
    long v = mpz_get_si(n);
    mpz_clear(n);
    return v;
}

static size_t count_terms(cb_value polys, size_t *npolys)
{
    size_t terms = 0;
    *npolys = 0;
    for (size_t i = 0; i < cb_len(polys); i++) {
        cb_value ps = cb_item(cb_dict_val(polys, i), 1);
        *npolys += cb_len(ps);
        for (size_t j = 0; j < cb_len(ps); j++)
            terms += cb_len(cb_item(ps, j));
    }
    return terms;
}

/* --append onto an existing dataset, as the original did: the systems merge
 * as dict.update (an equal key keeps its place and gets the new value), the
 * run lists function by function, the old entries then the new ones. */
static void write_appended(const gen_args *a, cb_buf *fresh, cb_value drawn_rl, const char *json)
{
    cb_err err;
    char *ppath = cb_xasprintf("%s/polys.pickle", a->dir), *rpath = cb_xasprintf("%s/run_list.pickle", a->dir);
    cb_value polys, add, old_rl = cb_none();
    if (cb_dataset_load(ppath, &polys, &err) < 0)
        cb_die(&err);
    if (access(rpath, F_OK) == 0 && cb_runlist_load(rpath, polys, &old_rl, &err) < 0)
        cb_die(&err);
    if (cb_pickle_load(fresh->data, fresh->len, &add, &err) < 0)
        cb_die_msg("gen: internal error reading back the drawn dataset: %s", err.msg);
    cb_gen_merge(polys, add);
    cb_release(add);
    cb_value rl = old_rl.type == CB_DICT ? cb_gen_merge_run_lists(old_rl, drawn_rl) : cb_retain(drawn_rl);
    if (cb_dataset_write(a->dir, polys, rl, json, &err) < 0)
        cb_die(&err);
    size_t npolys, terms = count_terms(polys, &npolys);
    printf("wrote %s/polys.pickle (%zu systems, %zu polynomials, %zu terms), run_list.pickle, "
           "dataset.json\n", a->dir, cb_len(polys), npolys, terms);
    cb_release(old_rl);
    cb_release(rl);
    cb_release(polys);
    free(ppath);
    free(rpath);
}

static void write_fresh(const gen_args *a, cb_buf *fresh, cb_value keys, cb_value rl, const char *json)
{
    cb_err err;
    if (cb_dataset_write_pickled(a->dir, fresh->data, fresh->len, rl, json, &err) < 0)
        cb_die(&err);
    printf("wrote %s/polys.pickle (%zu systems, %zu bytes), run_list.pickle, dataset.json\n", a->dir,
           cb_len(keys), fresh->len);
}

int cmd_gen(int argc, char **argv)
{
    parse_args(argc, argv);
    if (args.describe)
        return cli_describe(args.dir);
    const gen_args *a = &args;
    cb_gen_options o;
    cb_err err;
    cb_ranges *ranges[4] = {&o.generators, &o.terms, &o.exponents, &o.coefficients};
    for (int k = 0; k < 4; k++)
        if (cb_ranges_parse(a->text[k], ranges[k], &err) < 0)
            cb_die_msg("gen: %s: %s", option_names[k], err.msg);
    o.number = parse_number(a->number);
    memcpy(o.groupby, a->groupby, sizeof o.groupby);
    o.ngroupby = a->ngroupby;
    mpz_init(o.seed);
    if (a->seed && cb_int_expr_eval(a->seed, o.seed, &err) < 0)
        cb_die_msg("gen: --seed: %s", err.msg);
    if (cb_gen_check(&o, &err) < 0)
        cb_die_msg("gen: %s", err.msg);
    if (!a->seed) {
        draw_seed(o.seed);
        gmp_printf("seed: %Zd\n", o.seed);
    }

    cb_buf fresh = {0};
    cb_value keys, rl;
    if (cb_gen_polys(&o, &fresh, &keys, &rl, a->verbose ? progress : NULL, NULL, &err) < 0)
        cb_die_msg("gen: %s", err.msg);
    char *json = dataset_json(a, o.seed, o.number);
    char *existing = cb_xasprintf("%s/polys.pickle", a->dir);
    if (a->append && access(existing, F_OK) == 0)
        write_appended(a, &fresh, rl, json);
    else
        write_fresh(a, &fresh, keys, rl, json);
    free(existing);
    free(json);
    cb_release(keys);
    cb_release(rl);
    cb_buf_free(&fresh);
    for (int k = 0; k < 4; k++)
        cb_ranges_free(ranges[k]);
    mpz_clear(o.seed);
    return 0;
}
