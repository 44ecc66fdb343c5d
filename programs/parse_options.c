/* parse_options.c — the CLI's one option parser and help printer (see
 * parse_options.h for the rules).  Reading is two steps: cb_opt_scan splits
 * argv into spans (an option with its words, or a positional word) without
 * storing anything, which is also what `run --resume DIR` uses to take a
 * recorded command line apart; cb_parse_options then stores each span's
 * values by its row's kind. */
#include "parse_options.h"

#include "cli.h"
#include "report/table.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* -h/--help: every command has it, so it is not in the commands' tables. */
const cb_option cb_opt_help = {.name = "help", .short_name = 'h', .kind = CB_OPT_FLAG,
                               .help = "show this help and exit"};

#define FOR_ROWS(spec, o) for (const cb_option *o = (spec)->options; o->name || o->short_name; o++)

const char *cb_opt_display(const cb_option *opt, char buf[64])
{
    if (opt->name)
        snprintf(buf, 64, "--%s", opt->name);
    else
        snprintf(buf, 64, "-%c", opt->short_name);
    return buf;
}

/* ---------- what a word is ---------- */

typedef enum { W_POSITIONAL, W_END, W_LONG, W_SHORT, W_UNKNOWN, W_AMBIGUOUS } word_class;

/* A negative number or a word with a space is a value (argparse's rule):
 * "-1", "-.5", "-5-5", "-X dev". */
static bool value_like(const char *w)
{
    return (w[1] >= '0' && w[1] <= '9') || w[1] == '.' || strchr(w, ' ');
}

static bool name_is(const char *name, const char *s, size_t n)
{
    return name && strlen(name) == n && !strncmp(name, s, n);
}

static bool name_starts(const char *name, const char *s, size_t n)
{
    return name && !strncmp(name, s, n);
}

/* The row of a long option "--NAME[=VALUE]": an exact name (or alias)
 * first, then the one row that NAME is a prefix of.  Several: W_AMBIGUOUS
 * with them in *cands (at most 16). */
static word_class find_long(const cb_cmd_spec *spec, const char *w, const cb_option **row, const cb_option **cands,
                            size_t *ncands)
{
    const char *name = w + 2;
    size_t n = strcspn(name, "=");
    *ncands = 0;
    if (!n)
        return W_UNKNOWN;
    if (name_is(cb_opt_help.name, name, n)) {
        *row = &cb_opt_help;
        return W_LONG;
    }
    FOR_ROWS(spec, o)
        if (name_is(o->name, name, n) || name_is(o->alias, name, n)) {
            *row = o;
            return W_LONG;
        }
    if (name_starts(cb_opt_help.name, name, n))
        cands[(*ncands)++] = &cb_opt_help;
    FOR_ROWS(spec, o)
        if ((name_starts(o->name, name, n) || name_starts(o->alias, name, n)) && *ncands < 16)
            cands[(*ncands)++] = o;
    if (*ncands == 1) {
        *row = cands[0];
        return W_LONG;
    }
    return *ncands ? W_AMBIGUOUS : strchr(w, ' ') ? W_POSITIONAL : W_UNKNOWN;
}

static const cb_option *find_short(const cb_cmd_spec *spec, char c)
{
    if (c == cb_opt_help.short_name)
        return &cb_opt_help;
    FOR_ROWS(spec, o)
        if (o->short_name && o->short_name == c)
            return o;
    return NULL;
}

static word_class classify(const cb_cmd_spec *spec, const char *w, const cb_option **row, const cb_option **cands,
                           size_t *ncands)
{
    *ncands = 0;
    if (w[0] != '-' || !w[1])
        return W_POSITIONAL;
    if (!strcmp(w, "--"))
        return W_END;
    if (w[1] == '-')
        return find_long(spec, w, row, cands, ncands);
    if ((*row = find_short(spec, w[1])))
        return W_SHORT;
    return value_like(w) ? W_POSITIONAL : W_UNKNOWN;
}

/* ---------- scanning ---------- */

static void push(cb_opt_span **spans, size_t *n, cb_opt_span s)
{
    *spans = cb_xrealloc(*spans, (*n + 1) * sizeof **spans);
    (*spans)[(*n)++] = s;
}

static bool takes_value(const cb_option *o)
{
    return o->kind == CB_OPT_VALUE || o->kind == CB_OPT_INT || o->kind == CB_OPT_VALUES;
}

/* The span of option O at argv[i], its value inline (INLINE_VALUE, may be
 * NULL) or in the next words. */
static int option_span(const cb_cmd_spec *spec, const cb_option *o, int argc, char **argv, int i,
                       const char *inline_value, cb_opt_span *s, cb_err *err)
{
    char d[64];
    *s = (cb_opt_span){.opt = o, .first = i, .n = 1, .count = 1, .inline_value = inline_value};
    if (!takes_value(o)) {
        if (inline_value)
            return cb_fail(err, "%s: %s takes no value (not '%s')", spec->name, cb_opt_display(o, d), argv[i]);
        return 0;
    }
    if (inline_value)
        return 0;
    if (o->kind != CB_OPT_VALUES) {
        if (i + 1 >= argc)
            return cb_fail(err, "%s: %s needs a value", spec->name, cb_opt_display(o, d));
        s->n = 2;
        return 0;
    }
    /* nargs='+': the words up to the next one that is an option or "--" */
    const cb_option *row, *cands[16];
    size_t nc;
    int k = i + 1;
    while (k < argc && classify(spec, argv[k], &row, cands, &nc) == W_POSITIONAL)
        k++;
    if (k == i + 1)
        return cb_fail(err, "%s: %s needs at least one value", spec->name, cb_opt_display(o, d));
    s->n = k - i;
    return 0;
}

int cb_opt_scan(const cb_cmd_spec *spec, int argc, char **argv, cb_opt_span **spans, size_t *n, cb_err *err)
{
    *spans = NULL;
    *n = 0;
    bool ended = false;
    for (int i = 1; i < argc;) {
        const char *w = argv[i];
        const cb_option *row = NULL, *cands[16];
        size_t nc;
        word_class c = ended ? W_POSITIONAL : classify(spec, w, &row, cands, &nc);
        cb_opt_span s;
        switch (c) {
        case W_POSITIONAL:
        case W_END:
            push(spans, n, (cb_opt_span){.first = i, .n = 1, .is_end = c == W_END});
            ended |= c == W_END;
            i++;
            break;
        case W_UNKNOWN:
            return cb_fail(err, "%s: unknown option '%s' (see 'casbench %s --help')", spec->name, w, spec->name);
        case W_AMBIGUOUS: {
            cb_buf b = {0};
            for (size_t k = 0; k < nc; k++)
                cb_buf_printf(&b, "%s--%s", k ? ", " : "", cands[k]->name);
            cb_fail(err, "%s: ambiguous option '%.*s' could be %s", spec->name, (int)strcspn(w, "="), w, b.data);
            cb_buf_free(&b);
            return -1;
        }
        case W_LONG: {
            const char *eq = strchr(w, '=');
            if (option_span(spec, row, argc, argv, i, eq ? eq + 1 : NULL, &s, err) < 0)
                return -1;
            push(spans, n, s);
            i += s.n;
            break;
        }
        case W_SHORT:
            /* a cluster: -vv, -v -o FILE as -voFILE */
            for (int j = 1; w[j]; j++) {
                if (!(row = find_short(spec, w[j])))
                    return cb_fail(err, "%s: unknown option '-%c' in '%s' (see 'casbench %s --help')", spec->name,
                                   w[j], w, spec->name);
                if (!takes_value(row)) {
                    if (*n && (*spans)[*n - 1].opt == row && (*spans)[*n - 1].first == i)
                        (*spans)[*n - 1].count++;
                    else
                        push(spans, n, (cb_opt_span){.opt = row, .first = i, .n = 1, .count = 1});
                    continue;
                }
                if (option_span(spec, row, argc, argv, i, w[j + 1] ? w + j + 1 : NULL, &s, err) < 0)
                    return -1;
                push(spans, n, s);
                break;
            }
            i += *n && (*spans)[*n - 1].first == i ? (*spans)[*n - 1].n : 1;
            break;
        }
    }
    return 0;
}

/* ---------- storing ---------- */

/* "lex|grevlex" -> "lex or grevlex" */
static char *choices_text(const char *choices)
{
    cb_buf b = {0};
    size_t total = 0;
    for (const char *p = choices; *p; p += strcspn(p, "|"), p += *p == '|')
        total++;
    size_t k = 0;
    for (const char *p = choices; *p; k++) {
        size_t len = strcspn(p, "|");
        cb_buf_printf(&b, "%s%.*s", k == 0 ? "" : k + 1 == total ? " or " : ", ", (int)len, p);
        p += len;
        p += *p == '|';
    }
    return cb_buf_take(&b);
}

static bool is_choice(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && !strncmp(p, v, n))
            return true;
        p += len;
        p += *p == '|';
    }
    return false;
}

static int store_value(const cb_option *o, const char *v, cb_err *err)
{
    char d[64];
    if (o->choices && !is_choice(o->choices, v)) {
        char *t = choices_text(o->choices);
        cb_fail(err, "%s: '%s' is not %s", cb_opt_display(o, d), v, t);
        free(t);
        return -1;
    }
    if (o->fn)
        return o->fn(o, v, err);
    if (o->kind == CB_OPT_INT) {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < o->min || x > o->max)
            return cb_fail(err, "%s: '%s' is not an integer from %ld to %ld", cb_opt_display(o, d), v, o->min, o->max);
        *(long *)o->target = x;
    } else if (o->kind == CB_OPT_VALUES) {
        cb_optlist *l = o->target;
        l->v = cb_xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
        l->v[l->n++] = v;
    } else {
        *(const char **)o->target = v;
    }
    return 0;
}

static int store(const cb_opt_span *s, char **argv, cb_err *err)
{
    const cb_option *o = s->opt;
    switch (o->kind) {
    case CB_OPT_FLAG:
    case CB_OPT_COUNT:
        for (int k = 0; k < s->count; k++) {
            if (o->fn) {
                if (o->fn(o, NULL, err) < 0)
                    return -1;
            } else if (o->kind == CB_OPT_FLAG) {
                *(bool *)o->target = true;
            } else {
                ++*(int *)o->target;
            }
        }
        return 0;
    case CB_OPT_VALUE:
    case CB_OPT_INT:
        return store_value(o, s->inline_value ? s->inline_value : argv[s->first + 1], err);
    case CB_OPT_VALUES:
        if (s->inline_value)
            return store_value(o, s->inline_value, err);
        for (int k = 1; k < s->n; k++)
            if (store_value(o, argv[s->first + k], err) < 0)
                return -1;
        return 0;
    }
    return 0;
}

int cb_opt_table_format(const cb_option *opt, const char *value, cb_err *err)
{
    static const struct {
        const char *name;
        cb_table_format format;
    } formats[] = {{"text", CB_TABLE_TEXT}, {"markdown", CB_TABLE_MARKDOWN}, {"md", CB_TABLE_MARKDOWN},
                   {"csv", CB_TABLE_CSV}, {"json", CB_TABLE_JSON}};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (!strcmp(value, formats[i].name)) {
            *(cb_table_format *)opt->target = formats[i].format;
            return 0;
        }
    return cb_fail(err, "--format: '%s' is not text, markdown, csv or json", value);
}

/* Is there a -h or --help before "--"?  For a command line that does not
 * parse: help wins over the error, as with argparse. */
static bool help_word(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
}

void cb_help_if_asked(const cb_cmd_spec *spec, int argc, char **argv)
{
    cb_opt_span *spans;
    size_t n;
    cb_err err;
    bool asked = false;
    if (cb_opt_scan(spec, argc, argv, &spans, &n, &err) < 0)
        asked = help_word(argc, argv);
    for (size_t i = 0; i < n && !asked; i++)
        asked = spans[i].opt == &cb_opt_help;
    free(spans);
    if (asked) {
        cb_print_help(spec, stdout);
        exit(fflush(stdout) == 0 ? 0 : 2);
    }
}

cb_optlist cb_parse_options(const cb_cmd_spec *spec, int argc, char **argv)
{
    cb_help_if_asked(spec, argc, argv);
    cb_opt_span *spans;
    size_t n;
    cb_err err;
    if (cb_opt_scan(spec, argc, argv, &spans, &n, &err) < 0)
        cb_die(&err);
    cb_optlist pos = {cb_xcalloc((size_t)argc, sizeof *pos.v), 0};
    for (size_t i = 0; i < n; i++) {
        if (!spans[i].opt) {
            if (!spans[i].is_end)
                pos.v[pos.n++] = argv[spans[i].first];
        } else if (store(&spans[i], argv, &err) < 0) {
            cb_die_msg("%s: %s", spec->name, err.msg);
        }
    }
    free(spans);
    if (spec->max_args >= 0 && pos.n > spec->max_args)
        cb_die_msg("%s: unexpected argument '%s' (usage: casbench %s %s)", spec->name, pos.v[spec->max_args],
                   spec->name, spec->args);
    if (pos.n < spec->min_args)
        cb_die_msg("%s needs %s (see 'casbench %s --help')", spec->name, spec->args, spec->name);
    return pos;
}

/* ---------- help ---------- */

enum { HELP_WIDTH = 79, NAME_COLUMN = 26 };

/* TEXT wrapped into lines of at most WIDTH - INDENT columns, each after
 * INDENT spaces; the first line starts at column *COL (already printed).
 * "\n" in TEXT starts a new line. */
static void wrap(FILE *f, const char *text, int indent, int col)
{
    const char *p = text;
    bool first_word = true;
    while (*p) {
        if (*p == '\n') {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            first_word = true;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        int len = (int)strcspn(p, " \n");
        if (!first_word && col + 1 + len > HELP_WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            first_word = true;
        }
        col += fprintf(f, "%s%.*s", first_word ? "" : " ", len, p);
        first_word = false;
        p += len;
    }
    fputc('\n', f);
}

/* "--name ARG", "--name ARG...", "-v, --verbose", "-o, --output FILE" */
static char *option_words(const cb_option *o)
{
    const char *arg = o->arg ? o->arg : o->choices ? o->choices : "VALUE";
    cb_buf b = {0};
    if (o->short_name)
        cb_buf_printf(&b, "-%c%s", o->short_name, o->name ? ", " : "");
    if (o->name)
        cb_buf_printf(&b, "--%s", o->name);
    if (takes_value(o))
        cb_buf_printf(&b, " %s%s", arg, o->kind == CB_OPT_VALUES ? "..." : "");
    return cb_buf_take(&b);
}

/* The synopsis entry: "[--name ARG]", "[-v]", "[-o FILE]" (the short form when there is one) */
static char *synopsis_words(const cb_option *o)
{
    const char *arg = o->arg ? o->arg : o->choices ? o->choices : "VALUE";
    cb_buf b = {0};
    if (o->short_name)
        cb_buf_printf(&b, "[-%c", o->short_name);
    else
        cb_buf_printf(&b, "[--%s", o->name);
    if (takes_value(o))
        cb_buf_printf(&b, " %s%s", arg, o->kind == CB_OPT_VALUES ? "..." : "");
    cb_buf_puts(&b, "]");
    return cb_buf_take(&b);
}

static void print_synopsis(const cb_cmd_spec *spec, FILE *f)
{
    int indent = fprintf(f, "usage: casbench %s", spec->name), col = indent;
    indent = indent + 1 > 40 ? 8 : indent + 1;
    if (spec->args && *spec->args)
        col += fprintf(f, " %s", spec->args);
    FOR_ROWS(spec, o) {
        if (o->flags & CB_OPT_HIDDEN)
            continue;
        char *w = synopsis_words(o);
        int len = (int)strlen(w);
        if (col + 1 + len > HELP_WIDTH) {
            fprintf(f, "\n%*s%s", indent, "", w);
            col = indent + len;
        } else {
            col += fprintf(f, " %s", w);
        }
        free(w);
    }
    fputc('\n', f);
}

static void print_option(const cb_option *o, FILE *f)
{
    char *words = option_words(o);
    int col = fprintf(f, "  %s", words);
    free(words);
    if (col + 2 > NAME_COLUMN) {
        fprintf(f, "\n%*s", NAME_COLUMN, "");
    } else {
        fprintf(f, "%*s", NAME_COLUMN - col, "");
    }
    char *text = o->alias ? cb_xasprintf("%s (also --%s)", o->help ? o->help : "", o->alias)
                          : cb_xstrdup(o->help ? o->help : "");
    wrap(f, text, NAME_COLUMN, NAME_COLUMN);
    free(text);
}

void cb_print_help(const cb_cmd_spec *spec, FILE *f)
{
    print_synopsis(spec, f);
    if (spec->description)
        fprintf(f, "\n%s", spec->description);
    bool several = false;
    FOR_ROWS(spec, o)
        several |= o->kind == CB_OPT_VALUES;
    fprintf(f, "\noptions (a unique prefix will do%s):\n", several ? "; X...: the words up to the next option" : "");
    FOR_ROWS(spec, o)
        if (!(o->flags & CB_OPT_HIDDEN))
            print_option(o, f);
    print_option(&cb_opt_help, f);
    if (spec->epilogue)
        fprintf(f, "\n%s", spec->epilogue);
    if (spec->more_help) {
        fputc('\n', f);
        spec->more_help(f);
    }
}
