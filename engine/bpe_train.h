/* bpe_train: learn a GPT-2-style byte-level BPE from text.
 *
 *   struct bpe_train *tr;
 *   if (bpe_train_new(&tr, &st) != STATUS_OK) return st.code;
 *   bpe_train_add_file(tr, "fortunes.txt", &st);      // or bpe_train_add_text()
 *   bpe_train_run(tr, 4096, &hooks, &st);             // 256 bytes + 3839 merges + <|endoftext|>
 *   bpe_train_save(tr, "out/tok", &st);               // vocab.json, merges.txt, tokenizer.json
 *   bpe_train_free(tr);
 *
 * Text is cut at "<|endoftext|>" (never learned) and split into words by
 * GPT-2's pre-tokenizer (engine/pretok.h); identical words are counted once.
 * The base vocabulary is the 256 byte tokens in GPT-2's order (ids 0-255 as in
 * GPT-2's own vocab.json); each step merges the adjacent pair with the highest
 * count over all words (ties: the pair of smaller ids), until the vocabulary
 * plus <|endoftext|> (the last id) reaches the size asked for or no pair is
 * left. Pair counts are updated incrementally from the words a merge touches,
 * so a step costs the size of those words, not of the corpus. Deterministic:
 * the same texts in the same order give the same files.
 *
 * The files are GPT-2's format, read back by engine/tokenizer.h and by Hugging
 * Face's GPT2Tokenizer (vocab.json, merges.txt) and tokenizers (tokenizer.json);
 * tokenizer_config.json names GPT2Tokenizer and <|endoftext|> for AutoTokenizer.
 */
#ifndef RIC_ENGINE_BPE_TRAIN_H
#define RIC_ENGINE_BPE_TRAIN_H

#include <stddef.h>

#include "engine/status.h"

#define BPE_TRAIN_SPECIAL "<|endoftext|>"

struct bpe_train;

enum status_code bpe_train_new(struct bpe_train **out, struct status *st);
void bpe_train_free(struct bpe_train *tr);

enum status_code bpe_train_add_text(struct bpe_train *tr, const char *text, size_t len, struct status *st);
enum status_code bpe_train_add_file(struct bpe_train *tr, const char *path, struct status *st);

/* Learns merges until the vocabulary has `vocab_size` entries (at least 257:
 * the bytes and the special). Polls h->abort between merges. */
enum status_code bpe_train_run(struct bpe_train *tr, size_t vocab_size, const struct hooks *h,
                               struct status *st);

/* The learned merges, in rank order, spelled as in merges.txt ("Ġ t"). */
size_t bpe_train_merge_count(const struct bpe_train *tr);
const char *bpe_train_merge(const struct bpe_train *tr, size_t i, const char **second);
/* The size of the vocabulary learned, special included. */
size_t bpe_train_vocab_size(const struct bpe_train *tr);

/* Writes vocab.json, merges.txt, tokenizer.json and tokenizer_config.json into `dir` (created
 * if missing), each through a temporary file renamed into place. */
enum status_code bpe_train_save(const struct bpe_train *tr, const char *dir, struct status *st);

#endif
