/* engine/checkpoint: the torch-made fixtures load with the files' values,
 * saving reloads exactly, and every bad folder or config.json is one clear error. */
#include "config.h"

#include "tests/harness.h"
#include "engine/checkpoint.h"
#include "engine/safetensors.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixture(const char *rel)
{
	static char path[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/tests/fixtures/checkpoints/%s", harness_srcdir(), rel);
	return path[k];
}

static const char *tmp(const char *name)
{
	static char path[4][4096];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", harness_tmpdir(), name);
	return path[k];
}

static uint32_t bits_of(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static void load_ok(const char *dir, struct model_params *p, json_t **ric)
{
	struct status st = STATUS_INIT;
	ck_assert_msg(checkpoint_load(dir, p, ric, &st) == STATUS_OK, "%s", st.msg);
}

static void expect_load_error(const char *dir, enum status_code code, const char *frag1, const char *frag2)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	json_t *ric = (json_t *)1;
	ck_assert_msg(checkpoint_load(dir, &p, &ric, &st) == code, "%s: got %d '%s'", dir, st.code, st.msg);
	ck_assert_ptr_null(p.mem);
	ck_assert_ptr_null(ric);
	ck_assert_msg(strstr(st.msg, frag1), "'%s' lacks '%s'", st.msg, frag1);
	if (frag2)
		ck_assert_msg(strstr(st.msg, frag2), "'%s' lacks '%s'", st.msg, frag2);
	ck_assert_ptr_null(strchr(st.msg, '\n'));
}

/* Every loaded tensor equals the value in the file(s), read independently. */
static void check_against_files(const struct model_params *p, const char *dir, const char *const *files,
                                const char *prefix)
{
	struct safetensors *f[2] = { NULL, NULL };
	struct status st = STATUS_INIT;
	for (int i = 0; files[i]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		ck_assert_msg(safetensors_open(path, &f[i], &st) == STATUS_OK, "%s", st.msg);
	}
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	model_params_describe(p, t);
	for (size_t i = 0; i < n; i++) {
		char name[128];
		snprintf(name, sizeof name, "%s%s", strcmp(t[i].name, "score.weight") ? prefix : "", t[i].name);
		const struct safetensors_tensor *s = safetensors_find(f[0], name);
		if (!s && f[1])
			s = safetensors_find(f[1], name);
		ck_assert_msg(s != NULL, "%s not in %s", name, dir);
		size_t numel = (size_t)safetensors_numel(s);
		ck_assert_uint_eq(numel, (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1));
		float *v = malloc(numel * sizeof *v);
		safetensors_to_f32(s, v);
		for (size_t k = 0; k < numel; k++)
			ck_assert_msg(bits_of(v[k]) == bits_of(t[i].data[k]), "%s[%zu]", name, k);
		free(v);
	}
	free(t);
	safetensors_close(f[0]);
	safetensors_close(f[1]);
}

START_TEST(fixtures_load_with_the_files_values)
{
	struct model_params p;
	static const char *const single[] = { "model.safetensors", NULL };
	static const char *const shards[] = { "model-00001-of-00002.safetensors",
	                                      "model-00002-of-00002.safetensors", NULL };
	load_ok(fixture("f32"), &p, NULL);
	const struct model_config *c = &p.cfg;
	ck_assert_int_eq(c->n_layer, 2);
	ck_assert_int_eq(c->n_head, 2);
	ck_assert_int_eq(c->n_embd, 8);
	ck_assert_int_eq(c->n_inner, 32); /* null in config.json: 4 x n_embd */
	ck_assert_int_eq(c->n_positions, 8);
	ck_assert_int_eq(c->vocab_size, 16);
	ck_assert_int_eq(c->num_labels, 0);
	ck_assert_float_eq(c->layer_norm_epsilon, 1e-5f);
	ck_assert_int_eq(c->bos_token_id, 15);
	ck_assert_int_eq(c->eos_token_id, 15);
	ck_assert_int_eq(c->pad_token_id, -1);
	ck_assert_ptr_null(p.score);
	check_against_files(&p, fixture("f32"), single, "");
	struct model_params q;
	load_ok(fixture("sharded"), &q, NULL);
	check_against_files(&q, fixture("sharded"), shards, "");
	ck_assert_int_eq(memcmp(p.mem, q.mem, p.count * sizeof(float)), 0);
	model_params_free(&q);
	/* F16 with the prefix and mask buffers, and BF16: torch's roundings of the F32 values. */
	load_ok(fixture("f16"), &q, NULL);
	check_against_files(&q, fixture("f16"), single, "transformer.");
	for (size_t i = 0; i < p.count; i++)
		ck_assert_float_eq(q.mem[i], safetensors_f16_to_f32(safetensors_f32_to_f16(p.mem[i])));
	model_params_free(&q);
	load_ok(fixture("bf16"), &q, NULL);
	check_against_files(&q, fixture("bf16"), single, "transformer.");
	for (size_t i = 0; i < p.count; i++)
		ck_assert_float_eq(q.mem[i], safetensors_bf16_to_f32(safetensors_f32_to_bf16(p.mem[i])));
	model_params_free(&q);
	model_params_free(&p);

	json_t *ric = (json_t *)1;
	load_ok(fixture("reward"), &p, &ric);
	ck_assert_ptr_null(ric);
	ck_assert_int_eq(p.cfg.num_labels, 2);
	ck_assert_int_eq(p.cfg.n_layer, 1);
	ck_assert_int_eq(p.cfg.pad_token_id, 15);
	ck_assert_ptr_nonnull(p.score);
	check_against_files(&p, fixture("reward"), single, "transformer.");
	model_params_free(&p);
}
END_TEST

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strdup(buf);
}

/* The folder holds exactly `names` (no temporary files left behind). */
static void check_listing(const char *dir, const char *const *names)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	size_t count = 0, want = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		int known = 0;
		for (const char *const *n = names; *n; n++)
			known |= strcmp(*n, e->d_name) == 0;
		ck_assert_msg(known, "unexpected %s in %s", e->d_name, dir);
		count++;
	}
	closedir(d);
	while (names[want])
		want++;
	ck_assert_uint_eq(count, want);
}

START_TEST(save_reloads_exactly)
{
	struct model_params p, q;
	struct status st = STATUS_INIT;
	load_ok(fixture("f16"), &p, NULL);
	const char *tok = tmp("tok");
	mkdir(tok, 0777);
	char path[4096];
	snprintf(path, sizeof path, "%s/vocab.json", tok);
	write_text(path, "{\"a\": 0}\n");
	snprintf(path, sizeof path, "%s/merges.txt", tok);
	write_text(path, "#version: 0.2\na b\n");
	json_t *ric = json_pack("{s:[{s:s, s:f}], s:s}", "objectives", "name", "harmless", "mu", 0.25,
	                        "template", "<rm1> {0} <rm2> {1}");
	struct checkpoint_save_opts o = { .bf16 = 0, .tokenizer_dir = tok, .ric = ric };
	const char *out = tmp("saved/a/b"); /* parents are created */
	ck_assert_msg(checkpoint_save(out, &p, &o, &st) == STATUS_OK, "%s", st.msg);
	json_t *back = NULL;
	load_ok(out, &q, &back);
	ck_assert_int_eq(memcmp(&p.cfg, &q.cfg, sizeof p.cfg), 0);
	ck_assert_uint_eq(p.count, q.count);
	ck_assert_int_eq(memcmp(p.mem, q.mem, p.count * sizeof(float)), 0);
	ck_assert(json_equal(back, ric));
	json_decref(back);
	model_params_free(&q);
	static const char *const files[] = { "config.json", "model.safetensors", "vocab.json", "merges.txt",
	                                     "ric.json", NULL };
	check_listing(out, files);
	snprintf(path, sizeof path, "%s/merges.txt", out);
	char *text = read_text(path);
	ck_assert_str_eq(text, "#version: 0.2\na b\n");
	free(text);

	/* The layout save_pretrained writes: prefixed body, no lm_head, format pt. */
	struct safetensors *f;
	snprintf(path, sizeof path, "%s/model.safetensors", out);
	ck_assert_int_eq(safetensors_open(path, &f, &st), STATUS_OK);
	ck_assert_str_eq(safetensors_meta(f, "format"), "pt");
	ck_assert_uint_eq(safetensors_count(f), model_params_describe(&p, NULL));
	ck_assert_ptr_nonnull(safetensors_find(f, "transformer.h.1.mlp.c_proj.weight"));
	ck_assert_int_eq(safetensors_find(f, "transformer.wte.weight")->dtype, ST_F32);
	ck_assert_ptr_null(safetensors_find(f, "lm_head.weight"));
	safetensors_close(f);

	/* config.json: exactly what transformers needs for GPT2LMHeadModel. */
	snprintf(path, sizeof path, "%s/config.json", out);
	text = read_text(path);
	ck_assert_ptr_nonnull(strstr(text, "\"layer_norm_epsilon\": 1e-5,"));
	json_t *cfg = json_loads(text, 0, NULL);
	free(text);
	json_t *want = json_pack("{s:s, s:[s], s:s, s:i, s:i, s:i, s:i, s:n, s:i, s:i, s:f, s:i, s:i,"
	                         " s:b, s:s}",
	                         "model_type", "gpt2", "architectures", "GPT2LMHeadModel",
	                         "activation_function", "gelu_new", "n_layer", 2, "n_head", 2, "n_embd", 8,
	                         "n_positions", 8, "n_inner", "n_ctx", 8, "vocab_size", 16,
	                         "layer_norm_epsilon", 1e-5, "bos_token_id", 15, "eos_token_id", 15,
	                         "tie_word_embeddings", 1, "torch_dtype", "float32");
	char *a = json_dumps(cfg, JSON_SORT_KEYS), *b = json_dumps(want, JSON_SORT_KEYS);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(cfg);
	json_decref(want);

	/* BF16 over the same folder: values rounded to nearest even, no ric.json rewrite. */
	snprintf(path, sizeof path, "%s/model.safetensors.index.json", out);
	write_text(path, "{}"); /* stale: must go */
	struct checkpoint_save_opts o2 = { .bf16 = 1, .tokenizer_dir = out, .ric = NULL };
	ck_assert_msg(checkpoint_save(out, &p, &o2, &st) == STATUS_OK, "%s", st.msg);
	check_listing(out, files);
	load_ok(out, &q, NULL);
	for (size_t i = 0; i < p.count; i++)
		ck_assert_uint_eq(bits_of(q.mem[i]), (uint32_t)safetensors_f32_to_bf16(p.mem[i]) << 16);
	model_params_free(&q);
	snprintf(path, sizeof path, "%s/config.json", out);
	text = read_text(path);
	ck_assert_ptr_nonnull(strstr(text, "\"torch_dtype\": \"bfloat16\""));
	free(text);

	json_decref(ric);
	model_params_free(&p);
}
END_TEST

static char *read_bytes(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

/* Entries of `dir` whose name holds `frag`. */
static int count_entries(const char *dir, const char *frag)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strstr(e->d_name, frag) != NULL;
	closedir(d);
	return n;
}

START_TEST(a_failed_save_leaves_no_half_written_folder)
{
	struct model_params p;
	struct status st = STATUS_INIT;
	load_ok(fixture("f32"), &p, NULL);
	const char *empty = tmp("notok");
	mkdir(empty, 0777);
	const char *parent = tmp("half");
	mkdir(parent, 0777);
	/* the tokenizer copy fails after the weights and config.json are written */
	struct checkpoint_save_opts o = { .bf16 = 0, .tokenizer_dir = empty, .ric = NULL };
	const char *out = tmp("half/out");
	ck_assert_int_eq(checkpoint_save(out, &p, &o, &st), STATUS_IO);
	ck_assert_msg(strstr(st.msg, "no tokenizer files"), "%s", st.msg);
	struct stat sb;
	ck_assert_msg(stat(out, &sb) != 0, "%s was left behind", out);
	ck_assert_int_eq(count_entries(parent, "out"), 0);
	/* over an existing checkpoint the old files stay as they were */
	ck_assert_msg(checkpoint_save(out, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	char path[4096];
	snprintf(path, sizeof path, "%s/model.safetensors", out);
	size_t before, after;
	char *old = read_bytes(path, &before);
	struct checkpoint_save_opts bf16_fail = { .bf16 = 1, .tokenizer_dir = empty, .ric = NULL };
	status_clear(&st);
	ck_assert_int_eq(checkpoint_save(out, &p, &bf16_fail, &st), STATUS_IO);
	char *now = read_bytes(path, &after);
	ck_assert(before == after && memcmp(old, now, before) == 0);
	free(old);
	free(now);
	ck_assert_int_eq(count_entries(parent, "tmp"), 0);
	ck_assert_int_eq(count_entries(out, "tmp"), 0);
	model_params_free(&p);
}
END_TEST

START_TEST(reward_model_saves_as_sequence_classification)
{
	struct model_params p, q;
	struct status st = STATUS_INIT;
	load_ok(fixture("reward"), &p, NULL);
	const char *out = tmp("rm");
	ck_assert_msg(checkpoint_save(out, &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	load_ok(out, &q, NULL);
	ck_assert_int_eq(memcmp(&p.cfg, &q.cfg, sizeof p.cfg), 0);
	ck_assert_int_eq(memcmp(p.mem, q.mem, p.count * sizeof(float)), 0);
	model_params_free(&q);
	struct safetensors *f;
	char path[4096];
	snprintf(path, sizeof path, "%s/model.safetensors", out);
	ck_assert_int_eq(safetensors_open(path, &f, &st), STATUS_OK);
	ck_assert_ptr_nonnull(safetensors_find(f, "score.weight"));
	ck_assert_ptr_null(safetensors_find(f, "transformer.score.weight"));
	safetensors_close(f);
	snprintf(path, sizeof path, "%s/config.json", out);
	json_t *cfg = json_load_file(path, 0, NULL);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0)),
	                 "GPT2ForSequenceClassification");
	ck_assert_int_eq(json_integer_value(json_object_get(cfg, "num_labels")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(cfg, "pad_token_id")), 15);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cfg, "id2label"), "1")), "LABEL_1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(cfg, "label2id"), "LABEL_1")), 1);
	json_decref(cfg);
	/* No tokenizer in the source folder is an error naming it. */
	struct checkpoint_save_opts o = { .tokenizer_dir = fixture("reward") };
	ck_assert_int_eq(checkpoint_save(out, &p, &o, &st), STATUS_IO);
	ck_assert_ptr_nonnull(strstr(st.msg, "reward: no tokenizer files"));
	model_params_free(&p);
}
END_TEST

/* ---- bad folders --------------------------------------------------------- */

struct variant {
	const char *drop;     /* leave this tensor out */
	const char *reshape;  /* swap this matrix's dimensions */
	const char *extra;    /* add a [2] tensor of this name */
	const char *as_i32;   /* store this tensor as I32 */
	int head;             /* 1: add lm_head.weight = wte, 2: a different lm_head.weight */
	const char *prefix;
	const char *poison;   /* set element poison_at of this tensor to poison_value */
	size_t poison_at;
	float poison_value;
	int bf16;             /* store every tensor as BF16 */
};

/* Writes the f32 fixture's weights under `name` with one thing changed. */
static const char *make_variant(const char *name, struct variant v)
{
	struct model_params p;
	struct status st = STATUS_INIT;
	load_ok(fixture("f32"), &p, NULL);
	const char *dir = tmp(name);
	mkdir(dir, 0777);
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	char *cfg = read_text(fixture("f32/config.json"));
	write_text(path, cfg);
	free(cfg);
	size_t n = model_params_describe(&p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	model_params_describe(&p, t);
	struct safetensors_writer *w = safetensors_writer_new();
	const char *prefix = v.prefix ? v.prefix : "";
	for (size_t i = 0; i < n; i++) {
		char full[128];
		snprintf(full, sizeof full, "%s%s", prefix, t[i].name);
		if (v.drop && strcmp(v.drop, t[i].name) == 0)
			continue;
		int64_t shape[2] = { t[i].shape[0], t[i].shape[1] };
		if (v.reshape && strcmp(v.reshape, t[i].name) == 0) {
			shape[0] = t[i].shape[1];
			shape[1] = t[i].shape[0];
		}
		if (v.as_i32 && strcmp(v.as_i32, t[i].name) == 0) {
			int32_t *z = calloc((size_t)(shape[0] * (t[i].ndim == 2 ? shape[1] : 1)), sizeof *z);
			ck_assert_int_eq(safetensors_writer_add_raw(w, full, ST_I32, t[i].ndim, shape, z, &st), STATUS_OK);
			free(z);
			continue;
		}
		if (v.poison && strcmp(v.poison, t[i].name) == 0)
			t[i].data[v.poison_at] = v.poison_value;
		ck_assert_int_eq(safetensors_writer_add(w, full, v.bf16 ? ST_BF16 : ST_F32, t[i].ndim, shape,
		                                        t[i].data, &st), STATUS_OK);
	}
	if (v.extra)
		ck_assert_int_eq(safetensors_writer_add(w, v.extra, ST_F32, 1, (int64_t[]){ 2 }, p.mem, &st),
		                 STATUS_OK);
	if (v.head) {
		if (v.head == 2)
			p.wte[5] += 1.0f;
		ck_assert_int_eq(safetensors_writer_add(w, "lm_head.weight", ST_F32, 2, t[0].shape, p.wte, &st),
		                 STATUS_OK);
	}
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	ck_assert_msg(safetensors_writer_save(w, path, &st) == STATUS_OK, "%s", st.msg);
	safetensors_writer_free(w);
	free(t);
	model_params_free(&p);
	return dir;
}

START_TEST(tensor_set_must_match_the_config)
{
	struct model_params p;
	expect_load_error(make_variant("missing", (struct variant){ .drop = "h.1.ln_2.bias" }), STATUS_FORMAT,
	                  "missing/model.safetensors: tensor 'h.1.ln_2.bias': missing", NULL);
	/* A layer short: its twelve tensors are counted. */
	const char *dir = make_variant("layer3", (struct variant){ 0 });
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	write_text(path, "{\"n_layer\": 3, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 8, "
	                 "\"vocab_size\": 16, \"eos_token_id\": 15, \"bos_token_id\": 15}");
	expect_load_error(dir, STATUS_FORMAT, "layer3/model.safetensors: tensor 'h.2.ln_1.weight': missing "
	                  "(and 11 more)", NULL);
	expect_load_error(make_variant("shape", (struct variant){ .reshape = "h.0.attn.c_attn.weight",
	                                                          .prefix = "transformer." }),
	                  STATUS_FORMAT, "shape/model.safetensors: tensor 'transformer.h.0.attn.c_attn.weight': "
	                  "shape [24, 8], but config.json needs [8, 24]", NULL);
	expect_load_error(make_variant("extra", (struct variant){ .extra = "transformer.h.0.attn.foo" }),
	                  STATUS_FORMAT, "extra/model.safetensors: tensor 'transformer.h.0.attn.foo': not part of "
	                  "a GPT-2 model of 2 layers", NULL);
	expect_load_error(make_variant("layer", (struct variant){ .extra = "h.2.ln_1.bias" }),
	                  STATUS_FORMAT, "tensor 'h.2.ln_1.bias': not part of", NULL);
	/* A checkpoint of the other naming convention counts what is wrong. */
	expect_load_error(make_variant("lm", (struct variant){ .prefix = "model." }), STATUS_FORMAT,
	                  "tensor 'model.", "(and 27 more unknown tensors)");
	expect_load_error(make_variant("score", (struct variant){ .extra = "score.weight" }),
	                  STATUS_FORMAT, "tensor 'score.weight'", "GPT2ForSequenceClassification");
	expect_load_error(make_variant("twice", (struct variant){ .extra = "transformer.ln_f.bias" }),
	                  STATUS_FORMAT, "given twice", "ln_f.bias");
	expect_load_error(make_variant("i32", (struct variant){ .as_i32 = "wpe.weight" }), STATUS_FORMAT,
	                  "i32/model.safetensors: tensor 'wpe.weight': dtype I32 is not a floating-point type", NULL);
	expect_load_error(make_variant("head", (struct variant){ .head = 2 }), STATUS_UNSUPPORTED,
	                  "tensor 'lm_head.weight': differs from wte.weight", NULL);
	/* A tied lm_head and mask buffers in either naming are accepted. */
	load_ok(make_variant("tied", (struct variant){ .head = 1 }), &p, NULL);
	model_params_free(&p);
	load_ok(make_variant("mask", (struct variant){ .extra = "h.1.attn.masked_bias" }), &p, NULL);
	model_params_free(&p);
	load_ok(make_variant("mask2", (struct variant){ .extra = "transformer.h.0.attn.bias",
	                                               .prefix = "transformer." }), &p, NULL);
	model_params_free(&p);
	expect_load_error(make_variant("mask3", (struct variant){ .extra = "h.x.attn.bias" }), STATUS_FORMAT,
	                  "tensor 'h.x.attn.bias': not part of", NULL);
}
END_TEST

START_TEST(weights_must_be_finite)
{
	expect_load_error(make_variant("nan", (struct variant){ .poison = "h.1.mlp.c_fc.weight", .poison_at = 3,
	                                                        .poison_value = NAN }),
	                  STATUS_FORMAT, "nan/model.safetensors: tensor 'h.1.mlp.c_fc.weight': element 3 is NaN",
	                  NULL);
	expect_load_error(make_variant("inf", (struct variant){ .poison = "ln_f.bias", .poison_at = 7,
	                                                        .poison_value = -INFINITY,
	                                                        .prefix = "transformer." }),
	                  STATUS_FORMAT, "inf/model.safetensors: tensor 'transformer.ln_f.bias': element 7 is "
	                  "infinite", NULL);
	expect_load_error(make_variant("bf16inf", (struct variant){ .poison = "wte.weight", .poison_at = 0,
	                                                            .poison_value = INFINITY, .bf16 = 1 }),
	                  STATUS_FORMAT, "tensor 'wte.weight': element 0 is infinite", NULL);
	/* the largest finite numbers load */
	struct model_params p;
	load_ok(make_variant("max", (struct variant){ .poison = "wpe.weight", .poison_at = 1,
	                                              .poison_value = -FLT_MAX }), &p, NULL);
	ck_assert(p.wpe[1] == -FLT_MAX);
	model_params_free(&p);
}
END_TEST

/* Copies the sharded fixture to `name`, replacing the index with `index`. */
static const char *make_sharded(const char *name, const char *index)
{
	const char *dir = tmp(name);
	mkdir(dir, 0777);
	const char *files[] = { "config.json", "model-00001-of-00002.safetensors",
	                        "model-00002-of-00002.safetensors" };
	for (int i = 0; i < 3; i++) {
		char from[4096], to[4096], rel[256];
		snprintf(rel, sizeof rel, "sharded/%s", files[i]);
		snprintf(from, sizeof from, "%s", fixture(rel));
		snprintf(to, sizeof to, "%s/%s", dir, files[i]);
		FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
		ck_assert(in && out);
		char buf[4096];
		for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;)
			fwrite(buf, 1, n, out);
		fclose(in);
		fclose(out);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
	if (index)
		write_text(path, index);
	else {
		char *text = read_text(fixture("sharded/model.safetensors.index.json"));
		write_text(path, text);
		free(text);
	}
	return dir;
}

START_TEST(shards_must_match_their_index)
{
	struct model_params p;
	const char *dir = make_sharded("sh-ok", NULL);
	load_ok(dir, &p, NULL);
	model_params_free(&p);
	/* The fixture's index, edited: wte moved to the other shard. */
	char *text = read_text(fixture("sharded/model.safetensors.index.json"));
	char *at = strstr(text, "\"h.0.attn.c_attn.bias\": \"model-00001");
	ck_assert_ptr_nonnull(at);
	at[strlen("\"h.0.attn.c_attn.bias\": \"model-0000")] = '2';
	expect_load_error(make_sharded("sh-moved", text), STATUS_FORMAT, "tensor 'h.0.attn.c_attn.bias'",
	                  "model.safetensors.index.json");
	free(text);
	expect_load_error(make_sharded("sh-escape", "{\"weight_map\": {\"wte.weight\": \"../f32/model.safetensors\"}}"),
	                  STATUS_FORMAT, "sh-escape/model.safetensors.index.json: tensor 'wte.weight': the file it "
	                  "maps to must be a plain file name", NULL);
	expect_load_error(make_sharded("sh-empty", "{\"weight_map\": {}}"), STATUS_FORMAT,
	                  "sh-empty/model.safetensors.index.json: \"weight_map\" is empty", NULL);
	expect_load_error(make_sharded("sh-nomap", "{\"metadata\": {}}"), STATUS_FORMAT,
	                  "sh-nomap/model.safetensors.index.json: no \"weight_map\" object", NULL);
	expect_load_error(make_sharded("sh-bad", "{\"weight_map\": "), STATUS_FORMAT,
	                  "sh-bad/model.safetensors.index.json: not valid JSON", NULL);
	expect_load_error(make_sharded("sh-gone", "{\"weight_map\": {\"wte.weight\": \"model-3.safetensors\"}}"),
	                  STATUS_IO, "sh-gone/model-3.safetensors: No such file", NULL);
	expect_load_error(make_sharded("sh-unlisted", "{\"weight_map\": {\"wte.weight\": "
	                                              "\"model-00002-of-00002.safetensors\"}}"),
	                  STATUS_FORMAT, "not listed in", NULL);
	expect_load_error(make_sharded("sh-phantom", "{\"weight_map\": {\"zzz\": "
	                                             "\"model-00002-of-00002.safetensors\"}}"),
	                  STATUS_FORMAT, "tensor 'zzz': not in model-00002-of-00002.safetensors", NULL);
}
END_TEST

START_TEST(folder_level_errors_name_the_file)
{
	const char *dir = tmp("empty");
	mkdir(dir, 0777);
	expect_load_error(dir, STATUS_IO, "empty/config.json: No such file", NULL);
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	char *cfg = read_text(fixture("f32/config.json"));
	write_text(path, cfg);
	free(cfg);
	expect_load_error(dir, STATUS_IO, "empty: no model.safetensors or model.safetensors.index.json", NULL);
	char bad[4096];
	snprintf(bad, sizeof bad, "%s/config.json", tmp("relu"));
	mkdir(tmp("relu"), 0777);
	write_text(bad, "{\"activation_function\": \"relu\"}");
	expect_load_error(tmp("relu"), STATUS_UNSUPPORTED, "relu/config.json: key 'activation_function'", NULL);
	snprintf(path, sizeof path, "%s/pytorch_model.bin", dir);
	write_text(path, "PK");
	expect_load_error(dir, STATUS_UNSUPPORTED, "only pytorch_model.bin", NULL);
	dir = make_variant("badric", (struct variant){ 0 });
	snprintf(path, sizeof path, "%s/ric.json", dir);
	write_text(path, "[1, 2]");
	expect_load_error(dir, STATUS_FORMAT, "badric/ric.json: not a JSON object", NULL);
	write_text(path, "{\"a\": 1, \"a\": 2}");
	expect_load_error(dir, STATUS_FORMAT, "badric/ric.json: key 'a' appears twice", NULL);
	write_text(path, "{\"a\": ");
	expect_load_error(dir, STATUS_FORMAT, "badric/ric.json: not valid JSON", NULL);
	/* A bad safetensors file surfaces the reader's message. */
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	FILE *fp = fopen(path, "wb");
	fwrite("\x10\0\0\0\0\0\0\0{\"a\":1}         ", 1, 24, fp);
	fclose(fp);
	expect_load_error(dir, STATUS_FORMAT, "badric/model.safetensors: tensor 'a': entry is not", NULL);
}
END_TEST

START_TEST(things_that_are_not_files_are_named)
{
	/* A folder or FIFO where a file should be is named as such (and a FIFO is
	 * never opened: that would wait for a writer forever). */
	static const char *const names[] = { "model.safetensors", "model.safetensors.index.json",
	                                     "config.json", "ric.json" };
	char path[4096], want[4200];
	for (int i = 0; i < 4; i++)
		for (int fifo = 0; fifo <= 1; fifo++) {
			char name[64];
			snprintf(name, sizeof name, "odd%d%d", i, fifo);
			const char *dir = make_variant(name, (struct variant){ 0 });
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			if (i == 1) { /* no model.safetensors, so the index is looked for */
				snprintf(want, sizeof want, "%s/model.safetensors", dir);
				ck_assert_int_eq(unlink(want), 0);
			} else {
				unlink(path);
			}
			ck_assert_int_eq(fifo ? mkfifo(path, 0600) : mkdir(path, 0700), 0);
			snprintf(want, sizeof want, "%s/%s: not a regular file (%s)", name, names[i],
			         fifo ? "a FIFO" : "a folder");
			expect_load_error(dir, STATUS_IO, want, NULL);
		}
	/* a shard that is a FIFO */
	const char *dir = make_sharded("sh-fifo", NULL);
	snprintf(path, sizeof path, "%s/model-00002-of-00002.safetensors", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	expect_load_error(dir, STATUS_IO, "sh-fifo/model-00002-of-00002.safetensors: not a regular file",
	                  NULL);
}
END_TEST

/* ---- config.json ----------------------------------------------------------- */

static void expect_config(const char *json, enum status_code code, const char *frag)
{
	struct model_config c;
	struct status st = STATUS_INIT;
	ck_assert_msg(checkpoint_config_parse(json, strlen(json), "cfg.json", &c, &st) == code,
	              "%s: got %d '%s'", json, st.code, st.msg);
	if (code != STATUS_OK) {
		ck_assert_msg(strncmp(st.msg, "cfg.json: ", 10) == 0, "'%s' lacks the file", st.msg);
		ck_assert_msg(strstr(st.msg, frag) != NULL, "'%s' lacks '%s'", st.msg, frag);
	}
}

#define BASE "\"n_layer\": 2, \"n_head\": 2, \"n_embd\": 8, \"vocab_size\": 16, \"n_positions\": 8, " \
             "\"bos_token_id\": 15, \"eos_token_id\": 15"

START_TEST(config_values_are_checked)
{
	struct model_config c;
	struct status st = STATUS_INIT;
	const char *ok = "{" BASE ", \"n_inner\": 20, \"layer_norm_epsilon\": 1e-6, \"pad_token_id\": null}";
	ck_assert_int_eq(checkpoint_config_parse(ok, strlen(ok), "x", &c, &st), STATUS_OK);
	ck_assert_int_eq(c.n_inner, 20);
	ck_assert_float_eq(c.layer_norm_epsilon, 1e-6f);
	ck_assert_int_eq(c.pad_token_id, -1);
	/* GPT2Config's defaults fill what is absent; n_ctx stands in for n_positions. */
	const char *dflt = "{\"n_ctx\": 64}";
	ck_assert_int_eq(checkpoint_config_parse(dflt, strlen(dflt), "x", &c, &st), STATUS_OK);
	ck_assert_int_eq(c.n_layer, 12);
	ck_assert_int_eq(c.n_embd, 768);
	ck_assert_int_eq(c.n_inner, 3072);
	ck_assert_int_eq(c.n_positions, 64);
	ck_assert_int_eq(c.vocab_size, 50257);
	ck_assert_int_eq(c.eos_token_id, 50256);
	/* Labels: id2label wins over num_labels, default 2 (as transformers reads them). */
	const char *rm = "{" BASE ", \"architectures\": [\"GPT2ForSequenceClassification\"], "
	                 "\"num_labels\": 5, \"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}}";
	ck_assert_int_eq(checkpoint_config_parse(rm, strlen(rm), "x", &c, &st), STATUS_OK);
	ck_assert_int_eq(c.num_labels, 3);
	const char *rm2 = "{" BASE ", \"architectures\": [\"GPT2ForSequenceClassification\"]}";
	ck_assert_int_eq(checkpoint_config_parse(rm2, strlen(rm2), "x", &c, &st), STATUS_OK);
	ck_assert_int_eq(c.num_labels, 2);
	const char *lm = "{" BASE ", \"architectures\": [\"GPT2LMHeadModel\"], \"num_labels\": 1, "
	                 "\"activation_function\": \"gelu_new\", \"model_type\": \"gpt2\"}";
	ck_assert_int_eq(checkpoint_config_parse(lm, strlen(lm), "x", &c, &st), STATUS_OK);
	ck_assert_int_eq(c.num_labels, 0);

	expect_config("{" BASE ", \"n_head\": 3}", STATUS_FORMAT, "key 'n_head' appears twice"); /* duplicate key */
	expect_config("{\"n_head\": 3, \"n_embd\": 8}", STATUS_FORMAT, "n_embd 8 is not divisible by n_head 3");
	expect_config("[1]", STATUS_FORMAT, "not a JSON object");
	expect_config("{\"n_layer\": 2", STATUS_FORMAT, "not valid JSON");
	expect_config("{\"n_layer\": \"2\"}", STATUS_FORMAT, "key 'n_layer' must be an integer");
	expect_config("{\"n_layer\": 2.5}", STATUS_FORMAT, "key 'n_layer' must be an integer");
	expect_config("{\"n_layer\": null}", STATUS_FORMAT, "key 'n_layer' must be an integer");
	expect_config("{\"n_layer\": 0}", STATUS_FORMAT, "sizes must be positive");
	expect_config("{\"n_embd\": -8}", STATUS_FORMAT, "sizes must be positive");
	expect_config("{\"n_inner\": 0}", STATUS_FORMAT, "sizes must be positive");
	expect_config("{\"n_embd\": 4294967296}", STATUS_FORMAT, "key 'n_embd' = 4294967296 is out of range");
	expect_config("{\"n_embd\": 1073741824, \"n_head\": 1}", STATUS_FORMAT, "sizes must be positive");
	expect_config("{\"n_embd\": 65536, \"n_head\": 1}", STATUS_UNSUPPORTED, "too large");
	expect_config("{" BASE ", \"eos_token_id\": 16}", STATUS_FORMAT, "key 'eos_token_id'");
	expect_config("{\"vocab_size\": 16, \"eos_token_id\": 16, \"bos_token_id\": 1}", STATUS_FORMAT,
	              "eos_token_id 16 is outside the vocabulary of 16");
	expect_config("{\"eos_token_id\": [1, 2]}", STATUS_FORMAT, "key 'eos_token_id' must be an integer");
	expect_config("{\"layer_norm_epsilon\": \"1e-5\"}", STATUS_FORMAT, "key 'layer_norm_epsilon' must be a number");
	expect_config("{\"layer_norm_epsilon\": 0}", STATUS_FORMAT, "layer_norm_epsilon 0 is out of range");
	expect_config("{\"activation_function\": \"relu\"}", STATUS_UNSUPPORTED,
	              "key 'activation_function' = \"relu\" is not supported (only \"gelu_new\")");
	expect_config("{\"model_type\": \"bert\"}", STATUS_UNSUPPORTED,
	              "key 'model_type' = \"bert\" is not supported (only gpt2, llama, mistral, qwen2, dit)");
	expect_config("{\"architectures\": [\"GPT2DoubleHeadsModel\"]}", STATUS_UNSUPPORTED,
	              "key 'architectures': \"GPT2DoubleHeadsModel\" is not supported (only "
	              "GPT2LMHeadModel, GPT2Model and GPT2ForSequenceClassification)");
	expect_config("{\"architectures\": \"GPT2LMHeadModel\"}", STATUS_FORMAT, "list of strings");
	expect_config("{\"scale_attn_weights\": false}", STATUS_UNSUPPORTED, "key 'scale_attn_weights' = false");
	expect_config("{\"scale_attn_by_inverse_layer_idx\": true}", STATUS_UNSUPPORTED,
	              "scale_attn_by_inverse_layer_idx");
	expect_config("{\"add_cross_attention\": true}", STATUS_UNSUPPORTED, "add_cross_attention");
	expect_config("{\"tie_word_embeddings\": false}", STATUS_UNSUPPORTED, "tie_word_embeddings");
	expect_config("{\"tie_word_embeddings\": 1}", STATUS_FORMAT, "must be true or false");
	expect_config("{\"architectures\": [\"GPT2ForSequenceClassification\"], \"id2label\": {}}",
	              STATUS_FORMAT, "key 'id2label' must be a non-empty object");
	expect_config("{\"architectures\": [\"GPT2ForSequenceClassification\"], \"num_labels\": 0}",
	              STATUS_FORMAT, "key 'num_labels' = 0 must be positive");
}
END_TEST

START_TEST(config_json_round_trips)
{
	struct model_config in = { .n_layer = 3, .n_head = 4, .n_embd = 16, .n_inner = 40, .n_positions = 12,
	                           .vocab_size = 30, .num_labels = 3, .layer_norm_epsilon = 3e-7f,
	                           .bos_token_id = -1, .eos_token_id = 29, .pad_token_id = 0 };
	json_t *j = checkpoint_config_json(&in, NULL);
	ck_assert_ptr_nonnull(j);
	char *text = json_dumps(j, JSON_REAL_PRECISION(9));
	struct model_config out;
	struct status st = STATUS_INIT;
	ck_assert_msg(checkpoint_config_parse(text, strlen(text), "x", &out, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(memcmp(&in, &out, sizeof in), 0);
	ck_assert_ptr_null(json_object_get(j, "torch_dtype"));
	free(text);
	json_decref(j);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("checkpoint");
	harness_add(s, "load", fixtures_load_with_the_files_values, tensor_set_must_match_the_config,
	            shards_must_match_their_index, folder_level_errors_name_the_file, weights_must_be_finite,
	            things_that_are_not_files_are_named, NULL);
	harness_add(s, "save", save_reloads_exactly, reward_model_saves_as_sequence_classification,
	            a_failed_save_leaves_no_half_written_folder, NULL);
	harness_add(s, "config", config_values_are_checked, config_json_round_trips, NULL);
	return s;
}
