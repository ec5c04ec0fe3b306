/* engine/bpe_train: merges in the expected order, files GPT-2's loader reads
 * back, exact round trips, determinism. */
#include "config.h"

#include "tests/harness.h"
#include "engine/bpe_train.h"
#include "engine/bytelevel.h"
#include "engine/pretok.h"
#include "engine/readfile.h"
#include "engine/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct bpe_train *train_text(const char *text, size_t vocab)
{
	struct bpe_train *tr;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(bpe_train_new(&tr, &st), STATUS_OK);
	ck_assert_int_eq(bpe_train_add_text(tr, text, strlen(text), &st), STATUS_OK);
	ck_assert_msg(bpe_train_run(tr, vocab, NULL, &st) == STATUS_OK, "%s", st.msg);
	return tr;
}

static char *slurp(const char *dir, const char *name)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	char *data;
	size_t len;
	struct status st = STATUS_INIT;
	ck_assert_msg(readfile(path, 1 << 26, &data, &len, &st) == STATUS_OK, "%s", st.msg);
	return data;
}

/* Words "ab" x1, " ab" x2, " abc" x1: a+b occurs 4 times, then Ġ+ab 3 times,
 * then Ġab+c once; the special cuts "ab<|endoftext|>ab" into two words. */
START_TEST(toy_corpus_known_merges)
{
	struct bpe_train *tr = train_text("ab ab ab abc", 260);
	ck_assert_uint_eq(bpe_train_merge_count(tr), 3);
	ck_assert_uint_eq(bpe_train_vocab_size(tr), 260);
	const char *b, *a;
	a = bpe_train_merge(tr, 0, &b);
	ck_assert_str_eq(a, "a");
	ck_assert_str_eq(b, "b");
	a = bpe_train_merge(tr, 1, &b);
	ck_assert_str_eq(a, "\xc4\xa0"); /* Ġ, the space */
	ck_assert_str_eq(b, "ab");
	a = bpe_train_merge(tr, 2, &b);
	ck_assert_str_eq(a, "\xc4\xa0" "ab");
	ck_assert_str_eq(b, "c");

	char dir[4200];
	snprintf(dir, sizeof dir, "%s/toy", harness_tmpdir());
	struct status st = STATUS_INIT;
	ck_assert_int_eq(bpe_train_save(tr, dir, &st), STATUS_OK);
	bpe_train_free(tr);
	char *merges = slurp(dir, "merges.txt");
	ck_assert_str_eq(merges, "#version: 0.2\na b\n\xc4\xa0 ab\n\xc4\xa0" "ab c\n");
	free(merges);
	char *vocab = slurp(dir, "vocab.json");
	/* GPT-2's base order: '!' is 0, the space (Ġ) 220, then the merges, then the special. */
	ck_assert(strncmp(vocab, "{\"!\":0,\"\\\"\":1,", 14) == 0);
	ck_assert_ptr_nonnull(strstr(vocab, "\"\xc4\xa0\":220,"));
	ck_assert_ptr_nonnull(strstr(vocab, "\"ab\":256,\"\xc4\xa0" "ab\":257,\"\xc4\xa0" "abc\":258,\"<|endoftext|>\":259}"));
	free(vocab);

	struct tokenizer *t;
	ck_assert_msg(tokenizer_load(dir, &t, &st) == STATUS_OK, "%s", st.msg);
	struct tokenizer_ids ids = { 0 };
	ck_assert_int_eq(tokenizer_encode(t, "ab abc<|endoftext|> abd", 23, 0, &ids, &st), STATUS_OK);
	int32_t want[] = { 256, 258, 259, 257, 67 /* 'd' */ };
	ck_assert_uint_eq(ids.n, 5);
	ck_assert(memcmp(ids.ids, want, sizeof want) == 0);
	tokenizer_free(t);

	/* tokenizer.json alone gives the same tokenizer. */
	char dir2[4300];
	snprintf(dir2, sizeof dir2, "%s/toy-json", harness_tmpdir());
	ck_assert_int_eq(mkdir(dir2, 0777), 0);
	char *tj = slurp(dir, "tokenizer.json");
	char path[4400];
	snprintf(path, sizeof path, "%s/tokenizer.json", dir2);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(tj, f);
	ck_assert_int_eq(fclose(f), 0);
	free(tj);
	ck_assert_msg(tokenizer_load(dir2, &t, &st) == STATUS_OK, "%s", st.msg);
	struct tokenizer_ids ids2 = { 0 };
	ck_assert_int_eq(tokenizer_encode(t, "ab abc<|endoftext|> abd", 23, 0, &ids2, &st), STATUS_OK);
	ck_assert_uint_eq(ids2.n, 5);
	ck_assert(memcmp(ids2.ids, want, sizeof want) == 0);
	tokenizer_ids_free(&ids2);
	tokenizer_ids_free(&ids);
	tokenizer_free(t);
}
END_TEST

START_TEST(specials_are_not_learned)
{
	struct bpe_train *tr = train_text("xy<|endoftext|>xy<|endoftext|>xy", 400);
	/* Only x+y: "<|" and "|>" never meet "endoftext" or each other. */
	ck_assert_uint_eq(bpe_train_merge_count(tr), 1);
	ck_assert_uint_eq(bpe_train_vocab_size(tr), 258);
	bpe_train_free(tr);
}
END_TEST

START_TEST(ties_and_determinism)
{
	/* Every pair occurs once: ties everywhere, broken by ids, same every run. */
	const char *text = "the cat sat on a mat; zebras quack\tloudly\n\n  at 12:30 — café ☕";
	struct bpe_train *a = train_text(text, 300), *b = train_text(text, 300);
	ck_assert_uint_eq(bpe_train_merge_count(a), bpe_train_merge_count(b));
	for (size_t i = 0; i < bpe_train_merge_count(a); i++) {
		const char *a2, *b2;
		const char *a1 = bpe_train_merge(a, i, &a2), *b1 = bpe_train_merge(b, i, &b2);
		ck_assert_str_eq(a1, b1);
		ck_assert_str_eq(a2, b2);
	}
	/* "at" is the most frequent pair (cat, sat, mat, at x2... ) and comes first. */
	const char *s2, *s1 = bpe_train_merge(a, 0, &s2);
	ck_assert_str_eq(s1, "a");
	ck_assert_str_eq(s2, "t");
	bpe_train_free(a);
	bpe_train_free(b);
}
END_TEST

START_TEST(trained_tokenizer_round_trips)
{
	char path[4200], dir[4200];
	snprintf(path, sizeof path, "%s/tests/fixtures/gpt2-tokenizer/cases.jsonl", harness_srcdir());
	snprintf(dir, sizeof dir, "%s/cases", harness_tmpdir());
	struct bpe_train *tr;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(bpe_train_new(&tr, &st), STATUS_OK);
	ck_assert_int_eq(bpe_train_add_file(tr, path, &st), STATUS_OK);
	ck_assert_int_eq(bpe_train_run(tr, 1000, NULL, &st), STATUS_OK);
	ck_assert_uint_eq(bpe_train_vocab_size(tr), 1000);
	ck_assert_int_eq(bpe_train_save(tr, dir, &st), STATUS_OK);
	bpe_train_free(tr);

	struct tokenizer *t;
	ck_assert_msg(tokenizer_load(dir, &t, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_uint_eq(tokenizer_vocab_size(t), 1000);
	ck_assert_int_eq(tokenizer_token_id(t, "<|endoftext|>"), 999);
	char *text;
	size_t len;
	ck_assert_int_eq(readfile(path, 1 << 26, &text, &len, &st), STATUS_OK);
	struct tokenizer_ids ids = { 0 };
	ck_assert_int_eq(tokenizer_encode(t, text, len, 0, &ids, &st), STATUS_OK);
	/* The learned merges compress the text they were learned from (JSON
	 * full of numbers: 743 merges give about 1.9 bytes a token). */
	ck_assert_uint_lt(ids.n, len * 6 / 10);
	char *back;
	size_t blen;
	ck_assert_int_eq(tokenizer_decode(t, ids.ids, ids.n, &back, &blen, &st), STATUS_OK);
	ck_assert_uint_eq(blen, len);
	ck_assert(memcmp(back, text, len) == 0);
	free(back);
	free(text);
	/* Arbitrary bytes too. */
	unsigned seed = 7;
	char buf[3000];
	for (int r = 0; r < 20; r++) {
		for (size_t i = 0; i < sizeof buf; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = r % 2 ? (char)(seed >> 16) : "ab cd\n\xc3\xa9xy"[(seed >> 16) % 10];
		}
		ids.n = 0;
		ck_assert_int_eq(tokenizer_encode(t, buf, sizeof buf, 0, &ids, &st), STATUS_OK);
		ck_assert_int_eq(tokenizer_decode(t, ids.ids, ids.n, &back, &blen, &st), STATUS_OK);
		ck_assert_uint_eq(blen, sizeof buf);
		ck_assert(memcmp(back, buf, blen) == 0);
		free(back);
	}
	tokenizer_ids_free(&ids);
	tokenizer_free(t);
}
END_TEST

/* The naive trainer the incremental one must agree with: recount every pair
 * of every word at each step. Words and tokens as ids, tokens as strings. */
struct naive {
	int32_t *sym[4096];
	size_t len[4096], count[4096], n_words;
	char *tok[2048];
	size_t n_tok;
};

static int naive_word(void *ctx, const char *w, size_t n)
{
	struct naive *nv = ctx;
	for (size_t i = 0; i < nv->n_words; i++) {
		if (nv->len[i] != n)
			continue;
		size_t k = 0;
		while (k < n && nv->sym[i][k] == bytelevel_order((uint8_t)w[k]))
			k++;
		if (k == n) {
			nv->count[i]++;
			return 0;
		}
	}
	ck_assert_uint_lt(nv->n_words, 4096);
	int32_t *s = malloc(n * sizeof *s);
	for (size_t k = 0; k < n; k++)
		s[k] = bytelevel_order((uint8_t)w[k]);
	nv->sym[nv->n_words] = s;
	nv->len[nv->n_words] = n;
	nv->count[nv->n_words++] = 1;
	return 0;
}

START_TEST(agrees_with_naive_recounting)
{
	/* Real varied text: the first 6000 bytes of the GPT-2 cases. */
	char path[4200];
	snprintf(path, sizeof path, "%s/tests/fixtures/gpt2-tokenizer/cases.jsonl", harness_srcdir());
	char *text;
	size_t len;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(readfile(path, 1 << 26, &text, &len, &st), STATUS_OK);
	len = len < 6000 ? len : 6000;
	text[len] = '\0';

	static struct naive nv;
	memset(&nv, 0, sizeof nv);
	struct pretok *p;
	ck_assert_int_eq(pretok_new(&p, &st), STATUS_OK);
	/* Cut at the special, as the trainer does. */
	for (const char *at = text, *end = text + len; at < end;) {
		const char *sp = memmem(at, (size_t)(end - at), "<|endoftext|>", 13);
		pretok_split(p, at, (size_t)((sp ? sp : end) - at), naive_word, &nv);
		at = sp ? sp + 13 : end;
	}
	pretok_free(p);
	for (int id = 0; id < 256; id++) {
		for (int b = 0; b < 256; b++) {
			if (bytelevel_order((uint8_t)b) == id) {
				nv.tok[id] = calloc(3, 1);
				bytelevel_encode((uint8_t[]){ (uint8_t)b }, 1, nv.tok[id]);
			}
		}
	}
	nv.n_tok = 256;

	const size_t vocab = 700;
	struct bpe_train *tr = train_text(text, vocab);
	size_t step = 0;
	static int64_t counts[700][700];
	memset(counts, 0, sizeof counts);
	while (nv.n_tok + 1 < vocab) {
		for (size_t w = 0; w < nv.n_words; w++)
			for (size_t i = 0; i + 1 < nv.len[w]; i++)
				counts[nv.sym[w][i]][nv.sym[w][i + 1]] += (int64_t)nv.count[w];
		/* Highest count, then smallest (a, b); clear the table on the way. */
		int64_t best = 0;
		int32_t ba = -1, bb = -1;
		for (size_t w = 0; w < nv.n_words; w++) {
			for (size_t i = 0; i + 1 < nv.len[w]; i++) {
				int32_t a = nv.sym[w][i], b = nv.sym[w][i + 1];
				int64_t c = counts[a][b];
				if (c > best || (c == best && c > 0 && (a < ba || (a == ba && b < bb)))) {
					best = c;
					ba = a;
					bb = b;
				}
			}
		}
		for (size_t w = 0; w < nv.n_words; w++)
			for (size_t i = 0; i + 1 < nv.len[w]; i++)
				counts[nv.sym[w][i]][nv.sym[w][i + 1]] = 0;
		if (ba < 0)
			break;
		ck_assert_uint_lt(step, bpe_train_merge_count(tr));
		const char *second, *first = bpe_train_merge(tr, step, &second);
		ck_assert_msg(strcmp(first, nv.tok[ba]) == 0 && strcmp(second, nv.tok[bb]) == 0,
		              "merge %zu: trainer '%s' '%s', naive '%s' '%s' (count %lld)", step, first, second,
		              nv.tok[ba], nv.tok[bb], (long long)best);
		char *ab = malloc(strlen(nv.tok[ba]) + strlen(nv.tok[bb]) + 1);
		strcpy(ab, nv.tok[ba]);
		strcat(ab, nv.tok[bb]);
		int32_t c = -1;
		for (size_t i = 0; i < nv.n_tok; i++)
			if (strcmp(nv.tok[i], ab) == 0)
				c = (int32_t)i;
		if (c < 0) {
			c = (int32_t)nv.n_tok;
			nv.tok[nv.n_tok++] = ab;
		} else {
			free(ab);
		}
		for (size_t w = 0; w < nv.n_words; w++) {
			size_t j = 0;
			for (size_t i = 0; i < nv.len[w];) {
				if (i + 1 < nv.len[w] && nv.sym[w][i] == ba && nv.sym[w][i + 1] == bb) {
					nv.sym[w][j++] = c;
					i += 2;
				} else {
					nv.sym[w][j++] = nv.sym[w][i++];
				}
			}
			nv.len[w] = j;
		}
		step++;
	}
	ck_assert_uint_eq(step, bpe_train_merge_count(tr));
	ck_assert_uint_gt(step, 300);
	bpe_train_free(tr);
	for (size_t w = 0; w < nv.n_words; w++)
		free(nv.sym[w]);
	for (size_t i = 0; i < nv.n_tok; i++)
		free(nv.tok[i]);
	free(text);
}
END_TEST

START_TEST(errors)
{
	struct bpe_train *tr;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(bpe_train_new(&tr, &st), STATUS_OK);
	ck_assert_int_eq(bpe_train_add_file(tr, "/nonexistent/text", &st), STATUS_IO);
	ck_assert_str_eq(st.msg, "/nonexistent/text: No such file or directory");
	ck_assert_int_eq(bpe_train_run(tr, 100, NULL, &st), STATUS_INVALID);
	ck_assert_str_eq(st.msg, "vocabulary size 100 is not within 257..1000000");
	ck_assert_int_eq(bpe_train_save(tr, harness_tmpdir(), &st), STATUS_INVALID);
	/* No text at all: just the bytes and the special. */
	ck_assert_int_eq(bpe_train_run(tr, 500, NULL, &st), STATUS_OK);
	ck_assert_uint_eq(bpe_train_vocab_size(tr), 257);
	ck_assert_int_eq(bpe_train_save(tr, "/nonexistent/dir", &st), STATUS_IO);
	ck_assert_str_eq(st.msg, "mkdir /nonexistent/dir: No such file or directory");
	bpe_train_free(tr);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("bpe_train");
	TCase *tc = harness_add(s, "train", toy_corpus_known_merges, specials_are_not_learned, ties_and_determinism,
	                        trained_tokenizer_round_trips, agrees_with_naive_recounting, errors, NULL);
	tcase_set_timeout(tc, 60);
	return s;
}
