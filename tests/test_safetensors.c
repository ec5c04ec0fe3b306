/* engine/safetensors: conversions, fixtures made by torch, writer round trips,
 * and one crafted bad file per validation rule. */
#include "config.h"

#include "tests/harness.h"
#include "engine/safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fixture(const char *rel)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/checkpoints/%s", harness_srcdir(), rel);
	return path;
}

static char *tmp_path(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", harness_tmpdir(), name);
	return path;
}

static uint32_t bits_of(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float float_of(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

START_TEST(f16_decodes_every_class)
{
	ck_assert_float_eq(safetensors_f16_to_f32(0x3c00), 1.0f);
	ck_assert_float_eq(safetensors_f16_to_f32(0xc000), -2.0f);
	ck_assert_float_eq(safetensors_f16_to_f32(0x7bff), 65504.0f);
	ck_assert_float_eq(safetensors_f16_to_f32(0x0400), ldexpf(1.0f, -14)); /* smallest normal */
	ck_assert_float_eq(safetensors_f16_to_f32(0x0001), ldexpf(1.0f, -24)); /* smallest subnormal */
	ck_assert_float_eq(safetensors_f16_to_f32(0x03ff), ldexpf(1023.0f, -24));
	ck_assert_float_eq(safetensors_f16_to_f32(0x3555), 0x1.554p-2f);
	ck_assert_uint_eq(bits_of(safetensors_f16_to_f32(0x8000)), 0x80000000u); /* -0 */
	ck_assert(isinf(safetensors_f16_to_f32(0x7c00)) && safetensors_f16_to_f32(0x7c00) > 0);
	ck_assert(isinf(safetensors_f16_to_f32(0xfc00)) && safetensors_f16_to_f32(0xfc00) < 0);
	ck_assert(isnan(safetensors_f16_to_f32(0x7e00)));
	ck_assert(isnan(safetensors_f16_to_f32(0x7c01)));
	/* Every non-NaN half survives the trip through float exactly. */
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
			continue;
		ck_assert_uint_eq(safetensors_f32_to_f16(safetensors_f16_to_f32((uint16_t)h)), h);
	}
}
END_TEST

/* safetensors_to_f32 turns every BF16 pattern into the float above it (its
 * vector loop and its tail alike: 65536 values plus an odd 3). */
START_TEST(bf16_tensor_converts_every_value)
{
	enum { N = 0x10000 + 3 };
	uint16_t *h = malloc(N * sizeof *h);
	float *f = malloc(N * sizeof *f);
	ck_assert(h && f);
	for (uint32_t i = 0; i < N; i++)
		h[i] = (uint16_t)(i * 40503u); /* every pattern once (40503 is odd), then 3 more */
	struct safetensors_tensor t = { .name = "t", .dtype = ST_BF16, .ndim = 1, .shape = { N },
	                                .nbytes = N * sizeof *h, .data = h };
	ck_assert_int_eq(safetensors_to_f32(&t, f), 0);
	for (uint32_t i = 0; i < N; i++)
		ck_assert_uint_eq(bits_of(f[i]), (uint32_t)h[i] << 16);
	free(h);
	free(f);
}
END_TEST

START_TEST(f32_rounds_to_nearest_even)
{
	/* 1 + 2^-11 is halfway between 1 and the next half: ties go to the even 1. */
	ck_assert_uint_eq(safetensors_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);
	ck_assert_uint_eq(safetensors_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);
	ck_assert_uint_eq(safetensors_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
	ck_assert_uint_eq(safetensors_f32_to_f16(65520.0f), 0x7c00);  /* rounds up to inf */
	ck_assert_uint_eq(safetensors_f32_to_f16(65519.0f), 0x7bff);
	ck_assert_uint_eq(safetensors_f32_to_f16(0x1p-25f), 0x0000);  /* tie to even zero */
	ck_assert_uint_eq(safetensors_f32_to_f16(0x1.8p-25f), 0x0001);
	ck_assert_uint_eq(safetensors_f32_to_f16(-0x1p-24f), 0x8001);
	ck_assert_uint_eq(safetensors_f32_to_f16(INFINITY), 0x7c00);
	ck_assert_uint_eq(safetensors_f32_to_f16(NAN) & 0x7e00, 0x7e00);

	ck_assert_uint_eq(safetensors_f32_to_bf16(float_of(0x3f808000u)), 0x3f80); /* tie, even */
	ck_assert_uint_eq(safetensors_f32_to_bf16(float_of(0x3f818000u)), 0x3f82); /* tie, odd up */
	ck_assert_uint_eq(safetensors_f32_to_bf16(float_of(0x3f808001u)), 0x3f81);
	ck_assert_uint_eq(safetensors_f32_to_bf16(float_of(0x7f7fffffu)), 0x7f80); /* max -> inf */
	ck_assert_uint_eq(safetensors_f32_to_bf16(-1.5f), 0xbfc0);
	ck_assert_uint_eq(safetensors_f32_to_bf16(NAN), 0x7fc0);
	ck_assert_float_eq(safetensors_bf16_to_f32(0xbfc0), -1.5f);
}
END_TEST

/* The F16 and BF16 fixtures hold torch's roundings of the F32 fixture's values
 * (same seed), so our decoders and encoders must agree with torch bit for bit. */
static void check_rounded_copy(const char *file, enum safetensors_dtype dt)
{
	struct status st = STATUS_INIT;
	struct safetensors *ref, *f;
	ck_assert_msg(safetensors_open(fixture("f32/model.safetensors"), &ref, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(safetensors_open(fixture(file), &f, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_str_eq(safetensors_meta(f, "format"), "pt");
	size_t compared = 0;
	for (size_t i = 0; i < safetensors_count(ref); i++) {
		const struct safetensors_tensor *r = safetensors_at(ref, i);
		char name[128];
		snprintf(name, sizeof name, "transformer.%s", r->name);
		const struct safetensors_tensor *t = safetensors_find(f, name);
		ck_assert_msg(t != NULL, "%s missing", name);
		ck_assert_int_eq(t->dtype, dt);
		ck_assert_int_eq(t->ndim, r->ndim);
		size_t n = (size_t)safetensors_numel(r);
		ck_assert_int_eq(safetensors_numel(t), (int64_t)n);
		float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
		ck_assert_int_eq(safetensors_to_f32(r, a), 0);
		ck_assert_int_eq(safetensors_to_f32(t, b), 0);
		for (size_t k = 0; k < n; k++) {
			uint16_t raw;
			memcpy(&raw, (const char *)t->data + 2 * k, 2);
			uint16_t want = dt == ST_F16 ? safetensors_f32_to_f16(a[k]) : safetensors_f32_to_bf16(a[k]);
			ck_assert_msg(raw == want, "%s[%zu]: torch 0x%04x, ours 0x%04x", name, k, raw, want);
			float dec = dt == ST_F16 ? safetensors_f16_to_f32(raw) : safetensors_bf16_to_f32(raw);
			ck_assert_uint_eq(bits_of(b[k]), bits_of(dec));
			ck_assert(fabsf(a[k] - b[k]) <= fabsf(a[k]) * (dt == ST_F16 ? 0x1p-11f : 0x1p-8f) + 0x1p-24f);
		}
		compared += n;
		free(a);
		free(b);
	}
	ck_assert_uint_gt(compared, 1000);
	safetensors_close(f);
	safetensors_close(ref);
}

START_TEST(f16_fixture_matches_torch_rounding) { check_rounded_copy("f16/model.safetensors", ST_F16); }
END_TEST

START_TEST(bf16_fixture_matches_torch_rounding) { check_rounded_copy("bf16/model.safetensors", ST_BF16); }
END_TEST

START_TEST(f32_fixture_reads_in_offset_order)
{
	struct status st = STATUS_INIT;
	struct safetensors *f;
	ck_assert_int_eq(safetensors_open(fixture("f32/model.safetensors"), &f, &st), STATUS_OK);
	ck_assert_uint_eq(safetensors_count(f), 2 + 2 * 12 + 2);
	const char *prev_end = NULL;
	for (size_t i = 0; i < safetensors_count(f); i++) {
		const struct safetensors_tensor *t = safetensors_at(f, i);
		if (prev_end)
			ck_assert_ptr_eq(t->data, prev_end);
		prev_end = (const char *)t->data + t->nbytes;
		ck_assert_ptr_eq(safetensors_find(f, t->name), t);
	}
	const struct safetensors_tensor *t = safetensors_find(f, "h.1.mlp.c_fc.weight");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->ndim, 2);
	ck_assert_int_eq(t->shape[0], 8);
	ck_assert_int_eq(t->shape[1], 32);
	ck_assert_uint_eq(t->nbytes, 8 * 32 * 4);
	ck_assert_ptr_null(safetensors_find(f, "h.2.mlp.c_fc.weight"));
	ck_assert_ptr_null(safetensors_find(f, "__metadata__"));
	ck_assert_ptr_null(safetensors_meta(f, "nope"));
	ck_assert_ptr_null(safetensors_at(f, 1000));
	safetensors_close(f);
}
END_TEST

START_TEST(writer_round_trips)
{
	struct status st = STATUS_INIT;
	float v[24];
	for (int i = 0; i < 24; i++)
		v[i] = (float)sin(i * 1.7) * powf(10.0f, (float)(i % 7) - 3.0f);
	v[3] = 1.0f + 0x1p-8f; /* a BF16 tie */
	int64_t ids[3] = { -5, 0, 1LL << 40 };
	struct safetensors_writer *w = safetensors_writer_new();
	ck_assert_int_eq(safetensors_writer_add(w, "a.f32", ST_F32, 3, (int64_t[]){ 2, 3, 4 }, v, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add(w, "b.bf16", ST_BF16, 2, (int64_t[]){ 4, 6 }, v, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add_ref(w, "c.f16", ST_F16, 1, (int64_t[]){ 24 }, v, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add_ref(w, "d.bf16ref", ST_BF16, 1, (int64_t[]){ 24 }, v, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add_raw(w, "ids", ST_I64, 1, (int64_t[]){ 3 }, ids, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add(w, "empty", ST_F32, 2, (int64_t[]){ 0, 5 }, v, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add(w, "scalar", ST_F32, 0, NULL, v + 1, &st), STATUS_OK);
	ck_assert_int_eq(safetensors_writer_add(w, "ids", ST_F32, 1, (int64_t[]){ 1 }, v, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "tensor 'ids' is added twice");
	ck_assert_int_eq(safetensors_writer_add(w, "__metadata__", ST_F32, 1, (int64_t[]){ 1 }, v, &st), STATUS_INVALID);
	ck_assert_int_eq(safetensors_writer_add(w, "x", ST_I32, 1, (int64_t[]){ 1 }, v, &st), STATUS_INVALID);
	safetensors_writer_meta(w, "format", "np");
	safetensors_writer_meta(w, "format", "pt");
	safetensors_writer_meta(w, "note", "\"quoted\" ü");
	const char *path = tmp_path("rt.safetensors");
	ck_assert_msg(safetensors_writer_save(w, path, &st) == STATUS_OK, "%s", st.msg);
	safetensors_writer_free(w);

	struct safetensors *f;
	ck_assert_msg(safetensors_open(path, &f, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(safetensors_count(f), 7);
	ck_assert_str_eq(safetensors_meta(f, "format"), "pt");
	ck_assert_str_eq(safetensors_meta(f, "note"), "\"quoted\" ü");
	/* The data starts 8-byte aligned, as the reference writer pads it. */
	ck_assert_uint_eq(((uintptr_t)safetensors_at(f, 0)->data) % 8, 0);
	float out[24];
	const struct safetensors_tensor *t = safetensors_find(f, "a.f32");
	ck_assert_int_eq(t->ndim, 3);
	ck_assert_int_eq(t->shape[2], 4);
	safetensors_to_f32(t, out);
	ck_assert_int_eq(memcmp(out, v, sizeof v), 0);
	const char *rounded[] = { "b.bf16", "d.bf16ref" };
	for (int k = 0; k < 2; k++) {
		t = safetensors_find(f, rounded[k]);
		ck_assert_int_eq(t->dtype, ST_BF16);
		safetensors_to_f32(t, out);
		for (int i = 0; i < 24; i++)
			ck_assert_uint_eq(bits_of(out[i]), (uint32_t)safetensors_f32_to_bf16(v[i]) << 16);
	}
	ck_assert_float_eq(out[3], 1.0f);
	t = safetensors_find(f, "c.f16");
	safetensors_to_f32(t, out);
	for (int i = 0; i < 24; i++)
		ck_assert_float_eq(out[i], safetensors_f16_to_f32(safetensors_f32_to_f16(v[i])));
	t = safetensors_find(f, "ids");
	ck_assert_int_eq(t->dtype, ST_I64);
	ck_assert_int_eq(memcmp(t->data, ids, sizeof ids), 0);
	t = safetensors_find(f, "empty");
	ck_assert_uint_eq(t->nbytes, 0);
	ck_assert_int_eq(safetensors_numel(t), 0);
	t = safetensors_find(f, "scalar");
	ck_assert_int_eq(t->ndim, 0);
	safetensors_to_f32(t, out);
	ck_assert_float_eq(out[0], v[1]);
	safetensors_close(f);
}
END_TEST

START_TEST(save_fails_cleanly_into_a_missing_folder)
{
	struct status st = STATUS_INIT;
	struct safetensors_writer *w = safetensors_writer_new();
	const char *path = tmp_path("no/such/dir/x.safetensors");
	ck_assert_int_eq(safetensors_writer_save(w, path, &st), STATUS_IO);
	ck_assert_ptr_nonnull(strstr(st.msg, path));
	safetensors_writer_free(w);
}
END_TEST

/* ---- crafted bad files -------------------------------------------------- */

/* Writes an 8-byte length (hlen, or strlen(header) when -1), the header and
 * `data` bytes of zeros; returns the path. */
static const char *craft(const char *name, long long hlen, const char *header, size_t data)
{
	const char *path = tmp_path(name);
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	unsigned long long n = hlen == -1 ? strlen(header) : (unsigned long long)hlen; /* -2: 2^64-2 */
	for (int i = 0; i < 8; i++)
		fputc((int)(n >> (8 * i)) & 0xff, fp);
	fputs(header, fp);
	for (size_t i = 0; i < data; i++)
		fputc(0, fp);
	fclose(fp);
	return path;
}

/* Opens a crafted file expecting `code` and a message with every fragment. */
static void expect_bad(const char *name, long long hlen, const char *header, size_t data,
                       enum status_code code, const char *frag1, const char *frag2)
{
	const char *path = craft(name, hlen, header, data);
	struct status st = STATUS_INIT;
	struct safetensors *f = (struct safetensors *)1;
	ck_assert_msg(safetensors_open(path, &f, &st) == code, "%s: got '%s'", name, st.msg);
	ck_assert_ptr_null(f);
	ck_assert_msg(strncmp(st.msg, path, strlen(path)) == 0, "no file in '%s'", st.msg);
	ck_assert_msg(strstr(st.msg, frag1), "'%s' lacks '%s'", st.msg, frag1);
	if (frag2)
		ck_assert_msg(strstr(st.msg, frag2), "'%s' lacks '%s'", st.msg, frag2);
	ck_assert_ptr_null(strchr(st.msg, '\n'));
}

#define T1(name, dt, shape, b, e) "\"" name "\":{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

START_TEST(rejects_short_and_oversized_headers)
{
	expect_bad("empty-header", 0, "", 0, STATUS_FORMAT, "not valid JSON", NULL);
	const char *path = tmp_path("tiny");
	FILE *fp = fopen(path, "wb");
	fputs("abc", fp);
	fclose(fp);
	struct status st = STATUS_INIT;
	struct safetensors *f;
	ck_assert_int_eq(safetensors_open(path, &f, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "3 bytes are too short"));
	expect_bad("huge", 100000001, "{}", 0, STATUS_FORMAT, "header length 100000001 exceeds", NULL);
	expect_bad("past-end", 64, "{}", 0, STATUS_FORMAT, "header length 64 runs past the end", NULL);
	expect_bad("max-u64", -2, "{}", 0, STATUS_FORMAT, "exceeds the limit", NULL);
	ck_assert_int_eq(safetensors_open(tmp_path("does-not-exist"), &f, &st), STATUS_IO);
	ck_assert_ptr_nonnull(strstr(st.msg, "does-not-exist: No such file"));
}
END_TEST

START_TEST(rejects_bad_json)
{
	expect_bad("not-json", -1, "{\"a\":", 0, STATUS_FORMAT, "not valid JSON", NULL);
	expect_bad("array", -1, "[1,2]", 0, STATUS_FORMAT, "header is not a JSON object", NULL);
	expect_bad("dup", -1, "{" T1("w", "F32", "[1]", 0, 4) "," T1("w", "F32", "[1]", 4, 8) "}", 8,
	           STATUS_FORMAT, "tensor 'w' appears twice", NULL);
	expect_bad("entry", -1, "{\"w\":[1]}", 0, STATUS_FORMAT, "tensor 'w': entry is not", NULL);
	expect_bad("meta", -1, "{\"__metadata__\":{\"format\":1}}", 0, STATUS_FORMAT,
	           "__metadata__ value of 'format' is not a string", NULL);
	expect_bad("meta-arr", -1, "{\"__metadata__\":[]}", 0, STATUS_FORMAT, "__metadata__ is not", NULL);
	expect_bad("nul", 3, "{}\x01", 0, STATUS_FORMAT, "not valid JSON", NULL);
	/* Names and quoted tokens from the file cannot break the message's line (found by fuzzing). */
	expect_bad("newline-name", -1, "{" T1("a\\nb", "X", "[1]", 0, 4) "}", 4, STATUS_FORMAT,
	           "tensor 'a?b': unknown dtype 'X'", NULL);
	expect_bad("newline-token", -1, "{\"a\\\n\xff", 0, STATUS_FORMAT, "not valid JSON", NULL);
}
END_TEST

START_TEST(rejects_bad_entries)
{
	expect_bad("dtype", -1, "{" T1("w", "F8", "[1]", 0, 1) "}", 1, STATUS_FORMAT,
	           "tensor 'w': unknown dtype 'F8'", NULL);
	expect_bad("no-dtype", -1, "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, STATUS_FORMAT,
	           "tensor 'w': dtype is missing", NULL);
	expect_bad("shape-neg", -1, "{" T1("w", "F32", "[-1]", 0, 4) "}", 4, STATUS_FORMAT,
	           "tensor 'w': shape[0] is not a non-negative integer", NULL);
	expect_bad("shape-real", -1, "{" T1("w", "F32", "[1.5]", 0, 4) "}", 4, STATUS_FORMAT,
	           "shape[0]", NULL);
	expect_bad("shape-str", -1, "{" T1("w", "F32", "\"3\"", 0, 4) "}", 4, STATUS_FORMAT,
	           "tensor 'w': shape is missing or not an array", NULL);
	expect_bad("dims", -1, "{" T1("w", "F32", "[1,1,1,1,1,1,1,1,1]", 0, 4) "}", 4,
	           STATUS_UNSUPPORTED, "tensor 'w': 9 dimensions", NULL);
	expect_bad("overflow", -1, "{" T1("w", "F32", "[4294967296,4294967296]", 0, 4) "}", 4,
	           STATUS_FORMAT, "tensor 'w': shape is too large", NULL);
	expect_bad("offs-len", -1, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
	           STATUS_FORMAT, "tensor 'w': data_offsets is missing", NULL);
	expect_bad("offs-neg", -1, "{" T1("w", "F32", "[1]", -4, 0) "}", 4, STATUS_FORMAT,
	           "tensor 'w': data_offsets", NULL);
	expect_bad("backwards", -1, "{" T1("w", "F32", "[0]", 4, 0) "}", 4, STATUS_FORMAT,
	           "tensor 'w': data_offsets [4, 0] end before they begin", NULL);
	expect_bad("bytelen", -1, "{" T1("w", "F32", "[2,3]", 0, 20) "}", 20, STATUS_FORMAT,
	           "tensor 'w': 6 elements of F32 take 24 bytes but data_offsets [0, 20] span 20", NULL);
}
END_TEST

START_TEST(rejects_gaps_overlaps_and_truncation)
{
	expect_bad("gap-start", -1, "{" T1("w", "F32", "[1]", 4, 8) "}", 8, STATUS_FORMAT,
	           "tensor 'w': data_offsets [4, 8] leave a gap of 4 bytes after the header", NULL);
	expect_bad("gap", -1, "{" T1("a", "F32", "[1]", 0, 4) "," T1("b", "F32", "[1]", 8, 12) "}", 12,
	           STATUS_FORMAT, "tensor 'b'", "gap of 4 bytes after tensor 'a'");
	expect_bad("overlap", -1, "{" T1("a", "F32", "[2]", 0, 8) "," T1("b", "F32", "[1]", 4, 8) "}", 8,
	           STATUS_FORMAT, "tensor 'b': data_offsets [4, 8] overlap tensor 'a'", NULL);
	expect_bad("same", -1, "{" T1("a", "F32", "[1]", 0, 4) "," T1("b", "F32", "[1]", 0, 4) "}", 4,
	           STATUS_FORMAT, "overlap tensor 'a'", "tensor 'b'");
	expect_bad("trailing", -1, "{" T1("a", "F32", "[1]", 0, 4) "}", 6, STATUS_FORMAT,
	           "2 bytes after tensor 'a' belong to no tensor", NULL);
	expect_bad("trailing-empty", -1, "{}", 3, STATUS_FORMAT, "3 bytes after the header", NULL);
	expect_bad("truncated", -1, "{" T1("a", "F32", "[1]", 0, 4) "," T1("b", "F32", "[4]", 4, 20) "}", 10,
	           STATUS_FORMAT, "tensor 'b': data_offsets [4, 20] run past the end of the data (10 bytes", NULL);

	/* A real fixture cut short names the tensor it cuts into. */
	FILE *in = fopen(fixture("f32/model.safetensors"), "rb");
	ck_assert_ptr_nonnull(in);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf, in);
	fclose(in);
	const char *path = tmp_path("cut.safetensors");
	FILE *out = fopen(path, "wb");
	fwrite(buf, 1, n - 100, out);
	fclose(out);
	struct status st = STATUS_INIT;
	struct safetensors *f;
	ck_assert_int_eq(safetensors_open(path, &f, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "tensor '") && strstr(st.msg, "run past the end"), "%s", st.msg);
}
END_TEST

START_TEST(accepts_edge_cases)
{
	struct status st = STATUS_INIT;
	struct safetensors *f;
	/* Header padded with spaces, a zero-size tensor anywhere, no tensors at all. */
	const char *path = craft("ok", -1, "{" T1("z", "F32", "[0,3]", 4, 4) "," T1("a", "BF16", "[2]", 0, 4)
	                                   ",\"__metadata__\":{}}   ", 4);
	ck_assert_msg(safetensors_open(path, &f, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(safetensors_count(f), 2);
	ck_assert_str_eq(safetensors_at(f, 0)->name, "a");
	ck_assert_str_eq(safetensors_at(f, 1)->name, "z");
	safetensors_close(f);
	path = craft("empty", -1, "{}", 0);
	ck_assert_int_eq(safetensors_open(path, &f, &st), STATUS_OK);
	ck_assert_uint_eq(safetensors_count(f), 0);
	safetensors_close(f);
	static const char mem[] = "\x02\0\0\0\0\0\0\0{}";
	ck_assert_int_eq(safetensors_open_mem(mem, 10, "mem", &f, &st), STATUS_OK);
	safetensors_close(f);
	ck_assert_int_eq(safetensors_open_mem(mem, 9, "mem", &f, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "mem: header length 2 runs past"));
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("safetensors");
	harness_add(s, "convert", f16_decodes_every_class, f32_rounds_to_nearest_even,
	            f16_fixture_matches_torch_rounding, bf16_fixture_matches_torch_rounding,
	            bf16_tensor_converts_every_value, NULL);
	harness_add(s, "io", f32_fixture_reads_in_offset_order, writer_round_trips,
	            save_fails_cleanly_into_a_missing_folder, NULL);
	harness_add(s, "validate", rejects_short_and_oversized_headers, rejects_bad_json,
	            rejects_bad_entries, rejects_gaps_overlaps_and_truncation, accepts_edge_cases, NULL);
	return s;
}
