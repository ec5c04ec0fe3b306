#include "config.h"

#include "engine/goals.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"

static const char *const names[] = { [GOALS_REFERENCE] = "reference",
	                             [GOALS_DIRICHLET] = "dirichlet" };

enum status_code goals_parse(const char *name, enum goals_sampler *out, struct status *st)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (name && strcmp(name, names[i]) == 0) {
			*out = (enum goals_sampler)i;
			return STATUS_OK;
		}
	return status_set(st, STATUS_INVALID, "unknown goal sampler '%s' (known: " GOALS_NAMES ")",
	                  name ? name : "");
}

const char *goals_name(enum goals_sampler g)
{
	return (unsigned)g < sizeof names / sizeof names[0] ? names[g] : "?";
}

static enum status_code reference(size_t n, const double *lo, const double *hi, struct rng *r,
                                  double *t)
{
	size_t low = 0;
	double umin = 2.0;
	for (size_t i = 0; i < n; i++) {
		double u = rng_uniform_double(r);
		if (u < umin) {
			umin = u;
			low = i;
		}
	}
	for (size_t i = 0; i < n; i++)
		t[i] = stats_round1(i == low ? lo[i] + umin * (hi[i] - lo[i]) : hi[i]);
	return STATUS_OK;
}

enum status_code goals_sample(enum goals_sampler g, enum mapping_kind map, size_t n,
                              const double *lo, const double *hi, struct rng *r, double *w,
                              double *t, struct status *st)
{
	if (n == 0)
		return status_set(st, STATUS_INVALID, "goal sampling needs at least one objective");
	for (size_t i = 0; i < n; i++)
		if (!isfinite(lo[i]) || !isfinite(hi[i]) || lo[i] > hi[i])
			return status_set(st, STATUS_INVALID,
			                  "objective %zu: range [%g, %g] is not a finite interval", i + 1,
			                  lo[i], hi[i]);
	switch (g) {
	case GOALS_REFERENCE:
		return reference(n, lo, hi, r, t);
	case GOALS_DIRICHLET: {
		double *v = w ? w : malloc(n * sizeof *v);
		if (!v)
			return status_set(st, STATUS_NOMEM, "out of memory");
		rng_dirichlet(r, 1.0, n, v);
		/* The draw sums to 1 up to rounding; normalise rather than risk the tolerance. */
		enum status_code c = mapping_targets(map, v, n, lo, hi, MAPPING_NORMALISE, t, st);
		if (!w)
			free(v);
		return c;
	}
	}
	return status_set(st, STATUS_INVALID, "unknown goal sampler %d", (int)g);
}
