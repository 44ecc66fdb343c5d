/* plan.c — library × environment × gc × mode expansion (see plan.h). */
#include "run/plan.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static int probe_index(cb_plan *p, const cb_library *lib, int env)
{
    for (size_t i = 0; i < p->n_probes; i++)
        if (p->probes[i].lib == lib && p->probes[i].env == env)
            return (int)i;
    p->probes = cb_xrealloc(p->probes, (p->n_probes + 1) * sizeof *p->probes);
    p->probes[p->n_probes] = (cb_probe_key){lib, env};
    return (int)p->n_probes++;
}

static void add_runner(cb_plan *p, const cb_library *lib, int env, int gc, cb_mode mode)
{
    cb_buf id = {0};
    cb_buf_puts(&id, lib->id);
    if (env >= 0)
        cb_buf_printf(&id, ".env%d", env);
    if (gc >= 0)
        cb_buf_puts(&id, gc ? ".gc-on" : ".gc-off");
    cb_buf_printf(&id, ".%s", cb_mode_name(mode));
    p->runners = cb_xrealloc(p->runners, (p->n_runners + 1) * sizeof *p->runners);
    p->runners[p->n_runners++] = (cb_runner_spec){
        .id = cb_buf_take(&id), .lib = lib, .env = env, .gc = gc, .mode = mode,
        .probe = probe_index(p, lib, env),
    };
}

int cb_plan_build(const cb_plan_opts *o, cb_plan *out, cb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!o->n_libs)
        return cb_fail(err, "no library to run");
    if (!o->n_modes)
        return cb_fail(err, "no mode to run");
    if (!o->n_gcs)
        return cb_fail(err, "--gc needs at least one setting");
    for (size_t i = 0; i < o->n_libs; i++)
        for (size_t j = 0; j < i; j++)
            if (o->libs[i] == o->libs[j])
                return cb_fail(err, "--libraries: %s is given twice", o->libs[i]->id);
    if (o->n_gcs == 2 && o->gcs[0] == o->gcs[1])
        return cb_fail(err, "--gc: %s is given twice", o->gcs[0] ? "on" : "off");
    for (size_t m = 0; m < o->n_modes; m++) {
        for (size_t l = 0; l < o->n_libs; l++) {
            const cb_library *lib = o->libs[l];
            if (!cb_library_is_python(lib)) {
                add_runner(out, lib, -1, -1, o->modes[m]);
                continue;
            }
            size_t n_envs = lib->interpreter ? 1 : (o->n_envs ? o->n_envs : 1);
            for (size_t e = 0; e < n_envs; e++)
                for (size_t g = 0; g < o->n_gcs; g++)
                    add_runner(out, lib, lib->interpreter ? -1 : (int)e, o->gcs[g], o->modes[m]);
        }
    }
    return 0;
}

void cb_plan_free(cb_plan *p)
{
    for (size_t i = 0; i < p->n_runners; i++)
        free(p->runners[i].id);
    free(p->runners);
    free(p->probes);
    memset(p, 0, sizeof *p);
}

const cb_runner_spec *cb_plan_find(const cb_plan *p, const char *id)
{
    for (size_t i = 0; i < p->n_runners; i++)
        if (!strcmp(p->runners[i].id, id))
            return &p->runners[i];
    return NULL;
}
