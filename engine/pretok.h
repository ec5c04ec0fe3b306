/* pretok: GPT-2's pre-tokenizer, splitting text into the words BPE works on.
 *
 *   struct pretok *p;
 *   if (pretok_new(&p, &st) != STATUS_OK) return st.code;
 *   pretok_split(p, text, len, on_word, ctx);   // "Hello world!" -> "Hello" " world" "!"
 *   pretok_free(p);
 *
 * The pattern is GPT-2's, matched by PCRE2 with UTF and Unicode properties
 * (compiled once, JIT when available, match data reused):
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * where \s is Python's (Unicode White_Space), as in GPT-2's encoder.py.
 * Valid UTF-8 is covered completely by matches. Bytes of invalid UTF-8 match
 * nothing (PCRE2_MATCH_INVALID_UTF); each run of them between two matches is
 * passed on as one word of its own, so every input byte reaches the encoder.
 * pretok_new_regex() compiles a tokenizer.json Split pattern instead (written
 * for Oniguruma, which Hugging Face uses): \s and \S are rewritten to
 * Python's/Oniguruma's White_Space set as above; pretok_split_pieces() then
 * also says which pieces are matches (Split's behaviours need it). Empty
 * matches are skipped, as Hugging Face drops empty pieces.
 * A pretok is used by one thread at a time.
 */
#ifndef RIC_ENGINE_PRETOK_H
#define RIC_ENGINE_PRETOK_H

#include <stddef.h>

#include "engine/status.h"

struct pretok;

enum status_code pretok_new(struct pretok **out, struct status *st);
/* A Split pattern (`is_regex`) or a literal string to split on; messages
 * start with the problem ("\\S in a character class is not supported"). */
enum status_code pretok_new_regex(const char *pattern, size_t len, int is_regex, struct pretok **out,
                                  struct status *st);
void pretok_free(struct pretok *p);

/* Calls `fn` for each word in order, with its bytes; a non-zero return stops
 * the split and is returned. */
int pretok_split(struct pretok *p, const char *text, size_t len,
                 int (*fn)(void *ctx, const char *word, size_t n), void *ctx);

/* As pretok_split, with `match` 1 for pieces the pattern matched and 0 for
 * the text between matches. */
int pretok_split_pieces(struct pretok *p, const char *text, size_t len,
                        int (*fn)(void *ctx, const char *piece, size_t n, int match), void *ctx);

#endif
