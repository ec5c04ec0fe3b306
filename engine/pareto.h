/* pareto: non-dominated points, hypervolume, and the preference grid of an
 * evaluation. Every objective is maximised.
 *
 *   unsigned char on[n]; size_t k;
 *   pareto_front(points, n, 2, on, &k, &st);            // points: n x 2, row-major
 *   double hv, ref[2] = { -1.5, -1.2 };
 *   pareto_hypervolume(points, n, 2, ref, &hv, &st);
 *   double *grid; size_t g;
 *   pareto_lattice(3, 0.1, &grid, &g, &st);              // 66 x 3 preferences
 *   free(grid);
 *
 * Dominance: a dominates b when a_j >= b_j for every j and a_j > b_j for at
 * least one. A point is on the front when no other point dominates it. Equal
 * points do not dominate each other, so every copy of a non-dominated point
 * is on the front (each is a different preference that reached the same
 * scores); a point that ties another in some objectives and is worse in one
 * is dominated.
 *
 * Hypervolume: the measure of the union of the boxes [ref, p] over the points
 * p that are strictly better than ref in every objective; other points add
 * nothing and are ignored (a point on the reference plane spans no volume).
 * Exact for 1 to PARETO_HV_EXACT_MAX objectives: a sweep in 2D, slicing along
 * the last objective above that (HSO, O(n^(d-1) log n)); more objectives are
 * refused (use pareto_hypervolume_mc).
 *
 * Lattice: every w with w_i a multiple of `step` and sum 1, i.e. the
 * compositions k_1 + ... + k_N = m = 1/step with w_i = k_i / m, in
 * lexicographic order of (k_1, ..., k_N): for 2 objectives at 0.1 that is
 * (0,1), (0.1,0.9), ..., (1,0). C(m + N - 1, N - 1) points: 11 for 2
 * objectives at 0.1, 66 for 3, 286 for 4.
 */
#ifndef RIC_ENGINE_PARETO_H
#define RIC_ENGINE_PARETO_H

#include <stddef.h>

#include "engine/rng.h"
#include "engine/status.h"

#define PARETO_HV_EXACT_MAX 4
#define PARETO_LATTICE_MAX 1000000

int pareto_dominates(const double *a, const double *b, size_t dim);

/* on[i] = 1 when point i is on the front; *n_on (may be NULL) counts them.
 * Coordinates must be finite. */
enum status_code pareto_front(const double *pts, size_t n, size_t dim, unsigned char *on,
                              size_t *n_on, struct status *st);

/* Exact hypervolume of n points (dim <= PARETO_HV_EXACT_MAX) above ref.
 * No point better than ref gives 0. */
enum status_code pareto_hypervolume(const double *pts, size_t n, size_t dim, const double *ref,
                                    double *out, struct status *st);

/* A Monte Carlo estimate with `samples` uniform draws in the box from ref to
 * the largest coordinates, any dim; for checks and for dim above the exact limit. */
enum status_code pareto_hypervolume_mc(const double *pts, size_t n, size_t dim, const double *ref,
                                       size_t samples, struct rng *r, double *out,
                                       struct status *st);

/* Number of lattice points for `dim` objectives and m = 1/step divisions, or
 * 0 when it exceeds PARETO_LATTICE_MAX. */
size_t pareto_lattice_count(size_t dim, size_t m);

/* The simplex lattice (see above) in a new array of *n x dim values (free()).
 * step in (0, 1] must divide 1 (1/step within 1e-9 of an integer). */
enum status_code pareto_lattice(size_t dim, double step, double **out, size_t *n,
                                struct status *st);

#endif
