/* cmd_run.c — `casbench run`: parse and validate every option, load and
 * validate the dataset (or build the default suite), then hand over to the
 * run engine (lib/run.h) and print the summary table.  Nothing runs until
 * everything given is known to be good: a bad dataset, run list, library
 * name, venv or number is one line and exit status 2. */
#include "bounds.h"
#include "cli.h"
#include "dataset.h"
#include "functions.h"
#include "hostinfo.h"
#include "libraries.h"
#include "measure.h"
#include "paths.h"
#include "plan.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "runner.h"
#include "slurm.h"
#include "suite.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: casbench run [POLYS RUN_LIST OUTPUT] [options]\n"
    "\n"
    "Runs every library x environment x gc x mode over the run list, each as an\n"
    "isolated harness process, several at once, and writes a results directory\n"
    "OUTPUT/results_YYYY-MM-DD_HH-MM-SS/ (calls.jsonl, results.pickle, run.json,\n"
    "logs/).  Without POLYS RUN_LIST OUTPUT it runs the built-in default suite\n"
    "(random systems of a few sizes plus cyclic and katsura systems) on every\n"
    "available library into ./" CB_SUITE_OUTPUT "/, with --timeout 10.\n"
    "Without --venvs, Python libraries run in casbench's pinned venvs\n"
    "($CASBENCH_PREFIX, default /opt/casbench: venv-3.11, venv-3.12, venv-3.13, those\n"
    "that exist) and in python3 on PATH and /usr/bin/python3 where those are\n"
    "other environments.\n"
    "\n"
    "options (several values follow one option, as with argparse nargs='+'):\n"
    "  --run-list-filter F...   run only these functions of the run list\n"
    "  --benchmark              time the calls (the default mode)\n"
    "  --cpu-profiling          sample CPU profiles of the timed calls into the\n"
    "                           results' profiles/ (docs/profiling.md)\n"
    "  --cpu-profiler perf|samply  the sampling profiler (default perf)\n"
    "  --profile-rate HZ        samples per second (default 500)\n"
    "  --memory-profiling       track allocations (LD_PRELOAD tracker)\n"
    "  --memory-profiler casbench|memray  the memory profiler (default casbench's\n"
    "                           tracker; memray: Python harnesses where it imports)\n"
    "  --verify                 compute every result's digest, no timing\n"
    "  --libraries L...         library ids (default: every available library;\n"
    "                           'casbench libraries' lists them)\n"
    "  --venvs V...             Python environments: venv directories or Python\n"
    "                           executables (default: casbench's pinned venvs,\n"
    "                           python3 on PATH, /usr/bin/python3; see above)\n"
    "  --gc on off              gc settings for Python libraries (also True False;\n"
    "                           default: on)\n"
    "  --python-flags FLAGS     interpreter flags for Python harnesses, one word\n"
    "                           (quote several: --python-flags '-X dev')\n"
    "  --repeats N              timed repeats per call and round (default: 3 values per\n"
    "                           call in all: 1 per round with 3 rounds, 3 with one)\n"
    "  --cores N                runners at once (default: the usable CPUs)\n"
    "  --timeout S              limit per call: warm-up, calibration and all repeats\n"
    "                           (default 60; at most 1e6)\n"
    "  --startup-timeout S      limit for a harness's start-up: answering the probe, and\n"
    "                           loading the dataset up to its first record (default 120)\n"
    "  --memory-limit SIZE      memory each harness and each call may take beyond its\n"
    "                           start (512M, 4G, none; default: half the machine's\n"
    "                           memory divided by --cores); docs/run.md, \"Limits\"\n"
    "  --order lex|grevlex      monomial order for groebner (default lex)\n"
    "  --singular-ring integer|rational\n"
    "                           Singular's coefficients: ring r = integer (ZZ, the\n"
    "                           default) or ring r = 0 (QQ, as published Singular\n"
    "                           timings use; docs/external.md)\n"
    "  --warmup N               untimed executions of each call before its timed\n"
    "                           repeats (default 1; 0 in --memory-profiling unless\n"
    "                           given); the first one's time is kept as the cold time\n"
    "  --min-time auto|S        executions per timed repeat, calibrated in each call\n"
    "                           so that a repeat lasts at least S seconds (auto, the\n"
    "                           default: 0.01); 0: one execution per repeat.\n"
    "                           --warmup 0 --min-time 0 is the original's single shot\n"
    "                           (docs/measurement.md)\n"
    "  --rounds R               benchmark: run the run list R times, each round in a\n"
    "                           fresh harness, the rounds of the runners interleaved\n"
    "                           (default 3; docs/measurement.md)\n"
    "  --seed S                 the seed of each round's shuffled call order (default:\n"
    "                           drawn, recorded in run.json)\n"
    "  --pin                    give each runner a CPU of its own\n"
    "  --resume DIR             run only the calls of DIR without a record, appending\n"
    "                           to DIR (refused when DIR was run for another dataset,\n"
    "                           run list or options); 'run --resume DIR' alone repeats\n"
    "                           DIR's command, except --venvs, --python-flags and\n"
    "                           --slurm-args, which are taken only from the command\n"
    "                           line: 'run --resume DIR --venvs V...'\n"
    "  --executor local|slurm   where the runners run (default local: this machine);\n"
    "                           slurm: one Slurm job array, a task per runner\n"
    "                           (docs/slurm.md; OUTPUT must be on a shared filesystem)\n"
    "  --slurm-args \"ARGS\"      extra sbatch options (--partition=..., --time=...)\n"
    "  --shard-calls N          slurm: a task per N calls of a runner\n"
    "  --no-wait                slurm: submit and return; 'casbench collect DIR' merges\n"
    "  -v                       more output (-v -v: a line per call)\n"
    "\n"
    "Exit status: 0 when the run completed, 1 when a harness failed (its finished\n"
    "calls are kept), 2 on bad input, 130 when interrupted (finished calls kept,\n"
    "results.pickle written).\n";

typedef struct {
    const char *pos[3];
    int npos;
    const char **filter;
    int nfilter;
    const cb_library *libs[64];
    int nlibs;
    bool libs_given;
    const char **venvs;
    int nvenvs;
    bool gcs[2];
    int ngcs;
    cb_mode modes[4];
    int nmodes;
    const char *python_flags;
    const char *cpu_profiler;
    const char *mem_profiler;
    long profile_rate;
    long cores;
    double timeout, startup_timeout;
    cb_measure measure;
    const char *memory_limit;      /* as given, or NULL */
    const char *order;
    const char *singular_ring;
    bool pin;
    const char *resume;
    int verbose;
    bool slurm, no_wait;           /* --executor slurm, --no-wait */
    const char *slurm_args;
    long shard_calls;
} run_args;

static bool is_option(const char *w)
{
    return w[0] == '-' && w[1] && !(w[1] >= '0' && w[1] <= '9') && w[1] != '.';
}

/* The words after option I up to the next option; at least one. */
static int values(int argc, char **argv, int *i, const char ***out)
{
    const char *opt = argv[*i];
    int start = *i + 1, n = 0;
    while (start + n < argc && !is_option(argv[start + n]))
        n++;
    if (!n)
        cb_die_msg("%s needs at least one value", opt);
    *out = (const char **)&argv[start];
    *i += n;
    return n;
}

static const char *one_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        cb_die_msg("%s needs a value", argv[*i]);
    return argv[++*i];
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        cb_die_msg("%s: '%s' is not an integer from %ld to %ld", opt, s, min, max);
    return v;
}

/* Seconds from MIN to CB_MAX_SECONDS (lib/bounds.h): a larger value would
 * not fit the clocks' arithmetic, so it is refused rather than wrapped. */
static double parse_seconds(const char *opt, const char *s, double min)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < min)
        cb_die_msg("%s: '%s' is not a number of seconds >= %g", opt, s, min);
    if (v > CB_MAX_SECONDS)
        cb_die_msg("%s: '%s' is more than %g seconds (11.6 days), the longest limit casbench takes", opt, s,
                   CB_MAX_SECONDS);
    return v;
}

static bool parse_gc(const char *s)
{
    if (!strcasecmp(s, "on") || !strcasecmp(s, "true") || !strcmp(s, "1"))
        return true;
    if (!strcasecmp(s, "off") || !strcasecmp(s, "false") || !strcmp(s, "0"))
        return false;
    cb_die_msg("--gc: '%s' is not on, off, True or False", s);
}

static void add_mode(run_args *a, cb_mode m)
{
    for (int i = 0; i < a->nmodes; i++)
        if (a->modes[i] == m)
            return;
    a->modes[a->nmodes++] = m;
}

static void parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->timeout = -1;
    a->measure = cb_measure_defaults();
    a->startup_timeout = CB_STARTUP_TIMEOUT_DEFAULT;
    a->cores = 0;
    a->order = "lex";
    a->singular_ring = "integer";
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i], **vals;
        int n;
        if (!strcmp(w, "--run-list-filter")) {
            a->nfilter = values(argc, argv, &i, &a->filter);
        } else if (!strcmp(w, "--benchmark")) {
            add_mode(a, CB_MODE_BENCHMARK);
        } else if (!strcmp(w, "--cpu-profiling")) {
            add_mode(a, CB_MODE_CPU);
        } else if (!strcmp(w, "--memory-profiling")) {
            add_mode(a, CB_MODE_MEM);
        } else if (!strcmp(w, "--memory-profiler")) {
            a->mem_profiler = one_value(argc, argv, &i);
            if (strcmp(a->mem_profiler, "casbench") && strcmp(a->mem_profiler, "memray"))
                cb_die_msg("--memory-profiler: '%s' is not casbench or memray", a->mem_profiler);
            add_mode(a, CB_MODE_MEM);
        } else if (!strcmp(w, "--verify")) {
            add_mode(a, CB_MODE_VERIFY);
        } else if (!strcmp(w, "--libraries")) {
            n = values(argc, argv, &i, &vals);
            a->libs_given = true;
            for (int k = 0; k < n; k++) {
                const cb_library *lib = cb_library_find(vals[k]);
                if (!lib)
                    cb_die_msg("--libraries: unknown library '%s' (see 'casbench libraries')", vals[k]);
                for (int j = 0; j < a->nlibs; j++)
                    if (a->libs[j] == lib)
                        cb_die_msg("--libraries: '%s' is given twice", vals[k]);
                if (a->nlibs == 64)
                    cb_die_msg("--libraries: too many libraries");
                a->libs[a->nlibs++] = lib;
            }
        } else if (!strcmp(w, "--venvs")) {
            a->nvenvs = values(argc, argv, &i, &a->venvs);
        } else if (!strcmp(w, "--gc")) {
            n = values(argc, argv, &i, &vals);
            if (n > 2)
                cb_die_msg("--gc takes at most two settings (on off)");
            for (int k = 0; k < n; k++)
                a->gcs[k] = parse_gc(vals[k]);
            if (n == 2 && a->gcs[0] == a->gcs[1])
                cb_die_msg("--gc: '%s' is given twice", vals[1]);
            a->ngcs = n;
        } else if (!strcmp(w, "--python-flags")) {
            a->python_flags = one_value(argc, argv, &i);
        } else if (!strncmp(w, "--python-flags=", 15)) {
            a->python_flags = w + 15;
        } else if (!strcmp(w, "--cpu-profiler")) {
            a->cpu_profiler = one_value(argc, argv, &i);
            if (strcmp(a->cpu_profiler, "perf") && strcmp(a->cpu_profiler, "samply"))
                cb_die_msg("--cpu-profiler: '%s' is not perf or samply", a->cpu_profiler);
        } else if (!strcmp(w, "--profile-rate")) {
            a->profile_rate = parse_long(w, one_value(argc, argv, &i), 1, 100000);
        } else if (!strcmp(w, "--repeats")) {
            a->measure.repeats = (int)parse_long(w, one_value(argc, argv, &i), 1, 1000000);
        } else if (!strcmp(w, "--cores")) {
            a->cores = parse_long(w, one_value(argc, argv, &i), 1, 4096);
        } else if (!strcmp(w, "--timeout")) {
            a->timeout = parse_seconds(w, one_value(argc, argv, &i), 0);
            if (a->timeout <= 0)
                cb_die_msg("--timeout: must be more than 0 seconds");
        } else if (!strcmp(w, "--min-time")) {
            cb_err err;
            if (cb_measure_parse_min_time(one_value(argc, argv, &i), &a->measure, &err) < 0)
                cb_die(&err);
        } else if (!strcmp(w, "--warmup")) {
            a->measure.warmup = (int)parse_long(w, one_value(argc, argv, &i), 0, 1000000);
        } else if (!strcmp(w, "--rounds")) {
            a->measure.rounds = (int)parse_long(w, one_value(argc, argv, &i), 1, CB_MAX_ROUNDS);
        } else if (!strcmp(w, "--seed")) {
            cb_err err;
            if (cb_measure_parse_seed(one_value(argc, argv, &i), &a->measure, &err) < 0)
                cb_die(&err);
        } else if (!strcmp(w, "--startup-timeout")) {
            a->startup_timeout = parse_seconds(w, one_value(argc, argv, &i), 0);
            if (a->startup_timeout <= 0)
                cb_die_msg("--startup-timeout: must be more than 0 seconds");
        } else if (!strcmp(w, "--memory-limit")) {
            uint64_t bytes;
            cb_err e;
            a->memory_limit = one_value(argc, argv, &i);
            if (cb_parse_size(w, a->memory_limit, &bytes, &e) < 0)
                cb_die(&e);
        } else if (!strcmp(w, "--order")) {
            a->order = one_value(argc, argv, &i);
            if (strcmp(a->order, "lex") && strcmp(a->order, "grevlex"))
                cb_die_msg("--order: '%s' is not lex or grevlex", a->order);
        } else if (!strcmp(w, "--singular-ring")) {
            a->singular_ring = one_value(argc, argv, &i);
            if (strcmp(a->singular_ring, "integer") && strcmp(a->singular_ring, "rational"))
                cb_die_msg("--singular-ring: '%s' is not integer or rational", a->singular_ring);
        } else if (!strcmp(w, "--pin")) {
            a->pin = true;
        } else if (!strcmp(w, "--resume")) {
            a->resume = one_value(argc, argv, &i);
        } else if (!strcmp(w, "--executor")) {
            const char *x = one_value(argc, argv, &i);
            if (strcmp(x, "local") && strcmp(x, "slurm"))
                cb_die_msg("--executor: '%s' is not local or slurm", x);
            a->slurm = !strcmp(x, "slurm");
        } else if (!strcmp(w, "--slurm-args")) {
            a->slurm_args = one_value(argc, argv, &i);
        } else if (!strncmp(w, "--slurm-args=", 13)) {
            a->slurm_args = w + 13;
        } else if (!strcmp(w, "--shard-calls")) {
            a->shard_calls = parse_long(w, one_value(argc, argv, &i), 1, 100000000);
        } else if (!strcmp(w, "--no-wait")) {
            a->no_wait = true;
        } else if (!strcmp(w, "-v") || !strcmp(w, "--verbose")) {
            a->verbose++;
        } else if (!strcmp(w, "-vv")) {
            a->verbose += 2;
        } else if (is_option(w)) {
            cb_die_msg("run: unknown option '%s' (see 'casbench run --help')", w);
        } else {
            if (a->npos == 3)
                cb_die_msg("run: unexpected argument '%s' (POLYS RUN_LIST OUTPUT are already given)", w);
            a->pos[a->npos++] = w;
        }
    }
    if (a->npos != 0 && a->npos != 3)
        cb_die_msg("run needs POLYS RUN_LIST OUTPUT, or none of them for the default suite");
    if (!a->nmodes)
        add_mode(a, CB_MODE_BENCHMARK);
    if (!a->slurm && (a->slurm_args || a->shard_calls || a->no_wait))
        cb_die_msg("%s needs --executor slurm", a->slurm_args ? "--slurm-args" : a->shard_calls ? "--shard-calls" : "--no-wait");
    for (int m = 0; a->slurm && m < a->nmodes; m++)
        if (a->modes[m] == CB_MODE_CPU)
            cb_die_msg("--executor slurm: --cpu-profiling is not supported (its post-processing runs on the submitting machine)");
    if (a->slurm && a->pin)
        cb_die_msg("--executor slurm: --pin has no meaning (Slurm places the tasks; --slurm-args for binding)");
    if (!a->ngcs) {
        a->gcs[0] = true;
        a->ngcs = 1;
    }
}

/* Keep only the functions of --run-list-filter (in the run list's order). */
static cb_value filter_run_list(cb_value run_list, const char **filter, int n)
{
    if (!n)
        return cb_retain(run_list);
    for (int k = 0; k < n; k++) {
        if (!cb_function_find(filter[k]))
            cb_die_msg("--run-list-filter: unknown function '%s'", filter[k]);
        cb_value key = cb_str_c(filter[k]);
        bool present = cb_dict_find(run_list, key) >= 0;
        cb_release(key);
        if (!present)
            cb_die_msg("--run-list-filter: the run list has no '%s' entries", filter[k]);
    }
    cb_value out = cb_dict_new((size_t)n);
    for (size_t i = 0; i < cb_len(run_list); i++) {
        const char *name = cb_str_data(cb_dict_key(run_list, i));
        for (int k = 0; k < n; k++)
            if (!strcmp(name, filter[k]))
                cb_dict_set(out, cb_retain(cb_dict_key(run_list, i)), cb_retain(cb_dict_val(run_list, i)));
    }
    return out;
}

static char *absolute(const char *path)
{
    char buf[PATH_MAX];
    return realpath(path, buf) ? cb_xstrdup(buf) : cb_xstrdup(path);
}

/* ---------- `run --resume DIR` alone ---------- */

/* The options that name something casbench executes (an interpreter, its
 * flags, sbatch's options): a results directory is data, so they are never
 * taken from its run.json, only from the command line. */
static const char *const trusted_only[] = {"--venvs", "--python-flags", "--slurm-args"};

/* Which of trusted_only W is ("--venv" is the argparse prefix DESIGN §9
 * names; "--python-flags=..."), or -1. */
static int trusted_only_option(const char *w)
{
    size_t n = strcspn(w, "=");
    if (n == 6 && !strncmp(w, "--venv", 6))
        return 0;
    for (int k = 0; k < 3; k++)
        if (strlen(trusted_only[k]) == n && !strncmp(w, trusted_only[k], n))
            return k;
    return -1;
}

/* The words that option K at argv[*i] takes (with its own word), as
 * parse_args reads them: --venvs takes every word up to the next option,
 * the others one word (or "=VALUE"). */
static int option_words(int k, char **argv, int argc, int i)
{
    if (strchr(argv[i], '='))
        return 1;
    if (k != 0)
        return i + 1 < argc ? 2 : 1;
    int n = 1;
    while (i + n < argc && !is_option(argv[i + n]))
        n++;
    return n;
}

/* `run --resume DIR [--venvs V...] [--python-flags F] [--slurm-args A] [-v]`:
 * the command line DIR was run with, from its run.json (read as data:
 * strings only, each checked), without --resume and without the options of
 * trusted_only, which come from EXTRA (this command line) instead; a run
 * that used one of them cannot be resumed without it being given again.
 * *cwd: the run's working directory (to resolve its relative dataset paths
 * against; casbench does not chdir there), or NULL. */
static char **resume_argv(const char *dir, char **extra, int n_extra, int *argc_out, char **cwd)
{
    char *path = cb_xasprintf("%s/run.json", dir);
    cb_err err;
    json_object *j = cb_json_read_file(path, &err), *cmd, *wd;
    if (!j)
        cb_die_msg("--resume: %s; give the run's options again with --resume DIR", err.msg);
    if (!json_object_is_type(j, json_type_object) || !json_object_object_get_ex(j, "command_line", &cmd) ||
        !json_object_is_type(cmd, json_type_array) || !json_object_array_length(cmd))
        cb_die_msg("--resume: %s has no command line to repeat; give the run's options again", path);
    size_t n = json_object_array_length(cmd);
    for (size_t i = 0; i < n; i++)
        if (!json_object_is_type(json_object_array_get_idx(cmd, i), json_type_string))
            cb_die_msg("--resume: %s: command_line[%zu] is not a string", path, i);
    *cwd = json_object_object_get_ex(j, "cwd", &wd) && json_object_is_type(wd, json_type_string)
               ? cb_xstrdup(json_object_get_string(wd)) : NULL;
    bool given[3] = {false, false, false};
    for (int i = 0; i < n_extra; i++) {
        int k = trusted_only_option(extra[i]);
        if (k >= 0) {
            given[k] = true;
            i += option_words(k, extra, n_extra, i) - 1;
        } else if (strcmp(extra[i], "-v") && strcmp(extra[i], "-vv") && strcmp(extra[i], "--verbose")) {
            cb_die_msg("run --resume DIR takes only --venvs, --python-flags, --slurm-args and -v after it, not "
                       "'%s' (give the whole command line with --resume DIR to change other options)", extra[i]);
        }
    }
    char **recorded = cb_xcalloc(n + 1, sizeof *recorded);
    for (size_t i = 0; i < n; i++)
        recorded[i] = (char *)json_object_get_string(json_object_array_get_idx(cmd, i));
    char **argv = cb_xcalloc(n + (size_t)n_extra + 3, sizeof *argv);
    int argc = 0;
    cb_buf missing = {0};
    for (int i = 0; i < (int)n; i++) {
        const char *w = recorded[i];
        int k = trusted_only_option(w);
        if (k >= 0) {
            if (!given[k] && !strstr(missing.data ? missing.data : "", trusted_only[k]))
                cb_buf_printf(&missing, " %s ...", trusted_only[k]);
            i += option_words(k, recorded, (int)n, i) - 1;
            continue;
        }
        if (i > 0 && !strcmp(w, "--resume")) {
            i++;
            continue;
        }
        argv[argc++] = cb_xstrdup(w);
    }
    if (missing.len)
        cb_die_msg("--resume: %s was run with%s; a results directory is not trusted to say what casbench "
                   "executes: give them again on the command line (casbench run --resume %s%s)",
                   dir, missing.data, dir, missing.data);
    for (int i = 0; i < n_extra; i++)
        argv[argc++] = cb_xstrdup(extra[i]);

    argv[argc++] = cb_xstrdup("--resume");
    argv[argc++] = absolute(dir);
    free(recorded);
    free(path);
    json_object_put(j);
    *argc_out = argc;
    return argv;
}

/* A path of the recorded command line, relative to the run's directory. */
static const char *under(const char *cwd, const char *path, char **owned)
{
    if (!cwd || path[0] == '/')
        return path;
    return *owned = cb_xasprintf("%s/%s", cwd, path);
}

/* A default environment that exists but does not run: said, not fatal. */
static void note_env(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "casbench: left out: %s\n", msg);
}

/* The summary table of `casbench report` (lib/report.h); a failure to
 * summarise is not a failure of the run. */
static void print_summary(const cb_run_result *res)
{
    cb_err err;
    if (cb_report_summary(res->dir, stdout, &err) < 0)
        fprintf(stderr, "casbench: no summary: %s\n", err.msg);
}

int cmd_run(int argc, char **argv)
{
    if (cb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    char **owned_argv = NULL, *run_cwd = NULL, *owned_pos[2] = {NULL, NULL};
    if (argc >= 3 && !strcmp(argv[1], "--resume")) {
        owned_argv = resume_argv(argv[2], argv + 3, argc - 3, &argc, &run_cwd);
        argv = owned_argv;
    }
    run_args a;
    parse_args(argc, argv, &a);
    for (int k = 0; k < 2 && a.npos; k++)
        a.pos[k] = under(run_cwd, a.pos[k], &owned_pos[k]);
    cb_err err;

    int usable = cb_host_usable_cpus();
    if (!a.cores)
        a.cores = usable;
    if (a.pin && a.cores > usable)
        cb_die_msg("--pin: --cores %ld needs %ld CPUs of its own, but only %d are usable", a.cores, a.cores, usable);

    /* Python environments: every one given must be a working interpreter;
     * without --venvs, the default ones (lib/libraries.h). */
    bool need_python = !a.libs_given;
    for (int i = 0; i < a.nlibs; i++)
        need_python |= cb_library_is_python(a.libs[i]) && !a.libs[i]->interpreter;
    cb_pyenv *envs;
    int nvenvs = a.nvenvs;
    if (a.nvenvs) {
        envs = cb_xcalloc((size_t)nvenvs, sizeof *envs);
        for (int i = 0; i < nvenvs; i++)
            if (cb_pyenv_resolve(a.venvs[i], &envs[i], &err) < 0)
                cb_die(&err);
    } else {
        nvenvs = (int)cb_pyenv_defaults(&envs, note_env, NULL);
        if (!nvenvs && need_python)
            cb_die_msg("no Python environment: no venv in %s (tools/install-deps.sh builds them), no python3 on "
                       "PATH, no /usr/bin/python3; give one with --venvs", cb_prefix());
        if (!nvenvs)   /* no Python library asked for: a placeholder */
            envs[nvenvs++] = (cb_pyenv){cb_xstrdup("python3"), cb_xstrdup("python3"), cb_xstrdup("?"),
                                        cb_xstrdup("python3 ?"), cb_xstrdup("?")};
    }

    /* The dataset, or the default suite. */
    cb_value polys, run_list;
    json_object *dataset = json_object_new_object(), *seeds = NULL;
    const char *output;
    bool suite = a.npos == 0;
    if (!suite) {
        if (cb_dataset_load(a.pos[0], &polys, &err) < 0 || cb_runlist_load(a.pos[1], polys, &run_list, &err) < 0)
            cb_die(&err);
        for (int k = 0; k < 2; k++) {
            char *abs = absolute(a.pos[k]);
            json_object_object_add(dataset, k ? "run_list" : "polys", json_object_new_string(abs));
            free(abs);
        }
        output = a.pos[2];
    } else {
        json_object_put(dataset);
        if (cb_suite_build(&polys, &run_list, &dataset, &seeds, &err) < 0)
            cb_die(&err);
        output = CB_SUITE_OUTPUT;
        if (a.timeout < 0)
            a.timeout = CB_SUITE_TIMEOUT;
    }
    cb_value filtered = filter_run_list(run_list, a.filter, a.nfilter);
    if (!cb_runlist_count(filtered))
        cb_die_msg("the run list has no calls%s", a.nfilter ? " after --run-list-filter" : "");

    /* Every library, or the ones asked for. */
    const cb_library *all[64];
    const cb_library *const *libs = a.libs;
    size_t nlibs = (size_t)a.nlibs;
    if (!a.libs_given) {
        nlibs = 0;
        for (int i = 0; i < cb_n_libraries; i++)
            if (!cb_libraries[i].hidden)
                all[nlibs++] = &cb_libraries[i];
        libs = all;
    }

    uint64_t memory_limit = cb_default_memory_limit((int)a.cores);
    if (a.memory_limit && cb_parse_size("--memory-limit", a.memory_limit, &memory_limit, &err) < 0)
        cb_die(&err);

    cb_run_opts o = {
        .polys = polys, .run_list = filtered, .libs = libs, .n_libs = nlibs,
        .envs = envs, .n_envs = (size_t)nvenvs, .gcs = a.gcs, .n_gcs = (size_t)a.ngcs,
        .modes = a.modes, .n_modes = (size_t)a.nmodes, .python_flags = a.python_flags,
        .cpu_profiler = a.cpu_profiler, .profile_rate = (int)a.profile_rate, .mem_profiler = a.mem_profiler,
        .cores = (int)a.cores,
        .timeout = a.timeout > 0 ? a.timeout : 60, .measure = a.measure, .grace = 1.0,
        .startup_timeout = a.startup_timeout, .memory_limit = memory_limit, .memory_limit_given = a.memory_limit,
        .order = a.order, .singular_ring = a.singular_ring, .pin = a.pin, .verbose = a.verbose,
        .output = output, .resume_dir = a.resume, .argc = argc, .argv = argv,
        .only_available = !a.libs_given, .dataset = dataset, .seeds = seeds, .log = stderr,
    };
    /* --executor slurm (lib/slurm.h): the same run, its runners as a job array */
    char exe[PATH_MAX];
    cb_slurm_opts so = {
        .slurm_args = a.slurm_args, .shard_calls = (size_t)a.shard_calls, .no_wait = a.no_wait,
        .casbench = realpath("/proc/self/exe", exe) ? exe : argv[0], .run_list = filtered, .log = stderr,
    };
    cb_executor slurm = {cb_slurm_execute, &so};
    if (a.slurm)
        o.executor = &slurm;
    /* bad sbatch options are refused before a results directory exists */
    if (a.slurm && cb_slurm_check_args(a.slurm_args, &err) < 0)
        cb_die(&err);
    if (a.resume && cb_slurm_is_slurm_dir(a.resume) && cb_slurm_prepare_resume(a.resume, &err) < 0)
        cb_die(&err);
    cb_run_result res;
    if (cb_run(&o, &res, &err) < 0)
        cb_die(&err);
    if (res.signo && !res.dir)
        fprintf(stderr, "casbench: interrupted while probing the libraries; nothing was run\n");
    else if (res.signo)
        fprintf(stderr, "casbench: interrupted; the finished calls are in %s (resume with --resume)\n", res.dir);
    else if (res.pending)
        fprintf(stderr, "casbench: submitted; when the job has run: casbench collect %s\n", res.dir);
    else
        print_summary(&res);
    if (res.dir)
        fprintf(stderr, "casbench: results in %s\n", res.dir);

    if (res.runners_failed)
        fprintf(stderr, "casbench: %zu runner%s failed; see %s/logs/\n", res.runners_failed,
                res.runners_failed == 1 ? "" : "s", res.dir);

    int status = res.signo ? 130 : res.runners_failed ? 1 : 0;
    free(res.dir);
    cb_release(filtered);
    cb_release(run_list);
    cb_release(polys);
    json_object_put(dataset);
    json_object_put(seeds);
    for (int i = 0; i < nvenvs; i++)
        cb_pyenv_free(&envs[i]);
    free(envs);
    if (owned_argv) {
        for (int i = 0; i < argc; i++)
            free(owned_argv[i]);
        free(owned_argv);
    }
    free(run_cwd);
    free(owned_pos[0]);
    free(owned_pos[1]);
    return status;
}
