/* tokenizer: byte-pair encoding exactly as GPT-2, Llama, Mistral, Qwen2 and
 * Hugging Face's tokenizers encode.
 *
 *   struct tokenizer *t;
 *   struct status st = STATUS_INIT;
 *   if (tokenizer_load("models/gpt2", &t, &st) != STATUS_OK) return st.code;
 *   struct tokenizer_ids ids = { 0 };
 *   tokenizer_encode(t, "Hello world", 11, TOKENIZER_BOS, &ids, &st);   // 15496 995
 *   char *text; size_t len;
 *   tokenizer_decode(t, ids.ids, ids.n, &text, &len, &st);   // "Hello world"
 *   free(text);
 *   tokenizer_ids_free(&ids);
 *   tokenizer_free(t);
 *
 * A tokenizer folder holds vocab.json + merges.txt (GPT-2's files: merges.txt
 * starts with "#version: 0.2", a merge's rank is its line order), or else a
 * tokenizer.json whose model is BPE (merges as "a b" strings or ["a", "b"]
 * pairs) of one of two kinds:
 *  - byte-level: the pre-tokenizer holds ByteLevel (GPT-2's regex with
 *    use_regex, or after a Split with the model's own regex, as Llama 3,
 *    Qwen2 and SmolLM write it; Digits too); symbols are bytes;
 *  - characters (SentencePiece's BPE as Llama 2, TinyLlama and Mistral write
 *    it): normalizer Prepend("▁") + Replace(" ", "▁") or a Metaspace
 *    pre-tokenizer; symbols are characters, byte_fallback to <0xNN> tokens,
 *    unk_token and fuse_unk; the decoder Replace("▁", " ") + ByteFallback +
 *    Fuse + Strip (or Metaspace).
 * ignore_merges (a word that is a token is that token) is honoured. Any other
 * model, normalizer, pre-tokenizer or decoder is refused with a message
 * naming the file and key. Next to it, tokenizer_config.json (add_bos_token,
 * bos_token, eos_token) and config.json (bos_token_id, eos_token_id) give
 * the sequence ids; tokenizer.json's post_processor says whether a BOS starts
 * each text when tokenizer_config.json does not.
 *
 * Added tokens, recognised in the text before anything else: tokenizer.json's
 * added_tokens (those marked special are plain text under
 * TOKENIZER_NO_SPECIAL, the others always match; lstrip and rstrip take the
 * whitespace beside them; they are matched in the raw text whether or not
 * marked normalized, and single_word is not applied); with vocab.json, every
 * entry spelled "<|name|>" (GPT-2's <|endoftext|>; name of letters, digits and
 * underscores) plus the entries of added_tokens.json when present. Added
 * tokens match exactly where they occur (longest first).
 *
 * Encoding: added tokens split the text first; each remaining span goes
 * through the normalizer and pre-tokenizer (GPT-2's by default,
 * engine/pretok.h), each word is merged by rank; results are cached per word.
 * Invalid UTF-8 still encodes: byte-level words hold any bytes, and for
 * characters each invalid byte is a character of its own (its <0xNN> token).
 * So decode(encode(x)) == x for any bytes x when every byte has a token.
 *
 * Decoding: tokenizer_decode() concatenates the tokens' bytes (byte-level
 * characters mapped back; "▁" as a space and <0xNN> as its byte for the
 * character kind) and strips what the decoder strips at the start of a text
 * (Llama 2's one space); tokenizer_decode_more() decodes ids that continue a
 * text (a prompt's continuation) without that strip. It never substitutes
 * U+FFFD: ids that end inside a character, or byte tokens that are not valid
 * UTF-8, come out as the raw bytes (Hugging Face's ByteFallback would write
 * U+FFFD), so decoding is lossless. For streaming, tokenizer_stream_push()
 * returns only complete characters and holds back the bytes of a character
 * that the next token may finish (at most 3); tokenizer_stream_flush()
 * returns what is held. The concatenation of everything a stream returns
 * equals tokenizer_decode() of the same ids (tokenizer_decode_more() when the
 * stream's `cont` was set to 1 before the first push).
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

enum {
	TOKENIZER_NO_SPECIAL = 1, /* encode special tokens' text as plain text */
	TOKENIZER_BOS = 2,        /* start with the BOS id when the model's texts do (tokenizer_bos) */
	TOKENIZER_CONTINUE = 4    /* the text continues earlier text: nothing ("▁", a space) is prepended */
};

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
/* What kind it is, in words ("byte-level BPE (tokenizer.json)"...). */
const char *tokenizer_kind(const struct tokenizer *t);
/* The id every text starts with (Llama's <s>), or -1 when texts start with none. */
int32_t tokenizer_bos(const struct tokenizer *t);
/* The BOS token whether or not texts start with it, or -1. */
int32_t tokenizer_bos_token(const struct tokenizer *t);
/* The end-of-sequence id (tokenizer_config.json, config.json, else
 * <|endoftext|>), or -1. */
int32_t tokenizer_eos(const struct tokenizer *t);
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
/* The same for ids that continue a text: no leading space is stripped. */
enum status_code tokenizer_decode_more(const struct tokenizer *t, const int32_t *ids, size_t n,
                                       char **text, size_t *len, struct status *st);

struct tokenizer_stream {
	char *buf;
	size_t len, cap, held;
	int cont; /* 1: the ids continue a text (see tokenizer_decode_more) */
};
/* Decodes one more id; *text (valid until the next call) gets the bytes ready
 * to print, *len their count. */
enum status_code tokenizer_stream_push(const struct tokenizer *t, struct tokenizer_stream *s, int32_t id,
                                       const char **text, size_t *len, struct status *st);
/* Returns the bytes still held back (an unfinished character), and resets. */
const char *tokenizer_stream_flush(struct tokenizer_stream *s, size_t *len);
void tokenizer_stream_free(struct tokenizer_stream *s);

#endif
