/* tokenizer: GPT-2 byte-level BPE, exactly as GPT-2 and Hugging Face encode.
 *
 *   struct tokenizer *t;
 *   struct status st = STATUS_INIT;
 *   if (tokenizer_load("models/gpt2", &t, &st) != STATUS_OK) return st.code;
 *   struct tokenizer_ids ids = { 0 };
 *   tokenizer_encode(t, "Hello world", 11, 0, &ids, &st);   // 15496 995
 *   char *text; size_t len;
 *   tokenizer_decode(t, ids.ids, ids.n, &text, &len, &st);   // "Hello world"
 *   free(text);
 *   tokenizer_ids_free(&ids);
 *   tokenizer_free(t);
 *
 * A tokenizer folder holds vocab.json + merges.txt (GPT-2's files: merges.txt
 * starts with "#version: 0.2", a merge's rank is its line order), or else a
 * tokenizer.json whose model is BPE with a ByteLevel pre-tokenizer (merges as
 * "a b" strings or ["a", "b"] pairs). Special tokens, recognised in the text
 * unless TOKENIZER_NO_SPECIAL is given: tokenizer.json's added_tokens; with
 * vocab.json, every entry spelled "<|name|>" (GPT-2's <|endoftext|>; name of
 * letters, digits and underscores) plus the entries of added_tokens.json
 * when present. Added tokens match exactly where
 * they occur (longest first); tokenizer.json's lstrip, rstrip, single_word and
 * normalized flags are not applied (GPT-2's own files do not set them).
 *
 * Encoding: specials split the text first; each remaining span goes through
 * GPT-2's pre-tokenizer (engine/pretok.h), each word is mapped to byte-level
 * characters and merged by rank; results are cached per word. Invalid UTF-8
 * still encodes: its bytes form words of their own (see pretok.h) and every
 * byte has a token, so decode(encode(x)) == x for any bytes x.
 *
 * Decoding: tokenizer_decode() concatenates the tokens' raw bytes. It never
 * substitutes U+FFFD: ids that end inside a character, or tokens that are not
 * valid UTF-8 on their own, come out as the raw bytes, so decoding is lossless
 * and the output equals the bytes that were encoded. For streaming,
 * tokenizer_stream_push() returns only complete characters and holds back the
 * bytes of a character that the next token may finish (at most 3);
 * tokenizer_stream_flush() returns what is held. The concatenation of
 * everything a stream returns equals tokenizer_decode() of the same ids.
 *
 * A tokenizer is used by one thread at a time (encoding updates its cache).
 */
#ifndef RIC_ENGINE_TOKENIZER_H
#define RIC_ENGINE_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

struct tokenizer;

/* A growable list of token ids; encoding appends to it. Start from { 0 }. */
struct tokenizer_ids {
	int32_t *ids;
	size_t n, cap;
};
void tokenizer_ids_free(struct tokenizer_ids *ids);

enum { TOKENIZER_NO_SPECIAL = 1 }; /* encode special tokens' text as plain text */

/* Loads a tokenizer folder (see above). */
enum status_code tokenizer_load(const char *dir, struct tokenizer **out, struct status *st);
/* From the contents of vocab.json and merges.txt; `name` prefixes messages. */
enum status_code tokenizer_load_bpe(const char *vocab_json, size_t vocab_len,
                                    const char *merges, size_t merges_len, const char *name,
                                    struct tokenizer **out, struct status *st);
/* From the contents of a tokenizer.json. */
enum status_code tokenizer_load_json(const char *json, size_t len, const char *name,
                                     struct tokenizer **out, struct status *st);
void tokenizer_free(struct tokenizer *t);

/* One more than the largest id. */
size_t tokenizer_vocab_size(const struct tokenizer *t);
/* The id of a token spelled as in vocab.json ("Ġworld", "<|endoftext|>"), or -1. */
int32_t tokenizer_token_id(const struct tokenizer *t, const char *token);
/* The bytes token `id` stands for, or NULL when `id` is not in the vocabulary. */
const char *tokenizer_token_bytes(const struct tokenizer *t, int32_t id, size_t *len);

enum status_code tokenizer_encode(struct tokenizer *t, const char *text, size_t len, unsigned flags,
                                  struct tokenizer_ids *out, struct status *st);

/* The raw bytes of `ids` in a new NUL-terminated buffer; STATUS_INVALID naming
 * the first id outside the vocabulary. */
enum status_code tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n,
                                  char **text, size_t *len, struct status *st);

struct tokenizer_stream {
	char *buf;
	size_t len, cap, held;
};
/* Decodes one more id; *text (valid until the next call) gets the bytes ready
 * to print, *len their count. */
enum status_code tokenizer_stream_push(const struct tokenizer *t, struct tokenizer_stream *s, int32_t id,
                                       const char **text, size_t *len, struct status *st);
/* Returns the bytes still held back (an unfinished character), and resets. */
const char *tokenizer_stream_flush(struct tokenizer_stream *s, size_t *len);
void tokenizer_stream_free(struct tokenizer_stream *s);

#endif
