/* tokenizer: the vocabulary and merge tables, encoding and decoding (the file
 * formats are in tokenizer_load.c). */
#include "config.h"

#include "engine/bytelevel.h"
#include "engine/tokenizer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Words longer than this are not cached (they are rare, and would bloat it). */
#define TOKENIZER_CACHE_WORD_MAX 256
/* The cache is emptied when it holds this many ids, bounding its memory. */
#define TOKENIZER_CACHE_IDS_MAX (1u << 20)

/* A token in messages: at most 40 bytes of it. */
#define TOK_FMT "'%.*s'"
#define TOK_ARG(s, n) (int)((n) > 40 ? 40 : (n)), (s)

void tokenizer_ids_free(struct tokenizer_ids *ids)
{
	free(ids->ids);
	ids->ids = NULL;
	ids->n = ids->cap = 0;
}

int tokenizer_ids_reserve(struct tokenizer_ids *ids, size_t more)
{
	if (ids->n + more <= ids->cap)
		return 0;
	size_t cap = ids->cap ? ids->cap : 64;
	while (cap < ids->n + more)
		cap *= 2;
	int32_t *p = realloc(ids->ids, cap * sizeof *p);
	if (!p)
		return -1;
	ids->ids = p;
	ids->cap = cap;
	return 0;
}

enum status_code tokenizer_new(struct tokenizer **out, struct status *st)
{
	struct tokenizer *t = calloc(1, sizeof *t);
	if (!t)
		return status_set(st, STATUS_NOMEM, "out of memory");
	t->vocab = strmap_new();
	t->merges = strmap_new();
	t->cache = strmap_new();
	if (!t->vocab || !t->merges || !t->cache) {
		tokenizer_free(t);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	for (int b = 0; b < 256; b++)
		t->byte_id[b] = -1;
	t->kind = TOKENIZER_BYTELEVEL;
	t->kind_name = "byte-level BPE (vocab.json + merges.txt)";
	t->unk_id = t->bos_id = t->eos_id = -1;
	*out = t;
	return STATUS_OK;
}

void tokenizer_free(struct tokenizer *t)
{
	if (!t)
		return;
	free(t->tok_off);
	free(t->tok_len);
	free(t->pool);
	strmap_free(t->vocab);
	strmap_free(t->merges);
	strmap_free(t->cache);
	for (size_t i = 0; i < t->n_special; i++)
		free(t->special[i].text);
	free(t->special);
	for (size_t i = 0; i < t->n_steps; i++)
		pretok_free(t->steps[i].re);
	for (size_t i = 0; i < t->n_norm; i++) {
		free(t->norm[i].from);
		free(t->norm[i].to);
	}
	free(t->wbuf);
	tokenizer_ids_free(&t->cache_ids);
	free(t->sym);
	free(t->next);
	free(t->prev);
	free(t->heap);
	free(t);
}

enum status_code tokenizer_reserve(struct tokenizer *t, size_t n_vocab, struct status *st)
{
	if (n_vocab <= t->n_vocab)
		return STATUS_OK;
	if (n_vocab > (size_t)TOKENIZER_MAX_ID + 1)
		return status_set(st, STATUS_FORMAT, "id %zu is too large (at most %d)", n_vocab - 1, TOKENIZER_MAX_ID);
	size_t *off = realloc(t->tok_off, n_vocab * sizeof *off);
	if (off)
		t->tok_off = off;
	uint32_t *len = realloc(t->tok_len, n_vocab * sizeof *len);
	if (len)
		t->tok_len = len;
	if (!off || !len)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t i = t->n_vocab; i < n_vocab; i++) {
		t->tok_off[i] = 0;
		t->tok_len[i] = UINT32_MAX;
	}
	t->n_vocab = n_vocab;
	return STATUS_OK;
}

static int pool_append(struct tokenizer *t, const void *bytes, size_t n, size_t *off)
{
	if (t->pool_len + n > t->pool_cap) {
		size_t cap = t->pool_cap ? t->pool_cap : 4096;
		while (cap < t->pool_len + n)
			cap *= 2;
		char *p = realloc(t->pool, cap);
		if (!p)
			return -1;
		t->pool = p;
		t->pool_cap = cap;
	}
	if (n)
		memcpy(t->pool + t->pool_len, bytes, n);
	*off = t->pool_len;
	t->pool_len += n;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The byte of a byte-fallback token "<0xNN>", or -1. */
static int fallback_byte(const char *s, size_t len)
{
	if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>' || hexval(s[3]) < 0 || hexval(s[4]) < 0)
		return -1;
	return hexval(s[3]) * 16 + hexval(s[4]);
}

#define METASPACE "\xe2\x96\x81" /* U+2581, SentencePiece's space */

/* The bytes a token's spelling stands for under a character-level decoder:
 * <0xNN> is the byte, "▁" a space; `out` has room for `len` bytes. */
static size_t chars_decode(const struct tokenizer *t, const char *s, size_t len, char *out)
{
	int b = t->dec_byte_fallback ? fallback_byte(s, len) : -1;
	if (b >= 0) {
		out[0] = (char)b;
		return 1;
	}
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		if (t->dec_metaspace && i + 3 <= len && memcmp(s + i, METASPACE, 3) == 0) {
			out[o++] = ' ';
			i += 3;
		} else {
			out[o++] = s[i++];
		}
	}
	return o;
}

/* Records the bytes of `id`: for byte-level tokenizers the byte-level
 * decoding of its spelling, or the spelling itself for tokens outside the
 * byte alphabet (added tokens); else what the decoder makes of it. */
static enum status_code set_bytes(struct tokenizer *t, int32_t id, const char *spelled, size_t len,
                                  struct status *st)
{
	uint8_t *tmp = malloc(len ? len : 1);
	if (!tmp)
		return status_set(st, STATUS_NOMEM, "out of memory");
	long n = t->kind == TOKENIZER_BYTELEVEL ? bytelevel_decode(spelled, len, tmp)
	                                        : (long)chars_decode(t, spelled, len, (char *)tmp);
	int r = n >= 0 ? pool_append(t, tmp, (size_t)n, &t->tok_off[id])
	               : pool_append(t, spelled, len, &t->tok_off[id]);
	free(tmp);
	if (r)
		return status_set(st, STATUS_NOMEM, "out of memory");
	t->tok_len[id] = n >= 0 ? (uint32_t)n : (uint32_t)len;
	return STATUS_OK;
}

enum status_code tokenizer_add_token(struct tokenizer *t, const char *spelled, size_t len, int64_t id,
                                     struct status *st)
{
	if (id < 0 || (size_t)id >= t->n_vocab)
		return status_set(st, STATUS_FORMAT, "token " TOK_FMT " has id %lld outside 0..%zu",
		                  TOK_ARG(spelled, len), (long long)id, t->n_vocab - 1);
	if (len > UINT32_MAX / 2)
		return status_set(st, STATUS_FORMAT, "token of %zu bytes is too long", len);
	if (t->tok_len[id] != UINT32_MAX)
		return status_set(st, STATUS_FORMAT, "token " TOK_FMT " has id %lld, already given to another token",
		                  TOK_ARG(spelled, len), (long long)id);
	int added;
	int64_t *v = strmap_put(t->vocab, spelled, len, &added);
	if (!v)
		return status_set(st, STATUS_NOMEM, "out of memory");
	if (!added)
		return status_set(st, STATUS_FORMAT, "token " TOK_FMT " appears twice", TOK_ARG(spelled, len));
	*v = id;
	return set_bytes(t, (int32_t)id, spelled, len, st);
}

enum status_code tokenizer_add_merge(struct tokenizer *t, const char *a, size_t alen,
                                     const char *b, size_t blen, struct status *st)
{
	int64_t *ia = strmap_get(t->vocab, a, alen);
	int64_t *ib = strmap_get(t->vocab, b, blen);
	if (!ia || !ib) {
		const char *s = ia ? b : a;
		size_t n = ia ? blen : alen;
		return status_set(st, STATUS_FORMAT, "token " TOK_FMT " is not in the vocabulary", TOK_ARG(s, n));
	}
	char *ab = malloc(alen + blen + 1);
	if (!ab)
		return status_set(st, STATUS_NOMEM, "out of memory");
	memcpy(ab, a, alen);
	memcpy(ab + alen, b, blen);
	int64_t *iab = strmap_get(t->vocab, ab, alen + blen);
	if (!iab) {
		status_set(st, STATUS_FORMAT, "the merged token " TOK_FMT " is not in the vocabulary",
		           TOK_ARG(ab, alen + blen));
		free(ab);
		return STATUS_FORMAT;
	}
	free(ab);
	int32_t key[2] = { (int32_t)*ia, (int32_t)*ib };
	int64_t *v = strmap_put(t->merges, key, sizeof key, NULL);
	if (!v)
		return status_set(st, STATUS_NOMEM, "out of memory");
	/* A repeated merge takes its last rank, as GPT-2's dict(zip(merges, ranks)) does. */
	*v = ((int64_t)t->n_merges << 32) | (uint32_t)*iab;
	t->n_merges++;
	return STATUS_OK;
}

enum status_code tokenizer_add_special(struct tokenizer *t, const char *text, size_t len, int32_t id,
                                       unsigned flags, struct status *st)
{
	if (len == 0)
		return status_set(st, STATUS_FORMAT, "an added token is empty");
	int64_t *have = strmap_get(t->vocab, text, len);
	if (have && *have != id)
		return status_set(st, STATUS_FORMAT, "added token " TOK_FMT " has id %d, but the vocabulary gives it %lld",
		                  TOK_ARG(text, len), id, (long long)*have);
	if (!have) {
		if ((size_t)id >= t->n_vocab + TOKENIZER_ID_GAP)
			return status_set(st, STATUS_FORMAT, "added token " TOK_FMT " has id %d, far past the vocabulary of %zu",
			                  TOK_ARG(text, len), id, t->n_vocab);
		enum status_code rc = tokenizer_reserve(t, (size_t)id + 1, st);
		if (rc == STATUS_OK)
			rc = tokenizer_add_token(t, text, len, id, st);
		if (rc != STATUS_OK)
			return rc;
	}
	for (size_t i = 0; i < t->n_special; i++)
		if (t->special[i].id == id)
			return STATUS_OK;
	if (t->n_special >= 1u << 20)
		return status_set(st, STATUS_FORMAT, "more than %u added tokens", 1u << 20);
	struct tokenizer_special *sp = realloc(t->special, (t->n_special + 1) * sizeof *sp);
	if (!sp)
		return status_set(st, STATUS_NOMEM, "out of memory");
	t->special = sp;
	char *copy = malloc(len);
	if (!copy)
		return status_set(st, STATUS_NOMEM, "out of memory");
	memcpy(copy, text, len);
	sp[t->n_special++] = (struct tokenizer_special){ copy, len, id, !(flags & TOKENIZER_ADDED_PLAIN),
	                                                 !!(flags & TOKENIZER_ADDED_LSTRIP),
	                                                 !!(flags & TOKENIZER_ADDED_RSTRIP) };
	return STATUS_OK;
}

static int special_cmp(const void *a, const void *b)
{
	const struct tokenizer_special *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1; /* longest first: it wins at equal starts */
	return x->id < y->id ? -1 : x->id > y->id;
}

enum status_code tokenizer_finish(struct tokenizer *t, struct status *st)
{
	if (t->n_vocab == 0)
		return status_set(st, STATUS_FORMAT, "the vocabulary is empty");
	for (int b = 0; b < 256 && t->kind == TOKENIZER_CHARS; b++) {
		char name[7];
		snprintf(name, sizeof name, "<0x%02X>", b);
		int64_t *id = strmap_get(t->vocab, name, 6);
		t->byte_id[b] = id ? (int32_t)*id : -1;
	}
	for (int b = 0; b < 256 && t->kind == TOKENIZER_BYTELEVEL; b++) {
		char c[2];
		size_t n = bytelevel_encode((uint8_t[]){ (uint8_t)b }, 1, c);
		int64_t *id = strmap_get(t->vocab, c, n);
		if (!id)
			return status_set(st, STATUS_FORMAT, "no token for byte 0x%02x ('%.*s')", b, (int)n, c);
		t->byte_id[b] = (int32_t)*id;
	}
	if (t->n_special > 1)
		qsort(t->special, t->n_special, sizeof *t->special, special_cmp);
	return STATUS_OK;
}

size_t tokenizer_vocab_size(const struct tokenizer *t)
{
	return t->n_vocab;
}

const char *tokenizer_kind(const struct tokenizer *t)
{
	return t->kind_name;
}

int32_t tokenizer_bos(const struct tokenizer *t)
{
	return t->add_bos ? t->bos_id : -1;
}

int32_t tokenizer_bos_token(const struct tokenizer *t)
{
	return t->bos_id;
}

int32_t tokenizer_eos(const struct tokenizer *t)
{
	return t->eos_id;
}

enum status_code tokenizer_gpt2_split(struct tokenizer *t, struct status *st)
{
	if (t->n_steps == TOKENIZER_MAX_STEPS)
		return status_set(st, STATUS_INTERNAL, "too many pre-tokenizer steps");
	struct tokenizer_step *step = &t->steps[t->n_steps];
	*step = (struct tokenizer_step){ .kind = TOKENIZER_STEP_SPLIT, .behavior = TOKENIZER_ISOLATED };
	enum status_code rc = pretok_new(&step->re, st);
	if (rc == STATUS_OK)
		t->n_steps++;
	return rc;
}

int32_t tokenizer_token_id(const struct tokenizer *t, const char *token)
{
	int64_t *v = strmap_get(t->vocab, token, strlen(token));
	return v ? (int32_t)*v : -1;
}

const char *tokenizer_token_bytes(const struct tokenizer *t, int32_t id, size_t *len)
{
	if (id < 0 || (size_t)id >= t->n_vocab || t->tok_len[id] == UINT32_MAX)
		return NULL;
	*len = t->tok_len[id];
	return t->pool + t->tok_off[id];
}

/* The merge of the pair (a, b): rank << 32 | merged id, or -1. */
static int64_t merge_of(const struct tokenizer *t, int32_t a, int32_t b)
{
	int32_t key[2] = { a, b };
	int64_t *v = strmap_get(t->merges, key, sizeof key);
	return v ? *v : -1;
}

/* A min-heap of rank << 32 | position: lowest rank first, leftmost on ties. */
static void heap_push(int64_t *h, size_t *n, int64_t v)
{
	size_t i = (*n)++;
	while (i > 0 && h[(i - 1) / 2] > v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static int64_t heap_pop(int64_t *h, size_t *n)
{
	int64_t top = h[0], last = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= last)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

static enum status_code grow_scratch(struct tokenizer *t, size_t n, struct status *st)
{
	if (n <= t->sym_cap)
		return STATUS_OK;
	int32_t *s = realloc(t->sym, n * sizeof *s);
	if (s)
		t->sym = s;
	int32_t *nx = realloc(t->next, n * sizeof *nx);
	if (nx)
		t->next = nx;
	int32_t *pv = realloc(t->prev, n * sizeof *pv);
	if (pv)
		t->prev = pv;
	/* Each merge pushes at most two pairs: n - 1 initial + 2 (n - 1). */
	int64_t *h = realloc(t->heap, 3 * n * sizeof *h);
	if (h)
		t->heap = h;
	if (!s || !nx || !pv || !h)
		return status_set(st, STATUS_NOMEM, "out of memory");
	t->sym_cap = n;
	return STATUS_OK;
}

/* The length of the UTF-8 character at s (n > 0 bytes left); an invalid
 * byte is a character of its own. */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
	size_t need = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
	            : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 1;
	if (need > n)
		return 1;
	for (size_t k = 1; k < need; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 1;
	/* Overlong 3/4-byte forms, surrogates and code points past U+10FFFF. */
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) || (s[0] == 0xF0 && s[1] < 0x90) ||
	    (s[0] == 0xF4 && s[1] >= 0x90))
		return 1;
	return need;
}

/* The word's first symbols, in t->sym: one per byte for byte-level
 * tokenizers; else one per character in the vocabulary, its bytes' <0xNN>
 * tokens (byte_fallback), or unk (consecutive ones fused with fuse_unk) or
 * nothing, as Hugging Face's BPE does. Returns the count. */
static size_t first_symbols(struct tokenizer *t, const char *w, size_t n)
{
	int32_t *sym = t->sym;
	if (t->kind == TOKENIZER_BYTELEVEL) {
		for (size_t i = 0; i < n; i++)
			sym[i] = t->byte_id[(uint8_t)w[i]];
		return n;
	}
	size_t m = 0;
	int last_unk = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_char_len((const unsigned char *)w + i, n - i);
		int64_t *v = strmap_get(t->vocab, w + i, k);
		int fallback = !v && t->byte_fallback;
		for (size_t j = 0; fallback && j < k; j++)
			fallback = t->byte_id[(uint8_t)w[i + j]] >= 0;
		if (v) {
			sym[m++] = (int32_t)*v;
			last_unk = 0;
		} else if (fallback) {
			for (size_t j = 0; j < k; j++)
				sym[m++] = t->byte_id[(uint8_t)w[i + j]];
			last_unk = 0;
		} else if (t->unk_id >= 0 && !(last_unk && t->fuse_unk)) {
			sym[m++] = t->unk_id;
			last_unk = 1;
		}
		i += k;
	}
	return m;
}

/* With ignore_merges, a word that is itself a token is that token. */
static int64_t *whole_word(struct tokenizer *t, const char *w, size_t n)
{
	if (t->kind == TOKENIZER_CHARS)
		return strmap_get(t->vocab, w, n);
	if (n > SIZE_MAX / 2 - 1)
		return NULL;
	if (2 * n > t->wbuf_cap) {
		char *b = realloc(t->wbuf, 2 * n);
		if (!b)
			return NULL; /* only costs the shortcut: BPE gives the same ids for such words */
		t->wbuf = b;
		t->wbuf_cap = 2 * n;
	}
	return strmap_get(t->vocab, t->wbuf, bytelevel_encode(w, n, t->wbuf));
}

/* BPE of one word: the adjacent pair of lowest rank merges first, the
 * leftmost of equal pairs first, as Hugging Face's BPE does; GPT-2's
 * encoder.py (which merges every occurrence of the best pair per pass) gives
 * the same result whenever a merge ranks after the merges that make its
 * parts, as in every file BPE training writes. A heap of candidate pairs over
 * a linked list of symbols keeps long words (a 100 kB run of letters) at
 * n log n. */
enum status_code tokenizer_encode_word(struct tokenizer *t, const char *w, size_t n,
                                       struct tokenizer_ids *out, struct status *st)
{
	int cacheable = n <= TOKENIZER_CACHE_WORD_MAX;
	if (cacheable) {
		int64_t *v = strmap_get(t->cache, w, n);
		if (v) {
			const int32_t *c = t->cache_ids.ids + *v;
			if (tokenizer_ids_reserve(out, (size_t)c[0]))
				return status_set(st, STATUS_NOMEM, "out of memory");
			memcpy(out->ids + out->n, c + 1, (size_t)c[0] * sizeof *c);
			out->n += (size_t)c[0];
			return STATUS_OK;
		}
	}
	if (n > INT32_MAX)
		return status_set(st, STATUS_INVALID, "a word of %zu bytes is too long", n);
	int64_t *whole = t->ignore_merges ? whole_word(t, w, n) : NULL;
	if (whole) {
		if (tokenizer_ids_reserve(out, 1))
			return status_set(st, STATUS_NOMEM, "out of memory");
		out->ids[out->n++] = (int32_t)*whole;
		return STATUS_OK;
	}
	if (grow_scratch(t, n, st) != STATUS_OK)
		return st->code;
	int32_t *sym = t->sym, *next = t->next, *prev = t->prev;
	int64_t *heap = t->heap;
	size_t nh = 0, ns = first_symbols(t, w, n);
	if (ns == 0)
		return STATUS_OK;
	for (size_t i = 0; i < ns; i++) {
		next[i] = i + 1 < ns ? (int32_t)i + 1 : -1;
		prev[i] = (int32_t)i - 1;
	}
	for (size_t i = 0; i + 1 < ns; i++) {
		int64_t m = merge_of(t, sym[i], sym[i + 1]);
		if (m >= 0)
			heap_push(heap, &nh, (m & ~(int64_t)0xFFFFFFFF) | (int64_t)i);
	}
	while (nh) {
		int64_t top = heap_pop(heap, &nh);
		int32_t i = (int32_t)(top & 0xFFFFFFFF), j = next[i];
		/* Stale when i was absorbed (sym -1) or its pair changed since. */
		if (sym[i] < 0 || j < 0)
			continue;
		int64_t m = merge_of(t, sym[i], sym[j]);
		if (m < 0 || (m >> 32) != (top >> 32))
			continue;
		sym[i] = (int32_t)(m & 0xFFFFFFFF);
		sym[j] = -1;
		next[i] = next[j];
		if (next[j] >= 0)
			prev[next[j]] = i;
		if (prev[i] >= 0 && (m = merge_of(t, sym[prev[i]], sym[i])) >= 0)
			heap_push(heap, &nh, (m & ~(int64_t)0xFFFFFFFF) | prev[i]);
		if (next[i] >= 0 && (m = merge_of(t, sym[i], sym[next[i]])) >= 0)
			heap_push(heap, &nh, (m & ~(int64_t)0xFFFFFFFF) | i);
	}
	size_t m = 0;
	for (int32_t i = 0; i >= 0; i = next[i])
		sym[m++] = sym[i]; /* i >= m: compaction in place is safe */
	if (tokenizer_ids_reserve(out, m))
		return status_set(st, STATUS_NOMEM, "out of memory");
	memcpy(out->ids + out->n, sym, m * sizeof *sym);
	out->n += m;
	if (cacheable) {
		if (t->cache_ids.n + m + 1 > TOKENIZER_CACHE_IDS_MAX) {
			strmap_clear(t->cache);
			t->cache_ids.n = 0;
		}
		if (tokenizer_ids_reserve(&t->cache_ids, m + 1) == 0) {
			int added;
			int64_t *v = strmap_put(t->cache, w, n, &added);
			if (v) { /* a failed insert only costs speed */
				*v = (int64_t)t->cache_ids.n;
				t->cache_ids.ids[t->cache_ids.n++] = (int32_t)m;
				memcpy(t->cache_ids.ids + t->cache_ids.n, sym, m * sizeof *sym);
				t->cache_ids.n += m;
			}
		}
	}
	return STATUS_OK;
}

static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Where the next usable added token starts at or after `pos`: the earliest,
 * the longest at equal starts (specials are sorted longest first). */
static size_t next_added(struct tokenizer *t, const char *text, size_t len, size_t pos, unsigned flags,
                         size_t *next, size_t *best_k)
{
	size_t best = len;
	for (size_t k = 0; k < t->n_special; k++) {
		if ((flags & TOKENIZER_NO_SPECIAL) && t->special[k].special)
			continue;
		if (next[k] == SIZE_MAX || next[k] < pos) {
			const char *f = memmem(text + pos, len - pos, t->special[k].text, t->special[k].len);
			next[k] = f ? (size_t)(f - text) : len;
		}
		if (next[k] < best) {
			best = next[k];
			*best_k = k;
		}
	}
	return best;
}

enum status_code tokenizer_encode(struct tokenizer *t, const char *text, size_t len, unsigned flags,
                                  struct tokenizer_ids *out, struct status *st)
{
	if ((flags & TOKENIZER_BOS) && t->add_bos && t->bos_id >= 0) {
		if (tokenizer_ids_reserve(out, 1))
			return status_set(st, STATUS_NOMEM, "out of memory");
		out->ids[out->n++] = t->bos_id;
	}
	int cont = !!(flags & TOKENIZER_CONTINUE);
	if (!t->n_special)
		return len ? tokenizer_encode_span(t, text, len, 1, cont, out, st) : STATUS_OK;
	/* next[k]: where added token k occurs next at or after `pos` (len: nowhere). */
	size_t *next = malloc(t->n_special * sizeof *next);
	if (!next)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t k = 0; k < t->n_special; k++)
		next[k] = SIZE_MAX; /* not looked for yet */
	size_t pos = 0;
	enum status_code rc = STATUS_OK;
	while (rc == STATUS_OK && pos < len) {
		size_t k = 0, best = next_added(t, text, len, pos, flags, next, &k);
		size_t end = best; /* the plain text before it, less what lstrip takes */
		if (best < len && t->special[k].lstrip)
			while (end > pos && is_space(text[end - 1]))
				end--;
		if (end > pos)
			rc = tokenizer_encode_span(t, text + pos, end - pos, pos == 0, cont, out, st);
		if (rc == STATUS_OK && best < len) {
			if (tokenizer_ids_reserve(out, 1))
				rc = status_set(st, STATUS_NOMEM, "out of memory");
			else
				out->ids[out->n++] = t->special[k].id;
			best += t->special[k].len;
			if (t->special[k].rstrip)
				while (best < len && is_space(text[best]))
					best++;
		}
		pos = best;
	}
	free(next);
	return rc;
}

static enum status_code check_id(const struct tokenizer *t, int32_t id, struct status *st)
{
	if (id < 0 || (size_t)id >= t->n_vocab)
		return status_set(st, STATUS_INVALID, "id %d is out of range (vocabulary of %zu)", id, t->n_vocab);
	if (t->tok_len[id] == UINT32_MAX)
		return status_set(st, STATUS_INVALID, "id %d is not in the vocabulary", id);
	return STATUS_OK;
}

/* How many of the leading bytes of a text the decoder strips (Strip,
 * Metaspace: the space the encoder put before the first word). */
static size_t strip_count(const struct tokenizer *t, const char *s, size_t len)
{
	size_t k = 0;
	while (k < t->strip_lead && k < len && s[k] == ' ')
		k++;
	return k;
}

static enum status_code decode(const struct tokenizer *t, const int32_t *ids, size_t n, int cont,
                               char **text, size_t *len, struct status *st)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (check_id(t, ids[i], st) != STATUS_OK)
			return st ? st->code : STATUS_INVALID;
		total += t->tok_len[ids[i]];
	}
	char *s = malloc(total + 1);
	if (!s)
		return status_set(st, STATUS_NOMEM, "out of memory");
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + o, t->pool + t->tok_off[ids[i]], t->tok_len[ids[i]]);
		o += t->tok_len[ids[i]];
	}
	size_t k = cont ? 0 : strip_count(t, s, o);
	memmove(s, s + k, o - k);
	o -= k;
	s[o] = '\0';
	*text = s;
	*len = o;
	return STATUS_OK;
}

enum status_code tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n,
                                  char **text, size_t *len, struct status *st)
{
	return decode(t, ids, n, 0, text, len, st);
}

enum status_code tokenizer_decode_more(const struct tokenizer *t, const int32_t *ids, size_t n,
                                       char **text, size_t *len, struct status *st)
{
	return decode(t, ids, n, 1, text, len, st);
}

/* How many bytes at the end of `s` start a character that is not complete. */
static size_t utf8_unfinished(const char *s, size_t len)
{
	for (size_t k = 1; k <= 3 && k <= len; k++) {
		uint8_t c = (uint8_t)s[len - k];
		if ((c & 0xC0) == 0x80)
			continue; /* a continuation byte: look further back */
		size_t need = c >= 0xF0 && c <= 0xF7 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC0 && c <= 0xDF ? 2 : 1;
		return need > k ? k : 0;
	}
	return 0;
}

enum status_code tokenizer_stream_push(const struct tokenizer *t, struct tokenizer_stream *s, int32_t id,
                                       const char **text, size_t *len, struct status *st)
{
	if (check_id(t, id, st) != STATUS_OK)
		return st ? st->code : STATUS_INVALID;
	if (s->held)
		memmove(s->buf, s->buf + s->len - s->held, s->held);
	s->len = s->held;
	size_t n = t->tok_len[id];
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 64;
		while (cap < s->len + n)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return status_set(st, STATUS_NOMEM, "out of memory");
		s->buf = b;
		s->cap = cap;
	}
	if (n) /* a vocabulary may hold an empty token */
		memcpy(s->buf + s->len, t->pool + t->tok_off[id], n);
	s->len += n;
	if (!s->cont && s->len) { /* the text's first bytes: what decode strips */
		size_t k = strip_count(t, s->buf, s->len);
		memmove(s->buf, s->buf + k, s->len - k);
		s->len -= k;
		s->cont = 1;
	}
	s->held = utf8_unfinished(s->buf, s->len);
	*text = s->buf ? s->buf : "";
	*len = s->len - s->held;
	return STATUS_OK;
}

const char *tokenizer_stream_flush(struct tokenizer_stream *s, size_t *len)
{
	const char *p = s->buf ? s->buf + s->len - s->held : "";
	*len = s->held;
	s->len = s->held = 0;
	return p;
}

void tokenizer_stream_free(struct tokenizer_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = s->held = 0;
	s->cont = 0;
}
