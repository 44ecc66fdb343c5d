/* cmd_run.c — `casbench run`: the option table, `run --resume DIR` alone
 * (the recorded command line, less what names something to execute), then
 * lib/run/run_setup.h (the defaults, the dataset or the default suite, the
 * libraries and environments: all checked before anything runs), the run
 * engine (lib/run/run.h) and the summary table.  Bad input is one line and exit
 * status 2. */
#include "common/bounds.h"
#include "cli.h"
#include "run/libraries.h"
#include "run/measure.h"
#include "parse_options.h"
#include "common/process.h"
#include "report/report.h"
#include "run/run.h"
#include "run/run_setup.h"
#include "run/slurm.h"
#include "data/suite.h"
#include "common/util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char description[] =
    "Runs every library x environment x gc x mode over the run list, each as an\n"
    "isolated harness process, several at once, and writes a results directory\n"
    "OUTPUT/results_YYYY-MM-DD_HH-MM-SS/ (calls.jsonl, results.pickle, run.json,\n"
    "logs/).  Without POLYS RUN_LIST OUTPUT it runs the built-in default suite\n"
    "(random systems of a few sizes plus cyclic and katsura systems) on every\n"
    "available library into ./" CB_SUITE_OUTPUT "/, with --timeout 10.\n"
    "Without --venvs, Python libraries run in casbench's pinned venvs\n"
    "($CASBENCH_PREFIX, default /opt/casbench: venv-3.11, venv-3.12, venv-3.13, those\n"
    "that exist) and in python3 on PATH and /usr/bin/python3 where those are\n"
    "other environments.\n";

static const char epilogue[] =
    "Exit status: 0 when the run completed, 1 when a harness failed (its finished\n"
    "calls are kept), 2 on bad input, 130 when interrupted (finished calls kept,\n"
    "results.pickle written).\n";

/* What the command line says: straight into the run's options where it
 * needs no looking up, into the request (lib/run/run_setup.h) where it does. */
typedef struct {
    cb_run_opts o;
    cb_run_request req;
    cb_optlist filter, venvs;
    const cb_library *libs[64];
    size_t nlibs;
    bool gcs[2];
    size_t ngcs;
    cb_mode modes[4];
    size_t nmodes;
    long profile_rate, warmup, rounds, repeats;   /* -1: not given */
    const char *executor;
    bool no_wait;
    const char *slurm_args;
    long shard_calls;
} run_args;

static void add_mode(run_args *a, cb_mode m)
{
    for (size_t i = 0; i < a->nmodes; i++)
        if (a->modes[i] == m)
            return;
    a->modes[a->nmodes++] = m;
}

/* The modes in the order given (run.json keeps them so). */
static int opt_mode(const cb_option *opt, const char *value, cb_err *err)
{
    (void)err;
    run_args *a = opt->target;
    if (!strcmp(opt->name, "memory-profiler"))
        a->o.mem_profiler = value;
    add_mode(a, !strcmp(opt->name, "benchmark") ? CB_MODE_BENCHMARK
                : !strcmp(opt->name, "cpu-profiling") ? CB_MODE_CPU
                : !strcmp(opt->name, "verify") ? CB_MODE_VERIFY : CB_MODE_MEM);
    return 0;
}

static int opt_library(const cb_option *opt, const char *value, cb_err *err)
{
    run_args *a = opt->target;
    const cb_library *lib = cb_library_find(value);
    if (!lib)
        return cb_fail(err, "--libraries: unknown library '%s' (see 'casbench libraries')", value);
    for (size_t j = 0; j < a->nlibs; j++)
        if (a->libs[j] == lib)
            return cb_fail(err, "--libraries: '%s' is given twice", value);
    if (a->nlibs == sizeof a->libs / sizeof *a->libs)
        return cb_fail(err, "--libraries: too many libraries");
    a->libs[a->nlibs++] = lib;
    return 0;
}

/* on/off, or True/False as the original's argparse eval'd them */
static int opt_gc(const cb_option *opt, const char *value, cb_err *err)
{
    run_args *a = opt->target;
    bool on;
    if (!strcasecmp(value, "on") || !strcasecmp(value, "true") || !strcmp(value, "1"))
        on = true;
    else if (!strcasecmp(value, "off") || !strcasecmp(value, "false") || !strcmp(value, "0"))
        on = false;
    else
        return cb_fail(err, "--gc: '%s' is not on, off, True or False", value);
    if (a->ngcs == 2)
        return cb_fail(err, "--gc takes at most two settings (on off)");
    if (a->ngcs == 1 && a->gcs[0] == on)
        return cb_fail(err, "--gc: '%s' is given twice", value);
    a->gcs[a->ngcs++] = on;
    return 0;
}

/* Seconds, more than 0 and at most CB_MAX_SECONDS (lib/common/bounds.h): a larger
 * value would not fit the clocks' arithmetic, so it is refused, not wrapped. */
static int opt_seconds(const cb_option *opt, const char *value, cb_err *err)
{
    char *end;
    double v = strtod(value, &end);
    if (end == value || *end || !isfinite(v) || v < 0)
        return cb_fail(err, "--%s: '%s' is not a number of seconds >= 0", opt->name, value);
    if (v > CB_MAX_SECONDS)
        return cb_fail(err, "--%s: '%s' is more than %g seconds (11.6 days), the longest limit casbench takes",
                       opt->name, value, CB_MAX_SECONDS);
    if (v <= 0)
        return cb_fail(err, "--%s: must be more than 0 seconds", opt->name);
    *(double *)opt->target = v;
    return 0;
}

static int opt_min_time(const cb_option *opt, const char *value, cb_err *err)
{
    return cb_measure_parse_min_time(value, opt->target, err);
}

static int opt_seed(const cb_option *opt, const char *value, cb_err *err)
{
    return cb_measure_parse_seed(value, opt->target, err);
}

static int opt_memory_limit(const cb_option *opt, const char *value, cb_err *err)
{
    uint64_t bytes;
    if (cb_parse_size("--memory-limit", value, &bytes, err) < 0)
        return -1;
    *(const char **)opt->target = value;
    return 0;
}

/* The table: one row per option, in the order --help lists them. */
static run_args args;
static const cb_option options[] = {
    {.name = "run-list-filter", .alias = "run_list_filter", .kind = CB_OPT_VALUES, .arg = "F",
     .target = &args.filter, .help = "run only these functions of the run list"},
    {.name = "benchmark", .kind = CB_OPT_FLAG, .fn = opt_mode, .target = &args,
     .help = "time the calls (the default mode)"},
    {.name = "cpu-profiling", .kind = CB_OPT_FLAG, .fn = opt_mode, .target = &args,
     .help = "sample CPU profiles of the timed calls into the results' profiles/ (docs/profiling.md)"},
    {.name = "cpu-profiler", .kind = CB_OPT_VALUE, .choices = "perf|samply", .target = &args.o.cpu_profiler,
     .help = "the sampling profiler (default perf)"},
    {.name = "profile-rate", .kind = CB_OPT_INT, .arg = "HZ", .min = 1, .max = 100000, .target = &args.profile_rate,
     .help = "samples per second (default 500)"},
    {.name = "memory-profiling", .kind = CB_OPT_FLAG, .fn = opt_mode, .target = &args,
     .help = "track allocations (LD_PRELOAD tracker)"},
    {.name = "memory-profiler", .kind = CB_OPT_VALUE, .choices = "casbench|memray", .fn = opt_mode, .target = &args,
     .help = "the memory profiler (default casbench's tracker; memray: Python harnesses where it imports); "
             "implies --memory-profiling"},
    {.name = "verify", .kind = CB_OPT_FLAG, .fn = opt_mode, .target = &args,
     .help = "compute every result's digest, no timing"},
    {.name = "libraries", .kind = CB_OPT_VALUES, .arg = "L", .fn = opt_library, .target = &args,
     .help = "library ids (default: every available library; 'casbench libraries' lists them)"},
    {.name = "venvs", .kind = CB_OPT_VALUES, .arg = "V", .target = &args.venvs, .flags = CB_OPT_EXECUTES,
     .help = "Python environments: venv directories (relative to the current directory, as the original "
             "took them) or Python executables (a name without '/' that is not a directory is looked up on "
             "PATH); default: casbench's pinned venvs, python3 on PATH, /usr/bin/python3 (see above)"},
    {.name = "gc", .kind = CB_OPT_VALUES, .arg = "on|off", .fn = opt_gc, .target = &args,
     .help = "gc settings for Python libraries, one or both (also True False; default: on)"},
    {.name = "python-flags", .kind = CB_OPT_VALUE, .arg = "FLAGS", .target = &args.o.python_flags,
     .flags = CB_OPT_EXECUTES,
     .help = "interpreter flags for Python harnesses, one word (quote several: --python-flags '-X dev')"},
    {.name = "repeats", .kind = CB_OPT_INT, .arg = "N", .min = 1, .max = 1000000, .target = &args.repeats,
     .help = "timed repeats per call and round (default 3; a round's value is its fastest repeat)"},
    {.name = "cores", .kind = CB_OPT_INT, .arg = "N", .min = 1, .max = 4096, .target = &args.req.cores,
     .help = "runners at once (default: the usable CPUs)"},
    {.name = "timeout", .kind = CB_OPT_VALUE, .arg = "S", .fn = opt_seconds, .target = &args.req.timeout,
     .help = "limit per call: warm-up, calibration and all repeats (default 60; at most 1e6)"},
    {.name = "startup-timeout", .kind = CB_OPT_VALUE, .arg = "S", .fn = opt_seconds, .target = &args.o.startup_timeout,
     .help = "limit for a harness's start-up: answering the probe, and loading the dataset up to its first "
             "record (default 120)"},
    {.name = "memory-limit", .kind = CB_OPT_VALUE, .arg = "SIZE", .fn = opt_memory_limit,
     .target = &args.req.memory_limit,
     .help = "memory each harness and each call may take beyond its start (512M, 4G, none; default: half the "
             "machine's memory divided by --cores); docs/run.md, \"Limits\""},
    {.name = "order", .kind = CB_OPT_VALUE, .choices = "lex|grevlex", .target = &args.o.order,
     .help = "monomial order for groebner (default lex)"},
    {.name = "singular-ring", .kind = CB_OPT_VALUE, .choices = "integer|rational", .target = &args.o.singular_ring,
     .help = "Singular's coefficients: ring r = integer (ZZ, the default) or ring r = 0 (QQ, as published "
             "Singular timings use; docs/external.md)"},
    {.name = "warmup", .kind = CB_OPT_INT, .arg = "N", .min = 0, .max = 1000000, .target = &args.warmup,
     .help = "untimed executions of each call before its timed repeats (default 1; 0 in --memory-profiling "
             "unless given); the first one's time is kept as the cold time"},
    {.name = "min-time", .kind = CB_OPT_VALUE, .arg = "auto|S", .fn = opt_min_time, .target = &args.o.measure,
     .help = "executions per timed repeat, calibrated in each call so that a repeat lasts at least S seconds "
             "(auto, the default: 0.01); 0: one execution per repeat. --warmup 0 --min-time 0 is the "
             "original's single shot (docs/measurement.md)"},
    {.name = "rounds", .kind = CB_OPT_INT, .arg = "R", .min = 1, .max = CB_MAX_ROUNDS, .target = &args.rounds,
     .help = "benchmark: run the run list R times, each round in a fresh harness, the rounds of the runners "
             "interleaved (default 3; docs/measurement.md)"},
    {.name = "seed", .kind = CB_OPT_VALUE, .arg = "S", .fn = opt_seed, .target = &args.o.measure,
     .help = "the seed of each round's shuffled call order (default: drawn, recorded in run.json)"},
    {.name = "pin", .kind = CB_OPT_FLAG, .target = &args.o.pin, .help = "give each runner a CPU of its own"},
    {.name = "resume", .kind = CB_OPT_VALUE, .arg = "DIR", .target = &args.o.resume_dir,
     .help = "run only the calls of DIR without a record, appending to DIR (refused when DIR was run for "
             "another dataset, run list or options); 'run --resume DIR' alone repeats DIR's command, except "
             "--venvs, --python-flags and --slurm-args, which are taken only from the command line: "
             "'run --resume DIR --venvs V...'"},
    {.name = "executor", .kind = CB_OPT_VALUE, .choices = "local|slurm", .target = &args.executor,
     .help = "where the runners run (default local: this machine); slurm: one Slurm job array, a task per "
             "runner (docs/slurm.md; OUTPUT must be on a shared filesystem)"},
    {.name = "slurm-args", .kind = CB_OPT_VALUE, .arg = "\"ARGS\"", .target = &args.slurm_args,
     .flags = CB_OPT_EXECUTES, .help = "extra sbatch options (--partition=..., --time=...)"},
    {.name = "shard-calls", .kind = CB_OPT_INT, .arg = "N", .min = 1, .max = 100000000, .target = &args.shard_calls,
     .help = "slurm: a task per N calls of a runner"},
    {.name = "no-wait", .kind = CB_OPT_FLAG, .target = &args.no_wait,
     .help = "slurm: submit and return; 'casbench collect DIR' merges"},
    {.name = "verbose", .short_name = 'v', .kind = CB_OPT_COUNT, .target = &args.o.verbose,
     .help = "more output (-v -v: a line per call)"},
    {0},
};
static const cb_cmd_spec spec = {
    .name = "run", .args = "[POLYS RUN_LIST OUTPUT]", .max_args = 3,
    .description = description, .epilogue = epilogue, .options = options,
};

/* ---------- `run --resume DIR` alone ---------- */

/* Whether SPANS are `--resume DIR` first and options only: the short form
 * that repeats DIR's recorded command line. */
static bool resume_alone(const cb_opt_span *spans, size_t n)
{
    if (!n || !spans[0].opt || !spans[0].opt->name || strcmp(spans[0].opt->name, "resume"))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!spans[i].opt)
            return false;
    return true;
}

/* What may follow `run --resume DIR`: the options that name something to
 * execute (never taken from DIR) and -v. */
static bool allowed_after_resume(const cb_option *opt)
{
    return (opt->flags & CB_OPT_EXECUTES) || opt->kind == CB_OPT_COUNT;
}

/* `run --resume DIR [--venvs V...] [--python-flags F] [--slurm-args A] [-v]`
 * (ARGV, read as SPANS): the command line DIR was run with (lib/run/run_setup.h),
 * without --resume and without the options marked CB_OPT_EXECUTES, which
 * come from this command line instead; a run that used one of them cannot
 * be resumed without it being given again.  *cwd: the run's working
 * directory, or NULL. */
static char **resume_argv(int argc, char **argv, const cb_opt_span *spans, size_t nspans, int *argc_out, char **cwd)
{
    const char *dir = spans[0].inline_value ? spans[0].inline_value : argv[spans[0].first + 1];
    char d[64];
    for (size_t i = 1; i < nspans; i++) {
        if (allowed_after_resume(spans[i].opt))
            continue;
        cb_buf allowed = {0};
        for (const cb_option *o = spec.options; o->name; o++)
            if (allowed_after_resume(o))
                cb_buf_printf(&allowed, "%s%s", allowed.len ? ", " : "", cb_opt_display(o, d));
        cb_die_msg("run --resume DIR takes only %s after it, not '%s' (give the whole command line with "
                   "--resume DIR to change other options)", allowed.data, argv[spans[i].first]);
    }

    char **recorded;
    int nrec;
    cb_err err;
    if (cb_run_recorded_command(dir, &recorded, &nrec, cwd, &err) < 0)
        cb_die(&err);
    cb_opt_span *rs;
    size_t nrs;
    if (cb_opt_scan(&spec, nrec, recorded, &rs, &nrs, &err) < 0)
        cb_die_msg("--resume: %s/run.json: its command line does not parse: %s", dir, err.msg);
    /* this command line's options first: after the recorded words they
     * would be positional if the recorded line has a "--" */
    char **out = cb_xcalloc((size_t)(nrec + argc + 3), sizeof *out), abs[PATH_MAX];
    int n = 0;
    out[n++] = cb_xstrdup(recorded[0]);
    for (int k = spans[0].first + spans[0].n; k < argc; k++)
        out[n++] = cb_xstrdup(argv[k]);
    out[n++] = cb_xstrdup("--resume");
    out[n++] = cb_xstrdup(realpath(dir, abs) ? abs : dir);
    cb_buf missing = {0};
    for (size_t i = 0; i < nrs; i++) {
        const cb_option *o = rs[i].opt;
        if (o && (o->flags & CB_OPT_EXECUTES)) {
            bool given = false;
            for (size_t k = 1; k < nspans; k++)
                given |= spans[k].opt == o;
            char *name = cb_xasprintf(" %s ...", cb_opt_display(o, d));
            if (!given && !strstr(missing.data ? missing.data : "", name))
                cb_buf_puts(&missing, name);
            free(name);
        } else if (!o || o != spans[0].opt) {   /* all but --resume */
            for (int k = 0; k < rs[i].n; k++)
                out[n++] = cb_xstrdup(recorded[rs[i].first + k]);
        }
    }
    if (missing.len)
        cb_die_msg("--resume: %s was run with%s; a results directory is not trusted to say what casbench "
                   "executes: give them again on the command line (casbench run --resume %s%s)",
                   dir, missing.data, dir, missing.data);
    free(rs);
    cb_argv_free(recorded);
    *argc_out = n;
    return out;
}

/* ---------- the run ---------- */

/* A default environment that exists but does not run: said, not fatal. */
static void note_env(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "casbench: left out: %s\n", msg);
}

/* Combinations of options that cannot work, before anything runs. */
static void check_combinations(const run_args *a, bool slurm)
{
    if (!slurm && (a->slurm_args || a->shard_calls || a->no_wait))
        cb_die_msg("%s needs --executor slurm",
                   a->slurm_args ? "--slurm-args" : a->shard_calls ? "--shard-calls" : "--no-wait");
    for (size_t m = 0; slurm && m < a->nmodes; m++)
        if (a->modes[m] == CB_MODE_CPU)
            cb_die_msg("--executor slurm: --cpu-profiling is not supported (its post-processing runs on the "
                       "submitting machine)");
    if (slurm && a->o.pin)
        cb_die_msg("--executor slurm: --pin has no meaning (Slurm places the tasks; --slurm-args for binding)");
}

/* The summary table of `casbench report` (lib/report/report.h); a failure to
 * summarise is not a failure of the run. */
static void print_summary(const cb_run_result *res)
{
    cb_err err;
    if (cb_report_summary(res->dir, stdout, &err) < 0)
        fprintf(stderr, "casbench: no summary: %s\n", err.msg);
}

static void stop_now(const char *what)
{
    fprintf(stderr, "casbench: %s\n", what);
    exit(130);
}

int cmd_run(int argc, char **argv)
{
    /* Ctrl-C and SIGTERM stop a run cleanly from its first step: blocked
     * here, they are seen by the environment checks, the probes and the
     * pool (each kills what it started) and turned into exit 130. */
    cb_block_stop_signals();
    args.o.measure = cb_measure_defaults();
    args.warmup = args.rounds = args.repeats = -1;
    cb_help_if_asked(&spec, argc, argv);
    char **owned_argv = NULL, *run_cwd = NULL;
    cb_opt_span *spans;
    size_t nspans;
    cb_err err;
    if (cb_opt_scan(&spec, argc, argv, &spans, &nspans, &err) == 0 && resume_alone(spans, nspans)) {
        owned_argv = resume_argv(argc, argv, spans, nspans, &argc, &run_cwd);
        argv = owned_argv;
    }
    free(spans);
    cb_optlist pos = cb_parse_options(&spec, argc, argv);
    if (pos.n != 0 && pos.n != 3)
        cb_die_msg("run needs POLYS RUN_LIST OUTPUT, or none of them for the default suite");
    bool slurm = args.executor && !strcmp(args.executor, "slurm");
    check_combinations(&args, slurm);

    cb_run_opts *o = &args.o;
    cb_run_request *req = &args.req;
    if (pos.n) {
        req->polys = pos.v[0];
        req->run_list = pos.v[1];
        req->output = pos.v[2];
    }
    req->base_dir = run_cwd;
    req->filter = args.filter.v;
    req->n_filter = (size_t)args.filter.n;
    req->libs = args.libs;
    req->n_libs = args.nlibs;
    req->venvs = args.venvs.v;
    req->n_venvs = (size_t)args.venvs.n;
    req->note = note_env;
    o->gcs = args.gcs;
    o->n_gcs = args.ngcs;
    o->modes = args.modes;
    o->n_modes = args.nmodes;
    o->profile_rate = (int)args.profile_rate;
    if (args.warmup >= 0)
        o->measure.warmup = (int)args.warmup;
    if (args.rounds >= 0)
        o->measure.rounds = (int)args.rounds;
    if (args.repeats >= 0)
        o->measure.repeats = (int)args.repeats;
    o->argc = argc;
    o->argv = argv;
    o->log = stderr;
    int setup = cb_run_setup(req, o, &err);
    if (cb_stop_pending())
        stop_now("interrupted while checking the environments and the dataset; nothing was run");
    if (setup < 0)
        cb_die(&err);

    /* --executor slurm (lib/run/slurm.h): the same run, its runners as a job array */
    char exe[PATH_MAX];
    cb_slurm_opts so = {
        .slurm_args = args.slurm_args, .shard_calls = (size_t)args.shard_calls, .no_wait = args.no_wait,
        .casbench = realpath("/proc/self/exe", exe) ? exe : argv[0], .run_list = o->run_list, .log = stderr,
    };
    cb_backend slurm_backend = {cb_slurm_execute, &so};
    if (slurm)
        o->backend = &slurm_backend;
    /* bad sbatch options are refused before a results directory exists */
    if (slurm && cb_slurm_check_args(args.slurm_args, &err) < 0)
        cb_die(&err);
    if (o->resume_dir && cb_slurm_is_slurm_dir(o->resume_dir) && cb_slurm_prepare_resume(o->resume_dir, &err) < 0)
        cb_die(&err);
    cb_run_result res;
    if (cb_run(o, &res, &err) < 0)
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
    cb_run_setup_free(req);
    free(pos.v);
    free(args.filter.v);
    free(args.venvs.v);
    cb_argv_free(owned_argv);
    free(run_cwd);
    return status;
}
