/* reward_rm: rm:DIR scores with a sequence-classification checkpoint in process
 * (GPT2ForSequenceClassification, LlamaForSequenceClassification, ...).
 *
 * Each row's text is prompt followed directly by response (no separator:
 * put one in the data if the model expects it), encoded with DIR's tokenizer
 * (special tokens recognised). A sequence longer than the model's n_positions
 * keeps its last n_positions tokens (cut on the left, so the response's end
 * stays). Rows go through the forward pass env->batch at a time, padded on the
 * right with the checkpoint's pad_token_id; the score is label 0 at the last
 * token that is not padding, as Hugging Face computes it (a model whose pad is
 * its EOS therefore skips a trailing <|endoftext|>). A checkpoint without a
 * pad_token_id is run one row at a time and scored at the last token.
 *
 * With env->weights BF16 or int8 the checkpoint is loaded for decoding only
 * (checkpoint_load_decoding: a BF16 file is never held in F32) and each row
 * is run through the KV-cache decoder up to that same token, unpadded, its
 * score read there (engine/decoder.h); tests/test_reward.c bounds these
 * scores against PyTorch's.
 *
 * An image reward model (a DiT with num_labels >= 1, made by ric rm-train on
 * image pairs; engine/dit.h) makes rm:DIR an image reward: each picture,
 * fitted to the model's side on white when it has another size, is read as
 * the model reads its training images ([-1, 1], timestep 0, no condition),
 * env->batch at a time, and scored by label 0. It is always run in F32.
 */
#include "config.h"

#include "engine/checkpoint.h"
#include "engine/image.h"
#include "engine/decoder.h"
#include "engine/reward_impl.h"
#include "engine/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rm {
	struct reward base;
	struct model_params p;
	struct model_pass *pass;
	struct tokenizer *tok;
	struct tokenizer_ids ids;
	int *tokens;
	size_t *lens;
	size_t tcap;
	struct decoder_weights dw; /* BF16 or int8 scoring: through dec */
	struct decoder dec;        /* one sequence, as long as the longest row so far */
	int *seq;                  /* [dec.cap] zeros */
	float *out;                /* [labels] */
	float *x, *t;              /* image reward models: [batch, image_dim] pictures, [batch] zeros */
	size_t xcap;
};

/* Rows of a decoder call: the prefill goes in pieces of this many tokens. */
#define RM_CHUNK 64

/* Scores the B rows of r->tokens [B, T] through the decoder, each at the
 * token the forward pass reads (the rightmost that is not padding). */
static enum status_code rm_decode(struct rm *r, size_t B, size_t T, double *out,
                                  const struct hooks *h, struct status *st)
{
	int pad = r->p.cfg.pad_token_id;
	if (T > r->dec.cap) {
		decoder_free(&r->dec);
		free(r->seq);
		r->seq = calloc(T, sizeof *r->seq);
		enum status_code rc = r->seq ? decoder_init(&r->dec, &r->p, 1, T, st)
		                             : status_set(st, STATUS_NOMEM, "out of memory");
		if (rc != STATUS_OK)
			return rc;
		decoder_set_weights(&r->dec, &r->dw);
	}
	for (size_t b = 0; b < B; b++) {
		const int *row = r->tokens + b * T;
		size_t last = pad < 0 ? T - 1 : 0;
		for (size_t t = 0; pad >= 0 && t < T; t++)
			if (row[t] != pad)
				last = t;
		decoder_reset(&r->dec);
		for (size_t at = 0; at <= last; at += RM_CHUNK) {
			size_t n = last + 1 - at < RM_CHUNK ? last + 1 - at : RM_CHUNK;
			unsigned char keep[RM_CHUNK] = { 0 };
			keep[n - 1] = at + n == last + 1;
			enum status_code rc = decoder_step(&r->dec, r->seq, row + at, n, keep, r->out, h, st);
			if (rc != STATUS_OK)
				return rc;
		}
		out[b] = r->out[0];
	}
	return STATUS_OK;
}

/* Encodes rows [from, from + B) into r->tokens, padded to the longest: T. */
static enum status_code rm_encode(struct rm *r, size_t from, size_t B, const char *const *prompts,
                                  const char *const *responses, size_t *T, struct status *st)
{
	size_t P = model_context(&r->p.cfg), maxlen = 0;
	size_t *starts = r->lens + B;    /* second half of lens: where each row's ids begin */
	r->ids.n = 0;
	for (size_t b = 0; b < B; b++) {
		size_t i = from + b, before = r->ids.n;
		const char *pr = prompts ? prompts[i] : "";
		size_t pl = strlen(pr), rl = strlen(responses[i]);
		char *text = malloc(pl + rl + 1);
		if (!text)
			return status_set(st, STATUS_NOMEM, "out of memory");
		memcpy(text, pr, pl);
		memcpy(text + pl, responses[i], rl + 1);
		enum status_code rc = tokenizer_encode(r->tok, text, pl + rl, 0, &r->ids, st);
		free(text);
		if (rc)
			return rc;
		size_t n = r->ids.n - before;
		if (n == 0)
			return status_set(st, STATUS_INVALID, "reward '%s': row %zu is empty", r->base.spec, i);
		if (n > P) {
			starts[b] = before + (n - P);
			n = P;
		} else {
			starts[b] = before;
		}
		r->lens[b] = n;
		if (n > maxlen)
			maxlen = n;
	}
	if (B * maxlen > r->tcap) {
		int *t = realloc(r->tokens, B * maxlen * sizeof *t);
		if (!t)
			return status_set(st, STATUS_NOMEM, "out of memory");
		r->tokens = t;
		r->tcap = B * maxlen;
	}
	for (size_t b = 0; b < B; b++) {
		for (size_t t = 0; t < maxlen; t++)
			r->tokens[b * maxlen + t] = t < r->lens[b] ? (int)r->ids.ids[starts[b] + t]
			                                           : r->p.cfg.pad_token_id;
	}
	*T = maxlen;
	return STATUS_OK;
}

static enum status_code rm_score(struct reward *base, size_t n, const char *const *prompts,
                                 const char *const *responses, double *out, struct status *st)
{
	struct rm *r = (struct rm *)base;
	size_t batch = r->p.cfg.pad_token_id < 0 ? 1 : (base->env.batch ? base->env.batch : 16);
	free(r->lens);
	r->lens = malloc(2 * batch * sizeof *r->lens);
	if (!r->lens)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t from = 0; from < n; from += batch) {
		size_t B = n - from < batch ? n - from : batch, T = 0;
		enum status_code rc = rm_encode(r, from, B, prompts, responses, &T, st);
		if (rc == STATUS_OK && !r->pass)
			rc = rm_decode(r, B, T, out + from, base->env.hooks, st);
		else if (rc == STATUS_OK)
			rc = model_forward(r->pass, r->p.mem, r->tokens, B, T, NULL, base->env.hooks, st);
		if (rc) {
			status_prefix(st, "reward '%s'", base->spec);
			return rc;
		}
		for (size_t b = 0; r->pass && b < B; b++)
			out[from + b] = r->pass->scores[b * r->pass->labels];
	}
	return STATUS_OK;
}

/* Pictures [from, from + B) as the model's input in r->x. */
static enum status_code rm_pictures(struct rm *r, const struct image *im, size_t B, struct status *st)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	int side = r->p.cfg.image_size;
	size_t D = r->pass->image_dim;
	for (size_t b = 0; b < B; b++) {
		if (im[b].w == side && im[b].h == side) {
			image_to_chw(&im[b], r->x + b * D);
			continue;
		}
		struct image fit;
		if (image_fit(&im[b], side, white, &fit, st) != STATUS_OK)
			return st->code;
		image_to_chw(&fit, r->x + b * D);
		image_free(&fit);
	}
	return STATUS_OK;
}

static enum status_code rm_score_images(struct reward *base, size_t n, const struct image *im,
                                        double *out, struct status *st)
{
	struct rm *r = (struct rm *)base;
	size_t batch = base->env.batch ? base->env.batch : 16, D = r->pass->image_dim;
	if (batch > r->xcap) {
		free(r->x);
		free(r->t);
		r->x = malloc(batch * D * sizeof *r->x);
		r->t = calloc(batch, sizeof *r->t);
		r->xcap = r->x && r->t ? batch : 0;
		if (!r->xcap)
			return status_set(st, STATUS_NOMEM, "reward '%s': out of memory", base->spec);
	}
	for (size_t from = 0; from < n; from += batch) {
		size_t B = n - from < batch ? n - from : batch;
		struct model_image_batch ib = { .B = B, .x = r->x, .t = r->t };
		enum status_code rc = rm_pictures(r, im + from, B, st);
		if (rc == STATUS_OK)
			rc = model_image_score(r->pass, r->p.mem, &ib, base->env.hooks, st);
		if (rc) {
			status_prefix(st, "reward '%s'", base->spec);
			return rc;
		}
		for (size_t b = 0; b < B; b++)
			out[from + b] = r->pass->scores[b * r->pass->labels];
	}
	return STATUS_OK;
}

static void rm_close(struct reward *base)
{
	struct rm *r = (struct rm *)base;
	free(r->x);
	free(r->t);
	model_pass_free(r->pass);
	decoder_free(&r->dec);
	decoder_weights_free(&r->dw);
	model_params_free(&r->p);
	free(r->seq);
	free(r->out);
	tokenizer_free(r->tok);
	tokenizer_ids_free(&r->ids);
	free(r->tokens);
	free(r->lens);
}

static const struct reward_ops rm_ops = { .score = rm_score, .close = rm_close };
static const struct reward_ops rm_image_ops = { .close = rm_close, .score_images = rm_score_images };

/* An image reward model: F32 whatever env->weights says, no tokenizer. */
static enum status_code rm_load_image(struct rm *r, const char *arg, struct status *st)
{
	enum status_code rc = checkpoint_load(arg, &r->p, NULL, st);
	if (rc == STATUS_OK && r->p.cfg.num_labels < 1)
		rc = status_set(st, STATUS_INVALID, "%s: an image model that predicts noise, not an "
		                "image reward model (ric rm-train on image pairs makes one)", arg);
	if (rc == STATUS_OK)
		rc = model_pass_new(&r->pass, &r->p, 0, st);
	if (rc == STATUS_OK)
		r->base.ops = &rm_image_ops;
	return rc;
}

static enum status_code rm_load(const char *spec, const char *arg, const struct reward_env *env,
                                struct reward **out, struct status *st)
{
	struct rm *r = (struct rm *)reward_new(&rm_ops, spec, env, sizeof *r, st);
	if (!r)
		return st->code;
	int dtype = env->weights;
	struct model_config fc;
	struct status probe = STATUS_INIT;
	if (checkpoint_config_read(arg, &fc, &probe) == STATUS_OK && model_is_image(&fc)) {
		enum status_code rc = rm_load_image(r, arg, st);
		if (rc) {
			status_prefix(st, "reward '%s'", spec);
			reward_close(&r->base);
			return rc;
		}
		*out = &r->base;
		return STATUS_OK;
	}
	enum status_code rc = dtype == DECODER_F32
		? checkpoint_load(arg, &r->p, NULL, st)
		: checkpoint_load_decoding(arg, &r->p, &r->dw, dtype, NULL, st);
	if (rc == STATUS_OK && r->p.cfg.num_labels < 1)
		rc = status_set(st, STATUS_INVALID, "%s: a language model, not a reward model "
		                "(a ...ForSequenceClassification with num_labels >= 1)", arg);
	if (rc == STATUS_OK)
		rc = tokenizer_load(arg, &r->tok, st);
	if (rc == STATUS_OK && dtype == DECODER_F32)
		rc = model_pass_new(&r->pass, &r->p, 0, st);
	else if (rc == STATUS_OK && !(r->out = malloc((size_t)r->p.cfg.num_labels * sizeof *r->out)))
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc) {
		status_prefix(st, "reward '%s'", spec);
		reward_close(&r->base);
		return rc;
	}
	*out = &r->base;
	return STATUS_OK;
}

/* "DIR/arg" when it exists: a new string in *out; *out stays NULL when not. */
static enum status_code rm_under(const char *dir, const char *arg, char **out, struct status *st)
{
	struct stat sb;
	size_t n = strlen(dir) + strlen(arg) + 2;
	char *p = malloc(n);
	if (!p)
		return status_set(st, STATUS_NOMEM, "out of memory");
	snprintf(p, n, "%s/%s", dir, arg);
	if (stat(p, &sb) == 0)
		*out = p;
	else
		free(p);
	return STATUS_OK;
}

/* A relative DIR that does not exist from here is looked up in the data folder,
 * so a shipped ric.json can say rm:demo/reward and work from any folder. A
 * spec from a checkpoint's ric.json means its own folder first: where the
 * user stands has no say in what a file names. */
enum status_code reward_rm_resolve(const char *arg, const struct reward_env *env, char **path,
                                   struct status *st)
{
	struct stat sb;
	*path = NULL;
	if (arg[0] == '/')
		return STATUS_OK;
	if (env->from_file && env->home && rm_under(env->home, arg, path, st) != STATUS_OK)
		return st->code;
	if (*path || (!env->from_file && stat(arg, &sb) == 0) || !env->datadir)
		return STATUS_OK;
	return rm_under(env->datadir, arg, path, st);
}

enum status_code reward_rm_open(const char *spec, const char *arg, const struct reward_env *env,
                                struct reward **out, struct status *st)
{
	char *found;
	if (reward_rm_resolve(arg, env, &found, st))
		return st->code;
	enum status_code rc = rm_load(spec, found ? found : arg, env, out, st);
	free(found);
	return rc;
}
