#include "config.h"

#include "engine/mors.h"

#include <stdlib.h>

#include "engine/stats.h"

enum status_code mors_thresholds(const double *s, size_t n, size_t dim, double q, double *tau,
                                 struct status *st)
{
	if (dim == 0)
		return status_set(st, STATUS_INVALID, "rejection sampling needs at least one objective");
	if (n == 0)
		return status_set(st, STATUS_INVALID, "rejection sampling over no samples");
	for (size_t j = 0; j < dim; j++) {
		enum status_code c = stats_quantile(s + j, n, dim, q, &tau[j], st);
		if (c != STATUS_OK) {
			status_prefix(st, "rejection sampling, objective %zu", j + 1);
			return c;
		}
	}
	return STATUS_OK;
}

int mors_keep(const double *s, const double *tau, size_t dim)
{
	for (size_t j = 0; j < dim; j++)
		if (s[j] >= tau[j])
			return 1;
	return 0;
}

size_t mors_apply(const double *s, size_t n, size_t dim, const double *tau, unsigned char *keep)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		keep[i] = (unsigned char)mors_keep(s + i * dim, tau, dim);
		kept += keep[i];
	}
	return kept;
}

enum status_code mors_filter(const double *s, size_t n, size_t dim, double q, unsigned char *keep,
                             double *tau, size_t *n_kept, struct status *st)
{
	double *t = tau ? tau : malloc((dim ? dim : 1) * sizeof *t);
	if (!t)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code c = mors_thresholds(s, n, dim, q, t, st);
	if (c == STATUS_OK) {
		size_t k = mors_apply(s, n, dim, t, keep);
		if (n_kept)
			*n_kept = k;
	}
	if (!tau)
		free(t);
	return c;
}
