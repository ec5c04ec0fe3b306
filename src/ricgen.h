/* ricgen: what `ric generate --pref` and `ric eval` share: a model with its
 * tokenizer, the RiC metadata of ric.json, the objectives' rewards, and
 * conditioned generation followed by scoring.
 *
 *   struct ricgen g;
 *   if (ricgen_open(&g, "runs/sft/final", 1, &st) != STATUS_OK) ...   // needs ric.json
 *   ricgen_open_rewards(&g, &g.meta, datadir, &st);
 *   struct ricgen_batch b = { .n = 2, .prompts = prompts, .z = z };   // z: 2 x n_obj, NULL: no tags
 *   ricgen_run(&g, &g.meta, &b, &gp, &hooks, &st);                     // b.responses, b.raw, b.norm
 *   ricgen_batch_free(&b);
 *   ricgen_close(&g);
 *
 * Contexts longer than the model's window lose their oldest tokens (the tags
 * and marker at the end stay), and max_new shrinks to what still fits.
 */
#ifndef RIC_SRC_RICGEN_H
#define RIC_SRC_RICGEN_H

#include <stddef.h>

#include "engine/decoder.h"
#include "engine/diffusion.h"
#include "engine/generate.h"
#include "engine/model.h"
#include "engine/reward.h"
#include "engine/ricmeta.h"
#include "engine/tokenizer.h"

struct ricgen {
	struct model_params p;
	struct tokenizer *tok;
	int has_meta;
	struct ricmeta meta;       /* ric.json when has_meta */
	size_t n_rewards;
	struct reward **rewards;   /* one per objective of the metadata given to open_rewards;
	                              NULL where refused (its scores are NAN) */
	char **denied;             /* n_rewards: why objective i is not scored, or NULL */
	struct decoder_weights dw; /* what ricgen_run decodes with (ricgen_set_weights) */
	/* an image model (ricgen_open_any; src/ricgen_image.c): ricgen_run draws
	 * each row's image by DDIM from noise seeded by the row's seed, under its
	 * targets z (NULL: the null condition), scores the pictures, and saves
	 * each as a PNG in image_dir whose path is the row's response */
	int image;
	struct diffusion diff;
	struct model_pass *pass;
	size_t image_steps;        /* DDIM steps (ricgen_open_any sets 20) */
	double guidance;           /* classifier-free guidance scale (3) */
	const char *image_dir;     /* where the PNGs go (NULL: not saved, responses "") */
	size_t image_seq;          /* the next PNG's number (ric eval: the sample's index in its run) */
};

/* ric.json came from a file: its cmd: rewards, and rm: folders outside the
 * checkpoint, open only with the user's consent (engine/reward.h). */
struct ricgen_trust {
	const char *home;          /* the checkpoint folder the metadata came with */
	int consent;               /* the user agreed to all of them (--allow-cmd) */
	int skip;                  /* a refused reward stays closed (denied[i] says why)
	                              instead of failing the open */
	int weights;               /* rm: rewards score with these weights (enum
	                              decoder_dtype, reward_env.weights) */
};

/* need_meta: fail unless DIR has ric.json. */
enum status_code ricgen_open(struct ricgen *g, const char *dir, int need_meta, struct status *st);
/* The same for decoding only, with g->dw of dtype made as it loads (a BF16
 * checkpoint goes straight into BF16: checkpoint_load_decoding; g->p then
 * serves only a decoder set to g->dw). */
enum status_code ricgen_open_decoding(struct ricgen *g, const char *dir, int need_meta,
                                      enum decoder_dtype dtype, struct status *st);
/* The same for a text or an image model (g->image says which): the commands
 * that handle both (ric eval). Text models decode with dtype; image models
 * sample in F32 whatever dtype their checkpoint holds. */
enum status_code ricgen_open_any(struct ricgen *g, const char *dir, int need_meta,
                                 enum decoder_dtype dtype, struct status *st);
/* The environment the rewards of ric.json open in under t (NULL: no consent). */
struct reward_env ricgen_reward_env(const char *datadir, const struct ricgen_trust *t);
/* Opens the rewards of m's objectives (m outlives nothing: specs are copied by
 * reward_open) as t allows; NULL t: no consent, no skipping. A refusal that
 * fails the open is STATUS_DENIED. */
enum status_code ricgen_open_rewards(struct ricgen *g, const struct ricmeta *m,
                                     const char *datadir, const struct ricgen_trust *t,
                                     struct status *st);
void ricgen_close(struct ricgen *g);
/* Decode with the parameters in BF16 or int8 (DECODER_F32: the parameters
 * themselves, the default), as `ric generate --weights` does. */
enum status_code ricgen_set_weights(struct ricgen *g, enum decoder_dtype dtype, struct status *st);

struct ricgen_batch {
	size_t n;
	const char *const *prompts;
	const double *z;           /* n x n_obj targets, or NULL: unconditioned (prompt + marker) */
	const uint64_t *seeds;     /* per row, or NULL: gp->seed + i */
	/* outputs */
	char **responses;          /* n, the response text (exact-prefix rule applied) */
	double *raw, *norm;        /* n x n_obj, when rewards are open */
	size_t tokens;             /* generated tokens, all rows */
};

/* Generates the batch with m's template and marker (m may be another model's
 * metadata: the SFT baseline uses the RiC model's marker and objectives) and
 * scores it when rewards are open. */
enum status_code ricgen_run(struct ricgen *g, const struct ricmeta *m, struct ricgen_batch *b,
                            const struct generate_params *gp, const struct hooks *h,
                            struct status *st);
/* Scores given responses with the open rewards; raw and norm n x n_obj (NAN
 * for an objective whose reward was refused). */
enum status_code ricgen_score(struct ricgen *g, const struct ricmeta *m, size_t n,
                              const char *const *prompts, const char *const *responses,
                              double *raw, double *norm, struct status *st);
void ricgen_batch_free(struct ricgen_batch *b);
/* ricgen_run on an image model, and its part of ricgen_open_any and
 * ricgen_close (src/ricgen_image.c). */
enum status_code ricgen_image_run(struct ricgen *g, const struct ricmeta *m, struct ricgen_batch *b,
                                  const struct hooks *h, struct status *st);
enum status_code ricgen_image_open(struct ricgen *g, struct status *st);
void ricgen_image_close(struct ricgen *g);

/* Stop strings at dialogue turns (--stop, --no-stop of online, eval and
 * generate): a response ends before a new turn begins, and the turn marker is
 * cut from it before it is scored or trained on (generate_params.cut_stop).
 * Default: "\n\nHuman:" and the model's marker when it starts a line (a turn
 * marker such as "\n\nAssistant:" or "\nResponse:", not an inline ":"). */
#define RICGEN_MAX_STOP 8
#define RICGEN_STOP_HUMAN "\n\nHuman:"
struct ricgen_stops {
	const char *s[RICGEN_MAX_STOP];
	size_t n;
	int none;                  /* --no-stop */
};
/* Adds a --stop string; -1 when RICGEN_MAX_STOP are there already. */
int ricgen_stops_add(struct ricgen_stops *s, const char *str);
/* The defaults for m unless the user gave --stop or --no-stop. */
void ricgen_stops_resolve(struct ricgen_stops *s, const struct ricmeta *m);
/* Sets gp's stop strings, cut at. */
void ricgen_stops_apply(const struct ricgen_stops *s, struct generate_params *gp);
/* The strings as a JSON array, for a run's params (free(); NULL: out of memory). */
char *ricgen_stops_text(const struct ricgen_stops *s);

/* The decoded bytes of one token, for generate_params.decode. */
size_t ricgen_decode(void *tokenizer, int token, char *buf, size_t cap);

#endif
