/* goals: desired scores for online RiC samples (../shared/RIC.md, stage 2).
 *
 *   struct rng r;  rng_seed(&r, seed);
 *   double t[2];
 *   goals_sample(GOALS_REFERENCE, MAPPING_LINF, 2, lo, hi, &r, NULL, t, &st);
 *
 * Two samplers, both giving targets rounded to 0.1 (stats_round1) because
 * they are written into prompts:
 *   reference  N fractions u_i ~ U[0, 1); the objective with the smallest u
 *              (the first on a tie) gets lo_i + u_i (hi_i - lo_i), every other
 *              objective gets hi_i. Each objective is the low one with
 *              probability 1/N, and its position in its range is the minimum
 *              of N uniforms: P(u <= x) = 1 - (1 - x)^N, mean 1/(N + 1).
 *              Comparing positions rather than raw values is the reference
 *              code's rule when all ranges are equal, and keeps the choice
 *              fair when they are not.
 *   dirichlet  w ~ Dirichlet(1, ..., 1) (uniform on the simplex), mapped with
 *              the given mapping (engine/mapping.h); w is returned too.
 * The mapping argument is only read by the Dirichlet sampler.
 */
#ifndef RIC_ENGINE_GOALS_H
#define RIC_ENGINE_GOALS_H

#include <stddef.h>

#include "engine/mapping.h"
#include "engine/rng.h"
#include "engine/status.h"

enum goals_sampler { GOALS_REFERENCE, GOALS_DIRICHLET };
#define GOALS_DEFAULT GOALS_REFERENCE
#define GOALS_NAMES "reference, dirichlet"

enum status_code goals_parse(const char *name, enum goals_sampler *out, struct status *st);
const char *goals_name(enum goals_sampler g);

/* One draw of n targets into t. w (n values, may be NULL) receives the
 * Dirichlet sampler's preference; the reference sampler leaves it alone.
 * lo_i <= hi_i, finite. */
enum status_code goals_sample(enum goals_sampler g, enum mapping_kind map, size_t n,
                              const double *lo, const double *hi, struct rng *r, double *w,
                              double *t, struct status *st);

#endif
