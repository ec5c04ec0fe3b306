/* sampler: pick the next token from logits (temperature, top-k, top-p).
 *
 *   struct sampler s;
 *   if (sampler_init(&s, vocab_size, &st) != STATUS_OK) return st.code;
 *   struct sampler_params p = { .temperature = 0.7f, .top_k = 0, .top_p = 0.9f };
 *   int next = sampler_pick(&s, logits, &p, &rng);   // logits: vocab_size floats
 *   sampler_free(&s);
 *
 * A temperature below SAMPLER_GREEDY_BELOW (0 included) picks the argmax
 * (lowest id on ties), which is what such a temperature tends to; dividing by
 * it would overflow (1 / 1e-40 is inf in float, and 0 * inf a NaN that ended
 * generation at once). vLLM draws the line at the same 1e-5. top_k <= 0 or >= n
 * and top_p >= 1 disable those filters. As in Hugging Face's warpers, top-k
 * applies first and top-p then works on the renormalised survivors; the most
 * likely token always survives. The workspace makes a pick allocation-free, so
 * keep one sampler per decoding thread.
 */
#ifndef RIC_ENGINE_SAMPLER_H
#define RIC_ENGINE_SAMPLER_H

#include "engine/rng.h"
#include "engine/status.h"

#define SAMPLER_GREEDY_BELOW 1e-5f

struct sampler_params {
	float temperature;
	int top_k;
	float top_p;
};

struct sampler_pair {
	float p;
	int id;
};

struct sampler {
	int n;
	struct sampler_pair *pairs; /* n entries */
	double *sums;               /* per SAMPLER_CHUNK of the vocabulary */
	int *best;
	float *e;                   /* n exponentials of a pick */
};

/* The vocabulary is scanned in chunks of this many tokens on the pool's
 * threads (engine/pool.h), the sum of the probabilities chunk by chunk in
 * order: a fixed split, so a pick does not depend on the thread count. */
#define SAMPLER_CHUNK 4096

enum status_code sampler_init(struct sampler *s, int n, struct status *st);
void sampler_free(struct sampler *s);
int sampler_pick(struct sampler *s, const float *logits, const struct sampler_params *p,
                 struct rng *r);
int sampler_argmax(const float *logits, int n);

/* The probabilities sampler_pick draws from, written to `probs` (n floats, zero
 * for filtered tokens); for tests and for showing candidates in the UI. */
void sampler_distribution(struct sampler *s, const float *logits, const struct sampler_params *p,
                          float *probs);

#endif
