/* tokenizer: the vocabulary and merge tables, encoding and decoding (the file
 * formats are in tokenizer_load.c). */
#include "config.h"

#include "engine/bytelevel.h"
#include "engine/tokenizer_impl.h"

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

static int ids_reserve(struct tokenizer_ids *ids, size_t more)
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
	enum status_code rc = pretok_new(&t->pre, st);
	if (rc != STATUS_OK) {
		tokenizer_free(t);
		return rc;
	}
	for (int b = 0; b < 256; b++)
		t->byte_id[b] = -1;
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
	pretok_free(t->pre);
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

/* Records the bytes of `id`: the byte-level decoding of its spelling, or the
 * spelling itself for tokens outside the byte alphabet (added tokens). */
static enum status_code set_bytes(struct tokenizer *t, int32_t id, const char *spelled, size_t len,
                                  struct status *st)
{
	uint8_t *tmp = malloc(len ? len : 1);
	if (!tmp)
		return status_set(st, STATUS_NOMEM, "out of memory");
	long n = bytelevel_decode(spelled, len, tmp);
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
                                       struct status *st)
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
	struct tokenizer_special *sp = realloc(t->special, (t->n_special + 1) * sizeof *sp);
	if (!sp)
		return status_set(st, STATUS_NOMEM, "out of memory");
	t->special = sp;
	char *copy = malloc(len);
	if (!copy)
		return status_set(st, STATUS_NOMEM, "out of memory");
	memcpy(copy, text, len);
	sp[t->n_special++] = (struct tokenizer_special){ copy, len, id };
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
	for (int b = 0; b < 256; b++) {
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

/* BPE of one word, from its bytes: the adjacent pair of lowest rank merges
 * first, the leftmost of equal pairs first; GPT-2's encoder.py (which merges
 * every occurrence of the best pair per pass) gives the same result whenever
 * a merge ranks after the merges that make its parts, as in every file BPE
 * training writes. A heap of candidate pairs over a linked list of symbols
 * keeps long words (a 100 kB run of letters) at n log n. */
static enum status_code encode_word(struct tokenizer *t, const char *w, size_t n,
                                    struct tokenizer_ids *out, struct status *st)
{
	int cacheable = n <= TOKENIZER_CACHE_WORD_MAX;
	if (cacheable) {
		int64_t *v = strmap_get(t->cache, w, n);
		if (v) {
			const int32_t *c = t->cache_ids.ids + *v;
			if (ids_reserve(out, (size_t)c[0]))
				return status_set(st, STATUS_NOMEM, "out of memory");
			memcpy(out->ids + out->n, c + 1, (size_t)c[0] * sizeof *c);
			out->n += (size_t)c[0];
			return STATUS_OK;
		}
	}
	if (n > INT32_MAX)
		return status_set(st, STATUS_INVALID, "a word of %zu bytes is too long", n);
	if (grow_scratch(t, n, st) != STATUS_OK)
		return st->code;
	int32_t *sym = t->sym, *next = t->next, *prev = t->prev;
	int64_t *heap = t->heap;
	size_t nh = 0;
	for (size_t i = 0; i < n; i++) {
		sym[i] = t->byte_id[(uint8_t)w[i]];
		next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
		prev[i] = (int32_t)i - 1;
	}
	for (size_t i = 0; i + 1 < n; i++) {
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
	if (ids_reserve(out, m))
		return status_set(st, STATUS_NOMEM, "out of memory");
	memcpy(out->ids + out->n, sym, m * sizeof *sym);
	out->n += m;
	if (cacheable) {
		if (t->cache_ids.n + m + 1 > TOKENIZER_CACHE_IDS_MAX) {
			strmap_clear(t->cache);
			t->cache_ids.n = 0;
		}
		if (ids_reserve(&t->cache_ids, m + 1) == 0) {
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

struct encode_ctx {
	struct tokenizer *t;
	struct tokenizer_ids *out;
	struct status *st;
};

static int encode_piece(void *ctx, const char *w, size_t n)
{
	struct encode_ctx *c = ctx;
	return (int)encode_word(c->t, w, n, c->out, c->st);
}

static enum status_code encode_plain(struct tokenizer *t, const char *text, size_t len,
                                     struct tokenizer_ids *out, struct status *st)
{
	struct encode_ctx c = { t, out, st };
	return (enum status_code)pretok_split(t->pre, text, len, encode_piece, &c);
}

enum status_code tokenizer_encode(struct tokenizer *t, const char *text, size_t len, unsigned flags,
                                  struct tokenizer_ids *out, struct status *st)
{
	if (!t->n_special || (flags & TOKENIZER_NO_SPECIAL))
		return encode_plain(t, text, len, out, st);
	/* next[k]: where special k occurs next at or after `pos` (len: nowhere). */
	size_t *next = malloc(t->n_special * sizeof *next);
	if (!next)
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (size_t k = 0; k < t->n_special; k++) {
		const char *f = memmem(text, len, t->special[k].text, t->special[k].len);
		next[k] = f ? (size_t)(f - text) : len;
	}
	size_t pos = 0;
	enum status_code rc = STATUS_OK;
	while (rc == STATUS_OK && pos < len) {
		size_t best = len, best_k = 0;
		for (size_t k = 0; k < t->n_special; k++) {
			if (next[k] < pos) {
				const char *f = memmem(text + pos, len - pos, t->special[k].text, t->special[k].len);
				next[k] = f ? (size_t)(f - text) : len;
			}
			if (next[k] < best) { /* specials are sorted longest first: ties keep the longest */
				best = next[k];
				best_k = k;
			}
		}
		if (best > pos)
			rc = encode_plain(t, text + pos, best - pos, out, st);
		if (rc == STATUS_OK && best < len) {
			if (ids_reserve(out, 1))
				rc = status_set(st, STATUS_NOMEM, "out of memory");
			else
				out->ids[out->n++] = t->special[best_k].id;
			best += t->special[best_k].len;
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

enum status_code tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n,
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
	s[o] = '\0';
	*text = s;
	*len = o;
	return STATUS_OK;
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
}
