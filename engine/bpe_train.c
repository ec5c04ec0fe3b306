#include "config.h"

#include "engine/bpe_train.h"

#include "engine/atomicfile.h"
#include "engine/bytelevel.h"
#include "engine/pretok.h"
#include "engine/readfile.h"
#include "engine/strmap.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Training text files above this size are refused. */
#define BPE_TRAIN_FILE_MAX ((size_t)1 << 31)

struct pair {
	int32_t a, b;
	int64_t count;        /* occurrences, weighted by word counts */
	int32_t *where;       /* words that held it (may be stale, no repeats in a row) */
	uint32_t n_where, cap_where;
	uint32_t stamp;       /* last merge step that touched it */
};

struct heap_item {
	int64_t count;
	int32_t pair;
};

struct bpe_train {
	struct pretok *pre;
	struct strmap *wordmap;  /* word bytes -> word index */
	int64_t *wcount;
	size_t *woff;            /* symbols of word i: syms[woff[i] .. + wlen[i]] */
	uint32_t *wlen, *wstamp;
	size_t n_words, cap_wcount, cap_woff, cap_wlen;
	int32_t *syms;
	size_t n_syms, cap_syms;

	char **tok;              /* spelled tokens (byte-level UTF-8) by id */
	size_t *toklen;
	size_t n_tok, cap_tok, cap_toklen;
	struct strmap *tokmap;   /* spelled -> id */

	int32_t (*merge)[2];
	size_t n_merges, cap_merges;

	struct pair *pairs;
	size_t n_pairs, cap_pairs;
	struct strmap *pairmap;  /* (a, b) -> pair index */
	struct heap_item *heap;
	size_t n_heap, cap_heap;
	int32_t *touched;
	size_t n_touched, cap_touched;
	int trained;
};

/* Grows *p (of `*cap` elements of `size` bytes) to hold `need`. */
static int grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *n = realloc(*(void **)p, c * size);
	if (!n)
		return -1;
	*(void **)p = n;
	*cap = c;
	return 0;
}

enum status_code bpe_train_new(struct bpe_train **out, struct status *st)
{
	struct bpe_train *tr = calloc(1, sizeof *tr);
	if (!tr)
		return status_set(st, STATUS_NOMEM, "out of memory");
	tr->wordmap = strmap_new();
	tr->tokmap = strmap_new();
	tr->pairmap = strmap_new();
	if (!tr->wordmap || !tr->tokmap || !tr->pairmap) {
		bpe_train_free(tr);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	enum status_code rc = pretok_new(&tr->pre, st);
	if (rc != STATUS_OK) {
		bpe_train_free(tr);
		return rc;
	}
	*out = tr;
	return STATUS_OK;
}

void bpe_train_free(struct bpe_train *tr)
{
	if (!tr)
		return;
	pretok_free(tr->pre);
	strmap_free(tr->wordmap);
	strmap_free(tr->tokmap);
	strmap_free(tr->pairmap);
	free(tr->wcount);
	free(tr->woff);
	free(tr->wlen);
	free(tr->wstamp);
	free(tr->syms);
	for (size_t i = 0; i < tr->n_tok; i++)
		free(tr->tok[i]);
	free(tr->tok);
	free(tr->toklen);
	free(tr->merge);
	for (size_t i = 0; i < tr->n_pairs; i++)
		free(tr->pairs[i].where);
	free(tr->pairs);
	free(tr->heap);
	free(tr->touched);
	free(tr);
}

static int add_word(void *ctx, const char *w, size_t n)
{
	struct bpe_train *tr = ctx;
	int added;
	int64_t *v = strmap_put(tr->wordmap, w, n, &added);
	if (!v)
		return -1;
	if (added) {
		size_t i = tr->n_words;
		if (n > UINT32_MAX || grow(&tr->wcount, &tr->cap_wcount, i + 1, sizeof *tr->wcount) ||
		    grow(&tr->woff, &tr->cap_woff, i + 1, sizeof *tr->woff) ||
		    grow(&tr->wlen, &tr->cap_wlen, i + 1, sizeof *tr->wlen))
			return -1;
		if (grow(&tr->syms, &tr->cap_syms, tr->n_syms + n, sizeof *tr->syms))
			return -1;
		tr->woff[i] = tr->n_syms;
		tr->wlen[i] = (uint32_t)n;
		tr->wcount[i] = 0;
		for (size_t k = 0; k < n; k++)
			tr->syms[tr->n_syms++] = bytelevel_order((uint8_t)w[k]);
		*v = (int64_t)i;
		tr->n_words++;
	}
	tr->wcount[*v]++;
	return 0;
}

enum status_code bpe_train_add_text(struct bpe_train *tr, const char *text, size_t len, struct status *st)
{
	if (tr->trained)
		return status_set(st, STATUS_INVALID, "text added after training");
	static const char special[] = BPE_TRAIN_SPECIAL;
	size_t pos = 0;
	while (pos < len) {
		const char *f = memmem(text + pos, len - pos, special, sizeof special - 1);
		size_t end = f ? (size_t)(f - text) : len;
		if (pretok_split(tr->pre, text + pos, end - pos, add_word, tr))
			return status_set(st, STATUS_NOMEM, "out of memory");
		pos = f ? end + sizeof special - 1 : len;
	}
	return STATUS_OK;
}

enum status_code bpe_train_add_file(struct bpe_train *tr, const char *path, struct status *st)
{
	char *text = NULL;
	size_t len;
	enum status_code rc = readfile(path, BPE_TRAIN_FILE_MAX, &text, &len, st);
	if (rc == STATUS_OK)
		rc = bpe_train_add_text(tr, text, len, st);
	free(text);
	return rc;
}

static int add_token(struct bpe_train *tr, const char *s, size_t n, int32_t *id)
{
	int added;
	int64_t *v = strmap_put(tr->tokmap, s, n, &added);
	if (!v)
		return -1;
	if (!added) {
		*id = (int32_t)*v;
		return 0;
	}
	if (grow(&tr->tok, &tr->cap_tok, tr->n_tok + 1, sizeof *tr->tok) ||
	    grow(&tr->toklen, &tr->cap_toklen, tr->n_tok + 1, sizeof *tr->toklen))
		return -1;
	char *copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	tr->tok[tr->n_tok] = copy;
	tr->toklen[tr->n_tok] = n;
	*v = (int64_t)tr->n_tok;
	*id = (int32_t)tr->n_tok++;
	return 0;
}

/* The index of pair (a, b), created with count 0 when new; -1: no memory. */
static int32_t get_pair(struct bpe_train *tr, int32_t a, int32_t b)
{
	int32_t key[2] = { a, b };
	int added;
	int64_t *v = strmap_put(tr->pairmap, key, sizeof key, &added);
	if (!v)
		return -1;
	if (added) {
		if (grow(&tr->pairs, &tr->cap_pairs, tr->n_pairs + 1, sizeof *tr->pairs))
			return -1;
		tr->pairs[tr->n_pairs] = (struct pair){ .a = a, .b = b };
		*v = (int64_t)tr->n_pairs++;
	}
	return (int32_t)*v;
}

static int where_add(struct pair *p, int32_t w)
{
	if (p->n_where && p->where[p->n_where - 1] == w)
		return 0;
	size_t cap = p->cap_where;
	if (grow(&p->where, &cap, (size_t)p->n_where + 1, sizeof *p->where) || cap > UINT32_MAX)
		return -1;
	p->cap_where = (uint32_t)cap;
	p->where[p->n_where++] = w;
	return 0;
}

/* Heap order: higher count first, then the pair of smaller ids. */
static int heap_before(const struct bpe_train *tr, const struct heap_item *x, const struct heap_item *y)
{
	if (x->count != y->count)
		return x->count > y->count;
	const struct pair *p = &tr->pairs[x->pair], *q = &tr->pairs[y->pair];
	return p->a != q->a ? p->a < q->a : p->b < q->b;
}

static int heap_push(struct bpe_train *tr, int64_t count, int32_t pair)
{
	if (grow(&tr->heap, &tr->cap_heap, tr->n_heap + 1, sizeof *tr->heap))
		return -1;
	size_t i = tr->n_heap++;
	struct heap_item it = { count, pair };
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!heap_before(tr, &it, &tr->heap[parent]))
			break;
		tr->heap[i] = tr->heap[parent];
		i = parent;
	}
	tr->heap[i] = it;
	return 0;
}

static struct heap_item heap_pop(struct bpe_train *tr)
{
	struct heap_item top = tr->heap[0], last = tr->heap[--tr->n_heap];
	size_t i = 0, n = tr->n_heap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap_before(tr, &tr->heap[c + 1], &tr->heap[c]))
			c++;
		if (!heap_before(tr, &tr->heap[c], &last))
			break;
		tr->heap[i] = tr->heap[c];
		i = c;
	}
	if (n)
		tr->heap[i] = last;
	return top;
}

static int touch(struct bpe_train *tr, int32_t p, uint32_t stamp)
{
	if (tr->pairs[p].stamp == stamp)
		return 0;
	tr->pairs[p].stamp = stamp;
	if (grow(&tr->touched, &tr->cap_touched, tr->n_touched + 1, sizeof *tr->touched))
		return -1;
	tr->touched[tr->n_touched++] = p;
	return 0;
}

/* Subtracts (delta -1) or adds (+1) word w's pairs, marking them touched. */
static int recount_word(struct bpe_train *tr, int32_t w, int delta, uint32_t stamp)
{
	const int32_t *s;
	for (uint32_t i = 0; i + 1 < tr->wlen[w]; i++) {
		s = tr->syms + tr->woff[w];
		int32_t p = get_pair(tr, s[i], s[i + 1]);
		if (p < 0)
			return -1;
		tr->pairs[p].count += delta * tr->wcount[w];
		if (delta > 0 && where_add(&tr->pairs[p], w))
			return -1;
		if (touch(tr, p, stamp))
			return -1;
	}
	return 0;
}

/* Replaces every (a, b) in word w by c, left to right; 0 when none was there. */
static int merge_word(struct bpe_train *tr, int32_t w, int32_t a, int32_t b, int32_t c)
{
	int32_t *s = tr->syms + tr->woff[w];
	uint32_t n = tr->wlen[w], j = 0;
	int found = 0;
	for (uint32_t i = 0; i < n;) {
		if (i + 1 < n && s[i] == a && s[i + 1] == b) {
			s[j++] = c;
			i += 2;
			found = 1;
		} else {
			s[j++] = s[i++];
		}
	}
	tr->wlen[w] = j;
	return found;
}

static int has_pair(const struct bpe_train *tr, int32_t w, int32_t a, int32_t b)
{
	const int32_t *s = tr->syms + tr->woff[w];
	for (uint32_t i = 0; i + 1 < tr->wlen[w]; i++)
		if (s[i] == a && s[i + 1] == b)
			return 1;
	return 0;
}

static enum status_code nomem(struct status *st)
{
	return status_set(st, STATUS_NOMEM, "out of memory");
}

enum status_code bpe_train_run(struct bpe_train *tr, size_t vocab_size, const struct hooks *h, struct status *st)
{
	if (tr->trained)
		return status_set(st, STATUS_INVALID, "the tokenizer is already trained");
	if (vocab_size < 257 || vocab_size > 1000000)
		return status_set(st, STATUS_INVALID, "vocabulary size %zu is not within 257..1000000", vocab_size);
	tr->trained = 1;
	char base[256][2];
	size_t base_len[256];
	for (int b = 0; b < 256; b++)
		base_len[bytelevel_order((uint8_t)b)] = bytelevel_encode((uint8_t[]){ (uint8_t)b }, 1,
		                                                         base[bytelevel_order((uint8_t)b)]);
	for (int i = 0; i < 256; i++) {
		int32_t id;
		if (add_token(tr, base[i], base_len[i], &id))
			return nomem(st);
	}
	tr->wstamp = calloc(tr->n_words ? tr->n_words : 1, sizeof *tr->wstamp);
	if (!tr->wstamp)
		return nomem(st);
	for (size_t w = 0; w < tr->n_words; w++)
		if (recount_word(tr, (int32_t)w, +1, 0))
			return nomem(st);
	for (size_t p = 0; p < tr->n_pairs; p++)
		if (tr->pairs[p].count > 0 && heap_push(tr, tr->pairs[p].count, (int32_t)p))
			return nomem(st);
	hooks_log(h, LOG_INFO, "bpe: %zu distinct words, %zu pairs", tr->n_words, tr->n_pairs);

	char *buf = NULL;
	size_t cap_buf = 0;
	uint32_t stamp = 0;
	while (tr->n_tok + 1 < vocab_size && tr->n_heap) {
		struct heap_item top = heap_pop(tr);
		struct pair *pp = &tr->pairs[top.pair];
		if (pp->count != top.count) { /* stale: requeue at its true count */
			if (pp->count > 0 && heap_push(tr, pp->count, top.pair))
				goto oom;
			continue;
		}
		if ((tr->n_merges & 63) == 0 && hooks_aborted(h)) {
			free(buf);
			return status_set(st, STATUS_CANCELLED, "training cancelled after %zu merges", tr->n_merges);
		}
		int32_t a = pp->a, b = pp->b, c;
		size_t la = tr->toklen[a], lb = tr->toklen[b];
		if (grow(&buf, &cap_buf, la + lb, 1))
			goto oom;
		memcpy(buf, tr->tok[a], la);
		memcpy(buf + la, tr->tok[b], lb);
		if (add_token(tr, buf, la + lb, &c))
			goto oom;
		if (grow(&tr->merge, &tr->cap_merges, tr->n_merges + 1, sizeof *tr->merge))
			goto oom;
		tr->merge[tr->n_merges][0] = a;
		tr->merge[tr->n_merges][1] = b;
		tr->n_merges++;

		stamp++;
		tr->n_touched = 0;
		/* pairs[] may move as pairs are created: index, never keep pointers. */
		for (uint32_t k = 0; k < tr->pairs[top.pair].n_where; k++) {
			int32_t w = tr->pairs[top.pair].where[k];
			if (tr->wstamp[w] == stamp || !has_pair(tr, w, a, b))
				continue;
			tr->wstamp[w] = stamp;
			if (recount_word(tr, w, -1, stamp))
				goto oom;
			merge_word(tr, w, a, b, c);
			if (recount_word(tr, w, +1, stamp))
				goto oom;
		}
		pp = &tr->pairs[top.pair];
		free(pp->where);
		pp->where = NULL;
		pp->n_where = pp->cap_where = 0;
		for (size_t i = 0; i < tr->n_touched; i++) {
			int32_t p = tr->touched[i];
			if (tr->pairs[p].count > 0 && heap_push(tr, tr->pairs[p].count, p))
				goto oom;
		}
		if (tr->n_merges % 500 == 0)
			hooks_log(h, LOG_DEBUG, "bpe: %zu merges", tr->n_merges);
	}
	free(buf);
	hooks_log(h, LOG_INFO, "bpe: %zu merges, vocabulary of %zu", tr->n_merges, tr->n_tok + 1);
	return STATUS_OK;
oom:
	free(buf);
	return nomem(st);
}

size_t bpe_train_merge_count(const struct bpe_train *tr)
{
	return tr->n_merges;
}

const char *bpe_train_merge(const struct bpe_train *tr, size_t i, const char **second)
{
	*second = tr->tok[tr->merge[i][1]];
	return tr->tok[tr->merge[i][0]];
}

size_t bpe_train_vocab_size(const struct bpe_train *tr)
{
	return tr->n_tok + 1;
}

/* Renders the file in memory, then replaces `path` atomically (fsync + rename),
 * so a crash never leaves half a vocabulary beside a whole merges file. */
static enum status_code save_file(const char *path, int (*write)(FILE *f, const struct bpe_train *tr),
                                  const struct bpe_train *tr, struct status *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return status_errno(st, STATUS_NOMEM, errno, "%s", path);
	int bad = write(f, tr);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return status_set(st, STATUS_NOMEM, "%s: cannot render the file in memory", path);
	}
	enum status_code rc = atomicfile_save(path, buf, len, st);
	free(buf);
	return rc;
}

static int write_json(FILE *f, json_t *j)
{
	int r = j ? json_dumpf(j, f, JSON_COMPACT) : -1;
	json_decref(j);
	return r != 0 || fputc('\n', f) == EOF;
}

/* {token: id} in id order, the special last. */
static json_t *vocab_json(const struct bpe_train *tr)
{
	json_t *v = json_object();
	for (size_t i = 0; v && i < tr->n_tok; i++) {
		if (json_object_set_new(v, tr->tok[i], json_integer((json_int_t)i))) {
			json_decref(v);
			return NULL;
		}
	}
	if (v && json_object_set_new(v, BPE_TRAIN_SPECIAL, json_integer((json_int_t)tr->n_tok))) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static int write_vocab(FILE *f, const struct bpe_train *tr)
{
	return write_json(f, vocab_json(tr));
}

/* Hugging Face's tokenizer.json for GPT-2, with this vocabulary and merges. */
static int write_tokenizer_json(FILE *f, const struct bpe_train *tr)
{
	json_t *merges = json_array();
	char *line = NULL;
	size_t cap = 0;
	for (size_t i = 0; merges && i < tr->n_merges; i++) {
		const char *a = tr->tok[tr->merge[i][0]], *b = tr->tok[tr->merge[i][1]];
		size_t la = strlen(a), lb = strlen(b);
		if (grow(&line, &cap, la + lb + 2, 1)) {
			json_decref(merges);
			merges = NULL;
			break;
		}
		memcpy(line, a, la);
		line[la] = ' ';
		memcpy(line + la + 1, b, lb + 1);
		if (json_array_append_new(merges, json_string(line))) {
			json_decref(merges);
			merges = NULL;
		}
	}
	free(line);
	json_t *vocab = vocab_json(tr);
	if (!merges || !vocab) {
		json_decref(merges);
		json_decref(vocab);
		return 1;
	}
	json_t *byte_level = json_pack("{s:s, s:b, s:b, s:b}", "type", "ByteLevel", "add_prefix_space", 0,
	                               "trim_offsets", 1, "use_regex", 1);
	return write_json(f, json_pack(
		"{s:s, s:n, s:n, s:[{s:I, s:s, s:b, s:b, s:b, s:b, s:b}], s:n, s:o, s:O, s:O,"
		" s:{s:s, s:n, s:n, s:s, s:s, s:b, s:b, s:o, s:o}}",
		"version", "1.0", "truncation", "padding",
		"added_tokens", "id", (json_int_t)tr->n_tok, "content", BPE_TRAIN_SPECIAL, "single_word", 0,
		"lstrip", 0, "rstrip", 0, "normalized", 1, "special", 1,
		"normalizer", "pre_tokenizer", byte_level, "post_processor", byte_level, "decoder", byte_level,
		"model", "type", "BPE", "dropout", "unk_token", "continuing_subword_prefix", "",
		"end_of_word_suffix", "", "fuse_unk", 0, "byte_fallback", 0, "vocab", vocab, "merges", merges));
}

static int write_merges(FILE *f, const struct bpe_train *tr)
{
	if (fputs("#version: 0.2\n", f) == EOF)
		return 1;
	for (size_t i = 0; i < tr->n_merges; i++)
		if (fprintf(f, "%s %s\n", tr->tok[tr->merge[i][0]], tr->tok[tr->merge[i][1]]) < 0)
			return 1;
	return 0;
}

/* What Hugging Face's AutoTokenizer needs to pick GPT2Tokenizer and its specials. */
static int write_config(FILE *f, const struct bpe_train *tr)
{
	(void)tr;
	return write_json(f, json_pack("{s:s, s:s, s:s, s:s, s:b}", "tokenizer_class", "GPT2Tokenizer",
	                               "bos_token", BPE_TRAIN_SPECIAL, "eos_token", BPE_TRAIN_SPECIAL,
	                               "unk_token", BPE_TRAIN_SPECIAL, "add_prefix_space", 0));
}

enum status_code bpe_train_save(const struct bpe_train *tr, const char *dir, struct status *st)
{
	if (!tr->trained)
		return status_set(st, STATUS_INVALID, "nothing trained to save");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return status_errno(st, STATUS_IO, errno, "mkdir %s", dir);
	char path[4200];
	enum status_code rc;
	snprintf(path, sizeof path, "%s/vocab.json", dir);
	if ((rc = save_file(path, write_vocab, tr, st)) != STATUS_OK)
		return rc;
	snprintf(path, sizeof path, "%s/merges.txt", dir);
	if ((rc = save_file(path, write_merges, tr, st)) != STATUS_OK)
		return rc;
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	if ((rc = save_file(path, write_tokenizer_json, tr, st)) != STATUS_OK)
		return rc;
	snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
	return save_file(path, write_config, tr, st);
}
