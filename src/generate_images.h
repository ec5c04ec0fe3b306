/* generate_images: `ric generate --model DIR -o FILE.png` on an image model:
 * n images drawn by DDIM (guided by a RiC model's --pref or --scores), saved
 * as one PNG grid.
 *
 *   struct generate_images_opts o = { .model = "models/dit", .out = "grid.png", .n = 16,
 *                                     .steps = 20, .guidance = 3, .seed = 0 };
 *   return generate_images_run(&o);
 */
#ifndef RIC_SRC_GENERATE_IMAGES_H
#define RIC_SRC_GENERATE_IMAGES_H

#include <stddef.h>
#include <stdint.h>

struct generate_images_opts {
	const char *model, *out;
	const char *pref, *scores, *mapping; /* a RiC model's condition (NULL: unconditional) */
	size_t n, steps, cols;                /* cols 0: a square-ish grid */
	double guidance;
	uint64_t seed;
};

int generate_images_run(const struct generate_images_opts *o);

#endif
