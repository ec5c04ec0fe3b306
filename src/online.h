/* online: what RiC's online stage (`ric online`, cmd_online.c) shares
 * between its one loop and the kind of model it trains. The loop draws
 * desired scores, asks the kind for a batch of samples under them (scored
 * by the policy's rewards), keeps the samples above the rejection quantile
 * (MORS), stores every sample, hands the kept ones back with the scores they
 * obtained (hindsight relabelling) and has the kind train on them plus
 * offline rows. A kind is text (online_text.c: prompts, tokens, the
 * tokenizer) or image (online_image.c: DDIM pictures saved as PNG files in
 * the run's folder beside the store, as ric eval does).
 *
 *   const struct online_kind *k = image ? &online_image : &online_text;
 *   k->open(on, from, &ss);                      // the policy
 *   ... k->row(on, r) for each scored training row ...
 *   struct online_batch b = { .M = M, .want = want, .prompt = ..., .response = ..., ... };
 *   k->sample(on, iter, &b);                     // b.prompt, b.response, b.raw, b.whole
 *   k->keep(on, &b, i, z_i);                     // sample i joins the pool, relabelled z_i
 *   k->batch_free(on, &b);
 *   k->mix(on, order, S, N, &noff);              // N offline rows of the shuffled survivors
 *   k->train(on, iter, &gstep);                  // pool + offline, fresh AdamW
 */
#ifndef RIC_SRC_ONLINE_H
#define RIC_SRC_ONLINE_H

#include "src/ricgen.h"
#include "src/stage.h"
#include "src/stage_state.h"
#include "engine/goals.h"
#include "engine/lora.h"
#include "engine/reward.h"
#include "engine/ricmeta.h"
#include "engine/rng.h"

#include <jansson.h>

#define ONLINE_MAX_OBJ STORE_MAX_OBJ

struct online_opts {
	const char *policy, *dataset, *out, *sampler;
	double iterations, prompts, quantile, mix, epochs, max_tokens, temperature, top_p;
	int allow_cmd;
	int weights; /* enum decoder_dtype of the sampling */
	struct ricgen_stops stops;
	int eval_each;               /* --eval-each: ric eval after every iteration */
	double eval_prompts, eval_step;
	/* an image model's sampling and training */
	double ddim_steps, guidance, cond_drop;
	/* which options were given: those of the other kind are refused */
	int text_given, image_given;
	const char *text_opt, *image_opt;
	struct stage_train_opts t;
};

struct online_kind;

/* Everything the iterations share. */
struct online {
	struct online_opts o;
	const struct online_kind *kind;
	void *kd;                         /* the kind's own state */
	struct stage sg;
	struct ricmeta m;
	struct model_params p;            /* the policy, or with LoRA its frozen base */
	struct lora lora;                 /* LoRA (--lora-rank): the adapter trained */
	int lora_on;
	const char *tokenizer_dir;        /* what checkpoints copy the tokenizer from (NULL: none) */
	struct reward *rw[ONLINE_MAX_OBJ];
	int obj_pos[ONLINE_MAX_OBJ];      /* each ric.json objective's position in the dataset */
	double *raw;                      /* offline training rows x n_obj raw scores */
	size_t nrows, caprows;
	size_t *surv;                     /* rows passing MORS over all rows */
	size_t nsurv;
	size_t npool;                     /* kept online samples, all iterations */
	enum goals_sampler goals;
	struct rng rng;
	struct hooks h;
	struct status st;
};

/* One iteration's samples. The loop makes the arrays and fills M, want and
 * prompt; sample() the rest. */
struct online_batch {
	size_t M;
	const double *want;        /* M x n_obj desired scores (normalised) */
	const char **prompt;       /* M: as stored ("" for an image) */
	const char **response;     /* M: the text, or the PNG's path (into own) */
	double *raw;               /* M x n_obj obtained raw scores */
	unsigned char *whole;      /* M: may be kept (a text cut at --max-tokens is not) */
	void *own;                 /* the kind's data of the batch (batch_free) */
};

struct online_kind {
	const char *name;          /* "text", "image" */
	/* The policy from `from` (the --policy, or --resume's checkpoint) into
	 * on->p (and on->lora), once on->m is loaded; ss gets a resume's state. */
	enum status_code (*open)(struct online *on, const char *from, struct stage_state *ss);
	/* Run parameters of this kind (the run is open). */
	void (*params)(struct online *on);
	/* The payload of training row on->nrows, whose scores are taken. */
	enum status_code (*row)(struct online *on, const struct store_row *r);
	/* After the rows: nonzero rows to sample from (text: its distinct prompts). */
	enum status_code (*rows_done)(struct online *on);
	/* The prompt of the next sample, drawn before its goals (NULL: ""). */
	const char *(*prompt)(struct online *on);
	/* Draws b->M samples (sample i under b->want + i n), scores them and
	 * fills b; under mpirun every rank ends with all M. */
	enum status_code (*sample)(struct online *on, int iter, struct online_batch *b);
	/* Sample i of b joins the pool, trained on under z (its obtained scores). */
	enum status_code (*keep)(struct online *on, struct online_batch *b, size_t i, const double *z);
	void (*batch_free)(struct online *on, struct online_batch *b);
	/* This iteration's offline rows: the first N of order[0..S) (survivors,
	 * shuffled) that fit; *n how many. */
	enum status_code (*mix)(struct online *on, const size_t *order, size_t S, size_t N, size_t *n);
	/* Fine-tunes on->p (or on->lora) on the pool and the mixed rows with a
	 * fresh optimizer; *global_step counts on. Drops the mixed rows. */
	enum status_code (*train)(struct online *on, int iter, long *global_step);
	/* The pool for trainer_state.json, and back. */
	json_t *(*pool_json)(struct online *on);
	enum status_code (*pool_restore)(struct online *on, json_t *extra, const char *dir);
	void (*free)(struct online *on);
};

extern const struct online_kind online_text, online_image;

/* The constant-lr AdamW settings of every iteration's fine-tuning. */
struct optim_config online_optim(const struct online *on);

#endif
