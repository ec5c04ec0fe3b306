/* image: PNG through libpng, composited and fitted to the model's square. */
#include "config.h"

#include "engine/image.h"
#include "engine/readfile.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void image_free(struct image *im)
{
	free(im->px);
	im->px = NULL;
	im->w = im->h = 0;
}

enum status_code image_alloc(struct image *im, int w, int h, struct status *st)
{
	im->w = im->h = 0;
	im->px = NULL;
	if (w <= 0 || h <= 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
		return status_set(st, STATUS_INVALID, "image size %dx%d out of range", w, h);
	im->px = malloc((size_t)w * (size_t)h * 3);
	if (!im->px)
		return status_set(st, STATUS_NOMEM, "out of memory for a %dx%d image", w, h);
	im->w = w;
	im->h = h;
	return STATUS_OK;
}

static int image_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum status_code image_parse_color(const char *text, uint8_t rgb[3], struct status *st)
{
	static const struct { const char *name; uint8_t rgb[3]; } named[] = {
		{ "white", { 255, 255, 255 } }, { "black", { 0, 0, 0 } },
		{ "grey", { 128, 128, 128 } },  { "gray", { 128, 128, 128 } },
	};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strcasecmp(text, named[i].name) == 0) {
			memcpy(rgb, named[i].rgb, 3);
			return STATUS_OK;
		}
	const char *h = text[0] == '#' ? text + 1 : text;
	if (strlen(h) == 6) {
		int ok = 1;
		uint8_t v[3];
		for (int i = 0; i < 3; i++) {
			int a = image_hex(h[2 * i]), b = image_hex(h[2 * i + 1]);
			ok &= a >= 0 && b >= 0;
			v[i] = (uint8_t)(a * 16 + b);
		}
		if (ok) {
			memcpy(rgb, v, 3);
			return STATUS_OK;
		}
	}
	return status_set(st, STATUS_INVALID,
	                  "bad colour '%s' (want white, black, grey or #rrggbb)", text);
}

/* Everything the decode touches after setjmp lives here, outside the frame
 * that calls setjmp, so a longjmp leaves none of it indeterminate. */
struct png_job {
	const uint8_t *data;
	size_t len, pos;
	char err[256];
	char warn[160];    /* the last warning: libpng explains a bad IHDR in one */
	png_structp png;
	png_infop info;
	uint8_t *rgba;     /* [h][w][4] */
	png_bytep *rows;
	png_uint_32 w, h;
};

static void image_png_error(png_structp png, png_const_charp msg)
{
	struct png_job *job = png_get_error_ptr(png);
	snprintf(job->err, sizeof job->err, "%s", msg);
	png_longjmp(png, 1);
}

/* Warnings alone are benign (a bad ancillary chunk): the picture still
 * decodes. Kept for the error that may follow, which they explain. */
static void image_png_warning(png_structp png, png_const_charp msg)
{
	struct png_job *job = png_get_error_ptr(png);
	snprintf(job->warn, sizeof job->warn, "%s", msg);
}

static void image_png_read(png_structp png, png_bytep out, size_t n)
{
	struct png_job *job = png_get_io_ptr(png);
	if (n > job->len - job->pos)
		png_error(png, "file is truncated");
	memcpy(out, job->data + job->pos, n);
	job->pos += n;
}

/* Returns 0 on success, else job->err says why. */
static int image_png_decode(struct png_job *job)
{
	if (setjmp(png_jmpbuf(job->png)))
		return -1;
	png_set_read_fn(job->png, job, image_png_read);
	png_set_user_limits(job->png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
	png_set_chunk_cache_max(job->png, 1000);
	png_set_chunk_malloc_max(job->png, 8u << 20);
	png_read_info(job->png, job->info);
	int bit_depth, color_type;
	png_get_IHDR(job->png, job->info, &job->w, &job->h, &bit_depth, &color_type, NULL, NULL, NULL);
	/* Everything to 8-bit RGBA: palette and low-bit grey expand, tRNS becomes
	 * alpha, 16 bits scale down, grey becomes RGB, opaque kinds get alpha 255. */
	if (color_type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(job->png);
	if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
		png_set_expand_gray_1_2_4_to_8(job->png);
	if (png_get_valid(job->png, job->info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(job->png);
	if (bit_depth == 16)
		png_set_scale_16(job->png);
	if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(job->png);
	png_set_filler(job->png, 0xff, PNG_FILLER_AFTER);
	png_set_interlace_handling(job->png);
	png_read_update_info(job->png, job->info);
	if (png_get_rowbytes(job->png, job->info) != (size_t)job->w * 4)
		png_error(job->png, "unexpected row layout after conversion");
	job->rgba = malloc((size_t)job->w * job->h * 4);
	job->rows = malloc((size_t)job->h * sizeof *job->rows);
	if (!job->rgba || !job->rows)
		png_error(job->png, "out of memory");
	for (png_uint_32 y = 0; y < job->h; y++)
		job->rows[y] = job->rgba + (size_t)y * job->w * 4;
	png_read_image(job->png, job->rows);
	png_read_end(job->png, NULL);
	return 0;
}

/* Every chunk's length must fit in what is left of the file. libpng trusts
 * the length and skips an oversized ancillary chunk by reading it through,
 * which costs seconds and gigabytes for a 74-byte file claiming a 1.4 GB tEXt
 * (found by tests/fuzz_png.c); the whole file is here, so check first. */
static enum status_code image_png_chunks(const uint8_t *d, size_t len, const char *name,
                                         struct status *st)
{
	size_t pos = 8;
	while (pos < len) {
		if (len - pos < 12)
			return status_set(st, STATUS_FORMAT, "%s: bad PNG: file is truncated (a chunk at "
			                  "byte %zu is cut short)", name, pos);
		uint32_t n = (uint32_t)d[pos] << 24 | (uint32_t)d[pos + 1] << 16 | (uint32_t)d[pos + 2] << 8 |
		             d[pos + 3];
		char type[5];
		for (int i = 0; i < 4; i++) {
			uint8_t c = d[pos + 4 + i];
			type[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? (char)c : '?';
		}
		type[4] = '\0';
		if (n > 0x7fffffffu || n > len - pos - 12)
			return status_set(st, STATUS_FORMAT, "%s: bad PNG: file is truncated (chunk %s at "
			                  "byte %zu claims %lu bytes, %zu are left)", name, type, pos,
			                  (unsigned long)n, len - pos - 12);
		if (memcmp(type, "IEND", 4) == 0)
			break; /* what follows IEND is not the picture's */
		pos += 12 + (size_t)n;
	}
	return STATUS_OK;
}

enum status_code image_decode_png(const void *data, size_t len, const char *name, const uint8_t bg[3],
                                  struct image *out, struct status *st)
{
	out->w = out->h = 0;
	out->px = NULL;
	if (len < 8 || png_sig_cmp(data, 0, 8) != 0)
		return status_set(st, STATUS_FORMAT, "%s: not a PNG file (bad signature)", name);
	if (image_png_chunks(data, len, name, st) != STATUS_OK)
		return st->code;
	struct png_job job;
	memset(&job, 0, sizeof job);
	job.data = data;
	job.len = len;
	job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, image_png_error, image_png_warning);
	job.info = job.png ? png_create_info_struct(job.png) : NULL;
	if (!job.info) {
		png_destroy_read_struct(&job.png, NULL, NULL);
		return status_set(st, STATUS_NOMEM, "%s: out of memory for the PNG reader", name);
	}
	enum status_code rc = STATUS_OK;
	if (image_png_decode(&job) != 0)
		rc = status_set(st, STATUS_FORMAT, "%s: bad PNG: %s%s%s%s", name, job.err,
		                job.warn[0] ? " (" : "", job.warn, job.warn[0] ? ")" : "");
	else if (image_alloc(out, (int)job.w, (int)job.h, st) != STATUS_OK)
		rc = st->code;
	else {
		/* Straight (not premultiplied) alpha over an opaque background. */
		size_t n = (size_t)job.w * job.h;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = job.rgba + 4 * i;
			unsigned a = p[3];
			for (int c = 0; c < 3; c++)
				out->px[3 * i + c] = (uint8_t)((p[c] * a + bg[c] * (255 - a) + 127) / 255);
		}
	}
	png_destroy_read_struct(&job.png, &job.info, NULL);
	free(job.rows);
	free(job.rgba);
	return rc;
}

enum status_code image_load_png(const char *path, const uint8_t bg[3], struct image *out,
                                struct status *st)
{
	char *data;
	size_t len;
	out->w = out->h = 0;
	out->px = NULL;
	if (readfile_regular(path, st) != STATUS_OK ||
	    readfile(path, IMAGE_MAX_FILE, &data, &len, st) != STATUS_OK)
		return st->code;
	struct image full;
	enum status_code rc = image_decode_png(data, len, path, bg, &full, st);
	free(data);
	if (rc != STATUS_OK)
		return rc;
	rc = image_fit(&full, IMAGE_SIDE, bg, out, st);
	image_free(&full);
	return rc;
}

/* Sum of src over [x0, x1) x [y0, y1) in source pixels, weighted by overlap. */
static void image_area(const struct image *src, double x0, double x1, double y0, double y1, double acc[3])
{
	acc[0] = acc[1] = acc[2] = 0;
	int ya = (int)y0, yb = (int)(y1 - 1e-9);
	int xa = (int)x0, xb = (int)(x1 - 1e-9);
	if (yb >= src->h)
		yb = src->h - 1;
	if (xb >= src->w)
		xb = src->w - 1;
	for (int y = ya; y <= yb; y++) {
		double wy = (y + 1 < y1 ? y + 1 : y1) - (y > y0 ? y : y0);
		for (int x = xa; x <= xb; x++) {
			double wx = (x + 1 < x1 ? x + 1 : x1) - (x > x0 ? x : x0);
			const uint8_t *p = src->px + 3 * ((size_t)y * src->w + x);
			for (int c = 0; c < 3; c++)
				acc[c] += wx * wy * p[c];
		}
	}
}

enum status_code image_fit(const struct image *src, int side, const uint8_t bg[3], struct image *out,
                           struct status *st)
{
	if (image_alloc(out, side, side, st) != STATUS_OK)
		return st->code;
	/* The longer side fills the square; the shorter keeps the ratio, rounded,
	 * and is centred (an odd margin puts the extra pixel after). */
	int w = side, h = side;
	if (src->w > src->h)
		h = (int)((double)side * src->h / src->w + 0.5);
	else if (src->h > src->w)
		w = (int)((double)side * src->w / src->h + 0.5);
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	int ox = (side - w) / 2, oy = (side - h) / 2;
	for (size_t i = 0; i < (size_t)side * side; i++)
		memcpy(out->px + 3 * i, bg, 3);
	double sx = (double)src->w / w, sy = (double)src->h / h;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double acc[3];
			image_area(src, x * sx, (x + 1) * sx, y * sy, (y + 1) * sy, acc);
			uint8_t *q = out->px + 3 * ((size_t)(y + oy) * side + x + ox);
			for (int c = 0; c < 3; c++) {
				double v = acc[c] / (sx * sy) + 0.5;
				q[c] = (uint8_t)(v > 255 ? 255 : v);
			}
		}
	return STATUS_OK;
}

struct png_out {
	uint8_t *buf;
	size_t len, cap;
	int failed;
	char err[256];
};

static void image_png_write(png_structp png, png_bytep data, size_t n)
{
	struct png_out *o = png_get_io_ptr(png);
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap *= 2;
		uint8_t *b = realloc(o->buf, cap);
		if (!b)
			png_error(png, "out of memory");
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static void image_png_flush(png_structp png)
{
	(void)png;
}

static void image_png_write_error(png_structp png, png_const_charp msg)
{
	struct png_out *o = png_get_error_ptr(png);
	snprintf(o->err, sizeof o->err, "%s", msg);
	png_longjmp(png, 1);
}

/* Like image_png_decode: the state the longjmp may meet lives in *o. */
static int image_png_encode(png_structp png, png_infop info, const struct image *im, struct png_out *o)
{
	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_set_write_fn(png, o, image_png_write, image_png_flush);
	png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h, 8, PNG_COLOR_TYPE_RGB,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < im->h; y++)
		png_write_row(png, im->px + (size_t)y * im->w * 3);
	png_write_end(png, NULL);
	return 0;
}

enum status_code image_encode_png(const struct image *im, uint8_t **out, size_t *len, struct status *st)
{
	*out = NULL;
	*len = 0;
	if (!im->px || im->w <= 0 || im->h <= 0)
		return status_set(st, STATUS_INVALID, "empty image");
	struct png_out o;
	memset(&o, 0, sizeof o);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &o, image_png_write_error, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return status_set(st, STATUS_NOMEM, "out of memory for the PNG writer");
	}
	int bad = image_png_encode(png, info, im, &o);
	png_destroy_write_struct(&png, &info);
	if (bad) {
		free(o.buf);
		return status_set(st, STATUS_NOMEM, "writing PNG: %s", o.err);
	}
	*out = o.buf;
	*len = o.len;
	return STATUS_OK;
}

enum status_code image_save_png(const struct image *im, const char *path, struct status *st)
{
	uint8_t *buf;
	size_t len;
	if (image_encode_png(im, &buf, &len, st) != STATUS_OK)
		return st->code;
	FILE *f = fopen(path, "wb");
	if (!f) {
		free(buf);
		return status_errno(st, STATUS_IO, errno, "%s", path);
	}
	int ok = fwrite(buf, 1, len, f) == len;
	ok &= fclose(f) == 0;
	free(buf);
	if (!ok)
		return status_set(st, STATUS_IO, "%s: write failed", path);
	return STATUS_OK;
}
