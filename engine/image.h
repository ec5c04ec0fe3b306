/* image: small 8-bit RGB images, PNG in and out (libpng), and the fit of any
 * picture into the model's square (IMAGE_SIDE x IMAGE_SIDE).
 *
 *   struct image im;
 *   unsigned char bg[3] = { 255, 255, 255 };
 *   if (image_load_png("icon.png", bg, &im, &st) != STATUS_OK) return st.code;
 *   ...                                     // im.w == im.h == IMAGE_SIDE
 *   image_free(&im);
 */
#ifndef RIC_ENGINE_IMAGE_H
#define RIC_ENGINE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

#define IMAGE_SIDE 32
/* PNGs wider or taller than this are refused before any pixel is decoded
 * (libpng's user limits), so a hostile header cannot ask for gigabytes. */
#define IMAGE_MAX_SIDE 4096
/* Largest PNG file read (a 4096x4096 picture is far smaller in practice). */
#define IMAGE_MAX_FILE (64u << 20)

struct image {
	int w, h;
	uint8_t *px; /* [h][w][3] RGB, row-major */
};

void image_free(struct image *im);
enum status_code image_alloc(struct image *im, int w, int h, struct status *st);

/* "white", "black", "grey"/"gray", "#rrggbb" or "rrggbb". */
enum status_code image_parse_color(const char *text, uint8_t rgb[3], struct status *st);

/* Decodes a PNG of any kind libpng reads (paletted, grey, grey+alpha, RGB,
 * RGBA, 1-16 bits, interlaced) to RGB at its own size; alpha (and tRNS) is
 * composited onto bg. `name` names the data in errors ("NAME: ..."); every
 * refusal is one line, STATUS_FORMAT for bad or too large data. */
enum status_code image_decode_png(const void *data, size_t len, const char *name, const uint8_t bg[3],
                                  struct image *out, struct status *st);
/* The decode, then image_fit to IMAGE_SIDE: what import-images stores. */
enum status_code image_load_png(const char *path, const uint8_t bg[3], struct image *out,
                                struct status *st);

/* Scales src to fit side x side with its aspect ratio kept (area filter:
 * each output pixel averages the source area it covers, which also serves
 * enlargement) and centres it on bg. */
enum status_code image_fit(const struct image *src, int side, const uint8_t bg[3], struct image *out,
                           struct status *st);

/* 8-bit RGB PNG, into a malloc'd buffer (*out, *len) or a file. */
enum status_code image_encode_png(const struct image *im, uint8_t **out, size_t *len, struct status *st);
enum status_code image_save_png(const struct image *im, const char *path, struct status *st);

/* engine/image_tensor.c: an image of side x side as the image models read
 * it, [3, h, w] channels first in [-1, 1] (v / 127.5 - 1), and back
 * (rounded, clamped to 0..255). */
void image_to_chw(const struct image *im, float *x);
enum status_code image_from_chw(const float *x, int side, struct image *im, struct status *st);
/* n images of ims[0]'s size in rows of cols, gap pixels of bg around each. */
enum status_code image_grid(const struct image *ims, size_t n, size_t cols, int gap,
                            const uint8_t bg[3], struct image *out, struct status *st);

#endif
