/* engine/tokenizer on tokenizer.json of the Llama family: Llama 2's
 * SentencePiece-style BPE (byte fallback) and Llama 3's byte-level BPE with
 * its own Split regex, against the ids of the npm encoders
 * llama-tokenizer-js and llama3-tokenizer-js (tests/fixtures/llama*-tokenizer,
 * made by tests/tokenizer/convert_llama_js.mjs); the Metaspace, Digits and
 * Split variants Mistral and SmolLM write; BOS/EOS; the errors. */
#include "config.h"

#include "tests/harness.h"
#include "engine/tokenizer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* The fixture `name` unpacked into a folder of its own (tokenizer.json is
 * committed gzip-compressed). */
static const char *unpack(const char *name)
{
	static char dir[2][4200];
	int slot = strcmp(name, "llama3-tokenizer") == 0;
	snprintf(dir[slot], sizeof dir[slot], "%s/%s", harness_tmpdir(), name);
	char src[4200], dst[4300];
	struct stat sb;
	snprintf(dst, sizeof dst, "%s/tokenizer.json", dir[slot]);
	if (stat(dst, &sb) == 0)
		return dir[slot];
	mkdir(dir[slot], 0777);
	snprintf(src, sizeof src, "%s/tests/fixtures/%s/tokenizer.json.gz", harness_srcdir(), name);
	gzFile in = gzopen(src, "rb");
	ck_assert_msg(in != NULL, "open %s", src);
	FILE *out = fopen(dst, "wb");
	ck_assert_ptr_nonnull(out);
	char buf[1 << 16];
	int n;
	while ((n = gzread(in, buf, sizeof buf)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, (size_t)n, out), (size_t)n);
	ck_assert_int_eq(n, 0);
	gzclose(in);
	ck_assert_int_eq(fclose(out), 0);
	snprintf(src, sizeof src, "%s/tests/fixtures/%s/tokenizer_config.json", harness_srcdir(), name);
	snprintf(dst, sizeof dst, "%s/tokenizer_config.json", dir[slot]);
	FILE *a = fopen(src, "rb"), *b = fopen(dst, "wb");
	ck_assert(a && b);
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, a)) > 0)
		fwrite(buf, 1, k, b);
	fclose(a);
	ck_assert_int_eq(fclose(b), 0);
	return dir[slot];
}

static struct tokenizer *load_dir(const char *dir)
{
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	enum status_code rc = tokenizer_load(dir, &t, &st);
	ck_assert_msg(rc == STATUS_OK, "load %s: %s", dir, st.msg);
	return t;
}

static void encode(struct tokenizer *t, const char *text, size_t len, unsigned flags, struct tokenizer_ids *ids)
{
	struct status st = STATUS_INIT;
	ck_assert_msg(tokenizer_encode(t, text, len, flags, ids, &st) == STATUS_OK, "%s", st.msg);
}

static void expect_ids(struct tokenizer *t, const char *text, size_t len, unsigned flags, const int32_t *want,
                       size_t n_want)
{
	struct tokenizer_ids ids = { 0 };
	encode(t, text, len, flags, &ids);
	int same = ids.n == n_want && (n_want == 0 || memcmp(ids.ids, want, n_want * sizeof *want) == 0);
	if (!same) {
		char got[512] = "", exp[512] = "";
		for (size_t i = 0; i < ids.n && strlen(got) < 480; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%d ", ids.ids[i]);
		for (size_t i = 0; i < n_want && strlen(exp) < 480; i++)
			snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%d ", want[i]);
		ck_abort_msg("ids of \"%.80s\": got %s, wanted %s", text, got, exp);
	}
	tokenizer_ids_free(&ids);
}

static void expect_same(struct tokenizer *t, const char *text, unsigned flags, const struct tokenizer_ids *want)
{
	expect_ids(t, text, strlen(text), flags, want->ids, want->n);
}

static void expect_round_trip(struct tokenizer *t, const char *text, size_t len, unsigned flags)
{
	struct tokenizer_ids ids = { 0 };
	struct status st = STATUS_INIT;
	encode(t, text, len, flags, &ids);
	char *back;
	size_t blen;
	ck_assert_int_eq(tokenizer_decode(t, ids.ids, ids.n, &back, &blen, &st), STATUS_OK);
	ck_assert_msg(blen == len && memcmp(back, text, len) == 0, "round trip of \"%.60s\" gave \"%.60s\"", text, back);
	/* Streaming gives the same bytes. */
	struct tokenizer_stream s = { 0 };
	char *cat = malloc(blen + 4);
	size_t o = 0;
	for (size_t i = 0; i < ids.n; i++) {
		const char *chunk;
		size_t n;
		ck_assert_int_eq(tokenizer_stream_push(t, &s, ids.ids[i], &chunk, &n, &st), STATUS_OK);
		ck_assert_uint_le(o + n, blen);
		memcpy(cat + o, chunk, n);
		o += n;
	}
	size_t n;
	const char *tail = tokenizer_stream_flush(&s, &n);
	ck_assert_uint_eq(o + n, blen);
	memcpy(cat + o, tail, n);
	ck_assert(memcmp(cat, back, blen) == 0);
	tokenizer_stream_free(&s);
	free(cat);
	free(back);
	tokenizer_ids_free(&ids);
}

/* Every case of the fixture's cases.jsonl; `oracle`, when given, encodes
 * each text under `oflags` instead of the file's ids (the ids a variant must
 * give). Returns the count. */
static size_t check_cases(struct tokenizer *t, const char *fixture, unsigned flags, int round_trip)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/tests/fixtures/%s/cases.jsonl", harness_srcdir(), fixture);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s", path);
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		json_t *c = json_loadb(line, (size_t)len, JSON_ALLOW_NUL, &e);
		ck_assert_msg(c != NULL, "%s line %zu: %s", path, n + 1, e.text);
		json_t *text = json_object_get(c, "text"), *jids = json_object_get(c, "ids");
		ck_assert(json_is_string(text) && json_is_array(jids));
		size_t nw = json_array_size(jids);
		int32_t *want = malloc((nw + 1) * sizeof *want);
		for (size_t i = 0; i < nw; i++)
			want[i] = (int32_t)json_integer_value(json_array_get(jids, i));
		const char *s = json_string_value(text);
		expect_ids(t, s, json_string_length(text), flags, want, nw);
		/* "▁" in the text decodes as a space: the only text that cannot come back. */
		if (round_trip && !strstr(s, "\xe2\x96\x81"))
			expect_round_trip(t, s, json_string_length(text), flags);
		free(want);
		json_decref(c);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

START_TEST(llama2_matches_llama_tokenizer_js)
{
	struct tokenizer *t = load_dir(unpack("llama2-tokenizer"));
	ck_assert_uint_eq(tokenizer_vocab_size(t), 32000);
	ck_assert_str_eq(tokenizer_kind(t), "SentencePiece BPE with byte fallback (tokenizer.json)");
	/* llama-tokenizer-js does not know special tokens: compare with them off. */
	size_t n = check_cases(t, "llama2-tokenizer", TOKENIZER_NO_SPECIAL, 1);
	ck_assert_uint_ge(n, 800);
	ck_assert_uint_eq(check_cases(t, "llama2-tokenizer", TOKENIZER_NO_SPECIAL, 0), n); /* from the cache */
	tokenizer_free(t);
}
END_TEST

START_TEST(llama3_matches_llama3_tokenizer_js)
{
	struct tokenizer *t = load_dir(unpack("llama3-tokenizer"));
	ck_assert_uint_eq(tokenizer_vocab_size(t), 128256);
	ck_assert_str_eq(tokenizer_kind(t), "byte-level BPE (tokenizer.json)");
	/* llama3-tokenizer-js matches its special tokens in the text, as we do. */
	size_t n = check_cases(t, "llama3-tokenizer", 0, 1);
	ck_assert_uint_ge(n, 800);
	ck_assert_uint_eq(check_cases(t, "llama3-tokenizer", 0, 0), n);
	tokenizer_free(t);
}
END_TEST

START_TEST(llama2_sequence_ids_and_specials)
{
	struct tokenizer *t = load_dir(unpack("llama2-tokenizer"));
	ck_assert_int_eq(tokenizer_bos(t), 1); /* add_bos_token in tokenizer_config.json */
	ck_assert_int_eq(tokenizer_eos(t), 2);
	expect_ids(t, "Hello world!", 12, TOKENIZER_BOS, (int32_t[]){ 1, 15043, 3186, 29991 }, 4);
	expect_ids(t, "Hello world!", 12, 0, (int32_t[]){ 15043, 3186, 29991 }, 3);
	/* Hugging Face normalizes each span between special tokens alone: "▁" before each. */
	struct tokenizer_ids hello = { 0 }, world = { 0 }, want = { 0 };
	encode(t, "Hello", 5, 0, &hello);
	encode(t, "world", 5, 0, &world);
	encode(t, "Hello", 5, 0, &want);
	want.ids[want.n++] = 2;
	encode(t, "world", 5, 0, &want);
	expect_same(t, "Hello</s>world", 0, &want);
	/* As plain text, "</s>" is characters. */
	struct tokenizer_ids plain = { 0 };
	encode(t, "Hello</s>world", 14, TOKENIZER_NO_SPECIAL, &plain);
	ck_assert_uint_gt(plain.n, 3);
	for (size_t i = 0; i < plain.n; i++)
		ck_assert_int_gt(plain.ids[i], 2);
	/* Continued text gets no "▁" of its own: " world" is "▁world". */
	expect_same(t, " world", TOKENIZER_CONTINUE, &world);
	struct tokenizer_ids twice = { 0 };
	encode(t, " world", 6, 0, &twice);
	ck_assert_uint_gt(twice.n, world.n);
	/* Decoding strips the space the encoder put first; decode_more keeps it. */
	char *s;
	size_t n;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(tokenizer_decode(t, (int32_t[]){ 15043, 3186 }, 2, &s, &n, &st), STATUS_OK);
	ck_assert_str_eq(s, "Hello world");
	free(s);
	ck_assert_int_eq(tokenizer_decode_more(t, (int32_t[]){ 15043, 3186 }, 2, &s, &n, &st), STATUS_OK);
	ck_assert_str_eq(s, " Hello world");
	free(s);
	ck_assert_int_eq(tokenizer_decode(t, (int32_t[]){ 1, 15043 }, 2, &s, &n, &st), STATUS_OK);
	ck_assert_str_eq(s, "<s> Hello");
	free(s);
	struct tokenizer_stream stream = { 0 };
	stream.cont = 1;
	const char *chunk;
	ck_assert_int_eq(tokenizer_stream_push(t, &stream, 3186, &chunk, &n, &st), STATUS_OK);
	ck_assert_uint_eq(n, 6);
	ck_assert(memcmp(chunk, " world", 6) == 0);
	tokenizer_stream_free(&stream);
	/* Byte fallback: a character outside the vocabulary is its UTF-8 bytes'
	 * <0xNN> tokens (id 3 + byte), and invalid UTF-8 comes back exactly. */
	expect_ids(t, "\xf0\x9f\xa6\x99", 4, 0, (int32_t[]){ 29871, 3 + 0xF0, 3 + 0x9F, 3 + 0xA6, 3 + 0x99 }, 5);
	static const char *bad[] = { "\xff", "caf\xc3", "\xed\xa0\x80 x", "a\x80\x80 b \xf4\x90\x80\x80" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_round_trip(t, bad[i], strlen(bad[i]), 0);
	size_t len;
	const char *b = tokenizer_token_bytes(t, 3 + 0x0A, &len);
	ck_assert(len == 1 && b[0] == '\n');
	tokenizer_ids_free(&hello);
	tokenizer_ids_free(&world);
	tokenizer_ids_free(&want);
	tokenizer_ids_free(&plain);
	tokenizer_ids_free(&twice);
	tokenizer_free(t);
}
END_TEST

START_TEST(llama3_sequence_ids_and_specials)
{
	struct tokenizer *t = load_dir(unpack("llama3-tokenizer"));
	/* No add_bos_token: the post_processor's template starts with <|begin_of_text|>. */
	ck_assert_int_eq(tokenizer_bos(t), 128000);
	ck_assert_int_eq(tokenizer_eos(t), 128001);
	expect_ids(t, "Hello world!", 12, TOKENIZER_BOS, (int32_t[]){ 128000, 9906, 1917, 0 }, 4);
	expect_ids(t, "<|eot_id|>", 10, 0, (int32_t[]){ 128009 }, 1);
	struct tokenizer_ids plain = { 0 };
	encode(t, "<|eot_id|>", 10, TOKENIZER_NO_SPECIAL, &plain);
	ck_assert_uint_gt(plain.n, 1);
	tokenizer_ids_free(&plain);
	/* Byte-level decoding needs no strip: " Hello" comes back with its space. */
	expect_round_trip(t, " Hello", 6, 0);
	static const char *bad[] = { "\xff", "caf\xc3", "\xed\xa0\x80 x", "12\x80\x80 345" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_round_trip(t, bad[i], strlen(bad[i]), 0);
	tokenizer_free(t);
}
END_TEST

/* The llama2 fixture's tokenizer.json, changed by `edit`, written to a new
 * folder named `name`. */
static const char *variant(const char *name, void (*edit)(json_t *root))
{
	static char dir[4200];
	char path[4300];
	snprintf(path, sizeof path, "%s/tokenizer.json", unpack(strstr(name, "l3") ? "llama3-tokenizer"
	                                                                               : "llama2-tokenizer"));
	json_error_t e;
	json_t *root = json_load_file(path, 0, &e);
	ck_assert_msg(root != NULL, "%s", e.text);
	edit(root);
	snprintf(dir, sizeof dir, "%s/%s", harness_tmpdir(), name);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	ck_assert_int_eq(json_dump_file(root, path, JSON_COMPACT), 0);
	json_decref(root);
	return dir;
}

/* Mistral v0.3's layout: no normalizer, a Metaspace pre-tokenizer (the
 * decoder stays Llama 2's). */
static void metaspace_first(json_t *root)
{
	json_object_set_new(root, "normalizer", json_null());
	json_object_set_new(root, "pre_tokenizer", json_pack("{s:s, s:s, s:s, s:b}", "type", "Metaspace", "replacement",
	                                                     "\xe2\x96\x81", "prepend_scheme", "first", "split", 0));
}

/* Older files: Metaspace split on every "▁", its decoder too. */
static void metaspace_split(json_t *root)
{
	metaspace_first(root);
	json_object_set_new(root, "decoder", json_pack("{s:s, s:[{s:s, s:s, s:b}, {s:s}, {s:s}]}", "type", "Sequence",
	                                               "decoders", "type", "Metaspace", "replacement", "\xe2\x96\x81",
	                                               "add_prefix_space", 1, "type", "ByteFallback", "type", "Fuse"));
	json_object_set_new(json_object_get(root, "pre_tokenizer"), "split", json_true());
	json_object_set_new(json_object_get(root, "pre_tokenizer"), "prepend_scheme", json_string("always"));
}

START_TEST(metaspace_variants)
{
	struct tokenizer *ref = load_dir(unpack("llama2-tokenizer"));
	struct tokenizer *t = load_dir(variant("mistral", metaspace_first));
	static const char *texts[] = { "Hello world!", "  two leading", "\tTab", "a  b   c", "\xf0\x9f\xa6\x99 x",
	                               "x\n\ny", "" };
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		/* Metaspace puts no second "▁" before a leading space: " x" is
		 * "▁x", which the Prepend normalizer makes of "x". */
		const char *s = texts[i][0] == ' ' ? texts[i] + 1 : texts[i];
		struct tokenizer_ids want = { 0 };
		encode(ref, s, strlen(s), 0, &want);
		expect_same(t, texts[i], 0, &want);
		tokenizer_ids_free(&want);
		/* A leading space is lost, as in Hugging Face: "▁x" decodes to "x". */
		if (texts[i][0] != ' ')
			expect_round_trip(t, texts[i], strlen(texts[i]), 0);
	}
	expect_ids(t, " ", 1, 0, (int32_t[]){ 29871 }, 1);
	/* "first": after a special token, the span gets no "▁". */
	struct tokenizer_ids want = { 0 };
	want.ids = malloc(64 * sizeof *want.ids);
	want.cap = 64;
	want.ids[want.n++] = 2;
	encode(ref, "world", 5, TOKENIZER_CONTINUE, &want);
	expect_same(t, "</s>world", 0, &want);
	tokenizer_ids_free(&want);
	tokenizer_free(t);

	/* split: every "▁" starts a word of its own. */
	t = load_dir(variant("metaspace-split", metaspace_split));
	encode(ref, "Hello", 5, 0, &want);
	encode(ref, " ", 1, TOKENIZER_CONTINUE, &want);
	encode(ref, " world", 6, TOKENIZER_CONTINUE, &want);
	expect_same(t, "Hello  world", 0, &want);
	tokenizer_ids_free(&want);
	expect_round_trip(t, "Hello  world\t\xf0\x9f\xa6\x99", strlen("Hello  world\t\xf0\x9f\xa6\x99"), 0);
	tokenizer_free(t);
	tokenizer_free(ref);
}
END_TEST

/* SmolLM's layout: Digits then ByteLevel with GPT-2's regex, on Llama 3's vocabulary. */
static void smollm(json_t *root)
{
	json_object_set_new(root, "pre_tokenizer",
	                    json_pack("{s:s, s:[{s:s, s:b}, {s:s, s:b, s:b}]}", "type", "Sequence", "pretokenizers",
	                              "type", "Digits", "individual_digits", 1, "type", "ByteLevel",
	                              "add_prefix_space", 0, "use_regex", 1));
	json_object_set_new(json_object_get(root, "model"), "ignore_merges", json_false());
}

/* Split behaviours and a String pattern, before Llama 3's own Split. */
static void split_removed(json_t *root)
{
	json_t *seq = json_object_get(json_object_get(root, "pre_tokenizer"), "pretokenizers");
	json_array_insert_new(seq, 0, json_pack("{s:s, s:{s:s}, s:s, s:b}", "type", "Split", "pattern", "String", "--",
	                                        "behavior", "Removed", "invert", 0));
}

/* Qwen2's layout: an NFC normalizer before the byte-level steps. */
static void qwen2(json_t *root)
{
	json_object_set_new(root, "normalizer", json_pack("{s:s}", "type", "NFC"));
}

static void nfkc(json_t *root)
{
	json_object_set_new(root, "normalizer", json_pack("{s:s, s:[{s:s}]}", "type", "Sequence", "normalizers",
	                                                  "type", "NFKC"));
}

START_TEST(unicode_normalizers)
{
	struct tokenizer *ref = load_dir(unpack("llama3-tokenizer"));
	struct tokenizer *t = load_dir(variant("l3-qwen2", qwen2));
	/* e + combining acute is é under NFC; without it, two different words. */
	struct tokenizer_ids composed = { 0 }, decomposed = { 0 };
	encode(ref, "caf\xc3\xa9 e\xcc\x81", 9, 0, &composed);
	encode(ref, "cafe\xcc\x81 e\xcc\x81", 10, 0, &decomposed);
	ck_assert(composed.n != decomposed.n || memcmp(composed.ids, decomposed.ids, composed.n * 4) != 0);
	tokenizer_ids_free(&decomposed);
	encode(ref, "caf\xc3\xa9 \xc3\xa9", 8, 0, &decomposed);
	expect_same(t, "cafe\xcc\x81 e\xcc\x81", 0, &decomposed);
	/* Invalid bytes pass through between the normalized runs. */
	{
		const char *x = "\xff caf\xc3\xa9 \xed\xa0\x80 x";
		expect_round_trip(t, x, strlen(x), 0);
	}
	/* NFC keeps the ligature fi; NFKC makes it "fi". */
	struct tokenizer_ids lig = { 0 }, fi = { 0 };
	encode(ref, "\xef\xac\x81", 3, 0, &lig);
	encode(ref, "fi", 2, 0, &fi);
	expect_same(t, "\xef\xac\x81", 0, &lig);
	tokenizer_free(t);
	t = load_dir(variant("l3-nfkc", nfkc));
	expect_same(t, "\xef\xac\x81", 0, &fi);
	tokenizer_ids_free(&composed);
	tokenizer_ids_free(&decomposed);
	tokenizer_ids_free(&lig);
	tokenizer_ids_free(&fi);
	tokenizer_free(t);
	tokenizer_free(ref);
}
END_TEST

/* \s as Oniguruma (Hugging Face) has it: Unicode White_Space, U+0085 and
 * U+3000 yes, U+180E (PCRE2's own \s matches it) no. */
static void split_space_removed(json_t *root)
{
	json_t *seq = json_object_get(json_object_get(root, "pre_tokenizer"), "pretokenizers");
	json_array_insert_new(seq, 0, json_pack("{s:s, s:{s:s}, s:s}", "type", "Split", "pattern", "Regex", "\\s+",
	                                        "behavior", "Removed"));
}

START_TEST(byte_level_variants)
{
	struct tokenizer *ref = load_dir(unpack("llama3-tokenizer"));
	struct tokenizer *t = load_dir(variant("l3-smollm", smollm));
	/* Each digit alone, the rest as GPT-2's regex splits it. */
	struct tokenizer_ids want = { 0 };
	static const char *pieces[] = { "abc", " ", "1", "2", "3", "4", " x", "'s", NULL };
	for (size_t i = 0; pieces[i]; i++)
		encode(ref, pieces[i], strlen(pieces[i]), 0, &want);
	expect_same(t, "abc 1234 x's", 0, &want);
	tokenizer_ids_free(&want);
	{
		const char *x = "v2.0.1 \xf0\x9f\xa6\x99 1e-10\n\n";
		expect_round_trip(t, x, strlen(x), 0);
	}
	tokenizer_free(t);

	t = load_dir(variant("l3-space", split_space_removed));
	encode(ref, "a", 1, 0, &want);
	encode(ref, "b", 1, 0, &want);
	encode(ref, "c", 1, 0, &want);
	expect_same(t, "a\xc2\x85" "b\xe3\x80\x80" "c", 0, &want);
	tokenizer_ids_free(&want);
	encode(ref, "x\xe1\xa0\x8ey", 5, 0, &want);
	expect_same(t, "x\xe1\xa0\x8ey", 0, &want);
	tokenizer_ids_free(&want);
	tokenizer_free(t);

	t = load_dir(variant("l3-removed", split_removed));
	encode(ref, "a", 1, 0, &want);
	encode(ref, "b c", 3, 0, &want);
	expect_same(t, "a--b c", 0, &want);
	tokenizer_ids_free(&want);
	tokenizer_free(t);
	tokenizer_free(ref);
}
END_TEST

/* tokenizer.json text with `from` replaced by `to` must fail naming `msg`. */
static void expect_json_error(const char *json, enum status_code code, const char *msg)
{
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	enum status_code rc = tokenizer_load_json(json, strlen(json), "tok.json", &t, &st);
	ck_assert_msg(rc == code, "rc %d for %s: %s", rc, json, st.msg);
	ck_assert_ptr_null(t);
	ck_assert_msg(strcmp(st.msg, msg) == 0, "got \"%s\", wanted \"%s\"", st.msg, msg);
}

#define VOCAB "\"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"<0x41>\": 3, \"<unk>\": 4}"
#define MODEL(extra) "\"model\": {\"type\": \"BPE\", " VOCAB ", \"merges\": [\"a b\"]" extra "}"

START_TEST(bad_tokenizer_json_is_named)
{
	/* A small character-level one loads. */
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	const char *ok = "{" MODEL(", \"unk_token\": \"<unk>\", \"byte_fallback\": true") "}";
	ck_assert_msg(tokenizer_load_json(ok, strlen(ok), "tok.json", &t, &st) == STATUS_OK, "%s", st.msg);
	expect_ids(t, "abAc", 4, 0, (int32_t[]){ 2, 3, 4 }, 3);
	tokenizer_free(t);

	expect_json_error("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", STATUS_UNSUPPORTED,
	                  "tok.json: model.type WordPiece is not supported (only BPE)");
	expect_json_error("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", STATUS_UNSUPPORTED,
	                  "tok.json: model.type Unigram is not supported (only BPE)");
	expect_json_error("{\"normalizer\": {\"type\": \"BertNormalizer\"}, " MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: normalizer: type BertNormalizer is not supported");
	expect_json_error("{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Lowercase\"}]}, " MODEL("") "}",
	                  STATUS_UNSUPPORTED, "tok.json: normalizer.normalizers[0]: type Lowercase is not supported");
	expect_json_error("{\"normalizer\": {\"prepend\": \"x\"}, " MODEL("") "}", STATUS_FORMAT,
	                  "tok.json: normalizer has no \"type\"");
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"Whitespace\"}, " MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: pre_tokenizer: type Whitespace is not supported");
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"ByteLevel\"},"
	                  " {\"type\": \"Digits\"}]}, " MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: pre_tokenizer.pretokenizers[1]: a step after ByteLevel is not supported");
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\"}, "
	                  MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: pre_tokenizer.pattern.Regex: pattern at 2: missing closing parenthesis");
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"[\\\\S]\"}, \"behavior\": \"Isolated\"}, "
	                  MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: pre_tokenizer.pattern.Regex: \\S inside a character class is not supported");
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, \"behavior\": \"Contiguous\"}, "
	                  MODEL("") "}", STATUS_UNSUPPORTED, "tok.json: pre_tokenizer.behavior Contiguous is not supported");
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, \"behavior\": \"Isolated\", "
	                  "\"invert\": true}, " MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: pre_tokenizer.invert true is not supported");
	expect_json_error("{\"decoder\": {\"type\": \"WordPiece\"}, " MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: decoder: type WordPiece is not supported");
	expect_json_error("{\"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Strip\", \"content\": \" \", "
	                  "\"start\": 1, \"stop\": 0}]}, " MODEL("") "}", STATUS_UNSUPPORTED,
	                  "tok.json: decoder.decoders[0]: Strip of each token (no Fuse before it) is not supported");
	expect_json_error("{" MODEL(", \"dropout\": 0.1") "}", STATUS_UNSUPPORTED, "tok.json: model.dropout is not supported");
	expect_json_error("{" MODEL(", \"continuing_subword_prefix\": \"##\"") "}", STATUS_UNSUPPORTED,
	                  "tok.json: model.continuing_subword_prefix is not supported");
	expect_json_error("{" MODEL(", \"unk_token\": \"<x>\"") "}", STATUS_FORMAT,
	                  "tok.json: model.unk_token '<x>' is not in model.vocab");
	expect_json_error("{" MODEL(", \"byte_fallback\": 1") "}", STATUS_FORMAT,
	                  "tok.json: model.byte_fallback is not true or false");
	expect_json_error("{\"model\": {\"type\": \"BPE\", " VOCAB ", \"merges\": [\"a b c\"]}}", STATUS_FORMAT,
	                  "tok.json: model.merges[0]: not two tokens separated by one space");
	expect_json_error("{\"model\": {\"type\": \"BPE\", " VOCAB ", \"merges\": [[\"a\"]]}}", STATUS_FORMAT,
	                  "tok.json: model.merges[0]: neither \"a b\" nor [\"a\", \"b\"]");
	expect_json_error("{\"model\": {\"type\": \"BPE\", " VOCAB ", \"merges\": [\"a b\", [\"b\", \"zz\"]]}}", STATUS_FORMAT,
	                  "tok.json: model.merges[1]: token 'zz' is not in the vocabulary");
	expect_json_error("{\"model\": {\"type\": \"BPE\", " VOCAB ", \"merges\": [\"b a\"]}}", STATUS_FORMAT,
	                  "tok.json: model.merges[0]: the merged token 'ba' is not in the vocabulary");
	expect_json_error("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}}", STATUS_FORMAT,
	                  "tok.json: model.vocab: the id of 'a' is not a non-negative integer");
	expect_json_error("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}}", STATUS_FORMAT,
	                  "tok.json: model.vocab: token 'b' has id 0, already given to another token");
	expect_json_error("{\"added_tokens\": [{\"id\": 99999999, \"content\": \"<x>\"}], " MODEL("") "}", STATUS_FORMAT,
	                  "tok.json: added_tokens[0]: needs an id and a content");
	expect_json_error("{\"added_tokens\": [{\"id\": 9000000, \"content\": \"<x>\"}], " MODEL("") "}", STATUS_FORMAT,
	                  "tok.json: added_tokens[0]: added token '<x>' has id 9000000, far past the vocabulary of 5");
	expect_json_error("{\"added_tokens\": [{\"id\": 1, \"content\": \"<x>\"}], " MODEL("") "}", STATUS_FORMAT,
	                  "tok.json: added_tokens[0]: token '<x>' has id 1, already given to another token");
	expect_json_error("{\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": "
	                  "{\"id\": \"<s>\"}}]}, " MODEL("") "}", STATUS_FORMAT,
	                  "tok.json: post_processor: the special token '<s>' is not in the vocabulary");
	/* A byte-level one needs a token for every byte. */
	expect_json_error("{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, " MODEL("") "}", STATUS_FORMAT,
	                  "tok.json: no token for byte 0x00 ('\xc4\x80')");
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(bad_config_is_named)
{
	char dir[4200], path[4300], cfg[4300];
	snprintf(dir, sizeof dir, "%s/cfg", harness_tmpdir());
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	write_file(path, "{" MODEL("") "}");
	snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	write_file(cfg, "{\"eos_token\": {\"content\": \"<unk>\"}, \"bos_token\": \"b\", \"add_bos_token\": true}");
	t = load_dir(dir);
	ck_assert_int_eq(tokenizer_eos(t), 4);
	ck_assert_int_eq(tokenizer_bos(t), 1);
	tokenizer_free(t);
	write_file(cfg, "{\"eos_token\": \"</s>\"}");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_FORMAT);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(st.msg, "/cfg/tokenizer_config.json: eos_token '</s>' is not in the vocabulary") != NULL, "%s", st.msg);
	write_file(cfg, "{\"add_bos_token\": \"yes\"}");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "/cfg/tokenizer_config.json: add_bos_token is not true or false") != NULL, "%s", st.msg);
	write_file(cfg, "{\"add_bos_token\": false,");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "/cfg/tokenizer_config.json: not valid JSON") != NULL, "%s", st.msg);
	/* config.json's ids when tokenizer_config.json names none. */
	write_file(cfg, "{}");
	snprintf(cfg, sizeof cfg, "%s/config.json", dir);
	write_file(cfg, "{\"bos_token_id\": 0, \"eos_token_id\": [3, 4]}");
	t = load_dir(dir);
	ck_assert_int_eq(tokenizer_eos(t), 3);
	ck_assert_int_eq(tokenizer_bos(t), -1); /* nothing says texts start with it */
	ck_assert_int_eq(tokenizer_bos_token(t), 0);
	tokenizer_free(t);
	write_file(cfg, "{\"eos_token_id\": 5}");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "/cfg/config.json: eos_token_id is not an id in the vocabulary of 5") != NULL, "%s", st.msg);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("tokenizer_llama");
	TCase *tc = harness_add(s, "npm", llama2_matches_llama_tokenizer_js, llama3_matches_llama3_tokenizer_js, NULL);
	tcase_set_timeout(tc, 120);
	tc = harness_add(s, "ids", llama2_sequence_ids_and_specials, llama3_sequence_ids_and_specials, metaspace_variants,
	                 byte_level_variants, unicode_normalizers, NULL);
	tcase_set_timeout(tc, 120);
	harness_add(s, "errors", bad_tokenizer_json_is_named, bad_config_is_named, NULL);
	return s;
}
