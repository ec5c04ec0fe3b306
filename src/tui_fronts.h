/* tui_fronts: the points of the Front screen, one series per run: the grid
 * points of an eval run (or of its baselines), the samples of an online run
 * (every iteration), or the rows of an offline dataset (an import or relabel
 * run) with their normalised rewards; which points are on the front for the
 * two chosen axes, each series' hypervolume over them, and the text behind a
 * point.
 *
 *   struct tui_front f;
 *   if (tui_front_load(store, run, &f, &err) != STORE_OK) ...
 *   tui_front_axes(&f, 0, 1, ref);        // on_front and hv for objectives 0 and 1
 *   ... f.pts[i].norm[0], f.pts[i].norm[1], f.pts[i].on_front, f.hv_axes, f.hv_stored ...
 *   struct tui_point_text t;
 *   tui_front_point_text(store, &f, i, &t, &err);   // a response at that point
 *   tui_point_text_free(&t);
 *   tui_front_free(&f);
 *
 * Objective names come from the run's dataset in the store when it has
 * them, else "obj1".. . An offline series holds at most TUI_FRONTS_ROWS_MAX
 * rows (the first by id): a scatter, not an export.
 */
#ifndef RIC_SRC_TUI_FRONTS_H
#define RIC_SRC_TUI_FRONTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TUI_FRONTS_ROWS_MAX 5000

enum tui_front_kind {
	TUI_FRONT_EVAL,      /* an eval run's grid points */
	TUI_FRONT_BASELINE,  /* a baseline eval run (sft:, best-of-n:) */
	TUI_FRONT_ONLINE,    /* an online run's samples */
	TUI_FRONT_OFFLINE    /* a dataset's rows (import or relabel run) */
};

struct tui_front_point {
	store_id id;                 /* evaluation point, sample or row */
	double pref[STORE_MAX_OBJ];  /* all 0 for a dataset row */
	double raw[STORE_MAX_OBJ];   /* mean obtained raw scores */
	double norm[STORE_MAX_OBJ];  /* mean obtained normalised scores */
	int64_t n_samples;
	int stored_front;            /* on the front the eval stored (all objectives) */
	int on_front;                /* on the front of the chosen axes */
};

/* The response curve `ric eval` stored for one objective (its metrics
 * weight_level|mean|se/NAME, step = the level's index, and the verdict
 * weight_rise|rise_se|follows|monotone/NAME; desired_* for --desired-grid),
 * in both units: z and raw (raw = mu + sigma z with the eval's own
 * statistics, params objectiveK). */
#define TUI_FRONT_LEVELS 128
struct tui_front_curve {
	size_t n;                            /* levels stored; 0: no curve */
	double level[2][TUI_FRONT_LEVELS];   /* the weight (both the same), or the desired
	                                      * score: [0] z, [1] raw */
	double mean[2][TUI_FRONT_LEVELS];    /* [0] z, [1] raw; NaN when the other unit is unknown */
	double se[2][TUI_FRONT_LEVELS];
	int has_verdict, follows, monotone;
	double rise[2], rise_se[2];          /* last level's mean - first's, z and raw */
};

struct tui_front {
	store_id run;
	enum tui_front_kind kind;
	char *name, *status;
	char *baseline;              /* "sft:DIR", "best-of-n:K" for a baseline run, else NULL */
	int n_obj;
	char *obj[STORE_MAX_OBJ];
	size_t n_pts;
	struct tui_front_point *pts;
	int has_stored;              /* the eval stored a front (it has finished) */
	double hv_stored;            /* its hypervolume over all objectives */
	double reference[STORE_MAX_OBJ];
	double hv_axes;              /* over the chosen axes, from tui_front_axes */
	struct tui_front_curve *curves; /* n_obj of them for an eval run that stored
	                                 * response curves, else NULL */
	struct tui_front_curve *desired; /* obtained against desired score: its
	                                  * --desired-grid child's curves, or NULL */
	/* An eval of one online iteration (`ric online --eval-each`): the
	 * online run, the iteration, and how many iterations have an eval. */
	store_id online_run;
	int iteration, iterations;
	char *model;                 /* the checkpoint the eval measured (param model), or NULL */
};

/* STORE_EINVAL (with a message) for a run with nothing to plot (a training run). */
enum store_code tui_front_load(struct store *s, store_id run, struct tui_front *f,
                               struct store_err *err);
void tui_front_free(struct tui_front *f);

/* Marks on_front and computes hv_axes for objectives x and y; ref gives the
 * reference value of each of the two axes (NULL: the stored reference, or
 * the smallest value of each axis when none is stored). Returns -1 when x
 * or y is not an objective of f. */
int tui_front_axes(struct tui_front *f, int x, int y, const double *ref);

struct tui_point_text {
	char *prompt, *response;
	uint8_t *rgb;               /* an image model's picture, [side][side][3]; NULL: none */
	int side;
	double desired[STORE_MAX_OBJ], raw[STORE_MAX_OBJ], norm[STORE_MAX_OBJ];
	int n;
	int64_t count;              /* samples at that point */
};
/* The text behind point i: the first sample of an evaluation point, the
 * sample itself, or the dataset row (NULL texts when there is none). For
 * an image model its picture too: the PNG the run stored (a sample's
 * response names it; it is read from the run's own files folder,
 * store_run_files_dir, under that name), or an image row's own. */
enum store_code tui_front_point_text(struct store *s, const struct tui_front *f, size_t i,
                                     struct tui_point_text *t, struct store_err *err);
void tui_point_text_free(struct tui_point_text *t);

/* The per-iteration evals of an online run (eval runs whose param
 * online_run names it), by iteration: their ids into ids and iterations
 * into iters (at most cap); returns the count. */
size_t tui_fronts_iterations(struct store *s, store_id online, store_id *ids, int *iters,
                             size_t cap);

/* The online run a run belongs to for stepping through iterations: an
 * online run itself (*iter 0), or the eval of one of its iterations (*iter
 * its iteration). 0 when the run is neither. */
int tui_fronts_online_of(struct store *s, store_id run, store_id *online, int *iter);

/* The newest online run with per-iteration evals, or 0. */
store_id tui_fronts_newest_online(struct store *s);

/* The eval run and its checkpoint (param model, a malloc'd copy, or NULL)
 * of the next (dir 1) or previous (-1) iteration of `online` after `iter`
 * (0: none shown yet, so next is the first and previous the last); *n_iters
 * gets how many have an eval. 0 when there is one, -1 at an end, -2 when
 * the online run has no per-iteration eval. */
int tui_fronts_iteration_step(struct store *s, store_id online, int iter, int dir, store_id *eval,
                              int *to, int *n_iters, char **model);

/* The eval runs Front shows by default, into ids (at most cap); returns the
 * count. Those of the model open in `model` (a checkpoint folder the store
 * registered): the evals of the run that made it, then of its ancestors
 * (the RiC offline run an online run continued), nearest first, each newest
 * first, then their baselines; with no model, or none of its evals in the
 * store, the store's newest evals. */
size_t tui_fronts_eval_runs(struct store *s, const char *model, store_id *ids, size_t cap);

#endif
