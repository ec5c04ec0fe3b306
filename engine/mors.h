/* mors: multi-objective rejection sampling, RiC's filter for online samples
 * and for the offline rows mixed into online training.
 *
 *   double tau[2];
 *   unsigned char keep[n];
 *   size_t kept;
 *   // scores: n samples x 2 objectives, row-major, normalised
 *   if (mors_filter(scores, n, 2, MORS_QUANTILE, keep, tau, &kept, &st) != STATUS_OK) ...
 *
 * tau_j is the q-quantile (stats_quantile: linear interpolation, type 7) of
 * column j over the n rows; row i is kept iff s_ij >= tau_j for SOME j, so
 * only the region below the quantile in every dimension is dropped. With
 * q = 0.7 and independent columns about 1 - 0.7^N of the rows survive.
 * Ties count as kept (>=), so a column of equal values keeps every row.
 *
 * For offline rows the online stage calls the same mors_filter once over
 * the whole offline set's normalised scores, as the reference does; mors_apply
 * filters against thresholds computed elsewhere (for example an earlier
 * iteration's).
 */
#ifndef RIC_ENGINE_MORS_H
#define RIC_ENGINE_MORS_H

#include <stddef.h>

#include "engine/status.h"

#define MORS_QUANTILE 0.7

/* tau[j] = q-quantile of column j of the n x dim matrix s (n >= 1). */
enum status_code mors_thresholds(const double *s, size_t n, size_t dim, double q, double *tau,
                                 struct status *st);

/* 1 when some s[j] >= tau[j]. */
int mors_keep(const double *s, const double *tau, size_t dim);

/* keep[i] = mors_keep(row i, tau); returns how many are kept. */
size_t mors_apply(const double *s, size_t n, size_t dim, const double *tau, unsigned char *keep);

/* Thresholds over s, then mors_apply. tau (dim values) and n_kept may be NULL. */
enum status_code mors_filter(const double *s, size_t n, size_t dim, double q, unsigned char *keep,
                             double *tau, size_t *n_kept, struct status *st);

#endif
