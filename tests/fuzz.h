/* fuzz: the contract between a fuzz harness and tests/fuzz_replay.c.
 *
 * Each harness (tests/fuzz_<name>.c) defines LLVMFuzzerTestOneInput for
 * libFuzzer (`make fuzz`) and fuzz_accepts(), which returns 1 when the input
 * parsed and 0 when it was refused with a proper message; either way the
 * harness aborts on a broken invariant. `make check` replays the seed corpus
 * tests/fuzz/corpus/<name>/ (files named ok-* must be accepted, bad-* refused).
 */
#ifndef RIC_TESTS_FUZZ_H
#define RIC_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_accepts(const uint8_t *data, size_t size);

/* Aborts unless a refusal carries one line that starts with `name: `. */
void fuzz_check_message(const struct status *st, const char *name);

#endif
