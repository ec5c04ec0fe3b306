/* tui_fixture: a small RiC checkpoint with random weights for the ric-tui
 * tests (the byte-level tokenizer of tests/fixtures/gpt2/chat, objectives
 * length and brevity:4).
 *
 *   if (tui_fixture_make("tmp/ckpt", srcdir, 1024, 0, &st) != STATUS_OK) ...
 *
 * with_eos 0 gives a model without an EOS token, so every sample runs to its
 * token limit: long enough generations for cancellation to be observable.
 */
#ifndef RIC_TESTS_TUI_FIXTURE_H
#define RIC_TESTS_TUI_FIXTURE_H

#include "engine/status.h"

enum status_code tui_fixture_make(const char *dir, const char *srcdir, int positions, int with_eos,
                                  struct status *st);
/* The same checkpoint as a model_type other than GPT-2 ("llama": 4 heads
 * over 2 KV heads), with that family's initialisation. */
enum status_code tui_fixture_make_type(const char *dir, const char *srcdir, int positions,
                                       int with_eos, const char *model_type, struct status *st);

#endif
