/* eval_curve: response curves of `ric eval` -- an objective's obtained score
 * over the levels of what it was asked for (its weight on the grid, or its
 * desired score with --desired-grid) -- and whether it follows them.
 *
 *   struct eval_curve c;
 *   eval_curve_init(&c, n_levels);
 *   eval_curve_add(&c, k, z);          // every sample at level k
 *   eval_curve_finish(&c);             // mean, se, rise, monotone, follows
 *
 * An objective follows when its mean at the last level exceeds the one at
 * the first by more than 2 standard errors of that difference, and no level
 * lies below an earlier one by more than 2 standard errors of theirs
 * (monotone within 2 SE). The standard error of a level is the sample
 * standard deviation over sqrt(count); a level of one sample has none (0).
 */
#ifndef RIC_SRC_EVAL_CURVE_H
#define RIC_SRC_EVAL_CURVE_H

#include <stddef.h>

#include "engine/status.h"
#include "store/store.h"

struct eval_result;

struct eval_curve {
	size_t n;                  /* levels */
	double *level;             /* n: the weight or the desired score */
	double *mean, *se;         /* n: of the obtained score (NAN where no sample) */
	double *sum, *sumsq;
	size_t *count;
	double rise, rise_se;      /* last level's mean - first's, and its SE */
	int rises, monotone, follows;
};

/* 1 on success, 0 out of memory (c is then freeable). */
int eval_curve_init(struct eval_curve *c, size_t n);
void eval_curve_free(struct eval_curve *c);
void eval_curve_add(struct eval_curve *c, size_t k, double v);
void eval_curve_finish(struct eval_curve *c);

/* Per objective j (curves: r->N of them), the obtained score (raw with
 * r->raw_units, else normalised) against w_j over the grid r was measured on
 * (lattice step `step`): every sample of every point with that weight. */
enum status_code eval_weight_curves(const struct eval_result *r, double step,
                                    struct eval_curve *curves, struct status *st);

/* One line per objective: the curve (level:mean+-se) and the verdict. */
void eval_curves_print(const char *title, const char *const *names, const struct eval_curve *c,
                       size_t N);

/* The curves as metrics of run, for ric show/metrics and ric-tui: per
 * objective NAME, at step k (the level's index) PREFIX_level/NAME,
 * PREFIX_mean/NAME, PREFIX_se/NAME and PREFIX_count/NAME; at step 0
 * PREFIX_rise/NAME, PREFIX_rise_se/NAME, PREFIX_monotone/NAME and
 * PREFIX_follows/NAME (1 or 0). */
enum status_code eval_curves_record(struct store *s, store_id run, const char *prefix,
                                    const char *const *names, const struct eval_curve *c,
                                    size_t N, struct status *st);

#endif
