/* parse_options.h — the CLI's one option parser, in the manner of git's
 * parse-options: each command declares its options in one table of
 * cb_option rows (name, kind of argument, help text, where the value goes);
 * cb_parse_options reads the command line by that table the way the
 * original tool's argparse read its command lines, and the command's --help
 * is printed from the same table, so the two cannot disagree.  Adding an
 * option is adding a row.  docs/cli.md says the rules for users:
 *
 *   --name VALUE, --name=VALUE   a long option's value
 *   --na                         an unambiguous prefix of a long name (argparse's
 *                                abbreviations: --venv for --venvs); an exact name
 *                                always wins; an ambiguous prefix is an error that
 *                                names the options it could be
 *   -o FILE, -oFILE, -vv         short options; flags and counts cluster
 *   --name V1 V2 ...             CB_OPT_VALUES (argparse nargs='+'): the words up to
 *                                the next word that is an option, or "--";
 *                                "--name=V1" gives that one value
 *   --                           ends the options: every later word is positional
 *   -1, -.5, "-X dev"            a word of '-' then a digit or '.', or one holding a
 *                                space, is a value, not an option (as argparse)
 * A one-value option takes the next word whatever it looks like, as git
 * does (--slurm-args "--time=10", --python-flags -B).  A VALUES option given
 * twice gets both lists (argparse's "extend"); a one-value option given
 * twice keeps the last.  Bad input is one line "casbench: CMD: ..." and exit
 * status 2; -h/--help prints the help on stdout and exits 0. */
#ifndef CB_PARSE_OPTIONS_H
#define CB_PARSE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

typedef enum {
    CB_OPT_FLAG,     /* no value: *(bool *)target = true */
    CB_OPT_COUNT,    /* no value, repeatable: ++*(int *)target (-v -v, -vv) */
    CB_OPT_VALUE,    /* one value: *(const char **)target (choices: one of them) */
    CB_OPT_INT,      /* one integer from min to max: *(long *)target */
    CB_OPT_VALUES,   /* one or more values: appended to *(cb_optlist *)target */
} cb_opt_kind;

/* Words taken from argv (not copied); v is malloc'd: free(list.v). */
typedef struct {
    const char **v;
    int n;
} cb_optlist;

enum {
    CB_OPT_HIDDEN = 1,     /* left out of --help and the synopsis */
    /* The value names something casbench executes (an interpreter, its
     * flags, sbatch's options): `run --resume DIR` never takes it from the
     * command line a results directory recorded, only from the one typed. */
    CB_OPT_EXECUTES = 2,
};

typedef struct cb_option cb_option;

/* Called for each value (NULL for a flag or count) instead of storing it in
 * target; opt->target is then the function's context.  Returns 0, or -1
 * with a one-line message in err. */
typedef int (*cb_opt_fn)(const cb_option *opt, const char *value, cb_err *err);

struct cb_option {
    const char *name;      /* long name without "--" ("run-list-filter"); NULL: none */
    char short_name;       /* 'v' for -v, or 0 */
    cb_opt_kind kind;
    void *target;
    const char *arg;       /* the value's name in the help ("N", "L"); default: choices */
    const char *help;      /* wrapped to the terminal; "\n" starts a new line */
    cb_opt_fn fn;          /* optional, see cb_opt_fn */
    const char *choices;   /* CB_OPT_VALUE: the values allowed, "lex|grevlex" */
    long min, max;         /* CB_OPT_INT: the range */
    const char *alias;     /* another long name ("run_list_filter", the original's) */
    unsigned flags;        /* CB_OPT_HIDDEN, CB_OPT_EXECUTES */
};

/* A command: what its --help says around the table. */
typedef struct {
    const char *name;          /* "gen" */
    const char *args;          /* positionals in the synopsis: "OUTPUT_DIR", "[POLYS RUN_LIST OUTPUT]" */
    int min_args, max_args;    /* how many positionals (max_args -1: no limit) */
    const char *description;   /* after the synopsis: what the command does */
    const char *epilogue;      /* after the options (exit status, ...), or NULL */
    void (*more_help)(FILE *f);   /* printed last (systems: the families), or NULL */
    const cb_option *options;  /* ended by a row without name and short_name */
} cb_cmd_spec;

/* Reads ARGV[1..ARGC) (argv[0] is the command's name) by SPEC: stores every
 * option, returns the positional words in order (as many as SPEC allows).
 * Exits 0 after printing the help when asked; exits 2 with one line on bad
 * input. */
cb_optlist cb_parse_options(const cb_cmd_spec *spec, int argc, char **argv);

/* Prints SPEC's help: the synopsis, the description, the options, the
 * epilogue. */
void cb_print_help(const cb_cmd_spec *spec, FILE *f);

/* When ARGV asks for help (-h or --help, as an option, or anywhere before
 * "--" when the command line does not parse), prints it and exits 0. */
void cb_help_if_asked(const cb_cmd_spec *spec, int argc, char **argv);

/* How cb_parse_options reads argv, word by word, without storing anything:
 * an option with its words argv[first .. first+n), or a positional word
 * (opt NULL, n 1).  "--" itself is a span with opt NULL and is_end set. */
typedef struct {
    const cb_option *opt;
    int first, n;
    int count;             /* FLAG, COUNT: how many times (-vv: 2) */
    const char *inline_value;   /* "--name=V" or "-oV": V */
    bool is_end;
} cb_opt_span;

/* Splits argv[1..argc) into spans; -1 with a one-line message (starting
 * "CMD: ") for an unknown or ambiguous option or a missing value.  The help
 * option is a span of cb_opt_help.  *spans is malloc'd. */
int cb_opt_scan(const cb_cmd_spec *spec, int argc, char **argv, cb_opt_span **spans, size_t *n, cb_err *err);
extern const cb_option cb_opt_help;

/* A ready cb_opt_fn: text, markdown (md), csv or json into
 * *(cb_table_format *)opt->target (lib/report/table.h). */
int cb_opt_table_format(const cb_option *opt, const char *value, cb_err *err);

/* "--name" or "-x": how an option is written in messages. */
const char *cb_opt_display(const cb_option *opt, char buf[64]);

#endif
