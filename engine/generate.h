/* generate: sample continuations of B prompts at once with a KV cache.
 *
 *   struct generate_params gp = GENERATE_DEFAULTS;   // 64 new tokens, greedy
 *   gp.sampling = (struct sampler_params){ .temperature = 0.8f, .top_p = 0.95f };
 *   gp.seed = 42; gp.eos_id = cfg.eos_token_id;
 *   gp.on_token = print_piece; gp.ctx = tok;           // streaming
 *   struct generate_output out[2];
 *   const int *prompts[2] = { p0, p1 }; size_t lens[2] = { 3, 7 };
 *   generate(&params, prompts, lens, 2, &gp, &hooks, out, &st);
 *   ... out[i].tokens, out[i].n, out[i].finish ...
 *   generate_output_free(out, 2);
 *
 * Sequence i draws from its own generator seeded with seeds[i] (seed + i when
 * seeds is NULL), and each sequence's logits do not depend on the others, so a
 * sequence decoded in a batch gets the tokens it gets alone. Stop strings are
 * matched on the text the decode callback makes of the generated tokens.
 */
#ifndef RIC_ENGINE_GENERATE_H
#define RIC_ENGINE_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/sampler.h"
#include "engine/status.h"

struct decoder_weights; /* engine/decoder.h */

enum generate_finish { GENERATE_LENGTH, GENERATE_EOS, GENERATE_STOP, GENERATE_CANCELLED };

struct generate_params {
	size_t max_new;                 /* tokens to add at most */
	struct sampler_params sampling;
	int eos_id;                     /* -1: none */
	uint64_t seed;
	const uint64_t *seeds;          /* per sequence, or NULL */
	const char *const *stop;        /* stop strings (need decode) */
	size_t n_stop;
	/* Non-zero: a sequence ended by a stop string loses it. Its text ends
	 * where the stop string began and its tokens are those whose text lies
	 * wholly before that (a dialogue turn marker is no part of a response). */
	int cut_stop;
	/* The text of one token, appended to buf (cap bytes); returns bytes written. */
	size_t (*decode)(void *ctx, int token, char *buf, size_t cap);
	/* Called for every new token; non-zero stops that sequence. */
	int (*on_token)(void *ctx, size_t seq, int token);
	void *ctx;
	size_t min_new;                 /* EOS cannot be drawn before this many new tokens */
	/* BF16 or int8 copy of the same parameters for decoding steps (see
	 * engine/decoder.h), or NULL: F32 throughout. */
	const struct decoder_weights *weights;
};

#define GENERATE_DEFAULTS { .max_new = 64, .sampling = { 0.0f, 0, 1.0f }, .eos_id = -1, \
                            .seed = 0, .seeds = NULL, .stop = NULL, .n_stop = 0, .cut_stop = 0, \
                            .decode = NULL, .on_token = NULL, .ctx = NULL, .min_new = 0, \
                            .weights = NULL }

struct generate_output {
	int *tokens;        /* the new tokens (EOS and, unless cut_stop, the stop string's last
	                       token included) */
	size_t n;
	char *text;         /* their decoded text (without EOS) when decode was given, else NULL */
	size_t text_len;
	enum generate_finish finish;
};

enum status_code generate(const struct model_params *p, const int *const *prompts,
                          const size_t *lens, size_t B, const struct generate_params *gp,
                          const struct hooks *h, struct generate_output *out, struct status *st);
void generate_output_free(struct generate_output *out, size_t B);

#endif
