/* Fuzz harness for the tokenizer: its three file parsers, encoding, decoding
 * and the BPE trainer (see tests/fuzz.h). The first byte of an input picks
 * what the rest is:
 *   'j'  a tokenizer.json
 *   'v'  a vocab.json, a NUL byte, then a merges.txt
 *   'e'  text to encode with a small built-in tokenizer (specials on)
 *   'n'  the same with specials off
 *   's'  text to encode with a small SentencePiece-style tokenizer.json
 *        (Prepend/Replace, byte_fallback, unk, added tokens with lstrip/rstrip)
 *   'm'  the same with a Metaspace pre-tokenizer that splits
 *   'l'  text to encode with a small Llama 3-style one (Split regex +
 *        ByteLevel, ignore_merges, Digits)
 *   't'  text to train a 300-entry BPE on
 * A parsed tokenizer then encodes and decodes a fixed text and the input;
 * every encoding of plain text must decode back to its bytes exactly where
 * the kind promises it (byte-level without a prefix space or normalizer;
 * SentencePiece-style without "▁" in the text), under every flag; streaming
 * decode must give the same bytes as one-shot decode, also for ids read from
 * the input (some out of range, which both must refuse alike). */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/bpe_train.h"
#include "engine/bytelevel.h"
#include "engine/tokenizer.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Encodes `text`, checks decode(encode(text)) == text both ways when
 * `exact` (and specials are off). */
static void round_trip_if(struct tokenizer *t, const char *text, size_t len, unsigned flags, int exact)
{
	struct tokenizer_ids ids = { 0 };
	struct status st = STATUS_INIT;
	if (tokenizer_encode(t, text, len, flags, &ids, &st) != STATUS_OK) {
		fprintf(stderr, "encode failed: %s\n", st.msg);
		abort();
	}
	for (size_t i = 0; i < ids.n; i++)
		if (ids.ids[i] < 0 || (size_t)ids.ids[i] >= tokenizer_vocab_size(t))
			abort();
	char *back;
	size_t blen;
	if (tokenizer_decode(t, ids.ids, ids.n, &back, &blen, &st) != STATUS_OK) {
		fprintf(stderr, "decode failed: %s\n", st.msg);
		abort();
	}
	/* Added tokens decode to their own text, so only plain text is exact
	 * when specials are on and a tokenizer.json adds odd ones. */
	if (exact && (flags & TOKENIZER_NO_SPECIAL) && (blen != len || memcmp(back, text, len) != 0)) {
		fprintf(stderr, "round trip differs (%zu -> %zu bytes)\n", len, blen);
		abort();
	}
	struct tokenizer_stream s = { 0 };
	size_t o = 0;
	for (size_t i = 0; i < ids.n; i++) {
		const char *chunk;
		size_t n;
		if (tokenizer_stream_push(t, &s, ids.ids[i], &chunk, &n, &st) != STATUS_OK ||
		    o + n > blen || memcmp(back + o, chunk, n) != 0)
			abort();
		o += n;
	}
	size_t n;
	const char *tail = tokenizer_stream_flush(&s, &n);
	if (o + n != blen || memcmp(back + o, tail, n) != 0)
		abort();
	tokenizer_stream_free(&s);
	free(back);
	/* A continuation decodes with decode_more, and a continued stream alike. */
	if (tokenizer_decode_more(t, ids.ids, ids.n, &back, &blen, &st) != STATUS_OK)
		abort();
	s.cont = 1;
	o = 0;
	for (size_t i = 0; i < ids.n; i++) {
		const char *chunk;
		if (tokenizer_stream_push(t, &s, ids.ids[i], &chunk, &n, &st) != STATUS_OK || o + n > blen ||
		    memcmp(back + o, chunk, n) != 0)
			abort();
		o += n;
	}
	tail = tokenizer_stream_flush(&s, &n);
	if (o + n != blen || memcmp(back + o, tail, n) != 0)
		abort();
	tokenizer_stream_free(&s);
	free(back);
	tokenizer_ids_free(&ids);
}

static void round_trip(struct tokenizer *t, const char *text, size_t len, unsigned flags)
{
	round_trip_if(t, text, len, flags, 1);
}

/* Ids taken from the input bytes (some out of range): one-shot and streaming
 * decode agree, on the bytes and on the first bad id. */
static void decode_ids(struct tokenizer *t, const uint8_t *data, size_t len)
{
	int32_t ids[512];
	size_t n = 0;
	int64_t range = (int64_t)tokenizer_vocab_size(t) + 8;
	for (size_t i = 0; i + 1 < len && n < 512; i += 2)
		ids[n++] = (int32_t)(((int64_t)data[i] << 8 | data[i + 1]) % range) - 4;
	struct status st = STATUS_INIT, st2 = STATUS_INIT;
	char *text = NULL;
	size_t tlen = 0;
	enum status_code rc = tokenizer_decode(t, ids, n, &text, &tlen, &st);
	struct tokenizer_stream s = { 0 };
	size_t o = 0;
	enum status_code rc2 = STATUS_OK;
	for (size_t i = 0; i < n && rc2 == STATUS_OK; i++) {
		const char *chunk;
		size_t k;
		rc2 = tokenizer_stream_push(t, &s, ids[i], &chunk, &k, &st2);
		if (rc2 == STATUS_OK && rc == STATUS_OK && (o + k > tlen || memcmp(text + o, chunk, k) != 0))
			abort();
		o += rc2 == STATUS_OK ? k : 0;
	}
	if (rc != rc2 || (rc != STATUS_OK && strcmp(st.msg, st2.msg) != 0))
		abort();
	size_t k;
	const char *tail = tokenizer_stream_flush(&s, &k);
	if (rc == STATUS_OK && (o + k != tlen || memcmp(text + o, tail, k) != 0))
		abort();
	tokenizer_stream_free(&s);
	free(text);
}

static void exercise(struct tokenizer *t, const uint8_t *text, size_t len, int exact)
{
	decode_ids(t, text, len);
	static const char fixed[] = "Hello world! I'm 42 \xc3\xa9t\xc3\xa9s <|endoftext|>\n\n  \xff end";
	static const unsigned flags[] = { 0, TOKENIZER_NO_SPECIAL, TOKENIZER_BOS | TOKENIZER_NO_SPECIAL,
	                                  TOKENIZER_CONTINUE | TOKENIZER_NO_SPECIAL, TOKENIZER_BOS | TOKENIZER_CONTINUE };
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
		/* BOS adds an id; continued SentencePiece text loses a leading space. */
		int ex = exact == 1 || (exact == 2 && !(flags[i] & TOKENIZER_CONTINUE));
		ex = ex && !(flags[i] & TOKENIZER_BOS && tokenizer_bos(t) >= 0);
		round_trip_if(t, fixed, sizeof fixed - 1, flags[i], ex);
		/* "▁" decodes as a space; [tool] (not special) takes the spaces beside it. */
		int plain = !memmem(text, len, "\xe2\x96\x81", 3) && !memmem(text, len, "[tool]", 6);
		round_trip_if(t, (const char *)text, len, flags[i], ex && (exact == 1 || plain));
	}
}

/* Whether a tokenizer.json promises exact round trips: byte-level (GPT-2's
 * ByteLevel alone, no prefix space), no normalizer. */
static int json_exact(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	json_t *pre = json_object_get(j, "pre_tokenizer"), *norm = json_object_get(j, "normalizer");
	const char *type = json_string_value(json_object_get(pre, "type"));
	int exact = type && strcmp(type, "ByteLevel") == 0 && !json_is_true(json_object_get(pre, "add_prefix_space")) &&
	            (!norm || json_is_null(norm));
	json_decref(j);
	return exact;
}

/* A small GPT-2-like tokenizer: the 256 bytes, a few merges, <|endoftext|>. */
static struct tokenizer *builtin(void)
{
	static struct tokenizer *t;
	if (t)
		return t;
	static const char *merges[] = { "\xc4\xa0 t", "h e", "\xc4\xa0t he", "i n", "\xc4\xa0 a", "e r", "o n",
	                                "\xc4\xa0 s", "\xc4\x8a \xc4\x8a", "\xc4\xa0 \xc4\xa0", "\xc3\x83 \xc2\xa9",
	                                "in g", "\xc4\xa0" "a n", "1 2", "' s", NULL };
	json_t *v = json_object();
	int id = 0;
	for (int b = 0; b < 256; b++) {
		for (int x = 0; x < 256; x++) {
			if (bytelevel_order((uint8_t)x) != b)
				continue;
			char k[3] = { 0 };
			bytelevel_encode((uint8_t[]){ (uint8_t)x }, 1, k);
			json_object_set_new(v, k, json_integer(id++));
		}
	}
	char m[4096] = "#version: 0.2\n";
	for (int i = 0; merges[i]; i++) {
		char ab[64];
		const char *sp = strchr(merges[i], ' ');
		snprintf(ab, sizeof ab, "%.*s%s", (int)(sp - merges[i]), merges[i], sp + 1);
		json_object_set_new(v, ab, json_integer(id++));
		strcat(m, merges[i]);
		strcat(m, "\n");
	}
	json_object_set_new(v, "<|endoftext|>", json_integer(id++));
	char *vt = json_dumps(v, JSON_COMPACT);
	struct status st = STATUS_INIT;
	if (!vt || tokenizer_load_bpe(vt, strlen(vt), m, strlen(m), "builtin", &t, &st) != STATUS_OK) {
		fprintf(stderr, "builtin tokenizer: %s\n", st.msg);
		abort();
	}
	free(vt);
	json_decref(v);
	return t;
}

/* Small tokenizer.json files of the other kinds, made once. */
static struct tokenizer *from_json(json_t *root)
{
	char *text = json_dumps(root, JSON_COMPACT);
	struct tokenizer *t;
	struct status st = STATUS_INIT;
	if (!text || tokenizer_load_json(text, strlen(text), "builtin", &t, &st) != STATUS_OK) {
		fprintf(stderr, "builtin tokenizer.json: %s\n", st.msg);
		abort();
	}
	free(text);
	json_decref(root);
	return t;
}

/* SentencePiece-style: <unk> <s> </s>, the 256 byte tokens, some characters
 * and merges; `metaspace`: a Metaspace pre-tokenizer instead of Prepend. */
static struct tokenizer *builtin_sp(int metaspace)
{
	static struct tokenizer *t[2];
	if (t[metaspace])
		return t[metaspace];
	json_t *v = json_pack("{s:i, s:i, s:i}", "<unk>", 0, "<s>", 1, "</s>", 2);
	int id = 3;
	for (int b = 0; b < 256; b++) {
		char k[8];
		snprintf(k, sizeof k, "<0x%02X>", b);
		json_object_set_new(v, k, json_integer(id++));
	}
	static const char *chars[] = { "\xe2\x96\x81", "a", "b", "c", "e", "h", "t", "1", "2", "\xc3\xa9", "\xe4\xb8\xad",
	                               "\xe2\x96\x81t", "he", "\xe2\x96\x81the", "ab", "12",
	                               "\xe2\x96\x81\xe2\x96\x81", NULL };
	for (int i = 0; chars[i]; i++)
		json_object_set_new(v, chars[i], json_integer(id++));
	json_t *merges = json_pack("[s, s, s, s, s, s]", "\xe2\x96\x81 t", "h e", "\xe2\x96\x81t he", "a b", "1 2",
	                           "\xe2\x96\x81 \xe2\x96\x81");
	json_t *added = json_pack("[{s:i, s:s, s:b}, {s:i, s:s, s:b}, {s:i, s:s, s:b}, {s:i, s:s, s:b, s:b, s:b}]",
	                          "id", 0, "content", "<unk>", "special", 1, "id", 1, "content", "<s>", "special", 1,
	                          "id", 2, "content", "</s>", "special", 1, "id", id, "content", "[tool]",
	                          "special", 0, "lstrip", 1, "rstrip", 1);
	json_t *root = json_pack("{s:o, s:{s:s, s:o, s:o, s:s, s:b, s:b}, s:{s:s, s:[{s:s, s:{s:s}, s:s}, {s:s},"
	                         " {s:s}, {s:s, s:s, s:i, s:i}]}, s:{s:s, s:[{s:{s:s}}, {s:{s:s}}], s:{}}}",
	                         "added_tokens", added, "model", "type", "BPE", "vocab", v, "merges", merges,
	                         "unk_token", "<unk>", "byte_fallback", 1, "fuse_unk", 1,
	                         "decoder", "type", "Sequence", "decoders", "type", "Replace", "pattern", "String",
	                         "\xe2\x96\x81", "content", " ", "type", "ByteFallback", "type", "Fuse",
	                         "type", "Strip", "content", " ", "start", 1, "stop", 0,
	                         "post_processor", "type", "TemplateProcessing", "single", "SpecialToken", "id", "<s>",
	                         "Sequence", "id", "A", "special_tokens");
	if (metaspace)
		json_object_set_new(root, "pre_tokenizer", json_pack("{s:s, s:s, s:s, s:b}", "type", "Metaspace",
		                                                     "replacement", "\xe2\x96\x81", "prepend_scheme",
		                                                     "always", "split", 1));
	else
		json_object_set_new(root, "normalizer",
		                    json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:{s:s}, s:s}]}", "type", "Sequence", "normalizers",
		                              "type", "Prepend", "prepend", "\xe2\x96\x81", "type", "Replace", "pattern",
		                              "String", " ", "content", "\xe2\x96\x81"));
	return t[metaspace] = from_json(root);
}

/* Llama 3-style: byte-level, Digits then Llama 3's Split, ignore_merges. */
static struct tokenizer *builtin_l3(void)
{
	static struct tokenizer *t;
	if (t)
		return t;
	json_t *v = json_object();
	for (int x = 0; x < 256; x++) {
		char k[3] = { 0 };
		bytelevel_encode((uint8_t[]){ (uint8_t)x }, 1, k);
		json_object_set_new(v, k, json_integer(bytelevel_order((uint8_t)x)));
	}
	static const char *merged[] = { "\xc4\xa0t", "he", "\xc4\xa0the", "in", "12", "\xc4\xa0\xc4\xa0", "'s", NULL };
	int id = 256;
	for (int i = 0; merged[i]; i++)
		json_object_set_new(v, merged[i], json_integer(id++));
	json_object_set_new(v, "ing", json_integer(id++)); /* reachable only whole (ignore_merges) */
	json_t *merges = json_pack("[[s,s], [s,s], [s,s], [s,s], [s,s], [s,s], [s,s]]", "\xc4\xa0", "t", "h", "e",
	                           "\xc4\xa0t", "he", "i", "n", "1", "2", "\xc4\xa0", "\xc4\xa0", "'", "s");
	static const char l3[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
	                         " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
	json_t *root = json_pack("{s:[{s:i, s:s, s:b}, {s:i, s:s, s:b, s:b}], s:{s:s, s:[{s:s, s:b}, {s:s, s:{s:s},"
	                         " s:s}, {s:s, s:b}]}, s:{s:s, s:o, s:o, s:b}, s:{s:s}}",
	                         "added_tokens", "id", id, "content", "<|begin_of_text|>", "special", 1,
	                         "id", id + 1, "content", "<|eot_id|>", "special", 1, "rstrip", 1,
	                         "pre_tokenizer", "type", "Sequence", "pretokenizers", "type", "Digits",
	                         "individual_digits", 0, "type", "Split", "pattern", "Regex", l3, "behavior", "Isolated",
	                         "type", "ByteLevel", "use_regex", 0,
	                         "model", "type", "BPE", "vocab", v, "merges", merges, "ignore_merges", 1,
	                         "decoder", "type", "ByteLevel");
	return t = from_json(root);
}

/* A refusal names the input ("fuzz..."), on one line. */
static void check_refusal(const struct status *st)
{
	if (st->code == STATUS_OK || strncmp(st->msg, "fuzz", 4) != 0 || strchr(st->msg, '\n')) {
		fprintf(stderr, "bad message (code %d): %s\n", st->code, st->msg);
		abort();
	}
}

int fuzz_accepts(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *rest = (const char *)data + 1;
	size_t n = size - 1;
	struct tokenizer *t = NULL;
	struct status st = STATUS_INIT;
	switch (data[0]) {
	case 'j':
		if (tokenizer_load_json(rest, n, "fuzz", &t, &st) != STATUS_OK) {
			fuzz_check_message(&st, "fuzz");
			return 0;
		}
		exercise(t, data, size, json_exact(rest, n));
		tokenizer_free(t);
		return 1;
	case 's':
	case 'm':
		/* Exact unless the text holds "▁"; Metaspace loses a leading space. */
		t = builtin_sp(data[0] == 'm');
		exercise(t, (const uint8_t *)rest, n, data[0] == 'm' ? (n && rest[0] != ' ' ? 2 : 0) : 2);
		return 1;
	case 'l':
		exercise(builtin_l3(), (const uint8_t *)rest, n, 1);
		return 1;
	case 'v': {
		const char *nul = memchr(rest, '\0', n);
		size_t vlen = nul ? (size_t)(nul - rest) : n;
		const char *merges = nul ? nul + 1 : "";
		size_t mlen = nul ? n - vlen - 1 : 0;
		if (tokenizer_load_bpe(rest, vlen, merges, mlen, "fuzz", &t, &st) != STATUS_OK) {
			check_refusal(&st);
			return 0;
		}
		break;
	}
	case 'e':
	case 'n':
		round_trip(builtin(), rest, n, data[0] == 'n' ? TOKENIZER_NO_SPECIAL : 0);
		decode_ids(builtin(), data, size);
		return 1;
	case 't': {
		struct bpe_train *tr;
		if (bpe_train_new(&tr, &st) != STATUS_OK || bpe_train_add_text(tr, rest, n, &st) != STATUS_OK ||
		    bpe_train_run(tr, 300, NULL, &st) != STATUS_OK)
			abort();
		if (bpe_train_vocab_size(tr) > 300 || bpe_train_merge_count(tr) > 300 - 257)
			abort();
		bpe_train_free(tr);
		return 1;
	}
	default:
		return 0;
	}
	exercise(t, data, size, 1);
	tokenizer_free(t);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
