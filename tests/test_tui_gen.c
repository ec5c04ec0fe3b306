/* src/tui_gen: the ric-tui generation worker on a small RiC checkpoint made
 * here: streamed text adds up to the finished samples, samples are scored
 * with the checkpoint's objectives, compare mode shares prompt and seeds,
 * a cancelled request stops early and a new one starts at once; on a RiC
 * image model (a DiT fixture) every DDIM step's estimate arrives in order. */
#include "config.h"

#include "tests/harness.h"
#include "tests/tui_fixture.h"
#include "src/tui_gen.h"
#include "engine/reward.h"
#include "engine/safetensors.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char ckpt[4096], ckpt_long[4096];

static void make_fixtures(void)
{
	struct status st = STATUS_INIT;
	snprintf(ckpt, sizeof ckpt, "%s/ric", harness_tmpdir());
	snprintf(ckpt_long, sizeof ckpt_long, "%s/ric-long", harness_tmpdir());
	ck_assert_msg(tui_fixture_make(ckpt, harness_srcdir(), 128, 1, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(tui_fixture_make(ckpt_long, harness_srcdir(), 1024, 0, &st) == STATUS_OK, "%s",
	              st.msg);
}

/* What one request produced, gathered from the events. */
struct result {
	char text[32][2048];    /* streamed pieces joined, per sample */
	char final[32][2048];   /* SAMPLE text */
	double raw[32][TUI_GEN_MAX_OBJ], norm[32][TUI_GEN_MAX_OBJ];
	int samples, done, errors, tokens_seen;
	enum status_code code;
	size_t tokens;
	/* image models: the newest estimate per sample, its step, and steps out of order */
	unsigned char img[32][8 * 8 * 3];
	size_t step[32];
	int images, steps_broken, width;
	unsigned last_gen_seen;  /* gen of the newest event */
	int order_broken;        /* an event of another gen after one of this */
};

/* Waits (poll on the worker's pipe, at most 60 s) until request `id` is done,
 * collecting its events into r and counting others' into `other` (may be NULL). */
static void collect(struct tui_gen *g, unsigned id, struct result *r, struct result *other)
{
	memset(r, 0, sizeof *r);
	for (int waited = 0; !r->done && !r->errors && waited < 600;) {
		struct pollfd p = { .fd = tui_gen_fd(g), .events = POLLIN };
		if (poll(&p, 1, 100) == 0) {
			waited++;
			continue;
		}
		struct tui_gen_event *ev;
		size_t n = tui_gen_take(g, &ev);
		for (size_t i = 0; i < n; i++) {
			struct result *t = ev[i].gen == id ? r : other;
			if (ev[i].gen != id && r->tokens_seen + r->samples + r->done > 0)
				r->order_broken = 1;
			if (!t)
				continue;
			size_t s = ev[i].seq;
			ck_assert_uint_lt(s, 32);
			switch (ev[i].kind) {
			case TUI_GEN_TOKEN:
				strncat(t->text[s], ev[i].text, sizeof t->text[s] - strlen(t->text[s]) - 1);
				t->tokens_seen++;
				break;
			case TUI_GEN_SAMPLE:
				snprintf(t->final[s], sizeof t->final[s], "%s", ev[i].text);
				memcpy(t->raw[s], ev[i].raw, sizeof t->raw[s]);
				memcpy(t->norm[s], ev[i].norm, sizeof t->norm[s]);
				t->samples++;
				break;
			case TUI_GEN_DONE:
				t->done = 1;
				t->code = ev[i].code;
				t->tokens = ev[i].tokens;
				break;
			case TUI_GEN_IMAGE:
				t->steps_broken += ev[i].step != t->step[s] + 1;
				t->step[s] = ev[i].step;
				t->width = ev[i].width;
				ck_assert_uint_eq(ev[i].len, sizeof t->img[s]);
				memcpy(t->img[s], ev[i].text, ev[i].len);
				t->images++;
				break;
			case TUI_GEN_ERROR:
				t->errors++;
				fprintf(stderr, "worker error: %s\n", ev[i].text);
				break;
			}
		}
		tui_gen_events_free(ev, n);
	}
	ck_assert_msg(r->done || r->errors, "request %u did not end within 60 s", id);
}

static struct tui_gen *open_gen(const char *dir)
{
	struct status st = STATUS_INIT;
	struct tui_gen *g;
	ck_assert_msg(tui_gen_open(&g, dir, NULL, DECODER_BF16, &st) == STATUS_OK, "%s", st.msg);
	return g;
}

static struct result r1, r2, r3;

START_TEST(streamed_text_adds_up_to_scored_samples)
{
	make_fixtures();
	struct tui_gen *g = open_gen(ckpt);
	const struct ricmeta *m = tui_gen_meta(g);
	ck_assert_uint_eq(m->n_obj, 2);
	ck_assert_str_eq(m->obj[1].name, "brevity");
	struct status st = STATUS_INIT;
	struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
	r.prompt = "Say";
	r.n = 4;
	r.max_new = 24;
	r.pref[0][0] = 0.2;
	r.pref[0][1] = 0.8;
	unsigned id = tui_gen_submit(g, &r, &st);
	ck_assert_msg(id != 0, "%s", st.msg);
	collect(g, id, &r1, NULL);
	ck_assert_int_eq(r1.code, STATUS_OK);
	ck_assert_int_eq(r1.samples, 4);
	ck_assert_int_gt(r1.tokens_seen, 0);
	ck_assert_uint_gt(r1.tokens, 0);
	struct reward *len, *brev;
	struct reward_env env = { 0 };
	ck_assert_int_eq(reward_open("length", &env, &len, &st), STATUS_OK);
	ck_assert_int_eq(reward_open("brevity:4", &env, &brev, &st), STATUS_OK);
	for (int i = 0; i < 4; i++) {
		/* ricgen's response is a C string: a NUL byte the random model drew
		 * ends it, while the stream goes on past it */
		ck_assert_int_eq(strncmp(r1.text[i], r1.final[i], strlen(r1.final[i])), 0);
		ck_assert_uint_gt(strlen(r1.final[i]), 0);
		const char *resp[1] = { r1.final[i] };
		double v[2];
		ck_assert_int_eq(reward_score(len, 1, NULL, resp, &v[0], &st), STATUS_OK);
		ck_assert_int_eq(reward_score(brev, 1, NULL, resp, &v[1], &st), STATUS_OK);
		ck_assert_double_eq_tol(r1.raw[i][0], v[0], 1e-12);
		ck_assert_double_eq_tol(r1.raw[i][1], v[1], 1e-12);
		ck_assert_double_eq_tol(r1.norm[i][0], (v[0] - 5) / 3, 1e-9);
		ck_assert_double_eq_tol(r1.norm[i][1], (v[1] - 0.4) / 0.3, 1e-9);
	}
	reward_close(len);
	reward_close(brev);
	/* the same request again gives the same samples (seed + i per sample) */
	id = tui_gen_submit(g, &r, &st);
	collect(g, id, &r2, NULL);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(r2.final[i], r1.final[i]);
	/* targets: linf over lo/hi, rounded to 0.1 */
	double t[2];
	ck_assert_int_eq(tui_gen_targets(g, r.pref[0], MAPPING_LINF, t, &st), STATUS_OK);
	ck_assert_double_eq_tol(t[0], -1.5 + 0.4 * 3.0, 1e-9);
	ck_assert_double_eq_tol(t[1], 1.8, 1e-9);
	tui_gen_close(g);
}
END_TEST

START_TEST(compare_mode_shares_prompt_and_seeds)
{
	make_fixtures();
	struct tui_gen *g = open_gen(ckpt);
	struct status st = STATUS_INIT;
	struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
	r.prompt = "Say";
	r.n = 3;
	r.n_pref = 2;
	r.max_new = 20;
	r.pref[0][0] = r.pref[1][0] = 0.5;
	r.pref[0][1] = r.pref[1][1] = 0.5;
	unsigned id = tui_gen_submit(g, &r, &st);
	collect(g, id, &r1, NULL);
	ck_assert_int_eq(r1.samples, 6);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(r1.final[i], r1.final[3 + i]);
	/* B alone, as a single preference, is what the right half showed */
	r.pref[1][0] = 1;
	r.pref[1][1] = 0;
	id = tui_gen_submit(g, &r, &st);
	collect(g, id, &r2, NULL);
	struct tui_gen_req b = r;
	b.n_pref = 1;
	b.pref[0][0] = 1;
	b.pref[0][1] = 0;
	id = tui_gen_submit(g, &b, &st);
	collect(g, id, &r3, NULL);
	int differ = 0;
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(r2.final[i], r1.final[i]);
		ck_assert_str_eq(r2.final[3 + i], r3.final[i]);
		differ |= strcmp(r2.final[i], r2.final[3 + i]) != 0;
	}
	ck_assert_msg(differ, "other targets in the context changed no sample");
	tui_gen_close(g);
}
END_TEST

START_TEST(cancel_stops_early_and_restart_is_immediate)
{
	make_fixtures();
	struct tui_gen *g = open_gen(ckpt_long);
	struct status st = STATUS_INIT;
	struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
	r.prompt = "Say";
	r.n = 8;
	r.max_new = 900;
	r.pref[0][0] = 1;
	unsigned id = tui_gen_submit(g, &r, &st);
	/* cancel once the first token is out */
	for (int got = 0; !got;) {
		struct pollfd p = { .fd = tui_gen_fd(g), .events = POLLIN };
		ck_assert_int_eq(poll(&p, 1, 60000), 1);
		struct tui_gen_event *ev;
		size_t n = tui_gen_take(g, &ev);
		for (size_t i = 0; i < n; i++)
			got |= ev[i].kind == TUI_GEN_TOKEN;
		tui_gen_events_free(ev, n);
	}
	tui_gen_cancel(g);
	collect(g, id, &r1, NULL);
	ck_assert_int_eq(r1.code, STATUS_CANCELLED);
	ck_assert_int_eq(r1.samples, 0);
	ck_assert_uint_lt(r1.tokens, 8 * 900);
	ck_assert(!tui_gen_busy(g));

	/* a new request replaces the running one: the old one ends cancelled
	 * before the new one's first event, and the new one runs in full */
	r.max_new = 12;
	struct tui_gen_req big = r;
	big.max_new = 900;
	unsigned a = tui_gen_submit(g, &big, &st);
	unsigned b = tui_gen_submit(g, &r, &st);
	ck_assert_uint_ne(a, b);
	collect(g, b, &r2, &r1);
	ck_assert_int_eq(r2.code, STATUS_OK);
	ck_assert_int_eq(r2.samples, 8);
	ck_assert_uint_eq(r2.tokens, 8 * 12);
	ck_assert(!r2.order_broken);
	ck_assert_int_eq(r1.samples, 0);
	tui_gen_close(g);
}
END_TEST

START_TEST(bad_requests_say_why)
{
	make_fixtures();
	struct tui_gen *g = open_gen(ckpt);
	struct status st = STATUS_INIT;
	struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
	r.prompt = "";
	r.pref[0][0] = 1;
	ck_assert_uint_eq(tui_gen_submit(g, &r, &st), 0);
	ck_assert_ptr_nonnull(strstr(st.msg, "prompt is empty"));
	r.prompt = "x";
	r.pref[0][0] = 0;
	st = (struct status)STATUS_INIT;
	ck_assert_uint_eq(tui_gen_submit(g, &r, &st), 0);
	ck_assert_int_eq(st.code, STATUS_INVALID);
	r.pref[0][0] = 1;
	r.n = 0;
	ck_assert_uint_eq(tui_gen_submit(g, &r, &st), 0);
	ck_assert_ptr_nonnull(strstr(st.msg, "samples"));
	tui_gen_close(g);
	/* a checkpoint without ric.json is refused with the reason */
	char plain[4200];
	snprintf(plain, sizeof plain, "%s/tests/fixtures/gpt2/chat", harness_srcdir());
	ck_assert_int_ne(tui_gen_open(&g, plain, NULL, DECODER_BF16, &st), STATUS_OK);
	ck_assert_ptr_nonnull(strstr(st.msg, "not a RiC checkpoint"));
}
END_TEST

/* A PEFT adapter of the fixture (2 layers, 32 wide) over c_attn, its B
 * scaled by `gain`, with the base's ric.json; base_model_name_or_path: base. */
static void make_adapter(const char *dir, const char *base, float gain, unsigned seed)
{
	struct status st = STATUS_INIT;
	mkdir(dir, 0777);
	char f[4300], cmd[9000];
	snprintf(f, sizeof f, "%s/adapter_config.json", dir);
	FILE *fp = fopen(f, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": 2, "
	            "\"lora_alpha\": 4, \"target_modules\": [\"c_attn\"], \"fan_in_fan_out\": true, "
	            "\"bias\": \"none\", \"base_model_name_or_path\": \"%s\"}\n", base);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "cp '%s/ric.json' '%s/ric.json'", base, dir);
	ck_assert_int_eq(system(cmd), 0);
	struct safetensors_writer *w = safetensors_writer_new();
	float A[2 * 32], B[96 * 2];
	for (int l = 0; l < 2; l++) {
		for (int i = 0; i < 64; i++)
			A[i] = (float)((int)((seed + 7u * (unsigned)i + 13u * (unsigned)l) % 17u) - 8) / 8.0f;
		for (int i = 0; i < 192; i++)
			B[i] = gain * (float)((int)((seed * 3u + 5u * (unsigned)i + (unsigned)l) % 11u) - 5) / 5.0f;
		char name[128];
		int64_t sa[2] = { 2, 32 }, sb[2] = { 96, 2 };
		snprintf(name, sizeof name, "base_model.model.transformer.h.%d.attn.c_attn.lora_A.weight", l);
		ck_assert_int_eq(safetensors_writer_add(w, name, ST_F32, 2, sa, A, &st), STATUS_OK);
		snprintf(name, sizeof name, "base_model.model.transformer.h.%d.attn.c_attn.lora_B.weight", l);
		ck_assert_int_eq(safetensors_writer_add(w, name, ST_F32, 2, sb, B, &st), STATUS_OK);
	}
	snprintf(f, sizeof f, "%s/adapter_model.safetensors", dir);
	ck_assert_msg(safetensors_writer_save(w, f, &st) == STATUS_OK, "%s", st.msg);
	safetensors_writer_free(w);
}

static void same_samples(const struct result *a, int from_a, const struct result *b, int from_b, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(a->final[from_a + i], b->final[from_b + i]);
}

/* Compare mode over two adapters of one base: B's weights are made from the
 * base in memory; each side samples what its checkpoint alone samples. */
START_TEST(two_adapters_of_one_base_share_it)
{
	make_fixtures();
	char ad1[4200], ad2[4200], other[4200];
	snprintf(ad1, sizeof ad1, "%s/lora-1", harness_tmpdir());
	snprintf(ad2, sizeof ad2, "%s/lora-2", harness_tmpdir());
	snprintf(other, sizeof other, "%s/lora-other", harness_tmpdir());
	make_adapter(ad1, ckpt, 3.0f, 1);
	make_adapter(ad2, ckpt, 3.0f, 2);
	make_adapter(other, ckpt_long, 3.0f, 3);
	struct status st = STATUS_INIT;
	struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
	r.prompt = "Say";
	r.n = 3;
	r.max_new = 16;
	r.temperature = 0; /* greedy: what each model most wants */
	r.pref[0][0] = r.pref[1][0] = 0.5;
	r.pref[0][1] = r.pref[1][1] = 0.5;
	/* what each checkpoint samples alone */
	static struct result base_alone, a1_alone, a2_alone, both;
	struct tui_gen *g = open_gen(ckpt);
	collect(g, tui_gen_submit(g, &r, &st), &base_alone, NULL);
	tui_gen_close(g);
	g = open_gen(ad1);
	collect(g, tui_gen_submit(g, &r, &st), &a1_alone, NULL);
	tui_gen_close(g);
	g = open_gen(ad2);
	collect(g, tui_gen_submit(g, &r, &st), &a2_alone, NULL);
	tui_gen_close(g);
	int differ = 0;
	for (int i = 0; i < 3; i++)
		differ |= strcmp(a1_alone.final[i], a2_alone.final[i]) != 0 ||
		          strcmp(a1_alone.final[i], base_alone.final[i]) != 0;
	ck_assert_msg(differ, "the adapters change nothing: the test would prove nothing");
	/* A: adapter 1, B: adapter 2 on the base A holds */
	g = open_gen(ad1);
	ck_assert_ptr_null(tui_gen_b_dir(g));
	struct tui_gen_load info;
	ck_assert_msg(tui_gen_set_b(g, ad2, &info, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_str_eq(tui_gen_b_dir(g), ad2);
	char real[4200];
	ck_assert_ptr_nonnull(realpath(ckpt, real));
	ck_assert_str_eq(info.base, real);
	r.n_pref = 2;
	collect(g, tui_gen_submit(g, &r, &st), &both, NULL);
	ck_assert_int_eq(both.samples, 6);
	same_samples(&both, 0, &a1_alone, 0, 3);
	same_samples(&both, 3, &a2_alone, 0, 3);
	/* streamed text adds up per side */
	for (int i = 0; i < 6; i++)
		ck_assert_str_eq(both.text[i], both.final[i]);
	/* A alone again: its weights were left as they were */
	r.n_pref = 1;
	collect(g, tui_gen_submit(g, &r, &st), &r1, NULL);
	same_samples(&r1, 0, &a1_alone, 0, 3);
	/* not an adapter, or an adapter of another base: refused, B kept */
	ck_assert_int_ne(tui_gen_set_b(g, ckpt_long, NULL, &st), STATUS_OK);
	ck_assert_ptr_nonnull(strstr(st.msg, "not a PEFT adapter folder"));
	ck_assert_int_ne(tui_gen_set_b(g, other, NULL, &st), STATUS_OK);
	ck_assert_ptr_nonnull(strstr(st.msg, "not of"));
	ck_assert_str_eq(tui_gen_b_dir(g), ad2);
	tui_gen_close(g);
	/* A the base itself, B an adapter of it */
	g = open_gen(ckpt);
	ck_assert_msg(tui_gen_set_b(g, ad1, &info, &st) == STATUS_OK, "%s", st.msg);
	r.n_pref = 2;
	collect(g, tui_gen_submit(g, &r, &st), &both, NULL);
	same_samples(&both, 0, &base_alone, 0, 3);
	same_samples(&both, 3, &a1_alone, 0, 3);
	tui_gen_close(g);
}
END_TEST

/* The 8x8 DiT fixture with two objectives in a ric.json. */
static void make_image_model(char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/dit", harness_tmpdir());
	char cmd[20000];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s/tests/fixtures/dit/dit-cond/config.json' "
	         "'%s/tests/fixtures/dit/dit-cond/model.safetensors' '%s'", dir, harness_srcdir(),
	         harness_srcdir(), dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s/ric.json", dir);
	FILE *f = fopen(cmd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"ric_version\": 1, \"mapping\": \"linf\", \"marker\": \"\", \"objectives\": ["
	      "{\"name\": \"bright\", \"reward\": \"brightness\", \"mu\": 0.5, \"sigma\": 0.2, "
	      "\"lo\": -2, \"hi\": 2}, {\"name\": \"color\", \"reward\": \"colorfulness\", "
	      "\"mu\": 0.3, \"sigma\": 0.1, \"lo\": -2, \"hi\": 2}]}\n", f);
	fclose(f);
}

START_TEST(image_model_previews_every_step)
{
	char dir[4200];
	make_image_model(dir, sizeof dir);
	struct tui_gen *g = open_gen(dir);
	ck_assert(tui_gen_is_image(g));
	ck_assert_uint_eq(tui_gen_meta(g)->n_obj, 2);
	struct status st = STATUS_INIT;
	struct tui_gen_req r = TUI_GEN_REQ_DEFAULTS;
	r.prompt = ""; /* an image model takes none */
	r.n = 3;
	r.steps = 5;
	r.seed = 11;
	r.pref[0][0] = 1;
	unsigned id = tui_gen_submit(g, &r, &st);
	ck_assert_msg(id != 0, "%s", st.msg);
	collect(g, id, &r1, NULL);
	ck_assert_int_eq(r1.errors, 0);
	ck_assert_int_eq(r1.code, STATUS_OK);
	ck_assert_uint_eq(r1.tokens, 3);          /* images made */
	ck_assert_int_eq(r1.images, 3 * 5);       /* one estimate per image per step */
	ck_assert_int_eq(r1.steps_broken, 0);     /* steps 1, 2, ... 5 in order */
	ck_assert_int_eq(r1.width, 8);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(r1.step[i], 5);
	ck_assert(memcmp(r1.img[0], r1.img[1], sizeof r1.img[0]) != 0); /* seeds 11, 12 */
	/* each finished image is scored with the objectives' rewards */
	ck_assert_int_eq(r1.samples, 3);
	for (int i = 0; i < 3; i++) {
		struct image im = { .w = 8, .h = 8, .px = r1.img[i] };
		ck_assert_double_eq_tol(r1.raw[i][0], reward_image_brightness(&im), 1e-12);
		ck_assert_double_eq_tol(r1.raw[i][1], reward_image_colorfulness(&im), 1e-12);
		ck_assert_double_eq_tol(r1.norm[i][0], (r1.raw[i][0] - 0.5) / 0.2, 1e-9);
	}
	/* the same request draws the same images; another preference others */
	id = tui_gen_submit(g, &r, &st);
	collect(g, id, &r2, NULL);
	ck_assert_mem_eq(r1.img, r2.img, 3 * sizeof r1.img[0]);
	r.pref[0][0] = 0;
	r.pref[0][1] = 1;
	id = tui_gen_submit(g, &r, &st);
	collect(g, id, &r3, NULL);
	ck_assert(memcmp(r1.img[0], r3.img[0], sizeof r1.img[0]) != 0);
	/* compare mode: side B's images follow A's, from the same seeds */
	r.n_pref = 2;
	memcpy(r.pref[1], r.pref[0], sizeof r.pref[1]);
	r.pref[0][0] = 1;
	r.pref[0][1] = 0;
	id = tui_gen_submit(g, &r, &st);
	collect(g, id, &r2, NULL);
	ck_assert_int_eq(r2.images, 6 * 5);
	ck_assert_mem_eq(r2.img[0], r1.img[0], 3 * sizeof r1.img[0]);
	ck_assert_mem_eq(r2.img[3], r3.img[0], 3 * sizeof r1.img[0]);
	/* a request replacing a running one: the old one stops, the new one ends */
	r.n_pref = 1;
	r.steps = 1000;
	unsigned slow = tui_gen_submit(g, &r, &st);
	r.steps = 2;
	id = tui_gen_submit(g, &r, &st);
	ck_assert_uint_ne(slow, id);
	collect(g, id, &r1, NULL);
	ck_assert_int_eq(r1.code, STATUS_OK);
	ck_assert_uint_eq(r1.step[0], 2);
	r.steps = 0;
	ck_assert_uint_eq(tui_gen_submit(g, &r, &st), 0);
	ck_assert_ptr_nonnull(strstr(st.msg, "DDIM steps"));
	tui_gen_close(g);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("tui_gen");
	TCase *tc = harness_add(s, "worker", streamed_text_adds_up_to_scored_samples,
	                        compare_mode_shares_prompt_and_seeds,
	                        cancel_stops_early_and_restart_is_immediate, bad_requests_say_why,
	                        two_adapters_of_one_base_share_it, image_model_previews_every_step,
	                        NULL);
	tcase_set_timeout(tc, 120);
	return s;
}
