/* mapping: a user's preference vector w -> the desired normalised scores
 * written into a RiC prompt.
 *
 *   enum mapping_kind k;
 *   if (mapping_parse("linf", &k, &st) != STATUS_OK) return st.code;
 *   double w[2] = { 0.2, 0.8 }, t[2];
 *   mapping_targets(k, w, 2, lo, hi, 0, t, &st);   // t rounded to 0.1, as the prompt shows it
 *
 * With lo_i, hi_i the range of objective i's normalised offline scores
 * (../shared/RIC.md, "Stage 3"), every mapping picks x in [0, 1]^N and
 * writes t_i = lo_i + x_i (hi_i - lo_i):
 *   linf   x_i = min(1, N w_i)          (the paper's mapping; default)
 *   l2     x_i = w_i / ||w||_2          (the reference evaluation script's)
 *   linear x_i = w_i
 *   lp:P   (P >= 1) x maximises sum_i w_i x_i over the l_P unit ball cut by
 *          the per-objective bound 0 <= x_i <= N w_i (1 at the even
 *          preference w_i = 1/N). By the KKT conditions
 *            x_i = min(N w_i, lambda w_i^(1/(P-1))), lambda such that ||x||_P = 1,
 *          and its members are:
 *            P <= 2   the bound never binds: x_i = w_i^(1/(P-1)) scaled to
 *                     ||x||_P = 1 (Hoelder's equality case); P = 2 is
 *                     x = w / ||w||_2, l2;
 *            P = inf  x_i = min(1, N w_i): linf. The bound is what makes it:
 *                     over the l_inf ball alone (the unit box) every x_i
 *                     with w_i > 0 would be 1, so linf is not the plain
 *                     p -> infinity limit of l2's problem;
 *            P = 1    sum_i x_i <= 1 all goes to the largest weight (shared
 *                     evenly between equal ones): a vertex, the others at lo;
 *            P > 2    the bound binds for the smaller weights, more of them
 *                     as P grows, until P = inf.
 *          linear is no member: it is the proportional relaxation of P = 1.
 *
 * Preferences: every w_i finite and >= 0 and the sum > 0. A sum within
 * MAPPING_SUM_TOL of 1 is accepted as given (typed 0.33,0.67 style values);
 * any other sum is an error unless MAPPING_NORMALISE is passed, which accepts
 * it. In both cases w is divided by its sum before use, so the mapping always
 * sees a point of the simplex (2,8 with MAPPING_NORMALISE means 0.2,0.8).
 */
#ifndef RIC_ENGINE_MAPPING_H
#define RIC_ENGINE_MAPPING_H

#include <stddef.h>

#include "engine/status.h"

enum mapping_kind { MAPPING_LINF, MAPPING_L2, MAPPING_LINEAR, MAPPING_LP };
#define MAPPING_DEFAULT MAPPING_LINF
/* What a checkpoint's ric.json may name; lp:P is chosen per evaluation. */
#define MAPPING_NAMES "linf, l2, linear"

/* A mapping with its parameter: P of lp:P (>= 1, INFINITY allowed). */
struct mapping {
	enum mapping_kind kind;
	double p;
};
/* Room for any mapping_spec_name. */
#define MAPPING_NAME_MAX 40

#define MAPPING_SUM_TOL 1e-3

enum mapping_flags {
	MAPPING_NORMALISE = 1 << 0, /* accept any positive sum (w is divided by it) */
	MAPPING_NO_ROUND = 1 << 1   /* keep the exact targets instead of rounding to 0.1 */
};

/* "linf", "l2" or "linear" (exact, lower case). */
enum status_code mapping_parse(const char *name, enum mapping_kind *out, struct status *st);
/* The name mapping_parse reads back ("lp" for MAPPING_LP); "?" for a value outside the enum. */
const char *mapping_name(enum mapping_kind k);

/* A mapping_parse name, or "lp:P" with P a number >= 1 or "inf". */
enum status_code mapping_spec_parse(const char *text, struct mapping *out, struct status *st);
/* The text mapping_spec_parse reads back ("l2", "lp:4", "lp:inf") into buf. */
void mapping_spec_name(const struct mapping *m, char *buf, size_t cap);

/* Checks w (rules above) and writes w divided by its sum to `out` (may be w). */
enum status_code mapping_check_pref(const double *w, size_t n, unsigned flags, double *out,
                                    struct status *st);

/* Parses "0.2,0.8" (n values separated by commas, spaces allowed around them)
 * into w; the count must be n. `what` names the flag in messages ("--pref"). */
enum status_code mapping_parse_vector(const char *text, size_t n, const char *what, double *w,
                                      struct status *st);

/* t = the mapped targets for preference w (checked as mapping_check_pref with
 * `flags`), rounded with stats_round1 unless MAPPING_NO_ROUND. lo_i <= hi_i,
 * both finite. */
enum status_code mapping_spec_targets(const struct mapping *m, const double *w, size_t n,
                                      const double *lo, const double *hi, unsigned flags,
                                      double *t, struct status *st);
/* The same for a mapping without a parameter (not MAPPING_LP). */
enum status_code mapping_targets(enum mapping_kind k, const double *w, size_t n, const double *lo,
                                 const double *hi, unsigned flags, double *t, struct status *st);

#endif
