/* tui_gen_image: DDIM previews for ric-tui (see tui_gen_image.h). */
#include "config.h"

#include "src/tui_gen_image.h"

#include <stdlib.h>
#include <string.h>

#include "engine/diffusion.h"
#include "engine/image.h"

struct tui_gen_image {
	const struct model_params *p;
	struct model_pass *m;
	struct diffusion d;
	const struct tui_gen_image_job *job; /* the run under way */
};

enum status_code tui_gen_image_open(struct tui_gen_image **out, const struct model_params *p,
                                    struct status *st)
{
	*out = NULL;
	struct tui_gen_image *im = calloc(1, sizeof *im);
	if (!im)
		return status_set(st, STATUS_NOMEM, "out of memory");
	im->p = p;
	enum status_code c = diffusion_init(&im->d, &p->cfg, st);
	if (c == STATUS_OK)
		c = model_pass_new(&im->m, p, 0, st);
	if (c != STATUS_OK) {
		tui_gen_image_close(im);
		return c;
	}
	*out = im;
	return STATUS_OK;
}

void tui_gen_image_close(struct tui_gen_image *im)
{
	if (!im)
		return;
	model_pass_free(im->m);
	diffusion_free(&im->d);
	free(im);
}

/* Every step's x0 estimate, as the pixels the preview draws. */
static int tui_gen_image_step(void *ctx, size_t step, size_t steps, const float *x0)
{
	struct tui_gen_image *im = ctx;
	const struct tui_gen_image_job *j = im->job;
	int side = im->p->cfg.image_size;
	size_t D = im->m->image_dim;
	for (size_t i = 0; i < j->n; i++) {
		struct image pic = { 0 };
		struct status st = STATUS_INIT;
		if (image_from_chw(x0 + i * D, side, &pic, &st) != STATUS_OK)
			return 0; /* out of memory: this preview frame is skipped */
		int stop = j->on_step ? j->on_step(j->ctx, step, steps, i, pic.px, side) : 0;
		image_free(&pic);
		if (stop)
			return 1;
	}
	return 0;
}

enum status_code tui_gen_image_run(struct tui_gen_image *im, const struct tui_gen_image_job *j,
                                   const struct hooks *h, struct status *st)
{
	size_t K = (size_t)im->p->cfg.cond_dim, D = im->m->image_dim;
	float *x = malloc(j->n * D * sizeof *x);
	float *cond = j->cond && K ? malloc(j->n * K * sizeof *cond) : NULL;
	if (!x || (j->cond && K && !cond)) {
		free(x);
		free(cond);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	for (size_t i = 0; cond && i < j->n; i++)
		memcpy(cond + i * K, j->cond, K * sizeof *cond);
	im->job = j;
	struct diffusion_sample_opts o = { .n = j->n, .steps = j->steps, .guidance = j->guidance,
	                                   .cond = cond, .cond_dim = (int)K, .seed = j->seed,
	                                   .clip = 1, .on_step = tui_gen_image_step, .ctx = im };
	enum status_code c = diffusion_sample(im->m, im->p->mem, &im->d, &o, x, h, st);
	im->job = NULL;
	free(x);
	free(cond);
	return c;
}
