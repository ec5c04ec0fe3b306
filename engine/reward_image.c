/* reward_image: the built-in image rewards (see engine/reward.h). */
#include "config.h"

#include "engine/reward_impl.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

enum image_kind { IMG_JPEG, IMG_COLORFULNESS, IMG_BRIGHTNESS, IMG_SYMMETRY };

struct image_reward {
	struct reward base;
	enum image_kind kind;
};

/* libjpeg reports errors through exit(); ours jumps back instead. The state
 * the jump meets lives in *j, outside the frame that calls setjmp. */
struct jpeg_job {
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	jmp_buf jmp;
	unsigned char *buf;
	unsigned long len;
	char msg[JMSG_LENGTH_MAX];
};

static void image_jpeg_error(j_common_ptr c)
{
	struct jpeg_job *j = (struct jpeg_job *)c; /* c is the job's first member */
	(*c->err->format_message)(c, j->msg);
	longjmp(j->jmp, 1);
}

static int image_jpeg_run(struct jpeg_job *j, const struct image *im)
{
	if (setjmp(j->jmp))
		return -1;
	jpeg_create_compress(&j->c);
	jpeg_mem_dest(&j->c, &j->buf, &j->len);
	j->c.image_width = (JDIMENSION)im->w;
	j->c.image_height = (JDIMENSION)im->h;
	j->c.input_components = 3;
	j->c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&j->c);
	jpeg_set_quality(&j->c, REWARD_JPEG_QUALITY, TRUE);
	jpeg_start_compress(&j->c, TRUE);
	while (j->c.next_scanline < j->c.image_height) {
		JSAMPROW row = im->px + (size_t)j->c.next_scanline * im->w * 3;
		jpeg_write_scanlines(&j->c, &row, 1);
	}
	jpeg_finish_compress(&j->c);
	return 0;
}

enum status_code reward_image_jpeg_size(const struct image *im, size_t *bytes, struct status *st)
{
	struct jpeg_job *j = calloc(1, sizeof *j);
	if (!j)
		return status_set(st, STATUS_NOMEM, "out of memory");
	j->c.err = jpeg_std_error(&j->jerr);
	j->jerr.error_exit = image_jpeg_error;
	enum status_code rc = STATUS_OK;
	if (image_jpeg_run(j, im) != 0)
		rc = status_set(st, STATUS_INTERNAL, "JPEG encoding failed: %s", j->msg);
	else
		*bytes = j->len;
	jpeg_destroy_compress(&j->c);
	free(j->buf);
	free(j);
	return rc;
}

/* Hasler and Suesstrunk (2003): rg = R - G, yb = (R + G) / 2 - B over the
 * pixels; M = sqrt(var rg + var yb) + 0.3 sqrt(mean rg^2 + mean yb^2), with
 * population variances, on 0..255 values. */
double reward_image_colorfulness(const struct image *im)
{
	size_t n = (size_t)im->w * im->h;
	double s_rg = 0, s_yb = 0, q_rg = 0, q_yb = 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = im->px + 3 * i;
		double rg = (double)p[0] - p[1], yb = 0.5 * ((double)p[0] + p[1]) - p[2];
		s_rg += rg;
		s_yb += yb;
		q_rg += rg * rg;
		q_yb += yb * yb;
	}
	double m_rg = s_rg / n, m_yb = s_yb / n;
	double v_rg = q_rg / n - m_rg * m_rg, v_yb = q_yb / n - m_yb * m_yb;
	if (v_rg < 0)
		v_rg = 0;
	if (v_yb < 0)
		v_yb = 0;
	return sqrt(v_rg + v_yb) + 0.3 * sqrt(m_rg * m_rg + m_yb * m_yb);
}

/* Mean BT.601 luma (Y = 0.299 R + 0.587 G + 0.114 B, as JPEG's YCbCr and
 * PIL's "L" use), on gamma-encoded values, scaled to 0..1. */
double reward_image_brightness(const struct image *im)
{
	size_t n = (size_t)im->w * im->h;
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = im->px + 3 * i;
		s += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
	}
	return s / (255.0 * n);
}

/* 1 - mean |I(x, y, c) - I(w-1-x, y, c)| / 255 over all pixels and channels:
 * 1 for a picture equal to its left-right mirror, 0 for black against white. */
double reward_image_symmetry(const struct image *im)
{
	double s = 0;
	for (int y = 0; y < im->h; y++)
		for (int x = 0; x < im->w; x++)
			for (int c = 0; c < 3; c++) {
				int a = im->px[3 * ((size_t)y * im->w + x) + c];
				int b = im->px[3 * ((size_t)y * im->w + (im->w - 1 - x)) + c];
				s += abs(a - b);
			}
	return 1.0 - s / (255.0 * 3 * (double)im->w * im->h);
}

static enum status_code image_score(struct reward *base, size_t n, const struct image *im, double *out,
                                    struct status *st)
{
	struct image_reward *r = (struct image_reward *)base;
	for (size_t i = 0; i < n; i++) {
		switch (r->kind) {
		case IMG_JPEG: {
			size_t bytes;
			if (reward_image_jpeg_size(&im[i], &bytes, st) != STATUS_OK) {
				status_prefix(st, "reward '%s': row %zu", base->spec, i + 1);
				return st->code;
			}
			out[i] = -(double)bytes / 1000.0;
			break;
		}
		case IMG_COLORFULNESS: out[i] = reward_image_colorfulness(&im[i]); break;
		case IMG_BRIGHTNESS: out[i] = reward_image_brightness(&im[i]); break;
		case IMG_SYMMETRY: out[i] = reward_image_symmetry(&im[i]); break;
		}
	}
	return STATUS_OK;
}

static const struct reward_ops image_ops = { .score_images = image_score };

int reward_image_kind(const char *kind)
{
	static const char *const names[] = { "jpeg", "colorfulness", "brightness", "symmetry", NULL };
	for (int i = 0; names[i]; i++)
		if (strcmp(kind, names[i]) == 0)
			return i;
	return -1;
}

enum status_code reward_image_open(const char *spec, const char *kind, const char *arg,
                                   const struct reward_env *env, struct reward **out, struct status *st)
{
	if (arg)
		return status_set(st, STATUS_INVALID, "reward '%s': %s takes no argument", spec, kind);
	struct image_reward *r = (struct image_reward *)reward_new(&image_ops, spec, env, sizeof *r, st);
	if (!r)
		return st->code;
	r->kind = (enum image_kind)reward_image_kind(kind);
	*out = &r->base;
	return STATUS_OK;
}
