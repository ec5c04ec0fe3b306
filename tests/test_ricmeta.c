/* engine/ricmeta: ric.json in and out, the template, and the token ids of a
 * conditioned example with its loss mask. */
#include "config.h"

#include "tests/harness.h"
#include "engine/checkpoint.h"
#include "engine/dataset.h"
#include "engine/ricmeta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void two_objectives(struct ricmeta *m)
{
	struct status st = STATUS_INIT;
	ricmeta_init(m);
	ck_assert_int_eq(ricmeta_add_objective(m, "positivity", "positivity", 0.1 + 0.2, 0.5, -2.3,
	                                       2.1, &st), STATUS_OK);
	ck_assert_int_eq(ricmeta_add_objective(m, "brevity", "brevity", 0.4, 0.0, -1.0, 1.5, &st),
	                 STATUS_OK);
	ck_assert_msg(ricmeta_configure(m, NULL, NULL, MAPPING_L2, 42, "models/base", &st) == STATUS_OK,
	              "%s", st.msg);
}

static char *context(const struct ricmeta *m, const char *prompt, const double *z)
{
	char *s;
	size_t len;
	struct status st = STATUS_INIT;
	ck_assert_msg(ricmeta_context(m, prompt, z, &s, &len, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(len, strlen(s));
	return s;
}

START_TEST(default_template_and_context)
{
	char *t = ricmeta_default_template(3);
	ck_assert_str_eq(t, "{prompt} <rm1_score> {z1} <rm2_score> {z2} <rm3_score> {z3}{marker}");
	free(t);
	struct ricmeta m;
	two_objectives(&m);
	ck_assert_str_eq(m.template, "{prompt} <rm1_score> {z1} <rm2_score> {z2}{marker}");
	ck_assert_str_eq(m.marker, "\n\nAssistant:");
	const double z[2] = { 1.25, -0.04 };
	char *s = context(&m, "Human: hi", z);
	ck_assert_str_eq(s, "Human: hi <rm1_score> 1.2 <rm2_score> 0.0\n\nAssistant:");
	free(s);
	s = context(&m, "Human: hi", NULL); /* unconditioned: no tags */
	ck_assert_str_eq(s, "Human: hi\n\nAssistant:");
	free(s);
	const double zn[2] = { -1.96, 12.0 };
	s = context(&m, "", zn);
	ck_assert_str_eq(s, " <rm1_score> -2.0 <rm2_score> 12.0\n\nAssistant:");
	free(s);
	const double bad[2] = { NAN, 0 };
	char *out;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(ricmeta_context(&m, "x", bad, &out, NULL, &st), STATUS_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(st.msg, "score 1"));
	/* a target too far out never becomes hundreds of digits of prompt */
	const double far[2] = { 0, -1e300 }, edge[2] = { 1e6, -1e6 };
	status_clear(&st);
	ck_assert_int_eq(ricmeta_context(&m, "x", far, &out, NULL, &st), STATUS_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(st.msg, "score 2 is -1e+300, beyond +-1e+06"), "%s", st.msg);
	s = context(&m, "", edge);
	ck_assert_str_eq(s, " <rm1_score> 1000000.0 <rm2_score> -1000000.0\n\nAssistant:");
	free(s);
	ricmeta_free(&m);
}
END_TEST

/* An imported HH-RLHF row: its prompt ends with "\n\nAssistant:", and the
 * context holds that marker once, after the scores, as the reference has it;
 * the unconditioned context once too. */
START_TEST(hh_row_has_one_marker_after_the_scores)
{
	static const char hh[] = "{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: hello\", "
	                         "\"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: go\"}\n";
	struct dataset_reader *r;
	struct dataset_record rec;
	struct status st = STATUS_INIT;
	int got = 0;
	ck_assert_int_eq(dataset_open_mem("hh.jsonl", hh, strlen(hh), DATASET_HH, &r, &st), STATUS_OK);
	ck_assert_msg(dataset_next(r, &rec, &got, &st) == STATUS_OK && got, "%s", st.msg);
	ck_assert_str_eq(rec.prompt, "\n\nHuman: hi\n\nAssistant:");
	struct ricmeta m;
	two_objectives(&m);
	const double z[2] = { 0.5, -1.0 };
	char *s = context(&m, rec.prompt, z);
	ck_assert_str_eq(s, "\n\nHuman: hi <rm1_score> 0.5 <rm2_score> -1.0\n\nAssistant:");
	free(s);
	s = context(&m, rec.prompt, NULL);
	ck_assert_str_eq(s, "\n\nHuman: hi\n\nAssistant:");
	free(s);
	/* a template without {marker} keeps the prompt whole */
	struct status st2 = STATUS_INIT;
	ck_assert_int_eq(ricmeta_configure(&m, "{prompt} {z1} {z2}", NULL, MAPPING_L2, 0, NULL, &st2),
	                 STATUS_OK);
	s = context(&m, rec.prompt, z);
	ck_assert_str_eq(s, "\n\nHuman: hi\n\nAssistant: 0.5 -1.0");
	free(s);
	ricmeta_free(&m);
	dataset_close(r);
}
END_TEST

START_TEST(custom_templates)
{
	struct ricmeta m;
	two_objectives(&m);
	struct status st = STATUS_INIT;
	ck_assert_int_eq(ricmeta_configure(&m, "Q: {prompt}\n[{{h}}={z2} p={z1} again {z1}]{marker}",
	                                   RICMETA_MARKER_PLAIN, MAPPING_LINF, 0, NULL, &st),
	                 STATUS_OK);
	const double z[2] = { 0.5, -1.0 };
	char *s = context(&m, "why {x}?", z); /* braces in the prompt are text */
	ck_assert_str_eq(s, "Q: why {x}?\n[{h}=-1.0 p=0.5 again 0.5]\nResponse:");
	free(s);
	static const struct {
		const char *tpl, *msg;
	} bad[] = {
		{ "<rm1_score> {z1} {z2}{marker}", "{prompt} must appear once, not 0" },
		{ "{prompt}{prompt} {z1} {z2}", "{prompt} must appear once, not 2" },
		{ "{prompt} {z1}", "{z2} is missing" },
		{ "{prompt} {z1} {z2} {z3}", "{z3} but the model has 2" },
		{ "{prompt} {z1} {z2} {score}", "unknown placeholder '{score}'" },
		{ "{prompt} {z1} {z2} {z01}", "unknown placeholder '{z01}'" },
		{ "{prompt} {z1} {z2} {", "unmatched '{' at byte 19" },
		{ "{prompt} {z1} {z2} }", "unmatched '}' at byte 19" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		status_clear(&st);
		ck_assert_int_eq(ricmeta_configure(&m, bad[i].tpl, NULL, MAPPING_LINF, 0, NULL, &st),
		                 STATUS_INVALID);
		ck_assert_msg(strstr(st.msg, bad[i].msg), "'%s': %s", bad[i].tpl, st.msg);
	}
	ricmeta_free(&m);
}
END_TEST

START_TEST(unlabelled_scores)
{
	struct ricmeta m;
	two_objectives(&m);
	static const struct {
		const char *tpl;
		size_t a, b;
	} cases[] = {
		{ NULL, 0, 0 }, /* the default: <rmK_score> before each */
		{ "{prompt} [{z1} {z2}]{marker}", 1, 2 },
		{ "{prompt} [{z2}, {z1}]{marker}", 2, 1 },
		{ "{prompt} {z1} {{ }} 2: {z2}", 1, 2 }, /* braces and digits are no label */
		{ "{prompt} [pos {z1} inf {z2}]{marker}", 0, 0 },
		{ "{z1} {prompt} {z2}", 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct status st = STATUS_INIT;
		ck_assert_msg(ricmeta_configure(&m, cases[i].tpl, NULL, MAPPING_LINF, 0, NULL, &st) ==
		                      STATUS_OK,
		              "%s", st.msg);
		size_t pair[2] = { 9, 9 };
		ck_assert_int_eq(ricmeta_unlabelled(&m, pair, &st), STATUS_OK);
		ck_assert_msg(pair[0] == cases[i].a && pair[1] == cases[i].b, "'%s': {z%zu} {z%zu}",
		              cases[i].tpl ? cases[i].tpl : "default", pair[0], pair[1]);
	}
	ricmeta_free(&m);
}
END_TEST

START_TEST(json_round_trip)
{
	struct ricmeta m, back;
	two_objectives(&m);
	ck_assert_ptr_null(m.extra);
	char *text = ricmeta_to_string(&m);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "ric_version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "mapping")), "l2");
	/* a key from a later stage rides along */
	json_object_set_new(j, "online_iterations", json_integer(2));
	struct status st = STATUS_INIT;
	ck_assert_msg(ricmeta_from_json(j, "ric.json", &back, &st) == STATUS_OK, "%s", st.msg);
	json_decref(j);
	free(text);
	ck_assert_uint_eq(back.n_obj, 2);
	ck_assert_str_eq(back.obj[0].name, "positivity");
	ck_assert_str_eq(back.obj[1].reward, "brevity");
	ck_assert_double_eq(back.obj[0].mu, 0.1 + 0.2); /* 17 digits: bit-exact */
	ck_assert_double_eq(back.obj[0].lo, -2.3);
	ck_assert_double_eq(back.obj[1].sigma, 0.0);
	ck_assert_double_eq(back.obj[1].hi, 1.5);
	ck_assert_str_eq(back.template, m.template);
	ck_assert_str_eq(back.marker, m.marker);
	ck_assert_int_eq(back.mapping, MAPPING_L2);
	ck_assert_int_eq(back.run, 42);
	ck_assert_str_eq(back.base_model, "models/base");
	json_t *again = ricmeta_to_json(&back);
	ck_assert_int_eq(json_integer_value(json_object_get(again, "online_iterations")), 2);
	json_decref(again);
	ricmeta_free(&back);
	ricmeta_free(&m);
	/* only objectives are required */
	j = json_loads("{\"objectives\": [{\"name\": \"a\", \"reward\": \"length\", \"mu\": 0,"
	               " \"sigma\": 1, \"lo\": -1, \"hi\": 1}]}", 0, &e);
	ck_assert_int_eq(ricmeta_from_json(j, "ric.json", &back, &st), STATUS_OK);
	json_decref(j);
	ck_assert_str_eq(back.template, "{prompt} <rm1_score> {z1}{marker}");
	ck_assert_str_eq(back.marker, RICMETA_MARKER_DIALOGUE);
	ck_assert_int_eq(back.mapping, MAPPING_LINF);
	ck_assert_int_eq(back.run, 0);
	ck_assert_ptr_null(back.base_model);
	ck_assert_int_eq(ricmeta_find(&back, "a"), 0);
	ck_assert_int_eq(ricmeta_find(&back, "b"), -1);
	ricmeta_free(&back);
}
END_TEST

START_TEST(json_errors_name_file_and_key)
{
	static const struct {
		const char *json, *msg;
		enum status_code code;
	} bad[] = {
		{ "[]", "m/ric.json: expected a JSON object", STATUS_FORMAT },
		{ "{}", "m/ric.json: objectives: missing", STATUS_FORMAT },
		{ "{\"objectives\": []}", "objectives: expected a non-empty array", STATUS_FORMAT },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": \"1\","
		  " \"lo\": 0, \"hi\": 1}]}", "m/ric.json: objectives[0].sigma: expected a number",
		  STATUS_FORMAT },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0}]}", "objectives[0].hi: missing", STATUS_FORMAT },
		{ "{\"objectives\": [{\"reward\": \"x\"}]}", "objectives[0].name: missing", STATUS_FORMAT },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": -1,"
		  " \"lo\": 0, \"hi\": 1}]}", "m/ric.json: objective 'a': mu 0, sigma -1", STATUS_INVALID },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 2, \"hi\": 1}]}", "lo <= hi", STATUS_INVALID },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": -1e300, \"hi\": 1}]}", "m/ric.json: objective 'a': lo -1e+300, hi 1 (normalised "
		  "scores lie within +-1e+06)", STATUS_INVALID },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0, \"hi\": 1}, {\"name\": \"a\", \"reward\": \"y\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0, \"hi\": 1}]}", "objective 'a' appears twice", STATUS_INVALID },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0, \"hi\": 1}], \"mapping\": \"cubic\"}", "m/ric.json: mapping: unknown mapping 'cubic'",
		  STATUS_INVALID },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0, \"hi\": 1}], \"template\": \"{z1}\"}", "m/ric.json: template: {prompt}",
		  STATUS_INVALID },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0, \"hi\": 1}], \"marker\": 3}", "m/ric.json: marker: expected a string",
		  STATUS_FORMAT },
		{ "{\"objectives\": [{\"name\": \"a\", \"reward\": \"x\", \"mu\": 0, \"sigma\": 1,"
		  " \"lo\": 0, \"hi\": 1}], \"run\": \"7\"}", "run: expected an integer", STATUS_FORMAT },
		{ "{\"ric_version\": 99, \"objectives\": []}", "ric_version 99 is newer", STATUS_UNSUPPORTED },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_error_t e;
		json_t *j = json_loads(bad[i].json, 0, &e);
		ck_assert_msg(j != NULL, "case %zu: %s", i, e.text);
		struct ricmeta m;
		struct status st = STATUS_INIT;
		ck_assert_msg(ricmeta_from_json(j, "m/ric.json", &m, &st) == bad[i].code, "case %zu: %s", i,
		              st.msg);
		ck_assert_msg(strstr(st.msg, bad[i].msg), "case %zu: %s", i, st.msg);
		ck_assert_uint_eq(m.n_obj, 0); /* left empty */
		json_decref(j);
	}
}
END_TEST

static const char *chat_dir(void)
{
	static char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/fixtures/gpt2/chat", harness_srcdir());
	return dir;
}

START_TEST(travels_in_a_checkpoint)
{
	struct model_params p;
	struct status st = STATUS_INIT;
	ck_assert_msg(checkpoint_load(chat_dir(), &p, NULL, &st) == STATUS_OK, "%s", st.msg);
	struct ricmeta m, back;
	/* a plain checkpoint is not a RiC one */
	ck_assert_int_eq(ricmeta_load(chat_dir(), &back, &st), STATUS_INVALID);
	ck_assert_ptr_nonnull(strstr(st.msg, "not a RiC checkpoint"));
	two_objectives(&m);
	/* Statistics are doubles: they must come back bit for bit. */
	m.obj[0].mu = 0.1 + 0.2;
	m.obj[1].sigma = 1.0 / 3.0;
	json_t *j = ricmeta_to_json(&m);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/ck", harness_tmpdir());
	struct checkpoint_save_opts o = { .tokenizer_dir = chat_dir(), .ric = j };
	ck_assert_msg(checkpoint_save(dir, &p, &o, &st) == STATUS_OK, "%s", st.msg);
	json_decref(j);
	ck_assert_msg(ricmeta_load(dir, &back, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(back.n_obj, 2);
	ck_assert_str_eq(back.obj[1].name, "brevity");
	ck_assert(back.obj[0].mu == 0.1 + 0.2);
	ck_assert(back.obj[1].sigma == 1.0 / 3.0);
	ck_assert_str_eq(back.template, m.template);
	ricmeta_free(&back);
	ricmeta_free(&m);
	/* a damaged ric.json names the file */
	char path[4200];
	snprintf(path, sizeof path, "%s/ric.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"objectives\": 1}", f);
	fclose(f);
	ck_assert_int_eq(ricmeta_load(dir, &back, &st), STATUS_FORMAT);
	ck_assert_ptr_nonnull(strstr(st.msg, "ck/ric.json: objectives"));
	model_params_free(&p);
}
END_TEST

static struct tokenizer *chat_tokenizer(void)
{
	struct tokenizer *t;
	struct status st = STATUS_INIT;
	ck_assert_msg(tokenizer_load(chat_dir(), &t, &st) == STATUS_OK, "%s", st.msg);
	return t;
}

static char *decode(struct tokenizer *t, const int *ids, size_t n)
{
	int32_t *v = malloc((n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = ids[i];
	char *s;
	size_t len;
	struct status st = STATUS_INIT;
	ck_assert_msg(tokenizer_decode(t, v, n, &s, &len, &st) == STATUS_OK, "%s", st.msg);
	free(v);
	return s;
}

START_TEST(token_ids_and_loss_mask)
{
	struct tokenizer *t = chat_tokenizer();
	int eos = tokenizer_token_id(t, "<|endoftext|>");
	ck_assert_int_ge(eos, 0);
	struct ricmeta m;
	two_objectives(&m);
	const double z[2] = { 1.0, -0.5 };
	struct ricmeta_seq s;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(ricmeta_encode(&m, t, "Hi <|endoftext|>", z, "Yes.", eos, &s, &st), STATUS_OK);
	/* the pieces, encoded on their own, special text as text */
	const char *ctx = "Hi <|endoftext|> <rm1_score> 1.0 <rm2_score> -0.5\n\nAssistant:";
	struct tokenizer_ids a = { 0 }, b = { 0 };
	ck_assert_int_eq(tokenizer_encode(t, ctx, strlen(ctx), TOKENIZER_NO_SPECIAL, &a, &st), STATUS_OK);
	ck_assert_int_eq(tokenizer_encode(t, " Yes.", 5, TOKENIZER_NO_SPECIAL, &b, &st), STATUS_OK);
	ck_assert_uint_eq(s.n_context, a.n);
	ck_assert_uint_eq(s.n, a.n + b.n + 1);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert_int_eq(s.ids[i], a.ids[i]);
		ck_assert_int_ne(s.ids[i], eos); /* the prompt's "<|endoftext|>" is not the EOS token */
		ck_assert_int_eq(s.mask[i], 0);
	}
	for (size_t i = 0; i < b.n; i++) {
		ck_assert_int_eq(s.ids[a.n + i], b.ids[i]);
		ck_assert_int_eq(s.mask[a.n + i], 1);
	}
	ck_assert_int_eq(s.ids[s.n - 1], eos);
	ck_assert_int_eq(s.mask[s.n - 1], 1);
	char *text = decode(t, s.ids, s.n - 1);
	ck_assert_str_eq(text, "Hi <|endoftext|> <rm1_score> 1.0 <rm2_score> -0.5\n\nAssistant: Yes.");
	free(text);
	/* targets: position i predicts ids[i + 1] where that token carries loss */
	int *tg = malloc(s.n * sizeof *tg);
	ricmeta_seq_targets(&s, tg);
	for (size_t i = 0; i + 1 < s.n_context; i++)
		ck_assert_int_eq(tg[i], -100);
	for (size_t i = s.n_context - 1; i + 1 < s.n; i++)
		ck_assert_int_eq(tg[i], s.ids[i + 1]);
	ck_assert_int_eq(tg[s.n - 1], -100);
	free(tg);
	/* a response that starts with its space gets no second one */
	struct ricmeta_seq s2;
	ck_assert_int_eq(ricmeta_encode(&m, t, "Hi <|endoftext|>", z, " Yes.", eos, &s2, &st), STATUS_OK);
	ck_assert_uint_eq(s2.n, s.n);
	ck_assert_mem_eq(s2.ids, s.ids, s.n * sizeof *s.ids);
	ricmeta_seq_free(&s2);
	ricmeta_seq_free(&s);
	tokenizer_ids_free(&a);
	tokenizer_ids_free(&b);
	/* context alone (generation); no EOS when eos < 0; unconditioned */
	ck_assert_int_eq(ricmeta_encode(&m, t, "Hi", z, NULL, eos, &s, &st), STATUS_OK);
	ck_assert_uint_eq(s.n, s.n_context);
	text = decode(t, s.ids, s.n);
	ck_assert_str_eq(text, "Hi <rm1_score> 1.0 <rm2_score> -0.5\n\nAssistant:");
	free(text);
	ricmeta_seq_free(&s);
	ck_assert_int_eq(ricmeta_encode(&m, t, "Hi", NULL, "ok", -1, &s, &st), STATUS_OK);
	text = decode(t, s.ids, s.n);
	ck_assert_str_eq(text, "Hi\n\nAssistant: ok");
	free(text);
	ck_assert_int_eq(s.mask[s.n - 1], 1);
	ck_assert_int_ne(s.ids[s.n - 1], eos);
	ricmeta_seq_free(&s);
	ricmeta_free(&m);
	tokenizer_free(t);
}
END_TEST

/* What `ric export --format trl` writes (context text, joined completion)
 * encodes back to ricmeta_encode's ids and mask. */
START_TEST(texts_encode_to_the_same_sequence)
{
	struct tokenizer *t = chat_tokenizer();
	int eos = tokenizer_token_id(t, "<|endoftext|>");
	struct ricmeta m;
	two_objectives(&m);
	const double z[2] = { 1.0, -0.5 };
	struct status st = STATUS_INIT;
	const char *resp[] = { "Yes.", " Yes.", "  two spaces", "" };
	for (size_t k = 0; k < sizeof resp / sizeof *resp; k++) {
		struct ricmeta_seq a, b;
		ck_assert_int_eq(ricmeta_encode(&m, t, "Hi", z, resp[k], eos, &a, &st), STATUS_OK);
		char *ctx, *comp = ricmeta_response_join(resp[k]);
		ck_assert_ptr_nonnull(comp);
		ck_assert_int_eq(comp[0], ' ');
		ck_assert_str_eq(comp + (resp[k][0] != ' '), resp[k]);
		ck_assert_int_eq(ricmeta_context(&m, "Hi", z, &ctx, NULL, &st), STATUS_OK);
		ck_assert_int_eq(ricmeta_encode_text(t, ctx, comp, eos, &b, &st), STATUS_OK);
		ck_assert_uint_eq(a.n, b.n);
		ck_assert_uint_eq(a.n_context, b.n_context);
		ck_assert_mem_eq(a.ids, b.ids, a.n * sizeof *a.ids);
		ck_assert_mem_eq(a.mask, b.mask, a.n);
		ricmeta_seq_free(&a);
		ricmeta_seq_free(&b);
		free(ctx);
		free(comp);
	}
	ricmeta_free(&m);
	tokenizer_free(t);
}
END_TEST

START_TEST(generated_ids_are_kept_as_they_are)
{
	struct tokenizer *t = chat_tokenizer();
	int eos = tokenizer_token_id(t, "<|endoftext|>");
	struct ricmeta m;
	two_objectives(&m);
	const double z[2] = { 0.0, 0.0 };
	struct ricmeta_seq s;
	struct status st = STATUS_INIT;
	const int gen[3] = { 5, 17, 99 };
	ck_assert_int_eq(ricmeta_encode_generated(&m, t, "p", z, gen, 3, eos, &s, &st), STATUS_OK);
	ck_assert_uint_eq(s.n, s.n_context + 4);
	ck_assert_mem_eq(s.ids + s.n_context, gen, sizeof gen);
	ck_assert_int_eq(s.ids[s.n - 1], eos);
	for (size_t i = 0; i < s.n; i++)
		ck_assert_int_eq(s.mask[i], i >= s.n_context);
	ricmeta_seq_free(&s);
	const int ended[2] = { 5, eos };
	ck_assert_int_eq(ricmeta_encode_generated(&m, t, "p", z, ended, 2, eos, &s, &st), STATUS_OK);
	ck_assert_uint_eq(s.n, s.n_context + 2); /* no second EOS */
	ricmeta_seq_free(&s);
	ricmeta_free(&m);
	tokenizer_free(t);
	/* the exact-prefix rule for generated text */
	ck_assert_uint_eq(ricmeta_response_offset(" Hi", 3), 1);
	ck_assert_uint_eq(ricmeta_response_offset("  Hi", 4), 1);
	ck_assert_uint_eq(ricmeta_response_offset("Hi", 2), 0);
	ck_assert_uint_eq(ricmeta_response_offset("\tHi", 3), 0);
	ck_assert_uint_eq(ricmeta_response_offset("", 0), 0);
}
END_TEST

START_TEST(normalise_with_stored_stats)
{
	struct ricmeta m;
	two_objectives(&m);
	const double raw[2] = { 1.3, 0.9 };
	double z[2], lo[2], hi[2];
	ricmeta_normalise(&m, raw, z);
	ck_assert_double_eq_tol(z[0], (1.3 - 0.3) / 0.5, 1e-12);
	ck_assert_double_eq_tol(z[1], 0.5, 1e-12); /* sigma 0: r - mu */
	ricmeta_ranges(&m, lo, hi);
	ck_assert_double_eq(lo[0], -2.3);
	ck_assert_double_eq(hi[1], 1.5);
	ricmeta_ranges(&m, NULL, hi);
	ricmeta_free(&m);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("ricmeta");
	harness_add(s, "template", default_template_and_context, hh_row_has_one_marker_after_the_scores, custom_templates, unlabelled_scores,
	            NULL);
	harness_add(s, "json", json_round_trip, json_errors_name_file_and_key, travels_in_a_checkpoint,
	            NULL);
	harness_add(s, "tokens", token_ids_and_loss_mask, texts_encode_to_the_same_sequence,
	            generated_ids_are_kept_as_they_are,
	            normalise_with_stored_stats, NULL);
	return s;
}
