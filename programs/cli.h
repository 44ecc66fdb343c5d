/* cli.h — what every command file shares: the command signature, the table
 * entry, and the one way a command reports bad input (cb_die: one line on
 * stderr, exit 2).  Commands are thin: parse options (one table per command,
 * parse_options.h), call library code, print. */
#ifndef CB_CLI_H
#define CB_CLI_H

#include "common/error.h"

typedef int (*cb_cmd_fn)(int argc, char **argv);

typedef struct {
    const char *name;
    cb_cmd_fn fn;
    const char *summary;
} cb_command;

/* Print "casbench: MSG" and exit 2. */
_Noreturn void cb_die(const cb_err *err);
_Noreturn void cb_die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One declaration per file in programs/ (cmd_<name>.c). */
int cmd_gen(int argc, char **argv);
int cmd_describe(int argc, char **argv);
int cmd_systems(int argc, char **argv);
int cmd_import_phc(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_libraries(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_run_runner(int argc, char **argv);

/* `casbench describe PATH` (also `gen PATH --describe`): prints PATH's table. */
int cli_describe(const char *path);

#endif
