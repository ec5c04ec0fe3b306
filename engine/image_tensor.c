/* image_tensor: 8-bit RGB images to and from the image models' tensors
 * (channels first, values in [-1, 1]), and the grid ric generate writes. */
#include "config.h"

#include "engine/image.h"

#include <math.h>
#include <string.h>

void image_to_chw(const struct image *im, float *x)
{
	size_t n = (size_t)im->w * (size_t)im->h;
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < 3; c++)
			x[c * n + i] = (float)im->px[i * 3 + c] / 127.5f - 1.0f;
}

enum status_code image_from_chw(const float *x, int side, struct image *im, struct status *st)
{
	enum status_code rc = image_alloc(im, side, side, st);
	if (rc != STATUS_OK)
		return rc;
	size_t n = (size_t)side * (size_t)side;
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < 3; c++) {
			double v = floor(((double)x[c * n + i] + 1.0) * 127.5 + 0.5);
			im->px[i * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	return STATUS_OK;
}

enum status_code image_grid(const struct image *ims, size_t n, size_t cols, int gap,
                            const uint8_t bg[3], struct image *out, struct status *st)
{
	if (n == 0 || cols == 0)
		return status_set(st, STATUS_INVALID, "a grid of no images");
	if (cols > n)
		cols = n;
	size_t rows = (n + cols - 1) / cols;
	int w = ims[0].w, h = ims[0].h;
	enum status_code rc = image_alloc(out, (int)cols * (w + gap) + gap,
	                                  (int)rows * (h + gap) + gap, st);
	if (rc != STATUS_OK)
		return rc;
	for (size_t i = 0; i < (size_t)out->w * (size_t)out->h; i++)
		memcpy(out->px + i * 3, bg, 3);
	for (size_t k = 0; k < n; k++) {
		size_t x0 = (size_t)gap + (k % cols) * (size_t)(w + gap);
		size_t y0 = (size_t)gap + (k / cols) * (size_t)(h + gap);
		for (int y = 0; y < h && y < ims[k].h; y++)
			memcpy(out->px + ((y0 + (size_t)y) * (size_t)out->w + x0) * 3,
			       ims[k].px + (size_t)y * (size_t)ims[k].w * 3,
			       (size_t)(ims[k].w < w ? ims[k].w : w) * 3);
	}
	return STATUS_OK;
}
