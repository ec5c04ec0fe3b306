/* mapping: a user's preference vector w -> the desired normalised scores
 * written into a RiC prompt.
 *
 *   enum mapping_kind k;
 *   if (mapping_parse("linf", &k, &st) != STATUS_OK) return st.code;
 *   double w[2] = { 0.2, 0.8 }, t[2];
 *   mapping_targets(k, w, 2, lo, hi, 0, t, &st);   // t rounded to 0.1, as the prompt shows it
 *
 * With lo_i, hi_i the range of objective i's normalised offline scores
 * (../shared/RIC.md, "Stage 3"):
 *   linf   t_i = lo_i + min(1, N w_i) (hi_i - lo_i)   (the paper's mapping; default)
 *   l2     t_i = lo_i + (w_i / ||w||_2) (hi_i - lo_i)
 *   linear t_i = lo_i + w_i (hi_i - lo_i)
 * They maximise sum_i w_i x_i over the unit l_p ball for p -> infinity, p = 2
 * and p = 1 (the last one relaxed to be proportional).
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

enum mapping_kind { MAPPING_LINF, MAPPING_L2, MAPPING_LINEAR };
#define MAPPING_DEFAULT MAPPING_LINF
#define MAPPING_NAMES "linf, l2, linear"

#define MAPPING_SUM_TOL 1e-3

enum mapping_flags {
	MAPPING_NORMALISE = 1 << 0, /* accept any positive sum (w is divided by it) */
	MAPPING_NO_ROUND = 1 << 1   /* keep the exact targets instead of rounding to 0.1 */
};

/* "linf", "l2" or "linear" (exact, lower case). */
enum status_code mapping_parse(const char *name, enum mapping_kind *out, struct status *st);
/* The name mapping_parse reads back; "?" for a value outside the enum. */
const char *mapping_name(enum mapping_kind k);

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
enum status_code mapping_targets(enum mapping_kind k, const double *w, size_t n, const double *lo,
                                 const double *hi, unsigned flags, double *t, struct status *st);

#endif
