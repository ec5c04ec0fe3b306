#include "config.h"

#include "engine/soup.h"

#include <stdlib.h>
#include <string.h>

#include "engine/mapping.h"

enum status_code soup_check(const struct model_params *a, const struct model_params *b,
                            struct status *st)
{
	const struct model_config *x = &a->cfg, *y = &b->cfg;
	const struct {
		const char *name;
		long long u, v;
	} f[] = {
		{ "n_layer", x->n_layer, y->n_layer },     { "n_head", x->n_head, y->n_head },
		{ "n_embd", x->n_embd, y->n_embd },        { "n_inner", x->n_inner, y->n_inner },
		{ "n_positions", x->n_positions, y->n_positions },
		{ "vocab_size", x->vocab_size, y->vocab_size },
		{ "num_labels", x->num_labels, y->num_labels },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].u != f[i].v)
			return status_set(st, STATUS_INVALID, "%s %lld against %lld: not fine-tuned from "
			                  "one base", f[i].name, f[i].u, f[i].v);
	if (a->count != b->count || !a->mem || !b->mem)
		return status_set(st, STATUS_INVALID, "parameter counts %zu and %zu differ", a->count,
		                  b->count);
	return STATUS_OK;
}

enum status_code soup_mix(struct model_params *out, const struct model_params *const *in,
                          const double *w, size_t n, struct status *st)
{
	if (n == 0)
		return status_set(st, STATUS_INVALID, "a soup needs at least one expert");
	for (size_t i = 0; i < n; i++) {
		enum status_code c = soup_check(out, in[i], st);
		if (c != STATUS_OK) {
			status_prefix(st, "expert %zu", i + 1);
			return c;
		}
	}
	double *u = malloc(n * sizeof *u);
	if (!u)
		return status_set(st, STATUS_NOMEM, "out of memory");
	enum status_code c = mapping_check_pref(w, n, 0, u, st);
	if (c != STATUS_OK) {
		free(u);
		return c;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i] == out && u[i] != 1.0) {
			free(u);
			return status_set(st, STATUS_INVALID, "the soup cannot be mixed into expert %zu",
			                  i + 1);
		}
	/* Sum in double per parameter, so the mix does not depend on the order of
	 * the experts beyond rounding once. */
	const size_t count = out->count;
	float *o = out->mem;
	for (size_t k = 0; k < count; k++) {
		double v = 0.0;
		for (size_t i = 0; i < n; i++)
			if (u[i] != 0.0)
				v += u[i] * (double)in[i]->mem[k];
		o[k] = (float)v;
	}
	free(u);
	return STATUS_OK;
}
