/* tui_gen_image: DDIM previews for ric-tui (see tui_gen_image.h). */
#include "config.h"

#include "src/tui_gen_image.h"

#include <stdlib.h>
#include <string.h>

#include "engine/image.h"

struct tui_gen_image_run {
	const struct tui_gen_image_job *job;
	size_t D;
	int side;
};

/* Every step's x0 estimate, as the pixels the preview draws. */
static int tui_gen_image_step(void *ctx, size_t step, size_t steps, const float *x0)
{
	const struct tui_gen_image_run *r = ctx;
	const struct tui_gen_image_job *j = r->job;
	for (size_t i = 0; i < j->n; i++) {
		struct image pic = { 0 };
		struct status st = STATUS_INIT;
		if (image_from_chw(x0 + i * r->D, r->side, &pic, &st) != STATUS_OK)
			return 0; /* out of memory: this preview frame is skipped */
		int stop = j->on_step ? j->on_step(j->ctx, step, steps, i, pic.px, r->side) : 0;
		image_free(&pic);
		if (stop)
			return 1;
	}
	return 0;
}

enum status_code tui_gen_image_run(struct model_pass *m, const struct model_params *p,
                                   const struct diffusion *d,
                                   const struct tui_gen_image_job *j, const struct hooks *h,
                                   struct status *st)
{
	size_t K = (size_t)p->cfg.cond_dim, D = m->image_dim;
	float *x = malloc(j->n * D * sizeof *x);
	float *cond = j->cond && K ? malloc(j->n * K * sizeof *cond) : NULL;
	if (!x || (j->cond && K && !cond)) {
		free(x);
		free(cond);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	for (size_t i = 0; cond && i < j->n; i++)
		memcpy(cond + i * K, j->cond, K * sizeof *cond);
	struct tui_gen_image_run r = { .job = j, .D = D, .side = p->cfg.image_size };
	struct diffusion_sample_opts o = { .n = j->n, .steps = j->steps, .guidance = j->guidance,
	                                   .cond = cond, .cond_dim = (int)K, .seed = j->seed,
	                                   .clip = 1, .on_step = tui_gen_image_step, .ctx = &r };
	enum status_code c = diffusion_sample(m, p->mem, d, &o, x, h, st);
	free(x);
	free(cond);
	return c;
}
