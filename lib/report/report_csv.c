/* report_csv.c — the CSV report (`casbench report --format csv`): tidy
 * rows, one per call, round and repeat, with every field of the records, as
 * pandas or R read them. */
#include "report/report_model.h"
#include "data/value.h"

#include <math.h>
#include <string.h>

static void csv_value(cb_buf *out, json_object *v)
{
    if (!v)
        return;
    switch (json_object_get_type(v)) {
    case json_type_string: cb_csv_field(out, json_object_get_string(v)); break;
    case json_type_boolean: cb_buf_puts(out, json_object_get_boolean(v) ? "True" : "False"); break;
    case json_type_int: cb_buf_printf(out, "%lld", (long long)json_object_get_int64(v)); break;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (isfinite(d))   /* a parsed number keeps its text: no reformatting */
            cb_buf_puts(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        else
            cb_repr_float(out, d);
        break;
    }
    default: cb_csv_field(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
}

/* The rows of one record (a round of a call): one per repeat. */
static void csv_rows(cb_buf *out, const strset *keys, const char *label, json_object *obj)
{
    json_object *times = report_jget(obj, "times"), *cpu = report_jget(obj, "cpu_times");
    size_t nt = times && json_object_is_type(times, json_type_array) ? json_object_array_length(times) : 0;
    size_t nc = cpu && json_object_is_type(cpu, json_type_array) ? json_object_array_length(cpu) : 0;
    size_t rows = nt > nc ? nt : nc;
    for (size_t rep = 0; rep < (rows ? rows : 1); rep++) {
        cb_csv_field(out, label);
        for (size_t k = 1; k < keys->n; k++) {
            cb_buf_putc(out, ',');
            csv_value(out, report_jget(obj, keys->v[k]));
        }
        cb_buf_putc(out, ',');
        if (rows)
            cb_buf_printf(out, "%zu", rep);
        cb_buf_putc(out, ',');
        if (rep < nt)
            csv_value(out, json_object_array_get_idx(times, rep));
        cb_buf_putc(out, ',');
        if (rep < nc)
            csv_value(out, json_object_array_get_idx(cpu, rep));
        cb_buf_puts(out, "\r\n");
    }
}

/* A record's records: each round's (round order), or itself. */
static size_t record_objs(const cb_record *rec, json_object *const **objs)
{
    *objs = rec->round_objs ? rec->round_objs : &rec->obj;
    return rec->round_objs ? rec->nrounds : 1;
}

/* Tidy CSV: one row per call, round and repeat, every field of the round's
 * record (`round` among them), with times/cpu_times spread over the rows
 * as repeat, wall_time, cpu_time (the header says which clock; cold_time
 * is a field of the record). */
void report_write_csv(const cb_results *r, cb_buf *out)
{
    strset keys = {0};
    report_strset_add(&keys, "label");
    for (size_t i = 0; i < r->n; i++) {
        json_object *const *objs;
        size_t nobjs = record_objs(&r->recs[i], &objs);
        for (size_t o = 0; o < nobjs; o++) {
            json_object_object_foreach(objs[o], k, v) {
                (void)v;
                if (strcmp(k, "times") && strcmp(k, "cpu_times"))
                    report_strset_add(&keys, k);
            }
        }
    }
    for (size_t k = 0; k < keys.n; k++) {
        cb_csv_field(out, keys.v[k]);
        cb_buf_putc(out, ',');
    }
    cb_buf_puts(out, "repeat,wall_time,cpu_time\r\n");
    for (size_t i = 0; i < r->n; i++) {
        json_object *const *objs;
        size_t nobjs = record_objs(&r->recs[i], &objs);
        for (size_t o = 0; o < nobjs; o++)
            csv_rows(out, &keys, r->recs[i].label, objs[o]);
    }
    report_strset_free(&keys);
}
