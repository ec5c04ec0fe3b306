/* engine/tokenizer: GPT-2's exact ids on the committed cases, both file
 * formats, special tokens, invalid UTF-8, streaming decode and errors. */
#include "config.h"

#include "tests/harness.h"
#include "engine/tokenizer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char gpt2_dir[4096];

static const char *fixture_dir(void)
{
	snprintf(gpt2_dir, sizeof gpt2_dir, "%s/tests/fixtures/gpt2-tokenizer", harness_srcdir());
	return gpt2_dir;
}

static struct tokenizer *load_dir(const char *dir)
{
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	enum status_code rc = tokenizer_load(dir, &t, &st);
	ck_assert_msg(rc == STATUS_OK, "load %s: %s", dir, st.msg);
	return t;
}

static void expect_ids(struct tokenizer *t, const char *text, size_t len, unsigned flags,
                       const int32_t *want, size_t n_want)
{
	struct tokenizer_ids ids = { 0 };
	struct status st = STATUS_INIT;
	ck_assert_int_eq(tokenizer_encode(t, text, len, flags, &ids, &st), STATUS_OK);
	int same = ids.n == n_want && (n_want == 0 || memcmp(ids.ids, want, n_want * sizeof *want) == 0);
	if (!same) {
		char got[512] = "";
		for (size_t i = 0; i < ids.n && strlen(got) < 480; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%d ", ids.ids[i]);
		ck_abort_msg("ids of \"%.60s\": got %s(%zu ids), wanted %zu ids", text, got, ids.n, n_want);
	}
	tokenizer_ids_free(&ids);
}

static void expect_round_trip(struct tokenizer *t, const char *text, size_t len, unsigned flags)
{
	struct tokenizer_ids ids = { 0 };
	struct status st = STATUS_INIT;
	ck_assert_int_eq(tokenizer_encode(t, text, len, flags, &ids, &st), STATUS_OK);
	char *back;
	size_t blen;
	ck_assert_int_eq(tokenizer_decode(t, ids.ids, ids.n, &back, &blen, &st), STATUS_OK);
	ck_assert_uint_eq(blen, len);
	ck_assert(memcmp(back, text, len) == 0);
	free(back);
	tokenizer_ids_free(&ids);
}

/* Every case in cases.jsonl (made with GPT-2's encoder, see gen_cases.js). */
static size_t check_cases(struct tokenizer *t)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/cases.jsonl", fixture_dir());
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s", path);
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		/* JSON_ALLOW_NUL: one case holds U+0000. */
		json_t *c = json_loadb(line, (size_t)len, JSON_ALLOW_NUL, &e);
		ck_assert_msg(c != NULL, "%s line %zu: %s", path, n + 1, e.text);
		json_t *text = json_object_get(c, "text"), *jids = json_object_get(c, "ids");
		ck_assert(json_is_string(text) && json_is_array(jids));
		size_t nw = json_array_size(jids);
		int32_t *want = malloc((nw + 1) * sizeof *want);
		for (size_t i = 0; i < nw; i++)
			want[i] = (int32_t)json_integer_value(json_array_get(jids, i));
		/* The generator does not know specials: compare with them off. */
		expect_ids(t, json_string_value(text), json_string_length(text), TOKENIZER_NO_SPECIAL, want, nw);
		expect_round_trip(t, json_string_value(text), json_string_length(text), 0);
		free(want);
		json_decref(c);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

START_TEST(hello_world)
{
	struct tokenizer *t = load_dir(fixture_dir());
	expect_ids(t, "Hello world", 11, 0, (int32_t[]){ 15496, 995 }, 2);
	ck_assert_uint_eq(tokenizer_vocab_size(t), 50257);
	ck_assert_int_eq(tokenizer_token_id(t, "\xc4\xa0world"), 995); /* "Ġworld" */
	ck_assert_int_eq(tokenizer_token_id(t, "<|endoftext|>"), 50256);
	ck_assert_int_eq(tokenizer_token_id(t, "no such token"), -1);
	size_t len;
	const char *b = tokenizer_token_bytes(t, 995, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert(memcmp(b, " world", 6) == 0);
	ck_assert_ptr_null(tokenizer_token_bytes(t, 50257, &len));
	ck_assert_ptr_null(tokenizer_token_bytes(t, -1, &len));
	tokenizer_free(t);
}
END_TEST

START_TEST(matches_gpt2_on_every_case)
{
	struct tokenizer *t = load_dir(fixture_dir());
	size_t n = check_cases(t);
	ck_assert_uint_ge(n, 700);
	/* Again, now from the word cache. */
	ck_assert_uint_eq(check_cases(t), n);
	tokenizer_free(t);
}
END_TEST

START_TEST(special_tokens)
{
	struct tokenizer *t = load_dir(fixture_dir());
	const char *s = "a<|endoftext|>b <|endoftext|><|endoftext|>";
	expect_ids(t, s, strlen(s), 0, (int32_t[]){ 64, 50256, 65, 220, 50256, 50256 }, 6);
	/* Off: the text is plain text, as GPT-2's encoder.py treats it. */
	expect_ids(t, "<|endoftext|>", 13, TOKENIZER_NO_SPECIAL,
	           (int32_t[]){ 27, 91, 437, 1659, 5239, 91, 29 }, 7);
	expect_round_trip(t, s, strlen(s), 0);
	expect_round_trip(t, s, strlen(s), TOKENIZER_NO_SPECIAL);
	/* A partial special is plain text. */
	expect_ids(t, "<|endoftext", 11, 0, (int32_t[]){ 27, 91, 437, 1659, 5239 }, 5);
	tokenizer_free(t);
}
END_TEST

START_TEST(invalid_utf8_still_encodes)
{
	struct tokenizer *t = load_dir(fixture_dir());
	static const char *texts[] = {
		"\xff", "\xc3", "abc\xff\xfe def", "caf\xc3", "\xe2\x82 euro cut", "\xed\xa0\x80 surrogate",
		"\xc0\xaf overlong", " \xf0\x9f\x98 emoji cut ", "x\x80\x80\x80y", "\xc3\xa9\xc3",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		expect_round_trip(t, texts[i], strlen(texts[i]), 0);
	/* A lone invalid byte is its byte token: 0xff is 'ÿ', id 187 in GPT-2. */
	expect_ids(t, "\xff", 1, 0, (int32_t[]){ 187 }, 1);
	/* The bytes around it split as they would without it. */
	expect_ids(t, "Hello\xff world", 12, 0, (int32_t[]){ 15496, 187, 995 }, 3);
	/* Every byte value, and random bytes, come back exactly. */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	expect_round_trip(t, all, sizeof all, 0);
	unsigned seed = 12345;
	char buf[4000];
	for (int r = 0; r < 50; r++) {
		size_t n = (size_t)(r * 80);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (char)(seed >> 16);
		}
		expect_round_trip(t, buf, n, 0);
	}
	tokenizer_free(t);
}
END_TEST

/* A 200 kB word (letters only, so one pre-token) must not take quadratic
 * time: the case timeout fails a quadratic merge loop. */
START_TEST(long_words_encode_fast)
{
	struct tokenizer *t = load_dir(fixture_dir());
	size_t n = 200000;
	char *w = malloc(n);
	unsigned seed = 99;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		w[i] = (char)('a' + (seed >> 16) % 26);
	}
	expect_round_trip(t, w, n, 0);
	memset(w, ' ', n);
	expect_round_trip(t, w, n, 0);
	free(w);
	tokenizer_free(t);
}
END_TEST

START_TEST(stream_decode_holds_unfinished_characters)
{
	struct tokenizer *t = load_dir(fixture_dir());
	const char *text = "emoji 😀👍🏽 and 中文 — done";
	struct tokenizer_ids ids = { 0 };
	struct status st = STATUS_INIT;
	ck_assert_int_eq(tokenizer_encode(t, text, strlen(text), 0, &ids, &st), STATUS_OK);
	/* 😀 is two tokens (its bytes split mid-character): the test needs that. */
	size_t split = 0, off = 0;
	for (size_t i = 0; i < ids.n && !split; i++) {
		size_t len;
		tokenizer_token_bytes(t, ids.ids[i], &len);
		off += len;
		if (off < strlen(text) && ((unsigned char)text[off] & 0xC0) == 0x80)
			split = i + 1;
	}
	ck_assert_uint_gt(split, 0);
	struct tokenizer_stream s = { 0 };
	char out[256];
	size_t o = 0;
	for (size_t i = 0; i < ids.n; i++) {
		const char *chunk;
		size_t len;
		ck_assert_int_eq(tokenizer_stream_push(t, &s, ids.ids[i], &chunk, &len, &st), STATUS_OK);
		/* Each chunk ends on a character boundary: never a lead byte waiting. */
		if (len) {
			unsigned char last = (unsigned char)chunk[len - 1];
			ck_assert(last < 0x80 || (last & 0xC0) == 0x80);
		}
		memcpy(out + o, chunk, len);
		o += len;
	}
	size_t rest;
	const char *tail = tokenizer_stream_flush(&s, &rest);
	ck_assert_uint_eq(rest, 0);
	(void)tail;
	ck_assert_uint_eq(o, strlen(text));
	ck_assert(memcmp(out, text, o) == 0);

	/* Ids that stop mid-character: the stream holds the bytes, flush returns
	 * them, and one-shot decode gives the same raw bytes. */
	size_t n = split;
	o = 0;
	for (size_t i = 0; i < n; i++) {
		const char *chunk;
		size_t len;
		ck_assert_int_eq(tokenizer_stream_push(t, &s, ids.ids[i], &chunk, &len, &st), STATUS_OK);
		memcpy(out + o, chunk, len);
		o += len;
	}
	tail = tokenizer_stream_flush(&s, &rest);
	ck_assert_uint_ge(rest, 1);
	memcpy(out + o, tail, rest);
	o += rest;
	char *one;
	size_t olen;
	ck_assert_int_eq(tokenizer_decode(t, ids.ids, n, &one, &olen, &st), STATUS_OK);
	ck_assert_uint_eq(olen, o);
	ck_assert(memcmp(one, out, o) == 0);
	free(one);

	const char *chunk;
	size_t len;
	ck_assert_int_eq(tokenizer_stream_push(t, &s, 50257, &chunk, &len, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "id 50257 is out of range (vocabulary of 50257)");
	tokenizer_stream_free(&s);
	tokenizer_ids_free(&ids);
	tokenizer_free(t);
}
END_TEST

START_TEST(decode_rejects_unknown_ids)
{
	struct tokenizer *t = load_dir(fixture_dir());
	struct status st = STATUS_INIT;
	char *text;
	size_t len;
	ck_assert_int_eq(tokenizer_decode(t, (int32_t[]){ 15496, -3 }, 2, &text, &len, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "id -3 is out of range (vocabulary of 50257)");
	ck_assert_int_eq(tokenizer_decode(t, NULL, 0, &text, &len, &st), STATUS_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(text, "");
	free(text);
	tokenizer_free(t);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "create %s", path);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* A Hugging Face tokenizer.json holding GPT-2's vocab and merges; `pairs`
 * writes merges as ["a", "b"] (tokenizers >= 0.20) instead of "a b". */
static void make_tokenizer_json(const char *dir, int pairs)
{
	char path[4200];
	size_t len;
	snprintf(path, sizeof path, "%s/vocab.json", fixture_dir());
	char *vtext = slurp(path, &len);
	json_t *vocab = json_loadb(vtext, len, 0, NULL);
	ck_assert_ptr_nonnull(vocab);
	free(vtext);
	/* Like Hugging Face's file, the special is an added token, not in model.vocab. */
	json_object_del(vocab, "<|endoftext|>");
	snprintf(path, sizeof path, "%s/merges.txt", fixture_dir());
	char *mtext = slurp(path, &len);
	json_t *merges = json_array();
	char *save = NULL;
	for (char *line = strtok_r(mtext, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (pairs) {
			char *sp = strchr(line, ' ');
			*sp = '\0';
			json_array_append_new(merges, json_pack("[ss]", line, sp + 1));
		} else {
			json_array_append_new(merges, json_string(line));
		}
	}
	free(mtext);
	json_t *root = json_pack("{s:s, s:[{s:i, s:s, s:b, s:b}], s:n, s:{s:s, s:b, s:b, s:b}, s:{s:s, s:n, s:o, s:o}}",
	                         "version", "1.0",
	                         "added_tokens", "id", 50256, "content", "<|endoftext|>", "special", 1, "normalized", 0,
	                         "normalizer",
	                         "pre_tokenizer", "type", "ByteLevel", "add_prefix_space", 0, "trim_offsets", 1,
	                         "use_regex", 1,
	                         "model", "type", "BPE", "dropout", "vocab", vocab, "merges", merges);
	ck_assert_ptr_nonnull(root);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	ck_assert_int_eq(json_dump_file(root, path, JSON_COMPACT), 0);
	json_decref(root);
}

START_TEST(tokenizer_json_with_string_merges)
{
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/tj-strings", harness_tmpdir());
	make_tokenizer_json(dir, 0);
	struct tokenizer *t = load_dir(dir);
	ck_assert_uint_eq(tokenizer_vocab_size(t), 50257);
	ck_assert_uint_ge(check_cases(t), 700);
	const char *s = "x<|endoftext|>y";
	expect_ids(t, s, strlen(s), 0, (int32_t[]){ 87, 50256, 88 }, 3);
	tokenizer_free(t);
}
END_TEST

START_TEST(tokenizer_json_with_pair_merges)
{
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/tj-pairs", harness_tmpdir());
	make_tokenizer_json(dir, 1);
	struct tokenizer *t = load_dir(dir);
	ck_assert_uint_ge(check_cases(t), 700);
	tokenizer_free(t);
}
END_TEST

/* Loading vocab/merges text must fail with exactly `msg`. */
static void expect_bpe_error(const char *vocab, const char *merges, const char *msg)
{
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	enum status_code rc = tokenizer_load_bpe(vocab, strlen(vocab), merges, strlen(merges), "tok", &t, &st);
	ck_assert_int_eq(rc, STATUS_FORMAT);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(st.msg, msg);
}

/* A vocab.json with the 256 byte tokens (ids 0..255) plus `extra`. */
static char *byte_vocab(const char *extra)
{
	json_t *v = json_object();
	for (int b = 0; b < 256; b++) {
		uint32_t cp = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174 ? (uint32_t)b : 0;
		if (!cp) {
			int n = 0;
			for (int x = 0; x < b; x++)
				if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174))
					n++;
			cp = 0x100 + (uint32_t)n;
		}
		char k[3] = { 0 };
		if (cp < 0x80) {
			k[0] = (char)cp;
		} else {
			k[0] = (char)(0xC0 | (cp >> 6));
			k[1] = (char)(0x80 | (cp & 0x3F));
		}
		json_object_set_new(v, k, json_integer(b));
	}
	json_t *e = json_loads(extra, 0, NULL);
	json_object_update(v, e);
	json_decref(e);
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	return s;
}

START_TEST(bad_files_are_named)
{
	char *v = byte_vocab("{\"ab\": 256, \"abc\": 257}");
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(tokenizer_load_bpe(v, strlen(v), "#version: 0.2\na b\nab c\n", 23, "tok", &t, &st), STATUS_OK);
	expect_ids(t, "abc abd", 7, 0, (int32_t[]){ 257, 32, 256, 100 }, 4);
	tokenizer_free(t);

	expect_bpe_error("{\"a\": 1,}", "", "tok/vocab.json: not valid JSON: string or '}' expected near '}' (line 1, byte 9)");
	expect_bpe_error("[1, 2]", "", "tok/vocab.json is not a JSON object");
	expect_bpe_error("{\"a\": \"x\"}", "", "tok/vocab.json: the id of 'a' is not a non-negative integer");
	expect_bpe_error("{\"a\": 99999999999}", "", "tok/vocab.json: the id 99999999999 of 'a' is too large");
	expect_bpe_error("{\"a\": 70000}", "", "tok/vocab.json: id 70000 is far past its 1 entries");
	expect_bpe_error("{\"a\": 1, \"b\": 1}", "", "tok/vocab.json: token 'b' has id 1, already given to another token");
	expect_bpe_error(v, "#version: 0.2\na b\nab\n", "tok/merges.txt line 3: not two tokens separated by one space");
	expect_bpe_error(v, "a  b\n", "tok/merges.txt line 1: not two tokens separated by one space");
	expect_bpe_error(v, "a b\n\nab c\n", "tok/merges.txt line 2: not two tokens separated by one space");
	expect_bpe_error(v, "a b\nab zz\n", "tok/merges.txt line 2: token 'zz' is not in the vocabulary");
	expect_bpe_error(v, "b c\n", "tok/merges.txt line 1: the merged token 'bc' is not in the vocabulary");
	expect_bpe_error("{\"a\": 0}", "", "tok/vocab.json: no token for byte 0x00 ('\xc4\x80')");
	free(v);

	ck_assert_int_eq(tokenizer_load("/nonexistent/tok", &t, &st), STATUS_IO);
	ck_assert_str_eq(st.msg, "tokenizer folder /nonexistent/tok: No such file or directory");
	ck_assert_int_eq(tokenizer_load(harness_tmpdir(), &t, &st), STATUS_IO);
	ck_assert_msg(strstr(st.msg, ": no vocab.json and merges.txt, nor tokenizer.json") != NULL, "%s", st.msg);

	char dir[4200], path[4300];
	snprintf(dir, sizeof dir, "%s/bad-json", harness_tmpdir());
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	write_file(path, "{\"model\": {\"type\": \"WordPiece\"}}");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "tokenizer.json: model.type WordPiece is not supported (only BPE)") != NULL, "%s", st.msg);
	write_file(path, "{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []},"
	           " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "tokenizer.json: model.vocab is empty") != NULL, "%s", st.msg);
	write_file(path, "{\"model\": {\"type\": \"BPE\"}, \"pre_tokenizer\": {\"type\": \"Whitespace\"}}");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_UNSUPPORTED);
	ck_assert_msg(strstr(st.msg, "tokenizer.json: pre_tokenizer: type Whitespace is not supported") != NULL, "%s", st.msg);
	write_file(path, "{\"model\": {");
	ck_assert_int_eq(tokenizer_load(dir, &t, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, "/bad-json/tokenizer.json: not valid JSON: ") != NULL && strstr(st.msg, "(line 1, byte ") != NULL, "%s", st.msg);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("tokenizer");
	TCase *tc = harness_add(s, "gpt2", hello_world, matches_gpt2_on_every_case, special_tokens,
	                        invalid_utf8_still_encodes, long_words_encode_fast, stream_decode_holds_unfinished_characters,
	                        decode_rejects_unknown_ids, NULL);
	tcase_set_timeout(tc, 60);
	tc = harness_add(s, "tokenizer_json", tokenizer_json_with_string_merges, tokenizer_json_with_pair_merges, NULL);
	tcase_set_timeout(tc, 60);
	harness_add(s, "errors", bad_files_are_named, NULL);
	return s;
}
