/* casbench.c — the entry point: one table of commands, dispatch by name.
 * Each command lives in programs/cmd_<name>.c and is a thin layer over
 * lib/ (see docs/architecture.md). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CASBENCH_VERSION
#define CASBENCH_VERSION "0.1.0"
#endif

static const cb_command commands[] = {
    {"gen", cmd_gen, "generate a random dataset (polys.pickle + run_list.pickle)"},
    {"describe", cmd_describe, "print a table describing a dataset"},
    {"systems", cmd_systems, "write standard benchmark systems (cyclic-6, katsura-5, ...)"},
    {"import-phc", cmd_import_phc, "import PHCpack-format polynomial systems"},
    {"run", cmd_run, "run benchmarks / profiles over libraries"},
    {"libraries", cmd_libraries, "list libraries and whether they are available"},
    {"report", cmd_report, "tables and plots from a results directory"},
    {"compare", cmd_compare, "compare two results directories"},
    {"collect", cmd_collect, "merge a Slurm run's records (after run --executor slurm --no-wait)"},
    {"run-runner", cmd_run_runner, "run one Slurm array task of a results directory (used by sbatch)"},
};

_Noreturn void cb_die(const cb_err *err)
{
    fprintf(stderr, "casbench: %s\n", err->msg);
    exit(2);
}

_Noreturn void cb_die_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("casbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: casbench COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'casbench COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("casbench %s\n", CASBENCH_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "casbench: unknown command '%s' (see 'casbench --help')\n", argv[1]);
    return 2;
}
