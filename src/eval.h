/* eval: what `ric eval` keeps of one evaluated model -- its points, samples,
 * front and hypervolume -- and how they are generated, stored and printed.
 * cmd_eval.c runs the RiC grid and the baselines with it, so every front is
 * stored and shown the same way.
 *
 *   struct eval_result r;
 *   eval_result_alloc(&r, n_pts, N, P);
 *   eval_generate(g, &g->meta, P, prompts, z, seeds, cfg, tr, &r, p * P, &st);  // per point
 *   eval_means(&r);
 *   eval_front(&r, ref, seed, &st);
 *   eval_record(s, run, &r, prompts, ref, "ric", &st);
 *   eval_print("ric", run, &r, &g->meta, ref, 1);
 *   eval_result_free(&r);
 *
 * Under mpirun eval_generate gives each rank its share of the rows and
 * gathers them on every rank, so the ranks go on in step with the whole
 * result; eval_record*, eval_param, eval_new_run and eval_run_finish write
 * on rank 0 alone (the others learn its run ids through eval_new_run).
 */
#ifndef RIC_SRC_EVAL_H
#define RIC_SRC_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/mapping.h"
#include "engine/status.h"
#include "src/cli.h"
#include "src/ricgen.h"
#include "src/stage.h"
#include "store/store.h"

#define EVAL_MAX_BASELINES 4

/* The options of one `ric eval`. */
struct eval_cfg {
	const char *model, *dataset, *split, *mapping, *reference, *name;
	const char *preset;        /* "paper" or "default" (NULL: default) */
	const char *range;         /* desired-score range: "data" or "normal" */
	const char *units;         /* fronts and hypervolumes: "normalised" or "raw" */
	const char *baselines[EVAL_MAX_BASELINES];
	size_t n_baselines;
	const char *experts;       /* --experts DIR,DIR,... of --baseline soups */
	double n_prompts, step, max_tokens, temperature, top_p, seed, batch;
	int desired_grid;          /* --desired-grid: sweep each objective's desired score */
	double desired_levels;     /* its levels from lo to hi (default 11) */
	double ddim_steps, guidance; /* an image model's sampling (src/ricgen_image.c) */
	int image;                   /* the model is an image model (set when it is open) */
	int guidance_given;          /* --guidance (0 is a scale: the null condition alone) */
	int allow_cmd;
	int weights;               /* enum decoder_dtype */
	struct ricgen_stops stops;
};

/* Progress over every sample the run and its baselines generate. */
struct eval_track {
	struct stage *sg;
	int64_t done, total;
};

/* The distinct prompts of the dataset's split, the first `want` by row id. */
struct eval_prompts {
	char **v;
	size_t n, want;
	int oom;
};

/* What one `ric eval` holds from its model to its last baseline. */
struct eval_ctx {
	struct eval_cfg cfg;
	struct cli *cli;
	struct ricgen g;
	int g_open;
	size_t N, n_pts, P;
	struct mapping map;
	char map_name[MAPPING_NAME_MAX];
	double ref[STORE_MAX_OBJ];
	double lo[STORE_MAX_OBJ], hi[STORE_MAX_OBJ]; /* the desired scores' range (--range) */
	int raw_units;
	char how[MAPPING_NAME_MAX + 64];             /* "mapping M, range R, U units" */
	double *grid;              /* n_pts x N preferences */
	struct ricgen_trust trust;
	struct eval_prompts pr;
	uint64_t *seeds;           /* P: prompt i samples with seed + i */
	store_id parent;           /* the run that made the checkpoint, when stored */
	struct stage sg;
	struct eval_track tr;
	store_id run;              /* 0 until the run exists */
	char image_dir[4096];      /* an image model's PNGs: the run's files folder */
	int quiet;                 /* the error was printed where it happened */
};

/* Everything one evaluated model produces: n_pts points of n_prompts samples. */
struct eval_result {
	size_t n_pts, N, n_prompts;
	double *pref, *desired;       /* n_pts x N */
	char **responses;             /* n_pts x n_prompts */
	double *raw, *norm;           /* (n_pts x n_prompts) x N */
	double *raw_mean, *norm_mean; /* n_pts x N */
	unsigned char *on_front;
	int raw_units;                /* front and hypervolume over raw_mean (else norm_mean) */
	double hv;
	int hv_mc;
	size_t tokens;
};

/* 1 on success, 0 out of memory (r is then freeable). */
int eval_result_alloc(struct eval_result *r, size_t n_pts, size_t N, size_t n_prompts);
void eval_result_free(struct eval_result *r);

/* Generates prompts [0, n) (prompt i with targets z + i N, or unconditioned
 * when z is NULL) with g, in batches of cfg->batch, writing responses, raw and
 * norm at sample index base + i. */
enum status_code eval_generate(struct ricgen *g, const struct ricmeta *m, size_t n,
                               const char *const *prompts, const double *z,
                               const uint64_t *seeds, const struct eval_cfg *cfg,
                               struct eval_track *tr, struct eval_result *r, size_t base,
                               struct status *st);
/* raw_mean and norm_mean of every point from its samples. */
void eval_means(struct eval_result *r);
/* Front and hypervolume of the point means, in raw units with r->raw_units
 * (the front itself is the same in both: normalising is increasing). */
enum status_code eval_front(struct eval_result *r, const double *ref, uint64_t seed,
                            struct status *st);

/* Point p with its samples, in a transaction of its own (*id: the point);
 * id NULL: the samples alone, of no point (a run without a grid). */
enum status_code eval_record_point(struct store *s, store_id run, const struct eval_result *r,
                                   const char *const *prompts, size_t p, store_id *id,
                                   struct status *st);
/* The front of r, whose points are stored under ids. */
enum status_code eval_record_front(struct store *s, store_id run, const struct eval_result *r,
                                   const store_id *ids, const double *ref, const char *front_name,
                                   struct status *st);
/* Every point, sample and the front, in one transaction. */
enum status_code eval_record(struct store *s, store_id run, const struct eval_result *r,
                             const char *const *prompts, const double *ref,
                             const char *front_name, struct status *st);

/* A run parameter (printf-style value); a failure to store it is not fatal. */
void eval_param(struct store *s, store_id run, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "[a,b,...]". */
void eval_vec(char *buf, size_t cap, const double *v, size_t n);
/* The parameters every eval run records: objectives with their stats (ric
 * front compares like with like), prompts, sampling, reference, stops. */
void eval_common_params(struct store *s, store_id run, const struct eval_cfg *cfg,
                        const struct ricmeta *m, const double *ref, size_t N, size_t n_prompts);
/* An image model's PNGs (g's) go to run's files folder beside the store,
 * recorded as its param "images"; nothing for a text model. */
enum status_code eval_image_dir(struct eval_ctx *x, store_id run, struct ricgen *g,
                                struct status *st);
/* A new eval run under parent (0 when it failed, with st set). */
store_id eval_new_run(struct store *s, const char *name, store_id parent, struct status *st);

/* Marks run done, or cancelled/failed with error (c not STATUS_OK). */
void eval_run_finish(struct store *s, store_id run, enum status_code c, const char *error);

/* The params preset, mapping, range, range_lo and range_hi of run (the RiC
 * run, or a baseline that maps preferences as it does). */
void eval_range_params(struct eval_ctx *x, store_id run);
/* Whether each objective's obtained score rises with its weight over r's
 * grid: printed, and stored as run's weight_* metrics (src/eval_curve.h). */
enum status_code eval_trend(struct eval_ctx *x, store_id run, const struct eval_result *r,
                            struct status *st);

/* A resumed job's run (eval_resume.c): the first points of the run it
 * continues, made with the same parameters, put into res (responses, raw,
 * norm of points [0, n)); returns n, 0 when nothing is taken. */
size_t eval_resume_points(struct eval_ctx *x, struct eval_result *res);

/* --baseline SPEC (eval_baseline.c): CLI_OK when eval knows SPEC, else a
 * usage error printed; the samples per prompt it generates; and the
 * baseline run itself, under the RiC run. */
int eval_baseline_check(const struct eval_cfg *cfg, const char *spec);
size_t eval_baseline_cost(const char *spec, size_t n_pts);
enum status_code eval_baseline(struct eval_ctx *x, size_t b, struct status *st);

/* The table of r on stdout: a title line with the hypervolume, reference
 * and `how` (mapping, range, units), then a row per point. */
void eval_print(const char *title, store_id run, const struct eval_result *r,
                const struct ricmeta *m, const double *ref, const char *how, int show_pref);
/* One progress line on stderr with the mean z of point p. */
void eval_progress(const char *what, size_t i, size_t n, const struct eval_result *r, size_t p);

#endif
