/* init: fresh GPT-2 weights as Hugging Face's GPT2PreTrainedModel._init_weights
 * draws them, for pretraining from scratch and for new reward heads.
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

#endif
