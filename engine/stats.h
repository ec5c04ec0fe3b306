/* stats: population moments, quantiles, normalisation and the one-decimal
 * numbers written into RiC prompts.
 *
 *   struct stats_summary s;
 *   if (stats_describe(rewards, n, 1, &s, &st) != STATUS_OK) return st.code;
 *   double z = stats_normalise(r, s.mean, s.std);     // (r - mu) / sigma
 *   double tau;
 *   stats_quantile(scores + j, n, dim, 0.7, &tau, &st); // column j of an n x dim matrix
 *   char buf[STATS_FMT_MAX];
 *   stats_format1(-0.04, buf, sizeof buf);             // "0.0", never "-0.0"
 *
 * Every array is read with a stride (in elements) so one column of a
 * row-major matrix needs no copy; pass 1 for a plain array. Non-finite values
 * are refused with the index that holds them.
 */
#ifndef RIC_ENGINE_STATS_H
#define RIC_ENGINE_STATS_H

#include <stddef.h>

#include "engine/status.h"

struct stats_summary {
	size_t n;
	double mean;
	double std;   /* population: sqrt(sum (x - mean)^2 / n) */
	double min, max;
};

/* n >= 1 values x[0], x[stride], ...; two passes, so the variance does not
 * lose digits to cancellation. */
enum status_code stats_describe(const double *x, size_t n, size_t stride, struct stats_summary *out,
                                struct status *st);

/* The q-quantile, 0 <= q <= 1, by linear interpolation between order
 * statistics (Hyndman and Fan's type 7, NumPy's default "linear"): with the
 * values sorted as v[0] <= ... <= v[n-1], h = (n - 1) q, the result is
 * v[floor h] + (h - floor h) (v[floor h + 1] - v[floor h]). q = 0 gives the
 * minimum, q = 1 the maximum, q = 0.5 the usual median. */
enum status_code stats_quantile(const double *x, size_t n, size_t stride, double q, double *out,
                                struct status *st);
/* The same for several q at once (one sort). */
enum status_code stats_quantiles(const double *x, size_t n, size_t stride, const double *q,
                                 size_t nq, double *out, struct status *st);

/* z = (r - mu) / sigma. A constant objective has sigma 0 (or a sigma too
 * small to divide by, <= STATS_SIGMA_MIN, or not finite): then sigma counts as 1, so
 * z = r - mu is 0 for every offline row and later values keep their
 * order and distance from mu instead of becoming infinite. */
#define STATS_SIGMA_MIN 1e-12
double stats_normalise(double r, double mu, double sigma);
/* The inverse: r = mu + z sigma, with the same rule for sigma. */
double stats_denormalise(double z, double mu, double sigma);

/* "%.1f" of v, except that a result that is negative zero ("-0.0", from
 * -0.04 or -0.0) is written "0.0". Returns the length (as snprintf) or -1
 * when v is not finite (nothing useful can be written into a prompt).
 * STATS_FMT_MAX holds any finite double. */
#define STATS_FMT_MAX 320
int stats_format1(double v, char *buf, size_t cap);
/* The number stats_format1 writes, read back: v rounded to one decimal exactly
 * as the prompt text shows it (so 0.25 -> 0.2, round-half-even on the binary
 * value as printf does). Non-finite v comes back unchanged. */
double stats_round1(double v);

#endif
