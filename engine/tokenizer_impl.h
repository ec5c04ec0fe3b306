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

#include <jansson.h>

/* Ids above this are refused: a corrupt file must not make us allocate GBs. */
#define TOKENIZER_MAX_ID 16777215
/* Nor ids further than this past the entries there are (vocabularies are
 * dense: GPT-2's ids are 0..50256), so memory follows the file's size. */
#define TOKENIZER_ID_GAP 65536

struct tokenizer_special {
	char *text;
	size_t len;
	int32_t id;
	unsigned char special; /* 0: an added token TOKENIZER_NO_SPECIAL still matches */
	unsigned char lstrip, rstrip; /* it takes the whitespace before / after it */
};

/* One step of a tokenizer.json pre-tokenizer, applied to each piece the
 * previous step made (see tokenizer_pipe.c). */
enum tokenizer_step_kind {
	TOKENIZER_STEP_SPLIT,       /* a regex or string Split, Digits, ByteLevel's regex */
	TOKENIZER_STEP_PREFIX,      /* ByteLevel add_prefix_space: " " before a piece */
	TOKENIZER_STEP_METASPACE    /* Metaspace: spaces to "▁", prepend, split */
};
enum tokenizer_split_behavior {
	TOKENIZER_ISOLATED, TOKENIZER_REMOVED, TOKENIZER_MERGED_PREVIOUS, TOKENIZER_MERGED_NEXT
};
enum tokenizer_prepend { TOKENIZER_PREPEND_ALWAYS, TOKENIZER_PREPEND_FIRST, TOKENIZER_PREPEND_NEVER };

struct tokenizer_step {
	enum tokenizer_step_kind kind;
	struct pretok *re;                       /* SPLIT */
	enum tokenizer_split_behavior behavior;  /* SPLIT */
	enum tokenizer_prepend prepend;          /* METASPACE */
	int split;                               /* METASPACE: split before each "▁" */
	char repl[8];                            /* METASPACE: the replacement character */
	size_t repl_len;
};
#define TOKENIZER_MAX_STEPS 8

/* A normalizer step: Replace (a String pattern `from` by `to`), Prepend
 * `to` to a non-empty text when from_len is 0, or a Unicode normalization
 * form (NFC, NFD, NFKC, NFKD as utf8proc options) when `form` is not 0. */
struct tokenizer_replace {
	char *from, *to;
	size_t from_len, to_len;
	int form;
};
#define TOKENIZER_MAX_NORMALIZERS 8

/* What the model's symbols are: bytes mapped to printable characters
 * (GPT-2, Llama 3, Qwen2) or Unicode characters with <0xNN> byte tokens for
 * the others (SentencePiece's BPE: Llama 2, Mistral). */
enum tokenizer_kind { TOKENIZER_BYTELEVEL, TOKENIZER_CHARS };

struct tokenizer {
	enum tokenizer_kind kind;
	const char *kind_name;   /* for ric info: "byte-level BPE" ... */
	size_t n_vocab;          /* largest id + 1 */
	size_t *tok_off;         /* [n_vocab] bytes of each id in `pool` */
	uint32_t *tok_len;       /* [n_vocab]; UINT32_MAX: no token has this id */
	char *pool;
	size_t pool_len, pool_cap;
	struct strmap *vocab;    /* spelled token -> id */
	struct strmap *merges;   /* (int32 a, int32 b) -> rank << 32 | merged id */
	size_t n_merges;
	int32_t byte_id[256];    /* the token of each byte: its byte-level character or <0xNN>; -1 none */
	struct tokenizer_special *special;
	size_t n_special;
	/* tokenizer.json's normalizer: Prepend and Replace steps in order. */
	struct tokenizer_replace norm[TOKENIZER_MAX_NORMALIZERS];
	size_t n_norm;
	/* Its pre-tokenizer; none: the (normalized) text is one word. */
	struct tokenizer_step steps[TOKENIZER_MAX_STEPS];
	size_t n_steps;
	/* The BPE model's options. */
	int byte_fallback, fuse_unk, ignore_merges;
	int32_t unk_id;          /* -1: characters without a token are dropped, as HF does */
	/* The decoder: how a token's spelling becomes bytes, and how many
	 * leading spaces it strips from a text (Strip, Metaspace). */
	int dec_metaspace;       /* "▁" decodes to " " */
	int dec_byte_fallback;   /* <0xNN> decodes to the byte */
	unsigned strip_lead;
	/* Sequence ids: -1 when the tokenizer has none. */
	int32_t bos_id, eos_id;
	int add_bos;             /* the model's texts start with bos_id */
	struct strmap *cache;    /* word bytes -> offset in cache_ids: count, ids... */
	struct tokenizer_ids cache_ids;
	/* Scratch for the word being merged: symbols, their neighbours, a heap. */
	int32_t *sym, *next, *prev;
	int64_t *heap;
	size_t sym_cap, heap_cap;
	char *wbuf;              /* a word spelled as the vocabulary spells it (ignore_merges) */
	size_t wbuf_cap;
};

enum status_code tokenizer_new(struct tokenizer **out, struct status *st);
enum status_code tokenizer_reserve(struct tokenizer *t, size_t n_vocab, struct status *st);
enum status_code tokenizer_add_token(struct tokenizer *t, const char *spelled, size_t len, int64_t id,
                                     struct status *st);
enum status_code tokenizer_add_merge(struct tokenizer *t, const char *a, size_t alen,
                                     const char *b, size_t blen, struct status *st);
/* An added token: matched in the text before anything else; flags: */
enum {
	TOKENIZER_ADDED_PLAIN = 1,  /* not special: matched even with TOKENIZER_NO_SPECIAL */
	TOKENIZER_ADDED_LSTRIP = 2, /* takes the whitespace before it */
	TOKENIZER_ADDED_RSTRIP = 4  /* takes the whitespace after it */
};
enum status_code tokenizer_add_special(struct tokenizer *t, const char *text, size_t len, int32_t id,
                                       unsigned flags, struct status *st);
enum status_code tokenizer_finish(struct tokenizer *t, struct status *st);
/* Adds GPT-2's pre-tokenizer (engine/pretok.h) as the next step. */
enum status_code tokenizer_gpt2_split(struct tokenizer *t, struct status *st);

/* tokenizer.json: the normalizer, pre-tokenizer, model options, decoder and
 * added tokens of `root` (tokenizer_json.c). */
enum status_code tokenizer_json_parse(struct tokenizer *t, json_t *root, const char *name, struct status *st);
/* Adds the {token: id} entries of `vocab`; `what` names it in messages. */
enum status_code tokenizer_load_vocab(struct tokenizer *t, json_t *vocab, const char *what, struct status *st);

/* Encoding one span of plain text (no added tokens in it): normalizer,
 * pre-tokenizer steps, then tokenizer_encode_word on each word
 * (tokenizer_pipe.c). `at_start`: the span starts the text; `cont`: the
 * text continues earlier text (TOKENIZER_CONTINUE). */
enum status_code tokenizer_encode_span(struct tokenizer *t, const char *text, size_t len, int at_start, int cont,
                                       struct tokenizer_ids *out, struct status *st);
enum status_code tokenizer_encode_word(struct tokenizer *t, const char *w, size_t n,
                                       struct tokenizer_ids *out, struct status *st);
int tokenizer_ids_reserve(struct tokenizer_ids *ids, size_t more);

#endif
