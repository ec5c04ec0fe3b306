/* Fuzz harness for the PNG import path (engine/image.h; see tests/fuzz.h):
 * the input is a PNG file as `ric dataset import-images` reads it. What is
 * accepted has a sane size, fits into the model's square, and that square
 * writes as a PNG that reads back the same; what is refused says so in one
 * line naming the input. */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_accepts(const uint8_t *data, size_t size)
{
	struct status st = STATUS_INIT;
	const uint8_t bg[3] = { 12, 34, 56 };
	struct image im, fit, back;
	if (image_decode_png(data, size, "fuzz", bg, &im, &st) != STATUS_OK) {
		fuzz_check_message(&st, "fuzz");
		if (im.px || im.w || im.h)
			abort(); /* left empty */
		return 0;
	}
	if (!im.px || im.w < 1 || im.h < 1 || im.w > IMAGE_MAX_SIDE || im.h > IMAGE_MAX_SIDE)
		abort();
	if (image_fit(&im, IMAGE_SIDE, bg, &fit, &st) != STATUS_OK || fit.w != IMAGE_SIDE ||
	    fit.h != IMAGE_SIDE) {
		fprintf(stderr, "fit failed: %s\n", st.msg);
		abort();
	}
	/* A picture that fills the square is averaged, never invented: a flat
	 * source stays flat. */
	int flat = 1;
	for (size_t i = 3; flat && i < (size_t)im.w * im.h * 3; i++)
		flat = im.px[i] == im.px[i % 3];
	if (flat && im.w == im.h)
		for (size_t i = 0; i < (size_t)IMAGE_SIDE * IMAGE_SIDE * 3; i++)
			if (fit.px[i] != im.px[i % 3])
				abort();
	uint8_t *png;
	size_t len;
	if (image_encode_png(&fit, &png, &len, &st) != STATUS_OK ||
	    image_decode_png(png, len, "again", bg, &back, &st) != STATUS_OK) {
		fprintf(stderr, "round trip failed: %s\n", st.msg);
		abort();
	}
	if (back.w != fit.w || back.h != fit.h || memcmp(back.px, fit.px, (size_t)fit.w * fit.h * 3) != 0)
		abort();
	free(png);
	image_free(&back);
	image_free(&fit);
	image_free(&im);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
