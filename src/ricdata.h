/* ricdata: the RiC-conditioned training rows of a relabelled dataset, as
 * `ric sft` trains on them and `ric export --format trl` writes them: one
 * piece serving both, so the export holds exactly the template, scores and
 * rows sft would use.
 *
 *   struct ricdata_opts ro = { 0 };
 *   ... case 'O': case 't': case 'M': case 'P': case 'U': case 'R':
 *           rc = ricdata_option(cmd, c, optarg, &ro); ...
 *   ricdata_opts_done(&ro);
 *   struct ricdata rd;
 *   if (ricdata_open(&rd, store, "hh", &ro, "models/base", &st) != STATUS_OK) ...
 *   ricdata_each(&rd, store, row_fn, ctx, &st);   // row_fn(ctx, row, z): z NULL unconditioned
 *   ... rd.m is the ric.json of a model trained on them ...
 *   ricdata_close(&rd);
 */
#ifndef RIC_SRC_RICDATA_H
#define RIC_SRC_RICDATA_H

#include "src/cli.h"
#include "engine/ricmeta.h"
#include "store/store.h"

#define RICDATA_MAX_OBJ STORE_MAX_OBJ

struct ricdata_opts {
	const char *objectives[RICDATA_MAX_OBJ]; /* none: all of the dataset's */
	int n_objectives;
	const char *template, *marker, *mapping; /* NULL: the defaults */
	int unconditioned;                       /* the SFT baseline: prompt + marker */
	const char *pair_responses;              /* "chosen", "both"; NULL: by unconditioned */
	const char *expert;                      /* a Rewarded Soups expert of this objective:
	                                            only rows at its expert_quantile or above */
	double expert_quantile;
	int images;                              /* an image dataset (an image model's sft) */
};

/* The options of struct ricdata_opts; their characters (O t M P U R) are
 * free for no other option of a command that takes them. */
#define RICDATA_OPTIONS                                                                          \
	{ "objective", required_argument, NULL, 'O' }, { "template", required_argument, NULL, 't' }, \
	{ "marker", required_argument, NULL, 'M' }, { "mapping", required_argument, NULL, 'P' },    \
	{ "unconditioned", no_argument, NULL, 'U' },                                             \
	{ "pair-responses", required_argument, NULL, 'R' }

/* Option c of RICDATA_OPTIONS into *o: CLI_OK or a usage error. */
int ricdata_option(const struct cli_command *cmd, int c, const char *arg, struct ricdata_opts *o);
/* Fills in the defaults that depend on other options (call after parsing). */
void ricdata_opts_done(struct ricdata_opts *o);
/* Whether any option of RICDATA_OPTIONS was given. */
int ricdata_opts_given(const struct ricdata_opts *o);

struct ricdata {
	const struct ricdata_opts *o;
	const char *dataset;
	store_id ds;
	struct ricmeta m;             /* objectives with their stats, template, marker, mapping */
	int pos[RICDATA_MAX_OBJ];     /* dataset position of each objective of m */
	int expert_pos;               /* o->expert's dataset position, -1: no expert */
	double expert_threshold;      /* o->expert_quantile of its training scores */
	size_t skipped_unscored, skipped_rejected, skipped_expert;
};

/* The dataset's objectives (those of o->objectives, or all) with their
 * relabel stats, and the context template: m configured with base as its
 * base model (may be NULL). A dataset that is not relabelled (no objectives,
 * or one without stats) is an error saying so. With o->expert, also that
 * objective's threshold: the o->expert_quantile of its scores over the
 * training rows (rejection sampling keeps the rows at or above it). */
enum status_code ricdata_open(struct ricdata *rd, struct store *s, const char *dataset,
                              const struct ricdata_opts *o, const char *base, struct status *st);

/* One training row: z holds its normalised scores (m's order), NULL when
 * unconditioned. Returns STATUS_OK to go on; anything else stops the walk
 * and is returned (with st set by the callback). */
typedef enum status_code (*ricdata_row_fn)(void *ctx, const struct store_row *r, const double *z);

/* Every training row that has all of m's scores (in the store's order), but
 * the rejected rows of pairs under --pair-responses chosen and, for an
 * expert, the rows below its threshold; the others are counted in
 * skipped_unscored, skipped_rejected and skipped_expert. */
enum status_code ricdata_each(struct ricdata *rd, struct store *s, ricdata_row_fn fn, void *ctx,
                              struct status *st);

/* ricmeta_to_json(m) with "conditioned": false for the unconditioned
 * baseline (NULL: out of memory). */
json_t *ricdata_meta_json(const struct ricmeta *m, int unconditioned);

void ricdata_close(struct ricdata *rd);

#endif
