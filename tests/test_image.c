/* engine/image: PNGs of every kind decode to the right RGB, bad ones are
 * refused with one line naming the file, and the fit keeps the aspect ratio. */
#include "config.h"

#include "tests/harness.h"
#include "engine/image.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t white[3] = { 255, 255, 255 };

/* Writes a w x h PNG of color_type/depth from packed rows (depth 16: big-endian
 * samples); pal/trns for palettes, trns_grey for a grey tRNS key. */
static char *put_png(const char *name, int w, int h, int color_type, int depth, const uint8_t *rows,
                     size_t rowbytes, const png_color *pal, int n_pal, const uint8_t *trns, int n_trns,
                     int interlace)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", harness_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	ck_assert(setjmp(png_jmpbuf(png)) == 0);
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type,
	             interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	             PNG_FILTER_TYPE_DEFAULT);
	if (pal)
		png_set_PLTE(png, info, pal, n_pal);
	if (trns)
		png_set_tRNS(png, info, trns, n_trns, NULL);
	png_write_info(png, info);
	int passes = png_set_interlace_handling(png);
	for (int p = 0; p < passes; p++)
		for (int y = 0; y < h; y++)
			png_write_row(png, rows + (size_t)y * rowbytes);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
	return path;
}

static void decode_file(const char *path, const uint8_t bg[3], struct image *im)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	struct status st = STATUS_INIT;
	ck_assert_msg(image_decode_png(buf, n, path, bg, im, &st) == STATUS_OK, "%s", st.msg);
}

static void px_eq(const struct image *im, int x, int y, int r, int g, int b)
{
	const uint8_t *p = im->px + 3 * ((size_t)y * im->w + x);
	ck_assert_msg(p[0] == r && p[1] == g && p[2] == b, "(%d,%d) = %d %d %d, want %d %d %d", x, y, p[0],
	              p[1], p[2], r, g, b);
}

START_TEST(rgba_composites_onto_background)
{
	/* opaque red, transparent, half-transparent blue, opaque green */
	const uint8_t rows[] = { 255, 0, 0, 255, 9, 9, 9, 0, 0, 0, 255, 128, 0, 255, 0, 255 };
	char *p = put_png("rgba.png", 4, 1, PNG_COLOR_TYPE_RGBA, 8, rows, 16, NULL, 0, NULL, 0, 0);
	struct image im;
	const uint8_t bg[3] = { 0, 0, 0 };
	decode_file(p, bg, &im);
	ck_assert_int_eq(im.w, 4);
	ck_assert_int_eq(im.h, 1);
	px_eq(&im, 0, 0, 255, 0, 0);
	px_eq(&im, 1, 0, 0, 0, 0);
	px_eq(&im, 2, 0, 0, 0, 128);
	px_eq(&im, 3, 0, 0, 255, 0);
	image_free(&im);
	decode_file(p, white, &im);
	px_eq(&im, 1, 0, 255, 255, 255);
	px_eq(&im, 2, 0, 127, 127, 255); /* (0*128 + 255*127 + 127) / 255 */
	image_free(&im);
}
END_TEST

START_TEST(palette_grey_and_sixteen_bit)
{
	const png_color pal[3] = { { 10, 20, 30 }, { 200, 100, 50 }, { 0, 0, 0 } };
	const uint8_t trns[3] = { 255, 255, 0 };
	const uint8_t idx[] = { 0x06 }; /* 2-bit indices 0, 0, 1, 2 */
	char *p = put_png("pal.png", 4, 1, PNG_COLOR_TYPE_PALETTE, 2, idx, 1, pal, 3, trns, 3, 0);
	struct image im;
	decode_file(p, white, &im);
	px_eq(&im, 0, 0, 10, 20, 30);
	px_eq(&im, 2, 0, 200, 100, 50);
	px_eq(&im, 3, 0, 255, 255, 255); /* tRNS 0: the background */
	image_free(&im);

	const uint8_t grey1[] = { 0x80 }; /* 1-bit: white, black */
	p = put_png("grey1.png", 2, 1, PNG_COLOR_TYPE_GRAY, 1, grey1, 1, NULL, 0, NULL, 0, 0);
	decode_file(p, white, &im);
	px_eq(&im, 0, 0, 255, 255, 255);
	px_eq(&im, 1, 0, 0, 0, 0);
	image_free(&im);

	const uint8_t ga[] = { 60, 255, 200, 0 };
	p = put_png("ga.png", 2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, ga, 4, NULL, 0, NULL, 0, 0);
	const uint8_t red[3] = { 255, 0, 0 };
	decode_file(p, red, &im);
	px_eq(&im, 0, 0, 60, 60, 60);
	px_eq(&im, 1, 0, 255, 0, 0);
	image_free(&im);

	/* 16-bit RGB: 0xFFFF, 0x8080 (scaled, not truncated: 128), 0x0000 */
	const uint8_t rgb16[] = { 0xff, 0xff, 0x80, 0x80, 0x00, 0x00 };
	p = put_png("rgb16.png", 1, 1, PNG_COLOR_TYPE_RGB, 16, rgb16, 6, NULL, 0, NULL, 0, 0);
	decode_file(p, white, &im);
	px_eq(&im, 0, 0, 255, 128, 0);
	image_free(&im);

	/* interlaced 8x8 grey gradient */
	uint8_t g[64];
	for (int i = 0; i < 64; i++)
		g[i] = (uint8_t)(i * 4);
	p = put_png("adam7.png", 8, 8, PNG_COLOR_TYPE_GRAY, 8, g, 8, NULL, 0, NULL, 0, 1);
	decode_file(p, white, &im);
	px_eq(&im, 5, 6, 212, 212, 212);
	image_free(&im);
}
END_TEST

static void refused(const void *data, size_t len, const char *name, const char *what)
{
	struct image im;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(image_decode_png(data, len, name, white, &im, &st), STATUS_FORMAT);
	ck_assert_ptr_null(im.px);
	ck_assert_msg(strncmp(st.msg, name, strlen(name)) == 0 && strstr(st.msg, what) && !strchr(st.msg, '\n'),
	              "message '%s' lacks '%s'", st.msg, what);
}

START_TEST(corrupt_truncated_and_huge_are_refused)
{
	uint8_t px[16 * 16 * 3];
	for (size_t i = 0; i < sizeof px; i++)
		px[i] = (uint8_t)(i * 7);
	char *p = put_png("ok.png", 16, 16, PNG_COLOR_TYPE_RGB, 8, px, 48, NULL, 0, NULL, 0, 0);
	FILE *f = fopen(p, "rb");
	uint8_t buf[4096];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	refused("GIF89a....", 10, "a.gif", "not a PNG");
	refused(buf, n - 30, "cut.png", "truncated");
	uint8_t bad[4096];
	memcpy(bad, buf, n);
	bad[n - 20] ^= 0x55; /* inside IDAT: CRC or zlib error */
	refused(bad, n, "flip.png", "bad PNG");
	/* IHDR claims 100000 x 100000 (CRC fixed up): refused at the header */
	memcpy(bad, buf, n);
	const uint8_t big[4] = { 0x00, 0x01, 0x86, 0xa0 };
	memcpy(bad + 16, big, 4);
	memcpy(bad + 20, big, 4);
	uint32_t crc = (uint32_t)crc32(0, bad + 12, 17);
	bad[29] = (uint8_t)(crc >> 24);
	bad[30] = (uint8_t)(crc >> 16);
	bad[31] = (uint8_t)(crc >> 8);
	bad[32] = (uint8_t)crc;
	refused(bad, n, "huge.png", "limit");
	/* a 6x5 palette PNG whose tEXt claims 1.4 GB: refused at once (libpng
	 * alone read it through for 25 s and 1.4 GB; tests/fuzz_png.c found it) */
	static const uint8_t claim[] = {
		0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
		0, 0, 0, 6, 0, 0, 0, 5, 8, 3, 0, 0, 0, 0x51, 0x86, 0x6d, 0xd4,
		0x53, 0xff, 0x00, 0xe5, 't', 'E', 'X', 't', 'a', 'b', 'c', 0, 0, 0, 0,
	};
	refused(claim, sizeof claim, "claim.png", "chunk tEXt at byte 33 claims 1409220837 bytes, 3 are left");
	/* the file path is named in the message */
	struct image im;
	struct status st = STATUS_INIT;
	char path[4096];
	snprintf(path, sizeof path, "%s/cut2.png", harness_tmpdir());
	f = fopen(path, "wb");
	fwrite(buf, 1, n / 2, f);
	fclose(f);
	ck_assert_int_eq(image_load_png(path, white, &im, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, path) != NULL, "%s", st.msg);
}
END_TEST

START_TEST(fit_keeps_aspect_and_averages)
{
	/* 64x32 red/blue 1-pixel checkerboard: 32x16 of purple, centred */
	struct image src, out;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(image_alloc(&src, 64, 32, &st), STATUS_OK);
	for (int y = 0; y < 32; y++)
		for (int x = 0; x < 64; x++) {
			uint8_t *q = src.px + 3 * (y * 64 + x);
			int red = (x + y) % 2 == 0;
			q[0] = red ? 255 : 0;
			q[1] = 0;
			q[2] = red ? 0 : 255;
		}
	const uint8_t bg[3] = { 1, 2, 3 };
	ck_assert_int_eq(image_fit(&src, 32, bg, &out, &st), STATUS_OK);
	ck_assert_int_eq(out.w, 32);
	ck_assert_int_eq(out.h, 32);
	px_eq(&out, 0, 7, 1, 2, 3);
	px_eq(&out, 31, 24, 1, 2, 3);
	px_eq(&out, 0, 8, 128, 0, 128);
	px_eq(&out, 17, 23, 128, 0, 128);
	image_free(&out);
	image_free(&src);
	/* a 3x5 picture enlarges to 19x32 centred: columns 6..24 */
	ck_assert_int_eq(image_alloc(&src, 3, 5, &st), STATUS_OK);
	memset(src.px, 200, 45);
	ck_assert_int_eq(image_fit(&src, 32, bg, &out, &st), STATUS_OK);
	px_eq(&out, 5, 0, 1, 2, 3);
	px_eq(&out, 6, 0, 200, 200, 200);
	px_eq(&out, 24, 31, 200, 200, 200);
	px_eq(&out, 25, 31, 1, 2, 3);
	image_free(&out);
	image_free(&src);
}
END_TEST

START_TEST(encode_round_trips_and_colours_parse)
{
	struct image a, b;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(image_alloc(&a, 32, 32, &st), STATUS_OK);
	for (int i = 0; i < 32 * 32 * 3; i++)
		a.px[i] = (uint8_t)(i * 13 + i / 7);
	uint8_t *buf;
	size_t len;
	ck_assert_int_eq(image_encode_png(&a, &buf, &len, &st), STATUS_OK);
	ck_assert_int_eq(image_decode_png(buf, len, "mem", white, &b, &st), STATUS_OK);
	ck_assert_mem_eq(a.px, b.px, 32 * 32 * 3);
	free(buf);
	image_free(&a);
	image_free(&b);
	uint8_t c[3];
	ck_assert_int_eq(image_parse_color("#FF8001", c, &st), STATUS_OK);
	ck_assert(c[0] == 255 && c[1] == 128 && c[2] == 1);
	ck_assert_int_eq(image_parse_color("Black", c, &st), STATUS_OK);
	ck_assert(c[0] == 0 && c[2] == 0);
	ck_assert_int_eq(image_parse_color("#12345g", c, &st), STATUS_INVALID);
	ck_assert_msg(strstr(st.msg, "#12345g") != NULL, "%s", st.msg);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("image");
	harness_add(s, "png", rgba_composites_onto_background, palette_grey_and_sixteen_bit,
	            corrupt_truncated_and_huge_are_refused, encode_round_trips_and_colours_parse, NULL);
	harness_add(s, "fit", fit_keeps_aspect_and_averages, NULL);
	return s;
}
