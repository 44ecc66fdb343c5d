/* report_noise.c — the warnings about how trustworthy a run's numbers are,
 * as pyperf's `check`: from run.json's noise information (governor, turbo,
 * load, pinning), from the records (noisy calls, repeats under 1 ms) and
 * from runs that span hosts or CPU models.  Every format shows them first
 * (report_all_warnings, with the reader's own warnings). */
#include "report/report_model.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ noise warnings */

/* run.json["host"]["noise"], or run.json["noise"]. */
static json_object *run_noise(json_object *run)
{
    json_object *n = report_jget(report_jget(run, "host"), "noise");
    return n ? n : report_jget(run, "noise");
}

/* Was the run pinned?  1, 0, or -1 when run.json does not say. */
static int run_pinned(json_object *run)
{
    const char *paths[][2] = {{"pin", NULL}, {"pinned", NULL}, {"options", "pin"}, {"noise", "pinned"}};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        json_object *v = report_jget(run, paths[i][0]);
        if (paths[i][1])
            v = report_jget(v, paths[i][1]);
        if (v && json_object_is_type(v, json_type_boolean))
            return json_object_get_boolean(v);
    }
    json_object *v = report_jget(report_jget(report_jget(run, "host"), "noise"), "pinned");
    if (v && json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v);
    return -1;
}

/* A run that spans hosts (the Slurm backend, docs/slurm.md): the calls per
 * host, and a warning for each function whose timed calls ran on more than
 * one CPU model (records carry `cpu_model` when merged from Slurm tasks). */
static void host_warnings(const cb_results *r, char ***lines, size_t *n)
{
    const char **hosts = cb_xcalloc(r->n + 1, sizeof *hosts);
    size_t *counts = cb_xcalloc(r->n + 1, sizeof *counts), nh = 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *h = report_jstr(r->recs[i].obj, "host");
        if (!h)
            continue;
        size_t k = 0;
        while (k < nh && strcmp(hosts[k], h))
            k++;
        if (k == nh)
            hosts[nh++] = h;
        counts[k]++;
    }
    if (nh > 1) {
        cb_buf b = {0};
        cb_buf_printf(&b, "the calls ran on %zu hosts:", nh);
        for (size_t k = 0; k < nh; k++)
            cb_buf_printf(&b, "%s %s (%zu calls)", k ? "," : "", hosts[k], counts[k]);
        report_push_line(lines, n, cb_buf_take(&b));
    }
    for (size_t i = 0; i < r->n; i++) {   /* each function once, at its first timed record */
        const cb_record *a = &r->recs[i];
        const char *cpu = report_jstr(a->obj, "cpu_model");
        if (!cpu || !cb_record_is_timing(r, a) || strcmp(a->status, "ok"))
            continue;
        bool first = true, other = false;
        for (size_t j = 0; j < r->n && first; j++) {
            const cb_record *b = &r->recs[j];
            if (j != i && cb_record_is_timing(r, b) && !strcmp(b->status, "ok") && !strcmp(b->function, a->function) &&
                report_jstr(b->obj, "cpu_model")) {
                if (j < i)
                    first = false;
                else if (strcmp(report_jstr(b->obj, "cpu_model"), cpu))
                    other = true;
            }
        }
        if (first && other)
            report_push_line(lines, n, cb_xasprintf("%s: its calls ran on different CPU models (%s and others): "
                                             "their times are not comparable", a->function, cpu));
    }
    free(hosts);
    free(counts);
}

void cb_report_noise_warnings(const cb_results *r, char ***lines, size_t *n)
{
    json_object *noise = run_noise(r->run);
    json_object *gov = report_jget(noise, "governor");
    if (gov && json_object_is_type(gov, json_type_string) && strcmp(json_object_get_string(gov), "performance"))
        report_push_line(lines, n, cb_xasprintf("the CPU frequency governor was '%s', not 'performance': times vary "
                                         "with the clock speed",
                                         json_object_get_string(gov)));
    else if (gov && json_object_is_type(gov, json_type_array))
        report_push_line(lines, n, cb_xstrdup("the CPUs had different frequency governors"));
    json_object *turbo = report_jget(noise, "turbo");
    if (turbo && json_object_is_type(turbo, json_type_boolean) && json_object_get_boolean(turbo))
        report_push_line(lines, n, cb_xstrdup("turbo boost was on: the clock speed depends on temperature and load"));
    json_object *load = report_jget(noise, "loadavg");
    json_object *host = report_jget(r->run, "host");
    double cpus = report_jnum(host, "usable_cpus", report_jnum(host, "cores", 1));
    if (load && json_object_is_type(load, json_type_array) && json_object_array_length(load) > 0) {
        double l1 = json_object_get_double(json_object_array_get_idx(load, 0));
        if (l1 >= 0.5 * (cpus > 0 ? cpus : 1))
            report_push_line(lines, n, cb_xasprintf("the load average was %.2f at the start (%g CPUs): other "
                                             "processes competed for the CPUs",
                                             l1, cpus));
    }
    if (r->run && run_pinned(r->run) == 0)
        report_push_line(lines, n, cb_xstrdup("runners were not pinned to CPUs (--pin): the scheduler may move them"));

    size_t noisy = 0, fast = 0, timed = 0, one_round = 0;
    const cb_record *worst = NULL;
    double worst_rel = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cb_record *rec = &r->recs[i];
        if (!cb_record_is_timing(r, rec))
            continue;
        cb_call_stats s;
        cb_record_stats(rec, &s);
        if (!s.ok)
            continue;
        timed++;
        one_round += s.rounds < 2;
        double rel = report_call_uncertainty(&s);
        if (s.noisy) {
            noisy++;
            if (rel > worst_rel)
                worst_rel = rel, worst = rec;
        }
        json_object *loops = report_jget(rec->obj, "loops");
        if (s.median < 1e-3 && (!loops || json_object_get_int64(loops) <= 1))
            fast++;
    }
    if (noisy && one_round == timed)
        report_push_line(lines, n, cb_xasprintf("%zu of %zu calls are noisy (spread of the repeats over %.0f %% of the "
                                         "median), worst %s %s(%s) at %.0f %%; with one round the repeats come "
                                         "from one child: run --rounds 3 or more to see the machine's drift",
                                         noisy, timed, 100 * CB_CALL_NOISE, worst->label, worst->function,
                                         worst->args, 100 * worst_rel));
    else if (noisy)
        report_push_line(lines, n, cb_xasprintf("%zu of %zu calls are noisy (their rounds disagree: the interval of the "
                                         "median is wider than ±%.0f %%), worst %s %s(%s) at ±%.0f %%",
                                         noisy, timed, 100 * CB_CALL_NOISE, worst->label, worst->function,
                                         worst->args, 100 * worst_rel));
    if (fast)
        report_push_line(lines, n, cb_xasprintf("%zu of %zu calls have repeats under 1 ms, too short to time "
                                         "reliably: run with --min-time auto (the default) to loop them",
                                         fast, timed));
    host_warnings(r, lines, n);
}

void report_all_warnings(const cb_results *r, char ***lines, size_t *n)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        report_push_line(lines, n, cb_xstrdup(r->warnings[i]));
    cb_report_noise_warnings(r, lines, n);
}
