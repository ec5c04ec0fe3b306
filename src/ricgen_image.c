/* ricgen_image: ricgen on an image model -- a batch's rows drawn by DDIM
 * under their targets, scored as pictures by the image rewards, and saved
 * as PNG files whose paths are the rows' responses (src/ricgen.h). */
#include "config.h"

#include "src/ricgen.h"

#include "engine/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum status_code ricgen_image_open(struct ricgen *g, struct status *st)
{
	g->image_steps = 20;
	g->guidance = 3;
	enum status_code c = diffusion_init(&g->diff, &g->p.cfg, st);
	if (c == STATUS_OK)
		c = model_pass_new(&g->pass, &g->p, 0, st);
	/* an unconditioned model (ric sft --unconditioned, --expert) names the
	 * objectives it was scored by, but its condition is empty */
	json_t *cond = g->has_meta && g->meta.extra ? json_object_get(g->meta.extra, "conditioned")
	                                            : NULL;
	int unconditioned = json_is_false(cond) && g->p.cfg.cond_dim == 0;
	if (c == STATUS_OK && g->has_meta && !unconditioned &&
	    (int)g->meta.n_obj != g->p.cfg.cond_dim)
		c = status_set(st, STATUS_INVALID, "ric.json names %zu objectives, config.json's "
		               "cond_dim is %d", g->meta.n_obj, g->p.cfg.cond_dim);
	return c;
}

void ricgen_image_close(struct ricgen *g)
{
	if (!g->image)
		return;
	model_pass_free(g->pass);
	g->pass = NULL;
	diffusion_free(&g->diff);
}

/* Rows [lo, hi) of b, whose seeds run on by one, in one DDIM call. */
static enum status_code ricgen_image_draw(struct ricgen *g, const struct ricmeta *m,
                                          const struct ricgen_batch *b, size_t lo, size_t hi,
                                          float *x, float *cond, const struct hooks *h,
                                          struct status *st)
{
	size_t N = m->n_obj, K = (size_t)g->p.cfg.cond_dim;
	if (b->z && K != N)
		return status_set(st, STATUS_INVALID, "targets of %zu objectives for an image model "
		                  "conditioned on %zu", N, K);
	for (size_t i = lo; b->z && i < hi; i++)
		for (size_t k = 0; k < K; k++)
			cond[(i - lo) * K + k] = (float)b->z[i * N + k];
	struct diffusion_sample_opts so = { .n = hi - lo, .steps = g->image_steps,
		                            .guidance = g->guidance, .cond = b->z ? cond : NULL,
		                            .cond_dim = (int)K, .seed = b->seeds ? b->seeds[lo] : lo,
		                            .clip = 1 };
	return diffusion_sample(g->pass, g->p.mem, &g->diff, &so, x + lo * g->pass->image_dim, h, st);
}

/* Image i of the batch saved as the next PNG of image_dir: its path. */
static enum status_code ricgen_image_save(struct ricgen *g, const struct image *im, char **path,
                                          struct status *st)
{
	if (!g->image_dir) {
		*path = strdup("");
		return *path ? STATUS_OK : status_set(st, STATUS_NOMEM, "out of memory");
	}
	size_t cap = strlen(g->image_dir) + 32;
	if (!(*path = malloc(cap)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	snprintf(*path, cap, "%s/%06zu.png", g->image_dir, g->image_seq++);
	return image_save_png(im, *path, st);
}

enum status_code ricgen_image_run(struct ricgen *g, const struct ricmeta *m, struct ricgen_batch *b,
                                  const struct hooks *h, struct status *st)
{
	size_t n = b->n, N = m->n_obj, D = g->pass->image_dim, K = (size_t)g->p.cfg.cond_dim;
	float *x = malloc((n ? n : 1) * D * sizeof *x);
	float *cond = malloc((n ? n : 1) * (K ? K : 1) * sizeof *cond);
	struct image *ims = calloc(n ? n : 1, sizeof *ims);
	double *col = malloc((n ? n : 1) * sizeof *col);
	b->responses = calloc(n ? n : 1, sizeof *b->responses);
	b->raw = calloc(n * N + 1, sizeof *b->raw);
	b->norm = calloc(n * N + 1, sizeof *b->norm);
	b->tokens = 0;
	enum status_code c = STATUS_OK;
	if (!x || !cond || !ims || !col || !b->responses || !b->raw || !b->norm)
		c = status_set(st, STATUS_NOMEM, "out of memory");
	/* DDIM seeds image i of a call with seed + i: rows whose seeds run on
	 * by one share a call, so a row's image depends on its seed alone */
	for (size_t lo = 0, hi; c == STATUS_OK && lo < n; lo = hi) {
		for (hi = lo + 1; b->seeds && hi < n && b->seeds[hi] == b->seeds[hi - 1] + 1; hi++)
			;
		if (!b->seeds)
			hi = n;
		c = ricgen_image_draw(g, m, b, lo, hi, x, cond, h, st);
	}
	size_t made = 0;
	for (; c == STATUS_OK && made < n; made++)
		c = image_from_chw(x + made * D, g->p.cfg.image_size, &ims[made], st);
	for (size_t i = 0; c == STATUS_OK && i < n; i++)
		c = ricgen_image_save(g, &ims[i], &b->responses[i], st);
	/* the pictures scored as the rewards see them: the 8-bit image saved */
	for (size_t j = 0; c == STATUS_OK && g->n_rewards == N && j < N; j++) {
		if (!g->rewards[j]) {
			for (size_t i = 0; i < n; i++)
				b->raw[i * N + j] = NAN;
			continue;
		}
		if (reward_modality(g->rewards[j]) == 0)
			c = status_set(st, STATUS_INVALID, "reward %s scores text; an image model's "
			               "samples are scored by image rewards", reward_spec(g->rewards[j]));
		else
			c = reward_score_images(g->rewards[j], n, ims, col, st);
		if (c != STATUS_OK) {
			status_prefix(st, "objective '%s'", m->obj[j].name);
			break;
		}
		for (size_t i = 0; i < n; i++)
			b->raw[i * N + j] = col[i];
	}
	for (size_t i = 0; c == STATUS_OK && g->n_rewards == N && i < n; i++)
		ricmeta_normalise(m, b->raw + i * N, b->norm + i * N);
	for (size_t i = 0; i < made; i++)
		image_free(&ims[i]);
	free(ims);
	free(x);
	free(cond);
	free(col);
	return c;
}
