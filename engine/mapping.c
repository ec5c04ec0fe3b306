#include "config.h"

#include "engine/mapping.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"

static const char *const names[] = { [MAPPING_LINF] = "linf", [MAPPING_L2] = "l2",
	                             [MAPPING_LINEAR] = "linear" };

enum status_code mapping_parse(const char *name, enum mapping_kind *out, struct status *st)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (name && strcmp(name, names[i]) == 0) {
			*out = (enum mapping_kind)i;
			return STATUS_OK;
		}
	return status_set(st, STATUS_INVALID, "unknown mapping '%s' (known: " MAPPING_NAMES ")",
	                  name ? name : "");
}

const char *mapping_name(enum mapping_kind k)
{
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

enum status_code mapping_check_pref(const double *w, size_t n, unsigned flags, double *out,
                                    struct status *st)
{
	if (n == 0)
		return status_set(st, STATUS_INVALID, "a preference needs at least one objective");
	double sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(w[i]) || w[i] < 0.0)
			return status_set(st, STATUS_INVALID,
			                  "preference weight %zu is %g: weights must be finite and >= 0",
			                  i + 1, w[i]);
		sum += w[i];
	}
	if (!(sum > 0.0))
		return status_set(st, STATUS_INVALID, "preference weights are all zero");
	if (!(flags & MAPPING_NORMALISE) && fabs(sum - 1.0) > MAPPING_SUM_TOL)
		return status_set(st, STATUS_INVALID, "preference weights sum to %g, not 1", sum);
	for (size_t i = 0; i < n; i++)
		out[i] = w[i] / sum;
	return STATUS_OK;
}

enum status_code mapping_parse_vector(const char *text, size_t n, const char *what, double *w,
                                      struct status *st)
{
	const char *p = text;
	size_t k = 0;
	for (;;) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno == ERANGE || !isfinite(v))
			return status_set(st, STATUS_INVALID, "%s '%s': value %zu is not a number", what,
			                  text, k + 1);
		if (k < n)
			w[k] = v;
		k++;
		p = end + strspn(end, " \t");
		if (*p == '\0')
			break;
		if (*p != ',')
			return status_set(st, STATUS_INVALID, "%s '%s': expected ',' after value %zu",
			                  what, text, k);
		p++;
	}
	if (k != n)
		return status_set(st, STATUS_INVALID, "%s '%s' has %zu values, the model has %zu objectives",
		                  what, text, k, n);
	return STATUS_OK;
}

enum status_code mapping_targets(enum mapping_kind k, const double *w, size_t n, const double *lo,
                                 const double *hi, unsigned flags, double *t, struct status *st)
{
	if ((unsigned)k >= sizeof names / sizeof names[0])
		return status_set(st, STATUS_INVALID, "unknown mapping %d", (int)k);
	double *u = malloc((n ? n : 1) * sizeof *u);
	if (!u)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code c = mapping_check_pref(w, n, flags, u, st);
	for (size_t i = 0; c == STATUS_OK && i < n; i++)
		if (!isfinite(lo[i]) || !isfinite(hi[i]) || lo[i] > hi[i])
			c = status_set(st, STATUS_INVALID,
			               "objective %zu: range [%g, %g] is not a finite interval", i + 1,
			               lo[i], hi[i]);
	if (c != STATUS_OK) {
		free(u);
		return c;
	}
	double norm2 = 0.0;
	for (size_t i = 0; i < n; i++)
		norm2 += u[i] * u[i];
	norm2 = sqrt(norm2);
	for (size_t i = 0; i < n; i++) {
		double f;
		switch (k) {
		case MAPPING_LINF:
			f = fmin(1.0, (double)n * u[i]);
			break;
		case MAPPING_L2:
			f = u[i] / norm2;
			break;
		case MAPPING_LINEAR:
		default:
			f = u[i];
			break;
		}
		double v = lo[i] + f * (hi[i] - lo[i]);
		t[i] = flags & MAPPING_NO_ROUND ? v : stats_round1(v);
	}
	free(u);
	return STATUS_OK;
}
