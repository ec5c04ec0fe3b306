#include "config.h"

#include "engine/pareto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int pareto_dominates(const double *a, const double *b, size_t dim)
{
	int better = 0;
	for (size_t j = 0; j < dim; j++) {
		if (a[j] < b[j])
			return 0;
		better |= a[j] > b[j];
	}
	return better;
}

static enum status_code check_points(const double *pts, size_t n, size_t dim, struct status *st)
{
	if (dim == 0)
		return status_set(st, STATUS_INVALID, "points with no objectives");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < dim; j++)
			if (!isfinite(pts[i * dim + j]))
				return status_set(st, STATUS_INVALID,
				                  "point %zu, objective %zu is not a finite number", i + 1,
				                  j + 1);
	return STATUS_OK;
}

enum status_code pareto_front(const double *pts, size_t n, size_t dim, unsigned char *on,
                              size_t *n_on, struct status *st)
{
	enum status_code c = check_points(pts, n, dim, st);
	if (c != STATUS_OK)
		return c;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		on[i] = 1;
		for (size_t o = 0; o < n && on[i]; o++)
			if (o != i && pareto_dominates(pts + o * dim, pts + i * dim, dim))
				on[i] = 0;
		k += on[i];
	}
	if (n_on)
		*n_on = k;
	return STATUS_OK;
}

/* ---- hypervolume --------------------------------------------------------- */

/* qsort has no context argument; the sweep is single-threaded per call, the
 * thread-local keeps concurrent calls apart. */
static _Thread_local size_t sort_col;

static int by_col_desc(const void *a, const void *b)
{
	double x = (*(const double *const *)a)[sort_col], y = (*(const double *const *)b)[sort_col];
	return (x < y) - (x > y);
}

static void sort_desc(const double **rows, size_t m, size_t col)
{
	sort_col = col;
	qsort(rows, m, sizeof *rows, by_col_desc);
}

/* Volume of the union of boxes [0, q] over the first d coordinates of the m
 * rows (every coordinate > 0). `rows` may be reordered; `work` holds
 * (d - 2) levels of m pointers for the recursion. */
static double hv_rec(const double **rows, size_t m, size_t d, const double **work)
{
	if (m == 0)
		return 0.0;
	if (d == 1) {
		double best = 0.0;
		for (size_t i = 0; i < m; i++)
			best = fmax(best, rows[i][0]);
		return best;
	}
	if (d == 2) {
		sort_desc(rows, m, 0);
		double area = 0.0, top = 0.0;
		for (size_t i = 0; i < m; i++)
			if (rows[i][1] > top) {
				area += rows[i][0] * (rows[i][1] - top);
				top = rows[i][1];
			}
		return area;
	}
	sort_desc(rows, m, d - 1);
	double vol = 0.0;
	for (size_t i = 0; i < m; i++) {
		double below = i + 1 < m ? rows[i + 1][d - 1] : 0.0;
		double h = rows[i][d - 1] - below;
		if (h <= 0.0)
			continue;
		/* The slab between the next point's height and this one holds the
		 * projections of every point at least this high. */
		memcpy(work, rows, (i + 1) * sizeof *work);
		vol += h * hv_rec(work, i + 1, d - 1, work + m);
	}
	return vol;
}

enum status_code pareto_hypervolume(const double *pts, size_t n, size_t dim, const double *ref,
                                    double *out, struct status *st)
{
	enum status_code c = check_points(pts, n, dim, st);
	if (c != STATUS_OK)
		return c;
	if (dim > PARETO_HV_EXACT_MAX)
		return status_set(st, STATUS_UNSUPPORTED,
		                  "exact hypervolume is limited to %d objectives, not %zu",
		                  PARETO_HV_EXACT_MAX, dim);
	for (size_t j = 0; j < dim; j++)
		if (!isfinite(ref[j]))
			return status_set(st, STATUS_INVALID, "reference point, objective %zu is not finite",
			                  j + 1);
	double *q = malloc((n ? n : 1) * dim * sizeof *q);
	const double **rows = malloc((n ? n : 1) * dim * sizeof *rows);
	if (!q || !rows) {
		free(q);
		free(rows);
		return status_set(st, STATUS_NOMEM, "out of memory for the hypervolume of %zu points", n);
	}
	/* Shift so ref is the origin; keep the points strictly above it. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		int above = 1;
		for (size_t j = 0; j < dim; j++)
			above &= pts[i * dim + j] > ref[j];
		if (!above)
			continue;
		for (size_t j = 0; j < dim; j++)
			q[m * dim + j] = pts[i * dim + j] - ref[j];
		rows[m] = q + m * dim;
		m++;
	}
	*out = hv_rec(rows, m, dim, rows + m);
	free(q);
	free(rows);
	return STATUS_OK;
}

enum status_code pareto_hypervolume_mc(const double *pts, size_t n, size_t dim, const double *ref,
                                       size_t samples, struct rng *r, double *out,
                                       struct status *st)
{
	enum status_code c = check_points(pts, n, dim, st);
	if (c != STATUS_OK)
		return c;
	if (samples == 0)
		return status_set(st, STATUS_INVALID, "a Monte Carlo estimate needs samples");
	double *top = malloc(dim * sizeof *top), *x = malloc(dim * sizeof *x);
	if (!top || !x) {
		free(top);
		free(x);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	double box = 1.0;
	for (size_t j = 0; j < dim; j++) {
		top[j] = ref[j];
		for (size_t i = 0; i < n; i++)
			top[j] = fmax(top[j], pts[i * dim + j]);
		box *= top[j] - ref[j];
	}
	size_t hits = 0;
	if (box > 0.0)
		for (size_t s = 0; s < samples; s++) {
			for (size_t j = 0; j < dim; j++)
				x[j] = ref[j] + rng_uniform_double(r) * (top[j] - ref[j]);
			for (size_t i = 0; i < n; i++) {
				size_t j = 0;
				while (j < dim && pts[i * dim + j] >= x[j])
					j++;
				if (j == dim) {
					hits++;
					break;
				}
			}
		}
	*out = box > 0.0 ? box * (double)hits / (double)samples : 0.0;
	free(top);
	free(x);
	return STATUS_OK;
}

/* ---- preference lattice -------------------------------------------------- */

size_t pareto_lattice_count(size_t dim, size_t m)
{
	if (dim == 0)
		return 0;
	/* C(m + dim - 1, dim - 1), built so every partial product is an exact binomial. */
	double c = 1.0;
	for (size_t k = 1; k < dim; k++) {
		c = c * (double)(m + k) / (double)k;
		if (c > PARETO_LATTICE_MAX)
			return 0;
	}
	return (size_t)llround(c);
}

enum status_code pareto_lattice(size_t dim, double step, double **out, size_t *n,
                                struct status *st)
{
	*out = NULL;
	*n = 0;
	if (dim == 0)
		return status_set(st, STATUS_INVALID, "a preference grid needs at least one objective");
	if (!(step > 0.0 && step <= 1.0))
		return status_set(st, STATUS_INVALID, "grid step %g is not in (0, 1]", step);
	double mf = 1.0 / step;
	size_t m = (size_t)llround(mf);
	if (fabs(mf - (double)m) > 1e-9 * mf)
		return status_set(st, STATUS_INVALID, "grid step %g does not divide 1", step);
	size_t count = pareto_lattice_count(dim, m);
	if (count == 0)
		return status_set(st, STATUS_INVALID,
		                  "a grid of step %g over %zu objectives has more than %d points", step,
		                  dim, PARETO_LATTICE_MAX);
	double *w = malloc(count * dim * sizeof *w);
	size_t *k = calloc(dim, sizeof *k);
	if (!w || !k) {
		free(w);
		free(k);
		return status_set(st, STATUS_NOMEM, "out of memory for %zu grid points", count);
	}
	/* k_1..k_{N-1} count up like an odometer (last digit fastest) while their sum
	 * stays <= m; k_N takes the rest. */
	size_t i = 0;
	for (;;) {
		size_t used = 0;
		for (size_t j = 0; j + 1 < dim; j++)
			used += k[j];
		k[dim - 1] = m - used;
		for (size_t j = 0; j < dim; j++)
			w[i * dim + j] = (double)k[j] / (double)m;
		i++;
		/* Next: increase the last free digit that can grow; reset those after it. */
		size_t j = dim - 1;
		while (j > 0) {
			j--;
			if (used < m) {
				k[j]++;
				break;
			}
			used -= k[j];
			k[j] = 0;
			if (j == 0) {
				j = dim; /* done */
				break;
			}
		}
		if (j == dim || dim == 1)
			break;
	}
	free(k);
	if (i != count) {
		free(w);
		return status_set(st, STATUS_INTERNAL, "grid made %zu points, expected %zu", i, count);
	}
	*out = w;
	*n = count;
	return STATUS_OK;
}
