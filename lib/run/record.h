/* record.h — the call record (docs/protocol.md, "The call record"): its
 * type, its one JSON encoder, its decoder, the one reader of a JSONL file of
 * records (calls.jsonl, a Slurm task's records) and the follower that reads
 * one as it grows.  Every writer (the C harnesses through harness/common,
 * the engine's own records in lib/run/runner.c) encodes here; every reader (the
 * run engine, --resume, results.pickle, report, compare, Slurm, profiles)
 * reads here.  harness/python/casbench/runtime.py's RecordWriter mirrors
 * cb_record_encode (tests/integration/measurement.py checks both write the
 * same keys with the same JSON types).
 *
 * One rule for a torn last line: a line counts only when it ends in a
 * newline.  Writers write a record and its newline with one write(), so a
 * last line without one is a writer killed in the middle of it, even when
 * what is there happens to parse: it is left out, and the reader says where
 * the good part ends (valid_len) so that --resume can cut the tail off
 * before appending.  Complete lines that are not records are skipped and
 * counted. */
#ifndef CB_RECORD_H
#define CB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "common/error.h"
#include "common/util.h"
#include "data/value.h"

/* ------------------------------------------------------------ writing */

/* What a writer knows of one call; cb_record_encode turns it into the
 * record's line, the fields always in the order of docs/protocol.md. */
typedef struct {
    /* the runner: env NULL and gc -1 are null (a C harness has neither) */
    const char *runner, *library, *env, *mode;
    int gc;
    const char *function;
    json_object *args;            /* array of the argument keys' reprs (borrowed) */
    int64_t call;                 /* its position in the whole run list */
    int round;
    const char *status;
    const double *times, *cpu_times;
    size_t ntimes;
    int64_t loops;
    int warmup;
    double min_time;
    bool has_cold;                /* cold_time, cold_cpu_time: null without */
    double cold_time, cold_cpu_time;
    int64_t max_rss_kib;          /* < 0: null */
    int pid;                      /* 0: null (no child ran it) */
    const char *error;            /* NULL: null */
    size_t error_len;
    double timeout;               /* <= 0: null */
    uint64_t memory_limit;        /* 0: null */
    bool memory_limit_hit;
    const char *host;             /* NULL: null */
    double started;               /* Unix time */
    bool skipped;                 /* written only when true (the engine's, docs/measurement.md) */
    json_object *extra;           /* the mode's own fields (digest, mem, profile...), appended in
                                   * order; borrowed; NULL: none */
} cb_record_fields;

/* The record of F as one JSON line with its newline, appended to LINE. */
void cb_record_encode(const cb_record_fields *f, cb_buf *line);
/* A record held as JSON (one read back and amended), as its line. */
void cb_record_line(json_object *rec, cb_buf *line);

/* ------------------------------------------------------------ reading */

/* One round of a call (--rounds; a run without rounds has one): where its
 * repeats are among the call's `times`, and what became of it. */
typedef struct cb_round {
    int round;
    const char *status;      /* borrowed from its record */
    size_t first, ntimes;    /* its repeats: times[first .. first + ntimes) */
    double timeout;          /* its limit (0: unknown) */
    int skipped;             /* not run: it timed out in another round */
} cb_round;

/* One record, decoded.  A line is a record when it is a JSON object with a
 * string `function`, a string `runner` (absent: `library` stands in),
 * `args` absent or an array of strings, and `round` absent or a round
 * number; every other field may be missing or of another type (its
 * default then).  The report merges the records of a call's rounds into
 * one cb_record (rounds, round_objs); a fresh record has one round. */
typedef struct cb_record {
    json_object *obj;        /* the whole record (owned); every field for CSV/JSON */
    const char *runner, *library, *mode, *function, *status, *error, *digest, *host;   /* in obj; mode
                              * "benchmark" when absent, library, status NULL when absent */
    char *key;               /* the call's identity (cb_call_key) */
    char *env;               /* display text of `env`, NULL when null */
    int gc;                  /* 1 on, 0 off, -1 not recorded */
    char *args;              /* the argument reprs joined by ", " */
    double *times;           /* wall seconds per execution, one per timed repeat (finite, >= 0;
                              * merged: all rounds') */
    size_t ntimes;
    double cold_time;        /* wall seconds of the cold (first warm-up) execution (merged: the
                              * median over the rounds); NAN: none */
    double timeout;          /* the limit that applied; 0 when unknown */
    int round;
    bool skipped;
    cb_round *rounds;        /* in round order */
    size_t nrounds;
    json_object **round_objs;   /* each round's record when merged (owned; obj is the last one) */
    char *label;             /* the report's column label (NULL until it sets one) */
    size_t seq;              /* position in the file: orders calls as they ran */
} cb_record;

/* Decode O (taken over: put on failure) into R; -1 when O is not a
 * record (see above). */
int cb_record_decode(json_object *o, size_t seq, cb_record *r);
/* Decode one line (without its newline); -1 when it is not a record. */
int cb_record_parse(const char *line, size_t len, size_t seq, cb_record *r);
void cb_record_free(cb_record *r);
/* A record's (or any JSON object's) member KEY: a string, or NULL; a
 * number, or DFLT. */
const char *cb_record_str(json_object *o, const char *key);
double cb_record_num(json_object *o, const char *key, double dflt);

/* A JSONL file of records. */
typedef struct {
    cb_record *recs;         /* in file order */
    size_t n;
    off_t valid_len;         /* bytes up to the end of the last complete line */
    size_t bad_lines;        /* complete lines that are not records (skipped) */
    size_t *bad_linenos;     /* their line numbers, 1-based */
    bool torn_tail;          /* the file ends in an unfinished line (left out) */
} cb_calls;

/* Read PATH (a missing file is empty) by the rule above. */
int cb_calls_read(const char *path, cb_calls *out, cb_err *err);
void cb_calls_free(cb_calls *c);
/* Cut PATH back to LEN bytes (drops a torn tail before appending). */
int cb_calls_truncate(const char *path, off_t len, cb_err *err);

/* Following a JSONL file of records as it grows (the run's progress): call
 * cb_calls_tail_read when the file changed; ON_RECORD gets each new
 * complete record, by the same rule (an unfinished line waits for its
 * newline). */
typedef struct {
    char *path;
    off_t offset;
    char *partial;
    size_t partial_len;
    size_t seq;
} cb_calls_tail;
void cb_calls_tail_init(cb_calls_tail *t, const char *path, off_t start);
void cb_calls_tail_read(cb_calls_tail *t, void (*on_record)(void *ctx, const cb_record *rec), void *ctx);
void cb_calls_tail_free(cb_calls_tail *t);

/* ------------------------------------------------------------ identity */

/* A call's identity, "(runner, function, args)" of docs/protocol.md, and
 * its round (--rounds: each round of a call has a record of its own), as
 * one string: ARGS are the system keys' Python reprs.  Round 0 gives the
 * key of a run without rounds. */
char *cb_call_key(const char *runner, const char *function, const char *const *args, size_t nargs, int round);
/* The same from a record's fields (`round` absent: 0); NULL when the record
 * lacks them. */
char *cb_call_key_of(json_object *rec);
/* The same for a run-list entry (a tuple of keys). */
char *cb_call_key_entry(const char *runner, const char *function, cb_value args, int round);
/* A record's `round`: 0 when absent, -1 when it is not a round number. */
int cb_record_round(json_object *rec);

/* A set of strings (call keys). */
typedef struct {
    char **slots;
    size_t cap, n;
} cb_strset;
bool cb_strset_add(cb_strset *s, const char *key);      /* false when present */
bool cb_strset_has(const cb_strset *s, const char *key);
void cb_strset_free(cb_strset *s);

#endif
