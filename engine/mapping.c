#include "config.h"

#include "engine/mapping.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
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
	if (k == MAPPING_LP)
		return "lp";
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

enum status_code mapping_spec_parse(const char *text, struct mapping *out, struct status *st)
{
	if (!text || strncmp(text, "lp:", 3) != 0) {
		out->p = 0.0;
		return mapping_parse(text, &out->kind, st);
	}
	char *end;
	errno = 0;
	double p = strtod(text + 3, &end);
	if (end == text + 3 || *end || errno == ERANGE || isnan(p))
		return status_set(st, STATUS_INVALID,
		                  "mapping '%s': lp wants a number P >= 1 or inf after 'lp:'", text);
	if (!(p >= 1.0))
		return status_set(st, STATUS_INVALID, "mapping '%s': P must be >= 1", text);
	out->kind = MAPPING_LP;
	out->p = p;
	return STATUS_OK;
}

void mapping_spec_name(const struct mapping *m, char *buf, size_t cap)
{
	if (m->kind != MAPPING_LP)
		snprintf(buf, cap, "%s", mapping_name(m->kind));
	else if (isinf(m->p))
		snprintf(buf, cap, "lp:inf");
	else
		snprintf(buf, cap, "lp:%.17g", m->p);
}

/* ||x||_p scaled by the largest |x_i|, so large p neither overflows nor
 * underflows to 0 for every term. */
static double mapping_norm(const double *x, size_t n, double p)
{
	double m = 0.0, s = 0.0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, x[i]);
	if (m == 0.0)
		return 0.0;
	for (size_t i = 0; i < n; i++)
		s += pow(x[i] / m, p);
	return m * pow(s, 1.0 / p);
}

/* x of lp:P for a point u of the simplex (mapping.h): x_i = min(N u_i,
 * lambda a_i) with a_i = (u_i / max u)^(1/(P-1)), so the largest a is 1.
 * Then lambda lies in (0, 1]: at lambda = 1 the largest coordinate is
 * min(N max u, 1) = 1 already, and the norm only grows with lambda, so
 * bisection finds it to the last bit. x (n) is the output. */
static void mapping_lp(const double *u, size_t n, double p, double *x)
{
	double umax = 0.0;
	size_t ties = 0;
	for (size_t i = 0; i < n; i++)
		umax = fmax(umax, u[i]);
	for (size_t i = 0; i < n; i++)
		ties += u[i] == umax;
	if (p == 1.0 || isinf(p)) {
		for (size_t i = 0; i < n; i++)
			x[i] = p == 1.0 ? (u[i] == umax ? 1.0 / (double)ties : 0.0)
			                : fmin(1.0, (double)n * u[i]);
		return;
	}
	double e = 1.0 / (p - 1.0), lo = 0.0, hi = 1.0;
	for (int it = 0; it < 200 && lo < hi; it++) {
		double lam = 0.5 * (lo + hi);
		if (lam == lo || lam == hi)
			break;
		for (size_t i = 0; i < n; i++)
			x[i] = fmin((double)n * u[i], lam * pow(u[i] / umax, e));
		if (mapping_norm(x, n, p) < 1.0)
			lo = lam;
		else
			hi = lam;
	}
	for (size_t i = 0; i < n; i++)
		x[i] = fmin(1.0, fmin((double)n * u[i], hi * pow(u[i] / umax, e)));
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
	const struct mapping m = { .kind = k };
	return mapping_spec_targets(&m, w, n, lo, hi, flags, t, st);
}

enum status_code mapping_spec_targets(const struct mapping *m, const double *w, size_t n,
                                      const double *lo, const double *hi, unsigned flags,
                                      double *t, struct status *st)
{
	enum mapping_kind k = m->kind;
	if (k == MAPPING_LP && !(m->p >= 1.0))
		return status_set(st, STATUS_INVALID, "mapping lp: P is %g, it must be >= 1", m->p);
	if (k != MAPPING_LP && (unsigned)k >= sizeof names / sizeof names[0])
		return status_set(st, STATUS_INVALID, "unknown mapping %d", (int)k);
	double *u = malloc(2 * (n ? n : 1) * sizeof *u);
	if (!u)
		return status_set(st, STATUS_NOMEM, "out of memory");
	double *x = u + (n ? n : 1);
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
	if (k == MAPPING_LP)
		mapping_lp(u, n, m->p, x);
	for (size_t i = 0; i < n; i++) {
		double f;
		switch (k) {
		case MAPPING_LP:
			f = x[i];
			break;
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
