/* Helpers the engine tests share: tiny configs and deterministic random weights. */
#ifndef RIC_TESTS_GPT2_UTIL_H
#define RIC_TESTS_GPT2_UTIL_H

#include "engine/model.h"

/* 2 layers, 2 heads, n_embd 8, n_inner 12 (not 4C), vocab 11, 8 positions. */
struct model_config gpt2_util_tiny(int labels);

/* Fills p like the reference script: LayerNorm weights near 1, the rest
 * N(0, 0.08) (biases N(0, 0.2)), from a fixed seed. */
void gpt2_util_randomize(struct model_params *p, unsigned seed);

/* n floats uniform in [-0.5, 0.5) from seed (malloc'ed; the caller frees). */
float *gpt2_util_uniform(size_t n, unsigned seed);

#endif
