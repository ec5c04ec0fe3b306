/* tokenizer_impl: the tokenizer's private layout, shared by tokenizer.c (the
 * tables, encoding, decoding) and tokenizer_load.c (the file formats).
 * Loading: tokenizer_new, tokenizer_reserve, tokenizer_add_token for every
 * vocabulary entry, tokenizer_add_merge in rank order, tokenizer_add_special,
 * then tokenizer_finish. */
#ifndef RIC_ENGINE_TOKENIZER_IMPL_H
#define RIC_ENGINE_TOKENIZER_IMPL_H

#include "engine/pretok.h"
#include "engine/strmap.h"
#include "engine/tokenizer.h"

/* Ids above this are refused: a corrupt file must not make us allocate GBs. */
#define TOKENIZER_MAX_ID 16777215
/* Nor ids further than this past the entries there are (vocabularies are
 * dense: GPT-2's ids are 0..50256), so memory follows the file's size. */
#define TOKENIZER_ID_GAP 65536

struct tokenizer_special {
	char *text;
	size_t len;
	int32_t id;
};

struct tokenizer {
	size_t n_vocab;          /* largest id + 1 */
	size_t *tok_off;         /* [n_vocab] bytes of each id in `pool` */
	uint32_t *tok_len;       /* [n_vocab]; UINT32_MAX: no token has this id */
	char *pool;
	size_t pool_len, pool_cap;
	struct strmap *vocab;    /* spelled token -> id */
	struct strmap *merges;   /* (int32 a, int32 b) -> rank << 32 | merged id */
	size_t n_merges;
	int32_t byte_id[256];
	struct tokenizer_special *special;
	size_t n_special;
	struct pretok *pre;
	struct strmap *cache;    /* word bytes -> offset in cache_ids: count, ids... */
	struct tokenizer_ids cache_ids;
	/* Scratch for the word being merged: symbols, their neighbours, a heap. */
	int32_t *sym, *next, *prev;
	int64_t *heap;
	size_t sym_cap, heap_cap;
};

enum status_code tokenizer_new(struct tokenizer **out, struct status *st);
enum status_code tokenizer_reserve(struct tokenizer *t, size_t n_vocab, struct status *st);
enum status_code tokenizer_add_token(struct tokenizer *t, const char *spelled, size_t len, int64_t id,
                                     struct status *st);
enum status_code tokenizer_add_merge(struct tokenizer *t, const char *a, size_t alen,
                                     const char *b, size_t blen, struct status *st);
enum status_code tokenizer_add_special(struct tokenizer *t, const char *text, size_t len, int32_t id,
                                       struct status *st);
enum status_code tokenizer_finish(struct tokenizer *t, struct status *st);

#endif
