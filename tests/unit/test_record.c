/* test_record.c — unit tests of the call record layer (lib/run/record.h): a
 * record encoded and decoded again keeps every field; the one rule for a
 * torn last line (a line counts only with its newline, even when what is
 * there parses), the same in the file reader and in the tail follower;
 * lines that are not records; the decoder's defaults for a hand-written
 * record. */
#define _GNU_SOURCE
#include "check.h"
#include "run/record.h"
#include "common/util.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

/* A scratch file holding TEXT (the caller unlinks and frees it). */
static char *write_file(const char *text, size_t len)
{
    char *path = cb_xstrdup("/tmp/cbtest-record.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len)
        printf("could not write %s\n", path);
    close(fd);
    return path;
}

/* A verify-mode record of the C harness's kind, as cb_record_encode writes it. */
static void encode_sample(cb_buf *line, int round, const char *status)
{
    double times[] = {0.5, 0.25}, cpu[] = {0.4, 0.2};
    json_object *args = json_object_new_array(), *extra = json_object_new_object();
    json_object_array_add(args, json_object_new_string("'a'"));
    json_object_array_add(args, json_object_new_string("(2, 10)"));
    json_object_object_add(extra, "digest", json_object_new_string("d1g35t"));
    cb_record_fields f = {
        .runner = "flint.verify", .library = "flint", .env = NULL, .gc = -1, .mode = "verify",
        .function = "mult", .args = args, .call = 7, .round = round, .status = status,
        .times = times, .cpu_times = cpu, .ntimes = 2, .loops = 3, .warmup = 1, .min_time = 0.01,
        .has_cold = true, .cold_time = 0.75, .cold_cpu_time = 0.7, .max_rss_kib = 1234, .pid = 42,
        .error = NULL, .timeout = 30, .memory_limit = 1 << 20, .memory_limit_hit = false,
        .host = "node1", .started = 1700000000.5, .extra = extra,
    };
    cb_record_encode(&f, line);
    json_object_put(args);
    json_object_put(extra);
}

TEST(encode_decode_round_trip)
{
    cb_buf line = {0};
    encode_sample(&line, 2, "ok");
    CHECK(line.len > 0 && line.data[line.len - 1] == '\n' && !memchr(line.data, '\n', line.len - 1));
    /* the fields in the order of docs/protocol.md, the mode's own last */
    static const char *const order[] = {"runner", "library", "env", "gc", "mode", "function", "args", "call",
                                        "round", "status", "times", "cpu_times", "loops", "warmup", "min_time",
                                        "cold_time", "cold_cpu_time", "max_rss_kib", "pid", "error", "timeout",
                                        "memory_limit", "memory_limit_hit", "host", "started", "digest"};
    json_object *o = json_tokener_parse(line.data);
    size_t k = 0;
    json_object_object_foreach(o, key, val) {
        (void)val;
        CHECK_MSG(k < sizeof order / sizeof *order && !strcmp(key, order[k]), "field %zu is %s", k, key);
        k++;
    }
    CHECK_MSG(k == sizeof order / sizeof *order, "%zu fields", k);
    json_object_put(o);

    cb_record r;
    CHECK(cb_record_parse(line.data, line.len - 1, 5, &r) == 0);
    CHECK(!strcmp(r.runner, "flint.verify") && !strcmp(r.library, "flint") && !strcmp(r.mode, "verify"));
    CHECK(!strcmp(r.function, "mult") && !strcmp(r.status, "ok") && !strcmp(r.digest, "d1g35t"));
    CHECK(!strcmp(r.host, "node1") && !r.error && !r.env && r.gc == -1);
    CHECK_MSG(!strcmp(r.args, "'a', (2, 10)"), "%s", r.args);
    CHECK(r.ntimes == 2 && r.times[0] == 0.5 && r.times[1] == 0.25);
    CHECK(r.cold_time == 0.75 && r.timeout == 30 && r.round == 2 && !r.skipped && r.seq == 5);
    CHECK(r.nrounds == 1 && r.rounds[0].round == 2 && r.rounds[0].ntimes == 2);
    const char *args[] = {"'a'", "(2, 10)"};
    char *want = cb_call_key("flint.verify", "mult", args, 2, 2);
    CHECK(!strcmp(want, r.key));
    free(want);
    /* the line written back from the decoded record is the same line */
    cb_buf again = {0};
    cb_record_line(r.obj, &again);
    CHECK_MSG(again.len == line.len && !memcmp(again.data, line.data, line.len), "%s", again.data);
    cb_buf_free(&again);
    cb_record_free(&r);
    cb_buf_free(&line);

    /* nulls where a writer has nothing: no child, no limit, no host; an
     * engine record says skipped */
    json_object *noargs = json_object_new_array();
    cb_record_fields f = {.runner = "pari.benchmark", .library = "pari", .env = "/usr/bin/python3 3.11", .gc = 0,
                          .mode = "benchmark", .function = "add", .args = noargs, .status = "unavailable",
                          .max_rss_kib = -1, .error = "no pari", .error_len = 7, .skipped = true};
    cb_record_encode(&f, &line);
    json_object_put(noargs);
    o = json_tokener_parse(line.data);
    json_object *v;
    CHECK(json_object_object_get_ex(o, "pid", &v) && !v);
    CHECK(json_object_object_get_ex(o, "max_rss_kib", &v) && !v);
    CHECK(json_object_object_get_ex(o, "timeout", &v) && !v);
    CHECK(json_object_object_get_ex(o, "memory_limit", &v) && !v);
    CHECK(json_object_object_get_ex(o, "host", &v) && !v);
    CHECK(json_object_object_get_ex(o, "cold_time", &v) && !v);
    CHECK(json_object_object_get_ex(o, "loops", &v) && json_object_get_int(v) == 0);
    CHECK(json_object_object_get_ex(o, "gc", &v) && json_object_is_type(v, json_type_boolean));
    CHECK(json_object_object_get_ex(o, "skipped", &v) && json_object_get_boolean(v));
    json_object_put(o);
    CHECK(cb_record_parse(line.data, line.len - 1, 0, &r) == 0);
    CHECK(r.skipped && r.gc == 0 && !strcmp(r.env, "/usr/bin/python3 3.11") && !strcmp(r.error, "no pari"));
    CHECK(r.ntimes == 0 && isnan(r.cold_time) && r.timeout == 0);
    cb_record_free(&r);
    cb_buf_free(&line);
}

TEST(decode_defaults_and_refusals)
{
    cb_record r;
    /* hand-written: no runner (the library stands in), no args, no mode */
    const char *min = "{\"library\":\"flint\",\"function\":\"add\",\"status\":\"ok\",\"times\":[1,\"x\",-1,2]}";
    CHECK(cb_record_parse(min, strlen(min), 0, &r) == 0);
    CHECK(!strcmp(r.runner, "flint") && !strcmp(r.mode, "benchmark") && !strcmp(r.args, ""));
    CHECK_MSG(r.ntimes == 2 && r.times[0] == 1 && r.times[1] == 2, "%zu times", r.ntimes);   /* only finite, >= 0 */
    cb_record_free(&r);
    static const char *const bad[] = {
        "[]", "null", "1", "{}", "{\"runner\":\"r\"}", "{\"runner\":\"r\",\"function\":3}",
        "{\"runner\":\"r\",\"function\":\"f\",\"args\":\"x\"}", "{\"runner\":\"r\",\"function\":\"f\",\"args\":[1]}",
        "{\"runner\":\"r\",\"function\":\"f\",\"round\":-1}", "{\"runner\":\"r\",\"function\":\"f\"} junk",
        "{\"runner\":\"r\",\"function\":\"f\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(cb_record_parse(bad[i], strlen(bad[i]), 0, &r) < 0, "%s taken as a record", bad[i]);
    /* blanks after the object are fine (a \r of a file edited elsewhere) */
    const char *crlf = "{\"runner\":\"r\",\"function\":\"f\"}\r";
    CHECK(cb_record_parse(crlf, strlen(crlf), 0, &r) == 0);
    cb_record_free(&r);
}

TEST(reader_torn_last_line)
{
    cb_buf b = {0};
    encode_sample(&b, 0, "ok");
    cb_buf_puts(&b, "\nnot json\n[1]\n");   /* a blank line, two lines that are not records */
    encode_sample(&b, 1, "timeout");
    size_t good = b.len;
    /* a complete record but no newline: a writer killed before it */
    cb_buf_puts(&b, "{\"runner\":\"r\",\"function\":\"f\",\"args\":[]}");
    char *path = write_file(b.data, b.len);
    cb_calls c;
    cb_err err;
    CHECK(cb_calls_read(path, &c, &err) == 0);
    CHECK_MSG(c.n == 2 && c.torn_tail && (size_t)c.valid_len == good, "%zu records, valid %ld", c.n,
              (long)c.valid_len);
    CHECK_MSG(c.bad_lines == 2 && c.bad_linenos[0] == 3 && c.bad_linenos[1] == 4, "%zu bad", c.bad_lines);
    CHECK(c.recs[0].seq == 0 && c.recs[1].seq == 1 && !strcmp(c.recs[1].status, "timeout"));
    CHECK(strcmp(c.recs[0].key, c.recs[1].key) != 0);   /* rounds 0 and 1: two calls */
    cb_calls_free(&c);
    CHECK(cb_calls_truncate(path, (off_t)good, &err) == 0);
    CHECK(cb_calls_read(path, &c, &err) == 0 && c.n == 2 && !c.torn_tail && (size_t)c.valid_len == good);
    cb_calls_free(&c);
    unlink(path);
    free(path);
    cb_buf_free(&b);
}

static void collect(void *ctx, const cb_record *r)
{
    cb_buf *b = ctx;
    cb_buf_printf(b, "%s/%s/%zu;", r->function, r->status ? r->status : "-", r->seq);
}

TEST(tail_follower_same_rule)
{
    char *path = write_file("", 0);
    cb_calls_tail t;
    cb_calls_tail_init(&t, path, 0);
    cb_buf seen = {0};
    FILE *f = fopen(path, "a");
    cb_buf line = {0};
    encode_sample(&line, 0, "ok");
    /* the record in two pieces, then junk, then one without its newline */
    fwrite(line.data, 1, 20, f);
    fflush(f);
    cb_calls_tail_read(&t, collect, &seen);
    CHECK(seen.len == 0);
    fwrite(line.data + 20, 1, line.len - 20, f);
    fputs("junk\n{\"runner\":\"r\",\"function\":\"g\",\"status\":\"error\"}", f);
    fflush(f);
    cb_calls_tail_read(&t, collect, &seen);
    CHECK_MSG(seen.data && !strcmp(seen.data, "mult/ok/0;"), "%s", seen.data ? seen.data : "");
    fputs("\n", f);
    fflush(f);
    cb_calls_tail_read(&t, collect, &seen);
    CHECK_MSG(!strcmp(seen.data, "mult/ok/0;g/error/1;"), "%s", seen.data);
    fclose(f);
    /* the file reader agrees with what the follower saw */
    cb_calls c;
    cb_err err;
    CHECK(cb_calls_read(path, &c, &err) == 0 && c.n == 2 && c.bad_lines == 1 && !c.torn_tail);
    cb_calls_free(&c);
    cb_calls_tail_free(&t);
    cb_buf_free(&line);
    cb_buf_free(&seen);
    unlink(path);
    free(path);
}

int main(void)
{
    RUN(encode_decode_round_trip);
    RUN(decode_defaults_and_refusals);
    RUN(reader_torn_last_line);
    RUN(tail_follower_same_rule);
    return check_done();
}
