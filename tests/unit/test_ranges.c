/* test_ranges.c — lib/ranges against Python's own arithmetic.
 *
 * Expected values come from Python: (1) for a table of range options, Python
 * evaluates the range(...) each should mean; (2) Python generates thousands
 * of random integer expressions (+ * // % ** unary minus, parentheses) and
 * eval()s them, and cb_int_expr_eval must agree, including which ones fail
 * (division by zero, negative powers).  Bad options must fail with a message
 * that quotes the offending part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/ranges.h"

/* option, then the Python list of ranges it must mean */
static const char *good[][2] = {
    {"1-5", "[range(1, 5)]"},
    {"1-5, 6-13:2", "[range(1, 5), range(6, 13, 2)]"},
    {"5", "[range(5, 6)]"},
    {"2**65-2**66", "[range(2**65, 2**66)]"},
    {" 0 - 1000 ", "[range(0, 1000)]"},
    {"-5--1", "[range(-5, -1)]"},
    {"-2**2-3", "[range(-2**2, 3)]"},
    {"10-0:-3", "[range(10, 0, -3)]"},
    {"(10-2)*3-7**2:(5-2)", "[range((10-2)*3, 7**2, 5-2)]"},
    {"2**3**2", "[range(2**3**2, 2**3**2 + 1)]"},
    {"-7//2--7%3", "[range(-7//2, -7%3)]"},
    {"7%-3-(7//-3)*-1", "[range(7%-3, (7//-3)*-1)]"},
    {"(7//-3)*-1-7%-3:-1", "[range((7//-3)*-1, 7%-3, -1)]"},
    {"1_000-2_000:1_0", "[range(1_000, 2_000, 1_0)]"},
    {"(((1)))-((2+3))", "[range(1, 5)]"},
    {"2*-3-+4", "[range(2*-3, +4)]"},
    {"4-33:4,1-1000,2**65-2**66", "[range(4, 33, 4), range(1, 1000), range(2**65, 2**66)]"},
    {"0-2**200:2**190", "[range(0, 2**200, 2**190)]"},
    {"-(2**70)-2**70:3**30", "[range(-(2**70), 2**70, 3**30)]"},
    {"0**0-(-1)**(10**30)+1", "[range(0**0, (-1)**(10**30)+1)]"},
    {"(-1)**(10**30+1)", "[range(-1, 0)]"},
};

static const char *bad[][2] = {   /* option, the part the message must quote */
    {"5-", "'5-'"},
    {"1-10:0", "'1-10:0'"},
    {"a-b", "'a-b'"},
    {"__import__('os')", "__import__"},
    {"2**2**100", "'2**2**100'"},
    {"10**10**7", "'10**10**7'"},
    {"1-10:", "'1-10:'"},
    {"1,", "'1,'"},
    {",", "','"},
    {"", "''"},
    {"   ", "'   '"},
    {"1-5, x", "'x'"},
    {"5-5", "'5-5'"},
    {"10-1", "'10-1'"},
    {"1-10:-1", "'1-10:-1'"},
    {"1/2", "'1/2'"},
    {"2**-1", "'2**-1'"},
    {"1:2", "'1:2'"},
    {"1-2-3", "'1-2-3'"},
    {"(1", "'(1'"},
    {"1)", "'1)'"},
    {"0x10", "'0x10'"},
    {"1.5", "'1.5'"},
    {"1e3", "'1e3'"},
    {"1//0", "'1//0'"},
    {"5%(3-3)", "'5%(3-3)'"},
    {"1__0", "'1__0'"},
    {"1 2", "'1 2'"},
    {"((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1", "nested"},
};

static FILE *python(const char *script, char *path)
{
    strcpy(path, "/tmp/test_ranges.XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(script, f);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "python3 %s", path);
    return popen(cmd, "r");
}

TEST(good_options)
{
    char *script = NULL;
    size_t n = 0;
    FILE *s = open_memstream(&script, &n);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        fprintf(s, "print(' '.join('%%d %%d %%d' %% (r.start, r.stop, r.step) for r in %s))\n", good[i][1]);
    fclose(s);
    char path[64], line[1 << 16];
    FILE *in = python(script, path);
    mpz_t want;
    mpz_init(want);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CHECK_MSG(fgets(line, sizeof line, in) != NULL, "python gave no line for %s", good[i][0]);
        cb_ranges r;
        cb_err err;
        if (cb_ranges_parse(good[i][0], &r, &err) < 0) {
            CHECK_MSG(0, "'%s' refused: %s", good[i][0], err.msg);
            continue;
        }
        char *tok = strtok(line, " \n");
        for (size_t k = 0; k < r.n; k++) {
            mpz_t *parts[3] = {&r.parts[k].start, &r.parts[k].stop, &r.parts[k].step};
            for (int j = 0; j < 3; j++, tok = strtok(NULL, " \n")) {
                CHECK_MSG(tok != NULL, "%s: python printed fewer parts", good[i][0]);
                if (!tok)
                    break;
                mpz_set_str(want, tok, 10);
                CHECK_MSG(mpz_cmp(*parts[j], want) == 0, "%s: part %zu field %d differs", good[i][0], k, j);
            }
        }
        CHECK_MSG(tok == NULL, "%s: python printed more parts", good[i][0]);
        cb_ranges_free(&r);
    }
    mpz_clear(want);
    CHECK(pclose(in) == 0);
    unlink(path);
    free(script);
}

TEST(bad_options)
{
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cb_ranges r;
        cb_err err = {""};
        int rc = cb_ranges_parse(bad[i][0], &r, &err);
        CHECK_MSG(rc == -1, "'%s' was accepted", bad[i][0]);
        if (rc == 0)
            cb_ranges_free(&r);
        CHECK_MSG(strstr(err.msg, bad[i][1]) != NULL, "'%s': message '%s' does not quote %s", bad[i][0],
                  err.msg, bad[i][1]);
        CHECK_MSG(strchr(err.msg, '\n') == NULL && strncmp(err.msg, "bad range '", 11) == 0,
                  "'%s': message '%s'", bad[i][0], err.msg);
    }
}

/* Random expressions: Python writes them and eval()s them. */
static const char *fuzz_script =
    "import random, sys\n"
    "if hasattr(sys, 'set_int_max_str_digits'): sys.set_int_max_str_digits(0)\n"
    "rng = random.Random(2024)\n"
    "def num(): return str(rng.choice([0, 1, 2, 3, 7, 10, 255, 2**31, 2**64 + 1, rng.randrange(10**30)]))\n"
    "def expr(d):\n"
    "    if d == 0: return num()\n"
    "    c = rng.randrange(8)\n"
    "    if c == 0: return num()\n"
    "    if c == 1: return '(' + expr(d - 1) + ')'\n"
    "    if c == 2: return '-' + expr(d - 1)\n"
    "    if c == 3: return '(' + expr(d - 1) + ')**' + str(rng.randrange(4))\n"
    "    if c == 5: return '%d**%d**%d' % (rng.randrange(-3, 4), rng.randrange(3), rng.randrange(3))\n"
    "    if c == 4: return '(' + expr(d - 1) + ' - ' + expr(d - 1) + ')'\n"
    "    return expr(d - 1) + rng.choice([' + ', '*', ' // ', '%']) + expr(d - 1)\n"
    "for i in range(3000):\n"
    "    e = expr(rng.randrange(1, 6))\n"
    "    try: v = eval(e)\n"
    "    except ZeroDivisionError: v = 'error'\n"
    "    print(e + '\\t' + str(v))\n";

TEST(random_expressions_match_python_eval)
{
    char path[64], line[1 << 16];
    FILE *in = python(fuzz_script, path);
    mpz_t got, want;
    mpz_inits(got, want, NULL);
    int n = 0, bad_count = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        n++;
        cb_err err;
        int rc = cb_int_expr_eval(line, got, &err);
        if (!strcmp(tab + 1, "error")) {
            if (rc == 0 && bad_count++ < 5)
                CHECK_MSG(0, "'%s' should fail (division by zero)", line);
        } else {
            mpz_set_str(want, tab + 1, 10);
            if ((rc != 0 || mpz_cmp(got, want) != 0) && bad_count++ < 5)
                CHECK_MSG(0, "'%s': %s", line, rc ? err.msg : "value differs");
        }
    }
    CHECK_MSG(n == 3000, "python gave %d expressions", n);
    CHECK(bad_count == 0);
    mpz_clears(got, want, NULL);
    CHECK(pclose(in) == 0);
    unlink(path);
}

int main(void)
{
    RUN(good_options);
    RUN(bad_options);
    RUN(random_expressions_match_python_eval);
    return check_done();
}
