/* memray.c — can memray profile this runner? (see memray.h)
 *
 * Asks the runner's own interpreter: `PYTHON -c "import memray"` (for
 * SageMath `sage --python -c ...`), stderr captured, 30 s at most.  The
 * answer is cached per interpreter: several runners share one. */
#define _GNU_SOURCE
#include "run/memray.h"

#include <stdlib.h>
#include <string.h>

#include "common/process.h"
#include "common/util.h"

typedef struct {
    char *python;
    const char *reason;   /* NULL: importable */
} memray_answer;

static memray_answer answers[64];   /* reachable until exit: the reasons are borrowed */
static size_t n_answers;

/* The last non-empty line of text (the exception, for a traceback). */
static char *last_line(const char *text)
{
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return cb_xasprintf("%.*s", (int)(end - start), start);
}

const char *cb_memray_unavailable(const cb_library *lib, char *const *argv)
{
    if (!cb_library_is_python(lib) || !argv || !argv[0])
        return "memray profiles Python processes only; use the built-in tracker (--memory-profiling)";
    for (size_t i = 0; i < n_answers; i++)
        if (!strcmp(answers[i].python, argv[0]))
            return answers[i].reason;
    char *cmd[5];
    size_t k = 0;
    cmd[k++] = argv[0];
    if (lib->interpreter)
        cmd[k++] = "--python";
    cmd[k++] = "-c";
    cmd[k++] = "import memray";
    cmd[k] = NULL;
    cb_spawn c = {.argv = cmd, .in.kind = CB_IO_NULL, .out.kind = CB_IO_NULL, .err.kind = CB_IO_PIPE,
                  .group = CB_SPAWN_NEW_GROUP, .timeout = 30, .capture_max = 65536};
    cb_err err;
    if (cb_spawn_run(&c, &err) < 0)
        cb_buf_puts(&c.err_buf, err.msg);
    const char *reason = NULL;
    if (!cb_spawn_ok(&c.status)) {
        char *why = c.status.timed_out ? cb_xstrdup("timed out") : last_line(cb_spawn_text(&c.err_buf));
        reason = cb_xasprintf("memray is not importable by %s: %s", argv[0], *why ? why : "import failed");
        free(why);
    }
    cb_spawn_clear(&c);
    if (n_answers < sizeof answers / sizeof answers[0])
        answers[n_answers++] = (memray_answer){ cb_xstrdup(argv[0]), reason };
    return reason;
}
