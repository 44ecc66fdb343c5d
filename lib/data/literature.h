/* literature.h — the classic benchmark problems of the polynomial-arithmetic
 * literature (issue 9), as families of `casbench systems`.
 *
 * Multiplication (Fateman, Pearce's sparse, FLINT's dense, Monagan–Pearce),
 * exact division of those products by their second factor, FLINT's gcd profile inputs, the
 * Liao–Fateman gcd families in n variables, a factorisation
 * family, and graph 3-colouring ideals.  Each builder writes its input
 * polynomials as one-polynomial systems keyed "SPEC:f", "SPEC:g", ... and
 * the run-list entries the problem is about (mult on (f, g), divmod on
 * (p, g), gcd on (a, b), factor on (p,), groebner on the ideal).
 *
 * lib/data/systems.c lists these rows in its family table through
 * CB_LITERATURE_FAMILIES, so `casbench systems`, its --help and the default
 * suite see them like the Gröbner families.  Definitions, sources and term
 * counts: docs/literature.md. */
#ifndef CB_LITERATURE_H
#define CB_LITERATURE_H

#include "data/systems.h"

int cb_lit_build_fateman(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_fateman3(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_pearce(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_pearcediv(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_dense(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_densediv(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_mp(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_gcd(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_lfgcd(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_factor(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_color3_cycle(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_color3_complete(const char *key, const long *p, cb_systems_out *out, cb_err *err);
int cb_lit_build_color3_petersen(const char *key, const long *p, cb_systems_out *out, cb_err *err);

/* Rows for lib/data/systems.c's families[] (cb_family initialisers).  The gcd
 * rows are one per named (a, b) pair of FLINT's p-gcd profile; the builder
 * finds its pair from the key's prefix. */
#define CB_LITERATURE_FAMILIES \
    {"fateman", 1, {1}, {40}, "fateman-N", "mult f*(f+1), f = (1+x+y+z+t)^N", cb_lit_build_fateman}, \
    {"fateman3", 1, {1}, {60}, "fateman3-N", "mult f*(f+1), f = (1+x+y+z)^N", cb_lit_build_fateman3}, \
    {"pearce", 2, {1, 1}, {30, 30}, "pearce-M-N", "mult (1+x+y+2z^2+3t^3+5u^5)^M * (1+u+t+2z^2+3y^3+5x^5)^N", cb_lit_build_pearce}, \
    {"pearcediv", 2, {1, 1}, {12, 12}, "pearcediv-M-N", "divmod of Pearce's product by its second factor", cb_lit_build_pearcediv}, \
    {"dense", 2, {1, 1}, {40, 40}, "dense-M-N", "mult (1+x+y+z+t)^M * (1+x+y+z+t)^N (FLINT's dense)", cb_lit_build_dense}, \
    {"densediv", 2, {1, 1}, {30, 30}, "densediv-M-N", "divmod of the dense product by its second factor", cb_lit_build_densediv}, \
    {"mp", 1, {1}, {6}, "mp-K", "Monagan-Pearce product K: mult f*g and factor f*g", cb_lit_build_mp}, \
    {"mp", 2, {1, 1}, {6, 40}, "mp-K-E", "Monagan-Pearce product K with its powers E instead of the published ones", cb_lit_build_mp}, \
    {"gcd-sparse", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-sparse-M1-N1-M2-N2", "gcd(a^M1 b^N1, a^M2 b^N2), FLINT's sparse pair", cb_lit_build_gcd}, \
    {"gcd-sparse3", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-sparse3-M1-N1-M2-N2", "FLINT's sparse3 pair", cb_lit_build_gcd}, \
    {"gcd-dense2", 4, {0, 0, 0, 0}, {60, 60, 60, 60}, "gcd-dense2-M1-N1-M2-N2", "FLINT's dense2 pair", cb_lit_build_gcd}, \
    {"gcd-dense3", 4, {0, 0, 0, 0}, {40, 40, 40, 40}, "gcd-dense3-M1-N1-M2-N2", "FLINT's dense3 pair", cb_lit_build_gcd}, \
    {"gcd-semisparse2", 4, {0, 0, 0, 0}, {60, 60, 60, 60}, "gcd-semisparse2-M1-N1-M2-N2", "FLINT's semisparse2 pair", cb_lit_build_gcd}, \
    {"gcd-semisparse3", 4, {0, 0, 0, 0}, {40, 40, 40, 40}, "gcd-semisparse3-M1-N1-M2-N2", "FLINT's semisparse3 pair", cb_lit_build_gcd}, \
    {"gcd-semisparse4", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-semisparse4-M1-N1-M2-N2", "FLINT's semisparse4 pair", cb_lit_build_gcd}, \
    {"gcd-semisparse5", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-semisparse5-M1-N1-M2-N2", "FLINT's semisparse5 pair", cb_lit_build_gcd}, \
    {"gcd-boldsparse4", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-boldsparse4-M1-N1-M2-N2", "FLINT's boldsparse4 pair", cb_lit_build_gcd}, \
    {"gcd-boldsparse5", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-boldsparse5-M1-N1-M2-N2", "FLINT's boldsparse5 pair", cb_lit_build_gcd}, \
    {"gcd-heavysparse5", 4, {0, 0, 0, 0}, {30, 30, 30, 30}, "gcd-heavysparse5-M1-N1-M2-N2", "FLINT's heavysparse5 pair", cb_lit_build_gcd}, \
    {"lfgcd", 2, {1, 2}, {3, 12}, "lfgcd-C-N", "Liao-Fateman gcd case C (1-3) in N variables", cb_lit_build_lfgcd}, \
    {"factor", 1, {1}, {20}, "factor-I", "factor (x+(1+x+y+z+t)^I)(y+(1+x+y+z+t)^I), expanded", cb_lit_build_factor}, \
    {"color3-cycle", 1, {3}, {100}, "color3-cycle-N", "3-colouring ideal of the N-cycle (groebner)", cb_lit_build_color3_cycle}, \
    {"color3-complete", 1, {2}, {20}, "color3-complete-N", "3-colouring ideal of K_N (groebner)", cb_lit_build_color3_complete}, \
    {"color3-petersen", 0, {0}, {0}, "color3-petersen", "3-colouring ideal of the Petersen graph (groebner)", cb_lit_build_color3_petersen}

#endif
