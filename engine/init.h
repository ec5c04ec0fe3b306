/* init: fresh weights as Hugging Face's ..PreTrainedModel._init_weights draws
 * them, for pretraining from scratch and for new reward heads.
 *
 *   init_model(&params, &r, 0.02f);  // the family's own (model_family.init)
 *
 *   struct rng r;
 *   rng_seed(&r, 42);
 *   init_gpt2(&params, &r, 0.02f);   // N(0, 0.02); c_proj N(0, 0.02/sqrt(2L)); LN 1, 0; biases 0
 *   init_normal(params.score, C, 1e-3f, &r);
 */
#ifndef RIC_ENGINE_INIT_H
#define RIC_ENGINE_INIT_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/rng.h"

void init_normal(float *w, size_t n, float std, struct rng *r);
/* Every tensor of p in model_params_describe order, so a seed gives the same
 * weights on every machine. */
void init_gpt2(struct model_params *p, struct rng *r, float std);
/* Llama: every matrix and the embedding N(0, std), biases 0, RMSNorm weights 1. */
void init_llama(struct model_params *p, struct rng *r, float std);
/* The family's: init_gpt2 or init_llama. */
void init_model(struct model_params *p, struct rng *r, float std);

#endif
