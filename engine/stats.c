#include "config.h"

#include "engine/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum status_code check_finite(const double *x, size_t n, size_t stride, struct status *st)
{
	if (n == 0)
		return status_set(st, STATUS_INVALID, "statistics of no values");
	if (stride == 0)
		return status_set(st, STATUS_INVALID, "statistics with stride 0");
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i * stride]))
			return status_set(st, STATUS_INVALID, "value %zu is not a finite number (%g)", i + 1,
			                  x[i * stride]);
	return STATUS_OK;
}

enum status_code stats_describe(const double *x, size_t n, size_t stride, struct stats_summary *out,
                                struct status *st)
{
	enum status_code c = check_finite(x, n, stride, st);
	if (c != STATUS_OK)
		return c;
	double sum = 0.0, lo = x[0], hi = x[0];
	for (size_t i = 0; i < n; i++) {
		double v = x[i * stride];
		sum += v;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	double mean = sum / (double)n, ss = 0.0;
	for (size_t i = 0; i < n; i++) {
		double d = x[i * stride] - mean;
		ss += d * d;
	}
	/* Finite values can still overflow a sum (two of 1e308) or a square (1e200). */
	if (!isfinite(mean) || !isfinite(ss))
		return status_set(st, STATUS_INVALID, "values too large for statistics (%g..%g): their "
		                  "%s overflows", lo, hi, isfinite(mean) ? "variance" : "sum");
	out->n = n;
	out->mean = mean;
	out->std = sqrt(ss / (double)n);
	out->min = lo;
	out->max = hi;
	return STATUS_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum status_code stats_quantiles(const double *x, size_t n, size_t stride, const double *q,
                                 size_t nq, double *out, struct status *st)
{
	enum status_code c = check_finite(x, n, stride, st);
	if (c != STATUS_OK)
		return c;
	for (size_t k = 0; k < nq; k++)
		if (!(q[k] >= 0.0 && q[k] <= 1.0))
			return status_set(st, STATUS_INVALID, "quantile %g is outside [0, 1]", q[k]);
	double *v = malloc(n * sizeof *v);
	if (!v)
		return status_set(st, STATUS_NOMEM, "out of memory sorting %zu values", n);
	for (size_t i = 0; i < n; i++)
		v[i] = x[i * stride];
	qsort(v, n, sizeof *v, cmp_double);
	for (size_t k = 0; k < nq; k++) {
		double h = (double)(n - 1) * q[k];
		size_t i = (size_t)floor(h);
		if (i >= n - 1)
			out[k] = v[n - 1];
		else
			out[k] = v[i] + (h - (double)i) * (v[i + 1] - v[i]);
	}
	free(v);
	return STATUS_OK;
}

enum status_code stats_quantile(const double *x, size_t n, size_t stride, double q, double *out,
                                struct status *st)
{
	return stats_quantiles(x, n, stride, &q, 1, out, st);
}

static double usable_sigma(double sigma)
{
	return isfinite(sigma) && sigma > STATS_SIGMA_MIN ? sigma : 1.0;
}

double stats_normalise(double r, double mu, double sigma)
{
	return (r - mu) / usable_sigma(sigma);
}

double stats_denormalise(double z, double mu, double sigma)
{
	return mu + z * usable_sigma(sigma);
}

int stats_format1(double v, char *buf, size_t cap)
{
	if (!isfinite(v)) {
		if (cap)
			buf[0] = '\0';
		return -1;
	}
	char tmp[STATS_FMT_MAX];
	int len = snprintf(tmp, sizeof tmp, "%.1f", v);
	const char *s = tmp;
	/* Only "-0.0" has a minus sign and no non-zero digit. */
	if (tmp[0] == '-' && strspn(tmp + 1, "0.") == (size_t)len - 1) {
		s++;
		len--;
	}
	if (cap)
		snprintf(buf, cap, "%s", s);
	return len;
}

double stats_round1(double v)
{
	char buf[STATS_FMT_MAX];
	if (stats_format1(v, buf, sizeof buf) < 0)
		return v;
	return strtod(buf, NULL);
}
