/* engine/reward_image: the image rewards against their closed forms, the
 * JPEG size through libjpeg-turbo, cmd: scorers reading PNG files, and one
 * clear error for a reward given the wrong kind of row. */
#include "config.h"

#include "tests/harness.h"
#include "engine/image.h"
#include "engine/reward.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct image solid(int r, int g, int b)
{
	struct image im;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(image_alloc(&im, IMAGE_SIDE, IMAGE_SIDE, &st), STATUS_OK);
	for (int i = 0; i < IMAGE_SIDE * IMAGE_SIDE; i++) {
		im.px[3 * i] = (uint8_t)r;
		im.px[3 * i + 1] = (uint8_t)g;
		im.px[3 * i + 2] = (uint8_t)b;
	}
	return im;
}

/* Left half one colour, right half another. */
static struct image halves(const uint8_t a[3], const uint8_t b[3])
{
	struct image im = solid(0, 0, 0);
	for (int y = 0; y < im.h; y++)
		for (int x = 0; x < im.w; x++)
			memcpy(im.px + 3 * (y * im.w + x), x < im.w / 2 ? a : b, 3);
	return im;
}

START_TEST(colorfulness_is_hasler_suesstrunk)
{
	struct image grey = solid(90, 90, 90), red = solid(255, 0, 0);
	ck_assert_double_eq_tol(reward_image_colorfulness(&grey), 0, 1e-12);
	/* one colour: no spread, 0.3 * |(rg, yb)| = 0.3 * |(255, 127.5)| */
	ck_assert_double_eq_tol(reward_image_colorfulness(&red), 0.3 * sqrt(255.0 * 255 + 127.5 * 127.5), 1e-9);
	/* red | green: rg = +-255 (sd 255, mean 0), yb = 127.5 throughout */
	const uint8_t r[3] = { 255, 0, 0 }, g[3] = { 0, 255, 0 };
	struct image rg = halves(r, g);
	ck_assert_double_eq_tol(reward_image_colorfulness(&rg), 255 + 0.3 * 127.5, 1e-9);
	image_free(&grey);
	image_free(&red);
	image_free(&rg);
}
END_TEST

START_TEST(brightness_is_mean_bt601_luma)
{
	struct image w = solid(255, 255, 255), g = solid(0, 255, 0), k = solid(0, 0, 0);
	ck_assert_double_eq_tol(reward_image_brightness(&w), 1, 1e-12);
	ck_assert_double_eq_tol(reward_image_brightness(&g), 0.587, 1e-12);
	ck_assert_double_eq_tol(reward_image_brightness(&k), 0, 1e-12);
	const uint8_t b[3] = { 0, 0, 255 }, white[3] = { 255, 255, 255 };
	struct image h = halves(b, white);
	ck_assert_double_eq_tol(reward_image_brightness(&h), (0.114 + 1) / 2, 1e-12);
	image_free(&w);
	image_free(&g);
	image_free(&k);
	image_free(&h);
}
END_TEST

START_TEST(symmetry_is_one_minus_mirror_difference)
{
	const uint8_t k[3] = { 0, 0, 0 }, w[3] = { 255, 255, 255 };
	struct image h = halves(k, w), s = solid(10, 200, 30);
	ck_assert_double_eq_tol(reward_image_symmetry(&h), 0, 1e-12);
	ck_assert_double_eq_tol(reward_image_symmetry(&s), 1, 1e-12);
	/* one channel of one pixel off by 255: it and its mirror both count */
	s.px[3 * (5 * 32 + 3) + 1] = 0;
	ck_assert_double_eq_tol(reward_image_symmetry(&s), 1 - 2.0 * 200 / (255.0 * 3 * 1024), 1e-12);
	image_free(&h);
	image_free(&s);
}
END_TEST

static double score1(const char *spec, const struct image *im)
{
	struct reward *r;
	struct status st = STATUS_INIT;
	ck_assert_msg(reward_open(spec, NULL, &r, &st) == STATUS_OK, "%s", st.msg);
	double v;
	ck_assert_msg(reward_score_images(r, 1, im, &v, &st) == STATUS_OK, "%s", st.msg);
	reward_close(r);
	return v;
}

START_TEST(jpeg_is_minus_kilobytes_at_quality_95)
{
	struct image flat = solid(128, 128, 128), noise = solid(0, 0, 0), ramp = solid(0, 0, 0);
	uint32_t x = 12345;
	for (int i = 0; i < 32 * 32 * 3; i++) {
		x = x * 1103515245u + 12345u;
		noise.px[i] = (uint8_t)(x >> 24);
		ramp.px[i] = (uint8_t)((i / 3) % 32 * 8);
	}
	size_t b_flat, b_ramp, b_noise;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(reward_image_jpeg_size(&flat, &b_flat, &st), STATUS_OK);
	ck_assert_int_eq(reward_image_jpeg_size(&ramp, &b_ramp, &st), STATUS_OK);
	ck_assert_int_eq(reward_image_jpeg_size(&noise, &b_noise, &st), STATUS_OK);
	/* headers and the standard tables alone are ~600 bytes; 32x32 RGB noise
	 * at q95 about 1.8 bytes a pixel (chroma subsampled 4:2:0) */
	ck_assert_msg(b_flat > 500 && b_flat < 800, "flat %zu", b_flat);
	ck_assert_msg(b_flat < b_ramp && b_ramp < b_noise, "%zu %zu %zu", b_flat, b_ramp, b_noise);
	ck_assert_msg(b_noise > 1500, "noise %zu", b_noise);
	ck_assert_double_eq(score1("jpeg", &flat), -(double)b_flat / 1000);
	ck_assert_double_eq(score1("jpeg", &noise), -(double)b_noise / 1000);
	ck_assert_double_eq_tol(score1("colorfulness", &flat), 0, 1e-12);
	ck_assert_double_eq_tol(score1("brightness", &flat), 128 / 255.0, 1e-12);
	ck_assert_double_eq_tol(score1("symmetry", &flat), 1, 1e-12);
	image_free(&flat);
	image_free(&noise);
	image_free(&ramp);
}
END_TEST

START_TEST(wrong_kind_of_row_is_one_clear_error)
{
	struct reward *r;
	struct status st = STATUS_INIT;
	double v;
	const char *resp[] = { "hello" };
	ck_assert_int_eq(reward_open("jpeg", NULL, &r, &st), STATUS_OK);
	ck_assert_int_eq(reward_modality(r), 1);
	ck_assert_int_eq(reward_score(r, 1, NULL, resp, &v, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "reward 'jpeg' scores images, not text");
	reward_close(r);
	struct image im = solid(1, 2, 3);
	ck_assert_int_eq(reward_open("brevity", NULL, &r, &st), STATUS_OK);
	ck_assert_int_eq(reward_modality(r), 0);
	ck_assert_int_eq(reward_score_images(r, 1, &im, &v, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "reward 'brevity' scores text, not images");
	reward_close(r);
	ck_assert_int_eq(reward_open("symmetry:2", NULL, &r, &st), STATUS_INVALID);
	ck_assert_msg(strstr(st.msg, "takes no argument") != NULL, "%s", st.msg);
	ck_assert(reward_spec_image("colorfulness") && !reward_spec_image("positivity"));
	ck_assert(reward_spec_known("brightness"));
	image_free(&im);
}
END_TEST

START_TEST(cmd_scorers_read_png_files)
{
	static char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s/tmp", harness_tmpdir());
	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	setenv("TMPDIR", tmp, 1);
	/* a scorer that replies with each file's size and its PNG signature check */
	const char *spec = "cmd:python3 -c 'import json, os, sys\n"
	                   "for l in sys.stdin:\n"
	                   "    b = json.loads(l)[\"batch\"]\n"
	                   "    ok = [open(r[\"image\"], \"rb\").read(8) == b\"\\x89PNG\\r\\n\\x1a\\n\" for r in b]\n"
	                   "    print(json.dumps({\"rewards\": [os.path.getsize(r[\"image\"]) * o for r, o in zip(b, ok)]}), flush=True)'";
	struct reward_env env = { .batch = 2, .timeout_s = 20 };
	struct reward *r;
	struct status st = STATUS_INIT;
	ck_assert_msg(reward_open(spec, &env, &r, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(reward_modality(r), 2);
	struct image im[3] = { solid(1, 2, 3), solid(200, 0, 0), solid(0, 0, 0) };
	for (int i = 0; i < 32 * 32 * 3; i++)
		im[2].px[i] = (uint8_t)(i * 77 + i / 5);
	double v[3];
	ck_assert_msg(reward_score_images(r, 3, im, v, &st) == STATUS_OK, "%s", st.msg);
	for (int i = 0; i < 3; i++) {
		uint8_t *png;
		size_t len;
		ck_assert_int_eq(image_encode_png(&im[i], &png, &len, &st), STATUS_OK);
		ck_assert_double_eq(v[i], (double)len);
		free(png);
		image_free(&im[i]);
	}
	reward_close(r);
	/* its files and their folder are gone */
	DIR *d = opendir(tmp);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 0);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("reward_image");
	harness_add(s, "measures", colorfulness_is_hasler_suesstrunk, brightness_is_mean_bt601_luma,
	            symmetry_is_one_minus_mirror_difference, jpeg_is_minus_kilobytes_at_quality_95, NULL);
	TCase *tc = harness_add(s, "kinds", wrong_kind_of_row_is_one_clear_error, cmd_scorers_read_png_files,
	                        NULL);
	tcase_set_timeout(tc, 30);
	return s;
}
