/* tui_gen_image: ric-tui's generation worker on an image (DiT) model: DDIM
 * sampling of a batch under one RiC condition, with every step's predicted
 * clean images handed back as RGB bytes for the live preview.
 *
 *   // g: a ricgen opened by ricgen_open_any on an image model (g.image)
 *   float cond[2] = { 0.5f, -0.3f };                              // the targets (z)
 *   struct tui_gen_image_job j = { .n = 4, .steps = 20, .guidance = 3, .cond = cond,
 *                                  .seed = 7, .on_step = show, .ctx = ui };
 *   tui_gen_image_run(g.pass, &g.p, &g.diff, &j, &hooks, &st);  // show(...) per image
 *
 * One worker thread calls run; the abort hook stops it between steps (and
 * inside them), STATUS_CANCELLED.
 */
#ifndef RIC_SRC_TUI_GEN_IMAGE_H
#define RIC_SRC_TUI_GEN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/diffusion.h"
#include "engine/model.h"
#include "engine/status.h"

struct tui_gen_image_job {
	size_t n, steps;
	double guidance;
	const float *cond;    /* [cond_dim], the same for every image; NULL: unconditional */
	uint64_t seed;        /* image i starts from noise seeded seed + i */
	/* After each step, per image: rgb [side][side][3] of its current x0
	 * estimate (valid during the call). Nonzero stops the run. */
	int (*on_step)(void *ctx, size_t step, size_t steps, size_t i, const uint8_t *rgb, int side);
	void *ctx;
};

/* Samples j->n images with the pass m of the model p under schedule d. */
enum status_code tui_gen_image_run(struct model_pass *m, const struct model_params *p,
                                   const struct diffusion *d,
                                   const struct tui_gen_image_job *j, const struct hooks *h,
                                   struct status *st);

#endif
