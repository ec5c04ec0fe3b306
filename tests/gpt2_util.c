#include "config.h"

#include "tests/gpt2_util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct model_config gpt2_util_tiny(int labels)
{
	struct model_config c = { .n_layer = 2, .n_head = 2, .n_embd = 8, .n_inner = 12,
	                          .n_positions = 8, .vocab_size = 11, .num_labels = labels,
	                          .layer_norm_epsilon = 1e-5f, .bos_token_id = 10,
	                          .eos_token_id = 10, .pad_token_id = labels ? 10 : -1 };
	return c;
}

static double gpt2_util_normal(uint64_t *s)
{
	double u[2];
	for (int i = 0; i < 2; i++) {
		*s = *s * 6364136223846793005ull + 1442695040888963407ull;
		u[i] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
	}
	return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

void gpt2_util_randomize(struct model_params *p, unsigned seed)
{
	uint64_t s = seed * 2654435761ull + 1;
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++) {
		size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
		int is_ln = strstr(t[i].name, "ln_") && strstr(t[i].name, ".weight");
		int is_bias = strstr(t[i].name, "bias") != NULL;
		for (size_t k = 0; k < numel; k++) {
			double z = gpt2_util_normal(&s);
			t[i].data[k] = (float)(is_ln ? 1.0 + 0.1 * z : (is_bias ? 0.2 : 0.08) * z);
		}
	}
	free(t);
}

float *gpt2_util_uniform(size_t n, unsigned seed)
{
	float *v = malloc(n * sizeof *v);
	uint64_t s = seed * 2654435761ull + 7;
	for (size_t i = 0; v && i < n; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		v[i] = (float)((double)(s >> 40) / (double)(1 << 24) - 0.5);
	}
	return v;
}
